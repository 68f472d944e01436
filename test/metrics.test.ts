/**
 * The Prometheus endpoint: after known requests /metrics shows exactly what they were, by operation and
 * by error code; the response cache's hits and misses, open subscriptions and the dataset; each server
 * counts apart; the token and the off switch; and operation names beyond the cap fold into `other`.
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../src/config.js';
import { createHttpServer } from '../src/http/listener.js';
import { defaultMetricsOptions } from '../src/http/metrics.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { createCurationTestServer, loadDataset, mutate, query, silentLogger, subscribe, type CurationTestServer } from './helpers.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of an exposition text (comments skipped). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([key, value]) => a[key] === value);

/** The value of the sample with exactly these labels, or undefined. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((sample) => sample.name === name && sameLabels(sample.labels, labels))?.value;
}

/** The samples of one metric, as "label=value,…" → value. */
function series(samples: Sample[], name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const sample of samples.filter((s) => s.name === name)) {
    found[Object.entries(sample.labels).map(([key, value]) => `${key}=${value}`).join(',')] = sample.value;
  }
  return found;
}

async function scrape(yoga: NewsgraphYoga, headers: Record<string, string> = {}) {
  const response = await yoga.fetch('http://newsgraph.test/metrics', { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, samples: response.status === 200 ? parse(text) : [] };
}

const ask = (yoga: NewsgraphYoga, document: string) => mutate(yoga, document, undefined, null);
const COUNT = 'newsgraph_graphql_request_duration_seconds_count';

describe('after known requests', () => {
  let server: CurationTestServer;
  let samples: Sample[];
  let closeSubscription: () => void;

  beforeAll(async () => {
    server = await createCurationTestServer();
    const { yoga } = server;
    const persons = 'query PersonCount { persons { totalCount } }';
    // An answer is kept on its second request (admitAfter 2): miss, miss, hit.
    expect((await ask(yoga, persons)).headers.get('x-cache')).toBe('miss');
    expect((await ask(yoga, persons)).headers.get('x-cache')).toBe('miss');
    expect((await ask(yoga, persons)).headers.get('x-cache')).toBe('hit');
    expect((await ask(yoga, 'query CountryCount { countries { totalCount } }')).status).toBe(200);
    expect((await ask(yoga, 'query Broken { nope }')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const unauthenticated = await ask(yoga, 'mutation Create { createPerson(input: { slug: "metrics-person", name: "Metrics Person", description: "Never made." }) { person { slug } } }');
    expect(unauthenticated.status).toBe(401);
    const subscription = await subscribe(yoga, 'subscription Changes { datasetChanged { cause } }');
    closeSubscription = subscription.close;
    const scraped = await scrape(yoga);
    expect(scraped.status).toBe(200);
    samples = scraped.samples;
  });

  afterAll(async () => {
    closeSubscription?.();
    await server?.close();
  });

  it('counts each GraphQL request once under its operation name and type, and nothing else', () => {
    expect(series(samples, COUNT)).toEqual({
      'operation_name=PersonCount,operation_type=query': 3,
      'operation_name=CountryCount,operation_type=query': 1,
      // Refused requests count under the operation they asked for.
      'operation_name=Broken,operation_type=query': 1,
      'operation_name=Create,operation_type=mutation': 1,
      'operation_name=Changes,operation_type=subscription': 1,
    });
  });

  it('counts errors by extensions.code', () => {
    expect(series(samples, 'newsgraph_graphql_errors_total')).toEqual({ 'code=GRAPHQL_VALIDATION_FAILED': 1, 'code=UNAUTHENTICATED': 1 });
  });

  it('counts response-cache hits and misses: every POST without a token is looked up once', () => {
    // Misses: PersonCount twice, CountryCount, Broken, the mutation without a token and the subscription.
    expect(series(samples, 'newsgraph_response_cache_lookups_total')).toEqual({ 'result=hit': 1, 'result=miss': 6 });
  });

  it('counts what the response cache did with each answer to a miss, and what it holds', () => {
    // PersonCount kept on its second request; its first and CountryCount's one not repeated yet. The
    // refused requests (a validation failure, a mutation without a token) get an error status, never kept.
    expect(series(samples, 'newsgraph_response_cache_admissions_total')).toEqual({ 'result=kept': 1, 'result=not_repeated': 2, 'result=crowded_out': 0 });
    expect(series(samples, 'newsgraph_response_cache_entries')).toEqual({ '': 1 });
    expect(series(samples, 'newsgraph_response_cache_size_bytes')['']).toBeGreaterThan(0);
  });

  it('has the latency histogram with every bucket', () => {
    const buckets = samples.filter((s) => s.name === 'newsgraph_graphql_request_duration_seconds_bucket' && s.labels.operation_name === 'PersonCount');
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    for (let i = 1; i < buckets.length; i += 1) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)!.value).toBe(3);
    expect(valueOf(samples, 'newsgraph_graphql_request_duration_seconds_sum', { operation_name: 'PersonCount', operation_type: 'query' })).toBeGreaterThan(0);
  });

  it('shows the open subscription, the dataset version and its record counts', async () => {
    // As the API reports them (asked after the scrape, so these requests are not in its samples).
    const { dataset } = (await query(server.yoga, '{ dataset { version loadedAt counts { sources persons countries organizations events statements } } }')).data;
    expect(valueOf(samples, 'newsgraph_subscriptions_open')).toBe(1);
    expect(series(samples, 'newsgraph_dataset_info')).toEqual({ [`version=${dataset.version}`]: 1 });
    expect(valueOf(samples, 'newsgraph_dataset_loaded_timestamp_seconds')).toBe(new Date(dataset.loadedAt).getTime() / 1000);
    const counts = dataset.counts as Record<string, number>;
    expect(series(samples, 'newsgraph_dataset_records')).toEqual(Object.fromEntries(Object.entries(counts).map(([kind, count]) => [`kind=${kind}`, count])));
    expect(counts.persons).toBeGreaterThan(0);
  });

  it('has the process metrics under their usual names', () => {
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(samples.some((s) => s.name === name), name).toBe(true);
    }
  });

  it('answers in the Prometheus text format, never from the cache, and is not a GraphQL request itself', async () => {
    const first = await scrape(server.yoga);
    const second = await scrape(server.yoga);
    expect(second.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(second.headers.get('cache-control')).toBe('no-store');
    expect(second.headers.get('x-cache')).toBeNull();
    expect(series(second.samples, COUNT)).toEqual(series(first.samples, COUNT));
    expect(series(second.samples, 'newsgraph_response_cache_lookups_total')).toEqual(series(first.samples, 'newsgraph_response_cache_lookups_total'));
    const post = await server.yoga.fetch('http://newsgraph.test/metrics', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('counts a subscription as closed once its client hangs up', async () => {
    const open = async () => valueOf((await scrape(server.yoga)).samples, 'newsgraph_subscriptions_open');
    const response = await server.yoga.fetch('http://newsgraph.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { datasetChanged { cause } }' }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    // A stream never read is not cancelled by the Fetch ponyfill: read its opening ping first.
    await reader.read();
    expect(await open()).toBe(2);
    await reader.cancel();
    const deadline = Date.now() + 5_000;
    while ((await open()) !== 1) {
      if (Date.now() > deadline) throw new Error('the subscription is still counted as open');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});

describe('over the real listener', () => {
  it('counts the answers the listener sends from the cache itself, and its refusals; serves /metrics by absolute-form target and HEAD', async () => {
    const newsgraph = createNewsgraph({ kb: await loadDataset(), logger: silentLogger });
    const server = createHttpServer(newsgraph);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    try {
      const body = JSON.stringify({ query: 'query DatasetVersion { dataset { version } }' });
      for (const expected of ['miss', 'miss', 'hit']) {
        const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(response.headers.get('x-cache')).toBe(expected);
        await response.text();
      }
      expect(server.listener.stats.answeredFromCache).toBe(1);
      expect((await fetch(`${base}/graphql`, { method: 'PUT', body })).status).toBe(405);

      const scraped = await fetch(`${base}/metrics`);
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const samples = parse(await scraped.text());
      expect(series(samples, COUNT)).toEqual({ 'operation_name=DatasetVersion,operation_type=query': 3 });
      expect(series(samples, 'newsgraph_response_cache_lookups_total')).toEqual({ 'result=hit': 1, 'result=miss': 2 });
      expect(series(samples, 'newsgraph_graphql_errors_total')).toEqual({ 'code=BAD_REQUEST': 1 });

      const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      // The route comes from the request target, whatever its form.
      const absolute = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port, path: 'http://elsewhere.test/metrics', headers: { host: 'elsewhere.test' } }, (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode!, text }));
        });
        request.on('error', reject).end();
      });
      expect(absolute.status).toBe(200);
      expect(absolute.text).toContain('newsgraph_dataset_info');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('settings', () => {
  it('keeps the counts of two servers in one process apart', async () => {
    const kb = await loadDataset();
    const one = createNewsgraph({ kb, logger: silentLogger });
    const two = createNewsgraph({ kb, logger: silentLogger });
    expect(one.metrics!.registry).not.toBe(two.metrics!.registry);
    await ask(one.yoga, 'query OnOne { dataset { version } }');
    await ask(one.yoga, 'query OnOne { dataset { version } }');
    await ask(two.yoga, 'query OnTwo { persons { totalCount } }');
    expect(series((await scrape(one.yoga)).samples, COUNT)).toEqual({ 'operation_name=OnOne,operation_type=query': 2 });
    expect(series((await scrape(two.yoga)).samples, COUNT)).toEqual({ 'operation_name=OnTwo,operation_type=query': 1 });
  });

  it('refuses a scrape without the configured token (401) and answers one with it', async () => {
    const token = 'metrics-token-0123456789';
    const config = readConfig({ NEWSGRAPH_METRICS_TOKEN: token });
    expect(config.metrics).toEqual({ ...defaultMetricsOptions, token });
    const { yoga } = createNewsgraph({ kb: await loadDataset(), logger: silentLogger, metrics: config.metrics });
    for (const headers of [{}, { authorization: 'Bearer metrics-token-wrong-456789' }, { authorization: token }] as Record<string, string>[]) {
      const refused = await scrape(yoga, headers);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(refused.text).not.toContain('newsgraph_');
    }
    const answered = await scrape(yoga, { authorization: `Bearer ${token}` });
    expect(answered.status).toBe(200);
    expect(answered.text).toContain('newsgraph_dataset_info');
  });

  it('serves no /metrics (404) with NEWSGRAPH_METRICS=off', async () => {
    const config = readConfig({ NEWSGRAPH_METRICS: 'off' });
    expect(config.metrics).toBe(false);
    const newsgraph = createNewsgraph({ kb: await loadDataset(), logger: silentLogger, metrics: config.metrics });
    expect(newsgraph.metrics).toBeUndefined();
    expect((await scrape(newsgraph.yoga)).status).toBe(404);
    expect((await ask(newsgraph.yoga, '{ dataset { version } }')).status).toBe(200);
  });

  it('validates the variables without echoing a token', () => {
    expect(readConfig({}).metrics).toEqual(defaultMetricsOptions);
    expect(readConfig({ NEWSGRAPH_METRICS: 'on' }).metrics).toEqual(defaultMetricsOptions);
    expect(() => readConfig({ NEWSGRAPH_METRICS: 'maybe' })).toThrow(ConfigError);
    expect(() => readConfig({ NEWSGRAPH_METRICS: 'off', NEWSGRAPH_METRICS_TOKEN: 'metrics-token-0123456789' })).toThrow(/NEWSGRAPH_METRICS is off/);
    for (const token of ['short', 'has spaces in it, quite long']) {
      expect(() => readConfig({ NEWSGRAPH_METRICS_TOKEN: token })).toThrow(ConfigError);
      try {
        readConfig({ NEWSGRAPH_METRICS_TOKEN: token });
      } catch (error) {
        expect((error as Error).message).not.toContain(token);
      }
    }
  });

  it('folds operation names beyond the cap into `other`; unnamed and unknown operations have one label each', async () => {
    const { yoga } = createNewsgraph({ kb: await loadDataset(), logger: silentLogger, metrics: { maxOperationNames: 3 } });
    for (let i = 0; i < 10; i += 1) await ask(yoga, `query Q${i} { dataset { version } }`);
    // A name that had its label before the cap was reached keeps it.
    await ask(yoga, 'query Q1 { dataset { version } }');
    await ask(yoga, '{ dataset { version } }');
    await ask(yoga, 'query Unparsed {');
    // A persisted-document hash nobody knows: no document, so no operation.
    const hashOnly = { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } };
    await yoga.fetch('http://newsgraph.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hashOnly) });
    expect(series((await scrape(yoga)).samples, COUNT)).toEqual({
      'operation_name=Q0,operation_type=query': 1,
      'operation_name=Q1,operation_type=query': 2,
      'operation_name=Q2,operation_type=query': 1,
      'operation_name=other,operation_type=query': 7,
      'operation_name=anonymous,operation_type=query': 1,
      'operation_name=unknown,operation_type=unknown': 2,
    });
  });
});
