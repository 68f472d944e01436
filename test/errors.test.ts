import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { createTestServer, dataDir, query, queryData, silentLogger } from './helpers.js';

let yoga: NewsgraphYoga;

beforeAll(async () => {
  yoga = await createTestServer();
});

function firstError(result: Awaited<ReturnType<typeof query>>) {
  expect(result.errors, JSON.stringify(result)).toBeDefined();
  return result.errors![0]!;
}

describe('errors', () => {
  it('answers a malformed query with 400 and GRAPHQL_PARSE_FAILED', async () => {
    const result = await query(yoga, '{ persons { ');
    expect(result.status).toBe(400);
    expect(firstError(result)).toMatchObject({ message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  });

  it('answers a query that does not fit the schema with 400 and GRAPHQL_VALIDATION_FAILED', async () => {
    const result = await query(yoga, '{ persons { edges { node { shoeSize } } } }');
    expect(result.status).toBe(400);
    expect(firstError(result)).toMatchObject({
      message: 'Cannot query field "shoeSize" on type "Person".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('answers a variable of the wrong type with BAD_USER_INPUT', async () => {
    const result = await query(yoga, 'query ($first: Int) { persons(first: $first) { totalCount } }', { first: 'lots' });
    expect(result.status).toBe(400);
    expect(firstError(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(firstError(result).message).toContain('Int cannot represent non-integer value: "lots"');
  });

  it.each([
    ['a huge first', '{ persons(first: 5000) { totalCount } }', '"first" must be between 1 and 100, got 5000'],
    ['first: 0', '{ persons(first: 0) { totalCount } }', '"first" must be between 1 and 100, got 0'],
    ['a negative last', '{ statements(last: -1) { totalCount } }', '"last" must be between 1 and 100, got -1'],
    ['a cursor from nowhere', '{ events(after: "bm90LWEtY3Vyc29y") { totalCount } }', '"after" is not a cursor returned by this connection'],
    ['an out-of-range page on a relationship', '{ person(slug: "john-kerry") { statements(first: 101) { totalCount } } }', '"first" must be between 1 and 100, got 101'],
  ])('rejects %s with BAD_USER_INPUT', async (_case, document, message) => {
    const result = await query(yoga, document);
    expect(result.status).toBe(200);
    expect(firstError(result)).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('answers an unknown slug with NOT_FOUND and null for that field only', async () => {
    const result = await query(yoga, '{ person(slug: "nobody-at-all") { name } dataset { counts { persons } } }');
    expect(firstError(result)).toMatchObject({ message: 'No Person with slug "nobody-at-all"', path: ['person'], extensions: { code: 'NOT_FOUND' } });
    expect(result.data).toEqual({ person: null, dataset: { counts: { persons: 10 } } });
  });

  it('answers a slug or ISO code no store can hold (a NUL, a lone surrogate) with NOT_FOUND, as any unknown one', async () => {
    for (const slug of ['\u0000', 'john-kerry\u0000', '\ud800']) {
      const result = await query(yoga, 'query ($slug: String) { person(slug: $slug) { name } source(slug: $slug) { slug } }', { slug });
      expect(result.errors?.map((error) => [error.path, error.extensions?.code]), JSON.stringify(result)).toEqual([
        [['person'], 'NOT_FOUND'],
        [['source'], 'NOT_FOUND'],
      ]);
    }
    const country = await query(yoga, '{ country(isoCode: "U\\u0000S") { name } }');
    expect(country.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it('answers a malformed or oversized global id with BAD_USER_INPUT without echoing all of it', async () => {
    const huge = 'A'.repeat(10_000);
    const result = await query(yoga, 'query ($id: ID!) { node(id: $id) { id } }', { id: huge });
    const error = firstError(result);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(error.message.length).toBeLessThan(200);
    expect(result.data).toEqual({ node: null });
  });

  it('masks unexpected errors: no message, stack or path leaks, a code is given, and the server keeps serving', async () => {
    const kb = await loadKnowledgeBase(dataDir);
    const server = createNewsgraph({ kb, logger: silentLogger }).yoga;
    vi.spyOn(kb, 'personsByIds').mockImplementationOnce(() => {
      throw new Error('disk exploded at /srv/secret/persons.json');
    });
    const result = await query(server, '{ person(slug: "john-kerry") { name } }');
    const text = JSON.stringify(result);
    expect(firstError(result)).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(text).not.toContain('disk exploded');
    expect(text).not.toContain('/srv/secret');
    expect(text).not.toContain('stack');

    const next = await queryData(server, '{ person(slug: "john-kerry") { name } }');
    expect(next).toEqual({ person: { name: 'John Kerry' } });
  });

  it('keeps masking when NODE_ENV=development is set in the environment', async () => {
    const kb = await loadKnowledgeBase(dataDir);
    const server = createNewsgraph({ kb, logger: silentLogger }).yoga;
    vi.stubEnv('NODE_ENV', 'development');
    try {
      vi.spyOn(kb, 'eventsByIds').mockImplementationOnce(() => {
        throw new Error('internal detail');
      });
      const result = await query(server, '{ event(slug: "paris-attacks") { name } }');
      expect(JSON.stringify(result)).not.toContain('internal detail');
      expect(firstError(result).extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
