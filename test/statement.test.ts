/** Statement: the root connection, the lookups, and every field checked against the fixture dataset (test/fixtures/dataset) and the article. */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { evidenceSchema, partialDateSchema, personSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { describeRootCollection, rootCollections, readData, readStatementsInSourceOrder } from './contract.js';
import { createTestServer, queryData } from './helpers.js';

type StatementData = z.input<typeof statementSchema>;
type PersonData = z.input<typeof personSchema>;
type EvidenceData = z.input<typeof evidenceSchema>;
type PartialDateData = z.input<typeof partialDateSchema>;
/** A link's provenance as the data files hold it. */
interface ProvenanceData {
  evidence: EvidenceData[];
  inferred?: boolean;
  note?: string;
}

/** The article the knowledge base models (data/sources.json holds a copy of its text). */
const seedFile = '/work/shared/seeds/000_f4761b6637344e7b.txt';

let yoga: NewsgraphYoga;
let statements: StatementData[];
let persons: PersonData[];
/** The GraphQL type of every entity id, from the file that holds it. */
const typenameById = new Map<string, string>();

beforeAll(async () => {
  yoga = await createTestServer();
  [statements, persons] = await Promise.all([readStatementsInSourceOrder(), readData<PersonData>('persons.json')]);
  const typed: [string, string][] = [
    ['persons.json', 'Person'],
    ['countries.json', 'Country'],
    ['organizations.json', 'Organization'],
    ['events.json', 'Event'],
  ];
  for (const [file, typename] of typed) {
    for (const record of await readData<{ id: string }>(file)) typenameById.set(record.id, typename);
  }
});

function personData(id: string): PersonData {
  const person = persons.find((p) => p.id === id);
  if (!person) throw new Error(`no person "${id}" in persons.json`);
  return person;
}

function entityRef(id: string | undefined) {
  return id ? { __typename: typenameById.get(id), slug: id } : null;
}

function servedEvidence(evidence: EvidenceData) {
  return { text: evidence.text, start: evidence.start, end: evidence.end, source: { slug: evidence.sourceId } };
}

/** A link's provenance as the server should serve it for `provenanceFields`. */
function servedProvenance(link: ProvenanceData) {
  const sourceIds = [...new Set(link.evidence.map((evidence) => evidence.sourceId))];
  return {
    evidence: link.evidence.map(servedEvidence),
    inferred: link.inferred ?? false,
    note: link.note ?? null,
    sourceCount: sourceIds.length,
    sources: sourceIds.map((slug) => ({ slug })),
  };
}

/** The statement's first report in force: the one the deprecated single-source fields answer from. */
function firstReport(statement: StatementData) {
  return statement.reports.find((report) => !report.retracted) ?? statement.reports[0]!;
}

// ---------------------------------------------------------------------------------------------
// Root connection and lookups: the contract every root collection keeps (test/contract.ts)
// ---------------------------------------------------------------------------------------------

describeRootCollection(rootCollections.Statement);

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

const evidenceFields = 'text start end source { slug }';
const dateFields = 'value precision qualifier inferred note';
const provenanceFields = `evidence { ${evidenceFields} } inferred note sourceCount sources { slug }`;

const statementFields = `
  slug kind text
  reports {
    position text
    evidence { ${evidenceFields} }
    attribution { ${evidenceFields} }
    source { slug }
    relayedBy { __typename slug }
    relayedByProvenance { ${provenanceFields} }
    hedge { ${evidenceFields} }
    date { ${dateFields} }
    retraction { reason }
  }
  sources { slug }
  sourceCount
  speaker { slug name }
  attributedTo { __typename ... on Person { slug } ... on Organization { slug } ... on Country { slug } ... on SpeakerGroup { description } }
  event { slug }
  saidAt { event { slug } provenance { ${provenanceFields} } }
  aboutEvents { slug }
  aboutEventLinks { event { slug } provenance { ${provenanceFields} } }
  date { ${dateFields} }
  audience { description members { __typename slug } evidence { ${evidenceFields} } provenance { ${provenanceFields} } }
  mentions { entity { __typename slug } evidence { ${evidenceFields} } provenance { ${provenanceFields} } }
  continues { slug }
  continuedBy { slug }
`;

/** The deprecated single-source fields old clients still ask for: they answer from the first report in force. */
const deprecatedStatementFields = `
  slug attribution
  attributionEvidence { ${evidenceFields} }
  evidence { ${evidenceFields} }
  source { slug }
  relayedBy { __typename slug }
`;

function expectedDate(date: PartialDateData | undefined) {
  return date ? { value: date.value, precision: date.precision, qualifier: date.qualifier ?? 'ON', inferred: date.inferred, note: date.note ?? null } : null;
}

/** A statement record as the server should serve it for `statementFields`. */
function expectedStatement(statement: StatementData) {
  const reportsInForce = statement.reports.map((report, position) => ({ report, position })).filter(({ report }) => !report.retracted);
  const sourceIds = [...new Set(reportsInForce.map(({ report }) => report.evidence.sourceId))];
  const speakerType = statement.speakerId ? typenameById.get(statement.speakerId) : undefined;
  return {
    slug: statement.id,
    kind: statement.kind,
    text: statement.text,
    reports: reportsInForce.map(({ report, position }) => ({
      position,
      text: report.evidence.text,
      evidence: servedEvidence(report.evidence),
      attribution: servedEvidence(report.attribution),
      source: { slug: report.evidence.sourceId },
      relayedBy: entityRef(report.relayedBy?.entityId),
      relayedByProvenance: report.relayedBy ? servedProvenance(report.relayedBy) : null,
      hedge: report.hedge ? servedEvidence(report.hedge) : null,
      date: expectedDate(report.date),
      retraction: null,
    })),
    sources: sourceIds.map((slug) => ({ slug })),
    sourceCount: sourceIds.length,
    speaker: speakerType === 'Person' ? { slug: statement.speakerId, name: personData(statement.speakerId!).name } : null,
    attributedTo: statement.speakerId
      ? { __typename: speakerType, slug: statement.speakerId }
      : statement.speakerGroup
        ? { __typename: 'SpeakerGroup', description: statement.speakerGroup.description }
        : null,
    event: statement.saidAt ? { slug: statement.saidAt.eventId } : null,
    saidAt: statement.saidAt ? { event: { slug: statement.saidAt.eventId }, provenance: servedProvenance(statement.saidAt) } : null,
    aboutEvents: (statement.aboutEvents ?? []).map((link) => ({ slug: link.eventId })),
    aboutEventLinks: (statement.aboutEvents ?? []).map((link) => ({ event: { slug: link.eventId }, provenance: servedProvenance(link) })),
    date: expectedDate(statement.date),
    audience: statement.audience
      ? {
          description: statement.audience.description,
          members: (statement.audience.entityIds ?? []).map(entityRef),
          evidence: servedEvidence(statement.audience.evidence[0]!),
          provenance: servedProvenance(statement.audience),
        }
      : null,
    mentions: (statement.mentions ?? []).map((m) => ({ entity: entityRef(m.entityId), evidence: servedEvidence(m.evidence[0]!), provenance: servedProvenance(m) })),
    continues: statement.continuesId ? { slug: statement.continuesId } : null,
    continuedBy: statements.filter((s) => s.continuesId === statement.id).map((s) => ({ slug: s.id })),
  };
}

/** The deprecated fields, as the server should serve them for `deprecatedStatementFields`: from the first report in force. */
function expectedDeprecatedFields(statement: StatementData) {
  const report = firstReport(statement);
  return {
    slug: statement.id,
    attribution: report.attribution.text,
    attributionEvidence: servedEvidence(report.attribution),
    evidence: servedEvidence(report.evidence),
    source: { slug: report.evidence.sourceId },
    relayedBy: entityRef(report.relayedBy?.entityId),
  };
}

/**
 * Every statement with `selection`, in list order, read a few at a time: a selection with the reports,
 * every provenance and their sources costs too much for one page of 100 (the cost limit).
 */
async function fetchAllStatements(selection: string, pageSize = 5): Promise<any[]> {
  const nodes: any[] = [];
  let after: string | null = null;
  for (;;) {
    const data: any = await queryData(
      yoga,
      `query ($first: Int!, $after: String) { statements(first: $first, after: $after) { edges { node { ${selection} } } pageInfo { hasNextPage endCursor } } }`,
      { first: pageSize, after },
    );
    nodes.push(...data.statements.edges.map((edge: { node: unknown }) => edge.node));
    if (!data.statements.pageInfo.hasNextPage) return nodes;
    after = data.statements.pageInfo.endCursor;
  }
}

async function fetchStatement(slug: string, selection: string) {
  const data = await queryData(yoga, `query ($slug: String) { statement(slug: $slug) { ${selection} } }`, { slug });
  return data.statement;
}

describe('Statement fields', () => {
  it('serves every statement as the data records it', async () => {
    expect(await fetchAllStatements(statementFields)).toEqual(statements.map(expectedStatement));
  });

  it('still serves the deprecated single-source fields old clients ask for, from the first report', async () => {
    const data = await queryData(yoga, `{ statements(first: 100) { edges { node { ${deprecatedStatementFields} } } } }`);
    expect(data.statements.edges.map((e: { node: unknown }) => e.node)).toEqual(statements.map(expectedDeprecatedFields));
  });

  it('serves text that is exactly the source text between the evidence offsets', async () => {
    interface Span {
      start: number;
      end: number;
      text: string;
      source: { slug: string; text: string };
    }
    const span = 'start end text source { slug text }';
    const nodes = await fetchAllStatements(
      `slug text reports { text evidence { ${span} } attribution { ${span} } } mentions { provenance { evidence { ${span} } } }`,
      2,
    );
    expect(nodes).toHaveLength(statements.length);
    const expectSourceWords = (evidence: Span, label: string) => expect(evidence.text, label).toBe(evidence.source.text.slice(evidence.start, evidence.end));
    for (const node of nodes) {
      const reports: { text: string; evidence: Span; attribution: Span }[] = node.reports;
      expect(reports.length, node.slug).toBeGreaterThan(0);
      // The canonical wording is one report's words.
      expect(reports.map((report) => report.text)).toContain(node.text);
      for (const report of reports) {
        expectSourceWords(report.evidence, node.slug);
        expect(report.evidence.text).toBe(report.text);
        expectSourceWords(report.attribution, node.slug);
        // A report's attribution is in the same source as its words.
        expect(report.attribution.source.slug).toBe(report.evidence.source.slug);
      }
      for (const mention of node.mentions as { provenance: { evidence: Span[] } }[]) {
        expect(mention.provenance.evidence.length).toBeGreaterThan(0);
        for (const evidence of mention.provenance.evidence) {
          expectSourceWords(evidence, node.slug);
          // A mention's words stand inside the statement's words, in one of its reports.
          expect(
            reports.some(
              (report) => report.evidence.source.slug === evidence.source.slug && evidence.start >= report.evidence.start && evidence.end <= report.evidence.end,
            ),
            `${node.slug}: "${evidence.text}"`,
          ).toBe(true);
        }
      }
    }
  });

  it('serves the kind as QUOTE or PARAPHRASE', async () => {
    const data = await queryData(yoga, '{ statements(first: 100) { edges { node { slug kind } } } }');
    const kinds = Object.fromEntries(data.statements.edges.map((e: { node: { slug: string; kind: string } }) => [e.node.slug, e.node.kind]));
    expect(kinds).toEqual(Object.fromEntries(statements.map((s) => [s.id, s.kind])));
    expect(kinds['stoltenberg-calm-de-escalation']).toBe('QUOTE');
    expect(kinds['kerry-calls-on-nato-to-pony-up']).toBe('PARAPHRASE');
  });

  it('returns every quote in the data with its speaker and attribution', async () => {
    const quotes = statements.filter((s) => s.kind === 'QUOTE');
    expect(quotes.length).toBeGreaterThan(0);
    for (const quote of quotes) {
      const served = await fetchStatement(quote.id, 'kind text reports { attribution { text } } speaker { slug name displayName }');
      const speaker = personData(quote.speakerId!);
      expect(served).toEqual({
        kind: 'QUOTE',
        text: quote.text,
        reports: quote.reports.map((report) => ({ attribution: { text: report.attribution.text } })),
        speaker: { slug: speaker.id, name: speaker.name, displayName: speaker.name ?? speaker.label },
      });
    }
    const kirby = await fetchStatement('kirby-coalition-efforts-italy', 'attribution reports { attribution { text } } speaker { name }');
    expect(kirby).toEqual({
      attribution: 'State Department spokesman John Kirby stated',
      reports: [{ attribution: { text: 'State Department spokesman John Kirby stated' } }],
      speaker: { name: 'John Kirby' },
    });
  });

  it('names who relayed the words: Kirby, the Washington Post, the State Department release', async () => {
    const relayer = (slug: string) => fetchStatement(slug, 'relayedBy { __typename displayName } speaker { slug }');
    expect(await relayer('kerry-urges-allies-to-contribute')).toEqual({ relayedBy: { __typename: 'Person', displayName: 'John Kirby' }, speaker: { slug: 'john-kerry' } });
    expect(await relayer('stoltenberg-east-and-south')).toEqual({
      relayedBy: { __typename: 'Organization', displayName: 'Washington Post' },
      speaker: { slug: 'jens-stoltenberg' },
    });
    expect(await relayer('kerry-us-heavy-lift')).toEqual({
      relayedBy: { __typename: 'Event', displayName: "State Department release on Kerry's meeting" },
      speaker: { slug: 'john-kerry' },
    });
    expect((await relayer('stoltenberg-calm-de-escalation')).relayedBy).toBeNull();
  });

  it('links the parts of split quotes with continues/continuedBy', async () => {
    const pairs = [
      ['kirby-coalition-efforts-italy', 'kirby-secretary-urging-allies'],
      ['stoltenberg-calm-de-escalation', 'stoltenberg-direct-dialogue'],
      ['stoltenberg-three-lines-list', 'stoltenberg-strategic-guidance'],
    ];
    expect(statements.filter((s) => s.continuesId).map((s) => [s.continuesId, s.id])).toEqual(pairs);
    for (const [first, second] of pairs) {
      expect(await fetchStatement(first!, 'continues { slug } continuedBy { slug speaker { slug } }')).toEqual({
        continues: null,
        continuedBy: [{ slug: second, speaker: { slug: statements.find((s) => s.id === first)!.speakerId } }],
      });
      expect(await fetchStatement(second!, 'continues { slug } continuedBy { slug }')).toEqual({ continues: { slug: first }, continuedBy: [] });
    }
    // In the article the two parts are one quotation interrupted by its attribution.
    const calm = await fetchStatement('stoltenberg-calm-de-escalation', 'text source { text }');
    expect(calm.source.text).toContain(`“${calm.text},” he said. “And I encourage direct dialogue between Moscow and Ankara.”`);
  });

  it('resolves mentions to entities of the right type, with the referring words', async () => {
    const kirby = await fetchStatement('kirby-coalition-efforts-italy', 'mentions { entity { __typename slug } evidence { text } }');
    expect(kirby.mentions).toContainEqual({ entity: { __typename: 'Organization', slug: 'islamic-state' }, evidence: { text: 'Daesh' } });
    expect(kirby.mentions).toContainEqual({ entity: { __typename: 'Country', slug: 'italy' }, evidence: { text: 'Italy' } });
    expect(kirby.mentions).toContainEqual({ entity: { __typename: 'Event', slug: 'kerry-gentiloni-meeting' }, evidence: { text: 'They also discussed' } });
    const secretary = await fetchStatement('kirby-secretary-urging-allies', 'mentions { entity { __typename slug } evidence { text } }');
    expect(secretary.mentions).toContainEqual({ entity: { __typename: 'Person', slug: 'john-kerry' }, evidence: { text: 'The secretary' } });
  });

  it('serves the audience with its known members', async () => {
    expect(await fetchStatement('kerry-calls-on-nato-to-pony-up', 'audience { description members { __typename displayName } evidence { text } }')).toEqual({
      audience: { description: 'NATO countries', members: [{ __typename: 'Organization', displayName: 'NATO' }], evidence: { text: 'NATO countries' } },
    });
    expect(await fetchStatement('official-kerry-will-make-the-case', 'audience { description members { __typename } }')).toEqual({
      audience: { description: 'some reporters', members: [] },
    });
    expect(await fetchStatement('stoltenberg-readiness', 'audience { description }')).toEqual({ audience: null });
  });

  it('dates statements as precisely as the article allows', async () => {
    const trudeau = await fetchStatement('trudeau-canada-strong-member', 'date { value precision qualifier inferred text earliest latest } attribution');
    expect(trudeau).toEqual({
      date: { value: '2015-11-19', precision: 'DAY', qualifier: 'ON', inferred: true, text: '19 November 2015', earliest: '2015-11-19', latest: '2015-11-19' },
      attribution: 'Trudeau said on Nov. 19',
    });
    const official = await fetchStatement('official-kerry-will-make-the-case', 'date { qualifier text }');
    expect(official.date).toEqual({ qualifier: 'BEFORE', text: 'before 1 December 2015' });
    expect((await fetchStatement('stoltenberg-readiness', 'date { value }')).date).toBeNull();
  });

  it('places statements at events and about events', async () => {
    expect(await fetchStatement('stoltenberg-calm-de-escalation', 'event { slug kind } aboutEvents { slug }')).toEqual({
      event: { slug: 'stoltenberg-press-conference', kind: 'PRESS_CONFERENCE' },
      aboutEvents: [{ slug: 'russian-jet-downing' }],
    });
    expect(await fetchStatement('official-kerry-will-make-the-case', 'event { slug } aboutEvents { slug }')).toEqual({
      event: { slug: 'state-department-briefing' },
      aboutEvents: [{ slug: 'nato-foreign-ministers-meeting' }, { slug: 'vienna-process' }],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// "Find every quote with its speaker"
// ---------------------------------------------------------------------------------------------

/** Who speaks each quotation of the article, as a reader of the article would say (by its first words). */
const speakerByQuoteOpening: [string, string | RegExp][] = [
  ['They also discussed', 'John Kirby'],
  ['The secretary made clear', 'John Kirby'],
  ['make the case', /State Department official/],
  ['ways in which all member nations', 'John Kirby'],
  ['We talked about terrorism', 'Justin Trudeau'],
  ['Turkish outreach to Russia', 'John Kirby'],
  ['Calm and de-escalation', 'Jens Stoltenberg'],
  ['And I encourage direct dialogue', 'Jens Stoltenberg'],
  ['We don’t have the luxury', 'Jens Stoltenberg'],
  ['First, ensuring our collective defense', 'Jens Stoltenberg'],
  ['Today, we have given strategic guidance', 'Jens Stoltenberg'],
  ['With regard to collective defense', 'Jens Stoltenberg'],
];

/**
 * The words inside each pair of curly quotes in the article. A comma just before the closing quote
 * belongs to the attribution that follows ("…,” he said), so it is not part of the quoted words.
 */
function quotationsIn(text: string): string[] {
  return [...text.matchAll(/“([^”]*)”/g)].map((match) => match[1]!.replace(/,$/, ''));
}

describe('every quote with its speaker', () => {
  it('lists, in one query, every quotation of the article with the exact words and who said them', async () => {
    const article = await readFile(seedFile, 'utf8');
    const data = await queryData<{ statements: { edges: { node: { kind: string; text: string; speaker: { displayName: string } | null } }[] } }>(
      yoga,
      '{ statements(first: 100) { edges { node { kind text speaker { displayName } } } } }',
    );
    const quotes = data.statements.edges
      .map((edge) => edge.node)
      .filter((node) => node.kind === 'QUOTE')
      .map((node) => ({ text: node.text, speaker: node.speaker?.displayName }));

    // From the article itself: the same quotations, each spoken by the person the article names.
    const quotations = quotationsIn(article);
    expect(quotations).toHaveLength(speakerByQuoteOpening.length);
    expect(quotes.map((q) => q.text)).toEqual(quotations);
    for (const quote of quotes) {
      const [, speaker] = speakerByQuoteOpening.find(([opening]) => quote.text.startsWith(opening))!;
      expect(quote.speaker, quote.text).toEqual(typeof speaker === 'string' ? speaker : expect.stringMatching(speaker));
    }

    // And from the data: every QUOTE record, with its speaker's display name.
    expect(quotes).toEqual(
      statements
        .filter((s) => s.kind === 'QUOTE')
        .map((s) => {
          const speaker = personData(s.speakerId!);
          return { text: s.text, speaker: speaker.name ?? speaker.label };
        }),
    );
  });
});
