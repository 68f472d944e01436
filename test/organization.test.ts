/** Organization: the root connection, the lookups, and every field checked against the fixture dataset (test/fixtures/dataset) and the article. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { eventSchema, evidenceSchema, organizationSchema, personSchema, sourceSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { describeRootCollection, rootCollections, readData, readStatementsInSourceOrder, slugsOf } from './contract.js';
import { createTestServer, queryData } from './helpers.js';

type OrganizationData = z.input<typeof organizationSchema>;
type PersonData = z.input<typeof personSchema>;
type EventData = z.input<typeof eventSchema>;
type StatementData = z.input<typeof statementSchema>;
type SourceData = z.input<typeof sourceSchema>;
type EvidenceData = z.input<typeof evidenceSchema>;

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

/** A link's provenance as the server serves it for `provenanceFields`. */
function servedProvenance(link: { evidence: EvidenceData[]; inferred?: boolean; note?: string }) {
  return {
    evidence: link.evidence.map(servedEvidence),
    inferred: link.inferred ?? false,
    note: link.note ?? null,
    sourceCount: new Set(link.evidence.map((e) => e.sourceId)).size,
  };
}

// ---------------------------------------------------------------------------------------------
// Root connection and lookups: the contract every root collection keeps (test/contract.ts)
// ---------------------------------------------------------------------------------------------

describeRootCollection(rootCollections.Organization);

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

const evidenceFields = 'evidence { text start end source { slug } }';
const provenanceFields = `provenance { ${evidenceFields} inferred note sourceCount }`;

async function fetchOrganization(slug: string, selection: string) {
  const data = await queryData(yoga, `query ($slug: String) { organization(slug: $slug) { ${selection} } }`, { slug });
  return data.organization;
}

describe('Organization fields', () => {
  it('serves the name, kind, aliases, description, links and evidence of every organization', async () => {
    for (const organization of organizations) {
      const served = await fetchOrganization(
        organization.id,
        `slug name displayName kind aliases description parent { slug } country { slug } children { slug } ${evidenceFields}
        parentProvenance { ${evidenceFields} inferred note sourceCount } countryProvenance { ${evidenceFields} inferred note sourceCount }`,
      );
      expect(served).toEqual({
        slug: organization.id,
        name: organization.name,
        displayName: organization.name,
        kind: organization.kind,
        aliases: organization.aliases ?? [],
        description: organization.description,
        parent: organization.parent ? { slug: organization.parent.organizationId } : null,
        country: organization.country ? { slug: organization.country.countryId } : null,
        children: organizations.filter((o) => o.parent?.organizationId === organization.id).map((o) => ({ slug: o.id })),
        evidence: (organization.evidence ?? []).map(servedEvidence),
        parentProvenance: organization.parent ? servedProvenance(organization.parent) : null,
        countryProvenance: organization.country ? servedProvenance(organization.country) : null,
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

  it('knows the State Department is the United States\' only by inference, and says so', async () => {
    const served = await fetchOrganization('state-department', 'country { slug } countryProvenance { evidence { text } inferred note sourceCount sources { slug } }');
    expect(served).toEqual({
      country: { slug: 'united-states' },
      countryProvenance: { evidence: [], inferred: true, note: expect.stringMatching(/\S/), sourceCount: 0, sources: [] },
    });
  });

  it('states 28 members for NATO and 65 for the coalition, with the words that say so', async () => {
    // `evidence` is deprecated but still answers old clients, with the first span of the provenance.
    const stated = async (slug: string) => (await fetchOrganization(slug, `statedMemberCount { count ${evidenceFields} ${provenanceFields} }`)).statedMemberCount;
    for (const [slug, count] of [['nato', 28], ['coalition-against-islamic-state', 65]] as const) {
      const served = await stated(slug);
      const link = organizationData(slug).statedMemberCount!;
      expect(served).toEqual({ count, evidence: servedEvidence(link.evidence[0]!), provenance: servedProvenance(link) });
      expect(served.provenance.evidence).toHaveLength(1);
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
        `members { organization { slug } country { slug } role inferred note start { value } end { value } ${provenanceFields} }`,
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
          provenance: servedProvenance(m),
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
        'participations { event { slug } participant { __typename ... on Organization { slug } } role inferred note provenance { evidence { text } } }',
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
            provenance: { evidence: p.evidence.map((e) => ({ text: e.text })) },
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
      const relayed = statements.filter((s) => s.reports.some((r) => r.relayedBy?.entityId === organization.id)).map((s) => s.id);
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
