import { initContextCache } from '@pothos/core';
import type { YogaInitialContext } from 'graphql-yoga';
import { createLoaders, type Loaders } from './kb/loaders.js';
import type { KnowledgeReader } from './kb/reader.js';
import { readsWithoutTransaction, type RequestReads, type Snapshot } from './kb/snapshot.js';
import type { Curator } from './store/edits.js';
import type { KnowledgeStore } from './store/knowledge-store.js';
import type { DraftRecordSource } from './authoring/draft/scoped.js';
import type { PostgresWriter } from './store/postgres/writer.js';
import type { ChangeFeed } from './subscriptions.js';

/** What every resolver sees. Built anew for each request, so no loader cache outlives its request. */
export interface Context {
  /** The snapshot this request reads: one for the whole request, so it never sees half a change. */
  snapshot: Snapshot;
  /** The snapshot's reader: every lookup behind the loaders and every page. */
  reader: KnowledgeReader;
  loaders: Loaders;
  /** The writable store, when the server has one (mutations need it). */
  store?: KnowledgeStore;
  /** The PostgreSQL store's writer, when the server reads a database (mutations go through it). */
  writer?: PostgresWriter;
  /** What a draft looks up, when the server reads a database (the JSON store's drafts read the snapshot's knowledge base). */
  draftRecords?: DraftRecordSource;
  /** The authenticated curator, when the request carried a valid token. */
  curator?: Curator;
  changes?: ChangeFeed;
  /** The address of the client that sent the request (its subscriptions count against a per-client cap). */
  client?: string;
  /** Hears of every move of the request to new reads (see `moveToReads`). */
  onReads?: (reads: RequestReads) => void;
  /** Ends the reads of the request's snapshot (a database transaction) once it is answered, or moves on. */
  endReads?: () => void;
  /**
   * Opens new reads of the data as it is now, in one transaction of their own: what a request reads
   * after its first transaction ended (a mutation's payload, each subscription event). Only on a
   * server reading a database; an in-memory snapshot needs none.
   */
  openReads?: () => Promise<RequestReads>;
}

/** What a context holds beside its snapshot and loaders: the same fields as `Context`, each optional. */
export type ContextExtras = Partial<Pick<Context, 'store' | 'writer' | 'draftRecords' | 'curator' | 'changes' | 'client' | 'onReads' | 'endReads' | 'openReads'>>;

/** The key under which Pothos keeps its per-request caches (what `initContextCache()` returns it under). */
const pothosContextCache = Object.getOwnPropertySymbols(initContextCache())[0]!;

export function createContext(snapshot: Snapshot, extras: ContextExtras = {}): Context {
  const { reader } = snapshot;
  // One object literal of a fixed shape: spreading `initContextCache()` (a symbol key) and the extras
  // took about 3 us per request, and made an object every later copy and lookup was slow on.
  return {
    [pothosContextCache]: {},
    store: extras.store,
    writer: extras.writer,
    draftRecords: extras.draftRecords,
    changes: extras.changes,
    client: extras.client,
    curator: extras.curator,
    onReads: extras.onReads,
    endReads: extras.endReads,
    openReads: extras.openReads,
    snapshot,
    reader,
    loaders: createLoaders(reader),
  } as Context;
}

/** A copy of a request's context with fresh loaders over the same snapshot, as if nothing had been loaded yet. */
export function withFreshLoaders(context: Context): Context {
  return { ...context, ...initContextCache(), loaders: createLoaders(context.reader) };
}

/**
 * Moves a request to new reads, with fresh loaders: after its own mutation (so the payload shows the
 * change) and for each subscription event. Ends the reads it leaves. Takes the context object the
 * resolvers see (yoga copies the one `createContext` returns).
 */
export function moveToReads(context: Context, reads: RequestReads): void {
  // The old snapshot's reads are over: its database transaction (if any) ends now, not with the request.
  context.endReads?.();
  // A new Pothos context cache drops the loadable nodes' loaders, which cached the old snapshot's records.
  const { snapshot } = reads;
  const { reader } = snapshot;
  Object.assign(context, initContextCache(), { snapshot, reader, loaders: createLoaders(reader), endReads: reads.end });
  context.onReads?.(reads);
}

/**
 * The reads a request moves to once `snapshot` holds what it waits for (its own change, an event's):
 * on a database, a new transaction, which sees that change or a later state, and sees one state
 * throughout; in memory, the snapshot itself.
 */
export async function readsAfter(context: Context, snapshot: Snapshot): Promise<RequestReads> {
  return context.openReads ? context.openReads() : readsWithoutTransaction(snapshot);
}

export type ServerContext = Context & YogaInitialContext;
