/** Person: the root connection, the lookups, and every field checked against data/*.json and the article. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { countrySchema, eventSchema, organizationSchema, personSchema, sourceSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/yoga.js';
import { createTestServer, dataDir, query, queryData, recordIds, type GraphQLResponse } from './helpers.js';

type PersonData = z.input<typeof personSchema>;
type OrganizationData = z.input<typeof organizationSchema>;
type CountryData = z.input<typeof countrySchema>;
type EventData = z.input<typeof eventSchema>;
type StatementData = z.input<typeof statementSchema>;
type SourceData = z.input<typeof sourceSchema>;

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
let persons: PersonData[];
let organizations: OrganizationData[];
let countries: CountryData[];
let events: EventData[];
let statements: StatementData[];
let sourceText: string;

beforeAll(async () => {
  yoga = await createTestServer();
  [persons, organizations, countries, events, statements] = await Promise.all([
    readData<PersonData>('persons.json'),
    readData<OrganizationData>('organizations.json'),
    readData<CountryData>('countries.json'),
    readData<EventData>('events.json'),
    readStatementsInSourceOrder(),
  ]);
  const [source] = await readData<SourceData>('sources.json');
  sourceText = source!.text;
});

function personData(id: string): PersonData {
  const person = persons.find((p) => p.id === id);
  if (!person) throw new Error(`no person "${id}" in persons.json`);
  return person;
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

describeRootConnection('persons', () => persons.map((p) => p.id));

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

describeLookups({ field: 'person', typename: 'Person', connection: 'persons', expectedIds: () => persons.map((p) => p.id), otherConnection: 'countries' });

describe('Query.node', () => {
  it('gives BAD_USER_INPUT for a malformed id', async () => {
    expectFieldError(await query(yoga, '{ node(id: "not a global id") { id } }'), 'node', 'BAD_USER_INPUT');
  });

  it('gives null, without an error, for a well-formed id that names nothing', async () => {
    const kerry = (await globalIds('persons')).get('john-kerry');
    for (const decoded of ['Person:no-such-person', 'Person:canada', 'Unknown:thing']) {
      const missing = Buffer.from(decoded, 'utf8').toString('base64url');
      const result = await query(yoga, 'query ($id: ID!, $ids: [ID!]!) { node(id: $id) { id } nodes(ids: $ids) { id } }', {
        id: missing,
        ids: [kerry, missing],
      });
      expect(result.errors, decoded).toBeUndefined();
      expect(result.data, decoded).toEqual({ node: null, nodes: [{ id: kerry }, null] });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

const personFields = `
  slug name displayName isNamed aliases description
  roles {
    title statedAs inferred note
    person { slug }
    organization { slug name }
    country { slug name }
    start { value } end { value }
    evidence { text start end source { slug } }
  }
`;

async function fetchPerson(slug: string) {
  const data = await queryData(yoga, `query ($slug: String) { person(slug: $slug) { ${personFields} } }`, { slug });
  return data.person;
}

function displayNameOf(person: PersonData): string {
  return person.name ?? person.label!;
}

describe('Person fields', () => {
  it('serves the name, label, aliases and description of every person', async () => {
    for (const person of persons) {
      expect(await fetchPerson(person.id)).toMatchObject({
        slug: person.id,
        name: person.name,
        displayName: displayNameOf(person),
        isNamed: person.name !== null,
        aliases: person.aliases ?? [],
        description: person.description,
      });
    }
  });

  it('serves every role as the data states it', async () => {
    const named = (records: { id: string; name: string }[], id: string | undefined) => (id ? { slug: id, name: records.find((r) => r.id === id)!.name } : null);
    for (const person of persons) {
      const served = await fetchPerson(person.id);
      expect(served.roles).toEqual(
        (person.roles ?? []).map((role) => ({
          title: role.title,
          statedAs: role.statedAs ?? null,
          inferred: role.inferred ?? false,
          note: role.note ?? null,
          person: { slug: person.id },
          organization: named(organizations, role.organizationId),
          country: named(countries, role.countryId),
          start: role.start ? { value: role.start.value } : null,
          end: role.end ? { value: role.end.value } : null,
          evidence: { text: role.evidence.text, start: role.evidence.start, end: role.evidence.end, source: { slug: role.evidence.sourceId } },
        })),
      );
      for (const role of served.roles) {
        expect(sourceText.slice(role.evidence.start, role.evidence.end)).toBe(role.evidence.text);
      }
    }
  });

  it('knows Kerry as Secretary of State at the State Department', async () => {
    const kerry = await fetchPerson('john-kerry');
    expect(kerry.roles).toHaveLength(1);
    expect(kerry.roles[0]).toMatchObject({
      title: 'Secretary of State',
      organization: { slug: 'state-department', name: 'State Department' },
      country: { slug: 'united-states', name: 'United States' },
      evidence: { text: 'Secretary of State John Kerry' },
    });
    expect(sourceText).toContain('Secretary of State John Kerry');
  });

  it('knows Stoltenberg as NATO Secretary General', async () => {
    const stoltenberg = await fetchPerson('jens-stoltenberg');
    expect(stoltenberg.roles).toEqual([
      expect.objectContaining({
        title: 'Secretary General',
        statedAs: 'NATO Secretary General',
        organization: { slug: 'nato', name: 'NATO' },
        country: null,
        inferred: false,
        evidence: expect.objectContaining({ text: 'NATO Secretary General Jens Stoltenberg' }),
      }),
    ]);
  });

  it('knows Trudeau as the "new Prime Minister" of Canada, the country being inferred', async () => {
    const trudeau = await fetchPerson('justin-trudeau');
    expect(trudeau.roles).toEqual([
      expect.objectContaining({
        title: 'Prime Minister',
        statedAs: 'new Prime Minister',
        country: { slug: 'canada', name: 'Canada' },
        organization: null,
        inferred: true,
        note: expect.stringContaining('Canada'),
        evidence: expect.objectContaining({ text: 'new Prime Minister Justin Trudeau' }),
      }),
    ]);
  });

  it('lists what each person said, in source order, paging like any connection', async () => {
    for (const person of persons) {
      const data = await queryData(
        yoga,
        'query ($slug: String) { person(slug: $slug) { statements(first: 100) { totalCount edges { node { slug speaker { slug } } } } } }',
        { slug: person.id },
      );
      const expected = statements.filter((s) => s.speakerId === person.id).map((s) => s.id);
      expect(data.person.statements.totalCount).toBe(expected.length);
      expect(slugsOf(data.person.statements)).toEqual(expected);
      for (const { node } of data.person.statements.edges) expect(node.speaker).toEqual({ slug: person.id });
    }
  });

  it('pages through Stoltenberg’s statements with first/after', async () => {
    const expected = statements.filter((s) => s.speakerId === 'jens-stoltenberg').map((s) => s.id);
    expect(expected.length).toBeGreaterThan(3);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const data: { person: { statements: Page } } = await queryData(
        yoga,
        `query ($after: String) { person(slug: "jens-stoltenberg") { statements(first: 3, after: $after) {
          totalCount edges { cursor node { slug } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`,
        { after },
      );
      const page = data.person.statements;
      expect(page.totalCount).toBe(expected.length);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...slugsOf(page));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after !== null);
    expect(seen).toEqual(expected);
  });

  it('lists the statements that mention each person, each once', async () => {
    for (const person of persons) {
      const data = await queryData(yoga, 'query ($slug: String) { person(slug: $slug) { mentionedIn(first: 100) { totalCount edges { node { slug } } } } }', {
        slug: person.id,
      });
      const expected = statements.filter((s) => (s.mentions ?? []).some((m) => m.entityId === person.id)).map((s) => s.id);
      expect(data.person.mentionedIn.totalCount).toBe(expected.length);
      expect(slugsOf(data.person.mentionedIn)).toEqual(expected);
    }
    // "The secretary made clear …": Kirby's words refer to Kerry.
    const kerry = await queryData(yoga, '{ person(slug: "john-kerry") { mentionedIn(first: 100) { edges { node { slug } } } } }');
    expect(slugsOf(kerry.person.mentionedIn)).toContain('kirby-secretary-urging-allies');
  });

  it('lists the statements each person relayed for someone else', async () => {
    for (const person of persons) {
      const data = await queryData(yoga, 'query ($slug: String) { person(slug: $slug) { relayedStatements(first: 100) { edges { node { slug } } } } }', {
        slug: person.id,
      });
      const expected = statements.filter((s) => s.relayedById === person.id).map((s) => s.id);
      expect(slugsOf(data.person.relayedStatements)).toEqual(expected);
    }
  });

  it('lists the events each person took part in, with the part', async () => {
    for (const person of persons) {
      const data = await queryData(
        yoga,
        `query ($slug: String) { person(slug: $slug) { participations {
          role inferred note event { slug } participant { __typename ... on Person { slug } } evidence { text }
        } } }`,
        { slug: person.id },
      );
      const expected = events.flatMap((event) =>
        (event.participants ?? [])
          .filter((p) => p.entityId === person.id)
          .map((p) => ({
            role: p.role,
            inferred: p.inferred ?? false,
            note: p.note ?? null,
            event: { slug: event.id },
            participant: { __typename: 'Person', slug: person.id },
            evidence: { text: p.evidence.text },
          })),
      );
      expect(data.person.participations).toEqual(expected);
    }
    const kerry = await queryData(yoga, '{ person(slug: "john-kerry") { participations { event { slug } } } }');
    expect(kerry.person.participations.map((p: { event: { slug: string } }) => p.event.slug)).toEqual(
      expect.arrayContaining(['nato-foreign-ministers-meeting', 'kerry-gentiloni-meeting', 'kerry-dion-discussion', 'kerry-cavusoglu-discussion']),
    );
  });
});

describe('the unnamed State Department official', () => {
  const slug = 'state-department-official';

  it('is a person with no name, isNamed false and a display name', async () => {
    const official = personData(slug);
    expect(official.name).toBeNull();
    const served = await fetchPerson(slug);
    expect(served).toMatchObject({ name: null, isNamed: false, displayName: official.label });
    expect(served.displayName).toMatch(/State Department official/);
    expect(served.roles.map((r: { organization: { slug: string } | null }) => r.organization?.slug)).toEqual(['state-department']);
  });

  it('has statements that are findable and attributed to the unnamed person, not to anyone named', async () => {
    const expected = statements.filter((s) => s.speakerId === slug).map((s) => s.id);
    expect(expected.length).toBeGreaterThan(0);

    const data = await queryData(yoga, `{ person(slug: "${slug}") { statements { edges { node { slug text speaker { slug name isNamed displayName } } } } } }`);
    expect(slugsOf(data.person.statements)).toEqual(expected);
    for (const { node } of data.person.statements.edges) {
      expect(node.speaker).toEqual({ slug, name: null, isNamed: false, displayName: personData(slug).label });
    }
    // The quote the article gives the official.
    const quote = data.person.statements.edges.map((e: { node: { text: string } }) => e.node.text).find((t: string) => t.startsWith('make the case'));
    expect(sourceText).toContain(`a State Department official reportedly told some reporters that Kerry would “${quote}”`);

    const everyone = await queryData(yoga, '{ persons(first: 100) { edges { node { slug isNamed statements(first: 100) { edges { node { slug } } } } } } }');
    for (const { node } of everyone.persons.edges) {
      if (!node.isNamed) continue;
      const theirs = slugsOf(node.statements);
      for (const id of expected) expect(theirs).not.toContain(id);
    }
  });
});
