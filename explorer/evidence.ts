/** Evidence in its source: the evidence's words shown inside the sentence or two around them. */
import { SourceTextDocument, type EvidenceFieldsFragment } from '../client/index.js';
import { request } from './api.js';
import { h } from './dom.js';
import { state } from './state.js';

/**
 * A source's full text, fetched once per page load; null when it cannot be had (the excerpt then shows
 * only the evidence), and asked for again on the next page in case the failure passes.
 */
function sourceText(slug: string): Promise<string | null> {
  let text = state.sourceTexts.get(slug);
  if (!text) {
    text = request(SourceTextDocument, { slug }).then(
      ({ data }) => data.source?.text ?? null,
      () => {
        state.sourceTexts.delete(slug);
        return null;
      },
    );
    state.sourceTexts.set(slug, text);
  }
  return text;
}

/** The slugs of every source some evidence in `value` points into. */
function evidenceSources(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) evidenceSources(item, found);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const source = record.source as { slug?: unknown } | undefined;
    if (typeof record.start === 'number' && typeof source?.slug === 'string') found.add(source.slug);
    for (const child of Object.values(record)) evidenceSources(child, found);
  }
  return found;
}

export async function loadSourcesFor(data: unknown): Promise<Map<string, string>> {
  const slugs = [...evidenceSources(data)];
  const texts = await Promise.all(slugs.map(sourceText));
  return new Map(slugs.flatMap((slug, i) => (texts[i] ? [[slug, texts[i]] as [string, string]] : [])));
}

const CONTEXT_CHARS = 140;

/**
 * The evidence inside the sentence or two around it, with the evidence itself in <mark>. Offsets
 * index into the source text (UTF-16, as `slice` counts); the context stops at paragraph breaks and
 * is cut on a word boundary.
 */
export function excerpt(evidence: EvidenceFieldsFragment, texts: ReadonlyMap<string, string>): HTMLElement {
  const block = h('blockquote', { class: 'excerpt' });
  const text = texts.get(evidence.source.slug);
  if (text === undefined || text.slice(evidence.start, evidence.end) !== evidence.text) {
    block.append(h('mark', { class: 'evidence' }, evidence.text));
    return block;
  }
  let from = Math.max(0, evidence.start - CONTEXT_CHARS);
  let before = text.slice(from, evidence.start);
  const paragraphStart = before.lastIndexOf('\n');
  if (paragraphStart >= 0) {
    before = before.slice(paragraphStart + 1);
    from = evidence.start - before.length;
  } else if (from > 0) {
    before = before.replace(/^\S*\s/, '');
  }
  let after = text.slice(evidence.end, evidence.end + CONTEXT_CHARS);
  const paragraphEnd = after.indexOf('\n');
  const cutAfter = paragraphEnd < 0 && evidence.end + CONTEXT_CHARS < text.length;
  if (paragraphEnd >= 0) after = after.slice(0, paragraphEnd);
  else if (cutAfter) after = after.replace(/\s\S*$/, '');
  const cutBefore = paragraphStart < 0 && from > 0;
  block.append(cutBefore ? '…' : '', before, h('mark', { class: 'evidence' }, evidence.text), after, cutAfter ? '…' : '');
  return block;
}
