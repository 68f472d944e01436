import { getIntrospectionQuery } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleQuery } from '../src/http/graphiql-example.js';
import { defaultQueryLimits } from '../src/plugins/limits.js';
import type { NewsgraphYoga } from '../src/server.js';
import { createTestServer, query, queryData } from './helpers.js';

let yoga: NewsgraphYoga;

beforeAll(async () => {
  yoga = await createTestServer();
});

async function expectTooComplex(document: string, limit: string, variables?: Record<string, unknown>, server = yoga) {
  const result = await query(server, document, variables);
  expect(result.status, JSON.stringify(result.errors)).toBe(400);
  expect(result.data).toBeUndefined();
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
  return result.errors![0]!;
}

/** A query exactly `depth` fields deep: an event, then parents, then a slug. */
function nested(depth: number): string {
  let selection = 'slug';
  for (let level = 2; level < depth; level += 1) selection = `parent { ${selection} }`;
  return `{ event(slug: "kerry-gentiloni-meeting") { ${selection} } }`;
}

describe('limits checked before execution', () => {
  it('lets the GraphiQL example and the full introspection query through', async () => {
    await queryData(yoga, exampleQuery);
    const introspection = await queryData(yoga, getIntrospectionQuery());
    expect(introspection.__schema.queryType.name).toBe('Query');
  });

  it('rejects a query deeper than the limit, counting fragments, and accepts one at the limit', async () => {
    const max = defaultQueryLimits.maxDepth;
    expect((await query(yoga, nested(max))).status).toBe(200);
    const error = await expectTooComplex(nested(max + 1), 'depth');
    expect(error.message).toBe(`The query is ${max + 1} fields deep; the limit is ${max}`);
    expect(error.extensions).toMatchObject({ max, actual: max + 1 });
    // The same depth hidden behind a fragment.
    let inner = 'slug';
    for (let level = 2; level < max + 1; level += 1) inner = `parent { ${inner} }`;
    const viaFragment = `{ event(slug: "kerry-gentiloni-meeting") { ...Deep } } fragment Deep on Event { ${inner} }`;
    await expectTooComplex(viaFragment, 'depth');
  });

  it('rejects an alias flood and a directive flood', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: dataset { version }`).join(' ')} }`;
    expect((await query(yoga, aliases(defaultQueryLimits.maxAliases))).status).toBe(200);
    const aliasError = await expectTooComplex(aliases(defaultQueryLimits.maxAliases + 1), 'aliases');
    expect(aliasError.message).toBe(`The query uses ${defaultQueryLimits.maxAliases + 1} aliases; the limit is ${defaultQueryLimits.maxAliases}`);
    const directives = `{ ${Array.from({ length: defaultQueryLimits.maxDirectives + 1 }, (_, i) => `d${i % 5}: dataset { version @include(if: true) }`).join(' ')} }`;
    await expectTooComplex(directives, 'directives');
  });

  it('rejects a document with too many tokens before parsing it all', async () => {
    const huge = `{ ${'dataset { version } '.repeat(1500)} }`;
    const error = await expectTooComplex(huge, 'tokens');
    expect(error.message).toBe(`The query has more than ${defaultQueryLimits.maxTokens} tokens`);
  });

  it('multiplies cost by page sizes: nested pages of 100 are refused, nested pages of 10 are not', async () => {
    const nestedPages = (outer: number, inner: number) =>
      `{ persons(first: ${outer}) { edges { node { statements(first: ${inner}) { edges { node { mentionedIn: mentions { entity { slug } } speaker { statements(first: ${inner}) { totalCount } } } } } } } } }`;
    expect((await query(yoga, nestedPages(10, 10))).status).toBe(200);
    const error = await expectTooComplex(nestedPages(100, 100), 'cost');
    expect(error.extensions).toMatchObject({ max: defaultQueryLimits.maxCost });
    expect(error.extensions!.actual as number).toBeGreaterThan(defaultQueryLimits.maxCost);
  });

  describe('cost with `first` in a variable, whichever request comes first', () => {
    const document = /* GraphQL */ `
      query Feed($outer: Int!, $inner: Int!) {
        persons(first: $outer) { edges { node { statements(first: $inner) { edges { node { speaker { statements(first: $inner) { totalCount } } } } } } } }
      }
    `;

    it('refuses the big request after a small one with the same text', async () => {
      const fresh = await createTestServer();
      expect((await query(fresh, document, { outer: 2, inner: 2 })).status).toBe(200);
      await expectTooComplex(document, 'cost', { outer: 100, inner: 100 }, fresh);
    });

    it('serves the small request after a big one with the same text was refused', async () => {
      const fresh = await createTestServer();
      await expectTooComplex(document, 'cost', { outer: 100, inner: 100 }, fresh);
      const result = await query(fresh, document, { outer: 2, inner: 2 });
      expect(result.status).toBe(200);
      expect(result.errors).toBeUndefined();
      expect(result.data.persons.edges).toHaveLength(2);
    });
  });
});

describe('refusals are 4xx whatever the client accepts', () => {
  it('answers over-limit queries with 400 even for Accept: application/json', async () => {
    const send = (query: string) =>
      yoga.fetch('http://newsgraph.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query }),
      });
    for (const [query, limit] of [
      [`{ ${'dataset { version } '.repeat(1500)} }`, 'tokens'],
      [`{ nodes(ids: ${'['.repeat(60)}"x"${']'.repeat(60)}) { id } }`, 'nesting'],
      [nested(defaultQueryLimits.maxDepth + 1), 'depth'],
      [`{ persons(first: 100) { edges { node { statements(first: 100) { edges { node { speaker { statements(first: 100) { totalCount } } } } } } } } }`, 'cost'],
    ] as const) {
      const response = await send(query);
      expect(response.status, limit).toBe(400);
      expect((await response.json()).errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit });
    }
  });
});
