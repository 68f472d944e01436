/**
 * One request's reads from PostgreSQL: every statement in one read-only REPEATABLE READ transaction on
 * one pooled connection, so that its pages, counts and `dataset { version }` agree however many changes
 * commit while it runs. Sent one by one, each statement would see the latest commit, and one answer
 * could mix two states of the knowledge base (a list of eleven persons under a count of ten).
 *
 * The transaction opens in one round trip: it first takes the `dataset` table in ACCESS SHARE mode,
 * then reads the dataset row, which takes its snapshot. The lock matters because an import replaces the
 * tables with new ones (and a migration may rewrite one), which other transactions' snapshots do not
 * hide: a request whose snapshot predates an import would find the new tables, empty to it, once the
 * import commits. Both take `dataset` in ACCESS EXCLUSIVE mode before they touch another table, so a
 * request begun before them keeps them waiting until it ends (milliseconds), and one that begins
 * meanwhile waits for them and reads the new data. One lock rather than one per table: the 23 it took
 * before cost PostgreSQL 24-38 us of every request, and took more than the 16 locks a session holds
 * without the shared lock table, so every table and index the request's own statements opened went
 * through it too. Mutations take no lock these conflict with.
 */
import type pg from 'pg';
import type { Queryable } from './sql.js';

/** The dataset row: the identity of the knowledge base in the database, changed by every import and mutation. */
export interface DatasetRow {
  version: string;
  changed_at: Date;
  generation: string;
  cause: 'import' | 'mutation';
}

/** The longest a request may keep its connection: past it the transaction ends and the request's later statements run one by one. */
const MAX_SESSION_MS = 60_000;

/** What a statement's turn gives when the transaction failed before it: it is sent through the pool instead. */
const FELL_BEHIND = Symbol('sent through the pool');

/**
 * Opens a read-only REPEATABLE READ transaction that holds `dataset` before its first snapshot (see
 * above). Every reader of one snapshot over several statements begins with it: requests, db:export,
 * drafts and article dry runs. Two statements: send it with the simple protocol (no values).
 */
export const BEGIN_READS = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; LOCK TABLE dataset IN ACCESS SHARE MODE';

const OPEN_SESSION = `${BEGIN_READS};
SELECT version, changed_at, generation::text AS generation, cause FROM dataset`;

export interface ReadSession {
  /** The dataset row as the transaction sees it: the generation every statement of the session reads. */
  readonly row: DatasetRow;
  /** Sends the session's statements; once it ended or failed, through the pool, each on its own. */
  readonly db: Queryable;
  /** Ends the transaction and gives the connection back; calling it again does nothing. */
  end(): void;
  /** Whether statements still read in the transaction's snapshot (not once it ended or failed). */
  inSnapshot(): boolean;
}

/**
 * Opens a session on a connection of `pool`: rejects as the pool or the opening statements do (the
 * database away), and gives undefined when the database holds no dataset yet, in both cases without
 * keeping the connection.
 */
export async function openReadSession(pool: pg.Pool): Promise<ReadSession | undefined> {
  const client = await pool.connect();
  let state: 'open' | 'ended' | 'failed' = 'open';
  let timer: NodeJS.Timeout | undefined;
  let released = false;
  const giveBack = (error?: Error) => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    client.off('error', onError);
    // A connection that failed is dropped, not given back mid-transaction.
    client.release(error ?? false);
  };
  // A connection lost mid-request is reported as an event on the client, which would end the process unheard.
  const onError = (error: Error) => {
    state = 'failed';
    giveBack(error);
  };
  client.on('error', onError);
  let row: DatasetRow | undefined;
  try {
    const results = (await client.query(OPEN_SESSION)) as unknown as pg.QueryResult<DatasetRow>[];
    row = results.at(-1)?.rows[0];
  } catch (error) {
    giveBack(error as Error);
    throw error;
  }
  if (!row) {
    await client.query('ROLLBACK').then(
      () => giveBack(),
      (error: Error) => giveBack(error),
    );
    return undefined;
  }
  // One statement at a time on the connection, in the order sent: pg 8 queues a statement sent while
  // another runs, but calls that deprecated (pg 9 refuses it).
  let last: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(send: () => Promise<T>): Promise<T> => {
    const turn = last.then(send, send);
    last = turn.catch(() => {});
    return turn;
  };
  const end = (outcome: 'COMMIT' | 'ROLLBACK' = 'COMMIT') => {
    if (state !== 'open') return;
    state = outcome === 'COMMIT' ? 'ended' : 'failed';
    // After the statements already sent, which still read in the transaction (unless it failed).
    inTurn(() => client.query(outcome)).then(
      () => giveBack(),
      (error: Error) => giveBack(error),
    );
  };
  timer = setTimeout(() => end(), MAX_SESSION_MS);
  timer.unref();
  const db: Queryable = {
    query: ((textOrConfig: string | pg.QueryConfig, values?: unknown[]) => {
      const onItsOwn = () => pool.query(textOrConfig as pg.QueryConfig, values);
      if (state !== 'open') return onItsOwn();
      const sent = inTurn<pg.QueryResult | typeof FELL_BEHIND>(() => {
        // A failed statement aborted the transaction: the request's later statements run on their own,
        // after their turn (the ROLLBACK that gives the connection back waits behind the turns).
        if (state === 'failed') return Promise.resolve<typeof FELL_BEHIND>(FELL_BEHIND);
        return client.query(textOrConfig as pg.QueryConfig, values).catch((error: unknown) => {
          end('ROLLBACK');
          throw error;
        });
      });
      return sent.then((result) => (result === FELL_BEHIND ? onItsOwn() : result));
    }) as Queryable['query'],
  };
  return { row, db, end: () => end(), inSnapshot: () => state === 'open' };
}
