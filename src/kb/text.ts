/** Text folding shared by filters and search, so "stephane dion" finds "Stéphane Dion" everywhere. */

const combiningMarks = /\p{M}+/gu;
const typographicQuotes = /[\u2018\u2019\u201A\u201B\u2032]/g;
const typographicDoubleQuotes = /[\u201C\u201D\u201E\u201F\u2033]/g;
const dashes = /[\u2010-\u2015\u2212]/g;

/** Lowercases, strips accents (é → e), and turns typographic quotes and dashes into plain ones. */
export function foldText(text: string): string {
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
  return foldText(text).match(/[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu) ?? [];
}
