/**
 * Uses the SDK the way a frontend does: the real server on a free port, every shipped operation
 * through `newsgraph/client` over HTTP, and the typed answers checked against the fixture dataset (test/fixtures/dataset).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { hashToken } from '../src/plugins/auth.js';
import { Kind, parse } from 'graphql';
import {
  AddEvidenceDocument,
  ApplyArticleDocument,
  AddStatementReportDocument,
  CountryPageDocument,
  CreatePersonDocument,
  CreateSourceDocument,
  CreateStatementDocument,
  DraftArticleDocument,
  createClient,
  DatasetChangedDocument,
  EventPageDocument,
  GraphQLRequestError,
  MergeEntitiesDocument,
  NeighborhoodDocument,
  NodeLookupDocument,
  OrganizationPageDocument,
  PersonPageDocument,
  RetractStatementDocument,
  RetractStatementReportDocument,
  SearchDocument,
  SourceListDocument,
  SourcePageDocument,
  SourceTextDocument,
  StatementDetailDocument,
  StatementFeedDocument,
  TimelineDocument,
  UpdatePersonDocument,
  type Client,
  type DatasetChangedSubscription,
  type MembershipFieldsFragment,
  type ParticipationFieldsFragment,
  type PersonPageQuery,
  type RoleFieldsFragment,
  type StatementCardFragment,
  type StatementLinkFragment,
} from '@newsgraph/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { copyOfData, dataDir, projectRoot } from './helpers.js';
import { startServer, type RunningServer } from './server-process.js';

// The data files as a client's test would read them, with only the fields checked here. Keys with a
// default (`inferred`, `aliases`, the lists) may be left out of a file.
interface Evidence { sourceId: string; start: number; end: number; text: string }
/** What every link carries: the spans that state it, from one source or several, or the inference. */
interface Provenance { evidence: Evidence[]; inferred?: boolean; note?: string; retracted?: unknown }
interface DateRecord { value: string; precision: string; inferred?: boolean }
interface SourceRecord { id: string; revision?: number; kind: string; title: string; text: string; language: string; origin?: string; publishedOn?: DateRecord }
interface RoleRecord extends Provenance { title: string; statedAs?: string; organizationId?: string; countryId?: string }
interface PersonRecord { id: string; revision?: number; name: string | null; aliases?: string[]; description: string; nameProvenance?: Provenance; roles?: RoleRecord[] }
interface CountryRecord { id: string; revision?: number; name: string; isoAlpha2: string; isoAlpha3: string; evidence?: Evidence[] }
interface MembershipRecord extends Provenance { countryId: string; role?: string }
interface OrganizationRecord {
  id: string; revision?: number; name: string; kind: string; description: string; aliases?: string[]; evidence?: Evidence[]; memberships?: MembershipRecord[]
  parent?: Provenance & { organizationId: string }; country?: Provenance & { countryId: string }; statedMemberCount?: Provenance & { count: number }
}
interface ParticipationRecord extends Provenance { entityId: string; role: string }
interface EventRecord {
  id: string; revision?: number; name: string; kind: string; start?: DateRecord; end?: DateRecord; evidence: Evidence[]
  locations?: (Provenance & { city?: string; countryId?: string })[]; participants?: ParticipationRecord[]; partOf?: Provenance & { eventId: string }
}
interface ReportRecord { evidence: Evidence; attribution: Evidence; relayedBy?: Provenance & { entityId: string }; hedge?: Evidence; date?: DateRecord; retracted?: unknown }
interface StatementRecord {
  id: string; revision?: number; kind: string; text: string; speakerId: string | null; speakerGroup?: { description: string; memberOfIds?: string[] }
  saidAt?: Provenance & { eventId: string }; aboutEvents?: (Provenance & { eventId: string })[]; date?: DateRecord
  audience?: Provenance & { description: string; entityIds?: string[] }; mentions?: (Provenance & { entityId: string })[]; continuesId?: string
  reports: ReportRecord[]; retracted?: unknown
}

const read = async <T>(file: string) => JSON.parse(await readFile(path.join(dataDir, file), 'utf8')) as T[];
const sorted = (values: Iterable<string>) => [...values].sort();
const unique = (values: Iterable<string>) => sorted(new Set(values));
const slugsOf = (connection: { edges: { node: { slug: string } }[] }) => connection.edges.map((edge) => edge.node.slug);

let sources: SourceRecord[];
let persons: PersonRecord[];
let countries: CountryRecord[];
let organizations: OrganizationRecord[];
let events: EventRecord[];
/** In source order, as every statement list is: sources in file order, then where a statement's first report in force starts. */
let statements: StatementRecord[];
const kinds = new Map<string, 'Person' | 'Organization' | 'Country' | 'Event'>();

const byId = <T extends { id: string }>(records: T[], id: string): T => {
  const record = records.find((r) => r.id === id);
  if (!record) throw new Error(`no record "${id}" in the fixture data`);
  return record;
};

/** A statement's reports in force, each with its position in the full list (retracted ones counted). */
const inForce = (record: StatementRecord) => record.reports.flatMap((report, position) => (report.retracted ? [] : [{ report, position }]));
/** The sources that report a statement, each once, in report order. */
const sourcesOf = (record: StatementRecord) => [...new Set(inForce(record).map(({ report }) => report.evidence.sourceId))];

const said = (id: string) => statements.filter((s) => s.speakerId === id).map((s) => s.id);
const relayed = (id: string) => statements.filter((s) => inForce(s).some(({ report }) => report.relayedBy?.entityId === id)).map((s) => s.id);
const mentioning = (id: string) => statements.filter((s) => (s.mentions ?? []).some((m) => m.entityId === id)).map((s) => s.id);
const participationsOf = (id: string) => events.flatMap((e) => (e.participants ?? []).flatMap((p, position) => (p.entityId === id ? [`${e.id}#${position}`] : [])));
const rolesAt = (key: 'organizationId' | 'countryId', id: string) => persons.flatMap((p) => (p.roles ?? []).flatMap((r, position) => (r[key] === id ? [`${p.id}#${position}`] : [])));
const membershipsOf = (countryId: string) => organizations.flatMap((o) => (o.memberships ?? []).flatMap((m, position) => (m.countryId === countryId ? [`${o.id}#${position}`] : [])));

/** A span as EvidenceFields answers it. */
const span = (evidence: Evidence) => ({ text: evidence.text, start: evidence.start, end: evidence.end, source: { slug: evidence.sourceId } });
/** A link's provenance as ProvenanceFields answers it: every span, from any source, and the inference. */
const provenance = (link: Provenance) => ({
  inferred: link.inferred ?? false,
  note: link.note ?? null,
  sourceCount: new Set(link.evidence.map((e) => e.sourceId)).size,
  evidence: link.evidence.map(span),
});
const provenanceOrNull = (link: Provenance | undefined) => (link ? provenance(link) : null);
const date = (value: DateRecord | undefined) => (value ? { value: value.value, precision: value.precision, inferred: value.inferred ?? false } : null);

/** Who a statement is attributed to, as SpeakerFields answers it. */
function attributedTo(record: StatementRecord) {
  if (record.speakerId) return { __typename: kinds.get(record.speakerId), slug: record.speakerId };
  return record.speakerGroup ? { __typename: 'SpeakerGroup', description: record.speakerGroup.description } : null;
}
/** `speaker` is the person who said it; null for an organization, a country or a group. */
const speakerOf = (record: StatementRecord) => (record.speakerId && kinds.get(record.speakerId) === 'Person' ? { slug: record.speakerId } : null);

/** One report as StatementReportFields answers it. */
const reportCard = (report: ReportRecord, position: number) => ({
  position,
  text: report.evidence.text,
  source: { slug: report.evidence.sourceId },
  evidence: span(report.evidence),
  attribution: { text: report.attribution.text },
  relayedBy: report.relayedBy ? { slug: report.relayedBy.entityId } : null,
  relayedByProvenance: report.relayedBy ? { inferred: report.relayedBy.inferred ?? false, note: report.relayedBy.note ?? null } : null,
  hedge: report.hedge ? { text: report.hedge.text } : null,
  date: report.date ? { value: report.date.value } : null,
});

/** Connections return 20 items unless asked: the first page of `ids` and their total. */
function expectPage(connection: { totalCount: number; edges: { node: { slug: string } }[] }, ids: string[], first = 20): void {
  expect(connection.totalCount).toBe(ids.length);
  expect(slugsOf(connection)).toEqual(ids.slice(0, first));
}

/**
 * A statement card agrees with its record: words, who it is attributed to, event, date, mentions, how
 * many sources report it, and every report in force with its own words, attribution, relayer and hedge.
 */
function expectCard(card: StatementCardFragment, record = byId(statements, card.slug)): void {
  expect(card).toMatchObject({
    slug: record.id,
    kind: record.kind,
    text: record.text,
    sourceCount: sourcesOf(record).length,
    attributedTo: attributedTo(record),
    speaker: speakerOf(record),
    event: record.saidAt ? { slug: record.saidAt.eventId } : null,
    date: record.date ? { value: record.date.value } : null,
  });
  expect(card.mentions.map((m) => m.entity.slug)).toEqual((record.mentions ?? []).map((m) => m.entityId));
  expect(card.reports).toMatchObject(inForce(record).map(({ report, position }) => reportCard(report, position)));
}

/** A statement in one line agrees with its record. */
function expectLink(link: StatementLinkFragment): void {
  const record = byId(statements, link.slug);
  expect(link).toMatchObject({ kind: record.kind, text: record.text, sourceCount: sourcesOf(record).length, attributedTo: attributedTo(record), speaker: speakerOf(record) });
}

function expectCardPage(connection: { totalCount: number; edges: { node: StatementCardFragment }[] }, ids: string[]): void {
  expectPage(connection, ids);
  for (const edge of connection.edges) expectCard(edge.node);
}

function expectLinkPage(connection: { totalCount: number; edges: { node: StatementLinkFragment }[] }, ids: string[]): void {
  expectPage(connection, ids);
  for (const edge of connection.edges) expectLink(edge.node);
}

/** Each served role agrees with the role its holder and position name, provenance included; returns them as "person#position". */
function checkRoles(served: RoleFieldsFragment[]): string[] {
  for (const role of served) {
    const record = byId(persons, role.person.slug).roles![role.position]!;
    expect(role, `${role.person.slug} role ${role.position}`).toMatchObject({
      title: record.title,
      statedAs: record.statedAs ?? null,
      inferred: record.inferred ?? false,
      note: record.note ?? null,
      organization: record.organizationId ? { slug: record.organizationId } : null,
      country: record.countryId ? { slug: record.countryId } : null,
      provenance: provenance(record),
    });
  }
  return served.map((role) => `${role.person.slug}#${role.position}`);
}

/** Each served membership agrees with the one its organization and position name; returns them as "organization#position". */
function checkMemberships(served: MembershipFieldsFragment[]): string[] {
  for (const membership of served) {
    const record = byId(organizations, membership.organization.slug).memberships![membership.position]!;
    expect(membership, `${membership.organization.slug} membership ${membership.position}`).toMatchObject({
      country: { slug: record.countryId },
      role: record.role ?? null,
      inferred: record.inferred ?? false,
      provenance: provenance(record),
    });
  }
  return served.map((membership) => `${membership.organization.slug}#${membership.position}`);
}

/** Each served participation agrees with the one its event and position name; returns them as "event#position". */
function checkParticipations(served: ParticipationFieldsFragment[]): string[] {
  for (const participation of served) {
    const record = byId(events, participation.event.slug).participants![participation.position]!;
    expect(participation, `${participation.event.slug} participant ${participation.position}`).toMatchObject({
      participant: { slug: record.entityId },
      role: record.role,
      inferred: record.inferred ?? false,
      provenance: provenance(record),
    });
  }
  return served.map((participation) => `${participation.event.slug}#${participation.position}`);
}

/** Every evidence span anywhere in `value` (a record, a file's records). */
function* spansIn(value: unknown): Generator<Evidence> {
  if (Array.isArray(value)) {
    for (const item of value) yield* spansIn(item);
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.sourceId === 'string' && typeof object.start === 'number') yield object as unknown as Evidence;
    else for (const item of Object.values(object)) yield* spansIn(item);
  }
}

const CURATOR_TOKEN = 'sdk-test-curator-token';
let serverDataDir: string | undefined;
let server: RunningServer;
let client: Client;
/** Operation names run by the tests below; the last test checks that none that ships was left out. */
const ran = new Set<string>();
const run: Client['request'] = (document, ...args) => {
  const definition = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (definition?.kind === Kind.OPERATION_DEFINITION && definition.name) ran.add(definition.name.value);
  return client.request(document, ...args);
};

beforeAll(async () => {
  let unordered: StatementRecord[];
  [sources, persons, countries, organizations, events, unordered] = await Promise.all([
    read<SourceRecord>('sources.json'),
    read<PersonRecord>('persons.json'),
    read<CountryRecord>('countries.json'),
    read<OrganizationRecord>('organizations.json'),
    read<EventRecord>('events.json'),
    read<StatementRecord>('statements.json'),
  ]);
  const place = (s: StatementRecord) => (inForce(s)[0] ?? { report: s.reports[0]! }).report.evidence;
  const rank = (s: StatementRecord) => sources.findIndex((source) => source.id === place(s).sourceId);
  statements = unordered.sort((a, b) => rank(a) - rank(b) || place(a).start - place(b).start);
  for (const [records, kind] of [[persons, 'Person'], [organizations, 'Organization'], [countries, 'Country'], [events, 'Event']] as const) {
    for (const record of records) kinds.set(record.id, kind);
  }
  // A copy of the data, since the curator tests below change it.
  serverDataDir = await copyOfData('sdk');
  server = await startServer({ DATA_DIR: serverDataDir, NEWSGRAPH_CURATOR_TOKENS: `sdk-curator:${hashToken(CURATOR_TOKEN)}` });
  client = createClient({ url: server.url });
});

afterAll(async () => {
  await server?.stop(); // undefined if it never started
  if (serverDataDir) await rm(serverDataDir, { recursive: true, force: true });
});

describe('the SDK over HTTP', () => {
  it('types results and variables from the documents', async () => {
    const result = await run(PersonPageDocument, { slug: 'john-kerry' });
    expectTypeOf(result.data).toEqualTypeOf<PersonPageQuery>();
    expectTypeOf(result.data.person).toEqualTypeOf<PersonPageQuery['person']>();
    expectTypeOf<Parameters<typeof client.request<PersonPageQuery, { slug: string }>>[1]>().toEqualTypeOf<{ slug: string }>();
    // @ts-expect-error PersonPage needs its `slug`
    await expect(client.request(PersonPageDocument)).rejects.toThrow(GraphQLRequestError);
    // @ts-expect-error `slug` is a string
    await expect(client.request(PersonPageDocument, { slug: 3 })).rejects.toThrow(GraphQLRequestError);
    expect(result.extensions.dataset?.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('PersonPage: every person, with the provenance of the name and roles, statements, relays, participations and mentions', async () => {
    for (const record of persons) {
      const { person } = (await run(PersonPageDocument, { slug: record.id })).data;
      expect(person, record.id).not.toBeNull();
      expect(person).toMatchObject({
        slug: record.id,
        revision: record.revision ?? 1,
        name: record.name,
        isNamed: record.name !== null,
        aliases: record.aliases ?? [],
        description: record.description,
        nameProvenance: provenanceOrNull(record.nameProvenance),
      });
      expect(checkRoles(person!.roles)).toEqual((record.roles ?? []).map((_, position) => `${record.id}#${position}`));
      expectCardPage(person!.statements, said(record.id));
      expectCardPage(person!.relayedStatements, relayed(record.id));
      expectLinkPage(person!.mentionedIn, mentioning(record.id));
      expect(sorted(checkParticipations(person!.participations))).toEqual(sorted(participationsOf(record.id)));
    }
  });

  it('PersonPage pages its statements with the cursor variables', async () => {
    const slugs: string[] = [];
    let after: string | null = null;
    do {
      const page: PersonPageQuery = (await run(PersonPageDocument, { slug: 'jens-stoltenberg', statementsFirst: 3, statementsAfter: after })).data;
      slugs.push(...slugsOf(page.person!.statements));
      after = page.person!.statements.pageInfo.hasNextPage ? page.person!.statements.pageInfo.endCursor : null;
    } while (after);
    expect(slugs).toEqual(said('jens-stoltenberg'));
  });

  it('OrganizationPage: every organization, with its links and their provenance, members, offices, relatives, participations, relays and mentions', async () => {
    for (const record of organizations) {
      const { organization } = (await run(OrganizationPageDocument, { slug: record.id })).data;
      expect(organization, record.id).toMatchObject({
        slug: record.id,
        revision: record.revision ?? 1,
        name: record.name,
        kind: record.kind,
        description: record.description,
        aliases: record.aliases ?? [],
        statedMemberCount: record.statedMemberCount ? { count: record.statedMemberCount.count, provenance: provenance(record.statedMemberCount) } : null,
        parent: record.parent ? { slug: record.parent.organizationId } : null,
        parentProvenance: provenanceOrNull(record.parent),
        country: record.country ? { slug: record.country.countryId } : null,
        countryProvenance: provenanceOrNull(record.country),
        evidence: (record.evidence ?? []).map(span),
      });
      expect(sorted(organization!.children.map((c) => c.slug))).toEqual(sorted(organizations.filter((o) => o.parent?.organizationId === record.id).map((o) => o.id)));
      expect(checkMemberships(organization!.members)).toEqual((record.memberships ?? []).map((_, position) => `${record.id}#${position}`));
      expect(sorted(checkRoles(organization!.roles))).toEqual(sorted(rolesAt('organizationId', record.id)));
      expect(sorted(checkParticipations(organization!.participations))).toEqual(sorted(participationsOf(record.id)));
      expectCardPage(organization!.relayedStatements, relayed(record.id));
      expectLinkPage(organization!.mentionedIn, mentioning(record.id));
    }
  });

  it('CountryPage: every country, with codes, memberships, offices, organizations, events, mentions and evidence', async () => {
    for (const record of countries) {
      const { country } = (await run(CountryPageDocument, { slug: record.id })).data;
      expect(country, record.id).toMatchObject({
        slug: record.id,
        revision: record.revision ?? 1,
        name: record.name,
        isoCode: record.isoAlpha2,
        isoAlpha3: record.isoAlpha3,
        evidence: (record.evidence ?? []).map(span),
      });
      expect(sorted(checkMemberships(country!.memberships))).toEqual(sorted(membershipsOf(record.id)));
      expect(sorted(checkRoles(country!.roles))).toEqual(sorted(rolesAt('countryId', record.id)));
      expect(sorted(country!.organizations.map((o) => o.slug))).toEqual(sorted(organizations.filter((o) => o.country?.countryId === record.id).map((o) => o.id)));
      expect(sorted(checkParticipations(country!.participations))).toEqual(sorted(participationsOf(record.id)));
      expectPage(country!.events, events.filter((e) => (e.locations ?? []).some((l) => l.countryId === record.id)).map((e) => e.id));
      expectLinkPage(country!.mentionedIn, mentioning(record.id));
    }
  });

  it('EventPage: every event, with dates, places and participants with their provenance, parent, sub-events, statements and mentions', async () => {
    for (const record of events) {
      const { event } = (await run(EventPageDocument, { slug: record.id })).data;
      expect(event, record.id).toMatchObject({
        slug: record.id,
        revision: record.revision ?? 1,
        name: record.name,
        kind: record.kind,
        start: date(record.start),
        end: date(record.end),
        parent: record.partOf ? { slug: record.partOf.eventId } : null,
        parentProvenance: provenanceOrNull(record.partOf),
        evidence: record.evidence.map(span),
      });
      expect(event!.locations).toMatchObject(
        (record.locations ?? []).map((l) => ({ city: l.city ?? null, country: l.countryId ? { slug: l.countryId } : null, inferred: l.inferred ?? false, note: l.note ?? null, provenance: provenance(l) })),
      );
      expect(checkParticipations(event!.participants)).toEqual((record.participants ?? []).map((_, position) => `${record.id}#${position}`));
      expect(sorted(event!.subEvents.map((e) => e.slug))).toEqual(sorted(events.filter((e) => e.partOf?.eventId === record.id).map((e) => e.id)));
      expectCardPage(event!.statements, statements.filter((s) => s.saidAt?.eventId === record.id || (s.aboutEvents ?? []).some((a) => a.eventId === record.id)).map((s) => s.id));
      expectLinkPage(event!.mentionedIn, mentioning(record.id));
    }
  });

  it('StatementFeed: pages through every statement in source order, each card matching its record', async () => {
    const cards: StatementCardFragment[] = [];
    let after: string | null | undefined;
    do {
      const { statements: page } = (await run(StatementFeedDocument, { first: 10, after })).data;
      expect(page.totalCount).toBe(statements.length);
      cards.push(...page.edges.map((edge) => edge.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
    } while (after);
    expect(cards.map((card) => card.slug)).toEqual(statements.map((s) => s.id));
    for (const card of cards) expectCard(card);
  });

  it('StatementFeed: filters and orders', async () => {
    const quotes = (await run(StatementFeedDocument, { filter: { speaker: 'jens-stoltenberg', kind: 'QUOTE' } })).data.statements;
    expectPage(quotes, statements.filter((s) => s.speakerId === 'jens-stoltenberg' && s.kind === 'QUOTE').map((s) => s.id));

    // Any report's words match, not only the canonical text.
    const collective = (await run(StatementFeedDocument, { filter: { textContains: 'collective defense' } })).data.statements;
    expectPage(collective, statements.filter((s) => inForce(s).some(({ report }) => /collective defense/i.test(report.evidence.text))).map((s) => s.id));

    // By date: a statement's own date, else its event's start, at the first day it can stand for; undated last.
    const { edges } = (await run(StatementFeedDocument, { orderBy: 'DATE_ASC', first: 100 })).data.statements;
    const firstDay = (id: string) => {
      const record = byId(statements, id);
      const value = record.date?.value ?? events.find((e) => e.id === record.saidAt?.eventId)?.start?.value;
      return value === undefined ? '9999' : `${value}-01-01`.slice(0, 10);
    };
    const days = edges.map((edge) => firstDay(edge.node.slug));
    expect(sorted(edges.map((edge) => edge.node.slug))).toEqual(sorted(statements.map((s) => s.id)));
    expect(days).toEqual([...days].sort());
  });

  it('Search: ranks an alias match first and finds statements by their words', async () => {
    const { search } = (await run(SearchDocument, { query: 'Daesh' })).data;
    const top = search.edges[0]!.node;
    expect(top).toMatchObject({ matchedField: 'ALIAS', matchedValue: 'Daesh', node: { __typename: 'Organization', slug: 'islamic-state' } });
    const statementHits = search.edges.flatMap((edge) => (edge.node.node.__typename === 'Statement' ? [edge.node.node] : []));
    const withDaesh = statements.filter((s) => s.text.includes('Daesh'));
    expect(withDaesh.length).toBeGreaterThan(0);
    for (const record of withDaesh) {
      expect(statementHits).toContainEqual(expect.objectContaining({ slug: record.id, text: record.text, sourceCount: sourcesOf(record).length }));
    }

    const people = (await run(SearchDocument, { query: 'stolten', types: ['PERSON'], first: 5 })).data.search;
    expect(people.edges.map((edge) => edge.node.node.__typename)).toEqual(people.edges.map(() => 'Person'));
    expect(people.edges[0]!.node.node).toMatchObject({ slug: 'jens-stoltenberg', displayName: 'Jens Stoltenberg' });
  });

  it('Timeline: items in a date range, each matching its record', async () => {
    const { timeline } = (await run(TimelineDocument, { from: '2015-11-13', to: '2015-11-30', first: 100 })).data;
    expect(timeline.totalCount).toBeGreaterThan(0);
    for (const { node } of timeline.edges) {
      const { item } = node;
      if (item.__typename === 'Event') {
        const record = byId(events, item.slug);
        expect(item.eventKind).toBe(record.kind);
        expect(node.date?.value).toBe(record.start?.value);
        expect(node.dateFromEvent).toBe(false);
      } else {
        const record = byId(statements, item.slug);
        expect(item).toMatchObject({ statementKind: record.kind, text: record.text, sourceCount: sourcesOf(record).length, attributedTo: attributedTo(record), speaker: speakerOf(record) });
        expect(node.dateFromEvent).toBe(record.date === undefined);
      }
    }
    expect(timeline.edges.map((edge) => edge.node.item.slug)).toContain('paris-attacks');

    const onlyEvents = (await run(TimelineDocument, { types: ['EVENT'], includeUndated: true, first: 100 })).data.timeline;
    expect(sorted(onlyEvents.edges.map((edge) => edge.node.item.slug))).toEqual(sorted(events.map((e) => e.id)));
  });

  it('Neighborhood: the records one edge from a person, and the edges between them with their provenance', async () => {
    const { neighborhood } = (await run(NeighborhoodDocument, { id: 'john-kerry' })).data;
    expect(neighborhood).not.toBeNull();
    const { nodes, edges, center, truncated } = neighborhood!;
    expect(truncated).toBe(false);
    expect(nodes[0]).toMatchObject({ id: center.id, distance: 0, kind: 'PERSON', label: 'John Kerry' });
    const kerry = byId(persons, 'john-kerry');
    const expected = [
      ...said('john-kerry'),
      ...relayed('john-kerry'),
      ...mentioning('john-kerry'),
      ...participationsOf('john-kerry').map((key) => key.split('#')[0]!),
      ...(kerry.roles ?? []).flatMap((r) => [r.organizationId, r.countryId].filter((id): id is string => id !== undefined)),
    ];
    expect(unique(nodes.filter((n) => n.distance === 1).map((n) => n.node.slug ?? ''))).toEqual(unique(expected));
    const ids = new Set(nodes.map((n) => n.id));
    for (const edge of edges) {
      expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
      expect(edge.provenance.inferred).toBe(edge.inferred);
      expect(edge.provenance.evidence.length).toBeGreaterThan(0);
    }
    // A SAID edge carries the words of every report of the statement.
    const saidEdges = edges.filter((e) => e.kind === 'SAID' && e.from === center.id);
    expect(sorted(saidEdges.flatMap((e) => e.provenance.evidence.map((evidence) => evidence.text)))).toEqual(
      sorted(statements.filter((s) => s.speakerId === 'john-kerry').flatMap((s) => inForce(s).map(({ report }) => report.evidence.text))),
    );
    // A role's edges carry the role's spans.
    const roleEdges = edges.filter((e) => e.kind === 'HOLDS_ROLE_AT' && e.from === center.id);
    expect(roleEdges).toHaveLength((kerry.roles ?? []).flatMap((r) => [r.organizationId, r.countryId].filter(Boolean)).length);
    for (const edge of roleEdges) {
      const role = (kerry.roles ?? []).find((r) => r.title === edge.label)!;
      expect(edge.provenance).toMatchObject(provenance(role));
    }
  });

  it('NodeLookup: any record by the global id another answer gave, and null for one that names nothing', async () => {
    const { person } = (await run(PersonPageDocument, { slug: 'justin-trudeau' })).data;
    const statement = person!.statements.edges[0]!.node;
    const found = (await run(NodeLookupDocument, { id: person!.id })).data.node;
    expect(found).toMatchObject({ __typename: 'Person', id: person!.id, slug: 'justin-trudeau', displayName: 'Justin Trudeau' });
    const foundStatement = (await run(NodeLookupDocument, { id: statement.id })).data.node;
    expect(foundStatement?.__typename === 'Statement' && foundStatement.text).toBe(byId(statements, statement.slug).text);
    const source = statement.reports[0]!.source;
    expect((await run(NodeLookupDocument, { id: source.id })).data.node).toMatchObject({ __typename: 'Source', slug: source.slug, title: byId(sources, source.slug).title });

    const nobody = Buffer.from('Person:nobody-at-all').toString('base64url');
    expect((await run(NodeLookupDocument, { id: nobody })).data.node).toBeNull();
  });

  it('StatementDetail: a statement card with every report, its sources, its links with their provenance and its split-quote parts', async () => {
    for (const record of statements) {
      const { statement } = (await run(StatementDetailDocument, { slug: record.id })).data;
      expect(statement, record.id).not.toBeNull();
      expectCard(statement!);
      expect(statement).toMatchObject({
        revision: record.revision ?? 1,
        retraction: null,
        sources: sourcesOf(record).map((slug) => ({ __typename: 'Source', slug, title: byId(sources, slug).title })),
        allReports: record.reports.map((report, position) => ({
          ...reportCard(report, position),
          attribution: span(report.attribution),
          relayedByProvenance: provenanceOrNull(report.relayedBy),
          retraction: report.retracted ? expect.anything() : null,
        })),
        saidAt: record.saidAt ? { event: { slug: record.saidAt.eventId }, provenance: provenance(record.saidAt) } : null,
        aboutEventLinks: (record.aboutEvents ?? []).map((about) => ({ event: { slug: about.eventId }, provenance: provenance(about) })),
        audience: record.audience
          ? { description: record.audience.description, members: (record.audience.entityIds ?? []).map((slug) => ({ slug })), provenance: provenance(record.audience) }
          : null,
        mentions: (record.mentions ?? []).map((mention) => ({ entity: { slug: mention.entityId }, provenance: provenance(mention) })),
        continues: record.continuesId ? { slug: record.continuesId, text: byId(statements, record.continuesId).text } : null,
      });
      expect(statement!.continuedBy.map((s) => s.slug)).toEqual(statements.filter((s) => s.continuesId === record.id).map((s) => s.id));
      if (record.speakerGroup) {
        expect(statement!.attributedTo).toMatchObject({ __typename: 'SpeakerGroup', memberOf: (record.speakerGroup.memberOfIds ?? []).map((slug) => ({ slug })) });
      }
    }
  });

  it('SourceText: the full text that every evidence offset indexes into', async () => {
    for (const record of sources) {
      const { source } = (await run(SourceTextDocument, { slug: record.id })).data;
      expect(source).toMatchObject({ slug: record.id, title: record.title, origin: record.origin ?? null, text: record.text });
      const spans = [...spansIn([persons, countries, organizations, events, statements])].filter((evidence) => evidence.sourceId === record.id);
      expect(spans.length).toBeGreaterThan(0);
      for (const evidence of spans) expect(source!.text.slice(evidence.start, evidence.end)).toBe(evidence.text);
    }
  });

  it('SourcePage: every source, what it has evidence about and the statements it reports, each list paged', async () => {
    // The fixture has one source, and every record in it rests on that article's words.
    expect(sources).toHaveLength(1);
    for (const record of sources) {
      const { source } = (await run(SourcePageDocument, { slug: record.id, statementsFirst: 100, coverageFirst: 100 })).data;
      expect(source, record.id).toMatchObject({
        slug: record.id,
        revision: record.revision ?? 1,
        kind: record.kind,
        title: record.title,
        language: record.language,
        origin: record.origin ?? null,
        publishedOn: date(record.publishedOn),
      });
      expectPage(source!.persons, persons.map((p) => p.id), 100);
      expectPage(source!.organizations, organizations.map((o) => o.id), 100);
      expect(source!.organizations.edges.map((edge) => edge.node.kind)).toEqual(organizations.map((o) => o.kind));
      expectPage(source!.countries, countries.map((c) => c.id), 100);
      expectPage(source!.events, events.map((e) => e.id), 100);
      expect(source!.events.edges.map((edge) => edge.node.start?.value ?? null)).toEqual(events.map((e) => e.start?.value ?? null));
      const reported = statements.filter((s) => sourcesOf(s).includes(record.id)).map((s) => s.id);
      expectPage(source!.statements, reported, 100);
      for (const edge of source!.statements.edges) expectCard(edge.node);
    }

    // Each list pages on its own cursor.
    const slug = sources[0]!.id;
    const first = (await run(SourcePageDocument, { slug, statementsFirst: 5, coverageFirst: 3 })).data.source!;
    expect(slugsOf(first.persons)).toEqual(persons.slice(0, 3).map((p) => p.id));
    expect(slugsOf(first.statements)).toEqual(statements.slice(0, 5).map((s) => s.id));
    const next = (
      await run(SourcePageDocument, {
        slug,
        statementsFirst: 5,
        statementsAfter: first.statements.pageInfo.endCursor,
        coverageFirst: 3,
        personsAfter: first.persons.pageInfo.endCursor,
        eventsAfter: first.events.pageInfo.endCursor,
      })
    ).data.source!;
    expect(slugsOf(next.persons)).toEqual(persons.slice(3, 6).map((p) => p.id));
    expect(slugsOf(next.events)).toEqual(events.slice(3, 6).map((e) => e.id));
    expect(slugsOf(next.countries)).toEqual(countries.slice(0, 3).map((c) => c.id));
    expect(slugsOf(next.statements)).toEqual(statements.slice(5, 10).map((s) => s.id));
  });

  it('SourceList: every source in the order added, with what each contributes', async () => {
    const { sources: list, stats } = (await run(SourceListDocument)).data;
    expect(list.totalCount).toBe(sources.length);
    expect(list.edges.map((edge) => edge.node)).toMatchObject(
      sources.map((record) => ({ __typename: 'Source', slug: record.id, title: record.title, language: record.language, origin: record.origin ?? null, publishedOn: date(record.publishedOn) })),
    );
    expect(stats.perSource).toEqual(
      sources.map((record, index) => {
        const reported = statements.filter((s) => sourcesOf(s).includes(record.id));
        return {
          source: { id: list.edges[index]!.node.id, slug: record.id },
          statements: reported.length,
          corroborated: reported.filter((s) => sourcesOf(s).length > 1).length,
          // One source: it covers every record (see SourcePage above).
          persons: persons.length,
          organizations: organizations.length,
          countries: countries.length,
          events: events.length,
        };
      }),
    );
  });

  it('throws GraphQLRequestError with the code, status, partial data and extensions', async () => {
    const notFound = await run(PersonPageDocument, { slug: 'nobody-at-all' }).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(GraphQLRequestError);
    const error = notFound as GraphQLRequestError;
    expect(error).toMatchObject({ status: 200, code: 'NOT_FOUND', data: { person: null }, message: 'No Person with slug "nobody-at-all"' });
    expect(error.errors[0]).toMatchObject({ path: ['person'], extensions: { code: 'NOT_FOUND' } });
    expect(error.extensions.dataset?.version).toMatch(/^[0-9a-f]{16}$/);

    const tooMany = await run(StatementFeedDocument, { first: 500 }).catch((e: unknown) => e);
    expect(tooMany).toMatchObject({ code: 'BAD_USER_INPUT', message: '"first" must be between 1 and 100, got 500' });

    // A variable of the wrong type never reaches a resolver: HTTP 400.
    const badVariable = await run(StatementFeedDocument, { orderBy: 'SIDEWAYS' as 'DATE_ASC' }).catch((e: unknown) => e);
    expect(badVariable).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  });

  it('lets a curator change the knowledge base, and announces each change to a subscriber', async () => {
    const curator = createClient({ url: server.url, headers: { authorization: `Bearer ${CURATOR_TOKEN}` } });
    const curate: Client['request'] = (document, ...args) => {
      const definition = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      if (definition?.kind === Kind.OPERATION_DEFINITION && definition.name) ran.add(definition.name.value);
      return curator.request(document, ...args);
    };
    /** The changes below, each announced once: [cause, "CHANGE Type slug" for each record it touched]. */
    const expectedAnnouncements: [string, unknown][] = [
      ['MUTATION', ['CREATED Person sdk-curated']],
      ['MUTATION', ['UPDATED Person sdk-curated']],
      ['MUTATION', ['CREATED Statement sdk-curated-says']],
      ['MUTATION', ['RETRACTED Statement sdk-curated-says']],
      ['MUTATION', ['CREATED Source sdk-brussels-ledger']],
      ['MUTATION', ['REPORTED Statement kirby-secretary-urging-allies']],
      ['MUTATION', ['REPORTED Statement kerry-calls-on-nato-to-pony-up']],
      ['MUTATION', ['RETRACTED Statement kerry-calls-on-nato-to-pony-up']],
      ['MUTATION', ['UPDATED Person john-kirby']],
      ['MUTATION', ['CREATED Person sdk-stoltenberg-duplicate']],
      // The kept record gains the duplicate's role; the duplicate, marked merged, answers as the kept record.
      ['MUTATION', ['UPDATED Person jens-stoltenberg', 'MERGED Person jens-stoltenberg']],
    ];
    const listening = new AbortController();
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    ran.add('DatasetChanged');
    const announced = (async () => {
      const seen: DatasetChangedSubscription['datasetChanged'][] = [];
      for await (const { data } of client.subscribe(DatasetChangedDocument, {}, { signal: listening.signal, onOpen: opened })) {
        expectTypeOf(data.datasetChanged.cause).toEqualTypeOf<'MUTATION' | 'RELOAD' | 'IMPORT'>();
        seen.push(data.datasetChanged);
        if (seen.length === expectedAnnouncements.length) return seen;
      }
      return seen;
    })();
    await open;

    // Writing without a token is refused as a whole request.
    await expect(client.request(CreatePersonDocument, { input: { name: 'No Token', description: 'd' } })).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });

    const seed = sources[0]!;
    const secondNato = seed.text.indexOf('NATO', seed.text.indexOf('NATO') + 1);
    const created = await curate(CreatePersonDocument, {
      input: { slug: 'sdk-curated', name: 'SDK Curated', description: 'Added through the SDK.', roles: [{ title: 'Envoy', organization: 'nato', evidence: { source: seed.id, quote: 'NATO', occurrence: 2 } }] },
    });
    expect(created.data.createPerson.person).toMatchObject({
      slug: 'sdk-curated',
      revision: 1,
      displayName: 'SDK Curated',
      roles: [{ title: 'Envoy', position: 0, provenance: provenance({ evidence: [{ sourceId: seed.id, start: secondNato, end: secondNato + 4, text: 'NATO' }] }) }],
    });
    const updated = await curate(UpdatePersonDocument, { input: { person: created.data.createPerson.person.id, expectedRevision: 1, description: 'Changed through the SDK.' } });
    expect(updated.data.updatePerson.person).toMatchObject({ revision: 2, description: 'Changed through the SDK.' });
    const stale = await curate(UpdatePersonDocument, { input: { person: 'sdk-curated', expectedRevision: 1, description: 'Stale.' } }).catch((error: unknown) => error);
    expect(stale).toMatchObject({ code: 'REVISION_CONFLICT', errors: [{ extensions: { currentRevision: 2 } }] });

    const statement = await curate(CreateStatementDocument, {
      input: { slug: 'sdk-curated-says', kind: 'PARAPHRASE', words: { source: seed.id, quote: 'pony up more resources' }, speaker: 'sdk-curated', attribution: { quote: 'called on NATO countries' } },
    });
    expect(statement.data.createStatement.statement).toMatchObject({
      slug: 'sdk-curated-says',
      text: 'pony up more resources',
      speaker: { slug: 'sdk-curated' },
      attributedTo: { __typename: 'Person', slug: 'sdk-curated' },
      revision: 1,
      sourceCount: 1,
      reports: [{ position: 0, text: 'pony up more resources', source: { slug: seed.id }, attribution: { text: 'called on NATO countries' }, relayedBy: null, hedge: null }],
    });
    const retracted = await curate(RetractStatementDocument, { input: { statement: 'sdk-curated-says', expectedRevision: 1, reason: 'Only a test.' } });
    expect(retracted.data.retractStatement.statement).toMatchObject({ revision: 2, retraction: { reason: 'Only a test.', retractedBy: 'sdk-curator' } });

    // A second article (an invented fixture) re-reports the seed article's meeting.
    const LEDGER = 'sdk-brussels-ledger';
    const ledgerFile = 'test/fixtures/articles/second-report.txt';
    const ledgerText = await readFile(path.join(projectRoot, ledgerFile), 'utf8');
    const ledgerTitle = ledgerText.split('\n')[0]!;
    /** Where words that occur once in the ledger article stand in it. */
    const inLedger = (quote: string): Evidence => {
      const start = ledgerText.indexOf(quote);
      expect(start, quote).toBeGreaterThanOrEqual(0);
      expect(ledgerText.indexOf(quote, start + 1), quote).toBe(-1);
      return { sourceId: LEDGER, start, end: start + quote.length, text: quote };
    };
    const createdSource = await curate(CreateSourceDocument, {
      input: { slug: LEDGER, title: ledgerTitle, text: ledgerText, language: 'en', origin: ledgerFile, publishedOn: { value: '2015-12-02', precision: 'DAY' } },
    });
    expect(createdSource.data.createSource.source).toMatchObject({
      __typename: 'Source',
      slug: LEDGER,
      revision: 1,
      title: ledgerTitle,
      language: 'en',
      origin: ledgerFile,
      publishedOn: { value: '2015-12-02', precision: 'DAY', qualifier: 'ON', inferred: false },
    });
    expect((await run(SourceTextDocument, { slug: LEDGER })).data.source?.text).toBe(ledgerText);

    // The same quote in the second article is a second report of the one statement, never a second statement.
    const kirby = byId(statements, 'kirby-secretary-urging-allies');
    const kirbyWords = 'The secretary made clear he was urging all allies to increase their contributions.';
    const kirbyAttribution = 'John Kirby, the department’s spokesman, said in a written statement';
    const reported = await curate(AddStatementReportDocument, {
      input: { statement: kirby.id, expectedRevision: kirby.revision ?? 1, words: { source: LEDGER, quote: kirbyWords }, attribution: { quote: kirbyAttribution } },
    });
    const kirbyNow: StatementRecord = { ...kirby, reports: [...kirby.reports, { evidence: inLedger(kirbyWords), attribution: inLedger(kirbyAttribution) }] };
    expectCard(reported.data.addStatementReport.statement, kirbyNow);
    expect(reported.data.addStatementReport.statement).toMatchObject({ revision: (kirby.revision ?? 1) + 1, sourceCount: 2 });
    const feed = (await run(StatementFeedDocument, { filter: { minSources: 2 } })).data.statements;
    expect(slugsOf(feed)).toEqual([kirby.id]);

    // A variant wording, hedged by the second source.
    const kerry = byId(statements, 'kerry-calls-on-nato-to-pony-up');
    const kerryWords = 'every ally should put more money, aircraft and trainers into the campaign against the militants';
    const kerryAttribution = 'America’s top diplomat, John Kerry, reportedly told fellow ministers that';
    const hedged = await curate(AddStatementReportDocument, {
      input: { statement: kerry.id, expectedRevision: kerry.revision ?? 1, words: { source: LEDGER, quote: kerryWords }, attribution: { quote: kerryAttribution }, hedge: { quote: 'reportedly' } },
    });
    const kerryReport: ReportRecord = { evidence: inLedger(kerryWords), attribution: inLedger(kerryAttribution), hedge: inLedger('reportedly') };
    expectCard(hedged.data.addStatementReport.statement, { ...kerry, reports: [...kerry.reports, kerryReport] });
    expect(hedged.data.addStatementReport.statement).toMatchObject({ text: kerry.text, sourceCount: 2, reports: [{ hedge: null }, { text: kerryWords, hedge: { text: 'reportedly' } }] });

    // Withdrawing that report keeps the statement and its first report.
    const withdrawn = await curate(RetractStatementReportDocument, {
      input: { statement: kerry.id, expectedRevision: hedged.data.addStatementReport.statement.revision, position: 1, reason: 'The Ledger withdrew its story.' },
    });
    const withdrawnStatement = withdrawn.data.retractStatementReport.statement;
    expectCard(withdrawnStatement, { ...kerry, reports: [...kerry.reports, { ...kerryReport, retracted: true }] });
    expect(withdrawnStatement).toMatchObject({
      revision: (kerry.revision ?? 1) + 2,
      sourceCount: 1,
      allReports: [
        { position: 0, source: { slug: seed.id }, retraction: null },
        { position: 1, source: { slug: LEDGER }, retraction: { reason: 'The Ledger withdrew its story.', retractedBy: 'sdk-curator' } },
      ],
    });

    // More words for a link already known: a span added to Kirby's role, not a second role.
    const kirbyPerson = byId(persons, 'john-kirby');
    const roleWords = 'John Kirby, the department’s spokesman';
    const evidenced = await curate(AddEvidenceDocument, {
      input: { record: kirbyPerson.id, expectedRevision: kirbyPerson.revision ?? 1, link: 'ROLE', position: 0, evidence: [{ source: LEDGER, quote: roleWords }] },
    });
    const holder = evidenced.data.addEvidence.record;
    if (holder.__typename !== 'Person') throw new Error(`addEvidence answered with ${holder.__typename}`);
    expect(holder).toMatchObject({ slug: kirbyPerson.id, revision: (kirbyPerson.revision ?? 1) + 1, nameProvenance: provenanceOrNull(kirbyPerson.nameProvenance) });
    const kirbyRoles = kirbyPerson.roles ?? [];
    expect(holder.roles).toMatchObject(
      kirbyRoles.map((role, position) => ({ position, title: role.title, provenance: provenance(position === 0 ? { ...role, evidence: [...role.evidence, inLedger(roleWords)] } : role) })),
    );
    expect(holder.roles[0]!.provenance.sourceCount).toBe(2);

    // A duplicate of a known person, as a curator might create by mistake, merged into the record kept.
    const stoltenberg = byId(persons, 'jens-stoltenberg');
    const stoltenbergRole = stoltenberg.roles![0]!;
    const duplicateWords = 'Jens Stoltenberg, who leads the alliance';
    const duplicate = await curate(CreatePersonDocument, {
      input: {
        slug: 'sdk-stoltenberg-duplicate',
        name: 'Jens Stoltenberg',
        aliases: ['NATO chief'],
        description: 'A duplicate of NATO\'s Secretary General, made by the SDK test.',
        roles: [{ title: stoltenbergRole.title, organization: stoltenbergRole.organizationId, evidence: { source: LEDGER, quote: duplicateWords } }],
      },
    });
    const merged = await curate(MergeEntitiesDocument, { input: { keep: stoltenberg.id, merge: 'sdk-stoltenberg-duplicate' } });
    expect(merged.data.mergeEntities).toMatchObject({
      entity: { __typename: 'Person', slug: stoltenberg.id, displayName: 'Jens Stoltenberg', aliases: [...(stoltenberg.aliases ?? []), 'NATO chief'], revision: (stoltenberg.revision ?? 1) + 1 },
      statement: null,
    });
    // The duplicate's slug and global id resolve to the kept record, which holds one role with both spans.
    const { person: resolved } = (await run(PersonPageDocument, { slug: 'sdk-stoltenberg-duplicate' })).data;
    expect(resolved).toMatchObject({ id: merged.data.mergeEntities.entity!.id, slug: stoltenberg.id });
    expect(resolved!.roles).toMatchObject([{ title: stoltenbergRole.title, provenance: provenance({ ...stoltenbergRole, evidence: [...stoltenbergRole.evidence, inLedger(duplicateWords)] }) }]);
    expectPage(resolved!.statements, said(stoltenberg.id));
    expect((await run(NodeLookupDocument, { id: duplicate.data.createPerson.person.id })).data.node).toMatchObject({ __typename: 'Person', slug: stoltenberg.id });

    // What the second article now contributes: the report in force and the links it gave words to.
    const { source: ledger } = (await run(SourcePageDocument, { slug: LEDGER })).data;
    expect(ledger).toMatchObject({ slug: LEDGER, title: ledgerTitle, origin: ledgerFile });
    expectPage(ledger!.statements, [kirby.id]);
    expectCard(ledger!.statements.edges[0]!.node, kirbyNow);
    expect(slugsOf(ledger!.persons)).toEqual([kirbyPerson.id, stoltenberg.id]);
    const { sources: list, stats } = (await run(SourceListDocument)).data;
    expect(slugsOf(list)).toEqual([...sources.map((s) => s.id), LEDGER]);
    expect(stats.perSource.find((entry) => entry.source.slug === LEDGER)).toMatchObject({ statements: 1, corroborated: 1, persons: 2 });

    const announcements = await announced;
    listening.abort();
    expect(
      announcements.map((event) => [event.cause, event.changes.map(({ change, node }) => `${change} ${node.__typename} ${node.slug}`)]),
    ).toEqual(expectedAnnouncements);
  });

  it('lets a curator draft an article and apply the draft, previewed first', async () => {
    const curator = createClient({ url: server.url, headers: { authorization: `Bearer ${CURATOR_TOKEN}` } });
    const curate: Client['request'] = (document, ...args) => {
      const definition = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      if (definition?.kind === Kind.OPERATION_DEFINITION && definition.name) ran.add(definition.name.value);
      return curator.request(document, ...args);
    };
    // An invented test article (test/fixtures/drafting/README.md).
    const text = await readFile(path.join(projectRoot, 'test/fixtures/drafting/bird-flu-pact.txt'), 'utf8');
    const drafted = await curate(DraftArticleDocument, { text, publishedOn: '2024-03-14' });
    const file = drafted.data.draftArticle as { statements: unknown[]; source: { text: string } };
    expect(file.source.text).toBe(text);

    const preview = await curate(ApplyArticleDocument, { file, dryRun: true });
    expect(preview.data.applyArticle).toMatchObject({ dryRun: true, applied: false, problems: [] });
    const applied = await curate(ApplyArticleDocument, { file });
    expect(applied.data.applyArticle).toMatchObject({ dryRun: false, applied: true, problems: [] });
    expect(applied.data.applyArticle.changes.map((change) => `${change.change} ${change.type} ${change.slug}`)).toEqual(
      preview.data.applyArticle.changes.map((change) => `${change.change} ${change.type} ${change.slug}`),
    );
    const [sourceSlug] = applied.data.applyArticle.sourceSlugs;
    const { source } = (await run(SourcePageDocument, { slug: sourceSlug! })).data;
    expect(source!.statements.totalCount).toBe(file.statements.length);
    expect(applied.extensions.dataset?.version).toBe(applied.data.applyArticle.datasetVersion);
  });

  it('ran every operation that ships in packages/client/operations', async () => {
    const dir = path.join(projectRoot, 'packages/client/operations');
    const shipped = new Set<string>();
    for (const file of await readdir(dir)) {
      for (const definition of parse(await readFile(path.join(dir, file), 'utf8')).definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) shipped.add(definition.name.value);
      }
    }
    expect(sorted(ran)).toEqual(sorted(shipped));
  });
});
