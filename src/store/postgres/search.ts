/**
 * Full-text search from PostgreSQL, behaving as the in-memory index (src/kb/search.ts) does: the same
 * values (migration 0004's `search_documents`, filled by db:import with `searchValuesOf`), split and folded
 * into the same terms, matched by the same rule (a query term matches a term exactly, as its prefix from 3
 * characters, or within 0.2 edits per character from 5; a hyphenated query word needs all its parts), one
 * hit per record with its best-matching value, a fixed tie order (score, kind, id). Hits have the
 * in-memory `SearchHit` shape, so snippets and highlights are cut by the same `snippetOf`.
 *
 * Candidates come from GIN indexes only: the terms as a tsvector (exact and prefix matches) and as
 * trigrams (typos, checked with levenshtein_less_equal). Scores are computed in SQL, not MiniSearch's to
 * the bit: each matched query word adds its match quality (1 exact, less for a prefix or a typo, as
 * MiniSearch weighs them), times the field's boost (a name or alias over a description or a quote) and
 * a BM25 length factor (a short value that matches says more than a long one). They are comparable
 * within one query only, as in memory.
 *
 * A search ranks at most `SEARCH_HIT_CAP` hits, the best ones: pages and `searchCount` both stop there.
 */
import type { EntityKind } from '../../kb/knowledge-base.js';
import { UnknownCursorError, type ListPage, type PageWindow } from '../../kb/pages.js';
import {
  fieldBoost,
  fuzzyEditsOf,
  matchedTermsOf,
  MIN_PREFIX_LENGTH,
  queryWordsOf,
  SearchDocument,
  searchKindOrder,
  type SearchField,
  type SearchHit,
} from '../../kb/search.js';
import type { RowsOf } from './sql.js';

/** The most hits one search ranks (and counts): the best ones. */
export const SEARCH_HIT_CAP = 1000;

/** BM25's term-frequency saturation and length normalization, with MiniSearch's defaults, and the value length (in terms) taken as average. */
const BM25_K = 1.2;
const BM25_B = 0.7;
const BM25_D = 0.5;
const AVERAGE_TERMS = 12;
/** MiniSearch's weights of a prefix and of a fuzzy match, against 1 for an exact one. */
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;

const sqlText = (value: string) => `'${value.replaceAll("'", "''")}'`;
const kindOrderSql = `CASE c.kind ${Object.entries(searchKindOrder).map(([kind, order]) => `WHEN ${sqlText(kind)} THEN ${order}`).join(' ')} END`;
const boostSql = `CASE c.field ${Object.entries(fieldBoost).map(([field, boost]) => `WHEN ${sqlText(field)} THEN ${boost}`).join(' ')} END`;

/**
 * Pieces of a term of which any word within `edits` edits keeps one whole (`edits + 1` contiguous pieces:
 * each edit touches at most one). Trigram word similarity alone misses short typos ("moskow" shares too
 * few trigrams with "moscow"); a LIKE on a piece finds them on the same trigram index, and
 * levenshtein_less_equal then keeps only the true matches. A piece must be a trigram long: where `edits`
 * allows none, the pieces for fewer edits are taken ("statment", 8 letters, 2 edits allowed: its two
 * halves find every word one edit away), and words further away rest on trigram similarity.
 */
function typoPieces(term: string, edits: number): string[] {
  for (let allowed = edits; allowed > 0; allowed--) {
    const count = allowed + 1;
    const size = Math.floor(term.length / count);
    if (size < 3) continue;
    const pieces: string[] = [];
    for (let i = 0, at = 0; i < count; i++) {
      const length = size + (i < term.length % count ? 1 : 0);
      pieces.push(term.slice(at, at + length));
      at += length;
    }
    return pieces;
  }
  return [];
}

/** The SQL of a query's hits, best first (CTEs ending in `ranked`), and its parameters; undefined for a query without words. */
function rankedHits(text: string, kinds: readonly EntityKind[] | undefined): { sql: string; values: unknown[] } | undefined {
  const words = queryWordsOf(text);
  if (words.length === 0) return undefined;
  const values: unknown[] = [];
  const param = (value: unknown, type: string) => `$${values.push(value)}::${type}`;
  // Any word, each word all of its parts; a part of 3 characters or more also as a prefix.
  const tsquery = words.map((parts) => `(${parts.map((part) => `${sqlText(part)}${part.length >= MIN_PREFIX_LENGTH ? ':*' : ''}`).join(' & ')})`).join(' | ');
  const parts = words.flatMap((partsOfWord, word) => partsOfWord.map((term) => ({ word, term, edits: fuzzyEditsOf(term) })));
  const typoCandidates = [...new Set(parts.filter((part) => part.edits > 0).map((part) => part.term))].flatMap((term) => [
    `d.terms_text %> ${param(term, 'text')}`,
    ...typoPieces(term, fuzzyEditsOf(term)).map((piece) => `d.terms_text LIKE ${param(`%${piece}%`, 'text')}`),
  ]);
  const sql = `
WITH parts AS (
  SELECT * FROM unnest(${param(parts.map((p) => p.word), 'int[]')}, ${param(parts.map((p) => p.term), 'text[]')}, ${param(parts.map((p) => p.edits), 'int[]')}) AS p (word, term, edits)
), candidates AS MATERIALIZED (
  SELECT d.record_id, d.ordinal, d.kind, d.field, d.terms FROM search_documents d
   WHERE (${[`d.terms_vector @@ ${param(tsquery, 'tsquery')}`, ...typoCandidates].join(' OR ')})
     ${kinds ? `AND d.kind = ANY(${param(kinds, 'text[]')})` : ''}
), part_scores AS (
  -- Each part's best match in the value, null when none: an exact term is the best there is, so only a
  -- value without one has its terms walked for prefixes and typos.
  SELECT c.record_id, c.ordinal, p.word,
         CASE WHEN p.term = ANY(c.terms) THEN 1.0::float8 ELSE (
           SELECT max(CASE WHEN length(p.term) >= ${MIN_PREFIX_LENGTH} AND starts_with(t, p.term)
                             THEN ${PREFIX_WEIGHT} * length(t) / (length(t) + 0.3 * (length(t) - length(p.term)))
                           WHEN p.edits > 0 AND levenshtein_less_equal(p.term, t, p.edits) <= p.edits
                             THEN ${FUZZY_WEIGHT} * length(t) / (length(t) + levenshtein_less_equal(p.term, t, p.edits))
                      END)::float8
             FROM unnest(c.terms) AS t) END AS quality
    FROM candidates c CROSS JOIN parts p
), word_scores AS (
  SELECT record_id, ordinal, word, sum(quality) AS score FROM part_scores
   GROUP BY record_id, ordinal, word HAVING bool_and(quality IS NOT NULL)
), document_scores AS (
  SELECT c.record_id, c.ordinal, c.kind, ${kindOrderSql} AS kind_order,
         sum(w.score) * ${boostSql} * ((${BM25_K} + 1) / (1 + ${BM25_K} * (1 - ${BM25_B} + ${BM25_B} * cardinality(c.terms) / ${AVERAGE_TERMS}.0)) + ${BM25_D}) AS score
    FROM word_scores w JOIN candidates c USING (record_id, ordinal)
   GROUP BY c.record_id, c.ordinal, c.kind, c.field, c.terms
), best AS (
  -- A record's best value; on equal scores its first.
  SELECT DISTINCT ON (record_id) record_id, ordinal, kind, kind_order, score FROM document_scores ORDER BY record_id, score DESC, ordinal
), ranked AS MATERIALIZED (
  SELECT record_id, ordinal, kind, score, row_number() OVER (ORDER BY score DESC, kind_order, record_id COLLATE "C")::int AS pos
    FROM best ORDER BY score DESC, kind_order, record_id COLLATE "C" LIMIT ${SEARCH_HIT_CAP}
)`;
  return { sql, values };
}

interface PageRow {
  after_found: boolean;
  before_found: boolean;
  has_previous: boolean;
  has_next: boolean;
  items: { recordId: string; kind: EntityKind; score: number; ordinal: number; field: SearchField; value: string }[] | null;
}

/**
 * One page of a search's hits, best first, in one statement (a cursor is the id of a record the same
 * search found; any other is an UnknownCursorError, as in memory). Empty for a query without words.
 */
export async function searchPage(rows: RowsOf, text: string, kinds: readonly EntityKind[] | undefined, window: PageWindow): Promise<ListPage<SearchHit>> {
  const ranked = rankedHits(text, kinds);
  if (!ranked) {
    if (window.after !== undefined) throw new UnknownCursorError('after');
    if (window.before !== undefined) throw new UnknownCursorError('before');
    return { items: [], hasPreviousPage: false, hasNextPage: false };
  }
  const { values } = ranked;
  const param = (value: unknown, type: string) => `$${values.push(value)}::${type}`;
  const after = param(window.after ?? null, 'text');
  const before = param(window.before ?? null, 'text');
  const first = param(window.first ?? null, 'int');
  const last = param(window.last ?? null, 'int');
  // As pageOfList: [start, end) of the ranked list, positions being 1-based.
  const sql = `${ranked.sql},
cursors AS (
  SELECT (SELECT pos FROM ranked WHERE record_id = ${after}) AS after_pos, (SELECT pos FROM ranked WHERE record_id = ${before}) AS before_pos,
         (SELECT count(*)::int FROM ranked) AS total
), starts AS (
  SELECT *, coalesce(after_pos, 0) AS start0 FROM cursors
), ends AS (
  SELECT *, CASE WHEN ${before} IS NULL THEN total ELSE greatest(start0, before_pos - 1) END AS end0 FROM starts
), firsts AS (
  SELECT *, CASE WHEN ${first} IS NULL THEN end0 ELSE least(end0, start0 + ${first}) END AS end1 FROM ends
), bounds AS (
  SELECT *, CASE WHEN ${last} IS NULL THEN start0 ELSE greatest(start0, end1 - ${last}) END AS start1 FROM firsts
)
SELECT b.after_pos IS NOT NULL AS after_found, b.before_pos IS NOT NULL AS before_found, b.start1 > 0 AS has_previous, b.end1 < b.total AS has_next,
       (SELECT json_agg(json_build_object('recordId', r.record_id, 'kind', r.kind, 'score', r.score, 'ordinal', r.ordinal, 'field', d.field, 'value', d.value) ORDER BY r.pos)
          FROM ranked r JOIN search_documents d ON d.record_id = r.record_id AND d.ordinal = r.ordinal
         WHERE r.pos > b.start1 AND r.pos <= b.end1) AS items
  FROM bounds b`;
  const [row] = await rows<PageRow>(sql, values);
  if (window.after !== undefined && !row!.after_found) throw new UnknownCursorError('after');
  if (window.before !== undefined && !row!.before_found) throw new UnknownCursorError('before');
  return {
    items: (row!.items ?? []).map(({ recordId, kind, score, ordinal, field, value }) => ({
      recordId,
      kind,
      score,
      field,
      value,
      terms: matchedTermsOf(text, value),
      document: new SearchDocument(ordinal, recordId, kind, field, value),
    })),
    hasPreviousPage: row!.has_previous,
    hasNextPage: row!.has_next,
  };
}

/** How many hits a search has (at most `SEARCH_HIT_CAP`, as its pages), in one statement. */
export async function searchCount(rows: RowsOf, text: string, kinds: readonly EntityKind[] | undefined): Promise<number> {
  const ranked = rankedHits(text, kinds);
  if (!ranked) return 0;
  const [row] = await rows<{ count: number }>(`${ranked.sql} SELECT count(*)::int AS count FROM ranked`, ranked.values);
  return row!.count;
}
