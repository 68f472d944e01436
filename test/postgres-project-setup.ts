/**
 * Setup file of the `postgres` test project, run in every test file of it: the databases a file opened
 * through `createTestServer` are closed after its tests, so no pool outlives its file.
 */
import { afterAll } from 'vitest';
import { closeDatabases } from './store-under-test.js';

afterAll(closeDatabases);
