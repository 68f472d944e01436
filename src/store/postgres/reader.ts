/**
 * The read seam (src/kb/reader.ts) answered from PostgreSQL: every call is one SQL statement over the
 * tables of migrations/, whatever the number of keys, with results in key order. The answers equal the
 * in-memory snapshot's (`readerOf(kb)`), which test/postgres-reader.test.ts checks id by id and relation by
 * relation; where this file says "as the snapshot does", src/kb/knowledge-base.ts is the definition.
 *
 * Keys go in as one text[] parameter: `unnest($1::text[]) WITH ORDINALITY` numbers them, every row
 * comes back with its key's number (`ord`), and the rows are ordered by it, so grouping them is one pass.
 * Records come from the `record` column (the validated record); jsonb keeps no key order, so a record's
 * keys may come back in another order than the snapshot's, with the same keys and values.
 */
import { inForceFormOf, RecordNotFoundError, type EventParticipation, type MembershipHolding, type RecordKind, type RoleHolding, type StoredRecord } from '../../kb/knowledge-base.js';
import type { ListPage, PageWindow } from '../../kb/pages.js';
import { statementHeadingOf, type KnowledgeReader, type ListQuery, type ReadAlong, type RecordOfKind, type Referent, type Relation, type RelationValues, type StatementHeading, type Within } from '../../kb/reader.js';
import type { MembershipRecord, ParticipationRecord, RoleRecord } from '../../kb/records.js';
import { listCount, listCountsWithin, listPage, listPagesWithin, type SqlQuery } from './lists.js';
import { lookupColumnOf, mergeableTables, referentsSql, resolvedCte, tableOf } from './referents.js';
import { SeenRecords } from './seen-records.js';
import { rowsOf, type Queryable, type RowsOf, type RowsOptions } from './sql.js';
import { walksReaderOf, type WalksReader } from './walks-reader.js';

export type { Queryable } from './sql.js';

/** `onQuery` is called once for every statement the reader sends (tests count them); `where` names the server in errors. */
export type PostgresReaderOptions = RowsOptions;

/**
 * The records in force of the ids `$1` in `table` (a mergeable one), as `key` (the id given) and
 * `record`, in one statement. Most ids are of records in force, answered by one primary-key lookup;
 * only the ids merged away walk their chain of merges (`resolvedCte` over those alone). Walking every
 * id cost PostgreSQL about 90 us more per batch of 20 (a recursive union, a sort and a join per batch,
 * mostly in vain). Records are read as `record_text` (migrations/0009_records_as_text.sql): sending
 * jsonb as text was most of PostgreSQL's work here.
 */
function inForceRecordsSql(table: string): string {
  return `WITH RECURSIVE asked AS MATERIALIZED (SELECT id, merged_into, record_text AS record FROM ${table} WHERE id = ANY($1::text[])),
    ${resolvedCte([table], '(SELECT id FROM asked WHERE merged_into IS NOT NULL)')}
    SELECT asked.id AS key, asked.record FROM asked WHERE asked.merged_into IS NULL
    UNION ALL
    SELECT resolved.key, r.record FROM resolved
      CROSS JOIN LATERAL (SELECT record_text AS record FROM ${table} WHERE id = resolved.id AND merged_into IS NULL LIMIT 1) AS r`;
}

/*
 * A recursive CTE's row count is a guess PostgreSQL cannot make well (it guessed over a thousand rows for
 * seven keys), and on a guess that large it hashes a whole table instead of looking each id up. The rows
 * of `resolved` are therefore joined through LATERAL subqueries with LIMIT or OFFSET, which PostgreSQL
 * cannot flatten into a join: one primary-key or index lookup per key, whatever the guess.
 */

/** The keys, numbered from 1 in the order given: `key.id`, `key.ord`. */
const keys = 'unnest($1::text[]) WITH ORDINALITY AS key (id, ord)';

/** Statements as default lists show them: neither merged nor retracted. */
const statementInForce = 's.merged_into IS NULL AND NOT s.retracted';
/** Source order (src/kb/knowledge-base.ts inSourceOrder), from the columns migration 0002 adds. */
const sourceOrder = 's.first_source_position, s.first_evidence_start, s.position';

interface RelatedRow {
  ord: number;
  id: string;
  item?: unknown;
  position?: number;
}

interface RelationQuery<V> {
  sql: string;
  value: (row: RelatedRow) => V;
}

const idOf = (row: RelatedRow) => row.id;

/** Ids of the statements in force that `links` (rows with `statement_id`, for `key.id`) name, each once, in source order. */
function linkedStatements(links: string): RelationQuery<string> {
  return {
    sql: `SELECT key.ord::int AS ord, s.id
            FROM ${keys}
            CROSS JOIN LATERAL (${links}) AS link
            JOIN statements s ON s.id = link.statement_id
           WHERE ${statementInForce}
           ORDER BY key.ord, ${sourceOrder}`,
    value: idOf,
  };
}

/** Ids of the statements in force whose `column` is the key, in source order. */
function statementsWhere(column: string): RelationQuery<string> {
  return {
    sql: `SELECT key.ord::int AS ord, s.id FROM ${keys} JOIN statements s ON s.${column} = key.id WHERE ${statementInForce} ORDER BY key.ord, ${sourceOrder}`,
    value: idOf,
  };
}

/** Ids of the records of `table` in force (not merged) whose `column` is the key, in file order. */
function recordsWhere(table: string, column: string): RelationQuery<string> {
  return {
    sql: `SELECT key.ord::int AS ord, r.id FROM ${keys} JOIN ${table} r ON r.${column} = key.id WHERE r.merged_into IS NULL ORDER BY key.ord, r.position`,
    value: idOf,
  };
}

/** Records of one kind each source has evidence about, in file order (merged records left out). */
function coveredBy(table: string): RelationQuery<string> {
  return {
    sql: `SELECT key.ord::int AS ord, r.id
            FROM ${keys}
            JOIN record_sources covered ON covered.source_id = key.id
            JOIN ${table} r ON r.id = covered.record_id
           WHERE r.merged_into IS NULL
           ORDER BY key.ord, r.position`,
    value: idOf,
  };
}

/**
 * Link rows in force (not retracted) of `links` whose `column` is the key, with the item at the link's
 * ordinal in its record's `list`: records in force in file order, items in list order.
 */
function holdings(links: string, owner: string, column: string, table: string, list: string): string {
  return `SELECT key.ord::int AS ord, r.id, link.ordinal AS position, r.record -> '${list}' -> link.ordinal AS item
            FROM ${keys}
            JOIN ${links} link ON link.${column} = key.id AND NOT link.retracted
            JOIN ${table} r ON r.id = link.${owner}
           WHERE r.merged_into IS NULL
           ORDER BY key.ord, r.position, link.ordinal`;
}

const relationQueries: { [R in Relation]: RelationQuery<RelationValues[R]> } = {
  statementIdsBySpeakerId: statementsWhere('speaker_id'),
  statementIdsByMentionedId: linkedStatements('SELECT DISTINCT statement_id FROM statement_mentions WHERE entity_id = key.id'),
  statementIdsByEventId: linkedStatements('SELECT DISTINCT statement_id FROM statement_events WHERE event_id = key.id'),
  statementIdsByRelayerId: linkedStatements('SELECT DISTINCT statement_id FROM statement_reports WHERE relayed_by_id = key.id AND NOT retracted'),
  statementIdsBySourceId: linkedStatements('SELECT DISTINCT statement_id FROM statement_reports WHERE source_id = key.id AND NOT retracted'),
  continuationIdsByStatementId: statementsWhere('continues_id'),
  participationsByEntityId: {
    sql: holdings('event_participants', 'event_id', 'entity_id', 'events', 'participants'),
    value: (row): EventParticipation => ({ eventId: row.id, participation: row.item as ParticipationRecord, position: row.position! }),
  },
  subEventIdsByEventId: recordsWhere('events', 'part_of_id'),
  eventIdsByCountryId: {
    sql: `SELECT key.ord::int AS ord, r.id
            FROM ${keys}
            CROSS JOIN LATERAL (SELECT DISTINCT event_id FROM event_locations WHERE country_id = key.id) AS link
            JOIN events r ON r.id = link.event_id
           WHERE r.merged_into IS NULL
           ORDER BY key.ord, r.position`,
    value: idOf,
  },
  roleHoldingsByOrganizationId: {
    sql: holdings('role_holdings', 'person_id', 'organization_id', 'persons', 'roles'),
    value: (row): RoleHolding => ({ personId: row.id, role: row.item as RoleRecord, position: row.position! }),
  },
  roleHoldingsByCountryId: {
    sql: holdings('role_holdings', 'person_id', 'country_id', 'persons', 'roles'),
    value: (row): RoleHolding => ({ personId: row.id, role: row.item as RoleRecord, position: row.position! }),
  },
  membershipsByCountryId: {
    sql: holdings('memberships', 'organization_id', 'country_id', 'organizations', 'memberships'),
    value: (row): MembershipHolding => ({ organizationId: row.id, membership: row.item as MembershipRecord, position: row.position! }),
  },
  organizationIdsByCountryId: recordsWhere('organizations', 'country_id'),
  childOrganizationIdsByOrganizationId: recordsWhere('organizations', 'parent_id'),
  // As the snapshot does, a merged record's id gives the sources of the record it was merged into.
  sourceIdsByRecordId: {
    sql: `WITH RECURSIVE ${resolvedCte(mergeableTables)}
          SELECT key.ord::int AS ord, covered.source_id AS id
            FROM ${keys}
            JOIN resolved ON resolved.key = key.id
            CROSS JOIN LATERAL (SELECT source_id, first_seen FROM record_sources WHERE record_id = resolved.id OFFSET 0) AS covered
           ORDER BY key.ord, covered.first_seen`,
    value: idOf,
  },
  personIdsBySourceId: coveredBy('persons'),
  organizationIdsBySourceId: coveredBy('organizations'),
  countryIdsBySourceId: coveredBy('countries'),
  eventIdsBySourceId: coveredBy('events'),
};

/** A stored record as default queries see it (the snapshot's rule); a retracted statement as stored, all its reports included, as the snapshot finds it by id. */
const visible: { [K in RecordKind]: (record: RecordOfKind[K]) => RecordOfKind[K] } = {
  Source: (source) => source,
  Country: (country) => country,
  Person: inForceFormOf.persons,
  Organization: inForceFormOf.organizations,
  Event: inForceFormOf.events,
  Statement: (statement) => (statement.retracted ? statement : inForceFormOf.statements(statement)),
};

/**
 * The read seam over PostgreSQL: one SQL statement per call (a graph walk: one per layer; none for no
 * keys), results in key order. Lookups and relations are here; list pages are lists.ts's, search,
 * timeline, graph walks and statistics walks-reader.ts's, all sent through the same counted,
 * error-mapping `rows`. Share one per pool.
 */
export class PostgresReader implements KnowledgeReader {
  private query!: RowsOf;
  private sqlQuery!: SqlQuery;
  private walks!: WalksReader;
  /** Where a request's reader keeps what it reads, and finds what it or earlier requests read; none for the pool's reader. */
  private seen: SeenRecords | undefined;
  private readonly options: PostgresReaderOptions;

  constructor(db: Queryable, options: PostgresReaderOptions = {}) {
    this.options = options;
    this.sendThrough(db);
  }

  /**
   * `reader` (a PostgresReader, or an object made from one) with its statements sent through `db`
   * instead (one request's transaction): an object whose prototype is `reader`, so that whatever wraps
   * or watches `reader`'s methods applies to it too. It keeps the records and referents it reads in
   * `seen` and answers lookups of them without a statement: one request's own by default, or one shared
   * by the requests that read the same state of the knowledge base.
   */
  static through<R extends KnowledgeReader>(reader: R, db: Queryable, seen = new SeenRecords()): R {
    const derived = Object.create(reader) as R;
    PostgresReader.prototype.sendThrough.call(derived as unknown as PostgresReader, db, seen);
    return derived;
  }

  private sendThrough(db: Queryable, seen?: SeenRecords): void {
    this.seen = seen;
    // The lookups and relations below are a fixed set of texts, prepared: each connection plans them
    // once instead of on every call, which cost more than running them (PostgreSQL's CPU per nested
    // statement page fell by a quarter). So are the pages without a filter (lists.ts says why); filtered
    // pages and walks go unnamed.
    this.query = rowsOf(db, { ...this.options, prepared: true });
    const unnamed = rowsOf(db, this.options);
    this.sqlQuery = async (text, values, prepare) => ({ rows: await (prepare ? this.query : unnamed)(text, values) });
    this.walks = walksReaderOf(unnamed);
  }

  async recordsByIds<K extends RecordKind>(kind: K, ids: readonly string[]): Promise<(RecordOfKind[K] | RecordNotFoundError)[]> {
    if (ids.length === 0) return [];
    const table = tableOf[kind];
    const seen = this.seen;
    const found = new Map<string, RecordOfKind[K]>();
    const unseen: string[] = [];
    for (const id of ids) {
      const record = seen?.inForce(table, id) as RecordOfKind[K] | undefined;
      if (record === undefined) unseen.push(id);
      else found.set(id, visible[kind](record));
    }
    if (unseen.length > 0) {
      // Sources are never merged, and the snapshot resolves no merge for them.
      const sql =
        kind === 'Source'
          ? `SELECT id AS key, ${lookupColumnOf(table)} AS record FROM sources WHERE id = ANY($1::text[])`
          : inForceRecordsSql(table);
      const rows = await this.query<{ key: string; record: RecordOfKind[K] }>(sql, [unseen]);
      for (const { key, record } of rows) {
        found.set(key, visible[kind](record));
        seen?.keep(table, record.id, record);
        if (key !== record.id) seen?.keepMerge(key, record.id);
      }
    }
    return ids.map((id) => found.get(id) ?? new RecordNotFoundError(kind, id));
  }

  async storedRecordsByIds(ids: readonly string[]): Promise<(StoredRecord | undefined)[]> {
    if (ids.length === 0) return [];
    const seen = this.seen;
    const found = new Map<string, StoredRecord>();
    const unseen = ids.filter((id) => {
      const record = seen?.stored(id) as StoredRecord | undefined;
      if (record !== undefined) found.set(id, record);
      return record === undefined;
    });
    if (unseen.length > 0) {
      const sql = Object.entries(tableOf)
        .map(([kind, table]) => `SELECT id, '${kind}' AS kind, record FROM ${table} WHERE id = ANY($1::text[])`)
        .join(' UNION ALL ');
      const rows = await this.query<{ id: string; kind: RecordKind; record: StoredRecord }>(sql, [unseen]);
      for (const { id, kind, record } of rows) {
        found.set(id, record);
        // Only records in force are kept: a merged record's lookup in force answers with another.
        if (!('mergedInto' in record && record.mergedInto)) seen?.keep(tableOf[kind], id, record);
      }
    }
    return ids.map((id) => found.get(id));
  }

  /**
   * Headings as the pages that asked for no more read them along (lists.ts, `statementHeadingSql`), or
   * as kept records give them; any other id's from its record, read as `recordsByIds` reads it (which
   * follows merges as the snapshot does).
   */
  async statementHeadingsByIds(ids: readonly string[]): Promise<(StatementHeading | RecordNotFoundError)[]> {
    const found = new Map<string, StatementHeading>();
    const unseen: string[] = [];
    for (const id of ids) {
      const heading = this.seen?.heading(id);
      if (heading === undefined) unseen.push(id);
      else found.set(id, heading);
    }
    const records = await this.recordsByIds('Statement', unseen);
    unseen.forEach((id, index) => {
      const record = records[index]!;
      if (!(record instanceof RecordNotFoundError)) found.set(id, statementHeadingOf(record));
    });
    return ids.map((id) => found.get(id) ?? new RecordNotFoundError('Statement', id));
  }

  async sourceTextsByIds(ids: readonly string[]): Promise<(string | undefined)[]> {
    if (ids.length === 0) return [];
    const rows = await this.query<{ id: string; text: string }>(`SELECT id, record ->> 'text' AS text FROM sources WHERE id = ANY($1::text[])`, [ids]);
    const textById = new Map(rows.map((row) => [row.id, row.text]));
    return ids.map((id) => textById.get(id));
  }

  async referentsByIds(ids: readonly string[]): Promise<(Referent | undefined)[]> {
    if (ids.length === 0) return [];
    const seen = this.seen;
    const answered = new Map<string, Referent | null>();
    const unseen: string[] = [];
    for (const id of ids) {
      const referent = seen?.referent(id);
      if (referent === undefined) unseen.push(id);
      else answered.set(id, referent);
    }
    if (unseen.length > 0) {
      // What an id names is nearly always loaded next (a speaker's name, a node by id): with somewhere to
      // keep it, the record is read along.
      const rows = await this.query<{ key: string; kind: RecordKind; id: string; record?: unknown }>(referentsSql(seen !== undefined), [unseen]);
      for (const row of rows) {
        answered.set(row.key, { kind: row.kind, id: row.id });
        if (row.record == null) continue;
        seen?.keep(tableOf[row.kind], row.id, row.record);
        if (row.key !== row.id) seen?.keepMerge(row.key, row.id);
      }
      for (const id of unseen) {
        if (!answered.has(id)) answered.set(id, null);
        seen?.keepReferent(id, answered.get(id)!);
      }
    }
    return ids.map((id) => answered.get(id) ?? undefined);
  }

  async countryIdsByIsoCodes(codes: readonly string[]): Promise<(string | undefined)[]> {
    if (codes.length === 0) return [];
    // Upper-cased here, not by SQL's upper(), so every code folds exactly as the snapshot's toUpperCase().
    // The snapshot's map takes each country's alpha-2 then alpha-3 code in file order, so where codes
    // repeat (generated data beyond ~60×) the last country in file order has it.
    const rows = await this.query<{ ord: number; id: string }>(
      `SELECT DISTINCT ON (ord) ord, id FROM (
         SELECT key.ord::int AS ord, c.id, c.position, 0 AS code_rank FROM ${keys} JOIN countries c ON c.iso_alpha2 = key.id WHERE c.merged_into IS NULL
         UNION ALL
         SELECT key.ord::int, c.id, c.position, 1 FROM ${keys} JOIN countries c ON c.iso_alpha3 = key.id WHERE c.merged_into IS NULL
       ) AS found
       ORDER BY ord, position DESC, code_rank DESC`,
      [codes.map((code) => code.toUpperCase())],
    );
    const found = new Map(rows.map((row) => [row.ord, row.id]));
    return codes.map((_code, index) => found.get(index + 1));
  }

  async related<R extends Relation>(relation: R, ids: readonly string[]): Promise<readonly (readonly RelationValues[R][])[]> {
    if (ids.length === 0) return [];
    const { sql, value } = relationQueries[relation] as RelationQuery<RelationValues[R]>;
    const rows = await this.query<RelatedRow>(sql, [ids]);
    const lists: RelationValues[R][][] = ids.map(() => []);
    for (const row of rows) lists[row.ord - 1]!.push(value(row));
    return lists;
  }

  page(list: ListQuery, window: PageWindow, along?: ReadAlong): Promise<ListPage<string>> {
    return listPage(this.sqlQuery, list, window, this.seen, along);
  }

  pagesWithin(list: ListQuery, window: PageWindow, within: Within, along?: ReadAlong): Promise<ListPage<string>[]> {
    return listPagesWithin(this.sqlQuery, list, window, within, this.seen, along);
  }

  count(list: ListQuery): Promise<number> {
    return listCount(this.sqlQuery, list);
  }

  countsWithin(list: ListQuery, within: Within): Promise<number[]> {
    return listCountsWithin(this.sqlQuery, list, within);
  }

  // Methods, not arrow-function fields: a reader made by `through` must find them on the prototype and
  // run them with its own `walks`, not the pool's.
  searchPage(...args: Parameters<WalksReader['searchPage']>): ReturnType<WalksReader['searchPage']> {
    return this.walks.searchPage(...args);
  }

  searchCount(...args: Parameters<WalksReader['searchCount']>): ReturnType<WalksReader['searchCount']> {
    return this.walks.searchCount(...args);
  }

  timelinePage(...args: Parameters<WalksReader['timelinePage']>): ReturnType<WalksReader['timelinePage']> {
    return this.walks.timelinePage(...args);
  }

  timelineCount(...args: Parameters<WalksReader['timelineCount']>): ReturnType<WalksReader['timelineCount']> {
    return this.walks.timelineCount(...args);
  }

  vertexKindsByIds(...args: Parameters<WalksReader['vertexKindsByIds']>): ReturnType<WalksReader['vertexKindsByIds']> {
    return this.walks.vertexKindsByIds(...args);
  }

  neighborhood(...args: Parameters<WalksReader['neighborhood']>): ReturnType<WalksReader['neighborhood']> {
    return this.walks.neighborhood(...args);
  }

  shortestPath(...args: Parameters<WalksReader['shortestPath']>): ReturnType<WalksReader['shortestPath']> {
    return this.walks.shortestPath(...args);
  }

  statistics(): ReturnType<WalksReader['statistics']> {
    return this.walks.statistics();
  }

  recordCounts(): ReturnType<WalksReader['recordCounts']> {
    return this.walks.recordCounts();
  }
}
