/** Text folding shared by filters and search, so "stephane dion" finds "Stéphane Dion" everywhere. */

const combiningMarks = /\p{M}+/gu;
const typographicQuotes = /[\u2018\u2019\u201A\u201B\u2032]/g;
const typographicDoubleQuotes = /[\u201C\u201D\u201E\u201F\u2033]/g;
const dashes = /[\u2010-\u2015\u2212]/g;
const nonAscii = /[^\x00-\x7f]/;
const word = /[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu;
/** `word` for folded ASCII text, whose letters and digits are [a-z0-9]: Unicode classes are slow to match. */
const asciiWord = /[a-z0-9]+(?:['-][a-z0-9]+)*/g;

/**
 * Lowercases, strips accents (é → e), and turns typographic quotes and dashes into plain ones. ASCII
 * text only needs lowercasing, which skips two Unicode normalizations on the load's hot path.
 */
export function foldText(text: string): string {
  if (!nonAscii.test(text)) return text.toLowerCase();
  return text
    .normalize('NFD')
    .replace(combiningMarks, '')
    .replace(typographicQuotes, "'")
    .replace(typographicDoubleQuotes, '"')
    .replace(dashes, '-')
    .toLowerCase()
    .normalize('NFC');
}

/** The folded words of a text: runs of letters and digits (an apostrophe or hyphen inside a word keeps it whole). */
export function foldedWords(text: string): string[] {
  const folded = foldText(text);
  return folded.match(nonAscii.test(folded) ? word : asciiWord) ?? [];
}

/** A kind of record with its indefinite article: "a Person", "an Event", "an Organization". */
export function aKind(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

/** Kinds joined for a message, each with its article: "a Person or an Organization". */
export function anyOfKinds(kinds: readonly string[]): string {
  return kinds.map(aKind).join(' or ');
}

/**
 * `text` whole up to `max` characters, else its first `max - 3` and an ellipsis: how messages, labels and
 * problems quote a long value. `atWord` cuts at the last whole word.
 */
export function clip(text: string, { max = 60, ellipsis = '…', atWord = false }: { max?: number; ellipsis?: string; atWord?: boolean } = {}): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 3);
  return `${atWord ? cut.replace(/\s+\S*$/, '') : cut}${ellipsis}`;
}
