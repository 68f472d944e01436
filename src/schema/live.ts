/**
 * Live updates: subscriptions, served over server-sent events, that announce each change to the
 * knowledge base, whether made by a mutation or by an edit of the data files on disk. Each event is
 * resolved against one state of the data that includes its change (its snapshot in memory, a
 * transaction of its own on a database), so a subscriber reads what it was told of.
 */
import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import { moveToReads, readsAfter, type Context } from '../context.js';
import { ErrorCode } from '../errors.js';
import type { RecordKind } from '../kb/knowledge-base.js';
import type { Snapshot } from '../kb/snapshot.js';
import type { ChangeKind, RecordChange } from '../store/knowledge-store.js';
import { FellBehind, type DatasetChange, type FeedItem } from '../subscriptions.js';
import { ChangeKindEnum } from './mutations.js';
import { DatasetRef } from './dataset.js';
import { EntityRef } from './entity.js';
import { loadNode } from './node-loading.js';
import { StatementRef } from './statement.js';

builder.subscriptionType({
  description:
    'Live updates over server-sent events (send `Accept: text/event-stream`; GraphiQL does this for you). ' +
    'Each announces changes made by mutations, by edits of the data files on disk and, on a server reading PostgreSQL, by db:import (heard by every server reading the database).',
});

/** One changed record, with the snapshot that holds the change. */
interface ChangeEvent {
  snapshot: Snapshot;
  id: string;
  kind: RecordKind;
  change: ChangeKind;
}

const EntityTypeEnum = builder.enumType('EntityType', {
  description: 'A kind of entity.',
  values: {
    PERSON: { value: 'Person', description: 'Persons.' },
    COUNTRY: { value: 'Country', description: 'Countries.' },
    ORGANIZATION: { value: 'Organization', description: 'Organizations.' },
    EVENT: { value: 'Event', description: 'Events.' },
  } as const,
});

const ChangeCauseEnum = builder.enumType('ChangeCause', {
  description: 'What changed the knowledge base.',
  values: {
    MUTATION: { value: 'mutation', description: 'A curator\'s mutation.' },
    RELOAD: { value: 'reload', description: 'An edit of the data files on disk, picked up without a restart.' },
    IMPORT: { value: 'import', description: 'A data folder loaded into the PostgreSQL database with db:import.' },
  } as const,
});

/** The feed of store changes, or an error on a server whose data cannot change. */
function changesOf(context: Context): AsyncIterable<FeedItem> {
  if (!context.changes) {
    throw new GraphQLError('This server serves a fixed knowledge base, so nothing ever changes', { extensions: { code: ErrorCode.READ_ONLY } });
  }
  return context.changes.subscribe(context.client ?? 'local');
}

/**
 * Each changed record that `accept` keeps, one event per record; a subscriber that fell behind hears
 * so last. Subscribes at once, not on the first pull: a refusal (too many subscriptions) must reach
 * the client as the subscription's error, before any event. Not an async generator: one waiting for
 * the next change would hear of its client leaving only when that change came, holding its place
 * until then; `return` here ends the feed at once.
 */
function recordChanges(context: Context, accept: (change: RecordChange) => boolean): AsyncIterableIterator<ChangeEvent | FellBehind> {
  const feed = changesOf(context)[Symbol.asyncIterator]();
  let ready: ChangeEvent[] = [];
  const iterator: AsyncIterableIterator<ChangeEvent | FellBehind> = {
    async next(): Promise<IteratorResult<ChangeEvent | FellBehind>> {
      for (;;) {
        const event = ready.shift();
        if (event) return { value: event, done: false };
        const item = await feed.next();
        if (item.done) return item;
        // The feed ends after a FellBehind, so it is passed on as the last event.
        if (item.value instanceof FellBehind) return { value: item.value, done: false };
        const { snapshot } = item.value;
        ready = item.value.changes.filter(accept).map((change) => ({ snapshot, ...change }));
      }
    },
    return: async () => {
      ready = [];
      await feed.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * The event an announcement resolves to, with the request moved to reads that hold its change: the
 * event's own snapshot in memory; on a database, a transaction of the event's own, which the server
 * ends once the event is resolved (src/server.ts, useDatasetExtension).
 */
async function eventFor<T extends { snapshot: Snapshot }>(item: T | FellBehind, context: Context): Promise<T> {
  if (item instanceof FellBehind) throw item.toError();
  moveToReads(context, await readsAfter(context, item.snapshot));
  return item;
}

const EntityChangeRef = builder.objectRef<ChangeEvent>('EntityChange').implement({
  description: 'A person, country, organization or event that was created or changed.',
  fields: (t) => ({
    entity: t.field({ type: EntityRef, description: 'The entity as it is after the change.', resolve: (event, _args, context) => loadNode(context, event.id) as never }),
    change: t.field({ type: ChangeKindEnum, description: 'What the change did.', resolve: (event) => event.change }),
    slug: t.string({
      description: 'The slug of the record the change touched. For MERGED it is the duplicate\'s, while `entity` is the record it was merged into.',
      resolve: (event) => event.id,
    }),
    datasetVersion: t.string({
      description: 'The dataset version the event was read at, which includes the change (from a database, also any change committed since).',
      resolve: (_event, _args, context) => context.snapshot.info.version,
    }),
  }),
});

const ChangedRecordRef = builder.objectRef<RecordChange>('ChangedRecord').implement({
  description: 'One record a change touched.',
  fields: (t) => ({
    node: t.field({ type: builder.nodeInterfaceRef(), description: 'The record as it is after the change.', resolve: (change, _args, context) => loadNode(context, change.id) as never }),
    change: t.field({ type: ChangeKindEnum, description: 'What the change did to it.', resolve: (change) => change.change }),
    slug: t.string({
      description: 'The slug of the record touched. For MERGED it is the duplicate\'s, while `node` is the record it was merged into.',
      resolve: (change) => change.id,
    }),
  }),
});

const DatasetChangeRef = builder.objectRef<DatasetChange>('DatasetChange').implement({
  description: 'A new version of the knowledge base: what caused it and which records changed.',
  fields: (t) => ({
    dataset: t.field({
      type: DatasetRef,
      description: 'The knowledge base after the change (its new version and counts), as the event was read: from a database, with any change committed since.',
      // The event's reads, not the change's snapshot: the same state as the records, and no second transaction.
      resolve: (_change, _args, context) => context.snapshot,
    }),
    cause: t.field({ type: ChangeCauseEnum, description: 'A mutation, an edit of the files on disk, or an import into the database.', resolve: (change) => change.cause }),
    changes: t.field({ type: [ChangedRecordRef], description: 'The records created, updated or retracted.', resolve: (change) => [...change.changes] }),
  }),
});

builder.subscriptionFields((t) => ({
  statementAdded: t.field({
    type: StatementRef,
    description: 'Each statement added from now on, as it is added.',
    subscribe: (_root, _args, context) => recordChanges(context, (change) => change.kind === 'Statement' && change.change === 'CREATED'),
    resolve: async (event: ChangeEvent | FellBehind, _args, context) => (await eventFor(event, context)).id,
  }),
  statementReported: t.field({
    type: StatementRef,
    description: 'Each new report of a statement already in the knowledge base (another source printing it), as it is added; the statement has every report.',
    subscribe: (_root, _args, context) => recordChanges(context, (change) => change.kind === 'Statement' && change.change === 'REPORTED'),
    resolve: async (event: ChangeEvent | FellBehind, _args, context) => (await eventFor(event, context)).id,
  }),
  entityChanged: t.field({
    type: EntityChangeRef,
    description: 'Each person, country, organization or event created or changed from now on (new roles, memberships, participations, evidence, retractions and merges included).',
    args: {
      types: t.arg({ type: [EntityTypeEnum], required: false, description: 'Only entities of these types; all four when left out.' }),
    },
    subscribe: (_root, { types }, context) =>
      recordChanges(context, (change) => (types ?? ['Person', 'Country', 'Organization', 'Event']).includes(change.kind as never)),
    resolve: (event: ChangeEvent | FellBehind, _args, context) => eventFor(event, context),
  }),
  datasetChanged: t.field({
    type: DatasetChangeRef,
    description: 'Each new version of the knowledge base, with the records it changed: what a page showing many records listens to before fetching again.',
    subscribe: (_root, _args, context) => changesOf(context),
    resolve: (change: DatasetChange | FellBehind, _args, context) => eventFor(change, context),
  }),
}));
