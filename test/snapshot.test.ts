/**
 * Readers see the data before a change or after it, never a mix: each request reads one snapshot from
 * its first resolver to its last, and its `extensions.dataset.version` names that snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCurationTestServer, mutate, query, type GraphQLResponse, type CurationTestServer } from './helpers.js';

let server: CurationTestServer;

beforeAll(async () => {
  server = await createCurationTestServer();
});

afterAll(() => server.close());

describe('snapshot isolation', () => {
  it('answers every read from one snapshot while mutations land', async () => {
    const readDocument = `{
      dataset { version counts { persons } }
      persons(first: 100) { totalCount edges { node { slug } } }
      later: dataset { counts { persons } }
    }`;
    let writing = true;
    const writes = (async () => {
      try {
        for (let index = 0; index < 25; index++) {
          const result = await mutate(server.yoga, `mutation { createPerson(input: { slug: "reader-test-${index}", name: "Reader Test ${index}", description: "d" }) { person { slug } } }`);
          expect(result.errors).toBeUndefined();
        }
      } finally {
        writing = false;
      }
    })();
    const reads: GraphQLResponse[] = [];
    const readers = Array.from({ length: 8 }, async () => {
      while (writing) {
        reads.push(await query(server.yoga, readDocument));
        // A cached answer resolves without leaving the microtask queue; let the writes' file I/O run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    await Promise.all([writes, ...readers]);

    const countByVersion = new Map<string, number>();
    for (const read of reads) {
      expect(read.errors).toBeUndefined();
      const { dataset, persons, later } = read.data;
      // Every part of one answer agrees: the counts, the list, and the version in the extensions.
      expect(persons.totalCount).toBe(dataset.counts.persons);
      expect(later.counts.persons).toBe(dataset.counts.persons);
      expect(persons.edges).toHaveLength(Math.min(100, persons.totalCount));
      expect((read.extensions as { dataset: { version: string } }).dataset.version).toBe(dataset.version);
      // One version, one state.
      const seen = countByVersion.get(dataset.version);
      if (seen !== undefined) expect(dataset.counts.persons).toBe(seen);
      countByVersion.set(dataset.version, dataset.counts.persons);
    }
    // The reads really did overlap the writes: they saw several versions.
    expect(countByVersion.size).toBeGreaterThan(2);
    const final = await query(server.yoga, '{ dataset { counts { persons } } }');
    expect(final.data.dataset.counts.persons).toBe(10 + 25);
  });
});
