import { initContextCache } from '@pothos/core';
import type { YogaInitialContext } from 'graphql-yoga';
import { createLoaders, type Loaders } from './kb/loaders.js';
import type { KnowledgeReader } from './kb/reader.js';
import type { Snapshot } from './kb/snapshot.js';
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
  /** Hears of every snapshot the request moves to (see `moveToSnapshot`). */
  onSnapshot?: (snapshot: Snapshot) => void;
  /** Ends the reads of the request's snapshot (a database transaction) once it is answered, or moves on. */
  endReads?: () => void;
}

/** What a context holds beside its snapshot and loaders: the same fields as `Context`, each optional. */
export type ContextExtras = Partial<Pick<Context, 'store' | 'writer' | 'draftRecords' | 'curator' | 'changes' | 'client' | 'onSnapshot' | 'endReads'>>;

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
    onSnapshot: extras.onSnapshot,
    endReads: extras.endReads,
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
 * Moves a request to a newer snapshot, with fresh loaders: after its own mutation (so the payload
 * shows the change) and for each subscription event. Takes the context object the resolvers see
 * (yoga copies the one `createContext` returns).
 */
export function moveToSnapshot(context: Context, snapshot: Snapshot): void {
  // The old snapshot's reads are over: its database transaction (if any) ends now, not with the request.
  context.endReads?.();
  // A new Pothos context cache drops the loadable nodes' loaders, which cached the old snapshot's records.
  const { reader } = snapshot;
  Object.assign(context, initContextCache(), { snapshot, reader, loaders: createLoaders(reader), endReads: undefined });
  context.onSnapshot?.(snapshot);
}

export type ServerContext = Context & YogaInitialContext;
