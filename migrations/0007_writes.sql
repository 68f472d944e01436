-- Changes through the API (issue #15): a mutation writes one record's rows in a transaction, so every
-- derived row must be something a write can redo for the records it changes alone.

-- Coverage (src/kb/coverage.ts) is "the sources with a span about a record, in first-seen order" over a
-- walk of every fact of the knowledge base. Kept whole, one changed statement would mean walking them all
-- again. Instead each span of each fact in force is a row here, named by the record whose fact it is
-- (`contributor_id`) and placed by `walk`, its position in the snapshot's walk (persons, countries,
-- organizations, events, then statements in source order; within a record, its facts and their spans in
-- order). A write replaces the rows of the records it changed; a record's sources are the pairs here, in the
-- order of each pair's first span.
CREATE TABLE coverage_spans (
  record_id text NOT NULL,
  source_id text NOT NULL,
  walk integer[] NOT NULL,
  contributor_id text NOT NULL
);
CREATE INDEX coverage_spans_contributor ON coverage_spans (contributor_id);
CREATE INDEX coverage_spans_first ON coverage_spans (record_id, source_id, walk);

-- record_sources stays the table readers use, one row per (record, source); its order is now the first
-- span's walk position instead of a dense ordinal, which a write could only keep by renumbering.
DELETE FROM record_sources;
ALTER TABLE record_sources DROP CONSTRAINT record_sources_pkey;
ALTER TABLE record_sources DROP COLUMN ordinal;
ALTER TABLE record_sources ADD COLUMN first_seen integer[] NOT NULL;
ALTER TABLE record_sources ADD PRIMARY KEY (record_id, source_id);

-- A mutation announces what it did as the JSON store does (statementReported, retractions, merges).
ALTER TABLE dataset_changes DROP CONSTRAINT dataset_changes_change_check;
ALTER TABLE dataset_changes ADD CONSTRAINT dataset_changes_change_check CHECK (change IN ('CREATED', 'UPDATED', 'RETRACTED', 'REPORTED', 'MERGED'));

-- What made the latest generation: an import, or a mutation through a server (datasetChanged's `cause`).
ALTER TABLE dataset ADD COLUMN cause text NOT NULL DEFAULT 'import' CHECK (cause IN ('import', 'mutation'));

-- A write replaces a record's derived rows, found by the record.
CREATE INDEX list_words_record ON list_words (record_id);
CREATE INDEX search_postings_record ON search_postings (record_id);
