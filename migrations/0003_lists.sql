-- What the list pages of the PostgreSQL reader (src/store/postgres/lists.ts, issue #15) need beyond 0001 and
-- 0002 to filter and order exactly as the in-memory Finder (src/kb/filters.ts) does, with keyset pages on
-- indexes. Every text compared or sorted here is compared with COLLATE "C", code point order, which is what
-- JavaScript's `<` gives for any text without characters beyond U+FFFF.
--
-- Folding is done by db:import with the server's own foldText / foldedWords (src/kb/text.ts), not by
-- newsgraph_fold: unaccent and lower() differ from them on some letters (unaccent turns 'ß' into 'ss' and
-- 'ø' into 'o', which NFD leaves alone; lower() under the C locale lowercases ASCII only), and a filter or an
-- order must answer exactly as the JSON store does. A database imported before this migration has empty
-- columns and no words until it is imported again.

-- The folded display name each NAME order sorts on (foldText(name ?? label ?? id) for a person).
ALTER TABLE persons ADD COLUMN name_order text COLLATE "C";
ALTER TABLE countries ADD COLUMN name_order text COLLATE "C";
ALTER TABLE organizations ADD COLUMN name_order text COLLATE "C";
ALTER TABLE events ADD COLUMN name_order text COLLATE "C";
-- NAME_DESC is names descending with ties in file order: mixed directions need their own index.
CREATE INDEX persons_name_order ON persons (name_order, position);
CREATE INDEX persons_name_order_desc ON persons (name_order DESC, position);
CREATE INDEX countries_name_order ON countries (name_order, position);
CREATE INDEX countries_name_order_desc ON countries (name_order DESC, position);
CREATE INDEX organizations_name_order ON organizations (name_order, position);
CREATE INDEX organizations_name_order_desc ON organizations (name_order DESC, position);
CREATE INDEX events_name_order ON events (name_order, position);
CREATE INDEX events_name_order_desc ON events (name_order DESC, position);

-- Date orders put undated records last in both directions ('~' sorts after every date key); events tie in
-- file order, statements in source order, in both directions. Every date key has the same form
-- (YYYY-MM-DD|q|p), so the key with each digit d swapped for 9 - d sorts latest first: DATE_DESC is then
-- ascending on every column, one row comparison over one index, however many records share a date.
CREATE INDEX events_date_asc ON events ((coalesce(date_sort_key COLLATE "C", '~')), position);
CREATE INDEX events_date_desc ON events ((coalesce(translate(date_sort_key COLLATE "C", '0123456789', '9876543210'), '~')), position);
CREATE INDEX statements_date_asc ON statements ((coalesce(date_sort_key COLLATE "C", '~')), first_source_position, first_evidence_start, position);
CREATE INDEX statements_date_desc ON statements ((coalesce(translate(date_sort_key COLLATE "C", '0123456789', '9876543210'), '~')), first_source_position, first_evidence_start, position);
-- A speaker's statements in source order: the most common statement page after the root list.
CREATE INDEX statements_speaker_source_order ON statements (speaker_id, first_source_position, first_evidence_start, position) WHERE speaker_id IS NOT NULL;

-- The distinct wordings of a statement (statements.search_text) folded by foldText: textContains is a
-- substring of this, among the statements whose words match.
ALTER TABLE statements ADD COLUMN wordings_folded text;

-- The words the Finder's word indexes hold (WordIndex.add: foldedWords of each text, and the parts of a word
-- with a hyphen or an apostrophe), of the records in force:
--   'name'  persons' names, labels and aliases; countries' names, aliases and ISO codes; organizations' and
--           events' names and aliases (ids are unique across kinds, so one field serves them all);
--   'role'  a person's role titles and statedAs, retracted roles left out;
--   'text'  a statement's distinct wordings (its text and its reports in force);
--   'city'  an event location's whole folded city (the city filter is an exact match, not words).
-- A name filter is, for each query word, the records having a word that starts with it: a range scan of
-- the primary key.
CREATE TABLE list_words (
  field text NOT NULL CHECK (field IN ('name', 'role', 'text', 'city')),
  word text COLLATE "C" NOT NULL,
  record_id text NOT NULL REFERENCES records (id),
  PRIMARY KEY (field, word, record_id)
);
