/** Country: the root connection, the lookups (slug, id, ISO code), and every field checked against the fixture dataset (test/fixtures/dataset). */
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { countrySchema, eventSchema, organizationSchema, personSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { describeRootCollection, rootCollections, expectFieldError, globalIds, readData, readStatementsInSourceOrder, slugsOf } from './contract.js';
import { createTestServer, query, queryData } from './helpers.js';

type CountryData = z.input<typeof countrySchema>;
type PersonData = z.input<typeof personSchema>;
type OrganizationData = z.input<typeof organizationSchema>;
type EventData = z.input<typeof eventSchema>;
type StatementData = z.input<typeof statementSchema>;

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

// ---------------------------------------------------------------------------------------------
// Root connection and lookups: the contract every root collection keeps (test/contract.ts)
// ---------------------------------------------------------------------------------------------

describeRootCollection(rootCollections.Country);

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
    const id = (await globalIds(yoga, 'countries')).get('canada');
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
      const served = await fetchCountry(country.id, 'memberships { organization { slug } country { slug } role inferred note provenance { evidence { text } inferred note } }');
      const expected = organizations.flatMap((organization) =>
        (organization.memberships ?? [])
          .filter((m) => m.countryId === country.id)
          .map((m) => ({
            organization: { slug: organization.id },
            country: { slug: country.id },
            role: m.role ?? null,
            inferred: m.inferred ?? false,
            note: m.note ?? null,
            provenance: { evidence: m.evidence.map((e) => ({ text: e.text })), inferred: m.inferred ?? false, note: m.note ?? null },
          })),
      );
      expect(served.memberships).toEqual(expected);
    }
  });

  it('knows Turkey is a stated NATO member and the U.S. leads the coalition', async () => {
    // `evidence` is deprecated but still answers old clients, with the first span of the provenance.
    const turkey = await fetchCountry('turkey', 'memberships { organization { slug } inferred evidence { text } provenance { evidence { text } } }');
    expect(turkey.memberships).toEqual([
      { organization: { slug: 'nato' }, inferred: false, evidence: { text: 'Turkey, a NATO member' }, provenance: { evidence: [{ text: 'Turkey, a NATO member' }] } },
    ]);
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
        organizations.filter((o) => o.country?.countryId === country.id).map((o) => ({ slug: o.id, country: { slug: country.id } })),
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
    const belgium = await fetchCountry('belgium', 'events { edges { node { slug location { city country { slug } provenance { evidence { text } } } } } }');
    expect(belgium.events.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { slug: 'nato-foreign-ministers-meeting', location: { city: 'Brussels', country: { slug: 'belgium' }, provenance: { evidence: [{ text: 'Brussels, Belgium' }] } } },
    ]);
    const france = await fetchCountry('france', 'events { edges { node { slug location { city inferred } } } }');
    expect(france.events.edges.map((e: { node: unknown }) => e.node)).toEqual([{ slug: 'paris-attacks', location: { city: 'Paris', inferred: true } }]);
  });

  it('lists the events each country took part in, with its part', async () => {
    for (const country of countries) {
      const served = await fetchCountry(
        country.id,
        'participations { event { slug } participant { __typename ... on Country { slug } } role inferred note provenance { evidence { text } } }',
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
            provenance: { evidence: p.evidence.map((e) => ({ text: e.text })) },
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
