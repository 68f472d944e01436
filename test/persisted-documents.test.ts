import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kind, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, GraphQLRequestError, NodeLookupDocument, PersonPageDocument, SourcePageDocument, StatementFeedDocument } from '@newsgraph/client';
import { ConfigError, readConfig } from '../src/config.js';
import { loadPersistedDocuments, PersistedDocumentsError, type PersistedDocuments } from '../src/plugins/persisted-documents.js';
import { schema } from '../src/schema/index.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { dataDir, loadDataset, projectRoot, silentLogger, spawnScript } from './helpers.js';

const manifestPath = path.join(projectRoot, 'packages/client/src/generated/persisted-documents.json');
const endpoint = 'http://newsgraph.test/graphql';
/** The bare hex hash the client preset embedded in a generated document. */
const hashOf = (document: unknown) => ((document as { __meta__: { hash: string } }).__meta__.hash).replace(/^sha256:/, '');
const unknownHash = 'f'.repeat(64);

let documents: PersistedDocuments;
let open: NewsgraphYoga;
let allowList: NewsgraphYoga;

beforeAll(async () => {
  const kb = await loadDataset();
  documents = await loadPersistedDocuments(manifestPath, schema);
  open = createNewsgraph({ kb, logger: silentLogger, persistedDocuments: { documents, only: false } }).yoga;
  allowList = createNewsgraph({ kb, logger: silentLogger, persistedDocuments: { documents, only: true } }).yoga;
});

interface Answer {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[]; extensions?: Record<string, unknown> };
}

async function post(yoga: NewsgraphYoga, body: Record<string, unknown>): Promise<Answer> {
  const response = await yoga.fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function get(yoga: NewsgraphYoga, params: Record<string, unknown>): Promise<Answer> {
  const search = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
  const response = await yoga.fetch(`${endpoint}?${search}`, {
    // GET needs the CSRF-prevention header (src/server.ts).
    headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1' },
  });
  return { status: response.status, body: await response.json() };
}

const personPage = () => ({ operationName: 'PersonPage', variables: { slug: 'jens-stoltenberg' } });
const byApq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

function expectStoltenberg(answer: Answer): void {
  expect(answer.body.errors).toBeUndefined();
  expect(answer.status).toBe(200);
  expect(answer.body.data.person).toMatchObject({ slug: 'jens-stoltenberg', name: 'Jens Stoltenberg', roles: [{ title: 'Secretary General', organization: { slug: 'nato' } }] });
  expect(answer.body.data.person.statements.totalCount).toBe(8);
}

describe('the persisted-documents manifest', () => {
  it('lists every shipped operation under the hash embedded in its generated document', async () => {
    const operationsDir = path.join(projectRoot, 'packages/client/operations');
    let shipped = 0;
    for (const file of await readdir(operationsDir)) {
      shipped += parse(await readFile(path.join(operationsDir, file), 'utf8')).definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION).length;
    }
    expect(shipped).toBe(25);
    expect(documents.byHash.size).toBe(shipped);
    for (const document of [PersonPageDocument, SourcePageDocument, StatementFeedDocument, NodeLookupDocument]) {
      expect(documents.byHash.get(hashOf(document))).toMatch(/^(fragment|query) /);
    }
  });

  describe('refuses to load, naming the file, when it is', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'newsgraph-manifest-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const manifestWith = async (name: string, text: string) => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return file;
    };
    const original = async () => JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, string>;

    it('missing', async () => {
      const file = path.join(dir, 'absent.json');
      await expect(loadPersistedDocuments(file, schema)).rejects.toThrow(new PersistedDocumentsError(`Persisted documents manifest ${file}: cannot be read (ENOENT); run \`npm run codegen\` to write it`));
    });

    it('not JSON', async () => {
      const file = await manifestWith('corrupt.json', '{"sha256:ab": "query {');
      await expect(loadPersistedDocuments(file, schema)).rejects.toThrow(`Persisted documents manifest ${file}: is not valid JSON`);
    });

    it('edited so a hash no longer matches its document', async () => {
      const [[key, document]] = Object.entries(await original()) as [[string, string]];
      const file = await manifestWith('edited.json', JSON.stringify({ [key]: document.replace('slug', 'name') }));
      await expect(loadPersistedDocuments(file, schema)).rejects.toThrow(`${file}: "${key}": the hash does not match the document`);
    });

    it('stale against the schema', async () => {
      const { createHash } = await import('node:crypto');
      const document = '{ person(slug: "john-kerry") { shoeSize } }';
      const key = `sha256:${createHash('sha256').update(document).digest('hex')}`;
      const file = await manifestWith('stale.json', JSON.stringify({ [key]: document }));
      await expect(loadPersistedDocuments(file, schema)).rejects.toThrow(`${file}: "${key}" does not fit the schema: Cannot query field "shoeSize" on type "Person".`);
    });
  });

  it('stops the real server from starting when it is missing', async () => {
    const missing = path.join(tmpdir(), 'newsgraph-no-such-manifest.json');
    const child = spawnScript(['src/index.ts'], { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, NEWSGRAPH_PERSISTED_DOCUMENTS: missing });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain(`not starting. Persisted documents manifest ${missing}: cannot be read (ENOENT)`);
  });
});

describe('the configuration', () => {
  it('reads allow-list mode and the manifest path from the environment', () => {
    expect(readConfig({})).toMatchObject({ persistedOnly: false, persistedDocumentsFile: manifestPath });
    expect(readConfig({ NEWSGRAPH_PERSISTED_ONLY: 'true', NEWSGRAPH_PERSISTED_DOCUMENTS: '/srv/frontend/persisted.json' })).toMatchObject({
      persistedOnly: true,
      persistedDocumentsFile: '/srv/frontend/persisted.json',
    });
    expect(() => readConfig({ NEWSGRAPH_PERSISTED_ONLY: 'yes' })).toThrow(new ConfigError('NEWSGRAPH_PERSISTED_ONLY must be true or false, got "yes"'));
  });

  it('reads how many records a PostgreSQL server keeps for a generation, 0 for none', () => {
    expect(readConfig({}).keptRecords).toBe(5_000);
    expect(readConfig({ NEWSGRAPH_KEPT_RECORDS: '0' }).keptRecords).toBe(0);
    expect(readConfig({ NEWSGRAPH_KEPT_RECORDS: '20000' }).keptRecords).toBe(20_000);
    expect(() => readConfig({ NEWSGRAPH_KEPT_RECORDS: '-1' })).toThrow(new ConfigError('NEWSGRAPH_KEPT_RECORDS must be a whole number of at least 0, got "-1"'));
  });
});

describe('hash-only requests', () => {
  const hash = () => hashOf(PersonPageDocument);

  it('run over POST with extensions.persistedQuery.sha256Hash', async () => {
    expectStoltenberg(await post(open, { ...personPage(), extensions: byApq(hash()) }));
  });

  it('run over GET with extensions.persistedQuery.sha256Hash', async () => {
    expectStoltenberg(await get(open, { ...personPage(), extensions: byApq(hash()) }));
  });

  it('run over POST and GET with documentId', async () => {
    expectStoltenberg(await post(open, { ...personPage(), documentId: `sha256:${hash()}` }));
    expectStoltenberg(await get(open, { ...personPage(), documentId: `sha256:${hash()}` }));
  });

  it('answer an unknown hash with 404 and PERSISTED_QUERY_NOT_FOUND, never 200', async () => {
    for (const answer of [
      await post(open, { extensions: byApq(unknownHash) }),
      await get(open, { extensions: byApq(unknownHash) }),
      await post(open, { documentId: `sha256:${unknownHash}` }),
      await post(allowList, { extensions: byApq(unknownHash) }),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })]);
    }
  });

  it('answer a request with neither a query nor a hash with 400 and BAD_REQUEST', async () => {
    const answer = await post(open, { variables: {} });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });
});

describe('the default mode', () => {
  it('still runs any query', async () => {
    const answer = await post(open, { query: '{ person(slug: "john-kerry") { name } }' });
    expect(answer).toMatchObject({ status: 200, body: { data: { person: { name: 'John Kerry' } } } });
  });
});

describe('allow-list mode (NEWSGRAPH_PERSISTED_ONLY=true)', () => {
  it('refuses query text with 400 and PERSISTED_QUERY_ONLY, over POST and GET', async () => {
    for (const answer of [
      await post(allowList, { query: '{ person(slug: "john-kerry") { name } }' }),
      await get(allowList, { query: '{ person(slug: "john-kerry") { name } }' }),
      // Sending the text along with a listed hash does not get the text run either.
      await post(allowList, { query: '{ dataset { version } }', extensions: byApq(hashOf(PersonPageDocument)) }),
      await post(allowList, { variables: {} }),
    ]) {
      expect(answer.status).toBe(400);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    }
  });

  it('still serves persisted documents, by hash and through the SDK client', async () => {
    expectStoltenberg(await post(allowList, { ...personPage(), extensions: byApq(hashOf(PersonPageDocument)) }));

    const client = createClient({ url: endpoint, fetch: async (url, init) => allowList.fetch(url, init), persisted: true });
    const { data } = await client.request(StatementFeedDocument, { filter: { speaker: 'john-kirby' }, first: 2 });
    expect(data.statements.totalCount).toBe(4);
    expect(data.statements.edges.map((edge) => edge.node.speaker?.displayName)).toEqual(['John Kirby', 'John Kirby']);
    const source = (await client.request(SourcePageDocument, { slug: 'kerry-to-nato-ante-up', statementsFirst: 2 })).data.source;
    expect(source?.statements.totalCount).toBe(24);
    expect(source?.statements.edges.map((edge) => edge.node.reports.map((report) => report.source.slug))).toEqual([['kerry-to-nato-ante-up'], ['kerry-to-nato-ante-up']]);

    // A client that sends text to an allow-list server gets the code it can act on.
    const textClient = createClient({ url: endpoint, fetch: async (url, init) => allowList.fetch(url, init) });
    const refused = await textClient.request(StatementFeedDocument).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GraphQLRequestError);
    expect(refused).toMatchObject({ status: 400, code: 'PERSISTED_QUERY_ONLY' });
  });
});
