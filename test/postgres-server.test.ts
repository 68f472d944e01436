/**
 * `DATABASE_URL=… npm start` end to end: two server processes (replicas) on one real PostgreSQL
 * database filled by `db:migrate` and `db:import`, checked the way an operator and a client see them:
 * the same answers as the JSON store, /ready, /metrics, a re-import reaching both replicas and their
 * response caches at once, and the database restarting under them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestServer, CURATOR_TOKEN, curatorTokensEnv, dataDir, projectRoot, query, spawnScript, subscribe } from './helpers.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { articleText, secondReport, sourceId } from './article-files.js';
import { startServer, type RunningServer } from './server-process.js';

let postgres: PostgresServer;
let databaseUrl: string;
let folder: string;
const replicas: RunningServer[] = [];

/** Runs `npm run db:<command>` as the README does (scripts/db.ts), on DATABASE_URL. */
async function db(command: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnScript(['scripts/db.ts', command, ...args], { ...process.env, DATABASE_URL: databaseUrl });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

async function post(server: RunningServer, document: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query: document, variables }),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** Polls `check` until it passes or `ms` is over; returns how long it took. */
async function within(ms: number, check: () => Promise<void>): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > ms) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

const nestedQuery = `{
  persons(first: 4) { totalCount edges { cursor node { slug name roles { title organization { name } } statements(first: 2) { totalCount edges { node { text speaker { ... on Person { name } } } } } } } pageInfo { hasNextPage endCursor } }
  organization(slug: "islamic-state") { name aliases }
  search(query: "stolten", first: 3) { totalCount edges { node { matchedTerms node { __typename ... on Person { slug } } } } }
  timeline(first: 3) { totalCount edges { node { item { __typename } } } }
  neighborhood(id: "nato", depth: 1, limit: 10) { truncated nodes { id } edges { id from kind label } }
}`;

beforeAll(async () => {
  postgres = await startPostgres();
  databaseUrl = await postgres.createDatabase('served');
  folder = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-pg-served-'));
  await cp(dataDir, folder, { recursive: true });
  const migrated = await db('migrate');
  expect(migrated.code, migrated.stderr).toBe(0);
  const imported = await db('import', folder);
  expect(imported.code, imported.stderr).toBe(0);
  for (let index = 0; index < 2; index++) {
    replicas.push(await startServer({ DATABASE_URL: databaseUrl, NEWSGRAPH_CURATOR_TOKENS: curatorTokensEnv, LOG_LEVEL: 'info' }));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await postgres?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('DATABASE_URL=… npm start', () => {
  it('says it reads PostgreSQL, and what it holds', async () => {
    // Logged once counted, after the server listens (counting grows with the data; the start must not).
    await vi.waitFor(() => {
      for (const replica of replicas) expect(replica.output()).toMatch(/reading PostgreSQL: 1 sources, 10 persons, 11 countries, 6 organizations, 16 events, 24 statements/);
    }, { timeout: 5000 });
  });

  it('answers a nested query with the bytes of the JSON store', async () => {
    const expected = await query(await createTestServer(), nestedQuery);
    expect(expected.errors).toBeUndefined();
    for (const replica of replicas) {
      const { status, body } = await post(replica, nestedQuery);
      expect(status).toBe(200);
      expect(JSON.stringify(body.data)).toBe(JSON.stringify(expected.data));
    }
  });

  // `npm start` runs the esbuild bundle, not src/: the replicas above run src/ through tsx. From dist/ a
  // path fixed relative to src/store/postgres/ pointed at /migrations, and the server did not start.
  it('starts from the bundle `npm start` runs, and answers the same', async () => {
    const scripts = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')).scripts as Record<string, string>;
    mkdirSync(path.join(projectRoot, 'dist'), { recursive: true });
    const outdir = mkdtempSync(path.join(projectRoot, 'dist', 'test-'));
    try {
      // The package's own build command, pointed at a folder of its own (a running `npm start` is not disturbed).
      const build = scripts.build!.replace('--outdir=dist', `--outdir=${outdir}`).split(' ');
      expect(build).toContain(`--outdir=${outdir}`);
      execFileSync(path.join(projectRoot, 'node_modules/.bin/esbuild'), build.slice(1), { cwd: projectRoot, stdio: 'pipe' });
      const bundled = await startServer({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' }, { nodeArgs: ['--import', path.join(outdir, 'node-env.mjs'), path.join(outdir, 'index.mjs')] });
      try {
        const { status, body } = await post(bundled, nestedQuery);
        expect(status).toBe(200);
        expect(JSON.stringify(body)).toBe(JSON.stringify((await post(replicas[0]!, nestedQuery)).body));
      } finally {
        await bundled.stop();
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);

  it('is ready while the database answers, and counts its pool in /metrics', async () => {
    for (const replica of replicas) {
      const ready = await fetch(`${replica.origin}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', dataset: { counts: { statements: 24 } } });
      const metrics = await (await fetch(`${replica.origin}/metrics`)).text();
      expect(metrics).toMatch(/^newsgraph_database_connections\{state="idle"\} [1-9]\d*$/m);
      expect(metrics).toMatch(/^newsgraph_database_connections\{state="waiting"\} 0$/m);
    }
  });

  it('reads a mutation made through one replica through the other, and announces it to its subscribers, within a second', async () => {
    const document = '{ person(slug: "john-kerry") { description revision } }';
    const before = (await post(replicas[1]!, document)).body;
    expect((await post(replicas[1]!, document)).body).toEqual(before); // the second one is kept in the response cache
    const entities = await subscribe(replicas[1]!, 'subscription { entityChanged(types: [PERSON]) { slug change entity { ... on Person { description } } datasetVersion } }');
    try {
      const { body } = await post(
        replicas[0]!,
        `mutation { updatePerson(input: { person: "john-kerry", expectedRevision: ${before.data.person.revision}, description: "Test fixture: changed through the first replica." }) { person { description revision } datasetVersion } }`,
        { authorization: `Bearer ${CURATOR_TOKEN}` },
      );
      expect(body.errors).toBeUndefined();
      const acknowledgedAt = Date.now();
      expect(body.data.updatePerson.person).toEqual({ description: 'Test fixture: changed through the first replica.', revision: before.data.person.revision + 1 });
      const version = body.data.updatePerson.datasetVersion;
      expect(version).not.toBe(before.extensions.dataset.version);
      await within(1_000, async () => {
        const read = (await post(replicas[1]!, document)).body;
        expect(read.data.person).toEqual(body.data.updatePerson.person);
        expect(read.extensions.dataset.version).toBe(version);
      });
      const [event] = await entities.next();
      expect(Date.now() - acknowledgedAt).toBeLessThan(1_000);
      expect(event.data.entityChanged).toEqual({ slug: 'john-kerry', change: 'UPDATED', entity: { description: 'Test fixture: changed through the first replica.' }, datasetVersion: version });
    } finally {
      entities.close();
    }
  });

  it('lets one of two conflicting updates through two replicas win, and refuses the other with REVISION_CONFLICT', async () => {
    const { revision } = (await post(replicas[0]!, '{ person(slug: "paolo-gentiloni") { revision } }')).body.data.person;
    const update = (replica: RunningServer, description: string) =>
      post(replica, `mutation { updatePerson(input: { person: "paolo-gentiloni", expectedRevision: ${revision}, description: "${description}" }) { person { description revision } } }`, {
        authorization: `Bearer ${CURATOR_TOKEN}`,
      });
    const answers = await Promise.all([update(replicas[0]!, 'Test fixture: the first replica wins.'), update(replicas[1]!, 'Test fixture: the second replica wins.')]);
    const won = answers.filter(({ body }) => !body.errors);
    const lost = answers.filter(({ body }) => body.errors);
    expect(won).toHaveLength(1);
    expect(lost.map(({ body }) => body.errors.map((error: any) => [error.extensions.code, error.extensions.currentRevision]))).toEqual([[['REVISION_CONFLICT', revision + 1]]]);
    const winner = won[0]!.body.data.updatePerson.person;
    expect(winner.revision).toBe(revision + 1);
    for (const replica of replicas) {
      await within(1_000, async () => expect((await post(replica, '{ person(slug: "paolo-gentiloni") { description revision } }')).body.data.person).toEqual(winner));
    }
  });

  it('applies an article file through one replica, read through the other within a second, and drafts from the database', async () => {
    const applied = await post(replicas[0]!, 'mutation($file: ArticleFile!) { applyArticle(file: $file) { applied changes { slug change } } }', {
      authorization: `Bearer ${CURATOR_TOKEN}`,
    }, { file: secondReport() });
    expect(applied.body.errors).toBeUndefined();
    expect(applied.body.data.applyArticle.applied).toBe(true);
    expect(applied.body.data.applyArticle.changes).toContainEqual({ slug: 'anna-verbeke', change: 'CREATED' });
    await within(1_000, async () => {
      const { body } = await post(replicas[1]!, '{ statement(slug: "verbeke-proud-to-host") { speaker { ... on Person { name } } sources { slug } } }');
      expect(body.data?.statement).toEqual({ speaker: { name: 'Anna Verbeke' }, sources: [{ slug: sourceId }] });
    });
    // A draft of the same text, through the other replica: its source and persons are found as stored.
    const version = (await post(replicas[1]!, '{ dataset { version } }')).body.data.dataset.version;
    const drafted = await post(replicas[1]!, 'query($text: String!) { draftArticle(text: $text, publishedOn: "2015-12-02") }', { authorization: `Bearer ${CURATOR_TOKEN}` }, { text: articleText });
    expect(drafted.body.errors).toBeUndefined();
    const draft = drafted.body.data.draftArticle;
    expect(draft.source.id).toBe(sourceId);
    expect(draft.persons.filter((person: { existing: boolean }) => person.existing).map((person: { id: string }) => person.id)).toEqual(expect.arrayContaining(['anna-verbeke', 'john-kerry']));
    expect((await post(replicas[0]!, '{ dataset { version } }')).body.data.dataset.version).toBe(version);
  });

  it('moves both replicas and their response caches to a re-imported dataset within a second', async () => {
    const document = '{ person(slug: "john-kerry") { description } }';
    const before = await post(replicas[0]!, document);
    await post(replicas[1]!, document);
    const version = before.body.extensions.dataset.version;
    // Cached now: the same request again is answered from the response cache.
    expect((await post(replicas[0]!, document)).body).toEqual(before.body);

    const persons = JSON.parse(await readFile(path.join(folder, 'persons.json'), 'utf8'));
    persons[0].description = 'Test fixture: a description changed by a re-import.';
    await writeFile(path.join(folder, 'persons.json'), JSON.stringify(persons, null, 2));
    const imported = await db('import', folder);
    expect(imported.code, imported.stderr).toBe(0);
    const importedAt = Date.now();

    await Promise.all(
      replicas.map((replica) =>
        within(1_000, async () => {
          const { body } = await post(replica, document);
          expect(body.data.person.description).toBe('Test fixture: a description changed by a re-import.');
          expect(body.extensions.dataset.version).not.toBe(version);
        }),
      ),
    );
    expect(Date.now() - importedAt).toBeLessThan(1_500);
  });

  it('announces a re-import to subscribers of either replica within a second, with the records it changed', async () => {
    const datasets = await subscribe(replicas[0]!, 'subscription { datasetChanged { cause changes { slug change } dataset { version } } }');
    const entities = await subscribe(replicas[1]!, 'subscription { entityChanged(types: [PERSON]) { slug change entity { ... on Person { description } } datasetVersion } }');
    try {
      const persons = JSON.parse(await readFile(path.join(folder, 'persons.json'), 'utf8'));
      persons[1].description = 'Test fixture: a description changed for the subscribers.';
      await writeFile(path.join(folder, 'persons.json'), JSON.stringify(persons, null, 2));
      const imported = await db('import', folder);
      expect(imported.code, imported.stderr).toBe(0);
      const importedAt = Date.now();
      const [[dataset], [entity]] = await Promise.all([datasets.next(), entities.next()]);
      expect(Date.now() - importedAt).toBeLessThan(1_000);
      expect(dataset.data.datasetChanged).toEqual({ cause: 'IMPORT', changes: [{ slug: persons[1].id, change: 'UPDATED' }], dataset: { version: expect.any(String) } });
      expect(entity.data.entityChanged).toEqual({
        slug: persons[1].id,
        change: 'UPDATED',
        entity: { description: 'Test fixture: a description changed for the subscribers.' },
        datasetVersion: dataset.data.datasetChanged.dataset.version,
      });
    } finally {
      datasets.close();
      entities.close();
    }
  });

  it('answers DATABASE_UNAVAILABLE while the database is down, stays up, serves again once it is back, and loses no acknowledged write', async () => {
    // Curators keep writing through both replicas the whole time: every write acknowledged must be there afterwards.
    const acknowledged: string[] = [];
    const refusals = new Set<string>();
    let writing = true;
    const writes = (async () => {
      for (let n = 0; writing; n++) {
        const slug = `restart-test-${n}`;
        const answer = await post(
          replicas[n % 2]!,
          `mutation { createPerson(input: { slug: "${slug}", name: "Restart Test ${n}", description: "Test fixture: written while the database restarts." }) { person { slug } } }`,
          { authorization: `Bearer ${CURATOR_TOKEN}` },
        );
        // Any other refusal is kept with its message, which the failure then shows.
        if (answer.body.errors) refusals.add(answer.body.errors.map((error: any) => (error.extensions.code === 'DATABASE_UNAVAILABLE' ? error.extensions.code : `${error.extensions.code}: ${error.message}`)).join());
        else acknowledged.push(slug);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await within(5_000, async () => expect(acknowledged.length).toBeGreaterThan(3));
    await postgres.halt();
    try {
      const { body } = await post(replicas[0]!, 'mutation { updatePerson(input: { person: "john-kerry", expectedRevision: 1, name: "Someone" }) { person { name } } }', {
        authorization: `Bearer ${CURATOR_TOKEN}`,
      });
      expect(body.errors?.map((error: any) => error.extensions.code)).toEqual(['DATABASE_UNAVAILABLE']);
      for (const replica of replicas) {
        // A query the response cache cannot have: the database must be asked.
        const { status, body } = await post(replica, '{ persons(first: 3, orderBy: NAME_DESC) { edges { node { slug } } } }');
        expect(status).toBe(200);
        expect(body.errors?.map((error: any) => error.extensions.code)).toEqual(['DATABASE_UNAVAILABLE']);
        expect(body.errors[0].message).not.toMatch(/127\.0\.0\.1|postgres@/);
        expect((await fetch(`${replica.origin}/ready`)).status).toBe(503);
        expect((await fetch(`${replica.origin}/health`)).status).toBe(200);
      }
    } finally {
      await postgres.restart();
    }
    for (const replica of replicas) {
      await within(10_000, async () => {
        expect((await fetch(`${replica.origin}/ready`)).status).toBe(200);
        const { body } = await post(replica, '{ persons(first: 3, orderBy: NAME_DESC) { edges { node { slug } } } }');
        expect(body.errors).toBeUndefined();
        expect(body.data.persons.edges).toHaveLength(3);
      });
    }
    const beforeRestart = acknowledged.length;
    await within(10_000, async () => expect(acknowledged.length).toBeGreaterThan(beforeRestart + 3));
    writing = false;
    await writes;
    expect([...refusals].filter((codes) => codes !== 'DATABASE_UNAVAILABLE')).toEqual([]);
    for (const replica of replicas) {
      await within(1_000, async () => {
        const { body } = await post(replica, `{ ${acknowledged.map((slug, n) => `p${n}: person(slug: "${slug}") { slug }`).join(' ')} }`);
        expect(Object.values(body.data).map((person: any) => person?.slug)).toEqual(acknowledged);
      });
    }
    // The replicas listen again after the restart: a re-import still reaches both.
    const persons = JSON.parse(await readFile(path.join(folder, 'persons.json'), 'utf8'));
    persons[0].description = 'Test fixture: changed after the database restarted.';
    await writeFile(path.join(folder, 'persons.json'), JSON.stringify(persons, null, 2));
    expect((await db('import', folder)).code).toBe(0);
    for (const replica of replicas) {
      await within(7_000, async () => {
        const { body } = await post(replica, '{ person(slug: "john-kerry") { description } }');
        expect(body.data.person.description).toBe('Test fixture: changed after the database restarted.');
      });
    }
    for (const replica of replicas) expect(replica.process.exitCode).toBeNull();
  });
});
