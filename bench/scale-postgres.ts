/**
 * The PostgreSQL scale benchmark of issue #15: `npm run bench:scale:postgres`.
 *
 * 1. Starts a throwaway PostgreSQL server (test/postgres.ts) and builds one database per scale:
 *    - 1× is `data/`, imported with `db:import`'s code (`importKnowledgeBase`);
 *    - 1000× (the largest scale the JSON route handles well) is `scripts/generate-dataset.ts --scale 1000`,
 *      generated into a temporary folder (reused while the generator and the seed are unchanged) and imported;
 *    - any larger scale (a multiple of 1000) is the 1000× database copied (CREATE DATABASE … TEMPLATE)
 *      and multiplied inside PostgreSQL (`multiply`): every table gets M-1 more copies of its rows by
 *      INSERT … SELECT, each copy b with every id suffixed `-y<b>` (columns, link tables, the derived
 *      tables of migrations 0002–0007 but the shared vocabulary (coverage's walk positions copied as they are: a copy's records and sources are all its own, so their order among themselves is kept), and the ids inside `record` / `original`), positions offset per
 *      copy so orders stay unique, then indexes and foreign keys rebuilt (the foreign keys check every
 *      suffixed reference) and the `dataset` row given a new version and generation. No JSON files.
 *    Then `VACUUM (ANALYZE)`; every database has `random_page_cost = 1.1` (the README's advice for SSDs).
 *    A multiplied database is checked before it is measured: row counts are exactly M times, and sampled
 *    suffixed records equal their originals with the suffix applied by the generator's id rule.
 * 2. Builds the production bundle and, per scale, starts the real server (`node dist/index.mjs`, as
 *    `npm start` runs it, DATABASE_URL set) several times, timing spawn to listening, and reads its RSS.
 *    With the 1× server running beside it, checks every query answers without errors on both and with
 *    pages of the same size (and that a suffixed copy answers as its original), then measures each
 *    query's median and p95 through HTTP, sequential requests in blocks of 10 alternating between the
 *    two servers (the order swapped each round), so both see the same machine noise. Every request
 *    carries an unused variable with a unique value, so none is answered from the response cache.
 * 3. Writes bench/results/scale-postgres.md, keeping its hand-written section, with PASS/FAIL per target:
 *    start < 2 s at every scale; RSS after the queries and a full collection forced in the server
 *    (bench/collect-on-signal.mjs) at most 1.25× the 1× server's; gated queries
 *    (pages, filters, lookups, relationships, timeline, neighborhood) median ≤ 2× of 1×; search p95
 *    < 50 ms; mutations (an update, a new statement; measured last, as they change the data) median
 *    < 20 ms, sent with a curator token the servers are started with. Statements slower than 20 ms in the PostgreSQL log (log_min_duration_statement) are listed.
 *
 * Options: --scales 1,1000,10000 (1 is always added)  --seed 42  --data-root DIR  --budget SECONDS (per
 *          query and scale, default 3)  --starts N (server starts per scale, default 3)
 *          --out FILE (default bench/results/scale-postgres.md; "-" writes nothing)
 *          --keep-log FILE (the PostgreSQL log of the measurements: statements over 20 ms, and the plans of those over
 *          200 ms, which auto_explain adds, slowing every statement a little: use it for a look, not for figures)
 *          --keep-postgres yes (leave the server's folder, stopped, and print how to start it again)
 * 100,000× is about 117 GB of database, and about two hours on 2 CPUs (see the results file): a scale
 * whose estimated size does not fit the free disk is refused with the figures, not attempted. On a
 * compressing file system (the results file says how this machine's was made) it takes a fraction of that.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { importKnowledgeBase, knowledgeBaseTables } from '../src/store/postgres/import.js';
import { migrate } from '../src/store/postgres/migrate.js';
import { hashToken } from '../src/plugins/auth.js';
import { startPostgres, withClient, type PostgresServer } from '../test/postgres.js';
import { buildProductionBundle, memoryAfterCollection, processMemoryKiB, projectRoot, startServerProcess, type ServerProcess } from './lib.js';

const seedDir = path.join(projectRoot, 'data');
const generatorFile = path.join(projectRoot, 'scripts', 'generate-dataset.ts');
/** Scales up to this are generated as JSON and imported; larger ones are this scale multiplied in the database. */
const IMPORTED_SCALE = 1000;

const MAX_START_MS = 2000;
const MAX_LATENCY_RATIO = 2;
const MAX_SEARCH_P95_MS = 50;
const MAX_MUTATION_MEDIAN_MS = 20;
/** The curator the servers accept, for the mutations measured. */
const CURATOR_TOKEN = 'bench-curator-token';
const MAX_RSS_RATIO = 1.25;
const SLOW_STATEMENT_MS = 20;

// ---------------------------------------------------------------------------------------------------
// Options

interface Options {
  scales: number[];
  seed: number;
  dataRoot: string;
  budgetMs: number;
  starts: number;
  out: string | undefined;
  /** Where to copy the PostgreSQL server's log (slow statements and their plans) before the server is deleted. */
  keepLog: string | undefined;
  /** Leave the PostgreSQL server's folder (stopped) instead of deleting it, to look at a large database again without hours of building. */
  keepPostgres: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    scales: [1, 1000, 10000],
    seed: 42,
    dataRoot: path.join(os.tmpdir(), 'newsgraph-scale'),
    budgetMs: 3000,
    starts: 3,
    out: path.join(projectRoot, 'bench', 'results', 'scale-postgres.md'),
    keepLog: undefined,
    keepPostgres: false,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [arg, value] = [argv[i]!, argv[i + 1]];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (arg === '--scales') options.scales = value.split(',').map(Number);
    else if (arg === '--seed') options.seed = Number(value);
    else if (arg === '--data-root') options.dataRoot = path.resolve(value);
    else if (arg === '--budget') options.budgetMs = Number(value) * 1000;
    else if (arg === '--starts') options.starts = Number(value);
    else if (arg === '--out') options.out = value === '-' ? undefined : path.resolve(value);
    else if (arg === '--keep-log') options.keepLog = path.resolve(value);
    else if (arg === '--keep-postgres') {
      if (value !== 'yes' && value !== 'no') throw new Error(`--keep-postgres: "${value}" is not yes or no`);
      options.keepPostgres = value === 'yes';
    }
    else throw new Error(`unknown argument "${arg}"`);
  }
  const valid = (s: number) => Number.isInteger(s) && s >= 1 && (s <= IMPORTED_SCALE || s % IMPORTED_SCALE === 0);
  if (!options.scales.every(valid)) throw new Error(`--scales: whole numbers up to ${IMPORTED_SCALE}, or multiples of ${IMPORTED_SCALE}`);
  options.scales = [...new Set([1, ...options.scales])].sort((a, b) => a - b);
  if (!(options.budgetMs > 0)) throw new Error('--budget must be a positive number of seconds');
  if (!Number.isInteger(options.starts) || options.starts < 1) throw new Error('--starts must be a whole number of at least 1');
  return options;
}

// ---------------------------------------------------------------------------------------------------
// Building the databases

interface Built {
  scale: number;
  url: string;
  database: string;
  /** How the rows got in, step by step, in milliseconds. */
  steps: { step: string; ms: number }[];
  rows: Record<string, number>;
  bytes: number;
  /**
   * What building it took of its file system's free space (sync'd before and after): less than `bytes`
   * on a compressing file system, more when WAL grew too. Measured for the imported databases only.
   */
  diskBytes?: number;
  /** What the checks of a multiplied database found (empty: nothing wrong). */
  problems: string[];
  checked: string[];
}

const databaseName = (scale: number) => `scale_${scale}`;

async function timed<T>(steps: Built['steps'], step: string, work: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  const result = await work();
  steps.push({ step, ms: performance.now() - started });
  console.log(`  ${step}: ${(performance.now() - started).toFixed(0)} ms`);
  return result;
}

/** A fingerprint of what a generated folder depends on, as bench/scale.ts keys its folders (so both reuse them). */
function generationKey(scale: number, seed: number): string {
  const hash = createHash('sha256').update(readFileSync(generatorFile)).update(`${scale}/${seed}`);
  for (const file of ['sources', 'persons', 'countries', 'organizations', 'events', 'statements']) hash.update(readFileSync(path.join(seedDir, `${file}.json`)));
  return hash.digest('hex').slice(0, 16);
}

function generatedFolder(scale: number, options: Options, steps: Built['steps']): string {
  const dir = path.join(options.dataRoot, `x${scale}-seed${options.seed}`);
  const marker = path.join(dir, '.generated');
  const key = generationKey(scale, options.seed);
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === key) {
    console.log(`  reusing ${dir}`);
    steps.push({ step: 'generate JSON (reused from an earlier run)', ms: 0 });
    return dir;
  }
  const started = performance.now();
  execFileSync(process.execPath, ['--import', 'tsx', generatorFile, '--scale', String(scale), '--seed', String(options.seed), '--out', dir], { cwd: projectRoot, stdio: 'inherit' });
  writeFileSync(marker, `${key}\n`);
  steps.push({ step: 'generate JSON', ms: performance.now() - started });
  return dir;
}

async function rowCounts(client: pg.Client): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const table of knowledgeBaseTables) rows[table] = Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  return rows;
}

async function databaseBytes(client: pg.Client): Promise<number> {
  return Number((await client.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n);
}

async function importedDatabase(server: PostgresServer, scale: number, options: Options): Promise<Built> {
  const steps: Built['steps'] = [];
  const database = databaseName(scale);
  const dir = scale === 1 ? seedDir : generatedFolder(scale, options, steps);
  const freeBefore = freeBytes(server.dir);
  const url = await server.createDatabase(database);
  await withClient(url, async (client) => {
    await client.query(`ALTER DATABASE ${database} SET random_page_cost = 1.1`);
    await migrate(client, database);
    await timed(steps, 'db:import (validate + COPY + indexes)', () => importKnowledgeBase(client, database, dir));
    await timed(steps, 'VACUUM (ANALYZE)', () => client.query('VACUUM (ANALYZE)'));
  });
  const diskBytes = Math.max(0, freeBefore - freeBytes(server.dir));
  return withClient(url, async (client) => ({ scale, url, database, steps, rows: await rowCounts(client), bytes: await databaseBytes(client), diskBytes, problems: [], checked: [] }));
}

/**
 * How each table's columns are copied: an id (suffixed), a position (offset by the copy times the
 * table's rows, or times the sources' for first_source_position), a record's JSON (ids inside suffixed),
 * or as it is. A column not listed here fails the run, so a migration that adds one is noticed.
 */
const ID_COLUMNS = new Set([
  'id', 'merged_into', 'parent_id', 'country_id', 'part_of_id', 'speaker_id', 'said_at_event_id', 'continues_id',
  'statement_id', 'source_id', 'attribution_source_id', 'relayed_by_id', 'entity_id', 'event_id', 'person_id',
  'organization_id', 'record_id', 'contributor_id',
]);
const PLAIN_COLUMNS = new Set([
  'kind', 'revision', 'title', 'language', 'name', 'label', 'aliases', 'iso_alpha2', 'iso_alpha3', 'name_order',
  'date_sort_key', 'occupies_from', 'occupies_to', 'text', 'date_from_event', 'source_count', 'retracted',
  'search_text', 'first_evidence_start', 'wordings_folded', 'ordinal', 'evidence_start', 'evidence_end',
  'attribution_start', 'attribution_end', 'link', 'stated_as', 'starts_on', 'ends_on', 'role', 'city', 'field',
  'word', 'value', 'terms', 'term', 'weight', 'kind_order', 'walk', 'first_seen', 'key',
]);
/** Tables whose rows every copy shares rather than repeats: search's vocabulary (copies suffix ids, not words). */
const SHARED_TABLES = new Set(['search_terms']);

/**
 * The ids inside a record's JSON text, by the generator's rule (and the loader's schemas): the value of
 * an `id` key or of a key ending in `Id`, and each element of an array under a key ending in `Ids`. A
 * slug has no quote or backslash, and a quote inside a JSON string is escaped, so these patterns cannot
 * match inside a text value.
 */
const SUFFIX_IDS_FUNCTION = String.raw`
CREATE FUNCTION pg_temp.suffix_ids(json text, suffix text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN strpos(scalars, 'Ids"') = 0 THEN scalars
    ELSE regexp_replace(scalars, '(?<="[A-Za-z]*Ids"\s*:\s*\[[^\]]*")([a-z0-9-]+)(?=")', '\1' || suffix, 'g') END
    FROM (SELECT regexp_replace(json, '("(?:id|[A-Za-z]*Id)"\s*:\s*"[a-z0-9-]+)"', '\1' || suffix || '"', 'g') AS scalars) AS step
$$`;

/** The same rule on parsed JSON, to check what the SQL wrote. */
function suffixIds(value: unknown, suffix: string, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => (key.endsWith('Ids') && typeof item === 'string' ? item + suffix : suffixIds(item, suffix, key)));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, suffixIds(v, suffix, k)]));
  if (typeof value === 'string' && (key === 'id' || key.endsWith('Id'))) return value + suffix;
  return value;
}

/** JSON with object keys sorted, so jsonb (which reorders keys) compares equal to the same record as parsed. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

/** Bytes free on the file system of the PostgreSQL server's folder, after writing out what is pending (a compressing file system counts what it stored). */
function freeBytes(dir: string): number {
  spawnSync('sync', ['-f', dir]);
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/**
 * The `from` database (imported at IMPORTED_SCALE) copied and multiplied by `times` inside PostgreSQL.
 * Refuses when the estimated size (times what the source took of the disk, plus a quarter for WAL and
 * index builds) does not fit the free disk. What it took, not its size: on a compressing file system
 * (how the results file's 100,000× fitted this machine's disk) the two differ by a factor of two or more.
 */
async function multipliedDatabase(server: PostgresServer, from: Built, scale: number): Promise<Built> {
  const times = scale / from.scale;
  const perCopy = Math.min(from.bytes, from.diskBytes ?? from.bytes);
  const needed = perCopy * times * 1.25;
  const free = freeBytes(server.dir);
  const took = perCopy < from.bytes ? `took ${(perCopy / 1e9).toFixed(2)} GB of its file system for its ${(from.bytes / 1e9).toFixed(2)} GB` : `is ${(from.bytes / 1e9).toFixed(2)} GB`;
  console.log(`  ${scale}×: about ${(needed / 1e9).toFixed(0)} GB needed (the ${from.scale}× database ${took}), ${(free / 1e9).toFixed(0)} GB free`);
  if (needed > free) {
    throw new Error(`${scale}× would need about ${(needed / 1e9).toFixed(0)} GB (${times} × what the ${from.scale}× database ${took}, plus a quarter for WAL and index builds); ${(free / 1e9).toFixed(0)} GB are free`);
  }
  const steps: Built['steps'] = [];
  const database = databaseName(scale);
  await timed(steps, `CREATE DATABASE … TEMPLATE ${from.database}`, () =>
    withClient(server.url(), (client) => client.query(`CREATE DATABASE ${database} TEMPLATE ${from.database}`)),
  );
  const url = server.url(database);
  await withClient(url, async (client) => {
    await client.query(`ALTER DATABASE ${database} SET random_page_cost = 1.1`);
    await client.query(SUFFIX_IDS_FUNCTION);
    await client.query('BEGIN');
    await client.query("SET LOCAL maintenance_work_mem = '512MB'");
    // Secondary indexes and foreign keys dropped for the load and rebuilt once from their own definitions
    // (db:import builds them once on its new tables; the rebuilt foreign keys check every suffixed reference).
    const { rows: indexes } = await client.query<{ name: string; definition: string }>(
      `SELECT index.indexrelid::regclass::text AS name, pg_get_indexdef(index.indexrelid) AS definition
         FROM pg_index index JOIN pg_class tab ON tab.oid = index.indrelid
        WHERE tab.relname = ANY($1) AND tab.relnamespace = current_schema()::regnamespace AND NOT index.indisprimary AND NOT index.indisunique`,
      [knowledgeBaseTables],
    );
    const { rows: foreignKeys } = await client.query<{ table: string; name: string; definition: string }>(
      `SELECT conrelid::regclass::text AS table, quote_ident(conname) AS name, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY($1::regclass[]) ORDER BY conrelid::regclass::text, conname`,
      [knowledgeBaseTables],
    );
    await timed(steps, `drop ${indexes.length} indexes and ${foreignKeys.length} foreign keys`, async () => {
      for (const { name } of indexes) await client.query(`DROP INDEX ${name}`);
      for (const { table, name } of foreignKeys) await client.query(`ALTER TABLE ${table} DROP CONSTRAINT ${name}`);
    });
    const sources = from.rows.sources!;
    for (const table of knowledgeBaseTables.filter((name) => !SHARED_TABLES.has(name))) {
      const { rows: columns } = await client.query<{ name: string }>(
        `SELECT column_name AS name FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
        [table],
      );
      const rowsPerCopy = from.rows[table]!;
      const expressions = columns.map(({ name }) => {
        if (ID_COLUMNS.has(name)) return `${name} || '-y' || copy`;
        if (name === 'position') return `position + copy * ${rowsPerCopy}`;
        if (name === 'first_source_position') return `first_source_position + copy * ${sources}`;
        if (name === 'record') return `pg_temp.suffix_ids(record::text, '-y' || copy)::jsonb`;
        if (name === 'original') return `pg_temp.suffix_ids(original::text, '-y' || copy)::json`;
        if (PLAIN_COLUMNS.has(name)) return name;
        throw new Error(`multiply: ${table}.${name} is not known to bench/scale-postgres.ts (an id, a position, JSON, or copied as it is?)`);
      });
      await timed(steps, `copy ${table} (${rowsPerCopy} rows × ${times - 1})`, () =>
        client.query(
          `INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')})
           SELECT ${expressions.join(', ')} FROM ${table} AS row, generate_series(1, ${times - 1}) AS copy`,
        ),
      );
    }
    await timed(steps, `rebuild ${indexes.length} indexes`, async () => {
      for (const { definition } of indexes) await client.query(definition);
    });
    await timed(steps, `add back ${foreignKeys.length} foreign keys (checks every reference)`, async () => {
      for (const { table, name, definition } of foreignKeys) await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${name} ${definition}`);
    });
    // New content, so a new version (the servers' caches and ETags key on it) and the next generation.
    const { rows } = await client.query<{ version: string }>('SELECT version FROM dataset');
    const version = createHash('sha256').update(`${rows[0]!.version}×${times}`).digest('hex').slice(0, 16);
    await client.query(
      `UPDATE dataset SET version = $1, generation = generation + 1, changed_at = now(),
         imported_from = imported_from || $2`,
      [version, ` ×${times} in the database (bench/scale-postgres.ts)`],
    );
    await client.query('COMMIT');
    await timed(steps, 'VACUUM (ANALYZE)', () => client.query('VACUUM (ANALYZE)'));
  });
  const built = await withClient(url, async (client) => ({
    scale,
    url,
    database,
    steps,
    rows: await rowCounts(client),
    bytes: await databaseBytes(client),
    problems: [] as string[],
    checked: [] as string[],
  }));
  await withClient(url, (client) => checkMultiplied(client, from, built, times));
  return built;
}

/** Row counts exactly `times` the source's, and sampled suffixed records equal to their originals with the suffix applied. */
async function checkMultiplied(client: pg.Client, from: Built, built: Built, times: number): Promise<void> {
  for (const table of knowledgeBaseTables) {
    const expected = from.rows[table]! * (SHARED_TABLES.has(table) ? 1 : times);
    if (built.rows[table] !== expected) built.problems.push(`${table}: ${built.rows[table]} rows, expected ${expected}`);
  }
  built.checked.push(
    `row counts of all ${knowledgeBaseTables.length} tables are exactly ${times} × the ${from.scale}× database's (${[...SHARED_TABLES].join(', ')}: the same)`,
  );
  let compared = 0;
  for (const table of ['sources', 'persons', 'countries', 'organizations', 'events', 'statements']) {
    const { rows } = await client.query<{ id: string; record: unknown; original: string }>(
      `SELECT id, record, original::text AS original FROM ${table} WHERE id ~ '-y[0-9]+$' ORDER BY md5(id) LIMIT 40`,
    );
    for (const copy of rows) {
      const [, baseId, suffix] = /^(.*)(-y\d+)$/.exec(copy.id)!;
      const base = (await client.query<{ record: unknown; original: string }>(`SELECT record, original::text AS original FROM ${table} WHERE id = $1`, [baseId])).rows[0];
      if (!base) {
        built.problems.push(`${table} ${copy.id}: no ${baseId}`);
        continue;
      }
      if (canonical(copy.record) !== canonical(suffixIds(base.record, suffix!))) built.problems.push(`${table} ${copy.id}: record differs from ${baseId}'s with ids suffixed`);
      if (canonical(JSON.parse(copy.original)) !== canonical(suffixIds(JSON.parse(base.original), suffix!))) built.problems.push(`${table} ${copy.id}: original differs from ${baseId}'s with ids suffixed`);
      compared++;
    }
  }
  built.checked.push(`${compared} sampled copied records (record and original) equal their originals with every id suffixed`);
  // Every id in the copied links resolves (the foreign keys were rebuilt); the ids inside JSON are checked here.
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM statements s
      WHERE s.id ~ '-y[0-9]+$' AND NOT EXISTS (SELECT 1 FROM records r WHERE r.id = s.record->>'speakerId')`,
  );
  if (Number(rows[0]!.n) > 0) built.problems.push(`${rows[0]!.n} copied statements name a speakerId that is not a record`);
  built.checked.push('every copied statement\'s record.speakerId is a record; the rebuilt foreign keys check every id column');
}

// ---------------------------------------------------------------------------------------------------
// The queries

interface BenchQuery {
  name: string;
  /** Which target holds it: a latency ratio to 1× (gated), the search p95, a mutation's median, or none (informational). */
  target: 'ratio' | 'search' | 'mutation' | 'none';
  label: string;
  document: string;
  /** Works out the variables on a server (real cursors and global ids). */
  variables?: (server: Client) => Promise<Record<string, unknown>>;
  /** The size of an answer, compared across scales: the length of the page or list it returns. */
  size: (data: any) => number;
  /**
   * The code of a refusal that answers this query where the data passes one of the server's own caps
   * (a draft naming more records than a draft reads): timed as an answer, its size shown as the code.
   */
  refusedWith?: string;
  /**
   * For a mutation, which changes the data and so cannot be sent twice alike: gives the variables of each
   * request in turn (sent with the curator's token).
   */
  sequence?: (server: Client) => Promise<() => Record<string, unknown>>;
  /** Sent with the curator's token (mutations always are). */
  asCurator?: boolean;
}

/** An invented article (a test fixture, not real reporting) that re-reports the seed's meeting: what the article measurements draft and apply. */
const articleText = readFileSync(path.join(projectRoot, 'test/fixtures/articles/third-report.txt'), 'utf8');
/** Articles the apply measurement applied, over every server: each has a source of its own. */
let appliedArticles = 0;

const SPEAKER = 'jens-stoltenberg';
const STATEMENT = 'stoltenberg-calm-de-escalation';
const statementFields = 'id kind text speaker { displayName } mentions { entity { __typename displayName } }';

/** Follows `pages` pages of `first` statements and returns the cursor at the end of the last. */
async function cursorAfter(server: Client, first: number, pages: number): Promise<string | null> {
  let after: string | null = null;
  for (let page = 0; page < pages; page++) {
    const data: any = await server.data(`query ($first: Int!, $after: String) { statements(first: $first, after: $after) { pageInfo { endCursor } } }`, { first, after });
    after = data.statements.pageInfo.endCursor;
  }
  return after;
}

/** A search for `text`: its first 10 hits with their scores, snippets and the `entity` fields of the hit kind expected besides statements. */
function searchQuery(name: string, text: string, what: string, entity: string): BenchQuery {
  return {
    name,
    target: 'search',
    label: `search(query: "${text}", first: 10): ${what}`,
    document: `{ search(query: "${text}", first: 10) { edges { node { score matchedField snippet { text } node { __typename ... on ${entity} ... on Statement { text } } } } } }`,
    size: (d) => d.search.edges.length,
  };
}

const queries: BenchQuery[] = [
  {
    name: 'page-first',
    target: 'ratio',
    label: 'statements(first: 20): the first page, source order',
    document: `{ statements(first: 20) { pageInfo { hasNextPage endCursor } edges { cursor node { ${statementFields} } } } }`,
    size: (d) => d.statements.edges.length,
  },
  {
    name: 'page-deep',
    target: 'ratio',
    label: 'statements(first: 4, after: <endCursor of page 5>): page 6, followed cursor by cursor (a keyset page)',
    document: `query ($after: String) { statements(first: 4, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { ${statementFields} } } } }`,
    variables: async (server) => ({ after: await cursorAfter(server, 4, 5) }),
    size: (d) => d.statements.edges.length,
  },
  {
    name: 'filter-speaker',
    target: 'ratio',
    label: `statements(filter: { speaker: "${SPEAKER}" }, first: 5): a speaker's statements (the same records at every scale)`,
    document: `{ statements(filter: { speaker: "${SPEAKER}" }, first: 5) { pageInfo { hasNextPage endCursor } edges { node { ${statementFields} } } } }`,
    size: (d) => d.statements.edges.length,
  },
  {
    name: 'filter-name',
    target: 'ratio',
    label: 'persons(filter: { name: "john" }, first: 2, orderBy: NAME_ASC): persons by a name word, sorted (matches grow with the data; the page does not)',
    document: `{ persons(filter: { name: "john" }, first: 2, orderBy: NAME_ASC) { pageInfo { hasNextPage } edges { node { id name roles { title } } } } }`,
    size: (d) => d.persons.edges.length,
  },
  {
    name: 'node-id',
    target: 'ratio',
    label: `node(id: <global id of "${STATEMENT}">): a lookup by global id`,
    document: `query ($id: ID!) { node(id: $id) { id ... on Statement { text kind speaker { displayName } } } }`,
    variables: async (server) => {
      const data: any = await server.data(`{ statement(slug: "${STATEMENT}") { id } }`);
      return { id: data.statement.id };
    },
    size: (d) => (d.node ? 1 : 0),
  },
  {
    name: 'node-slug',
    target: 'ratio',
    label: `person(slug: "${SPEAKER}"): a lookup by slug`,
    document: `{ person(slug: "${SPEAKER}") { id name description aliases } }`,
    size: (d) => (d.person ? 1 : 0),
  },
  {
    name: 'relationship',
    target: 'ratio',
    label: `person(slug: "${SPEAKER}") { roles { organization country } statements(first: 5) { speaker mentions { entity } aboutEvents } }: nested`,
    document: `{ person(slug: "${SPEAKER}") { name roles { title organization { name } country { name } }
        statements(first: 5) { edges { node { text speaker { displayName } mentions { entity { __typename displayName } } aboutEvents { name } } } } } }`,
    size: (d) => d.person.roles.length * 1000 + d.person.statements.edges.length,
  },
  {
    name: 'timeline',
    target: 'ratio',
    label: 'timeline(first: 20): the first page of events and statements by date',
    document: `{ timeline(first: 20) { pageInfo { hasNextPage endCursor } edges { node { dateFromEvent item { __typename ... on Event { name } ... on Statement { text } } } } } }`,
    size: (d) => d.timeline.edges.length,
  },
  {
    name: 'neighborhood',
    target: 'ratio',
    label: `neighborhood(id: "${STATEMENT}", depth: 1): a statement's speaker, mentions and events (not cross-linked, so the same at every scale)`,
    document: `{ neighborhood(id: "${STATEMENT}", depth: 1) { truncated nodes { id kind label distance } edges { from to kind label } } }`,
    size: (d) => d.neighborhood.nodes.length * 1000 + d.neighborhood.edges.length,
  },
  searchQuery('search-name', 'stoltenberg', 'a name (one copy per block of 1000 at the multiplied scales)', 'Person { name }'),
  searchQuery('search-typo', 'stolten', 'a prefix of the name', 'Person { name }'),
  searchQuery('search-typo-edit', 'stoltenbreg', 'a misspelling (two letters swapped)', 'Person { name }'),
  searchQuery('search-common', 'coalition', 'a word every copy uses (hits grow with the data)', 'Event { name }'),
  {
    name: 'mutation-update',
    target: 'mutation',
    label: `updatePerson("${SPEAKER}", a new description): a transaction that reads the person, checks it with the records it refers to, and rewrites its rows`,
    document: `mutation ($revision: Int!, $description: String!) { updatePerson(input: { person: "${SPEAKER}", expectedRevision: $revision, description: $description }) { person { revision } } }`,
    sequence: async (server) => {
      let revision = ((await server.data(`{ person(slug: "${SPEAKER}") { revision } }`)) as any).person.revision as number;
      return () => ({ revision: revision++, description: `Bench description ${revision}.` });
    },
    size: () => 1,
  },
  {
    name: 'mutation-create',
    target: 'mutation',
    label: `createStatement (new slug each time, words of "${STATEMENT}", speaker ${SPEAKER}, mentioning NATO): a new statement whose coverage adds a source to NATO's, the entity every copy mentions most`,
    document: `mutation ($slug: String!) { createStatement(input: { slug: $slug, kind: QUOTE, words: { source: "kerry-to-nato-ante-up", quote: "Calm and de-escalation is now of the essence" },
      speaker: "${SPEAKER}", attribution: { quote: "he said", occurrence: 1 }, mentions: [{ entity: "nato", quote: "NATO", occurrence: 1 }] }) { statement { id } } }`,
    sequence: async () => () => ({ slug: `bench-statement-${++createdStatements}` }),
    size: () => 1,
  },
  {
    name: 'article-draft',
    target: 'none',
    label: 'draftArticle of an invented 1.2 KB article re-reporting the seed: the records its words name, what the first run missed, and a second run (on the multiplied scales every copy of a name is a record it looks at)',
    document: 'query ($text: String!) { draftArticle(text: $text, publishedOn: "2015-12-02") }',
    variables: async () => ({ text: articleText }),
    asCurator: true,
    size: (data) => (data.draftArticle.statements as unknown[]).length,
    refusedWith: 'DRAFT_TOO_LARGE',
  },
  {
    name: 'article-apply',
    target: 'none',
    label: 'applyArticle of a file adding a source (its own copy of the same article) with a new statement and two reports of stored ones, in one transaction (every request adds a report to the same two statements, so they grow by one report per request on both servers)',
    document: 'mutation ($file: ArticleFile!) { applyArticle(file: $file) { applied changes { slug } } }',
    sequence: async () => () => {
      const copy = ++appliedArticles;
      const text = `${articleText}\n\n(Bench copy ${copy}.)`;
      return {
        file: {
          source: { id: `bench-article-${copy}`, title: `NATO chief urges Moscow-Ankara talks (bench copy ${copy})`, text, publishedOn: { value: '2015-12-02' } },
          statements: [
            { existing: 'kirby-secretary-urging-allies', kind: 'QUOTE', text: 'The secretary made clear he was urging all allies to increase their contributions.', speaker: 'john-kirby', attribution: 'spokesman John Kirby said' },
            { existing: 'stoltenberg-direct-dialogue', kind: 'QUOTE', text: 'I encourage direct dialogue between Moscow and Ankara', speaker: 'jens-stoltenberg', attribution: 'Stoltenberg said at a news conference' },
            { id: `bench-article-statement-${copy}`, kind: 'PARAPHRASE', text: 'Ministers were due to meet again on Wednesday', speaker: null, attribution: 'Ministers were due to meet again' },
          ],
        },
      };
    },
    size: (data) => (data.applyArticle.changes as unknown[]).length,
  },
];

// ---------------------------------------------------------------------------------------------------
// Measuring

let serial = 0;
/** Statements the mutation benchmark created, over every server: each slug is new. */
let createdStatements = 0;

/** A server reached over HTTP (keep-alive, one request at a time). */
class Client {
  readonly url: string;
  /** Forces a full collection in the server and reads its memory then (KiB). */
  readonly collectedMemory: () => Promise<{ rss: number; heapUsed: number }>;
  constructor(readonly process: ServerProcess, collectedMemory: (pid: number) => Promise<{ rss: number; heapUsed: number }>) {
    this.collectedMemory = () => collectedMemory(process.pid);
    this.url = `http://127.0.0.1:${process.port}/graphql`;
  }

  /** One request, made unique by an unused variable so the response cache never answers it; returns the body. */
  async raw(document: string, variables: Record<string, unknown> = {}, asCurator = false): Promise<{ status: number; body: string; cacheHit: boolean }> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(asCurator ? { authorization: `Bearer ${CURATOR_TOKEN}` } : {}) },
      body: JSON.stringify({ query: document, variables: { ...variables, benchRequest: ++serial } }),
    });
    return { status: response.status, body: await response.text(), cacheHit: response.headers.get('x-cache') === 'hit' };
  }

  async data(document: string, variables: Record<string, unknown> = {}, asCurator = false): Promise<unknown> {
    const { status, body } = await this.raw(document, variables, asCurator);
    return dataOf(status, body);
  }
}

/** The data of an answer without errors; throws for any other. */
function dataOf(status: number, body: string): unknown {
  const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown[] };
  if (status !== 200 || parsed.errors?.length || !parsed.data) throw new Error(`query failed (${status}): ${body.slice(0, 500)}`);
  return parsed.data;
}

/** `code` when it is the code of every error of an answer (a refusal the query accepts), else undefined. */
function refusalIn(body: string, code: string | undefined): string | undefined {
  if (code === undefined || !body.includes('"errors"')) return undefined;
  const { errors } = JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] };
  return errors?.length && errors.every((error) => error.extensions?.code === code) ? code : undefined;
}

interface Sample {
  medianMs: number;
  p95Ms: number;
  samples: number;
  /** The answer's size, or the code of the refusal that answered it (`refusedWith`). */
  size: number | string;
}

interface QueryResult {
  name: string;
  at: Sample;
  /** The same query on the 1× server, measured in alternation with this scale's. */
  base: Sample;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Each server's mutation sequences, made once: the 1× server is measured beside itself too, and must count one revision. */
const sequences = new WeakMap<Client, Map<string, () => Record<string, unknown>>>();

async function sequenceOn(server: Client, query: BenchQuery): Promise<() => Record<string, unknown>> {
  let own = sequences.get(server);
  if (!own) sequences.set(server, (own = new Map()));
  let next = own.get(query.name);
  if (!next) own.set(query.name, (next = await query.sequence!(server)));
  return next;
}

async function prepare(server: Client, query: BenchQuery) {
  const fixed = query.variables ? await query.variables(server) : {};
  const next = query.sequence ? await sequenceOn(server, query) : () => fixed;
  const asCurator = query.sequence !== undefined || query.asCurator === true;
  const first = await server.raw(query.document, next(), asCurator);
  const size = refusalIn(first.body, query.refusedWith) ?? query.size(dataOf(first.status, first.body));
  const samples: number[] = [];
  const once = async () => {
    const variables = next();
    const started = performance.now();
    const { status, body, cacheHit } = await server.raw(query.document, variables, asCurator);
    const elapsed = performance.now() - started;
    if ((status !== 200 || body.includes('"errors"')) && !refusalIn(body, query.refusedWith)) throw new Error(`${query.name} failed during measurement (${status}): ${body.slice(0, 300)}`);
    if (cacheHit) throw new Error(`${query.name} was answered by the response cache`);
    samples.push(elapsed);
  };
  const summary = (): Sample => {
    const sorted = [...samples].sort((a, b) => a - b);
    return { medianMs: percentile(sorted, 50), p95Ms: percentile(sorted, 95), samples: sorted.length, size };
  };
  return { once, summary, samples };
}

/**
 * The read queries, measured at every scale first (the memory target is checked after them), and the
 * mutations and article files, measured after them on a server started anew (a draft reads every record
 * named like the names its text uses: its memory is reported on its own).
 */
const reads = queries.filter((query) => query.sequence === undefined && !query.asCurator);
const writes = queries.filter((query) => query.sequence !== undefined || query.asCurator);

/** Measures `list` on `at` beside `base`, one query at a time; a query that fails is reported in `problems` and the others still measured. */
async function measureAll(at: Client, base: Client, list: readonly BenchQuery[], budgetMs: number, problems: string[]): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const query of list) {
    let result: QueryResult;
    try {
      result = await measure(at, base, query, budgetMs);
    } catch (error) {
      const failed: Sample = { medianMs: Number.NaN, p95Ms: Number.NaN, samples: 0, size: -1 };
      result = { name: query.name, at: failed, base: failed };
      problems.push(`${query.name}: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`);
      console.log(`  ${query.name} FAILED: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`);
    }
    results.push(result);
    console.log(`  ${query.name}: ${msText(result.at.medianMs)} / ${msText(result.at.p95Ms)} ms (1× beside it ${msText(result.base.medianMs)} / ${msText(result.base.p95Ms)} ms), size ${result.at.size} vs ${result.base.size}`);
  }
  return results;
}

/**
 * Warm-up, then blocks alternating between the two servers (the order swapped each round) until the
 * budget is spent: blocks of 10 requests and at least 100 samples each for a fast query; for a query
 * whose warm-up shows it takes over 50 ms, one request per block and at least 5 samples, so a slow
 * search at a large scale is measured in minutes rather than hours.
 */
async function measure(at: Client, base: Client, query: BenchQuery, budgetMs: number): Promise<QueryResult> {
  const subject = await prepare(at, query);
  const reference = await prepare(base, query);
  const warmUntil = performance.now() + budgetMs / 4;
  for (let i = 0; i < 20 && (i < 2 || performance.now() < warmUntil); i++) {
    await subject.once();
    await reference.once();
  }
  const slow = subject.summary().medianMs > 50;
  const [block, minimum] = slow ? [1, 5] : [10, 100];
  subject.samples.length = 0;
  reference.samples.length = 0;
  const until = performance.now() + budgetMs;
  for (let round = 0; subject.samples.length < minimum || (subject.samples.length < 3000 && performance.now() < until); round++) {
    const order = round % 2 === 0 ? [subject, reference] : [reference, subject];
    for (const side of order) for (let i = 0; i < block; i++) await side.once();
  }
  return { name: query.name, at: subject.summary(), base: reference.summary() };
}

interface Started {
  /** Spawn to listening, each start. */
  startMs: number[];
  rssAfterStartKiB: number;
  rssAfterQueriesKiB: number;
  /** Right after that reading, after a forced full collection: RSS and V8's heap in use (what the target compares). */
  afterCollectionKiB: { rss: number; heapUsed: number };
  peakRssKiB: number;
  /** The server of the last phase (mutations and article files, started anew), after it: RSS, peak, and RSS after a full collection. */
  afterWrites?: { rssKiB: number; peakKiB: number; collectedRssKiB: number };
}

const PRODUCTION_NODE_ARGS = ['--enable-source-maps', '--import', './dist/node-env.mjs'];

/** Starts the production bundle on `url`, timing spawn to listening. */
async function startOn(built: Built): Promise<{ client: Client; ms: number }> {
  const memory = memoryAfterCollection();
  const env = { DATABASE_URL: built.url, NEWSGRAPH_CURATOR_TOKENS: `bench:${hashToken(CURATOR_TOKEN)}`, ...memory.env };
  const started = performance.now();
  const server = await startServerProcess(`server ${built.scale}×`, 'dist/index.mjs', env, [...PRODUCTION_NODE_ARGS, ...memory.nodeArgs]);
  return { client: new Client(server, memory.read), ms: performance.now() - started };
}

/** Starts a scale's server `starts` times (the last one stays up), with its RSS a second after the start. */
async function startRepeatedly(built: Built, starts: number): Promise<{ client: Client; startMs: number[]; rssAfterStartKiB: number }> {
  const startMs: number[] = [];
  for (let i = 1; ; i++) {
    const { client, ms } = await startOn(built);
    startMs.push(ms);
    if (i === starts) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return { client, startMs, rssAfterStartKiB: processMemoryKiB(client.process.pid).rss };
    }
    await client.process.stop();
  }
}

/**
 * At a multiplied scale, a suffixed copy of the speaker answers as the speaker does once the suffix is
 * taken off its ids (slugs, roles, statements, mentions, reports and their sources); at every scale, the
 * speaker has the roles and statements it has at 1×.
 */
async function compareCopy(base: Client, at: Client, scale: number): Promise<{ problems: string[]; checked: string[] }> {
  const problems: string[] = [];
  const checked: string[] = [];
  if (scale > IMPORTED_SCALE) {
    const suffix = `-y${scale / IMPORTED_SCALE - 1}`;
    const document = `query ($slug: String!) { person(slug: $slug) { slug name roles { title organization { slug name } country { slug name } }
        statements(first: 10) { totalCount edges { node { slug kind text speaker { displayName } mentions { entity { __typename displayName } }
          aboutEvents { slug name } reports { source { slug title } evidence { start end text } } } } } } }`;
    const original = JSON.stringify(await at.data(document, { slug: SPEAKER }));
    const copy = JSON.stringify(await at.data(document, { slug: SPEAKER + suffix }));
    if (copy.replaceAll(suffix, '') !== original) problems.push(`person(slug: "${SPEAKER}${suffix}") does not answer as "${SPEAKER}" does, suffix aside`);
    else checked.push(`person(slug: "${SPEAKER}${suffix}") answers as "${SPEAKER}" does with the suffix taken off (roles, 10 statements with mentions, events, reports and their sources: ${original.length} bytes)`);
  }
  const shape = `{ person(slug: "${SPEAKER}") { name roles { title } statements(first: 10) { totalCount } } }`;
  const seedAnswer = JSON.stringify(await base.data(shape));
  const scaled = JSON.stringify(await at.data(shape));
  if (seedAnswer !== scaled) problems.push(`person "${SPEAKER}" has other roles or statements at ${scale}× than at 1×: ${scaled} vs ${seedAnswer}`);
  else checked.push(`"${SPEAKER}" has the same roles and statement count as at 1×`);
  return { problems, checked };
}

// ---------------------------------------------------------------------------------------------------
// Reporting

interface ScaleResult {
  built: Built;
  started: Started;
  queries: QueryResult[];
  copyProblems: string[];
}

const msText = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const ratio = (value: number, base: number) => (base > 0 ? `${(value / base).toFixed(2)}×` : '-');
const mibText = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const median = (values: readonly number[]) => percentile([...values].sort((a, b) => a - b), 50);

function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (align[i] === 'r' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`, ...rows.map(line)];
}

function report(results: ScaleResult[], refused: string[], slow: string[]) {
  const base = results[0]!;
  const lines: string[] = [];
  const passes: string[] = [];
  const failures: string[] = [];
  const check = (ok: boolean, text: string) => (ok ? passes : failures).push(text);

  lines.push('### Databases', '');
  lines.push(
    ...table(
      ['scale', 'statements', 'sources', 'persons', 'events', 'search docs', 'list words', 'database', 'load total', 'how'],
      results.map(({ built }) => [
        `${built.scale}×`,
        String(built.rows.statements),
        String(built.rows.sources),
        String(built.rows.persons),
        String(built.rows.events),
        String(built.rows.search_documents),
        String(built.rows.list_words),
        `${(built.bytes / 1e9).toFixed(2)} GB`,
        `${(built.steps.reduce((sum, s) => sum + s.ms, 0) / 1000).toFixed(1)} s`,
        built.scale === 1 ? 'db:import of data/' : built.scale <= IMPORTED_SCALE ? 'generator JSON + db:import' : `${IMPORTED_SCALE}× × ${built.scale / IMPORTED_SCALE} in the database`,
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
  );
  for (const { built } of results) {
    lines.push(`- ${built.scale}×: ${built.steps.map((s) => `${s.step} ${(s.ms / 1000).toFixed(1)} s`).join('; ')}`);
    for (const c of built.checked) lines.push(`  - checked: ${c}`);
  }
  for (const r of refused) lines.push(`- not built: ${r}`);
  lines.push('');

  lines.push('### Server start and memory', '');
  lines.push(
    'The production bundle (`node dist/index.mjs`, as `npm start` runs it) with `DATABASE_URL` set: spawn to the "listening" log line, each start; RSS one second after the last start, and after every read query below had run on it: as it was, then after a full collection forced in the server (bench/collect-on-signal.mjs; the target compares this one, as a plain reading depends on when V8 last collected), with the V8 heap in use then (peak: VmHWM). The last three columns are the server of the last phase (started anew for the mutations and the article measurements), after them: a draft holds every record named like the names its text uses, which the multiplied scales repeat once per block of 1000.',
    '',
  );
  lines.push(
    ...table(
      ['scale', 'start (median)', 'each start (ms)', 'RSS after start', 'RSS after queries', 'collected', 'V8 heap in use', 'peak RSS', 'collected RSS vs 1×', 'after writes and articles', 'collected', 'its peak'],
      results.map(({ built, started }) => [
        `${built.scale}×`,
        `${msText(median(started.startMs))} ms`,
        started.startMs.map(msText).join(' / '),
        mibText(started.rssAfterStartKiB),
        mibText(started.rssAfterQueriesKiB),
        mibText(started.afterCollectionKiB.rss),
        mibText(started.afterCollectionKiB.heapUsed),
        mibText(started.peakRssKiB),
        ratio(started.afterCollectionKiB.rss, base.started.afterCollectionKiB.rss),
        started.afterWrites ? mibText(started.afterWrites.rssKiB) : '-',
        started.afterWrites ? mibText(started.afterWrites.collectedRssKiB) : '-',
        started.afterWrites ? mibText(started.afterWrites.peakKiB) : '-',
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );

  lines.push('### Query latency', '');
  lines.push(
    'Median / p95 through HTTP (one request at a time, keep-alive). For each scale, in brackets: its median over the median of the same query on the 1× server measured in alternation with it (blocks of 10 requests, order swapped each round). Gated ("≤2×") queries must stay within 2× of 1×; search queries must have a p95 under 50 ms; mutations a median under 20 ms.',
    '',
  );
  lines.push(
    ...table(
      ['query', 'target', ...results.map((r) => `${r.built.scale}×`)],
      queries.map((q) => [
        q.name,
        q.target === 'ratio' ? '≤2×' : q.target === 'search' ? 'p95<50' : q.target === 'mutation' ? 'median<20' : '-',
        ...results.map((r) => {
          const x = r.queries.find((y) => y.name === q.name)!;
          return `${msText(x.at.medianMs)} / ${msText(x.at.p95Ms)} ms${r === base ? '' : ` (${ratio(x.at.medianMs, x.base.medianMs)})`}`;
        }),
      ]),
      ['l', 'l', ...results.map(() => 'r' as const)],
    ),
    '',
  );
  lines.push('The 1× server\'s median / p95 measured beside each scale (the denominators), answer sizes and samples:', '');
  const others = results.slice(1);
  lines.push(
    ...table(
      ['query', ...others.map((r) => `1× beside ${r.built.scale}×`), 'answer size per scale', 'samples per scale'],
      queries.map((q) => [
        q.name,
        ...others.map((r) => {
          const x = r.queries.find((y) => y.name === q.name)!;
          return `${msText(x.base.medianMs)} / ${msText(x.base.p95Ms)} ms`;
        }),
        results.map((r) => String(r.queries.find((y) => y.name === q.name)!.at.size)).join(', '),
        results.map((r) => String(r.queries.find((y) => y.name === q.name)!.at.samples)).join(', '),
      ]),
      ['l', ...others.map(() => 'r' as const), 'l', 'l'],
    ),
    '',
  );
  for (const q of queries) lines.push(`- \`${q.name}\`: ${q.label}`);
  lines.push('', '"answer size" is the number of edges or nodes on the page (roles × 1000 + statements for `relationship`, nodes × 1000 + edges for `neighborhood`).', '');
  lines.push('### Statements slower than 20 ms', '');
  lines.push(`From the PostgreSQL log (log_min_duration_statement = ${SLOW_STATEMENT_MS} ms) while the queries above were measured, slowest first:`, '');
  lines.push(...(slow.length ? slow : ['- none']), '');

  // Targets
  for (const r of results) {
    const startMedian = median(r.started.startMs);
    check(startMedian < MAX_START_MS, `${r.built.scale}× server start ${msText(startMedian)} ms median of ${r.started.startMs.length} (slowest ${msText(Math.max(...r.started.startMs))} ms; target < ${MAX_START_MS} ms)`);
  }
  for (const r of others) {
    const [at, seed] = [r.started, base.started];
    check(
      at.afterCollectionKiB.rss <= MAX_RSS_RATIO * seed.afterCollectionKiB.rss,
      `${r.built.scale}× server RSS after the queries and a full collection ${mibText(at.afterCollectionKiB.rss)} = ${ratio(at.afterCollectionKiB.rss, seed.afterCollectionKiB.rss)} of 1×'s ${mibText(seed.afterCollectionKiB.rss)} (V8 heap in use ${mibText(at.afterCollectionKiB.heapUsed)} vs ${mibText(seed.afterCollectionKiB.heapUsed)}; before the collection ${mibText(at.rssAfterQueriesKiB)} vs ${mibText(seed.rssAfterQueriesKiB)}; target ≤ ${MAX_RSS_RATIO}×)`,
    );
    for (const q of queries.filter((x) => x.target === 'ratio')) {
      const x = r.queries.find((y) => y.name === q.name)!;
      check(x.at.medianMs <= MAX_LATENCY_RATIO * x.base.medianMs, `${q.name} at ${r.built.scale}×: median ${msText(x.at.medianMs)} ms = ${ratio(x.at.medianMs, x.base.medianMs)} of 1× (${msText(x.base.medianMs)} ms; target ≤ ${MAX_LATENCY_RATIO}×)`);
    }
    for (const q of queries.filter((x) => x.target !== 'search')) {
      const x = r.queries.find((y) => y.name === q.name)!;
      // A declared refusal (a cap the multiplied data passes) answers where the seed answers with a page.
      if (x.at.size !== x.base.size && x.at.size !== q.refusedWith) failures.push(`${q.name} at ${r.built.scale}×: answer size ${x.at.size}, ${x.base.size} at 1× (pages must be of the same size)`);
    }
    for (const p of r.copyProblems) failures.push(`${r.built.scale}×: ${p}`);
    for (const p of r.built.problems) failures.push(`${r.built.scale}×: ${p}`);
  }
  for (const r of results) {
    for (const q of queries.filter((x) => x.target === 'search')) {
      const x = r.queries.find((y) => y.name === q.name)!;
      check(x.at.p95Ms < MAX_SEARCH_P95_MS, `${q.name} at ${r.built.scale}×: p95 ${msText(x.at.p95Ms)} ms (median ${msText(x.at.medianMs)} ms; target p95 < ${MAX_SEARCH_P95_MS} ms)`);
    }
  }
  for (const r of results) {
    for (const q of queries.filter((x) => x.target === 'mutation')) {
      const x = r.queries.find((y) => y.name === q.name)!;
      check(x.at.medianMs < MAX_MUTATION_MEDIAN_MS, `${q.name} at ${r.built.scale}×: median ${msText(x.at.medianMs)} ms (p95 ${msText(x.at.p95Ms)} ms; target median < ${MAX_MUTATION_MEDIAN_MS} ms)`);
    }
  }
  for (const r of refused) failures.push(`not measured: ${r}`);
  return { lines, passes, failures };
}

const HAND_WRITTEN_MARKER = '## Notes';

function writeMarkdown(file: string, results: ScaleResult[], body: string[], passes: string[], failures: string[], options: Options, pgVersion: string): void {
  const cpus = os.cpus();
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const kept = previous.includes(HAND_WRITTEN_MARKER) ? previous.slice(previous.indexOf(HAND_WRITTEN_MARKER)) : `${HAND_WRITTEN_MARKER}\n\n(Written by hand; \`npm run bench:scale:postgres\` keeps this section.)\n`;
  const text = [
    '# PostgreSQL scale benchmark',
    '',
    '<!-- Generated by `npm run bench:scale:postgres` (bench/scale-postgres.ts) down to the hand-written section at the end, which it keeps. -->',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} CPUs, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; ${pgVersion} (a throwaway server from test/postgres.ts: fsync off, shared_buffers at its default 128 MB, random_page_cost = 1.1 on every database)`,
    `- Data: 1× is \`data/\`; ${IMPORTED_SCALE}× is \`scripts/generate-dataset.ts --scale ${IMPORTED_SCALE} --seed ${options.seed}\` imported with db:import; larger scales are the ${IMPORTED_SCALE}× database multiplied inside PostgreSQL, each copy's ids suffixed \`-y<copy>\``,
    `- Scales: ${results.map((r) => `${r.built.scale}× (${r.built.rows.statements} statements, ${r.built.rows.sources} sources)`).join('; ')}`,
    `- Mutations (\`mutation-update\`, \`mutation-create\`) are measured last on each server, since they change its data; the issue's target is a median under 20 ms at 100,000×, which is measured here at the largest scale built.`,
    '',
    `**Result: ${failures.length === 0 ? 'PASS' : 'FAIL'}**`,
    '',
    ...passes.map((p) => `- PASS ${p}`),
    ...failures.map((f) => `- FAIL ${f}`),
    '',
    ...body,
    kept.trimEnd(),
    '',
  ].join('\n');
  writeFileSync(file, text);
}

/**
 * Statements over SLOW_STATEMENT_MS in the server's log, grouped by database and statement (its first 100
 * characters), slowest group first (at most 12), with the parameters of the slowest run of each.
 */
function slowStatements(logFile: string, since: number): string[] {
  if (!existsSync(logFile)) return [];
  const text = readFileSync(logFile, 'utf8').slice(since);
  const groups = new Map<string, { database: string; statement: string; times: number[]; slowest: number; parameters: string }>();
  const pattern = /\[\d+\] (\S+) LOG:\s+duration: ([\d.]+) ms\s+(?:execute [^:]*|statement): ([\s\S]*?)(?=\n\d{4}-\d\d-\d\d |$)(?:\n[^\n]*\[\d+\] \S+ DETAIL:\s+parameters: ([^\n]*))?/g;
  for (const match of text.matchAll(pattern)) {
    const [, database, ms, sql, parameters] = match as unknown as [string, string, string, string, string | undefined];
    const statement = sql.replace(/\s+/g, ' ').trim();
    const key = `${database} ${statement.slice(0, 100)}`;
    const group = groups.get(key) ?? { database, statement, times: [], slowest: 0, parameters: '' };
    group.times.push(Number(ms));
    if (Number(ms) >= group.slowest) {
      group.slowest = Number(ms);
      group.parameters = parameters ?? '';
    }
    groups.set(key, group);
  }
  return [...groups.values()]
    .sort((a, b) => b.slowest - a.slowest)
    .slice(0, 12)
    .map((g) => `- ${g.database}, ${g.times.length} time(s), median ${msText(median(g.times))} ms, slowest ${msText(g.slowest)} ms: \`${g.statement.slice(0, 160)}…\`${g.parameters ? ` (slowest with ${g.parameters.slice(0, 160)})` : ''}`);
}

async function main(options: Options): Promise<number> {
  console.log(`newsgraph PostgreSQL scale benchmark: scales ${options.scales.map((s) => `${s}×`).join(', ')}; node ${process.version}, ${os.cpus().length} CPUs`);
  const server = await startPostgres();
  try {
    const pgVersion = await withClient(server.url(), async (client) => {
      // More WAL between checkpoints while loading; a statement over 20 ms is logged with its database.
      await client.query("ALTER SYSTEM SET max_wal_size = '8GB'");
      await client.query(`ALTER SYSTEM SET log_min_duration_statement = ${SLOW_STATEMENT_MS}`);
      await client.query("ALTER SYSTEM SET log_line_prefix = '%m [%p] %d '");
      if (options.keepLog) {
        // The plan (EXPLAIN ANALYZE) of every statement over 200 ms. Only with --keep-log: timing every
        // plan node slows every statement a little.
        await client.query("ALTER SYSTEM SET session_preload_libraries = 'auto_explain'");
        await client.query("ALTER SYSTEM SET auto_explain.log_min_duration = '200ms'");
        await client.query('ALTER SYSTEM SET auto_explain.log_analyze = on');
        await client.query('ALTER SYSTEM SET auto_explain.log_buffers = on');
      }
      await client.query('SELECT pg_reload_conf()');
      return ((await client.query('SELECT version() AS v')).rows[0].v as string).split(' on ')[0]!;
    });
    const built: Built[] = [];
    const refused: string[] = [];
    for (const scale of options.scales) {
      console.log(`${scale}×: building the database`);
      try {
        if (scale <= IMPORTED_SCALE) built.push(await importedDatabase(server, scale, options));
        else {
          let from = built.find((b) => b.scale === IMPORTED_SCALE);
          if (!from) {
            console.log(`${IMPORTED_SCALE}×: building the database the larger scales are multiplied from`);
            from = await importedDatabase(server, IMPORTED_SCALE, options);
          }
          built.push(await multipliedDatabase(server, from, scale));
        }
        const b = built.at(-1)!;
        console.log(`${scale}×: ${b.rows.statements} statements, ${(b.bytes / 1e9).toFixed(2)} GB${b.problems.length ? `; PROBLEMS: ${b.problems.join('; ')}` : ''}`);
      } catch (error) {
        const why = `${scale}×: ${error instanceof Error ? error.message : String(error)}`;
        console.log(`  refused or failed: ${why}`);
        refused.push(why);
      }
    }
    const measured = built.filter((b) => options.scales.includes(b.scale));

    buildProductionBundle();
    const logFile = path.join(server.dir, 'server.log');
    const logStart = existsSync(logFile) ? readFileSync(logFile, 'utf8').length : 0;
    const baseStart = await startRepeatedly(measured[0]!, options.starts);
    const baseServer = baseStart.client;
    const results: ScaleResult[] = [];
    try {
      // The 1× server stays up beside each scale; its own row is measured against itself first.
      for (const b of measured) {
        console.log(`${b.scale}×: starting the server ${options.starts} time(s)`);
        const own = b.scale === 1 ? baseStart : await startRepeatedly(b, options.starts);
        const at = own.client;
        try {
          const copy = b.scale === 1 ? { problems: [], checked: [] } : await compareCopy(baseServer, at, b.scale);
          b.checked.push(...copy.checked);
          const queryResults = await measureAll(at, baseServer, reads, options.budgetMs, copy.problems);
          const memory = processMemoryKiB(at.process.pid);
          const afterCollectionKiB = await at.collectedMemory();
          results.push({ built: b, started: { startMs: own.startMs, rssAfterStartKiB: own.rssAfterStartKiB, rssAfterQueriesKiB: memory.rss, afterCollectionKiB, peakRssKiB: memory.peak }, queries: queryResults, copyProblems: copy.problems });
        } finally {
          if (b.scale !== 1) await at.process.stop();
        }
      }
      // Mutations last, once every read was measured: they change the data, the 1× server's included,
      // which the reads of the larger scales are compared with. Each scale's server is started again.
      for (const result of results) {
        const b = result.built;
        console.log(`${b.scale}×: mutations`);
        const client = b.scale === 1 ? baseServer : (await startOn(b)).client;
        try {
          result.queries.push(...(await measureAll(client, baseServer, writes, options.budgetMs, result.copyProblems)));
          const memory = processMemoryKiB(client.process.pid);
          result.started.afterWrites = { rssKiB: memory.rss, peakKiB: memory.peak, collectedRssKiB: (await client.collectedMemory()).rss };
        } finally {
          if (b.scale !== 1) await client.process.stop();
        }
      }
    } finally {
      await baseServer.process.stop();
    }
    const slow = slowStatements(logFile, logStart);
    if (options.keepLog) writeFileSync(options.keepLog, readFileSync(logFile, 'utf8').slice(logStart));
    const { lines, passes, failures } = report(results, refused, slow);
    console.log(`\n${lines.join('\n')}`);
    for (const p of passes) console.log(`PASS ${p}`);
    for (const f of failures) console.log(`FAIL ${f}`);
    if (options.out) {
      writeMarkdown(options.out, results, lines, passes, failures, options, pgVersion);
      console.log(`\nwrote ${path.relative(projectRoot, options.out)}`);
    }
    console.log(failures.length === 0 ? 'PASS' : 'FAIL');
    return failures.length === 0 ? 0 : 1;
  } finally {
    if (options.keepPostgres) {
      await server.halt();
      console.log(`kept the PostgreSQL server's folder (stopped): ${server.dir}\n  start it: ${server.startCommand()}`);
    } else await server.stop();
  }
}

try {
  process.exitCode = await main(parseOptions(process.argv.slice(2)));
} catch (error) {
  console.error(`bench:scale:postgres failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
