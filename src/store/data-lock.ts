/**
 * A lock file in the data folder that keeps two writing processes (the server and the authoring
 * command, or two servers) from interleaving their read-modify-write cycles. It is held only while
 * one change is checked and written, not for a process's lifetime.
 *
 * The file holds the holder's pid. A lock whose holder is no longer running (killed mid-write) is
 * stale and is broken; breaking renames it aside first and checks it still names the dead holder, so
 * two processes breaking the same stale lock cannot both end up holding a new one.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from './durable-file.js';

export const LOCK_FILE_NAME = '.newsgraph.lock';

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/** How old a lock file naming no pid must be before it counts as abandoned; writing the pid takes microseconds. */
const UNNAMED_LOCK_STALE_MS = 2_000;

async function lockAgeMs(lockPath: string): Promise<number> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs;
  } catch {
    return 0;
  }
}

export interface DataLock {
  release(): Promise<void>;
}

async function holderPid(lockPath: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(lockPath, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Breaks the lock at `lockPath` if it still names `stalePid` (undefined: names nobody); leaves anyone else's lock in place. */
async function breakStaleLock(lockPath: string, stalePid: number | undefined): Promise<void> {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else broke or released it first
  }
  if ((await holderPid(aside)) !== stalePid) {
    // A live holder took the lock between our read and the rename: give it back.
    await link(aside, lockPath).catch(() => {});
  }
  await unlink(aside).catch(() => {});
}

/**
 * A process waiting for the lock leaves a marker (`.newsgraph.lock.wait.<pid>`); a process about to
 * take the lock while another is waiting first gives it this long. Without it, a writer with a stream
 * of changes takes the lock again the moment it lets go, and the other waits until it times out.
 */
const WAITER_HEAD_START_MS = 60;
/** How often a waiter tries again: often enough to use the head start it is given. */
const MAX_RETRY_INTERVAL_MS = 15;
const waitMarkerPrefix = `${LOCK_FILE_NAME}.wait.`;

/** Whether another running process is waiting for the lock; removes the markers of dead ones. */
async function othersWaiting(dataDir: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch {
    return false;
  }
  let waiting = false;
  for (const name of names) {
    if (!name.startsWith(waitMarkerPrefix)) continue;
    const pid = Number(name.slice(waitMarkerPrefix.length));
    if (pid === process.pid || !Number.isSafeInteger(pid)) continue;
    if (isProcessAlive(pid)) waiting = true;
    else await unlink(path.join(dataDir, name)).catch(() => {});
  }
  return waiting;
}

/**
 * Takes the data folder's lock, waiting up to `timeoutMs` for its holder to release it. Throws a
 * LockTimeoutError naming the holder when it does not.
 */
export async function acquireDataLock(dataDir: string, timeoutMs = 10_000): Promise<DataLock> {
  const lockPath = path.join(dataDir, LOCK_FILE_NAME);
  const marker = path.join(dataDir, `${waitMarkerPrefix}${process.pid}`);
  let marked = false;
  const deadline = Date.now() + timeoutMs;
  if (await othersWaiting(dataDir)) await sleep(WAITER_HEAD_START_MS);
  try {
    return await takeLock(dataDir, lockPath, deadline, timeoutMs, async () => {
      if (marked) return;
      marked = true;
      await writeFile(marker, `${process.pid}\n`).catch(() => {});
    });
  } finally {
    if (marked) await unlink(marker).catch(() => {});
  }
}

async function takeLock(dataDir: string, lockPath: string, deadline: number, timeoutMs: number, markWaiting: () => Promise<void>): Promise<DataLock> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o644);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } catch (error) {
        // A full disk: an empty lock file would hold every writer off until it counts as abandoned.
        await unlink(lockPath).catch(() => {});
        throw error;
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          if ((await holderPid(lockPath)) === process.pid) await unlink(lockPath).catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await holderPid(lockPath);
    if (holder !== undefined && !isProcessAlive(holder)) {
      await breakStaleLock(lockPath, holder);
      continue;
    }
    // A lock file naming nobody was left by a process killed between creating it and writing its pid.
    if (holder === undefined && (await lockAgeMs(lockPath)) > UNNAMED_LOCK_STALE_MS) {
      await breakStaleLock(lockPath, undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LockTimeoutError(`the data folder ${dataDir} is locked by ${holder === undefined ? 'another process' : `process ${holder}`} (${LOCK_FILE_NAME}); gave up after ${timeoutMs} ms`);
    }
    if (holder !== process.pid) await markWaiting();
    // Short waits with jitter: a holder keeps the lock for one write, milliseconds.
    await sleep(Math.min(MAX_RETRY_INTERVAL_MS, 2 + attempt) + Math.random() * 3);
  }
}
