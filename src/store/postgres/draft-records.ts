/**
 * What a draft of an article looks up (src/authoring/draft/scoped.ts), answered from the database's
 * tables instead of a knowledge base in memory: records by their draft keys (`draft_keys`, migration
 * 0008, kept by db:import and every write), attacks by day, records by id, the statements a drafted one
 * could be (`list_words`), sources by their text. Each lookup is one or two statements; a draft of an
 * article takes two or three rounds of them, all in one read-only transaction.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { RecordKind, StoredRecord } from '../../kb/knowledge-base.js';
import type { DraftKeyKind } from '../../authoring/draft/keys.js';
import { NEAR_SIMILARITY } from '../../authoring/draft/known-statements.js';
import { DRAFT_MAX_RECORDS, DraftTooLargeError } from '../../authoring/draft/record-cap.js';
import type { DraftLookups, DraftRecordSource, PlacedRecord } from '../../authoring/draft/scoped.js';
import { BEGIN_READS } from './read-session.js';
import { readErrorOf, recordsByIdSql, rowsOf, type RowsOf } from './sql.js';

type Row = { id: string; kind: RecordKind; position: number; record: StoredRecord };

/** How many statements holding a word are counted at most: enough to tell a rare word from a common one. */
const COUNT_CAP = 1_000;

/** The rows of the named tables whose id is in the CTE `matched`, in force, as placed records. */
function placedFrom(tables: readonly (readonly [string, RecordKind])[]): string {
  return tables.map(([table, kind]) => `SELECT t.id, '${kind}' AS kind, t.position, t.record FROM ${table} t JOIN matched USING (id) WHERE t.merged_into IS NULL`).join(' UNION ALL ');
}

const sql = {
  byKeys: `WITH matched AS (SELECT DISTINCT record_id AS id FROM draft_keys d JOIN unnest($1::text[], $2::text[]) AS wanted (kind, key) ON d.kind = wanted.kind AND d.key = wanted.key)
           ${placedFrom([
             ['persons', 'Person'],
             ['countries', 'Country'],
             ['organizations', 'Organization'],
             ['events', 'Event'],
           ])}`,
  attacksOn: `SELECT id, 'Event' AS kind, position, record FROM events WHERE kind = 'ATTACK' AND merged_into IS NULL AND record -> 'start' ->> 'value' = ANY($1)`,
  // Each word's statements counted up to COUNT_CAP, an index probe each.
  statementCounts: `SELECT w.word, (SELECT count(*) FROM (SELECT 1 FROM list_words l WHERE l.field = 'text' AND l.word = w.word LIMIT ${COUNT_CAP}) capped)::int AS statements
                      FROM unnest($1::text[]) AS w (word)`,
  statementsLike: `WITH matched AS (SELECT DISTINCT record_id AS id FROM list_words WHERE field = 'text' AND word = ANY($1))
                   ${placedFrom([['statements', 'Statement']])} AND NOT t.retracted`,
  sourcesWithText: `SELECT id, 'Source' AS kind, position, record FROM sources WHERE md5(record ->> 'text') = ANY($1) AND record ->> 'text' = ANY($2)`,
};

/** A draft's lookups over one connection, reading at most `maxRecords` rows of records in all. */
class Lookups implements DraftLookups {
  private left: number;

  constructor(
    private readonly rows: RowsOf,
    private readonly maxRecords: number,
  ) {
    this.left = maxRecords;
  }

  /**
   * The records `text` finds, asking for one more than the draft has left: a text naming too many is
   * refused having read a bounded number of them, not after the server has tried to hold them all.
   */
  private async placed(text: string, values: unknown[]): Promise<PlacedRecord[]> {
    const found = await this.rows<Row>(`SELECT * FROM (${text}) AS found LIMIT $${values.length + 1}`, [...values, this.left + 1]);
    if (found.length > this.left) throw new DraftTooLargeError(this.maxRecords);
    this.left -= found.length;
    return found.map(({ kind, position, record }) => ({ kind, position, record }));
  }

  byKeys(keys: Readonly<Record<DraftKeyKind, readonly string[]>>): Promise<PlacedRecord[]> {
    const pairs = (Object.entries(keys) as [DraftKeyKind, readonly string[]][]).flatMap(([kind, list]) => list.map((key) => [kind, key] as const));
    return this.placed(sql.byKeys, [pairs.map(([kind]) => kind), pairs.map(([, key]) => key)]);
  }

  attacksOn(dates: readonly string[]): Promise<PlacedRecord[]> {
    return this.placed(sql.attacksOn, [dates]);
  }

  byIds(ids: readonly string[]): Promise<PlacedRecord[]> {
    return this.placed(recordsByIdSql, [ids]);
  }

  async statementsLike(drafted: readonly { words: readonly string[] }[]): Promise<PlacedRecord[]> {
    // A statement near one of n words shares at least ⌈0.8·n⌉ of them, so it holds one of any
    // n − ⌈0.8·n⌉ + 1 of them (the same or a part of it holds all): the ones the fewest statements hold
    // keep the candidates few. A word held by COUNT_CAP statements or more counts as common.
    const all = [...new Set(drafted.flatMap(({ words }) => words))];
    const counts = new Map((await this.rows<{ word: string; statements: number }>(sql.statementCounts, [all])).map((row) => [row.word, row.statements]));
    const picked = new Set<string>();
    for (const { words } of drafted) {
      const mine = [...new Set(words)];
      const need = Math.ceil(NEAR_SIMILARITY * mine.length - 1e-9);
      for (const word of mine.sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0) || (a < b ? -1 : 1)).slice(0, mine.length - need + 1)) picked.add(word);
    }
    return picked.size === 0 ? [] : this.placed(sql.statementsLike, [[...picked]]);
  }

  sourcesWithText(texts: readonly string[]): Promise<PlacedRecord[]> {
    return this.placed(sql.sourcesWithText, [texts.map((text) => createHash('md5').update(text).digest('hex')), texts]);
  }
}

export class PostgresDraftRecords implements DraftRecordSource {
  constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
    private readonly maxRecords = DRAFT_MAX_RECORDS,
  ) {}

  /** One connection, one read-only snapshot of the database for the whole draft. */
  async consistently<T>(draft: (lookups: DraftLookups) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw readErrorOf(error, this.where);
    }
    // A connection lost mid-draft is reported as an event on the client, which would end the process unheard.
    const onError = () => {};
    client.on('error', onError);
    let failed = false;
    try {
      const rows = rowsOf(client, { where: this.where });
      await client.query(BEGIN_READS).catch((error: unknown) => {
        throw readErrorOf(error, this.where);
      });
      const result = await draft(new Lookups(rows, this.maxRecords));
      await rows('COMMIT', []);
      return result;
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      client.off('error', onError);
      // A failed draft's connection may be mid-transaction or gone: it is not given back to the pool.
      client.release(failed);
    }
  }
}
