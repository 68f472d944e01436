/**
 * Graph walks, the timeline, statistics and record counts from PostgreSQL against the in-memory reader,
 * on a real PostgreSQL server (test/postgres.ts): for each fixture folder (seed, multi-source, multi-source
 * with retracted and merged records), imported into a database and loaded into a KnowledgeBase, every
 * answer must equal `readerOf(kb)`'s, in the number of SQL statements each module promises.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphEdge } from '../src/kb/graph.js';
import { readerOf, type KindedNeighborhood, type KindedPath } from '../src/kb/reader.js';
import type { TimelineKind, TimelineQuery } from '../src/kb/filters.js';
import { dateSortKey } from '../src/kb/indexes.js';
import { UnknownCursorError, type PageWindow } from '../src/kb/pages.js';
import { neighborhood, shortestPath, vertexKindsByIds } from '../src/store/postgres/graph.js';
import { recordCounts, statistics } from '../src/store/postgres/stats.js';
import { timelineCount, timelinePage } from '../src/store/postgres/timeline.js';
import { rowsOf, type RowsOf } from '../src/store/postgres/sql.js';
import { walksReaderOf } from '../src/store/postgres/walks-reader.js';
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
  return { rows: rowsOf(dataset.pool, { onQuery: () => (count += 1) }), statements: () => count };
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

/** The days a timeline range can start or end on: before everything, on dated items' first days, and after everything. */
function rangeDays(dataset: ImportedDataset): string[] {
  const entries = dataset.kb.find.timeline({ kinds: ['Event', 'Statement'], includeUndated: false });
  const days = [...new Set(entries.map((entry) => dateSortKey(entry.date!).slice(0, 10)))].sort();
  const picks = [days[0]!, days[Math.floor(days.length / 3)]!, days[Math.floor(days.length / 2)]!, days.at(-1)!];
  return ['1900-01-01', ...picks, '2999-12-31'];
}

describe.each(datasetFolders.map(([name]) => name))('%s: the timeline', (name) => {
  const dataset = () => datasets.find((d) => d.name === name)!;

  function queries(): TimelineQuery[] {
    const days = rangeDays(dataset());
    const ranges: [string | undefined, string | undefined][] = [[undefined, undefined]];
    for (const from of [undefined, ...days]) for (const to of [undefined, ...days]) if (from !== undefined || to !== undefined) ranges.push([from, to]);
    const kindChoices: TimelineKind[][] = [[], ['Event'], ['Statement'], ['Event', 'Statement'], ['Statement', 'Event']];
    return kindChoices.flatMap((kinds) => [false, true].flatMap((includeUndated) => ranges.map(([from, to]) => ({ kinds, includeUndated, from, to }))));
  }

  it('lists the entries the in-memory timeline lists for every kinds, undated and range choice, and counts them, one statement each', async () => {
    const reader = readerOf(dataset().kb);
    let nonEmpty = 0;
    for (const query of queries()) {
      const expected = await reader.timelinePage(query, { first: 100_000 });
      const { rows, statements } = counted(dataset());
      const page = await timelinePage(rows, query, { first: 100_000 });
      expect(page, JSON.stringify(query)).toEqual({ items: expected.items, hasPreviousPage: expected.hasPreviousPage, hasNextPage: expected.hasNextPage });
      expect(await timelineCount(rows, query)).toBe(expected.total);
      expect(statements()).toBe(2);
      if (expected.items.length > 0) nonEmpty += 1;
    }
    expect(nonEmpty).toBeGreaterThan(20);
  });

  it('cuts the same pages for windows and cursors, cursors on entries outside the query included', async () => {
    const { kb } = dataset();
    const reader = readerOf(kb);
    const everything = kb.find.timeline({ kinds: ['Event', 'Statement'], includeUndated: true }).map((entry) => entry.id);
    // Cursors: the first and last entries, some in between, and undated ones.
    const cursors = [...new Set([everything[0]!, everything[1]!, everything[7]!, everything[Math.floor(everything.length / 2)]!, everything.at(-3)!, everything.at(-1)!])];
    const days = rangeDays(dataset());
    const sample: TimelineQuery[] = [
      { kinds: ['Event', 'Statement'], includeUndated: true },
      { kinds: ['Event', 'Statement'], includeUndated: false },
      { kinds: ['Statement'], includeUndated: true },
      { kinds: ['Event'], includeUndated: false, from: days[2], to: days[4] },
      { kinds: ['Event', 'Statement'], includeUndated: true, from: days[1], to: days[3] },
    ];
    const windows: PageWindow[] = [{ first: 1 }, { first: 5 }, { last: 1 }, { last: 4 }, { first: 6, last: 2 }, { first: 1000 }];
    let compared = 0;
    for (const query of sample) {
      for (const window of windows) {
        const choices: PageWindow[] = [window];
        for (const after of cursors) {
          choices.push({ ...window, after });
          for (const before of cursors) choices.push({ ...window, after, before });
        }
        for (const before of cursors) choices.push({ ...window, before });
        for (const choice of choices) {
          const expected = await reader.timelinePage(query, choice);
          const { rows, statements } = counted(dataset());
          expect(await timelinePage(rows, query, choice), JSON.stringify([query, choice])).toEqual({ items: expected.items, hasPreviousPage: expected.hasPreviousPage, hasNextPage: expected.hasNextPage });
          expect(statements()).toBe(1);
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('walks every page with first/after as the in-memory timeline does', async () => {
    const reader = readerOf(dataset().kb);
    const query: TimelineQuery = { kinds: ['Event', 'Statement'], includeUndated: true };
    const { rows } = counted(dataset());
    let after: string | undefined;
    for (;;) {
      const expected = await reader.timelinePage(query, { first: 7, after });
      const page = await timelinePage(rows, query, { first: 7, after });
      expect(page).toEqual({ items: expected.items, hasPreviousPage: expected.hasPreviousPage, hasNextPage: expected.hasNextPage });
      if (!page.hasNextPage) break;
      after = page.items.at(-1)!.id;
    }
  });

  it('refuses a cursor that names no entry of the timeline, as the in-memory timeline does', async () => {
    const { kb } = dataset();
    const reader = readerOf(kb);
    const query: TimelineQuery = { kinds: ['Event', 'Statement'], includeUndated: true };
    const { rows } = counted(dataset());
    const strangers = ['no-such-id', kb.orderedIds.sources[0]!, kb.orderedIds.persons[0]!, ...kb.retractedStatementIds, ...[...kb.mergedInto.keys()].filter((id) => kb.kindOf(id) === 'Event')];
    for (const id of strangers) {
      for (const argument of ['after', 'before'] as const) {
        await expect(reader.timelinePage(query, { first: 3, [argument]: id })).rejects.toThrow(UnknownCursorError);
        const refusal = timelinePage(rows, query, { first: 3, [argument]: id });
        await expect(refusal).rejects.toThrow(UnknownCursorError);
        await expect(refusal).rejects.toMatchObject({ argumentName: argument });
      }
    }
  });
});

describe.each(datasetFolders.map(([name]) => name))('%s: statistics and counts', (name) => {
  const dataset = () => datasets.find((d) => d.name === name)!;

  it('gives the statistics statisticsFor gives, ties in first-seen order, in one statement', async () => {
    const expected = await readerOf(dataset().kb).statistics();
    const { rows, statements } = counted(dataset());
    const actual = await statistics(rows);
    expect(actual).toEqual({ ...expected, perSource: expected.perSource });
    expect(statements()).toBe(1);
    // The data has ties for the order to break.
    const lists = [actual.statementsPerKind, actual.eventsPerCountry, actual.mentionsPerEntity, actual.statementsPerSpeaker];
    for (const list of lists) expect(list.length).toBeGreaterThan(1);
    expect(lists.filter((list) => list.some((entry, i) => i > 0 && entry.count === list[i - 1]!.count)).length).toBeGreaterThanOrEqual(2);
  });

  it('counts records as kb.counts does, in one statement', async () => {
    const { rows, statements } = counted(dataset());
    expect(await recordCounts(rows)).toEqual(await readerOf(dataset().kb).recordCounts());
    expect(statements()).toBe(1);
  });
});

describe('the read seam methods together', () => {
  it('answers through walksReaderOf as the in-memory reader does, one statement per call', async () => {
    const dataset = datasets.find((d) => d.name === datasetFolders[2]![0])!;
    const memory = readerOf(dataset.kb);
    const { rows, statements } = counted(dataset);
    const reader = walksReaderOf(rows);
    expect(await reader.recordCounts()).toEqual(await memory.recordCounts());
    expect(await reader.statistics()).toEqual({ ...(await memory.statistics()), perSource: (await memory.statistics()).perSource });
    const query = { kinds: ['Event', 'Statement'] as const, includeUndated: true };
    const { total: _total, ...expectedPage } = await memory.timelinePage({ ...query, kinds: [...query.kinds] }, { first: 10 });
    expect(await reader.timelinePage({ ...query, kinds: [...query.kinds] }, { first: 10 })).toEqual(expectedPage);
    expect(await reader.timelineCount({ ...query, kinds: [...query.kinds] })).toBe(await memory.timelineCount({ ...query, kinds: [...query.kinds] }));
    expect(await reader.vertexKindsByIds(['nato', 'no-such-id'])).toEqual(await memory.vertexKindsByIds(['nato', 'no-such-id']));
    expect((await reader.searchPage('Daesh', undefined, { first: 1 })).items[0]?.recordId).toBe((await memory.searchPage('Daesh', undefined, { first: 1 })).items[0]?.recordId);
    expect(await reader.searchCount('Daesh', undefined)).toBe(await memory.searchCount('Daesh', undefined));
    expect(statements()).toBe(7);
    expect(plainNeighborhood(await reader.neighborhood('nato', 1, 50))).toEqual(plainNeighborhood(await memory.neighborhood('nato', 1, 50)));
    expect(plainPath(await reader.shortestPath('john-kerry', 'nato', 4))).toEqual(plainPath(await memory.shortestPath('john-kerry', 'nato', 4)));
  });
});
