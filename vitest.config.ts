import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Server-process tests spawn `tsx`, which takes a few seconds to start on these machines.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
