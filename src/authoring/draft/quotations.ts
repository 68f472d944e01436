/**
 * Passages in quotation marks: curly “…” and straight "…", with any ‘…’ nested inside kept as part of the
 * outer quote. A quote's text is the words inside the marks minus a trailing comma that only joins the
 * attribution (“…,” he said).
 */
import type { Paragraph } from './tokens.js';

export interface Quotation {
  /** The opening and closing marks. */
  open: number;
  close: number;
  /** The quote's words (without a joining comma and outer spaces). */
  start: number;
  end: number;
  text: string;
  paragraph: number;
}

function trimmedInner(text: string, from: number, to: number): { start: number; end: number } {
  let start = from;
  let end = to;
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (end > start && text[end - 1] === ',') end--;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { start, end };
}

/** Every top-level quotation, paragraph by paragraph (a quotation never spans paragraphs here). */
export function findQuotations(text: string, paragraphs: readonly Paragraph[]): Quotation[] {
  const quotes: Quotation[] = [];
  for (const paragraph of paragraphs) {
    let open = -1;
    let openMark = '';
    for (let i = paragraph.start; i < paragraph.end; i++) {
      const c = text[i]!;
      if (open === -1) {
        if (c === '“' || (c === '"' && isOpeningStraight(text, i))) {
          open = i;
          openMark = c;
        }
      } else if ((openMark === '“' && c === '”') || (openMark === '"' && c === '"')) {
        const inner = trimmedInner(text, open + 1, i);
        if (inner.end > inner.start) quotes.push({ open, close: i, ...inner, text: text.slice(inner.start, inner.end), paragraph: paragraph.index });
        open = -1;
      }
    }
    // A quote left open runs to the end of its paragraph (a quote continued in the next paragraph opens again there).
    if (open !== -1) {
      const inner = trimmedInner(text, open + 1, paragraph.end);
      if (inner.end > inner.start) quotes.push({ open, close: paragraph.end, ...inner, text: text.slice(inner.start, inner.end), paragraph: paragraph.index });
    }
  }
  return quotes;
}

/** A straight quote mark opens a quotation unless it directly follows a letter (an inch mark or a closing one). */
function isOpeningStraight(text: string, i: number): boolean {
  const before = text[i - 1];
  return !before || !/[\p{L}\p{N}]/u.test(before);
}

/** Whether an offset lies inside one of the quotations' marks. */
export function insideQuotation(quotes: readonly Quotation[], offset: number): Quotation | undefined {
  return quotes.find((q) => q.open <= offset && offset <= q.close);
}
