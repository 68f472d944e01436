/** Statement: the root connection, the lookups, and every field checked against the fixture dataset (test/fixtures/dataset) and the article. */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { evidenceSchema, partialDateSchema, personSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { describeRootCollection, readData, readStatementsInSourceOrder } from './contract.js';
import { createTestServer, queryData } from './helpers.js';

type StatementData = z.input<typeof statementSchema>;
type PersonData = z.input<typeof personSchema>;
type EvidenceData = z.input<typeof evidenceSchema>;
type PartialDateData = z.input<typeof partialDateSchema>;

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

// ---------------------------------------------------------------------------------------------
// Root connection and lookups: the contract every root collection keeps (test/contract.ts)
// ---------------------------------------------------------------------------------------------

describeRootCollection({ typename: 'Statement', rootField: 'statements', lookupField: 'statement', dataFile: 'statements.json', order: 'source', otherRootField: 'sources' });

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
