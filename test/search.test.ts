/** Full-text search through the real server: ranking, matched fields, snippets and highlights, paging, and errors, checked against the fixture dataset (test/fixtures/dataset). */
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { searchIndexFor } from '../src/kb/search.js';
import type { countrySchema, eventSchema, organizationSchema, personSchema, statementSchema } from '../src/kb/records.js';
import { foldText } from '../src/kb/text.js';
import type { NewsgraphYoga } from '../src/server.js';
import { createTestServer, dataDir, query, queryData, servedReader } from './helpers.js';
import { storeUnderTest } from './store-under-test.js';

type PersonData = z.input<typeof personSchema>;
type CountryData = z.input<typeof countrySchema>;
type OrganizationData = z.input<typeof organizationSchema>;
type EventData = z.input<typeof eventSchema>;
type StatementData = z.input<typeof statementSchema>;

async function readData<T>(file: string, dir = dataDir): Promise<T[]> {
  return JSON.parse(await readFile(path.join(dir, file), 'utf8')) as T[];
}

interface Hit {
  node: { __typename: string; id: string; slug: string };
  score: number;
  matchedField: string;
  matchedValue: string;
  matchedTerms: string[];
  snippet: { text: string; highlights: { start: number; end: number }[] };
}

interface SearchPage {
  totalCount: number;
  edges: { cursor: string; node: Hit }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
}

const searchDocument = `
  query ($query: String!, $types: [SearchableType!], $first: Int, $after: String) {
    search(query: $query, types: $types, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          node { __typename ... on Node { id } ... on Entity { slug } ... on Statement { slug } }
          score matchedField matchedValue matchedTerms
          snippet { text highlights { start end } }
        }
      }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }`;

let yoga: NewsgraphYoga;
let persons: PersonData[];
let countries: CountryData[];
let organizations: OrganizationData[];
let events: EventData[];
let statements: StatementData[];

beforeAll(async () => {
  yoga = await createTestServer();
  [persons, countries, organizations, events, statements] = await Promise.all([
    readData<PersonData>('persons.json'),
    readData<CountryData>('countries.json'),
    readData<OrganizationData>('organizations.json'),
    readData<EventData>('events.json'),
    readData<StatementData>('statements.json'),
  ]);
});

async function search(searchQuery: string, args: { types?: string[]; first?: number; after?: string } = {}, server = yoga): Promise<SearchPage> {
  const data = await queryData<{ search: SearchPage }>(server, searchDocument, { query: searchQuery, ...args });
  return data.search;
}

async function hits(searchQuery: string, args: { types?: string[] } = {}, server = yoga): Promise<Hit[]> {
  return (await search(searchQuery, { ...args, first: 100 }, server)).edges.map((edge) => edge.node);
}

function only<T>(records: T[], predicate: (record: T) => boolean, what: string): T {
  const found = records.filter(predicate);
  if (found.length !== 1) throw new Error(`expected exactly one ${what} in the data, found ${found.length}`);
  return found[0]!;
}

/** The highlighted stretches of a snippet, as they read in its text. */
function highlighted(hit: Hit): string[] {
  return hit.snippet.highlights.map(({ start, end }) => hit.snippet.text.slice(start, end));
}

/** Checks that every highlight lies in the snippet, in order, and marks a word whose folded parts all matched. */
function expectHighlightsConsistent(hit: Hit): void {
  let previousEnd = 0;
  for (const { start, end } of hit.snippet.highlights) {
    expect(start).toBeGreaterThanOrEqual(previousEnd);
    expect(end).toBeGreaterThan(start);
    expect(end).toBeLessThanOrEqual(hit.snippet.text.length);
    previousEnd = end;
    const parts = foldText(hit.snippet.text.slice(start, end)).split(/['-]/);
    for (const part of parts) expect(hit.matchedTerms).toContain(part);
  }
}

describe('Query.search', () => {
  it.each(['Daesh', 'ISIL'])('finds Islamic State first for its alias "%s" and says which alias matched', async (alias) => {
    const organization = only(organizations, (o) => o.aliases?.includes(alias) === true && o.name === 'Islamic State', `organization with alias ${alias}`);
    const [first, ...rest] = await hits(alias);
    expect(first).toMatchObject({
      node: { __typename: 'Organization', slug: organization.id },
      matchedField: 'ALIAS',
      matchedValue: alias,
      matchedTerms: [alias.toLowerCase()],
      snippet: { text: alias, highlights: [{ start: 0, end: alias.length }] },
    });
    // Statements that say the word rank below the organization it names, and are found all the same.
    const saying = statements.filter((s) => s.text.includes(alias)).map((s) => s.id);
    expect(saying.length).toBeGreaterThan(0);
    expect(rest.filter((hit) => hit.node.__typename === 'Statement').map((hit) => hit.node.slug).sort()).toEqual(saying.sort());
    for (const hit of rest) expect(hit.score).toBeLessThanOrEqual(first!.score);
  });

  it('completes a prefix: "stolten" finds Jens Stoltenberg first', async () => {
    const person = only(persons, (p) => p.name === 'Jens Stoltenberg', 'Jens Stoltenberg');
    const [first] = await hits('stolten');
    expect(first?.node).toEqual({ __typename: 'Person', slug: person.id, id: expect.any(String) });
    expect(first?.matchedTerms).toEqual(['stoltenberg']);
    expect([person.name, ...(person.aliases ?? [])]).toContain(first?.matchedValue);
    expect(highlighted(first!)).toEqual(['Stoltenberg']);
  });

  it('finds the quote that says "de-escalation" and highlights the whole word', async () => {
    const statement = only(statements, (s) => s.text.includes('de-escalation'), 'statement saying de-escalation');
    const [first] = await hits('de-escalation');
    expect(first).toMatchObject({ node: { __typename: 'Statement', slug: statement.id }, matchedField: 'TEXT', matchedValue: statement.text });
    expect(first!.snippet.text).toBe(statement.text);
    expect(highlighted(first!)).toEqual(['de-escalation']);
    const { start } = first!.snippet.highlights[0]!;
    expect(start).toBe(statement.text.indexOf('de-escalation'));
  });

  it('finds the NATO foreign ministers\' meeting for "Brussels", the city it took place in', async () => {
    const event = only(events, (e) => e.locations?.some((l) => l.city === 'Brussels') === true, 'event in Brussels');
    const [first] = await hits('Brussels');
    expect(first?.node).toMatchObject({ __typename: 'Event', slug: event.id });
    expect(first?.matchedValue).toContain('Brussels');
  });

  it('finds an event by the country of its location, as a LOCATION match', async () => {
    const event = only(events, (e) => e.locations?.some((l) => l.city === 'Brussels') === true, 'event in Brussels');
    const location = event.locations!.find((l) => l.city === 'Brussels')!;
    const country = only(countries, (c) => c.id === location.countryId, 'country of Brussels');
    const [first] = await hits(country.name, { types: ['EVENT'] });
    expect(first).toMatchObject({
      node: { __typename: 'Event', slug: event.id },
      matchedField: 'LOCATION',
      matchedValue: `${location.city}, ${country.name}`,
    });
    expect(highlighted(first!)).toEqual([country.name]);
  });

  it('ignores case and accents: "STEPHANE dion" finds Stéphane Dion first, by name, highlighting the accented word', async () => {
    const person = only(persons, (p) => p.name === 'Stéphane Dion', 'Stéphane Dion');
    const [first] = await hits('STEPHANE dion');
    expect(first).toMatchObject({ node: { __typename: 'Person', slug: person.id }, matchedField: 'NAME', matchedValue: 'Stéphane Dion' });
    expect(first!.matchedTerms.sort()).toEqual(['dion', 'stephane']);
    expect(highlighted(first!)).toEqual(['Stéphane', 'Dion']);
  });

  it.each([
    ['Stoltenbreg', 'Jens Stoltenberg'],
    ['Gentilini', 'Paolo Gentiloni'],
  ])('tolerates a typo: "%s" finds %s', async (typo, name) => {
    const person = only(persons, (p) => p.name === name, name);
    const [first] = await hits(typo);
    expect(first?.node).toMatchObject({ __typename: 'Person', slug: person.id });
  });

  it('keeps only the requested types, with the same scores and order as an unfiltered search', async () => {
    const all = await hits('Kerry');
    const onlyPersons = await hits('Kerry', { types: ['PERSON'] });
    expect(onlyPersons.length).toBeGreaterThan(0);
    expect(onlyPersons.every((hit) => hit.node.__typename === 'Person')).toBe(true);
    expect(onlyPersons).toEqual(all.filter((hit) => hit.node.__typename === 'Person'));
    const kerry = only(persons, (p) => p.name === 'John Kerry', 'John Kerry');
    expect(onlyPersons[0]?.node.slug).toBe(kerry.id);

    const mixed = await hits('Kerry', { types: ['EVENT', 'STATEMENT'] });
    expect(mixed).toEqual(all.filter((hit) => hit.node.__typename === 'Event' || hit.node.__typename === 'Statement'));
  });

  it('returns one hit per record, ranked by score', async () => {
    const list = await hits('NATO meeting');
    const keys = list.map((hit) => `${hit.node.__typename}:${hit.node.slug}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (let i = 1; i < list.length; i++) expect(list[i]!.score).toBeLessThanOrEqual(list[i - 1]!.score);
  });

  it('walks every hit once with first/after, with a stable totalCount', async () => {
    const everything = await search('the', { first: 100 });
    expect(everything.totalCount).toBeGreaterThan(7);
    expect(everything.pageInfo.hasNextPage).toBe(false);
    const expected = everything.edges.map((edge) => edge.node.node.id);

    const seen: string[] = [];
    let after: string | undefined;
    for (let pageNumber = 0; ; pageNumber++) {
      const page = await search('the', { first: 7, after });
      expect(page.totalCount).toBe(everything.totalCount);
      expect(page.pageInfo.hasPreviousPage).toBe(pageNumber > 0);
      seen.push(...page.edges.map((edge) => edge.node.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('returns 20 hits by default', async () => {
    const page = await search('the');
    expect(page.totalCount).toBeGreaterThan(20);
    expect(page.edges).toHaveLength(20);
    expect(page.pageInfo.hasNextPage).toBe(true);
  });

  it('finds nothing, without an error, for words that match nothing or a query without words', async () => {
    for (const nothing of ['zzyzx', '—?!']) {
      const page = await search(nothing);
      expect(page).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    }
  });

  it('cuts a long value around the match, at word boundaries, and points the highlight at the matched word', async () => {
    const statement = only(statements, (s) => s.text.length > 200 && s.text.endsWith('defend against ISIL'), 'long statement ending "defend against ISIL"');
    const hit = (await hits('defend', { types: ['STATEMENT'] })).find((h) => h.node.slug === statement.id);
    expect(hit).toBeDefined();
    const { text } = hit!.snippet;
    expect(text.length).toBeLessThanOrEqual(162);
    expect(text.startsWith('…')).toBe(true);
    expect(text.endsWith('…')).toBe(false);
    const inner = text.slice(1);
    expect(statement.text.endsWith(inner)).toBe(true);
    // Cut at a word boundary: the character before the kept text is not a letter.
    expect(statement.text.at(-inner.length - 1)).toMatch(/[^\p{L}\p{N}]/u);
    expect(highlighted(hit!).map(foldText)).toEqual(['defend']);
    expectHighlightsConsistent(hit!);
  });

  it.each(['Daesh', 'stolten', 'de-escalation', 'STEPHANE dion', 'Ankara and Moscow', 'Turkey’s downing', 'U.S. coalition', 'Kerry Gentiloni'])(
    'marks only matched words in the snippet for "%s"',
    async (searchQuery) => {
      const list = await hits(searchQuery);
      expect(list.length).toBeGreaterThan(0);
      for (const hit of list) {
        expect(hit.snippet.highlights.length).toBeGreaterThan(0);
        expect(hit.matchedTerms.length).toBeGreaterThan(0);
        expectHighlightsConsistent(hit);
      }
    },
  );

  it.each([
    ['', '"query" must contain something to search for'],
    ['   \t ', '"query" must contain something to search for'],
    ['x'.repeat(201), '"query" must be at most 200 characters, got 201'],
  ])('rejects the query %j with BAD_USER_INPUT', async (searchQuery, message) => {
    const result = await query(yoga, searchDocument, { query: searchQuery });
    expect(result.status).toBe(200);
    expect(result.data).toBeNull();
    expect(result.errors?.map((error) => ({ message: error.message, code: error.extensions?.code }))).toEqual([{ message, code: 'BAD_USER_INPUT' }]);
  });

  it('accepts a query of exactly 200 characters', async () => {
    const result = await query(yoga, searchDocument, { query: `Kerry ${'x'.repeat(194)}` });
    expect(result.errors).toBeUndefined();
  });

  it('rejects an empty list of types and an out-of-range page size with BAD_USER_INPUT', async () => {
    const empty = await query(yoga, searchDocument, { query: 'Kerry', types: [] });
    expect(empty.errors?.map((error) => ({ message: error.message, code: error.extensions?.code }))).toEqual([
      { message: '"types" must name at least one type; omit it to search every type', code: 'BAD_USER_INPUT' },
    ]);
    const tooMany = await query(yoga, searchDocument, { query: 'Kerry', first: 101 });
    expect(tooMany.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('search and the knowledge base', () => {
  it.runIf(storeUnderTest === 'memory')('builds the in-memory index once per knowledge base', async () => {
    const kb = await loadKnowledgeBase(dataDir);
    expect(searchIndexFor(kb)).toBe(searchIndexFor(kb));
  });

  it('loads hit nodes through the request loaders, one batch per type', async () => {
    const kb = await loadKnowledgeBase(dataDir);
    const server = await createTestServer(kb);
    const batches = vi.spyOn(await servedReader(kb), 'recordsByIds');
    try {
      const page = await search('the', { first: 50 }, server);
      const typenames = new Set(page.edges.map((edge) => edge.node.node.__typename));
      expect(typenames).toContain('Statement');
      expect(typenames).toContain('Person');
      const kinds = batches.mock.calls.map(([kind]) => kind);
      expect(kinds.filter((kind) => kind === 'Statement')).toHaveLength(1);
      expect(kinds.filter((kind) => kind === 'Person')).toHaveLength(1);
    } finally {
      batches.mockRestore();
    }
  });
});

describe('search over values whose folding changes their length', () => {
  let dir: string;
  let server: NewsgraphYoga;
  const decomposedName = 'Ste\u0301phane Dion'; // "é" as "e" plus a combining accent: one code unit longer than folded

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-search-'));
    for (const file of await readdir(dataDir)) if (file.endsWith('.json')) await copyFile(path.join(dataDir, file), path.join(dir, file));
    const people = await readData<PersonData>('persons.json', dir);
    only(people, (p) => p.name === 'Stéphane Dion', 'Stéphane Dion').name = decomposedName;
    await writeFile(path.join(dir, 'persons.json'), JSON.stringify(people, null, 2));
    server = await createTestServer(await loadKnowledgeBase(dir));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('highlights the original words, accents and all, at their original offsets', async () => {
    const [first] = await hits('stephane dion', {}, server);
    expect(first).toMatchObject({ matchedField: 'NAME', matchedValue: decomposedName, snippet: { text: decomposedName } });
    expect(first!.snippet.highlights).toEqual([
      { start: 0, end: 'Ste\u0301phane'.length },
      { start: 'Ste\u0301phane '.length, end: decomposedName.length },
    ]);
    expect(highlighted(first!)).toEqual(['Ste\u0301phane', 'Dion']);
  });
});
