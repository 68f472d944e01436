/**
 * What a draft of an article looks up (src/authoring/draft/scoped.ts), answered from the database's
 * tables instead of a knowledge base in memory: records by the words they are named by (`list_words`,
 * which db:import and every write fill with the words the in-memory filters use), events by name stems,
 * attacks by day, records by id, the statements a drafted one could be, sources by their text. Each is
 * one statement (the statements two); a draft of an article takes three or four rounds of them.
 */
import { createHash } from 'node:crypto';
import type { RecordKind, StoredRecord } from '../../kb/knowledge-base.js';
import { NEAR_SIMILARITY } from '../../authoring/draft/known-statements.js';
import type { DraftRecordSource, PlacedRecord } from '../../authoring/draft/scoped.js';
import { recordsByIdSql, rowsOf, type Queryable, type RowsOf } from './sql.js';

type Row = { id: string; kind: RecordKind; position: number; record: StoredRecord };

/** The rows of the named tables whose id is in the CTE `matched`, as placed records. */
function placedFrom(tables: readonly (readonly [string, RecordKind])[]): string {
  return tables.map(([table, kind]) => `SELECT t.id, '${kind}' AS kind, t.position, t.record FROM ${table} t JOIN matched USING (id)`).join(' UNION ALL ');
}

const entityTables = [
  ['persons', 'Person'],
  ['countries', 'Country'],
  ['organizations', 'Organization'],
  ['events', 'Event'],
] as const;

/** The stem of src/authoring/draft/kb-index.ts's `nameStem`, in SQL. */
const stemOf = (column: string) => `regexp_replace(regexp_replace(regexp_replace(${column}, 'ies$', 'y'), '(es|s)$', ''), '^assault$', 'attack')`;

const sql = {
  countries: `SELECT id, 'Country' AS kind, position, record FROM countries`,
  namedBy: `WITH matched AS (SELECT DISTINCT record_id AS id FROM list_words WHERE field IN ('name', 'role') AND word = ANY($1))
            ${placedFrom(entityTables)}`,
  eventsWithStems: `WITH matched AS (SELECT DISTINCT record_id AS id FROM list_words WHERE field = 'name' AND ${stemOf('word')} = ANY($1))
                    ${placedFrom([['events', 'Event']])}`,
  attacksOn: `SELECT id, 'Event' AS kind, position, record FROM events WHERE record ->> 'kind' = 'ATTACK' AND record -> 'start' ->> 'value' = ANY($1)`,
  statementCounts: `SELECT word, count(*)::int AS statements FROM list_words WHERE field = 'text' AND word = ANY($1) GROUP BY word`,
  statementsLike: `WITH matched AS (SELECT record_id AS id FROM list_words WHERE field = 'text' AND word = ANY($1)
                                    UNION SELECT id FROM statements WHERE speaker_id = ANY($2))
                   ${placedFrom([['statements', 'Statement']])}`,
  sourcesWithText: `SELECT id, 'Source' AS kind, position, record FROM sources WHERE md5(record ->> 'text') = ANY($1) AND record ->> 'text' = ANY($2)`,
};

export class PostgresDraftRecords implements DraftRecordSource {
  private readonly rows: RowsOf;

  constructor(db: Queryable, where: string) {
    this.rows = rowsOf(db, { where });
  }

  private async placed(text: string, values: unknown[]): Promise<PlacedRecord[]> {
    return (await this.rows<Row>(text, values)).map(({ kind, position, record }) => ({ kind, position, record }));
  }

  countries(): Promise<PlacedRecord[]> {
    return this.placed(sql.countries, []);
  }

  namedBy(words: readonly string[]): Promise<PlacedRecord[]> {
    return this.placed(sql.namedBy, [words]);
  }

  eventsWithStems(stems: readonly string[]): Promise<PlacedRecord[]> {
    return this.placed(sql.eventsWithStems, [stems]);
  }

  attacksOn(dates: readonly string[]): Promise<PlacedRecord[]> {
    return this.placed(sql.attacksOn, [dates]);
  }

  byIds(ids: readonly string[]): Promise<PlacedRecord[]> {
    return this.placed(recordsByIdSql, [ids]);
  }

  async statementsLike(drafted: readonly { words: readonly string[]; speakerId: string | null }[]): Promise<PlacedRecord[]> {
    // A statement near one of n words shares at least ⌈0.8·n⌉ of them, so it holds one of any
    // n − ⌈0.8·n⌉ + 1 of them: the ones the fewest statements hold keep the candidates few.
    const counts = new Map((await this.rows<{ word: string; statements: number }>(sql.statementCounts, [[...new Set(drafted.flatMap(({ words }) => words))]])).map((row) => [row.word, row.statements]));
    const picked = new Set<string>();
    for (const { words } of drafted) {
      const mine = [...new Set(words)];
      const need = Math.ceil(NEAR_SIMILARITY * mine.length - 1e-9);
      for (const word of mine.sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0)).slice(0, mine.length - need + 1)) picked.add(word);
    }
    const speakers = [...new Set(drafted.flatMap(({ speakerId }) => (speakerId === null ? [] : [speakerId])))];
    return this.placed(sql.statementsLike, [[...picked], speakers]);
  }

  sourcesWithText(texts: readonly string[]): Promise<PlacedRecord[]> {
    return this.placed(sql.sourcesWithText, [texts.map((text) => createHash('md5').update(text).digest('hex')), texts]);
  }
}
