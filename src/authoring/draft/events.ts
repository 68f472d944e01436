/**
 * Events the article mentions: meetings, summits, talks, press conferences, briefings, processes and
 * attacks ("the deadly coordinated assaults in Paris on Nov. 13"). Matched to the knowledge base by name or
 * alias, by their significant words, or (for attacks) by place and date.
 */
import type { EventKind } from '../../kb/records.js';
import { foldName, nameStem, type KbIndex } from './kb-index.js';
import type { Span } from './plain-text.js';
import type { DateMention } from './dates.js';
import type { Quotation } from './quotations.js';
import { significantWords } from '../../kb/slugs.js';

export interface EventDraft extends Span {
  name: string;
  kind: EventKind;
  words: string;
  existingId?: string;
  matchedBy?: string;
  date?: DateMention;
  city?: string;
  cityStart?: number;
  mentions: Span[];
}

const HEADS: [RegExp, EventKind][] = [
  [/press conference|news conference/i, 'PRESS_CONFERENCE'],
  [/briefing/i, 'PRESS_BRIEFING'],
  [/talks|discussion/i, 'BILATERAL_TALK'],
  [/conference/i, 'CONFERENCE'],
  [/process/i, 'DIPLOMATIC_PROCESS'],
  [/meeting|summit/i, 'MEETING'],
  [/release/i, 'PRESS_RELEASE'],
  [/campaign/i, 'MILITARY_CAMPAIGN'],
];

const CAP = String.raw`\p{Lu}[\p{L}.'’-]*`;
const NAMED = new RegExp(String.raw`\b(?:(?:a|an|the)\s+)?(?:(?:one|two|three|four|five|\d+)-day\s+)?((?:${CAP}\s+){0,4}?)(press conference|news conference|meeting|summit|talks|conference|briefing|process|release|bombing campaign|air campaign|military campaign)(\s+(?:of\s+(?:the\s+)?(?:${CAP}(?:\s+${CAP}){0,4}|(?!the\b|a\b|an\b)[\p{Ll}-]+(?:\s+[\p{Ll}-]+)?)|in\s+${CAP}(?:\s+${CAP})?))?`, 'gu');
const ATTACK = new RegExp(String.raw`\b((?:[\p{Ll}-]+\s+){0,3})(attacks?|assaults?|bombings?|shootings?)\s+in\s+(${CAP}(?:\s+${CAP})?)`, 'gu');

export function findEvents(text: string, quotes: readonly Quotation[], skip: readonly Span[], dates: readonly DateMention[], kb: KbIndex): EventDraft[] {
  const events: EventDraft[] = [];
  // Events named inside quotes count too ("the Vienna process" in an official's words); the headline does not.
  const blocked = (at: number) => skip.some((s) => s.start <= at && at < s.end) || (quotes.length < 0);
  const add = (draft: EventDraft) => {
    const same = events.find((e) => (draft.existingId && e.existingId === draft.existingId) || foldName(e.name) === foldName(draft.name));
    if (same) {
      same.mentions.push({ start: draft.start, end: draft.end });
      same.date ??= draft.date;
      return;
    }
    events.push(draft);
  };
  for (const m of text.matchAll(NAMED)) {
    if (blocked(m.index)) continue;
    // "mayor of Milan. The NATO meeting": the qualifier starts after the last sentence end in it ("U.S." is no end).
    const qualifier = m[1]!.trim().split(/(?<=\p{Ll}{2}[.!?])\s+/u).pop()!.replace(/^(?:The|A|An)\b\s*/, '');
    const head = m[2]!;
    const tail = (m[3] ?? '').trim();
    // A bare "the meeting" or "the talks" refers back to an event already drafted; it names nothing new.
    if (!qualifier && !tail && !/press conference|news conference|summit|campaign/i.test(head)) continue;
    const kind = HEADS.find(([pattern]) => pattern.test(head))![1];
    const start = m.index + m[0].search(/\S/);
    const span = { start: m.index + m[0].indexOf(qualifier || head), end: m.index + m[0].length };
    const words = text.slice(span.start, span.end);
    const name = words.replace(/^(?:a|an|the)\s+/i, '');
    const draft: EventDraft = { ...span, name, kind, words, mentions: [span], ...dateNear(dates, span, text) };
    const city = /\bin\s+(\p{Lu}[\p{L}-]+)/u.exec(tail);
    if (city) {
      draft.city = city[1]!;
      draft.cityStart = m.index + m[0].lastIndexOf(city[1]!);
    }
    match(draft, kb, text.slice(start, span.end));
    add(draft);
  }
  for (const m of text.matchAll(ATTACK)) {
    if (blocked(m.index)) continue;
    const place = m[3]!;
    const spanStart = m.index + m[0].indexOf(m[2]!);
    const span = { start: spanStart, end: m.index + m[0].length };
    const draft: EventDraft = { ...span, name: `${place} attacks`, kind: 'ATTACK', words: text.slice(span.start, span.end), city: place, cityStart: m.index + m[0].lastIndexOf(place), mentions: [span], ...dateNear(dates, span, text) };
    match(draft, kb, draft.words);
    add(draft);
  }
  return events.sort((a, b) => a.start - b.start);
}

/** A date right after the event's words ("in Paris on Nov. 13"), or the only date of its sentence. */
function dateNear(dates: readonly DateMention[], span: Span, text: string): { date?: DateMention } {
  const after = dates.find((d) => d.start >= span.end && d.start - span.end <= 6);
  if (after) return { date: after };
  const sentenceStart = Math.max(text.lastIndexOf('. ', span.start), text.lastIndexOf('\n', span.start));
  const sentenceEnd = [text.indexOf('. ', span.end), text.indexOf('\n', span.end)].filter((i) => i !== -1).reduce((a, b) => Math.min(a, b), text.length);
  const inSentence = dates.filter((d) => d.start > sentenceStart && d.end <= sentenceEnd);
  return inSentence.length === 1 ? { date: inSentence[0]! } : {};
}

function match(draft: EventDraft, kb: KbIndex, words: string): void {
  const exact = kb.lookUp(words, ['event'])[0] ?? kb.lookUp(draft.name, ['event'])[0] ?? kb.lookUp(`the ${draft.name}`, ['event'])[0];
  if (exact) {
    draft.existingId = exact.id;
    draft.matchedBy = `${exact.by} "${exact.form}"`;
    return;
  }
  const mine = new Set(significantWords(draft.name).map(nameStem));
  // One word ("meeting") is in too many names to identify an event.
  if (mine.size < 2) return;
  let best: { id: string; score: number; form: string } | undefined;
  for (const event of kb.eventsNamedLike(mine)) {
    for (const form of [event.name, ...event.aliases]) {
      const theirs = new Set(significantWords(form).map(nameStem));
      const shared = [...mine].filter((w) => theirs.has(w)).length;
      // Every significant word of ours in their name, and the same day when both have one.
      if (shared === mine.size && (!draft.date || !event.start || event.start.value.startsWith(draft.date.date.value) || draft.date.date.value.startsWith(event.start.value))) {
        const score = shared / theirs.size;
        if (!best || score > best.score) best = { id: event.id, score, form };
      }
    }
  }
  // An attack in the same city on the same day.
  if (draft.kind === 'ATTACK' && draft.date) {
    const sameDay = kb.attacksOn(draft.date.date.value).filter((event) => event.locations.some((l) => l.city && foldName(l.city) === foldName(draft.city ?? '')));
    if (sameDay.length > 0) best = { id: sameDay.at(-1)!.id, score: 2, form: `${sameDay.at(-1)!.name} (same city and day)` };
  }
  if (best) {
    draft.existingId = best.id;
    draft.matchedBy = `name words "${draft.name}" ⊂ "${best.form}"`;
  }
}
