/**
 * Helpers shared by the peer benchmark (`bench/compare.ts`), its variant servers (`bench/variants/`),
 * the profile script (`bench/profile.ts`) and the load run (`bench/load.ts`): the fixtures, how a
 * variant announces its port, how a server is started as a child process (on test/server-process.ts's
 * spawnServer, as the tests start theirs), the request body every variant receives, /proc readings,
 * and typings for the part of autocannon used.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig } from '../src/config.js';
import { createContext, type Context } from '../src/context.js';
import { snapshotOf } from '../src/kb/snapshot.js';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { ServerStartError, spawnServer, type Listening, type SpawnedServer, type SpawnOptions } from '../test/server-process.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const benchDir = path.join(projectRoot, 'bench');
/** Every server in the benchmark listens on loopback only. */
export const BENCH_HOST = '127.0.0.1';

// ---------------------------------------------------------------------------------------------------
// Variant servers

/**
 * Matches the line a server prints once it listens: production's pino line ("GraphiQL at
 * http://127.0.0.1:PORT/graphql") and the variants' own ("listening on http://127.0.0.1:PORT/graphql").
 */
export const LISTENING_URL = /http:\/\/127\.0\.0\.1:(\d+)\/graphql/;

/** Printed by every variant server once it listens, so the benchmark can read the port. */
export function announceListening(name: string, port: number): void {
  process.stdout.write(`${name} listening on http://${BENCH_HOST}:${port}/graphql\n`);
}

/** The port and host a variant listens on: PORT and HOST as production reads them (PORT=0 picks one). */
export function listenConfig(): { port: number; host: string } {
  const config = readConfig();
  return { port: config.port, host: config.host };
}

/** The knowledge base from DATA_DIR (default ./data), as production loads it. */
export function loadBenchKnowledgeBase(): Promise<KnowledgeBase> {
  return loadKnowledgeBase(readConfig().dataDir);
}

/** A per-request context built the way production builds it (fresh loaders; Pothos's context cache key). */
export function contextFor(kb: KnowledgeBase): Context {
  return createContext(snapshotOf(kb));
}

/** Reads a request body as a string. */
export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Ends the process cleanly on SIGTERM/SIGINT (closing the server first). */
export function exitOnSignal(close: () => Promise<unknown> | void): void {
  const stop = () => {
    void Promise.resolve(close()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** A server under test, running as a child process. */
export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  /** The last 2 KB the server wrote to stderr (and to stdout, for a quiet server). */
  outputTail: () => string;
  exited: () => boolean;
  /** SIGTERM (SIGKILL after 6 s), then stops the drain process, if any. */
  stop: () => Promise<void>;
}

/** A server run at a log level above info: it logs little, and not the URL it listens on. */
export interface QuietServerOptions {
  /** Its LOG_LEVEL. */
  logLevel: 'warn' | 'error' | 'fatal' | 'silent';
  /** Each line it writes to stdout, read in this process (no drain process: there are few). */
  onStdoutLine?: (line: string) => void;
}

/**
 * Reads a server's stdout in a process of its own: reports the URL from the listening line (on its
 * own stdout, to the benchmark) and then drops everything, like a log shipper that keeps up. The
 * server pays for formatting and writing each log line to a pipe, as in production, while the
 * benchmark's process, which also runs the load generator, neither reads nor buffers the lines. (The
 * benchmark must not share the pipe with another reader: a child given the same pipe as its stdin
 * turns it blocking for both, and the benchmark's own read would then block its event loop.)
 */
const DRAIN_SCRIPT = `
let seen = '';
let found = false;
process.stdin.on('data', (chunk) => {
  if (found) return;
  seen = (seen + chunk.toString('utf8')).slice(-8192);
  const match = ${String(LISTENING_URL)}.exec(seen);
  if (match) {
    found = true;
    seen = '';
    process.stdout.write(match[0] + '\\n');
  }
});
process.stdin.on('end', () => process.exit(0));
`;

const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 6_000;

/**
 * Starts `node [nodeArgs] --import tsx ENTRY` with PORT=0 and HOST=127.0.0.1 (and LOG_LEVEL unset, so
 * production logs at its default, 'info'), its stdout read and dropped by a drain process, and
 * resolves once the server prints the URL it listens on.
 * Every server runs with NODE_ENV=production, as each would be deployed (production sets it itself
 * when it is unset; graphql-js, which all of them use, is slower without it).
 *
 * A `quiet` server runs at that log level instead, and does not print the URL: it is given a port
 * that was just free on loopback and is ready once GET /ready answers 200 (if another process took
 * the port in between, the server exits and another port is tried, three in all).
 */
/** Builds the bundle `npm start` runs (dist/), so a benchmark measures production as it ships. */
export function buildProductionBundle(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: projectRoot, stdio: 'inherit' });
}

export async function startServerProcess(
  name: string,
  entry: string,
  extraEnv: Record<string, string> = {},
  nodeArgs: string[] = [],
  quiet?: QuietServerOptions,
): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: BENCH_HOST, NODE_ENV: 'production', ...extraEnv };
  delete env.LOG_LEVEL;
  // TypeScript runs through tsx; a bundle (dist/index.mjs, what `npm start` runs) on plain Node.
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const spawnOptions = { name, nodeArgs: [...nodeArgs, ...loader, entry], startTimeoutMs: START_TIMEOUT_MS, stopGraceMs: STOP_GRACE_MS, onSpawn: killAtExit };
  if (quiet) return startQuiet({ ...spawnOptions, env: { ...env, LOG_LEVEL: quiet.logLevel }, onStdoutLine: quiet.onStdoutLine });

  const drain = spawn(process.execPath, ['-e', DRAIN_SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] });
  killAtExit(drain);
  const reported: Listening = (_child, done) =>
    new Promise((resolve) => {
      let text = '';
      const read = (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.endsWith('\n')) resolve(text.trim());
      };
      drain.stdout!.on('data', read);
      done.addEventListener('abort', () => drain.stdout!.off('data', read), { once: true });
    });
  const stopDrain = () => {
    if (drain.exitCode === null && drain.signalCode === null) drain.kill('SIGTERM');
  };
  try {
    const server = await spawnServer({ ...spawnOptions, env, stdout: drain.stdin!, listening: reported });
    return serverProcess(server, async () => {
      await server.stop();
      stopDrain();
    });
  } catch (error) {
    drain.kill('SIGKILL');
    throw error;
  }
}

async function startQuiet(options: Omit<SpawnOptions, 'listening'>): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      const server = await spawnServer({ ...options, env: { ...options.env, PORT: String(port) }, listening: readyOn(port) });
      return serverProcess(server, server.stop);
    } catch (error) {
      if (attempt === 3 || !(error instanceof ServerStartError && error.exitedEarly)) throw error;
      console.log(`  (${options.name} exited before it was ready on port ${port}; retrying on another port)`);
    }
  }
}

function serverProcess(server: SpawnedServer, stop: () => Promise<void>): ServerProcess {
  return { child: server.process, pid: server.process.pid!, port: server.port, outputTail: () => server.output().slice(-2000), exited: server.hasExited, stop };
}

/** Listening: once GET /ready on `port` answers 200 (asked every 100 ms). */
function readyOn(port: number): Listening {
  const url = `http://${BENCH_HOST}:${port}/graphql`;
  return async (_child, done) => {
    while (!done.aborted) {
      try {
        const response = await fetch(`http://${BENCH_HOST}:${port}/ready`);
        await response.body?.cancel();
        if (response.status === 200) return url;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return url;
  };
}

/** Server and drain processes still running: killed should the benchmark exit first (a second Ctrl-C, a crash, an exit while one starts). */
const children = new Set<ChildProcess>();
let killingAtExit = false;

function killAtExit(child: ChildProcess): void {
  if (!killingAtExit) process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  killingAtExit = true;
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** A port that was free on loopback a moment ago. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, BENCH_HOST, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Fixtures: bench/fixtures/NAME.graphql, with NAME.variables.json holding one variables object or, for a
// fixture whose variables change per request, an array of them or `{ "matrix": { name: [values…] } }`
// (every combination).

export interface Fixture {
  name: string;
  document: string;
  operationName: string;
  /** One entry per distinct request; more than one means the variables change on every request. */
  variableSets: Record<string, unknown>[];
}

export const FIXTURE_ORDER = ['statement-feed', 'entity-page', 'search', 'node-lookup', 'large-page', 'cache-busting'];

export function loadFixtures(only?: readonly string[]): Fixture[] {
  const dir = path.join(benchDir, 'fixtures');
  const names = readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .map((file) => file.slice(0, -'.graphql'.length))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const unknown = (only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new Error(`unknown fixture(s): ${unknown.join(', ')} (have: ${names.join(', ')})`);
  return names
    .filter((name) => !only || only.length === 0 || only.includes(name))
    .map((name) => {
      const document = readFileSync(path.join(dir, `${name}.graphql`), 'utf8');
      const operationName = /\bquery\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(document)?.[1];
      if (!operationName) throw new Error(`bench/fixtures/${name}.graphql: expected one named query`);
      let variableSets: Record<string, unknown>[] = [{}];
      try {
        const parsed = JSON.parse(readFileSync(path.join(dir, `${name}.variables.json`), 'utf8')) as unknown;
        variableSets = isMatrix(parsed) ? expandMatrix(parsed.matrix) : ((Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[]);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (variableSets.length === 0) throw new Error(`bench/fixtures/${name}.variables.json: an empty list`);
      return { name, document, operationName, variableSets };
    });
}

interface Matrix {
  /** Every combination of these values, one variables set each (the last key varies fastest). */
  matrix: Record<string, unknown[]>;
}

function isMatrix(value: unknown): value is Matrix {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'matrix' in value;
}

function expandMatrix(matrix: Record<string, unknown[]>): Record<string, unknown>[] {
  let sets: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    if (!Array.isArray(values) || values.length === 0) throw new Error(`matrix "${key}": a non-empty list of values is needed`);
    sets = sets.flatMap((set) => values.map((value) => ({ ...set, [key]: value })));
  }
  return sets;
}

function rank(name: string): number {
  const index = FIXTURE_ORDER.indexOf(name);
  return index === -1 ? FIXTURE_ORDER.length : index;
}

/** The exact POST body every variant receives for one variables set of a fixture. */
export function requestBody(fixture: Fixture, variables: Record<string, unknown>): string {
  return JSON.stringify({ query: fixture.document, variables, operationName: fixture.operationName });
}

/** The headers every request carries (what the SDK sends). */
export const REQUEST_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json;q=0.9',
};

// ---------------------------------------------------------------------------------------------------
// /proc readings (Linux)

let clockTicks: number | undefined;

/** Kernel clock ticks per second (the unit of utime/stime in /proc/PID/stat). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU time of a process (all its threads), in seconds. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it start past the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after the name.
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond();
}

/** Resident set size now and at its peak, in KiB. */
export function processMemoryKiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

let memoryReports = 0;

/**
 * What a server needs to report its memory after a forced full collection (bench/collect-on-signal.mjs):
 * pass `nodeArgs` and `env` to startServerProcess, then `read(pid)` collects and returns RSS and V8 heap in
 * KiB. A plain RSS reading depends on when V8 last collected; this one shows what the server holds.
 * The report file exists only while a reading is awaited.
 */
export function memoryAfterCollection(): { nodeArgs: string[]; env: Record<string, string>; read: (pid: number) => Promise<{ rss: number; heapUsed: number }> } {
  const reportFile = path.join(os.tmpdir(), `newsgraph-bench-memory-${process.pid}-${++memoryReports}.json`);
  // The server appends one line; until its newline is there, the line may be partly written.
  const report = () => (existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '');
  return {
    nodeArgs: ['--expose-gc', '--import', path.join(projectRoot, 'bench', 'collect-on-signal.mjs')],
    env: { BENCH_MEMORY_REPORT: reportFile },
    read: async (pid) => {
      rmSync(reportFile, { force: true });
      process.kill(pid, 'SIGUSR2');
      for (let waitedMs = 0; !report().endsWith('\n'); waitedMs += 20) {
        if (waitedMs > 15_000) throw new Error(`process ${pid} did not report its memory within 15 s (${reportFile})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const usage = JSON.parse(report()) as { rss: number; heapUsed: number };
      rmSync(reportFile, { force: true });
      return { rss: Math.round(usage.rss / 1024), heapUsed: Math.round(usage.heapUsed / 1024) };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// autocannon 8 (CommonJS, no bundled types): the part of its programmatic API used here.

/** Per-connection state autocannon hands to setupRequest and onResponse (reset before each cycle of `requests`). */
export type CannonContext = Record<string, unknown>;

export interface CannonRequest {
  /** Unset: autocannon's defaults (GET /, no headers, no body); `setupRequest` may set them on each send. */
  method?: 'GET' | 'POST';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called before each send of this request; returns the request to send. */
  setupRequest?: (request: CannonRequest, context: CannonContext) => CannonRequest;
  /** Called with every response to this request (autocannon matches responses to requests). */
  onResponse?: (status: number, body: string, context: CannonContext, headers: Record<string, string | string[]>) => void;
}

/** One connection of autocannon, as `setupClient` and the 'response' event see it. */
export interface CannonClient {
  /** 'request' as a request is sent; 'timeout' when one times out (autocannon reconnects and sends the next first); 'connError' on a socket error. */
  on(event: 'request' | 'timeout' | 'connError', listener: (...args: unknown[]) => void): unknown;
  /** Internal, stable in autocannon 8: the per-connection iterator holding the request context. */
  requestIterator?: { context?: CannonContext };
}

export interface CannonHistogram {
  average: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
  total: number;
}

export interface CannonResult {
  /** Completed responses per 1 s sample; `total` completed over the run, `sent` requests sent. */
  requests: CannonHistogram & { sent: number };
  /** Milliseconds. */
  latency: CannonHistogram;
  /** Bytes per 1 s sample; `total` bytes over the run. */
  throughput: CannonHistogram;
  /** Seconds. */
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
}

export interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  requests: CannonRequest[];
  /** Called with each connection as it is set up. */
  setupClient?: (client: CannonClient) => void;
}

/** Listeners for the events of a run. */
export interface CannonEvents {
  /** Once a second with the responses completed in that second (and once more, as the run stops, with 0). */
  tick?: (counter: number) => void;
  /** After each response, right after its request's `onResponse`: the latency in ms. */
  response?: (client: CannonClient, status: number, bytes: number, responseTime: number) => void;
}

interface CannonInstance {
  on(event: 'tick', listener: (tick: { counter: number; bytes: number }) => void): unknown;
  on(event: 'response', listener: (client: CannonClient, status: number, bytes: number, responseTime: number) => void): unknown;
  stop(): void;
}

type Cannon = (options: CannonOptions, done: (error: Error | null, result: CannonResult) => void) => CannonInstance;

const cannon = createRequire(import.meta.url)('autocannon') as Cannon;

let running: CannonInstance | undefined;

/** Runs autocannon once and resolves with its result. */
export function runCannon(options: CannonOptions, on: CannonEvents = {}): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    const instance = cannon({ pipelining: 1, timeout: 10, ...options }, (error, result) => {
      running = undefined;
      if (error) reject(error);
      else resolve(result);
    });
    running = instance;
    const { tick, response } = on;
    if (tick) instance.on('tick', ({ counter }) => tick(counter));
    if (response) instance.on('response', response);
  });
}

/** Stops the autocannon run in progress, if any (on Ctrl-C). */
export function stopCannon(): void {
  running?.stop();
}

// ---------------------------------------------------------------------------------------------------
// Small statistics

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A whole number from the environment variable `name`, `fallback` when unset; throws naming it when it is not one from `min` to `max`. */
export function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// What a results file records about the run, and the hand-written part it keeps

/** The version of `pkg` as seen from `from` (a nested copy), else from the project's top level; "?" when not installed. */
export function versionOf(pkg: string, from = projectRoot): string {
  for (const dir of [from, projectRoot]) {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not installed there
    }
  }
  return '?';
}

/** A git command's output in the project, or '' when git cannot answer (no repository, no git). */
export function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8' }).trimEnd();
  } catch {
    return '';
  }
}

/** The hand-written section of a results file, between its `start` and `end` markers (included), or '' when it has none. */
export function keptSection(file: string, start: string, end: string): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from !== -1 && to > from ? text.slice(from, to + end.length) : '';
}

let interrupted = false;

/** Whether Ctrl-C has stopped the benchmark: a run cut short is not reported. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/**
 * Runs a benchmark's `main` and exits with its code. Ctrl-C stops the load and `stop`s what the
 * benchmark started (a second Ctrl-C exits at once); a failure is printed as one line, after `stop`.
 */
export function runBenchmark(name: string, main: () => Promise<number>, stop: () => Promise<void>): void {
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log('\ninterrupted: stopping the load and the servers');
    stopCannon();
    void stop().finally(() => process.exit(130));
  });
  main()
    .then((code) => process.exit(code))
    .catch(async (error: unknown) => {
      // After Ctrl-C the servers are going away on purpose; the SIGINT handler exits.
      if (interrupted) return;
      console.error(`\n${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      stopCannon();
      await stop().catch(() => undefined);
      process.exit(1);
    });
}

