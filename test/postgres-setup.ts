/**
 * Global setup of the `postgres` test project: one throwaway PostgreSQL server for the whole run (see
 * test/postgres.ts), whose address every test file of the project reads with `inject('postgresUrl')`.
 * Each file makes its own databases on it (test/store-under-test.ts), so files never share data.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The connection string of the server's `postgres` database (the template `newsgraph_template` has the extensions). */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('postgresUrl', server.url());
  return () => server.stop();
}
