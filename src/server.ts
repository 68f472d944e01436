/**
 * Builds the GraphQL server: schema, per-request context, GraphiQL from our own dependencies, limits,
 * CSRF prevention, CORS, the introspection policy, error masking, structured logs, health endpoints and
 * Prometheus metrics.
 * Tests import this and call `yoga.fetch`; `src/index.ts` only listens.
 */
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { getCORSHeadersByRequestAndOptions } from '@whatwg-node/server';
import { GraphQLError, getOperationAST, type ExecutionResult } from 'graphql';
import {
  createYoga,
  isAsyncIterable,
  maskError as yogaMaskError,
  type FetchAPI,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import { authenticate, CuratorTokens, useCuratorAuth, type Authentication } from './plugins/auth.js';
import { createContext, withFreshLoaders, type Context } from './context.js';
import { createDocumentCache, createValidationCache, defaultDocumentCacheOptions, type DocumentCacheOptions } from './plugins/document-cache.js';
import { codeForHttpStatus, ErrorCode } from './errors.js';
import { useExplorer } from './http/explorer.js';
import { exampleQuery } from './http/graphiql-example.js';
import { createJit, defaultJitOptions, type JitOptions } from './plugins/jit.js';
import { createMetrics, defaultMetricsOptions, type Metrics, type MetricsOptions } from './http/metrics.js';
import { datasetStampOf, type KnowledgeBase } from './kb/knowledge-base.js';
import { readsWithoutTransaction, snapshotOf, type RequestReads, type Snapshot, type SnapshotSource } from './kb/snapshot.js';
import { StoreUnavailableError } from './kb/reader.js';
import { createQueryLimits, defaultQueryLimits, type QueryLimits } from './plugins/limits.js';
import { createLogger, createRequestLog, yogaLoggerFor, type Logger, type RequestIdContext, type RequestLog } from './logging.js';
import { defaultHttpLimits, useRequestBodyLimit } from './http/listener.js';
import { usePersistedDocuments, type PersistedDocumentsOptions } from './plugins/persisted-documents.js';
import { createPlainQueryRunner, type PlainQueryRunner } from './http/plain-query.js';
import { useRequestHygiene } from './http/request-hygiene.js';
import { createResponseCache, defaultResponseCacheOptions, type ResponseCache, type ResponseCacheOptions } from './http/response-cache.js';
import { schema } from './schema/index.js';
import type { KnowledgeStore } from './store/knowledge-store.js';
import type { DraftRecordSource } from './authoring/draft/scoped.js';
import type { PostgresWriter } from './store/postgres/writer.js';
import { changesOfStore, createChangeFeed, defaultSubscriptionLimits, type SubscriptionLimits } from './subscriptions.js';

/** The header a GET or simple POST must carry (any value) to pass the CSRF check. */
const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** Large enough for any real query with variables, small enough that a flood of bodies cannot hurt. */
export const DEFAULT_MAX_BODY_BYTES = defaultHttpLimits.maxBodyBytes;

export interface ServerOptions {
  /** A fixed knowledge base to serve read-only. Give this, `store` or `database`. */
  kb?: KnowledgeBase;
  /** A writable store: mutations change it, and each request reads its snapshot of the moment. */
  store?: KnowledgeStore;
  /** A knowledge base in a database (PostgreSQL): each request reads the snapshot current when it arrives. */
  database?: SnapshotSource & { poolUse?(): { total: number; idle: number; waiting: number }; writer?: PostgresWriter; draftRecords?: DraftRecordSource };
  /** The curators allowed to mutate; none by default (then every mutation is refused with 401). */
  curatorTokens?: CuratorTokens;
  /** Include original messages of unexpected errors in responses. Off unless asked for; NODE_ENV never turns it on. */
  exposeErrorDetails?: boolean;
  /** Where structured logs go; defaults to an 'info' pino logger on stdout. Tests pass a silent one. */
  logger?: Logger;
  /** Limits checked before a query runs. */
  limits?: QueryLimits;
  /** Whether the schema can be introspected (GraphiQL's docs and autocomplete need it). On by default. */
  introspection?: boolean;
  /** Origins allowed by CORS: '*' for any (the default; the API is public and read-only), or a list. */
  corsOrigins?: '*' | string[];
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Whole-response cache keyed to the dataset version, with ETags; false turns it off. */
  responseCache?: ResponseCacheOptions | false;
  /** Hash-only requests for the manifest's documents; with `only`, nothing else runs (allow-list mode). */
  persistedDocuments?: PersistedDocumentsOptions;
  /** Compile repeated query documents with graphql-jit (src/plugins/jit.ts); false runs every query on the executor. */
  jit?: JitOptions | false;
  /** Caps on open subscriptions and on the changes waiting for one subscriber. */
  subscriptions?: SubscriptionLimits;
  /** Bounds on the parsed documents kept by query text. */
  documentCache?: DocumentCacheOptions;
  /** Prometheus metrics at /metrics (src/http/metrics.ts), on by default; false turns them and the endpoint off. */
  metrics?: MetricsOptions | false;
}

export type NewsgraphYoga = YogaServerInstance<object, Context>;

/**
 * The GraphQL server and what the HTTP listener (src/http/listener.ts) needs beside it, as values:
 * the response cache it answers hits from, and the request log it writes those answers to.
 */
export interface Newsgraph {
  /** The GraphQL pipeline; tests call `yoga.fetch`. */
  yoga: NewsgraphYoga;
  /** Undefined when the response cache is off. */
  responseCache?: ResponseCache;
  requestLog: RequestLog;
  /** Undefined when metrics are off; the listener counts the answers and refusals it sends itself. */
  metrics?: Metrics;
  /**
   * The CORS headers yoga would add for a request with these headers, for answers the listener sends
   * itself: a browser shows a cross-origin refusal (413, 405, …) only when it carries them.
   */
  corsHeaders(header: (name: string) => string | undefined): Record<string, string>;
  /**
   * Runs a request the listener has read through yoga, with the address of the client that sent it
   * (subscriptions are capped per client). Requests made with `yoga.fetch` count as one client, 'local'.
   */
  handle(request: Request, clientAddress: string | undefined): Promise<Response> | Response;
  /** Answers the common request, a plain JSON query, without yoga (src/http/plain-query.ts); it hands everything else back. */
  plainQueries: PlainQueryRunner;
}

/** `result` with `extensions.dataset`: the version and load time of the snapshot that answered. */
function withDataset(result: ExecutionResult, snapshot: Snapshot): ExecutionResult {
  return { ...result, extensions: { ...result.extensions, dataset: datasetStampOf(snapshot.info) } };
}

/**
 * Adds `extensions.dataset` (version and load time) to every response, errors included, and to every
 * subscription event, so clients and caches can tell when the knowledge changed.
 */
function useDatasetExtension(snapshotFor: (request: Request) => Snapshot): Plugin {
  return {
    onResultProcess({ request, result, setResult }) {
      const snapshot = snapshotFor(request);
      if (Array.isArray(result)) setResult(result.map((each) => withDataset(each, snapshot)));
      else if (!isAsyncIterable(result)) setResult(withDataset(result, snapshot));
    },
    // Each event is resolved against reads that hold its change (src/schema/live.ts moves the context
    // there), so it carries the version it read, not the one the subscription began with. Those reads
    // (a database transaction) end with the event: a subscriber waiting for the next holds no connection.
    onSubscribe: () => ({
      onSubscribeResult: ({ args }) => {
        const context = args.contextValue as unknown as Context;
        return {
          onNext: ({ result, setResult }) => {
            context.endReads?.();
            setResult(withDataset(result, context.snapshot));
          },
          // After the last event: reads opened for one still being resolved are ended by onNext above.
          onEnd: () => context.endReads?.(),
        };
      },
    }),
  };
}

/**
 * Ends each request's reads (its database transaction, see SnapshotSource.openReads) once it is
 * answered, however it ended: a result, an error thrown by a plugin, a subscription set up (each of
 * its events reads in a transaction of its own). A mutation's end as it begins: its changes read and
 * check the records in transactions of their own, on connections of their own, and its payload is
 * read in a transaction opened after them (the request's latest reads, ended here too).
 */
function useRequestReadsEnd(readsOf: (request: Request) => RequestReads | undefined): Plugin {
  return {
    onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation === 'mutation') (args.contextValue as unknown as Context).endReads?.();
    },
    onResponse({ request }) {
      readsOf(request)?.end();
    },
  };
}

/**
 * Logs each unexpected error in full, with the request id, before masking replaces it in the response.
 * Execution results are the only place both the original error and the request's context are at hand.
 */
function useUnexpectedErrorLog(logger: Logger): Plugin {
  return {
    onExecute({ args }) {
      const { requestId } = args.contextValue as RequestIdContext;
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          for (const error of result.errors ?? []) {
            const original = error.originalError;
            if (original && !(original instanceof GraphQLError)) {
              logger.error({ requestId, path: error.path, err: original }, 'unexpected error (masked in the response)');
            }
          }
        },
      };
    },
  };
}

/** Gives every error a code: unexpected ones are masked, coded ones pass, the rest get the code their kind implies. */
function maskAndCode(exposeErrorDetails: boolean) {
  return (error: unknown, message: string): Error => {
    // The database is down: a coded, retryable error instead of a masked one (the cause is logged).
    if (error instanceof GraphQLError && error.originalError instanceof StoreUnavailableError) {
      return new GraphQLError('The database cannot be reached at the moment; try again shortly', {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: ErrorCode.DATABASE_UNAVAILABLE },
      });
    }
    const masked = yogaMaskError(error, message, exposeErrorDetails);
    if (masked !== error || !(error instanceof GraphQLError)) return masked;
    // Yoga attaches the JSON parser's own message (which echoes the body) as originalError. Only the
    // name is kept: yoga's choice of 400 over 200 for a bad body depends on originalError being there.
    const original = error.extensions.originalError as { name?: unknown } | undefined;
    if (!exposeErrorDetails && original) (error.extensions as Record<string, unknown>).originalError = { name: original.name };
    if (error.extensions.code !== undefined) return error;
    const status = (error.extensions.http as { status?: number } | undefined)?.status;
    // An error located in the document (a variable of the wrong type) is the client's input; yoga's
    // HTTP-level errors (invalid JSON, a missing query) have no location and carry only a status.
    const locatedInDocument = (error.locations?.length ?? 0) > 0 || error.path !== undefined;
    // The code is added to this same error: yoga logs every error that maskError replaces as an
    // unexpected one, which would flood the error log with ordinary client mistakes.
    (error.extensions as Record<string, unknown>).code =
      locatedInDocument || status === undefined ? ErrorCode.BAD_USER_INPUT : codeForHttpStatus(status);
    return error;
  };
}

/**
 * Answers `endpoint` with what `check` returns, as yoga's useReadinessCheck does (a request whose URL
 * ends with the endpoint, or whose path is it; 503 with the message when the check throws), without
 * its URLPattern: the pattern matches exactly the requests whose path is the endpoint, and testing it
 * with the polyfill cost about 10 us on every request that is not a readiness check.
 */
function useReadiness(endpoint: string, check: (fetchAPI: FetchAPI) => Promise<Response>): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!request.url.endsWith(endpoint) && url.pathname !== endpoint) return;
      try {
        endResponse(await check(fetchAPI));
      } catch (error) {
        const isError = error instanceof Error;
        endResponse(new fetchAPI.Response(isError ? error.message : null, { status: 503, headers: isError ? { 'content-type': 'text/plain; charset=utf-8' } : {} }));
      }
    },
  };
}

/** Without a token list every token is refused. */
const noCurators = new CuratorTokens([]);


/** Builds the server: schema, context, plugins, and the caches and logs the listener shares. */
export function createNewsgraph({
  kb,
  store,
  database,
  curatorTokens,
  exposeErrorDetails = false,
  logger = createLogger('info'),
  limits = defaultQueryLimits,
  introspection = true,
  corsOrigins = '*',
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  responseCache = defaultResponseCacheOptions,
  persistedDocuments,
  jit = defaultJitOptions,
  subscriptions = defaultSubscriptionLimits,
  documentCache = defaultDocumentCacheOptions,
  metrics: metricsOptions = defaultMetricsOptions,
}: ServerOptions): Newsgraph {
  if ([kb, store, database].filter((given) => given !== undefined).length !== 1) throw new Error('createNewsgraph needs one of `kb`, `store` or `database`');
  const currentSnapshot = (): Snapshot => (database ? database.current() : snapshotOf(store?.current ?? kb!));
  // Each request reads the snapshot current when it arrived (or the one its own mutation made), from
  // its response-cache lookup to its last resolver.
  const snapshots = new WeakMap<Request, Snapshot>();
  const snapshotFor = (request: Request): Snapshot => {
    let snapshot = snapshots.get(request);
    if (!snapshot) snapshots.set(request, (snapshot = currentSnapshot()));
    return snapshot;
  };
  // The reads a request opened (a database transaction), ended once it is answered.
  const requestReads = new WeakMap<Request, RequestReads>();
  const authentications = new WeakMap<Request, Authentication>();
  const authenticationOf = (request: Request): Authentication => {
    let authentication = authentications.get(request);
    if (!authentication) {
      authentication = authenticate(request.headers.get('authorization'), curatorTokens ?? noCurators);
      authentications.set(request, authentication);
    }
    return authentication;
  };
  // The address each request the listener hands over came from, for the per-client subscription cap.
  // Not passed to yoga as a server context: yoga copies a given server context property by property
  // for every request (~9 us of a small query), and only a subscription ever reads the address.
  const clientAddresses = new WeakMap<Request, string>();
  const changeSource = store ? changesOfStore(store) : database;
  const changes = changeSource ? createChangeFeed(changeSource, subscriptions) : undefined;
  const requestLog = createRequestLog(logger);
  // No credentials: curators send a bearer token, which needs none, and with any origin allowed
  // (the default) a credentialed answer would let every site read with a visitor's cookies.
  const cors = { origin: corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', CSRF_HEADER, 'x-request-id'], maxAge: 600, credentials: false };
  const parsed = createDocumentCache(documentCache);
  // The text of every persisted document: a request by hash runs exactly this text, and so does a
  // client sending the same text in full.
  const persistedTexts = new Set<string>(persistedDocuments?.documents.byHash.values() ?? []);
  const cache = responseCache
    ? createResponseCache({ snapshotFor, current: currentSnapshot, store }, { ...responseCache, maxEntryBytes: Math.min(responseCache.maxEntryBytes, maxBodyBytes) })
    : undefined;
  const graphqlEndpoint = '/graphql';
  const metrics = metricsOptions ? createMetrics({ graphqlEndpoint, current: currentSnapshot, responseCache: cache, changes, databasePool: database?.poolUse?.bind(database) }, metricsOptions) : undefined;
  const queryLimits = createQueryLimits(limits, parsed.hasDocument);
  const validation = createValidationCache();
  // The executor's fallback runs with fresh loaders over the same snapshot, as if graphql-jit had not run.
  // Documents of the persisted-documents manifest are compiled on their first execution.
  const compiler = jit ? createJit(jit, (context) => withFreshLoaders(context as Context), (document) => persistedTexts.has(document.loc?.source.body ?? '')) : undefined;
  const yoga = createYoga<object, Context>({
    schema,
    context: (initialContext: { request: Request }) => {
      const { request } = initialContext;
      const authentication = authenticationOf(request);
      const contextOf = (reads: RequestReads) =>
        createContext(reads.snapshot, {
          store,
          writer: database?.writer,
          draftRecords: database?.draftRecords,
          changes,
          // Requests made with `yoga.fetch` share one address.
          client: clientAddresses.get(request) ?? 'local',
          curator: 'curator' in authentication ? authentication.curator : undefined,
          onReads: (next) => {
            snapshots.set(request, next.snapshot);
            requestReads.set(request, next);
          },
          endReads: reads.end,
          openReads: database ? () => database.openReads() : undefined,
        });
      if (!database) return contextOf(readsWithoutTransaction(snapshotFor(request)));
      // A database's request reads in one transaction, whose snapshot may be newer than the one its
      // cached answer was looked up under: its answer is stamped with the one it read.
      return database.openReads().then((reads) => {
        requestReads.set(request, reads);
        snapshots.set(request, reads.snapshot);
        return contextOf(reads);
      });
    },
    graphqlEndpoint,
    healthCheckEndpoint: '/health',
    parserAndValidationCache: parsed,
    landingPage: false,
    batching: false,
    // Enforced by useRequestBodyLimit below, which skips re-counting bodies src/http/listener.ts has read.
    maxRequestBodySize: false,
    cors,
    logging: yogaLoggerFor(logger),
    // GraphiQL runs subscriptions as GETs (server-sent events), which the CSRF check refuses without
    // its header; the page is served from this origin, so it may send it.
    graphiql: introspection ? { title: 'newsgraph · GraphiQL', defaultQuery: exampleQuery, additionalHeaders: { [CSRF_HEADER]: '1' } } : false,
    renderGraphiQL,
    maskedErrors: { isDev: exposeErrorDetails, maskError: maskAndCode(exposeErrorDetails) },
    plugins: [
      // First: a later plugin's onResponse that throws stops the ones after it.
      useRequestReadsEnd((request) => requestReads.get(request)),
      requestLog.plugin,
      // Before anything that reads a GraphQL request: /metrics is answered here, and is not one.
      ...(metrics ? [metrics.plugin] : []),
      useRequestHygiene(graphqlEndpoint, CSRF_HEADER),
      useExplorer({ logger }),
      useCuratorAuth(authenticationOf),
      ...(cache ? [cache.plugin] : []),
      // A GET (or form POST) needs the x-graphql-yoga-csrf header, so a page on another site cannot make a
      // visitor's browser send a query without a CORS preflight. JSON POSTs are preflighted anyway.
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
      queryLimits.plugin,
      usePersistedDocuments(persistedDocuments),
      ...(introspection ? [] : [useDisableIntrospection(), blockFieldSuggestionsPlugin()]),
      ...(compiler ? [compiler.plugin] : []),
      useUnexpectedErrorLog(logger),
      useDatasetExtension(snapshotFor),
      useReadiness('/ready', async (fetchAPI) => {
        await database?.checkReadiness();
        const current = currentSnapshot();
        return fetchAPI.Response.json({
          status: 'ready',
          dataset: { version: current.info.version, loadedAt: current.info.loadedAt.toISOString(), counts: await current.reader.recordCounts() },
        });
      }),
      // Last, as yoga's own limit is: after every plugin that could register a request parser.
      useRequestBodyLimit(maxBodyBytes),
      // Where yoga's own validation cache would be: after every plugin that adds a rule.
      validation.plugin,
    ],
  });
  const corsHeaders = (header: (name: string) => string | undefined) =>
    getCORSHeadersByRequestAndOptions({ headers: { get: (name: string) => header(name) ?? null } } as Request, cors) ?? {};
  // Read once: the yoga instance is a Proxy that binds the method anew on every read.
  const handleRequest = yoga.handleRequest;
  const handle = (request: Request, clientAddress: string | undefined) => {
    if (clientAddress !== undefined) clientAddresses.set(request, clientAddress);
    // No server context at all: yoga then makes a bare one instead of copying ours.
    return handleRequest(request, undefined as unknown as object);
  };
  const plainQueries = createPlainQueryRunner({
    schema,
    parsedDocument: parsed.documentCache.get,
    validation,
    limits: queryLimits,
    jit: compiler,
    openReads: () => (database ? database.openReads() : readsWithoutTransaction(currentSnapshot())),
    // The context yoga's factory above makes, for a query (which never moves to another snapshot).
    contextFor: (reads, curator, clientAddress) =>
      createContext(reads.snapshot, { store, writer: database?.writer, draftRecords: database?.draftRecords, changes, client: clientAddress ?? 'local', curator, endReads: reads.end }),
    authenticate: (header) => authenticate(header ?? null, curatorTokens ?? noCurators),
    responseCache: cache,
    requestLog,
    corsHeaders,
    persistedOnly: persistedDocuments?.only ?? false,
  });
  return { yoga, responseCache: cache, requestLog, metrics, corsHeaders, handle, plainQueries };
}
