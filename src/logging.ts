/**
 * Structured logs (pino, one JSON line per event): every request is logged once when it ends, with its
 * request id, operation name, duration, HTTP status and outcome; unexpected errors are logged in full
 * with the same request id, while the client sees only a masked message.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin, type YogaLogger } from 'graphql-yoga';
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * A pino logger writing JSON lines to `destination`, by default to stdout (see `BatchedLines`). Call
 * `logger.flush()` before exiting so none are lost.
 */
export function createLogger(level: LevelWithSilent = 'info', destination?: pino.DestinationStream): Logger {
  const target = destination ?? new BatchedLines(pino.destination({ dest: 1, sync: false, contentMode: 'buffer' }) as unknown as SonicBoom);
  const logger = pino({ level, base: { service: 'newsgraph' }, timestamp: isoTime }, target);
  if (target instanceof BatchedLines) batchedLinesOf.set(logger, target);
  return logger;
}

/** The batching writer of each logger `createLogger` made with one: the request log makes its lines there in bulk. */
const batchedLinesOf = new WeakMap<Logger, BatchedLines>();

/** Lines logged within this long of the first one unwritten go out together. */
const LOG_BATCH_MS = 20;
/** A batch this long (in UTF-16 units) goes out at once. */
const LOG_BATCH_CHARACTERS = 16_384;
/** Lines logged for later (`BatchedLines.later`) are made once this many wait. */
const LINES_MADE_TOGETHER = 128;

/**
 * stdout's writer, handed whole batches as bytes: sonic-boom's text mode encodes its pending text again
 * after every write (to cut what was written off the front), a second encoding of every line.
 */
type SonicBoom = Omit<ReturnType<typeof pino.destination>, 'write'> & { write(bytes: Buffer): boolean };

/**
 * Log lines gathered for up to `LOG_BATCH_MS` and handed to stdout's writer (sonic-boom, writing
 * asynchronously) as one string. Writing each request's line synchronously took a sixth of the
 * server's time under load; handing each line to sonic-boom on its own still cost about 12 us of CPU
 * per request beside 4 us for the batch (scratch measurement with 50 us of work between lines: each
 * small batch is a write on libuv's thread pool, and sonic-boom measures its whole pending buffer on
 * every line). Lines still unwritten when the process exits are written synchronously then.
 */
class BatchedLines implements pino.DestinationStream {
  private lines: string[] = [];
  private characters = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Lines logged for later, in the order they were logged: made before any line logged after them is written. */
  private unmade: (() => void)[] = [];
  private making = false;

  constructor(private readonly out: SonicBoom) {}

  write(line: string): void {
    if (this.unmade.length > 0 && !this.making) this.makeLines();
    this.lines.push(line);
    this.characters += line.length;
    if (this.characters >= LOG_BATCH_CHARACTERS) {
      this.handOver();
    } else {
      this.handOverSoon();
    }
  }

  /**
   * Logs a line later: `make` (which logs it through pino, into this writer) runs within
   * `LOG_BATCH_MS` beside the other lines logged for later, and before any line logged after it, so
   * the log keeps its order. Under cache-missed load (perf, node lookups), a request's line made on
   * its own cost about 8 us of main-thread time with its share of the batch's hand-over (pino's code
   * and data pushed out of the processor's caches by the request's other work); made later in a loop of
   * them, about 5 us in all.
   */
  later(make: () => void): void {
    this.unmade.push(make);
    if (this.unmade.length >= LINES_MADE_TOGETHER) this.makeLines();
    else this.handOverSoon();
  }

  private makeLines(): void {
    const unmade = this.unmade;
    this.unmade = [];
    this.making = true;
    for (const make of unmade) {
      try {
        make();
      } catch {
        // A line that cannot be made is lost; a log line never stops the server.
      }
    }
    this.making = false;
  }

  private handOverSoon(): void {
    if (this.timer !== undefined) return;
    // Unreferenced: a process with nothing else to do exits at once, and its exit hook writes the batch.
    this.timer = setTimeout(this.handOver, LOG_BATCH_MS).unref();
    waitingAtExit.add(this);
  }

  /** Hands the gathered lines to stdout's writer, the lines logged for later made first. */
  private readonly handOver = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    waitingAtExit.delete(this);
    if (this.unmade.length > 0) this.makeLines();
    if (this.lines.length === 0) return;
    const text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.characters = 0;
    try {
      this.out.write(Buffer.from(text, 'utf8'));
    } catch {
      // The writer is closed (stdout gone): the lines are lost, but a log line never stops the server,
      // which this timer's callback would if it threw.
    }
  };

  /** What `logger.flush(cb)` calls: the gathered lines are handed over, then sonic-boom's own flush. */
  flush(done?: (error?: Error) => void): void {
    this.handOver();
    this.out.flush(done);
  }

  flushSync(): void {
    this.handOver();
    this.out.flushSync();
  }
}

/** Writers holding lines not yet handed over: written synchronously if the process exits first. */
const waitingAtExit = new Set<BatchedLines>();
process.on('exit', () => {
  for (const writer of [...waitingAtExit]) {
    try {
      writer.flushSync();
    } catch {
      // stdout is gone (closed, or its reader went away): there is nowhere left to write.
    }
  }
});

let lastMs = Number.NaN;
let lastTime = '';
/** The time of the line being made, when it is made after the fact (a request's line, made later): its request's end. */
let lineMadeForMs: number | undefined;
/**
 * pino's `stdTimeFunctions.isoTime`, the same text, formatted once per millisecond: under load a
 * server logs several lines a millisecond, and formatting the date was a few us of each request.
 */
function isoTime(): string {
  const now = lineMadeForMs ?? Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** Yoga's own log calls (startup notices, its debug output) go to the same pino logger. */
export function yogaLoggerFor(logger: Logger): YogaLogger {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) => {
    // Yoga logs several debug lines per request; at the usual levels, building them was wasted.
    if (!logger.isLevelEnabled(level)) return;
    const [first, ...rest] = args;
    logger[level]({ source: 'yoga', details: rest.length > 0 ? rest.map(String) : undefined }, String(first));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export interface RequestState {
  id: string;
  startedAt: bigint;
  operationName?: string;
  errorCodes: string[];
}

const REQUEST_ID_HEADER = 'x-request-id';
const acceptableRequestId = /^[A-Za-z0-9._:-]{1,100}$/;


/** What the logging plugin adds to the server context, and so to every GraphQL context. */
export interface RequestIdContext {
  /** The id of the request being served: its `x-request-id` header when acceptable, else a new UUID. */
  requestId?: string;
}

function codesOf(result: ExecutionResult): string[] {
  return (result.errors ?? []).map((error) => String((error as GraphQLError).extensions?.code ?? 'UNKNOWN'));
}

/** The id a request is logged under: its own `x-request-id` when acceptable, else a new UUID. */
function requestIdFor(given: string | null | undefined): string {
  return given && acceptableRequestId.test(given) ? given : randomUUID();
}

/**
 * The path of a URL as a Request holds it ("http://host/graphql?x") or of a request target as it
 * arrives ("/graphql?x"), without parsing a URL: a URL parse per response was a measurable part of a
 * small query's time.
 */
export function pathOf(urlOrTarget: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(urlOrTarget);
  const start = scheme ? urlOrTarget.indexOf('/', scheme[0].length) : 0;
  if (start === -1) return '/';
  const end = urlOrTarget.slice(start).search(/[?#]/);
  return end === -1 ? urlOrTarget.slice(start) : urlOrTarget.slice(start, start + end);
}

/** The one line logged when a request ends, `durationMs` after it began. */
function logRequest(logger: Logger, state: RequestState, method: string, path: string, status: number, durationMs: number): void {
  const outcome = status >= 500 ? 'error' : status >= 400 ? 'rejected' : state.errorCodes.length > 0 ? 'partial' : 'ok';
  logger[status >= 500 ? 'error' : 'info'](
    {
      requestId: state.id,
      method,
      // A path is the client's to choose; the log keeps enough of it to tell routes apart.
      path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
      operationName: state.operationName,
      status,
      durationMs: Math.round(durationMs * 100) / 100,
      outcome,
      errorCodes: state.errorCodes.length > 0 ? [...new Set(state.errorCodes)] : undefined,
    },
    'request',
  );
}

/**
 * The request log: the yoga plugin that logs one line per request and echoes its id, and the same
 * id rules and line for answers the listener sends without yoga (src/http/listener.ts).
 */
export interface RequestLog {
  plugin: Plugin;
  /** Call when a request the listener answers itself is read; returns its state, with its id. */
  start(requestIdHeader: string | undefined): RequestState;
  /** Call when the listener has sent that answer. */
  finish(state: RequestState, method: string, path: string, status: number): void;
}

/** The request log writing to `logger`. */
export function createRequestLog(logger: Logger): RequestLog {
  const batched = batchedLinesOf.get(logger);
  /** Logs the line of a request that ends now: made later, in bulk, when the logger batches its lines. */
  const logEnd = (state: RequestState, method: string, path: string, status: number): void => {
    const durationMs = Number(process.hrtime.bigint() - state.startedAt) / 1e6;
    if (!batched || !logger.isLevelEnabled(status >= 500 ? 'error' : 'info')) {
      logRequest(logger, state, method, path, status, durationMs);
      return;
    }
    const endedAt = Date.now();
    batched.later(() => {
      lineMadeForMs = endedAt;
      try {
        logRequest(logger, state, method, path, status, durationMs);
      } finally {
        lineMadeForMs = undefined;
      }
    });
  };
  // Per-request state, keyed by the Request object yoga passes to the HTTP-level hooks (the GraphQL
  // context may hold a copy of the request, so the id also travels in the server context).
  const stateByRequest = new WeakMap<Request, RequestState>();
  const plugin: Plugin = {
    onRequest({ request, serverContext }) {
      const id = requestIdFor(request.headers.get(REQUEST_ID_HEADER));
      stateByRequest.set(request, { id, startedAt: process.hrtime.bigint(), errorCodes: [] });
      (serverContext as RequestIdContext).requestId = id;
    },
    onParams({ params, request }) {
      const state = stateByRequest.get(request);
      if (state && typeof params.operationName === 'string') state.operationName = params.operationName.slice(0, 100);
    },
    onResultProcess({ request, result }) {
      const state = stateByRequest.get(request);
      if (!state || isAsyncIterable(result)) return;
      state.errorCodes = (Array.isArray(result) ? result : [result]).flatMap(codesOf);
    },
    onResponse({ request, response }) {
      const state = stateByRequest.get(request);
      if (!state) return;
      response.headers.set(REQUEST_ID_HEADER, state.id);
      logEnd(state, request.method, pathOf(request.url), response.status);
    },
  };
  return {
    plugin,
    start: (given) => ({ id: requestIdFor(given), startedAt: process.hrtime.bigint(), errorCodes: [] }),
    finish: logEnd,
  };
}
