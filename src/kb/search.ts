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
import MiniSearch, { type Query, type SearchResult } from 'minisearch';
import type { EntityKind, KnowledgeBase } from './knowledge-base.js';
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
const fieldBoost: Record<SearchField, number> = { NAME: 3, ALIAS: 3, LOCATION: 2, DESCRIPTION: 1, TEXT: 1 };

/** Prefix search from 3 characters, and typo tolerance (0.2 edits per character) from 5: shorter terms match too much. */
const MIN_PREFIX_LENGTH = 3;
const MIN_FUZZY_LENGTH = 5;
const FUZZINESS = 0.2;

/** Breaks a tie in score: kinds in this order, then ids, so the ranking (and every cursor) is stable. */
const kindOrder: Record<EntityKind, number> = { Person: 0, Country: 1, Organization: 2, Event: 3, Statement: 4 };

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

interface SearchDocument {
  /** Position in `SearchIndex.documents`; MiniSearch's document id. */
  id: number;
  recordId: string;
  kind: EntityKind;
  field: SearchField;
  value: string;
  spans: TermSpan[];
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

/**
 * Folds `text` one grapheme base (a character with its combining marks) at a time, remembering for
 * each folded code unit which original code units it came from: folding can change lengths
 * ("e\u0301" becomes "e"), so offsets found in the folded text must be mapped back.
 */
function foldWithOffsets(text: string): { folded: string; starts: number[]; ends: number[] } {
  let folded = '';
  const starts: number[] = [];
  const ends: number[] = [];
  for (const cluster of text.matchAll(/\P{M}\p{M}*|\p{M}+/gu)) {
    const piece = foldText(cluster[0]);
    const start = cluster.index;
    const end = start + cluster[0].length;
    for (let i = 0; i < piece.length; i++) {
      starts.push(start);
      ends.push(end);
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

/** The indexed terms of `text`, in order, with their offsets in `text`. Used for indexing and highlighting alike, so both agree. */
function termSpans(text: string): TermSpan[] {
  const { folded, starts, ends } = foldWithOffsets(text);
  const spans: TermSpan[] = [];
  let cursor = 0;
  // `foldedWords` is the word rule the filters use; finding each word in order recovers its offsets.
  for (const word of foldedWords(folded)) {
    const at = folded.indexOf(word, cursor);
    if (at < 0) continue;
    cursor = at + word.length;
    const wordStart = starts[at]!;
    const wordEnd = ends[cursor - 1]!;
    for (const part of wordParts(word)) {
      const from = at + part.offset;
      spans.push({ term: part.term, start: starts[from]!, end: ends[from + part.term.length - 1]!, wordStart, wordEnd });
    }
  }
  return spans;
}

/** The MiniSearch query for a user's query: any of its words, where a hyphenated word needs all its parts. */
function buildQuery(text: string): Query | undefined {
  const words = foldedWords(text).map((word) => wordParts(word).map((part) => part.term));
  const queries: Query[] = words.filter((parts) => parts.length > 0).map((parts) => (parts.length === 1 ? parts[0]! : { combineWith: 'AND', queries: parts }));
  return queries.length > 0 ? { combineWith: 'OR', queries } : undefined;
}

export class SearchIndex {
  private readonly documents: SearchDocument[] = [];
  private readonly miniSearch: MiniSearch<SearchDocument>;

  constructor(kb: KnowledgeBase) {
    const add = (recordId: string, kind: EntityKind, field: SearchField, value: string | null | undefined) => {
      if (!value) return;
      this.documents.push({ id: this.documents.length, recordId, kind, field, value, spans: termSpans(value) });
    };
    const entity = (kind: EntityKind, record: { id: string; name: string | null; aliases: string[]; description: string; label?: string }) => {
      // An unnamed person is found by the label the source gives it ("State Department official (unnamed)").
      add(record.id, kind, 'NAME', record.name ?? record.label);
      for (const alias of record.aliases) add(record.id, kind, 'ALIAS', alias);
      add(record.id, kind, 'DESCRIPTION', record.description);
    };

    const { persons, countries, organizations, events, statements } = kb.records;
    const countryName = new Map(countries.map((country) => [country.id, country.name]));
    for (const person of persons) entity('Person', person);
    for (const country of countries) entity('Country', country);
    for (const organization of organizations) entity('Organization', organization);
    for (const event of events) {
      entity('Event', event);
      for (const location of event.locations) {
        add(event.id, 'Event', 'LOCATION', [location.city, location.countryId && countryName.get(location.countryId)].filter(Boolean).join(', '));
      }
    }
    for (const statement of statements) add(statement.id, 'Statement', 'TEXT', statement.text);

    const spansByValue = new Map(this.documents.map((document) => [document.value, document.spans]));
    this.miniSearch = new MiniSearch<SearchDocument>({
      fields: ['value'],
      tokenize: (text) => (spansByValue.get(text) ?? termSpans(text)).map((span) => span.term),
      processTerm: (term) => term,
      searchOptions: {
        // `buildQuery` has already split and folded the query: each leaf of it is one term.
        tokenize: (term) => [term],
        processTerm: (term) => term,
        prefix: (term) => term.length >= MIN_PREFIX_LENGTH,
        fuzzy: (term) => (term.length >= MIN_FUZZY_LENGTH ? FUZZINESS : false),
        boostDocument: (id: number) => fieldBoost[this.documents[id]!.field],
      },
    });
    this.miniSearch.addAll(this.documents);
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
