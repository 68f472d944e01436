/** Source: the root connection, the lookups, the article itself, and Evidence context checked against the seed text. */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { sourceSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { describeRootCollection, rootCollections, readData, readStatementsInSourceOrder, slugsOf } from './contract.js';
import { createTestServer, queryData } from './helpers.js';

type SourceData = z.input<typeof sourceSchema>;
type StatementData = z.input<typeof statementSchema>;

/** The article the knowledge base models; data/sources.json holds its text. */
const seedFile = '/work/shared/seeds/000_f4761b6637344e7b.txt';

let yoga: NewsgraphYoga;
let sources: SourceData[];
let statements: StatementData[];
let seedBytes: Buffer;
let seedText: string;

beforeAll(async () => {
  yoga = await createTestServer();
  [sources, statements] = await Promise.all([readData<SourceData>('sources.json'), readStatementsInSourceOrder()]);
  seedBytes = await readFile(seedFile);
  seedText = seedBytes.toString('utf8');
});

// ---------------------------------------------------------------------------------------------
// Root connection and lookups: the contract every root collection keeps (test/contract.ts)
// ---------------------------------------------------------------------------------------------

describeRootCollection(rootCollections.Source);

// ---------------------------------------------------------------------------------------------
// The article
// ---------------------------------------------------------------------------------------------

const articleSlug = 'kerry-to-nato-ante-up';

async function fetchArticle(selection: string) {
  const data = await queryData(yoga, `query ($slug: String) { source(slug: $slug) { ${selection} } }`, { slug: articleSlug });
  return data.source;
}

describe('Source fields', () => {
  it('serves every source as the data records it', async () => {
    for (const source of sources) {
      const data = await queryData(yoga, 'query ($slug: String) { source(slug: $slug) { slug kind title text language origin } }', { slug: source.id });
      expect(data.source).toEqual({
        slug: source.id,
        kind: source.kind,
        title: source.title,
        text: source.text,
        language: source.language,
        origin: source.origin ?? null,
      });
    }
  });

  it('serves the article text byte for byte as the seed file has it', async () => {
    const article = await fetchArticle('text');
    expect(Buffer.from(article.text, 'utf8').equals(seedBytes)).toBe(true);
    expect(article.text).toHaveLength(seedText.length);
  });

  it('serves the headline as title, the language and the kind', async () => {
    expect(await fetchArticle('title language kind')).toEqual({
      title: seedText.split('\n')[0],
      language: 'en',
      kind: 'NEWS_ARTICLE',
    });
    expect((await fetchArticle('title')).title).toBe('Kerry to NATO: Ante up for Islamic State fight');
  });

  it('dates the article to December 2015, inferred, with a note saying how', async () => {
    const { publishedOn } = await fetchArticle('publishedOn { value precision qualifier inferred note earliest latest text }');
    const recorded = sources.find((s) => s.id === articleSlug)!.publishedOn!;
    expect(publishedOn).toEqual({
      value: '2015-12',
      precision: 'MONTH',
      qualifier: 'ON',
      inferred: true,
      note: recorded.note,
      earliest: '2015-12-01',
      latest: '2015-12-31',
      text: 'December 2015',
    });
    expect(recorded).toMatchObject({ value: publishedOn.value, precision: publishedOn.precision, inferred: true });
    expect(publishedOn.note).toMatch(/Tuesday/);
  });

  it('lists every statement of the source once, in the same order as Query.statements', async () => {
    const article = await fetchArticle('statements(first: 100) { totalCount edges { node { slug source { slug } sources { slug } } } }');
    const expected = statements.filter((s) => s.reports.some((report) => !report.retracted && report.evidence.sourceId === articleSlug)).map((s) => s.id);
    expect(article.statements.totalCount).toBe(expected.length);
    expect(slugsOf(article.statements)).toEqual(expected);
    for (const { node } of article.statements.edges) {
      expect(node.sources).toContainEqual({ slug: articleSlug });
      // The deprecated single source, for old clients: the fixture's statements have one report each.
      expect(node.source).toEqual({ slug: articleSlug });
    }

    const all = await queryData(yoga, '{ statements(first: 100) { edges { node { slug } } } }');
    expect(slugsOf(article.statements)).toEqual(slugsOf(all.statements));
  });

  it('pages the statements of the source 20 at a time by default', async () => {
    const first = await fetchArticle('statements { totalCount edges { node { slug } } pageInfo { hasNextPage endCursor } }');
    expect(first.statements.edges).toHaveLength(Math.min(20, statements.length));
    expect(first.statements.pageInfo.hasNextPage).toBe(statements.length > 20);
    const rest = await queryData(yoga, 'query ($after: String) { source(slug: "kerry-to-nato-ante-up") { statements(after: $after) { edges { node { slug } } pageInfo { hasNextPage } } } }', {
      after: first.statements.pageInfo.endCursor,
    });
    expect([...slugsOf(first.statements), ...slugsOf(rest.source.statements)]).toEqual(statements.map((s) => s.id));
    expect(rest.source.statements.pageInfo.hasNextPage).toBe(false);
  });

  it('lists the persons, organizations, countries and events the source has evidence about, in file order', async () => {
    // The fixture has one source, and every record of it rests on words of that article.
    for (const [field, file] of [
      ['persons', 'persons.json'],
      ['organizations', 'organizations.json'],
      ['countries', 'countries.json'],
      ['events', 'events.json'],
    ] as const) {
      const article = await fetchArticle(`${field}(first: 100) { totalCount edges { node { slug } } pageInfo { hasNextPage } }`);
      const expected = (await readData<{ id: string }>(file)).map((record) => record.id);
      expect(article[field].totalCount, field).toBe(expected.length);
      expect(slugsOf(article[field]), field).toEqual(expected);
      expect(article[field].pageInfo.hasNextPage).toBe(false);
    }
    // They page like any connection.
    const firstTwo = await fetchArticle('persons(first: 2) { edges { node { slug } } pageInfo { hasNextPage } }');
    expect(slugsOf(firstTwo.persons)).toEqual((await readData<{ id: string }>('persons.json')).slice(0, 2).map((record) => record.id));
    expect(firstTwo.persons.pageInfo.hasNextPage).toBe(true);
  });

  // statements.json is not in source order (trudeau-pull-jets, at offset 1443, follows
  // kirby-member-nations-efforts, at 1572): the server must order them itself.
  it('lists the statements in the order their words appear in the source', async () => {
    const article = await fetchArticle('statements(first: 100) { edges { node { slug evidence { start } } } }');
    const starts = article.statements.edges.map((e: { node: { evidence: { start: number } } }) => e.node.evidence.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });
});

// ---------------------------------------------------------------------------------------------
// Evidence in context
// ---------------------------------------------------------------------------------------------

interface ServedEvidence {
  start: number;
  end: number;
  text: string;
  source: { slug: string };
  before: string;
  after: string;
  before20: string;
  after20: string;
}

const contextFields = 'start end text source { slug } before: textBefore after: textAfter before20: textBefore(length: 20) after20: textAfter(length: 20)';

interface StatementSpans {
  reports: { evidence: ServedEvidence; attribution: ServedEvidence }[];
  mentions: { provenance: { evidence: ServedEvidence[] } }[];
}

/** Every evidence span of every statement (each report's words and attribution, its mentions), with context; a few statements a page, for the cost limit. */
async function statementEvidence(): Promise<ServedEvidence[]> {
  const spans: ServedEvidence[] = [];
  let after: string | null = null;
  for (;;) {
    const data: { statements: { edges: { node: StatementSpans }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } = await queryData(
      yoga,
      `query ($after: String) { statements(first: 10, after: $after) { edges { node {
        reports { evidence { ${contextFields} } attribution { ${contextFields} } } mentions { provenance { evidence { ${contextFields} } } }
      } } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    for (const { node } of data.statements.edges) {
      spans.push(...node.reports.flatMap((report) => [report.evidence, report.attribution]), ...node.mentions.flatMap((mention) => mention.provenance.evidence));
    }
    if (!data.statements.pageInfo.hasNextPage) return spans;
    after = data.statements.pageInfo.endCursor;
  }
}

/** `before` is source text ending where the evidence starts, at most `length` long, cut at a word boundary. */
function expectContextBefore(before: string, evidence: ServedEvidence, length: number): void {
  const from = evidence.start - before.length;
  expect(seedText.slice(from, evidence.start)).toBe(before);
  expect(before.length).toBeLessThanOrEqual(length);
  if (before !== '') expect(from === 0 || /\s/.test(seedText[from - 1]!)).toBe(true);
}

/** `after` is source text starting where the evidence ends, at most `length` long, cut at a word boundary. */
function expectContextAfter(after: string, evidence: ServedEvidence, length: number): void {
  const to = evidence.end + after.length;
  expect(seedText.slice(evidence.end, to)).toBe(after);
  expect(after.length).toBeLessThanOrEqual(length);
  if (after !== '') expect(to === seedText.length || /\s/.test(seedText[to]!)).toBe(true);
}

describe('Evidence', () => {
  it('has text equal to the source text between its offsets', async () => {
    const spans = await statementEvidence();
    expect(spans.length).toBeGreaterThan(statements.length);
    for (const span of spans) {
      expect(span.source).toEqual({ slug: articleSlug });
      expect(seedText.slice(span.start, span.end)).toBe(span.text);
    }
  });

  it('gives the source text just before and after the evidence, cut at word boundaries', async () => {
    for (const span of await statementEvidence()) {
      expectContextBefore(span.before, span, 80);
      expectContextAfter(span.after, span, 80);
      expectContextBefore(span.before20, span, 20);
      expectContextAfter(span.after20, span, 20);
      // With 80 characters of room there is always at least one whole word of context.
      if (span.start >= 80) expect(span.before).not.toBe('');
      if (span.end + 80 <= seedText.length) expect(span.after).not.toBe('');
    }
  });

  it('shows the attribution around a quote', async () => {
    const calm = await queryData(yoga, '{ statement(slug: "stoltenberg-calm-de-escalation") { evidence { text textAfter(length: 12) } } }');
    expect(calm.statement.evidence).toEqual({ text: 'Calm and de-escalation is now of the essence', textAfter: ',” he said.' });
    const dialogue = await queryData(yoga, '{ statement(slug: "stoltenberg-direct-dialogue") { evidence { textBefore(length: 12) textAfter } } }');
    expect(dialogue.statement.evidence.textBefore).toBe('he said. “');
    expect(seedText).toContain(`he said. “And I encourage direct dialogue between Moscow and Ankara.${dialogue.statement.evidence.textAfter}`);
  });

  it('returns no context for length 0, and the rest of the text at the end of the source', async () => {
    const last = await queryData(yoga, '{ statement(slug: "stoltenberg-readiness") { attributionEvidence { end textBefore(length: 0) textAfter(length: 0) long: textAfter(length: 1000) } } }');
    const evidence = last.statement.attributionEvidence;
    expect(evidence.textBefore).toBe('');
    expect(evidence.textAfter).toBe('');
    expect(evidence.long).toBe(seedText.slice(evidence.end));
    expect(evidence.long).toContain('Related Content');
  });

  it('returns all the text before evidence that stands within `length` of the start of the source', async () => {
    const data = await queryData(yoga, '{ statement(slug: "kerry-calls-on-nato-to-pony-up") { attributionEvidence { start text textBefore } } }');
    const evidence = data.statement.attributionEvidence;
    expect(evidence.text).toMatch(/^Secretary of State John Kerry/);
    expect(evidence.textBefore).toBe(seedText.slice(0, evidence.start));
  });
});
