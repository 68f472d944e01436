/**
 * Many sources, one graph: two more articles about the NATO meeting (invented for these tests, see
 * test/fixtures/articles/) are added through the API to a copy of the fixture data. A quote three
 * outlets print is one statement with three reports and counts once; `minSources` finds corroborated
 * statements; evidence from a second source for a role adds no role; retracting one report keeps the
 * statement; merging two persons moves what referred to the duplicate and leaves its id resolving.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slugsOf } from './contract.js';
import { createCurationTestServer, mutate, projectRoot, query, queryData, subscribe, type CurationTestServer } from './helpers.js';

let server: CurationTestServer;

const articles = path.join(projectRoot, 'test/fixtures/articles');

/** Runs a mutation that must succeed; returns its data. */
async function change(document: string, variables?: Record<string, unknown>) {
  const result = await mutate(server.yoga, document, variables);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data;
}

async function revisionOf(kind: 'statement' | 'person', slug: string): Promise<number> {
  const data = await queryData(server.yoga, `query($slug: String!) { ${kind}(slug: $slug) { revision } }`, { slug });
  return data[kind].revision;
}

async function addReport(statement: string, input: Record<string, unknown>) {
  return change(
    `mutation($input: AddStatementReportInput!) { addStatementReport(input: $input) { statement { slug sourceCount } datasetVersion } }`,
    { input: { statement, expectedRevision: await revisionOf('statement', statement), ...input } },
  );
}

const statementCount = async (filter: Record<string, unknown> = {}) =>
  (await queryData(server.yoga, `query($filter: StatementFilter) { statements(filter: $filter) { totalCount } }`, { filter })).statements.totalCount as number;

let seedStatementCount: number;

beforeAll(async () => {
  server = await createCurationTestServer();
  seedStatementCount = await statementCount();
  for (const [slug, file, title] of [
    ['brussels-ledger-allies-share-the-load', 'second-report.txt', 'Allies told to share the load as NATO ministers meet in Brussels'],
    ['continental-wire-nato-chief-urges-talks', 'third-report.txt', 'NATO chief urges Moscow-Ankara talks as Kerry seeks more from allies'],
  ] as const) {
    const text = await readFile(path.join(articles, file), 'utf8');
    await change(`mutation($input: CreateSourceInput!) { createSource(input: $input) { source { slug } } }`, {
      input: { slug, title, text, language: 'en', publishedOn: { value: '2015-12-02', precision: 'DAY' } },
    });
  }
  const ledger = 'brussels-ledger-allies-share-the-load';
  const wire = 'continental-wire-nato-chief-urges-talks';
  await addReport('kirby-secretary-urging-allies', {
    words: { source: ledger, quote: 'The secretary made clear he was urging all allies to increase their contributions.' },
    attribution: { quote: 'John Kirby, the department’s spokesman, said in a written statement' },
  });
  await addReport('kirby-secretary-urging-allies', {
    words: { source: wire, quote: 'The secretary made clear he was urging all allies to increase their contributions.' },
    attribution: { quote: 'According to a State Department readout of those meetings, spokesman John Kirby said' },
    relayedBy: 'state-department-release',
    relayedByWords: { quote: 'a State Department readout' },
  });
  await addReport('kerry-calls-on-nato-to-pony-up', {
    words: { source: ledger, quote: 'every ally should put more money, aircraft and trainers into the campaign against the militants' },
    attribution: { quote: 'America’s top diplomat, John Kerry, reportedly told fellow ministers that' },
    hedge: { quote: 'reportedly' },
  });
  await addReport('stoltenberg-calm-de-escalation', {
    words: { source: ledger, quote: 'Calm and de-escalation is now of the essence' },
    attribution: { quote: 'Stoltenberg told reporters' },
  });
  await addReport('stoltenberg-direct-dialogue', {
    words: { source: wire, quote: 'I encourage direct dialogue between Moscow and Ankara' },
    attribution: { quote: 'NATO Secretary General Jens Stoltenberg said at a news conference after the talks' },
  });
});

afterAll(() => server.close());

describe('a statement several sources report', () => {
  it('is one statement with one report a source, each with its own attribution and relayer', async () => {
    const { statement } = await queryData(
      server.yoga,
      `{ statement(slug: "kirby-secretary-urging-allies") {
          text sourceCount sources { slug }
          reports { position source { slug } text attribution { text } relayedBy { slug } relayedByProvenance { inferred evidence { text } } hedge { text } }
        } }`,
    );
    expect(statement.sourceCount).toBe(3);
    expect(statement.sources.map((source: { slug: string }) => source.slug)).toEqual([
      'kerry-to-nato-ante-up',
      'brussels-ledger-allies-share-the-load',
      'continental-wire-nato-chief-urges-talks',
    ]);
    expect(statement.reports.map((report: { attribution: { text: string } }) => report.attribution.text)).toEqual([
      'State Department spokesman John Kirby stated',
      'John Kirby, the department’s spokesman, said in a written statement',
      'According to a State Department readout of those meetings, spokesman John Kirby said',
    ]);
    expect(statement.reports.map((report: { position: number }) => report.position)).toEqual([0, 1, 2]);
    expect(statement.reports[2]).toMatchObject({
      relayedBy: { slug: 'state-department-release' },
      relayedByProvenance: { inferred: false, evidence: [{ text: 'a State Department readout' }] },
      hedge: null,
    });
    expect(statement.text).toBe(statement.reports[0].text);
  });

  it('counts once: the statement list, a speaker\'s statements and the statistics do not grow with reports', async () => {
    expect(await statementCount()).toBe(seedStatementCount);
    const { person, stats } = await queryData(
      server.yoga,
      `{ person(slug: "jens-stoltenberg") { statements { totalCount } } stats { statementsPerSpeaker { speaker { slug } count } } }`,
    );
    const stoltenberg = stats.statementsPerSpeaker.find((entry: { speaker: { slug: string } }) => entry.speaker.slug === 'jens-stoltenberg');
    expect(stoltenberg.count).toBe(person.statements.totalCount);
    expect(await statementCount({ speaker: 'jens-stoltenberg' })).toBe(person.statements.totalCount);
  });

  it('keeps a variant wording visible in its report and findable by its words', async () => {
    const { statement } = await queryData(server.yoga, `{ statement(slug: "stoltenberg-direct-dialogue") { text reports { text source { slug } } } }`);
    expect(statement.text).toBe('And I encourage direct dialogue between Moscow and Ankara.');
    expect(statement.reports.map((report: { text: string }) => report.text)).toEqual([statement.text, 'I encourage direct dialogue between Moscow and Ankara']);
    const found = await queryData(server.yoga, `{ statements(filter: { textContains: "I encourage direct", source: "continental-wire-nato-chief-urges-talks" }) { edges { node { slug } } } }`);
    expect(slugsOf(found.statements)).toEqual(['stoltenberg-direct-dialogue']);
  });

  it('records the hedge a source adds', async () => {
    const { statement } = await queryData(server.yoga, `{ statement(slug: "kerry-calls-on-nato-to-pony-up") { reports { hedge { text source { slug } } } } }`);
    expect(statement.reports.map((report: { hedge: unknown }) => report.hedge)).toEqual([null, { text: 'reportedly', source: { slug: 'brussels-ledger-allies-share-the-load' } }]);
  });

  it('filters corroborated statements with minSources, and a source\'s statements with source', async () => {
    const slugs = async (filter: Record<string, unknown>) =>
      slugsOf((await queryData(server.yoga, `query($filter: StatementFilter) { statements(filter: $filter) { edges { node { slug } } } }`, { filter })).statements);
    expect(await slugs({ minSources: 2 })).toEqual([
      'kerry-calls-on-nato-to-pony-up',
      'kirby-secretary-urging-allies',
      'stoltenberg-calm-de-escalation',
      'stoltenberg-direct-dialogue',
    ]);
    expect(await slugs({ minSources: 3 })).toEqual(['kirby-secretary-urging-allies']);
    expect(await statementCount({ minSources: 1 })).toBe(seedStatementCount);
    expect(await slugs({ source: 'continental-wire-nato-chief-urges-talks' })).toEqual(['kirby-secretary-urging-allies', 'stoltenberg-direct-dialogue']);
    expect(await slugs({ source: 'continental-wire-nato-chief-urges-talks', speaker: 'jens-stoltenberg' })).toEqual(['stoltenberg-direct-dialogue']);
  });

  it('refuses a second report citing the same words, with the code and nothing changed', async () => {
    const result = await mutate(
      server.yoga,
      `mutation($input: AddStatementReportInput!) { addStatementReport(input: $input) { statement { slug } } }`,
      {
        input: {
          statement: 'stoltenberg-direct-dialogue',
          expectedRevision: await revisionOf('statement', 'stoltenberg-direct-dialogue'),
          words: { source: 'continental-wire-nato-chief-urges-talks', quote: 'I encourage direct dialogue between Moscow and Ankara' },
          attribution: { quote: 'NATO Secretary General Jens Stoltenberg said at a news conference after the talks' },
        },
      },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_RECORD');
    expect(result.errors?.[0]?.message).toMatch(/already cites these words/);
  });
});

describe('what a source covers', () => {
  it('lists a source\'s statements and the entities it has evidence about, and counts per source', async () => {
    const { source, stats } = await queryData(
      server.yoga,
      `{ source(slug: "continental-wire-nato-chief-urges-talks") {
          statements { edges { node { slug } } } persons { edges { node { slug } } } events { edges { node { slug } } }
        }
        stats { perSource { source { slug } statements corroborated } } }`,
    );
    expect(slugsOf(source.statements)).toEqual(['kirby-secretary-urging-allies', 'stoltenberg-direct-dialogue']);
    expect(slugsOf(source.persons)).toEqual(['john-kirby', 'jens-stoltenberg']);
    expect(slugsOf(source.events)).toContain('state-department-release');
    expect(stats.perSource).toContainEqual({ source: { slug: 'continental-wire-nato-chief-urges-talks' }, statements: 2, corroborated: 2 });
    const persons = await queryData(server.yoga, `{ persons(filter: { source: "continental-wire-nato-chief-urges-talks" }) { totalCount } }`);
    expect(persons.persons.totalCount).toBe(2);
  });
});

describe('evidence from another source for an existing link', () => {
  it('adds a span to the role, never a second role', async () => {
    const before = await queryData(server.yoga, `{ person(slug: "john-kerry") { revision roles { title } } }`);
    const data = await change(
      `mutation($input: AddEvidenceInput!) { addEvidence(input: $input) { record { ... on Person { slug revision } } datasetVersion } }`,
      {
        input: {
          record: 'john-kerry',
          expectedRevision: before.person.revision,
          link: 'ROLE',
          position: 0,
          evidence: [{ source: 'continental-wire-nato-chief-urges-talks', quote: 'U.S. Secretary of State John Kerry' }],
        },
      },
    );
    expect(data.addEvidence.record).toEqual({ slug: 'john-kerry', revision: before.person.revision + 1 });
    const after = await queryData(
      server.yoga,
      `{ person(slug: "john-kerry") { roles { title evidence { text } provenance { sourceCount sources { slug } evidence { text source { slug } } } } } }`,
    );
    expect(after.person.roles).toHaveLength(before.person.roles.length);
    const [role] = after.person.roles;
    expect(role.provenance.sourceCount).toBe(2);
    expect(role.provenance.evidence.map((span: { text: string }) => span.text)).toEqual(['Secretary of State John Kerry', 'U.S. Secretary of State John Kerry']);
    // The deprecated single span still answers, from the first source.
    expect(role.evidence.text).toBe('Secretary of State John Kerry');
  });

  it('says NOT_FOUND for a link the record does not have', async () => {
    const result = await mutate(server.yoga, `mutation($input: AddEvidenceInput!) { addEvidence(input: $input) { datasetVersion } }`, {
      input: {
        record: 'john-kerry',
        expectedRevision: await revisionOf('person', 'john-kerry'),
        link: 'ROLE',
        position: 7,
        evidence: [{ source: 'continental-wire-nato-chief-urges-talks', quote: 'U.S. Secretary of State John Kerry' }],
      },
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(result.errors?.[0]?.message).toBe('Person "john-kerry" has no ROLE link at position 7');
  });
});

describe('retracting one report', () => {
  it('keeps the statement and its other reports, and refuses to retract the last one', async () => {
    const retract = (position: number, expectedRevision: number) =>
      mutate(
        server.yoga,
        `mutation($input: RetractStatementReportInput!) { retractStatementReport(input: $input) { statement { slug sourceCount reports { position } } } }`,
        { input: { statement: 'stoltenberg-calm-de-escalation', expectedRevision, position, reason: 'Test: the outlet withdrew its story.' } },
      );
    const first = await retract(1, await revisionOf('statement', 'stoltenberg-calm-de-escalation'));
    expect(first.errors).toBeUndefined();
    expect(first.data.retractStatementReport.statement).toEqual({ slug: 'stoltenberg-calm-de-escalation', sourceCount: 1, reports: [{ position: 0 }] });
    const { statement } = await queryData(
      server.yoga,
      `{ statement(slug: "stoltenberg-calm-de-escalation") { retraction { reason } reports(includeRetracted: true) { position retraction { reason retractedBy } } } }`,
    );
    expect(statement).toEqual({
      retraction: null,
      reports: [
        { position: 0, retraction: null },
        { position: 1, retraction: { reason: 'Test: the outlet withdrew its story.', retractedBy: 'alice' } },
      ],
    });
    expect(await statementCount({ source: 'brussels-ledger-allies-share-the-load', speaker: 'jens-stoltenberg' })).toBe(0);
    const last = await retract(0, await revisionOf('statement', 'stoltenberg-calm-de-escalation'));
    expect(last.errors?.[0]?.extensions?.code).toBe('INVALID_RECORD');
    expect(last.errors?.[0]?.message).toMatch(/last of statement "stoltenberg-calm-de-escalation" in force; retract the statement instead/);
  });
});

describe('speakers that are not persons, and the reporter\'s reading', () => {
  it('attributes a statement to an organization: `speaker` is null, `attributedTo` is the organization', async () => {
    const data = await change(
      `mutation($input: CreateStatementInput!) { createStatement(input: $input) { statement { slug kind speaker { slug } attributedTo { __typename ... on Organization { slug } } } } }`,
      {
        input: {
          slug: 'test-state-department-readout',
          kind: 'INTERPRETATION',
          words: { source: 'continental-wire-nato-chief-urges-talks', quote: 'as the alliance weighed its part in the fight against Daesh' },
          speaker: 'state-department',
          attribution: { quote: 'According to a State Department readout of those meetings' },
        },
      },
    );
    expect(data.createStatement.statement).toEqual({
      slug: 'test-state-department-readout',
      kind: 'INTERPRETATION',
      speaker: null,
      attributedTo: { __typename: 'Organization', slug: 'state-department' },
    });
  });
});

describe('merging two persons', () => {
  it('moves statements, roles and mentions to the kept person; the old id and slug still resolve', async () => {
    const wire = 'continental-wire-nato-chief-urges-talks';
    const created = await change(
      `mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id slug } } }`,
      {
        input: {
          slug: 'nato-secretary-general-duplicate',
          name: 'Jens Stoltenberg',
          description: 'Test duplicate of NATO\'s Secretary General, as a curator might create by mistake.',
          roles: [{ title: 'Secretary General', organization: 'nato', evidence: { source: wire, quote: 'NATO Secretary General Jens Stoltenberg' } }],
        },
      },
    );
    const duplicateGlobalId = created.createPerson.person.id;
    await change(`mutation($input: CreateStatementInput!) { createStatement(input: $input) { statement { slug } } }`, {
      input: {
        slug: 'test-duplicate-overshadowed',
        kind: 'PARAPHRASE',
        words: { source: wire, quote: 'The two-day gathering was also overshadowed by the row between Turkey and Russia' },
        speaker: 'nato-secretary-general-duplicate',
        attribution: { quote: 'NATO Secretary General Jens Stoltenberg said at a news conference after the talks' },
        mentions: [{ entity: 'turkey', quote: 'Turkey' }],
      },
    });
    const before = await queryData(server.yoga, `{ person(slug: "jens-stoltenberg") { statements { totalCount } roles { title } } }`);
    const personsNow = async () => {
      const { dataset, persons } = await queryData(server.yoga, '{ dataset { counts { persons } } persons { totalCount } }');
      // The dataset's count is the list's: a merged-away record is not one more person.
      expect(dataset.counts.persons).toBe(persons.totalCount);
      return persons.totalCount as number;
    };
    const personsBefore = await personsNow();

    const merged = await change(
      `mutation($input: MergeEntitiesInput!) { mergeEntities(input: $input) { entity { slug ... on Person { revision } } datasetVersion } }`,
      { input: { keep: 'jens-stoltenberg', merge: 'nato-secretary-general-duplicate' } },
    );
    expect(merged.mergeEntities.entity.slug).toBe('jens-stoltenberg');
    expect(await personsNow()).toBe(personsBefore - 1);

    const after = await queryData(
      server.yoga,
      `{ person(slug: "jens-stoltenberg") { statements { totalCount edges { node { slug } } } roles { title provenance { sourceCount } } } }`,
    );
    expect(after.person.statements.totalCount).toBe(before.person.statements.totalCount + 1);
    expect(slugsOf(after.person.statements)).toContain('test-duplicate-overshadowed');
    // Both records' "Secretary General" role at NATO is one role with both spans.
    expect(after.person.roles).toEqual([{ title: 'Secretary General', provenance: { sourceCount: 2 } }]);

    const resolved = await queryData(
      server.yoga,
      `query($id: ID!) { node(id: $id) { ... on Person { slug } } person(slug: "nato-secretary-general-duplicate") { slug } persons(filter: { name: "Stoltenberg" }) { totalCount } }`,
      { id: duplicateGlobalId },
    );
    expect(resolved).toEqual({ node: { slug: 'jens-stoltenberg' }, person: { slug: 'jens-stoltenberg' }, persons: { totalCount: 1 } });
    expect(await statementCount({ speaker: 'nato-secretary-general-duplicate' })).toBe(before.person.statements.totalCount + 1);

    // Changes that name the duplicate reach the record kept: a new statement's speaker, an update.
    await change(`mutation($input: CreateStatementInput!) { createStatement(input: $input) { statement { slug } } }`, {
      input: {
        slug: 'test-said-by-the-merged-id',
        kind: 'QUOTE',
        words: { source: wire, quote: 'I encourage direct dialogue between Moscow and Ankara' },
        speaker: 'nato-secretary-general-duplicate',
        attribution: { quote: 'NATO Secretary General Jens Stoltenberg said at a news conference after the talks' },
      },
    });
    const said = await queryData(server.yoga, `{ statement(slug: "test-said-by-the-merged-id") { speaker { slug } } }`);
    expect(said.statement.speaker).toEqual({ slug: 'jens-stoltenberg' });
    const kept = await queryData(server.yoga, `{ person(slug: "nato-secretary-general-duplicate") { revision } }`);
    const updated = await change(
      `mutation($input: UpdatePersonInput!) { updatePerson(input: $input) { person { slug description revision } } }`,
      { input: { person: 'nato-secretary-general-duplicate', expectedRevision: kept.person.revision, description: 'NATO Secretary General (test update through a merged id).' } },
    );
    expect(updated.updatePerson.person).toEqual({ slug: 'jens-stoltenberg', description: 'NATO Secretary General (test update through a merged id).', revision: kept.person.revision + 1 });

    // Nothing is deleted: the duplicate stays in the file, marked with the merge.
    const stored = JSON.parse(await readFile(path.join(await server.written(), 'persons.json'), 'utf8')) as { id: string; mergedInto?: { id: string; by: string } }[];
    expect(stored.find((person) => person.id === 'nato-secretary-general-duplicate')?.mergedInto).toMatchObject({ id: 'jens-stoltenberg', by: 'alice' });
  });

  it('refuses to merge records of different kinds', async () => {
    const result = await mutate(server.yoga, `mutation { mergeEntities(input: { keep: "jens-stoltenberg", merge: "nato" }) { datasetVersion } }`);
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_RECORD');
    expect(result.errors?.[0]?.message).toBe('"nato" is an Organization and "jens-stoltenberg" a Person: only records of one kind merge');
  });
});

describe('search over many sources', () => {
  it('finds a statement by a variant wording and says which sources a hit comes from', async () => {
    const { search } = await queryData(
      server.yoga,
      `{ search(query: "encourage direct dialogue", types: [STATEMENT]) { edges { node { sources { slug } node { ... on Statement { slug } } } } } }`,
    );
    const hit = search.edges.find((edge: { node: { node: { slug: string } } }) => edge.node.node.slug === 'stoltenberg-direct-dialogue');
    expect(hit.node.sources.map((source: { slug: string }) => source.slug)).toEqual(['kerry-to-nato-ante-up', 'continental-wire-nato-chief-urges-talks']);
  });
});

describe('merging two statements', () => {
  it('keeps both statements\' reports on the one kept; the duplicate\'s slug resolves to it', async () => {
    const wire = 'continental-wire-nato-chief-urges-talks';
    await change(`mutation($input: CreateStatementInput!) { createStatement(input: $input) { statement { slug } } }`, {
      input: {
        slug: 'test-duplicate-kerry-meetings',
        kind: 'PARAPHRASE',
        words: { source: wire, quote: 'held a series of private meetings with fellow foreign ministers at NATO headquarters on Tuesday' },
        speaker: 'john-kerry',
        attribution: { quote: 'U.S. Secretary of State John Kerry' },
      },
    });
    const before = await statementCount();
    await change(`mutation { mergeEntities(input: { keep: "kerry-urges-allies-to-contribute", merge: "test-duplicate-kerry-meetings" }) { statement { slug sourceCount } } }`);
    const { statement, duplicate } = await queryData(
      server.yoga,
      `{ statement(slug: "kerry-urges-allies-to-contribute") { sourceCount reports { source { slug } } }
         duplicate: statement(slug: "test-duplicate-kerry-meetings") { slug } }`,
    );
    expect(statement.reports.map((report: { source: { slug: string } }) => report.source.slug)).toEqual(['kerry-to-nato-ante-up', wire]);
    expect(statement.sourceCount).toBe(2);
    expect(duplicate.slug).toBe('kerry-urges-allies-to-contribute');
    expect(await statementCount()).toBe(before - 1);
  });
});

describe('live updates', () => {
  it('announce a new report to statementReported, and a merge to entityChanged with the duplicate\'s slug', async () => {
    const reported = await subscribe(server.yoga, 'subscription { statementReported { slug sourceCount } }');
    const changed = await subscribe(server.yoga, 'subscription { entityChanged(types: [COUNTRY]) { change slug entity { slug } } }');
    try {
      await addReport('official-nato-could-do-more', {
        words: { source: 'brussels-ledger-allies-share-the-load', quote: 'every ally should put more money' },
        attribution: { quote: 'America’s top diplomat, John Kerry, reportedly told fellow ministers that' },
      });
      expect(await reported.next()).toEqual([{ data: { statementReported: { slug: 'official-nato-could-do-more', sourceCount: 2 } } }]);

      await change(`mutation($input: CreateCountryInput!) { createCountry(input: $input) { country { slug } } }`, {
        input: { slug: 'test-duplicate-belgium', name: 'Kingdom of Belgium', description: 'Test duplicate of Belgium, with codes from the range ISO 3166 leaves to private use.', isoCode: 'XB', isoAlpha3: 'XBE' },
      });
      await changed.next();
      await change(`mutation { mergeEntities(input: { keep: "belgium", merge: "test-duplicate-belgium" }) { entity { slug } } }`);
      const events = await changed.next(2);
      expect(events).toContainEqual({ data: { entityChanged: { change: 'MERGED', slug: 'test-duplicate-belgium', entity: { slug: 'belgium' } } } });
      expect(events).toContainEqual({ data: { entityChanged: { change: 'UPDATED', slug: 'belgium', entity: { slug: 'belgium' } } } });
      const { country } = await queryData(server.yoga, `{ country(slug: "belgium") { aliases } }`);
      expect(country.aliases).toContain('Kingdom of Belgium');
    } finally {
      reported.close();
      changed.close();
    }
  });
});

describe('the fixture data stays valid after every change above', () => {
  it('loads with the loader\'s rules, as the store wrote it', async () => {
    const { loadKnowledgeBase } = await import('../src/kb/load.js');
    const kb = await loadKnowledgeBase(await server.written());
    expect(kb.counts.sources).toBe(3);
    void query;
  });
});
