-- Article files and drafts through the API on PostgreSQL (issue #15).

-- A file whose text is already stored as a source is the same article applied again (or refused under
-- another id), so applyArticle looks sources up by their text. A digest keeps the index small whatever
-- the articles' length.
CREATE INDEX sources_text_digest ON sources (md5(record ->> 'text'));

-- What a draft finds records by (src/authoring/draft/keys.ts), for the records in force: a `name` key
-- (one word) per name, alias and office title, so a lookup of a name reads the records of one key and a
-- text's words reach only the names they can be keys of; a person's `surname`; each word of an unnamed
-- person's `label`; each `stem` of an event's name words; a country's `iso2` code. Filled by db:import and every write, like
-- list_words; migrate.ts fills it for a database imported before this migration.
CREATE TABLE draft_keys (
  kind text NOT NULL CHECK (kind IN ('name', 'surname', 'label', 'stem', 'iso2')),
  key text COLLATE "C" NOT NULL,
  record_id text NOT NULL REFERENCES records (id),
  PRIMARY KEY (kind, key, record_id)
);
CREATE INDEX draft_keys_record ON draft_keys (record_id);
