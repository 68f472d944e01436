/**
 * What the article-file tests share: the invented second report (test/fixtures/articles/second-report.txt)
 * as a curator would write its article file, and fresh copies of the fixture data to apply it to.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { ArticleFileInput } from '../src/authoring/draft-file.js';
import { copyDataInto, projectRoot, spawnScript } from './helpers.js';

export const articleText = await readFile(path.join(projectRoot, 'test/fixtures/articles/second-report.txt'), 'utf8');
export const sourceId = 'brussels-ledger-allies-share-load';

/**
 * The second report as a curator would apply it. The order is deliberate: Anna Verbeke's role names the
 * Belgian Foreign Ministry, which the file defines after her. Two statements report statements already
 * stored, one of them in other words.
 */
export function secondReport(): ArticleFileInput {
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

export const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of the fixture data (`data`) and a folder beside it for article files (`work`). */
export async function workspace(): Promise<{ data: string; work: string }> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-apply-'));
  tempDirs.push(work);
  const data = path.join(work, 'data');
  await copyDataInto(data);
  return { data, work };
}

export async function articleFile(work: string, content: unknown, name = `article-${Math.random().toString(36).slice(2)}.json`): Promise<string> {
  const file = path.join(work, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Every file of a folder with its bytes. */
export async function filesIn(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, (await readFile(path.join(dir, name))).toString('base64')] as const)));
}

export function author(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

