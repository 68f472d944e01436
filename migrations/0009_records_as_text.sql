-- Records as PostgreSQL sends them (issue #15). Every lookup sends whole records, and turning a jsonb value
-- back into text (jsonb_out) was most of PostgreSQL's CPU per request: 20 statements of a page, 2 KB each,
-- cost 320 us as jsonb and 140 us as a stored json column, whose text is sent as it is. `record` stays the
-- one the writes set and the SQL filters on; `record_text` is its text, kept by PostgreSQL itself, read
-- by the lookups of records by id (src/store/postgres/reader.ts). Adding it rewrites each table once.
ALTER TABLE sources ADD COLUMN record_text json GENERATED ALWAYS AS (record::json) STORED;
ALTER TABLE persons ADD COLUMN record_text json GENERATED ALWAYS AS (record::json) STORED;
ALTER TABLE countries ADD COLUMN record_text json GENERATED ALWAYS AS (record::json) STORED;
ALTER TABLE organizations ADD COLUMN record_text json GENERATED ALWAYS AS (record::json) STORED;
ALTER TABLE events ADD COLUMN record_text json GENERATED ALWAYS AS (record::json) STORED;
ALTER TABLE statements ADD COLUMN record_text json GENERATED ALWAYS AS (record::json) STORED;
