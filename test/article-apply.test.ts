/**
 * Applying article files through the JSON store: one durable change over several files, all or nothing
 * at every step a writer can die at, and the JSON Schema editors use. The `applyArticle` mutation, on
 * both stores, is tested in article-api.test.ts; the authoring command's `apply` in author-apply.test.ts.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { applyArticles, previewArticles } from '../src/authoring/apply-articles.js';
import { articleSchemaFilePath } from '../src/authoring/article-schema-file.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import type { StatementRecord } from '../src/kb/records.js';
import { completeInterruptedChange } from '../src/store/change-journal.js';
import { nodeFileSystem, type DurableFileSystem } from '../src/store/durable-file.js';
import { KnowledgeStore } from '../src/store/knowledge-store.js';
import type { ArticleFileInput } from '../src/authoring/draft-file.js';
import { filesIn, secondReport, sourceId, tempDirs, workspace } from './article-files.js';
import { CURATOR_TOKEN, createWritableTestServer, mutate } from './helpers.js';

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

  it('completes a change that was recorded but not finished, when the store catches up with the disk', async () => {
    const { data } = await workspace();
    const files = ['countries.json', 'organizations.json', 'persons.json', 'sources.json', 'statements.json'];
    // Five staged files and the journal take six renames; the seventh is the first staged file put in place.
    const store = await KnowledgeStore.open(data, { fileSystem: failingRenames(files.length + 2) });
    const fails = applyArticles(store, [{ name: 'file', content: secondReport() }], { name: 'alice' });
    await expect(fails).rejects.toMatchObject({ code: 'STORAGE_FAILED', details: { written: true } });
    expect(store.current.storedRecord('anna-verbeke')).toBeDefined();
    expect((await loadKnowledgeBase(data)).storedRecord('anna-verbeke')).toBeDefined();
    expect(await completeInterruptedChange(data)).toEqual([]);
    expect((await readdir(data)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('is all or nothing whichever step a writer dies at: the next one to open the folder finds the whole article or none of it', async () => {
    const { data: pristine } = await workspace();
    const before = await filesIn(pristine);
    // Five staged files, the journal, five renames into place: a death at each of the eleven steps.
    for (let step = 1; step <= 11; step++) {
      const { data } = await workspace();
      const dying: DurableFileSystem = {
        ...nodeFileSystem,
        rename: async (from, to) => {
          if (--remaining === 0) throw Object.assign(new Error('the writer died here'), { code: 'EIO' });
          return nodeFileSystem.rename(from, to);
        },
        // A dead writer cleans nothing up.
        unlink: async (file) => (remaining <= 0 ? undefined : nodeFileSystem.unlink(file)),
      };
      let remaining = step;
      const store = await KnowledgeStore.open(data, { fileSystem: dying });
      await applyArticles(store, [{ name: 'file', content: secondReport() }], { name: 'alice' }).catch(() => {});

      const next = await KnowledgeStore.open(data);
      const applied = next.current.storedRecord(sourceId) !== undefined;
      expect(applied, `step ${step}`).toBe(step > 6);
      if (applied) {
        expect(next.current.storedRecord('anna-verbeke'), `step ${step}`).toBeDefined();
        expect((next.current.storedRecord('stoltenberg-calm-de-escalation') as StatementRecord).reports, `step ${step}`).toHaveLength(2);
      } else {
        expect(await filesIn(data), `step ${step}`).toEqual(before);
      }
      expect((await readdir(data)).filter((name) => name.startsWith('.')), `step ${step}`).toEqual([]);
    }
  });
});

describe('drafts applied together', () => {
  /** A small invented article (a test fixture) that names a new person and quotes her. */
  function brief(text: string, quote: string): ArticleFileInput {
    return {
      // Same headline start and date: the same made source id.
      source: { title: 'Minister visits the harbour (test fixture)', text, publishedOn: { value: '2024-05-02' } },
      persons: [{ id: 'mara-lind', name: 'Mara Lind', description: 'A minister in an invented test article.' }],
      statements: [{ id: 'lind-harbour', kind: 'QUOTE', text: quote, speaker: 'mara-lind', attribution: 'Lind said' }],
    };
  }

  it('treat a record an earlier file of the batch created as the same record, step aside for its ids, and apply once', async () => {
    const { data } = await workspace();
    const files = [
      { name: 'first.json', content: brief('Test fixture. “The harbour is ready,” Lind said.', 'The harbour is ready') },
      { name: 'second.json', content: brief('Test fixture, later. “The ships can come,” Lind said.', 'The ships can come') },
    ];
    const store = await KnowledgeStore.open(data);
    const { plan } = await applyArticles(store, files, { name: 'alice' });
    expect(plan.problems).toEqual([]);
    expect(plan.sourceIds).toEqual(['minister-visits-harbour-test-2024-05-02', 'minister-visits-harbour-test-2024-05-02-2']);
    const kb = store.current;
    expect(kb.stored.persons.filter((person) => person.name === 'Mara Lind')).toHaveLength(1);
    expect((kb.storedRecord('lind-harbour') as StatementRecord).text).toBe('The harbour is ready');
    expect((kb.storedRecord('lind-harbour-2') as StatementRecord).text).toBe('The ships can come');

    const again = await applyArticles(store, files, { name: 'alice' });
    expect(again.plan.changes).toEqual([]);
    expect(again.kb.info.version).toBe(kb.info.version);
  });
});

describe('what a curator gets wrong in an article file (the rest, through the API on both stores: article-api.test.ts)', () => {
  const alice = { name: 'alice' };

  async function planOf(content: unknown, name = 'file') {
    const { data } = await workspace();
    const store = await KnowledgeStore.open(data);
    return { store, plan: previewArticles(store.current, [{ name, content }]) };
  }

  it('checks links, offices, dates and unnamed persons against the data\'s rules at their place in the file', async () => {
    const content = secondReport() as Record<string, any>;
    content.persons[0].roles[0] = { title: 'Spokeswoman', evidence: ['spokeswoman for the Belgian Foreign Ministry'] };
    content.persons.push({ id: 'an-aide', name: null, description: 'An aide (test fixture).' });
    content.organizations[0].parent = { id: 'nato' };
    content.statements[0].date = { value: '2015-02-30', inferred: true };
    const { plan } = await planOf(content);
    expect(plan.problems.map(({ path, code, message }) => ({ path, code, message }))).toEqual([
      { path: '$.persons[0].roles[0].organization', code: 'BAD_USER_INPUT', message: 'an office needs the organization or the country it is in' },
      { path: '$.persons[3].label', code: 'BAD_USER_INPUT', message: 'an unnamed person needs the words the source calls them by ("a State Department official")' },
      { path: '$.organizations[0].parent.evidence', code: 'BAD_USER_INPUT', message: 'a link with no words must be marked inferred, with a note saying how it was inferred' },
      { path: '$.statements[0].date.value', code: 'BAD_USER_INPUT', message: '"2015-02-30" is not a calendar date' },
      { path: '$.statements[0].date.note', code: 'BAD_USER_INPUT', message: 'an inferred date needs a note saying how it was worked out' },
    ]);
  });

  it('keeps file names whole in problems, and takes one file named twice as one', async () => {
    const content = secondReport();
    content.statements![0]!.mentions = [{ id: 'belgium', words: 'Brussels' }, { id: 'belgium', words: 'Brussels' }];
    const { store } = await planOf(content);
    const named = previewArticles(store.current, [{ name: 'my drafts/second report.json', content: { ...content, persons: [{ ...content.persons![0]!, id: 'x', roles: [] }] } }]);
    expect(named.problems.every((problem) => problem.file === 'my drafts/second report.json')).toBe(true);
    const twice = await applyArticles(store, [{ name: 'a.json', content: secondReport() }, { name: 'a.json', content: secondReport() }], alice);
    expect(twice.plan.problems).toEqual([]);
    expect(twice.plan.changes).toHaveLength(9);
  });

  it('refuses two files of a batch that propose one new record differently', async () => {
    const { store } = await planOf(secondReport());
    const other = secondReport();
    other.source!.text = `${other.source!.text}\nA second edition (test fixture).`;
    other.source!.id = 'brussels-ledger-second-edition';
    other.organizations![0]!.description = 'Belgium\'s diplomatic service (test fixture).';
    const plan = previewArticles(store.current, [{ name: 'first.json', content: secondReport() }, { name: 'second.json', content: other }]);
    expect(plan.problems).toEqual([
      expect.objectContaining({ file: 'second.json', path: '$.organizations[0].id', code: 'DUPLICATE_ID', message: expect.stringContaining('that an earlier file of this batch creates has another description') }),
    ]);
  });

  it('will not complete a recorded change whose staged file is gone and whose target lacks it; nobody reads the folder meanwhile', async () => {
    const { data } = await workspace();
    const dying: DurableFileSystem = {
      ...nodeFileSystem,
      // The writer dies just after recording the change (the seventh rename is the first file put in place).
      rename: async (from, to) => {
        if (++renames >= 7) throw Object.assign(new Error('the writer died here'), { code: 'EIO' });
        return nodeFileSystem.rename(from, to);
      },
      unlink: async () => {},
    };
    let renames = 0;
    const store = await KnowledgeStore.open(data, { fileSystem: dying, lockTimeoutMs: 1 });
    await applyArticles(store, [{ name: 'file', content: secondReport() }], alice).catch(() => {});
    // While the change is pending, a reader that does not take the lock is refused rather than shown half of it.
    await expect(loadKnowledgeBase(data)).rejects.toMatchObject({ problems: [{ file: '.newsgraph-change.json', path: '$' }] });
    const staged = (await readdir(data)).filter((name) => name.startsWith('.newsgraph-staged-') && name.endsWith('sources.json'));
    expect(staged).toHaveLength(1);
    await rm(path.join(data, staged[0]!));
    await expect(completeInterruptedChange(data)).rejects.toThrow(/the staged file for sources\.json is missing and sources\.json does not hold the change/);
    await expect(KnowledgeStore.open(data)).rejects.toMatchObject({ problems: [{ file: '.newsgraph-change.json' }] });
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
