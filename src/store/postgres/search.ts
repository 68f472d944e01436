/**
 * Full-text search from PostgreSQL, behaving as the in-memory index (src/kb/search.ts) does: the same
 * values (`search_documents`, filled by db:import with `searchValuesOf`), split and folded into the same
 * terms, matched by the same rule (a query term matches a term exactly, as its prefix from 3 characters,
 * or within 0.2 edits per character from 5; a hyphenated query word needs all its parts), one hit per
 * record with its best-matching value, a fixed tie order (score, kind, id). Hits have the in-memory
 * `SearchHit` shape, so snippets and highlights are cut by the same `snippetOf`.
 *
 * Scores are computed in SQL, not MiniSearch's to the bit: each matched query word adds its match quality
 * (1 exact, less for a prefix or a typo, as MiniSearch weighs them), times the value's weight: its field's
 * boost (a name or alias over a description or a quote) times a BM25 length factor (a short value that
 * matches says more than a long one). They are comparable within one query only, as in memory.
 *
 * How a search stays fast at any size (migration 0006): each query term is first matched against the
 * vocabulary (`search_terms`: exact, prefix, and typo candidates by trigrams, checked with
 * levenshtein_less_equal), then each matched term's postings are read best first (`search_postings`, in
 * weight order) a few dozen at a time, and only the records they name are scored exactly, from all their
 * values. The best of those are the true best once nothing unread could outrank them: for a query of one
 * term, any unread posting ranks after the last one read of its term (the postings are in the ranking's
 * own order); for longer queries, an unread value's weight is at most where each of its terms' reads
 * stopped, which bounds its score. Until the page is certain, each term's read is made four times longer
 * and the statement run again; a short list whose terms were read to the end is certain at once.
 *
 * A search ranks at most `SEARCH_HIT_CAP` hits, the best ones: pages and `searchCount` both stop there.
 * A first page (`first`, no cursor) needs only its own hits and one more, the next page (`first`, `after`)
 * the ranking down to its cursor and one more; a page before a cursor and a `last` page need the ranked
 * list up to the cap. A count whose words are single terms counts the records the postings name.
 */
import type { EntityKind } from '../../kb/knowledge-base.js';
import { pageOfList, UnknownCursorError, type ListPage, type PageWindow } from '../../kb/pages.js';
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

/** Postings read per matched term at first: enough for a first page of twenty with a value or two per record. */
const FIRST_READ = 48;
/** How much longer each term's read gets when the ranking is not yet certain. */
const READ_GROWTH = 4;
/** Past this many postings per term, a term is read to its end. */
const READ_ALL_FROM = 100_000;

/** The next round's postings per term: four times more, or every posting (null) once that passes `READ_ALL_FROM`. */
const longerRead = (read: number): number | null => (read * READ_GROWTH < READ_ALL_FROM ? read * READ_GROWTH : null);

const sqlText = (value: string) => `'${value.replaceAll("'", "''")}'`;
const kindOrderSql = (kind: string) => `CASE ${kind} ${Object.entries(searchKindOrder).map(([name, order]) => `WHEN ${sqlText(name)} THEN ${order}`).join(' ')} END`;

/**
 * The part of a value's score that does not depend on the query: its field's boost times BM25's length
 * factor. One expression for the postings db:import writes and for the exact scores, so that a
 * one-term score is the same number whichever of the two computes it.
 */
function weightSql(field: string, terms: string): string {
  const boost = `CASE ${field} ${Object.entries(fieldBoost).map(([name, value]) => `WHEN ${sqlText(name)} THEN ${value}`).join(' ')} END`;
  return `(${boost} * ((${BM25_K} + 1) / (1 + ${BM25_K} * (1 - ${BM25_B} + ${BM25_B} * cardinality(${terms}) / ${AVERAGE_TERMS}.0)) + ${BM25_D}))::float8`;
}

/** The postings of the documents in `documents` (a table or a CTE with search_documents' columns), as search_postings' columns in order. */
export function postingsOf(documents: string): string {
  return `SELECT t.term, ${weightSql('d.field', 'd.terms')}, ${kindOrderSql('d.kind')}, d.record_id, d.ordinal, d.kind
            FROM ${documents} d CROSS JOIN LATERAL (SELECT DISTINCT unnest(d.terms) AS term) t`;
}

/**
 * The statements that derive migration 0006's tables from `search_documents`, in order: db:import runs
 * them after filling it (and the scale benchmark after multiplying it). A mutation derives the postings
 * of the documents it writes with `postingsOf` in the same statement (src/store/postgres/writer.ts).
 */
export const searchIndexStatements: readonly string[] = [
  `INSERT INTO search_postings (term, weight, kind_order, record_id, ordinal, kind) ${postingsOf('search_documents')}`,
  `INSERT INTO search_terms (term) SELECT DISTINCT term FROM search_postings`,
];

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

const likeEscaped = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** How a search reads postings; tests make the first read short so that later rounds run on small data. */
export interface SearchReading {
  /** Postings read per matched term in the first round (by default enough for the page wanted, and at least 48). */
  firstRead?: number;
}

/** One query term: a part of a word ("de" and "escalation" of "de-escalation"), with the edits it tolerates. */
interface QueryPart {
  word: number;
  term: string;
  edits: number;
}

/** The terms of a query, each with its word and the edits it tolerates. */
function partsOf(text: string): QueryPart[] {
  return queryWordsOf(text).flatMap((partsOfWord, word) => partsOfWord.map((term) => ({ word, term, edits: fuzzyEditsOf(term) })));
}

/** Where a term's read stopped: its last posting's weight, score and tie keys; none when the term was read to its end. */
interface StreamEnd {
  part: number;
  /** The term's match quality for the part. */
  quality: number;
  weight: number;
  /** quality × weight. */
  score: number;
  kindOrder: number;
  recordId: string;
}

interface RankedHit {
  recordId: string;
  kind: EntityKind;
  kindOrder: number;
  score: number;
  ordinal: number;
  field: SearchField;
  value: string;
}

interface RoundRow {
  hits: RankedHit[] | null;
  /** The terms whose read did not reach their end. */
  unfinished: StreamEnd[] | null;
}

/**
 * What every round starts with (CTEs, then the caller's own): the query's parts matched against the
 * vocabulary (`matched`), each matched term's best `$1` postings (all of them when `$1` is null:
 * `streamed`), and where each term whose read did not reach its end stopped (`unfinished`). `values`
 * holds the parameters so far, `$1` first; `kindFilter` limits a table alias to the kinds asked for.
 */
function roundStart(parts: readonly QueryPart[], kinds: readonly EntityKind[] | undefined) {
  const values: unknown[] = [];
  const param = (value: unknown, type: string) => `$${values.push(value)}::${type}`;
  const read = param(null, 'int'); // $1, set per round
  const kindFilter = (alias: string) => (kinds ? `AND ${alias}.kind = ANY(${param(kinds, 'text[]')})` : '');
  // Each part's candidate terms from the vocabulary: itself, the terms it begins (from 3 characters),
  // and typo candidates; the quality below keeps only true matches.
  const vocabulary = parts.flatMap((part, index) => {
    const term = param(part.term, 'text');
    const branches = [`SELECT ${index} AS part, term FROM search_terms WHERE term = ${term}`];
    if (part.term.length >= MIN_PREFIX_LENGTH) {
      branches.push(`SELECT ${index}, term FROM search_terms WHERE term >= ${term} AND term < ${term} || chr(1114111) AND starts_with(term, ${term})`);
    }
    if (part.edits > 0) {
      const near = [`term %> ${term}`, ...typoPieces(part.term, part.edits).map((piece) => `term LIKE ${param(`%${likeEscaped(piece)}%`, 'text')}`)];
      branches.push(`SELECT ${index}, term FROM search_terms WHERE ${near.join(' OR ')}`);
    }
    return branches;
  });
  const partsOfWord = parts.map((part) => parts.filter((other) => other.word === part.word).length);
  const sql = `
WITH parts AS (
  SELECT * FROM unnest(${param(parts.map((_, i) => i), 'int[]')}, ${param(parts.map((p) => p.word), 'int[]')}, ${param(parts.map((p) => p.term), 'text[]')},
                       ${param(parts.map((p) => p.edits), 'int[]')}, ${param(partsOfWord, 'int[]')}) AS p (part, word, term, edits, parts_of_word)
), matched AS MATERIALIZED (
  SELECT m.part, m.term, q.quality FROM (${vocabulary.join(' UNION ')}) AS m JOIN parts p USING (part)
   CROSS JOIN LATERAL (SELECT (CASE WHEN m.term = p.term THEN 1.0
       WHEN length(p.term) >= ${MIN_PREFIX_LENGTH} AND starts_with(m.term, p.term) THEN ${PREFIX_WEIGHT} * length(m.term) / (length(m.term) + 0.3 * (length(m.term) - length(p.term)))
       WHEN p.edits > 0 AND levenshtein_less_equal(p.term, m.term, p.edits) <= p.edits THEN ${FUZZY_WEIGHT} * length(m.term) / (length(m.term) + levenshtein_less_equal(p.term, m.term, p.edits))
     END)::float8 AS quality) AS q
   WHERE q.quality IS NOT NULL
), streamed AS MATERIALIZED (
  SELECT m.part, m.term, m.quality, s.weight, s.record_id, s.kind_order, m.quality * s.weight AS score,
         row_number() OVER (PARTITION BY m.part, m.term ORDER BY s.weight DESC, s.kind_order, s.record_id COLLATE "C", s.ordinal) AS n
    FROM matched m CROSS JOIN LATERAL (
      SELECT s.weight, s.kind_order, s.record_id, s.ordinal FROM search_postings s WHERE s.term = m.term ${kindFilter('s')}
       ORDER BY s.weight DESC, s.kind_order, s.record_id COLLATE "C", s.ordinal LIMIT ${read}) AS s
), unfinished AS (
  SELECT DISTINCT ON (part, term) part, quality, weight, score, kind_order, record_id FROM streamed
   WHERE ${read} IS NOT NULL AND n = ${read} ORDER BY part, term`;
  return { sql, values, param, kindFilter };
}

/**
 * The statement of one round of a ranking: the records the postings read name, scored exactly from all
 * their values, and the best `wantedHits` of those, with where each unfinished term's read stopped.
 */
function roundStatement(parts: readonly QueryPart[], kinds: readonly EntityKind[] | undefined, wantedHits: number): { sql: string; values: unknown[] } {
  const { sql: start, values, param, kindFilter } = roundStart(parts, kinds);
  const wanted = param(wantedHits, 'int');
  const sql = `${start}
), documents AS MATERIALIZED (
  SELECT d.record_id, d.ordinal, d.kind, d.field, d.terms FROM search_documents d
   WHERE d.record_id IN (SELECT record_id FROM streamed) ${kindFilter('d')}
), part_scores AS (
  -- Each part's best match in the value: the best quality among the value's terms that match it.
  SELECT d.record_id, d.ordinal, m.part, max(m.quality) AS quality
    FROM documents d CROSS JOIN LATERAL unnest(d.terms) AS t (term) JOIN matched m ON m.term = t.term
   GROUP BY d.record_id, d.ordinal, m.part
), word_scores AS (
  -- A word counts only with all its parts.
  SELECT s.record_id, s.ordinal, p.word, sum(s.quality) AS score FROM part_scores s JOIN parts p USING (part)
   GROUP BY s.record_id, s.ordinal, p.word HAVING count(*) = min(p.parts_of_word)
), document_scores AS (
  SELECT d.record_id, d.ordinal, d.kind, sum(w.score) * ${weightSql('d.field', 'd.terms')} AS score
    FROM word_scores w JOIN documents d USING (record_id, ordinal)
   GROUP BY d.record_id, d.ordinal, d.kind, d.field, d.terms
), best AS (
  -- A record's best value; on equal scores its first.
  SELECT DISTINCT ON (record_id) record_id, ordinal, kind, ${kindOrderSql('kind')} AS kind_order, score FROM document_scores ORDER BY record_id, score DESC, ordinal
), ranked AS (
  SELECT * FROM best ORDER BY score DESC, kind_order, record_id COLLATE "C" LIMIT ${wanted}
)
SELECT (SELECT json_agg(json_build_object('recordId', r.record_id, 'kind', r.kind, 'kindOrder', r.kind_order, 'score', r.score, 'ordinal', r.ordinal, 'field', d.field, 'value', d.value)
                        ORDER BY r.score DESC, r.kind_order, r.record_id COLLATE "C")
          FROM ranked r JOIN search_documents d ON d.record_id = r.record_id AND d.ordinal = r.ordinal) AS hits,
       (SELECT json_agg(json_build_object('part', part, 'quality', quality, 'weight', weight, 'score', score, 'kindOrder', kind_order, 'recordId', record_id)) FROM unfinished) AS unfinished`;
  return { sql, values };
}

/**
 * The best `wanted` hits of a query, best first (fewer when it has fewer), exactly as a full ranking
 * would order them. Empty for a query without words.
 */
async function bestHits(rows: RowsOf, text: string, kinds: readonly EntityKind[] | undefined, wanted: number, reading: SearchReading): Promise<RankedHit[]> {
  const parts = partsOf(text);
  if (parts.length === 0) return [];
  const { sql, values } = roundStatement(parts, kinds, wanted);
  let read: number | null = reading.firstRead ?? Math.max(FIRST_READ, 2 * wanted + 16);
  for (;;) {
    values[0] = read;
    const [row] = await rows<RoundRow>(sql, values);
    const hits = row!.hits ?? [];
    const unfinished = row!.unfinished ?? [];
    if (read === null || unfinished.length === 0) return hits;
    if (hits.length === wanted && isCertain(hits[wanted - 1]!, parts, unfinished)) return hits;
    read = longerRead(read);
  }
}

/** Whether `a` comes before (or is) `b` among hits of equal score: kind order, then id. */
function tiesAtOrBefore(a: { kindOrder: number; recordId: string }, b: { kindOrder: number; recordId: string }): boolean {
  return a.kindOrder !== b.kindOrder ? a.kindOrder < b.kindOrder : a.recordId <= b.recordId;
}

/** Whether hit `a` ranks before (or at) the place of `b`: higher score, then kind order, then id. */
function ranksAtOrBefore(a: { score: number; kindOrder: number; recordId: string }, b: { score: number; kindOrder: number; recordId: string }): boolean {
  return a.score !== b.score ? a.score > b.score : tiesAtOrBefore(a, b);
}

/** The most a value can gain from the parts, taking for each part the best quality among `ends`' terms. */
function bestQualities(parts: readonly QueryPart[], ends: readonly StreamEnd[]): number {
  return parts.reduce((sum, _, part) => sum + Math.max(0, ...ends.filter((end) => end.part === part).map((end) => end.quality)), 0);
}

/**
 * Whether no record a round left unread can rank before `last`, the last hit it wants. An unread value
 * comes after the last posting read of every term it holds, in the postings' order (weight, kind, id).
 */
function isCertain(last: RankedHit, parts: readonly QueryPart[], unfinished: readonly StreamEnd[]): boolean {
  // One part: a value's score is its best term's quality times its weight, the postings' own order, so
  // an unread value ranks after the earliest of the terms' last read postings.
  if (parts.length === 1) return unfinished.every((end) => ranksAtOrBefore(last, end));
  // More: a value of weight w holds only terms whose reads stopped at w or above, so it scores at most
  // w times the best qualities of those terms' parts. Scores are compared with a margin for rounding.
  const margin = last.score * 1e-9;
  for (const weight of new Set(unfinished.map((end) => end.weight))) {
    const most = weight * bestQualities(parts, unfinished.filter((end) => end.weight >= weight));
    if (most < last.score - margin) continue;
    if (most > last.score + margin) return false;
    // An unread value could tie with `last`. Holding only terms read to above w, it scores less; holding
    // a term whose read stopped at w, it comes after that posting in tie order, so after `last` if that is.
    if (weight * bestQualities(parts, unfinished.filter((end) => end.weight > weight)) >= last.score - margin) return false;
    if (!unfinished.every((end) => end.weight !== weight || tiesAtOrBefore(last, end))) return false;
  }
  return true;
}

function toSearchHit(text: string, { recordId, kind, score, ordinal, field, value }: RankedHit): SearchHit {
  return { recordId, kind, score, field, value, terms: matchedTermsOf(text, value), document: new SearchDocument(ordinal, recordId, kind, field, value) };
}

/**
 * One page of a search's hits, best first (a cursor is the id of a record the same search found; any
 * other is an UnknownCursorError, as in memory). Empty for a query without words.
 */
export async function searchPage(
  rows: RowsOf,
  text: string,
  kinds: readonly EntityKind[] | undefined,
  window: PageWindow,
  reading: SearchReading = {},
): Promise<ListPage<SearchHit>> {
  const { first, after } = window;
  if (first !== undefined && window.before === undefined && window.last === undefined) {
    if (after === undefined) {
      const hits = await bestHits(rows, text, kinds, Math.min(first + 1, SEARCH_HIT_CAP), reading);
      return { items: hits.slice(0, first).map((hit) => toSearchHit(text, hit)), hasPreviousPage: false, hasNextPage: hits.length > first };
    }
    // The next page: the ranking up to the cursor and one more than the page, found by ranking a few
    // pages' worth and more until the cursor and its page are in (or the ranking is whole).
    for (let wanted = Math.min(4 * (first + 1), SEARCH_HIT_CAP); ; wanted = Math.min(wanted * READ_GROWTH, SEARCH_HIT_CAP)) {
      const hits = await bestHits(rows, text, kinds, wanted, reading);
      const whole = hits.length < wanted || wanted === SEARCH_HIT_CAP;
      const cursor = hits.findIndex((hit) => hit.recordId === after);
      const end = cursor + 1 + first;
      if (cursor >= 0 && (hits.length > end || whole)) {
        return { items: hits.slice(cursor + 1, end).map((hit) => toSearchHit(text, hit)), hasPreviousPage: true, hasNextPage: hits.length > end };
      }
      if (whole) throw new UnknownCursorError('after');
    }
  }
  const hits = await bestHits(rows, text, kinds, SEARCH_HIT_CAP, reading);
  const rankOf = new Map(hits.map((hit, rank) => [hit.recordId, rank]));
  const page = pageOfList(hits, window, (hit) => rankOf.get(hit.recordId)!, (id) => rankOf.get(id));
  return { ...page, items: page.items.map((hit) => toSearchHit(text, hit)) };
}

/**
 * The statement of one round of a count, for queries whose words are single terms: then every posting
 * read names a hit, so the records they name are counted without scoring any.
 */
function countStatement(parts: readonly QueryPart[], kinds: readonly EntityKind[] | undefined): { sql: string; values: unknown[] } {
  const { sql: start, values } = roundStart(parts, kinds);
  return { sql: `${start}
)
SELECT (SELECT count(DISTINCT record_id) FROM streamed)::int AS records, EXISTS (SELECT 1 FROM unfinished) AS unfinished`, values };
}

/** How many hits a search has (at most `SEARCH_HIT_CAP`, as its pages). */
export async function searchCount(rows: RowsOf, text: string, kinds: readonly EntityKind[] | undefined, reading: SearchReading = {}): Promise<number> {
  const parts = partsOf(text);
  // A hyphenated word is a hit only with all its parts in one value: that takes the ranking's scoring.
  if (new Set(parts.map((part) => part.word)).size < parts.length) return (await bestHits(rows, text, kinds, SEARCH_HIT_CAP, reading)).length;
  if (parts.length === 0) return 0;
  const { sql, values } = countStatement(parts, kinds);
  for (let read: number | null = reading.firstRead ?? 2 * SEARCH_HIT_CAP; ; read = longerRead(read)) {
    values[0] = read;
    const [row] = await rows<{ records: number; unfinished: boolean }>(sql, values);
    if (row!.records >= SEARCH_HIT_CAP) return SEARCH_HIT_CAP;
    if (read === null || !row!.unfinished) return row!.records;
  }
}
