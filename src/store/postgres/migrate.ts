/**
 * Applies the numbered SQL files of `migrations/` that a database has not had yet, in order, each in its
 * own transaction together with its row in `schema_migrations`: a file that fails leaves the database as
 * it was before that file. A session advisory lock makes concurrent runs (two replicas starting) take
 * turns, so each file is applied once. A file already applied is checked against its recorded checksum:
 * editing a released migration is refused, since databases that ran the old text would silently differ.
 *
 * Hand-written rather than a library: node-pg-migrate can run .sql files but brings its own CLI, logger
 * and table conventions, and Kysely's Migrator wants migrations as code; this is the whole job in a page,
 * with our error codes.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { projectRoot } from '../../config.js';
import { PostgresStoreError, storeErrorOf } from './errors.js';
import { searchIndexStatements } from './search.js';
import { fillCoverage, fillDraftKeys } from './rows.js';

/**
 * The migrations shipped with the code, found from the project folder: a path relative to this module
 * is wrong in the bundle `npm start` runs (dist/index.mjs), where it pointed at /migrations.
 */
export const migrationsDir = path.join(projectRoot, 'migrations');

/** An arbitrary constant shared by every migrator of this application ("newsgraph" in ASCII, shortened to fit a bigint). */
const MIGRATION_LOCK_KEY = 0x6e657773_67726170n;

const fileNamePattern = /^(\d{4})_[a-z0-9_]+\.sql$/;

/**
 * Statements (or functions) run right after a migration, in its transaction, that fill the tables it
 * adds from rows the database already holds, where the rule lives in code rather than SQL: a database
 * imported before the migration then searches (0006) and takes writes (0007) at once, without a new
 * `db:import`.
 */
const backfills: Readonly<Record<string, readonly (string | ((client: pg.Client) => Promise<void>))[]>> = {
  '0006_search_postings.sql': searchIndexStatements,
  '0007_writes.sql': [fillCoverage],
  '0008_article_sources.sql': [fillDraftKeys],
};

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** The migration files of `directory`, in version order. */
export async function readMigrations(directory = migrationsDir): Promise<Migration[]> {
  // Not through storeErrorOf: a missing folder (ENOENT) is not an unreachable database.
  const files = await readdir(directory).catch((error: unknown) => {
    throw new PostgresStoreError('MIGRATION_FAILED', `cannot read the migrations in ${directory}: ${(error as Error).message}`, { cause: error });
  });
  const names = files.filter((name) => fileNamePattern.test(name)).sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    const sql = await readFile(path.join(directory, name), 'utf8');
    const version = Number(fileNamePattern.exec(name)![1]);
    if (migrations.some((other) => other.version === version)) throw new PostgresStoreError('MIGRATION_FAILED', `two migration files have version ${version}: rename one`);
    migrations.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

export interface MigrationResult {
  /** File names applied by this run, in order. */
  applied: string[];
  /** File names found already applied. */
  alreadyApplied: string[];
}

/** Applies the pending migrations of `directory` to the database of `client`; a second run applies nothing. */
export async function migrate(client: pg.Client, where: string, directory = migrationsDir): Promise<MigrationResult> {
  const migrations = await readMigrations(directory);
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
  } catch (error) {
    throw storeErrorOf(error, where);
  }
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Map(
      (await client.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations')).rows.map((row) => [row.version, row]),
    );
    for (const migration of migrations) {
      const done = applied.get(migration.version);
      if (done) {
        if (done.checksum !== migration.checksum) {
          throw new PostgresStoreError('MIGRATION_CHANGED', `migration ${migration.name} was changed after it was applied (as ${done.name}); add a new migration instead of editing one`);
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      try {
        await client.query('BEGIN');
        // Requests hold `dataset` for their whole transaction (src/store/postgres/read-session.ts). Taken
        // first, it makes a migration wait for the requests in flight, whose snapshots would find a table
        // it rewrites empty, and the requests that arrive meanwhile wait for it.
        if ((await client.query<{ found: string | null }>(`SELECT to_regclass('dataset') AS found`)).rows[0]!.found) {
          await client.query('LOCK TABLE dataset IN ACCESS EXCLUSIVE MODE');
        }
        await client.query(migration.sql);
        for (const step of backfills[migration.name] ?? []) await (typeof step === 'string' ? client.query(step) : step(client));
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        const reason = storeErrorOf(error, where);
        if (reason.code !== 'DATABASE_ERROR') throw reason;
        throw new PostgresStoreError('MIGRATION_FAILED', `migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, { cause: error });
      }
      result.applied.push(migration.name);
    }
    return result;
  } catch (error) {
    throw storeErrorOf(error, where);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => {});
  }
}

/**
 * Refuses to work on a database whose schema differs from the one this code was written for: one that
 * misses migrations (SCHEMA_NOT_MIGRATED) or has some this code does not know (SCHEMA_TOO_NEW).
 */
export async function checkSchema(client: pg.Client, where: string, directory = migrationsDir): Promise<void> {
  const migrations = await readMigrations(directory);
  let versions: number[];
  try {
    const table = await client.query<{ exists: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
    versions = table.rows[0]!.exists ? (await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((row) => row.version) : [];
  } catch (error) {
    throw storeErrorOf(error, where);
  }
  const known = new Set(migrations.map((migration) => migration.version));
  const unknown = versions.filter((version) => !known.has(version));
  if (unknown.length > 0) throw new PostgresStoreError('SCHEMA_TOO_NEW', `the database at ${where} has migrations this code does not know (${unknown.join(', ')}); update newsgraph`);
  const missing = migrations.filter((migration) => !versions.includes(migration.version));
  if (missing.length > 0) throw new PostgresStoreError('SCHEMA_NOT_MIGRATED', `the database at ${where} lacks ${missing.map((m) => m.name).join(', ')}; run \`npm run db:migrate\` first`);
}
