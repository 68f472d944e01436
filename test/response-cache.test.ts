import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { defaultResponseCacheOptions } from '../src/http/response-cache.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { dataDir, servedDatasetInfo, servedKnowledge, servedReader, silentLogger } from './helpers.js';

const endpoint = 'http://newsgraph.test/graphql';
const feed = JSON.stringify({ query: 'query ($first: Int) { statements(first: $first) { edges { node { text speaker { displayName } } } } }', variables: { first: 3 } });

let kb: KnowledgeBase;
let served: Awaited<ReturnType<typeof servedKnowledge>>;
let yoga: NewsgraphYoga;

beforeEach(async () => {
  kb = await loadKnowledgeBase(dataDir);
  served = await servedKnowledge(kb);
  yoga = createNewsgraph({ ...served, logger: silentLogger }).yoga;
});

/** A POST as real HTTP clients send it, with Content-Length. */
function post(body: string, headers: Record<string, string> = {}, server = yoga) {
  return server.fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
    body,
  });
}

describe('response cache', () => {
  it('answers a repeated request from the cache, byte for byte, without touching the knowledge base', async () => {
    const first = await post(feed);
    expect(first.headers.get('x-cache')).toBe('miss');
    const firstBody = await first.text();
    // Kept on its first repeat.
    expect((await post(feed)).headers.get('x-cache')).toBe('miss');
    const statementLoads = vi.spyOn(kb, 'statementsByIds');
    const second = await post(feed, { origin: 'https://frontend.example', 'x-request-id': 'again' });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(await second.text()).toBe(firstBody);
    expect(statementLoads).not.toHaveBeenCalled();
    // Per-request headers are still set on a hit.
    expect(second.headers.get('x-request-id')).toBe('again');
    expect(second.headers.get('access-control-allow-origin')).toBe('https://frontend.example');
  });

  it('keeps an answer only once its request repeats: a one-off answer costs nothing to keep and gets no ETag', async () => {
    const once = await post(feed);
    expect(once.headers.get('x-cache')).toBe('miss');
    expect(once.headers.get('etag')).toBeNull();
    const again = await post(feed);
    expect(again.headers.get('x-cache')).toBe('miss');
    expect(again.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(await again.text()).toBe(await once.text());
    expect((await post(feed)).headers.get('x-cache')).toBe('hit');
    // A client that revalidates (If-None-Match) has its answer kept at once.
    const other = feed.replace('"first":3', '"first":5');
    const revalidating = await post(other, { 'if-none-match': '"not-this-one"' });
    expect(revalidating.headers.get('etag')).toMatch(/^"/);
    expect((await post(other)).headers.get('x-cache')).toBe('hit');
    // Keeping every answer is an option.
    const eager = createNewsgraph({ ...served, logger: silentLogger, responseCache: { ...defaultResponseCacheOptions, admitAfter: 1 } }).yoga;
    expect((await post(feed, {}, eager)).headers.get('etag')).toMatch(/^"/);
    expect((await post(feed, {}, eager)).headers.get('x-cache')).toBe('hit');
  });

  it('remembers a one-off request for at least twice maxEntries others, and forgets it after four times as many', async () => {
    const small = createNewsgraph({ ...served, logger: silentLogger, responseCache: { ...defaultResponseCacheOptions, maxEntries: 2 } }).yoga;
    const asking = (first: number) => JSON.stringify({ query: 'query ($first: Int) { statements(first: $first) { totalCount } }', variables: { first } });
    const kept = async (first: number) => (await post(asking(first), {}, small)).headers.get('etag') !== null;
    expect(await kept(1)).toBe(false);
    for (const first of [2, 3, 4]) expect(await kept(first)).toBe(false);
    // Three others later, the second request is recognised as a repeat and kept.
    expect(await kept(1)).toBe(true);
    expect(await kept(10)).toBe(false);
    for (let first = 11; first < 19; first++) expect(await kept(first)).toBe(false);
    // Eight others later, it is a first request again.
    expect(await kept(10)).toBe(false);
  });

  it('keeps and finds answers to large requests (keyed by their hash) as to small ones, each request its own answer', async () => {
    const padded = (first: number) => JSON.stringify({ query: `# ${'a test fixture padding the body past the size kept in keys as it is; '.repeat(50)}\nquery ($first: Int) { statements(first: $first) { edges { node { text } } } }`, variables: { first } });
    expect(Buffer.byteLength(padded(1))).toBeGreaterThan(2048);
    const answers = new Map<number, string>();
    for (const first of [1, 2]) {
      const once = await post(padded(first));
      expect(once.status).toBe(200);
      answers.set(first, await once.text());
      expect((await post(padded(first))).headers.get('x-cache')).toBe('miss');
    }
    expect(answers.get(1)).not.toBe(answers.get(2));
    for (const first of [1, 2]) {
      const hit = await post(padded(first));
      expect(hit.headers.get('x-cache')).toBe('hit');
      expect(await hit.text()).toBe(answers.get(first));
    }
    // A GET carries its whole operation in the query string: a long one is hashed too.
    const get = (first: number) =>
      yoga.fetch(`${endpoint}?query=${encodeURIComponent(JSON.parse(padded(first)).query)}&variables=${encodeURIComponent(JSON.stringify({ first }))}`, {
        headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
      });
    for (const first of [1, 2]) {
      expect((await get(first)).headers.get('x-cache')).toBe('miss');
      expect((await get(first)).headers.get('x-cache')).toBe('miss');
      const hit = await get(first);
      expect(hit.headers.get('x-cache')).toBe('hit');
      expect(await hit.text()).toBe(answers.get(first));
    }
  });

  it('gives every cached response an ETag and answers a matching If-None-Match with 304 and no body', async () => {
    await post(feed);
    const first = await post(feed);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const notModified = await post(feed, { 'if-none-match': etag! });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    const otherTag = await post(feed, { 'if-none-match': '"something-else"' });
    expect(otherTag.status).toBe(200);
  });

  it('keys on the variables, the query and the Accept header', async () => {
    await post(feed);
    const otherVariables = await post(feed.replace('"first":3', '"first":4'));
    expect(otherVariables.headers.get('x-cache')).toBe('miss');
    expect((await otherVariables.json()).data.statements.edges).toHaveLength(4);
    const otherAccept = await post(feed, { accept: 'application/graphql-response+json' });
    expect(otherAccept.headers.get('x-cache')).toBe('miss');
    expect(otherAccept.headers.get('content-type')).toContain('application/graphql-response+json');
  });

  it('never serves an answer from another version of the data', async () => {
    await post(feed);
    const info = (await servedDatasetInfo(kb)) as { version: string };
    const version = info.version;
    info.version = 'a-newer-version';
    try {
      const after = await post(feed);
      expect(after.headers.get('x-cache')).toBe('miss');
      expect((await after.json()).extensions.dataset.version).toBe('a-newer-version');
    } finally {
      info.version = version;
    }
  });

  it('expires entries after their time to live', async () => {
    const server = createNewsgraph({ ...served, logger: silentLogger, responseCache: { ...defaultResponseCacheOptions, maxEntries: 10, ttlMs: 30, admitAfter: 1 } }).yoga;
    await post(feed, {}, server);
    expect((await post(feed, {}, server)).headers.get('x-cache')).toBe('hit');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await post(feed, {}, server)).headers.get('x-cache')).toBe('miss');
  });

  it('when full by size, lets a newcomer displace the least recently used answer once it is asked for more often', async () => {
    const newcomer = feed.replace('"first":3', '"first":4');
    // Room for either answer, not both.
    const bound = Math.max(Buffer.byteLength(await (await post(feed)).text()), Buffer.byteLength(await (await post(newcomer)).text())) + 100;
    const server = createNewsgraph({ ...served, logger: silentLogger, responseCache: { ...defaultResponseCacheOptions, maxEntries: 10, maxTotalBytes: bound, admitAfter: 1 } }).yoga;
    await post(feed, {}, server);
    expect((await post(feed, {}, server)).headers.get('x-cache')).toBe('hit');
    // The feed has been asked for twice: a newcomer asked for once or twice is answered, not kept.
    for (let time = 1; time <= 2; time++) {
      const answer = await post(newcomer, {}, server);
      expect(answer.headers.get('x-cache')).toBe('miss');
      expect(answer.headers.get('etag')).toBeNull();
    }
    expect((await post(feed, {}, server)).headers.get('x-cache')).toBe('hit');
    // The feed's third request made it three; the newcomer's fourth outnumbers it.
    await post(newcomer, {}, server);
    expect((await post(newcomer, {}, server)).headers.get('etag')).toMatch(/^"/);
    expect((await post(newcomer, {}, server)).headers.get('x-cache')).toBe('hit');
    expect((await post(feed, {}, server)).headers.get('x-cache')).toBe('miss');
  });

  it('keeps what it holds when more repeating requests go round than it has room for, and answers those', async () => {
    // Three requests in turn through two entries: keeping each on its repeat would displace the one
    // asked for next, and no request would ever be answered from the cache.
    const { yoga: small, responseCache } = createNewsgraph({ ...served, logger: silentLogger, responseCache: { ...defaultResponseCacheOptions, maxEntries: 2 } });
    const asking = (first: number) => JSON.stringify({ query: 'query ($first: Int) { statements(first: $first) { totalCount } }', variables: { first } });
    const seen: string[] = [];
    for (let round = 1; round <= 4; round++) {
      for (const first of [1, 2, 3]) seen.push(`${first}:${(await post(asking(first), {}, small)).headers.get('x-cache')}`);
    }
    expect(seen).toEqual(['1:miss', '2:miss', '3:miss', '1:miss', '2:miss', '3:miss', '1:hit', '2:hit', '3:miss', '1:hit', '2:hit', '3:miss']);
    // What /metrics reports: the third request's answer refused three times for a full cache.
    expect(responseCache).toMatchObject({ stats: { hits: 4, misses: 8, kept: 2, notRepeated: 3, crowdedOut: 3, entries: 2 } });
  });

  it('keeps a revalidating client’s answer at once, but not by displacing answers asked for more often', async () => {
    const server = createNewsgraph({ ...served, logger: silentLogger, responseCache: { ...defaultResponseCacheOptions, maxEntries: 1 } }).yoga;
    for (let time = 1; time <= 3; time++) await post(feed, {}, server);
    expect((await post(feed, {}, server)).headers.get('x-cache')).toBe('hit');
    // Any If-None-Match on a new request: with room it would be kept on this first answer; here the feed holds the only place.
    const revalidating = await post(feed.replace('"first":3', '"first":4'), { 'if-none-match': '"not-this-one"' }, server);
    expect(revalidating.status).toBe(200);
    expect(revalidating.headers.get('x-cache')).toBe('miss');
    expect(revalidating.headers.get('etag')).toBeNull();
    expect((await post(feed, {}, server)).headers.get('x-cache')).toBe('hit');
  });

  it('lets an answer nobody asks for any more fade: a newcomer displaces it after a few half-lives', async () => {
    const halfLifeMs = 300;
    const server = createNewsgraph({ ...served, logger: silentLogger, responseCache: { ...defaultResponseCacheOptions, maxEntries: 1, admitAfter: 1, halfLifeMs } }).yoga;
    const newcomer = feed.replace('"first":3', '"first":4');
    for (let time = 1; time <= 15; time++) await post(feed, {}, server);
    expect((await post(newcomer, {}, server)).headers.get('etag')).toBeNull();
    // Fifteen requests, halved four times, are none.
    await new Promise((resolve) => setTimeout(resolve, 4 * halfLifeMs + 50));
    expect((await post(newcomer, {}, server)).headers.get('etag')).toMatch(/^"/);
    expect((await post(feed, {}, server)).headers.get('x-cache')).toBe('miss');
  });

  it('keeps the CSRF check: a cached GET with the header does not let a GET without it through', async () => {
    const url = `${endpoint}?query=${encodeURIComponent('{ dataset { version } }')}`;
    await yoga.fetch(url, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    await yoga.fetch(url, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect((await yoga.fetch(url, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } })).headers.get('x-cache')).toBe('hit');
    expect((await yoga.fetch(url, { headers: { accept: 'application/json' } })).status).toBe(403);
  });

  it('does not keep responses with unexpected errors', async () => {
    vi.spyOn(await servedReader(kb), 'recordsByIds').mockImplementationOnce(() => {
      throw new Error('transient');
    });
    const body = JSON.stringify({ query: '{ person(slug: "john-kerry") { name } }' });
    const failed = await post(body);
    expect((await failed.json()).errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    const retried = await post(body);
    expect(retried.headers.get('x-cache')).toBe('miss');
    expect((await retried.json()).data).toEqual({ person: { name: 'John Kerry' } });
  });
});
