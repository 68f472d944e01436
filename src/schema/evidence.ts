import { builder } from '../builder.js';
import type { Evidence, Provenance } from '../kb/records.js';
import { SourceRef, sourceText } from './source.js';

const MAX_CONTEXT_LENGTH = 1000;

export const EvidenceRef = builder.objectRef<Evidence>('Evidence');

EvidenceRef.implement({
  description:
    'The exact words in a source that support a fact. `text` equals the source text between `start` and `end`, so a client can highlight it in `source.text`.',
  fields: (t) => {
    const contextLength = () =>
      t.arg.int({
        required: true,
        defaultValue: 80,
        description: `At most how many characters of context to return (0 to ${MAX_CONTEXT_LENGTH}); the cut falls on a word boundary.`,
      });
    const clamp = (length: number) => Math.max(0, Math.min(MAX_CONTEXT_LENGTH, length));
    return {
      source: t.field({ type: SourceRef, description: 'The source the words come from.', resolve: (evidence) => evidence.sourceId }),
      start: t.exposeInt('start', { description: 'Offset of the first character in `source.text` (UTF-16 code units, as JavaScript strings count).' }),
      end: t.exposeInt('end', { description: 'Offset just past the last character in `source.text` (exclusive).' }),
      text: t.exposeString('text', { description: 'The supporting words, exactly as the source prints them.' }),
      textBefore: t.string({
        description: 'Source text just before the evidence, for showing it in context.',
        args: { length: contextLength() },
        resolve: async (evidence, { length }, context) => {
          const text = await sourceText(evidence.sourceId, context);
          // Start where a word starts: at the window's edge if one does, else at the next word.
          let from = Math.max(0, evidence.start - clamp(length));
          while (from < evidence.start && from > 0 && !/\s/.test(text[from - 1]!)) from += 1;
          return text.slice(from, evidence.start);
        },
      }),
      textAfter: t.string({
        description: 'Source text just after the evidence, for showing it in context.',
        args: { length: contextLength() },
        resolve: async (evidence, { length }, context) => {
          const text = await sourceText(evidence.sourceId, context);
          // End where a word ends: at the window's edge if one does, else at the previous word's end.
          let to = Math.min(text.length, evidence.end + clamp(length));
          while (to > evidence.end && to < text.length && !/\s/.test(text[to]!)) to -= 1;
          return text.slice(evidence.end, to);
        },
      }),
    };
  },
});

export const ProvenanceRef = builder.objectRef<Provenance>('Provenance');

ProvenanceRef.implement({
  description:
    'Where a link between records comes from: the words of every source that states it (one fact two sources state is one link with two spans), ' +
    'and whether it is inferred from context rather than read in the text.',
  fields: (t) => ({
    evidence: t.field({
      type: [EvidenceRef],
      description: 'The spans that state the link, from any sources, in the order they were recorded. Empty only for an inferred link.',
      resolve: (provenance) => provenance.evidence,
    }),
    inferred: t.exposeBoolean('inferred', { description: 'True when the link (or part of it) comes from context rather than the text; `note` says how.' }),
    note: t.string({ nullable: true, description: 'How an inferred link was worked out, or a curator\'s remark on the evidence.', resolve: (provenance) => provenance.note ?? null }),
    sources: t.field({
      type: [SourceRef],
      description: 'The sources whose words state the link, each once, in the order of `evidence`.',
      resolve: (provenance) => sourceIdsOf(provenance.evidence),
    }),
    sourceCount: t.int({ description: 'How many distinct sources state the link.', resolve: (provenance) => sourceIdsOf(provenance.evidence).length }),
  }),
});

function sourceIdsOf(evidence: readonly Evidence[]): string[] {
  return [...new Set(evidence.map((span) => span.sourceId))];
}

/** The first span of a link, for the single `evidence` fields that predate evidence lists. */
export function firstSpan(provenance: Provenance): Evidence | null {
  return provenance.evidence[0] ?? null;
}
