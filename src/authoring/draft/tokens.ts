/**
 * Tokens and sentences from compromise, with offsets into the source text. Each paragraph (line) is
 * parsed on its own so that no sentence runs across a paragraph break, which compromise would allow.
 */
import nlp from 'compromise';
import datePlugin from 'compromise-dates';

nlp.plugin(datePlugin);

export { nlp };

export interface Token {
  /** The word as printed, without surrounding punctuation. */
  text: string;
  start: number;
  end: number;
  tags: ReadonlySet<string>;
  /** Punctuation and spaces before and after the word, as compromise split them. */
  pre: string;
  post: string;
  sentence: number;
  /** Index in the article-wide token list. */
  index: number;
}

export interface Sentence {
  index: number;
  start: number;
  end: number;
  paragraph: number;
  tokens: Token[];
}

export interface Paragraph {
  index: number;
  start: number;
  end: number;
}

export interface Analysis {
  paragraphs: Paragraph[];
  sentences: Sentence[];
  tokens: Token[];
}

interface CompromiseTerm {
  text: string;
  pre: string;
  post: string;
  tags: string[];
  offset: { start: number; length: number };
}
interface CompromiseSentence {
  offset: { start: number; length: number };
  terms: CompromiseTerm[];
}

export function analyse(text: string): Analysis {
  const paragraphs: Paragraph[] = [];
  const sentences: Sentence[] = [];
  const tokens: Token[] = [];
  let offset = 0;
  for (const rawLine of text.split('\n')) {
    // A Windows line end stays in the text (offsets point into it as given) but not in the paragraph.
    const line = rawLine.replace(/\r$/, '');
    const paragraph = { index: paragraphs.length, start: offset, end: offset + line.length };
    offset += rawLine.length + 1;
    if (line.trim().length === 0) continue;
    paragraphs.push(paragraph);
    const parsed = nlp(line).json({ offset: true }) as CompromiseSentence[];
    for (const parsedSentence of parsed) {
      const sentence: Sentence = {
        index: sentences.length,
        start: paragraph.start + parsedSentence.offset.start,
        end: paragraph.start + parsedSentence.offset.start + parsedSentence.offset.length,
        paragraph: paragraph.index,
        tokens: [],
      };
      for (const term of parsedSentence.terms) {
        if (term.text.length === 0) continue;
        const start = paragraph.start + term.offset.start;
        const token: Token = {
          text: term.text,
          start,
          end: start + term.offset.length,
          tags: new Set(term.tags),
          pre: term.pre,
          post: term.post,
          sentence: sentence.index,
          index: tokens.length,
        };
        sentence.tokens.push(token);
        tokens.push(token);
      }
      if (sentence.tokens.length > 0) {
        // compromise's sentence length leaves out trailing punctuation; the last token's post holds it.
        const last = sentence.tokens[sentence.tokens.length - 1]!;
        sentence.end = Math.max(sentence.end, last.end + last.post.trimEnd().length);
        sentences.push(sentence);
      }
    }
  }
  return { paragraphs, sentences, tokens };
}

/** The sentence that contains `offset` (or the last one before it). */
export function sentenceAt(sentences: readonly Sentence[], offset: number): Sentence | undefined {
  let lo = 0;
  let hi = sentences.length - 1;
  let found: Sentence | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sentences[mid]!.start <= offset) {
      found = sentences[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
