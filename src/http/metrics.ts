/**
 * Prometheus metrics of one server (`createNewsgraph`), served at /metrics: GraphQL requests and their
 * latency by operation, errors by code, response-cache hits and misses, open subscriptions, the dataset
 * served, and the process's own metrics (CPU, memory, event loop, GC).
 *
 * Why prom-client with this small plugin and not @graphql-yoga/plugin-prometheus: that plugin times
 * each phase (parse, validate, context, execute) and walks every document for deprecated fields, it
 * labels requests by the operation name without bound, its errors are by phase rather than by
 * `extensions.code`, and it sees only requests yoga parses, so the answers the listener sends from the
 * response cache (most of the traffic) would be missing from the rates.
 *
 * Each server owns its registry, so servers in one process (tests make many) count apart. The process
 * metrics live in one registry per process, made when the first server is: they describe the process,
 * and each collector of them installs its own event-loop and GC observers.
 *
 * On the hot path a request costs a WeakMap entry, one `getOperationAST` and one histogram observation;
 * everything else (cache counts, subscriptions, the dataset) is read when Prometheus scrapes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { getOperationAST, type ExecutionResult, type GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { codeForHttpStatus, ErrorCode } from '../errors.js';
import type { Snapshot } from '../kb/snapshot.js';
import type { ChangeFeed } from '../subscriptions.js';
import type { ResponseCache } from './response-cache.js';

export const METRICS_PATH = '/metrics';

export interface MetricsOptions {
  /** A bearer token every scrape must send (401 without it); without one, /metrics answers anyone who reaches the port. */
  token?: string;
  /**
   * Distinct operation names that get a label value of their own, first come first served; later
   * names are counted as `other`. Names are the client's to choose, and each one is a set of series.
   */
  maxOperationNames: number;
}

export const defaultMetricsOptions: MetricsOptions = { maxOperationNames: 100 };

/** Where the scrape-time figures come from. */
export interface MetricsSources {
  graphqlEndpoint: string;
  /** The snapshot served now. */
  current: () => Snapshot;
  responseCache?: ResponseCache;
  /** Undefined on a read-only server, which has no subscriptions. */
  changes?: ChangeFeed;
  /** The database's connection pool, when the server reads PostgreSQL. */
  databasePool?: () => { total: number; idle: number; waiting: number };
}

export interface Metrics {
  /** This server's own metrics (the process's are beside them, in one registry per process). */
  registry: Registry;
  /** Serves /metrics and counts the GraphQL requests yoga answers. */
  plugin: Plugin;
  /**
   * Counts a successful query the listener answered itself (from the response cache, or run without
   * yoga), `seconds` after it arrived; `operationName` is undefined for an anonymous query.
   */
  observeQueryAnswer(operationName: string | undefined, seconds: number): void;
  /** Counts the error of a refusal the listener sent itself (413, 405, a bad Host, …). */
  countError(code: string): void;
  /** The exposition text: this server's metrics, then the process's. */
  text(): Promise<string>;
}

/** Label values for requests whose operation has no name, or was never known (no document, or no operation in it matched). */
const ANONYMOUS = 'anonymous';
const UNKNOWN = 'unknown';
const OTHER = 'other';

/** Answers from a cache hit take about 0.1 ms, a large query tens of ms. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Listener answers whose durations wait to be observed together (see `observeWaiting`). */
const OBSERVED_IN_BULK = 256;

const knownCodes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

let processRegistry: Registry | undefined;

/** The process's metrics (prom-client's defaults, under their usual names), collected once per process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

interface RequestMetrics {
  startedAt: number;
  operationName: string;
  operationType: string;
  /** Whether a GraphQL result (with its errors) was seen; a refusal made before one has only a status. */
  resultSeen: boolean;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function createMetrics({ graphqlEndpoint, current, responseCache, changes, databasePool }: MetricsSources, options: MetricsOptions = defaultMetricsOptions): Metrics {
  const registry = new Registry();
  const processRegistry = processMetrics();

  /**
   * Durations of the queries the listener answered itself (cache hits and plain queries, most requests
   * under load), observed in bulk: before every scrape and whenever `OBSERVED_IN_BULK` wait. One
   * observation cost about 0.5 us in a loop of them and 3-4 us made between a request's other work,
   * whose code and data had pushed prom-client's out of the processor's caches.
   */
  const waitingNames: string[] = [];
  const waitingSeconds: number[] = [];
  const observeWaiting = () => {
    for (let i = 0; i < waitingNames.length; i++) durations.observe({ operation_name: waitingNames[i]!, operation_type: 'query' }, waitingSeconds[i]!);
    waitingNames.length = 0;
    waitingSeconds.length = 0;
  };
  const durations = new Histogram({
    name: 'newsgraph_graphql_request_duration_seconds',
    help: 'Time to answer a GraphQL request (for a subscription, until its stream starts), by operation; its _count is the request count. Not /metrics, /health or pages.',
    labelNames: ['operation_name', 'operation_type'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
    collect: observeWaiting,
  });
  const errors = new Counter({
    name: 'newsgraph_graphql_errors_total',
    help: 'Errors in answers (and in subscription events), by extensions.code; refusals the HTTP listener sends itself included.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  new Counter({
    name: 'newsgraph_response_cache_lookups_total',
    help: 'Requests looked up in the response cache, by result: hit (answered from it, 304s included) or miss.',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, responseCache?.stats.hits ?? 0);
      this.inc({ result: 'miss' }, responseCache?.stats.misses ?? 0);
    },
  });
  if (responseCache) {
    const { stats } = responseCache;
    new Counter({
      name: 'newsgraph_response_cache_admissions_total',
      help: 'Answers to cache misses, by what the response cache did with them: kept; not_repeated (its request not asked for often enough yet); crowded_out (the cache full of answers asked for as often or more).',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ result: 'kept' }, stats.kept);
        this.inc({ result: 'not_repeated' }, stats.notRepeated);
        this.inc({ result: 'crowded_out' }, stats.crowdedOut);
      },
    });
    new Gauge({
      name: 'newsgraph_response_cache_entries',
      help: 'Answers the response cache holds now.',
      registers: [registry],
      collect() {
        this.set(stats.entries);
      },
    });
    new Gauge({
      name: 'newsgraph_response_cache_size_bytes',
      help: 'Bytes of the answers the response cache holds now.',
      registers: [registry],
      collect() {
        this.set(stats.bytes);
      },
    });
  }
  if (databasePool) {
    new Gauge({
      name: 'newsgraph_database_connections',
      help: 'Connections of the PostgreSQL pool, by state: idle, busy (running a query); and requests waiting for one.',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const { total, idle, waiting } = databasePool();
        this.set({ state: 'idle' }, idle);
        this.set({ state: 'busy' }, total - idle);
        this.set({ state: 'waiting' }, waiting);
      },
    });
  }
  new Gauge({
    name: 'newsgraph_subscriptions_open',
    help: 'Subscriptions open now.',
    registers: [registry],
    collect() {
      this.set(changes?.open ?? 0);
    },
  });
  new Gauge({
    name: 'newsgraph_dataset_info',
    help: 'The version of the dataset served now (always 1).',
    labelNames: ['version'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.set({ version: current().info.version }, 1);
    },
  });
  new Gauge({
    name: 'newsgraph_dataset_loaded_timestamp_seconds',
    help: 'When the dataset served now was loaded or last changed, in seconds since the epoch.',
    registers: [registry],
    collect() {
      this.set(current().info.loadedAt.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'newsgraph_dataset_records',
    help: 'Records in the dataset served now, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const counts = await current().reader.recordCounts();
      this.reset();
      for (const [kind, count] of Object.entries(counts)) this.set({ kind }, count);
    },
  });

  const names = new Set<string>();
  /** The label of an operation name: itself while there is room, then `other`. */
  const nameLabel = (name: string | undefined): string => {
    if (name === undefined) return ANONYMOUS;
    if (names.has(name)) return name;
    if (names.size >= options.maxOperationNames) return OTHER;
    names.add(name);
    return name;
  };
  // Codes are the server's own, but one outside the documented list (a dependency's) must not add series without end.
  const countCode = (code: unknown) => errors.inc({ code: typeof code === 'string' && knownCodes.has(code) ? code : 'OTHER' });
  const countErrorsOf = (result: ExecutionResult) => {
    if (result.errors) for (const error of result.errors) countCode((error as GraphQLError).extensions?.code);
  };

  const tokenHash = options.token === undefined ? undefined : sha256(options.token);
  const authorized = (header: string | null): boolean => {
    if (!tokenHash) return true;
    const token = header === null ? undefined : /^Bearer +(\S+) *$/i.exec(header)?.[1];
    // Hashes of equal length, compared in time that does not depend on where they differ.
    return token !== undefined && timingSafeEqual(sha256(token), tokenHash);
  };
  const text = async () => (await registry.metrics()) + (await processRegistry.metrics());

  const byRequest = new WeakMap<Request, RequestMetrics>();
  const plugin: Plugin = {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname === graphqlEndpoint) {
        byRequest.set(request, { startedAt: performance.now(), operationName: UNKNOWN, operationType: UNKNOWN, resultSeen: false });
        return;
      }
      if (url.pathname !== METRICS_PATH) return;
      const refuse = (status: number, code: ErrorCode, message: string, headers: Record<string, string>) =>
        endResponse(fetchAPI.Response.json({ errors: [{ message, extensions: { code } }] }, { status, headers: { 'cache-control': 'no-store', ...headers } }));
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        refuse(405, ErrorCode.BAD_REQUEST, 'Method Not Allowed: use GET', { allow: 'GET, HEAD' });
        return;
      }
      if (!authorized(request.headers.get('authorization'))) {
        refuse(401, ErrorCode.UNAUTHENTICATED, 'The metrics need a bearer token: send "Authorization: Bearer <token>"', { 'www-authenticate': 'Bearer realm="newsgraph metrics"' });
        return;
      }
      return text().then((body) => {
        endResponse(new fetchAPI.Response(body, { status: 200, headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } }));
      });
    },
    onValidate({ params, context }) {
      // The operation is known once the document is: even one that fails validation or authentication is counted under it.
      const { request, params: requestParams } = context as { request: Request; params?: { operationName?: string } };
      const state = byRequest.get(request);
      if (!state) return;
      const operation = getOperationAST(params.documentAST, requestParams?.operationName);
      if (!operation) return;
      state.operationType = operation.operation;
      state.operationName = nameLabel(operation.name?.value);
    },
    onResultProcess({ request, result }) {
      const state = byRequest.get(request);
      if (state) state.resultSeen = true;
      if (Array.isArray(result)) result.forEach(countErrorsOf);
      else if (!isAsyncIterable(result)) countErrorsOf(result);
    },
    // A subscription's events carry their own errors (SUBSCRIPTION_TOO_SLOW ends one).
    onSubscribe: () => ({
      onSubscribeResult: () => ({
        onNext: ({ result }) => countErrorsOf(result),
      }),
    }),
    onResponse({ request, response }) {
      const state = byRequest.get(request);
      if (!state) return;
      if (state.operationType === UNKNOWN) {
        // GraphiQL's page is not a GraphQL request.
        if (response.headers.get('content-type')?.startsWith('text/html')) return;
        const entry = responseCache?.entryAnswering(request);
        if (entry) {
          state.operationType = 'query';
          state.operationName = nameLabel(entry.operationName);
        } else if (!state.resultSeen && response.status >= 400) {
          // Refused before any GraphQL result was made (406, 415, …): the code its coded body carries.
          countCode(codeForHttpStatus(response.status));
        }
      }
      durations.observe({ operation_name: state.operationName, operation_type: state.operationType }, (performance.now() - state.startedAt) / 1000);
    },
  };

  return {
    registry,
    plugin,
    observeQueryAnswer: (operationName, seconds) => {
      waitingNames.push(nameLabel(operationName));
      waitingSeconds.push(seconds);
      if (waitingNames.length >= OBSERVED_IN_BULK) observeWaiting();
    },
    countError: countCode,
    text,
  };
}
