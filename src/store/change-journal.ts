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
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { DurableWriteError, nodeFileSystem, writeFileDurably, type DurableFileSystem } from './durable-file.js';
import { pendingChangeFile as journalName } from '../kb/load.js';
import { dataFiles } from '../kb/records.js';

const dataFileNames = new Set<string>(Object.values(dataFiles).map(({ file }) => file));
const isDataFileName = (name: string) => dataFileNames.has(name);

const stagedPrefix = '.newsgraph-staged-';

interface Journal {
  /** Each staged file, the data file it replaces, and the SHA-256 of its bytes. */
  files: { staged: string; target: string; sha256: string }[];
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function renameAll(dataDir: string, journal: Journal, fileSystem: DurableFileSystem, done: (target: string) => void): Promise<void> {
  for (const { staged, target, sha256 } of journal.files) {
    if (!isDataFileName(target) || !staged.startsWith(stagedPrefix) || staged.includes('/')) throw new Error(`the change journal names "${staged}" → "${target}", which is not a staged data file`);
    try {
      await fileSystem.rename(path.join(dataDir, staged), path.join(dataDir, target));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Gone: renamed already by a run that stopped before removing the journal, which the target's bytes must show.
      const current = await readFile(path.join(dataDir, target)).catch(() => undefined);
      if (!current || sha256Of(current) !== sha256) {
        throw new Error(`the staged file for ${target} is missing and ${target} does not hold the change; the change cannot be completed (the journal ${journalName} is kept)`);
      }
      continue;
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
  const journal: Journal = { files: files.map(({ file, bytes }) => ({ staged: `${stagedPrefix}${change}-${file}`, target: file, sha256: sha256Of(bytes) })) };
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
  let text: string | undefined;
  try {
    text = await readFile(path.join(dataDir, journalName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    try {
      journal = JSON.parse(text) as Journal;
    } catch {
      // Written by a temporary file and a rename, a journal is whole or absent: this one was edited by hand.
      throw new Error(`the change journal ${journalName} is not valid JSON; it was not written by newsgraph`);
    }
  }
  const completed: string[] = [];
  if (journal) await renameAll(dataDir, journal, fileSystem, (target) => completed.push(target));
  for (const name of await readdir(dataDir)) {
    if (name.startsWith(stagedPrefix)) await fileSystem.unlink(path.join(dataDir, name)).catch(() => {});
  }
  return completed;
}
