/**
 * The feed of knowledge-base changes that subscriptions listen to, with the caps that keep a server's
 * memory bounded whatever its subscribers do: at most `maxSubscriptions` at once, at most
 * `maxSubscriptionsPerClient` from one client address, and at most `maxPendingEvents` changes waiting
 * for a subscriber that does not keep up. Each waiting change holds a whole snapshot of the knowledge
 * base, so one stalled reader with an unbounded queue held every version made since it stopped.
 * A subscriber that falls behind gets one last event saying so (SUBSCRIPTION_TOO_SLOW) and its
 * subscription ends; it may subscribe again and fetch what it missed.
 */
import { GraphQLError } from 'graphql';
import { ErrorCode } from './errors.js';
import { snapshotOf, type Snapshot } from './kb/snapshot.js';
import type { KnowledgeStore, RecordChange } from './store/knowledge-store.js';

/** One new version of the knowledge base, as subscriptions announce it: the snapshot that holds it and the records it changed. */
export interface DatasetChange {
  snapshot: Snapshot;
  changes: readonly RecordChange[];
  /** A mutation through this server, a reload of hand-edited files, or a db:import into the database. */
  cause: 'mutation' | 'reload' | 'import';
}

/** Whatever announces new versions: the JSON store (changesOfStore), or the PostgreSQL store. */
export interface ChangeSource {
  /** Calls `listener` with each change from now on; the function returned stops it. */
  onChange(listener: (change: DatasetChange) => void): () => void;
}

/** The JSON store's changes as subscriptions see them. */
export function changesOfStore(store: KnowledgeStore): ChangeSource {
  return {
    onChange: (listener) => store.onChange(({ kb, changes, cause }) => listener({ snapshot: snapshotOf(kb), changes, cause })),
  };
}

export interface SubscriptionLimits {
  /** Most subscriptions open at once on the server. */
  maxSubscriptions: number;
  /** Most subscriptions open at once from one client address. */
  maxSubscriptionsPerClient: number;
  /** Most changes waiting for one subscriber before it is told it is too slow and its subscription ends. */
  maxPendingEvents: number;
}

export const defaultSubscriptionLimits: SubscriptionLimits = { maxSubscriptions: 1_000, maxSubscriptionsPerClient: 20, maxPendingEvents: 32 };

/** The last item of a feed whose subscriber fell more than `maxPendingEvents` changes behind. */
export class FellBehind {
  constructor(readonly pending: number) {}

  toError(): GraphQLError {
    return new GraphQLError(
      `This subscription ended: more than ${this.pending} changes were waiting for the client to read them. Subscribe again and fetch what changed meanwhile.`,
      { extensions: { code: ErrorCode.SUBSCRIPTION_TOO_SLOW, maxPendingEvents: this.pending } },
    );
  }
}

export type FeedItem = DatasetChange | FellBehind;

/** Announces each change of the knowledge base to the subscriptions. */
export interface ChangeFeed {
  /**
   * A new subscriber's changes, from now on. `client` is the address its caps count against.
   * Throws TOO_MANY_SUBSCRIPTIONS when a cap is reached. Returning the iterator ends the subscription.
   */
  subscribe(client: string): AsyncIterableIterator<FeedItem>;
  /** Subscriptions open now. */
  readonly open: number;
}

/** A feed of `source`'s changes under `limits`. */
export function createChangeFeed(source: ChangeSource, limits: SubscriptionLimits = defaultSubscriptionLimits): ChangeFeed {
  const subscribers = new Set<(change: DatasetChange) => void>();
  const perClient = new Map<string, number>();
  source.onChange((change) => {
    for (const deliver of subscribers) deliver(change);
  });

  const subscribe = (client: string): AsyncIterableIterator<FeedItem> => {
    if (subscribers.size >= limits.maxSubscriptions) {
      throw tooMany(`The server has ${limits.maxSubscriptions} subscriptions open, as many as it allows; try again later`, limits.maxSubscriptions);
    }
    const fromClient = perClient.get(client) ?? 0;
    if (fromClient >= limits.maxSubscriptionsPerClient) {
      throw tooMany(`This client has ${limits.maxSubscriptionsPerClient} subscriptions open, as many as one client may; close one first`, limits.maxSubscriptionsPerClient);
    }
    perClient.set(client, fromClient + 1);

    let queue: FeedItem[] = [];
    let waiting: ((result: IteratorResult<FeedItem>) => void) | undefined;
    let ended = false;
    const deliver = (change: DatasetChange) => {
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: change, done: false });
        return;
      }
      queue.push(change);
      if (queue.length > limits.maxPendingEvents) {
        // Drop what is waiting (and the snapshots it holds); the subscriber hears why, then nothing more.
        queue = [new FellBehind(limits.maxPendingEvents)];
        stopListening();
      }
    };
    const stopListening = () => {
      if (!subscribers.delete(deliver)) return;
      const count = (perClient.get(client) ?? 1) - 1;
      if (count === 0) perClient.delete(client);
      else perClient.set(client, count);
    };
    const finish = (): IteratorResult<FeedItem> => {
      ended = true;
      queue = [];
      stopListening();
      if (waiting) {
        waiting({ value: undefined, done: true });
        waiting = undefined;
      }
      return { value: undefined, done: true };
    };
    subscribers.add(deliver);

    const iterator: AsyncIterableIterator<FeedItem> = {
      next: async () => {
        if (ended) return { value: undefined, done: true };
        const item = queue.shift();
        if (item instanceof FellBehind) {
          ended = true;
          return { value: item, done: false };
        }
        if (item) return { value: item, done: false };
        if (!subscribers.has(deliver)) return finish();
        return new Promise<IteratorResult<FeedItem>>((resolve) => (waiting = resolve));
      },
      return: async () => finish(),
      throw: async (error: unknown) => {
        finish();
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  };

  return {
    subscribe,
    get open() {
      return subscribers.size;
    },
  };
}

function tooMany(message: string, max: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.TOO_MANY_SUBSCRIPTIONS, max } });
}
