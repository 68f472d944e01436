/**
 * Fuzz test: thousands of generated, mutated and hostile requests through the real HTTP pipeline
 * (`yoga.fetch` on a server built by createNewsgraph, as in production). After every request: a JSON
 * response with data or coded errors, never a 5xx, no leak of internals, no hang. After the run: the
 * server still answers correctly, /health is 200, nothing polluted Object.prototype, and the heap is
 * back near where it started.
 *
 * Reproducible: the seed is printed; FUZZ_SEED=<n> replays a run, FUZZ_COUNT=<n> changes its size.
 *
 * The cases at the end pin the server bugs the fuzzer found (all fixed), each with the smallest request
 * that showed it, so they cannot come back unnoticed.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/errors.js';
import { schema } from '../src/schema/index.js';
import type { NewsgraphYoga } from '../src/server.js';
import {
  fragmentFanOut,
  generateOperation,
  hostileDocuments,
  loadCorpus,
  mutateDocument,
  mutateVariables,
  nestedListLiteral,
  Rng,
  toJsonText,
  withProtoKey,
  type Corpus,
} from './fuzz/generate.js';
import { createTestServer, dataDir, leaksIn, projectRoot, query } from './helpers.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
const COUNT = process.env.FUZZ_COUNT ? Math.max(1, Number(process.env.FUZZ_COUNT)) : 3000;
/** Requests in flight at once: interleaving exercises per-request contexts and loaders. */
const CONCURRENCY = 4;
const REQUEST_TIMEOUT_MS = 5_000;
const HEAP_GROWTH_LIMIT_MB = 50;
/**
 * Levels of the fragment fan-out finding: far over the timeout (each level doubles the time; 18 take
 * about a second here), yet a child process left behind by a crashed run still ends within minutes.
 */
const FAN_OUT_LEVELS = 24;
const ENDPOINT = 'http://newsgraph.test/graphql';

/** The codes in the README's errors table (the rows of the table under "## Errors"). */
function readmeErrorCodes(): string[] {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Errors')) ?? '';
  return [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
}
const README_CODES = readmeErrorCodes();
/** The documented codes: ErrorCode in src/errors.ts, plus the README's errors table. */
const DOCUMENTED_CODES = new Set<string>([...Object.values(ErrorCode), ...README_CODES]);

// ---------------------------------------------------------------------------------------------
// Requests

interface RequestSpec {
  /** For the summary: "generated", "mutated-variables:wrong-type", "hostile-http:empty-body", … */
  category: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

const JSON_ACCEPTS = ['', 'application/json', 'application/graphql-response+json', '*/*', 'application/graphql-response+json, application/json;q=0.9', 'application/*'];

function withAccept(rng: Rng, headers: Record<string, string>): Record<string, string> {
  const accept = rng.pick(JSON_ACCEPTS);
  return accept ? { ...headers, accept } : headers;
}

const csrf = { 'x-graphql-yoga-csrf': '1' };
const json = { 'content-type': 'application/json' };

function getUrl(params: Record<string, string | undefined>): string {
  const url = new URL(ENDPOINT);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

function multipartBody(operations: string, boundary = 'fuzzboundary'): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--${boundary}--\r\n`;
}

/** Sends a GraphQL request the ways clients do: mostly JSON POST, sometimes GET, form, multipart or raw GraphQL. */
function transport(rng: Rng, category: string, queryText: string, variables?: Record<string, unknown>, operationName?: string): RequestSpec {
  const payload = { query: queryText, ...(variables && Object.keys(variables).length > 0 ? { variables } : {}), ...(operationName ? { operationName } : {}) };
  const bodyText = toJsonText(payload);
  const variablesText = payload.variables ? toJsonText(payload.variables) : undefined;
  const kind = rng.weighted([
    [16, 'post-json'],
    [3, 'get'],
    [0.5, 'get-without-csrf'],
    [0.7, 'post-graphql'],
    [0.7, 'post-urlencoded'],
    [0.7, 'post-multipart'],
  ] as const);
  switch (kind) {
    case 'post-json':
      return { category, method: 'POST', url: ENDPOINT, headers: withAccept(rng, json), body: bodyText };
    case 'get':
    case 'get-without-csrf':
      return {
        category,
        method: 'GET',
        url: getUrl({ query: queryText, variables: variablesText, operationName }),
        headers: withAccept(rng, kind === 'get' ? csrf : {}),
      };
    case 'post-graphql':
      return { category, method: 'POST', url: ENDPOINT, headers: withAccept(rng, { 'content-type': 'application/graphql' }), body: queryText };
    case 'post-urlencoded': {
      const form = new URLSearchParams({ query: queryText });
      if (variablesText) form.set('variables', variablesText);
      if (operationName) form.set('operationName', operationName);
      return { category, method: 'POST', url: ENDPOINT, headers: withAccept(rng, { ...csrf, 'content-type': 'application/x-www-form-urlencoded' }), body: form.toString() };
    }
    case 'post-multipart':
      return {
        category,
        method: 'POST',
        url: ENDPOINT,
        headers: withAccept(rng, { ...csrf, 'content-type': 'multipart/form-data; boundary=fuzzboundary' }),
        body: multipartBody(bodyText),
      };
  }
}

const okQuery = '{ dataset { version counts { persons } } }';
const okBody = JSON.stringify({ query: okQuery });

/** Hand-written hostile HTTP requests: bodies, content types, methods, headers. */
const hostileHttp: Record<string, (rng: Rng, corpus: Corpus) => Omit<RequestSpec, 'category'>> = {
  'invalid-json-truncated': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{"query": "{ dataset { version } }"' }),
  'invalid-json-trailing': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `${okBody} trailing` }),
  'invalid-json-single-quotes': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: "{'query': '{ dataset { version } }'}" }),
  'invalid-json-comment': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{/* hi */"query": "{ __typename }"}' }),
  'invalid-json-nan': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{"query": "{ persons(first: $n) { totalCount } }", "variables": {"n": NaN}}' }),
  'invalid-json-random-bytes': (rng) => ({ method: 'POST', url: ENDPOINT, headers: json, body: Uint8Array.from({ length: rng.int(1, 2000) }, () => rng.int(0, 255)) }),
  'invalid-utf8': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: new Uint8Array([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]) }),
  'utf16-bom-body': () => ({ method: 'POST', url: ENDPOINT, headers: { 'content-type': 'application/json; charset=utf-16' }, body: new Uint8Array([0xff, 0xfe, ...Buffer.from(okBody, 'utf16le')]) }),
  'nul-bytes-body': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `${okBody.slice(0, 10)}\u0000\u0000${okBody.slice(10)}` }),
  'empty-body': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '' }),
  'whitespace-body': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: ' \n\t ' }),
  'body-null': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: 'null' }),
  'body-number': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '42' }),
  'body-string': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '"{ dataset { version } }"' }),
  'body-array-batch': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `[${okBody},${okBody}]` }),
  'body-empty-array': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '[]' }),
  'body-deep-array': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `${'['.repeat(30_000)}${']'.repeat(30_000)}` }),
  'query-42': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{"query": 42}' }),
  'query-null': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{"query": null}' }),
  'query-array': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{"query": ["{ __typename }"]}' }),
  'query-object': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{"query": {"kind": "Document", "definitions": []}}' }),
  'variables-string': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `{"query": ${JSON.stringify(okQuery)}, "variables": "{}"}` }),
  'variables-array': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `{"query": ${JSON.stringify(okQuery)}, "variables": [1, 2]}` }),
  'extensions-string': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `{"query": ${JSON.stringify(okQuery)}, "extensions": "x"}` }),
  'operation-name-number': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `{"query": ${JSON.stringify(okQuery)}, "operationName": 5}` }),
  'operation-name-missing': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: JSON.stringify({ query: 'query A { dataset { version } }', operationName: 'DoesNotExist' }) }),
  'operation-name-for-anonymous': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: JSON.stringify({ query: okQuery, operationName: 'A' }) }),
  'two-operations-no-name': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: JSON.stringify({ query: 'query A { __typename } query B { __typename }' }) }),
  'unknown-body-key': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `{"query": ${JSON.stringify(okQuery)}, "foo": 1}` }),
  'proto-top-level': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `{"__proto__": {"query": ${JSON.stringify(okQuery)}, "polluted": "yes"}}` }),
  'proto-next-to-query': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `{"query": ${JSON.stringify(okQuery)}, "__proto__": {"polluted": "yes"}}` }),
  'proto-in-variables': () => ({
    method: 'POST',
    url: ENDPOINT,
    headers: json,
    body: toJsonText({ query: 'query ($f: StatementFilter) { statements(filter: $f) { totalCount } }', variables: withProtoKey({ f: withProtoKey({}, { speaker: 'john-kerry' }) }, { polluted: 'yes' }) }),
  }),
  'proto-in-extensions': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `{"query": ${JSON.stringify(okQuery)}, "extensions": {"__proto__": {"polluted": "yes"}}}` }),
  'constructor-prototype': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: `{"query": ${JSON.stringify(okQuery)}, "variables": {"constructor": {"prototype": {"polluted": "yes"}}}}` }),
  'persisted-query-unknown-hash': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}' }),
  'document-id': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{"documentId": "sha256:0000"}' }),
  'over-body-limit-json': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: JSON.stringify({ query: okQuery, variables: { x: 'a'.repeat(120_000) } }) }),
  'over-body-limit-garbage': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '#'.repeat(150_000) }),
  'body-limit-plus-one': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: JSON.stringify({ query: `${okQuery}${' '.repeat(100_001 - okBody.length)}` }) }),
  'over-body-limit-graphql': () => ({ method: 'POST', url: ENDPOINT, headers: { 'content-type': 'application/graphql' }, body: `${okQuery}${' '.repeat(200_000)}` }),
  'text-plain': () => ({ method: 'POST', url: ENDPOINT, headers: { 'content-type': 'text/plain' }, body: okBody }),
  'text-plain-with-csrf': () => ({ method: 'POST', url: ENDPOINT, headers: { ...csrf, 'content-type': 'text/plain' }, body: okBody }),
  'application-xml': () => ({ method: 'POST', url: ENDPOINT, headers: { 'content-type': 'application/xml' }, body: '<query>{ dataset { version } }</query>' }),
  'application-xml-with-csrf': () => ({ method: 'POST', url: ENDPOINT, headers: { ...csrf, 'content-type': 'application/xml' }, body: '<query/>' }),
  'octet-stream-with-csrf': () => ({ method: 'POST', url: ENDPOINT, headers: { ...csrf, 'content-type': 'application/octet-stream' }, body: okBody }),
  'no-content-type': () => ({ method: 'POST', url: ENDPOINT, headers: {}, body: okBody }),
  'no-content-type-with-csrf': () => ({ method: 'POST', url: ENDPOINT, headers: csrf, body: okBody }),
  'content-type-garbage': () => ({ method: 'POST', url: ENDPOINT, headers: { 'content-type': ';;; = ;' }, body: okBody }),
  'content-type-json-params': () => ({ method: 'POST', url: ENDPOINT, headers: { 'content-type': 'application/json; charset=ebcdic; boundary=""' }, body: okBody }),
  'content-type-uppercase': () => ({ method: 'POST', url: ENDPOINT, headers: { 'content-type': 'APPLICATION/JSON' }, body: okBody }),
  'multipart-without-csrf': () => ({ method: 'POST', url: ENDPOINT, headers: { 'content-type': 'multipart/form-data; boundary=fuzzboundary' }, body: multipartBody(okBody) }),
  'multipart-no-boundary': () => ({ method: 'POST', url: ENDPOINT, headers: { ...csrf, 'content-type': 'multipart/form-data' }, body: 'garbage' }),
  'multipart-bad-operations': () => ({ method: 'POST', url: ENDPOINT, headers: { ...csrf, 'content-type': 'multipart/form-data; boundary=fuzzboundary' }, body: multipartBody('{"query":') }),
  'multipart-map-to-missing-file': () => ({
    method: 'POST',
    url: ENDPOINT,
    headers: { ...csrf, 'content-type': 'multipart/form-data; boundary=b' },
    body: '--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"query ($f: String!) { search(query: $f) { totalCount } }","variables":{"f":null}}\r\n--b\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n--b--\r\n',
  }),
  'multipart-file-as-variable': () => ({
    method: 'POST',
    url: ENDPOINT,
    headers: { ...csrf, 'content-type': 'multipart/form-data; boundary=b' },
    body: '--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"query ($f: String!) { search(query: $f) { totalCount } }","variables":{"f":null}}\r\n--b\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n--b\r\nContent-Disposition: form-data; name="0"; filename="../../etc/passwd"\r\nContent-Type: text/plain\r\n\r\nroot:x:0:0\r\n--b--\r\n',
  }),
  'urlencoded-without-csrf': () => ({ method: 'POST', url: ENDPOINT, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(okQuery)}` }),
  'urlencoded-garbage': () => ({ method: 'POST', url: ENDPOINT, headers: { ...csrf, 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%&&&==query=%E0%A4%A' }),
  'get-without-csrf': () => ({ method: 'GET', url: getUrl({ query: okQuery }), headers: {} }),
  'get-with-csrf': () => ({ method: 'GET', url: getUrl({ query: okQuery }), headers: csrf }),
  'get-no-query': () => ({ method: 'GET', url: ENDPOINT, headers: csrf }),
  'get-invalid-variables-json': () => ({ method: 'GET', url: getUrl({ query: okQuery, variables: '{' }), headers: csrf }),
  'get-invalid-extensions-json': () => ({ method: 'GET', url: getUrl({ query: okQuery, extensions: '{"a":' }), headers: csrf }),
  'get-variables-array': () => ({ method: 'GET', url: getUrl({ query: okQuery, variables: '[1]' }), headers: csrf }),
  'get-proto-variables': () => ({ method: 'GET', url: getUrl({ query: okQuery, variables: '{"__proto__":{"polluted":"yes"}}' }), headers: csrf }),
  'get-bad-percent-encoding': () => ({ method: 'GET', url: `${ENDPOINT}?query=%E0%A4%A&variables=%ZZ`, headers: csrf }),
  'get-repeated-params': () => ({ method: 'GET', url: `${ENDPOINT}?query=${encodeURIComponent(okQuery)}&query=%7B&operationName=a&operationName=b`, headers: csrf }),
  'get-huge-query-string': () => ({ method: 'GET', url: getUrl({ query: `${okQuery}${' '.repeat(200_000)}` }), headers: csrf }),
  'get-with-body-and-json-type': () => ({ method: 'GET', url: getUrl({ query: okQuery }), headers: { ...csrf, ...json } }),
  'post-with-query-string-too': () => ({ method: 'POST', url: getUrl({ query: '{ nope' }), headers: json, body: okBody }),
  'method-put': () => ({ method: 'PUT', url: ENDPOINT, headers: json, body: okBody }),
  'method-delete': () => ({ method: 'DELETE', url: ENDPOINT, headers: json }),
  'method-patch': () => ({ method: 'PATCH', url: ENDPOINT, headers: json, body: okBody }),
  'accept-xml': () => ({ method: 'POST', url: ENDPOINT, headers: { ...json, accept: 'application/xml' }, body: okBody}),
  'accept-garbage': () => ({ method: 'POST', url: ENDPOINT, headers: { ...json, accept: ';;;,,,' }, body: okBody}),
  'request-id-hostile': () => ({ method: 'POST', url: ENDPOINT, headers: { ...json, 'x-request-id': `../../${'x'.repeat(10_000)}\u00e9` }, body: okBody }),
  'request-id-proto': () => ({ method: 'POST', url: ENDPOINT, headers: { ...json, 'x-request-id': '__proto__' }, body: okBody }),
  'origin-evil': () => ({ method: 'POST', url: ENDPOINT, headers: { ...json, origin: 'https://evil.example' }, body: okBody }),
  'deep-json-variables': () => ({
    method: 'POST',
    url: ENDPOINT,
    headers: json,
    body: `{"query":"query ($f: StatementFilter) { statements(filter: $f) { totalCount } }","variables":{"f":${'{"speaker":'.repeat(5000)}1${'}'.repeat(5000)}}}`,
  }),
  'exotic-numbers': () => ({ method: 'POST', url: ENDPOINT, headers: json, body: '{"query":"query ($n: Int) { persons(first: $n) { totalCount } }","variables":{"n":1e400}}' }),
  'ten-kb-ids-in-list': (_rng, corpus) => ({
    method: 'POST',
    url: ENDPOINT,
    headers: json,
    body: JSON.stringify({ query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids: ['A'.repeat(10_240), ...corpus.globalIds.slice(0, 3), '../../etc/passwd', 'B'.repeat(10_240)] } }),
  }),
};

/** Builds the i-th request of the run. The first ones walk every hostile case once; the rest are drawn by weight. */
function buildRequest(index: number, rng: Rng, corpus: Corpus): RequestSpec {
  const hostileDocNames = Object.keys(hostileDocuments);
  const hostileHttpNames = Object.keys(hostileHttp);
  if (index < hostileHttpNames.length) return hostileHttpRequest(hostileHttpNames[index]!, rng, corpus);
  if (index < hostileHttpNames.length + hostileDocNames.length) return hostileDocumentRequest(hostileDocNames[index - hostileHttpNames.length]!, rng, corpus);

  const kind = rng.weighted([
    [34, 'generated'],
    [14, 'generated-variables'],
    [24, 'mutated-variables'],
    [14, 'mutated-document'],
    [6, 'hostile-document'],
    [8, 'hostile-http'],
  ] as const);
  const maxDepth = rng.weighted([
    [3, 2],
    [4, 3],
    [3, 4],
    [2, 5],
    [1, 7],
  ]);
  switch (kind) {
    case 'generated': {
      const op = generateOperation(rng, schema, corpus, { maxDepth, useVariables: false });
      return transport(rng, 'generated', op.query, undefined, op.operationName);
    }
    case 'generated-variables': {
      const op = generateOperation(rng, schema, corpus, { maxDepth, useVariables: true });
      return transport(rng, 'generated-variables', op.query, op.variables, op.operationName);
    }
    case 'mutated-variables': {
      const op = generateOperation(rng, schema, corpus, { maxDepth, useVariables: true });
      const { variables, mutation } = mutateVariables(rng, op);
      return transport(rng, `mutated-variables:${mutation}`, op.query, variables, op.operationName);
    }
    case 'mutated-document': {
      const op = generateOperation(rng, schema, corpus, { maxDepth, useVariables: rng.chance(0.5) });
      return transport(rng, 'mutated-document', mutateDocument(rng, op.query), op.variables, op.operationName);
    }
    case 'hostile-document':
      return hostileDocumentRequest(rng.pick(hostileDocNames), rng, corpus);
    case 'hostile-http':
      return hostileHttpRequest(rng.pick(hostileHttpNames), rng, corpus);
  }
}

function hostileDocumentRequest(name: string, rng: Rng, corpus: Corpus): RequestSpec {
  return transport(rng, `hostile-document:${name}`, hostileDocuments[name]!(rng, corpus));
}

function hostileHttpRequest(name: string, rng: Rng, corpus: Corpus): RequestSpec {
  return { category: `hostile-http:${name}`, ...hostileHttp[name]!(rng, corpus) };
}

// ---------------------------------------------------------------------------------------------
// Checking responses

interface Outcome {
  status: number;
  contentType: string | null;
  text: string;
  /** The response headers, as JSON text: checked for leaks like the body. */
  headers?: string;
  body?: { data?: unknown; errors?: { message?: unknown; extensions?: Record<string, unknown> }[] } & Record<string, unknown>;
  codes: string[];
  ms: number;
  timedOut: boolean;
  threw?: string;
}

async function send(yoga: NewsgraphYoga, spec: RequestSpec): Promise<Outcome> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), REQUEST_TIMEOUT_MS);
  });
  const work = (async () => {
    // A fresh headers object each time: the Request implementation writes defaults (content-type,
    // content-length) into a plain object it is given, which would leak into later requests.
    const response = await yoga.fetch(spec.url, { method: spec.method, headers: { ...spec.headers }, body: spec.body });
    return { status: response.status, contentType: response.headers.get('content-type'), headers: JSON.stringify([...response.headers]), text: await response.text() };
  })();
  work.catch(() => {}); // a late rejection after a timeout must not surface as unhandled
  let result: Awaited<typeof work> | 'timeout';
  try {
    result = await Promise.race([work, timeout]);
  } catch (error) {
    return { status: 0, contentType: null, text: '', codes: [], ms: performance.now() - started, timedOut: false, threw: String(error) };
  } finally {
    clearTimeout(timer);
  }
  const ms = performance.now() - started;
  // A synchronous hang blocks the timer too, so the elapsed time is checked as well.
  if (result === 'timeout' || ms > REQUEST_TIMEOUT_MS) return { status: 0, contentType: null, text: '', codes: [], ms, timedOut: true };
  let body: Outcome['body'];
  try {
    body = JSON.parse(result.text) as Outcome['body'];
  } catch {
    body = undefined;
  }
  const codes = Array.isArray(body?.errors) ? body.errors.map((e) => String(e?.extensions?.code)) : [];
  return { ...result, body, codes, ms, timedOut: false };
}

/** `text` percent-decoded (form bodies also turn `+` into spaces), or as it is when it is not valid percent-encoding. */
function percentDecoded(text: string, form = false): string {
  try {
    return decodeURIComponent(form ? text.replace(/\+/g, ' ') : text);
  } catch {
    return text;
  }
}

function requestText(spec: RequestSpec): string {
  const body = spec.body instanceof Uint8Array ? Buffer.from(spec.body).toString('utf8') : (spec.body ?? '');
  // A form-encoded body's values reach the server decoded, so an echoed "file://" stands there as "file%3A%2F%2F".
  return `${percentDecoded(spec.url)}\n${JSON.stringify(spec.headers)}\n${body}\n${body.replace(/\\\\/g, '\\')}\n${percentDecoded(body, true)}`;
}

/** Everything wrong with one response. Empty when it is a JSON response with data or coded errors. */
function violationsOf(spec: RequestSpec, outcome: Outcome): string[] {
  if (outcome.threw) return [`yoga.fetch threw: ${outcome.threw}`];
  if (outcome.timedOut) return [`no response within ${REQUEST_TIMEOUT_MS} ms (took ${Math.round(outcome.ms)} ms)`];
  const problems: string[] = [];
  if (outcome.status >= 500) problems.push(`HTTP ${outcome.status}`);
  // Every response, whatever its type or status: no stack, no path, in the body or the headers.
  problems.push(...leaksIn(outcome.text, requestText(spec)).map((leak) => `body: ${leak}`));
  problems.push(...leaksIn(outcome.headers ?? '', requestText(spec)).map((leak) => `headers: ${leak}`));
  const { body } = outcome;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    problems.push(`not a JSON object (HTTP ${outcome.status}, content-type ${outcome.contentType}, body ${JSON.stringify(outcome.text.slice(0, 120))})`);
    return problems;
  }
  if (!/json/.test(outcome.contentType ?? '')) problems.push(`content-type ${outcome.contentType}`);
  if (!('data' in body) && !('errors' in body)) problems.push('neither data nor errors');
  if ('data' in body && body.data !== null && (typeof body.data !== 'object' || Array.isArray(body.data))) problems.push('data is not an object');
  if ('errors' in body) {
    if (!Array.isArray(body.errors) || body.errors.length === 0) {
      problems.push('errors is not a non-empty list');
    } else {
      for (const error of body.errors) {
        const code = error?.extensions?.code;
        if (typeof error?.message !== 'string') problems.push('an error without a message');
        if (typeof code !== 'string') problems.push(`an error without extensions.code: ${JSON.stringify(error).slice(0, 200)}`);
        else if (!DOCUMENTED_CODES.has(code)) problems.push(`undocumented code ${code}`);
        else if (code === ErrorCode.INTERNAL_SERVER_ERROR) problems.push(`INTERNAL_SERVER_ERROR: an unexpected error reached the client`);
      }
    }
  }
  return problems;
}

function describeRequest(spec: RequestSpec): string {
  const body = spec.body instanceof Uint8Array ? `<${spec.body.length} bytes>` : spec.body;
  const clip = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}… (${s.length} chars)` : s);
  return `${spec.method} ${clip(spec.url)} headers=${JSON.stringify(spec.headers)}${body !== undefined ? ` body=${clip(body)}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Heap

/** global.gc when the worker has it; else expose it at run time (a context made after the flag has `gc`). */
function garbageCollector(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

async function settledHeapUsed(gc: (() => void) | undefined): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

// ---------------------------------------------------------------------------------------------

describe('fuzz', () => {
  let yoga: NewsgraphYoga;
  let corpus: Corpus;
  const gc = garbageCollector();
  let heapBefore = 0;
  const prototypeKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  /** The fragment fan-out finding runs in a child process, started now so that it overlaps the main run. */
  let fanOutInChild: Promise<ChildResults>;
  let stopChild = () => {};

  beforeAll(async () => {
    ({ results: fanOutInChild, stop: stopChild } = runInChild([JSON.stringify({ query: okQuery }), JSON.stringify({ query: fragmentFanOut(FAN_OUT_LEVELS) })], REQUEST_TIMEOUT_MS));
    fanOutInChild.catch(() => {}); // reported by the tests that await it
    yoga = await createTestServer();
    corpus = loadCorpus(dataDir);
    // Warm up (schema caches, search index, graph) so the baseline heap holds what any served server holds.
    for (const document of ['{ search(query: "nato") { totalCount } }', '{ neighborhood(id: "john-kerry") { truncated } }', '{ timeline { totalCount } }', okQuery]) {
      await query(yoga, document);
    }
    heapBefore = await settledHeapUsed(gc);
  });

  afterAll(() => {
    stopChild(); // when its tests were filtered out or failed early
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it(`answers ${COUNT} generated, mutated and hostile requests with JSON, coded errors, no 5xx and no hang`, { timeout: 120_000 }, async () => {
    const rng = new Rng(SEED);
    const byCategory = new Map<string, number>();
    const byStatus = new Map<string | number, number>();
    const byCode = new Map<string, number>();
    /** Per category: answered with data only, with data and errors, with errors only (or no JSON). */
    const outcomesByCategory = new Map<string, { data: number; partial: number; errors: number }>();
    const failures: string[] = [];
    let originalErrorExposed = 0;
    let slowest = { ms: 0, category: '' };
    let next = 0;
    const started = performance.now();
    const cpuStarted = process.cpuUsage();

    const count = <K,>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
    const worker = async () => {
      while (next < COUNT) {
        const index = next++;
        const spec = buildRequest(index, rng, corpus);
        const outcome = await send(yoga, spec);
        // Let timers and I/O run between requests: yoga answers mostly in microtasks, which would
        // otherwise starve the per-request timeout and the child process's pipes.
        await new Promise((resolve) => setImmediate(resolve));
        const top = spec.category.split(':')[0]!;
        count(byCategory, top);
        const outcomes = outcomesByCategory.get(top) ?? { data: 0, partial: 0, errors: 0 };
        if (outcome.body?.data && !outcome.body.errors) outcomes.data += 1;
        else if (outcome.body?.data) outcomes.partial += 1;
        else outcomes.errors += 1;
        outcomesByCategory.set(top, outcomes);
        count(byStatus, outcome.timedOut ? 'timeout' : outcome.status);
        for (const code of outcome.codes) count(byCode, code);
        if (outcome.body?.errors?.some((e) => e?.extensions?.originalError !== undefined)) originalErrorExposed += 1;
        if (outcome.ms > slowest.ms) slowest = { ms: outcome.ms, category: spec.category };
        const problems = violationsOf(spec, outcome);
        if (problems.length === 0) continue;
        if (failures.length < 20) {
          failures.push(`#${index} ${spec.category}: ${[...new Set(problems)].join('; ')}\n    request: ${describeRequest(spec)}\n    response: ${outcome.status} ${outcome.text.slice(0, 300)}`);
        } else {
          failures.length === 20 && failures.push('… more failures left out');
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;

    const sorted = <K,>(map: Map<K, number>) => Object.fromEntries([...map].sort((a, b) => b[1] - a[1]));
    console.log(
      [
        `fuzz: seed=${SEED} (FUZZ_SEED=${SEED} replays it) inputs=${COUNT} in ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} s CPU), slowest ${Math.round(slowest.ms)} ms (${slowest.category})`,
        `  by category: ${JSON.stringify(sorted(byCategory))}`,
        `  outcomes by category (data only / data with errors / errors only): ${[...outcomesByCategory].map(([c, o]) => `${c} ${o.data}/${o.partial}/${o.errors}`).join(', ')}`,
        `  by HTTP status: ${JSON.stringify(sorted(byStatus))}`,
        `  by error code: ${JSON.stringify(sorted(byCode))}`,
        `  responses exposing extensions.originalError: ${originalErrorExposed}`,
        `  codes in src/errors.ts missing from the README's errors table: ${JSON.stringify(Object.values(ErrorCode).filter((c) => !README_CODES.includes(c)))}`,
        `  failures: ${failures.length === 0 ? 'none' : `\n${failures.join('\n')}`}`,
      ].join('\n'),
    );
    expect(README_CODES.length, "the README's errors table could not be read").toBeGreaterThan(0);
    expect(failures, `seed ${SEED}`).toEqual([]);
  });

  it('is healthy afterwards: right answers, /health and /ready 200, Object.prototype untouched, heap back near the start', async () => {
    const result = await query(yoga, '{ person(slug: "john-kerry") { name statements(first: 2) { totalCount } } dataset { counts { persons statements } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ person: { name: 'John Kerry', statements: { totalCount: 5 } }, dataset: { counts: { persons: 10, statements: 24 } } });

    const health = await yoga.fetch('http://newsgraph.test/health');
    expect(health.status).toBe(200);
    const ready = await yoga.fetch('http://newsgraph.test/ready');
    expect(ready.status).toBe(200);

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeysBefore);

    // Yoga keeps the last 1024 parsed documents with their validation results and the last 1024 parse
    // errors (LRU caches keyed by query text). Fuzz documents are up to ~100 KB, and a cached validation
    // failure holds ~80 KB, so that is cache content, not a leak: push it out with tiny valid documents
    // and tiny parse errors (a few KB each), then compare.
    const heapWithCaches = await settledHeapUsed(gc);
    const flushStarted = process.cpuUsage();
    for (let i = 0; i < 1100; i++) {
      for (const document of [`query Flush${i} { __typename }`, `query Flush${i} {`]) {
        await (await yoga.fetch(ENDPOINT, { method: 'POST', headers: json, body: JSON.stringify({ query: document }) })).arrayBuffer();
      }
    }
    const flushCpu = process.cpuUsage(flushStarted);
    const heapAfter = await settledHeapUsed(gc);
    const signed = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mb(bytes)} MB`;
    console.log(
      `fuzz: heap used ${mb(heapBefore)} MB at the start, ${mb(heapWithCaches)} MB after the run (${signed(heapWithCaches - heapBefore)}), ` +
        `${mb(heapAfter)} MB once yoga's document caches are flushed with 2200 tiny requests ` +
        `(${signed(heapAfter - heapBefore)}; ${((flushCpu.user + flushCpu.system) / 1e6).toFixed(1)} s CPU); gc ${gc ? 'forced' : 'not available'}`,
    );
    expect(mb(heapAfter - heapBefore)).toBeLessThan(HEAP_GROWTH_LIMIT_MB);
  });

  // -------------------------------------------------------------------------------------------
  // Findings: server bugs the fuzzer found, now fixed; each case keeps the request that showed it.

  /** A 4xx JSON response whose errors all carry a documented code (one of `codes`, when given). */
  async function expectCodedClientError(spec: Omit<RequestSpec, 'category'>, codes?: string[]) {
    const outcome = await send(yoga, { category: 'finding', ...spec });
    expect(violationsOf({ category: 'finding', ...spec }, outcome)).toEqual([]);
    expect(outcome.status).toBeGreaterThanOrEqual(400);
    expect(outcome.status).toBeLessThan(500);
    expect(outcome.codes.length).toBeGreaterThan(0);
    if (codes) for (const code of outcome.codes) expect(codes).toContain(code);
  }

  // Found by the fuzzer: yoga's GET parser JSON.parses `variables`/`extensions` from the URL without catching the
  // SyntaxError, so a malformed parameter is an unexpected error: 500 INTERNAL_SERVER_ERROR.
  // Repro: GET /graphql?query=%7B__typename%7D&variables=%7B with header x-graphql-yoga-csrf: 1
  it('GET with a variables or extensions parameter that is not JSON answers 400 BAD_REQUEST', async () => {
    await expectCodedClientError({ method: 'GET', url: getUrl({ query: '{ __typename }', variables: '{' }), headers: csrf }, [ErrorCode.BAD_REQUEST]);
    await expectCodedClientError({ method: 'GET', url: getUrl({ query: '{ __typename }', extensions: '{"a":' }), headers: csrf }, [ErrorCode.BAD_REQUEST]);
  });

  // Found by the fuzzer: a POST whose Content-Type yoga has no parser for (text/plain or application/xml with the
  // CSRF header, application/octet-stream, none at all) gets 415 with an empty body: not JSON, no code.
  // Repro: POST /graphql, content-type: application/xml, x-graphql-yoga-csrf: 1, body <query/>
  it('an unsupported Content-Type gets a JSON error with a code', async () => {
    await expectCodedClientError({ method: 'POST', url: ENDPOINT, headers: { ...csrf, 'content-type': 'application/xml' }, body: '<query/>' }, [ErrorCode.BAD_REQUEST]);
  });

  // Found by the fuzzer: a request whose Accept names no type yoga can produce (application/xml, garbage) gets 406
  // with an empty body; the README's errors table gives such requests BAD_REQUEST (400, 405, 406 or 415).
  // Repro: POST /graphql, content-type: application/json, accept: application/xml, body {"query":"{ __typename }"}
  it('an Accept header without JSON gets a 406 with a coded JSON error', async () => {
    const outcome = await send(yoga, { category: 'finding', method: 'POST', url: ENDPOINT, headers: { ...json, accept: 'application/xml' }, body: okBody });
    expect(outcome.status).toBe(406);
    expect(outcome.codes).toEqual([ErrorCode.BAD_REQUEST]);
  });

  // Found by the fuzzer: an operationName that names no operation in the document (or a document with several
  // operations and no operationName) answers 400 with code OPERATION_RESOLUTION_FAILURE, which is
  // neither in src/errors.ts nor in the README's errors table.
  // Repro: POST {"query":"query A { __typename }","operationName":"B"}
  it('an operationName that names no operation gets a documented code', async () => {
    await expectCodedClientError({ method: 'POST', url: ENDPOINT, headers: json, body: JSON.stringify({ query: 'query A { __typename }', operationName: 'B' }) });
    await expectCodedClientError({ method: 'POST', url: ENDPOINT, headers: json, body: JSON.stringify({ query: 'query A { __typename } query B { __typename }' }) });
  });

  // Found by the fuzzer: graphql-js parses list literals recursively; about 2000 nested `[` fit in the 4000-token
  // limit and overflow the stack. The RangeError is not a GraphQLError, so it is masked as
  // 500 INTERNAL_SERVER_ERROR instead of being a parse (or QUERY_TOO_COMPLEX) error.
  // Repro: POST {"query": "{ nodes(ids: " + "[".repeat(1995) + "\"x\"" + "]".repeat(1995) + ") { id } }"}
  it('a list literal nested as deep as the token limit allows answers 400, not 500', async () => {
    for (const levels of [1500, 1995]) {
      await expectCodedClientError({ method: 'POST', url: ENDPOINT, headers: json, body: JSON.stringify({ query: nestedListLiteral(levels) }) }, [
        ErrorCode.GRAPHQL_PARSE_FAILED,
        ErrorCode.QUERY_TOO_COMPLEX,
      ]);
    }
  });

  it('the child-process harness used below answers a normal request', { timeout: 60_000 }, async () => {
    const [normal] = await fanOutInChild;
    expect(normal).toMatchObject({ timedOut: false, status: 200 });
    expect(JSON.parse(normal!.text).data.dataset.counts.persons).toBe(10);
  });

  // Found by the fuzzer: depthLimitRule and operationCost (src/plugins/limits.ts) follow every fragment spread without
  // memoising fragments, so fragments that each spread two others take time exponential in their
  // depth: 18 levels take ~1 s, each level doubles it, 24 levels (under 500 tokens, well within every
  // limit) block the event loop for over a minute and 30 levels for over an hour. graphql-js's own
  // rules and its executor visit each fragment once. The request runs in a child process so the hang
  // can be cut off after the per-request timeout.
  // Repro: POST {"query": fragmentFanOut(24)} (test/fuzz/generate.ts), i.e.
  //   { ...F0 } fragment F0 on Query { ...F1 ...G1 } fragment F1 on Query { ...F2 ...G2 } fragment G1 on Query { ...F2 ...G2 } …
  //   fragment F24 on Query { dataset { version } } fragment G24 on Query { dataset { version } }
  it(`fragments spreading two fragments each, ${FAN_OUT_LEVELS} levels deep, are answered within the per-request timeout`, { timeout: 90_000 }, async () => {
    const [, fanOut] = await fanOutInChild;
    expect(fanOut!.timedOut, `no answer within ${REQUEST_TIMEOUT_MS} ms`).toBe(false);
    expect(fanOut!.status).toBeLessThan(500);
    expect(JSON.parse(fanOut!.text).errors?.[0]?.extensions?.code ?? 'no error').toMatch(/^(QUERY_TOO_COMPLEX|GRAPHQL_VALIDATION_FAILED|no error)$/);
  });
});

type ChildResults = { timedOut: boolean; status: number; text: string; ms: number }[];

/**
 * Serves JSON POST bodies one after the other in a child process (a server built like
 * createTestServer's). Each answer is timed by the child itself, so a busy test process cannot skew
 * it; a body not answered within `timeoutMs` gets the child killed, and it and the bodies after it
 * are reported as timed out.
 */
function runInChild(bodies: string[], timeoutMs: number): { results: Promise<ChildResults>; stop: () => void } {
  const script = `
    const { loadKnowledgeBase } = await import(${JSON.stringify(new URL('../src/kb/load.ts', import.meta.url).href)});
    const { createNewsgraph } = await import(${JSON.stringify(new URL('../src/server.ts', import.meta.url).href)});
    const { createLogger } = await import(${JSON.stringify(new URL('../src/logging.ts', import.meta.url).href)});
    const yoga = createNewsgraph({ kb: await loadKnowledgeBase(${JSON.stringify(dataDir)}), logger: createLogger('silent') }).yoga;
    for (const body of ${JSON.stringify(bodies)}) {
      const sentAt = Date.now();
      process.stdout.write('SENDING ' + sentAt + '\\n');
      const response = await yoga.fetch('http://newsgraph.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await response.text();
      process.stdout.write('RESULT ' + JSON.stringify({ status: response.status, text, ms: Date.now() - sentAt }) + '\\n');
    }
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000, // a last resort, in case neither the timeout below nor stop() runs
    killSignal: 'SIGKILL',
  });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const results = new Promise<ChildResults>((resolve, reject) => {
    const answers: ChildResults = [];
    let pending = '';
    let stderr = '';
    let started = false;
    let killer: NodeJS.Timeout | undefined;
    // A safety net only: starting takes about a second, but the machine may be busy.
    const startup = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.startsWith('SENDING ')) {
          started = true;
          clearTimeout(startup);
          clearTimeout(killer);
          killer = setTimeout(() => child.kill('SIGKILL'), Math.max(0, Number(line.slice('SENDING '.length)) + timeoutMs - Date.now()));
        } else if (line.startsWith('RESULT ')) {
          clearTimeout(killer);
          const result = JSON.parse(line.slice('RESULT '.length)) as { status: number; text: string; ms: number };
          answers.push({ ...result, timedOut: result.ms > timeoutMs });
        }
      }
    });
    // 'close' comes after the last output has been read, so an answer that was on its way counts.
    child.on('close', (code, signal) => {
      clearTimeout(startup);
      clearTimeout(killer);
      if (!started) {
        reject(new Error(`the child server did not start (${code ?? signal}): ${stderr.slice(0, 500)}`));
        return;
      }
      if (answers.length < bodies.length && signal !== 'SIGKILL') {
        reject(new Error(`the child server exited (${code ?? signal}) after ${answers.length} of ${bodies.length} answers: ${stderr.slice(0, 500)}`));
        return;
      }
      while (answers.length < bodies.length) answers.push({ timedOut: true, status: 0, text: '', ms: Number.NaN });
      resolve(answers);
    });
  });
  return { results, stop };
}
