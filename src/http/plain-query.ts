/**
 * The common request, answered without yoga's pipeline: a JSON POST to the GraphQL endpoint of a
 * query whose document yoga has already parsed and validated, that runs without an error. Most of a
 * small query's time was yoga's own (building a Request and a Response, running every hook, choosing
 * a result processor): for a node lookup about 190 of its 270 us. Here the same steps are one straight
 * line of calls into the same parts yoga's plugins use:
 *
 *   body → params → parsed document (yoga's parse cache) → validation result (kept per document) →
 *   operation is a query → cost within the limit → the request's reads (a database transaction) and
 *   context → graphql-jit or the executor → reads ended → `extensions.dataset` → response cache → bytes
 *
 * Whatever does not fit that line is handed to yoga, which answers every request; only slower:
 * - a body that is not a JSON object with `query` and at most `variables` and `operationName`
 *   (persisted-document hashes, `extensions`, `documentId`), or a server in allow-list mode;
 * - a Content-Type other than `application/json`, or an Accept header under which yoga would not
 *   answer with JSON (see `answerTypeFor`) or that request hygiene refuses (406); an Origin beyond ASCII;
 * - a document yoga has not parsed and validated yet (every document's first request), or one that
 *   failed either; an operation that is not a query; a cost over the limit;
 * - an Authorization header that does not name a curator;
 * - any result with an error: yoga runs the query again and answers as it always has (masked,
 *   coded, logged), so no error is ever shaped here. Queries change nothing, so running one twice
 *   costs time, not correctness, and only on requests that fail.
 * test/plain-query.test.ts holds both paths to the same status, headers and bytes.
 */
import { execute, getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Context } from '../context.js';
import { datasetStampOf } from '../kb/knowledge-base.js';
import type { RequestReads } from '../kb/snapshot.js';
import type { RequestLog, RequestState } from '../logging.js';
import type { Authentication } from '../plugins/auth.js';
import type { ValidationCache } from '../plugins/document-cache.js';
import type { Jit, MaybePromise } from '../plugins/jit.js';
import type { QueryLimitsCheck } from '../plugins/limits.js';
import type { Curator } from '../store/edits.js';
import { acceptsSomething, corsAndVaryHeaders } from './request-hygiene.js';
import { ifNoneMatchMatches, type Lookup, type ResponseCache } from './response-cache.js';

/** What the plain path needs of the server: the same parts yoga's plugins use, as values. */
export interface PlainQueryParts {
  schema: GraphQLSchema;
  /** Yoga's parse cache: the document parsed from a query text, if it holds one. */
  parsedDocument(text: string): DocumentNode | undefined;
  validation: ValidationCache;
  limits: QueryLimitsCheck;
  /** Undefined when graphql-jit is off. */
  jit?: Jit;
  /** Opens a request's reads, as yoga's context factory does: synchronously for an in-memory snapshot. */
  openReads(): MaybePromise<RequestReads>;
  /** The context of a request, as yoga's context factory makes it. */
  contextFor(reads: RequestReads, curator: Curator | undefined, clientAddress: string | undefined): Context;
  authenticate(header: string | undefined): Authentication;
  responseCache?: ResponseCache;
  requestLog: RequestLog;
  /** The CORS headers of an answer to a request with these headers. */
  corsHeaders(header: (name: string) => string | undefined): Record<string, string>;
  /** Allow-list mode: only persisted documents run, and those are yoga's to look up. */
  persistedOnly: boolean;
}

/** An answer the listener sends as it is. */
export interface PlainAnswer {
  status: 200 | 304;
  /** Header names and values, alternating (what `writeHead` takes). */
  headers: string[];
  /**
   * Undefined for a 304. The stored bytes when the response cache kept the answer, else its JSON text:
   * Node writes a string body together with the header block, a Buffer as a second chunk.
   */
  body?: Uint8Array | string;
  /** The query's own name, for the metrics (undefined when anonymous). */
  operationName?: string;
  /** For the request's log line. */
  log: RequestState;
}

type AnswerType = 'application/json' | 'application/graphql-response+json';

const regularTypes: readonly AnswerType[] = ['application/graphql-response+json', 'application/json'];
/** Yoga's result processors in the order it tries them, with the media types each answers with. */
const processorTypes: readonly (readonly string[])[] = [['text/event-stream'], ['multipart/mixed'], regularTypes];

/**
 * The media type yoga answers a query's result with under this Accept header, or undefined when it
 * would not answer with JSON. The same walk as yoga's result-processor plugin (graphql-yoga 5,
 * plugins/use-result-processor.js with result-processor/accept.js): the header's types, last first,
 * those with a charset other than UTF-8 dropped, against each processor's types; the last match wins.
 */
export function answerTypeFor(accept: string | undefined): AnswerType | undefined {
  const asked: string[] = [];
  for (const part of (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',')) {
    const [type, ...params] = part.split(';');
    const charset = params.find((param) => param.includes('charset=')) ?? 'charset=utf-8';
    if (charset === 'charset=utf-8') asked.push(type!);
  }
  asked.reverse();
  let chosen: string | undefined;
  for (const types of processorTypes) {
    for (const askedType of asked) {
      const [askedMain, askedSub] = askedType.split('/');
      for (const type of types) {
        const [main, sub] = type.split('/');
        // Wildcards count on the asked side only ("*/*", "application/*").
        if ((askedMain === '*' || askedMain === main) && (askedSub === '*' || askedSub === sub)) chosen = type;
      }
    }
  }
  return chosen === 'application/json' || chosen === 'application/graphql-response+json' ? chosen : undefined;
}

/** The parameters of a plain query, or undefined for a body yoga should read. */
function plainParams(body: Buffer): { query: string; variables?: Record<string, unknown>; operationName?: string } | undefined {
  let params: unknown;
  try {
    params = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return undefined;
  let keys = 0;
  const { query, variables, operationName } = params as Record<string, unknown>;
  for (const _key in params) keys += 1;
  if (typeof query !== 'string') return undefined;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  // Anything else (extensions, documentId) is for yoga's plugins to read.
  const known = 1 + (variables !== undefined ? 1 : 0) + (operationName !== undefined ? 1 : 0);
  if (keys !== known) return undefined;
  return { query, variables: (variables ?? undefined) as Record<string, unknown> | undefined, operationName: (operationName ?? undefined) as string | undefined };
}

/** Answer types by Accept header: a server sees a handful of distinct headers, worked out once each. */
const MAX_ACCEPT_HEADERS = 64;

/** Runs plain queries without yoga; `run` returns undefined for every request it leaves to yoga. */
export function createPlainQueryRunner(parts: PlainQueryParts) {
  const { schema, validation, limits, jit, responseCache, requestLog } = parts;
  const answerTypes = new Map<string, AnswerType | undefined>();
  const answerTypeOf = (accept: string | undefined): AnswerType | undefined => {
    const key = accept ?? '';
    if (answerTypes.has(key)) return answerTypes.get(key);
    // The 406 of request hygiene comes first: yoga never reaches its result processors for those.
    const type = accept === undefined || acceptsSomething(accept) ? answerTypeFor(accept) : undefined;
    if (answerTypes.size >= MAX_ACCEPT_HEADERS) answerTypes.clear();
    answerTypes.set(key, type);
    return type;
  };

  /**
   * The answer to a POST to the endpoint with these headers and body, or undefined to hand the request
   * to yoga. `found` is what the response cache said of it (a miss), `clientAddress` who sent it.
   */
  const run = (headers: Record<string, string | undefined>, body: Buffer, found: Lookup | undefined, clientAddress: string | undefined): MaybePromise<PlainAnswer | undefined> => {
    if (parts.persistedOnly) return undefined;
    const contentType = headers['content-type'];
    if (contentType !== 'application/json' && contentType !== 'application/json; charset=utf-8') return undefined;
    const answerType = answerTypeOf(headers.accept);
    if (!answerType) return undefined;
    const corsAndVary = corsAndVaryHeaders(parts.corsHeaders, headers);
    if (!corsAndVary) return undefined;
    const authentication = parts.authenticate(headers.authorization);
    if ('error' in authentication) return undefined;
    const params = plainParams(body);
    if (!params) return undefined;
    const document = parts.parsedDocument(params.query);
    if (!document || validation.resultFor(document)?.length !== 0) return undefined;
    const operation = getOperationAST(document, params.operationName);
    if (operation?.operation !== 'query') return undefined;
    const args: ExecutionArgs = { schema, document, operationName: params.operationName, variableValues: params.variables };
    if (limits.overCost(args)) return undefined;

    const log = requestLog.start(headers['x-request-id']);
    if (params.operationName !== undefined) log.operationName = params.operationName.slice(0, 100);
    const executeWith = (reads: RequestReads): MaybePromise<PlainAnswer | undefined> => {
      const { snapshot } = reads;
      let result: MaybePromise<ExecutionResult>;
      try {
        args.contextValue = parts.contextFor(reads, authentication.curator, clientAddress);
        const prepared = jit?.prepare(schema, document, params.operationName);
        result = prepared ? prepared(args, execute) : execute(args);
      } catch {
        reads.end();
        // Whatever went wrong (a compile that threw, a bug), yoga runs the request and answers it as it does every failure.
        return undefined;
      }
      const answer = (done: ExecutionResult): PlainAnswer | undefined => {
        reads.end();
        if (done.errors?.length || done.data == null || done.extensions) return undefined;
        const text = JSON.stringify({ data: done.data, extensions: { dataset: datasetStampOf(snapshot.info) } });
        const type = `${answerType}; charset=utf-8`;
        const answerHeaders: string[] = ['content-type', type, ...corsAndVary, 'x-request-id', log.id];
        const operationName = operation.name?.value;
        if (responseCache && found) {
          const revalidation = headers['if-none-match'];
          const kept = responseCache.keepAnswer(found, text, type, operationName, revalidation !== undefined);
          if (kept === 'counted') answerHeaders.push('x-cache', 'miss');
          else if (kept !== 'refused') {
            answerHeaders.push('x-cache', 'miss', 'etag', kept.etag);
            // The length of the body left out, as yoga's 304 for a fresh entry says.
            if (ifNoneMatchMatches(revalidation, kept.etag)) return { status: 304, headers: [...answerHeaders, 'content-length', String(kept.body.byteLength)], operationName, log };
            answerHeaders.push('content-length', String(kept.body.byteLength));
            return { status: 200, headers: answerHeaders, body: kept.body, operationName, log };
          }
        }
        answerHeaders.push('content-length', String(Buffer.byteLength(text)));
        return { status: 200, headers: answerHeaders, body: text, operationName, log };
      };
      return result instanceof Promise
        ? result.then(answer, () => {
            reads.end();
            return undefined;
          })
        : answer(result);
    };
    const reads = parts.openReads();
    return reads instanceof Promise ? reads.then(executeWith, () => undefined) : executeWith(reads);
  };
  return { run };
}

export type PlainQueryRunner = ReturnType<typeof createPlainQueryRunner>;
