/**
 * Batching on PostgreSQL, counted where it costs: SQL statements. Every dataloader batch is one
 * statement, so a query's statement count depends on its shape (its levels and kinds of lookup), not on
 * how many items a page holds. Runs in the `postgres` project (it needs the project's server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresKnowledge } from '../src/store/postgres/database.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { createNewsgraph, type NewsgraphYoga } from '../src/server.js';
import { curatorTokens, dataDir, mutate, queryData, silentLogger, statementFeed } from './helpers.js';
import { openDatabase } from './store-under-test.js';


let database: PostgresKnowledge;
let yoga: NewsgraphYoga;
const sent: string[] = [];

beforeAll(async () => {
  // Nothing kept from one request for the next (tested last): each request's statements are its own.
  database = await openDatabase(dataDir, { onQuery: (sql) => sent.push(sql) }, { keptRecords: 0 });
  // No response cache: these tests repeat requests to count what each one sends.
  yoga = createNewsgraph({ database, logger: silentLogger, responseCache: false }).yoga;
});

afterAll(async () => {
  await database?.close();
});

/** The SQL statements one request through `server` sends (every reader here reports to `sent`). */
async function statementsThrough(server: NewsgraphYoga, document: string, variables?: Record<string, unknown>): Promise<{ data: any; statements: string[] }> {
  sent.length = 0;
  const data = await queryData(server, document, variables);
  return { data, statements: [...sent] };
}

/** The SQL statements one request sends to the server that keeps nothing across requests. */
function statementsOf(document: string, variables?: Record<string, unknown>): Promise<{ data: any; statements: string[] }> {
  return statementsThrough(yoga, document, variables);
}

/** The page bench:peer measures: 20 statements, each with its speaker and sources. */
const peerPage = '{ statements(first: 20) { edges { node { id text speaker { slug name revision } sources { title } } } } }';

/**
 * Runs `test` against a server (with a curator's token) on a new database that keeps `keptRecords`
 * records across requests (its default when not given), and closes the database after it.
 */
async function withKeptRecords(keptRecords: number | undefined, test: (read: () => Promise<{ data: any; statements: string[] }>, server: NewsgraphYoga, database: PostgresKnowledge) => Promise<void>): Promise<void> {
  const kept = await openDatabase(dataDir, { onQuery: (sql) => sent.push(sql) }, keptRecords === undefined ? {} : { keptRecords });
  try {
    const server = createNewsgraph({ database: kept, curatorTokens, logger: silentLogger, responseCache: false }).yoga;
    await test(() => statementsThrough(server, peerPage), server, kept);
  } finally {
    await kept.close();
  }
}

describe('batching on PostgreSQL', () => {
  it('sends the same statements for a feed of 2 statements as for all 24, a handful in all', async () => {
    const few = await statementsOf(statementFeed, { first: 2 });
    const all = await statementsOf(statementFeed, { first: 24 });
    expect(few.data.statements.edges).toHaveLength(2);
    expect(all.data.statements.edges).toHaveLength(24);
    expect(all.statements.length).toBe(few.statements.length);
    expect(all.statements.length).toBeLessThanOrEqual(8);
    // Each lookup sent once per level: the organizations of the whole feed in one statement.
    const organizationLookups = all.statements.filter((sql) => /FROM organizations WHERE id = ANY\(\$1/.test(sql));
    expect(organizationLookups).toHaveLength(1);
  });

  it('reads a page\'s records with the page, and the speakers\' with what they are, not by id afterwards', async () => {
    const document = '{ statements(first: 20) { edges { node { id text speaker { id name } reports { text } sources { title } } } } }';
    const { data, statements } = await statementsOf(document);
    expect(data.statements.edges).toHaveLength(20);
    expect(data.statements.edges.filter((edge: any) => edge.node.speaker?.name).length).toBeGreaterThan(5);
    // One statement: the page with its statements' records, what their speakers are (with their
    // records) and their reports' sources, since the query asks for speakers and sources.
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/AS speakers/);
    expect(statements[0]).toMatch(/AS report_sources/);
    // The same once graphql-jit runs the document (compiled on its second execution).
    for (let again = 0; again < 2; again += 1) {
      const repeated = await statementsOf(document);
      expect(repeated.data).toEqual(data);
      expect(repeated.statements).toHaveLength(1);
    }
    // Nothing read this way differs from what the lookups by id answer on their own (a fresh request each).
    for (const edge of data.statements.edges.slice(0, 5)) {
      const alone = await statementsOf('query ($id: ID!) { node(id: $id) { ... on Statement { id text speaker { id name } reports { text } sources { title } } } }', { id: edge.node.id });
      expect(alone.data.node).toEqual(edge.node);
    }
  });

  it('reads along only what the query asks of the statements, however it asks for it', async () => {
    const textOnly = await statementsOf('{ statements(first: 5) { edges { node { text } } } }');
    expect(textOnly.statements).toHaveLength(1);
    expect(textOnly.statements[0]).not.toMatch(/AS speakers|AS report_sources/);

    // attributedTo, through a fragment spread: the speakers along, not the sources.
    const attributed = await statementsOf('{ statements(first: 5) { edges { node { ...Who } } } } fragment Who on Statement { attributedTo { ... on Person { name } ... on Organization { name } } }');
    expect(attributed.statements).toHaveLength(1);
    expect(attributed.statements[0]).toMatch(/AS speakers/);
    expect(attributed.statements[0]).not.toMatch(/AS report_sources/);

    // A person's statements with their sources, through an inline fragment: every person's page and
    // its sources in one statement, then nothing more for the sources.
    const nested = await statementsOf('{ persons(first: 3) { edges { node { name statements(first: 2) { edges { node { ... on Statement { text sources { title } } } } } } } } }');
    const pages = nested.statements.filter((sql) => /AS report_sources/.test(sql));
    expect(pages).toHaveLength(1);
    expect(pages[0]).not.toMatch(/AS speakers/);
    expect(nested.statements.filter((sql) => /FROM sources WHERE id = ANY/.test(sql))).toEqual([]);
    const titles = nested.data.persons.edges.flatMap((edge: any) => edge.node.statements.edges.flatMap((statement: any) => statement.node.sources.map((source: any) => source.title)));
    expect(titles.length).toBeGreaterThan(0);
  });

  it('reads a feed that asks no more of its statements than their headings without their records, and the records when asked', async () => {
    const memory = createNewsgraph({ kb: await loadKnowledgeBase(dataDir), logger: silentLogger, responseCache: false }).yoga;
    const headingsOnly = '{ statements(first: 20) { edges { node { __typename id slug revision kind text sourceCount speaker { name } sources { title } } } } }';
    const feed = await statementsOf(headingsOnly);
    expect(feed.data.statements.edges).toHaveLength(20);
    // One statement: the page with its statements' headings from their columns, not their records.
    expect(feed.statements).toHaveLength(1);
    expect(feed.statements[0]).toMatch(/json_build_array\(t\.id, t\.revision/);
    expect(feed.statements[0]).not.toMatch(/t\.record_text/);
    expect(feed.data).toEqual(await queryData(memory, headingsOnly));

    // One field beyond the heading, even behind a fragment: the records, read with the page as before.
    const withMentions = '{ statements(first: 20) { edges { node { text sources { title } ...Mentions } } } } fragment Mentions on Statement { mentions { entity { __typename } } }';
    const records = await statementsOf(withMentions);
    expect(records.statements[0]).toMatch(/t\.record_text AS record/);
    expect(records.statements[0]).not.toMatch(/json_build_array\(t\.id, t\.revision/);
    expect(records.data).toEqual(await queryData(memory, withMentions));
  });

  it('reads sources without their text for a feed of titles, and the texts of all asked for in one more statement', async () => {
    const titles = await statementsOf('{ statements(first: 20) { edges { node { sources { title } } } } }');
    expect(titles.statements).toHaveLength(1);
    expect(titles.statements[0]).toMatch(/record_without_text/);
    expect(titles.statements.join('\n')).not.toMatch(/'text'/);

    const document = '{ statements(first: 20) { edges { node { sources { slug title text } reports { evidence { textBefore(length: 10) } } } } } }';
    const texts = await statementsOf(document);
    const sources = texts.data.statements.edges.flatMap((edge: any) => edge.node.sources);
    expect(new Set(sources.map((source: any) => source.slug)).size).toBeGreaterThan(0);
    const textReads = texts.statements.filter((sql) => /record ->> 'text'/.test(sql));
    expect(textReads).toHaveLength(1);
    expect(texts.statements).toHaveLength(2);
    // The same texts as the JSON store's.
    const memory = createNewsgraph({ kb: await loadKnowledgeBase(dataDir), logger: silentLogger, responseCache: false }).yoga;
    expect(texts.data).toEqual(await queryData(memory, document));
  });

  it('pages every parent\'s list on a level with one statement, and counts them with one more', async () => {
    const document = 'query ($first: Int!) { persons(first: $first) { edges { node { statements(first: 2) { totalCount edges { node { text } } } } } } }';
    const two = await statementsOf(document, { first: 2 });
    const all = await statementsOf(document, { first: 100 });
    expect(all.data.persons.edges.length).toBeGreaterThan(5);
    expect(all.statements.length).toBe(two.statements.length);
    // The root page, the persons, the statement pages of every person, their counts, the statements.
    expect(all.statements.length).toBeLessThanOrEqual(5);
  });

  it('sends no count for a page whose totalCount is not asked for', async () => {
    const withCount = await statementsOf('{ statements(first: 3) { totalCount edges { node { text } } } }');
    const without = await statementsOf('{ statements(first: 3) { edges { node { text } } } }');
    expect(withCount.statements.length).toBe(without.statements.length + 1);
    expect(without.statements.some((sql) => /count\(\*\)/i.test(sql))).toBe(false);
  });

  it('counts the records and builds the statistics once per dataset version, not on every request', async () => {
    const document = '{ dataset { counts { persons statements } } stats { statementsPerSpeaker { count } } }';
    const first = await statementsOf(document);
    expect(first.statements.length).toBeGreaterThan(0);
    const again = await statementsOf(document);
    expect(again.data).toEqual(first.data);
    expect(again.statements).toEqual([]);
  });

  it('keeps what requests read at a generation for the next requests that read it, and reads again after a change', async () => {
    await withKeptRecords(undefined, async (read, _server, database) => {
      const first = await read();
      // The page with its records, the speakers with theirs and the sources, in one statement.
      expect(first.statements).toHaveLength(1);
      const again = await read();
      expect(again.data).toEqual(first.data);
      // Only the page, and its ids alone: its records, the speakers and the sources were read at this generation.
      expect(again.statements).toHaveLength(1);
      expect(first.statements[0]).toMatch(/json_agg\(x\.record/);
      expect(again.statements[0]).not.toMatch(/record|AS speakers|AS report_sources/);

      // A change that moves the generation (as every change through a server and every import does).
      const speaker = first.data.statements.edges.find((edge: any) => edge.node.speaker?.name)!.node.speaker;
      const client = await database.pool.connect();
      try {
        await client.query(
          `WITH renamed AS (UPDATE persons SET record = jsonb_set(record, '{name}', '"Test Renamed Speaker"') WHERE record ->> 'name' = $1 RETURNING id)
           UPDATE dataset SET generation = generation + 1, version = 'test-renamed'`,
          [speaker.name],
        );
      } finally {
        client.release();
      }
      const changed = await read();
      expect(changed.statements).toHaveLength(1);
      expect(changed.statements[0]).toMatch(/AS speakers/);
      const names = changed.data.statements.edges.map((edge: any) => edge.node.speaker?.name);
      expect(names).toContain('Test Renamed Speaker');
      expect(names).not.toContain(speaker.name);
    });
  });

  it('keeps headings read at a generation for the next requests, and reads a changed statement\'s again', async () => {
    await withKeptRecords(undefined, async (_read, server) => {
      const document = '{ statements(first: 20) { edges { node { slug revision kind text sourceCount sources { slug } } } } }';
      const first = await statementsThrough(server, document);
      expect(first.statements).toHaveLength(1);
      expect(first.statements[0]).toMatch(/json_build_array\(t\.id, t\.revision/);
      const again = await statementsThrough(server, document);
      expect(again.data).toEqual(first.data);
      // The page's ids alone: the headings were read at this generation.
      expect(again.statements).toHaveLength(1);
      expect(again.statements[0]).not.toMatch(/json_build_array|record/);

      const statement = first.data.statements.edges[0].node;
      const kind = statement.kind === 'QUOTE' ? 'PARAPHRASE' : 'QUOTE';
      const changed = await mutate(server, 'mutation ($input: UpdateStatementInput!) { updateStatement(input: $input) { statement { revision } } }', {
        input: { statement: statement.slug, expectedRevision: statement.revision, kind },
      });
      expect(changed.errors).toBeUndefined();
      const after = await statementsThrough(server, document);
      expect(after.data.statements.edges[0].node).toEqual({ ...statement, kind, revision: statement.revision + 1 });
      expect(after.data.statements.edges.slice(1)).toEqual(first.data.statements.edges.slice(1));

      // A second report from the same source (fewer of its words): the source is listed and counted once.
      const { statement: reported } = await queryData(server, 'query ($slug: String!) { statement(slug: $slug) { revision reports { text source { slug } attribution { text } } } }', { slug: statement.slug });
      const [report] = reported.reports;
      const added = await mutate(server, 'mutation ($input: AddStatementReportInput!) { addStatementReport(input: $input) { statement { reports { source { slug } } } } }', {
        input: {
          statement: statement.slug,
          expectedRevision: reported.revision,
          words: { source: report.source.slug, quote: report.text.split(' ').slice(0, -1).join(' '), near: report.text },
          attribution: { quote: report.attribution.text },
        },
      });
      expect(added.errors).toBeUndefined();
      expect(added.data.addStatementReport.statement.reports).toEqual([{ source: report.source }, { source: report.source }]);
      const twice = await statementsThrough(server, document);
      expect(twice.statements[0]).toMatch(/json_build_array\(t\.id, t\.revision/);
      expect(twice.data.statements.edges[0].node).toEqual({ ...statement, kind, revision: statement.revision + 2 });
    });
  });

  it('looks up by id what it kept and has forgotten since, past the number of records it keeps', async () => {
    await withKeptRecords(3, async (read) => {
      const first = await read();
      const again = await read();
      expect(again.data).toEqual(first.data);
      // The page (ids alone: it was read before), then the statements, speakers and sources it no longer holds.
      expect(again.statements[0]).not.toMatch(/record/);
      expect(again.statements.some((sql) => /FROM statements WHERE id = ANY/.test(sql))).toBe(true);
    });
  });

  it('carries what a change left true over to the next generation, and reads again what it changed', async () => {
    await withKeptRecords(undefined, async (read, server) => {
      const first = await read();
      expect(first.statements).toHaveLength(1);
      expect((await read()).statements).toHaveLength(1);

      // A change that touches nothing on the page: the page is read again, with its records (a change
      // may move any list), but the speakers and sources kept at the generation before still hold.
      const created = await mutate(server, 'mutation { createPerson(input: { slug: "test-unrelated-person", name: "Test Unrelated Person", description: "A test person no statement names." }) { person { slug } } }');
      expect(created.errors).toBeUndefined();
      const afterUnrelated = await read();
      expect(afterUnrelated.data).toEqual(first.data);
      expect(afterUnrelated.statements).toHaveLength(1);
      expect(afterUnrelated.statements[0]).toMatch(/json_agg\(x\.record/);

      // A change to a speaker on the page: that speaker is read again, with the new name.
      const speaker = first.data.statements.edges.find((edge: any) => edge.node.speaker?.name)!.node.speaker;
      const renamed = await mutate(server, 'mutation ($input: UpdatePersonInput!) { updatePerson(input: $input) { person { name } } }', {
        input: { person: speaker.slug, expectedRevision: speaker.revision, name: 'Test Renamed Speaker' },
      });
      expect(renamed.errors).toBeUndefined();
      const afterRename = await read();
      const names = afterRename.data.statements.edges.map((edge: any) => edge.node.speaker?.name);
      expect(names).toContain('Test Renamed Speaker');
      expect(names).not.toContain(speaker.name);
      // The page, read at the new generation with its records and speakers: nothing else.
      expect(afterRename.statements).toHaveLength(1);
    });
  });
});
