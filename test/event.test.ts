/** Event: the root connection, the lookups, and every field checked against the fixture dataset (test/fixtures/dataset) and the article. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { eventSchema, partialDateSchema, sourceSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { describeRootCollection, rootCollections, readData, readStatementsInSourceOrder, slugsOf, type Page } from './contract.js';
import { createTestServer, queryData } from './helpers.js';

type EventData = z.input<typeof eventSchema>;
type PartialDateData = z.input<typeof partialDateSchema>;
type StatementData = z.input<typeof statementSchema>;
type SourceData = z.input<typeof sourceSchema>;

let yoga: NewsgraphYoga;
let events: EventData[];
let statements: StatementData[];
let sourceText: string;
/** The GraphQL type of every entity id, from the file that holds it. */
const typenameById = new Map<string, string>();

beforeAll(async () => {
  yoga = await createTestServer();
  [events, statements] = await Promise.all([readData<EventData>('events.json'), readStatementsInSourceOrder()]);
  const [source] = await readData<SourceData>('sources.json');
  sourceText = source!.text;
  const typed: [string, string][] = [
    ['persons.json', 'Person'],
    ['countries.json', 'Country'],
    ['organizations.json', 'Organization'],
    ['events.json', 'Event'],
  ];
  for (const [file, typename] of typed) {
    for (const record of await readData<{ id: string }>(file)) {
      typenameById.set(record.id, typename);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Root connection and lookups: the contract every root collection keeps (test/contract.ts)
// ---------------------------------------------------------------------------------------------

describeRootCollection(rootCollections.Event);

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

const dateFields = 'value precision qualifier inferred note earliest latest text';

/** A partial date as the server should serve it, worked out here independently of src/. */
function expectedDate(date: PartialDateData | undefined) {
  if (!date) return null;
  const [year, month = 1, day = 1] = date.value.split('-').map(Number) as [number, number?, number?];
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const first = new Date(Date.UTC(year, date.precision === 'YEAR' ? 0 : month - 1, date.precision === 'DAY' ? day : 1));
  const last =
    date.precision === 'DAY' ? first : date.precision === 'MONTH' ? new Date(Date.UTC(year, month, 0)) : new Date(Date.UTC(year, 11, 31));
  const words =
    date.precision === 'DAY'
      ? first.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
      : date.precision === 'MONTH'
        ? first.toLocaleDateString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })
        : String(year);
  const qualifier = date.qualifier ?? 'ON';
  return {
    value: date.value,
    precision: date.precision,
    qualifier,
    inferred: date.inferred,
    note: date.note ?? null,
    earliest: iso(first),
    latest: iso(last),
    text: qualifier === 'ON' ? words : `${qualifier.toLowerCase()} ${words}`,
  };
}

/** Whether a statement was said at the event or is about it. */
function atOrAbout(statement: StatementData, eventId: string): boolean {
  return statement.saidAt?.eventId === eventId || (statement.aboutEvents ?? []).some((about) => about.eventId === eventId);
}

async function fetchEvent(slug: string, selection: string) {
  const data = await queryData(yoga, `query ($slug: String) { event(slug: $slug) { ${selection} } }`, { slug });
  return data.event;
}

describe('Event fields', () => {
  it('serves the name, kind, aliases, description and evidence of every event', async () => {
    for (const event of events) {
      const served = await fetchEvent(event.id, 'slug name displayName kind aliases description evidence { text start end source { slug } }');
      expect(served).toEqual({
        slug: event.id,
        name: event.name,
        displayName: event.name,
        kind: event.kind,
        aliases: event.aliases ?? [],
        description: event.description,
        evidence: event.evidence.map((e) => ({ text: e.text, start: e.start, end: e.end, source: { slug: e.sourceId } })),
      });
      for (const evidence of served.evidence) expect(sourceText.slice(evidence.start, evidence.end)).toBe(evidence.text);
    }
  });

  it('serves each kind as its enum value', async () => {
    const kindOf = async (slug: string) => (await fetchEvent(slug, 'kind')).kind;
    expect(await kindOf('nato-foreign-ministers-meeting')).toBe('MEETING');
    expect(await kindOf('kerry-gentiloni-meeting')).toBe('BILATERAL_TALK');
    expect(await kindOf('apec-meeting')).toBe('CONFERENCE');
    expect(await kindOf('stoltenberg-press-conference')).toBe('PRESS_CONFERENCE');
    expect(await kindOf('state-department-briefing')).toBe('PRESS_BRIEFING');
    expect(await kindOf('state-department-release')).toBe('PRESS_RELEASE');
    expect(await kindOf('paris-attacks')).toBe('ATTACK');
    expect(await kindOf('russian-jet-downing')).toBe('INCIDENT');
    expect(await kindOf('vienna-process')).toBe('DIPLOMATIC_PROCESS');
    expect(await kindOf('coalition-bombing-campaign')).toBe('MILITARY_CAMPAIGN');
  });

  it('serves the start and end of every event as partial dates', async () => {
    for (const event of events) {
      const served = await fetchEvent(event.id, `start { ${dateFields} } end { ${dateFields} }`);
      expect(served).toEqual({ start: expectedDate(event.start), end: expectedDate(event.end) });
    }
  });

  it('dates the NATO meeting 1-2 December 2015, inferred from "Tuesday"', async () => {
    const meeting = await fetchEvent('nato-foreign-ministers-meeting', `start { ${dateFields} } end { ${dateFields} }`);
    expect(meeting.start).toMatchObject({ value: '2015-12-01', precision: 'DAY', qualifier: 'ON', inferred: true, text: '1 December 2015' });
    expect(meeting.start.note).toContain('Tuesday');
    expect(meeting.end).toMatchObject({ value: '2015-12-02', earliest: '2015-12-02', latest: '2015-12-02', text: '2 December 2015' });
    expect(sourceText).toContain('on Tuesday');
    expect(sourceText).toContain('the first day of a two-day NATO meeting');
  });

  it('dates qualified and month-precision events with their bounds', async () => {
    const start = async (slug: string) => (await fetchEvent(slug, `start { ${dateFields} }`)).start;
    expect(await start('state-department-release')).toMatchObject({ qualifier: 'AFTER', text: 'after 1 December 2015' });
    expect(await start('state-department-briefing')).toMatchObject({ qualifier: 'BEFORE', text: 'before 1 December 2015' });
    expect(await start('apec-meeting')).toMatchObject({
      value: '2015-11',
      precision: 'MONTH',
      earliest: '2015-11-01',
      latest: '2015-11-30',
      text: 'November 2015',
    });
    expect(await start('paris-attacks')).toMatchObject({ value: '2015-11-13', text: '13 November 2015', inferred: true });
    expect(await fetchEvent('vienna-process', 'start { value } end { value }')).toEqual({ start: null, end: null });
  });

  it('serves the locations of every event, the first as `location`', async () => {
    const locationFields = 'city country { slug } inferred note provenance { evidence { text start end source { slug } } inferred note sourceCount }';
    for (const event of events) {
      const served = await fetchEvent(event.id, `location { ${locationFields} } locations { ${locationFields} }`);
      const expected = (event.locations ?? []).map((l) => ({
        city: l.city ?? null,
        country: l.countryId ? { slug: l.countryId } : null,
        inferred: l.inferred ?? false,
        note: l.note ?? null,
        provenance: {
          evidence: l.evidence.map((e) => ({ text: e.text, start: e.start, end: e.end, source: { slug: e.sourceId } })),
          inferred: l.inferred ?? false,
          note: l.note ?? null,
          sourceCount: new Set(l.evidence.map((e) => e.sourceId)).size,
        },
      }));
      expect(served.locations).toEqual(expected);
      expect(served.location).toEqual(expected[0] ?? null);
    }
  });

  it('places the NATO meeting in Brussels, Belgium and the Paris attacks in Paris, France (inferred)', async () => {
    // `evidence` is deprecated but still answers old clients, from the first span.
    const where = async (slug: string) =>
      (await fetchEvent(slug, 'location { city country { name } inferred note evidence { text } provenance { evidence { text } } }')).location;
    expect(await where('nato-foreign-ministers-meeting')).toEqual({
      city: 'Brussels',
      country: { name: 'Belgium' },
      inferred: false,
      note: null,
      evidence: { text: 'Brussels, Belgium' },
      provenance: { evidence: [{ text: 'Brussels, Belgium' }] },
    });
    expect(await where('paris-attacks')).toEqual({
      city: 'Paris',
      country: { name: 'France' },
      inferred: true,
      note: expect.stringContaining('France'),
      evidence: { text: 'in Paris on Nov. 13' },
      provenance: { evidence: [{ text: 'in Paris on Nov. 13' }] },
    });
    expect(await where('vienna-process')).toBeNull();
  });

  it('lists the participants of every event with the type of each participant', async () => {
    for (const event of events) {
      const served = await fetchEvent(
        event.id,
        `participants { event { slug } role inferred note evidence { text } provenance { evidence { text start end } inferred note }
          participant { __typename ... on Person { slug } ... on Organization { slug } ... on Country { slug } } }`,
      );
      expect(served.participants).toEqual(
        (event.participants ?? []).map((p) => ({
          event: { slug: event.id },
          role: p.role,
          inferred: p.inferred ?? false,
          note: p.note ?? null,
          evidence: { text: p.evidence[0]!.text },
          provenance: { evidence: p.evidence.map((e) => ({ text: e.text, start: e.start, end: e.end })), inferred: p.inferred ?? false, note: p.note ?? null },
          participant: { __typename: typenameById.get(p.entityId), slug: p.entityId },
        })),
      );
    }
    const downing = await fetchEvent('russian-jet-downing', 'participants { role participant { __typename displayName } }');
    expect(downing.participants).toEqual([
      { role: 'shot down the jet', participant: { __typename: 'Country', displayName: 'Turkey' } },
      { role: 'owner of the downed jet', participant: { __typename: 'Country', displayName: 'Russia' } },
    ]);
  });

  it('links every event to its parent and sub-events', async () => {
    for (const event of events) {
      const served = await fetchEvent(event.id, 'parent { slug } parentEvidence { text start end } parentProvenance { evidence { text start end } inferred note } subEvents { slug }');
      const spans = (event.partOf?.evidence ?? []).map((e) => ({ text: e.text, start: e.start, end: e.end }));
      expect(served).toEqual({
        parent: event.partOf ? { slug: event.partOf.eventId } : null,
        // Deprecated: the first span of the link.
        parentEvidence: spans[0] ?? null,
        parentProvenance: event.partOf ? { evidence: spans, inferred: event.partOf.inferred ?? false, note: event.partOf.note ?? null } : null,
        subEvents: events.filter((e) => e.partOf?.eventId === event.id).map((e) => ({ slug: e.id })),
      });
    }
  });

  it('has the three Kerry bilateral talks as sub-events of the NATO meeting', async () => {
    const talks = ['kerry-gentiloni-meeting', 'kerry-dion-discussion', 'kerry-cavusoglu-discussion'];
    const meeting = await fetchEvent('nato-foreign-ministers-meeting', 'subEvents { slug kind parent { slug } parentProvenance { evidence { text } inferred } }');
    expect(meeting.subEvents).toEqual(
      talks.map((slug) => ({
        slug,
        kind: 'BILATERAL_TALK',
        parent: { slug: 'nato-foreign-ministers-meeting' },
        parentProvenance: { evidence: [{ text: 'Kerry met privately with several foreign counterparts' }], inferred: false },
      })),
    );
    expect((await fetchEvent('nato-foreign-ministers-meeting', 'parent { slug }')).parent).toBeNull();
  });

  it('lists the statements made at or about every event, each once, in the order of the statements', async () => {
    for (const event of events) {
      const served = await fetchEvent(event.id, 'statements(first: 100) { totalCount edges { node { slug } } }');
      const expected = statements.filter((s) => atOrAbout(s, event.id)).map((s) => s.id);
      expect(served.statements.totalCount).toBe(expected.length);
      expect(slugsOf(served.statements)).toEqual(expected);
    }
    const pressConference = await fetchEvent('stoltenberg-press-conference', 'statements { edges { node { slug event { slug } speaker { name } } } }');
    expect(pressConference.statements.edges.map((e: { node: unknown }) => e.node)).toEqual(
      ['stoltenberg-turkey-right-to-defend', 'stoltenberg-calm-de-escalation', 'stoltenberg-direct-dialogue'].map((slug) => ({
        slug,
        event: { slug: 'stoltenberg-press-conference' },
        speaker: { name: 'Jens Stoltenberg' },
      })),
    );
  });

  it('pages through the statements about the fight against Islamic State', async () => {
    const expected = statements.filter((s) => atOrAbout(s, 'fight-against-islamic-state'));
    expect(expected.length).toBeGreaterThan(4);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const served: { statements: Page } = await fetchEvent(
        'fight-against-islamic-state',
        `statements(first: 4, after: ${JSON.stringify(after)}) { totalCount edges { cursor node { slug } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }`,
      );
      expect(served.statements.totalCount).toBe(expected.length);
      expect(served.statements.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...slugsOf(served.statements));
      after = served.statements.pageInfo.hasNextPage ? served.statements.pageInfo.endCursor : null;
    } while (after !== null);
    expect(seen).toEqual(expected.map((s) => s.id));
  });

  it('lists the statements each event relayed and those that mention it', async () => {
    for (const event of events) {
      const served = await fetchEvent(event.id, 'relayedStatements(first: 100) { edges { node { slug } } } mentionedIn(first: 100) { edges { node { slug } } }');
      expect(slugsOf(served.relayedStatements)).toEqual(statements.filter((s) => s.reports.some((r) => r.relayedBy?.entityId === event.id)).map((s) => s.id));
      expect(slugsOf(served.mentionedIn)).toEqual(statements.filter((s) => (s.mentions ?? []).some((m) => m.entityId === event.id)).map((s) => s.id));
    }
    const release = await fetchEvent('state-department-release', 'relayedStatements { edges { node { slug speaker { slug } } } }');
    expect(release.relayedStatements.edges.map((e: { node: unknown }) => e.node)).toEqual([{ slug: 'kerry-us-heavy-lift', speaker: { slug: 'john-kerry' } }]);
  });
});
