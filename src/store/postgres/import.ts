/**
 * Replaces the knowledge base held in PostgreSQL with a data folder's: the folder is checked with the
 * loader's own rules first (`readDataFolder`, the rules of `npm run validate` and of the server) and
 * refused whole on any problem; then, in one transaction, new tables are filled beside the live ones
 * and take their place, so a reader or a crash sees the old knowledge base or the new one, never part of
 * each, and readers keep reading the old one until the moment of the swap.
 *
 * Rows go in with COPY … FROM STDIN, one stream per table: PostgreSQL's bulk path, which parses no
 * SQL and no parameter arrays per row. At 1,000× the seed, multi-row INSERTs from parameter arrays wrote
 * in 22 s and COPY alone in 15 s; with the index, foreign-key and compression steps below, 6 to 9 s.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { datasetVersionOf, digestOf, readDataFolder } from '../../kb/load.js';
import { dataFiles, kindOfCollection, type Collection } from '../../kb/records.js';
import { searchIndexStatements } from './search.js';
import { folderRowContext, recordSourcesStatement, rowsOf, type ColumnType, type TableRows } from './rows.js';
import { serializeRecords } from '../knowledge-store.js';
import { PostgresStoreError, storeErrorOf } from './errors.js';
import { checkSchema } from './migrate.js';

/** The channel a change of the dataset is announced on (LISTEN newsgraph_dataset). */
export const DATASET_CHANNEL = 'newsgraph_dataset';

/** An arbitrary constant for the transaction-level advisory lock of every change to the dataset: imports and mutations take turns. */
export const DATASET_LOCK_KEY = 0x6e67_696d_706f_7274n;

/** The schema an import builds the new knowledge base's tables in, inside its transaction, before they replace the live ones. */
const IMPORT_SCHEMA = 'newsgraph_import';

/** How many generations of change rows (migration 0005) an import or a mutation keeps for servers that fell behind. */
export const KEPT_CHANGE_GENERATIONS = 100;

/** Every record's id, kind, collection rank, file position and a digest of its validated form, over all tables. */
const recordDigests = (Object.keys(dataFiles) as Collection[])
  .map((collection, rank) => `SELECT id, '${kindOfCollection[collection]}' AS kind, ${rank} AS rank, position, md5(record::text) AS digest FROM ${collection}`)
  .join(' UNION ALL ');

/** Every table the knowledge base fills, replaced together by an import. */
export const knowledgeBaseTables = [
  'records',
  'sources',
  'persons',
  'countries',
  'organizations',
  'events',
  'statements',
  'statement_reports',
  'statement_mentions',
  'statement_events',
  'statement_audience',
  'statement_speaker_groups',
  'role_holdings',
  'memberships',
  'event_participants',
  'event_locations',
  'record_sources',
  'coverage_spans',
  'list_words',
  'draft_keys',
  'search_documents',
  'search_postings',
  'search_terms',
] as const;

export type KnowledgeBaseTable = (typeof knowledgeBaseTables)[number];

/** COPY's text format escapes backslash and the row and column separators; `\N` is NULL. */
function copyEscape(value: string): string {
  return /[\\\n\r\t]/.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : value;
}

/** A text[] in PostgreSQL's array literal form: every element quoted, its quotes and backslashes escaped. */
function arrayLiteral(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

function copyField(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '\\N';
  switch (type) {
    case 'bool':
      return value ? 't' : 'f';
    case 'int':
      return String(value);
    case 'json':
      return copyEscape(JSON.stringify(value));
    case 'text[]':
      return copyEscape(arrayLiteral(value as string[]));
    case 'int[]':
      return `{${(value as number[]).join(',')}}`;
    case 'text':
      return copyEscape(value as string);
  }
}

/** COPY's input for `rows`, in pieces of about a megabyte: fewer, larger writes to the socket. */
function* copyText({ columns, rows }: TableRows): Generator<string> {
  let piece = '';
  for (const row of rows) {
    piece += `${columns.map((column, index) => copyField(row[index], column.type)).join('\t')}\n`;
    if (piece.length >= 1 << 20) {
      yield piece;
      piece = '';
    }
  }
  if (piece) yield piece;
}

/** Writes a table's rows with one COPY, into a table created in the current transaction. */
export async function copyRows(client: pg.Client, table: TableRows): Promise<void> {
  if (table.rows.length === 0) return;
  // FREEZE: the import's tables are new in its transaction, so their rows can be written already frozen
  // and visible to all (no later vacuum to mark them; index-only scans work at once).
  const copy = client.query(copyFrom(`COPY ${table.table} (${table.columns.map((column) => column.name).join(', ')}) FROM STDIN WITH (FREEZE)`));
  await pipeline(Readable.from(copyText(table)), copy);
}

export interface ImportResult {
  dataDir: string;
  /** The dataset version of the imported files, as the server computes it. */
  version: string;
  /** Rows written to each table. */
  rows: Record<KnowledgeBaseTable, number>;
  /**
   * Files whose bytes differ from what the store writes for the same records (indentation, key spacing,
   * number forms): `db:export` writes those in the store's layout, so they come back as the same records
   * in different bytes. Empty for any folder the server or `db:export` wrote.
   */
  relaidFiles: string[];
  /** Milliseconds spent reading and validating the folder, and writing the database. */
  timings: { validate: number; write: number };
}

/** How long an import may try to take the live tables for its swap, and how long each try waits. */
const SWAP_LOCK_WAIT_MS = 120_000;
const SWAP_LOCK_TRY_MS = 200;

/**
 * Takes the live tables for the swap, in tries that each wait SWAP_LOCK_TRY_MS. One long wait would
 * queue every new request behind it (they need the tables the import waits for), and could meet a
 * reader that holds one table and waits for another the import has taken: a deadlock that would cancel
 * the import after its whole load. Between tries the import holds nothing and they go on.
 */
async function lockForSwap(client: pg.Client, tables: string, where: string): Promise<void> {
  const deadline = Date.now() + SWAP_LOCK_WAIT_MS;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1_000)) {
    await client.query(`SAVEPOINT swap; SET LOCAL lock_timeout = '${SWAP_LOCK_TRY_MS}ms'`);
    try {
      await client.query(`LOCK TABLE ${tables} IN ACCESS EXCLUSIVE MODE`);
      await client.query('RELEASE SAVEPOINT swap; SET LOCAL lock_timeout = 0');
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // 55P03: the try's lock_timeout; 40P01: a deadlock found first.
      if (code !== '55P03' && code !== '40P01') throw error;
      await client.query('ROLLBACK TO SAVEPOINT swap');
      if (Date.now() >= deadline) {
        throw new PostgresStoreError('DATABASE_ERROR', `PostgreSQL at ${where}: other sessions kept the knowledge base's tables in use for ${SWAP_LOCK_WAIT_MS / 1000} s, so the import could not replace them. Nothing was imported.`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/**
 * Validates `dataDir` like the server and, only if it passes, replaces the database's knowledge base
 * with it in one transaction. Throws DataValidationError (nothing written) or PostgresStoreError.
 */
export async function importKnowledgeBase(client: pg.Client, where: string, dataDir: string): Promise<ImportResult> {
  const started = performance.now();
  await checkSchema(client, where);
  const folder = await readDataFolder(dataDir, { keepOriginals: true });
  const originals = folder.originals!;
  const relaidFiles = (Object.entries(dataFiles) as [Collection, (typeof dataFiles)[Collection]][])
    .filter(([collection, { file }]) => digestOf(serializeRecords(originals[collection])) !== folder.fileDigests[file])
    .map(([, { file }]) => file);
  const tables = rowsOf(folder.records, originals, folderRowContext(folder.records));
  const version = datasetVersionOf(folder.fileDigests);
  const validated = performance.now();
  const derivedRows = { search_postings: 0, search_terms: 0, record_sources: 0 };
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [DATASET_LOCK_KEY.toString()]);
    // The live tables' schema is where `records` is (not current_schema(): a schema named after the role,
    // first on the default search path, may exist without them).
    const { rows: [place] } = await client.query<{ schema: string; searchPath: string; owner: string; mayDrop: boolean }>(
      `SELECT quote_ident(nsp.nspname) AS schema, current_setting('search_path') AS "searchPath",
              pg_get_userbyid(tab.relowner) AS owner, pg_has_role(tab.relowner, 'MEMBER') AS "mayDrop"
         FROM pg_class tab JOIN pg_namespace nsp ON nsp.oid = tab.relnamespace WHERE tab.oid = 'records'::regclass`,
    );
    const live = place!.schema;
    if (!place!.mayDrop) {
      throw new PostgresStoreError('DATABASE_ERROR', `PostgreSQL at ${where}: db:import replaces the knowledge base's tables, which takes their owner (${place!.owner}, the role that ran db:migrate); it runs as another role. Nothing was imported.`);
    }
    // The records as they were, to tell which ones this import changes (jsonb's text is canonical).
    await client.query(`CREATE TEMPORARY TABLE previous_records ON COMMIT DROP AS SELECT id, digest FROM (${recordDigests}) AS stored`);
    // How the live tables are built, to build the new ones alike: their keys, unique and exclusion
    // constraints, foreign keys and other indexes, each by its own definition (whatever the migrations
    // made them). Constraints are printed while the live tables are on the search path: the tables they
    // name are unqualified, and name the new tables once those come first on it. Indexes and triggers are
    // printed with their table's qualified name (`onNewTable` puts the new table's in its place).
    const { rows: constraints } = await client.query<{ table: string; name: string; definition: string; kind: 'p' | 'u' | 'x' | 'f' }>(
      `SELECT conrelid::regclass::text AS table, quote_ident(conname) AS name, pg_get_constraintdef(oid) AS definition, contype AS kind
         FROM pg_constraint WHERE contype IN ('p', 'u', 'x', 'f') AND conrelid = ANY($1::regclass[]) ORDER BY conrelid::regclass::text, conname`,
      [knowledgeBaseTables],
    );
    const qualified = `quote_ident(nsp.nspname) || '.' || quote_ident(tab.relname) AS qualified`;
    const { rows: indexes } = await client.query<{ table: string; qualified: string; definition: string }>(
      `SELECT tab.relname AS table, ${qualified}, pg_get_indexdef(index.indexrelid) AS definition
         FROM pg_index index JOIN pg_class tab ON tab.oid = index.indrelid JOIN pg_namespace nsp ON nsp.oid = tab.relnamespace
        WHERE tab.oid = ANY($1::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = index.indexrelid AND con.conrelid = index.indrelid AND con.contype IN ('p', 'u', 'x'))`,
      [knowledgeBaseTables],
    );
    // What others added to the live tables goes over to the new ones: their row triggers (fired by the
    // new tables' rows as by the live ones'), the privileges granted on them (a read-only role's SELECT),
    // their owner, and extended statistics.
    const { rows: triggers } = await client.query<{ table: string; qualified: string; definition: string }>(
      `SELECT tab.relname AS table, ${qualified}, pg_get_triggerdef(trigger.oid) AS definition
         FROM pg_trigger trigger JOIN pg_class tab ON tab.oid = trigger.tgrelid JOIN pg_namespace nsp ON nsp.oid = tab.relnamespace
        WHERE NOT trigger.tgisinternal AND trigger.tgrelid = ANY($1::regclass[])`,
      [knowledgeBaseTables],
    );
    const { rows: grants } = await client.query<{ table: string; privilege: string; grantee: string; grantable: boolean }>(
      `SELECT tab.relname AS table, acl.privilege_type AS privilege, acl.is_grantable AS grantable,
              CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(acl.grantee)) END AS grantee
         FROM pg_class tab, aclexplode(tab.relacl) acl
        WHERE tab.oid = ANY($1::regclass[]) AND acl.grantee <> tab.relowner`,
      [knowledgeBaseTables],
    );
    const { rows: owners } = await client.query<{ table: string; owner: string }>(
      `SELECT relname AS table, quote_ident(pg_get_userbyid(relowner)) AS owner FROM pg_class WHERE oid = ANY($1::regclass[]) AND relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
      [knowledgeBaseTables],
    );
    const { rows: statistics } = await client.query<{ definition: string }>(
      `SELECT pg_get_statisticsobjdef(oid) AS definition FROM pg_statistic_ext WHERE stxrelid = ANY($1::regclass[])`,
      [knowledgeBaseTables],
    );
    // The new knowledge base is built beside the live one, in tables of the same names in a schema of
    // their own that comes first on the search path, so every statement below (COPY, the derived rows,
    // the definitions) writes to them unchanged. Readers keep reading the live tables meanwhile.
    await client.query(`CREATE SCHEMA ${IMPORT_SCHEMA}`);
    for (const table of knowledgeBaseTables) {
      await client.query(`CREATE TABLE ${IMPORT_SCHEMA}.${table} (LIKE ${live}.${table} INCLUDING ALL EXCLUDING INDEXES EXCLUDING STATISTICS)`);
    }
    await client.query(`SELECT set_config('search_path', $1, true)`, [`${IMPORT_SCHEMA}, ${place!.searchPath}`]);
    // Keys and unique constraints before the rows: a duplicate fails at its row. Secondary indexes and
    // foreign keys after them: building an index once over all rows is several times faster than growing
    // it row by row (GIN indexes above all), and a foreign key added to a full table is checked by one join.
    for (const { table, name, definition } of constraints.filter(({ kind }) => kind !== 'f')) await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${name} ${definition}`);
    const onNewTable = (definition: string, table: string, qualifiedName: string) => {
      for (const on of [' ON ', ' ON ONLY ']) {
        const at = definition.indexOf(`${on}${qualifiedName} `);
        if (at >= 0) return `${definition.slice(0, at)}${on}${IMPORT_SCHEMA}.${table} ${definition.slice(at + on.length + qualifiedName.length + 1)}`;
      }
      throw new Error(`the definition of an index or trigger of ${qualifiedName} does not name it as expected: ${definition}`);
    };
    for (const { table, qualified, definition } of triggers) await client.query(onNewTable(definition, table, qualified));
    for (const { table, privilege, grantee, grantable } of grants) {
      await client.query(`GRANT ${privilege} ON ${IMPORT_SCHEMA}.${table} TO ${grantee}${grantable ? ' WITH GRANT OPTION' : ''}`);
    }
    for (const { table, owner } of owners) await client.query(`ALTER TABLE ${IMPORT_SCHEMA}.${table} OWNER TO ${owner}`);
    // The records' JSON is stored compressed: lz4 compresses several times faster than the default pglz.
    // Servers built without lz4 keep pglz.
    const { rowCount: lz4 } = await client.query(`SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)`);
    if (lz4) await client.query(`SET LOCAL default_toast_compression = 'lz4'`);
    for (const table of tables) await copyRows(client, table);
    // Search's postings and vocabulary (migration 0006), derived from the documents just written.
    const derived: number[] = [];
    for (const statement of searchIndexStatements) derived.push((await client.query(statement)).rowCount ?? 0);
    [derivedRows.search_postings, derivedRows.search_terms] = derived as [number, number];
    derivedRows.record_sources = (await client.query(recordSourcesStatement)).rowCount ?? 0;
    await client.query("SET LOCAL maintenance_work_mem = '256MB'");
    for (const { table, qualified, definition } of indexes) await client.query(onNewTable(definition, table, qualified));
    for (const { table, name, definition } of constraints.filter(({ kind }) => kind === 'f')) await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${name} ${definition}`);
    // New tables have no statistics: the first plans made on them (kept per connection) would be blind.
    await client.query(`ANALYZE ${knowledgeBaseTables.map((table) => `${IMPORT_SCHEMA}.${table}`).join(', ')}`);
    await client.query(
      `INSERT INTO dataset (singleton, version, file_digests, generation, changed_at, imported_from, cause)
       VALUES (true, $1, $2, 1, now(), $3, 'import')
       ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version, file_digests = EXCLUDED.file_digests,
         generation = dataset.generation + 1, changed_at = EXCLUDED.changed_at, imported_from = EXCLUDED.imported_from, cause = 'import'`,
      [version, JSON.stringify(folder.fileDigests), folder.dataDir],
    );
    // The records created or changed, in file order (collections in data-file order), as a reload of
    // hand-edited files reports them; with the generation they belong to, for the servers' subscriptions.
    await client.query(
      `INSERT INTO dataset_changes (generation, ordinal, record_id, kind, change)
       SELECT (SELECT generation FROM dataset), row_number() OVER (ORDER BY fresh.rank, fresh.position), fresh.id, fresh.kind,
              CASE WHEN stale.id IS NULL THEN 'CREATED' ELSE 'UPDATED' END
         FROM (${recordDigests}) AS fresh LEFT JOIN previous_records stale ON stale.id = fresh.id
        WHERE stale.id IS NULL OR stale.digest <> fresh.digest`,
    );
    await client.query(`DELETE FROM dataset_changes WHERE generation <= (SELECT generation FROM dataset) - ${KEPT_CHANGE_GENERATIONS}`);
    // The swap, the only moment readers wait: `dataset` (which every reader holds for its whole
    // transaction, src/store/postgres/read-session.ts) and the live tables are locked, the tables dropped,
    // and the new ones moved in. A request that began before it ends first; one that arrives meanwhile
    // waits for it and reads the new tables. A ROLLBACK (or a crash) at any point leaves the live tables as they were.
    const liveTables = knowledgeBaseTables.map((table) => `${live}.${table}`).join(', ');
    await lockForSwap(client, `${live}.dataset, ${liveTables}`, where);
    await client.query(`DROP TABLE ${liveTables}`);
    for (const table of knowledgeBaseTables) await client.query(`ALTER TABLE ${IMPORT_SCHEMA}.${table} SET SCHEMA ${live}`);
    await client.query(`DROP SCHEMA ${IMPORT_SCHEMA}`);
    // Extended statistics name their table with its schema: the live one's, now the new table.
    for (const { definition } of statistics) await client.query(definition);
    // Delivered at COMMIT, to every server reading this database: they move to the new dataset at once.
    await client.query(`SELECT pg_notify('${DATASET_CHANNEL}', generation::text) FROM dataset`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw storeErrorOf(error, where);
  }
  const rows = { ...Object.fromEntries(tables.map(({ table, rows }) => [table, rows.length])), ...derivedRows } as Record<KnowledgeBaseTable, number>;
  return { dataDir: folder.dataDir, version, rows, relaidFiles, timings: { validate: validated - started, write: performance.now() - validated } };
}
