/**
 * One durable change over several data files: all of them are replaced or none is, whatever happens
 * part-way (a crash, a kill, a full disk). A single file's rename is atomic; several renames are not, so
 * the change goes through a journal:
 *
 * 1. each new file is written in full, flushed, beside its target under a staged name;
 * 2. the journal, naming every staged file and its target, is written durably: this is the moment the
 *    change is made (before it, nothing changed; after it, the change will be completed);
 * 3. the staged files are renamed over their targets and the journal removed.
 *
 * Whoever takes the data folder's lock next completes a change a dead writer left after step 2
 * (`completeInterruptedChange`), and removes staged files a dead writer left before it. Readers take the
 * lock too, so nobody reads a folder with half a change in it.
 */
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { DurableWriteError, nodeFileSystem, writeFileDurably, type DurableFileSystem } from './durable-file.js';

const journalName = '.newsgraph-change.json';
const stagedPrefix = '.newsgraph-staged-';

interface Journal {
  files: { staged: string; target: string }[];
}

/** Names of files in the folder that belong to a change in progress (for tests and tidy listings). */
export function isChangeFile(name: string): boolean {
  return name === journalName || name.startsWith(stagedPrefix);
}

async function renameAll(dataDir: string, journal: Journal, fileSystem: DurableFileSystem, done: (target: string) => void): Promise<void> {
  for (const { staged, target } of journal.files) {
    try {
      await fileSystem.rename(path.join(dataDir, staged), path.join(dataDir, target));
    } catch (error) {
      // Renamed already, by a run that stopped before removing the journal.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    done(target);
  }
  await fileSystem.syncFolder(dataDir);
  await fileSystem.unlink(path.join(dataDir, journalName));
  await fileSystem.syncFolder(dataDir);
}

/**
 * Replaces the files named in `files` (names inside `dataDir`) with their new bytes, all or none. Throws
 * a DurableWriteError: with `replaced` false nothing changed; with `replaced` true the change is made
 * but was not completed here, and the next holder of the lock completes it.
 */
export async function writeFilesDurably(dataDir: string, files: { file: string; bytes: Uint8Array }[], fileSystem: DurableFileSystem = nodeFileSystem): Promise<void> {
  const change = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const journal: Journal = { files: files.map(({ file }) => ({ staged: `${stagedPrefix}${change}-${file}`, target: file })) };
  const removeStaged = () => Promise.all(journal.files.map(({ staged }) => fileSystem.unlink(path.join(dataDir, staged)).catch(() => {})));
  try {
    for (const [index, { bytes }] of files.entries()) await writeFileDurably(path.join(dataDir, journal.files[index]!.staged), bytes, fileSystem);
    await writeFileDurably(path.join(dataDir, journalName), Buffer.from(`${JSON.stringify(journal, null, 2)}\n`), fileSystem);
  } catch (error) {
    if (error instanceof DurableWriteError && error.replaced && error.filePath.endsWith(journalName)) {
      // The journal is in place (only the folder flush failed): the change is made; complete it below.
    } else {
      await removeStaged();
      throw error;
    }
  }
  try {
    await renameAll(dataDir, journal, fileSystem, () => {});
  } catch (error) {
    throw new DurableWriteError(`the change is recorded but could not be completed: ${(error as Error).message}`, path.join(dataDir, journalName), (error as NodeJS.ErrnoException).code, {
      cause: error,
      replaced: true,
    });
  }
}

/**
 * Completes a change a writer recorded but did not finish, and removes staged files of a change that
 * was never recorded. Call it holding the data folder's lock, before reading the files. Returns the
 * files the completed change replaced.
 */
export async function completeInterruptedChange(dataDir: string, fileSystem: DurableFileSystem = nodeFileSystem): Promise<string[]> {
  let journal: Journal | undefined;
  try {
    journal = JSON.parse(await readFile(path.join(dataDir, journalName), 'utf8')) as Journal;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const completed: string[] = [];
  if (journal) await renameAll(dataDir, journal, fileSystem, (target) => completed.push(target));
  for (const name of await readdir(dataDir)) {
    if (name.startsWith(stagedPrefix)) await fileSystem.unlink(path.join(dataDir, name)).catch(() => {});
  }
  return completed;
}
