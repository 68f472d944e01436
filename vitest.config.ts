import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS (main) and ESM (module) builds. Node loads the CommonJS one for our
    // dependencies; without this alias Vite would give our own files the ESM one, and graphql refuses
    // to mix types from two copies ("Cannot use GraphQLObjectType from another module or realm").
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Server-process tests spawn `tsx`, which takes a few seconds to start on these machines.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
