/**
 * The list pages from PostgreSQL (src/store/postgres/lists.ts) against the in-memory reader, on a real
 * PostgreSQL server (test/postgres.ts): for every list, order, filter (each field alone and in pairs, with
 * values taken from the data and values that must not match), window (cursors from the memory answer,
 * cursors the filter excludes, unknown and wrong-kind cursors) and every `within` relation over every
 * parent, the SQL answer equals the memory answer, counts equal its total, and each call is one statement.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountryFilter, EventFilter, OrganizationFilter, PersonFilter, StatementFilter } from '../src/kb/filters.js';
import { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { datasetVersionOf, readDataFolder } from '../src/kb/load.js';
import { UnknownCursorError, type PageWindow } from '../src/kb/pages.js';
import { kindOfRecord, readerOf, type KnowledgeReader, type ListQuery, type ListRelation } from '../src/kb/reader.js';
import { dataFiles, type Collection, type PartialDate } from '../src/kb/records.js';
import { importKnowledgeBase } from '../src/store/postgres/import.js';
import { SeenRecords } from '../src/store/postgres/seen-records.js';
import { countingStatements, listCount, listCountsWithin, listPage, listPagesWithin, type CountedQuery } from '../src/store/postgres/lists.js';
import { migrate } from '../src/store/postgres/migrate.js';
import { serializeRecords } from '../src/store/knowledge-store.js';
import { dataDir as fixtureDir, generateFixtureDataset } from './helpers.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { testPool } from './store-under-test.js';

let server: PostgresServer;
const clients: pg.Client[] = [];
const tempDirs: string[] = [];

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `newsgraph-pg-lists-${label}-`));
  tempDirs.push(dir);
  return dir;
}

async function generate(scale: number): Promise<string> {
  return generateFixtureDataset(scale, path.join(await tempDir(`generated-${scale}`), 'data'));
}

async function editFile(dir: string, collection: Collection, change: (records: any[]) => void): Promise<void> {
  const file = path.join(dir, dataFiles[collection].file);
  const records = JSON.parse(await readFile(file, 'utf8'));
  change(records);
  await writeFile(file, serializeRecords(records));
}

/** The fixture with a retracted statement, role, membership, participation and report, and merged person and organization. */
async function retractedAndMerged(): Promise<string> {
  const dir = await tempDir('retracted');
  await cp(fixtureDir, dir, { recursive: true, filter: (source) => source === fixtureDir || source.endsWith('.json') });
  const retraction = { at: '2026-01-02T03:04:05Z', reason: 'test fixture: withdrawn', by: 'alice' };
  const merge = { id: '', at: retraction.at, by: 'alice' };
  await editFile(dir, 'statements', (statements) => {
    statements.find((s) => s.id === 'stoltenberg-direct-dialogue').retracted = retraction;
    // A second retracted one, so the retracted list has an order to page through.
    statements[statements.length - 1].retracted = retraction;
  });
  await editFile(dir, 'persons', (persons) => {
    persons.find((p) => p.id === 'justin-trudeau').roles[0].retracted = retraction;
    persons.push({ id: 'secretary-kerry', name: 'John F. Kerry', description: 'A duplicate of John Kerry (test fixture).', mergedInto: { ...merge, id: 'john-kerry' } });
    // Namesakes: NAME orders must keep ties in file order in both directions.
    persons.unshift({ id: 'john-kerry-namesake', name: 'JOHN KERRY', description: 'Another John Kerry (test fixture).' });
    persons.push({ id: 'john-kerry-second-namesake', name: 'John Kérry', description: 'Yet another John Kerry (test fixture).' });
  });
  await editFile(dir, 'organizations', (organizations) => {
    organizations.find((o) => o.id === 'nato').memberships[0].retracted = retraction;
    organizations.push({ id: 'nato-copy', name: 'NATO copy', kind: 'ALLIANCE', description: 'A duplicate of NATO (test fixture).', mergedInto: { ...merge, id: 'nato' } });
  });
  await editFile(dir, 'events', (events) => {
    events.find((e) => e.id === 'nato-foreign-ministers-meeting').participants[0].retracted = retraction;
  });
  return dir;
}

/** A generated folder with some reports retracted (statements that keep another report in force). */
async function withRetractedReports(source: string): Promise<string> {
  const dir = await tempDir('retracted-reports');
  await cp(source, dir, { recursive: true });
  const retraction = { at: '2026-01-02T03:04:05Z', reason: 'test fixture: withdrawn', by: 'alice' };
  await editFile(dir, 'statements', (statements) => {
    let retracted = 0;
    for (const statement of statements) {
      if (statement.reports.length >= 2 && retracted < 12) {
        // Alternately the first report (which moves the statement in source order) and a relayed one.
        const index = retracted % 2 === 0 ? 0 : statement.reports.findIndex((report: any) => report.relayedBy);
        if (index >= 0) {
          statement.reports[index].retracted = retraction;
          retracted += 1;
        }
      }
    }
  });
  return dir;
}

/** How much of a dataset's cases to try: values of each filter field, pairs of fields, and windows per query (large data samples). */
interface Sample {
  few: number;
  pairs: number;
  windows: number;
}

interface Dataset {
  label: string;
  kb: KnowledgeBase;
  memory: KnowledgeReader;
  /** A fresh statement counter over the dataset's pool for each call, so calls can run side by side. */
  counted: () => CountedQuery;
  sample: Sample;
}

async function datasetOf(label: string, dir: string, sample: Sample): Promise<Dataset> {
  const url = await server.createDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  await migrate(client, url);
  await importKnowledgeBase(client, url, dir);
  const pool = testPool(url, 3);
  pools.push(pool);
  const folder = await readDataFolder(dir);
  const kb = new KnowledgeBase(folder.records, { version: datasetVersionOf(folder.fileDigests), fileDigests: folder.fileDigests, loadedAt: new Date(), dataDir: dir });
  return { label, kb, memory: readerOf(kb), counted: () => countingStatements((text, values) => pool.query(text, values)), sample };
}

const pools: pg.Pool[] = [];

/** Runs `work` on each item, a few at a time (the pool's connections). */
async function inTurns<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const datasets: Dataset[] = [];

beforeAll(async () => {
  const [started, small, larger] = await Promise.all([startPostgres(), generate(1), generate(25)]);
  server = started;
  const retracted = await retractedAndMerged();
  const smallRetracted = await withRetractedReports(small);
  datasets.push(
    await datasetOf('the fixture', fixtureDir, { few: 8, pairs: 60, windows: 16 }),
    await datasetOf('the fixture with retracted and merged records', retracted, { few: 8, pairs: 60, windows: 16 }),
    await datasetOf('generated multi-source data with retracted reports', smallRetracted, { few: 8, pairs: 60, windows: 16 }),
    await datasetOf('generated data at 25×', larger, { few: 4, pairs: 20, windows: 6 }),
  );
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => {})));
  await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => {})));
  await server?.stop();
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

// ---------------------------------------------------------------------------------------------------------
// Filter values from the data itself.

const uniq = <T>(items: Iterable<T>): T[] => [...new Set(items)];
/** Every n-th item, at most `count` of them, so large datasets sample evenly. */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_unused, index) => items[Math.floor(index * step)]!);
}
function wordsOf(text: string): string[] {
  return text.split(/[\s,.;:()"]+/).filter((word) => word.length > 0);
}
/** Name queries: a whole name, its first word, a prefix, upper case, accents added or taken away, and near misses that must not match. */
function nameQueries(names: readonly string[], count: number): string[] {
  const queries: string[] = [];
  for (const name of spread(names, count)) {
    const words = wordsOf(name);
    queries.push(name, words[0]!, words[words.length - 1]!.slice(0, 3), name.toUpperCase(), name.normalize('NFD').replace(/\p{M}/gu, ''));
    // A typo (letters swapped) and an extra letter: neither is a prefix of a word.
    const word = words[0]!;
    if (word.length > 2) queries.push(word[1]! + word[0]! + word.slice(2), `${word}q`);
  }
  queries.push('stéphane', 'STEPHANE', 'kerry-', 'kerry-gentiloni', "o'", 'zzzz', '', '  ', '!!!', 'é', 'a b');
  return uniq(queries);
}
const dateBounds = (dates: readonly PartialDate[]): string[] => {
  const values = uniq(dates.map((date) => date.value));
  const days = values.flatMap((value) => (value.length === 10 ? [value] : value.length === 7 ? [`${value}-01`, `${value}-28`] : [`${value}-01-01`, `${value}-12-31`]));
  // Around each boundary: the day itself and its neighbours as strings compare.
  return uniq(spread(days, 6).flatMap((day) => [day, `${day.slice(0, 8)}${String(Math.max(1, Number(day.slice(8)) - 1)).padStart(2, '0')}`, day.slice(0, 7)]));
};

/** Single-field filters of each list, from the data's own values and values that match nothing. */
function singleFilters(kb: KnowledgeBase, few: number) {
  const records = kb.records;
  const sourceIds = [...spread(records.sources.map((s) => s.id), few), 'no-such-source', records.persons[0]!.id];
  const personNames = records.persons.flatMap((p) => [p.name, p.label, ...p.aliases].filter((name): name is string => Boolean(name)));
  const roleTitles = records.persons.flatMap((p) => p.roles.map((role) => `${role.title} ${role.statedAs ?? ''}`.trim()));
  const roleCountries = uniq(kb.stored.persons.flatMap((p) => p.roles.flatMap((role) => (role.countryId ? [role.countryId] : []))));
  const roleOrganizations = uniq(kb.stored.persons.flatMap((p) => p.roles.flatMap((role) => (role.organizationId ? [role.organizationId] : []))));
  const persons: PersonFilter[] = [
    ...sourceIds.map((sourceId) => ({ sourceId })),
    ...nameQueries(personNames, Math.ceil(few / 2)).map((name) => ({ name })),
    ...[...spread(roleCountries, few), 'no-such-country'].map((countryId) => ({ countryId })),
    ...[...spread(roleOrganizations, few), 'no-such-organization'].map((organizationId) => ({ organizationId })),
    ...nameQueries(roleTitles, Math.ceil(few / 2)).map((roleTitle) => ({ roleTitle })),
    { isNamed: true },
    { isNamed: false },
  ];
  const countryNames = records.countries.flatMap((c) => [c.name, ...c.aliases, c.isoAlpha2, c.isoAlpha3.toLowerCase()]);
  const memberOf = uniq(kb.stored.organizations.filter((o) => o.memberships.length > 0 || o.mergedInto).map((o) => o.id));
  const countries: CountryFilter[] = [
    ...sourceIds.map((sourceId) => ({ sourceId })),
    ...nameQueries(countryNames, Math.ceil(few / 2)).map((name) => ({ name })),
    ...[...spread(memberOf, few), 'no-such-organization', records.countries[0]!.id].map((memberOfId) => ({ memberOfId })),
  ];
  const organizationNames = records.organizations.flatMap((o) => [o.name, ...o.aliases]);
  const memberCountries = uniq(kb.stored.organizations.flatMap((o) => o.memberships.map((m) => m.countryId)));
  const organizationKinds = uniq(records.organizations.map((o) => o.kind));
  const organizations: OrganizationFilter[] = [
    ...sourceIds.map((sourceId) => ({ sourceId })),
    ...nameQueries(organizationNames, Math.ceil(few / 2)).map((name) => ({ name })),
    ...organizationKinds.map((kind) => ({ kinds: [kind] })),
    { kinds: organizationKinds.slice(0, 2) },
    { kinds: [] },
    ...[...spread(memberCountries, few), 'no-such-country'].map((memberCountryId) => ({ memberCountryId })),
  ];
  const eventNames = records.events.flatMap((e) => [e.name, ...e.aliases]);
  const eventKinds = uniq(records.events.map((e) => e.kind));
  const eventDates = dateBounds(records.events.flatMap((e) => [e.start, e.end].filter((date): date is PartialDate => Boolean(date))));
  const cities = uniq(records.events.flatMap((e) => e.locations.flatMap((l) => (l.city ? [l.city] : []))));
  const eventCountries = uniq(records.events.flatMap((e) => e.locations.flatMap((l) => (l.countryId ? [l.countryId] : []))));
  const participants = uniq(kb.stored.events.flatMap((e) => e.participants.map((p) => p.entityId)));
  const events: EventFilter[] = [
    ...sourceIds.map((sourceId) => ({ sourceId })),
    ...nameQueries(eventNames, Math.ceil(few / 2)).map((name) => ({ name })),
    ...eventKinds.map((kind) => ({ kinds: [kind] })),
    { kinds: eventKinds.slice(0, 3) },
    ...eventDates.flatMap((day) => [{ from: day }, { to: day }, { from: day, to: day }]),
    { from: '2015-12-31', to: '2015-01-01' },
    ...[...spread(eventCountries, few), 'no-such-country'].map((countryId) => ({ countryId })),
    ...spread(cities, few).flatMap((city) => [{ city }, { city: ` ${city.toUpperCase()} ` }, { city: city.slice(0, 3) }, { city: city.normalize('NFD').replace(/\p{M}/gu, '') }]),
    ...[...spread(participants, few), 'no-such-entity'].map((participantId) => ({ participantId })),
  ];
  const statements0 = records.statements;
  const speakers = uniq(statements0.flatMap((s) => (s.speakerId ? [s.speakerId] : [])));
  const mentioned = uniq(statements0.flatMap((s) => s.mentions.map((m) => m.entityId)));
  const eventIds = uniq(kb.stored.statements.flatMap((s) => [s.saidAt?.eventId, ...s.aboutEvents.map((a) => a.eventId)].filter((id): id is string => Boolean(id))));
  const relayers = uniq(kb.stored.statements.flatMap((s) => s.reports.flatMap((r) => (r.relayedBy ? [r.relayedBy.entityId] : []))));
  const statementKinds = uniq(statements0.map((s) => s.kind));
  const statementDates = dateBounds([...kb.find.statementDate.values()].map((placed) => placed.date));
  const wordings = statements0.flatMap((s) => [s.text, ...s.reports.map((r) => r.evidence.text)]);
  const phrases = spread(wordings, few).flatMap((text) => {
    const words = wordsOf(text);
    const middle = words.slice(1, 4).join(' ');
    return [middle, middle.toUpperCase(), words[1]?.slice(1, 4) ?? 'x', `${words[0]} ${words[2] ?? ''}`];
  });
  const statements: StatementFilter[] = [
    ...[...spread(speakers, few), 'no-such-speaker'].map((speakerId) => ({ speakerId })),
    ...[...spread(mentioned, few), 'no-such-entity'].map((mentionedId) => ({ mentionedId })),
    ...[...spread(eventIds, few), 'no-such-event'].map((eventId) => ({ eventId })),
    ...[...spread(relayers, few), 'no-such-relayer'].map((relayedById) => ({ relayedById })),
    ...sourceIds.map((sourceId) => ({ sourceId })),
    ...[0, 1, 2, 3, 5].map((minSources) => ({ minSources })),
    ...statementKinds.map((kind) => ({ kinds: [kind] })),
    { kinds: statementKinds.slice(0, 2) },
    { kinds: [] },
    ...statementDates.flatMap((day) => [{ from: day }, { to: day }, { from: day, to: day }]),
    ...uniq([...phrases, 'daesh', 'DAESH', 'stoltenberg', "it's", 'the', 'zzzz', '', ' ', '!!', 'é', 'foreign minis']).map((textContains) => ({ textContains })),
  ];
  return { persons, countries, organizations, events, statements };
}

/** The filters alone and in pairs of different fields (a sample of pairs on large data). */
function withPairs<F extends object>(singles: readonly F[], pairs: number): F[] {
  const combined: F[] = [{} as F, ...singles];
  const candidates: F[] = [];
  for (let i = 0; i < singles.length; i += 1) {
    for (let j = i + 1; j < singles.length; j += 1) {
      const [a, b] = [singles[i]!, singles[j]!];
      if (Object.keys(a).some((key) => key in b)) continue;
      candidates.push({ ...a, ...b });
    }
  }
  return [...combined, ...spread(candidates, pairs)];
}

function queriesOf(kb: KnowledgeBase, { few, pairs }: Sample): ListQuery[] {
  const singles = singleFilters(kb, few);
  const nameOrders = ['FILE_ORDER', 'NAME_ASC', 'NAME_DESC'] as const;
  const queries: ListQuery[] = [{ list: 'sources' }, { list: 'retractedStatements' }];
  for (const filter of withPairs(singles.persons, pairs)) for (const order of nameOrders) queries.push({ list: 'persons', filter, order });
  for (const filter of withPairs(singles.countries, pairs)) for (const order of nameOrders) queries.push({ list: 'countries', filter, order });
  for (const filter of withPairs(singles.organizations, pairs)) for (const order of nameOrders) queries.push({ list: 'organizations', filter, order });
  for (const filter of withPairs(singles.events, pairs)) for (const order of [...nameOrders, 'DATE_ASC', 'DATE_DESC'] as const) queries.push({ list: 'events', filter, order });
  for (const filter of withPairs(singles.statements, pairs)) for (const order of ['SOURCE_ORDER', 'DATE_ASC', 'DATE_DESC'] as const) queries.push({ list: 'statements', filter, order });
  return queries;
}

/** Ids of the whole order of a query's list (unfiltered), from the memory reader: where excluded cursors come from. */
async function wholeOrder(memory: KnowledgeReader, query: ListQuery): Promise<readonly string[]> {
  const unfiltered = 'filter' in query ? ({ ...query, filter: {} } as ListQuery) : query;
  return (await memory.page(unfiltered, { first: 1e9 })).items;
}

/** Windows over a list: plain, with cursors the list holds, cursors the filter excludes, and cursors no order places. */
function windowsOf(ids: readonly string[], whole: readonly string[], strangers: readonly string[]): PageWindow[] {
  const inList = ids.length ? uniq([ids[0]!, ids[Math.floor(ids.length / 2)]!, ids[ids.length - 1]!]) : [];
  const outside = whole.filter((id) => !ids.includes(id));
  const excluded = outside.length ? uniq([outside[0]!, outside[Math.floor(outside.length / 2)]!]) : [];
  const cursors = [...inList, ...excluded];
  const windows: PageWindow[] = [{ first: 1 }, { first: 3 }, { first: 100 }, { last: 1 }, { last: 3 }, { first: 4, last: 2 }, { first: 1, last: 3 }];
  for (const cursor of cursors) {
    windows.push({ first: 2, after: cursor }, { last: 2, after: cursor }, { last: 2, before: cursor }, { first: 2, before: cursor }, { first: 3, last: 1, after: cursor });
  }
  for (const [a, b] of [[cursors[0], cursors[cursors.length - 1]], [cursors[cursors.length - 1], cursors[0]], [excluded[0], inList[1]]] as const) {
    if (a !== undefined && b !== undefined) windows.push({ first: 5, after: a, before: b }, { last: 5, after: a, before: b });
  }
  for (const stranger of strangers) windows.push({ first: 2, after: stranger }, { last: 2, before: stranger }, { first: 2, after: stranger, before: stranger });
  if (cursors[0]) windows.push({ first: 2, after: cursors[0], before: strangers[0] });
  return windows;
}

/** An answer or the error it threw, in a form toEqual compares. */
async function settle<T>(work: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UnknownCursorError) return { error: `${error.name}:${error.argumentName}` };
    throw error;
  }
}

function withoutTotal<T extends { total?: number }>(page: T | { error: string }) {
  if ('error' in page) return page;
  const { total: _total, ...rest } = page;
  return rest;
}

/** Ids that no order of `query` places: unknown, of another kind, merged, retracted. */
function strangersOf(kb: KnowledgeBase, query: ListQuery): string[] {
  const other = query.list === 'sources' ? kb.records.persons[0]!.id : kb.records.sources[0]!.id;
  const merged = [...kb.mergedInto.keys()];
  const strangers = ['no-such-record', other, ...merged.slice(0, 2)];
  if (query.list === 'statements' && kb.retractedStatementIds[0]) strangers.push(kb.retractedStatementIds[0]);
  if (query.list === 'retractedStatements') strangers.push(kb.records.statements[0]!.id);
  return strangers;
}

const withinLists: Record<ListRelation, 'statements' | 'events' | 'persons' | 'organizations' | 'countries'> = {
  statementIdsBySpeakerId: 'statements',
  statementIdsByMentionedId: 'statements',
  statementIdsByEventId: 'statements',
  statementIdsByRelayerId: 'statements',
  statementIdsBySourceId: 'statements',
  eventIdsByCountryId: 'events',
  personIdsBySourceId: 'persons',
  organizationIdsBySourceId: 'organizations',
  countryIdsBySourceId: 'countries',
  eventIdsBySourceId: 'events',
};

/** Every record that can be a parent of `relation` (and two that cannot), so each relation is tried over every parent. */
function parentsOf(kb: KnowledgeBase, relation: ListRelation): string[] {
  const stored = kb.stored;
  const entities = [...stored.persons, ...stored.organizations, ...stored.countries].map((r) => r.id);
  const byRelation: Record<ListRelation, string[]> = {
    statementIdsBySpeakerId: entities,
    statementIdsByMentionedId: [...entities, ...stored.events.map((e) => e.id)],
    statementIdsByEventId: stored.events.map((e) => e.id),
    statementIdsByRelayerId: [...entities, ...stored.events.map((e) => e.id)],
    statementIdsBySourceId: stored.sources.map((s) => s.id),
    eventIdsByCountryId: stored.countries.map((c) => c.id),
    personIdsBySourceId: stored.sources.map((s) => s.id),
    organizationIdsBySourceId: stored.sources.map((s) => s.id),
    countryIdsBySourceId: stored.sources.map((s) => s.id),
    eventIdsBySourceId: stored.sources.map((s) => s.id),
  };
  return [...byRelation[relation], 'no-such-parent', byRelation[relation][0]!];
}

/** The records a page read beside its ids (`seen`) are those ids' records as lookups give them: as stored, a source without its text. */
async function expectRecordsKept(seen: SeenRecords, memory: KnowledgeReader, items: readonly string[]): Promise<void> {
  // A source is kept as its heading, which `stored` never answers with.
  const kept = items.map((id) => seen.stored(id) ?? seen.inForce('sources', id));
  const stored = await memory.storedRecordsByIds(items);
  const expected = await Promise.all(
    stored.map(async (record, index) => (record && kindOfRecord(record) === 'Source' ? (await memory.recordsByIds('Source', [items[index]!]))[0] : record)),
  );
  expect(kept.map((record) => JSON.stringify(sortedKeys(record)))).toEqual(expected.map((record) => JSON.stringify(sortedKeys(record))));
}

/** A copy with every object's keys sorted: jsonb keeps no key order. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, item]) => [key, sortedKeys(item)]));
  return value;
}

describe.each([0, 1, 2, 3])('the lists from PostgreSQL equal the in-memory lists', (index) => {
  it(`on dataset ${index}: every list, order, filter and window`, async () => {
    const { kb, memory, counted, sample, label } = datasets[index]!;
    const mismatches: unknown[] = [];
    let cases = 0;
    let selective = 0;
    const queries = queriesOf(kb, sample);
    await inTurns(queries, async (listQuery) => {
      const whole = await wholeOrder(memory, listQuery);
      const full = await memory.page(listQuery, { first: 1e9 });
      if (full.items.length > 0 && full.items.length < whole.length) selective += 1;
      const countQuery = counted();
      const total = await listCount(countQuery, listQuery);
      expect(countQuery.statements).toBe(1);
      if (total !== full.total) mismatches.push({ listQuery, count: total, expected: full.total });
      const windows = windowsOf(full.items, whole, strangersOf(kb, listQuery));
      for (const window of spread(windows, sample.windows)) {
        const expected = withoutTotal(await settle(() => memory.page(listQuery, window)));
        const query = counted();
        // Every other page also reads its records (as a request's reader asks), which must change nothing else.
        const seen = cases % 2 === 1 ? new SeenRecords() : undefined;
        const actual = await settle(() => listPage(query, listQuery, window, seen));
        expect(query.statements).toBe(1);
        cases += 1;
        if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ listQuery, window, actual, expected, sql: query.lastText });
        if (seen && 'items' in actual) await expectRecordsKept(seen, memory, actual.items);
      }
    });
    console.log(`${label}: ${queries.length} list queries, ${cases} pages, ${selective} filters that select some but not all`);
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The filters are honest: many select some records and leave others out.
    expect(selective).toBeGreaterThan(queries.length / 4);
  }, 600_000);

  it(`on dataset ${index}: every within relation over every parent`, async () => {
    const { kb, memory, counted, sample, label } = datasets[index]!;
    const mismatches: unknown[] = [];
    let cases = 0;
    let nonEmpty = 0;
    const singles = singleFilters(kb, 3);
    const combinations: { relation: ListRelation; listQuery: ListQuery; parents: string[] }[] = [];
    for (const relation of Object.keys(withinLists) as ListRelation[]) {
      const list = withinLists[relation];
      const parents = parentsOf(kb, relation);
      const orders = list === 'statements' ? (['SOURCE_ORDER', 'DATE_ASC', 'DATE_DESC'] as const) : list === 'events' ? (['FILE_ORDER', 'NAME_DESC', 'DATE_ASC', 'DATE_DESC'] as const) : (['FILE_ORDER', 'NAME_ASC', 'NAME_DESC'] as const);
      const filters: object[] = [{}, ...spread(singles[list] as object[], sample.few)];
      for (const order of orders) for (const filter of filters) combinations.push({ relation, listQuery: { list, filter, order } as ListQuery, parents });
    }
    await inTurns(combinations, async ({ relation, listQuery, parents }) => {
      const within = { relation, ids: parents };
      const whole = await wholeOrder(memory, listQuery);
      const expectedCounts = await memory.countsWithin(listQuery, within);
      nonEmpty += expectedCounts.filter((n) => n > 0).length;
      const countQuery = counted();
      const counts = await listCountsWithin(countQuery, listQuery, within);
      expect(countQuery.statements).toBe(1);
      if (JSON.stringify(counts) !== JSON.stringify(expectedCounts)) mismatches.push({ relation, listQuery, counts, expectedCounts });
      const cursors = [whole[0], whole[Math.floor(whole.length / 2)], whole[whole.length - 1], 'no-such-record'].filter((id): id is string => id !== undefined);
      const windows: PageWindow[] = [{ first: 2 }, { last: 2 }, { first: 3, last: 1 }, ...cursors.flatMap((cursor) => [{ first: 2, after: cursor }, { last: 2, before: cursor }])];
      for (const window of windows) {
        const expected = await settle(async () => (await memory.pagesWithin(listQuery, window, within)).map(withoutTotal));
        const query = counted();
        const seen = cases % 2 === 1 ? new SeenRecords() : undefined;
        const actual = await settle(() => listPagesWithin(query, listQuery, window, within, seen));
        expect(query.statements).toBe(1);
        cases += parents.length;
        if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ relation, listQuery, window, actual, expected });
        if (seen && Array.isArray(actual)) await expectRecordsKept(seen, memory, actual.flatMap((page) => page.items));
      }
    });
    const none = counted();
    expect(await listPagesWithin(none, { list: 'persons', filter: {}, order: 'FILE_ORDER' }, { first: 2 }, { relation: 'personIdsBySourceId', ids: [] })).toEqual([]);
    expect(none.statements).toBe(0);
    console.log(`${label}: ${combinations.length} list queries within relations, ${cases} pages (one per parent), ${nonEmpty} non-empty`);
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(nonEmpty).toBeGreaterThan(combinations.length);
  }, 600_000);
});
