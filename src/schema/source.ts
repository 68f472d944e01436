import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { MAX_SOURCE_TEXT_LENGTH } from '../kb/records.js';
import type { SourceHeading } from '../kb/reader.js';
import { PartialDateRef } from './dates.js';
import { lookupArgs, resolveLookup } from './lookup.js';
import { registerNodeLoader } from './node-loading.js';
import { listConnection } from './pagination.js';
import { StatementConnection, StatementRef, statementListArgs, statementPage } from './statement.js';
import { PartialDateInputRef, applyEdit, changeResult, mutationPayload, newRecordId, orUndefined, toDateInput } from './mutations.js';
import { createSource } from '../store/edits.js';

/** What a source's text counts for in the query cost: a unit per thousand characters it may hold. */
const SOURCE_TEXT_COST = Math.ceil(MAX_SOURCE_TEXT_LENGTH / 1000);

export const SourceKindEnum = builder.enumType('SourceKind', {
  description: 'What kind of document a source is.',
  values: { NEWS_ARTICLE: { description: 'A news report.' } } as const,
});

export const SourceRef = builder.loadableNodeRef('Source', {
  id: { resolve: (source: SourceHeading) => source.id },
  load: (ids: string[], context) => context.reader.recordsByIds('Source', ids),
});
registerNodeLoader('Source', SourceRef);

export const SourceConnection = builder.connectionObject(
  { type: SourceRef, name: 'SourceConnection', description: 'A page of sources.' },
  { name: 'SourceEdge', description: 'A source on a page, with its cursor.' },
);

SourceRef.implement({
  description: 'A document the knowledge comes from. Every fact in the knowledge base points at the exact words of a source that support it.',
  fields: (t) => ({
    slug: t.exposeString('id', { description: 'A readable, stable identifier, accepted by `source(slug:)`.' }),
    revision: t.exposeInt('revision', { description: 'Counts the changes made to this source (1 as first written).' }),
    kind: t.expose('kind', { type: SourceKindEnum, description: 'What kind of document this is.' }),
    title: t.exposeString('title', { description: 'The headline or title.' }),
    text: t.string({
      description: `The full text exactly as published; evidence offsets index into it. Up to ${MAX_SOURCE_TEXT_LENGTH} characters, so the query cost counts it as ${SOURCE_TEXT_COST}.`,
      // The cost estimate (src/plugins/limits.ts) counts a unit per thousand characters a field may return.
      extensions: { cost: SOURCE_TEXT_COST },
      resolve: (source, _args, context) => sourceText(source.id, context),
    }),
    language: t.exposeString('language', { description: 'The language of the text, as a BCP 47 tag such as "en".' }),
    publishedOn: t.field({
      type: PartialDateRef,
      nullable: true,
      description: 'When the source was published, as precisely as known (the seed article never states its date, so it is inferred).',
      resolve: (source) => source.publishedOn,
    }),
    origin: t.exposeString('origin', { nullable: true, description: 'Where the text was taken from, when known.' }),
    statements: t.connection(
      {
        type: StatementRef,
        description: 'Statements whose words stand in this source, in the order they appear unless `orderBy` says otherwise.',
        args: statementListArgs,
        resolve: (source, args, context, info) => statementPage(args, context, info, { relation: 'statementIdsBySourceId', id: source.id }),
      },
      StatementConnection,
    ),
  }),
});

/**
 * The full text of a source, read apart from the rest of it: a lookup of a source leaves the text out
 * (SourceHeading), since most queries of sources show their titles and the text is most of their bytes.
 */
export async function sourceText(id: string, context: Context): Promise<string> {
  const text = await context.loaders.sourceTextById.load(id);
  // A source is never deleted, so a source read in this request has its text in the same snapshot.
  if (text === undefined) throw new Error(`source "${id}" has no text in this snapshot`);
  return text;
}

builder.queryFields((t) => ({
  sources: t.connection(
    {
      type: SourceRef,
      description: 'All sources, in the order they were added.',
      resolve: (_root, args, context) => listConnection(context, { list: 'sources' }, args),
    },
    SourceConnection,
  ),
  source: t.field({
    type: SourceRef,
    nullable: true,
    description: 'One source by global id or slug. A NOT_FOUND error when nothing matches.',
    args: lookupArgs('Source'),
    resolve: (_root, args, context) => resolveLookup('Source', args, context),
  }),
}));

const CreateSourceInputRef = builder.inputType('CreateSourceInput', {
  description: 'A new source: a news article whose words later evidence can quote.',
  fields: (t) => ({
    slug: t.string({ required: false, description: 'The new source\'s slug; made from the title when left out.' }),
    title: t.string({ required: true, description: 'The headline or title.' }),
    text: t.string({ required: true, description: `The full text exactly as published (at most ${MAX_SOURCE_TEXT_LENGTH} characters); evidence quotes its words.` }),
    language: t.string({ required: true, description: 'The language of the text, as a BCP 47 tag such as "en".' }),
    publishedOn: t.field({ type: PartialDateInputRef, required: false, description: 'When the source was published, as precisely as known.' }),
    origin: t.string({ required: false, description: 'Where the text was taken from (a file name or an address).' }),
  }),
});

const CreateSourcePayload = mutationPayload('CreateSourcePayload', 'source', SourceRef, 'The result of `createSource`: the source as stored.');

builder.mutationFields((t) => ({
  createSource: t.field({
    type: CreateSourcePayload,
    description: 'Adds a source, whose words the evidence of later changes can quote. DUPLICATE_ID when the slug is taken.',
    args: { input: t.arg({ type: CreateSourceInputRef, required: true, description: 'The new source.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = createSource({
        id: newRecordId(input.slug),
        title: input.title,
        text: input.text,
        language: input.language,
        publishedOn: toDateInput(input.publishedOn),
        origin: orUndefined(input.origin),
      });
      return changeResult(context, await applyEdit(context, 'sources', edit));
    },
  }),
}));
