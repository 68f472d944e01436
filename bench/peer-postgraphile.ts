/**
 * The PostGraphile peer comparison of issue #15: `npm run bench:peer`.
 *
 * "Compare with PostGraphile v5 on the same database and the same nested statement query: our req/s at
 * least equal, answers verified equal first." For each scale (default 1×, 100× and 1000×):
 *   1. generates the data (scripts/generate-dataset.ts --scale N --seed 42) into a temporary folder and
 *      loads it into a fresh database of a throwaway PostgreSQL (test/postgres.ts) with the documented
 *      commands (`db:migrate`, `db:import -- DIR`), then sets random_page_cost = 1.1 (README: PostgreSQL)
 *      and runs ANALYZE, for both servers alike;
 *   2. starts, one after the other, each as its own child process on a free port (bench/lib.ts):
 *        newsgraph     dist/index.mjs as `npm start` runs it (bundled at the start of the run), with
 *                      DATABASE_URL: logging at info (read and dropped by a drain process), limits,
 *                      masking, response cache (missed on every request: see below);
 *        postgraphile  bench/variants/postgraphile.mjs on plain Node:
 *                      PostGraphile 5 in library mode, amber preset, grafserv on node:http, no GraphiQL,
 *                      no watch, no explain (the smart tags it needs are listed in that file);
 *   3. sends each its query for the same page (the first 20 statements in source order, each with its
 *      text, its speaker's name and the titles of its sources), normalises both answers to one plain
 *      shape and aborts unless they are deep-equal;
 *   4. counts the SQL statements each sends per request (log_statement = all for a few requests);
 *   5. measures with autocannon (50 connections), the two interleaved over BENCH_ROUNDS rounds of
 *      BENCH_SECONDS each (which one goes first alternates), after a warm-up. Every response is checked
 *      against the verified answer; any error, timeout, non-2xx or different body aborts the run. Every
 *      request to newsgraph carries a unique `?nocache=N` (as bench/compare.ts's production-uncached),
 *      so its response cache never answers: both servers execute every request;
 *   6. reads each server's CPU time and RSS (/proc) and PostgreSQL's CPU time (all its processes)
 *      around every window.
 * Then prints the tables and writes bench/results/peer-postgraphile.md, keeping its hand-written notes.
 *
 * Target: at every scale of 100× or more, newsgraph's req/s at least PostGraphile's (the median over the
 * rounds of newsgraph ÷ PostGraphile in the same round). Exit code 1 when it is missed.
 *
 * Environment: BENCH_SCALES (default 1,100,1000), BENCH_ROUNDS (5), BENCH_SECONDS (10), BENCH_WARMUP (3),
 * BENCH_CONNECTIONS (50), BENCH_OUT (default bench/results/peer-postgraphile.md; empty writes none).
 * NEWSGRAPH_KEPT_RECORDS reaches the newsgraph server (0: nothing kept across requests), and the header says which.
 * About 10 minutes with the defaults. Linux only (/proc); needs PostgreSQL's server binaries.
 */
import { execFileSync } from 'node:child_process';
import { KEPT_RECORDS } from '../src/store/postgres/seen-records.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../test/postgres.js';
import {
  BENCH_HOST,
  buildProductionBundle,
  runBenchmark,
  git,
  intFromEnv,
  keptSection,
  median,
  processCpuSeconds,
  processMemoryKiB,
  projectRoot,
  REQUEST_HEADERS,
  runCannon,
  startServerProcess,
  versionOf,
  clockTicksPerSecond,
  type CannonContext,
  type ServerProcess,
} from './lib.js';

// ---------------------------------------------------------------------------------------------------
// Settings

const SCALES = (process.env.BENCH_SCALES?.trim() || '1,100,1000').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`BENCH_SCALES: whole numbers from 1 to 10000, got "${s}"`);
  return n;
});
const ROUNDS = intFromEnv('BENCH_ROUNDS', 5, 1, 50);
const SECONDS = intFromEnv('BENCH_SECONDS', 10, 1, 120);
const WARMUP_SECONDS = intFromEnv('BENCH_WARMUP', 3, 0, 60);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 50, 1, 1000);
const OUT = process.env.BENCH_OUT ?? path.join('bench', 'results', 'peer-postgraphile.md');
/** The target holds at these scales; smaller ones are measured and shown, not gated. */
const GATED_FROM_SCALE = 100;
const SEED = 42;
const PAGE = 20;

// ---------------------------------------------------------------------------------------------------
// The query, on each API

/** newsgraph: the root statement list is in source order by default (schema/schema.graphql, Query.statements). */
const OURS = `query PeerStatementPage {
  statements(first: ${PAGE}) {
    edges { node { text speaker { name } sources { title } } }
  }
}`;

/**
 * PostGraphile: the same page over the tables. Source order is the three columns the reader orders by
 * (migration 0002); the conditions keep the statements and reports in force, as our lists do (a
 * retracted statement or a merged one is never listed; `sources` are those of the reports in force).
 * `rowId` of each source is asked for so the normaliser can list each source once, as `sources` does.
 */
const THEIRS = `query PeerStatementPage {
  allStatements(first: ${PAGE}, orderBy: [FIRST_SOURCE_POSITION_ASC, FIRST_EVIDENCE_START_ASC, POSITION_ASC], condition: { retracted: false, mergedInto: null }) {
    nodes {
      text
      speaker { name }
      statementReportsByStatementId(condition: { retracted: false }) { nodes { sourceBySourceId { rowId title } } }
    }
  }
}`;

/** The plain shape both answers are compared in. */
interface PlainStatement {
  text: string;
  speaker: { name: string | null } | null;
  sources: string[];
}

interface OurAnswer {
  data: { statements: { edges: { node: { text: string; speaker: { name: string | null } | null; sources: { title: string }[] } }[] } };
}

interface TheirAnswer {
  data: {
    allStatements: {
      nodes: {
        text: string;
        speaker: { name: string | null } | null;
        statementReportsByStatementId: { nodes: { sourceBySourceId: { rowId: string; title: string } }[] };
      }[];
    };
  };
}

function normaliseOurs(answer: OurAnswer): PlainStatement[] {
  return answer.data.statements.edges.map(({ node }) => ({
    text: node.text,
    speaker: node.speaker ? { name: node.speaker.name } : null,
    sources: node.sources.map((source) => source.title),
  }));
}

/** A statement's reports, each source once in report order (a source may report a statement twice). */
function normaliseTheirs(answer: TheirAnswer): PlainStatement[] {
  return answer.data.allStatements.nodes.map((node) => {
    const seen = new Map<string, string>();
    for (const { sourceBySourceId: source } of node.statementReportsByStatementId.nodes) if (!seen.has(source.rowId)) seen.set(source.rowId, source.title);
    return { text: node.text, speaker: node.speaker ? { name: node.speaker.name } : null, sources: [...seen.values()] };
  });
}

// ---------------------------------------------------------------------------------------------------
// Targets

type TargetName = 'newsgraph' | 'postgraphile';

interface Target {
  name: TargetName;
  label: string;
  body: string;
  /** The request path of each send: newsgraph's carries a unique `?nocache=N`. */
  path: () => string;
  /** The response body as compared during the load (newsgraph's without its `extensions`). */
  comparable: (body: string) => string;
}

let nonce = 0;

/**
 * A response body without its top-level `extensions`: newsgraph writes them last (the dataset version),
 * and a `,"extensions":` inside data would be escaped in a string, so cutting at the last one is exact.
 */
function withoutExtensionsText(body: string): string {
  const at = body.lastIndexOf(',"extensions":');
  return at === -1 ? body : `${body.slice(0, at)}}`;
}

const TARGETS: Target[] = [
  {
    name: 'newsgraph',
    label: 'newsgraph (production, cache missed)',
    body: JSON.stringify({ query: OURS, operationName: 'PeerStatementPage' }),
    path: () => `/graphql?nocache=${(nonce += 1)}`,
    comparable: withoutExtensionsText,
  },
  {
    name: 'postgraphile',
    label: 'PostGraphile 5 (amber)',
    body: JSON.stringify({ query: THEIRS, operationName: 'PeerStatementPage' }),
    path: () => '/graphql',
    comparable: (body) => body,
  },
];

// ---------------------------------------------------------------------------------------------------
// Processes

/** Plain JavaScript on plain Node (see the file for why it is not TypeScript). */
const POSTGRAPHILE_ENTRY = path.join('bench', 'variants', 'postgraphile.mjs');

interface Running extends ServerProcess {
  target: Target;
  startRssKiB: number;
}

const running: Running[] = [];

async function startTarget(target: Target, databaseUrl: string): Promise<Running> {
  const started =
    target.name === 'newsgraph'
      ? // As `npm start` runs it.
        await startServerProcess('newsgraph', 'dist/index.mjs', { DATABASE_URL: databaseUrl }, ['--enable-source-maps', '--import', './dist/node-env.mjs'])
      : await startServerProcess('postgraphile', POSTGRAPHILE_ENTRY, { DATABASE_URL: databaseUrl, GRAPHILE_ENV: 'production' });
  const server = Object.assign(started, { target, startRssKiB: processMemoryKiB(started.pid).rss });
  running.push(server);
  return server;
}

async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((server) => server.stop()));
}

function runTool(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, ['--import', 'tsx', ...args], { cwd: projectRoot, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// ---------------------------------------------------------------------------------------------------
// Requests

interface HttpAnswer {
  status: number;
  body: string;
}

function post(port: number, urlPath: string, body: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: BENCH_HOST, port, path: urlPath, method: 'POST', headers: { ...REQUEST_HEADERS, 'content-length': String(Buffer.byteLength(body)) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error(`no answer from port ${port} within 30 s`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The first path at which two JSON values differ, for the abort message. */
function firstDifference(a: unknown, b: unknown, at = '$'): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${at}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
  }
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const diff = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
    if (diff) return diff;
  }
  return `${at}: differs`;
}

interface Verified {
  /** Per target: the answer text every response must match. */
  expected: Map<TargetName, string>;
  bytes: Map<TargetName, number>;
  plain: PlainStatement[];
}

/** Both answers for the page, normalised and compared; throws on any difference or error. */
async function verify(servers: Map<TargetName, Running>): Promise<Verified> {
  const expected = new Map<TargetName, string>();
  const bytes = new Map<TargetName, number>();
  const plains = new Map<TargetName, PlainStatement[]>();
  for (const target of TARGETS) {
    const server = servers.get(target.name)!;
    const answer = await post(server.port, target.path(), target.body);
    let parsed: { data?: unknown; errors?: unknown };
    try {
      parsed = JSON.parse(answer.body) as typeof parsed;
    } catch {
      throw new Error(`${target.name}: not JSON (status ${answer.status}): ${answer.body.slice(0, 300)}`);
    }
    if (answer.status !== 200 || parsed.errors !== undefined || !parsed.data) {
      throw new Error(`${target.name}: status ${answer.status}: ${answer.body.slice(0, 500)}\n${server.outputTail()}`);
    }
    const plain = target.name === 'newsgraph' ? normaliseOurs(parsed as OurAnswer) : normaliseTheirs(parsed as TheirAnswer);
    if (plain.length !== PAGE) throw new Error(`${target.name}: ${plain.length} statements on the page, ${PAGE} expected`);
    plains.set(target.name, plain);
    expected.set(target.name, target.comparable(answer.body));
    bytes.set(target.name, Buffer.byteLength(answer.body));
  }
  const ours = plains.get('newsgraph')!;
  const theirs = plains.get('postgraphile')!;
  if (!isDeepStrictEqual(ours, theirs)) throw new Error(`MISMATCH newsgraph vs postgraphile: ${firstDifference(ours, theirs)}`);
  // The same again: each server answers the same bytes every time (the load compares against these).
  for (const target of TARGETS) {
    const again = await post(servers.get(target.name)!.port, target.path(), target.body);
    if (target.comparable(again.body) !== expected.get(target.name)) throw new Error(`${target.name}: a second request answered different bytes`);
  }
  return { expected, bytes, plain: ours };
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL: its CPU time, and the statements each server sends

function postmasterPid(postgres: PostgresServer): number {
  return Number(readFileSync(path.join(postgres.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** CPU seconds of each process of the PostgreSQL server (the postmaster and its children: backends, writers). */
function postgresCpu(postmaster: number): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      if (pid !== postmaster && Number(fields[1]) !== postmaster) continue;
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond());
    } catch {
      // gone meanwhile
    }
  }
  return cpu;
}

function postgresCpuSince(postmaster: number, before: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of postgresCpu(postmaster)) total += seconds - (before.get(pid) ?? 0);
  return total;
}

const COUNTED_REQUESTS = 10;

/**
 * The SQL statements a server sends for one request: log_statement = all (reloaded into every session,
 * the servers' pools included) while COUNTED_REQUESTS requests are sent one after another, then the
 * server log's `statement:` and `execute` entries are counted. Returns the count per request and the
 * statements of one request (their first 600 characters).
 */
async function countStatements(postgres: PostgresServer, admin: pg.Client, target: Target, server: Running): Promise<{ perRequest: number; sample: string[] }> {
  const log = path.join(postgres.dir, 'server.log');
  await admin.query(`ALTER SYSTEM SET log_statement = 'all'`);
  await admin.query('SELECT pg_reload_conf()');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const from = statSync(log).size;
  for (let i = 0; i < COUNTED_REQUESTS; i += 1) await post(server.port, target.path(), target.body);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await admin.query('ALTER SYSTEM RESET log_statement');
  await admin.query('SELECT pg_reload_conf()');
  const appended = readFileSync(log).subarray(from).toString('utf8');
  // A log entry starts with its timestamp (log_line_prefix '%m [%p] '); a statement's SQL goes on over
  // the lines after it. The admin connection's own statements (ALTER SYSTEM, pg_reload_conf) are left out.
  const entries = appended.split(/\n(?=\d{4}-\d\d-\d\d )/);
  const statements = entries
    .filter((entry) => /LOG:\s+(statement|execute [^:]*):/.test(entry) && !/ALTER SYSTEM|pg_reload_conf/.test(entry))
    .map((entry) => entry.replace(/^.*?LOG:\s+/, '').replace(/\s+/g, ' ').trim())
    .map((text) => (text.length > 600 ? `${text.slice(0, 600)} …` : text));
  return { perRequest: statements.length / COUNTED_REQUESTS, sample: statements.slice(0, Math.ceil(statements.length / COUNTED_REQUESTS)) };
}

// ---------------------------------------------------------------------------------------------------
// Load windows

interface Sample {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  cpuPerRequestUs: number;
  postgresCpuPerRequestUs: number;
  serverCpuPercent: number;
  postgresCpuPercent: number;
  clientCpuPercent: number;
  rssKiB: number;
}

async function loadWindow(target: Target, server: Running, expected: string, seconds: number, postmaster: number): Promise<Sample> {
  let mismatches = 0;
  let firstMismatch = '';
  const serverBefore = processCpuSeconds(server.pid);
  const postgresBefore = postgresCpu(postmaster);
  const clientBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await runCannon({
    url: `http://${BENCH_HOST}:${server.port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        headers: REQUEST_HEADERS,
        body: target.body,
        setupRequest: (request) => ({ ...request, path: target.path() }),
        onResponse: (status: number, body: string, _context: CannonContext) => {
          if (status === 200 && target.comparable(body) === expected) return;
          mismatches += 1;
          firstMismatch ||= `status ${status}: ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const serverCpu = processCpuSeconds(server.pid) - serverBefore;
  const postgresCpuSeconds = postgresCpuSince(postmaster, postgresBefore);
  const client = process.cpuUsage(clientBefore);
  const where = target.name;
  if (server.exited()) throw new Error(`${where}: the server exited\n${server.outputTail()}`);
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(`${where}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses\n${server.outputTail()}`);
  }
  if (mismatches > 0) throw new Error(`${where}: ${mismatches} responses differ from the verified answer, e.g. ${firstMismatch}`);
  const completed = result.requests.total;
  if (completed === 0) throw new Error(`${where}: no responses`);
  return {
    rps: completed / result.duration,
    requests: completed,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequestUs: (serverCpu / completed) * 1e6,
    postgresCpuPerRequestUs: (postgresCpuSeconds / completed) * 1e6,
    serverCpuPercent: (serverCpu / wall) * 100,
    postgresCpuPercent: (postgresCpuSeconds / wall) * 100,
    clientCpuPercent: ((client.user + client.system) / 1e6 / wall) * 100,
    rssKiB: processMemoryKiB(server.pid).rss,
  };
}

// ---------------------------------------------------------------------------------------------------
// Formatting

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const ratioText = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');

function range(values: number[], format: (n: number) => string): string {
  if (values.length === 1) return format(values[0]!);
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

const NOTES_START = '<!-- notes:start -->';

/** What newsgraph keeps of the records it read for the next requests (NEWSGRAPH_KEPT_RECORDS, which the server inherits). */
function keptRecordsNote(): string {
  const kept = process.env.NEWSGRAPH_KEPT_RECORDS?.trim() || String(KEPT_RECORDS);
  if (kept === '0') return 'newsgraph ran with `NEWSGRAPH_KEPT_RECORDS=0`: it keeps no record read by one request for the next (each request reads its page\'s records, speakers and sources)';
  return `newsgraph kept up to ${int(Number(kept))} records read at the dataset's generation for the next requests (\`NEWSGRAPH_KEPT_RECORDS\`${process.env.NEWSGRAPH_KEPT_RECORDS ? '' : ', its default'}): after the first requests, each reads its page's ids, and the records, speakers and sources come from what was kept`;
}
const NOTES_END = '<!-- notes:end -->';

// ---------------------------------------------------------------------------------------------------

interface ScaleResult {
  scale: number;
  counts: Record<string, number>;
  importSeconds: number;
  verified: Verified;
  statements: Map<TargetName, { perRequest: number; sample: string[] }>;
  samples: Map<TargetName, Sample[]>;
  /** newsgraph ÷ PostGraphile req/s, per round. */
  ratios: number[];
  startRssKiB: Map<TargetName, number>;
  peakRssKiB: Map<TargetName, number>;
  loadAverage: [number, number];
}

async function measureScale(postgres: PostgresServer, scale: number): Promise<ScaleResult> {
  console.log(`\n== ${scale}× ==`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `newsgraph-peer-${scale}x-`));
  try {
    runTool(['scripts/generate-dataset.ts', '--scale', String(scale), '--out', dataDir, '--seed', String(SEED)], process.env);
    const databaseUrl = await postgres.createDatabase(`newsgraph_peer_${scale}`);
    const env = { ...process.env, DATABASE_URL: databaseUrl };
    runTool(['scripts/db.ts', 'migrate'], env);
    const importStarted = Date.now();
    runTool(['scripts/db.ts', 'import', dataDir], env);
    const importSeconds = (Date.now() - importStarted) / 1000;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      const database = new URL(databaseUrl).pathname.slice(1);
      await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} SET random_page_cost = 1.1`);
      await admin.query('ANALYZE');
      const counts: Record<string, number> = {};
      for (const table of ['sources', 'persons', 'countries', 'organizations', 'events', 'statements', 'statement_reports']) {
        counts[table] = Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
      }
      console.log(`  imported in ${fixed(importSeconds, 1)} s: ${Object.entries(counts).map(([t, n]) => `${int(n)} ${t}`).join(', ')}`);

      // One after the other, so neither starts while the other builds its schema.
      const servers = new Map<TargetName, Running>();
      for (const target of TARGETS) servers.set(target.name, await startTarget(target, databaseUrl));
      for (const server of servers.values()) console.log(`  ${server.target.name.padEnd(12)} pid ${server.pid}, http://${BENCH_HOST}:${server.port}/graphql`);

      const verified = await verify(servers);
      console.log(`  answers deep-equal once normalised (${PAGE} statements; ${verified.plain.filter((s) => s.speaker).length} with a person speaker, ${verified.plain.reduce((n, s) => n + s.sources.length, 0)} sources)`);

      const statements = new Map<TargetName, { perRequest: number; sample: string[] }>();
      for (const target of TARGETS) statements.set(target.name, await countStatements(postgres, admin, target, servers.get(target.name)!));
      console.log(`  SQL statements per request: ${TARGETS.map((t) => `${t.name} ${fixed(statements.get(t.name)!.perRequest, 1)}`).join(', ')}`);

      const postmaster = postmasterPid(postgres);
      if (WARMUP_SECONDS > 0) {
        const line: string[] = [];
        for (const target of TARGETS) line.push(`${target.name} ${int((await loadWindow(target, servers.get(target.name)!, verified.expected.get(target.name)!, WARMUP_SECONDS, postmaster)).rps)}`);
        console.log(`  warm-up (req/s): ${line.join(', ')}`);
      }

      const samples = new Map<TargetName, Sample[]>(TARGETS.map((t) => [t.name, []]));
      const ratios: number[] = [];
      const loadAtStart = os.loadavg()[0] ?? Number.NaN;
      for (let round = 1; round <= ROUNDS; round += 1) {
        // Alternate which goes first, so neither always follows the other's load.
        const order = round % 2 === 1 ? TARGETS : [...TARGETS].reverse();
        const got = new Map<TargetName, Sample>();
        for (const target of order) {
          const sample = await loadWindow(target, servers.get(target.name)!, verified.expected.get(target.name)!, SECONDS, postmaster);
          got.set(target.name, sample);
          samples.get(target.name)!.push(sample);
        }
        const ratio = got.get('newsgraph')!.rps / got.get('postgraphile')!.rps;
        ratios.push(ratio);
        console.log(`  round ${round}/${ROUNDS}: ${TARGETS.map((t) => `${t.name} ${int(got.get(t.name)!.rps)} req/s`).join(', ')}; ratio ${ratioText(ratio)}`);
      }
      const loadAtEnd = os.loadavg()[0] ?? Number.NaN;
      // Once more after the load: the answers have not changed.
      const after = await verify(servers);
      for (const target of TARGETS) {
        if (after.expected.get(target.name) !== verified.expected.get(target.name)) throw new Error(`${target.name}: answers changed during the run`);
      }
      const startRssKiB = new Map([...servers].map(([name, s]) => [name, s.startRssKiB]));
      const peakRssKiB = new Map([...servers].map(([name, s]) => [name, processMemoryKiB(s.pid).peak]));
      await stopAll();
      return { scale, counts, importSeconds, verified, statements, samples, ratios, startRssKiB, peakRssKiB, loadAverage: [loadAtStart, loadAtEnd] };
    } finally {
      await admin.end();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function resultTable(results: ScaleResult[]): string[] {
  const table = [
    '| Scale | Server | req/s median (min–max) | newsgraph ÷ PostGraphile | p50 / p99 ms | server CPU µs/req | PostgreSQL CPU µs/req | SQL statements/req | RSS MiB (peak) | response bytes |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const result of results) {
    for (const target of TARGETS) {
      const list = result.samples.get(target.name)!;
      table.push(
        [
          '',
          target === TARGETS[0] ? `**${result.scale}×**` : '',
          target.label,
          range(list.map((s) => s.rps), int),
          target.name === 'newsgraph' ? `**${ratioText(median(result.ratios))}** (${ratioText(Math.min(...result.ratios))}–${ratioText(Math.max(...result.ratios))})` : '1×',
          `${fixed(median(list.map((s) => s.p50)), 0)} / ${fixed(median(list.map((s) => s.p99)), 0)}`,
          int(median(list.map((s) => s.cpuPerRequestUs))),
          int(median(list.map((s) => s.postgresCpuPerRequestUs))),
          fixed(result.statements.get(target.name)!.perRequest, 1),
          `${int(median(list.map((s) => s.rssKiB)) / 1024)} (${int(result.peakRssKiB.get(target.name)! / 1024)})`,
          int(result.verified.bytes.get(target.name)!),
          '',
        ]
          .join(' | ')
          .trim(),
      );
    }
  }
  return table;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  console.log(
    `bench:peer: newsgraph vs PostGraphile on scales ${SCALES.join(', ')}; warm-up ${WARMUP_SECONDS} s, ${ROUNDS} rounds × ${SECONDS} s each, ${CONNECTIONS} connections`,
  );
  buildProductionBundle();
  const postgres = await startPostgres();
  const results: ScaleResult[] = [];
  let serverVersion = '?';
  try {
    const admin = new pg.Client({ connectionString: postgres.url() });
    await admin.connect();
    serverVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    await admin.end();
    for (const scale of SCALES) results.push(await measureScale(postgres, scale));
  } finally {
    await stopAll();
    await postgres.stop();
  }

  const table = resultTable(results);
  const gated = results.filter((r) => r.scale >= GATED_FROM_SCALE);
  const pass = gated.length > 0 && gated.every((r) => median(r.ratios) >= 1);
  const verdicts = results.map((r) => {
    const ratio = median(r.ratios);
    const tag = r.scale >= GATED_FROM_SCALE ? (ratio >= 1 ? 'PASS' : 'FAIL') : ratio >= 1 ? 'at least equal (not gated)' : 'below (not gated)';
    return `- ${r.scale}×: newsgraph ${int(median(r.samples.get('newsgraph')!.map((s) => s.rps)))} req/s, PostGraphile ${int(median(r.samples.get('postgraphile')!.map((s) => s.rps)))} req/s: ratio ${ratioText(ratio)} → **${tag}**`;
  });
  const verdict = gated.length === 0 ? `**NOT CHECKED**: no scale of ${GATED_FROM_SCALE}× or more was measured` : `**${pass ? 'PASS' : 'FAIL'}**`;
  console.log(`\n${table.join('\n')}\n\n"our req/s at least PostGraphile's" (scales ≥ ${GATED_FROM_SCALE}×): ${verdict}\n${verdicts.join('\n')}`);

  if (OUT) {
    const file = path.resolve(projectRoot, OUT);
    const cpu = os.cpus();
    const head = git(['rev-parse', '--short', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--', 'src', 'bench', 'package.json', 'package-lock.json']);
    const notes =
      keptSection(file, NOTES_START, NOTES_END) || `${NOTES_START}\n## Notes\n\nNot written yet: what was added for PostGraphile, how the queries differ, where the time goes.\n${NOTES_END}`;
    const cpuTable = ['| Scale | Server | server CPU % of one core | PostgreSQL CPU % | load generator CPU % |', '|---|---|--:|--:|--:|'];
    const roundsTable = ['| Scale | Server | req/s in each round | ratio in each round |', '|---|---|---|---|'];
    const statementsList: string[] = [];
    for (const r of results) {
      for (const t of TARGETS) {
        const list = r.samples.get(t.name)!;
        cpuTable.push(`| ${r.scale}× | ${t.name} | ${int(median(list.map((s) => s.serverCpuPercent)))} | ${int(median(list.map((s) => s.postgresCpuPercent)))} | ${int(median(list.map((s) => s.clientCpuPercent)))} |`);
        roundsTable.push(`| ${r.scale}× | ${t.name} | ${list.map((s) => int(s.rps)).join(', ')} | ${t.name === 'newsgraph' ? r.ratios.map(ratioText).join(', ') : ''} |`);
      }
    }
    const last = results[results.length - 1]!;
    for (const t of TARGETS) {
      statementsList.push(`- **${t.name}** (${last.scale}×, ${fixed(last.statements.get(t.name)!.perRequest, 1)} per request):`);
      for (const statement of last.statements.get(t.name)!.sample) statementsList.push(`  - \`${statement.replace(/`/g, "'")}\``);
    }
    const markdown = `# Peer comparison: newsgraph and PostGraphile v5 on one PostgreSQL database

Written by \`npm run bench:peer\` (bench/peer-postgraphile.ts), except the notes at the end, which are
written by hand and kept from the previous file. Issue #15: "our req/s at least equal, answers verified
equal first."

- **Date**: ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC
- **Machine**: ${cpu.length} × ${cpu[0]?.model.trim() ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}; shared (other work ran on it: compare within a run); load average ${results.map((r) => `${fixed(r.loadAverage[0], 2)}→${fixed(r.loadAverage[1], 2)} at ${r.scale}×`).join(', ')}
- **Node**: ${process.version} for both servers and the load generator${Number(process.versions.node.split('.')[0]) < 22 ? ' (PostGraphile 5 asks for Node 22 or later; on this Node it runs with `Promise.withResolvers` added, bench/variants/promise-with-resolvers.mjs, the one newer API it calls)' : ''}
- **Versions**: postgraphile ${versionOf('postgraphile')} (grafast ${versionOf('grafast')}, @dataplan/pg ${versionOf('@dataplan/pg')}, graphile-build-pg ${versionOf('graphile-build-pg')}); graphql ${versionOf('graphql')}, graphql-yoga ${versionOf('graphql-yoga')}, @pothos/core ${versionOf('@pothos/core')}, pg ${versionOf('pg')}; PostgreSQL ${serverVersion} (throwaway cluster of test/postgres.ts: fsync off); autocannon ${versionOf('autocannon')}
- **Code**: commit ${head || '?'}${dirty ? `, with uncommitted changes in: ${dirty.split('\n').map((l) => l.slice(3)).join(', ')}` : ', clean'}
- **Data**: \`scripts/generate-dataset.ts --scale N --seed ${SEED}\`, loaded by \`db:migrate\` and \`db:import\`, then \`random_page_cost = 1.1\` and ANALYZE: ${results.map((r) => `${r.scale}×: ${Object.entries(r.counts).map(([t, n]) => `${int(n)} ${t.replace('_', ' ')}`).join(', ')}`).join('; ')}
- **Load**: autocannon, ${CONNECTIONS} connections, no pipelining; warm-up ${WARMUP_SECONDS} s each; ${ROUNDS} rounds × ${SECONDS} s per server, interleaved (the first alternates by round); the load generator shares the machine's ${cpu.length} cores with both servers and PostgreSQL
- **Cache**: every request to newsgraph carries a unique \`?nocache=N\`, so its response cache never answers (as bench/compare.ts's production-uncached); PostGraphile has no response cache. ${keptRecordsNote()}

## Results

${table.join('\n')}

**"Our req/s at least PostGraphile's"** (at ${GATED_FROM_SCALE}× and above): ${verdict}

${verdicts.join('\n')}

req/s: responses in the window ÷ its length, median over the rounds with the lowest and highest round. The
ratio is newsgraph ÷ PostGraphile within each round (they ran back to back), median (min–max) over the
rounds. Latency: autocannon's p50 and p99 per window, median. Server CPU: user + system time of the
server process (/proc/PID/stat) in the window ÷ responses; PostgreSQL CPU: the same for all of
PostgreSQL's processes. SQL statements per request: PostgreSQL's log (\`log_statement = all\`) over
${COUNTED_REQUESTS} requests sent one at a time. RSS: at the end of each window, median; the peak is VmHWM at the end.
Response bytes: one answer, as sent (newsgraph's includes its \`extensions\`).

## The query

newsgraph (\`schema/schema.graphql\`; the root list is in source order by default):

\`\`\`graphql
${OURS}
\`\`\`

PostGraphile (generated from the tables of \`migrations/\` plus the smart tags in bench/variants/postgraphile.mjs):

\`\`\`graphql
${THEIRS}
\`\`\`

Both answers are normalised to \`[{ text, speaker: { name } | null, sources: [title] }]\` (PostGraphile's
reports listed each source once, in report order, as \`sources\` does) and compared deep-equal before any
load, and again after it; every response during the load is compared with the verified bytes (less
newsgraph's \`extensions\`). ${results.map((r) => `${r.scale}×: ${int(TARGETS.reduce((n, t) => n + r.samples.get(t.name)!.reduce((m, s) => m + s.requests, 0), 0))} responses`).join(', ')} in the rounds, none different.

## CPU

${cpuTable.join('\n')}

The two cores are shared by the server measured, PostgreSQL and the load generator (autocannon and its
response checks); the columns add up to what they took of the 200%.

## The SQL each sends

${statementsList.join('\n')}

${notes}

## Every round

${roundsTable.join('\n')}
`;
    writeFileSync(file, markdown);
    console.log(`\nwrote ${path.relative(projectRoot, file)}`);
  }
  return pass ? 0 : 1;
}

runBenchmark('bench:peer', main, stopAll);
