/**
 * Fixture folders for the PostgreSQL parity tests, each imported into its own database of a throwaway
 * server (test/postgres.ts) and loaded into a KnowledgeBase from the same folder: the seed fixture, generated
 * multi-source data, and that data with everything default queries hide (retracted statements, reports,
 * roles, memberships and participations; merged records of every kind).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import { dataFiles, type Collection } from '../src/kb/records.js';
import { serializeRecords } from '../src/store/knowledge-store.js';
import { dataDir as fixtureDir, generateFixtureDataset } from './helpers.js';
import type { PostgresServer } from './postgres.js';
import { fillDatabase, testPool } from './store-under-test.js';

export interface ImportedDataset {
  name: string;
  dir: string;
  kb: KnowledgeBase;
  pool: pg.Pool;
}

const tempDirs: string[] = [];

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `newsgraph-pg-dataset-${label}-`));
  tempDirs.push(dir);
  return dir;
}

let generated: Promise<string> | undefined;

/** The fixture data with generated follow-up articles: statements reported by 2 to 5 sources, relayed reports (generated once, copied for each use). */
export async function generatedMultiSource(): Promise<string> {
  generated ??= generate();
  const dir = await tempDir('multi-source');
  await cp(await generated, dir, { recursive: true });
  return dir;
}

async function generate(): Promise<string> {
  return generateFixtureDataset(1, path.join(await tempDir('generated'), 'data'));
}

async function editFile(dir: string, collection: Collection, change: (records: any[]) => void): Promise<void> {
  const file = path.join(dir, dataFiles[collection].file);
  const records = JSON.parse(await readFile(file, 'utf8'));
  change(records);
  await writeFile(file, serializeRecords(records));
}

/** How the retracted records of `withRetractionsAndMerges` are marked. */
export const retraction = { at: '2026-01-02T03:04:05Z', reason: 'test fixture: withdrawn', by: 'alice' };
const merge = (id: string) => ({ id, at: '2026-01-02T03:04:05Z', by: 'alice' });
/** A duplicate of `record` under `id`, merged into `into`: a merged record keeps its old fields. */
const mergedCopy = (record: any, id: string, into: string) => ({ ...structuredClone(record), id, mergedInto: merge(into) });

/**
 * The multi-source data with everything a default query hides: a retracted statement, role,
 * membership and participation, two retracted reports (the first report of a statement several sources
 * report, so its place in source order moves, and a relayed one), and merged persons (one merged into a merged one), a merged country
 * (with the kept one's ISO codes), organization, event and statement, two persons merged into each other;
 * an organization within another;
 * and a second country with Turkey's alpha-2 code.
 */
export async function withRetractionsAndMerges(): Promise<string> {
  const dir = await tempDir('retracted');
  await cp(await generatedMultiSource(), dir, { recursive: true });
  await editFile(dir, 'statements', (statements) => {
    statements.find((s) => s.id === 'stoltenberg-direct-dialogue').retracted = retraction;
    const reported = statements.find((s) => s.reports.length >= 3 && !s.retracted);
    reported.reports[0].retracted = retraction;
    // A relayed report withdrawn: the statement is no longer one its relayer passed on.
    const relayed = statements.find((s) => s !== reported && s.reports.length >= 2 && s.reports.filter((r: any) => r.relayedBy).length === 1 && !s.retracted);
    relayed.reports.find((r: any) => r.relayedBy).retracted = retraction;
    statements.push(mergedCopy(statements.find((s) => s.id === 'kirby-secretary-urging-allies'), 'kirby-urging-allies-duplicate', 'kirby-secretary-urging-allies'));
  });
  await editFile(dir, 'persons', (persons) => {
    persons.find((p) => p.id === 'justin-trudeau').roles[0].retracted = retraction;
    const kerry = persons.find((p) => p.id === 'john-kerry');
    persons.push(mergedCopy(kerry, 'secretary-kerry', 'john-kerry'), mergedCopy(kerry, 'j-kerry', 'secretary-kerry'));
    // Two records merged into each other, which no rule refuses: neither resolves to anything.
    persons.push(mergedCopy(kerry, 'kerry-cycle-a', 'kerry-cycle-b'), mergedCopy(kerry, 'kerry-cycle-b', 'kerry-cycle-a'));
  });
  await editFile(dir, 'events', (events) => {
    events.find((e) => e.id === 'nato-foreign-ministers-meeting').participants[0].retracted = retraction;
    // Merged copies that keep a place and a part-of link: the lists by country and by parent event must skip them.
    events.push(
      mergedCopy(events.find((e) => e.id === 'nato-foreign-ministers-meeting'), 'nato-ministerial', 'nato-foreign-ministers-meeting'),
      mergedCopy(events.find((e) => e.id === 'paris-attacks'), 'paris-attacks-2015', 'paris-attacks'),
    );
  });
  await editFile(dir, 'organizations', (organizations) => {
    const nato = organizations.find((o) => o.id === 'nato');
    nato.memberships[1].retracted = retraction;
    // The fixture has no organization within another: one here, on the words that name it.
    const coalition = organizations.find((o) => o.id === 'coalition-against-islamic-state');
    coalition.parent = { organizationId: 'nato', evidence: [coalition.evidence[0]] };
    // Merged copies with a parent and a country, which the lists by parent and by country must skip.
    organizations.push(
      mergedCopy(coalition, 'anti-isis-coalition', 'coalition-against-islamic-state'),
      mergedCopy(organizations.find((o) => o.id === 'state-department'), 'us-state-department', 'state-department'),
    );
    organizations.push(mergedCopy(nato, 'north-atlantic-alliance', 'nato'));
  });
  await editFile(dir, 'countries', (countries) => {
    const turkey = countries.find((c) => c.id === 'turkey');
    // A country in force sharing an alpha-2 code (as generated data beyond ~60× has): the last in file order has it.
    countries.push(mergedCopy(turkey, 'turkiye', 'turkey'), { ...structuredClone(turkey), id: 'turkey-again', name: 'Turkey Again', aliases: [], isoAlpha3: 'TRQ' });
  });
  return dir;
}

export const datasetFolders: [string, () => Promise<string>][] = [
  ['the fixture dataset', async () => fixtureDir],
  ['generated multi-source data', generatedMultiSource],
  ['multi-source data with retracted and merged records', withRetractionsAndMerges],
];

/** Imports each folder into a new migrated database; `pools` are ended and folders deleted by `cleanUp`. */
export async function importDatasets(server: PostgresServer): Promise<ImportedDataset[]> {
  return Promise.all(
    datasetFolders.map(async ([name, folder]) => {
      const dir = await folder();
      const url = await server.createDatabase();
      await fillDatabase(url, dir);
      return { name, dir, kb: await loadKnowledgeBase(dir), pool: testPool(url, 4) };
    }),
  );
}

/** Ends the datasets' pools and deletes every folder made here (call it once the file's tests are done). */
export async function cleanUp(datasets: readonly ImportedDataset[] = []): Promise<void> {
  generated = undefined;
  await Promise.all(datasets.map((dataset) => dataset.pool.end().catch(() => {})));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
