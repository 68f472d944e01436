/**
 * Keyset pagination: a cursor names the item it stands for, so it keeps its place while records are
 * added before it, stays usable when its item no longer meets a filter, and names nothing outside its
 * list. The contract tests (test/contract.ts) cover the Relay rules every connection follows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCurationTestServer, mutate, query, queryData, type CurationTestServer } from './helpers.js';

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: { slug: string } }[];
}

const personsByName = /* GraphQL */ `
  query Persons($first: Int, $last: Int, $after: String, $before: String, $filter: PersonFilter) {
    persons(orderBy: NAME_ASC, first: $first, last: $last, after: $after, before: $before, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { slug } }
    }
  }
`;

const createPerson = /* GraphQL */ `
  mutation Create($input: CreatePersonInput!) {
    createPerson(input: $input) { person { slug } }
  }
`;

const slugs = (page: Page) => page.edges.map((edge) => edge.node.slug);
const cursorOf = (slug: string) => Buffer.from(`id:${slug}`, 'utf8').toString('base64url');

let server: CurationTestServer;

beforeAll(async () => {
  server = await createCurationTestServer();
});

afterAll(async () => {
  await server.close();
});

async function persons(variables: Record<string, unknown>): Promise<Page> {
  return (await queryData<{ persons: Page }>(server.yoga, personsByName, variables)).persons;
}

describe('cursors', () => {
  it('keep their place when a record is added before them', async () => {
    const all = await persons({ first: 100 });
    expect(all.edges.length).toBeGreaterThan(6);
    const firstPage = await persons({ first: 3 });
    const expectedNext = slugs(all).slice(3, 6);

    // "Aaron Aardvark" sorts before everyone: an offset cursor would now skip one person.
    const created = await mutate(server.yoga, createPerson, {
      input: {
        name: 'Aaron Aardvark',
        description: 'A test fixture person, added to move every name down one place.',
        roles: [{ title: 'Secretary General', organization: 'nato', evidence: { source: 'kerry-to-nato-ante-up', quote: 'NATO Secretary General' } }],
      },
    });
    expect(created.errors).toBeUndefined();

    const next = await persons({ first: 3, after: firstPage.pageInfo.endCursor });
    expect(slugs(next)).toEqual(expectedNext);
    expect(next.pageInfo.hasPreviousPage).toBe(true);
    expect((await persons({ first: 1 })).edges[0]!.node.slug).toBe('aaron-aardvark');
  });

  it('are the ids of their items, the same whatever the page or filter', async () => {
    const all = await persons({ first: 100 });
    for (const edge of all.edges) expect(edge.cursor).toBe(cursorOf(edge.node.slug));
    expect(all.pageInfo.startCursor).toBe(all.edges[0]!.cursor);
    expect(all.pageInfo.endCursor).toBe(all.edges.at(-1)!.cursor);
  });

  it('still place a page after an item the filter leaves out', async () => {
    const all = slugs(await persons({ first: 100 }));
    const named = slugs(await persons({ first: 100, filter: { isNamed: true } }));
    const unnamed = all.find((slug) => !named.includes(slug));
    expect(unnamed).toBeDefined();
    const afterUnnamed = await persons({ first: 100, after: cursorOf(unnamed!), filter: { isNamed: true } });
    const rest = all.slice(all.indexOf(unnamed!) + 1).filter((slug) => named.includes(slug));
    expect(slugs(afterUnnamed)).toEqual(rest);
  });

  it('page backwards with last and before as forwards with first and after', async () => {
    const all = slugs(await persons({ first: 100 }));
    const before = await persons({ last: 2, before: cursorOf(all[5]!) });
    expect(slugs(before)).toEqual(all.slice(3, 5));
    expect(before.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const between = await persons({ first: 10, after: cursorOf(all[1]!), before: cursorOf(all[4]!) });
    expect(slugs(between)).toEqual(all.slice(2, 4));
  });

  it('refuse a record of another kind, an unknown id and an old offset cursor, by code and message', async () => {
    for (const after of [cursorOf('paris-attacks'), cursorOf('nobody-at-all'), Buffer.from('offset:3').toString('base64url')]) {
      const response = await query(server.yoga, personsByName, { first: 2, after });
      expect(response.errors?.[0]).toMatchObject({
        message: '"after" is not a cursor returned by this connection',
        extensions: { code: 'BAD_USER_INPUT', argumentName: 'after' },
      });
    }
  });

  it('page every parent\'s list on a level, each from its own items', async () => {
    const document = /* GraphQL */ `
      {
        persons(first: 100) {
          edges { node { slug statements(first: 1) { totalCount pageInfo { endCursor } edges { node { slug } } } } }
        }
      }
    `;
    const { persons: page } = await queryData<{ persons: { edges: { node: { slug: string; statements: Page } }[] } }>(server.yoga, document);
    const speakers = page.edges.filter((edge) => edge.node.statements.totalCount > 1);
    expect(speakers.length).toBeGreaterThan(1);
    for (const { node } of speakers) {
      const second = await queryData<{ person: { statements: Page } }>(
        server.yoga,
        'query Next($slug: String!, $after: String) { person(slug: $slug) { statements(first: 1, after: $after) { edges { node { slug } } } } }',
        { slug: node.slug, after: node.statements.pageInfo.endCursor },
      );
      const all = await queryData<{ person: { statements: Page } }>(
        server.yoga,
        'query All($slug: String!) { person(slug: $slug) { statements(first: 100) { edges { node { slug } } } } }',
        { slug: node.slug },
      );
      expect(slugs(second.person.statements)).toEqual(slugs(all.person.statements).slice(1, 2));
    }
  });
});
