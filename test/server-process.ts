/**
 * The real server as a child process: `src/index.ts` started the way `npm start` starts it, on a free
 * port at 127.0.0.1, for the tests that need a socket, a signal or a browser (`startServer`).
 *
 * `spawnServer` under it is the one way a server is run as a child process here and in the
 * benchmarks (bench/lib.ts builds `startServerProcess` on it): spawn, wait until it listens, keep its
 * output, stop it. This file loads nothing of the project when it is imported (see `startServer`):
 * the benchmarks' variant servers load it through bench/lib.ts, and their memory is measured.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import type { Stream } from 'node:stream';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface RunningServer {
  process: ChildProcessWithoutNullStreams;
  /** The GraphQL endpoint, as the server logged it: `http://127.0.0.1:<port>/graphql`. */
  url: string;
  /** `http://127.0.0.1:<port>`, for /health, /ready, /explore and the like. */
  origin: string;
  port: number;
  /** What the server wrote so far, stdout and stderr interleaved (stdout only up to about 1 MB). */
  output: () => string;
  /** The exit code (null after a signal), once the process has exited and its output has been read. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it is still running 5 s later; resolves once it has exited. Does nothing if it already has. */
  stop: () => Promise<void>;
  /** SIGKILL, no grace; resolves once it has exited. Does nothing if it already has. */
  kill: () => Promise<void>;
}

export interface StartOptions {
  /** What node runs: `src/index.ts` through tsx unless given (a bundle, another entry point). */
  nodeArgs?: string[];
  /** How long to wait for it to listen. */
  startTimeoutMs?: number;
}

const START_TIMEOUT_MS = 25_000;
const STOP_GRACE_MS = 5_000;
/** Every request is logged at info, so a long browser test can write a lot; the start of it is what a failure needs. */
const MAX_STDOUT_CHARS = 1_000_000;

/** The address in the JSON log line the server writes once it listens (`GraphiQL at http://…`), if `line` is that line. */
function listeningUrl(line: string): string | undefined {
  if (!line.includes('GraphiQL at http://')) return undefined;
  try {
    const entry = JSON.parse(line) as { msg?: unknown };
    return typeof entry.msg === 'string' ? /GraphiQL at (http:\/\/\S+)/.exec(entry.msg)?.[1] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `src/index.ts` (or what `nodeArgs` names) with PORT=0, HOST=127.0.0.1, DATA_DIR=the fixture dataset and `env` added, and resolves once it logs where it
 * listens (it loads and validates the data first, so it is ready then). Rejects with what the server
 * wrote if it exits first or does not listen within 25 s (and then kills it).
 * LOG_LEVEL is info unless `env` says otherwise: the address is only logged at info.
 */
export async function startServer(
  env: Record<string, string> = {},
  { nodeArgs = ['--import', 'tsx', 'src/index.ts'], startTimeoutMs = START_TIMEOUT_MS }: StartOptions = {},
): Promise<RunningServer> {
  // The fixture dataset unless the test names another folder: never the shipped data/. Imported here,
  // not at the top: helpers.js loads the whole server, which the benchmarks' servers must not.
  const { dataDir } = await import('./helpers.js');
  const server = await spawnServer({
    nodeArgs,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...env },
    listening: announcedOnStdout(listeningUrl),
    startTimeoutMs,
  });
  // Its stdout is a pipe to this process (spawnServer's default), so no stream is null.
  const child = server.process as ChildProcessWithoutNullStreams;
  return { process: child, url: server.url, origin: server.origin, port: server.port, output: server.output, exited: server.exited, stop: server.stop, kill: server.kill };
}

// ---------------------------------------------------------------------------------------------------
// Any server as a child process

/**
 * How a starting server shows that it listens: resolves with the URL it listens at once it does.
 * `done` aborts when the wait is over (it listens, exited or timed out): stop watching then.
 */
export type Listening = (child: ChildProcess, done: AbortSignal) => Promise<string>;

export interface SpawnOptions {
  /** node's arguments: its flags, then what it runs (`['--import', 'tsx', 'src/index.ts']`). */
  nodeArgs: string[];
  /** The server's whole environment (nothing is added). */
  env: NodeJS.ProcessEnv;
  /** How to tell that it listens. */
  listening: Listening;
  /**
   * Where its stdout goes: a pipe to this process (the default), read and kept for `output()`, or the
   * stream given (a pipe to another process), which this process does not read.
   */
  stdout?: 'pipe' | Stream;
  /** Each whole line of its stdout, when that is a pipe to this process. */
  onStdoutLine?: (line: string) => void;
  /** Called with the process as soon as it is spawned, before it listens. */
  onSpawn?: (child: ChildProcess) => void;
  /** How long to wait for it to listen (default 25 s). */
  startTimeoutMs?: number;
  /** How long `stop` waits after SIGTERM before SIGKILL (default 5 s). */
  stopGraceMs?: number;
  /** What the errors call it (default "server"). */
  name?: string;
}

/** A server `spawnServer` started: a `RunningServer` whose stdout may go elsewhere than to this process. */
export interface SpawnedServer extends Omit<RunningServer, 'process'> {
  process: ChildProcess;
  /** Whether the process has exited (`exited` resolves a little later, once its output has been read). */
  hasExited: () => boolean;
}

/** Why a server did not start: `exitedEarly` when it exited on its own before it listened (a bad config, a port taken). */
export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly exitedEarly: boolean,
  ) {
    super(message);
  }
  override name = 'ServerStartError';
}

/** Listening: the URL in a line of the server's stdout (`url(line)`, or undefined for other lines). Needs stdout piped to this process. */
function announcedOnStdout(url: (line: string) => string | undefined): Listening {
  return (child, done) =>
    new Promise((resolve) => {
      const stdout = child.stdout;
      if (!stdout) throw new Error('announcedOnStdout: stdout is not piped to this process');
      let pending = '';
      // Lines are read from the stream itself, so the address is found even past the output cap.
      const scan = (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const found = url(line);
          if (found) return resolve(found);
        }
      };
      stdout.on('data', scan);
      done.addEventListener('abort', () => stdout.off('data', scan), { once: true });
    });
}

/**
 * Runs `node nodeArgs` in the project folder with `env`, keeps what it writes (stderr, and stdout when
 * that is piped here, up to about 1 MB), and resolves once `listening` says it listens. Rejects
 * (a ServerStartError) with what it wrote if it exits first or does not listen in time (then killing it).
 */
export async function spawnServer({
  nodeArgs,
  env,
  listening,
  stdout = 'pipe',
  onStdoutLine,
  onSpawn,
  startTimeoutMs = START_TIMEOUT_MS,
  stopGraceMs = STOP_GRACE_MS,
  name = 'server',
}: SpawnOptions): Promise<SpawnedServer> {
  // One process, not tsx's wrapper plus a child, so a signal or kill reaches the server itself.
  const child = spawn(process.execPath, nodeArgs, { cwd: projectRoot, env, stdio: ['pipe', stdout, 'pipe'] });
  onSpawn?.(child);
  child.stderr!.setEncoding('utf8');

  let output = '';
  if (child.stdout) {
    child.stdout.setEncoding('utf8');
    let stdoutChars = 0;
    let pending = '';
    child.stdout.on('data', (chunk: string) => {
      if (onStdoutLine) {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) onStdoutLine(line);
      }
      if (stdoutChars >= MAX_STDOUT_CHARS) return;
      const kept = chunk.slice(0, MAX_STDOUT_CHARS - stdoutChars);
      stdoutChars += kept.length;
      output += kept;
      if (stdoutChars >= MAX_STDOUT_CHARS) output += `\n[stdout beyond ${MAX_STDOUT_CHARS} characters not kept]\n`;
    });
  }
  child.stderr!.on('data', (chunk: string) => (output += chunk));

  // 'close', not 'exit': by then all the output has been read, so `output()` holds the last words.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  const stop = async (): Promise<void> => {
    if (!hasExited()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
      void exited.then(() => clearTimeout(timer));
    }
    await exited;
  };

  const url = await new Promise<string>((resolve, reject) => {
    const watching = new AbortController();
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      watching.abort();
      action();
    };
    const failAfterKill = (why: string) => {
      child.kill('SIGKILL');
      void exited.then(() => reject(new ServerStartError(`${name} ${why}:\n${output}`, false)));
    };
    const timer = setTimeout(() => settle(() => failAfterKill(`did not listen within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
    listening(child, watching.signal).then(
      (found) => settle(() => resolve(found)),
      (error: unknown) => settle(() => failAfterKill(`did not start: ${error instanceof Error ? error.message : String(error)}`)),
    );
    child.on('error', (error) => settle(() => reject(new ServerStartError(`${name} could not be started: ${error.message}\n${output}`, false))));
    void exited.then((code) => settle(() => reject(new ServerStartError(`${name} exited with ${code} before listening:\n${output}`, true))));
  });

  const { origin, port } = new URL(url);
  const kill = async (): Promise<void> => {
    if (!hasExited()) child.kill('SIGKILL');
    await exited;
  };
  return { process: child, url, origin, port: Number(port), output: () => output, exited, hasExited, stop, kill };
}
