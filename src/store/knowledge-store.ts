/**
 * The writable knowledge base. It holds the current KnowledgeBase, an immutable snapshot, and
 * replaces it whole after each change: a request reads the one snapshot it started with, so it sees
 * the data before a change or after it, never a mix.
 *
 * A change is acknowledged only once it is on disk. Changes are applied one at a time, in the order
 * they arrive, each checked by the loader's own rules; consecutive changes to the same file are written
 * together in one durable write (each still waits for that write). Around each write the data folder's
 * lock is held and the files are checked for edits by another process, which are loaded first, so a
 * second writer (the authoring command, a person with an editor) loses nothing.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { KnowledgeBase, type RecordKind, type RecordsByCollection, type StoredRecord } from '../kb/knowledge-base.js';
import { findConsistencyProblems, type DataProblem } from '../kb/consistency.js';
import { DataValidationError, buildKnowledgeBase, checkChange, checkRecordsChange, datasetVersionOf, digestOf, loadKnowledgeBase, pendingChangeFile, rebuildAfterWrite } from '../kb/load.js';
import { completeInterruptedChange, writeFilesDurably } from './change-journal.js';
import { planMerge, withMergesFollowed } from './merge.js';
import { aKind } from '../kb/text.js';
import { dataFiles, kindOfCollection, type Collection } from '../kb/records.js';
import { CurationError, curationErrorForProblems } from './edit-error.js';
import { acquireDataLock } from './data-lock.js';
import { DurableWriteError, nodeFileSystem, removeOrphanedTemporaryFiles, writeFileDurably, type DurableFileSystem } from './durable-file.js';

export type ChangeKind = 'CREATED' | 'UPDATED' | 'RETRACTED' | 'REPORTED' | 'MERGED';

/** One record that a change created, updated or retracted (or a part of it: a role, a membership). */
export interface RecordChange {
  id: string;
  kind: RecordKind;
  change: ChangeKind;
}

/** Announced after the current snapshot was replaced. */
export interface StoreChange {
  kb: KnowledgeBase;
  previous: KnowledgeBase;
  changes: RecordChange[];
  /** A mutation through this store, or a reload of files edited by someone else. */
  cause: 'mutation' | 'reload';
}

/** What an edit sees: the records as they stand, earlier changes of the same batch included. */
export interface Draft {
  readonly records: Readonly<RecordsByCollection>;
  /** The record with this id as stored, or undefined. */
  get(id: string): StoredRecord | undefined;
  /** The kind of record this id names, or undefined. */
  kindOf(id: string): RecordKind | undefined;
}

/** One change to one record: the record as it should be stored (a new id creates it, a known id replaces it). */
export interface EditResult<R extends StoredRecord = StoredRecord> {
  record: R;
  change: ChangeKind;
}

/** A change over several records and files, as `KnowledgeStore.change` writes it. */
export interface PlannedChange<T> {
  /** The new contents of each collection that changes. */
  records: Partial<RecordsByCollection>;
  changes: RecordChange[];
  /** What the caller gets back with the new snapshot. */
  result: T;
  /** The error a change that breaks the data's rules is refused with (by default, the problems at their data-file paths). */
  refusal?: (problems: DataProblem[]) => Error;
}

export type Edit<C extends Collection> = (draft: Draft) => EditResult<RecordsByCollection[C][number]>;

export interface StoreOptions {
  /** File operations for the durable writes; tests pass a failing one. */
  fileSystem?: DurableFileSystem;
  /** How long a change waits for another process's lock on the data folder. */
  lockTimeoutMs?: number;
  /** Most changes to one file written together. */
  maxBatch?: number;
  logger?: Logger;
}


interface Job {
  collection: Collection;
  edit: Edit<Collection>;
  resolve: (value: { record: StoredRecord; kb: KnowledgeBase }) => void;
  reject: (error: unknown) => void;
}

/** The bytes of a data file: what `JSON.stringify` makes of its records, indented as the files are. */
export function serializeRecords(records: readonly unknown[]): Uint8Array {
  return Buffer.from(`${JSON.stringify(records, null, 2)}\n`, 'utf8');
}

/** Identifies a file's content cheaply: a rename over it (a new inode), a size or a modification time changes it. */
async function signatureOf(filePath: string): Promise<string> {
  try {
    const stats = await stat(filePath, { bigint: true });
    return `${stats.ino}:${stats.size}:${stats.mtimeNs}`;
  } catch {
    return 'missing';
  }
}

async function signaturesOf(dataDir: string): Promise<Map<string, string>> {
  const files = Object.values(dataFiles).map(({ file }) => file);
  return new Map(await Promise.all(files.map(async (file) => [file, await signatureOf(path.join(dataDir, file))] as const)));
}

function sameSignatures(a: Map<string, string>, b: Map<string, string>): boolean {
  for (const [file, signature] of a) if (b.get(file) !== signature) return false;
  return true;
}

/** The records that differ between two snapshots (a reload): new ids are created, changed ones updated. */
function changesBetween(previous: KnowledgeBase, next: KnowledgeBase): RecordChange[] {
  const changes: RecordChange[] = [];
  for (const collection of Object.keys(dataFiles) as Collection[]) {
    for (const record of next.stored[collection]) {
      const before = previous.storedRecord(record.id);
      if (!before) changes.push({ id: record.id, kind: kindOfCollection[collection], change: 'CREATED' });
      else if (JSON.stringify(before) !== JSON.stringify(record)) changes.push({ id: record.id, kind: kindOfCollection[collection], change: 'UPDATED' });
    }
  }
  return changes;
}

export class KnowledgeStore {
  private snapshot: KnowledgeBase;
  private signatures: Map<string, string>;
  private readonly queue: (Job | { reload: true; done: () => void } | { exclusive: () => Promise<void> })[] = [];
  private draining = false;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  /** Signatures of an invalid edit already reported, so it is logged once rather than on every event. */
  private reportedInvalid: Map<string, string> | undefined;
  private readonly fileSystem: DurableFileSystem;
  private readonly lockTimeoutMs: number;
  private readonly maxBatch: number;
  private readonly logger: Logger | undefined;

  private constructor(
    readonly dataDir: string,
    kb: KnowledgeBase,
    signatures: Map<string, string>,
    options: StoreOptions,
  ) {
    this.snapshot = kb;
    this.signatures = signatures;
    this.fileSystem = options.fileSystem ?? nodeFileSystem;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.maxBatch = options.maxBatch ?? 64;
    this.logger = options.logger;
  }

  /**
   * Opens the data folder: removes temporary files orphaned by a writer that died mid-write, then loads
   * and validates the data (throwing DataValidationError, as the loader does, when it is invalid).
   */
  static async open(dataDir: string, options: StoreOptions = {}): Promise<KnowledgeStore> {
    const resolved = path.resolve(dataDir);
    const lock = await acquireDataLock(resolved, options.lockTimeoutMs);
    try {
      const orphans = await removeOrphanedTemporaryFiles(resolved);
      if (orphans.length > 0) options.logger?.warn({ dataDir: resolved, removed: orphans }, `removed ${orphans.length} temporary file(s) left by an interrupted write`);
      const completed = await completeInterruptedChange(resolved).catch((error: Error) => {
        throw new DataValidationError(resolved, [{ file: pendingChangeFile, path: '$', message: error.message, rule: 'file' }]);
      });
      if (completed.length > 0) options.logger?.warn({ dataDir: resolved, files: completed }, 'completed a change a writer recorded but did not finish');
      const signatures = await signaturesOf(resolved);
      const kb = await loadKnowledgeBase(resolved);
      return new KnowledgeStore(resolved, kb, signatures, options);
    } finally {
      await lock.release();
    }
  }

  /** The current snapshot. Hold on to it for the length of a request. */
  get current(): KnowledgeBase {
    return this.snapshot;
  }

  /** Calls `listener` after each replacement of the snapshot; returns a function that stops it. */
  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Applies `edit` to `collection` once every change queued before it is done, checks the result with
   * the loader's rules, writes the file durably and only then replaces the snapshot. Resolves with the
   * record as stored and the new snapshot; rejects with a CurationError, having changed nothing.
   */
  edit<C extends Collection>(collection: C, edit: Edit<C>): Promise<{ record: RecordsByCollection[C][number]; kb: KnowledgeBase }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ collection, edit: edit as Edit<Collection>, resolve: resolve as Job['resolve'], reject });
      void this.drain();
    });
  }

  /**
   * Merges the record `mergeId` into `keepId` (see `planMerge`): one change over several files, checked
   * whole with the loader's rules before anything is written. The files are written one by one, the
   * file of the two records last, so a crash part-way leaves valid data with both records in force and
   * the merge can be run again. Resolves with the kept record and the new snapshot.
   */
  merge(keepId: string, mergeId: string, curator: { name: string }, now = new Date()): Promise<{ record: StoredRecord; kb: KnowledgeBase }> {
    return new Promise((resolve, reject) => {
      const exclusive = () => this.withLockedData(() => this.applyMerge(keepId, mergeId, curator, now)).then(resolve, reject);
      this.queue.push({ exclusive });
      void this.drain();
    });
  }

  /**
   * Applies a change over any number of records and files as one durable change, all or nothing:
   * `plan` computes it from the current snapshot (after catching up with the disk, holding the lock),
   * the loader's rules check the whole result, and the changed files are replaced together
   * (`writeFilesDurably`). A plan that changes nothing writes nothing. Resolves with the plan's result
   * and the snapshot that holds the change.
   */
  change<T>(plan: (kb: KnowledgeBase) => PlannedChange<T>): Promise<{ result: T; kb: KnowledgeBase }> {
    return new Promise((resolve, reject) => {
      const exclusive = () => this.withLockedData(() => this.applyChange(plan)).then(resolve, reject);
      this.queue.push({ exclusive });
      void this.drain();
    });
  }

  private async applyChange<T>(plan: (kb: KnowledgeBase) => PlannedChange<T>): Promise<{ result: T; kb: KnowledgeBase }> {
    const base = this.snapshot;
    const { records, changes, result, refusal = curationErrorForProblems } = plan(base);
    if (changes.length === 0) return { result, kb: base };
    const checked = checkRecordsChange(base.stored, records);
    if ('problems' in checked) throw refusal(checked.problems);
    const collections = Object.keys(checked.records) as Collection[];
    const files = collections.map((collection) => ({ file: dataFiles[collection].file, bytes: serializeRecords(checked.records[collection]!) }));
    try {
      await writeFilesDurably(this.dataDir, files, this.fileSystem);
    } catch (error) {
      const written = error instanceof DurableWriteError && error.replaced;
      this.logger?.error({ err: error, dataDir: this.dataDir }, written ? 'a change was recorded but not completed; the next change completes it' : 'a change could not be written; nothing was changed');
      if (written) {
        for (const { file } of files) this.signatures.set(file, 'unknown');
        await this.catchUpWithDisk().catch(() => {});
      }
      throw new CurationError('STORAGE_FAILED', written ? `The change was recorded but not completed (${(error as Error).message}); it is completed before the next change. Read the records before retrying.` : `Nothing was changed: ${(error as Error).message}`, {
        reason: error instanceof DurableWriteError ? error.code ?? null : null,
        written,
      });
    }
    const fileDigests = { ...base.info.fileDigests };
    for (const { file, bytes } of files) {
      this.signatures.set(file, await signatureOf(path.join(this.dataDir, file)));
      fileDigests[file] = digestOf(bytes);
    }
    const kb = buildKnowledgeBase({ ...base.stored, ...checked.records } as RecordsByCollection, { version: datasetVersionOf(fileDigests), fileDigests, loadedAt: new Date(), dataDir: base.info.dataDir });
    this.replaceSnapshot(kb, changes, 'mutation');
    return { result, kb };
  }

  private async applyMerge(keepId: string, mergeId: string, curator: { name: string }, now: Date): Promise<{ record: StoredRecord; kb: KnowledgeBase }> {
    const base = this.snapshot;
    const plan = planMerge(base.stored, keepId, mergeId, { at: now.toISOString(), by: curator.name });
    const records = { ...base.stored, ...plan.records } as RecordsByCollection;
    const problems = findConsistencyProblems(records);
    if (problems.length > 0) throw curationErrorForProblems(problems);
    const order = (Object.keys(plan.records) as Collection[]).sort((a, b) => Number(a === plan.collection) - Number(b === plan.collection));
    const fileDigests = { ...base.info.fileDigests };
    for (const collection of order) {
      const bytes = serializeRecords(plan.records[collection]!);
      const filePath = path.join(this.dataDir, dataFiles[collection].file);
      try {
        await writeFileDurably(filePath, bytes, this.fileSystem);
      } catch (error) {
        // Files written before this one hold a valid part of the merge: serve what is on disk.
        this.signatures.set(dataFiles[collection].file, 'unknown');
        await this.catchUpWithDisk().catch(() => {});
        throw new CurationError('STORAGE_FAILED', `The merge was not completed: ${(error as Error).message}. Run it again.`, { written: false });
      }
      this.signatures.set(dataFiles[collection].file, await signatureOf(filePath));
      fileDigests[dataFiles[collection].file] = digestOf(bytes);
    }
    const kb = buildKnowledgeBase(records, { version: datasetVersionOf(fileDigests), fileDigests, loadedAt: new Date(), dataDir: base.info.dataDir });
    this.replaceSnapshot(kb, plan.changes, 'mutation');
    return { record: kb.storedRecord(keepId)!, kb };
  }

  /**
   * Runs `work` holding the data folder's lock, after loading whatever another process wrote: every
   * change starts from the files as they are. Without the lock nothing runs (STORAGE_FAILED).
   */
  private async withLockedData<T>(work: () => Promise<T>): Promise<T> {
    let lock;
    try {
      lock = await acquireDataLock(this.dataDir, this.lockTimeoutMs);
    } catch (error) {
      throw new CurationError('STORAGE_FAILED', `Nothing was changed: ${(error as Error).message}`);
    }
    try {
      await this.catchUpWithDisk();
      return await work();
    } finally {
      await lock.release();
    }
  }

  /** Loads files edited by someone else, if they changed; an invalid edit is logged and the current data kept. */
  reload(): Promise<void> {
    return new Promise((done) => {
      this.queue.push({ reload: true, done });
      void this.drain();
    });
  }

  /** Watches the data folder and reloads edited files (after they settle for `debounceMs`). */
  watch(debounceMs = 100): void {
    if (this.watcher) return;
    const names = new Set<string>(Object.values(dataFiles).map(({ file }) => file));
    this.watcher = watch(this.dataDir, { persistent: false }, (_event, name) => {
      if (name !== null && !names.has(name.toString())) return;
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.reload(), debounceMs);
    });
    this.watcher.on('error', (error) => this.logger?.error({ err: error, dataDir: this.dataDir }, 'watching the data folder failed; edits on disk are no longer picked up'));
  }

  /** Stops watching; changes already queued still finish. */
  close(): void {
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const first = this.queue.shift()!;
        if ('reload' in first) {
          await this.runReload();
          first.done();
          continue;
        }
        if ('exclusive' in first) {
          await first.exclusive();
          continue;
        }
        const batch = [first];
        while (batch.length < this.maxBatch) {
          const next = this.queue[0];
          if (!next || !('collection' in next) || next.collection !== first.collection) break;
          batch.push(this.queue.shift() as Job);
        }
        await this.runBatch(first.collection, batch);
      }
    } finally {
      this.draining = false;
    }
  }

  private replaceSnapshot(kb: KnowledgeBase, changes: RecordChange[], cause: StoreChange['cause']): void {
    const previous = this.snapshot;
    this.snapshot = kb;
    for (const listener of this.listeners) {
      try {
        listener({ kb, previous, changes, cause });
      } catch (error) {
        this.logger?.error({ err: error }, 'a change listener failed');
      }
    }
  }

  /**
   * Loads the files if another process changed them since this store last read or wrote them. Throws
   * a CurationError (DATA_FILES_INVALID) when the edited files are invalid.
   */
  private async catchUpWithDisk(): Promise<void> {
    try {
      const completed = await completeInterruptedChange(this.dataDir, this.fileSystem);
      if (completed.length > 0) this.logger?.warn({ dataDir: this.dataDir, files: completed }, 'completed a change a writer recorded but did not finish');
    } catch (error) {
      throw new CurationError('STORAGE_FAILED', `Nothing was changed: a change recorded earlier could not be completed (${(error as Error).message})`);
    }
    const signatures = await signaturesOf(this.dataDir);
    if (sameSignatures(signatures, this.signatures)) return;
    let kb: KnowledgeBase;
    try {
      kb = await loadKnowledgeBase(this.dataDir);
    } catch (error) {
      if (!(error instanceof DataValidationError)) throw error;
      if (!this.reportedInvalid || !sameSignatures(signatures, this.reportedInvalid)) {
        this.reportedInvalid = signatures;
        this.logger?.error({ dataDir: this.dataDir, problems: error.problems }, `the data files were edited into an invalid state; still serving version ${this.snapshot.info.version}. ${error.message}`);
      }
      throw new CurationError('DATA_FILES_INVALID', `The data files on disk were edited into an invalid state, so changes are refused until they are fixed (writing now would discard that edit). ${error.message}`, {
        problems: error.problems,
      });
    }
    this.reportedInvalid = undefined;
    this.signatures = signatures;
    if (kb.info.version === this.snapshot.info.version) return;
    const changes = changesBetween(this.snapshot, kb);
    this.logger?.info({ dataDir: this.dataDir, version: kb.info.version, previousVersion: this.snapshot.info.version, changed: changes.length }, 'reloaded data files edited on disk');
    this.replaceSnapshot(kb, changes, 'reload');
  }

  private async runReload(): Promise<void> {
    let lock;
    try {
      lock = await acquireDataLock(this.dataDir, this.lockTimeoutMs);
    } catch (error) {
      this.logger?.warn({ err: error }, 'could not take the data lock to reload edited files; will retry on the next change');
      return;
    }
    try {
      await this.catchUpWithDisk();
    } catch (error) {
      if (!(error instanceof CurationError)) this.logger?.error({ err: error }, 'reloading the data files failed');
    } finally {
      await lock.release();
    }
  }

  private async runBatch(collection: Collection, batch: Job[]): Promise<void> {
    try {
      await this.withLockedData(() => this.applyAndWrite(collection, batch));
    } catch (error) {
      // Only the lock or catching up with the disk fail here; applyAndWrite answers each job itself.
      for (const job of batch) job.reject(error);
    }
  }

  private async applyAndWrite(collection: Collection, batch: Job[]): Promise<void> {
    const base = this.snapshot;
    const { file } = dataFiles[collection];
    let working: StoredRecord[] = base.stored[collection] as StoredRecord[];
    const indexById = new Map<string, number>();
    working.forEach((record, index) => indexById.set(record.id, index));
    const applied: { job: Job; record: StoredRecord; change: ChangeKind }[] = [];

    for (const job of batch) {
      const records = { ...base.stored, [collection]: working } as RecordsByCollection;
      const draft: Draft = {
        records,
        get: (id) => {
          const index = indexById.get(id);
          return index !== undefined ? working[index] : base.storedRecord(id);
        },
        kindOf: (id) => (indexById.has(id) ? kindOfCollection[collection] : base.kindOf(id)),
      };
      try {
        const edited = job.edit(draft);
        const { change } = edited;
        // A merged record's id names the record it was merged into, here as in every lookup.
        const record = withMergesFollowed(edited.record, base.mergedInto);
        const existingIndex = indexById.get(record.id);
        if (change === 'CREATED' && draft.kindOf(record.id) !== undefined) {
          throw new CurationError('DUPLICATE_ID', `The id "${record.id}" is already taken by ${aKind(draft.kindOf(record.id)!)}; give the new record another id`, { id: record.id });
        }
        if (change !== 'CREATED' && existingIndex === undefined) throw new CurationError('NOT_FOUND', `No ${kindOfCollection[collection]} with id "${record.id}"`, { id: record.id });
        const index = existingIndex ?? working.length;
        const checked = checkChange(base.stored, collection, working, index, record);
        if ('problems' in checked) throw curationErrorForProblems(checked.problems);
        working = checked.records;
        if (existingIndex === undefined) indexById.set(record.id, index);
        applied.push({ job, record: checked.record, change });
      } catch (error) {
        job.reject(error);
      }
    }
    if (applied.length === 0) return;

    const bytes = serializeRecords(working);
    const filePath = path.join(this.dataDir, file);
    let unconfirmed: DurableWriteError | undefined;
    try {
      await writeFileDurably(filePath, bytes, this.fileSystem);
    } catch (error) {
      if (error instanceof DurableWriteError && error.replaced) {
        // The file already holds the change (only the folder flush failed), so it is served: memory must
        // not fall behind the disk. It is not acknowledged, since it might not survive a power loss.
        unconfirmed = error;
        this.logger?.error({ err: error, file: filePath }, 'a change was written but its folder could not be flushed; serving it, not acknowledging it');
      } else {
        const reason = error instanceof DurableWriteError ? error.message : String(error);
        this.logger?.error({ err: error, file: filePath }, 'a change could not be written; nothing was changed');
        const failure = new CurationError('STORAGE_FAILED', `Nothing was changed: ${reason}`, {
          reason: error instanceof DurableWriteError ? error.code ?? null : null,
          written: false,
        });
        for (const { job } of applied) job.reject(failure);
        return;
      }
    }
    this.signatures.set(file, await signatureOf(filePath));

    let kb: KnowledgeBase;
    try {
      kb = rebuildAfterWrite(base, collection, working, bytes);
    } catch (error) {
      // Written but not served: should never happen (the records passed every rule). Reading the files
      // again is the only state known to match the disk.
      this.logger?.error({ err: error }, 'building the knowledge base after a write failed; reloading from disk');
      this.signatures.set(file, 'unknown');
      await this.catchUpWithDisk().catch(() => {});
      for (const { job } of applied) job.reject(error);
      return;
    }
    this.replaceSnapshot(
      kb,
      applied.map(({ record, change }) => ({ id: record.id, kind: kindOfCollection[collection], change })),
      'mutation',
    );
    if (unconfirmed) {
      const failure = new CurationError(
        'STORAGE_FAILED',
        `The change was written and is served, but the disk did not confirm it (${unconfirmed.message}), so it might not survive a power loss. Read the record before retrying.`,
        { reason: unconfirmed.code ?? null, written: true },
      );
      for (const { job } of applied) job.reject(failure);
      return;
    }
    for (const { job, record } of applied) job.resolve({ record, kb });
  }
}
