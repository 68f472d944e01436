/** Shared test helpers: the real knowledge base, a server built the way production builds it, and a typed way to query it. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { readerOf, type KnowledgeReader } from '../src/kb/reader.js';
import { snapshotOf } from '../src/kb/snapshot.js';
import { CuratorTokens, hashToken } from '../src/plugins/auth.js';
import { createLogger, type Logger } from '../src/logging.js';
import { KnowledgeStore, type StoreOptions } from '../src/store/knowledge-store.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { databaseOf, newDatabase, storeUnderTest } from './store-under-test.js';
import { withClient } from './postgres.js';
import { exportKnowledgeBase } from '../src/store/postgres/export.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { PostgresKnowledge } from '../src/store/postgres/database.js';

/** Tests keep the console quiet; a test about logging passes its own logger. */
export const silentLogger = createLogger('silent');

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The dataset every test reads: a fixture copy of the seed data, not data/ itself, so that curators
 * can add articles to data/ without changing what a test expects.
 */
export const dataDir = path.join(projectRoot, 'test/fixtures/dataset');
/** The shipped data folder: only the test that checks it is valid reads it. */
export const shippedDataDir = path.join(projectRoot, 'data');

let kbPromise: Promise<KnowledgeBase> | undefined;

/** The fixture dataset, loaded once per test file. */
export function loadDataset(): Promise<KnowledgeBase> {
  kbPromise ??= loadKnowledgeBase(dataDir);
  return kbPromise;
}

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

/**
 * A read-only server over `kb` (the fixture dataset by default). In the `postgres` test project it
 * serves the same folder from a PostgreSQL database instead (test/store-under-test.ts), so the
 * assertions of every test that uses it check both stores.
 */
export async function createTestServer(kb?: KnowledgeBase): Promise<NewsgraphYoga> {
  return createNewsgraph({ ...(await servedKnowledge(kb)), logger: silentLogger }).yoga;
}

/**
 * What a read-only test server serves, for `createNewsgraph({ ...await servedKnowledge(kb), … })`: the
 * knowledge base `kb` (the fixture dataset by default), or in the `postgres` project a database holding
 * the same folder.
 */
export async function servedKnowledge(kb?: KnowledgeBase): Promise<{ kb: KnowledgeBase } | { database: PostgresKnowledge }> {
  if (storeUnderTest === 'postgres') return { database: await databaseOf(kb?.info.dataDir ?? dataDir) };
  return { kb: kb ?? (await loadDataset()) };
}

/**
 * The dataset identity a test server built from `kb` reports: the knowledge base's own, or in the
 * `postgres` project the database's (its version is the same digest; its load time is the import's).
 */
export async function servedDatasetInfo(kb: KnowledgeBase): Promise<{ version: string; loadedAt: Date }> {
  if (storeUnderTest === 'postgres') return (await databaseOf(kb.info.dataDir)).current().info;
  return kb.info;
}

/** The reader a test server built from `kb` reads through: the snapshot's, or in the `postgres` project the database's. */
export async function servedReader(kb: KnowledgeBase): Promise<KnowledgeReader> {
  if (storeUnderTest === 'postgres') return (await databaseOf(kb.info.dataDir)).current().reader;
  return readerOf(kb);
}

/**
 * Whether two servers' answers to one request agree: the same bytes, except on PostgreSQL, where the
 * errors of an answer come in the order its fields failed, which depends on the timing of the
 * database's answers (the in-memory store answers in a fixed order). There the same data and extensions
 * agree with the same errors in any order; and where a non-null field failed, the nullable field above
 * it became null and the executor reported only the first failure beneath it, so which one that is
 * depends on timing too: errors are compared by the null they explain (the shortest prefix of their
 * path at which `data` is null), and under each such null both answers must report one or more errors,
 * not necessarily the same ones.
 */
export function answersAgree(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  if (storeUnderTest !== 'postgres') return false;
  let parsed: [GraphQLResponse, GraphQLResponse];
  try {
    parsed = [JSON.parse(expected), JSON.parse(actual)];
  } catch {
    return false;
  }
  const [a, b] = parsed;
  if (JSON.stringify(a.extensions) !== JSON.stringify(b.extensions) || JSON.stringify(a.data) !== JSON.stringify(b.data)) return false;
  const [groupsOfA, groupsOfB] = [errorsByNull(a), errorsByNull(b)];
  if (groupsOfA.size !== groupsOfB.size) return false;
  for (const [at, groupOfA] of groupsOfA) {
    const groupOfB = groupsOfB.get(at);
    if (!groupOfB) return false;
    // Only failures beneath a null (of non-null fields under it) race; any other error is the same in both.
    const raced = groupOfA.allBeneath && groupOfB.allBeneath;
    if (!raced && JSON.stringify(groupOfA.errors.sort()) !== JSON.stringify(groupOfB.errors.sort())) return false;
  }
  return true;
}

/**
 * An answer's errors (as JSON text) grouped by the null in `data` each explains (its path's shortest
 * prefix at which `data` is null; "" for errors that explain none, such as request errors), with whether
 * every error of a group lies strictly beneath its null.
 */
function errorsByNull(response: GraphQLResponse): Map<string, { errors: string[]; allBeneath: boolean }> {
  const groups = new Map<string, { errors: string[]; allBeneath: boolean }>();
  for (const error of response.errors ?? []) {
    const path = (error.path ?? []) as (string | number)[];
    let value: unknown = response.data;
    let nullAt: number | undefined;
    for (let length = 0; length <= path.length && 'data' in response; length++) {
      if (value === null || value === undefined) {
        nullAt = length;
        break;
      }
      if (length < path.length) value = (value as Record<string | number, unknown>)[path[length]!];
    }
    const key = nullAt === undefined ? '' : JSON.stringify(path.slice(0, nullAt));
    const group = groups.get(key) ?? { errors: [], allBeneath: nullAt !== undefined };
    group.errors.push(JSON.stringify(error));
    group.allBeneath &&= nullAt !== undefined && nullAt < path.length;
    groups.set(key, group);
  }
  return groups;
}

/** A feed of statements with everything a reader shows of each: a query of many levels and kinds of lookup, for counting batches. */
export const statementFeed = /* GraphQL */ `
  query StatementFeed($first: Int!) {
    statements(first: $first) {
      edges {
        node {
          text
          speaker { displayName roles { title organization { name } country { name } } }
          event { name location { city country { name } } }
          mentions { entity { __typename displayName } }
          relayedBy { displayName }
          reports { relayedBy { displayName } source { title } }
          sources { title }
          saidAt { event { name } provenance { sources { title } } }
          continuedBy { text }
        }
      }
    }
  }
`;

/** Runs a query through the real HTTP pipeline (`yoga.fetch`, no socket). */
export async function query<T = any>(yoga: NewsgraphYoga, document: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const { headers: _headers, ...result } = await mutate<T>(yoga, document, variables, null);
  return result;
}

/** Like `query`, but fails the test on any error and returns the data. */
export async function queryData<T = any>(yoga: NewsgraphYoga, document: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await query<T>(yoga, document, variables);
  if (result.errors?.length || result.status !== 200) {
    throw new Error(`Query failed with status ${result.status}: ${JSON.stringify(result.errors)}`);
  }
  return result.data as T;
}

/** The ids of the records in a data file, in file order. */
export async function recordIds(file: string): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const records = JSON.parse(await readFile(path.join(dataDir, file), 'utf8')) as { id: string }[];
  return records.map((r) => r.id);
}

/**
 * Runs a TypeScript entry point (`src/index.ts`, a script) in its own Node process with tsx's loader.
 * One process, not tsx's wrapper plus a child, so a signal or kill reaches the program itself and
 * nothing is left running after a test.
 */
export function spawnScript(args: string[], env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: projectRoot, env });
}

/**
 * The fixture dataset multiplied `scale` times by scripts/generate-dataset.ts into the folder `out`
 * (multi-source: statements reported by several sources, copies with equal scores); returns `out`.
 */
export async function generateFixtureDataset(scale: number, out: string): Promise<string> {
  const child = spawnScript(['scripts/generate-dataset.ts', '--scale', String(scale), '--out', out, '--from', dataDir], process.env);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`generate-dataset failed: ${stderr}`);
  return out;
}

/** The token of the curator `alice` in writable test servers. */
export const CURATOR_TOKEN = 'test-curator-token-alice';
/** The curators of writable test servers: `alice`, with CURATOR_TOKEN. */
export const curatorTokens = new CuratorTokens([{ name: 'alice', sha256: hashToken(CURATOR_TOKEN) }]);
/** The same, as NEWSGRAPH_CURATOR_TOKENS for a server process. */
export const curatorTokensEnv = `alice:${hashToken(CURATOR_TOKEN)}`;

/** Copies the data files of data/ into `dir` (created if need be): only those, not a lock or temporary file a running server left there. */
export async function copyDataInto(dir: string): Promise<void> {
  const { cp } = await import('node:fs/promises');
  await cp(dataDir, dir, { recursive: true, filter: (source) => source === dataDir || source.endsWith('.json') });
}

/** A fresh temporary folder holding a copy of the data files. */
export async function copyOfData(label = 'data'): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(path.join(tmpdir(), `newsgraph-${label}-`));
  await copyDataInto(dir);
  return dir;
}

export interface WritableTestServer {
  yoga: NewsgraphYoga;
  store: KnowledgeStore;
  /** The temporary copy of data/ the store writes to. */
  dir: string;
}

/**
 * A server over a writable store on a fresh temporary copy of data/, accepting CURATOR_TOKEN (curator
 * "alice"). Never writes to the real data/.
 */
export async function createWritableTestServer(options: { logger?: Logger; storeOptions?: StoreOptions } = {}): Promise<WritableTestServer> {
  const dir = await copyOfData();
  const store = await KnowledgeStore.open(dir, { logger: options.logger ?? silentLogger, ...options.storeOptions });
  const yoga = createNewsgraph({ store, curatorTokens, logger: options.logger ?? silentLogger }).yoga;
  return { yoga, store, dir };
}

/** A writable server on whichever store the tests run against (NEWSGRAPH_TEST_STORE), for tests that run on both. */
export interface CurationTestServer {
  yoga: NewsgraphYoga;
  /** The JSON store, when the tests run on it (undefined on PostgreSQL): for what only it has (its files, its watcher). */
  store?: KnowledgeStore;
  /** A folder holding the knowledge base as the store holds it now: the JSON store's own folder, or a db:export of the database. */
  written(): Promise<string>;
  /** The reader of the snapshot served now: what a request arriving now reads through (on PostgreSQL, through a reader made from it). */
  currentReader(): KnowledgeReader;
  /** The database, when the tests run on PostgreSQL. */
  database?: PostgresKnowledge;
  close(): Promise<void>;
}

/**
 * A server over a writable store holding a fresh copy of the fixture data, accepting CURATOR_TOKEN:
 * the JSON store on a temporary folder or, in the postgres project, a new database the folder was
 * imported into.
 */
export async function createCurationTestServer(options: { logger?: Logger } = {}): Promise<CurationTestServer> {
  if (storeUnderTest === 'memory') {
    const { yoga, store, dir } = await createWritableTestServer(options);
    return { yoga, store, written: async () => dir, currentReader: () => snapshotOf(store.current).reader, close: async () => store.close() };
  }
  const folder = await copyOfData();
  const { url, database } = await newDatabase(folder);
  const yoga = createNewsgraph({ database, curatorTokens, logger: options.logger ?? silentLogger }).yoga;
  const exports: string[] = [];
  return {
    yoga,
    database,
    currentReader: () => database.current().reader,
    written: async () => {
      const out = await mkdtemp(path.join(tmpdir(), 'newsgraph-export-'));
      exports.push(out);
      await withClient(url, (client) => exportKnowledgeBase(client, url, out));
      return out;
    },
    close: async () => {
      await database.close();
      await Promise.all([folder, ...exports].map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** Runs a mutation (or any operation) with a bearer token; `token: null` sends none. */
export async function mutate<T = any>(
  yoga: NewsgraphYoga,
  document: string,
  variables?: Record<string, unknown>,
  token: string | null = CURATOR_TOKEN,
): Promise<GraphQLResponse<T> & { headers: Headers }> {
  const response = await yoga.fetch('http://newsgraph.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query: document, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, headers: response.headers, ...body };
}

/** What no response may hold: a stack frame, a path on this machine, a source position. */
const leakPatterns: { name: string; pattern: RegExp }[] = [
  { name: 'node_modules', pattern: /node_modules/ },
  { name: '/work/', pattern: /\/work\// },
  { name: 'an absolute path', pattern: /(?:^|[\s"'(=])\/(?:tmp|root|home|usr|opt|srv|var)\/[\w.-]/ },
  { name: 'a file URL', pattern: /file:\/\// },
  { name: 'a "stack" key', pattern: /"stack"\s*:/ },
  { name: 'a source position', pattern: /\.(?:[cm]?[jt]s|tsx):\d+(?::\d+)?\b/ },
  { name: 'stack frame', pattern: /(?:^|\n)\s*at (?:async )?\S+(?: \(|:\d+:\d+)/ },
  { name: 'stack frame', pattern: /\bat (?:async )?[\w$.<>[\]]+ \((?:file:|node:|\/|[A-Z]:\\)[^)]*:\d+:\d+\)/ },
  { name: 'error class and frame', pattern: /\b\w*Error: [^\n]*\n\s+at / },
];

/** Leaks of internals in a response (its text, or a value parsed from it); text the request itself sent (an echo) does not count. */
export function leaksIn(value: unknown, requestText: string): string[] {
  const found: string[] = [];
  const visit = (value: unknown, where: string): void => {
    if (typeof value === 'string') {
      for (const { name, pattern } of leakPatterns) {
        const match = pattern.exec(value);
        if (match && !requestText.includes(match[0].trim())) found.push(`${name} in ${where}: ${JSON.stringify(value.slice(0, 200))}`);
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, `${where}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === 'stack') found.push(`a "stack" key at ${where}`);
        visit(v, `${where}.${k}`);
      }
    }
  };
  visit(value, 'response');
  return found;
}

/** An open subscription: the events received so far, and a way to wait for the next ones. */
export interface Subscription {
  /** Each event's payload without its `extensions`, which are in `extensions` at the same index. */
  events: any[];
  extensions: any[];
  next(count?: number): Promise<any[]>;
  close(): void;
}

/**
 * Subscribes with `document` over SSE, collecting each `next` event's payload: through `yoga.fetch`, or
 * over HTTP to a server process (anything with a GraphQL `url`).
 */
export async function subscribe(server: NewsgraphYoga | { url: string }, document: string): Promise<Subscription> {
  const abort = new AbortController();
  const request = (init: RequestInit) => ('url' in server ? fetch(server.url, init) : server.fetch('http://newsgraph.test/graphql', init));
  const response = await request({
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: document }),
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const events: any[] = [];
  const extensions: any[] = [];
  let waiting: (() => void) | undefined;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((line) => line.startsWith('data: '));
          if (message.includes('event: next') && data) {
            const { extensions: eventExtensions, ...payload } = JSON.parse(data.slice('data: '.length));
            extensions.push(eventExtensions);
            events.push(payload);
            waiting?.();
          }
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  let taken = 0;
  return {
    events,
    extensions,
    async next(count = 1) {
      const deadline = Date.now() + 10_000;
      while (events.length < taken + count) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} event(s); got ${JSON.stringify(events.slice(taken))}`);
        await new Promise<void>((resolve) => {
          waiting = resolve;
          setTimeout(resolve, 100);
        });
      }
      const taking = events.slice(taken, taken + count);
      taken += count;
      return taking;
    },
    close: () => abort.abort(),
  };
}
