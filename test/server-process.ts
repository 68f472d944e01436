/**
 * The real server as a child process: `src/index.ts` started the way `npm start` starts it, on a free
 * port at 127.0.0.1, for the tests that need a socket, a signal or a browser.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dataDir, projectRoot } from './helpers.js';

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
  // One process, not tsx's wrapper plus a child, so a signal or kill reaches the server itself.
  // The fixture dataset unless the test names another folder: never the shipped data/.
  const child = spawn(process.execPath, nodeArgs, { cwd: projectRoot, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...env } });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');

  let output = '';
  let stdoutChars = 0;
  child.stdout.on('data', (chunk: string) => {
    if (stdoutChars >= MAX_STDOUT_CHARS) return;
    const kept = chunk.slice(0, MAX_STDOUT_CHARS - stdoutChars);
    stdoutChars += kept.length;
    output += kept;
    if (stdoutChars >= MAX_STDOUT_CHARS) output += `\n[stdout beyond ${MAX_STDOUT_CHARS} characters not kept]\n`;
  });
  child.stderr.on('data', (chunk: string) => (output += chunk));

  // 'close', not 'exit': by then all the output has been read, so `output()` holds the last words.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  const stop = async (): Promise<void> => {
    if (!hasExited()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      void exited.then(() => clearTimeout(timer));
    }
    await exited;
  };

  const url = await new Promise<string>((resolve, reject) => {
    let pending = '';
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.off('data', scan);
      action();
    };
    // Lines are read from the stream itself, so the address is found even past the output cap.
    const scan = (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const found = listeningUrl(line);
        if (found) return settle(() => resolve(found));
      }
    };
    const timer = setTimeout(() => {
      settle(() => {
        child.kill('SIGKILL');
        void exited.then(() => reject(new Error(`server did not listen within ${startTimeoutMs / 1000} s:\n${output}`)));
      });
    }, startTimeoutMs);
    child.stdout.on('data', scan);
    child.on('error', (error) => settle(() => reject(new Error(`server could not be started: ${error.message}\n${output}`))));
    void exited.then((code) => settle(() => reject(new Error(`server exited with ${code} before listening:\n${output}`))));
  });

  const { origin, port } = new URL(url);
  const kill = async (): Promise<void> => {
    if (!hasExited()) child.kill('SIGKILL');
    await exited;
  };
  return { process: child, url, origin, port: Number(port), output: () => output, exited, stop, kill };
}
