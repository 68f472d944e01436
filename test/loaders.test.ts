import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { dataDir, queryData, silentLogger } from './helpers.js';

/** The knowledge-base methods that loaders call: every batch function goes through one of these. */
const batchMethods = [
  'sourcesByIds',
  'personsByIds',
  'countriesByIds',
  'organizationsByIds',
  'eventsByIds',
  'statementsByIds',
  'statementIdsBySpeakerIds',
  'statementIdsByMentionedIds',
  'statementIdsByEventIds',
  'statementIdsByRelayerIds',
  'statementIdsBySourceIds',
  'continuationIdsByStatementIds',
  'participationsByEntityIds',
  'subEventIdsByEventIds',
  'eventIdsByCountryIds',
  'roleHoldingsByOrganizationIds',
  'roleHoldingsByCountryIds',
  'membershipsByCountryIds',
  'organizationIdsByCountryIds',
  'childOrganizationIdsByOrganizationIds',
] as const satisfies readonly (keyof KnowledgeBase)[];

type BatchMethod = (typeof batchMethods)[number];

const statementFeed = /* GraphQL */ `
  query StatementFeed($first: Int!) {
    statements(first: $first) {
      edges {
        node {
          text
          speaker { displayName roles { title organization { name } country { name } } }
          event { name location { city country { name } } }
          mentions { entity { __typename displayName } }
          relayedBy { displayName }
          reports { relayedBy { displayName } source { title } }
          sources { title }
          saidAt { event { name } provenance { sources { title } } }
          continuedBy { text }
        }
      }
    }
  }
`;

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

/** Spies on every batch method; returns a function that reads how often each was called and with which keys. */
function spyOnBatches() {
  const spies = new Map(batchMethods.map((name) => [name, vi.spyOn(kb, name)]));
  const callsOf = (name: BatchMethod): unknown[][] => spies.get(name)!.mock.calls;
  return {
    calls: () => Object.fromEntries(batchMethods.map((name) => [name, callsOf(name).length])) as Record<BatchMethod, number>,
    keys: (name: BatchMethod): string[][] => callsOf(name).map((call) => [...(call[0] as string[])]),
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
    expect(allCalls.personsByIds).toBe(1);
    expect(allCalls.statementsByIds).toBe(1);
  });

  it('asks for each key once per request, however often the query needs it', async () => {
    const batches = spyOnBatches();
    await queryData(yoga, statementFeed, { first: kb.counts.statements });
    for (const keys of batchMethods.flatMap((name) => batches.keys(name))) {
      expect(new Set(keys).size).toBe(keys.length);
    }
    // Kerry speaks several statements, yet the persons batch names him once.
    const personKeys = batches.keys('personsByIds').flat();
    expect(personKeys.filter((id) => id === 'john-kerry')).toHaveLength(1);
  });

  it('never shares a loader cache between requests', async () => {
    const batches = spyOnBatches();
    const document = '{ person(slug: "john-kerry") { displayName roles { organization { name } } statements { totalCount } } }';
    await Promise.all([queryData(yoga, document), queryData(yoga, document)]);
    await queryData(yoga, document);
    // Each of the three requests loaded Kerry and his relations itself.
    expect(batches.calls().personsByIds).toBe(3);
    expect(batches.calls().organizationsByIds).toBe(3);
    expect(batches.calls().statementIdsBySpeakerIds).toBe(3);
  });
});
