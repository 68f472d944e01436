/**
 * Concurrent writers lose nothing (issue #7). 200 updates race for one person: each is applied or
 * refused with REVISION_CONFLICT, the revision counts exactly the applied ones, and the file, the
 * served data and a fresh load agree. A second process writing through its own store while the server
 * takes a stream of mutations loses none of its changes, and makes the server lose none of its own.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PersonRecord } from '../src/kb/records.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { KnowledgeStore } from '../src/store/knowledge-store.js';
import { createNewsgraph } from '../src/server.js';
import { mulberry32 } from './fuzz/generate.js';
import { copyOfData, curatorTokens, mutate, silentLogger, spawnScript } from './helpers.js';
import { errorCodes, sleep, testSeed } from './fixtures/durability/support.js';

const readPerson = 'query ($slug: String!) { person(slug: $slug) { revision name description aliases } }';
const updatePerson = 'mutation ($input: UpdatePersonInput!) { updatePerson(input: $input) { person { revision description } } }';
const createPerson = 'mutation ($input: CreatePersonInput!) { createPerson(input: $input) { person { revision description } } }';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function openServer(label: string) {
  const dir = await copyOfData(label);
  dirs.push(dir);
  const store = await KnowledgeStore.open(dir, { logger: silentLogger });
  return { dir, store, yoga: createNewsgraph({ store, curatorTokens, logger: silentLogger }).yoga };
}

async function personOnDisk(dir: string, id: string): Promise<PersonRecord | undefined> {
  return (JSON.parse(await readFile(path.join(dir, 'persons.json'), 'utf8')) as PersonRecord[]).find((person) => person.id === id);
}

describe('200 concurrent updates of one person', () => {
  it('applies each or refuses it with REVISION_CONFLICT, counts the applied ones, and serves what is on disk', async () => {
    const random = mulberry32(testSeed('200 concurrent updates'));
    const { dir, store, yoga } = await openServer('concurrent-updates');
    const id = 'contested-person';
    const created = await mutate(yoga, createPerson, { input: { slug: id, name: 'Contested Person', description: 'Before the race.' } });
    expect(created.errors).toBeUndefined();

    interface Outcome {
      worker: number;
      expectedRevision: number;
      description: string;
      applied?: number;
      conflict?: { expectedRevision: unknown; currentRevision: unknown };
      other?: string;
    }
    const outcomes: Outcome[] = [];
    // Even workers read again and retry after a conflict (up to 5 times), odd ones give up at once.
    const worker = async (index: number) => {
      const retries = index % 2 === 0 ? 5 : 0;
      for (let attempt = 0; attempt <= retries; attempt++) {
        const read = await mutate(yoga, readPerson, { slug: id });
        const expectedRevision = read.data.person.revision as number;
        const description = `Written by worker ${index}, attempt ${attempt}.`;
        const response = await mutate(yoga, updatePerson, { input: { person: id, expectedRevision, description } });
        const outcome: Outcome = { worker: index, expectedRevision, description };
        outcomes.push(outcome);
        const codes = errorCodes(response);
        if (response.status === 200 && codes.length === 0 && response.data?.updatePerson?.person?.description === description) {
          outcome.applied = response.data.updatePerson.person.revision;
          return;
        }
        if (response.status === 200 && codes.length === 1 && codes[0] === 'REVISION_CONFLICT' && (response.data ?? null) === null) {
          const { expectedRevision: named, currentRevision } = response.errors![0]!.extensions!;
          outcome.conflict = { expectedRevision: named, currentRevision };
          await sleep(random() * 20);
          continue;
        }
        outcome.other = `HTTP ${response.status}: ${JSON.stringify(response)}`;
        return;
      }
    };
    await Promise.all(Array.from({ length: 200 }, (_, index) => worker(index)));

    expect(outcomes.filter((outcome) => outcome.other !== undefined)).toEqual([]);
    const applied = outcomes.filter((outcome) => outcome.applied !== undefined).sort((a, b) => a.applied! - b.applied!);
    const conflicts = outcomes.filter((outcome) => outcome.conflict !== undefined);
    // Not vacuous: the race was real, and the retries won some of it.
    expect(applied.length).toBeGreaterThan(1);
    expect(conflicts.length).toBeGreaterThan(0);
    // Every applied update got its own revision, one past the one it named: none was lost or applied twice.
    expect(applied.map((outcome) => outcome.applied)).toEqual(applied.map((_, index) => index + 2));
    for (const outcome of applied) expect(outcome.applied).toBe(outcome.expectedRevision + 1);
    for (const { expectedRevision, conflict } of conflicts) {
      expect(conflict!.expectedRevision).toBe(expectedRevision);
      expect(conflict!.currentRevision).not.toBe(expectedRevision);
    }

    const last = applied.at(-1)!;
    const served = (await mutate(yoga, readPerson, { slug: id })).data.person;
    expect(served).toMatchObject({ revision: 1 + applied.length, description: last.description });
    const onDisk = await personOnDisk(dir, id);
    expect({ revision: onDisk?.revision, name: onDisk?.name, description: onDisk?.description, aliases: onDisk?.aliases }).toEqual(served);
    expect(onDisk).toEqual(store.current.storedRecord(id));
    const reloaded = await loadKnowledgeBase(dir);
    expect(reloaded.storedRecord(id)).toEqual(onDisk);
    expect(reloaded.info.version).toBe(store.current.info.version);
    console.log(`200 concurrent updates: ${applied.length} applied, ${conflicts.length} conflicts, ${outcomes.length} attempts`);
  }, 120_000);
});

interface Acknowledged {
  revision: number;
  description: string;
  at: number;
}

describe('a second writing process', () => {
  it('loses nothing, and makes the server lose nothing, while the server takes a stream of mutations', async () => {
    const seed = testSeed('second writer');
    const random = mulberry32(seed);
    const { dir, store, yoga } = await openServer('second-writer');
    const writerCount = 20;

    // The server's own stream, from three clients pausing between changes as people would (a lock held back to
    // back by one process keeps the other waiting), runs from before the second writer starts until it is done.
    const serverAcks = new Map<string, Acknowledged>();
    const refusals: string[] = [];
    let writerDone = false;
    const client = async (index: number) => {
      for (let n = 0; !writerDone; n++) {
        const id = `served-c${index}-p${n}`;
        const description = `${id}, as created`;
        const created = await mutate(yoga, createPerson, { input: { slug: id, name: `Served ${index} ${n}`, description } });
        if (created.errors) {
          refusals.push(JSON.stringify(created.errors));
          return;
        }
        serverAcks.set(id, { revision: created.data.createPerson.person.revision, description, at: Date.now() });
        await sleep(10 + random() * 40);
        const changed = `${id}, changed`;
        const updated = await mutate(yoga, updatePerson, { input: { person: id, expectedRevision: 1, description: changed } });
        if (updated.errors) {
          refusals.push(JSON.stringify(updated.errors));
          return;
        }
        serverAcks.set(id, { revision: updated.data.updatePerson.person.revision, description: changed, at: Date.now() });
        await sleep(10 + random() * 40);
      }
    };
    const clients = Array.from({ length: 3 }, (_, index) => client(index));

    const writer = spawnScript(['test/fixtures/durability/second-writer.ts', dir, 'second-writer', String(writerCount), '40', String(seed)], process.env);
    writer.stdout.setEncoding('utf8');
    writer.stderr.setEncoding('utf8');
    const writerAcks = new Map<string, Acknowledged>();
    let writerOutput = '';
    let pending = '';
    writer.stdout.on('data', (chunk: string) => {
      writerOutput += chunk;
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const message = JSON.parse(line) as { acknowledged?: string } & Acknowledged;
        if (message.acknowledged) writerAcks.set(message.acknowledged, { revision: message.revision, description: message.description, at: message.at });
      }
    });
    writer.stderr.on('data', (chunk: string) => (writerOutput += chunk));
    const code = await new Promise<number | null>((resolve) => writer.on('close', (exitCode) => resolve(exitCode)));
    writerDone = true;
    await Promise.all(clients);

    expect(code, writerOutput).toBe(0);
    expect(writerAcks.size).toBe(writerCount);
    expect(refusals).toEqual([]);
    // The two wrote the same file in turns: the server's changes before the writer's first and after its
    // last make each process catch up with the other's writes, or lose them.
    const writerTimes = [...writerAcks.values()].map(({ at }) => at);
    const serverTimes = [...serverAcks.values()].map(({ at }) => at);
    const timeline = `writer acknowledged from ${Math.min(...writerTimes)} to ${Math.max(...writerTimes)}; the server from ${Math.min(...serverTimes)} to ${Math.max(...serverTimes)}`;
    expect(serverTimes.some((at) => at < Math.min(...writerTimes)), timeline).toBe(true);
    expect(serverTimes.some((at) => at > Math.max(...writerTimes)), timeline).toBe(true);
    const overlapping = serverTimes.filter((at) => at > Math.min(...writerTimes) && at < Math.max(...writerTimes));

    await store.reload();
    const onDisk = await loadKnowledgeBase(dir);
    expect(store.current.info.version).toBe(onDisk.info.version);
    const missing: string[] = [];
    for (const [id, acknowledged] of [...writerAcks, ...serverAcks]) {
      const stored = onDisk.storedRecord(id) as PersonRecord | undefined;
      const served = (await mutate(yoga, readPerson, { slug: id })).data?.person;
      const expected = { revision: acknowledged.revision, description: acknowledged.description };
      if (!stored || stored.revision !== expected.revision || stored.description !== expected.description) missing.push(`${id} on disk: ${JSON.stringify(stored)}`);
      if (!served || served.revision !== expected.revision || served.description !== expected.description) missing.push(`${id} served: ${JSON.stringify(served)}`);
    }
    expect(missing).toEqual([]);
    console.log(`second writer: ${writerAcks.size} persons from the second process, ${serverAcks.size} from the server (${overlapping.length} acknowledged while both wrote)`);
  }, 120_000);
});
