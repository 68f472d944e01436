/**
 * Opening a connection from DATABASE_URL, with the store's coded errors: a missing or malformed URL and
 * an unreachable server are one clear line each.
 */
import pg from 'pg';
import { PostgresStoreError, storeErrorOf } from './errors.js';

/** How long to wait for the server before calling it unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The host and database of a connection string, for messages: never its password. */
export function describeDatabaseUrl(url: URL): string {
  const host = url.hostname || new URLSearchParams(url.search).get('host') || 'the local socket';
  return `${host}${url.port ? `:${url.port}` : ''}/${decodeURIComponent(url.pathname.slice(1)) || '(default database)'}`;
}

/** Checks a connection string's form: a postgres:// or postgresql:// URL. */
export function parseDatabaseUrl(value: string | undefined): URL {
  if (value === undefined || value.trim() === '') {
    throw new PostgresStoreError('DATABASE_URL_MISSING', 'DATABASE_URL is not set; set it to a connection string such as postgresql://user:password@localhost:5432/newsgraph');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PostgresStoreError('DATABASE_URL_INVALID', 'DATABASE_URL is not a URL; expected a connection string such as postgresql://user:password@localhost:5432/newsgraph');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new PostgresStoreError('DATABASE_URL_INVALID', `DATABASE_URL must start with postgresql:// or postgres://, not ${url.protocol}//`);
  }
  return url;
}

/** A connected client, or a PostgresStoreError saying why not. The caller ends it. */
export async function connect(databaseUrl: string | undefined): Promise<{ client: pg.Client; where: string }> {
  const url = parseDatabaseUrl(databaseUrl);
  const where = describeDatabaseUrl(url);
  const client = new pg.Client({ connectionString: url.href, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'newsgraph' });
  // An idle client whose server goes away emits 'error'; without a listener that would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw storeErrorOf(error, where);
  }
  return { client, where };
}
