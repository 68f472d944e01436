/** Country: the root connection, the lookups (slug, id, ISO code), and every field checked against data/*.json. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { countrySchema, eventSchema, organizationSchema, personSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/yoga.js';
import { createTestServer, dataDir, query, queryData, recordIds, type GraphQLResponse } from './helpers.js';

type CountryData = z.input<typeof countrySchema>;
type PersonData = z.input<typeof personSchema>;
type OrganizationData = z.input<typeof organizationSchema>;
type EventData = z.input<typeof eventSchema>;
type StatementData = z.input<typeof statementSchema>;

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
let countries: CountryData[];
let persons: PersonData[];
let organizations: OrganizationData[];
let events: EventData[];
let statements: StatementData[];

beforeAll(async () => {
  yoga = await createTestServer();
  [countries, persons, organizations, events, statements] = await Promise.all([
    readData<CountryData>('countries.json'),
    readData<PersonData>('persons.json'),
    readData<OrganizationData>('organizations.json'),
    readData<EventData>('events.json'),
    readStatementsInSourceOrder(),
  ]);
});

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

describeRootConnection('countries', () => countries.map((c) => c.id));

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

describeLookups({ field: 'country', typename: 'Country', connection: 'countries', expectedIds: () => countries.map((c) => c.id), otherConnection: 'persons' });

describe('Query.country(isoCode:)', () => {
  const byIsoCode = (isoCode: string) => query(yoga, 'query ($isoCode: String) { country(isoCode: $isoCode) { slug } }', { isoCode });

  it('finds every country by its alpha-2 and alpha-3 code, in any case', async () => {
    const mixedCase = (code: string) => code[0]!.toLowerCase() + code.slice(1);
    for (const country of countries) {
      for (const code of [country.isoAlpha2, country.isoAlpha3]) {
        for (const variant of [code, code.toLowerCase(), mixedCase(code)]) {
          const result = await byIsoCode(variant);
          expect(result.errors, variant).toBeUndefined();
          expect(result.data?.country, variant).toEqual({ slug: country.id });
        }
      }
    }
  });

  it('finds Canada by "can", "CAN", "ca" and "Ca"', async () => {
    for (const code of ['can', 'CAN', 'ca', 'Ca']) {
      expect((await byIsoCode(code)).data?.country).toEqual({ slug: 'canada' });
    }
  });

  it('gives NOT_FOUND for a code no country has', async () => {
    for (const code of ['zz', 'ZZZ', '', 'canada']) expectFieldError(await byIsoCode(code), 'country', 'NOT_FOUND');
  });

  it('gives BAD_USER_INPUT when isoCode comes with a slug or an id', async () => {
    const id = (await globalIds('countries')).get('canada');
    expectFieldError(await query(yoga, '{ country(isoCode: "CA", slug: "canada") { slug } }'), 'country', 'BAD_USER_INPUT');
    expectFieldError(await query(yoga, 'query ($id: ID) { country(isoCode: "CA", id: $id) { slug } }', { id }), 'country', 'BAD_USER_INPUT');
  });
});

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

async function fetchCountry(slug: string, selection: string) {
  const data = await queryData(yoga, `query ($slug: String) { country(slug: $slug) { ${selection} } }`, { slug });
  return data.country;
}

describe('Country fields', () => {
  it('serves the name, codes, aliases and description of every country', async () => {
    for (const country of countries) {
      expect(await fetchCountry(country.id, 'slug name displayName isoCode isoAlpha3 aliases description')).toEqual({
        slug: country.id,
        name: country.name,
        displayName: country.name,
        isoCode: country.isoAlpha2,
        isoAlpha3: country.isoAlpha3,
        aliases: country.aliases ?? [],
        description: country.description,
      });
    }
  });

  it('lists the memberships the organizations record for each country', async () => {
    for (const country of countries) {
      const served = await fetchCountry(country.id, 'memberships { organization { slug } country { slug } role inferred note evidence { text } }');
      const expected = organizations.flatMap((organization) =>
        (organization.memberships ?? [])
          .filter((m) => m.countryId === country.id)
          .map((m) => ({
            organization: { slug: organization.id },
            country: { slug: country.id },
            role: m.role ?? null,
            inferred: m.inferred ?? false,
            note: m.note ?? null,
            evidence: { text: m.evidence.text },
          })),
      );
      expect(served.memberships).toEqual(expected);
    }
  });

  it('knows Turkey is a stated NATO member and the U.S. leads the coalition', async () => {
    const turkey = await fetchCountry('turkey', 'memberships { organization { slug } inferred evidence { text } }');
    expect(turkey.memberships).toEqual([{ organization: { slug: 'nato' }, inferred: false, evidence: { text: 'Turkey, a NATO member' } }]);
    const us = await fetchCountry('united-states', 'memberships { organization { slug } role inferred }');
    expect(us.memberships).toContainEqual({ organization: { slug: 'coalition-against-islamic-state' }, role: 'leader', inferred: false });
    expect(us.memberships).toContainEqual({ organization: { slug: 'nato' }, role: null, inferred: true });
  });

  it('lists the roles held for each country and the people holding them, each once', async () => {
    for (const country of countries) {
      const served = await fetchCountry(country.id, 'roles { title statedAs person { slug } country { slug } } people { slug }');
      const holdings = persons.flatMap((person) => (person.roles ?? []).filter((r) => r.countryId === country.id).map((role) => ({ person, role })));
      expect(served.roles).toEqual(
        holdings.map(({ person, role }) => ({ title: role.title, statedAs: role.statedAs ?? null, person: { slug: person.id }, country: { slug: country.id } })),
      );
      expect(served.people).toEqual([...new Set(holdings.map(({ person }) => person.id))].map((slug) => ({ slug })));
    }
  });

  it('knows who holds office for the United States and for Canada', async () => {
    const slugs = async (country: string) => (await fetchCountry(country, 'people { slug }')).people.map((p: { slug: string }) => p.slug);
    expect(await slugs('united-states')).toEqual(['john-kerry', 'john-kirby', 'state-department-official', 'barack-obama']);
    expect(await slugs('canada')).toEqual(['justin-trudeau', 'stephane-dion']);
    const canada = await fetchCountry('canada', 'roles { title statedAs person { name } }');
    expect(canada.roles).toContainEqual({ title: 'Prime Minister', statedAs: 'new Prime Minister', person: { name: 'Justin Trudeau' } });
  });

  it('lists the national organizations of each country', async () => {
    for (const country of countries) {
      const served = await fetchCountry(country.id, 'organizations { slug country { slug } }');
      expect(served.organizations).toEqual(
        organizations.filter((o) => o.countryId === country.id).map((o) => ({ slug: o.id, country: { slug: country.id } })),
      );
    }
    expect((await fetchCountry('united-states', 'organizations { slug }')).organizations).toEqual([{ slug: 'state-department' }]);
  });

  it('lists the events located in each country, each once', async () => {
    for (const country of countries) {
      const served = await fetchCountry(country.id, 'events(first: 100) { totalCount edges { node { slug } } }');
      const expected = events.filter((e) => (e.locations ?? []).some((l) => l.countryId === country.id)).map((e) => e.id);
      expect(served.events.totalCount).toBe(expected.length);
      expect(slugsOf(served.events)).toEqual(expected);
    }
  });

  it('places the NATO meeting in Belgium and the Paris attacks in France', async () => {
    const belgium = await fetchCountry('belgium', 'events { edges { node { slug location { city country { slug } evidence { text } } } } }');
    expect(belgium.events.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { slug: 'nato-foreign-ministers-meeting', location: { city: 'Brussels', country: { slug: 'belgium' }, evidence: { text: 'Brussels, Belgium' } } },
    ]);
    const france = await fetchCountry('france', 'events { edges { node { slug location { city inferred } } } }');
    expect(france.events.edges.map((e: { node: unknown }) => e.node)).toEqual([{ slug: 'paris-attacks', location: { city: 'Paris', inferred: true } }]);
  });

  it('lists the events each country took part in, with its part', async () => {
    for (const country of countries) {
      const served = await fetchCountry(
        country.id,
        'participations { event { slug } participant { __typename ... on Country { slug } } role inferred note evidence { text } }',
      );
      const expected = events.flatMap((event) =>
        (event.participants ?? [])
          .filter((p) => p.entityId === country.id)
          .map((p) => ({
            event: { slug: event.id },
            participant: { __typename: 'Country', slug: country.id },
            role: p.role,
            inferred: p.inferred ?? false,
            note: p.note ?? null,
            evidence: { text: p.evidence.text },
          })),
      );
      expect(served.participations).toEqual(expected);
    }
    const canada = await fetchCountry('canada', 'participations { event { slug } role }');
    expect(canada.participations).toContainEqual({ event: { slug: 'coalition-bombing-campaign' }, role: 'withdrawing its jets' });
  });

  it('lists the statements that mention each country, each once', async () => {
    for (const country of countries) {
      const served = await fetchCountry(country.id, 'mentionedIn(first: 100) { totalCount edges { node { slug } } }');
      const expected = statements.filter((s) => (s.mentions ?? []).some((m) => m.entityId === country.id)).map((s) => s.id);
      expect(served.mentionedIn.totalCount).toBe(expected.length);
      expect(slugsOf(served.mentionedIn)).toEqual(expected);
    }
  });
});
