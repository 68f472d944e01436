/**
 * Search from PostgreSQL (src/store/postgres/search.ts) on a real PostgreSQL server (test/postgres.ts),
 * held to the behaviours test/search.test.ts pins for the in-memory index: prefix completion, typo
 * tolerance, accents, aliases, hyphenated words, ranking by how much of the query matched, the kinds
 * filter leaving scores alone, one hit per record with its best value, a fixed tie order, snippets and
 * highlights cut by the shared `snippetOf`, keyset pages with record ids as cursors, counts consistent
 * with pages, a statement or two per call on small data, and plans that read through indexes only; and, on
 * generated data, rankings that stop reading early yet equal the full ranking.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityKind, KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { UnknownCursorError } from '../src/kb/pages.js';
import { readerOf } from '../src/kb/reader.js';
import { searchKindOrder, snippetOf, type SearchHit } from '../src/kb/search.js';
import { foldText } from '../src/kb/text.js';
import { searchCount, searchPage } from '../src/store/postgres/search.js';
import { rowsOf, type RowsOf } from '../src/store/postgres/sql.js';
import { dataDir as fixtureDir, generateFixtureDataset } from './helpers.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { fillDatabase, testPool } from './store-under-test.js';

let server: PostgresServer;
let kb: KnowledgeBase;
let pool: pg.Pool;
let decomposedPool: pg.Pool;
let decomposedDir: string;
/** Every statement sent, in order. */
const sent: string[] = [];
const rows = () => rowsOf(pool, { onQuery: (text) => sent.push(text) });

async function importedPool(dir: string): Promise<pg.Pool> {
  const url = await server.createDatabase();
  await fillDatabase(url, dir);
  return testPool(url, 2);
}

const decomposedName = 'Ste\u0301phane Dion'; // "é" as "e" plus a combining accent: one code unit longer than folded

beforeAll(async () => {
  server = await startPostgres();
  decomposedDir = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-pg-search-'));
  await cp(fixtureDir, decomposedDir, { recursive: true, filter: (source) => source === fixtureDir || source.endsWith('.json') });
  const personsFile = path.join(decomposedDir, 'persons.json');
  const persons = JSON.parse(await readFile(personsFile, 'utf8'));
  persons.find((p: { name: string }) => p.name === 'Stéphane Dion').name = decomposedName;
  await writeFile(personsFile, JSON.stringify(persons, null, 2));
  [kb, pool, decomposedPool] = await Promise.all([loadKnowledgeBase(fixtureDir), importedPool(fixtureDir), importedPool(decomposedDir)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([pool?.end(), decomposedPool?.end()]);
  await server?.stop();
  if (decomposedDir) await rm(decomposedDir, { recursive: true, force: true });
});

async function hits(text: string, kinds?: readonly EntityKind[], on = pool): Promise<readonly SearchHit[]> {
  return (await searchPage(rowsOf(on), text, kinds, { first: 1000 })).items;
}

function only<T>(records: readonly T[], predicate: (record: T) => boolean, what: string): T {
  const found = records.filter(predicate);
  if (found.length !== 1) throw new Error(`expected exactly one ${what} in the data, found ${found.length}`);
  return found[0]!;
}

function highlighted(hit: SearchHit): string[] {
  const snippet = snippetOf(hit);
  return snippet.highlights.map(({ start, end }) => snippet.text.slice(start, end));
}

/** What a client sees of a hit. */
function seen(hit: SearchHit) {
  return { recordId: hit.recordId, kind: hit.kind, score: hit.score, field: hit.field, value: hit.value, terms: hit.terms, snippet: snippetOf(hit) };
}

describe('search from PostgreSQL', () => {
  it.each(['Daesh', 'ISIL'])('finds Islamic State first for its alias "%s", by that alias, and every statement that says it below', async (alias) => {
    const organization = only(kb.records.organizations, (o) => o.aliases.includes(alias) && o.name === 'Islamic State', `organization with alias ${alias}`);
    const [first, ...rest] = await hits(alias);
    expect(first).toMatchObject({ recordId: organization.id, kind: 'Organization', field: 'ALIAS', value: alias, terms: [alias.toLowerCase()] });
    expect(snippetOf(first!)).toEqual({ text: alias, highlights: [{ start: 0, end: alias.length }] });
    const saying = kb.records.statements.filter((s) => s.text.includes(alias)).map((s) => s.id);
    expect(saying.length).toBeGreaterThan(0);
    expect(rest.filter((hit) => hit.kind === 'Statement').map((hit) => hit.recordId).sort()).toEqual(saying.sort());
    for (const hit of rest) expect(hit.score).toBeLessThanOrEqual(first!.score);
  });

  it('completes a prefix from 3 letters: "stolten" finds Jens Stoltenberg first', async () => {
    const person = only(kb.records.persons, (p) => p.name === 'Jens Stoltenberg', 'Jens Stoltenberg');
    const [first] = await hits('stolten');
    expect(first).toMatchObject({ recordId: person.id, kind: 'Person', terms: ['stoltenberg'] });
    expect(highlighted(first!)).toEqual(['Stoltenberg']);
    // Two letters are no prefix.
    expect((await hits('st')).map((hit) => hit.recordId)).not.toContain(person.id);
  });

  it('finds the quote that says "de-escalation" and highlights the whole word; a hyphenated word needs all its parts', async () => {
    const statement = only(kb.records.statements, (s) => s.text.includes('de-escalation'), 'statement saying de-escalation');
    const [first] = await hits('de-escalation');
    expect(first).toMatchObject({ recordId: statement.id, field: 'TEXT', value: statement.text });
    expect(highlighted(first!)).toEqual(['de-escalation']);
    expect(snippetOf(first!).highlights[0]!.start).toBe(statement.text.indexOf('de-escalation'));
    for (const hit of await hits('de-escalation')) expect(hit.terms).toEqual(expect.arrayContaining(['de', 'escalation']));
    expect(await hits('de-zzyzx')).toEqual([]);
  });

  it('finds an event by its city and by the country of its location, as a LOCATION match', async () => {
    const event = only(kb.records.events, (e) => e.locations.some((l) => l.city === 'Brussels'), 'event in Brussels');
    const location = event.locations.find((l) => l.city === 'Brussels')!;
    const country = only(kb.records.countries, (c) => c.id === location.countryId, 'country of Brussels');
    const [byCity] = await hits('Brussels');
    expect(byCity).toMatchObject({ recordId: event.id, kind: 'Event' });
    expect(byCity!.value).toContain('Brussels');
    const [byCountry] = await hits(country.name, ['Event']);
    expect(byCountry).toMatchObject({ recordId: event.id, field: 'LOCATION', value: `${location.city}, ${country.name}` });
    expect(highlighted(byCountry!)).toEqual([country.name]);
  });

  it('ignores case and accents: "STEPHANE dion" finds Stéphane Dion first, by name, highlighting the accented word', async () => {
    const person = only(kb.records.persons, (p) => p.name === 'Stéphane Dion', 'Stéphane Dion');
    const [first] = await hits('STEPHANE dion');
    expect(first).toMatchObject({ recordId: person.id, field: 'NAME', value: 'Stéphane Dion' });
    expect([...first!.terms].sort()).toEqual(['dion', 'stephane']);
    expect(highlighted(first!)).toEqual(['Stéphane', 'Dion']);
  });

  it('highlights the original words of a value whose folding changes its length, at their original offsets', async () => {
    const [first] = await hits('stephane dion', undefined, decomposedPool);
    expect(first).toMatchObject({ field: 'NAME', value: decomposedName });
    expect(snippetOf(first!)).toEqual({
      text: decomposedName,
      highlights: [
        { start: 0, end: 'Ste\u0301phane'.length },
        { start: 'Ste\u0301phane '.length, end: decomposedName.length },
      ],
    });
  });

  it.each([
    ['Stoltenbreg', 'Jens Stoltenberg'],
    ['Gentilini', 'Paolo Gentiloni'],
  ])('tolerates a typo: "%s" finds %s first', async (typo, name) => {
    const person = only(kb.records.persons, (p) => p.name === name, name);
    const [first] = await hits(typo);
    expect(first).toMatchObject({ recordId: person.id, kind: 'Person' });
    expect(highlighted(first!).length).toBeGreaterThan(0);
  });

  it('finds the records the in-memory index finds for short typos, which share few trigrams with the word meant', async () => {
    for (const text of ['Erdgan', 'Moskow', 'Brusels', 'coaliton', 'statment', 'Kerri', 'Gentilone']) {
      const expected = (await readerOf(kb).searchPage(text, undefined, { first: 100_000 })).items.map((hit) => hit.recordId).sort();
      expect(expected.length, text).toBeGreaterThan(0);
      expect((await hits(text)).map((hit) => hit.recordId).sort(), text).toEqual(expected);
    }
  });

  it('ranks a record higher the more query words it matches', async () => {
    const kerry = only(kb.records.persons, (p) => p.name === 'John Kerry', 'John Kerry');
    const [both] = await hits('john kerry');
    const alone = (await hits('kerry')).find((hit) => hit.recordId === kerry.id)!;
    expect(both).toMatchObject({ recordId: kerry.id });
    expect(both!.score).toBeGreaterThan(alone.score);
    // Dion by both words ranks above every record that has only one of them.
    const [dion, ...others] = await hits('stephane dion');
    for (const hit of others) expect(hit.score).toBeLessThan(dion!.score);
  });

  it('keeps only the requested kinds, with the same scores and order as an unfiltered search', async () => {
    const all = (await hits('Kerry')).map(seen);
    const persons = (await hits('Kerry', ['Person'])).map(seen);
    expect(persons.length).toBeGreaterThan(0);
    expect(persons).toEqual(all.filter((hit) => hit.kind === 'Person'));
    expect(persons[0]!.recordId).toBe(only(kb.records.persons, (p) => p.name === 'John Kerry', 'John Kerry').id);
    const mixed = (await hits('Kerry', ['Event', 'Statement'])).map(seen);
    expect(mixed.length).toBeGreaterThan(0);
    expect(mixed).toEqual(all.filter((hit) => hit.kind === 'Event' || hit.kind === 'Statement'));
  });

  let ties = 0;

  it.each(['NATO meeting', 'the', 'Kerry Gentiloni', 'Turkey'])('returns one hit per record for "%s", in a fixed order: score, then kind, then id', async (text) => {
    const list = await hits(text);
    expect(list.length).toBeGreaterThan(1);
    ties += list.filter((hit, i) => i > 0 && hit.score === list[i - 1]!.score).length;
    expect(new Set(list.map((hit) => hit.recordId)).size).toBe(list.length);
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1]!, list[i]!];
      expect(b.score).toBeLessThanOrEqual(a.score);
      if (a.score === b.score) expect(searchKindOrder[a.kind] - searchKindOrder[b.kind] || (a.recordId < b.recordId ? -1 : 1)).toBeLessThan(0);
    }
    // The same search twice gives the same answer.
    expect((await hits(text)).map(seen)).toEqual(list.map(seen));
  });

  it('had ties among those hits, so their order was put to the test', () => {
    expect(ties).toBeGreaterThan(0);
  });

  it('finds the records the in-memory index finds for queries whose words match exactly or by prefix', async () => {
    for (const text of ['NATO', 'the', 'Syria', 'Turkey', 'minister', 'Kerry Gentiloni', 'U.S. coalition', 'Ankara and Moscow']) {
      const expected = (await readerOf(kb).searchPage(text, undefined, { first: 100_000 })).items.map((hit) => hit.recordId).sort();
      expect((await hits(text)).map((hit) => hit.recordId).sort(), text).toEqual(expected);
    }
  });

  it('walks every hit once with first/after, hasPreviousPage after the first page, with a count consistent with the pages, a statement or two per call on small data', async () => {
    const everything = await hits('the');
    expect(everything.length).toBeGreaterThan(7);
    sent.length = 0;
    expect(await searchCount(rows(), 'the', undefined)).toBe(everything.length);
    expect(sent).toHaveLength(1);
    const walked: string[] = [];
    let after: string | undefined;
    for (let pageNumber = 0; ; pageNumber++) {
      sent.length = 0;
      const page = await searchPage(rows(), 'the', undefined, { first: 7, after });
      // A later page ranks a few pages' worth first, then more if its cursor lies deeper.
      expect(sent.length).toBeLessThanOrEqual(2);
      expect(page.hasPreviousPage).toBe(pageNumber > 0);
      walked.push(...page.items.map((hit) => hit.recordId));
      if (!page.hasNextPage) break;
      after = page.items.at(-1)!.recordId;
    }
    expect(walked).toEqual(everything.map((hit) => hit.recordId));
    // Backwards with last/before, and a window between two cursors.
    const ids = everything.map((hit) => hit.recordId);
    const tail = await searchPage(rows(), 'the', undefined, { last: 3, before: ids[5] });
    expect(tail.items.map((hit) => hit.recordId)).toEqual(ids.slice(2, 5));
    expect(tail).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const between = await searchPage(rows(), 'the', undefined, { first: 10, after: ids[1], before: ids[4] });
    expect(between.items.map((hit) => hit.recordId)).toEqual(ids.slice(2, 4));
    expect(between).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  it('finds nothing, without an error, for words that match nothing or a query without words', async () => {
    for (const nothing of ['zzyzx', '—?!']) {
      expect(await searchPage(rows(), nothing, undefined, { first: 20 })).toEqual({ items: [], hasPreviousPage: false, hasNextPage: false });
      expect(await searchCount(rows(), nothing, undefined)).toBe(0);
    }
  });

  it('refuses a cursor that names no hit of the same search', async () => {
    const notAHit = (await hits('Kerry', ['Person']))[0]!.recordId;
    await expect(searchPage(rows(), 'Daesh', undefined, { first: 3, after: notAHit })).rejects.toThrow(UnknownCursorError);
    await expect(searchPage(rows(), 'Daesh', undefined, { first: 3, before: 'no-such-id' })).rejects.toMatchObject({ argumentName: 'before' });
    await expect(searchPage(rows(), '—?!', undefined, { first: 3, after: notAHit })).rejects.toThrow(UnknownCursorError);
  });

  it('cuts a long value around the match, at word boundaries', async () => {
    const statement = only(kb.records.statements, (s) => s.text.length > 200 && s.text.endsWith('defend against ISIL'), 'long statement ending "defend against ISIL"');
    const hit = (await hits('defend', ['Statement'])).find((h) => h.recordId === statement.id)!;
    const { text } = snippetOf(hit);
    expect(text.length).toBeLessThanOrEqual(162);
    expect(text.startsWith('…')).toBe(true);
    expect(statement.text.endsWith(text.slice(1))).toBe(true);
    expect(highlighted(hit).map(foldText)).toEqual(['defend']);
  });

  it.each(['Daesh', 'stolten', 'de-escalation', 'STEPHANE dion', 'Ankara and Moscow', 'Turkey’s downing', 'U.S. coalition', 'Kerry Gentiloni', 'Stoltenbreg'])(
    'marks only matched words in the snippet for "%s", and every hit has some',
    async (text) => {
      const list = await hits(text);
      expect(list.length).toBeGreaterThan(0);
      for (const hit of list) {
        expect(hit.terms.length, hit.recordId).toBeGreaterThan(0);
        const snippet = snippetOf(hit);
        expect(snippet.highlights.length, hit.recordId).toBeGreaterThan(0);
        for (const { start, end } of snippet.highlights) for (const part of foldText(snippet.text.slice(start, end)).split(/['-]/)) expect(hit.terms).toContain(part);
      }
    },
  );

  it('reads the vocabulary, the postings and the documents through their indexes and never reads statements, even with sequential scans allowed only as a last resort', async () => {
    const client = await pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      for (const text of ['stolten', 'Stoltenbreg', 'Moskow', 'de-escalation', 'Daesh ISIL']) {
        sent.length = 0;
        await searchPage(rows(), text, ['Organization', 'Statement'], { first: 5 });
        const [sql] = sent;
        const values = [...(await capturedValues(text))];
        const plan = JSON.stringify((await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, values)).rows[0]['QUERY PLAN']);
        expect(plan, text).not.toMatch(/"Seq Scan"/);
        expect(plan).toMatch(/search_terms_pkey/);
        expect(plan).toMatch(/search_postings_ranked/);
        expect(plan).toMatch(/search_documents_pkey/);
        expect(plan).not.toMatch(/"Relation Name":"statements"/);
      }
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });
});

/** The parameters searchPage sends for `text`, captured from a statement hook. */
async function capturedValues(text: string): Promise<readonly unknown[]> {
  let captured: readonly unknown[] = [];
  await searchPage(rowsOf(pool, { onQuery: (_sql, values) => (captured = values) }), text, ['Organization', 'Statement'], { first: 5 });
  return captured;
}

describe('search that reads only the best postings of each term', () => {
  let larger: pg.Pool;
  /** For each call: the read limit of each statement it sent (null: every posting). */
  const rounds: (number | null)[][] = [];
  const counted = (): RowsOf => {
    const reads: (number | null)[] = [];
    rounds.push(reads);
    return rowsOf(larger, { onQuery: (_sql, values) => reads.push(values[0] as number | null) });
  };
  /** The same statements with every matched term read to its end: the full ranking. */
  const readingEverything = (): RowsOf => {
    const rows = rowsOf(larger);
    return (text, values) => rows(text, [null, ...values.slice(1)]);
  };

  beforeAll(async () => {
    // The fixture 12 times: many records with equal scores, and terms with more postings than a first read takes.
    larger = await importedPool(await generateFixtureDataset(12, path.join(decomposedDir, 'generated-12')));
  }, 120_000);

  afterAll(async () => {
    await larger?.end();
  });

  it.each(['coalition', 'the', 'stolten', 'Stoltenbreg', 'NATO meeting', 'de-escalation', 'Kerry Gentiloni', 'Ankara and Moscow', 'foreign minister', 'sta'])(
    'ranks "%s" exactly as reading every posting does, on first pages, pages after a cursor and in counts, however short the first read',
    async (text) => {
      for (const kinds of [undefined, ['Statement'], ['Person', 'Event']] as (EntityKind[] | undefined)[]) {
        const full = (await searchPage(readingEverything(), text, kinds, { first: 1000 })).items.map(seen);
        if (!kinds) expect(full.length, text).toBeGreaterThan(2);
        for (const firstRead of [1, 3, undefined]) {
          for (const first of [1, 4, 10]) {
            const page = await searchPage(counted(), text, kinds, { first }, { firstRead });
            expect(page.items.map(seen), `${text} ${kinds} first ${first} read ${firstRead}`).toEqual(full.slice(0, first));
            expect(page.hasNextPage).toBe(full.length > first);
          }
          for (const cursor of new Set([2, 12, full.length - 2].filter((at) => at >= 0 && at < full.length))) {
            const after = await searchPage(counted(), text, kinds, { first: 3, after: full[cursor]!.recordId }, { firstRead });
            expect(after.items.map(seen), `${text} ${kinds} after #${cursor} read ${firstRead}`).toEqual(full.slice(cursor + 1, cursor + 4));
            expect(after).toMatchObject({ hasPreviousPage: true, hasNextPage: full.length > cursor + 4 });
          }
          expect(await searchCount(counted(), text, kinds, { firstRead })).toBe(full.length);
        }
      }
    },
  );

  it('needed more than one round for some of those searches, and finished others before reading every posting', () => {
    expect(rounds.filter((reads) => reads.length > 1).length).toBeGreaterThan(10);
    expect(rounds.filter((reads) => reads.at(-1) !== null).length).toBeGreaterThan(10);
  });
});
