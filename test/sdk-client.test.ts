/**
 * What the SDK's client adds to fetch, through its public entry (@newsgraph/client) against the real
 * server: the dataset version of every answer, coded errors of its own for a timeout, an abort and an
 * unreachable server, and subscriptions that reconnect after a dropped connection.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, DatasetChangedDocument, GraphQLRequestError, NodeLookupDocument, StatementFeedDocument } from '@newsgraph/client';
import { ErrorCode } from '../src/errors.js';
import type { NewsgraphYoga } from '../src/server.js';
import { createCurationTestServer, mutate, type CurationTestServer } from './helpers.js';

let server: CurationTestServer;
let yoga: NewsgraphYoga;

beforeAll(async () => {
  server = await createCurationTestServer();
  yoga = server.yoga;
});
afterAll(() => server.close());

const url = 'http://newsgraph.test/graphql';
const viaYoga = async (input: string, init: RequestInit) => yoga.fetch(input, init);

/** The code of the GraphQLRequestError `promise` rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(GraphQLRequestError);
  return (error as GraphQLRequestError).code;
}

describe('the SDK client', () => {
  it('gives the dataset version of every answer', async () => {
    const client = createClient({ url, fetch: viaYoga });
    const { datasetVersion, extensions } = await client.request(StatementFeedDocument, { first: 1 });
    expect(datasetVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(datasetVersion).toBe(extensions.dataset?.version);
  });

  it('knows every code the server sends', async () => {
    // The SDK's NewsgraphErrorCode union is checked against the server's list at compile time here.
    const serverCodes: readonly import('@newsgraph/client').NewsgraphErrorCode[] = Object.values(ErrorCode);
    expect(serverCodes.length).toBeGreaterThan(20);
  });

  it('fails with TIMEOUT when no answer comes within timeoutMs, and with ABORTED when the caller aborts', async () => {
    // A server that accepts the request and never answers.
    const hanging = (_input: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const client = createClient({ url, fetch: hanging, timeoutMs: 50 });
    expect(await codeOf(client.request(NodeLookupDocument, { id: 'john-kerry' }))).toBe('TIMEOUT');

    const patient = createClient({ url, fetch: hanging });
    const abort = new AbortController();
    const pending = patient.request(NodeLookupDocument, { id: 'john-kerry' }, { signal: abort.signal });
    abort.abort();
    expect(await codeOf(pending)).toBe('ABORTED');
  });

  it('fails with NETWORK_ERROR when the server cannot be reached', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const client = createClient({ url: `http://127.0.0.1:${port}/graphql` });
    const error = await client.request(NodeLookupDocument, { id: 'john-kerry' }).catch((failure: GraphQLRequestError) => failure);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });

  it('reconnects a subscription whose connection dropped, and says so', async () => {
    let opened = 0;
    // The first stream is cut by the network after it opened; the second is the server's own.
    const dropping = async (input: string, init: RequestInit) => {
      opened += 1;
      if (opened > 1) return yoga.fetch(input, init);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(':\n\n'));
          setTimeout(() => controller.error(new TypeError('terminated')), 20);
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    };
    const client = createClient({ url, fetch: dropping });
    const reconnections: number[] = [];
    const stop = new AbortController();
    let open!: () => void;
    const reopened = new Promise<void>((resolve) => (open = resolve));
    const received = (async () => {
      for await (const { data, datasetVersion } of client.subscribe(DatasetChangedDocument, {}, {
        signal: stop.signal,
        onOpen: () => opened > 1 && open(),
        reconnect: { attempts: 3, delayMs: 10, onReconnect: (attempt) => reconnections.push(attempt) },
      })) {
        return { changes: data.datasetChanged.changes.map((change) => change.change), version: data.datasetChanged.dataset.version, datasetVersion };
      }
      return undefined;
    })();
    await reopened;
    const created = await mutate(yoga, `mutation { createSource(input: { slug: "sdk-reconnect-test", title: "Test", text: "A test text.", language: "en" }) { datasetVersion } }`);
    expect(created.errors).toBeUndefined();
    // The event carries the version of the knowledge base that holds its change, as every answer does.
    const event = await received;
    expect(event?.changes).toEqual(['CREATED']);
    expect(event?.datasetVersion).toBe(event?.version);
    expect(event?.datasetVersion).toBe(created.data.createSource.datasetVersion);
    expect(reconnections).toEqual([1]);
    stop.abort();
  });

  it('does not retry what the server refused', async () => {
    let requests = 0;
    const counting = async (input: string, init: RequestInit) => {
      requests += 1;
      return yoga.fetch(input, init);
    };
    const client = createClient({ url, fetch: counting });
    // A document of the caller's own (its text in `loc.source`, as graphql's parse leaves it) that the schema refuses.
    const invalid = { kind: 'Document', definitions: [], loc: { source: { body: 'subscription { noSuchField }' } } } as never;
    const refused = (async () => {
      for await (const _event of client.subscribe(invalid, {}, { reconnect: { attempts: 3, delayMs: 10 } })) {
        // never reached
      }
    })();
    expect(await codeOf(refused)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(requests).toBe(1);
  });
});
