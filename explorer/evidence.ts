/**
 * Evidence in its source: the evidence's words shown inside the sentence or two around them, with the
 * source they are quoted from; and a link's provenance, which can be the words of several sources.
 */
import { SourceTextDocument, type EvidenceFieldsFragment, type ProvenanceFieldsFragment } from '@newsgraph/client';
import { request } from './api.js';
import { h } from './dom.js';
import { sourceLink, sourcesText } from './routes.js';
import { state } from './state.js';

/**
 * A source's full text, fetched once per page load; null when it cannot be had (the excerpt then shows
 * only the evidence), and asked for again on the next page in case the failure passes.
 */
export function sourceText(slug: string): Promise<string | null> {
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

/** The source an excerpt is quoted from, linking to its page. */
function citation(evidence: EvidenceFieldsFragment): HTMLElement {
  return h('cite', { class: 'excerpt-source' }, '— ', sourceLink(evidence.source));
}

/**
 * The evidence inside the sentence or two around it, with the evidence itself in <mark> and the source
 * it stands in under it. Offsets index into the source text (UTF-16, as `slice` counts); the context
 * stops at paragraph breaks and is cut on a word boundary.
 */
export function excerpt(evidence: EvidenceFieldsFragment, texts: ReadonlyMap<string, string>): HTMLElement {
  const block = h('blockquote', { class: 'excerpt', 'data-source': evidence.source.slug });
  const text = texts.get(evidence.source.slug);
  if (text === undefined || text.slice(evidence.start, evidence.end) !== evidence.text) {
    block.append(h('mark', { class: 'evidence' }, evidence.text), citation(evidence));
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
  block.append(cutBefore ? '…' : '', before, h('mark', { class: 'evidence' }, evidence.text), after, cutAfter ? '…' : '', citation(evidence));
  return block;
}

/**
 * Where a link comes from: an excerpt for each source's words that state it (a fact two sources state
 * is one link with two spans), or, when no words state it, how it was inferred.
 */
export function provenanceExcerpts(provenance: ProvenanceFieldsFragment, texts: ReadonlyMap<string, string>): HTMLElement {
  if (provenance.evidence.length === 0) {
    return h('p', { class: 'provenance provenance-inferred' }, h('span', { class: 'inferred' }, 'inferred'), ' ', provenance.note ?? 'No words in a source state this; it comes from context.');
  }
  return h('div', { class: 'provenance' }, ...provenance.evidence.map((evidence) => excerpt(evidence, texts)));
}

/** The same, one click away: "Evidence", or "Evidence from 2 sources" when more than one states it. */
export function evidenceDetails(provenance: ProvenanceFieldsFragment, texts: ReadonlyMap<string, string>): HTMLDetailsElement {
  const label = provenance.sourceCount > 1 ? `Evidence from ${sourcesText(provenance.sourceCount)}` : 'Evidence';
  return h('details', { class: 'evidence-details' }, h('summary', null, label), provenanceExcerpts(provenance, texts));
}
