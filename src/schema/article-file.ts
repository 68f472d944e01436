/**
 * Adding a whole article through the API: `applyArticle` takes the same article file as
 * `npm run author -- apply` and goes through the same path (`applyArticles`: the store's lock, the data's
 * rules, one durable change, the same codes; on PostgreSQL, one transaction); `dryRun` previews it.
 * `draftArticle` drafts one from an article's text, as `npm run author -- draft` does (on PostgreSQL,
 * from the records the text can look up: src/authoring/draft/scoped.ts).
 */
import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import { DraftTooLargeError } from '../authoring/draft/record-cap.js';
import { ErrorCode } from '../errors.js';
import type { RecordKind } from '../kb/knowledge-base.js';
import { applyArticles, previewArticles } from '../authoring/apply-articles.js';
import type { ArticlePlan, ArticleProblem, PlannedChange } from '../authoring/plan-article.js';
import { ChangeKindEnum, changeDatabase, changeStore, curatorOf, knowledgeBaseOf } from './mutations.js';
import { loadNode } from './node-loading.js';

const RecordTypeEnum = builder.enumType('RecordType', {
  description: 'A kind of record of the knowledge base.',
  values: {
    SOURCE: { value: 'Source', description: 'A source (an article).' },
    PERSON: { value: 'Person', description: 'A person.' },
    COUNTRY: { value: 'Country', description: 'A country.' },
    ORGANIZATION: { value: 'Organization', description: 'An organization.' },
    EVENT: { value: 'Event', description: 'An event.' },
    STATEMENT: { value: 'Statement', description: 'A statement.' },
  } as const,
});

const ArticleChangeRef = builder.objectRef<PlannedChange>('ArticleChange').implement({
  description: 'One record an article file changes (or, on a dry run, would change).',
  fields: (t) => ({
    slug: t.exposeString('id', { description: 'The record\'s id (slug), also for a record a dry run would create.' }),
    type: t.field({ type: RecordTypeEnum, description: 'What kind of record it is.', resolve: (change) => change.kind as RecordKind as never }),
    change: t.field({ type: ChangeKindEnum, description: 'What happens to it.', resolve: (change) => change.change }),
    summary: t.exposeStringList('summary', { description: 'What happens to it, in words ("adds a report from …").' }),
    entries: t.exposeStringList('entries', { description: 'The entries of the file that ask for it: file name and JSON path.' }),
    record: t.field({
      type: builder.nodeInterfaceRef(),
      nullable: true,
      description: 'The record as stored after the change; on a dry run, as stored now (null for a record the file would create).',
      resolve: async (change, _args, context) => ((await context.loaders.referentById.load(change.id)) ? (loadNode(context, change.id) as never) : null),
    }),
  }),
});

const ArticleProblemRef = builder.objectRef<ArticleProblem>('ArticleProblem').implement({
  description: 'Why an article file cannot be applied, at a place in the file.',
  fields: (t) => ({
    file: t.exposeString('file', { description: 'The file, as named in the request ("file" for `applyArticle`).' }),
    path: t.exposeString('path', { description: 'JSONPath of the entry in the file ("$.statements[3].attribution").' }),
    message: t.exposeString('message', { description: 'What is wrong.' }),
    code: t.exposeString('code', { description: 'The error code the change would be refused with (EVIDENCE_NOT_FOUND, UNKNOWN_REFERENCE, DUPLICATE_ID, …).' }),
  }),
});

interface ApplyArticleResult {
  plan: ArticlePlan;
  dryRun: boolean;
  datasetVersion: string;
}

const ApplyArticlePayloadRef = builder.objectRef<ApplyArticleResult>('ApplyArticlePayload').implement({
  description: 'The result of `applyArticle`: what changed (or would change), record by record.',
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun', { description: 'True when nothing was written: the changes are what applying would do.' }),
    applied: t.boolean({ description: 'True when the file was applied and changed something; false on a dry run or when everything was already there.', resolve: (result) => !result.dryRun && result.plan.changes.length > 0 }),
    sourceSlugs: t.stringList({ description: 'The id of the source the file adds (or found already added).', resolve: (result) => result.plan.sourceIds }),
    changes: t.field({
      type: [ArticleChangeRef],
      description: 'Every record changed, in the order the file names them; empty when the file was already applied.',
      resolve: (result) => result.plan.changes,
    }),
    problems: t.field({
      type: [ArticleProblemRef],
      description: 'On a dry run, every problem that would refuse the file (an applied file has none: problems refuse it with an error).',
      resolve: (result) => result.plan.problems,
    }),
    datasetVersion: t.string({ description: 'The dataset version after the change (on a dry run, the current one).', resolve: (result) => result.datasetVersion }),
  }),
});

builder.mutationFields((t) => ({
  applyArticle: t.field({
    type: ApplyArticlePayloadRef,
    description:
      'Applies an article file (the format of `npm run author -- apply`: a source and what it says) in one durable change, all or nothing. Applying the same file again changes nothing. Problems refuse the whole file with the code of the first and every problem in `extensions.problems` (file, path, message, code). With `dryRun`, nothing is written and the problems come back in the payload.',
    args: {
      file: t.arg({ type: 'ArticleFile', required: true, description: 'The article file, as a JSON object (usually a variable).' }),
      dryRun: t.arg.boolean({ required: false, defaultValue: false, description: 'Only say what would change, and every problem; write nothing.' }),
    },
    resolve: async (_root, args, context) => {
      const files = [{ name: 'file', content: args.file }];
      const dryRun = args.dryRun ?? false;
      if (context.writer) {
        // Planned over the records the files name, fetched from the database, in one transaction.
        const plan = await changeDatabase(context, context.writer, (writer, curator) => writer.applyArticles(files, curator, { dryRun }));
        return { plan, dryRun, datasetVersion: context.snapshot.info.version };
      }
      if (dryRun) {
        // A preview only reads: a read-only server answers it too, for a curator.
        return { plan: previewArticles(knowledgeBaseOf(context, 'applyArticle'), files, curatorOf(context)), dryRun, datasetVersion: context.snapshot.info.version };
      }
      const plan = await changeStore(context, async (store, curator) => {
        const { plan: applied, kb } = await applyArticles(store, files, curator);
        return { record: applied, kb };
      });
      return { plan, dryRun, datasetVersion: context.snapshot.info.version };
    },
  }),
}));

builder.queryFields((t) => ({
  draftArticle: t.field({
    type: 'ArticleFile',
    description:
      'Drafts an article file from an article\'s text (plain text or simple HTML), as `npm run author -- draft` does: quotes and paraphrases with their speakers, the persons, countries, organizations and events named, matched to the knowledge base. Changes nothing; review the draft, then `applyArticle`. Needs a curator token.',
    args: {
      text: t.arg.string({ required: true, description: 'The article\'s full text; its first line is the headline unless `title` is given.' }),
      title: t.arg.string({ required: false, description: 'The headline.' }),
      publishedOn: t.arg({ type: 'Date', required: false, description: 'The publication date, against which "Tuesday" and "last week" are resolved.' }),
      url: t.arg.string({ required: false, description: 'Where the article was published.' }),
    },
    resolve: async (_root, args, context) => {
      curatorOf(context);
      const input = { text: args.text, title: args.title ?? undefined, publishedOn: args.publishedOn ?? undefined, url: args.url ?? undefined };
      // Loaded on first use: the NLP library is a few megabytes that a server never drafting need not hold.
      if (context.draftRecords) {
        // On PostgreSQL: drafted on the records this text can look up, fetched from the database in a
        // transaction of the draft's own. The request's transaction gives its connection back first:
        // drafts holding one each while waiting for another could take the whole pool.
        context.endReads?.();
        const { draftFromSource } = await import('../authoring/draft/scoped.js');
        try {
          return (await draftFromSource(input, context.draftRecords)) as object;
        } catch (error) {
          if (error instanceof DraftTooLargeError) throw new GraphQLError(error.message, { extensions: { code: ErrorCode.DRAFT_TOO_LARGE, maxRecords: error.maxRecords } });
          throw error;
        }
      }
      const { draftArticle } = await import('../authoring/draft/index.js');
      return draftArticle(input, knowledgeBaseOf(context, 'draftArticle')) as object;
    },
  }),
}));
