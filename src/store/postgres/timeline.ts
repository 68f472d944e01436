/**
 * The timeline (`Finder.timeline` in src/kb/filters.ts) from PostgreSQL: events and statements dated by
 * `dateSortKey` (a statement by its own date, else the start of the event it was said at: the
 * `date_sort_key` and `occupies_*` columns db:import fills), an event before statements on the same key,
 * then data order (events in file order, statements in source order); the undated after, when asked for.
 * From/to keep what overlaps the range, as the in-memory DateIndex does. Merged and retracted records are
 * left out. Pages are keyset pages on that order (src/store/postgres/keyset.ts), cursors being entry ids.
 */
import type { TimelineEntry, TimelineQuery } from '../../kb/filters.js';
import type { ListPage, PageWindow } from '../../kb/pages.js';
import { keysetCount, keysetPage, type KeysetList } from './keyset.js';
import type { RowsOf } from './sql.js';

/**
 * The sort key: undated (0/1), the date key ('' when undated), kind (events first), then data order: an
 * event's file position, a statement's place in source order (migration 0002) and file position.
 * date_sort_key is fixed-width digits and punctuation at fixed places, so any collation orders it as
 * the in-memory string comparison does.
 */
const keys = ['undated', 'date_key', 'kind_order', 'a', 'b', 'c'] as const;

const eventColumns = `'Event' AS kind, e.id, e.record -> 'start' AS date, false AS date_from_event,
  (e.date_sort_key IS NULL)::int AS undated, coalesce(e.date_sort_key, '') AS date_key, 0 AS kind_order, e.position AS a, 0 AS b, 0 AS c`;
const statementColumns = `'Statement' AS kind, s.id, CASE WHEN s.date_sort_key IS NULL THEN NULL WHEN s.date_from_event THEN ev.record -> 'start' ELSE s.record -> 'date' END AS date,
  s.date_from_event, (s.date_sort_key IS NULL)::int AS undated, coalesce(s.date_sort_key, '') AS date_key, 1 AS kind_order,
  s.first_source_position AS a, s.first_evidence_start AS b, s.position AS c`;
const eventsFrom = 'FROM events e WHERE e.merged_into IS NULL';
const statementsFrom = 'FROM statements s LEFT JOIN events ev ON ev.id = s.said_at_event_id WHERE s.merged_into IS NULL AND NOT s.retracted';

/** The timeline's list for a query. */
function listOf(query: TimelineQuery): Omit<KeysetList, 'cursorSql'> {
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}::text`;
  let dated: (alias: string) => string;
  if (query.from !== undefined || query.to !== undefined) {
    // Overlapping [from, to]: first day on or before `to`, last day on or after `from`; the undated never match.
    const from = query.from !== undefined ? param(query.from) : undefined;
    const to = query.to !== undefined ? param(query.to) : undefined;
    dated = (alias) =>
      [`${alias}.occupies_from IS NOT NULL`, to && `${alias}.occupies_from <= ${to}`, from && `${alias}.occupies_to >= ${from}`].filter(Boolean).join(' AND ');
  } else {
    dated = (alias) => (query.includeUndated ? 'true' : `${alias}.date_sort_key IS NOT NULL`);
  }
  const branches: string[] = [];
  if (query.kinds.includes('Event')) branches.push(`SELECT ${eventColumns} ${eventsFrom} AND ${dated('e')}`);
  if (query.kinds.includes('Statement')) branches.push(`SELECT ${statementColumns} ${statementsFrom} AND ${dated('s')}`);
  // No kinds: an empty list of the same columns (with the range's parameters, which every statement must use).
  if (branches.length === 0) branches.push(`SELECT ${eventColumns} ${eventsFrom} AND ${dated('e')} AND false`);
  return { branches, values, keys };
}

/** Any entry of the whole timeline, whatever the query: a cursor is placed on it. */
const cursorSql = `SELECT ${eventColumns} ${eventsFrom} AND e.id = $ID UNION ALL SELECT ${statementColumns} ${statementsFrom} AND s.id = $ID`;

/** A row of the list, as JSON. */
interface EntryRow {
  kind: TimelineEntry['kind'];
  id: string;
  date: TimelineEntry['date'];
  date_from_event: boolean;
}

function entryOf(row: EntryRow): TimelineEntry {
  return { kind: row.kind, id: row.id, date: row.date, dateFromEvent: row.date_from_event };
}

/** One page of the timeline, in one statement; an UnknownCursorError for a cursor that names no entry of the whole timeline. */
export async function timelinePage(rows: RowsOf, query: TimelineQuery, window: PageWindow): Promise<ListPage<TimelineEntry>> {
  const page = await keysetPage<EntryRow>(rows, { ...listOf(query), cursorSql }, window);
  return { ...page, items: page.items.map(entryOf) };
}

/** How many entries the timeline holds for a query, in one statement. */
export function timelineCount(rows: RowsOf, query: TimelineQuery): Promise<number> {
  return keysetCount(rows, listOf(query));
}
