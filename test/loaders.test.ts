import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import type { SourceRecord, StatementRecord } from '../src/kb/records.js';
import { sourceIdsOfStatement } from '../src/kb/coverage.js';
import { readerOf, type KnowledgeReader, type Within } from '../src/kb/reader.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { dataDir, queryData, silentLogger, statementFeed } from './helpers.js';

/** The read seam's methods: every loader's batch goes through one of these (its kind or relation names the lookup). */
const seamMethods = [
  'recordsByIds',
  'storedRecordsByIds',
  'sourceTextsByIds',
  'statementHeadingsByIds',
  'referentsByIds',
  'countryIdsByIsoCodes',
  'related',
  'pagesWithin',
  'countsWithin',
] as const satisfies readonly (keyof KnowledgeReader)[];


let kb: KnowledgeBase;
let yoga: NewsgraphYoga;

beforeAll(async () => {
  // A knowledge base of its own, so spying on it cannot disturb other test files; no response cache,
  // since these tests repeat requests to watch the loaders work each time.
  kb = await loadKnowledgeBase(dataDir);
  yoga = createNewsgraph({ kb, logger: silentLogger, responseCache: false }).yoga;
});

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Spies on the snapshot's reader; returns functions that read how often each lookup was called and
 * with which keys. A lookup is named by its method and, for records and relations, its first argument
 * ("recordsByIds Person", "related statementIdsBySpeakerId").
 */
function spyOnBatches() {
  const reader = readerOf(kb);
  const spies = seamMethods.map((method) => [method, vi.spyOn(reader, method)] as const);
  const lookups = () =>
    spies.flatMap(([method, spy]) =>
      spy.mock.calls.map((call: unknown[]) => {
        // Pages and counts within a relation: named by their relation, keyed by the parents.
        if (method === 'pagesWithin' || method === 'countsWithin') {
          // pagesWithin(query, window, within, along?), countsWithin(query, within)
          const within = (method === 'pagesWithin' ? call[2] : call[1]) as Within;
          return { name: `${method} ${within.relation}`, keys: within.ids as string[] };
        }
        return typeof call[0] === 'string' ? { name: `${method} ${call[0]}`, keys: call[1] as string[] } : { name: method, keys: call[0] as string[] };
      }),
    );
  return {
    calls: (): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const { name } of lookups()) counts[name] = (counts[name] ?? 0) + 1;
      return counts;
    },
    keys: (name: string): string[][] => lookups().filter((lookup) => lookup.name === name).map((lookup) => [...lookup.keys]),
    all: () => lookups(),
  };
}

describe('batching', () => {
  it('makes the same batch calls for 2 statements as for every statement', async () => {
    const total = kb.counts.statements;
    expect(total).toBeGreaterThan(10);

    const few = spyOnBatches();
    const fewData = await queryData(yoga, statementFeed, { first: 2 });
    const fewCalls = few.calls();
    vi.restoreAllMocks();

    const all = spyOnBatches();
    const allData = await queryData(yoga, statementFeed, { first: total });
    const allCalls = all.calls();

    expect(fewData.statements.edges).toHaveLength(2);
    expect(allData.statements.edges).toHaveLength(total);
    expect(allCalls).toEqual(fewCalls);
    // One call per kind of lookup per level of the query: a handful, not one per statement.
    const callCount = Object.values(allCalls).reduce((sum, n) => sum + n, 0);
    expect(callCount).toBeLessThanOrEqual(12);
    expect(allCalls['recordsByIds Person']).toBe(1);
    expect(allCalls['recordsByIds Statement']).toBe(1);
  });

  it('asks for each key once per request, however often the query needs it', async () => {
    const batches = spyOnBatches();
    await queryData(yoga, statementFeed, { first: kb.counts.statements });
    for (const { keys } of batches.all()) expect(new Set(keys).size).toBe(keys.length);
    // Kerry speaks several statements, yet the persons batch names him once.
    const personKeys = batches.keys('recordsByIds Person').flat();
    expect(personKeys.filter((id) => id === 'john-kerry')).toHaveLength(1);
  });

  it('never shares a loader cache between requests', async () => {
    const batches = spyOnBatches();
    const document = '{ person(slug: "john-kerry") { displayName roles { organization { name } } statements { totalCount } } }';
    await Promise.all([queryData(yoga, document), queryData(yoga, document)]);
    await queryData(yoga, document);
    // Each of the three requests loaded Kerry and his relations itself.
    expect(batches.calls()['recordsByIds Person']).toBe(3);
    expect(batches.calls()['recordsByIds Organization']).toBe(3);
    expect(batches.calls()['pagesWithin statementIdsBySpeakerId']).toBe(3);
  });

  it('gives a page that asks for no more of its statements than their headings from one call for headings, and records otherwise', async () => {
    const headings = spyOnBatches();
    const document = '{ statements(first: 50) { edges { node { slug kind text sourceCount sources { slug } speaker { slug } } } } }';
    const feed = (await queryData(yoga, document)) as { statements: { edges: { node: { slug: string; kind: string; text: string; sourceCount: number; sources: { slug: string }[]; speaker: { slug: string } | null } }[] } };
    expect(feed.statements.edges.length).toBeGreaterThan(20);
    expect(headings.calls()['statementHeadingsByIds']).toBe(1);
    expect(headings.calls()['recordsByIds Statement']).toBeUndefined();
    // What the headings answered is what the records hold.
    for (const { node } of feed.statements.edges) {
      const record = kb.statementsByIds([node.slug])[0] as StatementRecord;
      expect(node).toEqual({
        slug: record.id,
        kind: record.kind,
        text: record.text,
        sourceCount: sourceIdsOfStatement(record).length,
        sources: sourceIdsOfStatement(record).map((slug) => ({ slug })),
        speaker: record.speakerId && kb.kindOf(record.speakerId) === 'Person' ? { slug: record.speakerId } : null,
      });
    }
    vi.restoreAllMocks();

    const records = spyOnBatches();
    await queryData(yoga, '{ statements(first: 50) { edges { node { text date { text } } } } }');
    expect(records.calls()['recordsByIds Statement']).toBe(1);
    expect(records.calls()['statementHeadingsByIds']).toBeUndefined();
  });

  it('reads sources\' text only for a query that asks for it, all of a request\'s in one store call', async () => {
    const titles = spyOnBatches();
    const feed = (await queryData(yoga, '{ statements(first: 50) { edges { node { sources { title } } } } }')) as { statements: { edges: { node: { sources: { title: string }[] } }[] } };
    expect(feed.statements.edges.flatMap((edge) => edge.node.sources)).not.toHaveLength(0);
    expect(titles.calls()['recordsByIds Source']).toBe(1);
    expect(titles.calls()['sourceTextsByIds']).toBeUndefined();
    vi.restoreAllMocks();

    const texts = spyOnBatches();
    const document = '{ statements(first: 50) { edges { node { sources { slug text } reports { evidence { text textBefore(length: 30) textAfter(length: 30) } } } } } }';
    const data = (await queryData(yoga, document)) as {
      statements: { edges: { node: { sources: { slug: string; text: string }[]; reports: { evidence: { text: string; textBefore: string; textAfter: string } }[] } }[] };
    };
    expect(texts.calls()['sourceTextsByIds']).toBe(1);
    const sources = data.statements.edges.flatMap((edge) => edge.node.sources);
    expect(new Set(texts.keys('sourceTextsByIds')[0])).toEqual(new Set(sources.map((source) => source.slug)));
    for (const source of sources) expect(source.text).toBe((kb.sourcesByIds([source.slug])[0] as SourceRecord).text);
    // The context around each report's words is the source's own text.
    const reports = data.statements.edges.flatMap((edge) => edge.node.reports);
    expect(reports.length).toBeGreaterThan(0);
    for (const { evidence } of reports) {
      const whole = `${evidence.textBefore}${evidence.text}${evidence.textAfter}`;
      expect(sources.some((source) => source.text.includes(whole))).toBe(true);
    }
  });

  it('pages every parent\'s list on a level of the query with one store call', async () => {
    const batches = spyOnBatches();
    const document = '{ persons(first: 100) { edges { node { statements(first: 2) { totalCount edges { node { text } } } } } } }';
    const data = await queryData(yoga, document);
    const persons = (data as { persons: { edges: unknown[] } }).persons.edges;
    expect(persons.length).toBeGreaterThan(5);
    const pages = batches.keys('pagesWithin statementIdsBySpeakerId');
    expect(pages).toHaveLength(1);
    expect(pages[0]).toHaveLength(persons.length);
  });
});
