/**
 * Is a drafted statement one the knowledge base already holds? The same words (quotation marks,
 * punctuation, case and spacing folded) by the same speaker make it a new report of that statement;
 * nearly the same words (token-set similarity ≥ 0.8) make it a candidate for the curator to decide.
 */
import type { StatementRecord } from '../../kb/records.js';
import { foldedWords } from '../../kb/text.js';

export const NEAR_SIMILARITY = 0.8;

export interface KnownMatch {
  existing?: StatementRecord;
  candidates: { id: string; text: string; similarity: number; sameSpeaker: boolean; part?: boolean }[];
}

function words(text: string): string[] {
  return foldedWords(text.replace(/[’‘]/g, "'"));
}

/** Jaccard similarity of the two texts' word sets. */
export function tokenSetSimilarity(a: string, b: string): number {
  const left = new Set(words(a));
  const right = new Set(words(b));
  if (left.size === 0 && right.size === 0) return 1;
  let shared = 0;
  for (const w of left) if (right.has(w)) shared++;
  return shared / (left.size + right.size - shared);
}

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
    // A leading or inner part of a known quote by the same speaker ("make the case that we need even more"): a candidate too.
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
