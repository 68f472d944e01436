/** Organization: the root connection, the lookups, and every field checked against data/*.json and the article. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { eventSchema, evidenceSchema, organizationSchema, personSchema, sourceSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/yoga.js';
import { createTestServer, dataDir, query, queryData, recordIds, type GraphQLResponse } from './helpers.js';

type OrganizationData = z.input<typeof organizationSchema>;
type PersonData = z.input<typeof personSchema>;
type EventData = z.input<typeof eventSchema>;
type StatementData = z.input<typeof statementSchema>;
type SourceData = z.input<typeof sourceSchema>;
type EvidenceData = z.input<typeof evidenceSchema>;

async function readData<T>(file: string): Promise<T[]> {
  return JSON.parse(await readFile(path.join(dataDir, file), 'utf8')) as T[];
}

/**
 * statements.json in source order: sources in file order, then where each statement's words start.
 * Every statement list (Query.statements, a person's, an event's, …) is documented to read in this order.
 */
async function readStatementsInSourceOrder(): Promise<StatementData[]> {
  const sourceIds = await recordIds('sources.json');
  const rank = (statement: StatementData) => sourceIds.indexOf(statement.evidence.sourceId);
  return (await readData<StatementData>('statements.json')).sort((a, b) => rank(a) - rank(b) || a.evidence.start - b.evidence.start);
}

let yoga: NewsgraphYoga;
let organizations: OrganizationData[];
let persons: PersonData[];
let events: EventData[];
let statements: StatementData[];
let sourceText: string;

beforeAll(async () => {
  yoga = await createTestServer();
  [organizations, persons, events, statements] = await Promise.all([
    readData<OrganizationData>('organizations.json'),
    readData<PersonData>('persons.json'),
    readData<EventData>('events.json'),
    readStatementsInSourceOrder(),
  ]);
  const [source] = await readData<SourceData>('sources.json');
  sourceText = source!.text;
});

function organizationData(id: string): OrganizationData {
  const organization = organizations.find((o) => o.id === id);
  if (!organization) throw new Error(`no organization "${id}" in organizations.json`);
  return organization;
}

/** Evidence as the server serves it for `evidence { text start end source { slug } }`. */
function servedEvidence(evidence: EvidenceData) {
  return { text: evidence.text, start: evidence.start, end: evidence.end, source: { slug: evidence.sourceId } };
}

/** Asserts the response failed on `field` alone, with data null there and one error with `code`. */
function expectFieldError(result: GraphQLResponse, field: string, code: string): void {
  expect(result.status).toBe(200);
  expect(result.data?.[field]).toBeNull();
  expect(result.errors?.map((error) => ({ path: error.path, code: error.extensions?.code }))).toEqual([{ path: [field], code }]);
}

// ---------------------------------------------------------------------------------------------
// Root connection
// ---------------------------------------------------------------------------------------------

interface SlugEdge {
  cursor?: string;
  node: { slug: string };
}

interface Page {
  totalCount: number;
  edges: { cursor: string; node: { slug: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

function slugsOf(connection: { edges: SlugEdge[] }): string[] {
  return connection.edges.map((edge) => edge.node.slug);
}

/** The root connection `field` must list `expectedIds()`: the ids of its data file, in file order (source order for statements). */
function describeRootConnection(field: string, expectedIds: () => string[]): void {
  const fetchPage = async (args: { first?: number; after?: string; last?: number; before?: string } = {}): Promise<Page> => {
    const data = await queryData<Record<string, Page>>(
      yoga,
      `query ($first: Int, $after: String, $last: Int, $before: String) {
        ${field}(first: $first, after: $after, last: $last, before: $before) {
          totalCount
          edges { cursor node { slug } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
      }`,
      args,
    );
    const page = data[field]!;
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    return page;
  };

  describe(`Query.${field}`, () => {
    it('counts every record of the data file and returns the first 20 by default, in order', async () => {
      const ids = expectedIds();
      const page = await fetchPage();
      expect(page.totalCount).toBe(ids.length);
      expect(slugsOf(page)).toEqual(ids.slice(0, 20));
      expect(page.pageInfo.hasPreviousPage).toBe(false);
      expect(page.pageInfo.hasNextPage).toBe(ids.length > 20);
    });

    it('walks every record exactly once with first/after, with pageInfo right at both ends', async () => {
      const ids = expectedIds();
      const seen: string[] = [];
      let after: string | undefined;
      for (let pageNumber = 0; ; pageNumber++) {
        const page = await fetchPage({ first: 3, after });
        expect(page.totalCount).toBe(ids.length);
        expect(page.pageInfo.hasPreviousPage).toBe(pageNumber > 0);
        seen.push(...slugsOf(page));
        expect(page.pageInfo.hasNextPage).toBe(seen.length < ids.length);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor!;
      }
      expect(seen).toEqual(ids);
    });

    it('walks every record backwards with last/before', async () => {
      const ids = expectedIds();
      const seen: string[] = [];
      let before: string | undefined;
      for (let pageNumber = 0; ; pageNumber++) {
        const page = await fetchPage({ last: 4, before });
        expect(page.pageInfo.hasNextPage).toBe(pageNumber > 0);
        seen.unshift(...slugsOf(page));
        expect(page.pageInfo.hasPreviousPage).toBe(seen.length < ids.length);
        if (!page.pageInfo.hasPreviousPage) break;
        before = page.pageInfo.startCursor!;
      }
      expect(seen).toEqual(ids);
    });

    it('returns the last records for `last` alone, and nothing after the last cursor', async () => {
      const ids = expectedIds();
      const tail = await fetchPage({ last: 2 });
      expect(slugsOf(tail)).toEqual(ids.slice(-2));
      expect(tail.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: ids.length > 2 });
      const beyond = await fetchPage({ first: 5, after: tail.pageInfo.endCursor! });
      expect(beyond.edges).toEqual([]);
      expect(beyond.pageInfo).toMatchObject({ hasNextPage: false, startCursor: null, endCursor: null });
    });

    it('rejects a page size outside 1..100 and a cursor it did not issue', async () => {
      for (const args of [{ first: 0 }, { first: 101 }, { last: -1 }, { after: 'not-a-cursor' }]) {
        const result = await query(
          yoga,
          `query ($first: Int, $last: Int, $after: String) { ${field}(first: $first, last: $last, after: $after) { totalCount } }`,
          args,
        );
        expect(result.data).toBeNull();
        expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      }
    });
  });
}

describeRootConnection('organizations', () => organizations.map((o) => o.id));

// ---------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------

/** Slug → global id of every record of a root connection, as the server returns them. */
async function globalIds(connection: string): Promise<Map<string, string>> {
  const data = await queryData<Record<string, { edges: { node: { id: string; slug: string } }[] }>>(
    yoga,
    `{ ${connection}(first: 100) { edges { node { id slug } } } }`,
  );
  return new Map(data[connection]!.edges.map(({ node }) => [node.slug, node.id]));
}

interface LookupSpec {
  /** The singular root field ("person") and its type ("Person"). */
  field: string;
  typename: string;
  /** The root connection of the same type ("persons"). */
  connection: string;
  expectedIds: () => string[];
  /** A root connection of another type, whose ids `field(id:)` must refuse. */
  otherConnection: string;
}

/** Lookups by slug, by global id, through node/nodes, and their errors. */
function describeLookups({ field, typename, connection, expectedIds, otherConnection }: LookupSpec): void {
  const lookup = (args: Record<string, unknown>) => query(yoga, `query ($id: ID, $slug: String) { ${field}(id: $id, slug: $slug) { __typename slug } }`, args);

  describe(`Query.${field}`, () => {
    it('finds every record by slug', async () => {
      for (const slug of expectedIds()) {
        const data = await queryData(yoga, `query ($slug: String) { ${field}(slug: $slug) { __typename slug } }`, { slug });
        expect(data[field]).toEqual({ __typename: typename, slug });
      }
    });

    it('finds every record by the global id a previous query returned, also through node and nodes', async () => {
      const ids = await globalIds(connection);
      expect([...ids.keys()]).toEqual(expectedIds());
      for (const [slug, id] of ids) {
        const data = await queryData(
          yoga,
          `query ($id: ID!) { ${field}(id: $id) { id slug } node(id: $id) { __typename id ... on ${typename} { slug } } }`,
          { id },
        );
        expect(data[field]).toEqual({ id, slug });
        expect(data.node).toEqual({ __typename: typename, id, slug });
      }
      const reversed = [...ids].reverse();
      const data = await queryData(yoga, `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, { ids: reversed.map(([, id]) => id) });
      expect(data.nodes).toEqual(reversed.map(([, id]) => ({ __typename: typename, id })));
    });

    it('gives NOT_FOUND, with data null, for an unknown slug and for the slug of another type', async () => {
      const [otherSlug] = (await globalIds(otherConnection)).keys();
      for (const slug of ['no-such-record', otherSlug]) {
        expectFieldError(await lookup({ slug }), field, 'NOT_FOUND');
      }
    });

    it('gives BAD_USER_INPUT for both or neither of id and slug', async () => {
      const [slug, id] = [...(await globalIds(connection))][0]!;
      expectFieldError(await lookup({}), field, 'BAD_USER_INPUT');
      expectFieldError(await lookup({ id, slug }), field, 'BAD_USER_INPUT');
    });

    it('gives BAD_USER_INPUT for the id of another type and for a malformed id', async () => {
      const [otherId] = (await globalIds(otherConnection)).values();
      expectFieldError(await lookup({ id: otherId }), field, 'BAD_USER_INPUT');
      const [slug] = expectedIds();
      for (const id of ['not a global id', slug, '', Buffer.from('no colon here').toString('base64url')]) {
        expectFieldError(await lookup({ id }), field, 'BAD_USER_INPUT');
      }
    });
  });
}

describeLookups({
  field: 'organization',
  typename: 'Organization',
  connection: 'organizations',
  expectedIds: () => organizations.map((o) => o.id),
  otherConnection: 'events',
});

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

const evidenceFields = 'evidence { text start end source { slug } }';

async function fetchOrganization(slug: string, selection: string) {
  const data = await queryData(yoga, `query ($slug: String) { organization(slug: $slug) { ${selection} } }`, { slug });
  return data.organization;
}

describe('Organization fields', () => {
  it('serves the name, kind, aliases, description, links and evidence of every organization', async () => {
    for (const organization of organizations) {
      const served = await fetchOrganization(
        organization.id,
        `slug name displayName kind aliases description parent { slug } country { slug } children { slug } ${evidenceFields}`,
      );
      expect(served).toEqual({
        slug: organization.id,
        name: organization.name,
        displayName: organization.name,
        kind: organization.kind,
        aliases: organization.aliases ?? [],
        description: organization.description,
        parent: organization.parentId ? { slug: organization.parentId } : null,
        country: organization.countryId ? { slug: organization.countryId } : null,
        children: organizations.filter((o) => o.parentId === organization.id).map((o) => ({ slug: o.id })),
        evidence: (organization.evidence ?? []).map(servedEvidence),
      });
      for (const evidence of served.evidence) expect(sourceText.slice(evidence.start, evidence.end)).toBe(evidence.text);
    }
  });

  it('serves each kind as its enum value', async () => {
    const kinds = Object.fromEntries(await Promise.all(organizations.map(async (o) => [o.id, (await fetchOrganization(o.id, 'kind')).kind])));
    expect(kinds).toMatchObject({
      nato: 'ALLIANCE',
      'coalition-against-islamic-state': 'COALITION',
      'islamic-state': 'MILITANT_GROUP',
      'state-department': 'GOVERNMENT_DEPARTMENT',
      'washington-post': 'NEWS_OUTLET',
      apec: 'INTERGOVERNMENTAL_FORUM',
    });
  });

  it('knows Islamic State is also called Daesh and ISIL, as the article does', async () => {
    const islamicState = await fetchOrganization('islamic-state', 'name aliases');
    expect(islamicState.name).toBe('Islamic State');
    expect(islamicState.aliases).toEqual(expect.arrayContaining(['Daesh', 'ISIL']));
    expect(sourceText).toContain('Islamic State, or Daesh');
    expect(sourceText).toContain('against ISIL');
  });

  it('states 28 members for NATO and 65 for the coalition, with the words that say so', async () => {
    const stated = async (slug: string) => (await fetchOrganization(slug, `statedMemberCount { count ${evidenceFields} }`)).statedMemberCount;
    for (const [slug, count] of [['nato', 28], ['coalition-against-islamic-state', 65]] as const) {
      const served = await stated(slug);
      expect(served).toEqual({ count, evidence: servedEvidence(organizationData(slug).statedMemberCount!.evidence) });
      expect(served.evidence.text).toContain(`${count}-nation`);
      expect(sourceText.slice(served.evidence.start, served.evidence.end)).toBe(served.evidence.text);
    }
    expect((await stated('nato')).evidence.text).toBe('28-nation defense alliance');
    expect((await stated('coalition-against-islamic-state')).evidence.text).toBe('65-nation coalition');
    for (const organization of organizations.filter((o) => !o.statedMemberCount)) expect(await stated(organization.id)).toBeNull();
  });

  it('lists the members of each organization with their inferred flags, as the data has them', async () => {
    for (const organization of organizations) {
      const served = await fetchOrganization(
        organization.id,
        `members { organization { slug } country { slug } role inferred note start { value } end { value } ${evidenceFields} }`,
      );
      expect(served.members).toEqual(
        (organization.memberships ?? []).map((m) => ({
          organization: { slug: organization.id },
          country: { slug: m.countryId },
          role: m.role ?? null,
          inferred: m.inferred ?? false,
          note: m.note ?? null,
          start: m.start ? { value: m.start.value } : null,
          end: m.end ? { value: m.end.value } : null,
          evidence: servedEvidence(m.evidence),
        })),
      );
    }
  });

  it('has Turkey as a stated NATO member and the others as implied ones, each with a note', async () => {
    const nato = await fetchOrganization('nato', 'members { country { slug } inferred note }');
    const bySlug = new Map(nato.members.map((m: { country: { slug: string } }) => [m.country.slug, m]));
    expect(bySlug.get('turkey')).toEqual({ country: { slug: 'turkey' }, inferred: false, note: null });
    for (const slug of ['united-states', 'italy', 'canada']) {
      expect(bySlug.get(slug)).toEqual({ country: { slug }, inferred: true, note: expect.stringMatching(/\S/) });
    }
    const coalition = await fetchOrganization('coalition-against-islamic-state', 'members { country { slug } role inferred }');
    expect(coalition.members).toContainEqual({ country: { slug: 'united-states' }, role: 'leader', inferred: false });
    expect(coalition.members).toContainEqual({ country: { slug: 'canada' }, role: null, inferred: false });
  });

  it('lists the roles at each organization and the people holding them, each once', async () => {
    for (const organization of organizations) {
      const served = await fetchOrganization(organization.id, 'roles { title person { slug } organization { slug } } people { slug }');
      const holdings = persons.flatMap((person) =>
        (person.roles ?? []).filter((r) => r.organizationId === organization.id).map((role) => ({ person, role })),
      );
      expect(served.roles).toEqual(
        holdings.map(({ person, role }) => ({ title: role.title, person: { slug: person.id }, organization: { slug: organization.id } })),
      );
      expect(served.people).toEqual([...new Set(holdings.map(({ person }) => person.id))].map((slug) => ({ slug })));
    }
  });

  it('has Kerry, Kirby and the unnamed official at the State Department, and Stoltenberg at NATO', async () => {
    const stateDepartment = await fetchOrganization('state-department', 'people { slug name displayName } roles { title person { slug } }');
    expect(stateDepartment.people).toEqual([
      { slug: 'john-kerry', name: 'John Kerry', displayName: 'John Kerry' },
      { slug: 'john-kirby', name: 'John Kirby', displayName: 'John Kirby' },
      { slug: 'state-department-official', name: null, displayName: 'State Department official (unnamed)' },
    ]);
    expect(stateDepartment.roles).toEqual([
      { title: 'Secretary of State', person: { slug: 'john-kerry' } },
      { title: 'Spokesman', person: { slug: 'john-kirby' } },
      { title: 'Official', person: { slug: 'state-department-official' } },
    ]);
    expect((await fetchOrganization('nato', 'people { slug }')).people).toEqual([{ slug: 'jens-stoltenberg' }]);
  });

  it('lists the events each organization took part in, with its part', async () => {
    for (const organization of organizations) {
      const served = await fetchOrganization(
        organization.id,
        'participations { event { slug } participant { __typename ... on Organization { slug } } role inferred note evidence { text } }',
      );
      const expected = events.flatMap((event) =>
        (event.participants ?? [])
          .filter((p) => p.entityId === organization.id)
          .map((p) => ({
            event: { slug: event.id },
            participant: { __typename: 'Organization', slug: organization.id },
            role: p.role,
            inferred: p.inferred ?? false,
            note: p.note ?? null,
            evidence: { text: p.evidence.text },
          })),
      );
      expect(served.participations).toEqual(expected);
    }
  });

  it('lists the statements that mention each organization and those it relayed', async () => {
    for (const organization of organizations) {
      const served = await fetchOrganization(
        organization.id,
        'mentionedIn(first: 100) { totalCount edges { node { slug } } } relayedStatements(first: 100) { totalCount edges { node { slug } } }',
      );
      const mentioning = statements.filter((s) => (s.mentions ?? []).some((m) => m.entityId === organization.id)).map((s) => s.id);
      const relayed = statements.filter((s) => s.relayedById === organization.id).map((s) => s.id);
      expect(served.mentionedIn.totalCount).toBe(mentioning.length);
      expect(slugsOf(served.mentionedIn)).toEqual(mentioning);
      expect(served.relayedStatements.totalCount).toBe(relayed.length);
      expect(slugsOf(served.relayedStatements)).toEqual(relayed);
    }
    const post = await fetchOrganization('washington-post', 'relayedStatements { edges { node { slug speaker { slug } } } }');
    expect(post.relayedStatements.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { slug: 'stoltenberg-east-and-south', speaker: { slug: 'jens-stoltenberg' } },
    ]);
  });
});
