/**
 * Uses the SDK the way a frontend does: the real server on a free port, every shipped operation
 * through `newsgraph/client` over HTTP, and the typed answers checked against the fixture dataset (test/fixtures/dataset).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { hashToken } from '../src/plugins/auth.js';
import { Kind, parse } from 'graphql';
import {
  CountryPageDocument,
  CreatePersonDocument,
  CreateStatementDocument,
  createClient,
  DatasetChangedDocument,
  EventPageDocument,
  GraphQLRequestError,
  NeighborhoodDocument,
  NodeLookupDocument,
  OrganizationPageDocument,
  PersonPageDocument,
  RetractStatementDocument,
  SearchDocument,
  SourceTextDocument,
  StatementDetailDocument,
  StatementFeedDocument,
  TimelineDocument,
  UpdatePersonDocument,
  type Client,
  type PersonPageQuery,
  type StatementCardFragment,
} from 'newsgraph/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { copyOfData, dataDir, projectRoot } from './helpers.js';
import { startServer, type RunningServer } from './server-process.js';

// The data files as a client's test would read them, with only the fields checked here.
interface Evidence { start: number; end: number; text: string }
interface DateRecord { value: string }
interface PersonRecord { id: string; name: string | null; aliases: string[]; description: string; roles: { title: string; organizationId?: string; countryId?: string; inferred: boolean; evidence: Evidence }[] }
interface CountryRecord { id: string; name: string; isoAlpha2: string; isoAlpha3: string }
interface OrganizationRecord { id: string; kind: string; parentId?: string; countryId?: string; statedMemberCount?: { count: number }; memberships?: { countryId: string }[] }
interface EventRecord { id: string; name: string; kind: string; start?: DateRecord; end?: DateRecord; locations?: { city?: string; countryId?: string }[]; participants?: { entityId: string; role: string }[]; partOf?: { eventId: string; evidence: Evidence } }
interface StatementRecord {
  id: string; kind: string; text: string; speakerId?: string; relayedById?: string; saidAtEventId?: string; aboutEventIds?: string[]
  date?: DateRecord; attribution: Evidence; mentions?: { entityId: string; evidence: Evidence }[]; evidence: Evidence; continuesId?: string
}

const read = async <T>(file: string) => JSON.parse(await readFile(path.join(dataDir, file), 'utf8')) as T[];
const sorted = (values: Iterable<string>) => [...values].sort();
const unique = (values: Iterable<string>) => sorted(new Set(values));
const slugsOf = (connection: { edges: { node: { slug: string } }[] }) => connection.edges.map((edge) => edge.node.slug);

let persons: PersonRecord[];
let countries: CountryRecord[];
let organizations: OrganizationRecord[];
let events: EventRecord[];
let statements: StatementRecord[];

const said = (id: string) => statements.filter((s) => s.speakerId === id).map((s) => s.id);
const relayed = (id: string) => statements.filter((s) => s.relayedById === id).map((s) => s.id);
const mentioning = (id: string) => statements.filter((s) => (s.mentions ?? []).some((m) => m.entityId === id)).map((s) => s.id);
const participationsOf = (id: string) => events.filter((e) => (e.participants ?? []).some((p) => p.entityId === id)).map((e) => e.id);
const rolesAt = (key: 'organizationId' | 'countryId', id: string) => persons.flatMap((p) => p.roles.filter((r) => r[key] === id).map(() => p.id));

/** Connections return 20 items unless asked: the first page of `ids` and their total. */
function expectPage(connection: { totalCount: number; edges: { node: { slug: string } }[] }, ids: string[]): void {
  expect(connection.totalCount).toBe(ids.length);
  expect(slugsOf(connection)).toEqual(ids.slice(0, 20));
}

/** A statement card agrees with its record: words, speaker, relay, event, date, mentions and evidence. */
function expectCard(card: StatementCardFragment): void {
  const record = statements.find((s) => s.id === card.slug)!;
  expect(record, card.slug).toBeDefined();
  expect(card).toMatchObject({
    kind: record.kind,
    text: record.text,
    attribution: record.attribution.text,
    speaker: record.speakerId ? { slug: record.speakerId } : null,
    relayedBy: record.relayedById ? { slug: record.relayedById } : null,
    event: record.saidAtEventId ? { slug: record.saidAtEventId } : null,
    date: record.date ? { value: record.date.value } : null,
    evidence: { text: record.evidence.text, start: record.evidence.start, end: record.evidence.end, source: { slug: 'kerry-to-nato-ante-up' } },
  });
  expect(card.mentions.map((m) => [m.entity.slug, m.evidence.text])).toEqual((record.mentions ?? []).map((m) => [m.entityId, m.evidence.text]));
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
  [persons, countries, organizations, events, statements] = await Promise.all([
    read<PersonRecord>('persons.json'),
    read<CountryRecord>('countries.json'),
    read<OrganizationRecord>('organizations.json'),
    read<EventRecord>('events.json'),
    read<StatementRecord>('statements.json'),
  ]);
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

  it('PersonPage: every person, with roles, statements, relays, participations and mentions', async () => {
    for (const record of persons) {
      const { person } = (await run(PersonPageDocument, { slug: record.id })).data;
      expect(person, record.id).not.toBeNull();
      expect(person).toMatchObject({ slug: record.id, name: record.name, isNamed: record.name !== null, aliases: record.aliases, description: record.description });
      expect(person!.roles.map((role) => ({ title: role.title, organization: role.organization?.slug, country: role.country?.slug, inferred: role.inferred, evidence: role.evidence.text }))).toEqual(
        record.roles.map((role) => ({ title: role.title, organization: role.organizationId, country: role.countryId, inferred: role.inferred, evidence: role.evidence.text })),
      );
      expectPage(person!.statements, said(record.id));
      expectPage(person!.relayedStatements, relayed(record.id));
      expectPage(person!.mentionedIn, mentioning(record.id));
      expect(unique(person!.participations.map((p) => p.event.slug))).toEqual(unique(participationsOf(record.id)));
      for (const edge of [...person!.statements.edges, ...person!.relayedStatements.edges, ...person!.mentionedIn.edges]) expectCard(edge.node);
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

  it('OrganizationPage: every organization, with members, offices, relatives, participations, relays and mentions', async () => {
    for (const record of organizations) {
      const { organization } = (await run(OrganizationPageDocument, { slug: record.id })).data;
      expect(organization, record.id).toMatchObject({
        slug: record.id,
        kind: record.kind,
        statedMemberCount: record.statedMemberCount ? { count: record.statedMemberCount.count } : null,
        parent: record.parentId ? { slug: record.parentId } : null,
        country: record.countryId ? { slug: record.countryId } : null,
      });
      expect(sorted(organization!.children.map((c) => c.slug))).toEqual(sorted(organizations.filter((o) => o.parentId === record.id).map((o) => o.id)));
      expect(sorted(organization!.members.map((m) => m.country.slug))).toEqual(sorted((record.memberships ?? []).map((m) => m.countryId)));
      expect(sorted(organization!.roles.map((r) => r.person.slug))).toEqual(sorted(rolesAt('organizationId', record.id)));
      expect(unique(organization!.participations.map((p) => p.event.slug))).toEqual(unique(participationsOf(record.id)));
      expectPage(organization!.relayedStatements, relayed(record.id));
      expectPage(organization!.mentionedIn, mentioning(record.id));
    }
  });

  it('CountryPage: every country, with codes, memberships, offices, organizations, events and mentions', async () => {
    for (const record of countries) {
      const { country } = (await run(CountryPageDocument, { slug: record.id })).data;
      expect(country, record.id).toMatchObject({ slug: record.id, name: record.name, isoCode: record.isoAlpha2, isoAlpha3: record.isoAlpha3 });
      expect(sorted(country!.memberships.map((m) => m.organization.slug))).toEqual(sorted(organizations.filter((o) => (o.memberships ?? []).some((m) => m.countryId === record.id)).map((o) => o.id)));
      expect(sorted(country!.roles.map((r) => r.person.slug))).toEqual(sorted(rolesAt('countryId', record.id)));
      expect(sorted(country!.organizations.map((o) => o.slug))).toEqual(sorted(organizations.filter((o) => o.countryId === record.id).map((o) => o.id)));
      expect(unique(country!.participations.map((p) => p.event.slug))).toEqual(unique(participationsOf(record.id)));
      expectPage(country!.events, events.filter((e) => (e.locations ?? []).some((l) => l.countryId === record.id)).map((e) => e.id));
      expectPage(country!.mentionedIn, mentioning(record.id));
    }
  });

  it('EventPage: every event, with dates, places, participants, parent, sub-events, statements and mentions', async () => {
    for (const record of events) {
      const { event } = (await run(EventPageDocument, { slug: record.id })).data;
      expect(event, record.id).toMatchObject({
        slug: record.id,
        name: record.name,
        kind: record.kind,
        start: record.start ? { value: record.start.value } : null,
        end: record.end ? { value: record.end.value } : null,
        parent: record.partOf ? { slug: record.partOf.eventId } : null,
        parentEvidence: record.partOf ? { text: record.partOf.evidence.text } : null,
      });
      expect(event!.locations.map((l) => [l.city, l.country?.slug ?? null])).toEqual((record.locations ?? []).map((l) => [l.city ?? null, l.countryId ?? null]));
      expect(event!.participants.map((p) => [p.participant.slug, p.role])).toEqual((record.participants ?? []).map((p) => [p.entityId, p.role]));
      expect(sorted(event!.subEvents.map((e) => e.slug))).toEqual(sorted(events.filter((e) => e.partOf?.eventId === record.id).map((e) => e.id)));
      expectPage(event!.statements, statements.filter((s) => s.saidAtEventId === record.id || (s.aboutEventIds ?? []).includes(record.id)).map((s) => s.id));
      expectPage(event!.mentionedIn, mentioning(record.id));
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
    cards.forEach(expectCard);
  });

  it('StatementFeed: filters and orders', async () => {
    const quotes = (await run(StatementFeedDocument, { filter: { speaker: 'jens-stoltenberg', kind: 'QUOTE' } })).data.statements;
    expectPage(quotes, statements.filter((s) => s.speakerId === 'jens-stoltenberg' && s.kind === 'QUOTE').map((s) => s.id));

    const collective = (await run(StatementFeedDocument, { filter: { textContains: 'collective defense' } })).data.statements;
    expectPage(collective, statements.filter((s) => /collective defense/i.test(s.text)).map((s) => s.id));

    // By date: a statement's own date, else its event's start, at the first day it can stand for; undated last.
    const { edges } = (await run(StatementFeedDocument, { orderBy: 'DATE_ASC', first: 100 })).data.statements;
    const firstDay = (id: string) => {
      const record = statements.find((s) => s.id === id)!;
      const value = record.date?.value ?? events.find((e) => e.id === record.saidAtEventId)?.start?.value;
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
    for (const record of withDaesh) expect(statementHits).toContainEqual(expect.objectContaining({ slug: record.id, text: record.text }));

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
        const record = events.find((e) => e.id === item.slug)!;
        expect(item.eventKind).toBe(record.kind);
        expect(node.date?.value).toBe(record.start?.value);
        expect(node.dateFromEvent).toBe(false);
      } else {
        const record = statements.find((s) => s.id === item.slug)!;
        expect(item).toMatchObject({ statementKind: record.kind, text: record.text, speaker: record.speakerId ? { slug: record.speakerId } : null });
        expect(node.dateFromEvent).toBe(record.date === undefined);
      }
    }
    expect(timeline.edges.map((edge) => edge.node.item.slug)).toContain('paris-attacks');

    const onlyEvents = (await run(TimelineDocument, { types: ['EVENT'], includeUndated: true, first: 100 })).data.timeline;
    expect(sorted(onlyEvents.edges.map((edge) => edge.node.item.slug))).toEqual(sorted(events.map((e) => e.id)));
  });

  it('Neighborhood: the records one edge from a person, and the edges between them', async () => {
    const { neighborhood } = (await run(NeighborhoodDocument, { id: 'john-kerry' })).data;
    expect(neighborhood).not.toBeNull();
    const { nodes, edges, center, truncated } = neighborhood!;
    expect(truncated).toBe(false);
    expect(nodes[0]).toMatchObject({ id: center.id, distance: 0, kind: 'PERSON', label: 'John Kerry' });
    const kerry = persons.find((p) => p.id === 'john-kerry')!;
    const expected = [
      ...said('john-kerry'),
      ...relayed('john-kerry'),
      ...mentioning('john-kerry'),
      ...participationsOf('john-kerry'),
      ...kerry.roles.flatMap((r) => [r.organizationId, r.countryId].filter((id): id is string => id !== undefined)),
    ];
    expect(unique(nodes.filter((n) => n.distance === 1).map((n) => n.node.slug ?? ''))).toEqual(unique(expected));
    const ids = new Set(nodes.map((n) => n.id));
    for (const edge of edges) expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
    const saidEdges = edges.filter((e) => e.kind === 'SAID' && e.from === center.id);
    expect(sorted(saidEdges.map((e) => e.evidence.text))).toEqual(sorted(statements.filter((s) => s.speakerId === 'john-kerry').map((s) => s.evidence.text)));
  });

  it('NodeLookup: any record by the global id another answer gave, and null for one that names nothing', async () => {
    const { person } = (await run(PersonPageDocument, { slug: 'justin-trudeau' })).data;
    const statement = person!.statements.edges[0]!.node;
    const found = (await run(NodeLookupDocument, { id: person!.id })).data.node;
    expect(found).toMatchObject({ __typename: 'Person', id: person!.id, slug: 'justin-trudeau', displayName: 'Justin Trudeau' });
    const foundStatement = (await run(NodeLookupDocument, { id: statement.id })).data.node;
    expect(foundStatement?.__typename === 'Statement' && foundStatement.text).toBe(statements.find((s) => s.id === statement.slug)!.text);

    const nobody = Buffer.from('Person:nobody-at-all').toString('base64url');
    expect((await run(NodeLookupDocument, { id: nobody })).data.node).toBeNull();
  });

  it('StatementDetail: a statement card with its split-quote parts, the events it is about and its attribution', async () => {
    for (const record of statements) {
      const { statement } = (await run(StatementDetailDocument, { slug: record.id })).data;
      expect(statement, record.id).not.toBeNull();
      expectCard(statement!);
      expect(statement!.attributionEvidence).toMatchObject({ text: record.attribution.text, start: record.attribution.start, end: record.attribution.end });
      expect(statement!.continues?.slug ?? null).toBe(record.continuesId ?? null);
      expect(statement!.continuedBy.map((s) => s.slug)).toEqual(statements.filter((s) => s.continuesId === record.id).map((s) => s.id));
      expect(unique(statement!.aboutEvents.map((e) => e.slug))).toEqual(unique(record.aboutEventIds ?? []));
    }
  });

  it('SourceText: the full text that every evidence offset indexes into', async () => {
    const { source } = (await run(SourceTextDocument, { slug: 'kerry-to-nato-ante-up' })).data;
    const [record] = await read<{ id: string; title: string; text: string }>('sources.json');
    expect(source).toMatchObject({ slug: record!.id, title: record!.title, text: record!.text });
    for (const statement of statements) expect(source!.text.slice(statement.evidence.start, statement.evidence.end)).toBe(statement.evidence.text);
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
    const listening = new AbortController();
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    ran.add('DatasetChanged');
    const announced = (async () => {
      const seen: { cause: string; changes: { change: string; node: { __typename: string; id: string } }[] }[] = [];
      for await (const { data } of client.subscribe(DatasetChangedDocument, {}, { signal: listening.signal, onOpen: opened })) {
        expectTypeOf(data.datasetChanged.cause).toEqualTypeOf<'MUTATION' | 'RELOAD'>();
        seen.push(data.datasetChanged);
        if (seen.length === 4) return seen;
      }
      return seen;
    })();
    await open;

    // Writing without a token is refused as a whole request.
    await expect(client.request(CreatePersonDocument, { input: { name: 'No Token', description: 'd' } })).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });

    const created = await curate(CreatePersonDocument, {
      input: { slug: 'sdk-curated', name: 'SDK Curated', description: 'Added through the SDK.', roles: [{ title: 'Envoy', organization: 'nato', evidence: { source: 'kerry-to-nato-ante-up', quote: 'NATO', occurrence: 2 } }] },
    });
    expect(created.data.createPerson.person).toMatchObject({ slug: 'sdk-curated', revision: 1, displayName: 'SDK Curated', roles: [{ title: 'Envoy', position: 0, evidence: { text: 'NATO' } }] });
    const updated = await curate(UpdatePersonDocument, { input: { person: created.data.createPerson.person.id, expectedRevision: 1, description: 'Changed through the SDK.' } });
    expect(updated.data.updatePerson.person).toMatchObject({ revision: 2, description: 'Changed through the SDK.' });
    const stale = await curate(UpdatePersonDocument, { input: { person: 'sdk-curated', expectedRevision: 1, description: 'Stale.' } }).catch((error: unknown) => error);
    expect(stale).toMatchObject({ code: 'REVISION_CONFLICT', errors: [{ extensions: { currentRevision: 2 } }] });

    const statement = await curate(CreateStatementDocument, {
      input: { slug: 'sdk-curated-says', kind: 'PARAPHRASE', words: { source: 'kerry-to-nato-ante-up', quote: 'pony up more resources' }, speaker: 'sdk-curated', attribution: { quote: 'called on NATO countries' } },
    });
    expect(statement.data.createStatement.statement).toMatchObject({ slug: 'sdk-curated-says', text: 'pony up more resources', speaker: { slug: 'sdk-curated' }, revision: 1 });
    const retracted = await curate(RetractStatementDocument, { input: { statement: 'sdk-curated-says', expectedRevision: 1, reason: 'Only a test.' } });
    expect(retracted.data.retractStatement.statement).toMatchObject({ revision: 2, retraction: { reason: 'Only a test.', retractedBy: 'sdk-curator' } });

    const events = await announced;
    listening.abort();
    expect(events.map((event) => [event.cause, event.changes.map((c) => `${c.change} ${c.node.__typename}`)])).toEqual([
      ['MUTATION', ['CREATED Person']],
      ['MUTATION', ['UPDATED Person']],
      ['MUTATION', ['CREATED Statement']],
      ['MUTATION', ['RETRACTED Statement']],
    ]);
  });

  it('ran every operation that ships in client/operations', async () => {
    const dir = path.join(projectRoot, 'client/operations');
    const shipped = new Set<string>();
    for (const file of await readdir(dir)) {
      for (const definition of parse(await readFile(path.join(dir, file), 'utf8')).definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) shipped.add(definition.name.value);
      }
    }
    expect(sorted(ran)).toEqual(sorted(shipped));
  });
});
