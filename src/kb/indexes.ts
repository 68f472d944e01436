/**
 * Index structures built once at load time, so that filters touch only the records they match rather
 * than scanning a whole collection per request.
 */
import type { PartialDate } from './records.js';
import { foldedWords } from './text.js';

/** Binary search: the first index in `sorted` whose value is not less than `target` under `compare`. */
export function lowerBound<T, K>(sorted: readonly T[], target: K, compare: (item: T, target: K) => number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(sorted[mid]!, target) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Folded words of each record's texts (names and aliases, titles, statement text), answering
 * "records having, for every query word, a word that starts with it". Lookups cost a binary search
 * per query word plus the size of the answer.
 */
export class WordIndex {
  /** The ids having each word: lists, lighter than sets at scale; `add` skips a repeat of the last id, and lookups make sets. */
  private readonly idsByWord = new Map<string, string[]>();
  private sortedWords: string[] | undefined;

  /** Indexes the words of `text` under `id`; cheapest when all the texts of one id are added one after another. */
  add(id: string, text: string): void {
    for (const word of foldedWords(text)) {
      this.addWord(word, id);
      // "kerry-gentiloni" is found by "kerry-gentiloni", by "gentiloni" and by "kerry".
      if (word.includes('-') || word.includes("'")) for (const part of word.split(/['-]/)) this.addWord(part, id);
    }
    this.sortedWords = undefined;
  }

  private addWord(word: string, id: string): void {
    const ids = this.idsByWord.get(word);
    if (!ids) this.idsByWord.set(word, [id]);
    else if (ids[ids.length - 1] !== id) ids.push(id);
  }

  private idsWithWordPrefix(prefix: string): Set<string> {
    this.sortedWords ??= [...this.idsByWord.keys()].sort();
    const words = this.sortedWords;
    const found = new Set<string>();
    for (let i = lowerBound(words, prefix, (word, target) => (word < target ? -1 : word > target ? 1 : 0)); i < words.length; i += 1) {
      const word = words[i]!;
      if (!word.startsWith(prefix)) break;
      for (const id of this.idsByWord.get(word)!) found.add(id);
    }
    return found;
  }

  /** Ids whose texts contain, for each word of `query`, a word starting with it; undefined for a query with no words. */
  match(query: string): Set<string> | undefined {
    const words = foldedWords(query);
    if (words.length === 0) return undefined;
    let result: Set<string> | undefined;
    for (const word of words) {
      const ids = this.idsWithWordPrefix(word);
      result = result ? intersect(result, ids) : ids;
      if (result.size === 0) break;
    }
    return result;
  }
}

export function intersect<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): Set<T> {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const result = new Set<T>();
  for (const item of small) if (large.has(item)) result.add(item);
  return result;
}

export interface DateSpan {
  /** First calendar day (YYYY-MM-DD) the date can stand for. */
  earliest: string;
  /** Last calendar day the date can stand for. */
  latest: string;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The span of days a partial date's value covers, whatever its qualifier. */
export function spanOf(date: PartialDate): DateSpan {
  const key = `${date.precision} ${date.value}`;
  let span = spans.get(key);
  if (!span) spans.set(key, (span = Object.freeze(computeSpan(date))));
  return span;
}

/** Spans by precision and value: dates repeat across records (every statement of a day), and loading orders them all. */
const spans = new Map<string, DateSpan>();

function computeSpan(date: PartialDate): DateSpan {
  const [year, month, day] = date.value.split('-').map(Number) as [number, number?, number?];
  const y = String(year).padStart(4, '0');
  if (date.precision === 'YEAR') return { earliest: `${y}-01-01`, latest: `${y}-12-31` };
  if (date.precision === 'MONTH') {
    const daysInMonth = month === 2 ? (isLeapYear(year) ? 29 : 28) : new Date(Date.UTC(2001, month!, 0)).getUTCDate();
    return { earliest: `${y}-${pad(month!)}-01`, latest: `${y}-${pad(month!)}-${pad(daysInMonth)}` };
  }
  return { earliest: `${y}-${pad(month!)}-${pad(day!)}`, latest: `${y}-${pad(month!)}-${pad(day!)}` };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const precisionOrder = { YEAR: 0, MONTH: 1, DAY: 2 } as const;
const qualifierOrder = { BEFORE: 0, ON: 1, AFTER: 2 } as const;

/**
 * The key that orders partial dates on a timeline. A date sorts at the first day it can stand for;
 * on the same day, BEFORE comes first and AFTER last; then a coarser date ("November 2015") comes
 * before a finer one that starts the same day ("1 November 2015"). An AFTER date sorts at its last day.
 * Remaining ties keep the data's order.
 */
export function dateSortKey(date: PartialDate): string {
  const span = spanOf(date);
  const day = date.qualifier === 'AFTER' ? span.latest : span.earliest;
  return `${day}|${qualifierOrder[date.qualifier]}|${precisionOrder[date.precision]}`;
}

/** The calendar day after or before `day` (YYYY-MM-DD). */
function shiftDay(day: string, by: 1 | -1): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const shifted = new Date(0);
  shifted.setUTCFullYear(year, month - 1, date + by);
  return `${String(shifted.getUTCFullYear()).padStart(4, '0')}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
}

/**
 * The days a dated thing can occupy, for range filters: from the first day its start can stand for to
 * the last day its end (or start) can stand for. A BEFORE date is open towards the past and an AFTER
 * date towards the future, both strictly: "after 1 December 2015" begins on 2 December, "before
 * December 2015" ends on 30 November.
 */
export function occupiedDays(start: PartialDate, end: PartialDate = start): DateSpan {
  const first = start.qualifier === 'BEFORE' ? '0000-01-01' : start.qualifier === 'AFTER' ? shiftDay(spanOf(start).latest, 1) : spanOf(start).earliest;
  const last = end.qualifier === 'AFTER' ? '9999-12-31' : end.qualifier === 'BEFORE' ? shiftDay(spanOf(end).earliest, -1) : spanOf(end).latest;
  return { earliest: first, latest: last };
}

/**
 * Whether something with these (optional) start and end dates can have been in force on `day`:
 * an unknown start or end leaves that side open.
 */
export function inForceOn(day: string, start: PartialDate | undefined, end: PartialDate | undefined): boolean {
  const began = start === undefined || occupiedDays(start).earliest <= day;
  const notEnded = end === undefined || occupiedDays(end).latest >= day;
  return began && notEnded;
}

/**
 * Dated records sorted by the first and by the last day they can occupy, so a date-range filter
 * becomes two binary searches and one intersection, never a scan of undated or far-off records.
 */
export class DateIndex {
  private readonly byFirstDay: { id: string; day: string }[] = [];
  private readonly byLastDay: { id: string; day: string }[] = [];
  private readonly daysById = new Map<string, DateSpan>();

  constructor(entries: Iterable<{ id: string; start: PartialDate; end?: PartialDate }>) {
    for (const { id, start, end } of entries) {
      const days = occupiedDays(start, end);
      this.byFirstDay.push({ id, day: days.earliest });
      this.byLastDay.push({ id, day: days.latest });
      this.daysById.set(id, days);
    }
    const byDay = (a: { day: string }, b: { day: string }) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0);
    this.byFirstDay.sort(byDay);
    this.byLastDay.sort(byDay);
  }

  /** How many records start on or before `to`: a binary search. */
  private countStartingBy(to: string | undefined): number {
    return to === undefined ? this.byFirstDay.length : lowerBound(this.byFirstDay, to, (entry, day) => (entry.day <= day ? -1 : 1));
  }

  /** Where the records that end on or after `from` begin in `byLastDay`: a binary search. */
  private firstEndingFrom(from: string | undefined): number {
    return from === undefined ? 0 : lowerBound(this.byLastDay, from, (entry, day) => (entry.day < day ? -1 : 1));
  }

  /** Ids of dated records that can overlap [from, to] (YYYY-MM-DD, inclusive); either bound may be open. */
  overlapping(from: string | undefined, to: string | undefined): Set<string> {
    // Records whose first day is on or before `to`…
    const startingByTo = new Set(this.byFirstDay.slice(0, this.countStartingBy(to)).map((entry) => entry.id));
    if (from === undefined) return startingByTo;
    // …and whose last day is on or after `from`.
    const result = new Set<string>();
    for (let i = this.firstEndingFrom(from); i < this.byLastDay.length; i += 1) {
      const id = this.byLastDay[i]!.id;
      if (startingByTo.has(id)) result.add(id);
    }
    return result;
  }

  /** Whether one record is among `overlapping(from, to)`, without computing the set. */
  overlaps(id: string, from: string | undefined, to: string | undefined): boolean {
    const days = this.daysById.get(id);
    return days !== undefined && (to === undefined || days.earliest <= to) && (from === undefined || days.latest >= from);
  }

  /** An upper bound of `overlapping(from, to).size`, from two binary searches. */
  overlappingAtMost(from: string | undefined, to: string | undefined): number {
    return Math.min(this.countStartingBy(to), this.byLastDay.length - this.firstEndingFrom(from));
  }
}

/** Records grouped by a folded key (a kind, a city). */
export function groupBy<R>(records: Iterable<R>, keysOf: (record: R) => Iterable<string>, idOf: (record: R) => string): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const record of records) {
    for (const key of keysOf(record)) {
      let ids = groups.get(key);
      if (!ids) groups.set(key, (ids = new Set()));
      ids.add(idOf(record));
    }
  }
  return groups;
}
