/**
 * @newsgraph/client: the shipped operations as typed documents (src/generated/, made by `npm run
 * codegen`) and a small fetch-based client that infers result and variable types from them. It uses the
 * global fetch and needs no `graphql` at run time (each document's text ships with it), so it runs in
 * browsers and in Node 20+. The documents are `TypedDocumentNode`s, which Apollo Client, urql and
 * graphql-request accept as they are.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode } from 'graphql';
import { documentTexts } from './generated/document-texts.js';

export * from './generated/graphql.js';
export type { TypedDocumentNode, ResultOf, VariablesOf } from '@graphql-typed-document-node/core';

/**
 * The codes newsgraph puts in `extensions.code`, each with its meaning in the server's README. Codes
 * this version does not know arrive as plain strings; `GraphQLRequestError.code` also carries the
 * client's own NETWORK_ERROR, TIMEOUT and ABORTED.
 */
export type NewsgraphErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'QUERY_TOO_COMPLEX'
  | 'BAD_REQUEST'
  | 'REQUEST_ENTITY_TOO_LARGE'
  | 'OPERATION_RESOLUTION_FAILURE'
  | 'CSRF_HEADER_MISSING'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_ONLY'
  | 'UNAUTHENTICATED'
  | 'READ_ONLY'
  | 'UNKNOWN_REFERENCE'
  | 'EVIDENCE_NOT_FOUND'
  | 'EVIDENCE_AMBIGUOUS'
  | 'DUPLICATE_ID'
  | 'REVISION_CONFLICT'
  | 'INVALID_RECORD'
  | 'STORAGE_FAILED'
  | 'DATA_FILES_INVALID'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'SUBSCRIPTION_TOO_SLOW'
  | 'UNSUPPORTED_BY_STORE'
  | 'DRAFT_TOO_LARGE'
  | 'DATABASE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

/** Errors the client itself reports: no answer reached it, the request took longer than `timeoutMs`, or the caller aborted it. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'TIMEOUT' | 'ABORTED';

/** Every code a GraphQLRequestError can carry; `string & {}` keeps codes of newer servers without losing completion. */
export type ErrorCode = NewsgraphErrorCode | ClientErrorCode | (string & {});

/** One entry of a GraphQL response's `errors`; newsgraph always sets `extensions.code`. */
export interface GraphQLErrorEntry {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: { code?: ErrorCode; [key: string]: unknown };
}

/** The response's `extensions`: newsgraph adds the dataset version, which changes exactly when the knowledge does. */
export interface ResponseExtensions {
  dataset?: { version: string; loadedAt: string };
  [key: string]: unknown;
}

export interface GraphQLResult<TResult> {
  data: TResult;
  extensions: ResponseExtensions;
  /**
   * The version of the knowledge base that answered (`extensions.dataset.version`; for a subscription
   * event, the version that holds the change it announces): it changes exactly when the knowledge does,
   * so a cache keyed by it never serves stale records. Undefined only from a server that does not send it.
   */
  datasetVersion: string | undefined;
}

/** Thrown for any response with errors or without data; carries the codes, the HTTP status and any partial data. */
export class GraphQLRequestError extends Error {
  override name = 'GraphQLRequestError';
  readonly status: number;
  readonly errors: readonly GraphQLErrorEntry[];
  /** What the server did answer (fields other than the failed ones), when it answered anything. */
  readonly data: unknown;
  readonly extensions: ResponseExtensions;

  constructor(init: { status: number; errors: readonly GraphQLErrorEntry[]; data?: unknown; extensions?: ResponseExtensions }) {
    super(init.errors.map((error) => error.message).join('; ') || `HTTP ${init.status}`);
    this.status = init.status;
    this.errors = init.errors;
    this.data = init.data ?? null;
    this.extensions = init.extensions ?? {};
  }

  /** The first error's `extensions.code` ("NOT_FOUND", "BAD_USER_INPUT", …, or the client's own TIMEOUT, NETWORK_ERROR, ABORTED). */
  get code(): ErrorCode | undefined {
    return this.errors[0]?.extensions?.code;
  }

  /** Every error's code, in order. */
  get codes(): ErrorCode[] {
    return this.errors.flatMap((error) => (error.extensions?.code === undefined ? [] : [error.extensions.code]));
  }
}

export interface ClientOptions {
  /** The GraphQL endpoint, such as "http://localhost:4000/graphql". */
  url: string | URL;
  /** Defaults to the global fetch; pass one to add retries or tracing, or to test. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * Send only each document's hash (`extensions.persistedQuery.sha256Hash`) instead of its text,
   * as a server in allow-list mode (`NEWSGRAPH_PERSISTED_ONLY=true`) requires. Needs documents
   * generated with persisted documents on, as the shipped ones are.
   */
  persisted?: boolean;
  /** Gives up on a request (or on opening a subscription) after this many milliseconds, with code TIMEOUT. No limit by default. */
  timeoutMs?: number;
}

export interface RequestOptions {
  /** Aborts the request; it then fails with code ABORTED. */
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** This request's own time limit, instead of the client's `timeoutMs`. */
  timeoutMs?: number;
}

/** Variables may be left out when the operation has none that are required. */
type RequestArgs<TVariables> = Record<string, never> extends TVariables
  ? [variables?: TVariables, options?: RequestOptions]
  : [variables: TVariables, options?: RequestOptions];

export interface SubscribeOptions extends RequestOptions {
  /** Called each time the server has accepted the subscription and the stream is open (again, after a reconnection). */
  onOpen?: () => void;
  /**
   * Reconnects when the connection drops (a network error, or a stream cut without its `complete`
   * event), up to `attempts` times in a row, waiting `delayMs` doubled each time (capped at 30 s).
   * Events announced while disconnected are not replayed: `onReconnect` is the moment to fetch again
   * what the page shows (for example, when `datasetVersion` differs from the one it has).
   * Errors the server sends are never retried. Off by default.
   */
  reconnect?: { attempts?: number; delayMs?: number; onReconnect?: (attempt: number) => void };
}

type SubscribeArgs<TVariables> = Record<string, never> extends TVariables
  ? [variables?: TVariables, options?: SubscribeOptions]
  : [variables: TVariables, options?: SubscribeOptions];

export interface Client {
  request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...args: RequestArgs<TVariables>): Promise<GraphQLResult<TResult>>;
  /**
   * Runs a subscription over server-sent events: each event the server announces, until the server
   * completes the stream, `options.signal` aborts, or the loop is left (which closes the connection).
   * An error event, or a refused request, is thrown as GraphQLRequestError. With `options.reconnect`
   * a dropped connection is opened again; otherwise a caller that wants to keep listening catches,
   * waits and subscribes again (and fetches what it missed).
   */
  subscribe<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...args: SubscribeArgs<TVariables>): AsyncIterable<GraphQLResult<TResult>>;
}

interface ServerSentEvent {
  event: string;
  data: string;
}

/** The events of a text/event-stream body: blank-line separated blocks of `event:` and `data:` lines; `:` lines are keep-alives. */
async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      const blocks = buffered.split(/\r\n\r\n|\n\n|\r\r/);
      buffered = blocks.pop() ?? '';
      for (const block of blocks) {
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split(/\r\n|\n|\r/)) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length > 0) yield { event, data: data.join('\n') };
      }
    }
  } finally {
    // Lets the connection go when the caller stops reading early.
    reader.cancel().catch(() => undefined);
  }
}

/** A document as the SDK needs it: the AST with the hash the client preset embeds (`__meta__.hash`). */
type Document = DocumentNode & { __meta__?: { hash?: unknown } };

/**
 * The text to send for a document: the shipped documents' printed text comes with the SDK (no
 * `graphql` printer at run time). A document of your own, made with graphql's `parse` or `gql`, carries
 * its text in `loc.source`.
 */
function queryText(document: Document): string {
  const hash = document.__meta__?.hash;
  const shipped = typeof hash === 'string' ? documentTexts[hash] : undefined;
  if (shipped !== undefined) return shipped;
  const source = (document as { loc?: { source?: { body?: unknown } } }).loc?.source?.body;
  if (typeof source === 'string') return source;
  throw new Error(`Document ${operationName(document) ?? '(anonymous)'} carries no text: use a shipped document, or one made by graphql's parse()`);
}

function operationName(document: Document): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind === 'OperationDefinition') return definition.name?.value;
  }
  return undefined;
}

/** The sha256 the client preset embeds as `__meta__.hash` ("sha256:<hex>"), as bare hex. */
function persistedHash(document: Document): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string') {
    throw new Error(`Document ${operationName(document) ?? '(anonymous)'} has no persisted hash; generate it with the client preset's persistedDocuments option.`);
  }
  return hash.replace(/^sha256:/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The dataset version a response carries, if any. */
function datasetVersionOf(extensions: ResponseExtensions): string | undefined {
  const version = extensions.dataset?.version;
  return typeof version === 'string' ? version : undefined;
}

/** A GraphQLRequestError made by the client itself, with one of its own codes. */
function clientError(code: ClientErrorCode, message: string): GraphQLRequestError {
  return new GraphQLRequestError({ status: 0, errors: [{ message, extensions: { code } }] });
}

/**
 * The signal a request runs under: the caller's, and the time limit when there is one. `timedOut`
 * tells a timeout from the caller's abort when the fetch fails; `done` stops the timer.
 */
function requestSignal(callerSignal: AbortSignal | undefined, timeoutMs: number | undefined) {
  const controller = new AbortController();
  let timedOut = false;
  const abort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) abort();
  else callerSignal?.addEventListener('abort', abort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs);
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    done() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', abort);
    },
  };
}

/** The error for a fetch that did not complete: the caller's abort, the time limit, or the network. */
function failureOf(error: unknown, callerSignal: AbortSignal | undefined, timedOut: boolean, timeoutMs: number | undefined): GraphQLRequestError {
  if (error instanceof GraphQLRequestError) return error;
  if (timedOut) return clientError('TIMEOUT', `No answer within ${timeoutMs} ms`);
  if (callerSignal?.aborted) return clientError('ABORTED', 'The request was aborted');
  return clientError('NETWORK_ERROR', `The server could not be reached: ${error instanceof Error ? error.message : String(error)}`);
}

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Creates a client for one endpoint. The global fetch is looked up per request, so a polyfill or mock installed later is used. */
export function createClient({ url, fetch: fetchImpl = (input, init) => globalThis.fetch(input, init), headers = {}, persisted = false, timeoutMs }: ClientOptions): Client {
  const bodyFor = (document: Document, variables: unknown) =>
    persisted
      ? { operationName: operationName(document), variables, extensions: { persistedQuery: { version: 1, sha256Hash: persistedHash(document) } } }
      : { query: queryText(document), operationName: operationName(document), variables };

  /**
   * Opens one subscription stream and yields its events. Resolves `'complete'` when the server ends
   * the stream, `'dropped'` when the connection breaks; throws for errors the server sends.
   */
  async function* openStream<TResult>(
    document: Document,
    variables: unknown,
    options: SubscribeOptions,
    state: { ended?: 'complete' | 'dropped' },
  ): AsyncGenerator<GraphQLResult<TResult>> {
    const limit = requestSignal(options.signal, options.timeoutMs ?? timeoutMs);
    let response: Response;
    try {
      // A POST, not an EventSource: a GET must carry the CSRF header, which EventSource cannot send.
      response = await fetchImpl(String(url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers, ...options.headers },
        body: JSON.stringify(bodyFor(document, variables)),
        cache: 'no-store',
        signal: limit.signal,
      });
    } catch (error) {
      limit.done();
      throw failureOf(error, options.signal, limit.timedOut, options.timeoutMs ?? timeoutMs);
    }
    // The time limit covers opening the stream, not how long it stays open.
    limit.done();
    if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      // Refused before it started (a bad token, a malformed request): a JSON body with the errors.
      const text = await response.text();
      let errors: GraphQLErrorEntry[] = [{ message: `HTTP ${response.status}: not an event stream` }];
      try {
        const payload = JSON.parse(text) as unknown;
        if (isRecord(payload) && Array.isArray(payload.errors) && payload.errors.length > 0) errors = payload.errors as GraphQLErrorEntry[];
      } catch {
        // not JSON: keep the status message
      }
      throw new GraphQLRequestError({ status: response.status, errors });
    }
    options.onOpen?.();
    state.ended = 'dropped';
    try {
      for await (const { event, data } of serverSentEvents(response.body)) {
        if (event === 'complete') {
          state.ended = 'complete';
          return;
        }
        if (event !== 'next') continue;
        const payload = JSON.parse(data) as unknown;
        if (!isRecord(payload)) continue;
        const errors = Array.isArray(payload.errors) ? (payload.errors as GraphQLErrorEntry[]) : [];
        const extensions = isRecord(payload.extensions) ? (payload.extensions as ResponseExtensions) : {};
        if (errors.length > 0 || !isRecord(payload.data)) {
          state.ended = 'complete';
          throw new GraphQLRequestError({ status: response.status, errors: errors.length > 0 ? errors : [{ message: 'an event without data' }], data: payload.data, extensions });
        }
        yield { data: payload.data as TResult, extensions, datasetVersion: datasetVersionOf(extensions) };
      }
    } catch (error) {
      if (error instanceof GraphQLRequestError || options.signal?.aborted) throw error;
      // The connection broke while reading: a drop, retried when the caller asked for it.
      state.ended = 'dropped';
    }
  }

  return {
    async *subscribe<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...[variables, options = {}]: SubscribeArgs<TVariables>) {
      const attempts = options.reconnect ? (options.reconnect.attempts ?? 5) : 0;
      const baseDelay = options.reconnect?.delayMs ?? 1000;
      for (let failures = 0; ; ) {
        const state: { ended?: 'complete' | 'dropped' } = {};
        try {
          for await (const event of openStream<TResult>(document, variables, options, state)) {
            failures = 0;
            yield event;
          }
        } catch (error) {
          const failure = error instanceof GraphQLRequestError ? error : failureOf(error, options.signal, false, undefined);
          // Only a connection that could not be made is retried; what the server said is final.
          if (failure.code !== 'NETWORK_ERROR' || failures >= attempts) throw failure;
          state.ended = 'dropped';
        }
        if (state.ended === 'complete' || options.signal?.aborted) return;
        if (failures >= attempts) throw clientError('NETWORK_ERROR', 'The subscription\'s connection was lost');
        failures += 1;
        await sleep(Math.min(30_000, baseDelay * 2 ** (failures - 1)), options.signal);
        if (options.signal?.aborted) return;
        options.reconnect?.onReconnect?.(failures);
      }
    },
    async request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...[variables, options = {}]: RequestArgs<TVariables>) {
      const body = bodyFor(document, variables);
      const limit = requestSignal(options.signal, options.timeoutMs ?? timeoutMs);
      let response: Response;
      let text: string;
      try {
        response = await fetchImpl(String(url), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json, application/json;q=0.9',
            ...headers,
            ...options.headers,
          },
          body: JSON.stringify(body),
          signal: limit.signal,
        });
        text = await response.text();
      } catch (error) {
        throw failureOf(error, options.signal, limit.timedOut, options.timeoutMs ?? timeoutMs);
      } finally {
        limit.done();
      }

      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        // A proxy's HTML error page or an empty body: report the status and the start of the text.
        throw new GraphQLRequestError({ status: response.status, errors: [{ message: `HTTP ${response.status}: not a GraphQL response: ${text.slice(0, 200)}` }] });
      }
      if (!isRecord(payload)) {
        throw new GraphQLRequestError({ status: response.status, errors: [{ message: `HTTP ${response.status}: not a GraphQL response` }] });
      }
      const errors = Array.isArray(payload.errors) ? (payload.errors as GraphQLErrorEntry[]) : [];
      const extensions = isRecord(payload.extensions) ? (payload.extensions as ResponseExtensions) : {};
      if (errors.length > 0 || !response.ok || !isRecord(payload.data)) {
        throw new GraphQLRequestError({
          status: response.status,
          errors: errors.length > 0 ? errors : [{ message: `HTTP ${response.status}: a response without data` }],
          data: payload.data,
          extensions,
        });
      }
      return { data: payload.data as TResult, extensions, datasetVersion: datasetVersionOf(extensions) };
    },
  };
}
