import { beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import type { NewsgraphYoga } from '../src/server.js';
import { createTestServer, loadDataset, query, queryData, servedDatasetInfo } from './helpers.js';

let kb: KnowledgeBase;
let yoga: NewsgraphYoga;
let served: { version: string; loadedAt: Date };

beforeAll(async () => {
  kb = await loadDataset();
  yoga = await createTestServer(kb);
  served = await servedDatasetInfo(kb);
});

/** Counts of `keys`, largest first, ties in first-seen order: the same rule the server documents. */
function tally(keys: string[]): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count);
}

describe('dataset facts', () => {
  it('exposes the version, load time and counts in Query.dataset', async () => {
    const data = await queryData(yoga, '{ dataset { version loadedAt counts { sources persons countries organizations events statements } } }');
    expect(data.dataset).toEqual({
      version: kb.info.version,
      loadedAt: served.loadedAt.toISOString(),
      counts: {
        sources: kb.records.sources.length,
        persons: kb.records.persons.length,
        countries: kb.records.countries.length,
        organizations: kb.records.organizations.length,
        events: kb.records.events.length,
        statements: kb.records.statements.length,
      },
    });
  });

  it('carries the dataset version and load time in the extensions of every response, errors included', async () => {
    const expected = { dataset: { version: kb.info.version, loadedAt: served.loadedAt.toISOString() } };
    expect((await query(yoga, '{ persons(first: 1) { totalCount } }')).extensions).toEqual(expected);
    const notFound = await query(yoga, '{ person(slug: "nobody") { name } }');
    expect(notFound.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(notFound.extensions).toEqual(expected);
    const parseError = await query(yoga, '{ persons ');
    expect(parseError.status).toBe(400);
    expect(parseError.extensions).toEqual(expected);
  });
});

describe('stats', () => {
  it('counts statements per speaking person, with quotes, paraphrases and interpretations apart, largest first', async () => {
    const data = await queryData(yoga, '{ stats { statementsPerSpeaker { speaker { slug } count quotes paraphrases interpretations } } }');
    // Persons only: statements attributed to an organization, a country or a group are left out.
    const persons = new Set(kb.records.persons.map((p) => p.id));
    const speakers = tally(kb.records.statements.flatMap((s) => (s.speakerId && persons.has(s.speakerId) ? [s.speakerId] : [])));
    expect(data.stats.statementsPerSpeaker).toEqual(
      speakers.map(({ key, count }) => {
        const own = kb.records.statements.filter((s) => s.speakerId === key);
        const ofKind = (kind: string) => own.filter((s) => s.kind === kind).length;
        return { speaker: { slug: key }, count, quotes: ofKind('QUOTE'), paraphrases: ofKind('PARAPHRASE'), interpretations: ofKind('INTERPRETATION') };
      }),
    );
    expect(data.stats.statementsPerSpeaker[0]).toMatchObject({ speaker: { slug: 'jens-stoltenberg' } });
  });

  it('counts events per country and per kind, statements per kind, organizations per kind and mentions per entity', async () => {
    const data = await queryData(
      yoga,
      `{ stats {
          eventsPerCountry { country { slug } count }
          eventsPerKind { kind count }
          statementsPerKind { kind count }
          organizationsPerKind { kind count }
          mentionsPerEntity { entity { slug } count }
        } }`,
    );
    const { events, statements, organizations } = kb.records;
    expect(data.stats.eventsPerCountry).toEqual(
      tally(events.flatMap((e) => [...new Set(e.locations.flatMap((l) => (l.countryId ? [l.countryId] : [])))])).map(({ key, count }) => ({ country: { slug: key }, count })),
    );
    expect(data.stats.eventsPerKind).toEqual(tally(events.map((e) => e.kind)).map(({ key, count }) => ({ kind: key, count })));
    expect(data.stats.statementsPerKind).toEqual(tally(statements.map((s) => s.kind)).map(({ key, count }) => ({ kind: key, count })));
    expect(data.stats.organizationsPerKind).toEqual(tally(organizations.map((o) => o.kind)).map(({ key, count }) => ({ kind: key, count })));
    expect(data.stats.mentionsPerEntity).toEqual(
      tally(statements.flatMap((s) => [...new Set(s.mentions.map((m) => m.entityId))])).map(({ key, count }) => ({ entity: { slug: key }, count })),
    );
    const belgium = data.stats.eventsPerCountry.find((entry: { country: { slug: string } }) => entry.country.slug === 'belgium');
    expect(belgium).toEqual({ country: { slug: 'belgium' }, count: 1 });
  });

  it('says what each source contributes, in source order', async () => {
    const data = await queryData(yoga, '{ stats { perSource { source { slug } statements corroborated persons organizations countries events } } }');
    const { sources, statements, persons, organizations, countries, events } = kb.records;
    const sourcesOf = (statement: (typeof statements)[number]) => new Set(statement.reports.filter((r) => !r.retracted).map((r) => r.evidence.sourceId));
    expect(data.stats.perSource).toEqual(
      sources.map((source) => {
        const reported = statements.filter((statement) => sourcesOf(statement).has(source.id));
        return {
          source: { slug: source.id },
          statements: reported.length,
          corroborated: reported.filter((statement) => sourcesOf(statement).size > 1).length,
          // The fixture's one article is the evidence for every record.
          persons: persons.length,
          organizations: organizations.length,
          countries: countries.length,
          events: events.length,
        };
      }),
    );
    expect(data.stats.perSource).toEqual([expect.objectContaining({ source: { slug: 'kerry-to-nato-ante-up' }, statements: 24, corroborated: 0 })]);
  });
});
