/**
 * The rows PostgreSQL holds for records: each collection's table, the link tables, and what is derived
 * from the records in force (coverage spans, list words, search documents). db:import writes them for a
 * whole folder, a mutation for the records it changes, from the same functions, so the two cannot differ.
 */
import { coverageWalk, factsOfRecord, firstReport, reportsInForce } from '../../kb/coverage.js';
import { dateSortKey, occupiedDays } from '../../kb/indexes.js';
import { visibleRecordsOf, type RecordsByCollection, type StoredRecord } from '../../kb/knowledge-base.js';
import { dataFiles, kindOfCollection, type Collection, type CountryRecord, type EventRecord, type PartialDate, type StatementRecord } from '../../kb/records.js';
import { foldText, foldedWords } from '../../kb/text.js';
import { draftKeysOf } from '../../authoring/draft/keys.js';
import { searchValuesOf, termsOf } from '../../kb/search.js';
import type pg from 'pg';
import type { KnowledgeBaseTable } from './import.js';

/** How a column's values are written in COPY's text format. */
export type ColumnType = 'text' | 'int' | 'bool' | 'json' | 'text[]' | 'int[]';

export interface Column {
  name: string;
  type: ColumnType;
}

export type Row = unknown[];

/** A table's columns and rows, ready for a COPY (db:import) or an INSERT (a mutation). */
export interface TableRows {
  table: KnowledgeBaseTable;
  columns: Column[];
  rows: Row[];
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

/** What the rows of some records need to know of the rest of the knowledge base. */
export interface RowContext {
  /** A record's file position: its index in its folder's file, or where a write puts it. */
  positionOf(id: string): number;
  /** A source's file position (statements are ordered by where their first report stands). */
  sourcePositionOf(sourceId: string): number | undefined;
  /** An event, for the date of the statements said at it. */
  eventOf(eventId: string): EventRecord | undefined;
  /** Countries the records' events may be located in, for their places' names (an event's place is found by its country's name). */
  countries: CountryRecord[];
}

/** The context of a whole, validated folder: every record is at hand. */
export function folderRowContext(records: RecordsByCollection): RowContext {
  const eventById = new Map<string, EventRecord>(records.events.map((event) => [event.id, event]));
  const positions = new Map<string, number>();
  for (const collection of Object.keys(dataFiles) as Collection[]) records[collection].forEach((record, index) => positions.set(record.id, index));
  return {
    positionOf: (id) => positions.get(id)!,
    sourcePositionOf: (id) => positions.get(id),
    eventOf: (id) => eventById.get(id),
    countries: records.countries,
  };
}

/**
 * The rows of every table for `records` (a validated folder, or the records one write changes), in
 * insertion order (a link after what it references). `search_postings` and `search_terms` are derived
 * from the documents in SQL (`searchIndexStatements`), `record_sources` from the coverage spans.
 */
export function rowsOf(records: RecordsByCollection, originals: Record<Collection, unknown[]>, context: RowContext): TableRows[] {
  const tables: TableRows[] = [];
  const base = (record: { id: string; revision: number }): Row => [record.id, context.positionOf(record.id), record.revision];
  const copies = (collection: Collection, index: number): Row => [records[collection][index], originals[collection][index]];

  tables.push({
    table: 'records',
    columns: [{ name: 'id', type: 'text' }, { name: 'kind', type: 'text' }],
    rows: (Object.keys(dataFiles) as Collection[]).flatMap((collection) => records[collection].map((record) => [record.id, kindOfCollection[collection]])),
  });
  tables.push({
    table: 'sources',
    columns: [...recordColumns, { name: 'kind', type: 'text' }, { name: 'title', type: 'text' }, { name: 'language', type: 'text' }, ...storedCopies],
    rows: records.sources.map((source, index) => [...base(source), source.kind, source.title, source.language, ...copies('sources', index)]),
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
      ...base(person),
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
      ...base(country),
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
      ...base(organization),
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
        ...base(event),
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
      const eventStart = statement.saidAt ? context.eventOf(statement.saidAt.eventId)?.start : undefined;
      const placed = statement.date ?? eventStart;
      const days = occupied(placed, placed);
      const inForce = reportsInForce(statement);
      const first = firstReport(statement).evidence;
      const wordings = [...new Set([statement.text, ...inForce.map((report) => report.evidence.text)])].join('\n');
      return [
        ...base(statement),
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
        context.sourcePositionOf(first.sourceId),
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
  // Coverage, list words and search are read from the records in force. Each row is one record's, so
  // the order they are read in does not matter (coverage spans carry their place in the walk).
  const visible = visibleRecordsOf(records);
  const countryNames = new Map(context.countries.map((country) => [country.id, country.name]));
  links('coverage_spans', coverageSpanColumns, coverageSpansOf(visible, context));
  links('list_words', [text('field'), text('word'), text('record_id')], listWordsOf(visible));
  links('draft_keys', draftKeyColumns, draftKeysOf(visible));
  // Search (migration 0004): the values the in-memory index holds, of the records default queries see, with their terms.
  const ordinals = new Map<string, number>();
  links(
    'search_documents',
    [text('record_id'), int('ordinal'), text('kind'), text('field'), text('value'), { name: 'terms', type: 'text[]' }],
    [...searchValuesOf(visible, (id) => countryNames.get(id))].map(({ recordId, kind, field, value }) => {
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


const coverageSpanColumns: Column[] = [
  { name: 'record_id', type: 'text' },
  { name: 'source_id', type: 'text' },
  { name: 'walk', type: 'int[]' },
  { name: 'contributor_id', type: 'text' },
];

/** Where coverage walks a collection's records (src/kb/coverage.ts walks persons, countries, organizations, events, statements). */
const walkRank = new Map<Collection, number>(coverageWalk.map(([collection], rank) => [collection, rank]));

/**
 * One row per span of each fact of the records in force, for each record the fact involves: the
 * covered record, the source, the span's place in coverage's walk, and the record whose fact it is.
 * A statement's place is its source order (first report's source and start, then file position).
 */
function coverageSpansOf(visible: RecordsByCollection, context: RowContext): Row[] {
  const rows: Row[] = [];
  for (const [collection, kind] of coverageWalk) {
    visible[collection].forEach((record) => {
      const position = context.positionOf(record.id);
      let place: number[];
      if (kind === 'Statement') {
        const { evidence } = firstReport(record as StatementRecord);
        place = [walkRank.get(collection)!, context.sourcePositionOf(evidence.sourceId)!, evidence.start, position];
      } else place = [walkRank.get(collection)!, position];
      let fact = 0;
      for (const { ids, evidence } of factsOfRecord(kind, record)) {
        evidence.forEach((span, spanIndex) => {
          const walk = [...place, fact, spanIndex];
          for (const id of new Set(ids)) if (id) rows.push([id, span.sourceId, walk, record.id]);
        });
        fact += 1;
      }
    });
  }
  return rows;
}

/** `record_sources` from the coverage spans: each (record, source) pair once, placed by its first span. */
export const recordSourcesStatement = `INSERT INTO record_sources (record_id, source_id, first_seen)
  SELECT record_id, source_id, min(walk) FROM coverage_spans GROUP BY record_id, source_id`;

/**
 * The tables holding rows that belong to one record beside its own table row, which a write replaces:
 * the column naming the record, and the collection whose records have such rows (the derived tables,
 * words, search and coverage, hold rows of every collection's records).
 */
export const ownedRows: Partial<Record<KnowledgeBaseTable, { column: string; collection?: Collection }>> = {
  statement_reports: { column: 'statement_id', collection: 'statements' },
  statement_mentions: { column: 'statement_id', collection: 'statements' },
  statement_events: { column: 'statement_id', collection: 'statements' },
  statement_audience: { column: 'statement_id', collection: 'statements' },
  statement_speaker_groups: { column: 'statement_id', collection: 'statements' },
  role_holdings: { column: 'person_id', collection: 'persons' },
  memberships: { column: 'organization_id', collection: 'organizations' },
  event_participants: { column: 'event_id', collection: 'events' },
  event_locations: { column: 'event_id', collection: 'events' },
  list_words: { column: 'record_id' },
  draft_keys: { column: 'record_id' },
  search_documents: { column: 'record_id' },
  search_postings: { column: 'record_id' },
  coverage_spans: { column: 'contributor_id' },
};

/** Rows sent per INSERT: one JSON parameter each, a few megabytes at most. */
const INSERT_CHUNK = 5_000;

/**
 * INSERT … SELECT FROM json_populate_recordset of `table`'s `columns` from `parameter` (a JSON array, see
 * `rowsAsJson`): one statement whatever the table, PostgreSQL converting each JSON value to its column's
 * type. `upsert` replaces the row with the same primary key `id` (a collection table's record written again).
 */
export function insertSql(table: KnowledgeBaseTable, columns: readonly Column[], parameter: string, { upsert = false } = {}): string {
  const names = columns.map((column) => column.name);
  const list = names.join(', ');
  const onConflict = upsert ? ` ON CONFLICT (id) DO UPDATE SET ${names.filter((name) => name !== 'id').map((name) => `${name} = EXCLUDED.${name}`).join(', ')}` : '';
  return `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, ${parameter}::json)${onConflict}`;
}

/** `rows` as the JSON parameter of `insertSql`: one object per row, keyed by column name. */
export function rowsAsJson(columns: readonly Column[], rows: readonly Row[]): string {
  return JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((column, index) => [column.name, row[index] ?? null]))));
}

/** Writes a table's rows with `insertSql`, a chunk of rows per statement. */
export async function insertRows(client: pg.ClientBase, { table, columns, rows }: TableRows): Promise<void> {
  for (let at = 0; at < rows.length; at += INSERT_CHUNK) await client.query(insertSql(table, columns, '$1'), [rowsAsJson(columns, rows.slice(at, at + INSERT_CHUNK))]);
}

/** Records read per round by `fillCoverage`. */
const COVERAGE_CHUNK = 5_000;

/** A collection's records in file order, COVERAGE_CHUNK at a time (as rows, and as the only records of a knowledge base), so memory stays flat. */
async function* chunksOf(client: pg.ClientBase, collection: Collection): AsyncGenerator<{ rows: { position: number; record: StoredRecord }[]; records: RecordsByCollection }> {
  for (let after = -1; ; ) {
    const { rows } = await client.query<{ position: number; record: StoredRecord }>(`SELECT position, record FROM ${collection} WHERE position > $1 ORDER BY position LIMIT ${COVERAGE_CHUNK}`, [after]);
    if (rows.length === 0) return;
    after = rows.at(-1)!.position;
    yield { rows, records: { sources: [], persons: [], countries: [], organizations: [], events: [], statements: [], [collection]: rows.map((row) => row.record) } as unknown as RecordsByCollection };
  }
}

/**
 * Fills `coverage_spans` and `record_sources` from the records a database holds (migration 0007 on a
 * database imported before it): each collection is read in position order a chunk at a time, so memory
 * stays flat whatever its size.
 */
export async function fillCoverage(client: pg.ClientBase): Promise<void> {
  const { rows: sources } = await client.query<{ id: string; position: number }>('SELECT id, position FROM sources');
  const sourcePosition = new Map(sources.map((source) => [source.id, source.position]));
  for (const [collection] of coverageWalk) {
    for await (const { rows, records } of chunksOf(client, collection)) {
      const positionOf = new Map(rows.map((row) => [row.record.id, row.position]));
      const context: RowContext = { positionOf: (id) => positionOf.get(id)!, sourcePositionOf: (id) => sourcePosition.get(id), eventOf: () => undefined, countries: [] };
      await insertRows(client, {
        table: 'coverage_spans',
        columns: coverageSpanColumns,
        rows: coverageSpansOf(visibleRecordsOf(records), context),
      });
    }
  }
  await client.query(recordSourcesStatement);
}

const draftKeyColumns: Column[] = [{ name: 'kind', type: 'text' }, { name: 'key', type: 'text' }, { name: 'record_id', type: 'text' }];

/**
 * Fills `draft_keys` from the records a database holds (migration 0008 on a database imported before
 * it), a chunk of each collection at a time.
 */
export async function fillDraftKeys(client: pg.ClientBase): Promise<void> {
  for (const collection of ['persons', 'countries', 'organizations', 'events'] as const) {
    for await (const { records } of chunksOf(client, collection)) {
      await insertRows(client, { table: 'draft_keys', columns: draftKeyColumns, rows: draftKeysOf(visibleRecordsOf(records)) });
    }
  }
}
