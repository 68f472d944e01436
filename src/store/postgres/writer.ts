/**
 * Changes through the API on PostgreSQL: each mutation's edit runs in one transaction that reads the
 * records the edit asks for, checks the result with the loader's rules, and rewrites the rows of the
 * records it changed (and of the few whose derived rows depend on them), so a write costs in proportion
 * to what it changes, whatever the size of the knowledge base.
 *
 * The edit functions are the JSON store's (src/store/edits.ts): pure functions of a Draft that read
 * records by id. Here the Draft holds only the records fetched so far: a run that asks for others sees
 * them as absent, they are fetched together, and the edit runs again from the start (an edit reads a
 * handful of records, in one to four runs). Writers take turns on one advisory lock with each other and with
 * db:import, so an edit's revision check and its write see the same records, across every replica.
 * After COMMIT the dataset's new generation is announced (NOTIFY) like an import's: every server moves
 * to it, and this one before the mutation answers, so its payload shows the change.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { articleProblemsError } from '../../authoring/apply-articles.js';
import { planArticles, type ArticleInput, type ArticlePlan, type PlanBase } from '../../authoring/plan-article.js';
import { findConsistencyProblems, formatJsonPath, type DataProblem } from '../../kb/consistency.js';
import type { RecordKind, RecordsByCollection, StoredRecord } from '../../kb/knowledge-base.js';
import { parseRecord } from '../../kb/load.js';
import { collectionOfKind, dataFiles, kindOfCollection, type Collection, type CountryRecord, type EventRecord, type Merge } from '../../kb/records.js';
import type { Snapshot } from '../../kb/snapshot.js';
import { withNextSteps } from '../../kb/slugs.js';
import { aKind } from '../../kb/text.js';
import { StoreUnavailableError } from '../../kb/reader.js';
import { CurationError, curationErrorForProblems } from '../edit-error.js';
import type { ChangeKind, Draft, Edit } from '../knowledge-store.js';
import { planMerge, referenceKeys, referenceListKeys, withMergesFollowed } from '../merge.js';
import { storeErrorOf } from './errors.js';
import { DATASET_CHANNEL, DATASET_LOCK_KEY, KEPT_CHANGE_GENERATIONS } from './import.js';
import { insertSql, ownedRows, rowsAsJson, rowsOf, type RowContext, type TableRows } from './rows.js';
import { postingsOf } from './search.js';
import { BEGIN_READS } from './read-session.js';
import { isUnavailable, recordsByIdSql } from './sql.js';

/**
 * A statement sent by name, so each connection of the write pool plans it once and keeps the plan: the
 * write statements are long (a CTE per table) and planning them again took about half their time. Their
 * texts are few (one per set of collections a write touches), so the connections' caches stay small.
 */
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  return { name: `newsgraph_write_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text, values };
}

/** How long a change waits for the one before it (an import of a large folder can take minutes). */
const LOCK_WAIT_MS = 10_000;
/** SQLSTATE of a lock wait that passed lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';
/**
 * How long a change whose connection was lost during its COMMIT waits for the database to say whether
 * it committed (a restart takes a few seconds) before answering that the outcome is unknown.
 */
export const COMMIT_OUTCOME_WAIT_MS = 10_000;

/** How many times an edit may ask for a record it has not got before the write gives up (an edit reads a handful). */
const MAX_FETCH_ROUNDS = 50;

/** A record as the database holds it, with its file position. */
interface Fetched {
  kind: RecordKind;
  position: number;
  record: StoredRecord;
}


/** The ids a record refers to: its references to other records, and the sources of its evidence. */
function referencesOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) referencesOf(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if ((referenceKeys.has(key) || key === 'sourceId') && typeof item === 'string') into.add(item);
      else if (referenceListKeys.has(key) && Array.isArray(item)) {
        for (const id of item) if (typeof id === 'string') into.add(id);
      } else if (key !== 'mergedInto') referencesOf(item, into);
    }
  }
  return into;
}

/** The links that can form a loop (an organization's parent, an event's part-of, a statement's continuation), as columns. */
const chainColumn: Partial<Record<Collection, string>> = { organizations: 'parent_id', events: 'part_of_id', statements: 'continues_id' };

/** The record a record's loop-forming link points at, if it has one. */
function chainTarget(collection: Collection, record: StoredRecord): string | undefined {
  const json = record as unknown as { parent?: { organizationId: string }; partOf?: { eventId: string }; continuesId?: string };
  if (collection === 'organizations') return json.parent?.organizationId;
  if (collection === 'events') return json.partOf?.eventId;
  if (collection === 'statements') return json.continuesId;
  return undefined;
}

/** What the writer needs of the server's view of the database: to wait until it reads a generation. */
export interface GenerationFollower {
  /** Resolves once the server reads generation `generation` or a later one (or gave up waiting for a lagging replica). */
  catchUp(generation: bigint): Promise<void>;
  current(): Snapshot;
}

/** The records a transaction has fetched by id (null: asked for, not there), and how to fetch more. */
class FetchedRecords {
  private readonly entries = new Map<string, Fetched | null>();
  /** Ids asked for with `known` that were not fetched yet: the caller fetches them all and runs again. */
  readonly missing = new Set<string>();

  constructor(private readonly client: pg.ClientBase) {}

  /** Fetches the records of `ids` not fetched yet, in one statement. */
  async fetch(ids: Iterable<string>): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => !this.entries.has(id));
    if (wanted.length === 0) return;
    const { rows } = await this.client.query<{ id: string; kind: RecordKind; position: number; record: StoredRecord }>(prepared(recordsByIdSql, [wanted]));
    for (const id of wanted) this.entries.set(id, null);
    for (const row of rows) this.entries.set(row.id, { kind: row.kind, position: row.position, record: row.record });
  }

  /** The record, or undefined when the database has none or it was not fetched yet (then it is noted in `missing`). */
  known(id: string): Fetched | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) this.missing.add(id);
    return entry ?? undefined;
  }

  /** The record if fetched and there. */
  get(id: string): Fetched | undefined {
    return this.entries.get(id) ?? undefined;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  all(): Fetched[] {
    return [...this.entries.values()].filter((entry): entry is Fetched => entry !== null);
  }
}

/**
 * The records fetched so far as a plan's base (src/authoring/plan-article.ts): each collection in file
 * order, merged ids naming the records finally kept, and every id looked up and not fetched noted as missing.
 */
function planBaseOf(fetched: FetchedRecords): PlanBase {
  const records = emptyCollections<StoredRecord>();
  const present = fetched.all().sort((a, b) => a.position - b.position);
  for (const entry of present) records[collectionOfKind[entry.kind]].push(entry.record);
  const mergedInto = new Map<string, string>();
  for (const { record } of present) {
    let target = 'mergedInto' in record ? record.mergedInto?.id : undefined;
    for (let hops = 0; target !== undefined && hops < 100; hops += 1) {
      const next = fetched.known(target)?.record;
      const further = next && 'mergedInto' in next ? next.mergedInto?.id : undefined;
      if (further === undefined) break;
      target = further;
    }
    if (target !== undefined) mergedInto.set(record.id, target);
  }
  return { records: records as unknown as RecordsByCollection, mergedInto, notHeld: (id) => void fetched.known(id) };
}

/** Ids a new record's id may step aside to ("-2", "-3": src/store/edits.ts freeIdFor) fetched with each id asked for. */
const SUFFIXES_FETCHED = 50;

/** `ids`, each with the steps a search for a free id would ask about next (kb/slugs.ts `withNextSteps`). */
function withNextSuffixes(ids: Iterable<string>): string[] {
  return [...ids].flatMap((id) => withNextSteps(id, SUFFIXES_FETCHED));
}

/** An empty list for each collection. */
function emptyCollections<T>(): Record<Collection, T[]> {
  return Object.fromEntries((Object.keys(dataFiles) as Collection[]).map((name) => [name, []])) as unknown as Record<Collection, T[]>;
}

/** A record a change writes: its collection, its new form, its file position, and whether it is new. */
interface Written {
  collection: Collection;
  record: StoredRecord;
  position: number;
  created: boolean;
  /** The record as it was, for a record that existed. */
  before?: StoredRecord;
  /**
   * The record as its file will hold it (db:export writes this): the record itself, in the schema's key
   * order, for a changed record; the stored form untouched for a record only written again.
   */
  original: unknown;
}

export class PostgresWriter {
  constructor(
    /** Connections to the primary (writes never go to a read replica). */
    private readonly pool: pg.Pool,
    private readonly where: string,
    private readonly follower: GenerationFollower,
    /** How long to wait for the outcome of a COMMIT whose connection was lost (COMMIT_OUTCOME_WAIT_MS). */
    private readonly commitOutcomeWaitMs = COMMIT_OUTCOME_WAIT_MS,
  ) {}

  /**
   * Applies one edit to `collection` in a transaction and returns the record as stored with the snapshot
   * that includes it. Refusals are CurationErrors (as the JSON store's); a database that cannot be reached
   * is StoreUnavailableError, and nothing was written.
   */
  edit<C extends Collection>(collection: C, edit: Edit<C>): Promise<{ record: RecordsByCollection[C][number]; snapshot: Snapshot }> {
    return this.transaction((client) => this.applyEdit(client, collection, edit));
  }

  /**
   * Merges `mergeId` into `keepId` (src/store/merge.ts's plan, over the records that refer to the
   * duplicate, found through the link tables) in a transaction; returns the kept record.
   */
  merge(keepId: string, mergeId: string, curator: { name: string }, now = new Date()): Promise<{ record: StoredRecord; snapshot: Snapshot }> {
    return this.transaction((client) => this.applyMerge(client, keepId, mergeId, { at: now.toISOString(), by: curator.name }));
  }

  /**
   * Applies article files (src/authoring/plan-article.ts's plan, made over the records it reads, fetched
   * from the database) in one transaction, all or nothing; files already applied change nothing. Refuses
   * with every problem as the JSON store does (`articleProblemsError`). With `dryRun`, plans and checks
   * the files and writes nothing: the problems come back in the plan.
   */
  applyArticles(files: readonly ArticleInput[], curator: { name: string }, { dryRun = false, now = new Date() }: { dryRun?: boolean; now?: Date } = {}): Promise<{ record: ArticlePlan; snapshot: Snapshot }> {
    // A dry run only reads: it takes no lock, so previews never hold up changes.
    return this.transaction((client) => this.applyArticlesIn(client, files, curator, now, dryRun), { readOnly: dryRun });
  }

  /**
   * Runs `work` in a transaction holding the dataset's lock, commits, and waits until this server reads
   * the new generation; `readOnly` (a dry run) reads one snapshot without the lock.
   */
  private async transaction<R>(work: (client: pg.ClientBase) => Promise<{ generation?: string; record: R }>, { readOnly = false } = {}): Promise<{ record: R; snapshot: Snapshot }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.failure(error);
    }
    // A connection lost between two statements of the transaction (the database restarting) is reported
    // as an event on the client, which would end the process unheard; the next statement fails anyway.
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    let done: { generation?: string; record: R };
    // The transaction's id, asked with the lock: a COMMIT whose connection is lost can be asked about after.
    let transactionId: string | undefined;
    let committing = false;
    try {
      // One round trip for all three (the simple protocol takes several statements; they are constants).
      // Another change (an import of a large folder) may hold the lock for long: past LOCK_WAIT this one
      // is refused rather than left waiting with the request.
      if (readOnly) await client.query(BEGIN_READS);
      else {
        const opened = (await client.query(
          `BEGIN; SET LOCAL lock_timeout = '${LOCK_WAIT_MS}ms'; SELECT pg_advisory_xact_lock(${DATASET_LOCK_KEY}), pg_current_xact_id()::text AS transaction_id`,
        )) as unknown as pg.QueryResult<{ transaction_id: string }>[];
        transactionId = opened.at(-1)!.rows[0]!.transaction_id;
      }
      done = await work(client);
      committing = true;
      await client.query('COMMIT');
    } catch (error) {
      if (!lost) await client.query('ROLLBACK').catch(() => {});
      client.off('error', onError);
      // A refused change leaves a healthy connection for the pool; any other failure discards it.
      client.release(error instanceof CurationError && !lost ? undefined : (lost ?? (error as Error)));
      if (error instanceof CurationError) throw error;
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) {
        throw new CurationError('STORAGE_FAILED', `Nothing was changed: another change to the knowledge base (an import, or another curator's) held it for more than ${LOCK_WAIT_MS / 1000} s. Try again.`, { written: false });
      }
      // A COMMIT the database answered with an error rolled back; one whose connection was lost may have
      // committed or not (the database restarting): the database is asked, once it answers again.
      if (!committing || transactionId === undefined || !(lost || isUnavailable(error))) throw this.failure(error);
      const outcome = await this.outcomeOf(transactionId);
      if (outcome === 'aborted') throw new StoreUnavailableError(`PostgreSQL at ${this.where} went away before the change was committed: ${(error as Error).message}`, { cause: error });
      if (outcome === 'unknown') {
        throw new CurationError(
          'STORAGE_FAILED',
          `The database could not confirm the change (${(error as Error).message}) and did not answer within ${this.commitOutcomeWaitMs / 1000} s: it may or may not have been applied. Read the record before retrying.`,
          { written: null },
        );
      }
      // Committed after all: the change stands, and is answered as any other.
      return this.committed(done!);
    }
    client.off('error', onError);
    client.release();
    return this.committed(done);
  }

  /**
   * Whether transaction `transactionId` committed, asked of the database until it answers or
   * commitOutcomeWaitMs passes ('unknown'). A transaction whose server went away before its commit
   * was recorded is 'aborted' once the server is back; one still 'in progress' (its server has not yet
   * noticed the connection gone) is asked about again.
   */
  private async outcomeOf(transactionId: string): Promise<'committed' | 'aborted' | 'unknown'> {
    const deadline = Date.now() + this.commitOutcomeWaitMs;
    while (Date.now() < deadline) {
      try {
        const { rows } = await this.pool.query<{ status: string | null }>('SELECT pg_xact_status($1::xid8) AS status', [transactionId]);
        const status = rows[0]?.status;
        if (status === 'committed' || status === 'aborted') return status;
      } catch {
        // Not reachable yet: asked again below.
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now()))));
    }
    return 'unknown';
  }

  /** A committed change's answer: its record, with a snapshot that includes it once this server reads it. */
  private async committed<R>(done: { generation?: string; record: R }): Promise<{ record: R; snapshot: Snapshot }> {
    // Committed: the change is acknowledged even if this server cannot read it back right now (the
    // database went away after COMMIT); the payload then reads what it can, or says the database is away.
    if (done.generation !== undefined) await this.follower.catchUp(BigInt(done.generation)).catch(() => {});
    return { record: done.record, snapshot: this.follower.current() };
  }

  /** The error a failed change answers with: the database away, a database error, or (not the database's) the error itself. */
  private failure(error: unknown): Error {
    if (isUnavailable(error) || storeErrorOf(error, this.where).code === 'DATABASE_UNREACHABLE') {
      return new StoreUnavailableError(`PostgreSQL at ${this.where} is unavailable: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    // The driver's errors carry a SQLSTATE; anything else is ours and stays what it is (logged, masked).
    return typeof (error as { code?: unknown })?.code === 'string' ? storeErrorOf(error, this.where) : (error as Error);
  }

  private async applyEdit<C extends Collection>(client: pg.ClientBase, collection: C, edit: Edit<C>): Promise<{ generation: string; record: RecordsByCollection[C][number] }> {
    const fetched = new FetchedRecords(client);
    // A merged record's id names the record it was merged into (the snapshot's kindOf does the same).
    const keptOf = (id: string): Fetched | undefined => {
      let entry = fetched.known(id);
      for (let hops = 0; entry && 'mergedInto' in entry.record && entry.record.mergedInto && hops < 100; hops += 1) entry = fetched.known(entry.record.mergedInto.id);
      return entry;
    };
    const draft: Draft = {
      get records(): never {
        throw new Error('an edit on the PostgreSQL store reads records by id (draft.get), not whole collections');
      },
      get: (id) => fetched.known(id)?.record,
      kindOf: (id) => keptOf(id)?.kind,
    };

    // Runs the edit until it has every record it asks for. A run that asked for records not fetched yet
    // saw them as absent, so whatever it made of that (a result, a refusal) is dropped: they are fetched,
    // all in one statement, and the edit runs again.
    let result: ReturnType<Edit<C>> | undefined;
    for (let round = 0; result === undefined; round += 1) {
      let failure: unknown;
      let outcome: ReturnType<Edit<C>> | undefined;
      fetched.missing.clear();
      try {
        outcome = edit(draft);
      } catch (error) {
        failure = error;
      }
      if (fetched.missing.size > 0) {
        if (round >= MAX_FETCH_ROUNDS) throw new Error(`an edit of ${collection} still asked for records it had not got after ${MAX_FETCH_ROUNDS} runs`);
        await fetched.fetch(withNextSuffixes(fetched.missing));
        continue;
      }
      if (outcome === undefined) throw failure;
      result = outcome;
    }
    const { change } = result;
    const kind = kindOfCollection[collection];
    const id = result.record.id;
    await fetched.fetch([id]);
    const before = fetched.get(id);
    if (change === 'CREATED' && before) {
      throw new CurationError('DUPLICATE_ID', `The id "${id}" is already taken by ${aKind(before.kind)}; give the new record another id`, { id });
    }
    if (change !== 'CREATED' && (!before || before.kind !== kind)) throw new CurationError('NOT_FOUND', `No ${kind} with id "${id}"`, { id });

    // References to merged records move to the records kept, as the JSON store writes them.
    const mergedInto = new Map<string, string>();
    for (let pending = referencesOf(result.record); pending.size > 0; ) {
      await fetched.fetch(pending);
      const next = new Set<string>();
      for (const reference of pending) {
        const target = fetched.get(reference)?.record;
        if (target && 'mergedInto' in target && target.mergedInto) {
          mergedInto.set(reference, target.mergedInto.id);
          if (!fetched.has(target.mergedInto.id)) next.add(target.mergedInto.id);
        }
      }
      pending = next;
    }
    for (const [from, to] of mergedInto) {
      let target = to;
      for (let hops = 0; mergedInto.has(target) && hops < mergedInto.size; hops += 1) target = mergedInto.get(target)!;
      mergedInto.set(from, target);
    }
    const followed = withMergesFollowed(result.record, mergedInto);

    const position = before?.position ?? (await client.query<{ next: number }>(`SELECT coalesce(max(position) + 1, 0) AS next FROM ${collection}`)).rows[0]!.next;
    const parsed = parseRecord(collection, followed);
    if ('issues' in parsed) {
      const { file } = dataFiles[collection];
      throw curationErrorForProblems(parsed.issues.map((issue) => ({ file, path: formatJsonPath([position, ...issue.path]), message: issue.message, rule: 'schema' as const })));
    }
    const record = parsed.record;
    const written: Written[] = [{ collection, record, position, created: !before, before: before?.record, original: record }];
    await this.refuseProblems(client, written, fetched);
    const generation = await this.commitChanges(client, fetched, written, [{ id, kind, change }]);
    return { generation, record: record as RecordsByCollection[C][number] };
  }

  private async applyMerge(client: pg.ClientBase, keepId: string, mergeId: string, merge: Omit<Merge, 'id'>): Promise<{ generation: string; record: StoredRecord }> {
    const fetched = new FetchedRecords(client);
    await fetched.fetch([keepId, mergeId]);
    // The records that refer to the duplicate, through every link table and reference column.
    const { rows } = await client.query<{ id: string }>(prepared(referrersSql, [[mergeId]]));
    await fetched.fetch(rows.map((row) => row.id));
    const around = emptyCollections<StoredRecord>();
    const present = fetched.all().sort((a, b) => a.position - b.position);
    for (const entry of present) around[collectionOfKind[entry.kind]].push(entry.record);
    // Only these records can change: planMerge rewrites references to the duplicate, and the two records.
    const plan = planMerge(around as unknown as RecordsByCollection, keepId, mergeId, merge);
    const written: Written[] = [];
    for (const { id, kind } of plan.changes) {
      const collection = collectionOfKind[kind];
      const planned = (plan.records[collection] as StoredRecord[]).find((candidate) => candidate.id === id)!;
      const entry = fetched.get(id)!;
      // The records came from jsonb, which orders keys its own way; parsed, they are in the schema's order, as files hold them.
      const parsed = parseRecord(collection, planned);
      if ('issues' in parsed) {
        const { file } = dataFiles[collection];
        throw curationErrorForProblems(parsed.issues.map((issue) => ({ file, path: formatJsonPath([entry.position, ...issue.path]), message: issue.message, rule: 'schema' as const })));
      }
      written.push({ collection, record: parsed.record, position: entry.position, created: false, before: entry.record, original: parsed.record });
    }
    await this.refuseProblems(client, written, fetched);
    const generation = await this.commitChanges(client, fetched, written, plan.changes);
    return { generation, record: written.find(({ record }) => record.id === keepId)?.record ?? fetched.get(keepId)!.record };
  }

  private async applyArticlesIn(client: pg.ClientBase, files: readonly ArticleInput[], curator: { name: string }, now: Date, dryRun: boolean): Promise<{ generation?: string; record: ArticlePlan }> {
    const fetched = new FetchedRecords(client);
    const { texts, merged } = articleLookups(files);
    const digests = texts.map((text) => createHash('md5').update(text).digest('hex'));
    const { rows } = await client.query<{ id: string }>(prepared(articleSurroundingsSql, [texts, digests, merged]));
    await fetched.fetch([...rows.map((row) => row.id), ...merged]);

    // Planned until the plan has every record it looks up, as an edit runs (applyEdit).
    let plan: ArticlePlan | undefined;
    for (let round = 0; plan === undefined; round += 1) {
      fetched.missing.clear();
      let failure: unknown;
      let outcome: ArticlePlan | undefined;
      try {
        outcome = planArticles(planBaseOf(fetched), files, curator, { now, checkDataRules: false });
      } catch (error) {
        failure = error;
      }
      if (fetched.missing.size > 0) {
        if (round >= MAX_FETCH_ROUNDS) throw new Error(`an article plan still asked for records it had not got after ${MAX_FETCH_ROUNDS} runs`);
        await fetched.fetch(withNextSuffixes(fetched.missing));
        continue;
      }
      if (outcome === undefined) throw failure;
      plan = outcome;
    }
    if (plan.problems.length > 0) {
      if (dryRun) return { record: plan };
      throw articleProblemsError(plan.problems);
    }
    if (plan.changes.length === 0) return { record: plan };

    // The records the plan changed, new ones placed at the end of their files in the order they were made.
    const nextPosition = plan.changes.some(({ change, id }) => change === 'CREATED' || !fetched.get(id)) ? (await client.query<Record<Collection, number>>(nextPositionsSql)).rows[0]! : undefined;
    const written: Written[] = [];
    const schemaProblemsOf = new Map<string, DataProblem[]>();
    for (const { id, kind } of plan.changes) {
      const collection = collectionOfKind[kind];
      const planned = (plan.records[collection] as StoredRecord[]).find((candidate) => candidate.id === id)!;
      const before = fetched.get(id);
      const position = before?.position ?? nextPosition![collection]++;
      const parsed = parseRecord(collection, planned);
      if ('issues' in parsed) {
        schemaProblemsOf.set(id, parsed.issues.map((issue) => ({ file: dataFiles[collection].file, path: formatJsonPath([position, ...issue.path]), message: issue.message, rule: 'schema' as const })));
        written.push({ collection, record: planned, position, created: !before, before: before?.record, original: planned });
        continue;
      }
      written.push({ collection, record: parsed.record, position, created: !before, before: before?.record, original: parsed.record });
    }
    // Checked in file order (collections, then positions), so the problems come in the JSON store's order.
    const collectionOrder = Object.keys(dataFiles);
    written.sort((a, b) => collectionOrder.indexOf(a.collection) - collectionOrder.indexOf(b.collection) || a.position - b.position);
    const schemaProblems = written.flatMap(({ record }) => schemaProblemsOf.get(record.id) ?? []);
    const problems = schemaProblems.length > 0 ? schemaProblems : await this.problemsOf(client, written, fetched);
    if (problems.length > 0) {
      // Named by the entries that made the records: the problems' paths hold file positions.
      const byPlace = new Map<string, StoredRecord>();
      for (const entry of fetched.all()) byPlace.set(`${collectionOfKind[entry.kind]}:${entry.position}`, entry.record);
      for (const entry of written) byPlace.set(`${entry.collection}:${entry.position}`, entry.record);
      const explained = plan.explain(problems, (collection, position) => byPlace.get(`${collection}:${position}`));
      if (dryRun) return { record: { ...plan, problems: explained } };
      throw articleProblemsError(explained);
    }
    if (dryRun) return { record: plan };
    const generation = await this.commitChanges(client, fetched, written, plan.changes.map(({ id, kind, change }) => ({ id, kind, change })));
    return { generation, record: plan };
  }

  /** Refuses a change whose records break the loader's rules, with the JSON store's codes. */
  private async refuseProblems(client: pg.ClientBase, written: Written[], fetched: FetchedRecords): Promise<void> {
    const problems = await this.problemsOf(client, written, fetched);
    if (problems.length > 0) throw curationErrorForProblems(problems);
  }

  /**
   * Writes the rows of the records a change writes, checked (and the rows of the records whose derived
   * rows depend on them), and records the new dataset generation with its changes.
   */
  private async commitChanges(client: pg.ClientBase, fetched: FetchedRecords, written: Written[], changes: { id: string; kind: RecordKind; change: ChangeKind }[]): Promise<string> {

    // The records whose rows depend on these: statements said at an event take its date, and an event's
    // place is found by its country's name. They are written again as they are.
    const writing = new Set(written.map(({ record }) => record.id));
    const dependents: Written[] = [];
    const dependentsWhere = async (table: Collection, where: string, id: string) => {
      const { rows } = await client.query<{ position: number; record: StoredRecord; original: unknown }>(`SELECT position, record, original FROM ${table} WHERE ${where}`, [id]);
      for (const row of rows) {
        if (writing.has(row.record.id)) continue;
        writing.add(row.record.id);
        dependents.push({ collection: table, record: row.record, position: row.position, created: false, original: row.original });
      }
    };
    for (const { collection, record, before } of written) {
      if (!before) continue;
      if (collection === 'events' && JSON.stringify((before as EventRecord).start) !== JSON.stringify((record as EventRecord).start)) {
        await dependentsWhere('statements', `said_at_event_id = $1 AND NOT record ? 'date'`, record.id);
      }
      if (collection === 'countries' && (before as CountryRecord).name !== (record as CountryRecord).name) {
        await dependentsWhere('events', 'id IN (SELECT event_id FROM event_locations WHERE country_id = $1)', record.id);
      }
    }
    await this.writeRows(client, [...written, ...dependents], fetched);

    // The next generation, its version (a digest of the last one and of this change, as short as a
    // folder's), the records it changed, and the announcement, delivered at COMMIT to every server
    // reading this database, this one included: one statement.
    const { rows } = await client.query<{ generation: string }>(
      prepared(
        `WITH next AS (
         UPDATE dataset SET generation = generation + 1, changed_at = now(), cause = 'mutation',
                version = substr(encode(sha256(convert_to(version || chr(1) || (generation + 1)::text || chr(1) || $1, 'UTF8')), 'hex'), 1, 16)
         RETURNING generation),
       changed AS (
         INSERT INTO dataset_changes (generation, ordinal, record_id, kind, change)
         SELECT next.generation, change.ordinality, change.id, change.kind, change.change
           FROM next, unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS change (id, kind, change)),
       pruned AS (DELETE FROM dataset_changes WHERE generation <= (SELECT generation FROM next) - ${KEPT_CHANGE_GENERATIONS})
       SELECT generation::text AS generation, pg_notify('${DATASET_CHANNEL}', generation::text) FROM next`,
        [JSON.stringify(changes), changes.map((c) => c.id), changes.map((c) => c.kind), changes.map((c) => c.change)],
      ),
    );
    return rows[0]!.generation;
  }

  /** The loader's cross-record rules over the records a change writes (`check`, for each). */
  private async problemsOf(client: pg.ClientBase, written: Written[], fetched: FetchedRecords): Promise<DataProblem[]> {
    // A problem among several written records (a loop through two of them) is found by each one's check.
    const problems = new Map<string, DataProblem>();
    for (const entry of written) for (const problem of await this.check(client, entry, written, fetched)) problems.set(`${problem.file}\0${problem.path}\0${problem.message}`, problem);
    return [...problems.values()];
  }

  /**
   * The loader's cross-record rules for one changed record: it is checked with every record it refers
   * to, and the chains its loops could close, around it (the other records of the change in their new
   * form). The knowledge base held no problem before, so a problem this finds is the change's; problems
   * of the records around it that come only from leaving the rest of the knowledge base out (their own
   * references, unloaded) are not.
   */
  private async check(client: pg.ClientBase, { collection, record, position }: Written, written: Written[], fetched: FetchedRecords): Promise<DataProblem[]> {
    const around = referencesOf(record);
    if ('mergedInto' in record && record.mergedInto) around.add(record.mergedInto.id);
    const newForm = new Map(written.map((entry) => [entry.record.id, entry]));
    await fetched.fetch([...around].filter((id) => !newForm.has(id)));
    const chain = chainColumn[collection];
    // The chain a loop could close: through the change's records in their new form, and the database's
    // records as stored (a recursive walk), again from any of those that the change rewrites.
    const starts = [chainTarget(collection, record)];
    for (const walked = new Set<string>(); chain && starts.length > 0; ) {
      const start = starts.pop();
      if (start === undefined || walked.has(start)) continue;
      walked.add(start);
      around.add(start);
      const mine = newForm.get(start);
      if (mine) {
        starts.push(chainTarget(collection, mine.record));
        continue;
      }
      const { rows } = await client.query<{ id: string }>(
        `WITH RECURSIVE chain (id) AS (SELECT $1::text UNION SELECT t.${chain} FROM ${collection} t JOIN chain ON t.id = chain.id WHERE t.${chain} IS NOT NULL)
         SELECT id FROM chain`,
        [start],
      );
      for (const row of rows) {
        around.add(row.id);
        walked.add(row.id);
        const rewritten = newForm.get(row.id);
        if (rewritten) starts.push(chainTarget(collection, rewritten.record));
      }
      await fetched.fetch([...around].filter((id) => !newForm.has(id)));
    }
    const placed = new Map<Collection, { position: number; record: StoredRecord }[]>();
    const place = (where: Collection, entry: { position: number; record: StoredRecord }) => {
      const list = placed.get(where) ?? [];
      list.push(entry);
      placed.set(where, list);
    };
    place(collection, { position, record });
    for (const other of around) {
      if (other === record.id) continue;
      const mine = newForm.get(other);
      const entry = mine ? { collection: mine.collection, position: mine.position, record: mine.record } : fetched.get(other) && { collection: collectionOfKind[fetched.get(other)!.kind], ...fetched.get(other)! };
      if (entry) place(entry.collection, { position: entry.position, record: entry.record });
    }
    const records = {} as Record<Collection, StoredRecord[]>;
    const positions = {} as Record<Collection, number[]>;
    for (const name of Object.keys(dataFiles) as Collection[]) {
      const list = (placed.get(name) ?? []).sort((a, b) => a.position - b.position);
      records[name] = list.map((entry) => entry.record);
      positions[name] = list.map((entry) => entry.position);
    }
    const ownIndex = records[collection].indexOf(record);
    const problems: DataProblem[] = [];
    for (const problem of findConsistencyProblems(records as unknown as RecordsByCollection)) {
      const match = /^\$\[(\d+)\]/.exec(problem.path);
      const name = (Object.keys(dataFiles) as Collection[]).find((candidate) => dataFiles[candidate].file === problem.file);
      if (!match || !name) continue;
      const index = Number(match[1]);
      const own = name === collection && index === ownIndex;
      if (!own && problem.rule === 'unknown-reference') continue;
      problems.push({ ...problem, path: `$[${positions[name]![index]}]${problem.path.slice(match[0].length)}` });
    }
    return problems;
  }

  /** Replaces every row of `written` with the rows the import would write for them. */
  private async writeRows(client: pg.ClientBase, written: Written[], fetched: FetchedRecords): Promise<void> {
    const ids = written.map(({ record }) => record.id);
    // What the rows need to know of other records: sources' positions, events' dates, countries' names.
    const needed = new Set<string>();
    for (const { record } of written) for (const reference of referencesOf(record)) needed.add(reference);
    await fetched.fetch(needed);
    const records = emptyCollections<StoredRecord>();
    const originals = emptyCollections<unknown>();
    const positionOf = new Map<string, number>();
    for (const { collection, record, position, original } of written) {
      records[collection].push(record);
      originals[collection].push(original);
      positionOf.set(record.id, position);
    }
    const writtenById = new Map(written.map((entry) => [entry.record.id, entry.record]));
    const countries = new Map<string, CountryRecord>();
    for (const entry of fetched.all()) if (entry.kind === 'Country') countries.set(entry.record.id, entry.record as CountryRecord);
    for (const country of records.countries) countries.set(country.id, country as CountryRecord);
    const context: RowContext = {
      positionOf: (id) => positionOf.get(id)!,
      sourcePositionOf: (sourceId) => (writtenById.get(sourceId) ? positionOf.get(sourceId) : fetched.get(sourceId)?.position),
      eventOf: (eventId) => (writtenById.get(eventId) ?? fetched.get(eventId)?.record) as EventRecord | undefined,
      countries: [...countries.values()],
    };
    const tables = rowsOf(records as unknown as RecordsByCollection, originals, context);

    // The old rows go first, in one statement: the record's link rows, words, search documents and
    // postings, and its coverage spans (which pairs they placed, and which terms the postings used, come back).
    const collections = new Set(written.map(({ collection }) => collection));
    const links = Object.entries(ownedRows)
      .filter(([, owner]) => owner.collection === undefined || collections.has(owner.collection))
      .map(([table, owner]) => [table, owner.column] as const);
    const { rows: [removed] } = await client.query<{ uncovered: [string, string][]; terms: string[] }>(
      prepared(
        `WITH ${links.map(([table, column], index) => `removed_${index} AS (DELETE FROM ${table} WHERE ${column} = ANY($1)${table === 'coverage_spans' ? ' RETURNING record_id, source_id' : table === 'search_postings' ? ' RETURNING term' : ''})`).join(',\n')}
       SELECT (SELECT coalesce(json_agg(DISTINCT jsonb_build_array(record_id, source_id)), '[]') FROM removed_${links.findIndex(([table]) => table === 'coverage_spans')}) AS uncovered,
              (SELECT coalesce(array_agg(DISTINCT term), '{}') FROM removed_${links.findIndex(([table]) => table === 'search_postings')}) AS terms`,
        [ids],
      ),
    );

    // The new rows, in one statement: each table's rows as one JSON parameter; the postings and the
    // vocabulary from the documents inserted; each (record, source) pair whose spans changed placed again
    // by its first span, or removed; terms no posting uses any more removed.
    const created = new Set(written.filter((entry) => entry.created).map(({ record }) => record.id));
    const values: unknown[] = [];
    const parameter = (value: unknown) => `$${values.push(value)}`;
    const inserts: string[] = [];
    const insert = ({ table, columns }: TableRows, rows: unknown[][], returning = '') => {
      const name = `inserted_${inserts.length}`;
      inserts.push(`${name} AS (${insertSql(table, columns, parameter(rowsAsJson(columns, rows)), { upsert: table in collectionTables })}${returning})`);
      return name;
    };
    let documents = 'search_documents';
    let spans = '';
    for (const table of tables) {
      if (table.table === 'records') insert(table, table.rows.filter((row) => created.has(row[0] as string)));
      else if (table.table === 'search_documents') documents = insert(table, table.rows, ' RETURNING record_id, ordinal, kind, field, terms');
      else if (table.table === 'coverage_spans') spans = insert(table, table.rows, ' RETURNING record_id, source_id, walk');
      else insert(table, table.rows);
    }
    const postings = `postings AS (INSERT INTO search_postings (term, weight, kind_order, record_id, ordinal, kind) ${postingsOf(documents)} RETURNING term)`;
    const vocabulary = 'vocabulary AS (INSERT INTO search_terms (term) SELECT DISTINCT term FROM postings ON CONFLICT DO NOTHING)';
    const newTerms = [...new Set((tables.find((table) => table.table === 'search_documents')?.rows ?? []).flatMap((row) => row[5] as string[]))];
    // The statement sees the postings as they were before it: the old ones of these records are gone, the
    // new ones not there yet, so a term these records still use is kept by name.
    const orphans = `orphans AS (DELETE FROM search_terms t WHERE t.term = ANY(${parameter(removed!.terms)}::text[]) AND t.term <> ALL(${parameter(newTerms)}::text[])
                       AND NOT EXISTS (SELECT 1 FROM search_postings p WHERE p.term = t.term))`;
    const pairs = [...new Map([...removed!.uncovered, ...(tables.find((table) => table.table === 'coverage_spans')?.rows ?? []).map((row) => [row[0] as string, row[1] as string])].map(([recordId, sourceId]) => [`${recordId}\0${sourceId}`, [recordId, sourceId]])).values()];
    const affected = `affected (record_id, source_id) AS (SELECT * FROM unnest(${parameter(pairs.map(([recordId]) => recordId))}::text[], ${parameter(pairs.map(([, sourceId]) => sourceId))}::text[]))`;
    // Other records' spans as they stand, and these records' new ones (not visible to the statement yet).
    const placed = `placed AS (SELECT record_id, source_id, min(walk) AS first_seen FROM (
                      SELECT c.record_id, c.source_id, c.walk FROM coverage_spans c JOIN affected a USING (record_id, source_id)
                      UNION ALL SELECT s.record_id, s.source_id, s.walk FROM ${spans} s JOIN affected a USING (record_id, source_id)) spans GROUP BY record_id, source_id)`;
    const replaced = `replaced AS (INSERT INTO record_sources (record_id, source_id, first_seen) SELECT * FROM placed
                        ON CONFLICT (record_id, source_id) DO UPDATE SET first_seen = EXCLUDED.first_seen)`;
    await client.query(
      prepared(
        `WITH ${[...inserts, postings, vocabulary, orphans, affected, placed, replaced].join(',\n')}
         DELETE FROM record_sources r USING affected a
          WHERE r.record_id = a.record_id AND r.source_id = a.source_id
            AND NOT EXISTS (SELECT 1 FROM placed p WHERE p.record_id = r.record_id AND p.source_id = r.source_id)`,
        values,
      ),
    );
  }
}

/** The collection tables, whose row a write replaces (upsert) rather than adds. */
const collectionTables: Record<string, true> = Object.fromEntries(Object.keys(kindOfCollection).map((name) => [name, true]));

/**
 * The ids of the records that refer to any of the ids `$1`, through every reference the link tables and
 * columns hold (src/store/merge.ts rewrites exactly these): each an index probe.
 */
const referrersSql = [
  'SELECT id FROM statements WHERE speaker_id = ANY($1) OR continues_id = ANY($1)',
  'SELECT statement_id FROM statement_events WHERE event_id = ANY($1)',
  'SELECT statement_id FROM statement_mentions WHERE entity_id = ANY($1)',
  'SELECT statement_id FROM statement_audience WHERE entity_id = ANY($1)',
  'SELECT statement_id FROM statement_speaker_groups WHERE entity_id = ANY($1)',
  'SELECT statement_id FROM statement_reports WHERE relayed_by_id = ANY($1)',
  'SELECT person_id FROM role_holdings WHERE organization_id = ANY($1) OR country_id = ANY($1)',
  'SELECT id FROM organizations WHERE parent_id = ANY($1) OR country_id = ANY($1)',
  'SELECT organization_id FROM memberships WHERE country_id = ANY($1)',
  'SELECT id FROM events WHERE part_of_id = ANY($1)',
  'SELECT event_id FROM event_participants WHERE entity_id = ANY($1)',
  'SELECT event_id FROM event_locations WHERE country_id = ANY($1)',
].join(' UNION ');

/**
 * What an article plan reads by scanning a collection rather than by id, in one statement: the sources
 * holding one of the files' texts (`$1`, by digest `$2`), the statements those sources report, and the
 * records referring to a record the files merge away (`$3`).
 */
const articleSurroundingsSql = `WITH same_text AS (SELECT id FROM sources WHERE md5(record ->> 'text') = ANY($2) AND record ->> 'text' = ANY($1))
  SELECT id FROM same_text
  UNION SELECT statement_id FROM statement_reports WHERE source_id IN (SELECT id FROM same_text)
  UNION ${referrersSql.replaceAll('$1', '$3')}`;

/** The next free file position of every collection, in one statement. */
const nextPositionsSql = `SELECT ${Object.keys(kindOfCollection)
  .map((collection) => `(SELECT coalesce(max(position) + 1, 0) FROM ${collection}) AS ${collection}`)
  .join(', ')}`;

/** The files' texts and merged ids as they were sent (not validated yet: the plan reports what is wrong with them). */
function articleLookups(files: readonly ArticleInput[]): { texts: string[]; merged: string[] } {
  const texts: string[] = [];
  const merged: string[] = [];
  for (const { content } of files) {
    const file = content as { source?: { text?: unknown }; merges?: unknown } | null;
    if (typeof file?.source?.text === 'string') texts.push(file.source.text);
    if (Array.isArray(file?.merges)) for (const entry of file.merges as { merge?: unknown }[]) if (typeof entry?.merge === 'string') merged.push(entry.merge);
  }
  return { texts, merged };
}
