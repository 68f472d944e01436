/**
 * Capitalised name phrases and what they are made of: "Italian Foreign Minister Paolo Gentiloni" is an
 * affiliation (Italian), an office (Foreign Minister) and a name (Paolo Gentiloni). compromise tells
 * names from sentence-initial words; the office words are this product's lexicon.
 */
import type { Analysis, Token } from './tokens.js';
import { ROLE_HEADS, ROLE_MODIFIERS, ROLE_TENSE_WORDS } from './lexicon.js';

export interface NameChunk {
  tokens: Token[];
  start: number;
  /** End of the phrase, without a possessive "’s". */
  end: number;
  text: string;
  possessive: boolean;
}

const PROPER_TAGS = ['ProperNoun', 'Person', 'FirstName', 'LastName', 'Place', 'Organization', 'Acronym', 'Country', 'City', 'Honorific'];
const NEVER_NAMES = ['Pronoun', 'Determiner', 'Preposition', 'Conjunction', 'QuestionWord', 'Date', 'WeekDay', 'Month', 'Value', 'Cardinal', 'Ordinal', 'Expression'];
const CONNECTORS = new Set(['of', 'de', 'da', 'du', 'del', 'della', 'di', 'al', 'bin', 'van', 'von', 'der', 'den', 'la', 'le']);
const OPENING = /[“"‘(\[]/;

export function isCapitalised(token: Token): boolean {
  return /^\p{Lu}/u.test(token.text);
}

function hasAny(token: Token, tags: readonly string[]): boolean {
  return tags.some((tag) => token.tags.has(tag));
}

/** Punctuation after a token that ends a name ("Kirby," "Brussels." "Daesh”"); a hyphen or an inner apostrophe does not. */
function breaksAfter(token: Token): boolean {
  const post = token.post.replace(/\s+/g, '');
  return post.length > 0 && post !== '-' && post !== '–' && !/^['’]$/.test(post);
}

function startsClause(token: Token, previous: Token | undefined): boolean {
  return !previous || previous.sentence !== token.sentence || OPENING.test(token.pre) || /[:;—–]\s*$/.test(previous.post) || /[.!?]/.test(previous.post);
}

/** Every capitalised phrase of the text, outside the spans in `skip`. */
export function nameChunks(analysis: Analysis, text: string): NameChunk[] {
  const chunks: NameChunk[] = [];
  const tokens = analysis.tokens;
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (!isCapitalised(token) || hasAny(token, NEVER_NAMES) || token.text === 'I') {
      i++;
      continue;
    }
    // A capitalised word that opens a sentence is a name only if compromise says so.
    if (startsClause(token, tokens[i - 1]) && !hasAny(token, PROPER_TAGS) && hasAny(token, ['Verb', 'Adjective', 'Adverb', 'Plural']) && !ROLE_HEADS.has(token.text.toLowerCase()) && !ROLE_MODIFIERS.has(token.text.toLowerCase())) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < tokens.length) {
      const current = tokens[j]!;
      const next = tokens[j + 1]!;
      if (next.sentence !== current.sentence || breaksAfter(current) || OPENING.test(next.pre)) break;
      if (isCapitalised(next) && !hasAny(next, NEVER_NAMES) && next.text !== 'I') {
        j++;
        continue;
      }
      const after = tokens[j + 2];
      if (CONNECTORS.has(next.text) && !breaksAfter(next) && after && after.sentence === current.sentence && isCapitalised(after) && !hasAny(after, NEVER_NAMES)) {
        j += 2;
        continue;
      }
      break;
    }
    const span = tokens.slice(i, j + 1);
    const last = span[span.length - 1]!;
    const possessive = /['’]s$/.test(last.text) || (/s$/.test(last.text) && /^['’]/.test(last.post));
    const end = /['’]s$/.test(last.text) ? last.end - 2 : last.end;
    chunks.push({ tokens: span, start: span[0]!.start, end, text: text.slice(span[0]!.start, end), possessive });
    i = j + 1;
  }
  return chunks;
}

export interface TitleParse {
  /** Tokens of the office ("Foreign Minister"), without tense words. */
  titleTokens: Token[];
  /** Where the words of the office begin, tense words included ("new Prime Minister"). */
  statedStart: number;
  statedEnd: number;
  /** Tokens before the office that say whose office it is ("Italian", "NATO", "State Department"). */
  affiliationTokens: Token[];
  nameTokens: Token[];
}

function lower(token: Token): string {
  return token.text.toLowerCase().replace(/['’]s$/, '');
}

/** Whether the phrase is an office and nothing else ("Secretary of State", "Foreign Minister"). */
export function isOfficeOnly(tokens: readonly Token[]): boolean {
  return officeEnd(tokens, 0) === tokens.length;
}

/** Where an office ends in `tokens` from `from`: the index after its last head word, or -1. */
function officeEnd(tokens: readonly Token[], from: number): number {
  let lastHead = -1;
  let k = from;
  while (k < tokens.length) {
    const word = lower(tokens[k]!);
    if (ROLE_HEADS.has(word)) {
      lastHead = k;
      k++;
      // "Secretary of State", "Minister of Agriculture": one capitalised word after "of".
      if (tokens[k]?.text === 'of' && tokens[k + 1] && ROLE_MODIFIERS.has(lower(tokens[k + 1]!))) {
        lastHead = k + 1;
        k += 2;
      }
      continue;
    }
    if (ROLE_MODIFIERS.has(word)) {
      k++;
      continue;
    }
    break;
  }
  return lastHead === -1 ? -1 : lastHead + 1;
}

/**
 * Splits a capitalised phrase into affiliation, office and name, looking back over lowercase office
 * words just before it ("State Department spokesman John Kirby", "new Prime Minister Justin Trudeau").
 * `isAffiliation` says whether a run of tokens names a country or an organization.
 */
export function parseTitle(chunk: NameChunk, allTokens: readonly Token[], isAffiliation: (tokens: Token[]) => boolean): TitleParse | undefined {
  const tokens = chunk.tokens;
  // An office inside the phrase: after an optional affiliation of one to three tokens.
  for (let a = 0; a <= Math.min(3, tokens.length - 2); a++) {
    const affiliation = tokens.slice(0, a);
    if (a > 0 && !isAffiliation(affiliation)) continue;
    const end = officeEnd(tokens, a);
    if (end === -1 || end >= tokens.length) continue;
    const titleTokens = tokens.slice(a, end);
    const tense = lowercaseBefore(allTokens, tokens[0]!).filter((t) => ROLE_TENSE_WORDS.has(t.text.toLowerCase()));
    // "British Farming Minister Owen Pritchard" at a sentence's start: compromise leaves the adjective out of the name.
    const run = a === 0 && tense.length === 0 ? capitalisedRunBefore(allTokens, tokens[0]!) : [];
    const outside = run.length > 0 && isAffiliation(run) ? run : [];
    return {
      titleTokens,
      statedStart: (tense[0] ?? outside[0] ?? tokens[0]!).start,
      statedEnd: titleTokens[titleTokens.length - 1]!.end,
      affiliationTokens: outside.length > 0 ? outside : affiliation,
      nameTokens: tokens.slice(end),
    };
  }
  // An office in lowercase words just before the phrase.
  const before = lowercaseBefore(allTokens, tokens[0]!);
  const officeWords = before.filter((t) => !ROLE_TENSE_WORDS.has(t.text.toLowerCase()));
  if (officeWords.length === 0 || !ROLE_HEADS.has(lower(officeWords[officeWords.length - 1]!))) return undefined;
  if (officeWords.some((t) => !ROLE_HEADS.has(lower(t)) && !ROLE_MODIFIERS.has(lower(t)))) return undefined;
  const first = before[0]!;
  const affiliation = capitalisedRunBefore(allTokens, first);
  const hasAffiliation = affiliation.length > 0 && isAffiliation(affiliation);
  return {
    titleTokens: officeWords,
    statedStart: hasAffiliation ? affiliation[0]!.start : first.start,
    statedEnd: officeWords[officeWords.length - 1]!.end,
    affiliationTokens: hasAffiliation ? affiliation : [],
    nameTokens: tokens,
  };
}

/** The lowercase words directly before `token` in its sentence, with no punctuation between (at most three). */
function lowercaseBefore(allTokens: readonly Token[], token: Token): Token[] {
  const words: Token[] = [];
  for (let k = token.index - 1; k >= 0 && words.length < 3; k--) {
    const t = allTokens[k]!;
    if (t.sentence !== token.sentence || breaksAfter(t) || isCapitalised(t) || OPENING.test(allTokens[k + 1]!.pre)) break;
    if (!ROLE_HEADS.has(lower(t)) && !ROLE_MODIFIERS.has(lower(t)) && !ROLE_TENSE_WORDS.has(t.text.toLowerCase())) break;
    words.unshift(t);
  }
  return words;
}

function capitalisedRunBefore(allTokens: readonly Token[], token: Token): Token[] {
  const words: Token[] = [];
  for (let k = token.index - 1; k >= 0 && words.length < 4; k--) {
    const t = allTokens[k]!;
    if (t.sentence !== token.sentence || breaksAfter(t) || !isCapitalised(t)) break;
    words.unshift(t);
  }
  return words;
}

/** "Secretary of State" from its words: capitalised except small joining words. */
export function normaliseTitle(words: readonly string[]): string {
  return words
    .map((word, i) => (i > 0 && /^(?:of|for|the|and|on)$/i.test(word) ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1)))
    .join(' ');
}
