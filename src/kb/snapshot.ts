/**
 * What one request reads: a dataset version and the reader that answers from it. The JSON store makes
 * one per in-memory knowledge base (each change makes a new one); the PostgreSQL store one per dataset
 * generation, all reading the same database.
 */
import type { KnowledgeBase, RecordKind } from './knowledge-base.js';
import { readerOf, type KnowledgeReader } from './reader.js';

/** The identity of the data a snapshot reads, as `dataset` and `extensions.dataset` report it. */
export interface SnapshotInfo {
  /** Changes whenever the knowledge changes, and only then. */
  readonly version: string;
  /** When the data was loaded, or last changed. */
  readonly loadedAt: Date;
}

export interface Snapshot {
  readonly info: SnapshotInfo;
  readonly reader: KnowledgeReader;
  /** The in-memory knowledge base behind a JSON-store snapshot: what that store's writers and the article drafter work from. */
  readonly kb?: KnowledgeBase;
}

const snapshots = new WeakMap<KnowledgeBase, Snapshot>();

/** The snapshot of an in-memory knowledge base, made once per knowledge base. */
export function snapshotOf(kb: KnowledgeBase): Snapshot {
  let snapshot = snapshots.get(kb);
  if (!snapshot) {
    snapshot = { info: kb.info, reader: readerOf(kb), kb };
    snapshots.set(kb, snapshot);
  }
  return snapshot;
}

/** A new snapshot of a store outside this process, with the records its import or mutation changed. */
export interface SnapshotChange {
  snapshot: Snapshot;
  changes: readonly { id: string; kind: RecordKind; change: 'CREATED' | 'UPDATED' | 'RETRACTED' | 'REPORTED' | 'MERGED' }[];
  /** An import, or a mutation through any server sharing the store. */
  cause: 'import' | 'mutation';
}

/** What one request reads, and how to end its reads once it is answered. */
export interface RequestReads {
  /** One state of the data from the request's first statement to its last, and that state's identity. */
  readonly snapshot: Snapshot;
  /** Ends the request's reads (a database transaction); calling it again does nothing. */
  end(): void;
}

/** Reads of `snapshot` with nothing to end: an in-memory snapshot, or a database read statement by statement. */
export function readsWithoutTransaction(snapshot: Snapshot): RequestReads {
  return { snapshot, end: () => {} };
}

/**
 * A store whose data lives outside this process (PostgreSQL): it names the snapshot current now, opens
 * each request's reads, and says whether its data can be read at all.
 */
export interface SnapshotSource {
  /** The snapshot current now: what a cached answer is looked up under, and what reads outside a request see. */
  current(): Snapshot;
  /**
   * Opens one request's reads: every statement of the request sees one state of the data, which its
   * snapshot names (the current one, or a newer one committed but not yet announced).
   */
  openReads(): Promise<RequestReads>;
  /**
   * Calls `listener` with each new snapshot from now on, and the records it changed (the ids, kinds and
   * what happened, as the subscriptions announce them); the function returned stops it.
   */
  onChange(listener: (change: SnapshotChange) => void): () => void;
  /** Resolves when the data can be read now; rejects with an error whose message says why not. */
  checkReadiness(): Promise<void>;
}
