-- Sources looked up without their article text (issue #15). A source's record is mostly its text, which
-- every lookup of sources read whole, a feed showing only their titles: with the text a source's record
-- is over the 2 KB past which PostgreSQL compresses a row's values and may store them out of line
-- (TOAST), without it about 0.5 KB. `record_without_text` is what lookups read (src/store/postgres/
-- referents.ts, lookupColumnOf); the text is read on its own when a query asks for it
-- (PostgresReader.sourceTextsByIds). The whole record as text is no longer read, so it goes. Adding the
-- column rewrites the sources table once.
ALTER TABLE sources ADD COLUMN record_without_text json GENERATED ALWAYS AS ((record - 'text')::json) STORED;
ALTER TABLE sources DROP COLUMN record_text;
