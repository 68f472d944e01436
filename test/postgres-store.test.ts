/**
 * The PostgreSQL store's foundation against a real PostgreSQL server (test/postgres.ts starts one for
 * this file): migrations apply once; db:import refuses what the server refuses, with the same words, and
 * replaces the knowledge base atomically; import then export gives back every fixture dataset byte for
 * byte; the link tables hold the fixture's relationships; the search columns find names without accents
 * and with typos. The commands are run as processes where their output and exit code are the contract.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFiles, type Collection } from '../src/kb/records.js';
import { DataValidationError } from '../src/kb/load.js';
import { RecordNotFoundError } from '../src/kb/reader.js';
import type { RequestReads } from '../src/kb/snapshot.js';
import { createLogger } from '../src/logging.js';
import { PostgresKnowledge } from '../src/store/postgres/database.js';
import { PostgresStoreError } from '../src/store/postgres/errors.js';
import { exportKnowledgeBase } from '../src/store/postgres/export.js';
import { importKnowledgeBase } from '../src/store/postgres/import.js';
import { migrate, migrationsDir, readMigrations } from '../src/store/postgres/migrate.js';
import { PostgresReader } from '../src/store/postgres/reader.js';
import { serializeRecords } from '../src/store/knowledge-store.js';
import type { KnowledgeReader } from '../src/kb/reader.js';
import { createNewsgraph } from '../src/server.js';
import { curatorTokens, dataDir as fixtureDir, generateFixtureDataset, mutate, query, silentLogger, spawnScript } from './helpers.js';
import { startPostgres, type PostgresServer } from './postgres.js';

let server: PostgresServer;
const clients: pg.Client[] = [];
const tempDirs: string[] = [];
/** The fixture data with each generator's follow-up articles: multi-source (2 to 5 sources a statement), relayed and hedged reports. */
let generatedSmall: string;
/** 25× the fixture: a larger generated dataset, with cross-links between copies. */
let generatedLarger: string;

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `newsgraph-pg-test-${label}-`));
  tempDirs.push(dir);
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script of ours to its end (as `npm run` would, without npm's own output). */
function runScript(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawnScript(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const db = (url: string, ...args: string[]) => runScript(['scripts/db.ts', ...args], { ...process.env, DATABASE_URL: url });

async function clientOf(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

/** A new database with the migrations applied, and a client on it. */
async function migratedDatabase(): Promise<{ url: string; client: pg.Client; where: string }> {
  const url = await server.createDatabase();
  const client = await clientOf(url);
  await migrate(client, url);
  return { url, client, where: url };
}

async function count(client: pg.Client, table: string, where = 'true'): Promise<number> {
  return (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)).rows[0]!.n;
}

async function datasetVersion(client: pg.Client): Promise<string | undefined> {
  return (await client.query<{ version: string }>('SELECT version FROM dataset')).rows[0]?.version;
}

/** The six files of a folder, by name. */
async function filesOf(dir: string): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const { file } of Object.values(dataFiles)) files[file] = await readFile(path.join(dir, file));
  return files;
}

async function copyOfFixture(label: string): Promise<string> {
  const dir = await tempDir(label);
  await cp(fixtureDir, dir, { recursive: true, filter: (source) => source === fixtureDir || source.endsWith('.json') });
  return dir;
}

/** Rewrites one file of a folder through `change`, in the store's layout. */
async function editFile(dir: string, collection: Collection, change: (records: any[]) => void): Promise<void> {
  const file = path.join(dir, dataFiles[collection].file);
  const records = JSON.parse(await readFile(file, 'utf8'));
  change(records);
  await writeFile(file, serializeRecords(records));
}

async function generate(scale: number): Promise<string> {
  return generateFixtureDataset(scale, path.join(await tempDir(`generated-${scale}`), 'data'));
}

beforeAll(async () => {
  [server, generatedSmall, generatedLarger] = await Promise.all([startPostgres(), generate(1), generate(25)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => {})));
  await server?.stop();
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  // The harness must not outlive the tests it served: its folder is gone with the server. (Its own folder
  // only: other test files start their servers alongside this one.)
  if (server) expect(existsSync(server.dir)).toBe(false);
});

describe('db:migrate', () => {
  it('applies the migrations once: a second run changes nothing', async () => {
    const url = await server.createDatabase();
    const names = (await readMigrations()).map((migration) => migration.name);
    expect(names.slice(0, 2)).toEqual(['0001_knowledge_base.sql', '0002_reader_order_and_coverage.sql']);
    const first = await db(url, 'migrate');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^Applied ${names.join(', ').replaceAll('.', '\\.')} to 127\\.0\\.0\\.1:\\d+/newsgraph_\\d+\\.\\n$`));
    const client = await clientOf(url);
    const before = (await client.query('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')).rows;
    expect(before.map((row) => row.name)).toEqual(names);

    const second = await db(url, 'migrate');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`is up to date \\(${names.length} migrations applied earlier\\)\\.\\n$`));
    expect((await client.query('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version')).rows).toEqual(before);
  });

  it('0002 gives statements imported before it the source-order columns db:import gives them', async () => {
    // Multi-source data with a statement's first report withdrawn: its place is its second report's.
    const dir = await tempDir('before-0002');
    await cp(generatedSmall, dir, { recursive: true });
    let moved = '';
    await editFile(dir, 'statements', (statements) => {
      const statement = statements.find((s) => s.reports.length >= 2 && s.reports[0].evidence.sourceId !== s.reports[1].evidence.sourceId);
      statement.reports[0].retracted = { at: '2026-01-02T03:04:05Z', reason: 'test fixture: withdrawn' };
      moved = statement.id;
    });
    const { client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, dir);
    const orderOf = async () =>
      (await client.query('SELECT id, first_source_position, first_evidence_start FROM statements ORDER BY id')).rows.map((row) => [row.id, row.first_source_position, row.first_evidence_start]);
    const imported = await orderOf();
    expect(imported.filter(([, source]) => source > 0).length).toBeGreaterThan(0);
    const [firstReport] = (await client.query(`SELECT source_id FROM statement_reports WHERE statement_id = $1 AND ordinal = 0`, [moved])).rows;
    const placed = imported.find(([id]) => id === moved)!;
    expect((await client.query('SELECT position FROM sources WHERE id = $1', [firstReport.source_id])).rows[0].position).not.toBe(placed[1]);

    // The database as 0001 left it, with the knowledge base imported.
    await client.query('ALTER TABLE statements DROP COLUMN first_source_position, DROP COLUMN first_evidence_start; DROP TABLE record_sources');
    await client.query('DELETE FROM schema_migrations WHERE version = 2');
    expect((await migrate(client, where)).applied).toEqual(['0002_reader_order_and_coverage.sql']);
    expect(await orderOf()).toEqual(imported);
  });

  it('0006 gives a database imported before it the search postings and vocabulary db:import gives them', async () => {
    const { client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, generatedSmall);
    const postings = async () => (await client.query('SELECT term, weight, kind_order, record_id, ordinal, kind FROM search_postings ORDER BY term, record_id, ordinal')).rows;
    const vocabulary = async () => (await client.query('SELECT term FROM search_terms ORDER BY term')).rows;
    const imported = { postings: await postings(), vocabulary: await vocabulary() };
    expect(imported.postings.length).toBeGreaterThan(1000);

    // The database as 0005 left it, with the knowledge base imported.
    await client.query(`DROP TABLE search_postings, search_terms;
      ALTER TABLE search_documents ADD COLUMN terms_vector tsvector GENERATED ALWAYS AS (array_to_tsvector(terms)) STORED,
        ADD COLUMN terms_text text GENERATED ALWAYS AS (newsgraph_words(terms)) STORED;
      DELETE FROM schema_migrations WHERE version = 6`);
    expect((await migrate(client, where)).applied).toEqual(['0006_search_postings.sql']);
    expect({ postings: await postings(), vocabulary: await vocabulary() }).toEqual(imported);
  });

  it('0007 gives a database imported before it the coverage spans and sources db:import gives them', async () => {
    const { client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, generatedSmall);
    const coverage = async () => ({
      spans: (await client.query('SELECT record_id, source_id, walk, contributor_id FROM coverage_spans ORDER BY 1, 2, 3, 4')).rows,
      sources: (await client.query('SELECT record_id, source_id, first_seen FROM record_sources ORDER BY 1, 2')).rows,
    });
    const imported = await coverage();
    expect(imported.spans.length).toBeGreaterThan(500);

    // The database as 0006 left it, with the knowledge base imported (0007 empties record_sources first).
    await client.query(`DROP TABLE coverage_spans;
      DROP INDEX list_words_record, search_postings_record;
      ALTER TABLE dataset DROP COLUMN cause;
      ALTER TABLE dataset_changes DROP CONSTRAINT dataset_changes_change_check;
      ALTER TABLE dataset_changes ADD CONSTRAINT dataset_changes_change_check CHECK (change IN ('CREATED', 'UPDATED'));
      DELETE FROM record_sources;
      ALTER TABLE record_sources DROP CONSTRAINT record_sources_pkey, DROP COLUMN first_seen, ADD COLUMN ordinal integer NOT NULL, ADD PRIMARY KEY (record_id, ordinal);
      DELETE FROM schema_migrations WHERE version = 7`);
    expect((await migrate(client, where)).applied).toEqual(['0007_writes.sql']);
    expect(await coverage()).toEqual(imported);
  });

  it('0008 gives a database imported before it the draft keys db:import gives it', async () => {
    const { client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, generatedSmall);
    const keys = async () => (await client.query('SELECT kind, key, record_id FROM draft_keys ORDER BY 1, 2, 3')).rows;
    const imported = await keys();
    expect(imported.length).toBeGreaterThan(100);
    expect(new Set(imported.map((row) => row.kind))).toEqual(new Set(['name', 'surname', 'label', 'stem', 'iso2']));
    await client.query(`DROP TABLE draft_keys; DROP INDEX sources_text_digest; DELETE FROM schema_migrations WHERE version = 8`);
    expect((await migrate(client, where)).applied).toEqual(['0008_article_sources.sql']);
    expect(await keys()).toEqual(imported);
  });

  it('0009 gives a database imported before it the records as text the lookups read, and keeps them with every write', async () => {
    const { client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, generatedSmall);
    // Not sources: 0010 reads them without their text instead (tested below).
    const tables = ['persons', 'countries', 'organizations', 'events', 'statements'];
    const differing = async () => {
      let rows = 0;
      for (const table of tables) rows += (await client.query(`SELECT id FROM ${table} WHERE record_text::jsonb IS DISTINCT FROM record`)).rowCount!;
      return rows;
    };
    const total = async () => (await client.query(`SELECT count(*)::int AS n FROM statements WHERE record_text IS NOT NULL`)).rows[0].n as number;
    const statements = (await client.query('SELECT count(*)::int AS n FROM statements')).rows[0].n as number;
    expect(statements).toBeGreaterThan(20);
    expect(await total()).toBe(statements);
    expect(await differing()).toBe(0);
    await client.query(`${tables.map((table) => `ALTER TABLE ${table} DROP COLUMN record_text;`).join(' ')} DELETE FROM schema_migrations WHERE version = 9`);
    expect((await migrate(client, where)).applied).toEqual(['0009_records_as_text.sql']);
    expect(await differing()).toBe(0);
    expect(await total()).toBe(statements);
    // A write sets `record` only; its text follows.
    await client.query(`UPDATE persons SET record = jsonb_set(record, '{name}', '"Renamed In A Test"') WHERE id = (SELECT min(id) FROM persons WHERE merged_into IS NULL)`);
    expect((await client.query(`SELECT record_text ->> 'name' AS name FROM persons WHERE id = (SELECT min(id) FROM persons WHERE merged_into IS NULL)`)).rows[0].name).toBe('Renamed In A Test');
    expect(await differing()).toBe(0);
  });

  it('0010 gives a database imported before it sources without their text for lookups, kept with every write', async () => {
    const { client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, generatedSmall);
    const differing = async () => (await client.query(`SELECT id FROM sources WHERE record_without_text::jsonb IS DISTINCT FROM record - 'text'`)).rowCount;
    const columns = async () => (await client.query(`SELECT attname FROM pg_attribute WHERE attrelid = 'sources'::regclass AND attname LIKE 'record%' AND NOT attisdropped ORDER BY attname`)).rows.map((row) => row.attname as string);
    const sources = (await client.query('SELECT count(*)::int AS n FROM sources')).rows[0].n as number;
    expect(sources).toBeGreaterThan(2);
    expect(await columns()).toEqual(['record', 'record_without_text']);
    expect(await differing()).toBe(0);
    // As a database migrated up to 0009 has it.
    await client.query(`ALTER TABLE sources DROP COLUMN record_without_text; ALTER TABLE sources ADD COLUMN record_text json GENERATED ALWAYS AS (record::json) STORED; DELETE FROM schema_migrations WHERE version = 10`);
    expect((await migrate(client, where)).applied).toEqual(['0010_source_headings.sql']);
    expect(await columns()).toEqual(['record', 'record_without_text']);
    expect(await differing()).toBe(0);
    expect((await client.query(`SELECT count(*)::int AS n FROM sources WHERE record_without_text::jsonb ? 'text' OR NOT record ? 'text'`)).rows[0].n).toBe(0);
    // A write sets `record` only; the heading follows.
    await client.query(`UPDATE sources SET record = jsonb_set(record, '{title}', '"Retitled In A Test"') WHERE id = (SELECT min(id) FROM sources)`);
    expect((await client.query(`SELECT record_without_text ->> 'title' AS title FROM sources WHERE id = (SELECT min(id) FROM sources)`)).rows[0].title).toBe('Retitled In A Test');
    expect(await differing()).toBe(0);
  });

  it('lets concurrent runs take turns: each migration is applied by exactly one of them', async () => {
    const url = await server.createDatabase();
    const [a, b] = await Promise.all([clientOf(url), clientOf(url)]);
    const results = await Promise.all([migrate(a, url), migrate(b, url)]);
    const migrations = (await readMigrations()).length;
    expect(results.map((result) => result.applied.length).sort()).toEqual([0, migrations]);
    expect(await count(a, 'schema_migrations')).toBe(migrations);
  });

  it('rolls back a failing migration whole, and refuses an applied migration that was edited', async () => {
    const dir = await tempDir('migrations');
    await cp(path.join(migrationsDir, '0001_knowledge_base.sql'), path.join(dir, '0001_knowledge_base.sql'));
    await writeFile(path.join(dir, '0002_broken.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
    const url = await server.createDatabase();
    const client = await clientOf(url);
    const failed = await migrate(client, url, dir).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(PostgresStoreError);
    expect((failed as PostgresStoreError).code).toBe('MIGRATION_FAILED');
    expect((failed as PostgresStoreError).message).toMatch(/^migration 0002_broken\.sql failed and was rolled back: function no_such_function\(\) does not exist/);
    expect((await client.query(`SELECT to_regclass('half_done') AS t`)).rows[0].t).toBeNull();
    expect((await client.query('SELECT name FROM schema_migrations')).rows).toEqual([{ name: '0001_knowledge_base.sql' }]);

    await writeFile(path.join(dir, '0002_broken.sql'), 'CREATE TABLE now_fine (id int);\n');
    expect((await migrate(client, url, dir)).applied).toEqual(['0002_broken.sql']);
    await writeFile(path.join(dir, '0002_broken.sql'), 'CREATE TABLE now_fine (id int, edited text);\n');
    await expect(migrate(client, url, dir)).rejects.toMatchObject({ code: 'MIGRATION_CHANGED' });
  });
});

describe('db:import and db:export', () => {
  it('gives back the fixture dataset byte for byte, through the commands', async () => {
    const { url, client } = await migratedDatabase();
    const imported = await db(url, 'import', fixtureDir);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('1 sources, 10 persons, 11 countries, 6 organizations, 16 events, 24 statements;');
    const validated = await runScript(['scripts/validate-data.ts', fixtureDir]);
    const version = /version ([0-9a-f]{16})/.exec(validated.stdout)![1];
    expect(await datasetVersion(client)).toBe(version);

    const out = path.join(await tempDir('export'), 'nested', 'data');
    const exported = await db(url, 'export', out);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`(version ${version})`);
    expect(await filesOf(out)).toEqual(await filesOf(fixtureDir));
    expect((await readdir(out)).sort()).toEqual(Object.values(dataFiles).map(({ file }) => file).sort());
  });

  it.each([
    ['generated multi-source data (1×, with follow-up articles)', () => generatedSmall],
    ['generated data at 25×', () => generatedLarger],
  ])('gives back %s byte for byte', async (_label, dir) => {
    const { client, where } = await migratedDatabase();
    const imported = await importKnowledgeBase(client, where, dir());
    expect(imported.relaidFiles).toEqual([]);
    const out = await tempDir('export');
    const exported = await exportKnowledgeBase(client, where, out);
    expect(exported.version).toBe(imported.version);
    expect(await filesOf(out)).toEqual(await filesOf(dir()));
    // The generated data really is multi-source: some statements have reports from several sources.
    expect(await count(client, 'statements', 'source_count >= 2')).toBeGreaterThan(0);
    expect(await count(client, 'statement_reports', 'relayed_by_id IS NOT NULL')).toBeGreaterThan(0);
  }, 60_000); // 25× takes about 8 s on a loaded 2-CPU machine

  it('exports one whole knowledge base while an import replaces it: the import waits for the export', async () => {
    const { url, client, where } = await migratedDatabase();
    const seed = await importKnowledgeBase(client, where, fixtureDir);
    const exporter = await clientOf(url);
    const importer = await clientOf(url);
    const importerStatement = async () => (await client.query('SELECT query FROM pg_stat_activity WHERE pid = $1', [(importer as unknown as { processID: number }).processID])).rows[0]?.query ?? '';
    let importing: Promise<Awaited<ReturnType<typeof importKnowledgeBase>>> | undefined;
    let imported = false;
    // The export is held once its snapshot is taken (it has read the dataset row) while an import goes as
    // far as it can: to its end, or to the swap, waiting for the tables the export holds.
    const send = exporter.query.bind(exporter) as (...args: unknown[]) => Promise<unknown>;
    (exporter as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
      const result = await send(...args);
      if (!importing && typeof args[0] === 'string' && args[0].includes('FROM dataset')) {
        importing = importKnowledgeBase(importer, where, generatedLarger);
        void importing.then(() => (imported = true), () => (imported = true));
        await expect.poll(async () => imported || /ACCESS EXCLUSIVE|SAVEPOINT swap/.test(await importerStatement()), { timeout: 30_000 }).toBe(true);
      }
      return result;
    };
    const out = await tempDir('export-during-import');
    const exported = await exportKnowledgeBase(exporter, where, out);
    expect(exported.importedVersion).toBe(seed.version);
    expect(exported.version).toBe(seed.version);
    expect(await filesOf(out)).toEqual(await filesOf(fixtureDir));
    const larger = await importing!;
    expect(await datasetVersion(client)).toBe(larger.version);
  }, 60_000);

  it('gives back retracted and merged records as written, and flags them in the tables', async () => {
    const dir = await copyOfFixture('retracted');
    const retraction = { at: '2026-01-02T03:04:05Z', reason: 'test fixture: withdrawn', by: 'alice' };
    await editFile(dir, 'statements', (statements) => {
      statements.find((s) => s.id === 'stoltenberg-direct-dialogue').retracted = retraction;
    });
    await editFile(dir, 'persons', (persons) => {
      persons.find((p) => p.id === 'justin-trudeau').roles[0].retracted = retraction;
    });
    await editFile(dir, 'events', (events) => {
      events.find((e) => e.id === 'nato-foreign-ministers-meeting').participants[0].retracted = retraction;
    });
    await editFile(dir, 'persons', (persons) => {
      persons.push({ id: 'secretary-kerry', name: 'John F. Kerry', description: 'A duplicate of John Kerry (test fixture).', mergedInto: { id: 'john-kerry', at: retraction.at, by: 'alice' } });
    });
    const { client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, dir);
    expect((await client.query(`SELECT retracted FROM statements WHERE id = 'stoltenberg-direct-dialogue'`)).rows).toEqual([{ retracted: true }]);
    expect(await count(client, 'statements', 'retracted')).toBe(1);
    expect((await client.query(`SELECT id, merged_into FROM persons WHERE merged_into IS NOT NULL`)).rows).toEqual([{ id: 'secretary-kerry', merged_into: 'john-kerry' }]);
    expect((await client.query(`SELECT retracted FROM role_holdings WHERE person_id = 'justin-trudeau'`)).rows).toEqual([{ retracted: true }]);
    expect((await client.query(`SELECT entity_id, retracted FROM event_participants WHERE event_id = 'nato-foreign-ministers-meeting' AND retracted`)).rows).toEqual([
      { entity_id: 'nato', retracted: true },
    ]);
    const out = await tempDir('export');
    await exportKnowledgeBase(client, where, out);
    expect(await filesOf(out)).toEqual(await filesOf(dir));
  });

  it('says when a file is not in the store\'s layout, and exports the same records in that layout', async () => {
    const dir = await copyOfFixture('layout');
    const persons = JSON.parse(await readFile(path.join(dir, 'persons.json'), 'utf8'));
    await writeFile(path.join(dir, 'persons.json'), JSON.stringify(persons, null, 4));
    const { client, where } = await migratedDatabase();
    expect((await importKnowledgeBase(client, where, dir)).relaidFiles).toEqual(['persons.json']);
    const out = await tempDir('export');
    await exportKnowledgeBase(client, where, out);
    const [exported, original] = [await filesOf(out), await filesOf(dir)];
    expect(exported['persons.json']).toEqual(Buffer.from(serializeRecords(persons)));
    expect(exported['statements.json']).toEqual(original['statements.json']);
  });

  it('refuses an invalid folder with each problem\'s file and JSON path, as npm run validate words them, and keeps what the database held', async () => {
    const { url, client } = await migratedDatabase();
    expect((await db(url, 'import', fixtureDir)).code).toBe(0);
    const version = await datasetVersion(client);

    const unknownSpeaker = await copyOfFixture('unknown-speaker');
    await editFile(unknownSpeaker, 'statements', (statements) => {
      statements[3].speakerId = 'nobody-known';
    });
    const malformed = await copyOfFixture('malformed');
    await writeFile(path.join(malformed, 'persons.json'), '[\n  { "id": "john-kerry",\n');

    for (const [dir, expected] of [
      [unknownSpeaker, /^ {2}statements\.json \$\[3\]\.speakerId: unknown id "nobody-known" \(expected a Person or an Organization or a Country\)$/m],
      [malformed, /^ {2}persons\.json \$: not valid JSON at line \d+, column \d+: /m],
    ] as const) {
      const [refused, validated] = await Promise.all([db(url, 'import', dir), runScript(['scripts/validate-data.ts', dir])]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(expected);
      expect(refused.stderr).toBe(validated.stderr);
      expect(validated.code).toBe(1);
      expect(await datasetVersion(client)).toBe(version);
      expect(await count(client, 'statements')).toBe(24);
      expect(await count(client, 'persons')).toBe(10);
    }
  });

  it('replaces the previous knowledge base whole, and keeps it whole when the database refuses the new one midway', async () => {
    const { client, where } = await migratedDatabase();
    const larger = await importKnowledgeBase(client, where, generatedLarger);
    expect(await count(client, 'statements')).toBe(larger.rows.statements);
    expect(larger.rows.statements).toBeGreaterThan(24 * 25 - 1);

    const seed = await importKnowledgeBase(client, where, fixtureDir);
    for (const table of ['records', 'statements', 'persons', 'statement_reports', 'statement_mentions', 'role_holdings', 'event_participants'] as const) {
      expect(await count(client, table), table).toBe(seed.rows[table]);
    }
    expect(await count(client, 'records', `id LIKE '%-x1'`)).toBe(0);
    expect((await client.query('SELECT generation FROM dataset')).rows).toEqual([{ generation: '2' }]);

    // Text no store can hold (a NUL character) is refused by the loader's rules, at its path, before
    // anything is written.
    const withNul = await copyOfFixture('nul');
    await editFile(withNul, 'events', (events) => {
      events[5].description = 'a description with a \u0000 in it';
    });
    const invalid = await importKnowledgeBase(client, where, withNul).catch((caught: unknown) => caught);
    expect(invalid).toBeInstanceOf(DataValidationError);
    expect((invalid as DataValidationError).problems).toEqual([
      { file: 'events.json', path: '$[5].description', message: 'contains a NUL character (U+0000), which text cannot hold', rule: 'schema' },
    ]);
    expect(await datasetVersion(client)).toBe(seed.version);

    // Valid data the database refuses in the middle of the writing, after the tables were emptied and
    // others filled: a trigger of this test's own stands for any refusal (a full disk, a lost connection).
    await client.query(`CREATE FUNCTION refuse_marked_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.record->>'description' = 'refused by the database' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`);
    await client.query('CREATE TRIGGER refuse_marked_event BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_marked_event()');
    const refusedByDatabase = await copyOfFixture('refused');
    await editFile(refusedByDatabase, 'events', (events) => {
      events[5].description = 'refused by the database';
    });
    const error = await importKnowledgeBase(client, where, refusedByDatabase).catch((caught: unknown) => caught);
    await client.query('DROP TRIGGER refuse_marked_event ON events; DROP FUNCTION refuse_marked_event()');
    expect(error).toBeInstanceOf(PostgresStoreError);
    expect((error as PostgresStoreError).code).toBe('DATABASE_ERROR');
    expect(await datasetVersion(client)).toBe(seed.version);
    expect(await count(client, 'records')).toBe(seed.rows.records);
    expect(await count(client, 'statement_mentions')).toBe(seed.rows.statement_mentions);
    // The indexes and foreign keys dropped for the load are back as they were.
    expect(await count(client, 'pg_indexes', `schemaname = current_schema() AND indexname = 'persons_search_names_trgm'`)).toBe(1);
    expect(await count(client, 'pg_constraint', `contype = 'f' AND conname = 'statement_mentions_entity_id_fkey'`)).toBe(1);
  });
});

describe('the changes an import records for subscribers (migration 0005)', () => {
  it('keeps the privileges granted on the tables and the triggers added to them, on the tables that replace them', async () => {
    const { client, where } = await migratedDatabase();
    const seed = await importKnowledgeBase(client, where, fixtureDir);
    // An operator's read-only role and an audit trigger of their own: an import must not drop them.
    await client.query(`DO $$ BEGIN CREATE ROLE newsgraph_test_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await client.query('GRANT SELECT ON persons, statements TO newsgraph_test_reader');
    await client.query('CREATE TABLE test_person_audit (id text)');
    await client.query(`CREATE FUNCTION test_audit_person() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO test_person_audit VALUES (NEW.id); RETURN NEW; END $$`);
    await client.query('CREATE TRIGGER test_audit_person AFTER INSERT ON persons FOR EACH ROW EXECUTE FUNCTION test_audit_person()');
    const privileges = async () =>
      (await client.query(`SELECT table_name FROM information_schema.role_table_grants WHERE grantee = 'newsgraph_test_reader' AND privilege_type = 'SELECT' ORDER BY table_name`)).rows.map((row) => row.table_name);
    for (const round of [1, 2]) {
      await importKnowledgeBase(client, where, fixtureDir);
      expect(await privileges()).toEqual(['persons', 'statements']);
      expect(await count(client, 'test_person_audit')).toBe(round * seed.rows.persons);
    }
    expect((await client.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'newsgraph_import'`)).rows[0].n).toBe(0);
  });

  it('lists the records each import created or changed, in file order, under its generation, and nothing for an identical import', async () => {
    const { client, where } = await migratedDatabase();
    const changesOf = async () =>
      (await client.query('SELECT record_id, kind, change FROM dataset_changes WHERE generation = (SELECT generation FROM dataset) ORDER BY ordinal')).rows.map(
        (row) => `${row.change} ${row.kind} ${row.record_id}`,
      );
    const first = await importKnowledgeBase(client, where, fixtureDir);
    expect(await changesOf()).toHaveLength(first.rows.records);

    const edited = await copyOfFixture('changes');
    await editFile(edited, 'persons', (persons) => {
      persons[3].description = 'Test fixture: changed by the second import.';
      persons.push({ id: 'test-fixture-new-person', name: 'Test Fixture Person', description: 'Test fixture: created by the second import.' });
    });
    await editFile(edited, 'countries', (countries) => {
      countries[0].description = 'Test fixture: changed too.';
    });
    await importKnowledgeBase(client, where, edited);
    const persons = JSON.parse(await readFile(path.join(edited, 'persons.json'), 'utf8'));
    const countries = JSON.parse(await readFile(path.join(edited, 'countries.json'), 'utf8'));
    expect(await changesOf()).toEqual([`UPDATED Person ${persons[3].id}`, 'CREATED Person test-fixture-new-person', `UPDATED Country ${countries[0].id}`]);

    await importKnowledgeBase(client, where, edited);
    expect(await changesOf()).toEqual([]);
    expect((await client.query('SELECT generation FROM dataset')).rows).toEqual([{ generation: '3' }]);
  });
});

describe('the tables of the fixture dataset', () => {
  let client: pg.Client;
  const fixture = {} as Record<Collection, any[]>;

  beforeAll(async () => {
    ({ client } = await migratedDatabase());
    await importKnowledgeBase(client, 'test', fixtureDir);
    for (const [collection, { file }] of Object.entries(dataFiles)) fixture[collection as Collection] = JSON.parse(await readFile(path.join(fixtureDir, file), 'utf8'));
  });

  it('holds every record and every link of the files', async () => {
    const sum = (items: any[], countOf: (item: any) => number) => items.reduce((total, item) => total + countOf(item), 0);
    const expected: Record<string, number> = {
      records: sum(Object.values(fixture), (records) => records.length),
      ...Object.fromEntries(Object.entries(fixture).map(([collection, records]) => [collection, records.length])),
      statement_reports: sum(fixture.statements, (s) => s.reports.length),
      statement_mentions: sum(fixture.statements, (s) => s.mentions?.length ?? 0),
      statement_events: sum(fixture.statements, (s) => (s.saidAt ? 1 : 0) + (s.aboutEvents?.length ?? 0)),
      statement_audience: sum(fixture.statements, (s) => s.audience?.entityIds?.length ?? 0),
      role_holdings: sum(fixture.persons, (p) => p.roles?.length ?? 0),
      memberships: sum(fixture.organizations, (o) => o.memberships?.length ?? 0),
      event_participants: sum(fixture.events, (e) => e.participants?.length ?? 0),
      event_locations: sum(fixture.events, (e) => e.locations?.length ?? 0),
    };
    for (const [table, rows] of Object.entries(expected)) {
      expect(rows, table).toBeGreaterThan(0);
      expect(await count(client, table), table).toBe(rows);
    }
  });

  it('links a statement to its speaker, source, events, continuation and mentions', async () => {
    const id = 'stoltenberg-direct-dialogue';
    expect((await client.query('SELECT speaker_id, said_at_event_id, continues_id, kind, source_count, retracted FROM statements WHERE id = $1', [id])).rows).toEqual([
      { speaker_id: 'jens-stoltenberg', said_at_event_id: 'stoltenberg-press-conference', continues_id: 'stoltenberg-calm-de-escalation', kind: 'QUOTE', source_count: 1, retracted: false },
    ]);
    expect((await client.query('SELECT ordinal, source_id, evidence_start, evidence_end, relayed_by_id FROM statement_reports WHERE statement_id = $1', [id])).rows).toEqual([
      { ordinal: 0, source_id: 'kerry-to-nato-ante-up', evidence_start: 3089, evidence_end: 3147, relayed_by_id: null },
    ]);
    expect((await client.query('SELECT entity_id FROM statement_mentions WHERE statement_id = $1 ORDER BY ordinal', [id])).rows.map((r) => r.entity_id)).toEqual([
      'jens-stoltenberg',
      'russia',
      'turkey',
    ]);
    expect((await client.query('SELECT link, event_id FROM statement_events WHERE statement_id = $1 ORDER BY link DESC, ordinal', [id])).rows).toEqual([
      { link: 'SAID_AT', event_id: 'stoltenberg-press-conference' },
      { link: 'ABOUT', event_id: 'russian-jet-downing' },
    ]);
    // The reverse lookups the dataloaders will batch: statements by source, by relayer, by mentioned entity.
    expect(await count(client, 'statement_reports', `source_id = 'kerry-to-nato-ante-up'`)).toBe(24);
    expect((await client.query(`SELECT statement_id FROM statement_reports WHERE relayed_by_id = 'washington-post'`)).rows).toEqual([{ statement_id: 'stoltenberg-east-and-south' }]);
    const mentionsOfIslamicState = fixture.statements.flatMap((s) => s.mentions.filter((m: any) => m.entityId === 'islamic-state').map(() => s.id));
    expect(mentionsOfIslamicState.length).toBeGreaterThan(new Set(mentionsOfIslamicState).size); // a statement that names it twice has two rows
    expect((await client.query(`SELECT statement_id FROM statement_mentions WHERE entity_id = 'islamic-state' ORDER BY statement_id`)).rows.map((r) => r.statement_id)).toEqual(
      mentionsOfIslamicState.sort(),
    );
    // The record keeps the validated form (defaults filled in), the original the file's.
    const { rows } = await client.query(`SELECT record, original::text AS original FROM statements WHERE id = $1`, [id]);
    expect(rows[0].record.revision).toBe(1);
    expect(JSON.parse(rows[0].original)).toEqual(fixture.statements.find((s) => s.id === id));
  });

  it('holds roles, memberships, participations and places', async () => {
    expect((await client.query(`SELECT title, organization_id, country_id, starts_on FROM role_holdings WHERE person_id = 'justin-trudeau'`)).rows).toEqual([
      { title: 'Prime Minister', organization_id: null, country_id: 'canada', starts_on: null },
    ]);
    expect((await client.query(`SELECT country_id FROM memberships WHERE organization_id = 'nato' ORDER BY ordinal`)).rows.map((r) => r.country_id)).toEqual([
      'turkey',
      'united-states',
      'italy',
      'canada',
    ]);
    expect((await client.query(`SELECT organization_id FROM memberships WHERE country_id = 'turkey'`)).rows).toEqual([{ organization_id: 'nato' }]);
    expect((await client.query(`SELECT entity_id, role FROM event_participants WHERE event_id = 'nato-foreign-ministers-meeting' ORDER BY ordinal LIMIT 2`)).rows).toEqual([
      { entity_id: 'nato', role: 'convener' },
      { entity_id: 'john-kerry', role: 'attendee' },
    ]);
    expect((await client.query(`SELECT city, city_key, country_id FROM event_locations WHERE event_id = 'nato-foreign-ministers-meeting'`)).rows).toEqual([
      { city: 'Brussels', city_key: 'brussels', country_id: 'belgium' },
    ]);
    expect((await client.query(`SELECT date_sort_key, occupies_from, occupies_to FROM events WHERE id = 'nato-foreign-ministers-meeting'`)).rows).toEqual([
      { date_sort_key: '2015-12-01|1|2', occupies_from: '2015-12-01', occupies_to: '2015-12-02' },
    ]);
  });

  it('finds names without their accents and in any case', async () => {
    const byWords = (table: string, words: string) =>
      client.query(`SELECT id FROM ${table} WHERE search_vector @@ plainto_tsquery('simple', newsgraph_fold($1)) ORDER BY position`, [words]).then((r) => r.rows.map((row) => row.id));
    expect(await byWords('persons', 'stephane dion')).toEqual(['stephane-dion']);
    expect(await byWords('persons', 'STÉPHANE')).toEqual(['stephane-dion']);
    expect(await byWords('organizations', 'daesh')).toEqual(['islamic-state']);
    expect(await byWords('countries', 'belg')).toEqual([]);
    const byPrefix = await client.query(`SELECT id FROM countries WHERE search_vector @@ to_tsquery('simple', newsgraph_fold($1) || ':*')`, ['belg']);
    expect(byPrefix.rows).toEqual([{ id: 'belgium' }]);
    expect(await byWords('countries', 'tur')).toEqual(['turkey']); // its ISO alpha-3 code
    expect(await byWords('statements', 'de-escalation')).toEqual(['stoltenberg-calm-de-escalation']);
  });

  it('finds a name with a typo by trigram similarity, through the trigram index', async () => {
    const typo = 'Stoltenbreg';
    expect((await client.query(`SELECT id FROM persons WHERE search_vector @@ plainto_tsquery('simple', newsgraph_fold($1))`, [typo])).rows).toEqual([]);
    const similar = await client.query(
      `SELECT id FROM persons WHERE newsgraph_fold($1) <% search_names ORDER BY word_similarity(newsgraph_fold($1), search_names) DESC, position`,
      [typo],
    );
    expect(similar.rows).toEqual([{ id: 'jens-stoltenberg' }]);
    await client.query('BEGIN');
    try {
      await client.query('SET LOCAL enable_seqscan = off');
      const plan = (await client.query(`EXPLAIN SELECT id FROM persons WHERE newsgraph_fold('stoltenbreg') <% search_names`)).rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toContain('persons_search_names_trgm');
    } finally {
      await client.query('ROLLBACK');
    }
  });
});

describe('errors', () => {
  it('gives one coded line for a missing, malformed or unreachable database, never the password', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = spawn(process.execPath, ['-e', 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})']);
      probe.stdout.on('data', (chunk: Buffer) => resolve(Number(chunk.toString())));
    });
    const cases = [
      ['', /^db:migrate: DATABASE_URL_MISSING: DATABASE_URL is not set; /],
      ['localhost:5432/newsgraph', /^db:migrate: DATABASE_URL_INVALID: DATABASE_URL must start with postgresql:\/\/ or postgres:\/\/, not localhost:\/\/$/],
      [`postgresql://someone:sup3rsecret@127.0.0.1:${closedPort}/newsgraph`, new RegExp(`^db:migrate: DATABASE_UNREACHABLE: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${closedPort}/newsgraph: connect ECONNREFUSED`)],
      [server.url('no_such_database'), /^db:migrate: DATABASE_NOT_FOUND: PostgreSQL at 127\.0\.0\.1:\d+\/no_such_database: database "no_such_database" does not exist$/],
    ] as const;
    const runs = await Promise.all(cases.map(([url]) => db(url, 'migrate')));
    runs.forEach((run, index) => {
      expect(run.code).toBe(1);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr.trimEnd()).toMatch(cases[index]![1]);
      expect(run.stderr).not.toContain('sup3rsecret');
    });
  });

  it('refuses to import into an unmigrated database and to export an empty one', async () => {
    const bare = await clientOf(await server.createDatabase());
    await expect(importKnowledgeBase(bare, 'bare', fixtureDir)).rejects.toMatchObject({ code: 'SCHEMA_NOT_MIGRATED' });
    const { client, where } = await migratedDatabase();
    const out = await tempDir('export');
    await expect(exportKnowledgeBase(client, where, out)).rejects.toMatchObject({ code: 'DATASET_EMPTY' });
    expect(await readdir(out)).toEqual([]);
  });
});

describe("a request's reads and an import", () => {
  it('reads the generation a request began on through every kind of read while a mutation commits', async () => {
    const { url, client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, fixtureDir);
    const database = await PostgresKnowledge.open(url, { logger: createLogger('silent'), readerFor: (pool, where) => new PostgresReader(pool, { where }) });
    const yoga = createNewsgraph({ database, curatorTokens, logger: silentLogger }).yoga;
    try {
      const persons = { list: 'persons', filter: {}, order: 'NAME_ASC' } as const;
      // Not the counts and statistics first: those are kept per generation once read.
      const readAll = async (reader: KnowledgeReader) => ({
        count: await reader.count(persons),
        page: (await reader.page(persons, { first: 100 })).items,
        search: await reader.searchCount('Midway', undefined),
        searchPage: (await reader.searchPage('Midway', undefined, { first: 5 })).items,
        lookUp: await reader.recordsByIds('Person', ['reader-midway']),
        counts: await reader.recordCounts(),
        statistics: await reader.statistics(),
      });
      const before = await database.openReads();
      const created = await mutate(yoga, 'mutation { createPerson(input: { slug: "reader-midway", name: "Reader Midway", description: "Created while a request read." }) { person { slug } } }');
      expect(created.errors).toBeUndefined();
      const seenBefore = await readAll(before.snapshot.reader);
      before.end();
      const after = await database.openReads();
      const seenAfter = await readAll(after.snapshot.reader);
      after.end();
      expect(seenBefore.search).toBe(0);
      expect(seenBefore.lookUp[0]).toBeInstanceOf(RecordNotFoundError);
      expect(seenAfter.search).toBe(1);
      expect(seenAfter.count).toBe(seenBefore.count + 1);
      expect(seenAfter.counts.persons).toBe(seenBefore.counts.persons + 1);
      expect(seenAfter.page).toHaveLength(seenBefore.page.length + 1);
      expect(seenAfter.searchPage).toHaveLength(1);
      expect(seenBefore.count).toBe(seenBefore.counts.persons);
    } finally {
      await database.close();
    }
  });


  it('answers requests from the old knowledge base, without waiting, while an import loads the new one', async () => {
    const { url, client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, fixtureDir);
    const database = await PostgresKnowledge.open(url, { logger: createLogger('silent'), readerFor: (pool, where) => new PostgresReader(pool, { where }) });
    const yoga = createNewsgraph({ database, curatorTokens, logger: silentLogger }).yoga;
    const importer = await clientOf(url);
    // This test holds the dataset row's table: the import writes every table, then waits to record its version.
    const holder = await clientOf(url);
    await holder.query('BEGIN; LOCK TABLE dataset IN SHARE MODE');
    let importing: Promise<unknown> | undefined;
    try {
      importing = importKnowledgeBase(importer, where, generatedLarger);
      importing.catch(() => {});
      const waitingFor = async () =>
        (await client.query('SELECT relation::regclass::text AS relation FROM pg_locks WHERE pid = $1 AND NOT granted', [(importer as unknown as { processID: number }).processID])).rows[0]?.relation;
      await expect.poll(waitingFor, { timeout: 20_000 }).toBe('dataset');
      const started = Date.now();
      const answer = await Promise.race([
        query(yoga, '{ persons(first: 3, orderBy: NAME_DESC) { totalCount edges { node { slug } } } person(slug: "john-kerry") { name } }'),
        new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 3_000)),
      ]);
      expect(answer).not.toBe('still waiting');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((answer as Awaited<ReturnType<typeof query>>).errors).toBeUndefined();
      expect((answer as Awaited<ReturnType<typeof query>>).data).toMatchObject({ persons: { totalCount: 10 }, person: { name: 'John Kerry' } });

      await holder.query('COMMIT');
      await importing;
      // Then every request reads the new one.
      await expect.poll(async () => (await query(yoga, '{ person(slug: "john-kerry-x1") { slug } }')).data?.person?.slug, { timeout: 5_000 }).toBe('john-kerry-x1');
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await importing?.catch(() => {});
      await database.close();
    }
  });

  it("swaps the tables in only once the requests reading them end, and answers requests that begin meanwhile from the old data", async () => {
    const { url, client, where } = await migratedDatabase();
    const seed = await importKnowledgeBase(client, where, fixtureDir);
    const database = await PostgresKnowledge.open(url, { logger: createLogger('silent'), readerFor: (pool, where) => new PostgresReader(pool, { where }) });
    try {
      const lookUp = async (reads: RequestReads, id: string) => !((await reads.snapshot.reader.recordsByIds('Person', [id]))[0] instanceof RecordNotFoundError);
      const counts = await database.current().reader.recordCounts();
      const before = await database.openReads();
      expect(before.snapshot.info.version).toBe(seed.version);
      expect(await lookUp(before, 'john-kerry')).toBe(true);
      // Another request that began before the import, but reads no table until the swap is due.
      const notYetReading = await database.openReads();

      const importer = await clientOf(url);
      const importing = importKnowledgeBase(importer, where, generatedLarger);
      // The import replaces the tables, which the request's snapshot would not hide (it would find the new
      // ones, empty to it): the swap waits for the request's locks instead, trying again and again.
      const importerStatement = async () => (await client.query('SELECT query FROM pg_stat_activity WHERE pid = $1', [(importer as unknown as { processID: number }).processID])).rows[0]?.query;
      await expect.poll(importerStatement, { timeout: 20_000 }).toMatch(/ACCESS EXCLUSIVE|SAVEPOINT swap/);
      expect(await lookUp(before, 'john-kerry')).toBe(true);
      expect(await lookUp(before, 'john-kerry-x1')).toBe(false);
      // What /ready and /metrics ask for, kept for the generation, answers without waiting for the import.
      const answered = await Promise.race([database.current().reader.recordCounts(), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000))]);
      expect(answered).toEqual(counts);
      // A request that begins while the swap waits is not queued behind it: it reads the old data.
      for (let request = 0; request < 3; request++) {
        const meanwhile = await Promise.race([database.openReads(), new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 2_000))]);
        expect(meanwhile).not.toBe('still waiting');
        const reads = meanwhile as RequestReads;
        try {
          expect(reads.snapshot.info.version).toBe(seed.version);
          expect(await lookUp(reads, 'john-kerry-x1')).toBe(false);
        } finally {
          reads.end();
        }
      }

      // The swap waits for the request that has read nothing yet too: it holds `dataset`, as every request
      // does from its start, so it still finds the old tables whole.
      before.end();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await importerStatement()).toMatch(/ACCESS EXCLUSIVE|SAVEPOINT swap/);
      expect(await lookUp(notYetReading, 'paolo-gentiloni')).toBe(true);
      expect(await lookUp(notYetReading, 'john-kerry-x1')).toBe(false);

      // Once the requests that began before it end, the import swaps the tables in; requests read the new ones.
      notYetReading.end();
      const larger = await importing;
      const after = await database.openReads();
      try {
        expect(after.snapshot.info.version).toBe(larger.version);
        expect(await lookUp(after, 'john-kerry-x1')).toBe(true);
      } finally {
        after.end();
      }
    } finally {
      await database.close();
    }
  });

  it('applies a migration that rewrites a table only once the requests reading the tables end', async () => {
    const { url, client, where } = await migratedDatabase();
    await importKnowledgeBase(client, where, fixtureDir);
    // Nothing kept: every lookup reads the tables.
    const database = await PostgresKnowledge.open(url, { logger: createLogger('silent'), keptRecords: 0, readerFor: (pool, where) => new PostgresReader(pool, { where }) });
    try {
      const lookUp = async (reads: RequestReads, id: string) => !((await reads.snapshot.reader.recordsByIds('Person', [id]))[0] instanceof RecordNotFoundError);
      const dir = await tempDir('migrations');
      await cp(migrationsDir, dir, { recursive: true });
      // A rewrite of the whole table (integer to bigint), which a snapshot taken before it does not survive: the table would look empty to it.
      await writeFile(path.join(dir, '0999_rewrite_persons.sql'), 'ALTER TABLE persons ALTER COLUMN position TYPE bigint;\n');
      const request = await database.openReads();
      const migrator = await clientOf(url);
      const migrating = migrate(migrator, where, dir);
      const migratorWaits = async () => (await client.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [(migrator as unknown as { processID: number }).processID])).rows[0]?.wait_event_type;
      await expect.poll(migratorWaits, { timeout: 20_000 }).toBe('Lock');
      // The request began before the migration: it reads the table as it was, whole.
      expect(await lookUp(request, 'john-kerry')).toBe(true);
      request.end();
      expect((await migrating).applied).toEqual(['0999_rewrite_persons.sql']);
      const after = await database.openReads();
      try {
        expect(await lookUp(after, 'john-kerry')).toBe(true);
      } finally {
        after.end();
      }
    } finally {
      await database.close();
    }
  });
});
