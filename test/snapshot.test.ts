/**
 * Readers see the data before a change or after it, never a mix: each request reads one snapshot from
 * its first resolver to its last, and its `extensions.dataset.version` names that snapshot.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KnowledgeReader } from '../src/kb/reader.js';
import { createCurationTestServer, mutate, query, type GraphQLResponse, type CurationTestServer } from './helpers.js';

let server: CurationTestServer;

beforeAll(async () => {
  server = await createCurationTestServer();
});

afterAll(() => server.close());

describe('snapshot isolation', () => {
  it('answers a request from the state it began on when a change commits between two of its reads', async () => {
    const kerry = '{ dataset { version } person(slug: "john-kerry") { revision description } }';
    const before = (await query(server.yoga, kerry)).data;
    // The statements page is read first; the speakers are looked up after it, and before that lookup
    // runs, a curator's change to the speaker commits (and is announced).
    const reader = server.currentReader();
    const lookUp = reader.recordsByIds;
    let change: ReturnType<typeof mutate> | undefined;
    const lookups = vi.spyOn(reader, 'recordsByIds').mockImplementation(async function (this: KnowledgeReader, ...args: Parameters<KnowledgeReader['recordsByIds']>) {
      change ??= mutate(server.yoga, `mutation { updatePerson(input: { person: "john-kerry", expectedRevision: ${before.person.revision}, description: "Changed while a reader read." }) { person { description } } }`);
      expect((await change).errors).toBeUndefined();
      return lookUp.apply(this, args) as never;
    });
    try {
      const read = await query(server.yoga, '{ dataset { version } statements(first: 3, filter: { speaker: "john-kerry" }) { totalCount edges { node { speaker { slug description } } } } }');
      expect(read.errors).toBeUndefined();
      expect(change).toBeDefined();
      expect(read.data.statements.edges.length).toBeGreaterThan(0);
      for (const { node } of read.data.statements.edges) expect(node.speaker).toEqual({ slug: 'john-kerry', description: before.person.description });
      expect(read.data.dataset.version).toBe(before.dataset.version);
      expect((read.extensions as { dataset: { version: string } }).dataset.version).toBe(before.dataset.version);
    } finally {
      lookups.mockRestore();
    }
    // The next request reads the change.
    const after = (await query(server.yoga, kerry)).data;
    expect(after.person.description).toBe('Changed while a reader read.');
    expect(after.dataset.version).not.toBe(before.dataset.version);
  });

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
