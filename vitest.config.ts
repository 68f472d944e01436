import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * The slower tier: tests that start server processes (ours or PostgreSQL) or a browser, kill processes, or run long
 * generated streams. `npm test` runs both tiers (as CI does); `npm run test:fast` only the fast one,
 * for the edit-test loop.
 */
const slowTests = [
  'test/kill.test.ts',
  'test/browser-*.test.ts',
  'test/fuzz.test.ts',
  'test/jit.test.ts',
  'test/hostile-http.test.ts',
  'test/concurrency.test.ts',
  'test/durability.test.ts',
  'test/author.test.ts',
  'test/author-apply.test.ts',
  'test/author-draft.test.ts',
  'test/server.test.ts',
  'test/sdk.test.ts',
  'test/sdk-package.test.ts',
  'test/data-validation.test.ts',
  'test/persisted-documents.test.ts',
  'test/node-env.test.ts',
  'test/postgres-store.test.ts',
  'test/postgres-reader.test.ts',
  'test/postgres-lists.test.ts',
  'test/postgres-server.test.ts',
  'test/postgres-walks.test.ts',
  'test/postgres-search.test.ts',
  'test/postgres-standby.test.ts',
  'test/postgres-writes.test.ts',
];

/**
 * The query and curation tests, run a second time against PostgreSQL (the `postgres` project): each
 * file's `createTestServer` (read-only) or `createCurationTestServer` (mutations) serves the same fixture
 * folder from a database, so both stores must give the same answers to the same assertions. The tests of
 * what only the JSON store has (its files, their lock and durability, hand edits picked up by a watcher,
 * the authoring command) run on it alone.
 */
const bothStoresTests = [
  'test/country.test.ts',
  'test/dataset.test.ts',
  'test/event.test.ts',
  'test/filters.test.ts',
  'test/graph.test.ts',
  'test/organization.test.ts',
  'test/person.test.ts',
  'test/search.test.ts',
  'test/source.test.ts',
  'test/statement.test.ts',
  'test/timeline.test.ts',
  'test/errors.test.ts',
  'test/fuzz.test.ts',
  'test/hostile-graphql.test.ts',
  'test/http.test.ts',
  'test/limits.test.ts',
  'test/jit.test.ts',
  'test/response-cache.test.ts',
  'test/listener.test.ts',
  'test/plain-query.test.ts',
  'test/curation.test.ts',
  'test/article-api.test.ts',
  'test/multi-source.test.ts',
  'test/snapshot.test.ts',
  'test/sdk-client.test.ts',
  'test/pages.test.ts',
  'test/curation-auth.test.ts',
  'test/contract-with-more-sources.test.ts',
  'test/live.test.ts',
  'test/metrics.test.ts',
];

/**
 * Whether each test file of the in-process tiers gets fresh modules (vitest's `isolate`). They do not:
 * a worker imports the schema and server modules once and runs file after file with them, which took the
 * fast tier from 60 s to 25 s (importing them again for every file was half its time) and the postgres
 * tier from 90 s to 60 s. So a test file must leave no module state behind that another depends on: each
 * makes its own server, store and fixture copy (test/helpers.ts). The slow tier keeps isolation: its
 * files kill processes, change the environment and start browsers.
 */
const isolateFiles = false;

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (main) and ESM (module) builds. Node loads the CommonJS one for our
    // dependencies; without this alias Vite would give our own files the ESM one, and graphql refuses
    // to mix types from two copies ("Cannot use GraphQLObjectType from another module or realm").
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Server-process tests spawn `tsx`, which takes a few seconds to start on these machines.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: [...slowTests, 'test/postgres-batching.test.ts'], isolate: isolateFiles } },
      { extends: true, test: { name: 'slow', include: slowTests } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [...bothStoresTests, 'test/postgres-batching.test.ts'],
          isolate: isolateFiles,
          env: { NEWSGRAPH_TEST_STORE: 'postgres' },
          globalSetup: ['test/postgres-setup.ts'],
          setupFiles: ['test/postgres-project-setup.ts'],
        },
      },
    ],
  },
});
