/** Statement: the root connection, the lookups, and every field checked against data/*.json and the article. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { evidenceSchema, partialDateSchema, personSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/yoga.js';
import { createTestServer, dataDir, query, queryData, recordIds, type GraphQLResponse } from './helpers.js';

type StatementData = z.input<typeof statementSchema>;
type PersonData = z.input<typeof personSchema>;
type EvidenceData = z.input<typeof evidenceSchema>;
type PartialDateData = z.input<typeof partialDateSchema>;

/** The article the knowledge base models (data/sources.json holds a copy of its text). */
const seedFile = '/work/shared/seeds/000_f4761b6637344e7b.txt';

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

describeRootConnection('statements', () => statements.map((s) => s.id));

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
  field: 'statement',
  typename: 'Statement',
  connection: 'statements',
  expectedIds: () => statements.map((s) => s.id),
  otherConnection: 'sources',
});

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

const evidenceFields = 'text start end source { slug }';
const dateFields = 'value precision qualifier inferred note';

const statementFields = `
  slug kind text attribution
  attributionEvidence { ${evidenceFields} }
  evidence { ${evidenceFields} }
  source { slug }
  speaker { slug name }
  relayedBy { __typename slug }
  event { slug }
  aboutEvents { slug }
  date { ${dateFields} }
  audience { description members { __typename slug } evidence { ${evidenceFields} } }
  mentions { entity { __typename slug } evidence { ${evidenceFields} } }
  continues { slug }
  continuedBy { slug }
`;

function expectedDate(date: PartialDateData | undefined) {
  return date ? { value: date.value, precision: date.precision, qualifier: date.qualifier ?? 'ON', inferred: date.inferred, note: date.note ?? null } : null;
}

/** A statement record as the server should serve it for `statementFields`. */
function expectedStatement(statement: StatementData) {
  return {
    slug: statement.id,
    kind: statement.kind,
    text: statement.text,
    attribution: statement.attribution.text,
    attributionEvidence: servedEvidence(statement.attribution),
    evidence: servedEvidence(statement.evidence),
    source: { slug: statement.evidence.sourceId },
    speaker: statement.speakerId ? { slug: statement.speakerId, name: personData(statement.speakerId).name } : null,
    relayedBy: entityRef(statement.relayedById),
    event: statement.saidAtEventId ? { slug: statement.saidAtEventId } : null,
    aboutEvents: (statement.aboutEventIds ?? []).map((slug) => ({ slug })),
    date: expectedDate(statement.date),
    audience: statement.audience
      ? {
          description: statement.audience.description,
          members: (statement.audience.entityIds ?? []).map(entityRef),
          evidence: servedEvidence(statement.audience.evidence),
        }
      : null,
    mentions: (statement.mentions ?? []).map((m) => ({ entity: entityRef(m.entityId), evidence: servedEvidence(m.evidence) })),
    continues: statement.continuesId ? { slug: statement.continuesId } : null,
    continuedBy: statements.filter((s) => s.continuesId === statement.id).map((s) => ({ slug: s.id })),
  };
}

async function fetchStatement(slug: string, selection: string) {
  const data = await queryData(yoga, `query ($slug: String) { statement(slug: $slug) { ${selection} } }`, { slug });
  return data.statement;
}

describe('Statement fields', () => {
  it('serves every statement as the data records it', async () => {
    const data = await queryData(yoga, `{ statements(first: 100) { edges { node { ${statementFields} } } } }`);
    expect(data.statements.edges.map((e: { node: unknown }) => e.node)).toEqual(statements.map(expectedStatement));
  });

  it('serves text that is exactly the source text between the evidence offsets', async () => {
    const data = await queryData(
      yoga,
      `{ statements(first: 100) { edges { node { slug text source { text }
        evidence { start end text } attributionEvidence { start end text } mentions { evidence { start end text } } } } } }`,
    );
    expect(data.statements.edges).toHaveLength(statements.length);
    for (const { node } of data.statements.edges) {
      const sourceText: string = node.source.text;
      expect(node.text, node.slug).toBe(sourceText.slice(node.evidence.start, node.evidence.end));
      expect(node.evidence.text).toBe(node.text);
      expect(node.attributionEvidence.text).toBe(sourceText.slice(node.attributionEvidence.start, node.attributionEvidence.end));
      for (const mention of node.mentions) {
        expect(mention.evidence.text).toBe(sourceText.slice(mention.evidence.start, mention.evidence.end));
        // A mention's words stand inside the statement's words.
        expect(mention.evidence.start).toBeGreaterThanOrEqual(node.evidence.start);
        expect(mention.evidence.end).toBeLessThanOrEqual(node.evidence.end);
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
      const served = await fetchStatement(quote.id, 'kind text attribution speaker { slug name displayName }');
      const speaker = personData(quote.speakerId!);
      expect(served).toEqual({
        kind: 'QUOTE',
        text: quote.text,
        attribution: quote.attribution.text,
        speaker: { slug: speaker.id, name: speaker.name, displayName: speaker.name ?? speaker.label },
      });
    }
    const kirby = await fetchStatement('kirby-coalition-efforts-italy', 'attribution speaker { name }');
    expect(kirby).toEqual({ attribution: 'State Department spokesman John Kirby stated', speaker: { name: 'John Kirby' } });
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
