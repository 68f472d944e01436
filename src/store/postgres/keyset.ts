/**
 * Pages of an ordered list cut in SQL exactly as `pageOfList` (src/kb/pages.ts) cuts them in memory:
 * keyset pagination on the list's sort key, the cursors being ids placed by the key they have in the whole
 * ordering (a cursor the ordering does not hold is an UnknownCursorError), never an OFFSET. One
 * statement per page: the page's rows and whether items lie before and after it.
 */
import { UnknownCursorError, type ListPage, type PageWindow } from '../../kb/pages.js';
import type { RowsOf } from './sql.js';

export interface KeysetList {
  /**
   * SELECTs whose rows together are the list's items, each with an `id` column, the sort key's columns
   * (named in `keys`) and the payload's. Their parameters are `values`. The page's conditions, order and
   * limit are put on each branch from outside (PostgreSQL flattens the subquery, so an index on a
   * branch's key reads only the page), and the branches' pages are merged.
   */
  branches: readonly string[];
  values: readonly unknown[];
  /** The columns of the sort key, most significant first; the list is in ascending order of them, and no two items share a key. */
  keys: readonly string[];
  /**
   * A SELECT of the key columns of one item of the whole ordering (not only of this list), its id given
   * as the parameter written `$ID`: what a cursor is placed by.
   */
  cursorSql: string;
}

interface PageRow<T> {
  items: T[] | null;
  after_found: boolean;
  before_found: boolean;
  before_start: boolean;
  after_end: boolean;
}

/** The page `window` asks for of `list`; `T` is a row of `list.sql` (as JSON, so numbers and text come back as such). */
export async function keysetPage<T>(rows: RowsOf, list: KeysetList, window: PageWindow): Promise<ListPage<T>> {
  const values = [...list.values];
  const param = (value: unknown) => `$${values.push(value)}::text`;
  const afterId = param(window.after ?? null);
  const beforeId = param(window.before ?? null);
  const keyRow = (alias: string) => `(${list.keys.map((key) => `${alias}.${key}`).join(', ')})`;
  const cursorKey = (name: string) => `(SELECT ${list.keys.map((key) => `c.${key}`).join(', ')} FROM ${name} c)`;
  const afterCondition = `(${afterId} IS NULL OR ${keyRow('l')} > ${cursorKey('after_cursor')})`;
  const beforeCondition = `(${beforeId} IS NULL OR ${keyRow('l')} < ${cursorKey('before_cursor')})`;
  const ascending = window.first !== undefined;
  const size = (ascending ? window.first : window.last)! + 1;
  const direction = ascending ? 'ASC' : 'DESC';
  const order = list.keys.map((key) => `${key} ${direction}`).join(', ');
  const cursorOf = (id: string) => list.cursorSql.replaceAll('$ID', id);
  // Whether any branch holds a row meeting `condition`, looked for from the end of the order where one is
  // likeliest (the list's first row for "before the page", its last for "after it"): a scalar subquery with
  // ORDER BY and LIMIT walks the key's index from there, where EXISTS would drop both and may scan a table.
  const anyBranch = (condition: string, from: 'ASC' | 'DESC') =>
    list.branches
      .map((branch) => `coalesce((SELECT true FROM (${branch}) l WHERE ${condition} ORDER BY ${list.keys.map((key) => `${key} ${from}`).join(', ')} LIMIT 1), false)`)
      .join(' OR ');
  const pages = list.branches.map((branch) => `(SELECT * FROM (${branch}) l WHERE ${afterCondition} AND ${beforeCondition} ORDER BY ${order} LIMIT ${size})`);
  const sql = `
WITH after_cursor AS MATERIALIZED (${cursorOf(afterId)}), before_cursor AS MATERIALIZED (${cursorOf(beforeId)})
SELECT
  (SELECT json_agg(to_json(p) ORDER BY p.page_index) FROM (
     SELECT l.*, row_number() OVER () AS page_index FROM (
       SELECT * FROM (${pages.join(' UNION ALL ')}) l ORDER BY ${order} LIMIT ${size}) l) p) AS items,
  EXISTS (SELECT FROM after_cursor) AS after_found,
  EXISTS (SELECT FROM before_cursor) AS before_found,
  (${afterId} IS NOT NULL AND (${anyBranch(`${keyRow('l')} <= ${cursorKey('after_cursor')}`, 'ASC')})) AS before_start,
  (${beforeId} IS NOT NULL AND (${anyBranch(`${afterCondition} AND ${keyRow('l')} >= ${cursorKey('before_cursor')}`, 'DESC')})) AS after_end`;
  const [row] = await rows<PageRow<T & { page_index?: number }>>(sql, values);
  if (window.after !== undefined && !row!.after_found) throw new UnknownCursorError('after');
  if (window.before !== undefined && !row!.before_found) throw new UnknownCursorError('before');
  const fetched = (row!.items ?? []).map(({ page_index: _index, ...item }) => item as T);
  if (!ascending) fetched.reverse();
  // W: the items between the cursors; P / S: whether the list holds items before / after them.
  const more = fetched.length === size;
  let items: T[];
  let hasPreviousPage = row!.before_start;
  let hasNextPage = row!.after_end;
  if (ascending) {
    const first = more ? fetched.slice(0, -1) : fetched;
    hasNextPage ||= more;
    items = window.last !== undefined && first.length > window.last ? first.slice(first.length - window.last) : first;
    hasPreviousPage ||= items.length < first.length;
  } else {
    items = more ? fetched.slice(1) : fetched;
    hasPreviousPage ||= more;
  }
  return { items, hasPreviousPage, hasNextPage };
}

/** How many items `list` holds. */
export async function keysetCount(rows: RowsOf, list: Pick<KeysetList, 'branches' | 'values'>): Promise<number> {
  const [row] = await rows<{ count: number }>(`SELECT count(*)::int AS count FROM (${list.branches.join(' UNION ALL ')}) l`, list.values);
  return row!.count;
}
