/**
 * The newsgraph client SDK: the shipped operations as typed documents (client/generated/, made by
 * `npm run codegen`) and a small fetch-based client that infers result and variable types from them.
 * It uses the global fetch, so it runs in browsers and in Node 20+. Import it as `newsgraph/client`.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';

export * from './generated/graphql.js';
export type { TypedDocumentNode, ResultOf, VariablesOf } from '@graphql-typed-document-node/core';

/** One entry of a GraphQL response's `errors`; newsgraph always sets `extensions.code`. */
export interface GraphQLErrorEntry {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

/** The response's `extensions`: newsgraph adds the dataset version, which changes exactly when the knowledge does. */
export interface ResponseExtensions {
  dataset?: { version: string; loadedAt: string };
  [key: string]: unknown;
}

export interface GraphQLResult<TResult> {
  data: TResult;
  extensions: ResponseExtensions;
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

  /** The first error's `extensions.code` ("NOT_FOUND", "BAD_USER_INPUT", …). */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
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
}

export interface RequestOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** Variables may be left out when the operation has none that are required. */
type RequestArgs<TVariables> = Record<string, never> extends TVariables
  ? [variables?: TVariables, options?: RequestOptions]
  : [variables: TVariables, options?: RequestOptions];

export interface SubscribeOptions extends RequestOptions {
  /** Called once the server has accepted the subscription and the stream is open. */
  onOpen?: () => void;
}

type SubscribeArgs<TVariables> = Record<string, never> extends TVariables
  ? [variables?: TVariables, options?: SubscribeOptions]
  : [variables: TVariables, options?: SubscribeOptions];

export interface Client {
  request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...args: RequestArgs<TVariables>): Promise<GraphQLResult<TResult>>;
  /**
   * Runs a subscription over server-sent events: each event the server announces, until the server
   * completes the stream, `options.signal` aborts, or the loop is left (which closes the connection).
   * An error event, or a refused request, is thrown as GraphQLRequestError. It does not reconnect: a
   * caller that wants to keep listening catches, waits and subscribes again (and fetches what it missed).
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

// Printing walks the whole document, and pages send the same few documents again and again.
const printed = new WeakMap<DocumentNode, string>();

function queryText(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

function operationName(document: DocumentNode): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind === 'OperationDefinition') return definition.name?.value;
  }
  return undefined;
}

/** The sha256 the client preset embeds as `__meta__.hash` ("sha256:<hex>"), as bare hex. */
function persistedHash(document: DocumentNode): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string') {
    throw new Error(`Document ${operationName(document) ?? '(anonymous)'} has no persisted hash; generate it with the client preset's persistedDocuments option.`);
  }
  return hash.replace(/^sha256:/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Creates a client for one endpoint. The global fetch is looked up per request, so a polyfill or mock installed later is used. */
export function createClient({ url, fetch: fetchImpl = (input, init) => globalThis.fetch(input, init), headers = {}, persisted = false }: ClientOptions): Client {
  const bodyFor = (document: DocumentNode, variables: unknown) =>
    persisted
      ? { operationName: operationName(document), variables, extensions: { persistedQuery: { version: 1, sha256Hash: persistedHash(document) } } }
      : { query: queryText(document), operationName: operationName(document), variables };
  return {
    async *subscribe<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...[variables, options = {}]: SubscribeArgs<TVariables>) {
      // A POST, not an EventSource: a GET must carry the CSRF header, which EventSource cannot send.
      const response = await fetchImpl(String(url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers, ...options.headers },
        body: JSON.stringify(bodyFor(document, variables)),
        cache: 'no-store',
        signal: options.signal,
      });
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
      for await (const { event, data } of serverSentEvents(response.body)) {
        if (event === 'complete') return;
        if (event !== 'next') continue;
        const payload = JSON.parse(data) as unknown;
        if (!isRecord(payload)) continue;
        const errors = Array.isArray(payload.errors) ? (payload.errors as GraphQLErrorEntry[]) : [];
        const extensions = isRecord(payload.extensions) ? (payload.extensions as ResponseExtensions) : {};
        if (errors.length > 0 || !isRecord(payload.data)) {
          throw new GraphQLRequestError({ status: response.status, errors: errors.length > 0 ? errors : [{ message: 'an event without data' }], data: payload.data, extensions });
        }
        yield { data: payload.data as TResult, extensions };
      }
    },
    async request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, ...[variables, options = {}]: RequestArgs<TVariables>) {
      const body = bodyFor(document, variables);
      const response = await fetchImpl(String(url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json;q=0.9',
          ...headers,
          ...options.headers,
        },
        body: JSON.stringify(body),
        signal: options.signal,
      });

      const text = await response.text();
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
      return { data: payload.data as TResult, extensions };
    },
  };
}
