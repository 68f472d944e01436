/**
 * Which store the behaviour tests run against. The `postgres` project of vitest.config.ts runs the
 * query tests again with NEWSGRAPH_TEST_STORE=postgres: `createTestServer` then serves the same
 * fixture folder from a PostgreSQL database (migrated and filled by `db:import`'s code), so both stores
 * answer the same queries and the same assertions check both.
 */
import pg from 'pg';
import { inject } from 'vitest';
import { PostgresKnowledge, type DatabaseOptions } from '../src/store/postgres/database.js';
import { importKnowledgeBase } from '../src/store/postgres/import.js';
import { migrate } from '../src/store/postgres/migrate.js';
import { PostgresReader, type PostgresReaderOptions } from '../src/store/postgres/reader.js';
import { createLogger } from '../src/logging.js';
import { withClient } from './postgres.js';

export type StoreUnderTest = 'memory' | 'postgres';

export const storeUnderTest: StoreUnderTest = process.env.NEWSGRAPH_TEST_STORE === 'postgres' ? 'postgres' : 'memory';

/** Migrates the (new, empty) database at `url` and imports the data folder `dir` into it, as db:migrate and db:import do. */
export async function fillDatabase(url: string, dir: string): Promise<void> {
  await withClient(url, async (client) => {
    await migrate(client, url);
    await importKnowledgeBase(client, url, dir);
  });
}

/**
 * A pool on a test database. When a test's server stops, its idle connections end with an error event
 * (57P01, terminated by the administrator), which a pool without a listener throws as an unhandled error.
 */
export function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

const databases = new Map<string, Promise<PostgresKnowledge>>();
let created = 0;

/** Closes the databases this test file opened (the project's setup file calls it after the file's tests). */
export async function closeDatabases(): Promise<void> {
  const opened = [...databases.values()];
  databases.clear();
  await Promise.all(opened.map(async (database) => (await database.catch(() => undefined))?.close()));
}

/** A database holding `dataDir`'s knowledge base, made once per folder and test file. */
export function databaseOf(dataDir: string): Promise<PostgresKnowledge> {
  let database = databases.get(dataDir);
  if (!database) {
    database = openDatabase(dataDir);
    databases.set(dataDir, database);
  }
  return database;
}

/**
 * A new database holding `dataDir`'s knowledge base, served through a reader with `readerOptions`
 * (`onQuery` to count statements). The caller closes it.
 */
export async function openDatabase(dataDir: string, readerOptions: PostgresReaderOptions = {}, databaseOptions: Pick<DatabaseOptions, 'keptRecords'> = {}): Promise<PostgresKnowledge> {
  return (await newDatabase(dataDir, readerOptions, databaseOptions)).database;
}

/** As `openDatabase`, with the new database's connection string (to export it, or to start a server process on it). */
export async function newDatabase(
  dataDir: string,
  readerOptions: PostgresReaderOptions = {},
  databaseOptions: Pick<DatabaseOptions, 'keptRecords'> = {},
): Promise<{ url: string; database: PostgresKnowledge }> {
  const serverUrl = new URL(inject('postgresUrl'));
  const name = `newsgraph_test_${process.pid}_${++created}`;
  const admin = new pg.Client({ connectionString: serverUrl.href });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE newsgraph_template`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl.href);
  url.pathname = `/${name}`;
  await fillDatabase(url.href, dataDir);
  const database = await PostgresKnowledge.open(url.href, {
    logger: createLogger('silent'),
    readerFor: (pool, where) => new PostgresReader(pool, { where, ...readerOptions }),
    ...databaseOptions,
  });
  return { url: url.href, database };
}
