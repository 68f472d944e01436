/**
 * Applying article files: `npm run author -- apply` (its own process, as curators run it) and the
 * `applyArticle` mutation, on copies of the fixture data. The article is the invented test fixture
 * test/fixtures/articles/second-report.txt; the file applied is written here, as a curator would write it.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { articleSchemaFilePath } from '../src/authoring/article-schema-file.js';
import type { ArticleFileInput } from '../src/authoring/draft-file.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import type { OrganizationRecord, PersonRecord, StatementRecord } from '../src/kb/records.js';
import { completeInterruptedChange } from '../src/store/change-journal.js';
import { nodeFileSystem, type DurableFileSystem } from '../src/store/durable-file.js';
import { KnowledgeStore } from '../src/store/knowledge-store.js';
import { applyArticles } from '../src/authoring/apply-articles.js';
import { CURATOR_TOKEN, copyDataInto, createWritableTestServer, mutate, projectRoot, spawnScript } from './helpers.js';

const articleText = await readFile(path.join(projectRoot, 'test/fixtures/articles/second-report.txt'), 'utf8');
const sourceId = 'brussels-ledger-allies-share-load';

/**
 * The second report as a curator would apply it. The order is deliberate: Anna Verbeke's role names the
 * Belgian Foreign Ministry, which is defined after her, and the ministry names Montenegro... no, Belgium
 * (stored); Montenegro comes last. Two statements report statements already stored (one in other words).
 */
function secondReport(): ArticleFileInput {
  return {
    source: { id: sourceId, title: 'Allies told to share the load as NATO ministers meet in Brussels', text: articleText, publishedOn: { value: '2015-12-02' }, origin: 'test/fixtures/articles/second-report.txt' },
    persons: [
      {
        id: 'anna-verbeke',
        name: 'Anna Verbeke',
        description: 'Spokeswoman for the Belgian Foreign Ministry (test fixture).',
        roles: [{ title: 'Spokeswoman', organization: 'belgian-foreign-ministry', country: 'belgium', evidence: ['spokeswoman for the Belgian Foreign Ministry'] }],
      },
      { id: 'john-kirby', existing: true, name: 'John Kirby', roles: [{ title: 'Spokesman', organization: 'state-department', evidence: ['John Kirby, the department’s spokesman'] }] },
      { id: 'john-kerry', existing: true, name: 'John Kerry', aliases: ['America’s top diplomat'] },
    ],
    organizations: [
      {
        id: 'belgian-foreign-ministry',
        name: 'Belgian Foreign Ministry',
        kind: 'GOVERNMENT_DEPARTMENT',
        description: 'The foreign ministry of Belgium (test fixture).',
        country: { id: 'belgium', evidence: ['Belgian Foreign Ministry'] },
        evidence: ['Belgian Foreign Ministry'],
      },
    ],
    countries: [{ id: 'montenegro', name: 'Montenegro', isoAlpha2: 'ME', isoAlpha3: 'MNE', description: 'A Balkan country invited to talks on joining NATO (test fixture).', evidence: ['Montenegro'] }],
    statements: [
      {
        id: 'verbeke-proud-to-host',
        kind: 'QUOTE',
        text: 'Brussels is proud to host our allies, and we have taken every precaution to keep this meeting safe',
        speaker: 'anna-verbeke',
        attribution: 'said Anna Verbeke, spokeswoman for the Belgian Foreign Ministry',
        mentions: [{ id: 'belgium', words: 'Brussels' }],
      },
      { existing: 'stoltenberg-calm-de-escalation', kind: 'QUOTE', text: 'Calm and de-escalation is now of the essence', speaker: 'jens-stoltenberg', attribution: 'Stoltenberg told reporters' },
      {
        existing: 'kerry-calls-on-nato-to-pony-up',
        kind: 'PARAPHRASE',
        text: 'every ally should put more money, aircraft and trainers into the campaign against the militants',
        speaker: 'john-kerry',
        attribution: 'America’s top diplomat, John Kerry, reportedly told fellow ministers that',
        hedge: 'reportedly',
      },
    ],
  };
}

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of the fixture data (`data`) and a folder beside it for article files (`work`). */
async function workspace(): Promise<{ data: string; work: string }> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-apply-'));
  tempDirs.push(work);
  const data = path.join(work, 'data');
  await copyDataInto(data);
  return { data, work };
}

async function articleFile(work: string, content: unknown, name = `article-${Math.random().toString(36).slice(2)}.json`): Promise<string> {
  const file = path.join(work, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Every file of a folder with its bytes. */
async function filesIn(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await readFile(path.join(dir, name))).toString('base64')] as const)));
}

function author(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnScript(['scripts/author.ts', ...args], { ...process.env, DATA_DIR: path.join(os.tmpdir(), 'newsgraph-apply-no-such-dir') });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.concurrent('author apply', () => {
  it('--dry-run prints what would change, record by record, and writes nothing', async () => {
    const { data, work } = await workspace();
    const before = await filesIn(data);
    const run = await author(['apply', await articleFile(work, secondReport()), '--dry-run', '--data', data]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toContain('nothing was written');
    expect(lines.find((line) => line.includes(` ${sourceId} `))).toMatch(/^\s+\+ Source/);
    expect(lines.find((line) => line.includes(' anna-verbeke '))).toMatch(/^\s+\+ Person .*adds the role "Spokeswoman"/);
    expect(lines.find((line) => line.includes(' stoltenberg-calm-de-escalation '))).toMatch(/^\s+~ Statement .*adds a report from "brussels-ledger-allies-share-load"/);
    // Kirby already holds the office: the article's words become more evidence for it, not a second role.
    expect(lines.find((line) => line.includes(' john-kirby '))).toMatch(/^\s+~ Person .*adds evidence to the role "Spokesman"/);
    expect(run.stdout).toContain('9 record(s) would change (5 created, 2 updated, 2 reported).');
    expect(await filesIn(data)).toEqual(before);
  });

  it('applies the whole file, linking records in any order, and applying it again changes nothing', async () => {
    const { data, work } = await workspace();
    const file = await articleFile(work, secondReport());
    const run = await author(['apply', file, '--data', data]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('9 record(s) changed');

    const kb = await loadKnowledgeBase(data);
    const verbeke = kb.storedRecord('anna-verbeke') as PersonRecord;
    const roleWords = 'spokeswoman for the Belgian Foreign Ministry';
    expect(verbeke.roles).toEqual([
      { title: 'Spokeswoman', organizationId: 'belgian-foreign-ministry', countryId: 'belgium', inferred: false, evidence: [{ sourceId, start: articleText.indexOf(roleWords), end: articleText.indexOf(roleWords) + roleWords.length, text: roleWords }] },
    ]);
    expect((kb.storedRecord('belgian-foreign-ministry') as OrganizationRecord).country).toMatchObject({ countryId: 'belgium', inferred: false });
    // An existing statement gains a report in this source's words, with its hedge, and keeps its text.
    const kerry = kb.storedRecord('kerry-calls-on-nato-to-pony-up') as StatementRecord;
    expect(kerry.reports).toHaveLength(2);
    expect(kerry.reports[1]).toMatchObject({ evidence: { sourceId, text: 'every ally should put more money, aircraft and trainers into the campaign against the militants' }, hedge: { sourceId, text: 'reportedly' } });
    expect(kerry.text).toBe('called on NATO countries to pony up more resources to fight the Islamic State');
    expect(kerry.revision).toBe(2);
    // A stored person gains the alias and the role, once revised.
    const kerryPerson = kb.storedRecord('john-kerry') as PersonRecord;
    expect(kerryPerson.aliases).toContain('America’s top diplomat');
    const kirby = kb.storedRecord('john-kirby') as PersonRecord;
    expect(kirby.roles.filter((role) => role.title === 'Spokesman')).toHaveLength(1);
    expect(kirby.roles.find((role) => role.title === 'Spokesman')!.evidence.map((span) => span.sourceId)).toContain(sourceId);

    const applied = await filesIn(data);
    const again = await author(['apply', file, '--data', data]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing changed: everything in the file is already in the knowledge base.');
    expect(await filesIn(data)).toEqual(applied);
  });

  it('refuses a file with a problem as a whole: every problem with its code, file and JSON path, nothing written', async () => {
    const { data, work } = await workspace();
    const content = secondReport();
    content.statements![0]!.attribution = 'said a spokeswoman who is not in the article';
    content.persons![0]!.roles![0]!.organization = 'belgian-foreign-office';
    const file = await articleFile(work, content);
    const before = await filesIn(data);
    for (const args of [['apply', file, '--dry-run', '--data', data], ['apply', file, '--data', data]]) {
      const run = await author(args);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`author: UNKNOWN_REFERENCE: ${file} $.persons[0].roles[0].organization: No record with id "belgian-foreign-office" in the knowledge base or in this file`);
      expect(run.stderr).toContain(`author: EVIDENCE_NOT_FOUND: ${file} $.statements[0].attribution: The words "said a spokeswoman who is not in the article" do not occur in the source text`);
      expect(run.stderr).toMatch(/2 problem\(s\); nothing (would be|was) applied/);
    }
    expect(await filesIn(data)).toEqual(before);
  });

  it('applies several files as one change: a bad second file keeps the good first one out too', async () => {
    const { data, work } = await workspace();
    const good = await articleFile(work, secondReport());
    const bad = await articleFile(work, { source: { title: 'An empty fixture', text: 'Nothing happened (test fixture).' }, persons: [{ id: 'nobody', name: 'Nobody' }] });
    const before = await filesIn(data);
    const run = await author(['apply', good, bad, '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`author: BAD_USER_INPUT: ${bad} $.persons[0].description: A new person needs "description"`);
    expect(await filesIn(data)).toEqual(before);
  });

  it('checks the file against its format: unknown fields, wrong kinds, bad JSON', async () => {
    const { data, work } = await workspace();
    const content = secondReport() as Record<string, any>;
    content.persons[0].nmae = 'typo';
    content.statements[0].kind = 'RUMOUR';
    const run = await author(['apply', await articleFile(work, content), '--dry-run', '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/BAD_USER_INPUT: \S+ \$\.persons\[0\]: Unrecognized key: "nmae"/);
    expect(run.stderr).toMatch(/BAD_USER_INPUT: \S+ \$\.statements\[0\]\.kind: Invalid option: expected one of "QUOTE"\|"PARAPHRASE"\|"INTERPRETATION"/);

    const broken = await articleFile(work, '{ "source": ');
    const parse = await author(['apply', broken, '--data', data]);
    expect(parse.code).toBe(1);
    expect(parse.stderr).toContain(`author: BAD_USER_INPUT: ${broken}: not JSON:`);
  });

  it('asks for "existing" instead of taking an id that is already used, and finds what the curator means', async () => {
    const { data, work } = await workspace();
    const content = secondReport();
    content.persons!.push({ id: 'jens-stoltenberg', name: 'Jens Stoltenberg', description: 'A second Stoltenberg.' });
    content.persons!.push({ id: 'jane-nobody', existing: true, name: 'Jane Nobody' });
    const run = await author(['apply', await articleFile(work, content), '--dry-run', '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DUPLICATE_ID');
    expect(run.stderr).toContain('$.persons[3].id: The id "jens-stoltenberg" is already taken by a Person; set "existing": true to add to that record, or give the new one another id');
    expect(run.stderr).toContain('UNKNOWN_REFERENCE');
    expect(run.stderr).toContain('$.persons[4].id: No Person with id "jane-nobody" in the knowledge base; set "existing": false to create it');

    const find = await author(['find', 'stoltenberg', '--data', data]);
    expect(find.code).toBe(0);
    expect(find.stdout.split('\n')[0]).toMatch(/^jens-stoltenberg\s+Person\s+Jens Stoltenberg — Secretary General/);
    const alias = await author(['find', 'Daesh', '--data', data]);
    expect(alias.stdout.split('\n')[0]).toMatch(/^islamic-state\s+Organization\s+Islamic State \(also .*Daesh/);
    const bySlug = await author(['find', 'kerry-calls-on-nato-to-pony-up', '--data', data]);
    expect(bySlug.stdout.split('\n')[0]).toMatch(/^kerry-calls-on-nato-to-pony-up\s+Statement\s+“called on NATO countries/);
    const none = await author(['find', 'zzyzx', '--data', data]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('nothing matches "zzyzx"');
  });

  it('merges duplicates named in the file, once', async () => {
    const { data, work } = await workspace();
    const content = secondReport();
    // The article's "top diplomat" drafted as a person of his own, then merged into Kerry.
    content.persons!.push({ id: 'americas-top-diplomat', name: null, label: 'America’s top diplomat', description: 'How the Brussels Ledger refers to Kerry (test fixture).' });
    content.merges = [{ keep: 'john-kerry', merge: 'americas-top-diplomat' }];
    const file = await articleFile(work, content);
    const run = await author(['apply', file, '--data', data]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/> Person\s+americas-top-diplomat\s+creates a Person; merged/);
    const kb = await loadKnowledgeBase(data);
    expect(kb.resolveId('americas-top-diplomat')).toBe('john-kerry');
    const again = await author(['apply', file, '--data', data]);
    expect(again.stdout).toContain('Nothing changed');
  });
});

describe('one durable change over several files', () => {
  /** node:fs, except that the `failAt`-th rename throws. */
  function failingRenames(failAt: number): DurableFileSystem & { renames: number } {
    const fileSystem = {
      ...nodeFileSystem,
      renames: 0,
      async rename(from: string, to: string) {
        fileSystem.renames += 1;
        if (fileSystem.renames === failAt) throw Object.assign(new Error('simulated crash'), { code: 'EIO' });
        return nodeFileSystem.rename(from, to);
      },
    };
    return fileSystem;
  }

  it('leaves every file as it was when it fails before the change is recorded', async () => {
    const { data } = await workspace();
    const before = await filesIn(data);
    // Each staged file and the journal are written with a rename of their own: the third rename is the second staged file.
    const store = await KnowledgeStore.open(data, { fileSystem: failingRenames(3) });
    await expect(applyArticles(store, [{ name: 'file', content: secondReport() }], { name: 'alice' })).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { written: false } });
    expect(await filesIn(data)).toEqual(before);
    expect(store.current.storedRecord('anna-verbeke')).toBeUndefined();
  });

  it('completes a change that was recorded but not finished, at the next open', async () => {
    const { data } = await workspace();
    const files = ['countries.json', 'organizations.json', 'persons.json', 'sources.json', 'statements.json'];
    // Five staged files and the journal take six renames; the seventh is the first staged file put in place.
    const store = await KnowledgeStore.open(data, { fileSystem: failingRenames(files.length + 2) });
    const fails = applyArticles(store, [{ name: 'file', content: secondReport() }], { name: 'alice' });
    await expect(fails).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { written: true } });
    // The store completed the change itself when it caught up with the disk after the failure.
    expect(store.current.storedRecord('anna-verbeke')).toBeDefined();
    expect((await loadKnowledgeBase(data)).storedRecord('anna-verbeke')).toBeDefined();
    expect(await completeInterruptedChange(data)).toEqual([]);
    expect((await readdir(data)).filter((name) => name.startsWith('.'))).toEqual([]);
  });
});

describe('applyArticle (the API route)', () => {
  const document = `mutation ($file: ArticleFile!, $dryRun: Boolean) {
    applyArticle(file: $file, dryRun: $dryRun) {
      dryRun applied sourceSlugs datasetVersion
      changes { slug type change summary entries record { id } }
      problems { file path message code }
    }
  }`;

  it('previews, applies and re-applies the same file as the command does', async () => {
    const server = await createWritableTestServer();
    tempDirs.push(server.dir);
    const preview = await mutate(server.yoga, document, { file: secondReport(), dryRun: true });
    expect(preview.errors).toBeUndefined();
    expect(preview.data.applyArticle).toMatchObject({ dryRun: true, applied: false, sourceSlugs: [sourceId], problems: [] });
    expect(preview.data.applyArticle.changes).toHaveLength(9);
    expect(preview.data.applyArticle.changes.find((change: { slug: string }) => change.slug === 'anna-verbeke')).toMatchObject({ type: 'PERSON', change: 'CREATED', record: null, entries: ['file $.persons[0]', 'file $.persons[0].roles[0]'] });
    expect(server.store.current.storedRecord(sourceId)).toBeUndefined();

    const applied = await mutate(server.yoga, document, { file: secondReport() });
    expect(applied.errors).toBeUndefined();
    expect(applied.data.applyArticle).toMatchObject({ dryRun: false, applied: true, datasetVersion: server.store.current.info.version });
    const report = applied.data.applyArticle.changes.find((change: { slug: string }) => change.slug === 'stoltenberg-calm-de-escalation');
    expect(report).toMatchObject({ type: 'STATEMENT', change: 'REPORTED', record: { id: expect.any(String) } });
    const served = await mutate(server.yoga, '{ statement(slug: "stoltenberg-calm-de-escalation") { sourceCount reports { source { slug } } } }', {});
    expect(served.data.statement).toEqual({ sourceCount: 2, reports: [{ source: { slug: 'kerry-to-nato-ante-up' } }, { source: { slug: sourceId } }] });

    const again = await mutate(server.yoga, document, { file: secondReport() });
    expect(again.data.applyArticle).toMatchObject({ applied: false, changes: [] });
  });

  it('refuses a bad file with the same code and problems as the command, and without a token', async () => {
    const server = await createWritableTestServer();
    tempDirs.push(server.dir);
    const content = secondReport();
    content.statements![0]!.attribution = 'said a spokeswoman who is not in the article';
    const refused = await mutate(server.yoga, document, { file: content });
    expect(refused.data).toBeNull();
    expect(refused.errors![0]!.extensions).toMatchObject({
      code: 'EVIDENCE_NOT_FOUND',
      problems: [{ file: 'file', path: '$.statements[0].attribution', code: 'EVIDENCE_NOT_FOUND', message: 'The words "said a spokeswoman who is not in the article" do not occur in the source text' }],
    });
    expect(server.store.current.storedRecord(sourceId)).toBeUndefined();

    const preview = await mutate(server.yoga, document, { file: content, dryRun: true });
    expect(preview.data.applyArticle.problems).toEqual(refused.errors![0]!.extensions!.problems);

    const anonymous = await mutate(server.yoga, document, { file: secondReport(), dryRun: true }, null);
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const notAnObject = await mutate(server.yoga, document, { file: 'just words' }, CURATOR_TOKEN);
    expect(notAnObject.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: '$', code: 'BAD_USER_INPUT' }] });
  });
});

describe('the article file\'s JSON Schema', () => {
  it('accepts a whole article file and points at the mistakes in a bad one, as editors will', async () => {
    const schema = JSON.parse(await readFile(articleSchemaFilePath, 'utf8'));
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    expect(validate(secondReport()), JSON.stringify(validate.errors)).toBe(true);
    const bad = secondReport() as Record<string, any>;
    bad.statements[0].kind = 'RUMOUR';
    bad.persons[0].nmae = 'typo';
    expect(validate(bad)).toBe(false);
    expect(validate.errors!.map((error) => error.instancePath)).toEqual(expect.arrayContaining(['/statements/0/kind', '/persons/0']));
  });
});
