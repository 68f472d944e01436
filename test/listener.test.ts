/**
 * The node:http listener (src/http/listener.ts) against yoga's own: the same requests over real sockets
 * to two servers, one listening with `createNodeListener` (as src/index.ts does) and one with the yoga
 * instance itself, must get the same status, headers and bytes. Plus the graphql-http audits over a
 * socket, and the body limit with declared, chunked and lying lengths.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.js';
import { createNodeListener, type NodeListener } from '../src/http/listener.js';
import { schema } from '../src/schema/index.js';
import { createNewsgraph, DEFAULT_MAX_BODY_BYTES } from '../src/server.js';
import { generateOperation, loadCorpus, Rng, toJsonText } from './fuzz/generate.js';
import type { PostgresKnowledge } from '../src/store/postgres/database.js';
import { answersAgree, dataDir, servedKnowledge, silentLogger } from './helpers.js';
import { storeUnderTest } from './store-under-test.js';

interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body in pieces without a Content-Length (Transfer-Encoding: chunked). */
  chunked?: boolean;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(port: number, spec: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.body !== undefined && !spec.chunked && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(spec.body));
    const req = httpRequest({ host: '127.0.0.1', port, method: spec.method, path: spec.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (spec.body !== undefined && spec.chunked) {
      const body = Buffer.from(spec.body);
      for (let i = 0; i < body.length; i += 4096) req.write(body.subarray(i, i + 4096));
    } else if (spec.body !== undefined) {
      req.write(spec.body);
    }
    req.end();
  });
}

/** What must be equal: everything but the Date header, which moves with the clock. */
function comparable(response: RawResponse) {
  const { date: _date, ...headers } = response.headers;
  return { status: response.status, headers, body: response.body.replace(/"loadedAt":"[^"]+"/g, '"loadedAt":"…"') };
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('the node:http listener', () => {
  let listener: NodeListener;
  let ours: Server;
  let yogas: Server;
  let oursPort: number;
  let yogasPort: number;
  let served: Awaited<ReturnType<typeof servedKnowledge>>;

  beforeAll(async () => {
    served = await servedKnowledge();
    // Two instances, so neither's response cache answers for the other.
    listener = createNodeListener(createNewsgraph({ ...served, logger: silentLogger }));
    ours = createHttpServer(listener);
    yogas = createHttpServer(createNewsgraph({ ...served, logger: silentLogger }).yoga);
    [oursPort, yogasPort] = await Promise.all([listen(ours), listen(yogas)]);
  });

  afterAll(() => {
    ours.closeAllConnections();
    yogas.closeAllConnections();
    ours.close();
    yogas.close();
  });

  const json = { 'content-type': 'application/json' };
  const okBody = JSON.stringify({ query: '{ dataset { version counts { persons } } }' });
  const overLimit = JSON.stringify({ query: '{ dataset { version } }', variables: { x: 'a'.repeat(DEFAULT_MAX_BODY_BYTES) } });
  const atLimit = JSON.stringify({ query: `{ dataset { version } }${' '.repeat(DEFAULT_MAX_BODY_BYTES - 40)}` });
  const cases: Record<string, RawRequest> = {
    'json post': { method: 'POST', path: '/graphql', headers: json, body: okBody },
    'json post, graphql-response accept': { method: 'POST', path: '/graphql', headers: { ...json, accept: 'application/graphql-response+json' }, body: okBody },
    'json post, query string': { method: 'POST', path: '/graphql?x=1', headers: json, body: okBody },
    'body at the limit': { method: 'POST', path: '/graphql', headers: json, body: atLimit.padEnd(DEFAULT_MAX_BODY_BYTES, ' ') },
    'empty body': { method: 'POST', path: '/graphql', headers: json, body: '' },
    'invalid json': { method: 'POST', path: '/graphql', headers: json, body: '{"query": ' },
    'a batch': { method: 'POST', path: '/graphql', headers: json, body: `[${okBody}]` },
    'no content type': { method: 'POST', path: '/graphql', body: okBody },
    'text/plain without the csrf header': { method: 'POST', path: '/graphql', headers: { 'content-type': 'text/plain' }, body: okBody },
    'application/graphql': { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/graphql', 'x-graphql-yoga-csrf': '1' }, body: '{ dataset { version } }' },
    'form': { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-graphql-yoga-csrf': '1' }, body: `query=${encodeURIComponent('{ dataset { version } }')}` },
    'multipart': {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'multipart/form-data; boundary=b', 'x-graphql-yoga-csrf': '1' },
      body: `--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${okBody}\r\n--b\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--b--\r\n`,
    },
    'xml': { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/xml', 'x-graphql-yoga-csrf': '1' }, body: '<q/>' },
    'get': { method: 'GET', path: `/graphql?query=${encodeURIComponent('{ dataset { version } }')}`, headers: { 'x-graphql-yoga-csrf': '1' } },
    'get without the csrf header': { method: 'GET', path: `/graphql?query=${encodeURIComponent('{ dataset { version } }')}` },
    'get with invalid variables': { method: 'GET', path: `/graphql?query=${encodeURIComponent('{ dataset { version } }')}&variables=%7B`, headers: { 'x-graphql-yoga-csrf': '1' } },
    'graphiql': { method: 'GET', path: '/graphql', headers: { accept: 'text/html' } },
    'cors preflight': { method: 'OPTIONS', path: '/graphql', headers: { origin: 'https://example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } },
    'cors post': { method: 'POST', path: '/graphql', headers: { ...json, origin: 'https://example.org' }, body: okBody },
    'health': { method: 'GET', path: '/health' },
    'ready': { method: 'GET', path: '/ready' },
    'explorer': { method: 'GET', path: '/explore' },
    'unknown path': { method: 'GET', path: '/nothing-here' },
    'unknown path, post': { method: 'POST', path: '/nothing-here', headers: json, body: okBody },
    'conditional get of a cached answer': { method: 'POST', path: '/graphql', headers: { ...json, 'if-none-match': '"nope"' }, body: okBody },
  };

  for (const [name, spec] of Object.entries(cases)) {
    it(`answers as yoga's listener does: ${name}`, async () => {
      const headers = { ...spec.headers, 'x-request-id': `case-${name.replace(/[^a-z]+/g, '-')}` };
      const [expected, actual] = await Promise.all([send(yogasPort, { ...spec, headers }), send(oursPort, { ...spec, headers })]);
      expect(comparable(actual)).toEqual(comparable(expected));
    });
  }

  it('answers 300 generated queries as yoga’s listener does, sent three times (run without yoga and kept on the second, from the cache on the third)', async () => {
    const before = listener.stats.answeredFromCache;
    const plainBefore = listener.stats.answeredPlainly;
    const rng = new Rng(20261128);
    const corpus = loadCorpus(dataDir);
    let answeredWithoutErrors = 0;
    let secondRoundHits = 0;
    for (let i = 0; i < 300; i++) {
      const op = generateOperation(rng, schema, corpus, { maxDepth: rng.int(2, 5), useVariables: rng.chance(0.5) });
      const body = toJsonText({ query: op.query, variables: op.variables, ...(op.operationName ? { operationName: op.operationName } : {}) });
      // Bodies over the limit are refused by this listener itself (the test of the body limit above).
      if (Buffer.byteLength(body) > DEFAULT_MAX_BODY_BYTES) continue;
      for (const round of [1, 2, 3]) {
        const spec = { method: 'POST', path: '/graphql', headers: { ...json, 'x-request-id': `gen-${i}-${round}` }, body };
        const [expected, actual] = await Promise.all([send(yogasPort, spec), send(oursPort, spec)]);
        if (expected.body !== actual.body && answersAgree(expected.body, actual.body)) {
          // The same answer with its errors in another order, or both null `data` (see answersAgree): the rest must agree.
          const { 'content-length': _expectedLength, etag: _expectedTag, ...expectedHeaders } = comparable(expected).headers;
          const { 'content-length': _actualLength, etag: _actualTag, ...actualHeaders } = comparable(actual).headers;
          expect({ status: actual.status, headers: actualHeaders }, body).toEqual({ status: expected.status, headers: expectedHeaders });
          continue;
        }
        expect(comparable(actual), body).toEqual(comparable(expected));
        if (round === 2 && actual.status === 200 && !JSON.parse(actual.body).errors) {
          answeredWithoutErrors += 1;
          // A query the generator made before may be in the response cache by now, and is answered from it.
          if (actual.headers['x-cache'] === 'hit') secondRoundHits += 1;
        }
      }
    }
    // Every second round without errors ran without yoga (src/http/plain-query.ts) or came from the cache; the generator’s
    // random arguments make most operations fail (unknown ids, cursors naming a record of another kind,
    // curator-only fields), which yoga answers.
    expect(answeredWithoutErrors).toBeGreaterThan(40);
    const answeredPlainly = listener.stats.answeredPlainly - plainBefore;
    expect(answeredPlainly).toBeGreaterThanOrEqual(answeredWithoutErrors - secondRoundHits);
    expect(answeredPlainly).toBeLessThanOrEqual(answeredWithoutErrors);
    // Most third rounds (not answers the cache does not keep) skipped yoga entirely.
    expect(listener.stats.answeredFromCache - before).toBeGreaterThan(100);
  }, 60_000);

  // Where this listener answers on its own, by design: it reads every body itself, serves only GET,
  // HEAD, POST and OPTIONS, and answers HEAD as GET without the body.
  it('answers a chunked body as it answers the same body with a declared length', async () => {
    const body = JSON.stringify({ query: '{ statements(first: 3) { edges { node { text } } } }' });
    const declared = await send(oursPort, { method: 'POST', path: '/graphql', headers: { ...json, 'x-request-id': 'declared' }, body });
    const chunked = await send(oursPort, { method: 'POST', path: '/graphql', headers: { ...json, 'x-request-id': 'chunked' }, body: body.repeat(1), chunked: true });
    expect(declared.status).toBe(200);
    expect(chunked.body).toBe(declared.body);
  });

  it('refuses a body over the limit with 413 and a coded error, declared or chunked, and closes the connection', async () => {
    for (const spec of [
      { method: 'POST', path: '/graphql', headers: json, body: atLimit.padEnd(DEFAULT_MAX_BODY_BYTES + 1, ' ') },
      { method: 'POST', path: '/graphql', headers: json, body: overLimit },
      { method: 'POST', path: '/graphql', headers: json, body: overLimit, chunked: true },
    ]) {
      const response: RawResponse = await send(oursPort, spec).catch((error: Error) => ({ status: 0, headers: {}, body: error.message }));
      expect(response.status, JSON.stringify(spec.headers)).toBe(413);
      expect(JSON.parse(response.body).errors[0]).toEqual({ message: `Request body too large: the limit is ${DEFAULT_MAX_BODY_BYTES} bytes`, extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } });
      expect(response.headers.connection).toBe('close');
    }
  });

  it('lets a page on another origin read its own refusals: CORS headers as yoga would send them', async () => {
    const origin = 'https://frontend.example';
    for (const spec of [
      { method: 'POST', path: '/graphql', headers: { ...json, origin }, body: overLimit },
      { method: 'PUT', path: '/graphql', headers: { ...json, origin }, body: okBody },
    ]) {
      const refused = await send(oursPort, spec);
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.headers['access-control-allow-origin'], spec.method).toBe(origin);
      expect(refused.headers['access-control-allow-credentials']).toBeUndefined();
      expect(refused.headers.vary).toBe('Origin');
    }
    // Without an Origin, none.
    const plain = await send(oursPort, { method: 'PUT', path: '/graphql', headers: json, body: okBody });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses methods it does not serve with 405, Allow and a coded error', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'PROPFIND']) {
      const response = await send(oursPort, { method, path: '/graphql', headers: json, body: okBody });
      expect(response.status, method).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
      expect(JSON.parse(response.body).errors[0]).toEqual({ message: `The method ${method} is not served; use GET or POST`, extensions: { code: 'BAD_REQUEST' } });
    }
  });

  it('answers HEAD as it answers GET, without the body', async () => {
    for (const path of ['/health', '/ready', '/explore', `/graphql?query=${encodeURIComponent('{ dataset { version } }')}`, '/nothing-here']) {
      const headers = { 'x-graphql-yoga-csrf': '1', 'x-request-id': 'head-or-get' };
      // Twice first, so that a cacheable answer is kept and both below are hits.
      for (let i = 0; i < 2; i++) await send(oursPort, { method: 'GET', path, headers });
      const get = await send(oursPort, { method: 'GET', path, headers });
      const head = await send(oursPort, { method: 'HEAD', path, headers });
      expect(head.status, path).toBe(get.status);
      expect(head.body, path).toBe('');
      // Framing is the one difference: a body of unknown length is sent chunked, and HEAD sends none.
      const { date: _d1, 'transfer-encoding': _t1, ...getHeaders } = get.headers;
      const { date: _d2, 'transfer-encoding': _t2, ...headHeaders } = head.headers;
      expect(headHeaders, path).toEqual(getHeaders);
    }
  });

  it('answers an HTTP/1.0 request without a Host header as yoga’s listener does', async () => {
    const raw = (port: number) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end(`POST /graphql HTTP/1.0\r\ncontent-type: application/json\r\nx-request-id: no-host\r\ncontent-length: ${Buffer.byteLength(okBody)}\r\n\r\n${okBody}`);
        });
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').replace(/^date: .*\r\n/im, '').replace(/"loadedAt":"[^"]+"/g, '')));
        socket.on('error', reject);
      });
    const [expected, actual] = await Promise.all([raw(yogasPort), raw(oursPort)]);
    expect(actual).toContain('HTTP/1.1 200');
    // The same answer; ours may come from the response cache (x-cache: hit), with its headers in another order.
    const bodyOf = (response: string) => response.slice(response.indexOf('\r\n\r\n') + 4);
    expect(bodyOf(actual)).toEqual(bodyOf(expected));
  });

  it('answers a conditional request for a cached answer with 304 as yoga’s listener does', async () => {
    const body = JSON.stringify({ query: '{ statements(first: 2) { edges { node { text } } } }' });
    // Kept on its first repeat, by each server.
    await send(oursPort, { method: 'POST', path: '/graphql', headers: json, body });
    await send(yogasPort, { method: 'POST', path: '/graphql', headers: json, body });
    const first = await send(oursPort, { method: 'POST', path: '/graphql', headers: json, body });
    await send(yogasPort, { method: 'POST', path: '/graphql', headers: json, body });
    const etag = String(first.headers.etag);
    for (const extra of [{ 'if-none-match': etag }, { 'if-none-match': etag, origin: 'https://example.org' }, { 'if-none-match': '"other"' }] as Record<string, string>[]) {
      const spec = { method: 'POST', path: '/graphql', headers: { ...json, ...extra, 'x-request-id': 'conditional' }, body };
      const [expected, actual] = await Promise.all([send(yogasPort, spec), send(oursPort, spec)]);
      expect(comparable(actual), JSON.stringify(extra)).toEqual(comparable(expected));
      expect(actual.headers['x-cache']).toBe('hit');
    }
  });

  it('never answers a request carrying a token from the cache: a bad token is refused even for a cached query', async () => {
    const body = JSON.stringify({ query: '{ statements(first: 3) { totalCount } }' });
    await send(oursPort, { method: 'POST', path: '/graphql', headers: json, body });
    await send(oursPort, { method: 'POST', path: '/graphql', headers: json, body });
    expect((await send(oursPort, { method: 'POST', path: '/graphql', headers: json, body })).headers['x-cache']).toBe('hit');
    const withToken = await send(oursPort, { method: 'POST', path: '/graphql', headers: { ...json, authorization: 'Bearer not-a-token' }, body });
    expect(withToken.status).toBe(401);
    expect(JSON.parse(withToken.body).errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('logs a request answered from the cache as yoga’s listener does', async () => {
    const served = await servedKnowledge();
    const lines: [Record<string, unknown>[], Record<string, unknown>[]] = [[], []];
    const logTo = (into: Record<string, unknown>[]) =>
      createLogger(
        'info',
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) into.push(JSON.parse(line) as Record<string, unknown>);
            done();
          },
        }),
      );
    const servers = [
      createHttpServer(createNodeListener(createNewsgraph({ ...served, logger: logTo(lines[0]) }))),
      createHttpServer(createNewsgraph({ ...served, logger: logTo(lines[1]) }).yoga),
    ];
    const ports = await Promise.all(servers.map(listen));
    try {
      const body = JSON.stringify({ query: 'query Feed { statements(first: 1) { totalCount } }', operationName: 'Feed' });
      for (const headers of [{ 'x-request-id': 'first' }, { 'x-request-id': 'second' }, { 'x-request-id': 'not acceptable!' }, {}] as Record<string, string>[]) {
        for (const port of ports) {
          const response = await send(port, { method: 'POST', path: '/graphql', headers: { ...json, ...headers }, body });
          expect(response.status).toBe(200);
        }
      }
    } finally {
      for (const server of servers) {
        server.closeAllConnections();
        server.close();
      }
    }
    const requestLines = (all: Record<string, unknown>[]) =>
      all
        .filter((line) => line.msg === 'request')
        .map(({ time: _time, durationMs, requestId, ...rest }) => ({ ...rest, durationMs: typeof durationMs, requestId: String(requestId).length > 30 ? 'uuid' : requestId }));
    expect(requestLines(lines[0])).toEqual(requestLines(lines[1]));
    expect(requestLines(lines[0]).map((line) => line.requestId)).toEqual(['first', 'second', 'uuid', 'uuid']);
  });

  it('passes the graphql-http audits over a socket', async () => {
    const failures: string[] = [];
    const fetchFn = (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set('x-graphql-yoga-csrf', '1');
      return fetch(input, { ...init, headers });
    };
    for (const audit of serverAudits({ url: `http://127.0.0.1:${oursPort}/graphql`, fetchFn })) {
      const result = await audit.fn();
      if (result.status !== 'ok') failures.push(`${audit.id} ${audit.name}: ${'reason' in result ? result.reason : ''}`);
    }
    expect(failures).toEqual([]);
  });

  it.runIf(storeUnderTest === 'postgres')('gives back the database connection of every request, however it was answered', async () => {
    // Each request reads in a transaction of its own (src/store/postgres/read-session.ts); one left open
    // would hold a pooled connection for good.
    const { database } = served as { database: PostgresKnowledge };
    const post = (body: unknown, headers: Record<string, string> = {}) => send(oursPort, { method: 'POST', path: '/graphql', headers: { ...json, ...headers }, body: JSON.stringify(body) });
    const nestedPages = '{ persons(first: 100) { edges { node { statements(first: 100) { edges { node { speaker { statements(first: 100) { totalCount } } } } } } } } }';
    const answers = await Promise.all([
      // Answered without yoga (each a new document or variables, so none from the cache).
      ...Array.from({ length: 12 }, (_, index) => post({ query: `query Plain${index} { persons(first: ${index + 1}) { totalCount edges { node { slug } } } }` })),
      // An error in a resolver: run by yoga again.
      post({ query: '{ person(slug: "nobody-at-all") { name } }' }),
      // Refused by a plugin while executing: a mutation without a token.
      post({ query: 'mutation { createPerson(input: { slug: "nobody-new", name: "Nobody New", description: "d" }) { person { slug } } }' }),
      // Refused before executing: over the cost limit, invalid, unknown operation.
      post({ query: nestedPages }),
      post({ query: '{ nope }' }),
      post({ query: 'query A { dataset { version } }', operationName: 'B' }),
      // The dataset fields (counts read in the request's transaction) and /ready.
      post({ query: '{ dataset { version counts { persons statements } } }' }),
      send(oursPort, { method: 'GET', path: '/ready' }),
    ]);
    const outcomes = answers.map((answer) => (JSON.parse(answer.body) as { errors?: { extensions: { code: string } }[] }).errors?.[0]?.extensions.code ?? answer.status);
    expect(outcomes).toEqual([...Array(12).fill(200), 'NOT_FOUND', 'UNAUTHENTICATED', 'QUERY_TOO_COMPLEX', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 200, 200]);
    // A subscription set up, then left.
    const subscription = new AbortController();
    const events = await fetch(`http://127.0.0.1:${oursPort}/graphql?query=${encodeURIComponent('subscription { datasetChanged { version } }')}`, {
      headers: { accept: 'text/event-stream', 'x-graphql-yoga-csrf': '1' },
      signal: subscription.signal,
    });
    expect(events.status).toBe(200);
    subscription.abort();
    await expect.poll(() => database.poolUse().total - database.poolUse().idle, { timeout: 5_000 }).toBe(0);
    expect(database.poolUse().total).toBeGreaterThan(0);
  });
});
