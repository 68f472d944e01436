/**
 * How the PostgreSQL read modules (lookups, lists, search, timeline, graph walks, statistics) send SQL:
 * through any pg.Pool or client, with a hook called once per statement so tests can count statements
 * (and metrics could time them), and with the driver's errors turned into the store's.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { RecordKind } from '../../kb/knowledge-base.js';
import { StoreUnavailableError } from '../../kb/reader.js';
import { kindOfCollection, type Collection } from '../../kb/records.js';
import { storeErrorOf } from './errors.js';

/** What the read modules need of a connection: a pg.Pool, or one client. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

/**
 * How many distinct statement texts a process prepares. A connection keeps every statement prepared on
 * it until it closes, so whatever a caller asks to prepare, past this many texts they are sent unnamed
 * and the memory they hold stays bounded.
 */
const MAX_PREPARED_TEXTS = 500;
const statementNames = new Map<string, string>();

/** A prepared statement's name: the same for the same text in every connection, so each plans it once; undefined past the cap. */
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_PREPARED_TEXTS) {
    name = `newsgraph_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** Sends one statement and gives its rows. */
export type RowsOf = <R extends pg.QueryResultRow>(text: string, values: readonly unknown[]) => Promise<R[]>;

export interface RowsOptions {
  /**
   * Send statements as named prepared statements (named after their text), which every connection
   * plans once and keeps, the first MAX_PREPARED_TEXTS texts of the process; later ones go unnamed.
   */
  prepared?: boolean;
  /** Called once for every statement, before it is sent. */
  onQuery?: (text: string, values: readonly unknown[]) => void;
  /** The server's host and database, for error messages (never a password). */
  where?: string;
}

/**
 * SQLSTATE classes and codes that mean the server is not there right now, not that the statement is
 * wrong: 08 connection exceptions, 57P01-57P03 shutdown and startup, 53300 too many connections.
 */
export function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300')) return true;
  // pg reports a connection that dies mid-query, or a pool that cannot connect in time, by message alone.
  return typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}

/**
 * The store's error for a failed statement: StoreUnavailableError when the database cannot be reached
 * (requests answer DATABASE_UNAVAILABLE and the next one tries again), a coded PostgresStoreError otherwise.
 */
export function readErrorOf(error: unknown, where: string): Error {
  const coded = storeErrorOf(error, where);
  if (coded.code === 'DATABASE_UNREACHABLE' || isUnavailable(error)) {
    return new StoreUnavailableError(`PostgreSQL at ${where} is unavailable: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  return coded;
}

/**
 * A parameter PostgreSQL's text can hold. A request may carry a NUL (a slug, an id in a cursor), which
 * text cannot hold and the server would refuse with an error; no stored value holds one (the data rules
 * refuse it), so it is sent as U+FFFD, as the driver already sends a lone surrogate: it matches what
 * the NUL would have matched in the in-memory store, nothing.
 */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  if (Array.isArray(value)) return value.map(storable);
  return value;
}

/** `rowsOf` over a connection: sends one statement and gives its rows, or the store's error. */
export function rowsOf(db: Queryable, options: RowsOptions = {}): RowsOf {
  const where = options.where ?? 'the database';
  return async <R extends pg.QueryResultRow>(text: string, values: readonly unknown[]) => {
    options.onQuery?.(text, values);
    try {
      const name = options.prepared ? statementName(text) : undefined;
      if (name) return (await db.query<R>({ name, text, values: values.map(storable) })).rows;
      return (await db.query<R>(text, values.map(storable))).rows;
    } catch (error) {
      throw readErrorOf(error, where);
    }
  };
}

/**
 * SQL for a vertex's place in data-file order as fixed-width text that sorts as the in-memory ranks do:
 * persons, countries, organizations, events, statements; a collection in file order, statements in
 * source order (migration 0002's key, then file order). `alias` is the table's alias in the query.
 */
export const rankSql = {
  persons: (alias: string) => `'0' || lpad(${alias}.position::text, 10, '0')`,
  countries: (alias: string) => `'1' || lpad(${alias}.position::text, 10, '0')`,
  organizations: (alias: string) => `'2' || lpad(${alias}.position::text, 10, '0')`,
  events: (alias: string) => `'3' || lpad(${alias}.position::text, 10, '0')`,
  statements: (alias: string) =>
    `'4' || lpad(${alias}.first_source_position::text, 10, '0') || lpad(${alias}.first_evidence_start::text, 10, '0') || lpad(${alias}.position::text, 10, '0')`,
} as const;

/** The conditions that make a row of each collection table a record default queries see. */
export const visibleSql = {
  persons: (alias: string) => `${alias}.merged_into IS NULL`,
  countries: (alias: string) => `${alias}.merged_into IS NULL`,
  organizations: (alias: string) => `${alias}.merged_into IS NULL`,
  events: (alias: string) => `${alias}.merged_into IS NULL`,
  statements: (alias: string) => `${alias}.merged_into IS NULL AND NOT ${alias}.retracted`,
} as const;

/** The records with the ids `$1`, merged ones included, with their kind and file position: one index probe per table. */
export const recordsByIdSql = (Object.entries(kindOfCollection) as [Collection, RecordKind][])
  .map(([collection, kind]) => `SELECT id, '${kind}' AS kind, position, record FROM ${collection} WHERE id = ANY($1)`)
  .join(' UNION ALL ');
