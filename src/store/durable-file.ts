/**
 * Replacing a file so that, whatever happens (a crash, a kill, a full disk), it holds either its old
 * bytes or all of its new ones: write a temporary file in the same folder, check every byte was
 * written, fsync it, rename it over the target, fsync the folder. A rename within one folder is atomic
 * on POSIX file systems, and the folder's fsync makes the rename itself durable.
 *
 * Libraries that promise this were not trusted: `write-file-atomic` 7.0.1 was seen renaming a
 * truncated file over a good one, without an error, on a full disk.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * The file operations a durable write needs. The default is node:fs; tests pass their own to
 * simulate a full disk or a short write.
 */
export interface DurableFileSystem {
  /** Creates a new file for writing; fails if it exists. */
  create(filePath: string): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(filePath: string): Promise<void>;
  /** Makes a folder's entries (a rename into it) durable. */
  syncFolder(folder: string): Promise<void>;
}

export interface WritableFile {
  /** Writes from `buffer[offset, offset + length)` at `position`; returns how many bytes were written, which may be fewer. */
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** The file's size on disk. */
  size(): Promise<number>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

class NodeWritableFile implements WritableFile {
  constructor(private readonly handle: FileHandle) {}
  async write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return (await this.handle.write(buffer, offset, length, position)).bytesWritten;
  }
  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }
  sync(): Promise<void> {
    return this.handle.sync();
  }
  close(): Promise<void> {
    return this.handle.close();
  }
}

export const nodeFileSystem: DurableFileSystem = {
  async create(filePath) {
    return new NodeWritableFile(await open(filePath, 'wx', 0o644));
  },
  rename,
  unlink,
  async syncFolder(folder) {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** Why a durable write failed; `code` is the system error code when there is one ("ENOSPC"). */
export class DurableWriteError extends Error {
  override name = 'DurableWriteError';
  constructor(
    message: string,
    readonly filePath: string,
    readonly code: string | undefined,
    options?: { cause?: unknown; replaced?: boolean },
  ) {
    super(message, options);
    this.replaced = options?.replaced ?? false;
  }
  /**
   * True when the new bytes did replace the target and only flushing the folder failed: the file now
   * holds the new content (every reader sees it) but it might not survive a power loss.
   */
  readonly replaced: boolean;
}

const temporaryPrefix = '.newsgraph-';
const temporarySuffix = '.tmp';

/** The temporary file for `target`: in its folder, named after the writing process, so an orphan can be told from a live writer's file. */
function temporaryPathFor(target: string): string {
  return path.join(path.dirname(target), `${temporaryPrefix}${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}${temporarySuffix}`);
}

/** The pid in a temporary file's name, or undefined for a name that is not one of ours. */
export function writerPidOfTemporaryFile(name: string): number | undefined {
  if (!name.startsWith(temporaryPrefix) || !name.endsWith(temporarySuffix)) return undefined;
  const match = /\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Replaces `target` with `bytes` durably (see the module comment). On any failure the target is
 * untouched, the temporary file is removed, and a DurableWriteError says what failed.
 */
export async function writeFileDurably(target: string, bytes: Uint8Array, fileSystem: DurableFileSystem = nodeFileSystem): Promise<void> {
  const temporary = temporaryPathFor(target);
  let renamed = false;
  const fail = (step: string, error: unknown): never => {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    throw new DurableWriteError(`could not ${step} ${path.basename(target)}: ${(error as Error)?.message ?? String(error)}`, target, code, { cause: error, replaced: renamed });
  };
  let file: WritableFile;
  try {
    file = await fileSystem.create(temporary);
  } catch (error) {
    return fail('create a temporary file for', error);
  }
  try {
    let written = 0;
    while (written < bytes.length) {
      let count: number;
      try {
        count = await file.write(bytes, written, bytes.length - written, written);
      } catch (error) {
        return fail('write', error);
      }
      // A write that makes no progress will not make any on a retry either: the disk is full.
      if (count <= 0) fail('write', Object.assign(new Error(`no bytes written after ${written} of ${bytes.length} (disk full?)`), { code: 'ENOSPC' }));
      written += count;
    }
    try {
      await file.sync();
    } catch (error) {
      return fail('flush', error);
    }
    const size = await file.size().catch((error: unknown) => fail('check the size of', error));
    if (size !== bytes.length) {
      fail('write', Object.assign(new Error(`the temporary file has ${size} bytes, expected ${bytes.length}`), { code: 'EIO' }));
    }
    try {
      await file.close();
    } catch (error) {
      return fail('close', error);
    }
    try {
      await fileSystem.rename(temporary, target);
      renamed = true;
    } catch (error) {
      return fail('replace', error);
    }
    try {
      await fileSystem.syncFolder(path.dirname(target));
    } catch (error) {
      return fail('flush the folder of', error);
    }
  } finally {
    if (!renamed) {
      await file.close().catch(() => {});
      await fileSystem.unlink(temporary).catch(() => {});
    }
  }
}

/**
 * Removes temporary files left in `folder` by writers that died mid-write (their pid is no longer
 * running). Returns the names removed. A live writer's temporary file is left alone.
 */
export async function removeOrphanedTemporaryFiles(folder: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(folder)) {
    const pid = writerPidOfTemporaryFile(name);
    if (pid === undefined || (pid !== process.pid && isProcessAlive(pid))) continue;
    await unlink(path.join(folder, name)).catch(() => {});
    removed.push(name);
  }
  return removed;
}
