/**
 * Evidence anchoring: turning quoted words into character offsets, so that nobody counts characters
 * by hand. Used by `scripts/anchor-evidence.ts` when curating `data/`.
 */

export interface Span {
  start: number;
  end: number;
}

export interface AnchorOptions {
  /** Look here first (for example the statement a mention belongs to); fall back to the whole text. */
  scopes?: Span[];
  /** 1-based: which occurrence to take when the words occur more than once in the chosen scope. */
  occurrence?: number;
}

export class AnchorError extends Error {
  override name = 'AnchorError';
  constructor(
    message: string,
    /** Whether the words are missing, or occur more than once with nothing to choose between them. */
    readonly reason: 'missing' | 'ambiguous' = 'missing',
  ) {
    super(message);
  }
}

function occurrencesOf(text: string, quote: string, within: Span): Span[] {
  const found: Span[] = [];
  let from = within.start;
  for (;;) {
    const start = text.indexOf(quote, from);
    if (start === -1 || start + quote.length > within.end) return found;
    found.push({ start, end: start + quote.length });
    from = start + 1;
  }
}

/**
 * Finds the one place `quote` stands in `text`: the narrowest scope in which it occurs decides,
 * and several occurrences there need `occurrence` to choose. Throws an AnchorError saying why otherwise.
 */
export function anchorQuote(text: string, quote: string, options: AnchorOptions = {}): Span {
  if (quote.length === 0) throw new AnchorError('cannot anchor an empty quote');
  const scopes = [...(options.scopes ?? []), { start: 0, end: text.length }];
  for (const scope of scopes) {
    const found = occurrencesOf(text, quote, scope);
    if (found.length === 0) continue;
    if (options.occurrence !== undefined) {
      const chosen = found[options.occurrence - 1];
      if (!chosen) {
        throw new AnchorError(`"${quote}" occurs ${found.length} time(s) here, so occurrence ${options.occurrence} does not exist`);
      }
      return chosen;
    }
    if (found.length > 1) {
      throw new AnchorError(
        `"${quote}" occurs ${found.length} times (at ${found.map((s) => s.start).join(', ')}); ` +
          'give "occurrence" or quote more surrounding words',
        'ambiguous',
      );
    }
    return found[0]!;
  }
  throw new AnchorError(`"${quote}" does not occur in the source text`);
}

/** The paragraph (text between blank lines) that contains `span`. */
export function paragraphAround(text: string, span: Span): Span {
  const before = text.lastIndexOf('\n\n', span.start);
  const after = text.indexOf('\n\n', span.end);
  return { start: before === -1 ? 0 : before + 2, end: after === -1 ? text.length : after };
}
