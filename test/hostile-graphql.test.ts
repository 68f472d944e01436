/**
 * What an outside attack found at the GraphQL and HTTP-semantics level (issue #11), each as the class
 * of request it is, through the real pipeline (`yoga.fetch`): subscriptions held to the cost limit and
 * to caps, amplification through `nodes(ids:)` and long text, coded bodies for every error, HEAD/ETag/
 * Vary/CORS semantics, and the data rules the loader, the API and the authoring command share.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { MAX_SLUG_LENGTH, MAX_SOURCE_TEXT_LENGTH } from '../src/kb/records.js';
import { defaultQueryLimits } from '../src/plugins/limits.js';
import { KnowledgeStore } from '../src/store/knowledge-store.js';
import { changesOfStore, createChangeFeed, FellBehind } from '../src/subscriptions.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { copyOfData, createTestServer, curatorTokens, loadDataset, mutate, query, silentLogger, spawnScript } from './helpers.js';

const ENDPOINT = 'http://newsgraph.test/graphql';

/** Opens a subscription over SSE; returns the raw event-stream text read until `until` holds or the stream ends. */
async function subscribeRaw(yoga: NewsgraphYoga, document: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await yoga.fetch(ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query: document }),
    signal: abort.signal,
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  // A client reads the stream's opening ping at once (a stream never read is not cancelled by the Fetch ponyfill).
  const opening = await reader.read();
  let text = opening.done ? '' : decoder.decode(opening.value, { stream: true });
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  return {
    response,
    /** The `data:` payloads of the `next` events received so far, parsed. */
    events: () => [...text.matchAll(/event: next\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]!)),
    completed: () => text.includes('event: complete'),
    async readUntil(until: () => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!until()) {
        if (Date.now() > deadline) throw new Error(`timed out; received so far:\n${text}`);
        // One read at a time, kept across rounds: a read abandoned to the timer would take a chunk with it.
        pending ??= reader.read();
        const chunk = await Promise.race([pending, new Promise<null>((resolve) => setTimeout(() => resolve(null), 200))]);
        if (chunk === null) continue;
        pending = undefined;
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
    },
    /** Hangs up, as a client closing its connection does: the stream is cancelled. */
    close: async () => {
      await reader.cancel().catch(() => {});
      abort.abort();
    },
  };
}


describe('subscriptions are held to the limits queries are held to', () => {
  let yoga: NewsgraphYoga;
  let store: KnowledgeStore;

  beforeAll(async () => {
    const dir = await copyOfData('hostile-subscriptions');
    store = await KnowledgeStore.open(dir, { logger: silentLogger });
    yoga = createNewsgraph({ store, curatorTokens, logger: silentLogger, subscriptions: { maxSubscriptions: 3, maxSubscriptionsPerClient: 2, maxPendingEvents: 4 } }).yoga;
  });
  afterAll(() => store.close());

  // The selection the attack used: refused as a query, it was accepted as a subscription.
  const costly = `entity { ... on Person { statements(first: 100) { edges { node { mentions { entity { ... on Person { statements(first: 100) { edges { node { text } } } } } } } } } } }`;

  it('refuses a subscription over the cost limit as it refuses the same selection as a query', async () => {
    const asQuery = await query(yoga, `{ person(slug: "john-kerry") { statements(first: 100) { edges { node { mentions { entity { ... on Person { statements(first: 100) { edges { node { mentions { entity { ... on Person { statements(first: 100) { edges { node { text } } } } } } } } } } } } } } } } }`);
    expect(asQuery.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const subscription = await subscribeRaw(yoga, `subscription { entityChanged { ${costly} } }`);
    await subscription.readUntil(subscription.completed);
    const [event] = subscription.events();
    expect(event.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', max: defaultQueryLimits.maxCost });
    expect(event.errors[0].message).toMatch(/^The subscription would cost \d+; the limit is 50000\./);
    expect(event.data).toBeUndefined();
  });

  it('applies depth, alias and page-size limits to subscriptions', async () => {
    const deep = await subscribeRaw(yoga, `subscription { datasetChanged { changes { node { ... on Statement { ${'continues { '.repeat(13)} text ${'} '.repeat(13)} } } } } }`);
    await deep.readUntil(deep.completed);
    expect(deep.events()[0].errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth' });
    const aliases = await subscribeRaw(yoga, `subscription { datasetChanged { ${Array.from({ length: 31 }, (_, i) => `a${i}: cause`).join(' ')} } }`);
    await aliases.readUntil(aliases.completed);
    expect(aliases.events()[0].errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases' });
  });

  it('caps subscriptions per client and per server with a coded refusal, and frees a place when one ends', async () => {
    const open = [await subscribeRaw(yoga, 'subscription { datasetChanged { cause } }'), await subscribeRaw(yoga, 'subscription { datasetChanged { cause } }')];
    // yoga.fetch requests all come from one client ("local"): the third is over the per-client cap of 2.
    const third = await subscribeRaw(yoga, 'subscription { datasetChanged { cause } }');
    await third.readUntil(third.completed);
    expect(third.events()[0].errors[0]).toMatchObject({
      message: 'This client has 2 subscriptions open, as many as one client may; close one first',
      extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', max: 2 },
    });
    // Closing cancels the stream, which ends the subscription and gives its place back.
    await open[0]!.close();
    const again = await subscribeRaw(yoga, 'subscription { datasetChanged { cause } }');
    const created = await mutate(yoga, 'mutation { createPerson(input: { name: "Cap Tester", description: "A test fixture person." }) { person { id } } }');
    expect(created.errors).toBeUndefined();
    await again.readUntil(() => again.events().length > 0);
    expect(again.events()[0].data).toEqual({ datasetChanged: { cause: 'MUTATION' } });
    await again.close();
    await open[1]!.close();
  });

  it('frees a place as soon as a subscriber of a filtered feed hangs up, with no change in between', async () => {
    const first = await subscribeRaw(yoga, 'subscription { entityChanged(types: [PERSON]) { change } }');
    const second = await subscribeRaw(yoga, 'subscription { statementAdded { id } }');
    await first.close();
    const third = await subscribeRaw(yoga, 'subscription { entityChanged { change } }');
    // The place is free at once: the next change reaches the new subscriber, not a refusal.
    const created = await mutate(yoga, 'mutation { createPerson(input: { name: "Place Taker", description: "A test fixture person." }) { person { id } } }');
    expect(created.errors).toBeUndefined();
    await third.readUntil(() => third.events().length > 0);
    expect(third.events()[0].data).toEqual({ entityChanged: { change: 'CREATED' } });
    await third.close();
    await second.close();
  });

  it('ends a feed whose subscriber falls behind with a last item saying so, dropping the snapshots that waited', async () => {
    // The feed itself: over a socket (test/hostile-http.test.ts) the same happens behind a stalled reader.
    const feed = createChangeFeed(changesOfStore(store), { maxSubscriptions: 10, maxSubscriptionsPerClient: 10, maxPendingEvents: 4 });
    const subscriber = feed.subscribe('slow');
    const keeping = feed.subscribe('keeping-up');
    const received: unknown[] = [];
    const reading = (async () => {
      for await (const item of keeping) {
        received.push(item);
        if (received.length === 6) break;
      }
    })();
    for (let i = 0; i < 6; i++) {
      const created = await mutate(yoga, `mutation { createPerson(input: { name: "Slow Reader ${i}", description: "A test fixture person." }) { person { id } } }`);
      expect(created.errors).toBeUndefined();
    }
    await reading;
    expect(received).toHaveLength(6);
    // The slow one read nothing meanwhile: it has stopped listening, and has one item left, saying why.
    expect(feed.open).toBe(0);
    const first = await subscriber.next();
    expect(first.value).toBeInstanceOf(FellBehind);
    expect((first.value as FellBehind).toError().extensions).toEqual({ code: 'SUBSCRIPTION_TOO_SLOW', maxPendingEvents: 4 });
    expect(await subscriber.next()).toEqual({ value: undefined, done: true });
  });
});

describe('amplification', () => {
  let yoga: NewsgraphYoga;
  beforeAll(async () => {
    yoga = await createTestServer();
  });

  it('refuses more than 100 ids in nodes(ids:), repeated or not', async () => {
    const id = (await query(yoga, '{ person(slug: "john-kerry") { id } }')).data.person.id as string;
    const many = await query(yoga, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array(1000).fill(id) });
    expect(many.errors?.[0]).toMatchObject({ message: '"ids" holds 1000 ids; at most 100 may be fetched at once', extensions: { code: 'BAD_USER_INPUT', argumentName: 'ids', max: 100 } });
    const hundred = await query(yoga, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array(100).fill(id) });
    expect(hundred.errors).toBeUndefined();
    expect(hundred.data.nodes).toHaveLength(100);
  });

  it('counts a source text by what it may hold, not as one unit', async () => {
    const perText = Math.ceil(MAX_SOURCE_TEXT_LENGTH / 1000);
    // Ten pages of 100 sources' texts: 3,010 units at one unit a text, over the limit at one per thousand characters.
    const pages = Array.from({ length: 10 }, (_, i) => `p${i}: sources(first: 100) { edges { node { text } } }`).join(' ');
    const result = await query(yoga, `{ ${pages} }`);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', actual: 10 * (1 + 100 * (2 + perText)) });
    const few = await query(yoga, '{ sources(first: 100) { edges { node { text } } } }');
    expect(few.errors).toBeUndefined();
  });

  it('costs by the size arguments alone: variables that change no size (declared or not) change no cost', async () => {
    const document =
      'query($first: Int, $words: String) { statements(first: $first, filter: { textContains: $words }) { edges { node { mentions { entity { ... on Person { statements(first: $first) { edges { node { text } } } } } } } } } }';
    // Extra variables the operation does not declare are passed through by yoga; they must not matter.
    for (let i = 0; i < 20; i++) {
      const result = await query(yoga, document, { first: 2, words: `nato ${i}`, [`junk${i}`]: 'x'.repeat(20_000) });
      expect(result.errors, `round ${i}`).toBeUndefined();
    }
    // The size argument is part of what is remembered: the same document with larger pages is refused.
    const larger = await query(yoga, document, { first: 100, words: 'nato' });
    expect(larger.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    expect((await query(yoga, document, { first: 2, words: 'kerry' })).errors).toBeUndefined();
  });
});

describe('every error has a coded body, and HTTP semantics hold', () => {
  let yoga: NewsgraphYoga;
  let writable: { yoga: NewsgraphYoga; store: KnowledgeStore };
  beforeAll(async () => {
    yoga = await createTestServer();
    const dir = await copyOfData('hostile-http');
    const store = await KnowledgeStore.open(dir, { logger: silentLogger });
    writable = { store, yoga: createNewsgraph({ store, curatorTokens, logger: silentLogger }).yoga };
  });
  afterAll(() => writable.store.close());

  it('answers a subscription asked for as JSON with 406 and a coded body', async () => {
    const response = await writable.yoga.fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: 'subscription { datasetChanged { cause } }' }),
    });
    expect(response.status).toBe(406);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({ errors: [{ message: expect.stringContaining('text/event-stream'), extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('honours If-None-Match with *, lists and weak tags, from the cache and on a miss', async () => {
    const body = JSON.stringify({ query: '{ statements(first: 4) { edges { node { text } } } }' });
    const post = (headers: Record<string, string> = {}) => yoga.fetch(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    await post();
    const first = await post(); // kept on its first repeat, with an ETag
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    for (const header of ['*', etag, `"other", ${etag}`, `W/${etag}`, ` "a" ,W/${etag} `]) {
      const response = await post({ 'if-none-match': header });
      expect(response.status, header).toBe(304);
      expect(await response.text()).toBe('');
    }
    expect((await post({ 'if-none-match': '"other", "another"' })).status).toBe(200);
    // A cache that has not kept the answer (another server made it) still answers 304 to its ETag.
    const fresh = await createTestServer();
    const miss = await fresh.fetch(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json', 'if-none-match': etag }, body });
    expect(miss.status).toBe(304);
    expect(miss.headers.get('x-cache')).toBe('miss');
  });

  it('says that answers of /graphql vary with Accept, HTML or JSON', async () => {
    const html = await yoga.fetch(ENDPOINT, { headers: { accept: 'text/html' } });
    expect(html.headers.get('content-type')).toContain('text/html');
    const json = await yoga.fetch(`${ENDPOINT}?query=${encodeURIComponent('{ dataset { version } }')}`, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(json.headers.get('content-type')).toContain('application/json');
    for (const response of [html, json]) expect(response.headers.get('vary')).toMatch(/(^|, )Accept($|,)/);
    const withOrigin = await yoga.fetch(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://example.org' }, body: JSON.stringify({ query: '{ dataset { version } }' }) });
    expect(withOrigin.headers.get('vary')).toBe('Origin, Accept');
  });

  it('never allows credentials to a CORS origin, with * or with a list', async () => {
    for (const server of [yoga, createNewsgraph({ kb: await loadDataset(), logger: silentLogger, corsOrigins: ['https://a.example', 'https://b.example'] }).yoga]) {
      const preflight = await server.fetch(ENDPOINT, {
        method: 'OPTIONS',
        headers: { origin: 'https://a.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://a.example');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const post = await server.fetch(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://a.example' }, body: JSON.stringify({ query: '{ dataset { version } }' }) });
      expect(post.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });
});

describe('one rule set for the data, whoever writes it', () => {
  let dir: string;
  let store: KnowledgeStore;
  let yoga: NewsgraphYoga;
  beforeAll(async () => {
    dir = await copyOfData('hostile-rules');
    store = await KnowledgeStore.open(dir, { logger: silentLogger });
    yoga = createNewsgraph({ store, curatorTokens, logger: silentLogger }).yoga;
  });
  afterAll(() => store.close());

  const organizations = async (folder: string) => JSON.parse(await readFile(path.join(folder, 'organizations.json'), 'utf8')) as { id: string; parent?: { organizationId: string; evidence: unknown[]; inferred: boolean; note?: string }; revision?: number }[];

  it('refuses an organization parent cycle of any length, in the files and through the API', async () => {
    // Files: nato -> coalition -> nato.
    const copy = await copyOfData('hostile-cycle');
    const records = await organizations(copy);
    const [first, second] = [records[0]!, records[1]!];
    const parentLink = (organizationId: string) => ({ organizationId, evidence: [], inferred: true, note: 'A test fixture link, to make a cycle.' });
    first.parent = parentLink(second.id);
    second.parent = parentLink(first.id);
    await writeFile(path.join(copy, 'organizations.json'), JSON.stringify(records, null, 2));
    await expect(loadKnowledgeBase(copy)).rejects.toMatchObject({
      problems: expect.arrayContaining([expect.objectContaining({ file: 'organizations.json', path: '$[0].parent.organizationId', message: `parent links form a cycle through "${first.id}"` })]),
    });
    // API: give the second the first as parent, then the first the second.
    const current = await organizations(dir);
    const a = current[0]!;
    const b = current[1]!;
    const update = 'mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { organization { id } } }';
    const revisionOf = (id: string) => store.current.storedRecord(id)?.revision ?? 1;
    const one = await mutate(yoga, update, { input: { organization: b.id, expectedRevision: revisionOf(b.id), parent: a.id } });
    expect(one.errors).toBeUndefined();
    const two = await mutate(yoga, update, { input: { organization: a.id, expectedRevision: revisionOf(a.id), parent: b.id } });
    expect(two.errors?.[0]?.extensions?.code).toBe('INVALID_RECORD');
    expect(JSON.stringify(two.errors?.[0]?.extensions?.problems)).toContain('parent links form a cycle');
  });

  it('caps ids at the same length in the files, the API and the authoring command', async () => {
    const long = 'a'.repeat(MAX_SLUG_LENGTH + 1);
    const copy = await copyOfData('hostile-long-id');
    const records = await organizations(copy);
    records[0]!.id = long;
    await writeFile(path.join(copy, 'organizations.json'), JSON.stringify(records, null, 2));
    await expect(loadKnowledgeBase(copy)).rejects.toMatchObject({ problems: expect.arrayContaining([expect.objectContaining({ file: 'organizations.json', path: '$[0].id', message: `must be at most ${MAX_SLUG_LENGTH} characters` })]) });
    const viaApi = await mutate(yoga, 'mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }', { input: { name: 'Long Id', slug: long, description: 'A test fixture person.' } });
    expect(viaApi.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const work = await mkdtemp(path.join(tmpdir(), 'newsgraph-author-long-id-'));
    const file = path.join(work, 'records.json');
    await writeFile(file, JSON.stringify({ persons: [{ id: 'x'.repeat(5000), name: 'Very Long Id', description: 'A test fixture person.' }] }));
    const run = await runAuthor(['add', file], dir);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('INVALID_RECORD');
  });

  it('reads a byte-order mark the same way in a records file and an article file', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'newsgraph-author-bom-'));
    const records = path.join(work, 'records.json');
    await writeFile(records, `\uFEFF${JSON.stringify({ persons: [{ id: 'bom-reader', name: 'Bom Reader', description: 'A test fixture person.' }] })}`);
    const added = await runAuthor(['add', records], dir);
    expect(added.output).not.toContain('INVALID_INPUT');
    expect(added.code, added.output).toBe(0);
    const article = path.join(work, 'article.txt');
    await writeFile(article, '\uFEFFA test fixture article, invented for this test.');
    const source = await runAuthor(['add-source', '--file', article, '--title', 'BOM fixture', '--language', 'en', '--slug', 'bom-fixture'], dir);
    expect(source.code, source.output).toBe(0);
    const stored = JSON.parse(await readFile(path.join(dir, 'sources.json'), 'utf8')) as { id: string; text: string }[];
    expect(stored.find((s) => s.id === 'bom-fixture')?.text).toBe('A test fixture article, invented for this test.');
  });

  it('refuses a source longer than the cap, with a coded error, through the API and the authoring command', async () => {
    const created = await mutate(yoga, 'mutation($input: CreateSourceInput!) { createSource(input: $input) { source { id } } }', {
      input: { title: 'Too long', text: 'x'.repeat(MAX_SOURCE_TEXT_LENGTH + 1), language: 'en' },
    });
    expect(created.errors?.[0]?.extensions?.code).toBe('INVALID_RECORD');
    expect(JSON.stringify(created.errors?.[0]?.extensions?.problems)).toContain(`must be at most ${MAX_SOURCE_TEXT_LENGTH} characters`);
    const work = await mkdtemp(path.join(tmpdir(), 'newsgraph-author-long-source-'));
    const article = path.join(work, 'article.txt');
    await writeFile(article, `A test fixture article, invented for this test. `.repeat(MAX_SOURCE_TEXT_LENGTH / 40));
    const run = await runAuthor(['add-source', '--file', article, '--title', 'Too long fixture', '--language', 'en'], dir);
    expect(run.code).toBe(1);
    expect(run.output).toContain('INVALID_RECORD');
  });
});

/** Runs the authoring command on `dataDir`; resolves with its exit code and output. */
function runAuthor(args: string[], dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawnScript(['scripts/author.ts', ...args, '--data', dataDir], { ...process.env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}
