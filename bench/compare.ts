/**
 * The peer benchmark: `npm run bench:compare`.
 *
 * Starts each server as its own child process on 127.0.0.1 (PORT=0, the port read from its stdout):
 *   production  `dist/index.mjs` as `npm start` ships it (bundled at the start of the run): response cache, limits, masking, loaders, logging at the
 *               default 'info' (its stdout, one JSON line per request, is read and dropped by a small
 *               drain process: see startServerProcess in bench/lib.ts)
 *   raw         `bench/variants/raw.ts`: node:http answering with production's exact bytes (the limit)
 *   graphql-js  `bench/variants/graphql-js.ts`: the same schema, plain `execute` on node:http (the floor)
 *   mercurius   `bench/variants/mercurius.ts`: Mercurius + graphql-jit on Fastify (a peer)
 *   apollo      `bench/variants/apollo.ts`: Apollo Server 5 standalone (a peer)
 * and measures six targets: those five plus `production-uncached`, the same production process with a
 * unique `?nocache=N` on every request URL, so its response cache never answers (the body is unchanged).
 *
 * For the fixtures in bench/fixtures/ it then:
 *   1. verifies every target against production, every fixture and variables set: HTTP 200 and a JSON
 *      body that deep-equals production's without `extensions` (only production adds them); aborts on
 *      any mismatch;
 *   2. warms each target up on each fixture;
 *   3. measures with autocannon (50 connections), interleaving the targets (A B C D E F, F E D C B A, …)
 *      over BENCH_ROUNDS rounds of BENCH_SECONDS seconds per target and fixture. Every response, in the
 *      warm-up and in the rounds, is compared with the verified answer for its request; any error,
 *      timeout, non-2xx or mismatch aborts the run. A fixture with several variable sets sends them in
 *      turn across all connections (one shared counter), so each set recurs only every N requests;
 *   4. reads each server's CPU time (/proc/PID/stat) around every window and its RSS (/proc/PID/status),
 *      and counts production's response-cache hits (its `x-cache` header);
 *   5. counts loader batch calls per query in-process (bench/batch-count.ts, in a child process);
 *   6. prints the tables and writes bench/results/compare.md (its "where the time goes" section is kept
 *      from the previous file: it is written by hand from `bench/profile.ts`).
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS (5), BENCH_WARMUP (seconds per target and
 * fixture, 1), BENCH_CONNECTIONS (50), BENCH_FIXTURES and BENCH_VARIANTS (comma-separated names; all by
 * default; production is always measured, as the reference), BENCH_OUT (the markdown file to write,
 * relative to the project; empty to write none). The defaults take about 10 minutes. Linux only (/proc).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { defaultQueryLimits, operationCost } from '../src/plugins/limits.js';
import { schema } from '../src/schema/index.js';
import type { BatchCount } from './batch-count.js';
import {
  BENCH_HOST,
  buildProductionBundle,
  runBenchmark,
  git,
  intFromEnv,
  keptSection,
  loadFixtures,
  median,
  processCpuSeconds,
  processMemoryKiB,
  projectRoot,
  REQUEST_HEADERS,
  requestBody,
  runCannon,
  startServerProcess,
  versionOf,
  type CannonContext,
  type CannonRequest,
  type Fixture,
  type ServerProcess,
} from './lib.js';
import type { CapturedResponse } from './variants/raw.js';

// ---------------------------------------------------------------------------------------------------
// Settings

function listFromEnv(name: string): string[] | undefined {
  const raw = process.env[name]?.trim();
  return raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

const ROUNDS = intFromEnv('BENCH_ROUNDS', 3, 1, 50);
const SECONDS = intFromEnv('BENCH_SECONDS', 5, 1, 120);
const WARMUP_SECONDS = intFromEnv('BENCH_WARMUP', 1, 0, 60);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 50, 1, 1000);
const OUT = process.env.BENCH_OUT ?? path.join('bench', 'results', 'compare.md');

// ---------------------------------------------------------------------------------------------------
// Servers and the targets measured on them

type ServerName = 'production' | 'raw' | 'graphql-js' | 'mercurius' | 'apollo';

const SERVER_ENTRIES: Record<ServerName, string> = {
  // As `npm start` runs it: the esbuild bundle on plain Node (built at the start of the run).
  production: 'dist/index.mjs',
  raw: 'bench/variants/raw.ts',
  'graphql-js': 'bench/variants/graphql-js.ts',
  mercurius: 'bench/variants/mercurius.ts',
  apollo: 'bench/variants/apollo.ts',
};

interface Target {
  name: string;
  label: string;
  server: ServerName;
  /** A unique `?nocache=N` on every request URL, so production's response cache never answers. */
  nocache: boolean;
  what: string;
}

const ALL_TARGETS: Target[] = [
  { name: 'raw', label: 'raw node:http (limit)', server: 'raw', nocache: false, what: "node:http answering with production's exact response bytes, looked up by request body; no GraphQL work" },
  {
    name: 'production',
    label: 'newsgraph (production)',
    server: 'production',
    nocache: false,
    what: 'src/index.ts as shipped: graphql-yoga behind our node:http listener, with its response cache (hits answered by the listener), graphql-jit for repeated queries, limits, masking, loaders, persisted documents, pino request logs at info',
  },
  {
    name: 'production-uncached',
    label: 'newsgraph, cache missed',
    server: 'production',
    nocache: true,
    what: 'the same production process; every request URL carries a unique `?nocache=N` (the body is unchanged), so the response cache misses and the request is parsed (cached), validated (cached), executed, serialised and stored',
  },
  { name: 'graphql-js', label: 'graphql-js execute (floor)', server: 'graphql-js', nocache: false, what: 'the same schema and per-request context, graphql-js `execute` on node:http, documents parsed and validated once per query text' },
  { name: 'mercurius', label: 'Mercurius + JIT', server: 'mercurius', nocache: false, what: 'the same schema and context on Fastify 5 + Mercurius, `jit: 1` (graphql-jit compiles a query on its second request)' },
  { name: 'apollo', label: 'Apollo Server 5', server: 'apollo', nocache: false, what: 'the same schema and context on @apollo/server standalone (node:http), introspection off, defaults otherwise' },
];

interface Running extends ServerProcess {
  name: ServerName;
  /** RSS once listening, before any request. */
  startRssKiB: number;
}

const running: Running[] = [];

/** Starts one server (PORT=0 on 127.0.0.1, production's default log level) and remembers it for stopAll. */
async function startServer(name: ServerName, extraEnv: Record<string, string> = {}): Promise<Running> {
  const started = await startServerProcess(name, SERVER_ENTRIES[name], extraEnv);
  const server = Object.assign(started, { name, startRssKiB: processMemoryKiB(started.pid).rss });
  running.push(server);
  return server;
}

async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((server) => server.stop()));
}

// ---------------------------------------------------------------------------------------------------
// Requests and verification

interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** One POST over node:http. */
function post(port: number, urlPath: string, body: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: BENCH_HOST, port, path: urlPath, method: 'POST', headers: { ...REQUEST_HEADERS, 'content-length': String(Buffer.byteLength(body)) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error(`no answer from port ${port} within 30 s`)));
    request.on('error', reject);
    request.end(body);
  });
}

let nonce = 0;
const pathFor = (target: Target) => (target.nocache ? `/graphql?nocache=${(nonce += 1)}` : '/graphql');

/**
 * A response body without its top-level `extensions`, as text. Production writes `extensions` last
 * (`{"data":…,"extensions":{…}}`), and a `,"extensions":` inside data would be escaped in a string,
 * so cutting at the last occurrence is exact; bodies without it are returned unchanged.
 */
function withoutExtensionsText(body: string): string {
  const at = body.lastIndexOf(',"extensions":');
  return at === -1 ? body : `${body.slice(0, at)}}`;
}

function withoutExtensions(parsed: Record<string, unknown>): Record<string, unknown> {
  const { extensions: _ignored, ...rest } = parsed;
  return rest;
}

/** The first path at which two JSON values differ, for the abort message. */
function firstDifference(a: unknown, b: unknown, at = '$'): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${at}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const diff = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
    if (diff) return diff;
  }
  return `${at}: differs`;
}

/** One distinct request of a fixture: its body, production's answer and, per target, the verified answer text. */
interface PlannedRequest {
  fixture: Fixture;
  index: number;
  body: string;
  production?: HttpAnswer;
  /** Per target: the verified answer, without `extensions`. */
  expectedText: Map<string, string>;
}

function countListItems(value: unknown): number {
  if (Array.isArray(value)) return value.length + value.reduce((sum: number, item) => sum + countListItems(item), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((sum: number, item) => sum + countListItems(item), 0);
  return 0;
}

async function captureProduction(production: Running, plan: PlannedRequest[]): Promise<void> {
  for (const request of plan) {
    // A unique URL, so this is production's own executed answer, not an earlier cached one.
    const answer = await post(production.port, `/graphql?nocache=capture-${request.fixture.name}-${request.index}`, request.body).catch((error: unknown) => {
      throw new Error(`production, ${request.fixture.name} #${request.index}: ${String(error)}\n${production.outputTail()}`);
    });
    let parsed: { data?: unknown; errors?: unknown[] } | undefined;
    try {
      parsed = JSON.parse(answer.body) as typeof parsed;
    } catch {
      // reported below
    }
    if (answer.status !== 200 || !parsed || parsed.errors !== undefined || parsed.data === undefined || parsed.data === null) {
      throw new Error(`production refused ${request.fixture.name} #${request.index}: status ${answer.status}: ${answer.body.slice(0, 400)}`);
    }
    request.production = answer;
  }
}

async function verifyTarget(target: Target, server: Running, plan: PlannedRequest[]): Promise<{ byteIdentical: number; total: number }> {
  let byteIdentical = 0;
  for (const request of plan) {
    const answer = await post(server.port, pathFor(target), request.body);
    const where = `${target.name} ${request.fixture.name} #${request.index}`;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(answer.body) as Record<string, unknown>;
    } catch {
      throw new Error(`MISMATCH ${where}: not JSON (status ${answer.status}): ${answer.body.slice(0, 300)}`);
    }
    if (answer.status !== 200) throw new Error(`MISMATCH ${where}: status ${answer.status}: ${answer.body.slice(0, 300)}`);
    const ours = withoutExtensions(parsed);
    const theirs = withoutExtensions(JSON.parse(request.production!.body) as Record<string, unknown>);
    if (!isDeepStrictEqual(ours, theirs)) throw new Error(`MISMATCH ${where} vs production: ${firstDifference(ours, theirs)}`);
    const text = withoutExtensionsText(answer.body);
    if (text === withoutExtensionsText(request.production!.body)) byteIdentical += 1;
    request.expectedText.set(target.name, text);
  }
  return { byteIdentical, total: plan.length };
}

// ---------------------------------------------------------------------------------------------------
// Load windows

interface Sample {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  cpuPerRequestUs: number;
  serverCpuPercent: number;
  clientCpuPercent: number;
  rssKiB: number;
  cacheHits: number;
  cacheMisses: number;
}

interface Tally {
  mismatches: number;
  firstMismatch?: string;
  hits: number;
  misses: number;
}

/**
 * The autocannon request for a window: each send takes the next of the fixture's requests (one counter
 * shared by all connections), and each response is checked against the verified answer for the request
 * sent (kept in the connection's context, which autocannon resets only before the next send).
 * The rotation carries on from window to window.
 */
/** Where each target's rotation through a fixture's requests stands: it carries on across windows, so a cycle is never cut short. */
const rotation = new Map<string, number>();

function cannonRequest(target: Target, requests: PlannedRequest[], tally: Tally): CannonRequest {
  const name = `${target.name}\u0000${requests[0]!.fixture.name}`;
  return {
    method: 'POST',
    path: '/graphql',
    headers: REQUEST_HEADERS,
    body: requests[0]!.body,
    setupRequest: (request, context) => {
      const next = rotation.get(name) ?? 0;
      rotation.set(name, next + 1);
      const planned = requests[next % requests.length]!;
      context.planned = planned;
      return { ...request, body: planned.body, path: pathFor(target) };
    },
    onResponse: (status, body, context: CannonContext, headers) => {
      const planned = context.planned as PlannedRequest;
      const cache = headers['x-cache'];
      if (cache === 'hit') tally.hits += 1;
      else if (cache === 'miss') tally.misses += 1;
      if (status === 200 && withoutExtensionsText(body) === planned.expectedText.get(target.name)) return;
      tally.mismatches += 1;
      tally.firstMismatch ??= `${planned.fixture.name} #${planned.index}: status ${status}: ${body.slice(0, 200)}`;
    },
  };
}

async function loadWindow(target: Target, server: Running, requests: PlannedRequest[], seconds: number): Promise<Sample> {
  const tally: Tally = { mismatches: 0, hits: 0, misses: 0 };
  const serverBefore = processCpuSeconds(server.pid);
  const clientBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await runCannon({ url: `http://${BENCH_HOST}:${server.port}`, connections: CONNECTIONS, duration: seconds, requests: [cannonRequest(target, requests, tally)] });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const serverCpu = processCpuSeconds(server.pid) - serverBefore;
  const client = process.cpuUsage(clientBefore);
  const memory = processMemoryKiB(server.pid);
  const where = `${target.name} on ${requests[0]!.fixture.name}`;
  if (server.exited()) throw new Error(`${where}: the server exited\n${server.outputTail()}`);
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(`${where}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses; a benchmark that measures errors is worthless\n${server.outputTail()}`);
  }
  if (tally.mismatches > 0) throw new Error(`${where}: ${tally.mismatches} responses differ from the verified answer, e.g. ${tally.firstMismatch}`);
  const completed = result.requests.total;
  if (completed === 0) throw new Error(`${where}: no responses`);
  return {
    rps: completed / result.duration,
    requests: completed,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequestUs: (serverCpu / completed) * 1e6,
    serverCpuPercent: (serverCpu / wall) * 100,
    clientCpuPercent: ((client.user + client.system) / 1e6 / wall) * 100,
    rssKiB: memory.rss,
    cacheHits: tally.hits,
    cacheMisses: tally.misses,
  };
}

// ---------------------------------------------------------------------------------------------------
// Loader batch calls, counted in-process by bench/batch-count.ts, in a process of its own so that the load
// generator's process hosts no GraphQL server (nor its memory and compiled code) while it measures.

function countBatchCalls(fixtures: Fixture[]): Promise<Map<string, BatchCount>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/batch-count.ts', fixtures.map((f) => f.name).join(',')], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench/batch-count.ts failed (exit ${code}): ${stderr.slice(-2000)}`));
      const parsed = JSON.parse(stdout) as Record<string, { production: number[]; graphqlJs: number[]; methods: Record<string, number> }>;
      resolve(new Map(Object.entries(parsed).map(([name, c]) => [name, { production: c.production, graphqlJs: c.graphqlJs, methods: new Map(Object.entries(c.methods)) }])));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Formatting

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(n < 0.1 ? 3 : 2)}×` : '–');

function range(values: number[], format: (n: number) => string): string {
  if (values.length === 1) return format(values[0]!);
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

function minMax(values: number[]): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? int(low) : `${int(low)}–${int(high)}`;
}

const PROFILE_START = '<!-- where-the-time-goes:start -->';
const PROFILE_END = '<!-- where-the-time-goes:end -->';

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const fixtures = loadFixtures(listFromEnv('BENCH_FIXTURES'));
  const wanted = listFromEnv('BENCH_VARIANTS');
  const unknown = (wanted ?? []).filter((name) => !ALL_TARGETS.some((t) => t.name === name));
  if (unknown.length > 0) throw new Error(`unknown variant(s): ${unknown.join(', ')} (have: ${ALL_TARGETS.map((t) => t.name).join(', ')})`);
  const targets = ALL_TARGETS.filter((t) => t.name === 'production' || !wanted || wanted.includes(t.name));
  const production = targets.find((t) => t.name === 'production')!;

  buildProductionBundle();
  const startedAt = new Date();
  const plan: PlannedRequest[] = fixtures.flatMap((fixture) =>
    fixture.variableSets.map((variables, index) => ({ fixture, index, body: requestBody(fixture, variables), expectedText: new Map<string, string>() })),
  );
  const requestsOf = (fixture: Fixture) => plan.filter((r) => r.fixture === fixture);
  const windows = ROUNDS * fixtures.length * targets.length;
  console.log(
    `bench:compare: ${targets.length} targets × ${fixtures.length} queries; warm-up ${WARMUP_SECONDS} s each, then ${ROUNDS} rounds × ${SECONDS} s; ${CONNECTIONS} connections ` +
      `(≈ ${Math.ceil((windows * SECONDS + targets.length * fixtures.length * WARMUP_SECONDS) / 60)} min of load)`,
  );

  console.log('\ncounting loader batch calls (bench/batch-count.ts) …');
  const batches = await countBatchCalls(fixtures);

  console.log(`starting production and capturing its answers to ${plan.length} distinct requests …`);
  const productionServer = await startServer('production');
  await captureProduction(productionServer, plan);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'newsgraph-bench-'));
  const capturedFile = path.join(tmp, 'raw-responses.json');
  const captured: CapturedResponse[] = plan.map((r) => ({ request: r.body, status: r.production!.status, contentType: r.production!.contentType, body: r.production!.body }));
  writeFileSync(capturedFile, JSON.stringify(captured));

  const serverNames = [...new Set(targets.map((t) => t.server))].filter((name) => name !== 'production');
  const others = await Promise.all(serverNames.map((name) => startServer(name, name === 'raw' ? { BENCH_RAW_RESPONSES: capturedFile } : {})));
  const servers = new Map<ServerName, Running>([['production', productionServer], ...others.map((s) => [s.name, s] as const)]);
  const serverOf = (target: Target) => servers.get(target.server)!;
  for (const server of servers.values()) console.log(`  ${server.name.padEnd(11)} pid ${server.pid}, http://${BENCH_HOST}:${server.port}/graphql`);

  console.log('\nverifying every target against production (every query, every variables set) …');
  const identical = new Map<string, string>();
  for (const target of targets) {
    const { byteIdentical, total } = await verifyTarget(target, serverOf(target), plan);
    identical.set(target.name, `${byteIdentical}/${total}`);
    console.log(`  ${target.name.padEnd(20)} ${total}/${total} deep-equal to production without extensions (${byteIdentical} byte-identical)`);
  }

  if (WARMUP_SECONDS > 0) {
    console.log('\nwarming up (every response checked) …');
    for (const fixture of fixtures) {
      const line: string[] = [];
      for (const target of targets) line.push(`${target.name} ${int((await loadWindow(target, serverOf(target), requestsOf(fixture), WARMUP_SECONDS)).rps)}`);
      console.log(`  ${fixture.name.padEnd(15)} ${line.join('  ')}`);
    }
  }
  const warmRss = new Map([...servers.values()].map((s) => [s.name, processMemoryKiB(s.pid).rss]));

  const samples = new Map<string, Sample[]>();
  const key = (fixture: Fixture, target: Target) => `${fixture.name}\u0000${target.name}`;
  const loadAtStart = os.loadavg()[0] ?? Number.NaN;
  for (let round = 1; round <= ROUNDS; round += 1) {
    console.log(`\nround ${round}/${ROUNDS} (req/s)`);
    // Every other round runs the targets in reverse: a target that always follows the same one (the
    // cache-missed production after the cached one, in the same process) would carry what that one left
    // behind (its garbage, its log backlog) into every one of its windows.
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const fixture of fixtures) {
      const rps = new Map<string, number>();
      for (const target of order) {
        const sample = await loadWindow(target, serverOf(target), requestsOf(fixture), SECONDS);
        samples.set(key(fixture, target), [...(samples.get(key(fixture, target)) ?? []), sample]);
        rps.set(target.name, sample.rps);
      }
      console.log(`  ${fixture.name.padEnd(15)} ${targets.map((target) => `${target.name} ${int(rps.get(target.name)!)}`).join('  ')}`);
    }
  }
  const loadAtEnd = os.loadavg()[0] ?? Number.NaN;

  console.log('\nverifying every target once more …');
  for (const target of targets) await verifyTarget(target, serverOf(target), plan);
  const peakRss = new Map([...servers.values()].map((s) => [s.name, processMemoryKiB(s.pid).peak]));
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });

  // --- tables
  const raw = targets.find((t) => t.name === 'raw');
  const table: string[] = [
    '| Query | Server | req/s median (min–max) | vs raw | vs production | vs cache missed | p50 / p99 ms | server CPU µs/req | RSS MiB | cache hits |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const fixture of fixtures) {
    const rawSamples = raw ? samples.get(key(fixture, raw)) : undefined;
    const prodSamples = samples.get(key(fixture, production))!;
    const uncached = targets.find((t) => t.name === 'production-uncached');
    const uncachedSamples = uncached ? samples.get(key(fixture, uncached)) : undefined;
    for (const target of targets) {
      const list = samples.get(key(fixture, target))!;
      // Ratios are paired by round (the targets ran back to back), then the median is taken.
      const paired = (reference: Sample[] | undefined) => (reference ? median(list.map((s, i) => s.rps / reference[i]!.rps)) : Number.NaN);
      const hits = list.reduce((sum, s) => sum + s.cacheHits, 0);
      const misses = list.reduce((sum, s) => sum + s.cacheMisses, 0);
      table.push(
        [
          '',
          target === targets[0] ? `**${fixture.name}**` : '',
          target.label,
          range(list.map((s) => s.rps), int),
          target === raw ? '1×' : ratio(paired(rawSamples)),
          target === production ? '1×' : ratio(paired(prodSamples)),
          target === uncached ? '1×' : ratio(paired(uncachedSamples)),
          `${fixed(median(list.map((s) => s.p50)), 0)} / ${fixed(median(list.map((s) => s.p99)), 0)}`,
          int(median(list.map((s) => s.cpuPerRequestUs))),
          int(median(list.map((s) => s.rssKiB)) / 1024),
          hits + misses > 0 ? `${fixed((hits / (hits + misses)) * 100, hits === 0 || misses === 0 ? 0 : 1)}%` : '–',
          '',
        ].join(' | ').trim(),
      );
    }
  }

  const costs = new Map(
    fixtures.map((fixture) => {
      const document = parse(fixture.document);
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
      return [fixture.name, fixture.variableSets.map((variables) => operationCost(schema, document, operation, variables))];
    }),
  );
  const fixtureTable: string[] = [
    '| Query | Operation | distinct requests | response bytes | list items in `data` | cost (limit 50,000) | store calls per request | store methods called (first request) |',
    '|---|---|--:|--:|--:|--:|--:|---|',
  ];
  for (const fixture of fixtures) {
    const requests = requestsOf(fixture);
    const bytes = requests.map((r) => Buffer.byteLength(r.production!.body));
    const items = requests.map((r) => countListItems((JSON.parse(r.production!.body) as { data: unknown }).data));
    const batch = batches.get(fixture.name)!;
    const same = isDeepStrictEqual(batch.production, batch.graphqlJs);
    const methods = [...batch.methods].sort(([, a], [, b]) => b - a).map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
    fixtureTable.push(
      `| ${fixture.name} | \`${fixture.operationName}\` | ${int(requests.length)} | ${minMax(bytes)} | ${minMax(items)} | ${minMax(costs.get(fixture.name)!)} | ${minMax(batch.production)}${same ? '' : ` (graphql-js: ${minMax(batch.graphqlJs)})`} | ${methods} |`,
    );
  }
  const maxCost = Math.max(...[...costs.values()].flat());
  if (maxCost > defaultQueryLimits.maxCost) console.warn(`warning: a fixture costs ${maxCost}, over the production limit`);

  const memoryTable = ['| Server | RSS MiB once listening | after verification and warm-up | peak (VmHWM) |', '|---|--:|--:|--:|'];
  for (const server of servers.values()) {
    memoryTable.push(`| ${server.name} | ${int(server.startRssKiB / 1024)} | ${int(warmRss.get(server.name)! / 1024)} | ${int(peakRss.get(server.name)! / 1024)} |`);
  }
  const cpuTable = ['| Target | server CPU % of one core, median | load generator CPU %, median |', '|---|--:|--:|'];
  for (const target of targets) {
    const all = fixtures.flatMap((f) => samples.get(key(f, target))!);
    cpuTable.push(`| ${target.name} | ${int(median(all.map((s) => s.serverCpuPercent)))} | ${int(median(all.map((s) => s.clientCpuPercent)))} |`);
  }

  const roundsTable = ['| Query | Target | req/s in each round |', '|---|---|---|'];
  for (const fixture of fixtures) {
    for (const target of targets) roundsTable.push(`| ${fixture.name} | ${target.name} | ${samples.get(key(fixture, target))!.map((s) => int(s.rps)).join(', ')} |`);
  }

  console.log(`\n${table.join('\n')}\n\n${fixtureTable.join('\n')}\n\n${memoryTable.join('\n')}\n\n${cpuTable.join('\n')}`);

  if (OUT) {
    const file = path.resolve(projectRoot, OUT);
    const cpu = os.cpus();
    const head = git(['rev-parse', '--short', 'HEAD']).trim();
    const dirty = git(['status', '--porcelain', '--', 'src', 'data', 'package.json', 'package-lock.json']);
    const profileSection =
      keptSection(file, PROFILE_START, PROFILE_END) ||
      `${PROFILE_START}\n## Where the time goes\n\nNot written yet: run \`npx tsx bench/profile.ts\` and summarise it here.\n${PROFILE_END}`;
    const markdown = `# Peer benchmark: newsgraph against the limit, the engine floor and its peers

Written by \`npm run bench:compare\` (bench/compare.ts), except the "where the time goes" section, which is
kept from the previous file and written by hand from \`npx tsx bench/profile.ts\`
(its output: [profile-statement-feed.md](profile-statement-feed.md)).

- **Date**: ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC
- **Machine**: ${cpu.length} × ${cpu[0]?.model.trim() ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}; load average ${fixed(loadAtStart, 2)} when the rounds started, ${fixed(loadAtEnd, 2)} when they ended
- **Node**: ${process.version}; graphql ${versionOf('graphql')}, graphql-yoga ${versionOf('graphql-yoga')}, @pothos/core ${versionOf('@pothos/core')}, fastify ${versionOf('fastify')}, mercurius ${versionOf('mercurius')} (graphql-jit ${versionOf('graphql-jit', path.join(projectRoot, 'node_modules', 'mercurius'))}), @apollo/server ${versionOf('@apollo/server')}, autocannon ${versionOf('autocannon')}
- **Code**: commit ${head || '?'}${dirty ? `, with uncommitted changes in: ${dirty.split('\n').map((l) => l.slice(3)).join(', ')}` : ', clean'}
- **Load**: ${CONNECTIONS} connections, no pipelining; warm-up ${WARMUP_SECONDS} s per target and query; ${ROUNDS} rounds × ${SECONDS} s per target and query, interleaved (${targets.map((t) => t.name).join(', ')}, then in reverse, and so on); the load generator shares the machine's ${cpu.length} cores with the server

## Results

${table.join('\n')}

req/s: responses in the window ÷ its length; median over the rounds, with the lowest and highest round.
"vs raw", "vs production" and "vs cache missed" (production executing every request): the ratio within
each round (the targets ran back to back), median over the rounds. Latency: autocannon's p50 and p99 in each window, median over the rounds. Server CPU: user +
system time of the server process (all its threads, /proc/PID/stat) during the window ÷ responses. RSS:
at the end of each window, median. Cache hits: the share of production's responses marked
\`x-cache: hit\` by its response cache.

## Queries

Fixtures in [bench/fixtures/](../fixtures/). Response bytes are production's (with \`extensions\`).
Cost is production's estimate (src/plugins/limits.ts). Store calls: calls to the read seam
(src/kb/reader.ts: batch lookups, pages, search) during one request through the production pipeline (\`createNewsgraph\` +
\`yoga.fetch\` in-process, response cache off), the same through plain graphql-js \`execute\` unless
shown; for the cache-busting query, the range over its variable sets.

${fixtureTable.join('\n')}

## Memory and CPU

${memoryTable.join('\n')}

${cpuTable.join('\n')}

The load generator (this benchmark's process: autocannon and its response checks) shares the 2 cores
with the server under test, so the sum of the two columns is the machine's budget (200%) minus what
other work on the machine took.

## Verification

Before measuring, every target answered every distinct request (${int(plan.length)} over ${fixtures.length} queries) with HTTP 200 and a
body deep-equal to production's without \`extensions\`; byte for byte the same text (less \`extensions\`):
${[...identical].map(([name, share]) => `${name} ${share}`).join(', ')}. (Apollo ends its bodies with a newline.)
During the warm-up and every measured window each response was compared with the verified answer for
the request it answered (status 200 and the same text, less production's \`extensions\`): ${int(
      [...samples.values()].flat().reduce((sum, s) => sum + s.requests, 0),
    )} responses in the rounds, none different. Any error, timeout, non-2xx status or different body
aborts the run. After the rounds every target was verified once more.

## Notes

${notes(targets)}

${profileSection}

## Every round

${roundsTable.join('\n')}
`;
    writeFileSync(file, markdown);
    console.log(`\nwrote ${path.relative(projectRoot, file)}`);
  }
  return 0;
}

function notes(targets: Target[]): string {
  return [
    ...targets.map((t) => `- **${t.label}** (\`${t.name}\`): ${t.what}.`),
    '- Production logs one JSON line per request at the default level `info`, through pino to stdout as src/logging.ts sets it up. Its stdout is a pipe read and dropped by a separate drain process (a log shipper that keeps up), so the server pays for formatting and writing every line, as it would in production; that cost is in its numbers, not subtracted.',
    '- Production also generates a request id (UUID) per request and runs the CSRF, limits (a cost estimate per request), persisted-documents, error-masking, dataset-extension, response-cache and logging plugins, through the Fetch-API pipeline of graphql-yoga behind src/http/listener.ts (which answers response-cache hits itself, with the same headers, bytes and log line, and runs plain queries yoga has seen before without the yoga pipeline, src/http/plain-query.ts); the floor and the peers have none of that.',
    "- A fixed query repeats the same request body, so production answers it from its response cache (the `cache hits` column); `newsgraph, cache missed` shows the same process executing every request. The cache-busting query sends 1,536 distinct variable sets in turn, more than the cache's 1,000 entries: a full cache admits a newcomer only when it is asked for more often than the answer it would displace, so production keeps the answers it holds and answers those (up to 1,000 of 1,536, the `cache hits` column) and misses on the rest.",
    '- Every server runs with NODE_ENV=production (src/index.ts sets it when it is unset; bench/lib.ts sets it for all), so graphql-js skips its development-mode checks everywhere.',
    '- The raw target is the ceiling of this machine and this load generator, not of Node: on 2 cores the generator and the server compete, so a cheaper server leaves more CPU to the generator.',
    '- Absolute numbers drift 2–4× between runs on these shared machines; compare within a run (the ratio columns).',
  ].join('\n');
}

runBenchmark('bench:compare', main, stopAll);
