/**
 * graphql-jit (src/plugins/jit.ts) against the executor: the same requests to two servers built the way
 * production builds them, one compiling every query document at once and one never compiling, must get
 * byte-for-byte the same responses: data, errors, codes, messages, locations, paths and statuses. The
 * requests are generated from the schema with the fuzzer's generator (valid queries, wrong variables,
 * mutated documents), plus the benchmark's real queries, plus failures injected into the knowledge base.
 *
 * Reproducible: the seed is printed; JIT_SEED=<n> replays a run, JIT_COUNT=<n> changes its size.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { KnowledgeBase, RecordKind } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { createLogger } from '../src/logging.js';
import { defaultJitOptions } from '../src/plugins/jit.js';
import { loadPersistedDocuments } from '../src/plugins/persisted-documents.js';
import { schema } from '../src/schema/index.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { generateOperation, loadCorpus, mutateDocument, mutateVariables, Rng, toJsonText, type Corpus } from './fuzz/generate.js';
import { answersAgree, dataDir, projectRoot, servedKnowledge, servedReader, silentLogger } from './helpers.js';

const SEED = process.env.JIT_SEED ? Number(process.env.JIT_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
const COUNT = process.env.JIT_COUNT ? Math.max(1, Number(process.env.JIT_COUNT)) : 1000;
const ENDPOINT = 'http://newsgraph.test/graphql';

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
}

async function send(yoga: NewsgraphYoga, body: string): Promise<Answer> {
  const response = await yoga.fetch(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

/** A logger whose lines are kept, to compare what each server logs as unexpected. */
function recordingLogger(lines: string[]) {
  return createLogger(
    'error',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
}

describe('graphql-jit', () => {
  let kb: KnowledgeBase;
  let served: Awaited<ReturnType<typeof servedKnowledge>>;
  let corpus: Corpus;
  let executor: NewsgraphYoga;
  let compiled: NewsgraphYoga;
  let compiles: string[];

  beforeAll(async () => {
    kb = await loadKnowledgeBase(dataDir);
    served = await servedKnowledge(kb);
    corpus = loadCorpus(dataDir);
    compiles = [];
    // No response cache: every request must execute on both.
    executor = createNewsgraph({ ...served, logger: silentLogger, responseCache: false, jit: false }).yoga;
    compiled = createNewsgraph({ ...served, logger: silentLogger, responseCache: false, jit: { ...defaultJitOptions, maxDocuments: 10_000, compileAfter: 1, onCompile: (name) => compiles.push(name) } }).yoga;
  });

  it(`answers ${COUNT} generated requests exactly as the executor does`, async () => {
    console.log(`jit differential seed ${SEED} (JIT_SEED=${SEED} to replay), ${COUNT} requests`);
    const rng = new Rng(SEED);
    const differences: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < COUNT; i++) {
      const maxDepth = rng.pick([2, 3, 3, 4, 4, 5, 6]);
      const kind = rng.weighted([
        [5, 'literals'],
        [5, 'variables'],
        [3, 'mutated-variables'],
        [1, 'mutated-document'],
      ] as const);
      const op = generateOperation(rng, schema, corpus, { maxDepth, useVariables: kind !== 'literals' });
      const variables = kind === 'mutated-variables' ? mutateVariables(rng, op).variables : op.variables;
      const queryText = kind === 'mutated-document' ? mutateDocument(rng, op.query) : op.query;
      const body = toJsonText({ query: queryText, variables, ...(op.operationName ? { operationName: op.operationName } : {}) });
      // Twice on the compiling server: the first request compiles, the second runs what was compiled.
      const [expected, first, second] = [await send(executor, body), await send(compiled, body), await send(compiled, body)];
      statuses.set(expected.status, (statuses.get(expected.status) ?? 0) + 1);
      for (const actual of [first, second]) {
        if (actual.status !== expected.status || !answersAgree(expected.body, actual.body) || actual.contentType !== expected.contentType) {
          differences.push(`#${i} ${kind}: ${body.slice(0, 600)}\n  executor ${expected.status} ${expected.body.slice(0, 800)}\n  jit      ${actual.status} ${actual.body.slice(0, 800)}`);
          break;
        }
      }
      if (differences.length >= 5) break;
    }
    console.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}; documents compiled: ${compiles.length}`);
    expect(differences, `seed ${SEED}`).toEqual([]);
    // Most generated documents are valid queries; if none compiled, the comparison proved nothing.
    expect(compiles.length).toBeGreaterThan(COUNT / 4);
  }, 240_000);

  it('refuses variables graphql-jit would take but graphql-js does not, as the executor does (seed 1274968671)', async () => {
    // graphql-jit coerces a list as an input object; graphql-js refuses it with HTTP 400.
    const document = 'query ($filter: PersonFilter, $order: NameOrder!) { persons(filter: $filter, orderBy: $order) { totalCount } }';
    for (const variables of [{ filter: [], order: 'NAME_DESC' }, { filter: [{ name: 'kerry' }], order: 'NAME_ASC' }, { filter: { name: 'kerry' }, order: 'NAME_ASC' }]) {
      const body = JSON.stringify({ query: document, variables });
      const expected = await send(executor, body);
      // Twice: the second runs compiled.
      expect(await send(compiled, body)).toEqual(expected);
      expect(await send(compiled, body)).toEqual(expected);
      expect(expected.status).toBe(Array.isArray(variables.filter) ? 400 : 200);
    }
  });

  it('answers wrong scalar, enum and custom-scalar variables as the executor does, with graphql-jit checking them alone', async () => {
    const node = 'query ($id: ID!) { node(id: $id) { id } }';
    const page = 'query ($first: Int, $order: NameOrder!) { persons(first: $first, orderBy: $order) { totalCount edges { node { slug } } } }';
    const day = 'query ($day: Date) { country(slug: "belgium") { roles(asOf: $day) { title } } }';
    const cases: [string, Record<string, unknown>][] = [
      [node, { id: 'U3RhdGVtZW50OnN0b2x0ZW5iZXJnLWRpcmVjdC1kaWFsb2d1ZQ' }],
      [node, { id: 12 }],
      [node, { id: 1.5 }],
      [node, { id: true }],
      [node, { id: null }],
      [node, {}],
      [node, { id: ['U3RhdGVtZW50OnN0b2x0ZW5iZXJnLWRpcmVjdC1kaWFsb2d1ZQ'] }],
      [node, { id: { id: 'x' } }],
      [page, { first: 2, order: 'NAME_DESC' }],
      [page, { first: '3', order: 'NAME_ASC' }],
      [page, { first: 2 ** 31, order: 'NAME_ASC' }],
      [page, { first: 1.5, order: 'NAME_ASC' }],
      [page, { first: null, order: 'NAME_ASC' }],
      [page, { order: 'name_asc' }],
      [page, { order: 3 }],
      [page, { first: [2], order: ['NAME_ASC'] }],
      [day, { day: '2015-12-01' }],
      [day, { day: '2015-13-01' }],
      [day, { day: 20151201 }],
      [day, { day: null }],
    ];
    for (const [document, variables] of cases) {
      const body = JSON.stringify({ query: document, variables });
      const expected = await send(executor, body);
      // Twice: the second runs compiled.
      expect(await send(compiled, body), body).toEqual(expected);
      expect(await send(compiled, body), body).toEqual(expected);
    }
  });

  it("answers the benchmark's real queries exactly as the executor does", async () => {
    const fixtures = path.join(projectRoot, 'bench/fixtures');
    const names = readdirSync(fixtures).filter((f) => f.endsWith('.graphql'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const document = readFileSync(path.join(fixtures, name), 'utf8');
      const variablesFile = path.join(fixtures, name.replace(/\.graphql$/, '.variables.json'));
      let variables: unknown = {};
      try {
        variables = JSON.parse(readFileSync(variablesFile, 'utf8'));
      } catch {
        // no variables
      }
      // A `{ "matrix": { name: [values…] } }` file (bench/lib.ts): 20 sets taking the values in turn.
      const matrix = (variables as { matrix?: Record<string, unknown[]> }).matrix;
      const sets = Array.isArray(variables)
        ? variables.slice(0, 20)
        : matrix
          ? Array.from({ length: 20 }, (_, i) => Object.fromEntries(Object.entries(matrix).map(([key, values]) => [key, values[i % values.length]])))
          : [variables];
      for (const set of sets) {
        const body = JSON.stringify({ query: document, variables: set });
        const expected = await send(executor, body);
        expect(expected.status, name).toBe(200);
        expect(await send(compiled, body), name).toEqual(expected);
        expect(await send(compiled, body), name).toEqual(expected);
      }
    }
  });

  it('masks and logs failures inside resolvers exactly as the executor does', async () => {
    // The store answering badly for one kind of record: the reader's batch lookup of that kind fails.
    const reader = await servedReader(kb);
    const lookup = reader.recordsByIds.bind(reader);
    const kinds = ['Person', 'Statement', 'Event', 'Country', 'Organization'] as const;
    const documents = [
      '{ person(slug: "john-kerry") { name roles { title country { name } } statements(first: 3) { edges { node { text event { name } } } } } }',
      '{ statements(first: 5) { totalCount edges { node { kind text speaker { displayName } mentions { entity { __typename displayName } } } } } }',
      'query ($id: ID!) { node(id: $id) { id ... on Statement { text speaker { displayName } } } }',
      '{ event(slug: "nato-foreign-ministers-meeting") { name participants { participant { displayName } } subEvents { name } } }',
    ];
    const variables = { id: Buffer.from('Statement:kerry-calls-on-nato-to-pony-up').toString('base64url') };
    const failures: (() => unknown)[] = [
      () => {
        throw new Error('disk exploded at /srv/secret');
      },
      () => Promise.reject(new Error('network fell over')),
      () => [undefined],
      () => 'not a list',
    ];
    for (const document of documents) {
      const body = JSON.stringify({ query: document, variables });
      for (const failingKind of kinds) {
        for (const failure of failures) {
          const logged: [string[], string[]] = [[], []];
          const servers = [
            createNewsgraph({ ...served, logger: recordingLogger(logged[0]), responseCache: false, jit: false }).yoga,
            createNewsgraph({ ...served, logger: recordingLogger(logged[1]), responseCache: false, jit: { ...defaultJitOptions, maxDocuments: 10, compileAfter: 1 } }).yoga,
          ];
          const answers: Answer[] = [];
          for (const server of servers) {
            const spy = vi.spyOn(reader, 'recordsByIds').mockImplementation(((kind: RecordKind, ids: readonly string[]) => (kind === failingKind ? failure() : lookup(kind, ids))) as never);
            try {
              answers.push(await send(server, body));
            } finally {
              spy.mockRestore();
            }
          }
          const label = `${failingKind} ${failure.toString().slice(0, 40)} ${document.slice(0, 40)}`;
          expect(answers[1], label).toEqual(answers[0]);
          expect(answers[1]!.body, label).not.toContain('secret');
          // The same unexpected errors are logged (the lines differ only in time, request id and stack).
          const unexpected = (lines: string[]) =>
            lines.map((line) => JSON.parse(line) as { msg: string; path?: unknown; err?: { message?: string } }).filter((l) => l.msg.startsWith('unexpected error')).map((l) => [l.path, l.err?.message]);
          expect(unexpected(logged[1]), label).toEqual(unexpected(logged[0]));
        }
      }
    }
  });

  it('compiles a document only once it recurs, and keeps at most maxDocuments compiled', async () => {
    const compiledNames: string[] = [];
    const server = createNewsgraph({ ...served, logger: silentLogger, responseCache: false, jit: { ...defaultJitOptions, maxDocuments: 2, compileAfter: 2, onCompile: (name) => compiledNames.push(name) } }).yoga;
    const ask = (name: string) => send(server, JSON.stringify({ query: `query ${name} { dataset { version } }` }));
    await ask('A');
    expect(compiledNames).toEqual([]);
    await ask('A');
    await ask('A');
    expect(compiledNames).toEqual(['A']);
    await ask('B');
    await ask('B');
    await ask('C');
    await ask('C'); // three documents seen: A, the least recently used, is dropped
    await ask('A');
    await ask('A');
    expect(compiledNames).toEqual(['A', 'B', 'C', 'A']);
    expect((await ask('A')).status).toBe(200);
  });

  it('compiles a document of the persisted-documents manifest on its first execution, by hash or by text', async () => {
    const documents = await loadPersistedDocuments(path.join(projectRoot, 'packages/client/src/generated/persisted-documents.json'), schema);
    const compiledNames: string[] = [];
    const server = createNewsgraph({
      ...served,
      logger: silentLogger,
      responseCache: false,
      persistedDocuments: { documents, only: false },
      jit: { ...defaultJitOptions, maxDocuments: 10, compileAfter: 2, onCompile: (name) => compiledNames.push(name) },
    }).yoga;
    const [hash, text] = [...documents.byHash].find(([, document]) => /^query NodeLookup\b/m.test(document))!;
    const variables = { id: 'U3RhdGVtZW50OnN0b2x0ZW5iZXJnLWRpcmVjdC1kaWFsb2d1ZQ' };
    const byHash = await send(server, JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables }));
    expect(compiledNames).toEqual(['NodeLookup']);
    // The same answer as the executor gives for the same text.
    expect(byHash).toEqual(await send(executor, JSON.stringify({ query: text, variables })));
    // Any other document still waits for its second execution.
    await send(server, JSON.stringify({ query: 'query Other { dataset { version } }' }));
    expect(compiledNames).toEqual(['NodeLookup']);
  });

  it('leaves mutations and subscriptions to the executor', async () => {
    const compiledNames: string[] = [];
    const server = createNewsgraph({ ...served, logger: silentLogger, responseCache: false, jit: { ...defaultJitOptions, maxDocuments: 10, compileAfter: 1, onCompile: (name) => compiledNames.push(name) } }).yoga;
    const body = JSON.stringify({ query: 'mutation M { dataset { version } }' });
    const expected = await send(executor, body);
    expect(await send(server, body)).toEqual(expected);
    expect(compiledNames).toEqual([]);
  });
});
