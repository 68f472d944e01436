/**
 * Full-text search over persons, countries, organizations, events and statements, independent of
 * GraphQL. The index is MiniSearch, built once per knowledge base (`searchIndexFor`); a query is one
 * MiniSearch search plus grouping of its hits by record.
 *
 * Each searchable value is its own MiniSearch document (a person's name, each of its aliases, its
 * description; a statement's text; each place an event happened), so a hit says exactly which field
 * and which alias matched. Terms are the words of `foldedWords` (case- and accent-folded like the
 * filters), split further at hyphens and apostrophes: "de-escalation" is indexed as "de" and
 * "escalation", and a query word with a hyphen must match all its parts.
 */
import MiniSearch, { type Options, type Query, type SearchResult } from 'minisearch';
import type { EntityKind, KnowledgeBase, RecordsByCollection } from './knowledge-base.js';
import { foldedWords, foldText } from './text.js';

/** The part of a record a hit matched. */
export type SearchField = 'NAME' | 'ALIAS' | 'DESCRIPTION' | 'TEXT' | 'LOCATION';

/** The longest query accepted, in UTF-16 code units. */
export const MAX_QUERY_LENGTH = 200;
/** The longest snippet, in UTF-16 code units, before the "…" marks that show where it was cut. */
export const SNIPPET_LENGTH = 160;

/**
 * Multiplies the relevance of a match by the field it is in: a name or alias that matches says the
 * record is what was searched for; a description or quote that contains the word only mentions it.
 */
export const fieldBoost: Readonly<Record<SearchField, number>> = { NAME: 3, ALIAS: 3, LOCATION: 2, DESCRIPTION: 1, TEXT: 1 };

/** Prefix search from 3 characters, and typo tolerance (0.2 edits per character) from 5: shorter terms match too much. */
export const MIN_PREFIX_LENGTH = 3;
export const MIN_FUZZY_LENGTH = 5;
const FUZZINESS = 0.2;
/** MiniSearch's cap on the edits a fuzzy term allows. */
const MAX_FUZZY_EDITS = 6;

/** The edits a query term of this length tolerates, as MiniSearch counts them (0 below `MIN_FUZZY_LENGTH`). */
export function fuzzyEditsOf(term: string): number {
  return term.length >= MIN_FUZZY_LENGTH ? Math.min(MAX_FUZZY_EDITS, Math.round(term.length * FUZZINESS)) : 0;
}

/** Breaks a tie in score: kinds in this order, then ids, so the ranking (and every cursor) is stable. */
export const searchKindOrder: Readonly<Record<EntityKind, number>> = { Person: 0, Country: 1, Organization: 2, Event: 3, Statement: 4 };

const kindOrder = searchKindOrder;

/** One indexed term of a value and where it stands in the original (unfolded) value. */
interface TermSpan {
  /** The folded term ("stephane" for "Stéphane"). */
  term: string;
  /** UTF-16 offsets of the term in the original value, end exclusive. */
  start: number;
  end: number;
  /** Offsets of the whole word the term is part of ("de-escalation" for "escalation"). */
  wordStart: number;
  wordEnd: number;
}

/** One searchable value of a record: what a hit points at, and what its snippet is cut from. */
export class SearchDocument {
  constructor(
    /** Position in `SearchIndex.documents`; MiniSearch's document id. */
    readonly id: number,
    readonly recordId: string,
    readonly kind: EntityKind,
    readonly field: SearchField,
    readonly value: string,
  ) {}

  /**
   * The value's terms with their offsets, for snippets. Worked out when asked for, not kept: only the
   * hits on a page need them, and keeping them for every value would hold millions of objects at scale.
   */
  get spans(): TermSpan[] {
    return termSpans(this.value);
  }
}

/** One record that matched a query, with its best-matching value. */
export interface SearchHit {
  recordId: string;
  kind: EntityKind;
  /** MiniSearch's BM25 relevance with field boosts; comparable only within one query. */
  score: number;
  field: SearchField;
  /** The value that matched best, exactly as the record holds it. */
  value: string;
  /** The folded terms of `value` that matched the query ("stoltenberg" for the query "stolten"). */
  terms: string[];
  document: SearchDocument;
}

/** A stretch of a matched value with the matched words marked. */
export interface Snippet {
  text: string;
  /** UTF-16 offsets into `text`, end exclusive, in order and not overlapping. */
  highlights: { start: number; end: number }[];
}

const nonAscii = /[^\x00-\x7f]/;
const markPattern = /\p{M}/u;

/** Whether a code point is a combining mark (\p{M}); none is ASCII. */
function isMark(codePoint: number): boolean {
  return codePoint >= 0x80 && markPattern.test(String.fromCodePoint(codePoint));
}

/**
 * Folds `text` one grapheme base (a character with its combining marks) at a time, remembering for
 * each folded code unit which original code units it came from: folding can change lengths
 * ("e\u0301" becomes "e"), so offsets found in the folded text must be mapped back. Without
 * `withOffsets` only the folded text is built (for indexing, which needs no offsets).
 *
 * `starts` and `ends` are null when the text is ASCII: each character is then its own grapheme and
 * folds to one character (its lowercase), so the folded text is `text.toLowerCase()` and every offset
 * maps to itself. Otherwise a character (code point) is a cluster with the marks after it, and a run
 * of marks with nothing before it is one, as `/\P{M}\p{M}*|\p{M}+/gu` splits; a lone ASCII character
 * folds to its lowercase without going through `foldText`.
 */
function foldClusters(text: string, withOffsets: boolean): { folded: string; starts: number[] | null; ends: number[] | null } {
  if (!nonAscii.test(text)) return { folded: text.toLowerCase(), starts: null, ends: null };
  let folded = '';
  const starts: number[] | null = withOffsets ? [] : null;
  const ends: number[] | null = withOffsets ? [] : null;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const start = i;
    const first = text.codePointAt(i)!;
    i += first > 0xffff ? 2 : 1;
    while (i < length) {
      const next = text.codePointAt(i)!;
      if (!isMark(next)) break;
      i += next > 0xffff ? 2 : 1;
    }
    // A lone ASCII character: what foldText would give, without its normalizations.
    const piece = i - start === 1 && first < 0x80 ? (first >= 65 && first <= 90 ? String.fromCharCode(first + 32) : text[start]!) : foldText(text.slice(start, i));
    if (starts && ends) {
      for (let k = 0; k < piece.length; k++) {
        starts.push(start);
        ends.push(i);
      }
    }
    folded += piece;
  }
  return { folded, starts, ends };
}

/**
 * The terms of one folded word: its parts between hyphens and apostrophes, without the short clitic
 * after an apostrophe ("turkey's" gives "turkey", "he'll" gives "he"), which would match every possessive.
 */
function wordParts(word: string): { term: string; offset: number }[] {
  const parts: { term: string; offset: number }[] = [];
  for (const part of word.matchAll(/[^'-]+/g)) {
    if (part.index > 0 && word[part.index - 1] === "'" && part[0].length <= 2) continue;
    parts.push({ term: part[0], offset: part.index });
  }
  return parts;
}

/**
 * Walks the indexed terms of `text` in order, with their offsets in the folded text and the offset
 * where their word starts. `foldedWords` is the word rule the filters use; finding each word in order
 * in the folded text recovers its offsets (a word it cannot find there is left out).
 */
function eachTerm(folded: string, visit: (term: string, from: number, wordAt: number, wordEndAt: number) => void): void {
  let cursor = 0;
  for (const word of foldedWords(folded)) {
    const at = folded.indexOf(word, cursor);
    if (at < 0) continue;
    cursor = at + word.length;
    // Most words have no hyphen or apostrophe: they are their own single term.
    if (!word.includes("'") && !word.includes('-')) visit(word, at, at, cursor);
    else for (const part of wordParts(word)) visit(part.term, at + part.offset, at, cursor);
  }
}

/** The indexed terms of `text`, in order, with their offsets in `text`. Used for highlighting; `termsOf` gives the same terms for indexing. */
function termSpans(text: string): TermSpan[] {
  const { folded, starts, ends } = foldClusters(text, true);
  const spans: TermSpan[] = [];
  eachTerm(folded, (term, from, wordAt, wordEndAt) => {
    spans.push(
      starts && ends
        ? { term, start: starts[from]!, end: ends[from + term.length - 1]!, wordStart: starts[wordAt]!, wordEnd: ends[wordEndAt - 1]! }
        : { term, start: from, end: from + term.length, wordStart: wordAt, wordEnd: wordEndAt },
    );
  });
  return spans;
}

/** The indexed terms of `text`, in order: `termSpans(text)` without the offsets. Any store indexes values with these. */
export function termsOf(text: string): string[] {
  const terms: string[] = [];
  eachTerm(foldClusters(text, false).folded, (term) => terms.push(term));
  return terms;
}

/** The words of a user's query, each as the terms it must all match (a hyphenated word has several); words without terms left out. */
export function queryWordsOf(text: string): string[][] {
  return foldedWords(text).map((word) => wordParts(word).map((part) => part.term)).filter((parts) => parts.length > 0);
}

/** Levenshtein distance, or `max + 1` once it is certainly more than `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let smallest = i;
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      smallest = Math.min(smallest, current[j]!);
    }
    if (smallest > max) return max + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/** Whether a query term matches an indexed term as the index matches them: exactly, as a prefix from 3 characters, or within `fuzzyEditsOf` edits. */
export function termMatches(queryTerm: string, term: string): boolean {
  if (term === queryTerm) return true;
  if (queryTerm.length >= MIN_PREFIX_LENGTH && term.startsWith(queryTerm)) return true;
  const edits = fuzzyEditsOf(queryTerm);
  return edits > 0 && editDistance(queryTerm, term, edits) <= edits;
}

/**
 * The terms of `value` a query matches, each once, in the order of the query's terms: for a store whose
 * hits name the value they matched, the `terms` of its SearchHit. A hyphenated query word counts only
 * where all its parts match.
 */
export function matchedTermsOf(text: string, value: string): string[] {
  const terms = termsOf(value);
  const matched = new Set<string>();
  for (const parts of queryWordsOf(text)) {
    const perPart = parts.map((part) => terms.filter((term) => termMatches(part, term)));
    if (perPart.every((found) => found.length > 0)) for (const found of perPart) for (const term of found) matched.add(term);
  }
  return [...matched];
}

/** One searchable value of a record, before it is given a document id. */
export interface SearchValue {
  recordId: string;
  kind: EntityKind;
  field: SearchField;
  value: string;
}

/**
 * Every searchable value of the records, in index order (persons, countries, organizations, events,
 * statements; a record's name, aliases, description, then places; a statement's text, then its reports'
 * other wordings). Empty values are left out. Every store indexes these same values.
 */
export function* searchValuesOf(
  records: Pick<RecordsByCollection, 'persons' | 'countries' | 'organizations' | 'events' | 'statements'>,
  /** The name of a country an event is located in: among `records` by default (a writer of some records passes the rest). */
  countryNameOf?: (countryId: string) => string | undefined,
): Generator<SearchValue> {
  function* entity(kind: EntityKind, record: { id: string; name: string | null; aliases: string[]; description: string; label?: string }): Generator<SearchValue> {
    // An unnamed person is found by the label the source gives it ("State Department official (unnamed)").
    const name = record.name ?? record.label;
    if (name) yield { recordId: record.id, kind, field: 'NAME', value: name };
    for (const alias of record.aliases) if (alias) yield { recordId: record.id, kind, field: 'ALIAS', value: alias };
    if (record.description) yield { recordId: record.id, kind, field: 'DESCRIPTION', value: record.description };
  }
  const { persons, countries, organizations, events, statements } = records;
  const names = new Map(countries.map((country) => [country.id, country.name]));
  const countryName = countryNameOf ?? ((id: string) => names.get(id));
  for (const person of persons) yield* entity('Person', person);
  for (const country of countries) yield* entity('Country', country);
  for (const organization of organizations) yield* entity('Organization', organization);
  for (const event of events) {
    yield* entity('Event', event);
    for (const location of event.locations) {
      const value = [location.city, location.countryId && countryName(location.countryId)].filter(Boolean).join(', ');
      if (value) yield { recordId: event.id, kind: 'Event', field: 'LOCATION', value };
    }
  }
  for (const statement of statements) {
    if (statement.text) yield { recordId: statement.id, kind: 'Statement', field: 'TEXT', value: statement.text };
    // A report's variant wording finds the statement too.
    for (const wording of new Set(statement.reports.map((report) => report.evidence.text))) {
      if (wording && wording !== statement.text) yield { recordId: statement.id, kind: 'Statement', field: 'TEXT', value: wording };
    }
  }
}

/** The MiniSearch query for a user's query: any of its words, where a hyphenated word needs all its parts. */
function buildQuery(text: string): Query | undefined {
  const words = queryWordsOf(text);
  const queries: Query[] = words.map((parts) => (parts.length === 1 ? parts[0]! : { combineWith: 'AND', queries: parts }));
  return queries.length > 0 ? { combineWith: 'OR', queries } : undefined;
}

/** MiniSearch's term index (a radix tree): term -> field id -> document id -> frequency of the term there. */
interface TermTree {
  set(term: string, data: Map<number, Map<number, number>>): unknown;
}

/**
 * The MiniSearch index of `documents`: exactly what `new MiniSearch(options).addAll(documents)`
 * builds (`toJSON()` of the two is the same, down to the order of terms and documents), at a fraction
 * of the cost. `addAll` walks MiniSearch's radix tree once per term occurrence, which at scale was most
 * of the load. Here each document's terms are counted in a small map, each (term, document) pair is
 * one hash-map update, and the tree gets each distinct term once, in order of first occurrence (the
 * order in which `addAll` creates them). Field lengths (distinct terms per document) and their running
 * average are computed as MiniSearch's `add` computes them, so scores are the same to the last bit.
 *
 * Documents, field lengths and counts go through `MiniSearch.loadJS` (its serialization format); the
 * terms go straight into the term index `loadJS` fills (`_index`), since its serialized form (objects
 * keyed by document id, converted back to maps) would cost as much again and double the peak memory.
 * A MiniSearch without that index fails here, loudly.
 */
function buildMiniSearch(documents: readonly SearchDocument[], options: Options<SearchDocument>): MiniSearch<SearchDocument> {
  // Per term, its documents and the term's frequency in each, in document order.
  const postings = new Map<string, Map<number, number>>();
  const documentIds: Record<number, number> = {};
  const fieldLength: Record<number, number[]> = {};
  let averageFieldLength = 0;
  documents.forEach((document, count) => {
    const id = document.id;
    // The document's terms with their frequencies, in order of first occurrence.
    const frequencyOf = new Map<string, number>();
    for (const term of termsOf(document.value)) frequencyOf.set(term, (frequencyOf.get(term) ?? 0) + 1);
    const distinct = frequencyOf.size;
    documentIds[id] = id;
    fieldLength[id] = [distinct];
    averageFieldLength = (averageFieldLength * count + distinct) / (count + 1);
    for (const [term, frequency] of frequencyOf) {
      const frequencies = postings.get(term);
      if (!frequencies) postings.set(term, new Map([[id, frequency]]));
      else frequencies.set(id, frequency);
    }
  });
  const miniSearch = MiniSearch.loadJS<SearchDocument>(
    {
      documentCount: documents.length,
      nextId: documents.length,
      documentIds,
      // One indexed field, `value`, with field id 0.
      fieldIds: { value: 0 },
      fieldLength,
      averageFieldLength: [averageFieldLength],
      storedFields: {},
      dirtCount: 0,
      index: [],
      serializationVersion: 2,
    },
    options,
  );
  const tree = (miniSearch as unknown as { _index?: Partial<TermTree> })._index;
  if (typeof tree?.set !== 'function') throw new Error('MiniSearch no longer keeps its terms in `_index`: see buildMiniSearch in src/kb/search.ts');
  // Field id 0: `value`, the one indexed field.
  for (const [term, frequencies] of postings) (tree as TermTree).set(term, new Map([[0, frequencies]]));
  return miniSearch;
}

export class SearchIndex {
  private readonly documents: SearchDocument[] = [];
  private readonly miniSearch: MiniSearch<SearchDocument>;

  constructor(kb: KnowledgeBase) {
    for (const { recordId, kind, field, value } of searchValuesOf(kb.records)) {
      this.documents.push(new SearchDocument(this.documents.length, recordId, kind, field, value));
    }

    const options: Options<SearchDocument> = {
      fields: ['value'],
      tokenize: (text) => termsOf(text),
      processTerm: (term) => term,
      searchOptions: {
        // `buildQuery` has already split and folded the query: each leaf of it is one term.
        tokenize: (term) => [term],
        processTerm: (term) => term,
        prefix: (term) => term.length >= MIN_PREFIX_LENGTH,
        fuzzy: (term) => (term.length >= MIN_FUZZY_LENGTH ? FUZZINESS : false),
        boostDocument: (id: number) => fieldBoost[this.documents[id]!.field],
      },
    };
    this.miniSearch = buildMiniSearch(this.documents, options);
  }

  /**
   * The records that match `text`, best first: one hit per record, carrying its best-matching value.
   * `kinds` keeps only records of those kinds (scores do not depend on it). Empty for a query without words.
   */
  search(text: string, kinds?: readonly EntityKind[]): SearchHit[] {
    const query = buildQuery(text);
    if (!query) return [];
    const allowed = kinds ? new Set(kinds) : undefined;
    const results = this.miniSearch.search(query, {
      filter: allowed ? (result: SearchResult) => allowed.has(this.documents[result.id as number]!.kind) : undefined,
    });

    const best = new Map<string, SearchHit>();
    for (const result of results) {
      const document = this.documents[result.id as number]!;
      const current = best.get(document.recordId);
      if (current && (current.score > result.score || (current.score === result.score && current.document.id < document.id))) continue;
      best.set(document.recordId, {
        recordId: document.recordId,
        kind: document.kind,
        score: result.score,
        field: document.field,
        value: document.value,
        terms: [...new Set(result.terms)],
        document,
      });
    }
    return [...best.values()].sort(
      (a, b) => b.score - a.score || kindOrder[a.kind] - kindOrder[b.kind] || (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0),
    );
  }
}

const indexes = new WeakMap<KnowledgeBase, SearchIndex>();

/** The search index of `kb`, built on the first call and reused after; call once at load time to build it eagerly. */
export function searchIndexFor(kb: KnowledgeBase): SearchIndex {
  let index = indexes.get(kb);
  if (!index) {
    index = new SearchIndex(kb);
    indexes.set(kb, index);
  }
  return index;
}

/**
 * The hit's value with its matched words highlighted: the whole value when it fits in
 * `SNIPPET_LENGTH`, otherwise a window around the first match cut at word boundaries, with "…"
 * where it was cut. The matched parts of one word are highlighted as one range ("de-escalation").
 */
export function snippetOf(hit: SearchHit, maxLength = SNIPPET_LENGTH): Snippet {
  const { value, spans } = hit.document;
  const matched = new Set(hit.terms);
  const ranges: { start: number; end: number }[] = [];
  spans.forEach((span, i) => {
    if (!matched.has(span.term)) return;
    const previous = spans[i - 1];
    const last = ranges.at(-1);
    // Consecutive matched parts of one word ("de" and "escalation") make one range.
    if (last && previous && previous.wordStart === span.wordStart && last.end === previous.end) last.end = span.end;
    else ranges.push({ start: span.start, end: span.end });
  });

  let start = 0;
  let end = value.length;
  if (value.length > maxLength) {
    const first = ranges[0] ?? { start: 0, end: 0 };
    // Keep about a quarter of the window before the first match, for context.
    start = Math.max(0, Math.min(first.start - Math.floor(maxLength / 4), value.length - maxLength));
    end = Math.max(first.end, start + maxLength);
    if (start > 0) start = Math.min(first.start, spans.find((span) => span.wordStart >= start)?.wordStart ?? first.start);
    if (end < value.length) end = Math.max(first.end, spans.findLast((span) => span.wordEnd <= end)?.wordEnd ?? first.end);
  }
  const prefix = start > 0 ? '…' : '';
  const suffix = end < value.length ? '…' : '';
  return {
    text: `${prefix}${value.slice(start, end)}${suffix}`,
    highlights: ranges
      .filter((range) => range.start >= start && range.end <= end)
      .map((range) => ({ start: range.start - start + prefix.length, end: range.end - start + prefix.length })),
  };
}
