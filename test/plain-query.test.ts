/**
 * Plain queries run without yoga (src/http/plain-query.ts): over a real socket, the listener's own
 * answer to a query yoga has seen before must be the answer yoga gives (status, headers, bytes), and
 * everything the plain path does not take must still reach yoga and be answered as before.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/http/listener.js';
import { answerTypeFor } from '../src/http/plain-query.js';
import { defaultResponseCacheOptions } from '../src/http/response-cache.js';
import { createLogger } from '../src/logging.js';
import { createNewsgraph, type Newsgraph, type ServerOptions } from '../src/server.js';
import { CURATOR_TOKEN, curatorTokens, servedKnowledge, silentLogger } from './helpers.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that differ between two answers for reasons of transport or time, not content. */
const transportHeaders = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

async function answerOf(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!transportHeaders.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

interface Served {
  newsgraph: Newsgraph;
  server: ReturnType<typeof createHttpServer>;
  url: string;
  /** Requests the listener answered without yoga so far. */
  plain(): number;
  close(): void;
}

async function serve(options: Omit<ServerOptions, 'kb' | 'store' | 'database'>): Promise<Served> {
  const newsgraph = createNewsgraph({ ...(await servedKnowledge()), logger: silentLogger, curatorTokens, ...options });
  const server = createHttpServer(newsgraph);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    newsgraph,
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    plain: () => server.listener.stats.answeredPlainly,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

interface Case {
  body: unknown;
  headers?: Record<string, string>;
  /** A query string for the endpoint's URL. */
  path?: string;
}

const json = { 'content-type': 'application/json' };
const statementFeed = `query Feed($first: Int, $after: String) {
  statements(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id slug kind text date { value precision } speaker { displayName } mentions { entity { __typename displayName } } } }
  }
}`;
const twoOperations = `query People { persons(first: 2) { edges { node { displayName } } } }
query Countries { countries(first: 2) { edges { node { displayName } } } }`;
const withFragments = `query Page($first: Int!) {
  organizations(first: $first) { edges { node { ...Named members: id } } }
  dataset { counts { organizations } }
}
fragment Named on Organization { displayName slug }`;

/** Requests the plain path answers once yoga has seen their document. */
const plainCases: Record<string, Case> = {
  'a named query with variables': { body: { query: statementFeed, variables: { first: 3 }, operationName: 'Feed' } },
  'the next page': { body: { query: statementFeed, variables: { first: 2, after: Buffer.from('id:kerry-us-heavy-lift').toString('base64url') } } },
  'variables given as null': { body: { query: '{ dataset { counts { statements } } }', variables: null } },
  'an anonymous query': { body: { query: '{ dataset { version counts { persons statements } } }' } },
  'one of two operations': { body: { query: twoOperations, operationName: 'Countries' } },
  'fragments and aliases': { body: { query: withFragments, variables: { first: 3 } } },
  'accept: graphql-response+json': { body: { query: '{ dataset { counts { statements } } }' }, headers: { accept: 'application/graphql-response+json' } },
  'accept: both, json first': { body: { query: '{ dataset { counts { statements } } }' }, headers: { accept: 'application/json, application/graphql-response+json' } },
  'accept: a browser’s fetch': { body: { query: '{ dataset { counts { statements } } }' }, headers: { accept: '*/*' } },
  'accept: axios': { body: { query: '{ dataset { counts { statements } } }' }, headers: { accept: 'application/json, text/plain, */*' } },
  'accept: a client that streams too': {
    body: { query: '{ dataset { counts { statements } } }' },
    headers: { accept: 'application/graphql-response+json, application/json, text/event-stream, multipart/mixed' },
  },
  'content-type with charset': { body: { query: '{ dataset { counts { statements } } }' }, headers: { 'content-type': 'application/json; charset=utf-8' } },
  'from another origin': { body: { query: statementFeed, variables: { first: 1 } }, headers: { origin: 'https://frontend.example' } },
  'to a url with a query string': { body: { query: '{ dataset { counts { statements } } }' }, path: '?n=42' },
  'with a request id': { body: { query: '{ dataset { counts { statements } } }' }, headers: { 'x-request-id': 'client-chosen-id-1' } },
  'from a curator': { body: { query: '{ dataset { counts { statements } } }' }, headers: { authorization: `Bearer ${CURATOR_TOKEN}` } },
};

/** Requests the plain path leaves to yoga, even when yoga has seen their document. */
const yogaCases: Record<string, Case> = {
  'variables of the wrong type': { body: { query: statementFeed, variables: { first: 'three' } } },
  'an error in a resolver (a malformed global id)': { body: { query: '{ node(id: "not-a-global-id") { id } }' } },
  'a page over the cost limit': { body: { query: '{ statements(first: 100) { edges { node { mentions { entity { ... on Person { statements(first: 100) { edges { node { text } } } } } } } } } }' } },
  'a document that does not validate': { body: { query: '{ stats { nope } }' } },
  'a mutation without a token': { body: { query: 'mutation { retractRecord(id: "x", reason: "y") { __typename } }' } },
  'extensions in the body': { body: { query: '{ dataset { counts { statements } } }', extensions: { something: true } } },
  'a persisted-document hash': { body: { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } } },
  'a bad token': { body: { query: '{ dataset { counts { statements } } }' }, headers: { authorization: 'Bearer not-a-token' } },
  'accept: server-sent events only': { body: { query: '{ dataset { counts { statements } } }' }, headers: { accept: 'text/event-stream' } },
  'content-type application/graphql+json': { body: { query: '{ dataset { counts { statements } } }' }, headers: { 'content-type': 'application/graphql+json' } },
  'an operation name that names nothing': { body: { query: twoOperations, operationName: 'Nobody' } },
  'a batch': { body: [{ query: '{ dataset { counts { statements } } }' }] },
  'accept: a space inside the media type (request hygiene refuses it)': { body: { query: '{ dataset { counts { statements } } }' }, headers: { accept: '*/ *' } },
  'to a url that ends like the health route': { body: { query: '{ dataset { counts { statements } } }' }, path: '?x=/health' },
  'to a url that ends like the readiness route': { body: { query: '{ dataset { counts { statements } } }' }, path: '?x=/ready' },
};

function post(url: string, { body, headers, path = '' }: Case, requestId: string): Promise<Response> {
  return fetch(url + path, { method: 'POST', headers: { ...json, 'x-request-id': requestId, ...headers }, body: JSON.stringify(body) });
}

/** Yoga's answer to the same request (`yoga.fetch`: its own pipeline, no listener). */
function yogaAnswer(newsgraph: Newsgraph, { body, headers, path = '' }: Case, requestId: string): Promise<Answer> {
  return Promise.resolve(
    newsgraph.yoga.fetch(`http://127.0.0.1/graphql${path}`, { method: 'POST', headers: { ...json, 'x-request-id': requestId, ...headers }, body: JSON.stringify(body) }),
  ).then(answerOf);
}

for (const [label, jit] of [
  ['compiled by graphql-jit at once', { maxDocuments: 200, maxBytes: 32 * 1024 * 1024, compileAfter: 1 }],
  ['on the executor', false],
] as const) {
  describe(`plain queries, ${label}`, () => {
    let ours: Served;
    let reference: Newsgraph;

    beforeAll(async () => {
      ours = await serve({ responseCache: false, jit });
      reference = createNewsgraph({ ...(await servedKnowledge()), logger: silentLogger, curatorTokens, responseCache: false, jit });
    });
    afterAll(() => ours.close());

    for (const [name, spec] of Object.entries(plainCases)) {
      it(`answers without yoga, as yoga does: ${name}`, async () => {
        const requestId = `plain-${name.replace(/[^a-z]+/g, '-')}`;
        // The first request of a document is yoga's: it parses and validates it.
        const expected = await yogaAnswer(reference, spec, requestId);
        expect(expected.status).toBe(200);
        expect(JSON.parse(expected.body).errors).toBeUndefined();
        const first = await answerOf(await post(ours.url, spec, requestId));
        const before = ours.plain();
        const second = await answerOf(await post(ours.url, spec, requestId));
        expect(ours.plain() - before, 'answered without yoga').toBe(1);
        expect(second).toEqual(expected);
        expect(first).toEqual(expected);
      });
    }

    for (const [name, spec] of Object.entries(yogaCases)) {
      it(`leaves to yoga, which answers as before: ${name}`, async () => {
        const requestId = `yoga-${name.replace(/[^a-z]+/g, '-')}`;
        await post(ours.url, spec, requestId);
        const before = ours.plain();
        const second = await answerOf(await post(ours.url, spec, requestId));
        expect(ours.plain() - before, 'answered by yoga').toBe(0);
        expect(second).toEqual(await yogaAnswer(reference, spec, requestId));
      });
    }
  });
}

describe('plain queries and the response cache', () => {
  let ours: Served;
  let other: Served;
  beforeAll(async () => {
    ours = await serve({});
    other = await serve({});
  });
  afterAll(() => {
    ours.close();
    other.close();
  });

  it('keeps a plain answer on its first repeat, with an ETag, and answers the next from the cache', async () => {
    const spec: Case = { body: { query: statementFeed, variables: { first: 4 } } };
    const first = await post(ours.url, spec, 'c1');
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(first.headers.get('etag')).toBeNull();
    const plainBefore = ours.plain();
    const second = await post(ours.url, spec, 'c2');
    expect(ours.plain() - plainBefore).toBe(1);
    expect(second.headers.get('x-cache')).toBe('miss');
    const etag = second.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const third = await post(ours.url, spec, 'c3');
    expect(third.headers.get('x-cache')).toBe('hit');
    expect(third.headers.get('etag')).toBe(etag);
    expect(await third.text()).toBe(await second.text());
    expect(ours.server.listener.stats.answeredFromCache).toBeGreaterThan(0);
  });

  it('answers a revalidating client with 304 when the answer it holds is the answer, keeping it at once', async () => {
    // Another server makes the answer and its ETag; this one has seen the document, not these variables.
    const spec: Case = { body: { query: statementFeed, variables: { first: 5 } } };
    await post(other.url, spec, 'o1');
    const etag = (await post(other.url, spec, 'o2')).headers.get('etag')!;
    expect(etag).toBeTruthy();
    await post(ours.url, { body: { query: statementFeed, variables: { first: 6 } } }, 'warm');
    const plainBefore = ours.plain();
    const revalidated = await post(ours.url, { ...spec, headers: { 'if-none-match': etag } }, 'r1');
    expect(ours.plain() - plainBefore).toBe(1);
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('etag')).toBe(etag);
    expect(revalidated.headers.get('x-cache')).toBe('miss');
    expect(await revalidated.text()).toBe('');
    // Kept: the next request is a hit.
    const next = await post(ours.url, spec, 'r2');
    expect(next.headers.get('x-cache')).toBe('hit');
  });
});

describe('plain queries and the response cache, request by request as yoga', () => {
  let ours: Served;
  let reference: Newsgraph;
  const options = { responseCache: { ...defaultResponseCacheOptions, maxEntryBytes: 400 } };
  beforeAll(async () => {
    ours = await serve(options);
    reference = createNewsgraph({ ...(await servedKnowledge()), logger: silentLogger, curatorTokens, ...options });
  });
  afterAll(() => ours.close());

  /** Sends each request to both servers in turn and expects the same answers, x-cache and etag headers included. */
  const expectSameSequence = async (name: string, specs: Case[]) => {
    for (const [index, spec] of specs.entries()) {
      const requestId = `${name}-${index}`;
      const bodyText = JSON.stringify(spec.body);
      const actual = await answerOf(await post(ours.url, spec, requestId));
      // yoga.fetch sends no Content-Length of its own; the cache reads only bodies that declare one.
      const expected = await yogaAnswer(reference, { ...spec, headers: { ...spec.headers, 'content-length': String(Buffer.byteLength(bodyText)) } }, requestId);
      expect(actual, `${name}, request ${index + 1}`).toEqual(expected);
    }
  };

  it('keeps what it holds when more repeating requests go round than it has room for, as yoga does', async () => {
    // Three requests in turn through two entries: keeping each on its repeat would displace the one
    // asked for next, and none would ever be answered from the cache.
    const small = { responseCache: { ...defaultResponseCacheOptions, maxEntries: 2 } };
    const mine = await serve(small);
    const yogaOnly = createNewsgraph({ ...(await servedKnowledge()), logger: silentLogger, curatorTokens, ...small });
    try {
      const seen: string[] = [];
      for (let round = 1; round <= 4; round++) {
        for (const first of [1, 2, 3]) {
          const spec: Case = { body: { query: statementFeed, variables: { first } } };
          const requestId = `round-${round}-${first}`;
          const actual = await answerOf(await post(mine.url, spec, requestId));
          const expected = await yogaAnswer(yogaOnly, { ...spec, headers: { 'content-length': String(Buffer.byteLength(JSON.stringify(spec.body))) } }, requestId);
          expect(actual, requestId).toEqual(expected);
          seen.push(`${first}:${actual.headers['x-cache']}`);
        }
      }
      expect(seen).toEqual(['1:miss', '2:miss', '3:miss', '1:miss', '2:miss', '3:miss', '1:hit', '2:hit', '3:miss', '1:hit', '2:hit', '3:miss']);
      expect(mine.plain()).toBeGreaterThan(0);
    } finally {
      mine.close();
    }
  });

  it('never keeps an answer that carries the text of an unexpected failure', async () => {
    const spec: Case = { body: { query: '{ INTERNAL_SERVER_ERROR: __typename }' } };
    const before = ours.plain();
    await expectSameSequence('failure-text', [spec, spec, spec, spec]);
    expect(ours.plain() - before).toBeGreaterThan(0);
  });

  it('marks an answer too large to keep as yoga does', async () => {
    const spec: Case = { body: { query: statementFeed, variables: { first: 3 } } };
    const before = ours.plain();
    await expectSameSequence('too-large', [spec, spec, spec, { ...spec, headers: { 'if-none-match': '"x"' } }]);
    expect(ours.plain() - before).toBeGreaterThan(0);
  });

  it('answers a revalidation of any answer (If-None-Match: *) on a new key with 304 and the length left out', async () => {
    const spec: Case = { body: { query: '{ dataset { counts { persons } } }' } };
    await expectSameSequence('star', [spec, { ...spec, path: '?fresh=1', headers: { 'if-none-match': '*' } }]);
  });
});

describe('answers to browsers (an Origin on every POST) from the listener, as yoga gives them', () => {
  let ours: Served;
  let reference: Newsgraph;
  const options = { corsOrigins: ['https://frontend.example'] };
  beforeAll(async () => {
    ours = await serve(options);
    reference = createNewsgraph({ ...(await servedKnowledge()), logger: silentLogger, curatorTokens, ...options });
  });
  afterAll(() => ours.close());

  for (const [index, origin] of ['https://frontend.example', 'https://elsewhere.example'].entries()) {
    it(`runs, keeps and answers from the cache a query from ${origin}`, async () => {
      // A document of its own (its text differs by a comment): each test counts its own plain answers and hits.
      const spec: Case = { body: { query: `# asked from ${origin}\n${statementFeed}`, variables: { first: 2 + index } }, path: '?with-origin', headers: { origin } };
      const bodyText = JSON.stringify(spec.body);
      const plainBefore = ours.plain();
      const hitsBefore = ours.server.listener.stats.answeredFromCache;
      for (const [index, each] of [spec, spec, spec, { ...spec, path: '', headers: { origin } }, { ...spec, path: '', headers: { origin } }, { ...spec, path: '', headers: { origin } }].entries()) {
        const requestId = `browser-${index}`;
        const actual = await answerOf(await post(ours.url, each, requestId));
        const expected = await yogaAnswer(reference, { ...each, headers: { ...each.headers, 'content-length': String(Buffer.byteLength(bodyText)) } }, requestId);
        expect(actual, `request ${index + 1}`).toEqual(expected);
      }
      // The first of each URL is yoga's; the second runs without yoga and is kept; the third is a hit
      // (the listener answers hits only without a query string).
      expect(ours.plain() - plainBefore).toBe(3);
      expect(ours.server.listener.stats.answeredFromCache - hitsBefore).toBe(1);
    });
  }
});

describe('requests the plain path leaves to yoga, over a raw socket', () => {
  let ours: Served;
  beforeAll(async () => {
    ours = await serve({});
  });
  afterAll(() => ours.close());

  /**
   * Sends raw HTTP/1.1 and returns the response head and body as text. The request says
   * `Connection: close`, so the server closes once it has answered; the socket is not half-closed
   * before that, since Node's HTTP server ends a connection whose client ended before the answer was
   * ready (an answer from the database takes a while).
   */
  const raw = (text: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(ours.url).port), '127.0.0.1', () => socket.write(text));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.on('error', reject);
    });
  const body = JSON.stringify({ query: '{ dataset { counts { events } } }' });

  it('leaves an absolute-form target to yoga, which looks it up in the response cache', async () => {
    const before = ours.plain();
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await raw(`POST http://newsgraph.test/graphql HTTP/1.1\r\nHost: newsgraph.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
    }
    expect(ours.plain() - before).toBe(0);
    expect(answers[1]).toMatch(/\r\netag: "/i);
    expect(answers[2]).toMatch(/\r\nx-cache: hit/i);
  });

  it('leaves an Origin beyond ASCII to yoga', async () => {
    // Each to its own URL: an answer kept by the response cache would be a hit, which is yoga's with an Origin.
    let n = 0;
    const request = (origin: string) =>
      raw(`POST /graphql?origin=${(n += 1)} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nOrigin: ${origin}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    await request('https://example.org');
    const before = ours.plain();
    await request('https://example.org');
    expect(ours.plain() - before, 'the same request with an ASCII origin').toBe(1);
    const answer = await request('https://\u00e9.example');
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(ours.plain() - before).toBe(1);
  });

  it('leaves a chunked body to yoga’s side of the cache, which never keeps it', async () => {
    const chunked = () =>
      raw(`POST /graphql?chunked=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    const answers = [await chunked(), await chunked(), await chunked()];
    for (const answer of answers) {
      expect(answer).toMatch(/^HTTP\/1.1 200/);
      expect(answer).not.toMatch(/\r\n(?:x-cache|etag):/i);
    }
  });
});

describe('plain queries are logged and measured like any other', () => {
  it('writes one request line with the id, operation name and status, and counts the query in the metrics', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
          done();
        },
      }),
    );
    const ours = await serve({ logger, responseCache: false });
    try {
      const spec: Case = { body: { query: statementFeed, variables: { first: 2 }, operationName: 'Feed' } };
      await post(ours.url, spec, 'log-1');
      const before = ours.plain();
      const answer = await post(ours.url, spec, 'log-2');
      expect(answer.status).toBe(200);
      expect(ours.plain() - before).toBe(1);
      const line = lines.find((each) => each.requestId === 'log-2');
      expect(line).toMatchObject({ msg: 'request', method: 'POST', path: '/graphql', operationName: 'Feed', status: 200, outcome: 'ok' });
      expect(typeof line!.durationMs).toBe('number');
      const metrics = await ours.newsgraph.metrics!.text();
      const count = /newsgraph_graphql_request_duration_seconds_count\{operation_name="Feed",operation_type="query"\} (\d+)/.exec(metrics);
      expect(Number(count?.[1])).toBe(2);
    } finally {
      ours.close();
    }
  });
});

describe('answerTypeFor', () => {
  it('chooses the media type yoga answers a query with, for the Accept headers clients send', async () => {
    const { yoga } = createNewsgraph({ ...(await servedKnowledge()), logger: silentLogger, responseCache: false });
    const accepts = [
      undefined,
      '',
      '*/*',
      'application/*',
      'application/json',
      'APPLICATION/JSON',
      'application/json;charset=utf-8',
      'application/json; charset=iso-8859-1',
      'application/graphql-response+json',
      'application/graphql-response+json, application/json',
      'application/json, application/graphql-response+json',
      'application/json; q=0.9, application/graphql-response+json',
      'application/json, text/plain, */*',
      'text/html, */*',
      'text/event-stream',
      'multipart/mixed',
      'text/*',
      'text/event-stream, application/json',
    ];
    for (const accept of accepts) {
      const response = await yoga.fetch('http://127.0.0.1/graphql', {
        method: 'POST',
        headers: { ...json, ...(accept === undefined ? {} : { accept }) },
        body: JSON.stringify({ query: '{ dataset { counts { statements } } }' }),
      });
      const type = (response.headers.get('content-type') ?? '').split(';')[0];
      // A 406 (no media type acceptable) carries a JSON refusal: not an answer the plain path could give.
      const jsonType = response.status === 200 && (type === 'application/json' || type === 'application/graphql-response+json') ? type : undefined;
      expect(answerTypeFor(accept), String(accept)).toBe(jsonType);
      await response.text();
    }
  });
});
