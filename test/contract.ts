/**
 * The contract every root collection keeps (Person, Country, Organization, Event, Statement, Source),
 * written once: the root connection lists the records of its data file and pages through them like any
 * Relay connection, and the singular lookup finds each record by slug, by global id and through
 * node/nodes, with the same errors for the same mistakes.
 *
 * A type's test file calls `describeRootCollection` once and keeps only the tests of its own fields.
 * The helpers the contract needs (reading data files, field errors, global ids, slugs of a connection)
 * are exported for those tests too.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { createTestServer, dataDir, query, queryData, type GraphQLResponse } from './helpers.js';

type StatementData = z.input<typeof statementSchema>;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

export async function readData<T>(file: string, dir = dataDir): Promise<T[]> {
  return JSON.parse(await readFile(path.join(dir, file), 'utf8')) as T[];
}

/** A record reported by one source or several: a statement, placed where its first report in force stands. */
interface Sourced {
  id: string;
  reports: { evidence: { sourceId: string; start: number }; retracted?: unknown }[];
}

/** The words of a statement's first report that is not retracted (the first report when all are): where the statement stands. */
export function firstReportEvidence(record: Sourced): { sourceId: string; start: number } {
  return (record.reports.find((report) => !report.retracted) ?? record.reports[0]!).evidence;
}

/** The records of `file` in source order: sources in file order, then where each record's first report starts. */
async function readInSourceOrder<T extends Sourced>(file: string, dir = dataDir): Promise<T[]> {
  const sourceIds = (await readData<{ id: string }>('sources.json', dir)).map((source) => source.id);
  const rank = (record: T) => sourceIds.indexOf(firstReportEvidence(record).sourceId);
  return (await readData<T>(file, dir)).sort((a, b) => rank(a) - rank(b) || firstReportEvidence(a).start - firstReportEvidence(b).start);
}

/**
 * statements.json in source order: sources in file order, then where each statement's words start
 * (a statement several sources report stands where its first report stands).
 * Every statement list (Query.statements, a person's, an event's, …) is documented to read in this order.
 */
export function readStatementsInSourceOrder(): Promise<StatementData[]> {
  return readInSourceOrder<StatementData>('statements.json');
}

/** Asserts the response failed on `field` alone, with data null there and one error with `code`. */
export function expectFieldError(result: GraphQLResponse, field: string, code: string): void {
  expect(result.status).toBe(200);
  expect(result.data?.[field]).toBeNull();
  expect(result.errors?.map((error) => ({ path: error.path, code: error.extensions?.code }))).toEqual([{ path: [field], code }]);
}

interface SlugEdge {
  cursor?: string;
  node: { slug: string };
}

export interface Page {
  totalCount: number;
  edges: { cursor: string; node: { slug: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export function slugsOf(connection: { edges: SlugEdge[] }): string[] {
  return connection.edges.map((edge) => edge.node.slug);
}

/** Slug → global id of every record of a root connection, as the server returns them. */
export async function globalIds(yoga: NewsgraphYoga, connection: string): Promise<Map<string, string>> {
  const data = await queryData<Record<string, { edges: { node: { id: string; slug: string } }[] }>>(
    yoga,
    `{ ${connection}(first: 100) { edges { node { id slug } } } }`,
  );
  return new Map(data[connection]!.edges.map(({ node }) => [node.slug, node.id]));
}

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

export interface RootCollectionSpec {
  /** The GraphQL type ("Person"). */
  typename: string;
  /** The root connection that lists every record ("persons"). */
  rootField: string;
  /** The singular root field that finds one record by id or slug ("person"). */
  lookupField: string;
  /** The data file whose record ids are the slugs the connection lists ("persons.json"). */
  dataFile: string;
  /** The order the connection reads in: the data file's (the default), or source order (statements). */
  order?: 'file' | 'source';
  /** A root connection of another type, whose slugs and ids the lookup must refuse ("countries"). */
  otherRootField: string;
}

/** The root collections and the contract each keeps. */
export const rootCollections = {
  Person: { typename: 'Person', rootField: 'persons', lookupField: 'person', dataFile: 'persons.json', otherRootField: 'countries' },
  Country: { typename: 'Country', rootField: 'countries', lookupField: 'country', dataFile: 'countries.json', otherRootField: 'persons' },
  Organization: { typename: 'Organization', rootField: 'organizations', lookupField: 'organization', dataFile: 'organizations.json', otherRootField: 'events' },
  Event: { typename: 'Event', rootField: 'events', lookupField: 'event', dataFile: 'events.json', otherRootField: 'organizations' },
  Statement: { typename: 'Statement', rootField: 'statements', lookupField: 'statement', dataFile: 'statements.json', order: 'source', otherRootField: 'sources' },
  Source: { typename: 'Source', rootField: 'sources', lookupField: 'source', dataFile: 'sources.json', otherRootField: 'persons' },
} as const satisfies Record<string, RootCollectionSpec>;

/**
 * Registers the shared tests of one root collection: `describe('Query.<rootField>')` for the connection
 * and `describe('Query.<lookupField>')` for the lookups. Call it at the top level of a test file; it adds
 * a `beforeAll` there that builds a server and reads the expected ids from `dataFile`.
 */
export function describeRootCollection(spec: RootCollectionSpec, dataset?: () => Promise<{ yoga: NewsgraphYoga; dir: string }>): void {
  let yoga: NewsgraphYoga;
  let ids: string[];

  beforeAll(async () => {
    const opened = dataset ? await dataset() : { yoga: await createTestServer(), dir: dataDir };
    yoga = opened.yoga;
    const records =
      spec.order === 'source' ? await readInSourceOrder<Sourced>(spec.dataFile, opened.dir) : await readData<{ id: string }>(spec.dataFile, opened.dir);
    ids = records.map((record) => record.id);
  });

  const context = { yoga: () => yoga, expectedIds: () => ids };
  describeRootConnection(spec, context);
  describeLookups(spec, context);
}

interface Context {
  yoga: () => NewsgraphYoga;
  /** The ids of the data file, in the order the connection must list them. */
  expectedIds: () => string[];
}

/** The root connection `rootField` must list `expectedIds()`: the ids of its data file, in file order (source order for statements). */
function describeRootConnection({ rootField: field }: RootCollectionSpec, { yoga, expectedIds }: Context): void {
  const fetchPage = async (args: { first?: number; after?: string; last?: number; before?: string } = {}): Promise<Page> => {
    const data = await queryData<Record<string, Page>>(
      yoga(),
      `query ($first: Int, $after: String, $last: Int, $before: String) {
        ${field}(first: $first, after: $after, last: $last, before: $before) {
          totalCount
          edges { cursor node { slug } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
      }`,
      args,
    );
    const page = data[field]!;
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    return page;
  };

  describe(`Query.${field}`, () => {
    it('counts every record of the data file and returns the first 20 by default, in order', async () => {
      const ids = expectedIds();
      const page = await fetchPage();
      expect(page.totalCount).toBe(ids.length);
      expect(slugsOf(page)).toEqual(ids.slice(0, 20));
      expect(page.pageInfo.hasPreviousPage).toBe(false);
      expect(page.pageInfo.hasNextPage).toBe(ids.length > 20);
    });

    it('walks every record exactly once with first/after, with pageInfo right at both ends', async () => {
      const ids = expectedIds();
      const seen: string[] = [];
      let after: string | undefined;
      for (let pageNumber = 0; ; pageNumber++) {
        const page = await fetchPage({ first: 3, after });
        expect(page.totalCount).toBe(ids.length);
        expect(page.pageInfo.hasPreviousPage).toBe(pageNumber > 0);
        seen.push(...slugsOf(page));
        expect(page.pageInfo.hasNextPage).toBe(seen.length < ids.length);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor!;
      }
      expect(seen).toEqual(ids);
    });

    it('walks every record backwards with last/before', async () => {
      const ids = expectedIds();
      const seen: string[] = [];
      let before: string | undefined;
      for (let pageNumber = 0; ; pageNumber++) {
        const page = await fetchPage({ last: 4, before });
        expect(page.pageInfo.hasNextPage).toBe(pageNumber > 0);
        seen.unshift(...slugsOf(page));
        expect(page.pageInfo.hasPreviousPage).toBe(seen.length < ids.length);
        if (!page.pageInfo.hasPreviousPage) break;
        before = page.pageInfo.startCursor!;
      }
      expect(seen).toEqual(ids);
    });

    it('returns the last records for `last` alone, and nothing after the last cursor', async () => {
      const ids = expectedIds();
      const tail = await fetchPage({ last: 2 });
      expect(slugsOf(tail)).toEqual(ids.slice(-2));
      expect(tail.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: ids.length > 2 });
      const beyond = await fetchPage({ first: 5, after: tail.pageInfo.endCursor! });
      expect(beyond.edges).toEqual([]);
      expect(beyond.pageInfo).toMatchObject({ hasNextPage: false, startCursor: null, endCursor: null });
    });

    it('rejects a page size outside 1..100 and a cursor it did not issue', async () => {
      for (const args of [{ first: 0 }, { first: 101 }, { last: -1 }, { after: 'not-a-cursor' }]) {
        const result = await query(
          yoga(),
          `query ($first: Int, $last: Int, $after: String) { ${field}(first: $first, last: $last, after: $after) { totalCount } }`,
          args,
        );
        expect(result.data).toBeNull();
        expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      }
    });
  });
}

/** Lookups by slug, by global id, through node/nodes, and their errors. */
function describeLookups(
  { lookupField: field, typename, rootField: connection, otherRootField: otherConnection }: RootCollectionSpec,
  { yoga, expectedIds }: Context,
): void {
  const lookup = (args: Record<string, unknown>) => query(yoga(), `query ($id: ID, $slug: String) { ${field}(id: $id, slug: $slug) { __typename slug } }`, args);

  describe(`Query.${field}`, () => {
    it('finds every record by slug', async () => {
      for (const slug of expectedIds()) {
        const data = await queryData(yoga(), `query ($slug: String) { ${field}(slug: $slug) { __typename slug } }`, { slug });
        expect(data[field]).toEqual({ __typename: typename, slug });
      }
    });

    it('finds every record by the global id a previous query returned, also through node and nodes', async () => {
      const ids = await globalIds(yoga(), connection);
      expect([...ids.keys()]).toEqual(expectedIds());
      for (const [slug, id] of ids) {
        const data = await queryData(
          yoga(),
          `query ($id: ID!) { ${field}(id: $id) { id slug } node(id: $id) { __typename id ... on ${typename} { slug } } }`,
          { id },
        );
        expect(data[field]).toEqual({ id, slug });
        expect(data.node).toEqual({ __typename: typename, id, slug });
      }
      const reversed = [...ids].reverse();
      const data = await queryData(yoga(), `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, { ids: reversed.map(([, id]) => id) });
      expect(data.nodes).toEqual(reversed.map(([, id]) => ({ __typename: typename, id })));
    });

    it('gives NOT_FOUND, with data null, for an unknown slug and for the slug of another type', async () => {
      const [otherSlug] = (await globalIds(yoga(), otherConnection)).keys();
      for (const slug of ['no-such-record', otherSlug]) {
        expectFieldError(await lookup({ slug }), field, 'NOT_FOUND');
      }
    });

    it('gives BAD_USER_INPUT for both or neither of id and slug', async () => {
      const [slug, id] = [...(await globalIds(yoga(), connection))][0]!;
      expectFieldError(await lookup({}), field, 'BAD_USER_INPUT');
      expectFieldError(await lookup({ id, slug }), field, 'BAD_USER_INPUT');
    });

    it('gives BAD_USER_INPUT for the id of another type and for a malformed id', async () => {
      const [otherId] = (await globalIds(yoga(), otherConnection)).values();
      expectFieldError(await lookup({ id: otherId }), field, 'BAD_USER_INPUT');
      const [slug] = expectedIds();
      for (const id of ['not a global id', slug, '', Buffer.from('no colon here').toString('base64url')]) {
        expectFieldError(await lookup({ id }), field, 'BAD_USER_INPUT');
      }
    });
  });
}
