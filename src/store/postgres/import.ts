/**
 * Replaces the knowledge base held in PostgreSQL with a data folder's: the folder is checked with the
 * loader's own rules first (`readDataFolder`, the rules of `npm run validate` and of the server) and
 * refused whole on any problem; then every table is emptied and filled in one transaction, so a reader
 * or a crash sees the old knowledge base or the new one, never part of each.
 *
 * Rows go in with COPY … FROM STDIN, one stream per table: PostgreSQL's bulk path, which parses no
 * SQL and no parameter arrays per row. At 1,000× the seed, multi-row INSERTs from parameter arrays wrote
 * in 22 s and COPY alone in 15 s; with the index, foreign-key and compression steps below, 6 to 9 s.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { coverageOf, firstReport, reportsInForce } from '../../kb/coverage.js';
import { dateSortKey, occupiedDays } from '../../kb/indexes.js';
import { datasetVersionOf, digestOf, readDataFolder } from '../../kb/load.js';
import { inSourceOrder, visibleRecordsOf, type RecordsByCollection } from '../../kb/knowledge-base.js';
import { dataFiles, kindOfCollection, type Collection, type EventRecord, type PartialDate } from '../../kb/records.js';
import { foldText, foldedWords } from '../../kb/text.js';
import { searchValuesOf, termsOf } from '../../kb/search.js';
import { searchIndexStatements } from './search.js';
import { serializeRecords } from '../knowledge-store.js';
import { storeErrorOf } from './errors.js';
import { checkSchema } from './migrate.js';

/** The channel a change of the dataset is announced on (LISTEN newsgraph_dataset). */
export const DATASET_CHANNEL = 'newsgraph_dataset';

/** An arbitrary constant for the import's transaction-level advisory lock: two imports take turns. */
const IMPORT_LOCK_KEY = 0x6e67_696d_706f_7274n;

/** How many generations of change rows (migration 0005) an import keeps for servers that fell behind. */
const KEPT_CHANGE_GENERATIONS = 100;

/** Every record's id, kind, collection rank, file position and a digest of its validated form, over all tables. */
const recordDigests = (Object.keys(dataFiles) as Collection[])
  .map((collection, rank) => `SELECT id, '${kindOfCollection[collection]}' AS kind, ${rank} AS rank, position, md5(record::text) AS digest FROM ${collection}`)
  .join(' UNION ALL ');

/** Every table the knowledge base fills, emptied together by an import. */
export const knowledgeBaseTables = [
  'records',
  'sources',
  'persons',
  'countries',
  'organizations',
  'events',
  'statements',
  'statement_reports',
  'statement_mentions',
  'statement_events',
  'statement_audience',
  'statement_speaker_groups',
  'role_holdings',
  'memberships',
  'event_participants',
  'event_locations',
  'record_sources',
  'list_words',
  'search_documents',
  'search_postings',
  'search_terms',
] as const;

export type KnowledgeBaseTable = (typeof knowledgeBaseTables)[number];

/** How a column's values are written in COPY's text format. */
type ColumnType = 'text' | 'int' | 'bool' | 'json' | 'text[]';

interface Column {
  name: string;
  type: ColumnType;
}

type Row = unknown[];

/** A table's columns and rows, ready for `copyRows`. */
interface TableRows {
  table: KnowledgeBaseTable;
  columns: Column[];
  rows: Row[];
}

/** COPY's text format escapes backslash and the row and column separators; `\N` is NULL. */
function copyEscape(value: string): string {
  return /[\\\n\r\t]/.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : value;
}

/** A text[] in PostgreSQL's array literal form: every element quoted, its quotes and backslashes escaped. */
function arrayLiteral(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

function copyField(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '\\N';
  switch (type) {
    case 'bool':
      return value ? 't' : 'f';
    case 'int':
      return String(value);
    case 'json':
      return copyEscape(JSON.stringify(value));
    case 'text[]':
      return copyEscape(arrayLiteral(value as string[]));
    case 'text':
      return copyEscape(value as string);
  }
}

/** COPY's input for `rows`, in pieces of about a megabyte: fewer, larger writes to the socket. */
function* copyText({ columns, rows }: TableRows): Generator<string> {
  let piece = '';
  for (const row of rows) {
    piece += `${columns.map((column, index) => copyField(row[index], column.type)).join('\t')}\n`;
    if (piece.length >= 1 << 20) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

/** Writes a table's rows with one COPY. */
async function copyRows(client: pg.Client, table: TableRows): Promise<void> {
  if (table.rows.length === 0) return;
  const copy = client.query(copyFrom(`COPY ${table.table} (${table.columns.map((column) => column.name).join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(copyText(table)), copy);
}

/** The columns every collection table starts with. */
const recordColumns: Column[] = [
  { name: 'id', type: 'text' },
  { name: 'position', type: 'int' },
  { name: 'revision', type: 'int' },
];
const storedCopies: Column[] = [
  { name: 'record', type: 'json' },
  { name: 'original', type: 'json' },
];

function occupied(start: PartialDate | undefined, end: PartialDate | undefined): { from: string | null; to: string | null } {
  if (!start) return { from: null, to: null };
  const days = occupiedDays(start, end);
  return { from: days.earliest, to: days.latest };
}

/** The rows of every table for a validated data folder, in insertion order (a link after what it references). */
function rowsOf(records: RecordsByCollection, originals: Record<Collection, unknown[]>): TableRows[] {
  const tables: TableRows[] = [];
  const base = (record: { id: string; revision: number }, index: number): Row => [record.id, index, record.revision];
  const copies = (collection: Collection, index: number): Row => [records[collection][index], originals[collection][index]];

  tables.push({
    table: 'records',
    columns: [{ name: 'id', type: 'text' }, { name: 'kind', type: 'text' }],
    rows: (Object.keys(dataFiles) as Collection[]).flatMap((collection) => records[collection].map((record) => [record.id, kindOfCollection[collection]])),
  });
  tables.push({
    table: 'sources',
    columns: [...recordColumns, { name: 'kind', type: 'text' }, { name: 'title', type: 'text' }, { name: 'language', type: 'text' }, ...storedCopies],
    rows: records.sources.map((source, index) => [...base(source, index), source.kind, source.title, source.language, ...copies('sources', index)]),
  });
  tables.push({
    table: 'persons',
    columns: [
      ...recordColumns,
      { name: 'name', type: 'text' },
      { name: 'label', type: 'text' },
      { name: 'aliases', type: 'text[]' },
      { name: 'merged_into', type: 'text' },
      { name: 'name_order', type: 'text' },
      ...storedCopies,
    ],
    rows: records.persons.map((person, index) => [
      ...base(person, index),
      person.name,
      person.label,
      person.aliases,
      person.mergedInto?.id,
      foldText(person.name ?? person.label ?? person.id),
      ...copies('persons', index),
    ]),
  });
  tables.push({
    table: 'countries',
    columns: [
      ...recordColumns,
      { name: 'name', type: 'text' },
      { name: 'aliases', type: 'text[]' },
      { name: 'iso_alpha2', type: 'text' },
      { name: 'iso_alpha3', type: 'text' },
      { name: 'merged_into', type: 'text' },
      { name: 'name_order', type: 'text' },
      ...storedCopies,
    ],
    rows: records.countries.map((country, index) => [
      ...base(country, index),
      country.name,
      country.aliases,
      country.isoAlpha2,
      country.isoAlpha3,
      country.mergedInto?.id,
      foldText(country.name),
      ...copies('countries', index),
    ]),
  });
  tables.push({
    table: 'organizations',
    columns: [
      ...recordColumns,
      { name: 'name', type: 'text' },
      { name: 'aliases', type: 'text[]' },
      { name: 'kind', type: 'text' },
      { name: 'parent_id', type: 'text' },
      { name: 'country_id', type: 'text' },
      { name: 'merged_into', type: 'text' },
      { name: 'name_order', type: 'text' },
      ...storedCopies,
    ],
    rows: records.organizations.map((organization, index) => [
      ...base(organization, index),
      organization.name,
      organization.aliases,
      organization.kind,
      organization.parent?.organizationId,
      organization.country?.countryId,
      organization.mergedInto?.id,
      foldText(organization.name),
      ...copies('organizations', index),
    ]),
  });
  tables.push({
    table: 'events',
    columns: [
      ...recordColumns,
      { name: 'name', type: 'text' },
      { name: 'aliases', type: 'text[]' },
      { name: 'kind', type: 'text' },
      { name: 'date_sort_key', type: 'text' },
      { name: 'occupies_from', type: 'text' },
      { name: 'occupies_to', type: 'text' },
      { name: 'part_of_id', type: 'text' },
      { name: 'merged_into', type: 'text' },
      { name: 'name_order', type: 'text' },
      ...storedCopies,
    ],
    rows: records.events.map((event, index) => {
      const days = occupied(event.start, event.end);
      return [
        ...base(event, index),
        event.name,
        event.aliases,
        event.kind,
        event.start && dateSortKey(event.start),
        days.from,
        days.to,
        event.partOf?.eventId,
        event.mergedInto?.id,
        foldText(event.name),
        ...copies('events', index),
      ];
    }),
  });
  const eventById = new Map<string, EventRecord>(records.events.map((event) => [event.id, event]));
  const sourcePosition = new Map(records.sources.map((source, index) => [source.id, index]));
  tables.push({
    table: 'statements',
    columns: [
      ...recordColumns,
      { name: 'kind', type: 'text' },
      { name: 'text', type: 'text' },
      { name: 'speaker_id', type: 'text' },
      { name: 'said_at_event_id', type: 'text' },
      { name: 'continues_id', type: 'text' },
      { name: 'date_sort_key', type: 'text' },
      { name: 'date_from_event', type: 'bool' },
      { name: 'occupies_from', type: 'text' },
      { name: 'occupies_to', type: 'text' },
      { name: 'source_count', type: 'int' },
      { name: 'retracted', type: 'bool' },
      { name: 'merged_into', type: 'text' },
      { name: 'search_text', type: 'text' },
      { name: 'first_source_position', type: 'int' },
      { name: 'first_evidence_start', type: 'int' },
      { name: 'wordings_folded', type: 'text' },
      ...storedCopies,
    ],
    rows: records.statements.map((statement, index) => {
      // The timeline's rule (src/kb/filters.ts): the statement's own date, else the start of the event it was said at.
      const eventStart = statement.saidAt ? eventById.get(statement.saidAt.eventId)?.start : undefined;
      const placed = statement.date ?? eventStart;
      const days = occupied(placed, placed);
      const inForce = reportsInForce(statement);
      const first = firstReport(statement).evidence;
      const wordings = [...new Set([statement.text, ...inForce.map((report) => report.evidence.text)])].join('\n');
      return [
        ...base(statement, index),
        statement.kind,
        statement.text,
        statement.speakerId,
        statement.saidAt?.eventId,
        statement.continuesId,
        placed && dateSortKey(placed),
        !statement.date && eventStart !== undefined,
        days.from,
        days.to,
        new Set(inForce.map((report) => report.evidence.sourceId)).size,
        statement.retracted !== undefined,
        statement.mergedInto?.id,
        wordings,
        sourcePosition.get(first.sourceId),
        first.start,
        foldText(wordings),
        ...copies('statements', index),
      ];
    }),
  });

  const links = (table: KnowledgeBaseTable, columns: Column[], rows: Row[]) => tables.push({ table, columns, rows });
  const text = (name: string): Column => ({ name, type: 'text' });
  const int = (name: string): Column => ({ name, type: 'int' });
  const bool = (name: string): Column => ({ name, type: 'bool' });
  links(
    'statement_reports',
    [text('statement_id'), int('ordinal'), text('source_id'), int('evidence_start'), int('evidence_end'), text('attribution_source_id'), int('attribution_start'), int('attribution_end'), text('relayed_by_id'), bool('retracted')],
    records.statements.flatMap((statement) =>
      statement.reports.map((report, ordinal) => [
        statement.id,
        ordinal,
        report.evidence.sourceId,
        report.evidence.start,
        report.evidence.end,
        report.attribution.sourceId,
        report.attribution.start,
        report.attribution.end,
        report.relayedBy?.entityId,
        report.retracted !== undefined,
      ]),
    ),
  );
  links(
    'statement_mentions',
    [text('statement_id'), int('ordinal'), text('entity_id')],
    records.statements.flatMap((statement) => statement.mentions.map((mention, ordinal) => [statement.id, ordinal, mention.entityId])),
  );
  links(
    'statement_events',
    [text('statement_id'), text('link'), int('ordinal'), text('event_id')],
    records.statements.flatMap((statement) => [
      ...(statement.saidAt ? [[statement.id, 'SAID_AT', 0, statement.saidAt.eventId]] : []),
      ...statement.aboutEvents.map((about, ordinal) => [statement.id, 'ABOUT', ordinal, about.eventId]),
    ]),
  );
  links(
    'statement_audience',
    [text('statement_id'), int('ordinal'), text('entity_id')],
    records.statements.flatMap((statement) => (statement.audience?.entityIds ?? []).map((entityId, ordinal) => [statement.id, ordinal, entityId])),
  );
  links(
    'statement_speaker_groups',
    [text('statement_id'), int('ordinal'), text('entity_id')],
    records.statements.flatMap((statement) => (statement.speakerGroup?.memberOfIds ?? []).map((entityId, ordinal) => [statement.id, ordinal, entityId])),
  );
  links(
    'role_holdings',
    [text('person_id'), int('ordinal'), text('title'), text('stated_as'), text('organization_id'), text('country_id'), text('starts_on'), text('ends_on'), bool('retracted')],
    records.persons.flatMap((person) =>
      person.roles.map((role, ordinal) => [
        person.id,
        ordinal,
        role.title,
        role.statedAs,
        role.organizationId,
        role.countryId,
        role.start && occupiedDays(role.start).earliest,
        role.end && occupiedDays(role.end).latest,
        role.retracted !== undefined,
      ]),
    ),
  );
  links(
    'memberships',
    [text('organization_id'), int('ordinal'), text('country_id'), text('role'), text('starts_on'), text('ends_on'), bool('retracted')],
    records.organizations.flatMap((organization) =>
      organization.memberships.map((membership, ordinal) => [
        organization.id,
        ordinal,
        membership.countryId,
        membership.role,
        membership.start && occupiedDays(membership.start).earliest,
        membership.end && occupiedDays(membership.end).latest,
        membership.retracted !== undefined,
      ]),
    ),
  );
  links(
    'event_participants',
    [text('event_id'), int('ordinal'), text('entity_id'), text('role'), bool('retracted')],
    records.events.flatMap((event) => event.participants.map((participation, ordinal) => [event.id, ordinal, participation.entityId, participation.role, participation.retracted !== undefined])),
  );
  links(
    'event_locations',
    [text('event_id'), int('ordinal'), text('city'), text('country_id')],
    records.events.flatMap((event) => event.locations.map((location, ordinal) => [event.id, ordinal, location.city, location.countryId])),
  );
  // Coverage is read from the records in force with statements in source order, as the snapshot reads
  // it: first-seen order depends on the order the facts are walked in.
  const visible = visibleRecordsOf({ ...records, statements: inSourceOrder(records) });
  const { sourceIdsByRecord } = coverageOf(visible);
  links(
    'record_sources',
    [text('record_id'), int('ordinal'), text('source_id')],
    [...sourceIdsByRecord].flatMap(([recordId, sourceIds]) => sourceIds.map((sourceId, ordinal) => [recordId, ordinal, sourceId])),
  );
  links('list_words', [text('field'), text('word'), text('record_id')], listWordsOf(visible));
  // Search (migration 0004): the values the in-memory index holds, of the records default queries see, with their terms.
  const ordinals = new Map<string, number>();
  links(
    'search_documents',
    [text('record_id'), int('ordinal'), text('kind'), text('field'), text('value'), { name: 'terms', type: 'text[]' }],
    [...searchValuesOf(visible)].map(({ recordId, kind, field, value }) => {
      const ordinal = ordinals.get(recordId) ?? 0;
      ordinals.set(recordId, ordinal + 1);
      return [recordId, ordinal, kind, field, value, termsOf(value)];
    }),
  );
  return tables;
}

/**
 * The words of the Finder's word indexes (src/kb/filters.ts, WordIndex.add), of the records in force, for
 * the list filters (migrations/0003_lists.sql): folded here by the server's own functions so a filter
 * matches exactly what the JSON store's does.
 */
function listWordsOf(visible: RecordsByCollection): Row[] {
  const rows: Row[] = [];
  const add = (field: string, id: string, texts: readonly (string | null | undefined)[]) => {
    const words = new Set<string>();
    for (const text of texts) {
      if (!text) continue;
      for (const word of foldedWords(text)) {
        words.add(word);
        if (word.includes('-') || word.includes("'")) for (const part of word.split(/['-]/)) words.add(part);
      }
    }
    for (const word of words) rows.push([field, word, id]);
  };
  for (const person of visible.persons) {
    add('name', person.id, [person.name, person.label, ...person.aliases]);
    add('role', person.id, person.roles.map((role) => `${role.title} ${role.statedAs ?? ''}`));
  }
  for (const country of visible.countries) add('name', country.id, [country.name, ...country.aliases, country.isoAlpha2, country.isoAlpha3]);
  for (const organization of visible.organizations) add('name', organization.id, [organization.name, ...organization.aliases]);
  for (const event of visible.events) {
    add('name', event.id, [event.name, ...event.aliases]);
    // The city filter compares whole folded cities, untrimmed as the Finder groups them.
    for (const city of new Set(event.locations.flatMap((location) => (location.city ? [foldText(location.city)] : [])))) rows.push(['city', city, event.id]);
  }
  for (const statement of visible.statements) add('text', statement.id, [...new Set([statement.text, ...statement.reports.map((report) => report.evidence.text)])]);
  return rows;
}

export interface ImportResult {
  dataDir: string;
  /** The dataset version of the imported files, as the server computes it. */
  version: string;
  /** Rows written to each table. */
  rows: Record<KnowledgeBaseTable, number>;
  /**
   * Files whose bytes differ from what the store writes for the same records (indentation, key spacing,
   * number forms): `db:export` writes those in the store's layout, so they come back as the same records
   * in different bytes. Empty for any folder the server or `db:export` wrote.
   */
  relaidFiles: string[];
  /** Milliseconds spent reading and validating the folder, and writing the database. */
  timings: { validate: number; write: number };
}

/**
 * Validates `dataDir` like the server and, only if it passes, replaces the database's knowledge base
 * with it in one transaction. Throws DataValidationError (nothing written) or PostgresStoreError.
 */
export async function importKnowledgeBase(client: pg.Client, where: string, dataDir: string): Promise<ImportResult> {
  const started = performance.now();
  await checkSchema(client, where);
  const folder = await readDataFolder(dataDir, { keepOriginals: true });
  const originals = folder.originals!;
  const relaidFiles = (Object.entries(dataFiles) as [Collection, (typeof dataFiles)[Collection]][])
    .filter(([collection, { file }]) => digestOf(serializeRecords(originals[collection])) !== folder.fileDigests[file])
    .map(([, { file }]) => file);
  const tables = rowsOf(folder.records, originals);
  const version = datasetVersionOf(folder.fileDigests);
  const validated = performance.now();
  const derivedRows = { search_postings: 0, search_terms: 0 };
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK_KEY.toString()]);
    // TRUNCATE takes every table's exclusive lock until COMMIT: readers wait for the new knowledge base
    // instead of seeing an empty one, and a ROLLBACK (or a crash) brings the old one back.
    // The records as they were, to tell which ones this import changes (jsonb's text is canonical).
    await client.query(`CREATE TEMPORARY TABLE previous_records ON COMMIT DROP AS SELECT id, digest FROM (${recordDigests}) AS stored`);
    await client.query(`TRUNCATE ${knowledgeBaseTables.join(', ')}`);
    // The records' JSON is stored compressed: lz4 compresses several times faster than the default pglz.
    // Servers built without lz4 keep pglz.
    const { rowCount: lz4 } = await client.query(`SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)`);
    if (lz4) await client.query(`SET LOCAL default_toast_compression = 'lz4'`);
    // Building an index once over all rows is several times faster than growing it row by row (GIN
    // indexes above all), so the secondary indexes are dropped for the load and rebuilt from their own
    // definitions, whatever the migrations made them; all inside the transaction, so a failure keeps them.
    // Primary keys and unique positions stay: the foreign keys need them, and a duplicate fails at its row.
    const { rows: indexes } = await client.query<{ name: string; definition: string }>(
      `SELECT index.indexrelid::regclass::text AS name, pg_get_indexdef(index.indexrelid) AS definition
         FROM pg_index index JOIN pg_class tab ON tab.oid = index.indrelid
        WHERE tab.relname = ANY($1) AND tab.relnamespace = current_schema()::regnamespace AND NOT index.indisprimary AND NOT index.indisunique`,
      [knowledgeBaseTables],
    );
    for (const { name } of indexes) await client.query(`DROP INDEX ${name}`);
    // Likewise foreign keys: checked row by row they cost more than the rows themselves; added back after
    // the load, each is checked by one join over the whole table.
    const { rows: foreignKeys } = await client.query<{ table: string; name: string; definition: string }>(
      `SELECT conrelid::regclass::text AS table, quote_ident(conname) AS name, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY($1::regclass[]) ORDER BY conrelid::regclass::text, conname`,
      [knowledgeBaseTables],
    );
    for (const { table, name } of foreignKeys) await client.query(`ALTER TABLE ${table} DROP CONSTRAINT ${name}`);
    for (const table of tables) await copyRows(client, table);
    // Search's postings and vocabulary (migration 0006), derived from the documents just written.
    const derived: number[] = [];
    for (const statement of searchIndexStatements) derived.push((await client.query(statement)).rowCount ?? 0);
    [derivedRows.search_postings, derivedRows.search_terms] = derived as [number, number];
    await client.query("SET LOCAL maintenance_work_mem = '256MB'");
    for (const { definition } of indexes) await client.query(definition);
    for (const { table, name, definition } of foreignKeys) await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${name} ${definition}`);
    await client.query(
      `INSERT INTO dataset (singleton, version, file_digests, generation, changed_at, imported_from)
       VALUES (true, $1, $2, 1, now(), $3)
       ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, file_digests = EXCLUDED.file_digests,
         generation = dataset.generation + 1, changed_at = EXCLUDED.changed_at, imported_from = EXCLUDED.imported_from`,
      [version, JSON.stringify(folder.fileDigests), folder.dataDir],
    );
    // The records created or changed, in file order (collections in data-file order), as a reload of
    // hand-edited files reports them; with the generation they belong to, for the servers' subscriptions.
    await client.query(
      `INSERT INTO dataset_changes (generation, ordinal, record_id, kind, change)
       SELECT (SELECT generation FROM dataset), row_number() OVER (ORDER BY fresh.rank, fresh.position), fresh.id, fresh.kind,
              CASE WHEN stale.id IS NULL THEN 'CREATED' ELSE 'UPDATED' END
         FROM (${recordDigests}) AS fresh LEFT JOIN previous_records stale ON stale.id = fresh.id
        WHERE stale.id IS NULL OR stale.digest <> fresh.digest`,
    );
    await client.query(`DELETE FROM dataset_changes WHERE generation <= (SELECT generation FROM dataset) - ${KEPT_CHANGE_GENERATIONS}`);
    // Delivered at COMMIT, to every server reading this database: they move to the new dataset at once.
    await client.query(`SELECT pg_notify('${DATASET_CHANNEL}', generation::text) FROM dataset`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw storeErrorOf(error, where);
  }
  const rows = { ...Object.fromEntries(tables.map(({ table, rows }) => [table, rows.length])), ...derivedRows } as Record<KnowledgeBaseTable, number>;
  return { dataDir: folder.dataDir, version, rows, relaidFiles, timings: { validate: validated - started, write: performance.now() - validated } };
}
