/**
 * Writes the knowledge base held in PostgreSQL back as a data folder: the six files, each record as its
 * file held it (the `original` column) in file order, through the store's own serializer. A folder
 * imported and exported comes back byte for byte, whatever jsonb does to key order.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { datasetVersionOf, digestOf } from '../../kb/load.js';
import { dataFiles, type Collection } from '../../kb/records.js';
import { writeFileDurably } from '../durable-file.js';
import { serializeRecords } from '../knowledge-store.js';
import { PostgresStoreError, storeErrorOf } from './errors.js';
import { BEGIN_READS } from './read-session.js';
import { checkSchema } from './migrate.js';

export interface ExportResult {
  dataDir: string;
  /** The dataset version of the written files. */
  version: string;
  /** The version recorded at import: equal to `version` unless the imported files were not in the store's layout. */
  importedVersion: string;
  /** Records written to each file. */
  counts: Record<Collection, number>;
  timings: { read: number; write: number };
}

/**
 * Writes the six data files into `dataDir` (created if need be), all read from one snapshot of the
 * database, each replaced durably. Throws PostgresStoreError (DATASET_EMPTY before any import).
 */
export async function exportKnowledgeBase(client: pg.Client, where: string, dataDir: string): Promise<ExportResult> {
  const started = performance.now();
  const resolvedDir = path.resolve(dataDir);
  await checkSchema(client, where);
  const files: { collection: Collection; file: string; bytes: Uint8Array; count: number }[] = [];
  let importedVersion: string;
  try {
    // One snapshot for all six files, taken holding the tables: an import that commits meanwhile could
    // otherwise leave the files still to read empty to this snapshot (it replaces the tables).
    await client.query(BEGIN_READS);
    const dataset = await client.query<{ version: string }>('SELECT version FROM dataset');
    if (dataset.rows.length === 0) throw new PostgresStoreError('DATASET_EMPTY', `the database at ${where} holds no knowledge base yet; run \`npm run db:import\` first`);
    importedVersion = dataset.rows[0]!.version;
    for (const [collection, { file }] of Object.entries(dataFiles) as [Collection, (typeof dataFiles)[Collection]][]) {
      // As text, parsed here: the driver would parse json too, but this keeps the one parse explicit.
      const { rows } = await client.query<{ original: string }>(`SELECT original::text AS original FROM ${collection} ORDER BY position`);
      files.push({ collection, file, bytes: serializeRecords(rows.map((row) => JSON.parse(row.original) as unknown)), count: rows.length });
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw storeErrorOf(error, where);
  }
  const read = performance.now();
  await mkdir(resolvedDir, { recursive: true });
  for (const { file, bytes } of files) await writeFileDurably(path.join(resolvedDir, file), bytes);
  const version = datasetVersionOf(Object.fromEntries(files.map(({ file, bytes }) => [file, digestOf(bytes)])));
  return {
    dataDir: resolvedDir,
    version,
    importedVersion,
    counts: Object.fromEntries(files.map(({ collection, count }) => [collection, count])) as Record<Collection, number>,
    timings: { read: read - started, write: performance.now() - read },
  };
}
