/**
 * The PostgreSQL reader against the in-memory one, on a real PostgreSQL server (test/postgres.ts): for
 * each fixture folder, imported into a new database and loaded into a KnowledgeBase, every batch and
 * relationship lookup over every id of the folder (plus unknown, merged and repeated ids) must give the
 * same answer from both readers, deep and as JSON, in one SQL statement per call; and each of those
 * statements must have a plan that reads no table whole.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordNotFoundError, type KnowledgeBase, type RecordKind } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { allRelations, readerOf, statementHeadingOf, type KnowledgeReader, type Relation, type RelationValues } from '../src/kb/reader.js';
import { PostgresReader } from '../src/store/postgres/reader.js';
import { cleanUp, datasetFolders, retraction, withRetractionsAndMerges } from './postgres-datasets.js';
import { fillDatabase, testPool } from './store-under-test.js';
import { dataDir as fixtureDir } from './helpers.js';
import { startPostgres, type PostgresServer } from './postgres.js';

let server: PostgresServer;
const pools: pg.Pool[] = [];
/** Each folder, and the relations it has no pair for (an empty answer is all both readers can agree on there). */
const datasets: [string, () => Promise<string>, Relation[]][] = datasetFolders.map(([label, prepare]) => [
  label,
  prepare,
  // Only the last folder has an organization within another.
  prepare === withRetractionsAndMerges ? [] : ['childOrganizationIdsByOrganizationId'],
]);

const kinds: RecordKind[] = ['Source', 'Person', 'Country', 'Organization', 'Event', 'Statement'];
const relations = allRelations;
// Every relation of the interface is listed above (a new one fails to compile until it is).
const everyRelation: Record<Relation, true> = Object.fromEntries(relations.map((relation) => [relation, true])) as Record<Relation, true>;
void (everyRelation satisfies { [R in keyof RelationValues]: true });

/** JSON with every object's keys sorted: jsonb keeps no key order, and no GraphQL answer depends on it. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}

/** A fixed shuffle, so keys are not asked for in any table's order. */
function shuffled<T>(items: readonly T[]): T[] {
  const result = [...items];
  let seed = 42;
  for (let index = result.length - 1; index > 0; index--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const other = seed % (index + 1);
    [result[index], result[other]] = [result[other]!, result[index]!];
  }
  return result;
}

/** Every id of the folder (merged and retracted ones included), ids no record has, and repeats. */
function keysOf(kb: KnowledgeBase): string[] {
  const stored = Object.values(kb.stored).flatMap((records: { id: string }[]) => records.map((record) => record.id));
  return [...shuffled(stored), 'no-such-record', '', 'John-Kerry', stored[0]!, stored[stored.length - 1]!, stored[0]!];
}

/** ISO codes of every country (merged ones too) in several cases, and codes no country has. */
function isoCodesOf(kb: KnowledgeBase): string[] {
  const codes = kb.stored.countries.flatMap((country) => [country.isoAlpha2, country.isoAlpha3]);
  return [...shuffled(codes.flatMap((code) => [code, code.toLowerCase(), code[0] + code.slice(1).toLowerCase()])), 'ZZ', 'ZZZ', 'USAA', '', 'U', 'ß', 'us '];
}

beforeAll(async () => {
  server = await startPostgres();
}, 120_000);

afterAll(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => {})));
  await server?.stop();
  await cleanUp();
  if (server) expect(existsSync(server.dir)).toBe(false);
});

/** A migrated database holding `dir`, and a pool on it. */
async function importedPool(dir: string): Promise<pg.Pool> {
  const url = await server.createDatabase();
  await fillDatabase(url, dir);
  const pool = testPool(url, 4);
  pools.push(pool);
  return pool;
}

interface Issued {
  sql: string;
  values: readonly unknown[];
}

describe.each(datasets)('on %s, the PostgreSQL reader answers as the in-memory one', (label, prepare, unrelated) => {
  let kb: KnowledgeBase;
  let memory: KnowledgeReader;
  let postgres: PostgresReader;
  let pool: pg.Pool;
  const issued: Issued[] = [];
  let ids: string[];

  beforeAll(async () => {
    const dir = await prepare();
    [kb, pool] = await Promise.all([loadKnowledgeBase(dir), importedPool(dir)]);
    memory = readerOf(kb);
    postgres = new PostgresReader(pool, { onQuery: (sql, values) => issued.push({ sql, values }) });
    ids = keysOf(kb);
  }, 60_000);

  /** The answer of both readers to `call`, after checking the PostgreSQL one sent exactly one statement. */
  async function both<T>(call: (reader: KnowledgeReader) => Promise<T>): Promise<{ actual: T; expected: T }> {
    const before = issued.length;
    const actual = await call(postgres);
    expect(issued.length - before).toBe(1);
    return { actual, expected: await call(memory) };
  }

  function expectSame<T>(actual: T, expected: T, what: string): void {
    expect(actual, what).toStrictEqual(expected);
    expect(canonicalJson(actual), what).toBe(canonicalJson(expected));
  }

  it.each(kinds)('recordsByIds(%s, every id)', async (kind) => {
    const { actual, expected } = await both((reader) => reader.recordsByIds(kind, ids));
    expectSame(actual, expected, kind);
    // Each kind's records are found (and the other kinds' ids are errors), so the comparison has both sides.
    expect(expected.filter((record) => !(record instanceof RecordNotFoundError)).length).toBeGreaterThan(0);
    expect(expected.filter((record) => record instanceof RecordNotFoundError).length).toBeGreaterThan(0);
  });

  it('storedRecordsByIds and referentsByIds, every id', async () => {
    const stored = await both((reader) => reader.storedRecordsByIds(ids));
    expectSame(stored.actual, stored.expected, 'storedRecordsByIds');
    expect(stored.expected.filter((record) => record === undefined)).toHaveLength(3);
    const referents = await both((reader) => reader.referentsByIds(ids));
    expectSame(referents.actual, referents.expected, 'referentsByIds');
  });

  it('sourceTextsByIds, every id: the texts that lookups of sources leave out', async () => {
    const { actual, expected } = await both((reader) => reader.sourceTextsByIds(ids));
    expectSame(actual, expected, 'sourceTextsByIds');
    // Every source has its text, and nothing else has one.
    expect(new Set(ids.filter((_id, index) => expected[index] !== undefined))).toEqual(new Set(kb.records.sources.map((source) => source.id)));
    // What lookups of sources leave out (recordsByIds answers as the in-memory reader does, above).
    const headings = await memory.recordsByIds('Source', kb.records.sources.map((source) => source.id));
    for (const heading of headings) expect(heading).not.toHaveProperty('text');
  });

  it('statementHeadingsByIds, every id: the headings of the records recordsByIds gives, and of the pages that read only headings', async () => {
    const { actual, expected } = await both((reader) => reader.statementHeadingsByIds(ids));
    expectSame(actual, expected, 'statementHeadingsByIds');
    const records = await memory.recordsByIds('Statement', ids);
    expected.forEach((heading, index) => {
      const record = records[index]!;
      if (record instanceof RecordNotFoundError) return expect(heading).toBeInstanceOf(RecordNotFoundError);
      expect(heading).toEqual(statementHeadingOf(record));
      expect(heading).not.toHaveProperty('reports');
    });

    // A page that asks for no more than headings reads them along (one statement, no record), and its
    // request's reader answers them without another.
    const sent: string[] = [];
    const request = PostgresReader.through(new PostgresReader(pool, { onQuery: (sql) => sent.push(sql) }), pool);
    const page = await request.page({ list: 'statements', filter: {}, order: 'SOURCE_ORDER' }, { first: 100 }, { headings: true });
    expect(page.items.length).toBeGreaterThan(5);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/json_build_array\(t\.id, t\.revision/);
    expect(sent[0]).not.toMatch(/record_text/);
    const headings = await request.statementHeadingsByIds(page.items);
    expect(sent).toHaveLength(1);
    expectSame(headings, await memory.statementHeadingsByIds(page.items), 'headings read along');
  });

  it('a request\'s reader answers lookups from the records its referents and pages read, as the snapshot does', async () => {
    const sent: (readonly unknown[])[] = [];
    const shared = new PostgresReader(pool, { onQuery: (_sql, values) => sent.push(values) });
    // Each time with a new request's reader: what one kept must not leak into another.
    for (const kind of kinds) {
      const request = PostgresReader.through(shared, pool);
      const referents = await request.referentsByIds(ids);
      expectSame(referents, await memory.referentsByIds(ids), 'referentsByIds');
      sent.length = 0;
      // Merged ids answer with the record kept, retracted statements as stored: only the ids of other
      // kinds and of no record are left to look up.
      expectSame(await request.recordsByIds(kind, ids), await memory.recordsByIds(kind, ids), kind);
      expect(sent, kind).toEqual([[ids.filter((_id, index) => referents[index]?.kind !== kind)]]);
    }
    const request = PostgresReader.through(shared, pool);
    await request.referentsByIds(ids);
    // A merged record's stored form is its own, never the record it was merged into.
    expectSame(await request.storedRecordsByIds(ids), await memory.storedRecordsByIds(ids), 'storedRecordsByIds');
    const lists = [
      { list: 'statements', filter: {}, order: 'SOURCE_ORDER' },
      { list: 'retractedStatements' },
      { list: 'persons', filter: {}, order: 'FILE_ORDER' },
    ] as const;
    for (const query of lists) {
      const page = PostgresReader.through(shared, pool);
      const { items } = await page.page(query, { first: 1000 });
      expect(items).toEqual((await memory.page(query, { first: 1000 })).items);
      const kind = query.list === 'persons' ? 'Person' : 'Statement';
      sent.length = 0;
      expectSame(await page.recordsByIds(kind, items), await memory.recordsByIds(kind, items), query.list);
      expectSame(await page.storedRecordsByIds(items), await memory.storedRecordsByIds(items), query.list);
      expect(sent, query.list).toEqual([]);
    }
  });

  it('countryIdsByIsoCodes, every code in any case', async () => {
    const codes = isoCodesOf(kb);
    const { actual, expected } = await both((reader) => reader.countryIdsByIsoCodes(codes));
    expectSame(actual, expected, 'countryIdsByIsoCodes');
    expect(expected.filter((id) => id !== undefined).length).toBeGreaterThan(codes.length / 2);
  });

  it.each(relations)('related(%s, every id)', async (relation) => {
    const { actual, expected } = await both((reader) => reader.related(relation, ids));
    expectSame(actual, expected, relation);
    // Each relation relates something (where the data has such pairs), so an empty answer from both could not pass.
    expect(expected.some((list) => list.length > 0)).toBe(!unrelated.includes(relation));
  });

  it('reads no table whole: every statement it sent has a plan on indexes', async () => {
    // recordsByIds per kind; storedRecordsByIds, referentsByIds, sourceTextsByIds, statementHeadingsByIds, countryIdsByIsoCodes; related per relation.
    expect(issued.length).toBe(kinds.length + 5 + relations.length);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Sequential scans made as costly as PostgreSQL allows, so a plan uses one only where no index can answer.
      await client.query('SET LOCAL enable_seqscan = off');
      for (const { sql, values } of issued) {
        const plan = (await client.query(`EXPLAIN ${sql}`, values as unknown[])).rows.map((row) => row['QUERY PLAN'] as string).join('\n');
        expect(plan, sql).not.toMatch(/Seq Scan/);
      }
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  if (label.includes('retracted')) {
    it('holds what the comparison is about: merges of merges, retracted facts, statements out of file order', async () => {
      const [person, statement, country] = await Promise.all([
        postgres.recordsByIds('Person', ['j-kerry']),
        postgres.recordsByIds('Statement', ['stoltenberg-direct-dialogue', 'kirby-urging-allies-duplicate']),
        postgres.countryIdsByIsoCodes(['tr', 'TUR', 'trq']),
      ]);
      expect(person.map((record) => (record as { id: string }).id)).toEqual(['john-kerry']);
      expect(statement.map((record) => (record as { id: string; retracted?: unknown }).id)).toEqual(['stoltenberg-direct-dialogue', 'kirby-secretary-urging-allies']);
      expect((statement[0] as { retracted?: unknown }).retracted).toEqual(retraction);
      expect(country).toEqual(['turkey-again', 'turkey', 'turkey-again']);
      expect(await postgres.referentsByIds(['j-kerry', 'north-atlantic-alliance', 'kerry-cycle-a'])).toEqual([
        { kind: 'Person', id: 'john-kerry' },
        { kind: 'Organization', id: 'nato' },
        undefined,
      ]);
      const [trudeau] = await postgres.storedRecordsByIds(['justin-trudeau']);
      expect((trudeau as { roles: { retracted?: unknown }[] }).roles[0]!.retracted).toEqual(retraction);
      const [visibleTrudeau] = await postgres.recordsByIds('Person', ['justin-trudeau']);
      expect((visibleTrudeau as { roles: unknown[] }).roles).toHaveLength((trudeau as { roles: unknown[] }).roles.length - 1);
      // Source order differs from file order here, so the order columns are what the lists were compared on.
      const inForce = kb.stored.statements.filter((s) => !s.retracted && !s.mergedInto).map((s) => s.id);
      expect(kb.orderedIds.statements).not.toEqual(inForce);
    });
  }
});

describe('PostgresReader', () => {
  it('sends one statement for a batch of any size, and none for an empty one', async () => {
    const pool = await importedPool(fixtureDir);
    const statements: string[] = [];
    const reader = new PostgresReader(pool, { onQuery: (sql) => statements.push(sql) });
    const ids = JSON.parse(await readFile(path.join(fixtureDir, 'statements.json'), 'utf8')).map((s: { id: string }) => s.id);
    expect(ids.length).toBeGreaterThan(20);
    for (const batch of [ids.slice(0, 1), ids.slice(0, 5), ids]) {
      const before = statements.length;
      const records = await reader.recordsByIds('Statement', batch);
      expect(records.map((record) => (record as { id: string }).id)).toEqual(batch);
      await reader.related('statementIdsByMentionedId', batch);
      expect(statements.length - before).toBe(2);
    }
    expect(await reader.recordsByIds('Person', [])).toEqual([]);
    expect(await reader.related('sourceIdsByRecordId', [])).toEqual([]);
    expect(statements).toHaveLength(6);
  });

  it('gives a RecordNotFoundError naming the kind and id asked for', async () => {
    const pool = await importedPool(fixtureDir);
    const [found, missing, wrongKind] = await new PostgresReader(pool).recordsByIds('Person', ['john-kerry', 'nobody', 'nato']);
    expect(found).toMatchObject({ id: 'john-kerry' });
    expect(missing).toBeInstanceOf(RecordNotFoundError);
    expect(missing).toMatchObject({ kind: 'Person', id: 'nobody', message: 'No Person with id "nobody"' });
    expect(wrongKind).toMatchObject({ kind: 'Person', id: 'nato', message: 'No Person with id "nato"' });
  });

  it('turns a database error into a coded PostgresStoreError naming the server', async () => {
    const url = await server.createDatabase();
    const pool = testPool(url, 10);
    pools.push(pool);
    const error = await new PostgresReader(pool, { where: 'the test server' }).storedRecordsByIds(['john-kerry']).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'PostgresStoreError', code: 'DATABASE_ERROR' });
    expect((error as Error).message).toMatch(/^PostgreSQL at the test server: relation "sources" does not exist \(SQLSTATE 42P01\)$/);
  });
});
