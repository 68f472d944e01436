-- Sources looked up without their article text (issue #15). A source's record is mostly its text, which
-- a lookup of sources read whole for every title a feed shows: at 100x the seed, 30 sources' text was half
-- of the JSON a page of 20 statements read and parsed. `record_without_text` is what lookups read
-- (src/store/postgres/referents.ts, lookupColumnOf); the text is read on its own when a query asks for
-- it (PostgresReader.sourceTextsByIds). The whole record as text is no longer read, so it goes. Adding
-- the column rewrites the sources table once.
ALTER TABLE sources ADD COLUMN record_without_text json GENERATED ALWAYS AS ((record - 'text')::json) STORED;
ALTER TABLE sources DROP COLUMN record_text;
