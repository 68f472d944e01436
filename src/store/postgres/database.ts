/**
 * Serving a knowledge base held in PostgreSQL: a connection pool for the reader, the dataset row as
 * the snapshot's identity, and a listening connection that hears when the dataset changes (an import,
 * another replica's write), so every server reading the database moves to the new version at once.
 *
 * With a read URL (a streaming replica), reads and the dataset row come from the replica and the
 * listening connection stays on the primary (a standby delivers no notifications); a change announced
 * by the primary is taken up once the replica has replayed it.
 */
import pg from 'pg';
import type { Logger } from '../../logging.js';
import type { KnowledgeReader } from '../../kb/reader.js';
import type { RecordKind } from '../../kb/knowledge-base.js';
import type { ChangeKind } from '../knowledge-store.js';
import { readsWithoutTransaction, type RequestReads, type Snapshot, type SnapshotChange, type SnapshotInfo, type SnapshotSource } from '../../kb/snapshot.js';
import { describeDatabaseUrl, parseDatabaseUrl } from './connection.js';
import { PostgresStoreError, storeErrorOf } from './errors.js';
import { DATASET_CHANNEL } from './import.js';
import { checkSchema } from './migrate.js';
import { PostgresDraftRecords } from './draft-records.js';
import { openReadSession, type DatasetRow } from './read-session.js';
import { KEPT_RECORDS, SeenRecords } from './seen-records.js';
import { PostgresReader } from './reader.js';
import { PostgresWriter } from './writer.js';

/**
 * PostgreSQL's JIT compiles a statement's expressions when its estimated cost passes jit_above_cost,
 * which estimates over functions such as json_array_elements (a guessed 100 rows a call) reach easily:
 * a page that reads its speakers along was estimated at 856,000, spent 1.1 s compiling and 1 ms
 * running. Every statement here is short; none gains from compiling.
 */
const NO_JIT = '-c jit=off';

/** How long to wait for a connection, and for a readiness probe, before calling the database unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long a change may wait for a connection of the write pool (beyond the writer's own lock wait of 10 s). */
const WRITE_WAIT_MS = 15_000;
/** How long a replica may take to replay an announced change before the server stops waiting for it (the next change retries). */
const REPLICA_CATCH_UP_MS = 30_000;
/** The longest wait between attempts to listen again after the listening connection was lost. */
const MAX_RELISTEN_DELAY_MS = 5_000;

export interface DatabaseOptions {
  /** Where the server logs connection losses and dataset changes. */
  logger: Logger;
  /** A read-only connection string (a streaming replica) for every read; the primary's is used when not given. */
  readUrl?: string;
  /** The most connections the pool opens. */
  maxConnections?: number;
  /**
   * Makes the reader of the pool (tests give it options); each request reads through one made from it
   * (`PostgresReader.through`). `where` names the server in its errors.
   */
  readerFor: (pool: pg.Pool, where: string) => PostgresReader;
  /** How long a change whose connection was lost during COMMIT waits to learn whether it committed (writer.ts's COMMIT_OUTCOME_WAIT_MS by default). */
  commitOutcomeWaitMs?: number;
  /**
   * How many records (and as many referents and merged ids) read at the latest dataset generation are
   * kept for every request that reads that generation (SeenRecords); KEPT_RECORDS by default, 0 for none.
   */
  keptRecords?: number;
  /** How many records one draft of an article reads at most (DRAFT_MAX_RECORDS by default); a text naming more is refused with DraftTooLargeError. */
  draftMaxRecords?: number;
}

/** The records read at one generation (and version) of the dataset. */
interface GenerationRecords {
  generation: bigint;
  version: string;
  records: SeenRecords;
}

/** A generation's record counts and statistics, each asked once (see `aggregatesOf`). */
interface GenerationAggregates {
  recordCounts?: ReturnType<KnowledgeReader['recordCounts']>;
  statistics?: ReturnType<KnowledgeReader['statistics']>;
}

/** How many generations' aggregates are kept: requests that began before the last few changes still find theirs. */
const KEPT_AGGREGATES = 4;

/** Pool figures for the metrics endpoint. */
export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
}

export class PostgresKnowledge implements SnapshotSource {
  private snapshot: Snapshot;
  private generation: string;
  private listener: pg.Client | undefined;
  private closed = false;
  private relistenDelay = 100;
  private refreshing: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(change: SnapshotChange) => void>();
  /** Mutations: transactions on the primary, through a small pool of their own. */
  readonly writer: PostgresWriter;
  /** What a draft of an article looks up, read through the read pool. */
  readonly draftRecords: PostgresDraftRecords;
  private readonly writePool: pg.Pool;
  private readonly aggregates = new Map<string, GenerationAggregates>();
  /** The records read at the latest generation a request read, shared by the requests that read it, and at the one before. */
  private latestRecords: GenerationRecords | undefined;
  private earlierRecords: GenerationRecords | undefined;
  private readonly keptRecords: number;

  private constructor(
    /** The pool every read goes through: the replica's, with a read URL. */
    readonly pool: pg.Pool,
    readonly where: string,
    /** The reader of the pool, each statement on its own; every other reader is made from it. */
    private readonly reader: PostgresReader,
    private readonly logger: Logger,
    private readonly connectionString: string,
    row: DatasetRow,
    commitOutcomeWaitMs: number | undefined,
    keptRecords: number | undefined,
    draftMaxRecords: number | undefined,
  ) {
    this.keptRecords = keptRecords ?? KEPT_RECORDS;
    this.generation = row.generation;
    this.snapshot = this.snapshotOf(row);
    const primary = describeDatabaseUrl(new URL(connectionString));
    // A change waits for a connection as long as for the change before it (writer.ts's lock wait), and a
    // little more, so that many changes queued behind an import are refused as such, not as an outage.
    this.writePool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: WRITE_WAIT_MS, application_name: 'newsgraph-write', options: NO_JIT });
    this.writePool.on('error', (error) => logger.warn({ err: error, database: primary }, 'a pooled PostgreSQL connection for writes failed'));
    this.writer = new PostgresWriter(this.writePool, primary, this, commitOutcomeWaitMs);
    this.draftRecords = new PostgresDraftRecords(pool, where, draftMaxRecords);
  }

  /**
   * Connects, checks the database has this code's migrations and a dataset (`db:import` fills it), and
   * starts listening for changes. A PostgresStoreError with a one-line message when any of that fails.
   */
  static async open(databaseUrl: string | undefined, options: DatabaseOptions): Promise<PostgresKnowledge> {
    const url = parseDatabaseUrl(databaseUrl);
    const readUrl = options.readUrl === undefined ? url : parseDatabaseUrl(options.readUrl);
    const where = describeDatabaseUrl(readUrl);
    const pool = new pg.Pool({
      connectionString: readUrl.href,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'newsgraph',
      // Each statement is planned once per connection and the plan kept. By default PostgreSQL plans a
      // prepared lookup again on every call whenever a plan for the given ids looks cheaper than the
      // general one, which it does for these: that planning was about a third of its CPU per nested page
      // (bench/results/peer-postgraphile.md). The general plans of our lookups, pages and searches use the
      // same indexes (bench/results/scale-postgres.md measures them with it). Set at connection start-up:
      // a SET sent on the pool's 'connect' event raced the first query on the connection.
      options: `-c plan_cache_mode=force_generic_plan ${NO_JIT}`,
    });
    // An idle pooled connection whose server goes away emits 'error' on the pool; unheard, it would end the process.
    pool.on('error', (error) => options.logger.warn({ err: error, database: where }, 'a pooled PostgreSQL connection failed'));
    try {
      const client = await pool.connect();
      try {
        await checkSchema(client as unknown as pg.Client, where);
      } finally {
        client.release();
      }
      const row = await readDataset(pool, where);
      const knowledge = new PostgresKnowledge(pool, where, options.readerFor(pool, where), options.logger, url.href, row, options.commitOutcomeWaitMs, options.keptRecords, options.draftMaxRecords);
      await knowledge.listen();
      return knowledge;
    } catch (error) {
      await pool.end().catch(() => {});
      throw storeErrorOf(error, where);
    }
  }

  current(): Snapshot {
    return this.snapshot;
  }

  async openReads(): Promise<RequestReads> {
    const session = await openReadSession(this.pool).catch(() => undefined);
    // Made from the current snapshot's reader, so that what watches that reader (a test) sees requests' reads.
    const reader = PostgresReader.through(this.snapshot.reader, session?.db ?? this.pool, session ? this.recordsReadAt(session.row).keptWhile(session.inSnapshot) : new SeenRecords());
    if (!session) {
      // The database away (or its dataset emptied): each statement then fails, or answers, on its own,
      // with the store's coded errors.
      reader.recordCounts = () => this.reader.recordCounts.call(reader);
      reader.statistics = () => this.reader.statistics.call(reader);
      return readsWithoutTransaction({ info: this.snapshot.info, reader });
    }
    const { row } = session;
    const aggregates = this.aggregatesOf(row.generation);
    reader.recordCounts = () => (aggregates.recordCounts ??= forgetFailure(this.reader.recordCounts.call(reader), () => (aggregates.recordCounts = undefined)));
    reader.statistics = () => (aggregates.statistics ??= forgetFailure(this.reader.statistics.call(reader), () => (aggregates.statistics = undefined)));
    // The generation announced, or one committed since whose announcement is on its way.
    const info: SnapshotInfo = row.generation === this.generation ? this.snapshot.info : infoOf(row);
    return { snapshot: { info, reader }, end: session.end };
  }

  /**
   * Where a request that reads the dataset `row` keeps what it reads: the latest generation's shared
   * records, begun anew when a request reads a later generation (or another version of one: a database
   * imported again from scratch); its own for a request reading an earlier generation than the latest.
   */
  private recordsReadAt(row: Pick<DatasetRow, 'generation' | 'version'>): SeenRecords {
    const generation = BigInt(row.generation);
    const latest = this.latestRecords;
    if (this.keptRecords <= 0 || (latest && generation < latest.generation)) return new SeenRecords();
    if (latest && generation === latest.generation && row.version === latest.version) return latest.records;
    this.earlierRecords = latest;
    this.latestRecords = { generation, version: row.version, records: new SeenRecords(this.keptRecords) };
    return this.latestRecords.records;
  }

  /**
   * After one mutation (generation `before` to `after`, whose changed records are `changes`), carries
   * over to `after`'s records what `before`'s read and the change left true, so a change does not make
   * every request read again what it did not touch. Only from the generation just before, and only
   * over a mutation: an import (or several generations at once, which may hide one) starts anew.
   */
  private carryRecordsOver(before: Pick<DatasetRow, 'generation' | 'version'>, after: DatasetRow, changes: SnapshotChange['changes']): void {
    if (this.keptRecords <= 0 || after.cause !== 'mutation' || BigInt(after.generation) !== BigInt(before.generation) + 1n) return;
    const earlier = [this.latestRecords, this.earlierRecords].find(
      (kept) => kept && kept.generation === BigInt(before.generation) && kept.version === before.version,
    );
    if (!earlier) return;
    this.recordsReadAt(after).adopt(earlier.records, new Set(changes.map((change) => change.id)));
  }

  /** Resolves when a pooled connection answers a query; rejects with a message naming the database otherwise. */
  async checkReadiness(): Promise<void> {
    try {
      await this.pool.query({ text: 'SELECT 1', query_timeout: CONNECT_TIMEOUT_MS } as pg.QueryConfig);
    } catch (error) {
      throw new Error(`the database ${this.where} cannot be reached: ${storeErrorOf(error, this.where).message}`);
    }
  }

  poolUse(): PoolUse {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => {});
    await this.pool.end().catch(() => {});
    await this.writePool.end().catch(() => {});
  }

  /**
   * The snapshot of a generation, as reads outside a request see it (a mutation's payload, a
   * subscription's event): each statement on its own, through the pool. Its counts and statistics are
   * read as a request's are (openReads), so that what is kept for a generation is that generation's.
   */
  private snapshotOf(row: DatasetRow): Snapshot {
    const inOneRequest = async <T>(read: (reader: KnowledgeReader) => Promise<T>): Promise<T> => {
      const reads = await this.openReads();
      try {
        return await read(reads.snapshot.reader);
      } finally {
        reads.end();
      }
    };
    // Kept ones first: /ready and /metrics ask on every call, and need not open a transaction for them.
    const kept = () => this.aggregates.get(row.generation);
    return {
      info: infoOf(row),
      reader: Object.assign(Object.create(this.reader) as KnowledgeReader, {
        recordCounts: () => kept()?.recordCounts ?? inOneRequest((reader) => reader.recordCounts()),
        statistics: () => kept()?.statistics ?? inOneRequest((reader) => reader.statistics()),
      }),
    };
  }

  /**
   * Generation `generation`'s record counts and statistics. They cannot change until the next
   * generation, and each is an aggregate over whole tables (about half a second at 10,000× the seed),
   * which /ready, /metrics and the dataset fields would otherwise run on every call: each is asked once
   * per generation, by the first request that asks.
   */
  private aggregatesOf(generation: string): GenerationAggregates {
    let aggregates = this.aggregates.get(generation);
    if (!aggregates) {
      this.aggregates.set(generation, (aggregates = {}));
      for (const kept of this.aggregates.keys()) if (this.aggregates.size > KEPT_AGGREGATES) this.aggregates.delete(kept);
    }
    return aggregates;
  }

  onChange(listener: (change: SnapshotChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the dataset row and moves to it if it changed; one at a time, so each change is announced once. */
  private refresh(): Promise<void> {
    const next = this.refreshing.then(
      () => this.refreshNow(),
      () => this.refreshNow(),
    );
    this.refreshing = next.catch(() => {});
    return next;
  }

  private async refreshNow(): Promise<void> {
    const row = await readDataset(this.pool, this.where);
    if (row.generation === this.generation) return;
    const changes = await this.changesBetween(this.generation, row.generation);
    this.carryRecordsOver({ generation: this.generation, version: this.snapshot.info.version }, row, changes);
    this.generation = row.generation;
    this.snapshot = this.snapshotOf(row);
    this.logger.info({ version: row.version, generation: Number(row.generation), changed: changes.length }, 'the dataset in PostgreSQL changed');
    for (const listener of this.listeners) {
      try {
        listener({ snapshot: this.snapshot, changes, cause: row.cause });
      } catch (error) {
        this.logger.error({ err: error }, 'a change listener failed');
      }
    }
  }

  /**
   * The records the imports after generation `from` up to `to` changed (migration 0005's rows), each
   * once, in the order first changed: a record created and then changed again is still new to a
   * subscriber that heard of neither.
   */
  private async changesBetween(from: string, to: string): Promise<SnapshotChange['changes']> {
    const { rows } = await this.pool.query<{ record_id: string; kind: RecordKind; change: ChangeKind }>(
      'SELECT record_id, kind, change FROM dataset_changes WHERE generation > $1 AND generation <= $2 ORDER BY generation, ordinal',
      [from, to],
    );
    const changes = new Map<string, SnapshotChange['changes'][number]>();
    for (const row of rows) if (!changes.has(row.record_id)) changes.set(row.record_id, { id: row.record_id, kind: row.kind, change: row.change });
    return [...changes.values()];
  }

  /**
   * Opens the listening connection. When it is lost (the database restarted), listens again with a
   * growing delay, and re-reads the dataset row once listening: a change made while nobody listened
   * is not missed.
   */
  private async listen(): Promise<void> {
    const listener = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'newsgraph-listen' });
    listener.on('error', () => {});
    listener.on('end', () => {
      if (this.listener !== listener || this.closed) return;
      this.listener = undefined;
      this.logger.warn({ database: this.where }, 'lost the PostgreSQL connection that listens for dataset changes; listening again');
      this.relistenSoon();
    });
    listener.on('notification', (message) => {
      if (message.channel !== DATASET_CHANNEL) return;
      this.catchUp(BigInt(message.payload ?? '0')).catch((error: unknown) => this.logger.warn({ err: error }, 'could not read the changed dataset'));
    });
    await listener.connect();
    await listener.query(`LISTEN ${DATASET_CHANNEL}`);
    this.listener = listener;
    this.relistenDelay = 100;
  }

  /** Re-reads the dataset row until the read pool has the announced generation (a replica may lag behind the primary). */
  async catchUp(generation: bigint): Promise<void> {
    const deadline = Date.now() + REPLICA_CATCH_UP_MS;
    for (let delay = 10; ; delay = Math.min(delay * 2, 1_000)) {
      await this.refresh();
      if (BigInt(this.generation) >= generation || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private relistenSoon(): void {
    const delay = this.relistenDelay;
    this.relistenDelay = Math.min(this.relistenDelay * 2, MAX_RELISTEN_DELAY_MS);
    setTimeout(() => {
      if (this.closed) return;
      this.listen()
        .then(() => this.refresh())
        .catch(() => this.relistenSoon());
    }, delay).unref();
  }
}

/** `answer`, calling `forget` if it fails: a failed count (the database away) is asked again next time. */
function forgetFailure<T>(answer: Promise<T>, forget: () => void): Promise<T> {
  return answer.catch((error: unknown) => {
    forget();
    throw error;
  });
}

function infoOf(row: DatasetRow): SnapshotInfo {
  return { version: row.version, loadedAt: row.changed_at };
}

async function readDataset(pool: pg.Pool, where: string): Promise<DatasetRow> {
  const { rows } = await pool.query<DatasetRow>('SELECT version, changed_at, generation::text AS generation, cause FROM dataset');
  if (rows.length === 0) throw new PostgresStoreError('DATASET_EMPTY', `the database at ${where} holds no knowledge base yet; run \`npm run db:import\` first`);
  return rows[0]!;
}
