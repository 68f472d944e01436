/**
 * Graph walks, the timeline, statistics and record counts from PostgreSQL against the in-memory reader,
 * on a real PostgreSQL server (test/postgres.ts): for each fixture folder (seed, multi-source, multi-source
 * with retracted and merged records), imported into a database and loaded into a KnowledgeBase, every
 * answer must equal `readerOf(kb)`'s, in the number of SQL statements each module promises.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphEdge } from '../src/kb/graph.js';
import { readerOf, type KindedNeighborhood, type KindedPath } from '../src/kb/reader.js';
import { neighborhood, shortestPath, vertexKindsByIds } from '../src/store/postgres/graph.js';
import { rowsOf, type RowsOf } from '../src/store/postgres/sql.js';
import { cleanUp, datasetFolders, importDatasets, type ImportedDataset } from './postgres-datasets.js';
import { startPostgres, type PostgresServer } from './postgres.js';

let server: PostgresServer;
let datasets: ImportedDataset[] = [];

beforeAll(async () => {
  server = await startPostgres();
  datasets = await importDatasets(server);
}, 180_000);

afterAll(async () => {
  await cleanUp(datasets);
  await server?.stop();
});

/** A statement-counting query function over a dataset's pool. */
function counted(dataset: ImportedDataset): { rows: RowsOf; statements: () => number } {
  let count = 0;
  return { rows: rowsOf(dataset.pool, () => (count += 1)), statements: () => count };
}

/** An edge with its id (a getter, which deep equality does not read) and every field a client sees. */
function plainEdge(edge: GraphEdge) {
  return { id: edge.id, kind: edge.kind, from: edge.from, to: edge.to, label: edge.label, inferred: edge.inferred, note: edge.note, evidence: edge.evidence };
}

function plainNeighborhood(result: KindedNeighborhood) {
  return { vertices: result.vertices, edges: result.edges.map(plainEdge), truncated: result.truncated };
}

function plainPath(path: KindedPath | null) {
  return path && { vertices: path.vertices, steps: path.steps.map((step) => ({ direction: step.direction, edge: plainEdge(step.edge) })) };
}

/** Every vertex of a knowledge base, in data order. */
function vertexIds(dataset: ImportedDataset): string[] {
  const { persons, countries, organizations, events, statements } = dataset.kb.orderedIds;
  return [...persons, ...countries, ...organizations, ...events, ...statements];
}

describe.each(datasetFolders.map(([name]) => name))('%s', (name) => {
  const dataset = () => datasets.find((d) => d.name === name)!;

  it('answers vertex kinds in one statement, sources, merged and retracted ids and unknown ids as undefined', async () => {
    const { kb } = dataset();
    const ids = [...vertexIds(dataset()), ...kb.orderedIds.sources, ...kb.mergedInto.keys(), ...kb.retractedStatementIds, 'no-such-id', vertexIds(dataset())[0]!];
    const { rows, statements } = counted(dataset());
    expect(await vertexKindsByIds(rows, ids)).toEqual(await readerOf(kb).vertexKindsByIds(ids));
    expect(statements()).toBe(1);
  });

  it('gives every neighborhood the in-memory graph gives, at depths 1 to 3 and several limits, one statement per layer', async () => {
    const { kb } = dataset();
    const reader = readerOf(kb);
    let truncated = 0;
    for (const center of vertexIds(dataset())) {
      for (const depth of [1, 2, 3]) {
        for (const limit of [1, 4, 25, 500]) {
          const expected = await reader.neighborhood(center, depth, limit);
          const { rows, statements } = counted(dataset());
          const actual = await neighborhood(rows, center, depth, limit);
          expect(plainNeighborhood(actual), `${center} depth ${depth} limit ${limit}`).toEqual(plainNeighborhood(expected));
          expect(statements()).toBeLessThanOrEqual(depth + 1);
          if (expected.truncated) truncated += 1;
        }
      }
    }
    expect(truncated).toBeGreaterThan(0);
  });

  it('finds the shortest path the in-memory graph finds between many pairs, and none where it finds none', async () => {
    const { kb } = dataset();
    const reader = readerOf(kb);
    const ids = vertexIds(dataset());
    let found = 0;
    let missing = 0;
    for (let i = 0; i < ids.length; i += 3) {
      for (let j = 1; j < ids.length; j += 5) {
        for (const maxLength of [1, 3, 8]) {
          const expected = await reader.shortestPath(ids[i]!, ids[j]!, maxLength);
          const { rows, statements } = counted(dataset());
          const actual = await shortestPath(rows, ids[i]!, ids[j]!, maxLength);
          expect(plainPath(actual), `${ids[i]} -> ${ids[j]} within ${maxLength}`).toEqual(plainPath(expected));
          expect(statements()).toBeLessThanOrEqual(maxLength + 2);
          if (expected) found += 1;
          else missing += 1;
        }
      }
    }
    expect(found).toBeGreaterThan(0);
    expect(missing).toBeGreaterThan(0);
  });

  it('refuses a walk from what is not a vertex, as the in-memory graph does', async () => {
    const { kb } = dataset();
    const { rows } = counted(dataset());
    const source = kb.orderedIds.sources[0]!;
    await expect(neighborhood(rows, source, 1, 10)).rejects.toThrow(`"${source}" is not a vertex of the entity graph`);
    await expect(readerOf(kb).neighborhood(source, 1, 10)).rejects.toThrow(`"${source}" is not a vertex of the entity graph`);
    await expect(shortestPath(rows, vertexIds(dataset())[0]!, 'no-such-id', 3)).rejects.toThrow('"no-such-id" is not a vertex of the entity graph');
  });
});
