/**
 * Curating through the API: a curator adds the knowledge of a second article with mutations alone and
 * it is served at once; each kind of bad change gets its own code and changes nothing on disk;
 * revisions refuse stale updates; retraction keeps history while default queries hide it; and the
 * response cache never serves data older than an acknowledged change.
 *
 * The second article (test/fixtures/curation/fictional-article.txt) is fictional text written for this
 * test; it is never part of data/.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { dataFiles } from '../src/kb/records.js';
import { createCurationTestServer, mutate, projectRoot, query, type CurationTestServer } from './helpers.js';
import { storeUnderTest } from './store-under-test.js';

let server: CurationTestServer;
let articleText: string;

async function dataFileContents(): Promise<string[]> {
  const dir = await server.written();
  return Promise.all(Object.values(dataFiles).map(({ file }) => readFile(path.join(dir, file), 'utf8')));
}

/** Runs a mutation that must succeed; returns its data. */
async function change(document: string, variables?: Record<string, unknown>) {
  const result = await mutate(server.yoga, document, variables);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  expect(result.status).toBe(200);
  return result.data;
}

/** Runs a mutation that must be refused with `code`; checks the files did not change. Returns the error. */
async function refused(document: string, code: string, variables?: Record<string, unknown>) {
  const before = await dataFileContents();
  const versionBefore = (await query(server.yoga, '{ dataset { version } }')).data.dataset.version;
  const result = await mutate(server.yoga, document, variables);
  expect(result.errors?.map((error) => error.extensions?.code), JSON.stringify(result.errors)).toEqual([code]);
  expect(await dataFileContents()).toEqual(before);
  expect((await query(server.yoga, '{ dataset { version } }')).data.dataset.version).toBe(versionBefore);
  return result.errors![0]!;
}

beforeAll(async () => {
  server = await createCurationTestServer();
  articleText = await readFile(path.join(projectRoot, 'test/fixtures/curation/fictional-article.txt'), 'utf8');
});

afterAll(() => server.close());

describe('adding a second article with mutations alone', () => {
  it('adds the source with its exact text', async () => {
    const data = await change(
      `mutation($input: CreateSourceInput!) { createSource(input: $input) { source { slug title revision text language publishedOn { value precision } } datasetVersion } }`,
      { input: { slug: 'examplia-talks', title: 'Examplian minister urges calm after border talks', text: articleText, language: 'en', publishedOn: { value: '2016-03', precision: 'MONTH' } } },
    );
    expect(data.createSource.source).toEqual({
      slug: 'examplia-talks',
      title: 'Examplian minister urges calm after border talks',
      revision: 1,
      text: articleText,
      language: 'en',
      publishedOn: { value: '2016-03', precision: 'MONTH' },
    });
  });

  it('adds a country, an organization, a person with a role, an event and a statement, anchoring every quote', async () => {
    const country = await change(`mutation { createCountry(input: { slug: "examplia", name: "Examplia", description: "A country in the fictional test article.", isoCode: "XE", isoAlpha3: "XEX",
      evidence: [{ source: "examplia-talks", quote: "Examplia", occurrence: 1 }] }) { country { slug evidence { start text } } } }`);
    // "Examplia" first occurs inside "Examplian"; occurrence 1 is that one, at its offset.
    expect(country.createCountry.country.evidence).toEqual([{ start: articleText.indexOf('Examplia'), text: 'Examplia' }]);
    await change(`mutation { createOrganization(input: { slug: "coastal-council", name: "Coastal Council", kind: INTERGOVERNMENTAL_FORUM, description: "A council in the fictional test article.",
      memberships: [{ country: "examplia", evidence: { source: "examplia-talks", quote: "Coastal Council said" } }],
      evidence: [{ source: "examplia-talks", quote: "Coastal Council said" }] }) { organization { slug } } }`);
    const person = await change(`mutation { createPerson(input: { name: "Jane Doe", aliases: ["Doe"], description: "Examplian Foreign Minister.",
      roles: [{ title: "Foreign Minister", country: "examplia", evidence: { source: "examplia-talks", quote: "Examplian Foreign Minister Jane Doe" } }] })
      { person { slug revision roles { title position country { slug } provenance { evidence { start end text source { slug } } inferred note } } } } }`);
    const roleStart = articleText.indexOf('Examplian Foreign Minister Jane Doe');
    expect(person.createPerson.person).toEqual({
      slug: 'jane-doe',
      revision: 1,
      roles: [
        {
          title: 'Foreign Minister',
          position: 0,
          country: { slug: 'examplia' },
          provenance: { evidence: [{ start: roleStart, end: roleStart + 35, text: 'Examplian Foreign Minister Jane Doe', source: { slug: 'examplia-talks' } }], inferred: false, note: null },
        },
      ],
    });
    await change(`mutation { createEvent(input: { slug: "valdora-talks", name: "Valdora border talks", kind: MEETING, description: "Talks in Valdora.",
      start: { value: "2016-03", precision: MONTH },
      locations: [{ city: "Valdora", country: "examplia", evidence: { source: "examplia-talks", quote: "the meeting in Valdora" } }],
      participants: [{ participant: "jane-doe", role: "host", evidence: { source: "examplia-talks", quote: "Doe told reporters" } }],
      evidence: [{ source: "examplia-talks", quote: "the meeting in Valdora" }] }) { event { slug } } }`);
    const statement = await change(`mutation { createStatement(input: { slug: "doe-keep-talking", kind: QUOTE,
      words: { source: "examplia-talks", quote: "We will keep talking, because the alternative is worse," },
      speaker: "jane-doe", attribution: { quote: "Doe told reporters" }, saidAtEvent: "valdora-talks",
      mentions: [{ entity: "valdora-talks", quote: "talking" }] })
      { statement { slug text revision speaker { slug } event { slug } evidence { start end } sourceCount sources { slug }
        reports { position text source { slug } evidence { start end } attribution { text } hedge { text } relayedBy { __typename } }
        saidAt { event { slug } provenance { evidence { text } inferred note } }
        mentions { entity { slug } provenance { evidence { start text } inferred } } } } }`);
    const words = 'We will keep talking, because the alternative is worse,';
    const wordsStart = articleText.indexOf(words);
    const wordsSpan = { start: wordsStart, end: wordsStart + words.length };
    expect(statement.createStatement.statement).toMatchObject({
      slug: 'doe-keep-talking',
      text: words,
      revision: 1,
      speaker: { slug: 'jane-doe' },
      // Deprecated, for old clients: the words of the first report.
      evidence: wordsSpan,
      event: { slug: 'valdora-talks' },
      // One source so far: one report, with the words, the attribution and no hedge or relayer.
      sourceCount: 1,
      sources: [{ slug: 'examplia-talks' }],
      reports: [{ position: 0, text: words, source: { slug: 'examplia-talks' }, evidence: wordsSpan, attribution: { text: 'Doe told reporters' }, hedge: null, relayedBy: null }],
      // The event was named without quoted words: the link is inferred until a curator quotes some.
      saidAt: { event: { slug: 'valdora-talks' }, provenance: { evidence: [], inferred: true, note: expect.stringMatching(/\S/) } },
      // "talking" occurs twice in the article ("the talks", "keep talking"): the statement's own words decide.
      mentions: [{ entity: { slug: 'valdora-talks' }, provenance: { evidence: [{ start: articleText.indexOf('talking'), text: 'talking' }], inferred: false } }],
    });
  });

  it('serves the new knowledge at once: lists, relations, search and counts', async () => {
    const result = (
      await query(
        server.yoga,
        `{ source(slug: "examplia-talks") { statements { totalCount nodes: edges { node { slug } } } }
           person(slug: "jane-doe") { statements { edges { node { slug } } } participations { event { slug } role } }
           search(query: "Jane Doe", first: 1) { edges { node { node { ... on Person { slug } } } } }
           quote: search(query: "alternative is worse", types: [STATEMENT]) { edges { node { node { ... on Statement { slug } } } } }
           dataset { counts { sources persons countries organizations events statements } } }`,
      )
    );
    expect(result.errors).toBeUndefined();
    const data = result.data;
    expect(data.source.statements.totalCount).toBe(1);
    expect(data.person.statements.edges).toEqual([{ node: { slug: 'doe-keep-talking' } }]);
    expect(data.person.participations).toEqual([{ event: { slug: 'valdora-talks' }, role: 'host' }]);
    expect(data.search.edges[0].node.node.slug).toBe('jane-doe');
    expect(data.quote.edges[0].node.node.slug).toBe('doe-keep-talking');
    expect(data.dataset.counts).toEqual({ sources: 2, persons: 11, countries: 12, organizations: 7, events: 17, statements: 25 });
  });

  it('wrote exactly what it serves: the files load to the served version', async () => {
    const fromDisk = await loadKnowledgeBase(await server.written());
    // The JSON store's version is its files' digest; PostgreSQL's changes with each write instead.
    if (storeUnderTest === 'memory') expect(fromDisk.info.version).toBe((await query(server.yoga, '{ dataset { version } }')).data.dataset.version);
    expect(fromDisk.storedRecord('doe-keep-talking')).toMatchObject({ revision: 1, speakerId: 'jane-doe', text: 'We will keep talking, because the alternative is worse,' });
  });

  it('quotes words for a link first stated without them: the link is no longer inferred', async () => {
    const data = await change(`mutation { addEvidence(input: { record: "doe-keep-talking", expectedRevision: 1, link: SAID_AT, inferred: false,
      evidence: [{ source: "examplia-talks", quote: "after the meeting in Valdora" }] })
      { record { ... on Statement { revision saidAt { event { slug } provenance { evidence { text } inferred note sourceCount } } } } } }`);
    expect(data.addEvidence.record).toEqual({
      revision: 2,
      saidAt: { event: { slug: 'valdora-talks' }, provenance: { evidence: [{ text: 'after the meeting in Valdora' }], inferred: false, note: null, sourceCount: 1 } },
    });
    expect((await loadKnowledgeBase(await server.written())).storedRecord('doe-keep-talking')).toMatchObject({
      revision: 2,
      saidAt: { eventId: 'valdora-talks', evidence: [{ sourceId: 'examplia-talks', text: 'after the meeting in Valdora' }], inferred: false },
    });
  });

  it('applies several mutations of one request in order, each seeing the ones before', async () => {
    const data = await change(`mutation {
      first: createPerson(input: { slug: "tomas-berg", name: "Tomas Berg", description: "Northland envoy." }) { person { revision } }
      second: addRole(input: { person: "tomas-berg", expectedRevision: 1, role: { title: "Envoy", country: "examplia", statedAs: "envoy", evidence: { source: "examplia-talks", quote: "envoy Tomas Berg" } } })
        { person { revision roles { statedAs } } }
    }`);
    expect(data).toEqual({ first: { person: { revision: 1 } }, second: { person: { revision: 2, roles: [{ statedAs: 'envoy' }] } } });
  });
});

describe('refused changes get their own code and change nothing', () => {
  const addRole = (quote: string, extra = '', organization = 'nato') =>
    `mutation { addRole(input: { person: "john-kerry", expectedRevision: 1, role: { title: "Envoy", organization: "${organization}", evidence: { source: "kerry-to-nato-ante-up", quote: ${JSON.stringify(quote)} ${extra} } } }) { person { revision } } }`;

  it('EVIDENCE_NOT_FOUND for words that are not in the source', async () => {
    const error = await refused(addRole('words the article never prints'), 'EVIDENCE_NOT_FOUND');
    expect(error.message).toBe('role.evidence: "words the article never prints" does not occur in the source text');
  });

  it('EVIDENCE_AMBIGUOUS for words that occur more than once, until occurrence or near decides', async () => {
    const error = await refused(addRole('NATO'), 'EVIDENCE_AMBIGUOUS');
    expect(error.message).toMatch(/^role\.evidence: "NATO" occurs \d+ times \(at .*\); give "occurrence" or quote more surrounding words$/);
  });

  it('UNKNOWN_REFERENCE for a reference that names nothing, with the problem\'s file and path', async () => {
    const error = await refused(addRole('Secretary of State John Kerry', '', 'no-such-organization'), 'UNKNOWN_REFERENCE');
    expect(error.extensions?.problems).toEqual([{ file: 'persons.json', path: '$[0].roles[1].organizationId', message: 'unknown id "no-such-organization" (expected an Organization)' }]);
  });

  it('UNKNOWN_REFERENCE for a reference to a record of the wrong kind', async () => {
    const error = await refused(addRole('Secretary of State John Kerry', '', 'canada'), 'UNKNOWN_REFERENCE');
    expect(error.message).toContain('"canada" is a Country, but this reference must be an Organization');
  });

  it('BAD_USER_INPUT for a global id of another type', async () => {
    const countryId = Buffer.from('Country:canada').toString('base64url');
    await refused(`mutation { updatePerson(input: { person: "${countryId}", expectedRevision: 1, description: "x" }) { person { slug } } }`, 'BAD_USER_INPUT');
  });

  it('DUPLICATE_ID for a slug already taken, by any kind of record', async () => {
    const error = await refused('mutation { createPerson(input: { slug: "nato", name: "N", description: "d" }) { person { slug } } }', 'DUPLICATE_ID');
    expect(error.message).toBe('The id "nato" is already taken by an Organization; give the new record another id');
  });

  it('INVALID_RECORD for a change that breaks another rule, listing the problems', async () => {
    const error = await refused(
      'mutation { createPerson(input: { slug: "no-name", description: "Neither a name nor a label." }) { person { slug } } }',
      'INVALID_RECORD',
    );
    expect(error.extensions?.problems).toEqual([
      { file: 'persons.json', path: expect.stringMatching(/^\$\[\d+\]\.label$/), message: 'an unnamed person (name null) needs a label saying how the source refers to them' },
    ]);
    await refused(
      'mutation { createEvent(input: { name: "Bad date", kind: MEETING, description: "d", start: { value: "2015-02-30", precision: DAY }, evidence: [{ source: "kerry-to-nato-ante-up", quote: "Brussels", occurrence: 1 }] }) { event { slug } } }',
      'INVALID_RECORD',
    );
  });

  it('refuses text no store can hold (a NUL character) at its path, and keeps nothing', async () => {
    const error = await refused('mutation { createPerson(input: { slug: "nul-in-text", name: "Nul Text", description: "A\\u0000B" }) { person { slug } } }', 'INVALID_RECORD');
    expect(error.extensions?.problems).toEqual([
      { file: 'persons.json', path: expect.stringMatching(/^\$\[\d+\]\.description$/), message: 'contains a NUL character (U+0000), which text cannot hold' },
    ]);
    await refused('mutation { updatePerson(input: { person: "nul-in-text", expectedRevision: 1, description: "x" }) { person { slug } } }', 'NOT_FOUND');
  });

  it('NOT_FOUND for a record to change that does not exist', async () => {
    await refused('mutation { updatePerson(input: { person: "nobody-at-all", expectedRevision: 1, description: "x" }) { person { slug } } }', 'NOT_FOUND');
    await refused('mutation { retractRole(input: { person: "john-kerry", expectedRevision: 1, position: 7, reason: "x" }) { person { slug } } }', 'NOT_FOUND');
  });
});

describe('revisions', () => {
  it('refuses an update naming a stale revision, with the current one, and applies a fresh one', async () => {
    await change('mutation { updatePerson(input: { person: "jane-doe", expectedRevision: 1, description: "Foreign Minister of Examplia." }) { person { revision } } }');
    const error = await refused('mutation { updatePerson(input: { person: "jane-doe", expectedRevision: 1, description: "A stale edit." }) { person { revision } } }', 'REVISION_CONFLICT');
    expect(error.extensions).toMatchObject({ expectedRevision: 1, currentRevision: 2 });
    const data = await change('mutation { updatePerson(input: { person: "jane-doe", expectedRevision: 2, aliases: ["Doe", "the minister"] }) { person { revision description aliases } } }');
    expect(data.updatePerson.person).toEqual({ revision: 3, description: 'Foreign Minister of Examplia.', aliases: ['Doe', 'the minister'] });
  });
});

describe('retraction keeps history', () => {
  it('hides a retracted statement from default queries and keeps it, with why and when, for those who ask', async () => {
    const before = (await query(server.yoga, '{ dataset { counts { statements } } statements(filter: { speaker: "jane-doe" }) { totalCount } }')).data;
    const data = await change('mutation { retractStatement(input: { statement: "doe-keep-talking", expectedRevision: 2, reason: "Misattributed in the first edition." }) { statement { revision retraction { reason retractedBy retractedAt } } } }');
    expect(data.retractStatement.statement).toMatchObject({ revision: 3, retraction: { reason: 'Misattributed in the first edition.', retractedBy: 'alice' } });
    expect(Date.now() - Date.parse(data.retractStatement.statement.retraction.retractedAt)).toBeLessThan(60_000);

    const after = (
      await query(
        server.yoga,
        `{ dataset { counts { statements } } statements(filter: { speaker: "jane-doe" }) { totalCount }
           person(slug: "jane-doe") { statements { totalCount } }
           search(query: "alternative is worse", types: [STATEMENT]) { edges { node { node { ... on Statement { slug } } } } }
           retractedStatements { edges { node { slug retraction { reason } } } }
           statement(slug: "doe-keep-talking") { text retraction { reason } } }`,
      )
    ).data;
    expect(after.dataset.counts.statements).toBe(before.dataset.counts.statements - 1);
    expect(after.statements.totalCount).toBe(before.statements.totalCount - 1);
    expect(after.person.statements.totalCount).toBe(0);
    expect(after.search.edges.map((edge: { node: { node: { slug: string } } }) => edge.node.node.slug)).not.toContain('doe-keep-talking');
    expect(after.retractedStatements.edges).toEqual([{ node: { slug: 'doe-keep-talking', retraction: { reason: 'Misattributed in the first edition.' } } }]);
    expect(after.statement).toEqual({ text: 'We will keep talking, because the alternative is worse,', retraction: { reason: 'Misattributed in the first edition.' } });
    // Still in the file, marked.
    const stored = JSON.parse(await readFile(path.join(await server.written(), 'statements.json'), 'utf8')) as { id: string; retracted?: { reason: string } }[];
    expect(stored.find((s) => s.id === 'doe-keep-talking')?.retracted?.reason).toBe('Misattributed in the first edition.');
    await refused('mutation { retractStatement(input: { statement: "doe-keep-talking", expectedRevision: 3, reason: "again" }) { statement { slug } } }', 'INVALID_RECORD');
  });

  it('hides retracted roles, memberships and participations, whose positions never change', async () => {
    await change('mutation { addRole(input: { person: "jane-doe", expectedRevision: 3, role: { title: "Minister", country: "examplia", evidence: { source: "examplia-talks", quote: "Foreign Minister Jane Doe" } } }) { person { revision } } }');
    const retracted = await change('mutation { retractRole(input: { person: "jane-doe", expectedRevision: 4, position: 0, reason: "Duplicate of the newer role." }) { person { roles { title position } all: roles(includeRetracted: true) { position retraction { reason } } } } }');
    expect(retracted.retractRole.person).toEqual({
      roles: [{ title: 'Minister', position: 1 }],
      all: [
        { position: 0, retraction: { reason: 'Duplicate of the newer role.' } },
        { position: 1, retraction: null },
      ],
    });
    const membership = await change('mutation { retractMembership(input: { organization: "coastal-council", expectedRevision: 1, position: 0, reason: "Not stated." }) { organization { members { country { slug } } all: members(includeRetracted: true) { position retraction { reason } } } } }');
    expect(membership.retractMembership.organization).toEqual({ members: [], all: [{ position: 0, retraction: { reason: 'Not stated.' } }] });
    const participation = await change('mutation { retractParticipation(input: { event: "valdora-talks", expectedRevision: 1, position: 0, reason: "Not a host." }) { event { participants { role } all: participants(includeRetracted: true) { role retraction { reason } } } } }');
    expect(participation.retractParticipation.event).toEqual({ participants: [], all: [{ role: 'host', retraction: { reason: 'Not a host.' } }] });
    const person = (await query(server.yoga, '{ person(slug: "jane-doe") { participations { event { slug } } } country(slug: "examplia") { memberships { organization { slug } } } }')).data;
    expect(person).toEqual({ person: { participations: [] }, country: { memberships: [] } });
  });
});

describe('freshness', () => {
  it('never answers from the response cache with data older than an acknowledged change', async () => {
    const read = () =>
      server.yoga.fetch('http://newsgraph.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ person(slug: "tomas-berg") { description revision } }' }),
      });
    await read();
    await read(); // kept on its first repeat
    const cached = await read();
    expect(cached.headers.get('x-cache')).toBe('hit');
    await change('mutation { updatePerson(input: { person: "tomas-berg", expectedRevision: 2, description: "Envoy of Northland." }) { person { revision } } }');
    const fresh = await read();
    expect(fresh.headers.get('x-cache')).toBe('miss');
    expect(((await fresh.json()) as any).data.person).toEqual({ description: 'Envoy of Northland.', revision: 3 });
  });

  it('never stores a mutation\'s answer in the response cache', async () => {
    const body = JSON.stringify({ query: 'mutation { updatePerson(input: { person: "tomas-berg", expectedRevision: 3, description: "Again." }) { person { revision } } }' });
    const send = () => server.yoga.fetch('http://newsgraph.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer test-curator-token-alice' }, body });
    expect(((await (await send()).json()) as any).data.updatePerson.person.revision).toBe(4);
    const second = (await (await send()).json()) as any;
    expect(second.errors[0].extensions.code).toBe('REVISION_CONFLICT');
  });
});
