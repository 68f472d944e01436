/**
 * Helpers shared by the peer benchmark (`bench/compare.ts`), its variant servers (`bench/variants/`)
 * and the profile script (`bench/profile.ts`): the fixtures, how a variant announces its port, the
 * request body every variant receives, /proc readings, and typings for the part of autocannon used.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig } from '../src/config.js';
import { createContext, type Context } from '../src/context.js';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';

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
  return createContext(kb);
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
  /** The last 2 KB the server wrote to stderr. */
  stderrTail: () => string;
  exited: () => boolean;
  /** SIGTERM (SIGKILL after 6 s), then stops the drain process. */
  stop: () => Promise<void>;
}

/**
 * Reads a server's stdout in a process of its own: reports the port from the listening line (on its
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
    process.stdout.write(match[1] + '\\n');
  }
});
process.stdin.on('end', () => process.exit(0));
`;

/**
 * Starts `node [nodeArgs] --import tsx ENTRY` with PORT=0 and HOST=127.0.0.1 (and LOG_LEVEL unset, so
 * production logs at its default, 'info'), and resolves once the server prints the URL it listens on.
 * Every server runs with NODE_ENV=production, as each would be deployed (production sets it itself
 * when it is unset; graphql-js, which all of them use, is slower without it).
 */
export function startServerProcess(name: string, entry: string, extraEnv: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: BENCH_HOST, NODE_ENV: 'production', ...extraEnv };
  delete env.LOG_LEVEL;
  const drain = spawn(process.execPath, ['-e', DRAIN_SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] });
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], { cwd: projectRoot, env, stdio: ['ignore', drain.stdin!, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 6000);
      await exit;
      clearTimeout(killer);
    }
    if (drain.exitCode === null && drain.signalCode === null) drain.kill('SIGTERM');
  };
  return new Promise((resolve, reject) => {
    let reported = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      drain.kill('SIGKILL');
      reject(new Error(`${name} did not start: ${why}\n${stderr.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail('no listening line within 90 s'), 90_000);
    const onEarlyExit = (code: number | null, signal: string | null) => fail(`exited early (code ${code}, signal ${signal})`);
    child.once('exit', onEarlyExit);
    drain.stdout!.on('data', (chunk: Buffer) => {
      reported += chunk.toString('utf8');
      if (!reported.endsWith('\n')) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({ child, pid: child.pid!, port: Number(reported.trim()), stderrTail: () => stderr.slice(-2000), exited: () => exited, stop });
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

// ---------------------------------------------------------------------------------------------------
// autocannon 8 (CommonJS, no bundled types): the part of its programmatic API used here.

/** Per-connection state autocannon hands to setupRequest and onResponse (reset before each cycle of `requests`). */
export type CannonContext = Record<string, unknown>;

export interface CannonRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Called before each send of this request; returns the request to send. */
  setupRequest?: (request: CannonRequest, context: CannonContext) => CannonRequest;
  /** Called with every response to this request (autocannon matches responses to requests). */
  onResponse?: (status: number, body: string, context: CannonContext, headers: Record<string, string | string[]>) => void;
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
}

type Cannon = (options: CannonOptions, done: (error: Error | null, result: CannonResult) => void) => { stop(): void };

const cannon = createRequire(import.meta.url)('autocannon') as Cannon;

let running: { stop(): void } | undefined;

/** Runs autocannon once and resolves with its result. */
export function runCannon(options: CannonOptions): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    running = cannon({ pipelining: 1, timeout: 10, ...options }, (error, result) => {
      running = undefined;
      if (error) reject(error);
      else resolve(result);
    });
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
