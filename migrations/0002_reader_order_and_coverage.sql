-- What the PostgreSQL reader (src/store/postgres/reader.ts, issue #15) needs beyond 0001 to answer every
-- batch and relationship lookup with one indexed statement, in the in-memory snapshot's order.

-- Source order (src/kb/knowledge-base.ts inSourceOrder): a statement stands where the evidence of its first
-- report in force starts (its first report when every one is retracted), sources in file order, ties in file
-- order. `position` is file order, which is not source order once a later article adds reports; these two
-- columns with `position` are the sort key of every statement list. A writer that adds or retracts a
-- statement's first report updates them; nothing else moves them (sources keep their positions).
ALTER TABLE statements ADD COLUMN first_source_position integer, ADD COLUMN first_evidence_start integer;
UPDATE statements SET (first_source_position, first_evidence_start) = (
  SELECT source.position, report.evidence_start
    FROM statement_reports report JOIN sources source ON source.id = report.source_id
   WHERE report.statement_id = statements.id
   ORDER BY report.retracted, report.ordinal
   LIMIT 1);
ALTER TABLE statements ALTER COLUMN first_source_position SET NOT NULL, ALTER COLUMN first_evidence_start SET NOT NULL;
CREATE INDEX statements_source_order ON statements (first_source_position, first_evidence_start, position);

-- Which sources have evidence about which records (src/kb/coverage.ts coverageOf over the records in force):
-- one row per (record, source) pair, `ordinal` the source's place in the record's first-seen order. It
-- answers both "sources about this record" (by record_id, in ordinal order) and "records this source
-- covers" (by source_id). Coverage walks every evidence span of the knowledge base, so db:import computes
-- it with the server's own function rather than SQL restating it; a database imported before this
-- migration has no rows here until it is imported again.
CREATE TABLE record_sources (
  record_id text NOT NULL REFERENCES records (id),
  ordinal integer NOT NULL,
  source_id text NOT NULL REFERENCES sources (id),
  PRIMARY KEY (record_id, ordinal)
);
CREATE INDEX record_sources_source ON record_sources (source_id, record_id);
