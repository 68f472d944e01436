/**
 * Finding the words that attribute speech: a verb of saying and its subject, in either order
 * (“…,” Smith said / said Smith / Smith said: “…”), with "according to X" (a relayer, or the speaker when
 * nobody else is named) and hedges ("reportedly", "is said to").
 */
import { HEDGES, SAYING_VERBS } from './lexicon.js';
import type { Span } from './plain-text.js';

export interface Word extends Span {
  word: string;
}

export function wordsIn(text: string, from: number, to: number): Word[] {
  const words: Word[] = [];
  const pattern = /[\p{L}\p{N}][\p{L}\p{N}'’.-]*/gu;
  pattern.lastIndex = from;
  for (let m = pattern.exec(text); m && m.index < to; m = pattern.exec(text)) {
    const word = m[0].replace(/[.'’-]+$/, '');
    words.push({ start: m.index, end: m.index + word.length, word });
  }
  return words;
}

/** Whether the period (or ! ?) at `i` ends a sentence rather than an abbreviation ("U.S.", "Nov."). */
export function endsSentence(text: string, i: number): boolean {
  const c = text[i];
  if (c !== '.' && c !== '!' && c !== '?') return false;
  const next = text.slice(i + 1, i + 3);
  if (next.length > 0 && !/^(?:\s|[”"’)\]])/.test(next)) return false;
  if (c !== '.') return true;
  const before = text.slice(Math.max(0, i - 4), i);
  // "U.S." "Nov." "Mr." "Gen.": a short abbreviation, unless a new sentence clearly follows it.
  if (/(?:^|[\s.])\p{Lu}$/u.test(before) || /(?:^|\s)(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Lt|Col|St|No|vs)$/.test(before)) {
    return /^\s*$/.test(text.slice(i + 1, i + 2)) && /^\s+[“"]/.test(text.slice(i + 1, i + 4));
  }
  return true;
}

/** The end of the sentence that runs from `from` (exclusive of the mark), stopping at `limit`. */
export function sentenceEndFrom(text: string, from: number, limit: number): number {
  for (let i = from; i < limit; i++) if (endsSentence(text, i)) return i;
  return limit;
}

/** The start of the sentence that contains `at`, not before `limit`. */
export function sentenceStartBefore(text: string, at: number, limit: number): number {
  for (let i = at - 1; i > limit; i--) {
    if (endsSentence(text, i)) {
      let s = i + 1;
      while (s < at && /[\s”"’]/.test(text[s]!)) s++;
      return s;
    }
  }
  return limit;
}

export interface SayingClause {
  verb: Word;
  /** The subject's words (before the verb, or after it in "said Smith"). */
  subject: Span;
  /** The attribution as the source prints it ("Kirby stated", "said Smith, according to …"). */
  words: Span;
  relayer?: Span;
  hedge?: Span;
  order: 'subject-verb' | 'verb-subject' | 'according-to';
}

function hedgeIn(text: string, from: number, to: number): Span | undefined {
  const match = HEDGES.exec(text.slice(from, to));
  return match ? { start: from + match.index, end: from + match.index + match[0].length } : undefined;
}

/** "according to the Washington Post" after the verb: who relayed the words. */
function relayerAfter(text: string, from: number, to: number): { relayer: Span; end: number } | undefined {
  const match = /^\s*,?\s*according to\s+([^,.;:“”"]+?)\s*(?=[,.;:“”"]|$)/.exec(text.slice(from, to));
  if (!match) return undefined;
  const start = from + match[0].indexOf(match[1]!);
  return { relayer: { start, end: start + match[1]!.length }, end: start + match[1]!.length };
}

/**
 * The attribution right after a closing quotation mark (`,” Kirby stated.`, `,” said Smith.`,
 * `,” according to Okafor.`), up to the end of that sentence.
 */
export function attributionAfter(text: string, from: number, to: number): SayingClause | undefined {
  let start = from;
  while (start < to && /[\s,”"’]/.test(text[start]!)) start++;
  const end = sentenceEndFrom(text, start, to);
  const according = /^according to\s+([^,.;:“”"]+)/.exec(text.slice(start, end));
  if (according) {
    const s = start + according[0].indexOf(according[1]!);
    const subject = { start: s, end: s + according[1]!.trimEnd().length };
    return { verb: { start, end: start + 'according to'.length, word: 'according to' }, subject, words: { start, end: subject.end }, order: 'according-to' };
  }
  const words = wordsIn(text, start, end).slice(0, 12);
  const verbAt = words.findIndex((w) => SAYING_VERBS.has(w.word.toLowerCase()));
  if (verbAt === -1) return undefined;
  const verb = words[verbAt]!;
  if (verbAt === 0) {
    // "said Smith", "said State Department spokesman John Kirby, who …"
    const after = text.slice(verb.end, end);
    const subjectText = /^\s+([^,;:“”"]+)/.exec(after);
    if (!subjectText) return undefined;
    const s = verb.end + after.indexOf(subjectText[1]!);
    const subject = { start: s, end: s + subjectText[1]!.trimEnd().length };
    const relay = relayerAfter(text, subject.end, end);
    return { verb, subject, words: { start: verb.start, end: relay?.end ?? subject.end }, order: 'verb-subject', ...(relay ? { relayer: relay.relayer } : {}), ...optionalHedge(text, verb.start, subject.end) };
  }
  // “…,” Pieter Claes, a spokesman for the Belgian Interior Ministry, said: a name and its apposition.
  const beforeVerb = text.slice(start, verb.start);
  const apposition = /^([^,]+),[^,]+,\s*$/.exec(beforeVerb);
  if (beforeVerb.includes(',') && !apposition) return undefined;
  const subject = apposition ? { start, end: start + apposition[1]!.length } : { start, end: words[verbAt - 1]!.end };
  const relay = relayerAfter(text, verb.end, end);
  return { verb, subject, words: { start, end: relay?.end ?? verb.end }, order: 'subject-verb', ...(relay ? { relayer: relay.relayer } : {}), ...optionalHedge(text, start, verb.end) };
}

function optionalHedge(text: string, from: number, to: number): { hedge?: Span } {
  const hedge = hedgeIn(text, from, to);
  return hedge ? { hedge } : {};
}

/**
 * The attribution before an opening quotation mark in its sentence (`Smith said: “`, `told reporters that
 * Kerry would “`): the last verb of saying in the clause, and its subject (the words before it back to the
 * clause's start).
 */
export function attributionBefore(text: string, from: number, open: number): SayingClause | undefined {
  const words = wordsIn(text, from, open);
  for (let v = words.length - 1; v >= 0; v--) {
    const verb = words[v]!;
    if (!SAYING_VERBS.has(verb.word.toLowerCase())) continue;
    if (verb.word.toLowerCase() === 'called' && /so-$/.test(text.slice(verb.start - 3, verb.start))) continue;
    const clauseStart = clauseStartBefore(text, from, verb.start);
    let subject = { start: clauseStart, end: verb.start };
    let order: SayingClause['order'] = 'subject-verb';
    if (text.slice(clauseStart, verb.start).trim().length === 0) {
      // "said Smith: “…”"
      const after = /^\s+([^,;:“”"]+?)\s*[:,]\s*$/.exec(text.slice(verb.end, open));
      if (!after) continue;
      const s = verb.end + text.slice(verb.end, open).indexOf(after[1]!);
      subject = { start: s, end: s + after[1]!.length };
      order = 'verb-subject';
    }
    // The attribution: subject and verb, and the listener of "told" ("told some reporters").
    let wordsEnd = Math.max(verb.end, subject.end);
    const listener = /^\s+((?:[\p{L}-]+\s+){0,3}?(?:reporters|journalists|lawmakers|parliament|the [\p{L}-]+|him|her|them|us|[\p{Lu}][\p{L}-]+))(?=[\s,]|$)/u.exec(text.slice(verb.end, open));
    if (/^(?:told|tells)$/i.test(verb.word) && listener) wordsEnd = verb.end + listener[0].length;
    return { verb, subject, words: { start: Math.min(subject.start, verb.start), end: wordsEnd }, order, ...optionalHedge(text, subject.start, verb.end) };
  }
  return undefined;
}

/**
 * Where the clause holding `at` starts: after the last comma, semicolon, colon, quotation mark or "that"
 * before it. When the verb follows a comma directly ("Samuel Okafor, the EAHN's director, said"), the
 * appositive segments are stepped over back to the name they describe.
 */
export function clauseStartBefore(text: string, from: number, at: number): number {
  const slice = text.slice(from, at);
  const cuts = [0];
  const boundary = /[,;:—]\s*|\bthat\s+|[“”"]\s*/g;
  for (let m = boundary.exec(slice); m; m = boundary.exec(slice)) cuts.push(m.index + m[0].length);
  let k = cuts.length - 1;
  // "…, Justin Trudeau, has said": auxiliaries and adverbs alone are no subject.
  const last = slice.slice(cuts[k]!).trim();
  if (last.length > 0 && !/^(?:(?:has|have|had|was|were|is|are|also|then|later|reportedly|allegedly|once|again|publicly|recently)\s*)+$/i.test(last)) return from + cuts[k]!;
  // The verb follows a boundary directly: step back over appositives ("the EAHN's director", "58", "who heads …").
  k--;
  // An apposition starts with an article, "who", a number or a lowercase office ("secretary-general of …").
  while (k > 0 && /^(?:the\b|a\b|an\b|who\b|which\b|\d+\b|\p{Ll})/u.test(slice.slice(cuts[k]!).trim())) k--;
  return from + cuts[Math.max(0, k)]!;
}
