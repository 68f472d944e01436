/**
 * Reported speech without quotation marks: "X said (that) …", "X told reporters that …", "according to
 * X, …", "… , X said", "X urged / called on / pledged …", "X's commitment to …". A paraphrase's text is the
 * source's own span of the reported content, cut as the curated seed cuts them: after "said (that)", from
 * the verb for "called on", "urged", "pledged"; up to the clause's end.
 */
import { clauseStartBefore, endsSentence, wordsIn, type Word } from './attribution.js';
import { ACTION_VERBS, CLAUSE_VERBS, HEDGES, ROLE_HEADS, SAYING_VERBS, TERM_BEFORE } from './lexicon.js';
import type { Span } from './plain-text.js';
import type { Quotation } from './quotations.js';
import type { Sentence } from './tokens.js';

export interface ParaphraseCandidate {
  /** Where the claim is made: orders the candidates with the quotes for pronoun resolution. */
  at: number;
  content: Span;
  /** The words to resolve to the speaker. */
  subject: Span;
  attribution: Span;
  hedge?: Span;
  /** "according to X" / ", X said" around a claim whose own subject is the speaker: X relayed it. */
  relayer?: Span;
  /** A quote whose speaker relayed this claim (a paraphrase inside or about a quote). */
  relayedByQuote?: Quotation;
  /** For a claim reported by a quote's words: the verb of the reported speech act ("urging", "encouraged", "briefed"). */
  speechAct?: Word;
  rule: string;
}

const CLAUSE_END_AFTER_COMMA = /^\s*,\s*(?:during|as|while|when|before|after|amid|despite|in light of|because|although|though|which|who|according to|but not|warning|saying|adding|arguing|insisting|noting|urging)\b/i;
const DATE_WORDS = /^\s*(?:(?:on|last|earlier|later|this)\s+)?(?:today|yesterday|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|month|year|morning|afternoon|evening|night)\b\s*/i;
const COMMUNICATION = /\b(?:message|warning|signal|word|letter|note|call|appeal|request|assurance|pledge|promise|said|told|urged|stated|warned|believes|thinks|wants|expects|hopes|fears|intends|plans|says)\b/i;

/** Where the reported content that begins at `from` ends: the sentence's end or a clause break. */
function contentEnd(text: string, from: number, sentenceEnd: number, stops: readonly number[]): number {
  let end = sentenceEnd;
  for (const stop of stops) if (stop > from && stop < end) end = stop;
  for (let i = from; i < end; i++) {
    const c = text[i]!;
    if (c === '“' || (c === '"' && i > from)) {
      // A quoted term ("a “reset” of the rules") belongs to the content; a quotation ends it.
      const close = text.indexOf(c === '“' ? '”' : '"', i + 1);
      if (close !== -1 && close < end && wordsIn(text, i + 1, close).length <= 3 && TERM_BEFORE.test(text.slice(Math.max(0, i - 40), i))) {
        i = close;
        continue;
      }
      return trimEnd(text, from, i);
    }
    if (c === ',' || (c === ' ' && text[i + 1] === ',')) {
      if (CLAUSE_END_AFTER_COMMA.test(text.slice(i, i + 30))) return trimEnd(text, from, i);
    }
  }
  return trimEnd(text, from, end);
}

function trimEnd(text: string, from: number, end: number): number {
  let e = end;
  while (e > from && /[\s,.;:!?”"’]/.test(text[e - 1]!)) e--;
  return e;
}

function sentenceEndOf(text: string, sentence: Sentence): number {
  let end = sentence.end;
  while (end > sentence.start && /[\s.!?”"’]/.test(text[end - 1]!)) end--;
  return end;
}

/** End attributions: "…, Kirby said." with nothing after the verb. */
interface EndAttribution {
  comma: number;
  subject: Span;
  words: Span;
}

function endAttribution(text: string, sentence: Sentence): EndAttribution | undefined {
  const end = sentenceEndOf(text, sentence);
  const body = text.slice(sentence.start, end);
  const subjectVerb = /\s*,\s*((?:[\p{L}’'.-]+\s+){0,6}?[\p{L}’'.-]+)\s+(said|says|stated|added|told reporters)$/u.exec(body);
  if (subjectVerb && !/[“”"]/.test(subjectVerb[0])) {
    const subjectStart = sentence.start + subjectVerb.index + subjectVerb[0].indexOf(subjectVerb[1]!);
    return { comma: sentence.start + subjectVerb.index, subject: { start: subjectStart, end: subjectStart + subjectVerb[1]!.length }, words: { start: subjectStart, end } };
  }
  const verbSubject = /\s*,\s*(?:said|says)\s+([^,“”"]{2,60})$/.exec(body);
  // "…, said Smith" names a speaker in a few words; "…, said Turkey had every right to …" is reported content.
  if (verbSubject && verbSubject[1]!.split(/\s+/).length <= 5 && !/\b(?:had|has|have|was|were|is|are|would|will|could|should|must)\b/.test(verbSubject[1]!)) {
    const subjectStart = sentence.start + verbSubject.index + verbSubject[0].indexOf(verbSubject[1]!);
    const verbStart = sentence.start + verbSubject.index + verbSubject[0].search(/said|says/);
    return { comma: sentence.start + verbSubject.index, subject: { start: subjectStart, end: subjectStart + verbSubject[1]!.length }, words: { start: verbStart, end } };
  }
  return undefined;
}

function inside(quotes: readonly Quotation[], at: number): Quotation | undefined {
  return quotes.find((q) => q.open <= at && at <= q.close);
}

export function findParaphrases(text: string, sentences: readonly Sentence[], quotes: readonly Quotation[], skip: readonly Span[]): ParaphraseCandidate[] {
  const found: ParaphraseCandidate[] = [];
  for (const sentence of sentences) {
    if (skip.some((s) => sentence.start < s.end && s.start < sentence.end)) continue;
    if (inside(quotes, sentence.start + 1) && inside(quotes, sentence.end - 2)) continue;
    const end = sentenceEndOf(text, sentence);
    // compromise may start a sentence right after a closing mark (“…,” Stoltenberg said, according to …): that sentence has a quote too.
    const hasQuote = quotes.some((q) => q.paragraph === sentence.paragraph && q.close >= sentence.start - 3 && q.open < sentence.end);
    const contents: ParaphraseCandidate[] = [];
    const endAttr = hasQuote ? undefined : endAttribution(text, sentence);
    const stops = endAttr ? [endAttr.comma] : [];

    // "According to X, …" / "…, according to X"
    const according = hasQuote ? null : /\b[Aa]ccording to ([^,.;]+?)(?=\s*[,.;]|$)/.exec(text.slice(sentence.start, end));
    if (according) {
      const phraseStart = sentence.start + according.index + according[0].indexOf(according[1]!);
      const phrase = { start: phraseStart, end: phraseStart + according[1]!.length };
      const words = { start: sentence.start + according.index, end: phrase.end };
      if (according.index === 0) {
        let from = phrase.end;
        while (from < end && /[\s,]/.test(text[from]!)) from++;
        const content = { start: from, end: contentEnd(text, from, end, stops) };
        const claim = text.slice(content.start, content.end);
        // "According to the spokesman, Brandt believes …": Brandt's view, relayed by the spokesman.
        const ownSubject = /^((?:\p{Lu}[\p{L}’'-]+\s+){0,3}\p{Lu}[\p{L}’'-]+)\s+(\p{Ll}+)/u.exec(claim);
        if (ownSubject && COMMUNICATION.test(ownSubject[2]!)) {
          contents.push({ at: words.start, content, subject: { start: content.start, end: content.start + ownSubject[1]!.length }, attribution: words, relayer: phrase, rule: 'according to X, Y believes … (X relays Y)' });
        } else if (content.end > content.start) contents.push({ at: words.start, content, subject: phrase, attribution: words, rule: 'according to X, …' });
      } else {
        const clauseStart = clauseStartBefore(text, sentence.start, sentence.start + according.index - 2);
        const content = { start: clauseStart, end: trimEnd(text, clauseStart, sentence.start + according.index) };
        const claim = text.slice(content.start, content.end);
        // "Kerry sent Canada the same message, according to Kirby": the claim's own subject spoke; Kirby relayed it.
        const ownSubject = /^((?:\p{Lu}[\p{L}’'-]+\s+){0,3}\p{Lu}[\p{L}’'-]+)\s+\p{Ll}/u.exec(claim);
        if (ownSubject && COMMUNICATION.test(claim)) {
          contents.push({ at: content.start, content, subject: { start: content.start, end: content.start + ownSubject[1]!.length }, attribution: words, relayer: phrase, rule: '…, according to X (X relays the subject\'s message)' });
        } else if (content.end > content.start) contents.push({ at: content.start, content, subject: phrase, attribution: words, rule: '…, according to X' });
      }
    }

    // Verbs of saying with reported content.
    const words = wordsIn(text, sentence.start, end);
    for (let w = 0; w < words.length; w++) {
      const verb = words[w]!;
      const lower = verb.word.toLowerCase();
      if (!SAYING_VERBS.has(lower) || inside(quotes, verb.start)) continue;
      // "is said to have argued": a hedge, whose verb is the next one; "confirmed outbreaks": an adjective.
      if (/^\s+to\b/.test(text.slice(verb.end, verb.end + 4)) && /\b(?:is|are|was|were)\s+$/.test(text.slice(verb.start - 6, verb.start))) continue;
      const token = sentence.tokens.find((t) => t.start === verb.start);
      // compromise reads ", warning that …" as a noun; after a comma an -ing form is the participle of saying.
      const participle = /ing$/.test(lower) && /,\s*$/.test(text.slice(verb.start - 3, verb.start));
      if (token && !token.tags.has('Verb') && !participle) continue;
      if (endAttr && verb.start >= endAttr.comma) continue;
      // The verb of a quote's attribution (“…,” Kirby wrote in a statement) reports that quote, nothing more.
      const quoteBefore = quotes.filter((q) => q.close < verb.start && q.paragraph === sentence.paragraph).pop();
      if (quoteBefore && !/[.!?]/.test(text.slice(quoteBefore.close + 1, verb.start).replace(/\b(?:[A-Z]\.)+/g, ''))) continue;
      if (contents.some((c) => c.content.start <= verb.start && verb.end <= c.content.end)) continue;
      const candidate = verbCandidate(text, sentence, end, words, w, stops, quotes);
      if (candidate) contents.push(candidate);
    }

    // "Trudeau’s commitment to …", "Obama’s comments to … that …"
    const body = text.slice(sentence.start, end);
    for (const m of body.matchAll(/(\p{Lu}[\p{L}-]+)['’]s\s+(?:commitment|pledge|promise|vow|call|demand|offer|plan|threat)\s+to\b/gu)) {
      const nounStart = sentence.start + m.index + m[1]!.length + 3;
      const content = { start: nounStart, end: contentEnd(text, nounStart, end, stops) };
      const subject = { start: sentence.start + m.index, end: sentence.start + m.index + m[1]!.length };
      contents.push({ at: subject.start, content, subject, attribution: { start: subject.start, end: sentence.start + m.index + m[0].length - 3 }, rule: "X's commitment to …" });
    }
    for (const m of body.matchAll(/(\p{Lu}[\p{L}-]+)['’]s\s+(?:comments|remarks|statement|message|warning|claim|words|assertion)\b([^.“”"]*?)\bthat\s+/gu)) {
      const from = sentence.start + m.index + m[0].length;
      const content = { start: from, end: contentEnd(text, from, end, stops) };
      const subject = { start: sentence.start + m.index, end: sentence.start + m.index + m[1]!.length };
      contents.push({ at: subject.start, content, subject, attribution: { start: subject.start, end: trimEnd(text, subject.start, from - 'that '.length) }, rule: "X's comments that …" });
    }

    // ", Kirby said": the speaker of a bare claim, or the relayer of a claim with its own speaker.
    if (endAttr) {
      const relayed = contents.filter((c) => c.content.end <= endAttr.comma && !c.relayer);
      for (const c of relayed) {
        c.relayer = endAttr.subject;
        c.attribution = endAttr.words;
      }
      if (relayed.length === 0) {
        const content = { start: sentence.start, end: trimEnd(text, sentence.start, endAttr.comma) };
        if (content.end > content.start) contents.push({ at: content.start, content, subject: endAttr.subject, attribution: endAttr.words, rule: '…, X said' });
      }
    }
    found.push(...contents);
  }
  found.push(...withinQuotes(text, quotes));
  return found.sort((a, b) => a.at - b.at);
}

function verbCandidate(text: string, sentence: Sentence, end: number, words: readonly Word[], w: number, stops: readonly number[], quotes: readonly Quotation[]): ParaphraseCandidate | undefined {
  const verb = words[w]!;
  const lower = verb.word.toLowerCase();
  const next = words[w + 1];
  const before = text.slice(sentence.start, verb.start);
  const hedge = HEDGES.exec(before.slice(-30));
  const hedgeSpan = hedge ? { start: verb.start - before.slice(-30).length + hedge.index, end: verb.start - before.slice(-30).length + hedge.index + hedge[0].length } : undefined;
  const clauseStart = clauseStartBefore(text, sentence.start, verb.start);
  let subject = { start: clauseStart, end: verb.start };
  // "Trudeau appeared … and pledged": a second verb of the sentence's subject.
  if (/\b(?:and|but)(?:\s+also)?\s*$/.test(text.slice(clauseStart, verb.start)) || text.slice(clauseStart, verb.start).trim().length === 0) {
    const firstVerb = words.findIndex((x) => x.start >= sentence.start && x !== verb && /ed$|s$/.test(x.word) && x.start < verb.start && !/^\p{Lu}/u.test(x.word));
    subject = { start: sentence.start, end: firstVerb >= 0 ? words[firstVerb]!.start : verb.start };
  }
  let from: number;
  let rule: string;
  const afterVerb = text.slice(verb.end, end);
  if (hedgeSpan && /(?:said|reported) to(?: have)?$/.test(hedge![0])) {
    from = verb.start;
    rule = `${hedge![0]} ${lower} …`;
  } else if (ACTION_VERBS.has(lower)) {
    if ((lower === 'called' || lower === 'calls') && !/^\s+(?:on|for|upon)\b/.test(afterVerb)) return undefined;
    from = verb.start;
    // "called on Tuesday for a reset": the date splits the verb from what was called for.
    const dated = /^\s+on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+(?=for\b)/i.exec(afterVerb);
    if (dated) from = verb.end + dated[0].length;
    rule = `X ${lower} …`;
  } else if (CLAUSE_VERBS.has(lower) || /^\s+that\b/.test(afterVerb)) {
    let rest = afterVerb;
    let offset = verb.end;
    const skipDate = DATE_WORDS.exec(rest);
    if (skipDate) {
      offset += skipDate[0].length;
      rest = rest.slice(skipDate[0].length);
    }
    // "told reporters that", "warned his German hosts in private that": the listener comes before "that".
    const thatLater = /^\s*((?:[\p{L}’'-]+\s+){0,6}?)that\s+/u.exec(rest);
    if (lower === 'told' || lower === 'tells' || (thatLater && thatLater[1]!.length > 0 && !/[,.;]/.test(thatLater[1]!))) {
      if (!thatLater) return undefined;
      offset += thatLater[0].length;
    } else {
      const that = /^\s*that\s+/.exec(rest) ?? /^\s+/.exec(rest);
      if (!that) return undefined;
      offset += that[0].length;
    }
    from = offset;
    rule = `X ${lower} (that) …`;
    if (/^[,.;:“"]/.test(text.slice(from, from + 1)) || from >= end) return undefined;
    // Reported content needs a verb of its own: "said yesterday" or "told reporters" alone report nothing.
    if (!/\b\p{Ll}+(?:ed|s|ld|ll|ve|re|is|are|was|were|will|would|could|can|must|need|has|have|had)\b/u.test(text.slice(from, Math.min(end, from + 120)))) return undefined;
  } else return undefined;
  if (next && /^[“"]/.test(text.slice(next.start - 1, next.start))) return undefined;
  const contentStop = contentEnd(text, from, end, stops);
  // A quotation inside the reported content is drafted as a quote of the same speaker instead (a quoted term is not).
  const isTerm = (q: Quotation) => wordsIn(text, q.start, q.end).length <= 3 && TERM_BEFORE.test(text.slice(Math.max(0, q.open - 40), q.open));
  if (quotes.some((q) => q.open >= from && q.open < contentStop + 2 && !isTerm(q))) return undefined;
  if (contentStop - from < 8) return undefined;
  const attribution = { start: Math.max(subject.start, Math.min(subject.end, verb.start)), end: from > verb.end ? trimEnd(text, verb.end, from) : verb.start };
  if (attribution.end <= attribution.start) attribution.end = verb.end;
  return { at: verb.start, content: { start: from, end: contentStop }, subject, attribution: { start: subject.start, end: Math.max(attribution.end, verb.end) }, ...(hedgeSpan ? { hedge: hedgeSpan } : {}), rule };
}

/** A quote's own report of someone else's words: "The secretary made clear he was urging all allies to …". */
function withinQuotes(text: string, quotes: readonly Quotation[]): ParaphraseCandidate[] {
  const found: ParaphraseCandidate[] = [];
  for (const quote of quotes) {
    const words = wordsIn(text, quote.start, quote.end);
    for (let w = 1; w < words.length; w++) {
      const verb = words[w]!;
      const lower = verb.word.toLowerCase();
      if (!ACTION_VERBS.has(lower)) continue;
      // A speech act only: "called on allies to …", "called for talks"; not "called the meeting", "pressed the button".
      if (/^call/.test(lower) && !/^\s+(?:on|for|upon)\b/.test(text.slice(verb.end, verb.end + 6))) continue;
      const head = text.slice(quote.start, verb.start);
      const subjectMatch = /\b(he|she|the\s+[a-z]+)\s+(?:(?:was|is|has been|had been|were|kept)\s+)?$/i.exec(head);
      if (!subjectMatch) continue;
      // A pronoun refers back to a description earlier in the quote ("The secretary made clear he …").
      let subjectStart = quote.start + subjectMatch.index;
      let subjectEnd = subjectStart + subjectMatch[1]!.length;
      if (/^(?:he|she)$/i.test(subjectMatch[1]!)) {
        const description = [...head.matchAll(/\b[Tt]he\s+([a-z]+)\b/g)].filter((m) => ROLE_HEADS.has(m[1]!)).pop();
        if (description) {
          subjectStart = quote.start + description.index;
          subjectEnd = subjectStart + description[0].length;
        }
      }
      let endAt = quote.end;
      for (let i = verb.end; i < quote.end; i++) if (endsSentence(text, i)) { endAt = i; break; }
      let content = { start: verb.start, end: contentEnd(text, verb.start, endAt, []) };
      // "…, which the secretary encouraged": what he encouraged is the quote's own words.
      if (wordsIn(text, content.start, content.end).length < 3) {
        if (!/,\s*which\s+\S+(?:\s+\S+)?\s*$/.test(head)) continue;
        content = { start: quote.start, end: quote.end };
      }
      found.push({ at: verb.start, content, subject: { start: subjectStart, end: subjectEnd }, attribution: { start: quote.start, end: verb.start }, relayedByQuote: quote, speechAct: verb, rule: 'a quote reports the words of another' });
    }
    // "Cavusoglu briefed Kerry on “Turkish outreach to Russia, which …”": the briefing's subject, relayed by the quote's speaker.
    const briefed = /(\p{Lu}[\p{L}-]+)\s+briefed\s+(?:[\p{L}-]+\s+){1,3}on\s*$/u.exec(text.slice(Math.max(0, quote.open - 80), quote.open));
    if (briefed) {
      const subjectStart = quote.open - (Math.min(80, quote.open) - briefed.index);
      const cut = /,\s*(?:which|who)\b/.exec(quote.text);
      const content = { start: quote.start, end: cut ? quote.start + cut.index : quote.end };
      const verbStart = subjectStart + briefed[0].indexOf('briefed');
      const speechAct = { start: verbStart, end: verbStart + 'briefed'.length, word: 'briefed' };
      found.push({ at: subjectStart, content, subject: { start: subjectStart, end: subjectStart + briefed[1]!.length }, attribution: { start: subjectStart, end: quote.open - 1 }, relayedByQuote: quote, speechAct, rule: 'X briefed Y on “…”' });
    }
  }
  return found;
}
