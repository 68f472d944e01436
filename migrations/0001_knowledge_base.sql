-- The knowledge base of data/ in PostgreSQL (issue #15): one table per data file, link tables for the
-- relationships the loaders batch on, and search columns. Applied by `npm run db:migrate`, once, in one
-- transaction; filled by `npm run db:import`, which checks the data with the same rules as the server.
--
-- Every collection table keeps two copies of a record:
--   record    jsonb: the record as the server validated it (defaults filled in), what readers will serve;
--   original  json:  the record as its file holds it. `json` (unlike `jsonb`) keeps the text as given, key
--                    order included, so `db:export` writes back the same bytes. A writer that changes a
--                    record sets both, as the JSON store writes the validated record to its file.
-- The other columns are copies of record fields that are filtered, ordered or joined on, so those are
-- index scans instead of jsonb digging. Ids are the data's slugs, unique across the whole knowledge base.
-- `position` is the record's index in its file: FILE_ORDER / SOURCE_ORDER, and the export order.
-- Day columns hold ISO days as text ('YYYY-MM-DD'), as the in-memory indexes compare them: a BEFORE date is
-- open back to '0000-01-01', which PostgreSQL's date type cannot hold.

-- pg_trgm: typo-tolerant name search ("Stoltenbreg"); unaccent: "stephane" finds "Stéphane". Both are
-- trusted extensions, so a database owner may create them without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- The server's text folding (src/kb/text.ts foldText): accents off, typographic quotes and dashes made
-- plain, lower case. unaccent() is only STABLE (its dictionary could be changed), which generated columns
-- and index expressions refuse; naming the dictionary in a SQL-standard body binds it when the function is
-- created, which is what makes declaring this IMMUTABLE safe.
CREATE FUNCTION newsgraph_fold(value text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN lower(unaccent('unaccent'::regdictionary,
    translate(value, E'\u2018\u2019\u201A\u201B\u2032\u201C\u201D\u201E\u201F\u2033\u2010\u2011\u2012\u2013\u2014\u2015\u2212',
                     $q$'''''"""""-------$q$)));

-- The folded text of a record's searchable values (name, label, aliases, codes), NULLs skipped. IMMUTABLE
-- for the same reason: array_to_string is STABLE only because it may call any type's output function,
-- and text's is immutable.
CREATE FUNCTION newsgraph_search_text(VARIADIC parts text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN newsgraph_fold(array_to_string(parts, ' '));

CREATE FUNCTION newsgraph_words(items text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN array_to_string(items, ' ');

-- What was imported and when: one row. `version` is the server's dataset version (a hash of the files'
-- digests), so a server reading this database reports the same version as one reading the files;
-- `generation` goes up with every change, for replicas that follow changes to notice one.
CREATE TABLE dataset (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version text NOT NULL,
  file_digests jsonb NOT NULL,
  generation bigint NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  imported_from text
);

-- Every id of the knowledge base and what it names: ids are unique across all collections (a mention or
-- a speaker may be a person, an organization or a country), which the primary key enforces, and the
-- polymorphic links below reference this table. node(id) finds the kind here in one lookup.
CREATE TABLE records (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('Source', 'Person', 'Country', 'Organization', 'Event', 'Statement'))
);

CREATE TABLE sources (
  id text PRIMARY KEY REFERENCES records (id),
  position integer NOT NULL UNIQUE,
  revision integer NOT NULL,
  kind text NOT NULL,
  title text NOT NULL,
  language text NOT NULL,
  record jsonb NOT NULL,
  original json NOT NULL
);

-- Names sort on the folded display name (the in-memory NAME_ASC); a merged record stays, marked, because
-- its id still resolves to the record it was merged into.
CREATE TABLE persons (
  id text PRIMARY KEY REFERENCES records (id),
  position integer NOT NULL UNIQUE,
  revision integer NOT NULL,
  name text,
  label text,
  aliases text[] NOT NULL,
  merged_into text REFERENCES records (id),
  record jsonb NOT NULL,
  original json NOT NULL,
  is_named boolean GENERATED ALWAYS AS (name IS NOT NULL) STORED,
  name_key text GENERATED ALWAYS AS (newsgraph_fold(coalesce(name, label, id))) STORED,
  search_names text GENERATED ALWAYS AS (newsgraph_search_text(name, label, newsgraph_words(aliases))) STORED,
  search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', newsgraph_search_text(name, label, newsgraph_words(aliases)))) STORED
);
CREATE INDEX persons_name_key ON persons (name_key, position);
CREATE INDEX persons_search_vector ON persons USING gin (search_vector);
CREATE INDEX persons_search_names_trgm ON persons USING gin (search_names gin_trgm_ops);

-- Alpha-2 codes are not unique in generated data beyond ~60× (676 combinations), so these are plain indexes.
CREATE TABLE countries (
  id text PRIMARY KEY REFERENCES records (id),
  position integer NOT NULL UNIQUE,
  revision integer NOT NULL,
  name text NOT NULL,
  aliases text[] NOT NULL,
  iso_alpha2 text NOT NULL,
  iso_alpha3 text NOT NULL,
  merged_into text REFERENCES records (id),
  record jsonb NOT NULL,
  original json NOT NULL,
  name_key text GENERATED ALWAYS AS (newsgraph_fold(name)) STORED,
  search_names text GENERATED ALWAYS AS (newsgraph_search_text(name, newsgraph_words(aliases), iso_alpha2, iso_alpha3)) STORED,
  search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', newsgraph_search_text(name, newsgraph_words(aliases), iso_alpha2, iso_alpha3))) STORED
);
CREATE INDEX countries_iso_alpha2 ON countries (iso_alpha2);
CREATE INDEX countries_iso_alpha3 ON countries (iso_alpha3);
CREATE INDEX countries_name_key ON countries (name_key, position);
CREATE INDEX countries_search_vector ON countries USING gin (search_vector);
CREATE INDEX countries_search_names_trgm ON countries USING gin (search_names gin_trgm_ops);

-- parent_id and country_id answer "departments of" and "national bodies of" a record.
CREATE TABLE organizations (
  id text PRIMARY KEY REFERENCES records (id),
  position integer NOT NULL UNIQUE,
  revision integer NOT NULL,
  name text NOT NULL,
  aliases text[] NOT NULL,
  kind text NOT NULL,
  parent_id text REFERENCES records (id),
  country_id text REFERENCES records (id),
  merged_into text REFERENCES records (id),
  record jsonb NOT NULL,
  original json NOT NULL,
  name_key text GENERATED ALWAYS AS (newsgraph_fold(name)) STORED,
  search_names text GENERATED ALWAYS AS (newsgraph_search_text(name, newsgraph_words(aliases))) STORED,
  search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', newsgraph_search_text(name, newsgraph_words(aliases)))) STORED
);
CREATE INDEX organizations_kind ON organizations (kind, position);
CREATE INDEX organizations_parent ON organizations (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX organizations_country ON organizations (country_id) WHERE country_id IS NOT NULL;
CREATE INDEX organizations_name_key ON organizations (name_key, position);
CREATE INDEX organizations_search_vector ON organizations USING gin (search_vector);
CREATE INDEX organizations_search_names_trgm ON organizations USING gin (search_names gin_trgm_ops);

-- date_sort_key is src/kb/indexes.ts dateSortKey of the start (DATE_ASC / DATE_DESC, keyset-paginated with
-- position); occupies_from / occupies_to are occupiedDays(start, end), what a from/to filter overlaps.
CREATE TABLE events (
  id text PRIMARY KEY REFERENCES records (id),
  position integer NOT NULL UNIQUE,
  revision integer NOT NULL,
  name text NOT NULL,
  aliases text[] NOT NULL,
  kind text NOT NULL,
  date_sort_key text,
  occupies_from text,
  occupies_to text,
  part_of_id text REFERENCES records (id),
  merged_into text REFERENCES records (id),
  record jsonb NOT NULL,
  original json NOT NULL,
  name_key text GENERATED ALWAYS AS (newsgraph_fold(name)) STORED,
  search_names text GENERATED ALWAYS AS (newsgraph_search_text(name, newsgraph_words(aliases))) STORED,
  search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', newsgraph_search_text(name, newsgraph_words(aliases)))) STORED
);
CREATE INDEX events_kind ON events (kind, position);
CREATE INDEX events_date ON events (date_sort_key, position) WHERE date_sort_key IS NOT NULL;
CREATE INDEX events_occupies ON events (occupies_from, occupies_to) WHERE occupies_from IS NOT NULL;
CREATE INDEX events_part_of ON events (part_of_id) WHERE part_of_id IS NOT NULL;
CREATE INDEX events_name_key ON events (name_key, position);
CREATE INDEX events_search_vector ON events USING gin (search_vector);
CREATE INDEX events_search_names_trgm ON events USING gin (search_names gin_trgm_ops);

-- The placed date is the statement's own date, else the start of the event it was said at (the timeline's
-- rule, TimelineEntry.dateFromEvent): copied here so date order and date filters are index scans; a writer
-- that moves an event's start updates the statements said at it. source_count is the number of distinct
-- sources of the reports in force (the minSources filter). search_text is the distinct wordings of the
-- statement and of its reports in force, as the in-memory filters and search index them.
CREATE TABLE statements (
  id text PRIMARY KEY REFERENCES records (id),
  position integer NOT NULL UNIQUE,
  revision integer NOT NULL,
  kind text NOT NULL,
  text text NOT NULL,
  speaker_id text REFERENCES records (id),
  said_at_event_id text REFERENCES records (id),
  continues_id text REFERENCES records (id),
  date_sort_key text,
  date_from_event boolean NOT NULL,
  occupies_from text,
  occupies_to text,
  source_count integer NOT NULL,
  retracted boolean NOT NULL,
  merged_into text REFERENCES records (id),
  search_text text NOT NULL,
  record jsonb NOT NULL,
  original json NOT NULL,
  search_folded text GENERATED ALWAYS AS (newsgraph_fold(search_text)) STORED,
  search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', newsgraph_fold(search_text))) STORED
);
CREATE INDEX statements_speaker ON statements (speaker_id, position) WHERE speaker_id IS NOT NULL;
CREATE INDEX statements_kind ON statements (kind, position);
CREATE INDEX statements_said_at ON statements (said_at_event_id) WHERE said_at_event_id IS NOT NULL;
CREATE INDEX statements_continues ON statements (continues_id) WHERE continues_id IS NOT NULL;
CREATE INDEX statements_date ON statements (date_sort_key, position) WHERE date_sort_key IS NOT NULL;
CREATE INDEX statements_occupies ON statements (occupies_from, occupies_to) WHERE occupies_from IS NOT NULL;
CREATE INDEX statements_source_count ON statements (source_count) WHERE source_count > 1;
CREATE INDEX statements_search_vector ON statements USING gin (search_vector);
CREATE INDEX statements_search_folded_trgm ON statements USING gin (search_folded gin_trgm_ops);

-- Link tables: one row per link object of a record, `ordinal` its index in the record's list (so a
-- record's links come back in data order), the target indexed for the reverse lookups the dataloaders
-- batch with `= ANY($1)`. Retracted links stay, flagged, as in the files; default queries skip them.

-- A statement's reports: statement <-> source (what a source reports, which sources report a statement)
-- and statement <-> relayer.
CREATE TABLE statement_reports (
  statement_id text NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  source_id text NOT NULL REFERENCES sources (id),
  evidence_start integer NOT NULL,
  evidence_end integer NOT NULL,
  attribution_source_id text NOT NULL REFERENCES sources (id),
  attribution_start integer NOT NULL,
  attribution_end integer NOT NULL,
  relayed_by_id text REFERENCES records (id),
  retracted boolean NOT NULL,
  PRIMARY KEY (statement_id, ordinal)
);
CREATE INDEX statement_reports_source ON statement_reports (source_id, statement_id);
CREATE INDEX statement_reports_relayer ON statement_reports (relayed_by_id, statement_id) WHERE relayed_by_id IS NOT NULL;

-- Entities a statement mentions (the `mentions` filter, mentionedIn).
CREATE TABLE statement_mentions (
  statement_id text NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  entity_id text NOT NULL REFERENCES records (id),
  PRIMARY KEY (statement_id, ordinal)
);
CREATE INDEX statement_mentions_entity ON statement_mentions (entity_id, statement_id);

-- Events a statement was said at (one, ordinal 0) or is about: the `event` filter means either.
CREATE TABLE statement_events (
  statement_id text NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
  link text NOT NULL CHECK (link IN ('SAID_AT', 'ABOUT')),
  ordinal integer NOT NULL,
  event_id text NOT NULL REFERENCES records (id),
  PRIMARY KEY (statement_id, link, ordinal)
);
CREATE INDEX statement_events_event ON statement_events (event_id, statement_id);

-- Entities a statement was addressed to (its audience), and the organizations or countries an unnamed
-- speaker group belongs to: both count as the statement's coverage of those entities.
CREATE TABLE statement_audience (
  statement_id text NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  entity_id text NOT NULL REFERENCES records (id),
  PRIMARY KEY (statement_id, ordinal)
);
CREATE INDEX statement_audience_entity ON statement_audience (entity_id, statement_id);

CREATE TABLE statement_speaker_groups (
  statement_id text NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  entity_id text NOT NULL REFERENCES records (id),
  PRIMARY KEY (statement_id, ordinal)
);
CREATE INDEX statement_speaker_groups_entity ON statement_speaker_groups (entity_id, statement_id);

-- A person's roles: person <-> organization and person <-> country (who held what, roles(asOf:), the
-- persons filters by country, organization and role title). starts_on / ends_on are the first and last
-- day the role's start and end can stand for (occupiedDays), NULL where the source gives none (open).
CREATE TABLE role_holdings (
  person_id text NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  title text NOT NULL,
  stated_as text,
  organization_id text REFERENCES records (id),
  country_id text REFERENCES records (id),
  starts_on text,
  ends_on text,
  retracted boolean NOT NULL,
  search_title text GENERATED ALWAYS AS (newsgraph_search_text(title, stated_as)) STORED,
  PRIMARY KEY (person_id, ordinal)
);
CREATE INDEX role_holdings_organization ON role_holdings (organization_id, person_id) WHERE organization_id IS NOT NULL;
CREATE INDEX role_holdings_country ON role_holdings (country_id, person_id) WHERE country_id IS NOT NULL;
CREATE INDEX role_holdings_title_trgm ON role_holdings USING gin (search_title gin_trgm_ops);

-- A country's memberships of an organization (members(asOf:), memberships(asOf:), memberOf filters).
CREATE TABLE memberships (
  organization_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  country_id text NOT NULL REFERENCES records (id),
  role text,
  starts_on text,
  ends_on text,
  retracted boolean NOT NULL,
  PRIMARY KEY (organization_id, ordinal)
);
CREATE INDEX memberships_country ON memberships (country_id, organization_id);

-- Who took part in an event, with their part (participationsByEntityIds, the participant filter).
CREATE TABLE event_participants (
  event_id text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  entity_id text NOT NULL REFERENCES records (id),
  role text NOT NULL,
  retracted boolean NOT NULL,
  PRIMARY KEY (event_id, ordinal)
);
CREATE INDEX event_participants_entity ON event_participants (entity_id, event_id);

-- Where an event happened (eventIdsByCountryIds, the country and city filters).
CREATE TABLE event_locations (
  event_id text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  city text,
  country_id text REFERENCES records (id),
  city_key text GENERATED ALWAYS AS (newsgraph_fold(city)) STORED,
  PRIMARY KEY (event_id, ordinal)
);
CREATE INDEX event_locations_country ON event_locations (country_id, event_id) WHERE country_id IS NOT NULL;
CREATE INDEX event_locations_city ON event_locations (city_key, event_id) WHERE city_key IS NOT NULL;
