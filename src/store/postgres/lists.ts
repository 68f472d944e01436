/**
 * The list pages of the read seam from PostgreSQL: `page`, `pagesWithin`, `count` and `countsWithin` of
 * `KnowledgeReader` (src/kb/reader.ts), each one SQL statement, answering exactly as the in-memory reader
 * does (the Finder's filters and orders in src/kb/filters.ts, `pageOfList`'s windows in src/kb/pages.ts).
 *
 * Pages are keyset pages: a cursor id is resolved to its sort key by a primary-key lookup, and the page is
 * the rows after (or before) that key in an index's order, `LIMIT n + 1`; whether the list goes on beyond
 * the page's far ends is an EXISTS on the same index, so no page costs a scan of the rows before it.
 * `last` reads the order backwards and turns the page around. Every order ends in a unique column, so a
 * key names one place; text is compared with COLLATE "C" (the columns and indexes of
 * migrations/0003_lists.sql), code point order, as JavaScript's `<` compares it.
 */
import type { QueryResultRow } from 'pg';
import type { CountryFilter, EventFilter, EventOrder, NameOrder, OrganizationFilter, PersonFilter, StatementFilter, StatementOrder } from '../../kb/filters.js';
import { UnknownCursorError, type ListPage, type PageWindow } from '../../kb/pages.js';
import { SPEAKER_KINDS, type RecordKind } from '../../kb/knowledge-base.js';
import type { ListQuery, ListRelation, ReadAlong, StatementHeading, Within } from '../../kb/reader.js';
import { foldText, foldedWords } from '../../kb/text.js';
import { lookupColumnOf, tableOf } from './referents.js';
import type { SeenRecords } from './seen-records.js';

/**
 * Runs one SQL statement: a `pg` Pool's or Client's `query`, bound, or anything that answers like it.
 * `prepare`: the text is one of few, worth preparing (planned once per connection, see sql.ts).
 */
export type SqlQuery = <R extends QueryResultRow>(text: string, values: unknown[], prepare?: boolean) => Promise<{ rows: R[] }>;

/** A `query` that counts the statements it runs (and keeps the last one's text): for tests and metrics. */
export interface CountedQuery extends SqlQuery {
  readonly statements: number;
  readonly lastText: string | undefined;
}

/** Wraps `query` so every statement it runs is counted. */
export function countingStatements(query: SqlQuery): CountedQuery {
  const state = { statements: 0, lastText: undefined as string | undefined };
  const counted = (<R extends QueryResultRow>(text: string, values: unknown[], prepare?: boolean) => {
    state.statements += 1;
    state.lastText = text;
    return query<R>(text, values, prepare);
  }) as CountedQuery;
  Object.defineProperties(counted, {
    statements: { get: () => state.statements },
    lastText: { get: () => state.lastText },
  });
  return counted;
}

/** The parameters of one statement: `add` returns the placeholder of a value. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** One column of an order: an SQL expression over the alias `t`, ascending unless `desc`. */
interface OrderColumn {
  sql: string;
  desc?: boolean;
}

/** How one list reads from its table: which rows the list (and its order) holds, and its order. */
interface ListPlan {
  table: string;
  /** The rows the whole order places (cursors included): merged records never, retracted statements by list. */
  placed: string;
  order: readonly OrderColumn[];
  /** The filter's conditions on `t`, ANDed. */
  conditions: string[];
}

const position: OrderColumn = { sql: 't.position' };
const sourceOrder: OrderColumn[] = [{ sql: 't.first_source_position' }, { sql: 't.first_evidence_start' }, position];
/**
 * Date orders, both ascending so the whole key is one row comparison an index answers as a range (dates
 * tie often: every statement of a day). Undated records come last either way: '~' sorts after every key.
 * Every date key has the same form (`YYYY-MM-DD|q|p`, dateSortKey), so swapping each digit d for 9 - d
 * reverses their order: latest first, with ties still in file or source order.
 */
const dateAscending: OrderColumn = { sql: `coalesce(t.date_sort_key COLLATE "C", '~')` };
const dateDescending: OrderColumn = { sql: `coalesce(translate(t.date_sort_key COLLATE "C", '0123456789', '9876543210'), '~')` };

function nameOrder(order: NameOrder | EventOrder): OrderColumn[] {
  switch (order) {
    case 'FILE_ORDER':
      return [position];
    case 'NAME_ASC':
      return [{ sql: 't.name_order' }, position];
    case 'NAME_DESC':
      return [{ sql: 't.name_order', desc: true }, position];
    case 'DATE_ASC':
      return [dateAscending, position];
    case 'DATE_DESC':
      return [dateDescending, position];
  }
}

function statementOrder(order: StatementOrder): OrderColumn[] {
  if (order === 'SOURCE_ORDER') return sourceOrder;
  return [order === 'DATE_ASC' ? dateAscending : dateDescending, ...sourceOrder.slice()];
}

/**
 * Records some word of whose `field` starts with each word of `text` (WordIndex.match): a range of the
 * list_words primary key per word. None for a text without words.
 */
function wordsMatch(params: Params, field: 'name' | 'role' | 'text', text: string): string[] {
  const words = foldedWords(text);
  if (words.length === 0) return ['false'];
  // Every word starting with w lies in [w, w + U+10FFFF): the range is the index scan, starts_with the exact test.
  return words.map((word) => {
    const from = params.add(word);
    return `t.id IN (SELECT w.record_id FROM list_words w WHERE w.field = '${field}' AND w.word >= ${from} AND w.word < ${params.add(`${word}\u{10FFFF}`)} AND starts_with(w.word, ${from}))`;
  });
}

/** Records the source has evidence about (coverage, src/kb/coverage.ts, as db:import stored it). */
function coveredBy(params: Params, sourceId: string): string {
  return `EXISTS (SELECT 1 FROM record_sources rs WHERE rs.record_id = t.id AND rs.source_id = ${params.add(sourceId)})`;
}

/** Dated records whose occupied days overlap [from, to] (DateIndex.overlaps), either bound open. */
function datedWithin(params: Params, from: string | undefined, to: string | undefined): string[] {
  const conditions = ['t.occupies_from IS NOT NULL'];
  if (to !== undefined) conditions.push(`t.occupies_from COLLATE "C" <= ${params.add(to)}`);
  if (from !== undefined) conditions.push(`t.occupies_to COLLATE "C" >= ${params.add(from)}`);
  return conditions;
}

function personConditions(params: Params, filter: PersonFilter): string[] {
  const conditions: string[] = [];
  if (filter.sourceId !== undefined) conditions.push(coveredBy(params, filter.sourceId));
  if (filter.name !== undefined) conditions.push(...wordsMatch(params, 'name', filter.name));
  if (filter.countryId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM role_holdings r WHERE r.person_id = t.id AND r.country_id = ${params.add(filter.countryId)} AND NOT r.retracted)`);
  }
  if (filter.organizationId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM role_holdings r WHERE r.person_id = t.id AND r.organization_id = ${params.add(filter.organizationId)} AND NOT r.retracted)`);
  }
  if (filter.roleTitle !== undefined) conditions.push(...wordsMatch(params, 'role', filter.roleTitle));
  if (filter.isNamed !== undefined) conditions.push(`t.is_named = ${params.add(filter.isNamed)}`);
  return conditions;
}

function countryConditions(params: Params, filter: CountryFilter): string[] {
  const conditions: string[] = [];
  if (filter.sourceId !== undefined) conditions.push(coveredBy(params, filter.sourceId));
  if (filter.name !== undefined) conditions.push(...wordsMatch(params, 'name', filter.name));
  if (filter.memberOfId !== undefined) {
    // The organization as organizationsByIds finds it: a merged one's id names the organization kept.
    const kept = `(WITH RECURSIVE chain (id, hops) AS (SELECT ${params.add(filter.memberOfId)}::text, 0
        UNION ALL SELECT o.merged_into, chain.hops + 1 FROM chain JOIN organizations o ON o.id = chain.id WHERE o.merged_into IS NOT NULL AND chain.hops < 1000)
      SELECT id FROM chain ORDER BY hops DESC LIMIT 1)`;
    conditions.push(`EXISTS (SELECT 1 FROM memberships m WHERE m.country_id = t.id AND m.organization_id = ${kept} AND NOT m.retracted)`);
  }
  return conditions;
}

function organizationConditions(params: Params, filter: OrganizationFilter): string[] {
  const conditions: string[] = [];
  if (filter.sourceId !== undefined) conditions.push(coveredBy(params, filter.sourceId));
  if (filter.name !== undefined) conditions.push(...wordsMatch(params, 'name', filter.name));
  if (filter.kinds !== undefined) conditions.push(`t.kind = ANY(${params.add(filter.kinds)}::text[])`);
  if (filter.memberCountryId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = t.id AND m.country_id = ${params.add(filter.memberCountryId)} AND NOT m.retracted)`);
  }
  return conditions;
}

function eventConditions(params: Params, filter: EventFilter): string[] {
  const conditions: string[] = [];
  if (filter.sourceId !== undefined) conditions.push(coveredBy(params, filter.sourceId));
  if (filter.name !== undefined) conditions.push(...wordsMatch(params, 'name', filter.name));
  if (filter.kinds !== undefined) conditions.push(`t.kind = ANY(${params.add(filter.kinds)}::text[])`);
  if (filter.from !== undefined || filter.to !== undefined) conditions.push(...datedWithin(params, filter.from, filter.to));
  if (filter.countryId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM event_locations l WHERE l.event_id = t.id AND l.country_id = ${params.add(filter.countryId)})`);
  }
  if (filter.city !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM list_words w WHERE w.field = 'city' AND w.word = ${params.add(foldText(filter.city.trim()))} AND w.record_id = t.id)`);
  }
  if (filter.participantId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM event_participants p WHERE p.event_id = t.id AND p.entity_id = ${params.add(filter.participantId)} AND NOT p.retracted)`);
  }
  return conditions;
}

function statementConditions(params: Params, filter: StatementFilter): string[] {
  const conditions: string[] = [];
  if (filter.speakerId !== undefined) conditions.push(`t.speaker_id = ${params.add(filter.speakerId)}`);
  if (filter.mentionedId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM statement_mentions m WHERE m.statement_id = t.id AND m.entity_id = ${params.add(filter.mentionedId)})`);
  }
  if (filter.eventId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM statement_events e WHERE e.statement_id = t.id AND e.event_id = ${params.add(filter.eventId)})`);
  }
  if (filter.relayedById !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM statement_reports r WHERE r.statement_id = t.id AND r.relayed_by_id = ${params.add(filter.relayedById)} AND NOT r.retracted)`);
  }
  if (filter.sourceId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM statement_reports r WHERE r.statement_id = t.id AND r.source_id = ${params.add(filter.sourceId)} AND NOT r.retracted)`);
  }
  if (filter.minSources !== undefined && filter.minSources > 1) conditions.push(`t.source_count >= ${params.add(filter.minSources)}`);
  if (filter.kinds !== undefined) conditions.push(`t.kind = ANY(${params.add(filter.kinds)}::text[])`);
  if (filter.from !== undefined || filter.to !== undefined) conditions.push(...datedWithin(params, filter.from, filter.to));
  if (filter.textContains !== undefined) {
    // The Finder's statementsContaining: statements whose words match, whose folded wordings hold the folded phrase.
    const folded = foldText(filter.textContains).trim();
    if (foldedWords(filter.textContains).length === 0) {
      if (folded !== '') conditions.push('false');
    } else {
      conditions.push(...wordsMatch(params, 'text', filter.textContains), `strpos(t.wordings_folded, ${params.add(folded)}) > 0`);
    }
  }
  return conditions;
}

const visible = 't.merged_into IS NULL';

function planOf(params: Params, query: ListQuery): ListPlan {
  switch (query.list) {
    case 'persons':
      return { table: 'persons', placed: visible, order: nameOrder(query.order), conditions: personConditions(params, query.filter) };
    case 'countries':
      return { table: 'countries', placed: visible, order: nameOrder(query.order), conditions: countryConditions(params, query.filter) };
    case 'organizations':
      return { table: 'organizations', placed: visible, order: nameOrder(query.order), conditions: organizationConditions(params, query.filter) };
    case 'events':
      return { table: 'events', placed: visible, order: nameOrder(query.order), conditions: eventConditions(params, query.filter) };
    case 'statements':
      return { table: 'statements', placed: `NOT t.retracted AND ${visible}`, order: statementOrder(query.order), conditions: statementConditions(params, query.filter) };
    case 'sources':
      return { table: 'sources', placed: 'true', order: [position], conditions: [] };
    case 'retractedStatements':
      return { table: 'statements', placed: `t.retracted AND ${visible}`, order: sourceOrder, conditions: [] };
  }
}

/** The records of the list's kind that `relation` relates to the parent `parent` (an SQL expression), as the in-memory relation lists hold them. */
function withinCondition(relation: ListRelation, parent: string): string {
  switch (relation) {
    case 'statementIdsBySpeakerId':
      return `t.speaker_id = ${parent}`;
    case 'statementIdsByMentionedId':
      return `EXISTS (SELECT 1 FROM statement_mentions wm WHERE wm.statement_id = t.id AND wm.entity_id = ${parent})`;
    case 'statementIdsByEventId':
      return `EXISTS (SELECT 1 FROM statement_events we WHERE we.statement_id = t.id AND we.event_id = ${parent})`;
    case 'statementIdsByRelayerId':
      return `EXISTS (SELECT 1 FROM statement_reports wr WHERE wr.statement_id = t.id AND wr.relayed_by_id = ${parent} AND NOT wr.retracted)`;
    case 'statementIdsBySourceId':
      return `EXISTS (SELECT 1 FROM statement_reports wr WHERE wr.statement_id = t.id AND wr.source_id = ${parent} AND NOT wr.retracted)`;
    case 'eventIdsByCountryId':
      return `EXISTS (SELECT 1 FROM event_locations wl WHERE wl.event_id = t.id AND wl.country_id = ${parent})`;
    case 'personIdsBySourceId':
    case 'organizationIdsBySourceId':
    case 'countryIdsBySourceId':
    case 'eventIdsBySourceId':
      return `EXISTS (SELECT 1 FROM record_sources wrs WHERE wrs.record_id = t.id AND wrs.source_id = ${parent})`;
  }
}

/** `(a, b)` for several expressions, `a` for one. */
function row(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `(${items.join(', ')})`;
}

/**
 * The rows strictly beyond (or, with `orEqual`, at or beyond) the key `values` on one side of the order:
 * runs of columns read in the same direction become one row comparison, which an index in that order
 * answers as a range; a leading bound on the first column lets a mixed-direction order seek too.
 */
function beyondKey(order: readonly OrderColumn[], values: readonly string[], side: 'after' | 'before', orEqual: boolean): string {
  const runs: { columns: string[]; values: string[]; operator: '>' | '<' }[] = [];
  order.forEach((column, index) => {
    const operator = (side === 'after') !== Boolean(column.desc) ? '>' : '<';
    const last = runs[runs.length - 1];
    if (last && last.operator === operator) {
      last.columns.push(column.sql);
      last.values.push(values[index]!);
    } else runs.push({ columns: [column.sql], values: [values[index]!], operator });
  });
  const build = (index: number): string => {
    const run = runs[index]!;
    const [columns, keys] = [row(run.columns), row(run.values)];
    if (index === runs.length - 1) return `${columns} ${run.operator}${orEqual ? '=' : ''} ${keys}`;
    return `(${columns} ${run.operator} ${keys} OR (${columns} = ${keys} AND ${build(index + 1)}))`;
  };
  if (runs.length === 1) return build(0);
  const first = runs[0]!;
  return `${order[0]!.sql} ${first.operator}= ${values[0]} AND ${build(0)}`;
}

function orderBy(order: readonly OrderColumn[], reversed: boolean, prefix = ''): string {
  return order.map((column, index) => `${prefix || column.sql}${prefix ? `k${index}` : ''}${Boolean(column.desc) !== reversed ? ' DESC' : ''}`).join(', ');
}

/** What one statement returns per parent. */
interface PageRow {
  after_found: boolean;
  before_found: boolean;
  ids: string[] | null;
  /** The records of `ids` (their headings, for ReadAlong.headings), in the same order, when asked for. */
  records?: unknown[] | null;
  far_left: boolean;
  far_right: boolean;
  /** The page's statements' speakers in force, as [id, kind, record], when read along. */
  speakers?: [string, RecordKind, unknown][] | null;
  /** The records of the sources of the page's statements' reports, as [id, record], when read along. */
  report_sources?: [string, unknown][] | null;
}

/**
 * The SQL of pages of `query` for the parents `$1` (with `within`) or of the one whole list: one row per
 * parent, in parent order, with the page's ids (in reading order, `LIMIT n + 1`) and, `withRecords`,
 * their records, whether the cursors are placed, and whether the list holds items beyond the page's
 * region on each side (before `after`; after `before` and `after`).
 */
function pagesStatement(query: ListQuery, window: PageWindow, within: Within | undefined, withRecords: boolean, along: ReadAlong = {}): { text: string; values: unknown[]; table: string; prepare: boolean } {
  const params = new Params();
  const parents = within ? params.add(within.ids) : undefined;
  const plan = planOf(params, query);
  const { table, order, placed } = plan;
  const keys = order.map((column, index) => `${column.sql} AS k${index}`).join(', ');
  const ctes: string[] = [];
  const cursorValues = (name: 'a' | 'b') => order.map((_column, index) => `(SELECT k${index} FROM ${name})`);
  let afterValues: string[] | undefined;
  let beforeValues: string[] | undefined;
  if (window.after !== undefined) {
    ctes.push(`a AS (SELECT ${keys} FROM ${table} t WHERE t.id = ${params.add(window.after)} AND ${placed})`);
    afterValues = cursorValues('a');
  }
  if (window.before !== undefined) {
    ctes.push(`b AS (SELECT ${keys} FROM ${table} t WHERE t.id = ${params.add(window.before)} AND ${placed})`);
    beforeValues = cursorValues('b');
  }
  const list = [placed, ...plan.conditions, ...(within ? [withinCondition(within.relation, 'p.parent')] : [])];
  const region = [...list];
  if (afterValues) region.push(beyondKey(order, afterValues, 'after', false));
  if (beforeValues) region.push(beyondKey(order, beforeValues, 'before', false));
  const backwards = window.first === undefined;
  const size = (backwards ? window.last! : window.first!) + 1;
  const speakersAlong = withRecords && table === 'statements' && along.speakers === true;
  const page = `SELECT t.id, ${keys}${withRecords ? `, ${headingsOnly(table, along) ? statementHeadingSql : `t.${lookupColumnOf(table)}`} AS record` : ''}${speakersAlong ? ', t.speaker_id' : ''} FROM ${table} t WHERE ${region.join(' AND ')} ORDER BY ${orderBy(order, backwards)} LIMIT ${params.add(size)}`;
  // Whether one item lies beyond a cursor: the first in the order walking away from it, so the planner
  // reads the order's index from the cursor and stops at that item. (A scalar subquery, since PostgreSQL
  // drops ORDER BY and LIMIT inside EXISTS and may then look for a row with a scan of the table.)
  const any = (conditions: string[], reversed: boolean) =>
    `coalesce((SELECT true FROM ${table} t WHERE ${conditions.join(' AND ')} ORDER BY ${orderBy(order, reversed)} LIMIT 1), false)`;
  const farLeft = afterValues ? any([...list, beyondKey(order, afterValues, 'before', true)], true) : 'false';
  const farRight = beforeValues
    ? any([...list, beyondKey(order, beforeValues, 'after', true), ...(afterValues ? [beyondKey(order, afterValues, 'after', false)] : [])], false)
    : 'false';
  const from = parents ? `unnest(${parents}::text[]) WITH ORDINALITY AS p (parent, ordinal)` : `(VALUES (NULL::text, 1)) AS p (parent, ordinal)`;
  const readingOrder = orderBy(order, backwards, 'x.');
  // json_agg: the records arrive as one JSON text the driver parses natively (a text[] of them is
  // unescaped character by character).
  const records = withRecords ? `, json_agg(x.record ORDER BY ${readingOrder}) AS records` : '';
  const speakerIds = speakersAlong ? ', array_agg(DISTINCT x.speaker_id) FILTER (WHERE x.speaker_id IS NOT NULL) AS speaker_ids' : '';
  const text = `${ctes.length ? `WITH ${ctes.join(', ')} ` : ''}SELECT
    ${window.after !== undefined ? 'EXISTS (SELECT 1 FROM a)' : 'true'} AS after_found,
    ${window.before !== undefined ? 'EXISTS (SELECT 1 FROM b)' : 'true'} AS before_found,
    found.*,
    ${farLeft} AS far_left,
    ${farRight} AS far_right${withRecords && table === 'statements' ? statementsAlong(along) : ''}
  FROM ${from} CROSS JOIN LATERAL (SELECT array_agg(x.id ORDER BY ${readingOrder}) AS ids${records}${speakerIds} FROM (${page}) x) AS found
  ORDER BY p.ordinal`;
  // Without a filter a list has one sensible plan, its order's index, whatever the values: planned once
  // per connection instead of on every page (about 150 us of PostgreSQL's CPU, 500 us with what a page
  // reads along). A filter's plan depends on its values, so filtered pages are planned for them each time.
  return { text, values: params.values, table, prepare: plan.conditions.length === 0 };
}

/** Whether a page of `table` reads its statements' headings rather than their records (ReadAlong.headings). */
function headingsOnly(table: string, along: ReadAlong): boolean {
  return table === 'statements' && along.headings === true;
}

/**
 * A statement's heading (StatementHeading) from its row `t` and its reports' rows: columns only, where
 * its record (about 2 KB, mostly evidence) is compressed and stored out of line, and was most of what a
 * page of statements read and the server parsed. The sources of its reports in force in report order,
 * a source as often as it reports the statement (`statementHeadingFrom` keeps each once: the GROUP BY
 * that did it here cost PostgreSQL more than reading the records).
 */
const statementHeadingSql = `json_build_array(t.id, t.revision, t.kind, t.text, t.speaker_id,
    ARRAY(SELECT sr.source_id FROM statement_reports sr WHERE sr.statement_id = t.id AND NOT sr.retracted ORDER BY sr.ordinal))`;

/** A heading as `statementHeadingSql` reads it, in the form both stores give (`statementHeadingOf`). */
function statementHeadingFrom([id, revision, kind, text, speakerId, reportSourceIds]: StatementHeadingRow): StatementHeading {
  return { id, revision, kind, text, ...(speakerId === null ? {} : { speakerId }), sourceIds: [...new Set(reportSourceIds)] };
}

type StatementHeadingRow = [string, number, StatementHeading['kind'], string, string | null, string[]];

/**
 * The columns that read what a page's statements lead to along with their records: what their speakers
 * are with the speakers' records (`found.speaker_ids`, gathered from the page's rows), and their reports'
 * sources, as `recordsByIds` reads them. Each was a statement of its own after the page, a round trip
 * and a wakeup of the backend apiece. Only speakers in force come back (a speaker merged away is left to
 * `referentsByIds`, which walks its merges): kept, they answer exactly as that lookup would. Kept small
 * on purpose: filtered pages are planned on every call, and `referentsSql` in its place took longer to
 * plan than the two statements it saved.
 */
function statementsAlong(along: ReadAlong): string {
  let columns = '';
  if (along.speakers) {
    // One lookup of all the page's speakers per kind's table: ids are unique across the tables, so the
    // table that has an id names its kind. (Finding each speaker's kind in `records` first, then its
    // record, cost PostgreSQL about a third more for the page: two plan nodes run per speaker.)
    const inForce = SPEAKER_KINDS.map(
      (kind) => `SELECT id, '${kind}' AS kind, ${lookupColumnOf(tableOf[kind])} AS record FROM ${tableOf[kind]} WHERE id = ANY (found.speaker_ids) AND merged_into IS NULL`,
    ).join(' UNION ALL ');
    columns += `,
    (SELECT json_agg(json_build_array(own.id, own.kind, own.record)) FROM (${inForce}) AS own) AS speakers`;
  }
  if (along.reportSources) {
    columns += `,
    (SELECT json_agg(json_build_array(s.id, s.${lookupColumnOf('sources')})) FROM sources s
      WHERE s.id = ANY (ARRAY(SELECT DISTINCT sr.source_id FROM statement_reports sr WHERE sr.statement_id = ANY (found.ids) AND NOT sr.retracted))) AS report_sources`;
  }
  return columns;
}

/** Keeps the records a page statement brought back (those of `ids`, in order, and what was read along) for the request's later lookups. */
function keepRecords(seen: SeenRecords, table: string, found: PageRow, headings: boolean): void {
  const ids = found.ids ?? [];
  if (headings) for (const heading of (found.records ?? []) as StatementHeadingRow[]) seen.keepHeading(statementHeadingFrom(heading));
  else ids.forEach((id, index) => seen.keep(table, id, found.records![index]));
  for (const [id, kind, record] of found.speakers ?? []) {
    seen.keepReferent(id, { kind, id });
    seen.keep(tableOf[kind], id, record);
  }
  for (const [id, record] of found.report_sources ?? []) seen.keep('sources', id, record);
}

/** A page as pageOfList cuts it, from what the statement found (see pagesStatement). */
function pageFrom(window: PageWindow, found: PageRow): ListPage<string> {
  if (!found.after_found) throw new UnknownCursorError('after');
  if (!found.before_found) throw new UnknownCursorError('before');
  const ids = found.ids ?? [];
  if (window.first === undefined) {
    const last = window.last!;
    return { items: ids.slice(0, last).reverse(), hasPreviousPage: ids.length > last || found.far_left, hasNextPage: found.far_right };
  }
  const taken = ids.slice(0, window.first);
  const hasNextPage = ids.length > window.first || found.far_right;
  if (window.last !== undefined && taken.length > window.last) return { items: taken.slice(-window.last), hasPreviousPage: true, hasNextPage };
  return { items: taken, hasPreviousPage: found.far_left, hasNextPage };
}

/**
 * Whether a page statement reads its records too (and what `along` asks for): given `seen`, the first
 * time it asks for this page with this `along`.
 */
function readsRecords(seen: SeenRecords | undefined, list: ListQuery, window: PageWindow, within: Within | undefined, along: ReadAlong | undefined): seen is SeenRecords {
  return seen !== undefined && seen.firstPageRead(JSON.stringify([list, window, within ?? null, along ?? null]));
}

/**
 * One page of a list's ids, as `KnowledgeReader.page` without the total. One statement; given `seen`,
 * the same statement also reads the page's records and keeps them there (unless it kept them before).
 */
export async function listPage(query: SqlQuery, list: ListQuery, window: PageWindow, seen?: SeenRecords, along?: ReadAlong): Promise<ListPage<string>> {
  const withRecords = readsRecords(seen, list, window, undefined, along);
  const { text, values, table, prepare } = pagesStatement(list, window, undefined, withRecords, along);
  const { rows } = await query<PageRow>(text, values, prepare);
  if (withRecords) keepRecords(seen, table, rows[0]!, headingsOnly(table, along ?? {}));
  return pageFrom(window, rows[0]!);
}

/**
 * One page per parent of the list narrowed to `within.relation` of that parent, in parent order. One
 * statement (none for no parents); given `seen`, it also reads the pages' records and keeps them there
 * (unless it kept them before).
 */
export async function listPagesWithin(query: SqlQuery, list: ListQuery, window: PageWindow, within: Within, seen?: SeenRecords, along?: ReadAlong): Promise<ListPage<string>[]> {
  if (within.ids.length === 0) return [];
  const withRecords = readsRecords(seen, list, window, within, along);
  const { text, values, table, prepare } = pagesStatement(list, window, within, withRecords, along);
  const { rows } = await query<PageRow>(text, values, prepare);
  if (withRecords) for (const found of rows) keepRecords(seen, table, found, headingsOnly(table, along ?? {}));
  return rows.map((found) => pageFrom(window, found));
}

function countStatement(list: ListQuery, within: Within | undefined): { text: string; values: unknown[] } {
  const params = new Params();
  const parents = within ? params.add(within.ids) : undefined;
  const plan = planOf(params, list);
  const conditions = [plan.placed, ...plan.conditions, ...(within ? [withinCondition(within.relation, 'p.parent')] : [])];
  const counted = `(SELECT count(*)::int FROM ${plan.table} t WHERE ${conditions.join(' AND ')})`;
  if (!parents) return { text: `SELECT ${counted} AS n`, values: params.values };
  return { text: `SELECT ${counted} AS n FROM unnest(${parents}::text[]) WITH ORDINALITY AS p (parent, ordinal) ORDER BY p.ordinal`, values: params.values };
}

/** How many items a list holds. One statement. */
export async function listCount(query: SqlQuery, list: ListQuery): Promise<number> {
  const { text, values } = countStatement(list, undefined);
  const { rows } = await query<{ n: number }>(text, values);
  return rows[0]!.n;
}

/** How many items the list narrowed to each parent holds, in parent order. One statement (none for no parents). */
export async function listCountsWithin(query: SqlQuery, list: ListQuery, within: Within): Promise<number[]> {
  if (within.ids.length === 0) return [];
  const { text, values } = countStatement(list, within);
  const { rows } = await query<{ n: number }>(text, values);
  return rows.map((found) => found.n);
}
