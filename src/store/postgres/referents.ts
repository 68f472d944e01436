/**
 * What ids refer to in PostgreSQL, as SQL: the table of each kind (reader.ts and lists.ts), the merge
 * chains of `resolvedCte` and the referents (kind, id in force, record) of `referentsSql`.
 */
import type { RecordKind } from '../../kb/knowledge-base.js';

/** The table of each kind of record. */
export const tableOf: Record<RecordKind, string> = {
  Source: 'sources',
  Person: 'persons',
  Country: 'countries',
  Organization: 'organizations',
  Event: 'events',
  Statement: 'statements',
};

/**
 * The column a lookup reads a record of `table` from: its JSON text (migration 0009), for a source its
 * heading, the record without its article text (migration 0010), which `sourceTextsByIds` reads alone.
 */
export function lookupColumnOf(table: string): 'record_text' | 'record_without_text' {
  return table === 'sources' ? 'record_without_text' : 'record_text';
}

/** The tables whose records can be merged into another (a source cannot). */
export const mergeableTables = ['persons', 'countries', 'organizations', 'events', 'statements'] as const;

/**
 * No chain of merges in valid data is this long. Records merged into each other (no rule refuses it)
 * would loop: the walk stops here and, as in the snapshot, such an id resolves to nothing.
 */
const MAX_MERGE_HOPS = 64;

/**
 * `resolved(key, id)`: each key with the id it answers to now, following merged_into through `tables`
 * (the snapshot's `resolveId`); a key in a cycle of merges has no row. Merges stay within a kind (the
 * data's rules), so one table is enough when the kind is known. Each step is a primary-key lookup per key.
 * The keys are the ids `$1` unless `keys` names another one-column set.
 */
export function resolvedCte(tables: readonly string[], keys = 'unnest($1::text[])'): string {
  const next = tables.map((table) => `SELECT merged_into FROM ${table} WHERE id = chain.id`).join(' UNION ALL ');
  return `chain (key, id, hops) AS (
      SELECT given.key, given.key, 0 FROM ${keys} AS given (key)
      UNION ALL
      SELECT chain.key, merge.merged_into, chain.hops + 1
        FROM chain CROSS JOIN LATERAL (${next}) AS merge
       WHERE merge.merged_into IS NOT NULL AND chain.hops < ${MAX_MERGE_HOPS}
    ),
    last (key, id, hops) AS (SELECT DISTINCT ON (key) key, id, hops FROM chain ORDER BY key, hops DESC),
    resolved (key, id) AS (SELECT key, id FROM last WHERE hops < ${MAX_MERGE_HOPS})`;
}

/**
 * What each id `$1` names now, as `key` (the id given), `kind` and `id` (another when it was merged
 * away), with the record in force as `record` when `withRecords`. The kind comes first, from `records`,
 * so each id costs two primary-key lookups: its kind, then its row in that kind's table (the branches
 * of other kinds are skipped unprobed), which says whether it was merged and holds its record. Only
 * the ids merged away walk their chain (`resolvedCte` over those alone). Walking every id through every
 * mergeable table cost PostgreSQL about 170 us per batch of a page's speakers. (LATERAL with LIMIT, as
 * reader.ts explains for recursive CTEs: a join to `records` could be planned as a scan of it.)
 */
export function referentsSql(withRecords: boolean): string {
  const rowOfKind = Object.entries(tableOf)
    .map(([kind, table]) => `SELECT ${table === 'sources' ? 'NULL::text AS merged_into' : 'merged_into'}${withRecords ? `, ${lookupColumnOf(table)} AS record` : ''} FROM ${table} WHERE r.kind = '${kind}' AND id = given.key`)
    .join(' UNION ALL ');
  const recordOfFound = withRecords
    ? `, CASE found.kind ${Object.entries(tableOf)
        .map(([kind, table]) => `WHEN '${kind}' THEN (SELECT ${lookupColumnOf(table)} FROM ${table} WHERE id = found.id)`)
        .join(' ')} END AS record`
    : '';
  return `WITH RECURSIVE asked AS MATERIALIZED (
      SELECT given.key, r.kind, own.merged_into${withRecords ? ', own.record' : ''}
        FROM unnest($1::text[]) AS given (key)
        CROSS JOIN LATERAL (SELECT kind FROM records WHERE records.id = given.key LIMIT 1) AS r
        LEFT JOIN LATERAL (${rowOfKind}) AS own ON true
    ),
    ${resolvedCte(mergeableTables, '(SELECT key FROM asked WHERE merged_into IS NOT NULL)')}
    SELECT asked.key, asked.kind, asked.key AS id${withRecords ? ', asked.record' : ''} FROM asked WHERE asked.merged_into IS NULL
    UNION ALL
    SELECT resolved.key, found.kind, found.id${recordOfFound} FROM resolved
      CROSS JOIN LATERAL (SELECT kind, id FROM records WHERE records.id = resolved.id LIMIT 1) AS found`;
}
