/** Person: the root connection, the lookups, and every field checked against the fixture dataset (test/fixtures/dataset) and the article. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { countrySchema, eventSchema, organizationSchema, personSchema, sourceSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { describeRootCollection, rootCollections, expectFieldError, globalIds, readData, readStatementsInSourceOrder, slugsOf, type Page } from './contract.js';
import { createTestServer, query, queryData } from './helpers.js';

type PersonData = z.input<typeof personSchema>;
type OrganizationData = z.input<typeof organizationSchema>;
type CountryData = z.input<typeof countrySchema>;
type EventData = z.input<typeof eventSchema>;
type StatementData = z.input<typeof statementSchema>;
type SourceData = z.input<typeof sourceSchema>;

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

// ---------------------------------------------------------------------------------------------
// Root connection and lookups: the contract every root collection keeps (test/contract.ts)
// ---------------------------------------------------------------------------------------------

describeRootCollection(rootCollections.Person);

describe('Query.node', () => {
  it('gives BAD_USER_INPUT for a malformed id', async () => {
    expectFieldError(await query(yoga, '{ node(id: "not a global id") { id } }'), 'node', 'BAD_USER_INPUT');
  });

  it('gives null, without an error, for a well-formed id that names nothing', async () => {
    const kerry = (await globalIds(yoga, 'persons')).get('john-kerry');
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

const evidenceFields = 'text start end source { slug }';
const provenanceFields = `evidence { ${evidenceFields} } inferred note sourceCount sources { slug }`;

const personFields = `
  slug name displayName isNamed aliases description
  nameProvenance { ${provenanceFields} }
  roles {
    title statedAs inferred note
    person { slug }
    organization { slug name }
    country { slug name }
    start { value } end { value }
    evidence { ${evidenceFields} }
    provenance { ${provenanceFields} }
  }
`;

type EvidenceData = { sourceId: string; start: number; end: number; text: string };

function servedEvidence(evidence: EvidenceData) {
  return { text: evidence.text, start: evidence.start, end: evidence.end, source: { slug: evidence.sourceId } };
}

/** A link's provenance as the server should serve it for `provenanceFields`. */
function servedProvenance(link: { evidence: EvidenceData[]; inferred?: boolean; note?: string }) {
  const sourceIds = [...new Set(link.evidence.map((evidence) => evidence.sourceId))];
  return {
    evidence: link.evidence.map(servedEvidence),
    inferred: link.inferred ?? false,
    note: link.note ?? null,
    sourceCount: sourceIds.length,
    sources: sourceIds.map((slug) => ({ slug })),
  };
}

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
        nameProvenance: person.nameProvenance ? servedProvenance(person.nameProvenance) : null,
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
          // The deprecated single span answers from the first span, for old clients.
          evidence: servedEvidence(role.evidence[0]!),
          provenance: servedProvenance(role),
        })),
      );
      for (const role of served.roles) {
        expect(role.provenance.evidence.length).toBeGreaterThan(0);
        for (const evidence of role.provenance.evidence) expect(sourceText.slice(evidence.start, evidence.end)).toBe(evidence.text);
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
      provenance: { evidence: [expect.objectContaining({ text: 'Secretary of State John Kerry' })], sourceCount: 1, sources: [{ slug: 'kerry-to-nato-ante-up' }] },
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
      const expected = statements.filter((s) => s.reports.some((report) => !report.retracted && report.relayedBy?.entityId === person.id)).map((s) => s.id);
      expect(slugsOf(data.person.relayedStatements)).toEqual(expected);
    }
  });

  it('lists the events each person took part in, with the part', async () => {
    for (const person of persons) {
      const data = await queryData(
        yoga,
        `query ($slug: String) { person(slug: $slug) { participations {
          role inferred note event { slug } participant { __typename ... on Person { slug } } evidence { text }
          provenance { evidence { text } inferred note }
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
            evidence: { text: p.evidence[0]!.text },
            provenance: { evidence: p.evidence.map((e) => ({ text: e.text })), inferred: p.inferred ?? false, note: p.note ?? null },
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
