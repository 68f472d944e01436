/**
 * DATABASE_READ_URL on a real streaming replica: a hot standby made with pg_basebackup from the test
 * server (test/postgres.ts `startStandby`), replaying the primary's changes. The server reads from the
 * standby and hears of changes from the primary; when a change is announced before the standby has
 * replayed it, the server keeps serving the dataset it has, whole, until the standby catches up, and
 * then moves to the new one with its response cache and its subscribers. Mutations go to the primary (the
 * standby refuses writes) and answer once the standby has the change, so a curator reads what they wrote.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CURATOR_TOKEN, curatorTokensEnv, dataDir, subscribe } from './helpers.js';
import { startPostgres, withClient, type PostgresServer, type StandbyServer } from './postgres.js';
import { startServer, type RunningServer } from './server-process.js';
import { fillDatabase } from './store-under-test.js';

let primary: PostgresServer;
let standby: StandbyServer;
let server: RunningServer;
let folder: string;
let primaryUrl: string;

const DATABASE = 'served';
const DESCRIBE_KERRY = '{ person(slug: "john-kerry") { description } }';

async function post(document: string, headers: Record<string, string> = {}): Promise<any> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query: document }),
  });
  expect(response.status).toBe(200);
  return response.json();
}

/** The dataset generation `url`'s database holds. */
const generationOn = (url: string) => withClient(url, async (client) => Number((await client.query('SELECT generation FROM dataset')).rows[0].generation));

/** Changes John Kerry's description in the folder and imports it into the primary. */
async function importDescription(description: string): Promise<void> {
  const file = path.join(folder, 'persons.json');
  const persons = JSON.parse(await readFile(file, 'utf8'));
  persons.find((person: { id: string }) => person.id === 'john-kerry').description = description;
  await writeFile(file, JSON.stringify(persons, null, 2));
  await fillDatabase(primaryUrl, folder);
}

beforeAll(async () => {
  primary = await startPostgres();
  primaryUrl = await primary.createDatabase(DATABASE);
  folder = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-pg-standby-'));
  await cp(dataDir, folder, { recursive: true });
  await fillDatabase(primaryUrl, folder);
  standby = await primary.startStandby();
  const generation = await generationOn(primaryUrl);
  await vi.waitFor(async () => expect(await generationOn(standby.url(DATABASE))).toBe(generation), { timeout: 30_000, interval: 50 });
  server = await startServer({ DATABASE_URL: primaryUrl, DATABASE_READ_URL: standby.url(DATABASE), NEWSGRAPH_CURATOR_TOKENS: curatorTokensEnv, LOG_LEVEL: 'info' });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await standby?.stop();
  await primary?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('DATABASE_READ_URL on a streaming replica', () => {
  it('is a standby that refuses writes, and the server reads through it', async () => {
    await withClient(standby.url(DATABASE), async (client) => {
      expect((await client.query('SELECT pg_is_in_recovery() AS standby')).rows[0].standby).toBe(true);
      await expect(client.query("UPDATE dataset SET version = 'x'")).rejects.toThrow(/read-only transaction/);
    });
    const body = await post(DESCRIBE_KERRY);
    expect(body.errors).toBeUndefined();
    expect(body.data.person.description).toEqual(expect.any(String));
    const serverConnections = await withClient(standby.url(DATABASE), async (client) =>
      Number((await client.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()", [DATABASE])).rows[0].n),
    );
    expect(serverConnections).toBeGreaterThan(0);
  });

  it('keeps serving the dataset it has while the standby has not replayed an announced import, then moves to the new one and announces it', async () => {
    const datasets = await subscribe(server, 'subscription { datasetChanged { changes { slug change } dataset { version } } }');
    const before = await post(DESCRIBE_KERRY);
    const oldVersion = before.extensions.dataset.version;
    // The same request again comes from the response cache, which must follow the move too.
    expect(await post(DESCRIBE_KERRY)).toEqual(before);

    await withClient(standby.url(DATABASE), async (client) => {
      await client.query('SELECT pg_wal_replay_pause()');
      await vi.waitFor(async () => expect((await client.query('SELECT pg_get_wal_replay_pause_state() AS state')).rows[0].state).toBe('paused'), {
        timeout: 10_000,
        interval: 25,
      });
    });
    try {
      await importDescription('Test fixture: a description the standby has not replayed yet.');
      // The primary has it (and announced it); the standby, paused, does not.
      expect(await generationOn(standby.url(DATABASE))).toBeLessThan(await generationOn(primaryUrl));
      const waitUntil = Date.now() + 1_500;
      while (Date.now() < waitUntil) {
        const body = await post(`{ person(slug: "john-kerry") { description } persons(first: 2) { edges { node { slug } } } }`);
        expect(body.errors).toBeUndefined();
        expect(body.data.person.description).toBe(before.data.person.description);
        expect(body.extensions.dataset.version).toBe(oldVersion);
        expect(await post(DESCRIBE_KERRY)).toEqual(before);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(datasets.events).toEqual([]);
    } finally {
      await withClient(standby.url(DATABASE), (client) => client.query('SELECT pg_wal_replay_resume()'));
    }
    const resumedAt = Date.now();
    await vi.waitFor(
      async () => {
        const body = await post(DESCRIBE_KERRY);
        expect(body.data.person.description).toBe('Test fixture: a description the standby has not replayed yet.');
        expect(body.extensions.dataset.version).not.toBe(oldVersion);
      },
      { timeout: 3_000, interval: 25 },
    );
    expect(Date.now() - resumedAt).toBeLessThan(3_000);
    try {
      const [announced] = await datasets.next();
      const { extensions } = await post(DESCRIBE_KERRY);
      expect(announced.data.datasetChanged).toEqual({ changes: [{ slug: 'john-kerry', change: 'UPDATED' }], dataset: { version: extensions.dataset.version } });
    } finally {
      datasets.close();
    }
  });

  it('writes a mutation to the primary and answers it with the change, read back through the standby', async () => {
    const { revision } = (await post('{ person(slug: "paolo-gentiloni") { revision } }')).data.person;
    const body = await post(
      `mutation { updatePerson(input: { person: "paolo-gentiloni", expectedRevision: ${revision}, description: "Test fixture: written through a server that reads a standby." }) { person { description revision } datasetVersion } }`,
      { authorization: `Bearer ${CURATOR_TOKEN}` },
    );
    expect(body.errors).toBeUndefined();
    // The payload is read through the standby: it already has the change when the mutation answers.
    expect(body.data.updatePerson.person).toEqual({ description: 'Test fixture: written through a server that reads a standby.', revision: revision + 1 });
    await withClient(primaryUrl, async (client) => {
      expect((await client.query("SELECT record->>'description' AS description FROM persons WHERE id = 'paolo-gentiloni'")).rows[0].description).toBe('Test fixture: written through a server that reads a standby.');
    });
    const read = await post('{ person(slug: "paolo-gentiloni") { description } dataset { version } }');
    expect(read.data).toEqual({ person: { description: 'Test fixture: written through a server that reads a standby.' }, dataset: { version: body.data.updatePerson.datasetVersion } });
  });
});
