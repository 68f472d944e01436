/**
 * The authoring command (scripts/author.ts), run as curators run it: its own process, writing to a
 * copy of data/. Every test has its own copy and they run concurrently, since each spawn costs about
 * a second of tsx start-up.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { loadKnowledgeBase } from '../src/kb/load.js';
import type { PersonRecord, SourceRecord, StatementRecord } from '../src/kb/records.js';
import { copyDataInto, createTestServer, dataDir, queryData, spawnScript } from './helpers.js';

const sourceId = 'kerry-to-nato-ante-up';
const seedText = (JSON.parse(await readFile(path.join(dataDir, 'sources.json'), 'utf8')) as SourceRecord[]).find((source) => source.id === sourceId)!.text;

const tempDirs: string[] = [];

afterAll(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-author-'));
  tempDirs.push(dir);
  return dir;
}

/** A fresh copy of data/ (as `<temp>/data`), and its temp folder for input files. */
async function copyOfData(): Promise<{ data: string; work: string }> {
  const work = await tempDir();
  const data = path.join(work, 'data');
  await copyDataInto(data);
  return { data, work };
}

/** Every file in a folder with its bytes: a lock or temporary file left behind shows up too. */
async function filesIn(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await readFile(path.join(dir, name))).toString('base64')] as const)));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the authoring command. DATA_DIR points at a folder that does not exist unless a test sets it,
 * so a command that missed its --data can never reach the real data/.
 */
function author(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnScript(['scripts/author.ts', ...args], { ...process.env, DATA_DIR: path.join(os.tmpdir(), 'newsgraph-author-no-such-dir'), ...env });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Writes a records file for `add` next to (not inside) the data folder. */
async function recordsFile(work: string, records: unknown): Promise<string> {
  const file = path.join(work, `records-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(records, null, 2));
  return file;
}

const reporters = {
  id: 'reporters-before-the-summit',
  name: null,
  label: 'some reporters',
  description: 'Reporters whom a State Department official briefed before the NATO summit opened.',
};

/** A quote by the (existing) official, with its audience the person created just before it. */
const updateFolks = {
  id: 'official-kerry-will-update-folks',
  kind: 'QUOTE',
  words: { sourceId, quote: 'he’ll obviously update folks on what the U.S. is doing militarily' },
  speakerId: 'state-department-official',
  attribution: { quote: 'a State Department official reportedly told some reporters' },
  hedge: { quote: 'reportedly' },
  // An event named by id alone: stored as an inferred link until a curator quotes words for it.
  saidAtEventId: 'state-department-briefing',
  audience: { description: 'some reporters', entityIds: [reporters.id], evidence: { quote: 'some reporters' } },
  // "the U.S." occurs several times in the article, but once inside the statement's words.
  mentions: [{ entityId: 'united-states', quote: 'the U.S.' }],
};

describe.concurrent('author', () => {
  it('add-source prints only the new id and stores the file text exactly, minus a leading byte-order mark', async ({ expect }) => {
    const { data, work } = await copyOfData();
    // CRLF, trailing spaces, a tab, non-ASCII and astral characters, and a second BOM that is text, not a mark.
    const text = 'Une dépêche de test\r\n\r\nLigne avec espaces   \n\tTabulée — «\u00a0citée\u00a0» 𝄞 \uFEFFfin\n';
    const file = path.join(work, 'article.txt');
    await writeFile(file, `\uFEFF${text}`, 'utf8');

    // No --data: DATA_DIR decides, as for the server.
    const run = await author(['add-source', '--file', file, '--title', 'Une dépêche de test', '--language', 'fr', '--date', '2015-12-02', '--date-qualifier', 'BEFORE', '--origin', 'test/article.txt', '--slug', 'authoring-test'], { DATA_DIR: data });
    expect(run.stderr).toContain('added source "authoring-test"');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('authoring-test\n');

    const kb = await loadKnowledgeBase(data);
    const stored = kb.storedRecord('authoring-test') as SourceRecord;
    expect(stored).toMatchObject({ kind: 'NEWS_ARTICLE', title: 'Une dépêche de test', language: 'fr', origin: 'test/article.txt' });
    expect(stored.publishedOn).toEqual({ value: '2015-12-02', precision: 'DAY', qualifier: 'BEFORE', inferred: false });
    expect(stored.text).toBe(text);
    expect((kb.storedRecord(sourceId) as SourceRecord).text).toBe(seedText);

    const served = await queryData(await createTestServer(kb), 'query ($slug: String) { source(slug: $slug) { text title } }', { slug: 'authoring-test' });
    expect(served.source).toEqual({ text, title: 'Une dépêche de test' });
    expect(Object.keys(await filesIn(data))).toEqual(['countries.json', 'events.json', 'organizations.json', 'persons.json', 'sources.json', 'statements.json']);
  });

  it('add creates a person and then a statement naming it, anchoring every quote', async ({ expect }) => {
    const { data, work } = await copyOfData();
    const run = await author(['add', await recordsFile(work, { persons: [reporters], statements: [updateFolks] }), '--data', data]);
    expect(run.stderr).toContain('added 2 record(s)');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${reporters.id}\n${updateFolks.id}\n`);

    const kb = await loadKnowledgeBase(data);
    expect(kb.storedRecord(reporters.id)).toMatchObject({ name: null, label: 'some reporters', roles: [] } satisfies Partial<PersonRecord>);
    const statement = kb.storedRecord(updateFolks.id) as StatementRecord;
    expect(statement.text).toBe(updateFolks.words.quote);
    // The words, attribution and hedge are the statement's one report, from the one source quoted.
    expect(statement.reports).toHaveLength(1);
    const [report] = statement.reports;
    expect(report!.relayedBy).toBeUndefined();
    const spans = [report!.evidence, report!.attribution, report!.hedge!, ...statement.audience!.evidence, ...statement.mentions[0]!.evidence];
    expect(spans).toHaveLength(5);
    for (const span of spans) {
      expect(span.sourceId).toBe(sourceId);
      expect(seedText.slice(span.start, span.end)).toBe(span.text);
    }
    expect(report!.hedge!.text).toBe('reportedly');
    expect(statement.audience).toMatchObject({ entityIds: [reporters.id], inferred: false });
    const words = report!.evidence;
    expect(statement.mentions[0]).toMatchObject({ entityId: 'united-states', inferred: false });
    expect(statement.mentions[0]!.evidence[0]!.start).toBeGreaterThanOrEqual(words.start);
    expect(statement.mentions[0]!.evidence[0]!.end).toBeLessThanOrEqual(words.end);
    // No words were quoted for the event: the link is inferred and says so.
    expect(statement.saidAt).toMatchObject({ eventId: 'state-department-briefing', evidence: [], inferred: true });
    expect(statement.saidAt!.note).toBeTruthy();

    // The server reads what the command wrote, through the new fields and the deprecated ones alike.
    const served = await queryData(
      await createTestServer(kb),
      `query ($slug: String) { statement(slug: $slug) {
        sourceCount evidence { text } attribution event { slug }
        reports { evidence { text } attribution { text } hedge { text } }
        saidAt { event { slug } provenance { evidence { text } inferred note } }
      } }`,
      { slug: updateFolks.id },
    );
    expect(served.statement).toMatchObject({
      sourceCount: 1,
      evidence: { text: updateFolks.words.quote },
      attribution: updateFolks.attribution.quote,
      event: { slug: 'state-department-briefing' },
      saidAt: { event: { slug: 'state-department-briefing' }, provenance: { evidence: [], inferred: true, note: statement.saidAt!.note } },
      reports: [{ evidence: { text: updateFolks.words.quote }, attribution: { text: updateFolks.attribution.quote }, hedge: { text: 'reportedly' } }],
    });
  });

  const refusals = [
    {
      code: 'EVIDENCE_NOT_FOUND',
      item: 'statements[0]',
      records: { statements: [{ ...updateFolks, words: { sourceId, quote: 'Kerry resigned on Tuesday' } }] },
    },
    {
      code: 'EVIDENCE_AMBIGUOUS',
      item: 'persons[0]',
      records: { persons: [{ ...reporters, roles: [{ title: 'Reporter', evidence: { sourceId, quote: 'Kerry' } }] }] },
    },
    {
      code: 'UNKNOWN_REFERENCE',
      item: 'statements[0]',
      records: { statements: [{ ...updateFolks, speakerId: 'no-such-person' }] },
    },
    {
      code: 'DUPLICATE_ID',
      item: 'persons[0]',
      records: { persons: [{ id: 'john-kerry', name: 'John Kerry', description: 'Already in the data.' }] },
    },
  ];

  it.for(refusals)('add refuses $code, exits 1 naming the item, and leaves the files byte-identical', async ({ code, item, records }, { expect }) => {
    const { data, work } = await copyOfData();
    const before = await filesIn(data);
    const run = await author(['add', await recordsFile(work, records), '--data', data]);
    expect(run.stderr).toContain(`author: ${code}: ${item}: `);
    expect(run.stderr).toContain('nothing was added');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(await filesIn(data)).toEqual(before);
  });

  it('add stops at the first refused item and keeps the ones added before it', async ({ expect }) => {
    const { data, work } = await copyOfData();
    const statementsBefore = await readFile(path.join(data, 'statements.json'));
    const records = { persons: [reporters], statements: [{ ...updateFolks, attribution: { quote: 'no such attribution' } }] };
    const run = await author(['add', await recordsFile(work, records), '--data', data]);
    expect(run.stderr).toContain('author: EVIDENCE_NOT_FOUND: statements[0]: attribution: ');
    expect(run.stderr).toContain(`stay added (${reporters.id})`);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`${reporters.id}\n`);
    const kb = await loadKnowledgeBase(data);
    expect(kb.kindOf(reporters.id)).toBe('Person');
    expect(await readFile(path.join(data, 'statements.json'))).toEqual(statementsBefore);
  });

  it('anchor prints the evidence for quoted words, chosen by --near or --occurrence, or says why it cannot', async ({ expect }) => {
    const { data } = await copyOfData();
    const [near, third, ambiguous] = await Promise.all([
      author(['anchor', 'Italy', '--near', 'including Italy’s strong contributions', '--source', sourceId, '--data', data]),
      author(['anchor', 'Kerry', '--occurrence', '3', '--source', sourceId, '--data', data]),
      author(['anchor', 'Kerry', '--source', sourceId, '--data', data]),
    ]);
    expect(near.code).toBe(0);
    const italy = seedText.indexOf('including Italy’s') + 'including '.length;
    expect(JSON.parse(near.stdout)).toEqual({ sourceId, start: italy, end: italy + 5, text: 'Italy' });

    expect(third.code).toBe(0);
    let start = -1;
    for (let n = 0; n < 3; n++) start = seedText.indexOf('Kerry', start + 1);
    expect(JSON.parse(third.stdout)).toEqual({ sourceId, start, end: start + 5, text: 'Kerry' });

    expect(ambiguous.stderr).toMatch(/^author: EVIDENCE_AMBIGUOUS: .*"Kerry" occurs \d+ times/);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stdout).toBe('');
  });

  it('exits 2 with the usage on misuse', async ({ expect }) => {
    const [none, badDate] = await Promise.all([
      author([]),
      author(['add-source', '--file', 'x.txt', '--title', 'T', '--language', 'en', '--date', '12/2015']),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: npm run author');
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('--date must be YYYY, YYYY-MM or YYYY-MM-DD');
  });
});
