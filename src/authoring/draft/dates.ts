/**
 * Dates the article gives ("Tuesday", "Nov. 13", "last week", "yesterday"), found by compromise-dates and
 * resolved against the publication date. compromise resolves a bare "Nov. 13" or "Tuesday" forward; news
 * reports the past or the current week, so a date after publication is moved back a week or a year.
 */
import type { DateEntry } from '../draft-file.js';
import type { Span } from './plain-text.js';
import { nlp, type Paragraph } from './tokens.js';

export interface DateMention extends Span {
  words: string;
  date: DateEntry;
}

interface CompromiseDate {
  text: string;
  offset: { start: number; length: number };
  dates?: { start?: string; end?: string; unit?: string };
}

const WEEKDAY = /\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b/i;
const MONTH_NAME = /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b/i;
const YEAR = /\b(?:1[89]|20)\d\d\b/;

function shiftDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function shiftYears(iso: string, years: number): string {
  return `${Number(iso.slice(0, 4)) + years}${iso.slice(4)}`;
}

/** Every date phrase with a resolvable date. Needs the publication date (YYYY-MM-DD) for relative dates. */
export function findDates(text: string, paragraphs: readonly Paragraph[], publishedOn: string | undefined): DateMention[] {
  const found: DateMention[] = [];
  const today = publishedOn && /^\d{4}-\d{2}-\d{2}$/.test(publishedOn) ? publishedOn : undefined;
  for (const paragraph of paragraphs) {
    const line = text.slice(paragraph.start, paragraph.end);
    if (!/\d|day|week|month|year|yesterday|today|tonight|ago|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|spring|summer|autumn|fall|winter/i.test(line)) continue;
    const doc = nlp(line) as unknown as { dates(context: object): { json(options: object): CompromiseDate[] } };
    for (const match of doc.dates({ today: today ?? '2000-01-01', timezone: 'UTC' }).json({ offset: true })) {
      const resolved = match.dates;
      if (!resolved?.start) continue;
      // Trim the prepositions and punctuation compromise includes ("on Nov. 19.", "“Today,").
      const raw = line.slice(match.offset.start, match.offset.start + match.offset.length);
      const lead = /^[\s“"‘(]*(?:on|in|at|by|since|during)?\s*/i.exec(raw)![0].length;
      const words = raw.slice(lead).replace(/[\s,;:”"’)]+$/, '').replace(/\.$/, (dot) => (/\b[A-Z][a-z]{2,3}\.$/.test(raw.slice(lead).replace(/[\s,;:”"’)]+$/, '')) ? dot : ''));
      if (words.length === 0) continue;
      const start = paragraph.start + match.offset.start + lead;
      const hasYear = YEAR.test(words);
      if (!today && !hasYear) continue;
      const date = resolve(words, resolved.start.slice(0, 10), resolved.end?.slice(0, 10), resolved.unit, today, hasYear);
      if (date) found.push({ start, end: start + words.length, words, date });
    }
  }
  return found;
}

function resolve(words: string, start: string, end: string | undefined, unit: string | undefined, today: string | undefined, hasYear: boolean): DateEntry | undefined {
  const lower = words.toLowerCase();
  let value = start;
  let how: string;
  if (today && !hasYear && value > today) {
    // Forward resolution: news means the past one.
    if (WEEKDAY.test(lower) && !MONTH_NAME.test(lower)) value = shiftDays(value, -7);
    else if (MONTH_NAME.test(lower)) value = shiftYears(value, -1);
  }
  const textWords = { text: words };
  if (unit === 'day' || unit === undefined) {
    // A vague phrase ("before the summer") has no day to give.
    if (!hasYear && !WEEKDAY.test(lower) && !MONTH_NAME.test(lower) && !/^(?:today|tonight|yesterday|this (?:morning|afternoon|evening))$/.test(lower)) return undefined;
    if (hasYear) return { value, precision: 'DAY', ...textWords, inferred: false };
    if (/^(?:today|tonight|this morning|this afternoon|this evening)$/.test(lower)) how = `"${words}" is the publication date ${today}`;
    else if (lower === 'yesterday') how = `"yesterday" is the day before the publication date ${today}`;
    else if (WEEKDAY.test(lower) && !MONTH_NAME.test(lower)) {
      const name = /(mon|tues|wednes|thurs|fri|satur|sun)day/i.exec(lower)?.[0] ?? words;
      how = `${name.charAt(0).toUpperCase()}${name.slice(1)} ${value === today ? 'is the publication date' : 'before the publication date'} ${today}`;
    } else how = `"${words}" read as the last such day on or before the publication date ${today}; the year is inferred`;
    return { value, precision: 'DAY', inferred: true, note: how, ...textWords };
  }
  if (unit === 'week' || unit === 'weekend') {
    const last = end ?? value;
    const month = value.slice(0, 7);
    const note = `"${words}" before the publication date ${today} is the week of ${value} to ${last}`;
    return month === last.slice(0, 7) ? { value: month, precision: 'MONTH', inferred: true, note: `${note}; only the month is certain`, ...textWords } : { value: value.slice(0, 4), precision: 'YEAR', inferred: true, note, ...textWords };
  }
  if (unit === 'month') {
    if (hasYear) return { value: value.slice(0, 7), precision: 'MONTH', inferred: false, ...textWords };
    return { value: value.slice(0, 7), precision: 'MONTH', inferred: true, note: `"${words}" read as the last such month on or before the publication date ${today}`, ...textWords };
  }
  if (unit === 'year') return { value: value.slice(0, 4), precision: 'YEAR', inferred: !hasYear, ...(hasYear ? {} : { note: `"${words}" read against the publication date ${today}` }), ...textWords };
  return undefined;
}
