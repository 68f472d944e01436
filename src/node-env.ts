/**
 * Imported first by src/index.ts, so it runs before graphql is loaded: the shipped server runs with
 * NODE_ENV=production unless the environment sets NODE_ENV itself. graphql-js reads NODE_ENV once, when
 * it is loaded, and outside production every `instanceOf` it calls (`isListType`, `isNonNullType`, …)
 * that does not match runs a cross-realm check: 6-8% of the CPU of executing a large query. Nothing
 * else in our dependencies changes with it (error masking is configured explicitly in src/server.ts).
 * Tests keep their own value (vitest sets NODE_ENV=test, and server processes inherit it).
 */
if (!process.env.NODE_ENV) process.env.NODE_ENV = 'production';
