/**
 * A write that cannot finish changes nothing (issue #7): on a real full disk (a tiny tmpfs), with a
 * file system that writes short or lies about it, and when a flush or the rename fails. The data file
 * keeps its bytes, no temporary file or lock is left, the server goes on serving the old data, and the
 * same change goes through once there is room.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, open, readFile, readdir, rm, statfs, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { DurableWriteError, nodeFileSystem, removeOrphanedTemporaryFiles, writeFileDurably, type DurableFileSystem, type WritableFile } from '../src/store/durable-file.js';
import { KnowledgeStore } from '../src/store/knowledge-store.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { copyDataInto, copyOfData, curatorTokens, mutate, silentLogger } from './helpers.js';
import { errorCodes, lockFilesIn, temporaryFilesIn } from './fixtures/durability/support.js';

const createSource = 'mutation ($input: CreateSourceInput!) { createSource(input: $input) { source { id text } datasetVersion } }';
const createPerson = 'mutation ($input: CreatePersonInput!) { createPerson(input: $input) { person { id description } datasetVersion } }';
const sourceAndVersion = 'query ($slug: String!) { source(slug: $slug) { id } dataset { version } }';
const personAndVersion = 'query ($slug: String!) { person(slug: $slug) { id description } dataset { version } }';

/** An article long enough not to fit: about `bytes` of real sentences. */
function longArticle(bytes: number): string {
  const sentence = 'The ministers met in Brussels on Tuesday and agreed to meet again before the summer. ';
  return sentence.repeat(Math.ceil(bytes / sentence.length)).trim();
}

/** What a refused change must leave as it was: the file's bytes, the served version, the folder's contents. */
async function expectNothingChanged(
  yoga: NewsgraphYoga,
  store: KnowledgeStore,
  file: string,
  before: { bytes: Buffer; version: string },
  lookup: { document: string; slug: string },
): Promise<void> {
  expect((await readFile(file)).equals(before.bytes), `${path.basename(file)} keeps its bytes`).toBe(true);
  expect(await temporaryFilesIn(path.dirname(file))).toEqual([]);
  // The refusal is answered while the store still holds the folder's lock, which it releases right after:
  // on a busy machine the lock file can outlive the answer by a moment, never for long.
  await expect.poll(() => lockFilesIn(path.dirname(file)), { timeout: 2_000, interval: 20 }).toEqual([]);
  expect(store.current.info.version).toBe(before.version);
  const served = await mutate(yoga, lookup.document, { slug: lookup.slug });
  expect(served.data?.dataset.version).toBe(before.version);
  expect(Object.values(served.data ?? {})[0]).toBeNull();
  expect(errorCodes(served)).toEqual(['NOT_FOUND']);
}

describe('a full disk (a real 256 KiB tmpfs)', () => {
  let mountPoint: string;
  let mountError: string | undefined;

  beforeAll(async () => {
    mountPoint = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-full-disk-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (error) {
      mountError = String((error as { stderr?: Buffer }).stderr ?? error).trim() || String(error);
    }
  });

  afterAll(async () => {
    if (mountError === undefined) execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    await rm(mountPoint, { recursive: true, force: true });
  });

  /** Writes a filler file until the disk is full, then frees `leaveFree` bytes of it. Returns its path. */
  async function fillDisk(leaveFree: number): Promise<string> {
    const filler = path.join(mountPoint, 'filler');
    const handle = await open(filler, 'w');
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let size = 0;
    try {
      for (;;) size += (await handle.write(chunk, 0, chunk.length)).bytesWritten;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      await handle.close();
    }
    if (leaveFree > 0) await truncate(filler, Math.max(0, size - leaveFree));
    const { bavail, bsize } = await statfs(mountPoint);
    expect(bavail * bsize, 'free space after filling').toBeLessThanOrEqual(leaveFree);
    return filler;
  }

  /** Opens a store on a copy of the data on the tmpfs, emptied first so each test has its 256 KiB. */
  async function openOnTmpfs(name: string) {
    for (const entry of await readdir(mountPoint)) await rm(path.join(mountPoint, entry), { recursive: true, force: true });
    const dir = path.join(mountPoint, name);
    await copyDataInto(dir);
    const store = await KnowledgeStore.open(dir, { logger: silentLogger, lockTimeoutMs: 5_000 });
    return { dir, store, yoga: createNewsgraph({ store, curatorTokens, logger: silentLogger }).yoga };
  }

  it('refuses a change that does not fit with STORAGE_FAILED, changes nothing, and takes it once there is room', async (context) => {
    if (mountError !== undefined) context.skip(`cannot mount a tmpfs here (${mountError}); the injected short writes below cover the same path`);
    const { dir, store, yoga } = await openOnTmpfs('nearly-full');
    const file = path.join(dir, 'sources.json');
    const before = { bytes: await readFile(file), version: store.current.info.version };
    const input = { slug: 'too-big-to-fit', title: 'A long article', text: longArticle(40_000), language: 'en' };

    // Room for the lock and the start of the temporary file, not for the whole new sources.json.
    const filler = await fillDisk(12 * 1024);
    const refused = await mutate(yoga, createSource, { input });
    expect(refused.status).toBe(200);
    expect(refused.data?.createSource ?? null).toBeNull();
    expect(errorCodes(refused)).toEqual(['STORAGE_FAILED']);
    expect(refused.errors?.[0]?.extensions?.reason).toBe('ENOSPC');
    await expectNothingChanged(yoga, store, file, before, { document: sourceAndVersion, slug: input.slug });

    await unlink(filler);
    const accepted = await mutate(yoga, createSource, { input });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.createSource.source).toEqual({ id: expect.any(String), text: input.text });
    const onDisk = JSON.parse(await readFile(file, 'utf8')) as { id: string; text: string }[];
    expect(onDisk.find((source) => source.id === input.slug)?.text).toBe(input.text);
    expect((await loadKnowledgeBase(dir)).info.version).toBe(accepted.data.createSource.datasetVersion);
    expect(accepted.data.createSource.datasetVersion).not.toBe(before.version);
    expect(await temporaryFilesIn(dir)).toEqual([]);
  });

  it('refuses any change on a disk with no room at all, and recovers once there is', async (context) => {
    if (mountError !== undefined) context.skip(`cannot mount a tmpfs here (${mountError})`);
    const { dir, store, yoga } = await openOnTmpfs('full');
    const file = path.join(dir, 'persons.json');
    const before = { bytes: await readFile(file), version: store.current.info.version };
    const input = { slug: 'no-room-at-all', name: 'No Room', description: 'Added once the disk has room again.' };

    const filler = await fillDisk(0);
    const refused = await mutate(yoga, createPerson, { input });
    expect(errorCodes(refused)).toEqual(['STORAGE_FAILED']);
    await expectNothingChanged(yoga, store, file, before, { document: personAndVersion, slug: input.slug });

    await unlink(filler);
    const accepted = await mutate(yoga, createPerson, { input });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.createPerson.person.description).toBe(input.description);
    expect((await loadKnowledgeBase(dir)).storedRecord(input.slug)).toMatchObject({ description: input.description, revision: 1 });
  });
});

type Fault = 'none' | 'short-then-enospc' | 'zero' | 'short-claiming-full';

/**
 * node:fs with a switchable fault in the temporary file's writes: half the bytes then ENOSPC, no
 * bytes at all, or half the bytes while claiming all of them (a disk that lies).
 */
function faultyFileSystem(): { fileSystem: DurableFileSystem; fault: Fault } {
  const control = { fault: 'none' as Fault, fileSystem: undefined as unknown as DurableFileSystem };
  control.fileSystem = {
    ...nodeFileSystem,
    async create(filePath) {
      const real = await nodeFileSystem.create(filePath);
      const fault = control.fault;
      if (fault === 'none') return real;
      let writes = 0;
      const file: WritableFile = {
        async write(buffer, offset, length, position) {
          writes++;
          if (fault === 'zero') return 0;
          if (fault === 'short-then-enospc' && writes > 1) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
          const written = await real.write(buffer, offset, Math.floor(length / 2), position);
          return fault === 'short-claiming-full' ? length : written;
        },
        size: () => real.size(),
        sync: () => real.sync(),
        close: () => real.close(),
      };
      return file;
    },
  };
  return control;
}

describe('a short write, injected', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { fault: 'short-then-enospc', reason: 'ENOSPC' },
    { fault: 'zero', reason: 'ENOSPC' },
    { fault: 'short-claiming-full', reason: 'EIO' },
  ] as const)('$fault: STORAGE_FAILED ($reason), nothing changed, and the same change succeeds on a healthy disk', async ({ fault, reason }) => {
    const dir = await copyOfData('short-write');
    dirs.push(dir);
    const control = faultyFileSystem();
    const store = await KnowledgeStore.open(dir, { logger: silentLogger, fileSystem: control.fileSystem });
    const yoga = createNewsgraph({ store, curatorTokens, logger: silentLogger }).yoga;
    const file = path.join(dir, 'persons.json');
    const before = { bytes: await readFile(file), version: store.current.info.version };
    const input = { slug: 'written-short', name: 'Written Short', description: longArticle(20_000) };

    control.fault = fault;
    const refused = await mutate(yoga, createPerson, { input });
    expect(refused.status).toBe(200);
    expect(errorCodes(refused)).toEqual(['STORAGE_FAILED']);
    expect(refused.errors?.[0]?.extensions?.reason).toBe(reason);
    await expectNothingChanged(yoga, store, file, before, { document: personAndVersion, slug: input.slug });

    control.fault = 'none';
    const accepted = await mutate(yoga, createPerson, { input });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data.createPerson.person).toEqual({ id: expect.any(String), description: input.description });
    const reloaded = await loadKnowledgeBase(dir);
    expect(reloaded.storedRecord(input.slug)).toMatchObject({ description: input.description });
    expect(reloaded.info.version).toBe(store.current.info.version);
  });
});

describe('a folder flush that fails after the rename', () => {
  it('serves the change (the file holds it) but does not acknowledge it: STORAGE_FAILED with written: true', async () => {
    const dir = await copyOfData('folder-sync');
    const fileSystem: DurableFileSystem = { ...nodeFileSystem, syncFolder: () => Promise.reject(Object.assign(new Error('EIO: injected'), { code: 'EIO' })) };
    const store = await KnowledgeStore.open(dir, { logger: silentLogger, fileSystem });
    const yoga = createNewsgraph({ store, curatorTokens, logger: silentLogger }).yoga;
    const input = { slug: 'flush-unconfirmed', name: 'Flush Unconfirmed', description: 'Written, not confirmed.' };
    const result = await mutate(yoga, createPerson, { input });
    expect(errorCodes(result)).toEqual(['STORAGE_FAILED']);
    expect(result.errors?.[0]?.extensions).toMatchObject({ reason: 'EIO', written: true });
    expect(result.errors?.[0]?.message).toMatch(/^The change was written and is served, but the disk did not confirm it/);
    // Memory matches the disk: the record is in the file and served, under the file's version.
    const fromDisk = await loadKnowledgeBase(dir);
    expect(fromDisk.storedRecord(input.slug)).toMatchObject({ description: input.description });
    expect(store.current.info.version).toBe(fromDisk.info.version);
    expect(store.current.storedRecord(input.slug)).toMatchObject({ description: input.description });
    await rm(dir, { recursive: true, force: true });
  });
});

describe('writeFileDurably', () => {
  let dir: string;
  const target = () => path.join(dir, 'records.json');
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-durable-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const failure = (code: string) => Object.assign(new Error(`${code}: injected`), { code });

  it.each([
    {
      step: 'the file fsync',
      code: 'EIO',
      fileSystem: (): DurableFileSystem => ({
        ...nodeFileSystem,
        async create(filePath) {
          const real = await nodeFileSystem.create(filePath);
          return { write: real.write.bind(real), size: real.size.bind(real), close: real.close.bind(real), sync: () => Promise.reject(failure('EIO')) };
        },
      }),
    },
    { step: 'the rename', code: 'EXDEV', fileSystem: (): DurableFileSystem => ({ ...nodeFileSystem, rename: () => Promise.reject(failure('EXDEV')) }) },
    { step: 'creating the temporary file', code: 'EACCES', fileSystem: (): DurableFileSystem => ({ ...nodeFileSystem, create: () => Promise.reject(failure('EACCES')) }) },
  ])('leaves the target untouched and no temporary file when $step fails', async ({ code, fileSystem }) => {
    await writeFile(target(), '["old"]\n');
    const attempt = writeFileDurably(target(), Buffer.from('["new", "and longer"]\n'), fileSystem());
    await expect(attempt).rejects.toBeInstanceOf(DurableWriteError);
    await expect(attempt).rejects.toMatchObject({ code, filePath: target() });
    expect(await readFile(target(), 'utf8')).toBe('["old"]\n');
    expect(await temporaryFilesIn(dir)).toEqual([]);
  });

  it('replaces the target with all the new bytes when nothing fails', async () => {
    await writeFile(target(), '["old"]\n');
    await writeFileDurably(target(), Buffer.from('["new"]\n'));
    expect(await readFile(target(), 'utf8')).toBe('["new"]\n');
    expect(await temporaryFilesIn(dir)).toEqual([]);
  });
});

describe('removeOrphanedTemporaryFiles', () => {
  it("removes a dead writer's temporary file and keeps a live writer's and files that are not ours", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-orphans-'));
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid!;
    await new Promise((resolve) => dead.on('close', resolve));
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const orphan = `.newsgraph-persons.json.${deadPid}.0123456789ab.tmp`;
      const inProgress = `.newsgraph-persons.json.${live.pid}.abcdef012345.tmp`;
      const foreign = ['notes.tmp', '.newsgraph-persons.json.tmp', 'persons.json'];
      for (const name of [orphan, inProgress, ...foreign]) await writeFile(path.join(dir, name), 'partial');

      expect(await removeOrphanedTemporaryFiles(dir)).toEqual([orphan]);
      expect((await readdir(dir)).sort()).toEqual([inProgress, ...foreign].sort());
    } finally {
      live.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
