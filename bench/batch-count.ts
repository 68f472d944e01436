/**
 * Counts store calls per query, in-process: loads its own knowledge base, wraps every method of its
 * reader (the read seam, src/kb/reader.ts: batch lookups, pages, search, walks) with a counter, and runs each fixture (each of its variable
 * sets) once through the production pipeline (`createNewsgraph` + `yoga.fetch`, response cache off, so
 * every request executes) and once through plain graphql-js `execute` with a fresh context.
 *
 * `npx tsx bench/batch-count.ts [fixture,fixture…]` prints JSON:
 * `{ "<fixture>": { "production": [calls per set], "graphqlJs": [calls per set], "methods": { name: calls } } }`
 * (`methods`: the production pipeline's calls for the first set). `bench/compare.ts` runs it in a child
 * process, so the load generator never hosts a server.
 */
import { execute, parse } from 'graphql';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { readerOf, type KnowledgeReader } from '../src/kb/reader.js';
import { createLogger } from '../src/logging.js';
import { schema } from '../src/schema/index.js';
import { createNewsgraph, type ServerOptions } from '../src/server.js';
import { BENCH_HOST, contextFor, loadFixtures, projectRoot, REQUEST_HEADERS, requestBody, type Fixture } from './lib.js';

export interface BatchCount {
  /** Per variables set: batch calls during one request through the production pipeline. */
  production: number[];
  /** Per variables set: batch calls during one plain graphql-js `execute`. */
  graphqlJs: number[];
  /** The production pipeline's calls for the first variables set, by method. */
  methods: Map<string, number>;
}

/** The read seam's methods (src/kb/reader.ts): every loader batch, page and search is one call of one of them. */
export const readerMethodNames = [
  'recordsByIds',
  'storedRecordsByIds',
  'referentsByIds',
  'countryIdsByIsoCodes',
  'related',
  'page',
  'pagesWithin',
  'count',
  'countsWithin',
  'timelinePage',
  'timelineCount',
  'searchPage',
  'searchCount',
  'vertexKindsByIds',
  'neighborhood',
  'shortestPath',
  'statistics',
  'recordCounts',
] as const satisfies readonly (keyof KnowledgeReader)[];

/** A call's name: the method, with the kind or relation it was asked for ("recordsByIds Person", "pagesWithin statementIdsBySpeakerId"). */
function callName(method: string, args: unknown[]): string {
  if (method === 'recordsByIds' || method === 'related') return `${method} ${args[0] as string}`;
  const within = args[2] as { relation?: string } | undefined;
  return within?.relation ? `${method} ${within.relation}` : method;
}

export async function countBatchCalls(fixtures: Fixture[], dataDir = `${projectRoot}/data`): Promise<Map<string, BatchCount>> {
  const kb = await loadKnowledgeBase(dataDir);
  const calls = new Map<string, number>();
  const reader = readerOf(kb);
  const methods = reader as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of readerMethodNames) {
    const original = methods[method]!.bind(reader);
    methods[method] = (...args: unknown[]) => {
      const name = callName(method, args);
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return original(...args);
    };
  }
  const total = () => [...calls.values()].reduce((sum, n) => sum + n, 0);
  // The response cache would answer repeated requests without executing; off, so each request runs.
  const options: ServerOptions & Record<string, unknown> = { kb, logger: createLogger('silent'), responseCache: false };
  const yoga = createNewsgraph(options).yoga;
  const counts = new Map<string, BatchCount>();
  for (const fixture of fixtures) {
    const count: BatchCount = { production: [], graphqlJs: [], methods: new Map() };
    const document = parse(fixture.document);
    for (const [index, variables] of fixture.variableSets.entries()) {
      calls.clear();
      const response = await yoga.fetch(`http://${BENCH_HOST}/graphql`, { method: 'POST', headers: REQUEST_HEADERS, body: requestBody(fixture, variables) });
      const body = (await response.json()) as { errors?: unknown };
      if (response.status !== 200 || body.errors) throw new Error(`${fixture.name} #${index} failed in-process: ${JSON.stringify(body).slice(0, 300)}`);
      count.production.push(total());
      if (index === 0) count.methods = new Map(calls);
      calls.clear();
      const result = await execute({ schema, document, variableValues: variables, contextValue: contextFor(kb) });
      if (result.errors) throw new Error(`${fixture.name} #${index} failed in graphql-js: ${result.errors[0]?.message}`);
      count.graphqlJs.push(total());
    }
    counts.set(fixture.name, count);
  }
  return counts;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const only = process.argv[2]?.split(',').filter(Boolean);
  const counts = await countBatchCalls(loadFixtures(only));
  const json = Object.fromEntries([...counts].map(([name, c]) => [name, { production: c.production, graphqlJs: c.graphqlJs, methods: Object.fromEntries(c.methods) }]));
  process.stdout.write(`${JSON.stringify(json)}\n`);
}
