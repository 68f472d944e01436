import { builder } from '../builder.js';
import type { Evidence } from '../kb/records.js';
import { SourceRef } from './source.js';

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
          const { text } = await SourceRef.getDataloader(context).load(evidence.sourceId);
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
          const { text } = await SourceRef.getDataloader(context).load(evidence.sourceId);
          // End where a word ends: at the window's edge if one does, else at the previous word's end.
          let to = Math.min(text.length, evidence.end + clamp(length));
          while (to > evidence.end && to < text.length && !/\s/.test(text[to]!)) to -= 1;
          return text.slice(evidence.end, to);
        },
      }),
    };
  },
});
