/**
 * How the PostgreSQL read modules (search, timeline, graph walks, statistics) send SQL: through any
 * pg.Pool or client, with a hook called once per statement so tests can count statements (and metrics
 * could time them).
 */
import type pg from 'pg';

/** What the read modules need of a connection: a pg.Pool, or one client. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Sends one statement and gives its rows. */
export type RowsOf = <R extends pg.QueryResultRow>(text: string, values: readonly unknown[]) => Promise<R[]>;

/** `rowsOf` over a connection; `onQuery` is called once for every statement, before it is sent. */
export function rowsOf(db: Queryable, onQuery?: (text: string, values: readonly unknown[]) => void): RowsOf {
  return async <R extends pg.QueryResultRow>(text: string, values: readonly unknown[]) => {
    onQuery?.(text, values);
    return (await db.query<R>(text, [...values])).rows;
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
