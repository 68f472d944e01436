-- Search from PostgreSQL (src/store/postgres/search.ts, issue #15): one row per searchable value, the values
-- the in-memory index holds (src/kb/search.ts searchValuesOf: a record's name, aliases, description and
-- places; a statement's text and its reports' other wordings), each with its terms as the server splits and
-- folds them (termsOf), so a hit names the value that matched and its snippet is cut as in memory. Only
-- records default queries see have rows (no merged or retracted record, no retracted report's wording):
-- a writer that changes, merges or retracts a record replaces its rows.
--
-- fuzzystrmatch: levenshtein_less_equal checks a typo candidate ("stoltenbreg") within the edits the
-- in-memory index allows. Trusted, like pg_trgm and unaccent, so a database owner may create it.
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

CREATE TABLE search_documents (
  record_id text NOT NULL REFERENCES records (id),
  ordinal integer NOT NULL,
  kind text NOT NULL,
  field text NOT NULL CHECK (field IN ('NAME', 'ALIAS', 'DESCRIPTION', 'TEXT', 'LOCATION')),
  value text NOT NULL,
  terms text[] NOT NULL,
  -- The terms as they are (no parsing, no stemming): exact and prefix ('stolten':*) matches on the GIN index.
  terms_vector tsvector GENERATED ALWAYS AS (array_to_tsvector(terms)) STORED,
  -- The terms as one text: typo candidates by trigram word similarity on the GIN index.
  terms_text text GENERATED ALWAYS AS (newsgraph_words(terms)) STORED,
  PRIMARY KEY (record_id, ordinal)
);
CREATE INDEX search_documents_terms ON search_documents USING gin (terms_vector);
CREATE INDEX search_documents_terms_trgm ON search_documents USING gin (terms_text gin_trgm_ops);

-- The timeline's order (src/store/postgres/timeline.ts) as index order, for keyset pages that read only
-- the page: undated last, the date key, then file order (events) or source order (statements).
CREATE INDEX events_timeline ON events (((date_sort_key IS NULL)::int), (coalesce(date_sort_key, '')), position)
  WHERE merged_into IS NULL;
CREATE INDEX statements_timeline ON statements (((date_sort_key IS NULL)::int), (coalesce(date_sort_key, '')), first_source_position, first_evidence_start, position)
  WHERE merged_into IS NULL AND NOT retracted;
