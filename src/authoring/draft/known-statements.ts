/**
 * Is a drafted statement one the knowledge base already holds? The same words (quotation marks,
 * punctuation, case and spacing folded) by the same speaker make it a new report of that statement;
 * nearly the same words (token-set similarity ≥ 0.8) make it a candidate for the curator to decide.
 *
 * The stored statements are folded once, into a `StatementIndex` (built with the `KbIndex`, once per
 * knowledge base), and a drafted statement is compared only with the statements that could match it:
 * those of the same speaker, those with exactly its words, and those that share one of its rarest
 * words. Jaccard similarity ≥ 0.8 needs at least ⌈0.8·|A|⌉ of the draft's |A| words in the other
 * text, so a statement sharing none of its |A| − ⌈0.8·|A|⌉ + 1 rarest words cannot be near: the
 * lookup misses nothing the full comparison would find, and its cost follows the rare words' lists,
 * not the number of statements stored.
 */
import type { StatementRecord } from '../../kb/records.js';
import { foldedWords } from '../../kb/text.js';

export const NEAR_SIMILARITY = 0.8;

export interface KnownMatch {
  existing?: StatementRecord;
  candidates: { id: string; text: string; similarity: number; sameSpeaker: boolean; part?: boolean }[];
}

/** A statement's words as the comparisons see them: folded, apostrophes straightened. */
export function statementWords(text: string): string[] {
  return foldedWords(text.replace(/[’‘]/g, "'"));
}

const words = statementWords;

/** Jaccard similarity of the two texts' word sets. */
export function tokenSetSimilarity(a: string, b: string): number {
  return setSimilarity(new Set(words(a)), new Set(words(b)));
}

function setSimilarity(left: ReadonlySet<string>, right: ReadonlySet<string>): number {
  if (left.size === 0 && right.size === 0) return 1;
  let shared = 0;
  const [small, large] = left.size <= right.size ? [left, right] : [right, left];
  for (const w of small) if (large.has(w)) shared++;
  return shared / (left.size + right.size - shared);
}

/** One stored form of a statement (its text, or one report's words), folded once. */
interface FoldedForm {
  /** The folded words joined by single spaces. */
  joined: string;
  /** The same with a space on either side, for finding a drafted text inside it as whole words. */
  padded: string;
  set: ReadonlySet<string>;
}

interface FoldedStatement {
  /** Position in the knowledge base's order: the results come in that order, as a full scan gives them. */
  ordinal: number;
  statement: StatementRecord;
  forms: FoldedForm[];
}

/** The live statements of a knowledge base, folded once and indexed by speaker, by exact words and by word. */
export class StatementIndex {
  private readonly folded: FoldedStatement[] = [];
  private readonly bySpeaker = new Map<string | null, FoldedStatement[]>();
  private readonly byExactWords = new Map<string, FoldedStatement[]>();
  /** For each word, the statements (in order, once each) with it in any form. */
  private readonly byWord = new Map<string, FoldedStatement[]>();

  constructor(statements: readonly StatementRecord[]) {
    for (const statement of statements) {
      const forms = [statement.text, ...statement.reports.map((r) => r.evidence.text)].map((form): FoldedForm => {
        const list = words(form);
        const joined = list.join(' ');
        return { joined, padded: ` ${joined} `, set: new Set(list) };
      });
      const entry: FoldedStatement = { ordinal: this.folded.length, statement, forms };
      this.folded.push(entry);
      push(this.bySpeaker, statement.speakerId ?? null, entry);
      const seen = new Set<string>();
      for (const form of forms) {
        if (!seen.has(form.joined)) push(this.byExactWords, form.joined, entry);
        seen.add(form.joined);
      }
      const all = new Set<string>();
      for (const form of forms) for (const w of form.set) all.add(w);
      for (const w of all) push(this.byWord, w, entry);
    }
  }

  get size(): number {
    return this.folded.length;
  }

  /** The statements that could match `mine` (a set of folded words) for `speakerId`, in the knowledge base's order. */
  private pool(mine: ReadonlySet<string>, joined: string, speakerId: string | null): FoldedStatement[] {
    const pool = new Set<FoldedStatement>();
    if (speakerId !== null) for (const entry of this.bySpeaker.get(speakerId) ?? []) pool.add(entry);
    for (const entry of this.byExactWords.get(joined) ?? []) pool.add(entry);
    if (mine.size > 0) {
      // Prefix filtering on the rarest words (see the file's comment).
      const need = Math.ceil(NEAR_SIMILARITY * mine.size - 1e-9);
      const rarest = [...mine].sort((a, b) => (this.byWord.get(a)?.length ?? 0) - (this.byWord.get(b)?.length ?? 0)).slice(0, mine.size - need + 1);
      for (const w of rarest) {
        for (const entry of this.byWord.get(w) ?? []) {
          // With a named speaker, a near statement of another named speaker is no candidate; skip it early.
          if (speakerId !== null && entry.statement.speakerId && entry.statement.speakerId !== speakerId) continue;
          pool.add(entry);
        }
      }
    }
    return [...pool].sort((a, b) => a.ordinal - b.ordinal);
  }

  /** What the knowledge base holds of a drafted statement: the same statement, or near ones as candidates. */
  findKnown(text: string, kind: string, speakerId: string | null): KnownMatch {
    const list = words(text);
    const mine = list.join(' ');
    const paddedMine = ` ${mine} `;
    const mineSet = new Set(list);
    const result: KnownMatch = { candidates: [] };
    for (const { statement, forms } of this.pool(mineSet, mine, speakerId)) {
      const sameSpeaker = speakerId !== null && statement.speakerId === speakerId;
      const exact = forms.some((form) => form.joined === mine);
      if (exact && sameSpeaker && statement.kind === kind) {
        result.existing = statement;
        return result;
      }
      const similarity = exact ? 1 : Math.max(...forms.map((form) => setSimilarity(mineSet, form.set)));
      // A leading or inner part of a known quote by the same speaker ("make the case that we need even more"): a candidate too.
      const part = sameSpeaker && list.length >= 5 && forms.some((form) => form.padded.includes(paddedMine));
      if (part && similarity < NEAR_SIMILARITY) {
        result.candidates.push({ id: statement.id, text: statement.text, similarity: Math.round(similarity * 100) / 100, sameSpeaker, part: true });
        continue;
      }
      if (similarity >= NEAR_SIMILARITY && (sameSpeaker || speakerId === null || statement.speakerId === null || exact)) {
        result.candidates.push({ id: statement.id, text: statement.text, similarity: Math.round(similarity * 100) / 100, sameSpeaker });
      }
    }
    result.candidates.sort((a, b) => Number(!!a.part) - Number(!!b.part) || b.similarity - a.similarity);
    return result;
  }
}

/** The full comparison with every statement, as `StatementIndex.findKnown` answers it: kept for tests and benchmarks to check the index against. */
export function findKnown(text: string, kind: string, speakerId: string | null, statements: readonly StatementRecord[]): KnownMatch {
  const mine = words(text).join(' ');
  const result: KnownMatch = { candidates: [] };
  for (const statement of statements) {
    const forms = [statement.text, ...statement.reports.map((r) => r.evidence.text)];
    const sameSpeaker = speakerId !== null && statement.speakerId === speakerId;
    const exact = forms.some((form) => words(form).join(' ') === mine);
    if (exact && sameSpeaker && statement.kind === kind) {
      result.existing = statement;
      return result;
    }
    const similarity = exact ? 1 : Math.max(...forms.map((form) => tokenSetSimilarity(text, form)));
    const part = sameSpeaker && mine.split(' ').length >= 5 && forms.some((form) => ` ${words(form).join(' ')} `.includes(` ${mine} `));
    if (part && similarity < NEAR_SIMILARITY) {
      result.candidates.push({ id: statement.id, text: statement.text, similarity: Math.round(similarity * 100) / 100, sameSpeaker, part: true });
      continue;
    }
    if (similarity >= NEAR_SIMILARITY && (sameSpeaker || speakerId === null || statement.speakerId === null || exact)) {
      result.candidates.push({ id: statement.id, text: statement.text, similarity: Math.round(similarity * 100) / 100, sameSpeaker });
    }
  }
  result.candidates.sort((a, b) => Number(!!a.part) - Number(!!b.part) || b.similarity - a.similarity);
  return result;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
