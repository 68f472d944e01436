/** Environment variables, read once into one validated config object. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CuratorToken } from './plugins/auth.js';
import { DRAFT_MAX_RECORDS } from './authoring/draft/record-cap.js';
import { defaultHttpLimits, type HttpLimits } from './http/listener.js';
import { defaultMetricsOptions, type MetricsOptions } from './http/metrics.js';
import { KEPT_RECORDS } from './store/postgres/seen-records.js';
import { defaultSubscriptionLimits, type SubscriptionLimits } from './subscriptions.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /**
   * The PostgreSQL connection string (DATABASE_URL): set, the server reads the knowledge base from that
   * database instead of the data folder. Checked when the server connects, with one clear line.
   */
  databaseUrl: string | undefined;
  /** A read-only connection string (DATABASE_READ_URL, a streaming replica) that every read goes to; DATABASE_URL's server when unset. */
  databaseReadUrl: string | undefined;
  /** Include original error messages in masked errors. Never on unless NEWSGRAPH_EXPOSE_ERRORS=true. */
  exposeErrorDetails: boolean;
  /** Whether the schema can be introspected (and GraphiQL served). */
  introspection: boolean;
  /** Origins CORS allows: '*' or a list. */
  corsOrigins: '*' | string[];
  logLevel: LogLevel;
  /** The persisted-documents manifest read at startup. */
  persistedDocumentsFile: string;
  /** Allow-list mode: run only persisted documents, refuse query text. */
  persistedOnly: boolean;
  /** Curators who may mutate: names with SHA-256 hashes of their tokens (never the tokens). */
  curatorTokens: CuratorToken[];
  /** Pick up edits of the data files made while running. On unless NEWSGRAPH_WATCH=false. */
  watchData: boolean;
  /** Body size, timeouts and connection cap of the HTTP server. */
  http: HttpLimits;
  /** Caps on live subscriptions. */
  subscriptions: SubscriptionLimits;
  /**
   * With PostgreSQL, how many records read at the latest dataset generation are kept for the requests
   * that read it (NEWSGRAPH_KEPT_RECORDS; 0 keeps none across requests).
   */
  keptRecords: number;
  /** With PostgreSQL, how many records one draft of an article reads at most (NEWSGRAPH_DRAFT_MAX_RECORDS); a text naming more gets DRAFT_TOO_LARGE. */
  draftMaxRecords: number;
  /** Prometheus metrics at /metrics: on unless NEWSGRAPH_METRICS=off (then false), with the bearer token a scrape must send, if any. */
  metrics: MetricsOptions | false;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The folder holding package.json: found by walking up from this module, which is src/config.ts when
 * run from source and dist/index.mjs when run from the bundle `npm start` builds.
 */
export const projectRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 4000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a whole number from 0 to 65535, got "${value}"`);
  return port;
}

function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

/** Reads the config from `env`; throws ConfigError naming the variable when a value is invalid. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (env.DATABASE_READ_URL?.trim() && !env.DATABASE_URL?.trim()) {
    throw new ConfigError('DATABASE_READ_URL is set but DATABASE_URL is not: the read URL names a replica of the database DATABASE_URL names');
  }
  return {
    port: parsePort(env.PORT),
    host: env.HOST || 'localhost',
    dataDir: path.resolve(env.DATA_DIR || path.join(projectRoot, 'data')),
    databaseUrl: env.DATABASE_URL?.trim() ? env.DATABASE_URL.trim() : undefined,
    databaseReadUrl: env.DATABASE_READ_URL?.trim() ? env.DATABASE_READ_URL.trim() : undefined,
    exposeErrorDetails: parseBoolean('NEWSGRAPH_EXPOSE_ERRORS', env.NEWSGRAPH_EXPOSE_ERRORS),
    introspection: env.NEWSGRAPH_INTROSPECTION === undefined || env.NEWSGRAPH_INTROSPECTION === '' ? true : parseBoolean('NEWSGRAPH_INTROSPECTION', env.NEWSGRAPH_INTROSPECTION),
    corsOrigins: parseOrigins(env.NEWSGRAPH_CORS_ORIGINS),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    persistedDocumentsFile: path.resolve(env.NEWSGRAPH_PERSISTED_DOCUMENTS || path.join(projectRoot, 'packages/client/src/generated/persisted-documents.json')),
    persistedOnly: parseBoolean('NEWSGRAPH_PERSISTED_ONLY', env.NEWSGRAPH_PERSISTED_ONLY),
    curatorTokens: parseCuratorTokens(env.NEWSGRAPH_CURATOR_TOKENS),
    watchData: env.NEWSGRAPH_WATCH === undefined || env.NEWSGRAPH_WATCH === '' ? true : parseBoolean('NEWSGRAPH_WATCH', env.NEWSGRAPH_WATCH),
    http: readHttpLimits(env),
    subscriptions: {
      maxSubscriptions: parseCount(env, 'NEWSGRAPH_MAX_SUBSCRIPTIONS', defaultSubscriptionLimits.maxSubscriptions),
      maxSubscriptionsPerClient: parseCount(env, 'NEWSGRAPH_MAX_SUBSCRIPTIONS_PER_CLIENT', defaultSubscriptionLimits.maxSubscriptionsPerClient),
      maxPendingEvents: parseCount(env, 'NEWSGRAPH_SUBSCRIPTION_MAX_PENDING', defaultSubscriptionLimits.maxPendingEvents),
    },
    keptRecords: parseCount(env, 'NEWSGRAPH_KEPT_RECORDS', KEPT_RECORDS, 0),
    draftMaxRecords: parseCount(env, 'NEWSGRAPH_DRAFT_MAX_RECORDS', DRAFT_MAX_RECORDS, 1),
    metrics: parseMetrics(env.NEWSGRAPH_METRICS, env.NEWSGRAPH_METRICS_TOKEN),
  };
}

/** NEWSGRAPH_METRICS (on or off; true and false too) and NEWSGRAPH_METRICS_TOKEN. */
function parseMetrics(value: string | undefined, token: string | undefined): MetricsOptions | false {
  const setting = value?.trim().toLowerCase() ?? '';
  if (!['', 'on', 'off', 'true', 'false'].includes(setting)) throw new ConfigError(`NEWSGRAPH_METRICS must be on or off, got "${value!.slice(0, 40)}"`);
  const enabled = setting !== 'off' && setting !== 'false';
  if (token === undefined || token === '') return enabled && defaultMetricsOptions;
  // A token that would not be used is more likely a mistake than a wish.
  if (!enabled) throw new ConfigError('NEWSGRAPH_METRICS_TOKEN is set but NEWSGRAPH_METRICS is off: unset one of them');
  // The token is not echoed: it must not end up in a log.
  if (!/^[A-Za-z0-9._~+/=-]{16,200}$/.test(token)) {
    throw new ConfigError('NEWSGRAPH_METRICS_TOKEN must be 16 to 200 characters of letters, digits and ._~+/=- (a bearer token), such as `openssl rand -base64 32` prints');
  }
  return { ...defaultMetricsOptions, token };
}

function readHttpLimits(env: NodeJS.ProcessEnv): HttpLimits {
  const limits: HttpLimits = {
    maxBodyBytes: parseCount(env, 'NEWSGRAPH_MAX_BODY_BYTES', defaultHttpLimits.maxBodyBytes),
    headersTimeoutMs: parseCount(env, 'NEWSGRAPH_HEADERS_TIMEOUT_MS', defaultHttpLimits.headersTimeoutMs),
    requestTimeoutMs: parseCount(env, 'NEWSGRAPH_REQUEST_TIMEOUT_MS', defaultHttpLimits.requestTimeoutMs),
    keepAliveTimeoutMs: parseCount(env, 'NEWSGRAPH_KEEP_ALIVE_TIMEOUT_MS', defaultHttpLimits.keepAliveTimeoutMs),
    maxConnections: parseCount(env, 'NEWSGRAPH_MAX_CONNECTIONS', defaultHttpLimits.maxConnections),
    streamStallTimeoutMs: parseCount(env, 'NEWSGRAPH_STREAM_STALL_TIMEOUT_MS', defaultHttpLimits.streamStallTimeoutMs),
  };
  // Node refuses a header timeout longer than the request timeout, which includes the headers.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(`NEWSGRAPH_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not be more than NEWSGRAPH_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`);
  }
  return limits;
}

/** A whole number of at least 1 (bytes, milliseconds or a count), or `fallback` when unset. */
function parseCount(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum = 1): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < minimum) throw new ConfigError(`${name} must be a whole number of at least ${minimum}, got "${value.slice(0, 40)}"`);
  return number;
}

/** "alice:<64 hex digits>,bob:<64 hex digits>", as printed by `npm run token -- <name>`. */
function parseCuratorTokens(value: string | undefined): CuratorToken[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((entry) => {
    const match = /^\s*([A-Za-z0-9._@-]{1,64}):([0-9a-f]{64})\s*$/.exec(entry);
    if (!match) {
      // The entry is not echoed: a token pasted here by mistake must not end up in a log.
      throw new ConfigError('NEWSGRAPH_CURATOR_TOKENS must be a comma-separated list of name:sha256 entries (a name, a colon and the 64 hex digits of the token\'s SHA-256, as `npm run token -- <name>` prints)');
    }
    return { name: match[1]!, sha256: match[2]! };
  });
}

function parseOrigins(value: string | undefined): '*' | string[] {
  if (value === undefined || value.trim() === '' || value.trim() === '*') return '*';
  const origins = value.split(',').map((origin) => origin.trim()).filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError(`NEWSGRAPH_CORS_ORIGINS must be * or a comma-separated list of origins such as https://example.org, got "${origin}"`);
  }
  return origins;
}

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLogLevel(value: string | undefined): LogLevel {
  if (value === undefined || value === '') return 'info';
  if ((logLevels as readonly string[]).includes(value)) return value as LogLevel;
  throw new ConfigError(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${value}"`);
}
