/**
 * Reads `data/`, validates every file against its record schema and the whole against itself (the
 * cross-record rules are in consistency.ts), and builds the in-memory knowledge base; checks and
 * builds a single change the same way for the store (`checkChange`, `rebuildAfterWrite`). Loading is all or nothing: any problem throws a
 * DataValidationError listing every problem found, each with its file and JSON path.
 */
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { dataFiles, type Collection } from './records.js';
import { findConsistencyProblems, formatJsonPath, type DataProblem } from './consistency.js';
import { entityGraphFor } from './graph.js';
import { KnowledgeBase, type DatasetInfo, type RecordsByCollection } from './knowledge-base.js';
import { searchIndexFor } from './search.js';
import { statisticsFor } from './stats.js';

/**
 * The journal of a change over several files that a writer recorded and has not finished (see
 * store/change-journal.ts). While it is there the files are half way through the change: they are read
 * only by whoever holds the data folder's lock and completes it first (the server, the authoring command).
 */
export const pendingChangeFile = '.newsgraph-change.json';

export class DataValidationError extends Error {
  override name = 'DataValidationError';
  constructor(
    readonly dataDir: string,
    readonly problems: DataProblem[],
  ) {
    super(
      `Invalid data in ${dataDir} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.file} ${p.path}: ${p.message}`).join('\n'),
    );
  }
}

/** A stage of loading, in the order they run (`read` and `validate` alternate file by file). */
export type LoadStage = 'read' | 'validate' | 'indexes' | 'search' | 'graph' | 'stats';

/** Reported when a unit of work starts: `done` of `total` units of `stage` are finished. */
export interface LoadProgress {
  stage: LoadStage;
  done: number;
  total: number;
  /** What is being worked on ("statements.json"). */
  detail?: string;
}

export interface LoadOptions {
  /** Called as loading moves on, synchronously; for progress bars and per-stage timings. */
  onProgress?: (progress: LoadProgress) => void;
}

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

function describeJsonSyntaxError(text: string, error: SyntaxError): string {
  if (text.trim() === '') return 'file is empty (expected an array of records)';
  const position = /position (\d+)/.exec(error.message);
  // V8 gives no position when the text stops short ("Unexpected end of JSON input"): the problem is at the end.
  const offset = position ? Number(position[1]) : /end of JSON input/.test(error.message) ? text.length : undefined;
  const where = offset === undefined ? '' : ` at ${lineAndColumn(text, offset)}`;
  return `not valid JSON${where}: ${error.message}`;
}

interface ParsedFiles {
  records: Partial<RecordsByCollection>;
  problems: DataProblem[];
  /** SHA-256 (hex) of each file's bytes, by file name. */
  fileDigests: Record<string, string>;
  /** Each record as its file holds it (before defaults are filled in), when asked for. */
  originals: Partial<Record<Collection, unknown[]>>;
}

/**
 * The dataset version: a hash of every file's digest, so a writer that changed one file can work out
 * the new version from that file's bytes alone.
 */
export function datasetVersionOf(fileDigests: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const { file } of Object.values(dataFiles)) hash.update(`${file}\0${fileDigests[file] ?? ''}\0`);
  return hash.digest('hex').slice(0, 16);
}

export function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Validates one record against its collection's schema: the record as stored (defaults filled in), or the problems, with paths inside the record. */
export function parseRecord<C extends Collection>(
  collection: C,
  item: unknown,
): { record: RecordsByCollection[C][number] } | { issues: { path: PropertyKey[]; message: string }[] } {
  const result = (dataFiles[collection].schema as z.ZodType).safeParse(item);
  if (!result.success) return { issues: result.error.issues.map((issue) => ({ path: issue.path, message: issue.message })) };
  const textIssues = unholdableTextIn(result.data);
  if (textIssues.length > 0) return { issues: textIssues };
  return { record: result.data as RecordsByCollection[C][number] };
}

/** Characters to look at more closely: NUL, and the UTF-16 surrogates (paired ones are fine). */
const SUSPECT_TEXT = /[\u0000\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text no store can hold, anywhere in a record: a NUL character (U+0000), which PostgreSQL's text
 * refuses, and a lone UTF-16 surrogate, which is not a character and has no UTF-8 form (JSON lets a
 * file spell one as "\\ud800"). Refused at its JSON path, so a curator hears of it from the loader or
 * the API rather than from a failed database import.
 */
function unholdableTextIn(value: unknown, path: PropertyKey[] = [], issues: { path: PropertyKey[]; message: string }[] = []): { path: PropertyKey[]; message: string }[] {
  // One path array, pushed and popped, copied only for a problem: this runs on every value of every record at load.
  if (typeof value === 'string') {
    if (!SUSPECT_TEXT.test(value)) return issues;
    if (value.includes('\u0000')) issues.push({ path: path.slice(), message: 'contains a NUL character (U+0000), which text cannot hold' });
    else if (LONE_SURROGATE.test(value)) issues.push({ path: path.slice(), message: 'contains a lone UTF-16 surrogate, which is not a character' });
    return issues;
  }
  if (typeof value !== 'object' || value === null) return issues;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      unholdableTextIn(value[index], path, issues);
      path.pop();
    }
  } else {
    for (const key in value) {
      path.push(key);
      unholdableTextIn((value as Record<string, unknown>)[key], path, issues);
      path.pop();
    }
  }
  return issues;
}

/**
 * The text of a file, the one way every file of ours is read (data files, and the authoring command's
 * records and article files): UTF-8, refused when its bytes are not, and without a leading byte-order
 * mark, which some editors save and which belongs to the encoding, not to the text.
 */
export function decodeTextFile(bytes: Uint8Array): string {
  // ignoreBOM: false (the default) is what drops the mark.
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * Reads one data file, records the digest of its bytes and parses it: the JSON, or a problem message. The file's
 * bytes and text are let go on return, before its records are validated (at scale they are hundreds
 * of megabytes).
 */
async function readJson(dataDir: string, file: string, digests: Record<string, string>): Promise<{ json: unknown } | { problem: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dataDir, file));
  } catch (error) {
    return { problem: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file is missing' : `cannot be read: ${(error as Error).message}` };
  }
  digests[file] = digestOf(bytes);
  let text: string;
  try {
    text = decodeTextFile(bytes);
  } catch {
    return { problem: 'is not valid UTF-8 text' };
  }
  try {
    return { json: JSON.parse(text) };
  } catch (error) {
    return { problem: describeJsonSyntaxError(text, error as SyntaxError) };
  }
}

async function readAndParse(dataDir: string, onProgress: (progress: LoadProgress) => void, keepOriginals = false): Promise<ParsedFiles> {
  const problems: DataProblem[] = [];
  const records: Partial<RecordsByCollection> = {};
  const fileDigests: Record<string, string> = {};
  const originals: Partial<Record<Collection, unknown[]>> = {};
  for (const [collection, { file }] of Object.entries(dataFiles) as [Collection, (typeof dataFiles)[Collection]][]) {
    onProgress({ stage: 'read', done: 0, total: 1, detail: file });
    const read = await readJson(dataDir, file, fileDigests);
    if ('problem' in read) {
      problems.push({ file, path: '$', message: read.problem, rule: 'file' });
      continue;
    }
    const { json } = read;
    if (!Array.isArray(json)) {
      problems.push({ file, path: '$', message: `expected an array of records, found ${json === null ? 'null' : typeof json}`, rule: 'file' });
      continue;
    }
    const items: unknown[] = json;
    if (keepOriginals) originals[collection] = items.slice();
    const parsed: unknown[] = [];
    for (let index = 0; index < items.length; index++) {
      if (index % 1000 === 0) onProgress({ stage: 'validate', done: index, total: items.length, detail: file });
      const result = parseRecord(collection, items[index]);
      // The schema's output is a new object: the raw item can go now, which keeps the peak memory of a large file down.
      items[index] = undefined;
      if ('record' in result) {
        parsed.push(result.record);
        continue;
      }
      for (const issue of result.issues) {
        problems.push({ file, path: formatJsonPath([index, ...issue.path]), message: issue.message, rule: 'schema' });
      }
    }
    (records as Record<Collection, unknown[]>)[collection] = parsed;
  }
  return { records, problems, fileDigests, originals };
}

/**
 * Checks a change to one collection with the loader's rules: `record` put at `index` of `records` (the
 * collection as changed so far; `index` past the end adds it), against the rest of `stored`. Returns
 * the collection with the change, or every problem with its file and JSON path.
 */
export function checkChange<C extends Collection>(
  stored: RecordsByCollection,
  collection: C,
  records: readonly RecordsByCollection[C][number][],
  index: number,
  record: unknown,
): { records: RecordsByCollection[C][number][]; record: RecordsByCollection[C][number] } | { problems: DataProblem[] } {
  const parsed = parseRecord(collection, record);
  if ('issues' in parsed) {
    const { file } = dataFiles[collection];
    return { problems: parsed.issues.map((issue) => ({ file, path: formatJsonPath([index, ...issue.path]), message: issue.message, rule: 'schema' as const })) };
  }
  const next = records.slice();
  next[index] = parsed.record;
  const problems = findConsistencyProblems({ ...stored, [collection]: next } as RecordsByCollection);
  return problems.length > 0 ? { problems } : { records: next, record: parsed.record };
}

/**
 * Checks a change over several collections with the loader's rules: each record of `changed` that is not
 * one of `stored`'s own objects is checked against its schema, then the whole against the cross-record
 * rules. Returns the collections as the schemas parse them (defaults filled in), or every problem.
 */
export function checkRecordsChange(stored: RecordsByCollection, changed: Partial<RecordsByCollection>): { records: Partial<RecordsByCollection> } | { problems: DataProblem[] } {
  const problems: DataProblem[] = [];
  const parsed: Partial<Record<Collection, unknown[]>> = {};
  for (const [collection, records] of Object.entries(changed) as [Collection, unknown[]][]) {
    const unchanged = new Set<unknown>(stored[collection]);
    const { file } = dataFiles[collection];
    parsed[collection] = records.map((record, index) => {
      if (unchanged.has(record)) return record;
      const result = parseRecord(collection, record);
      if ('record' in result) return result.record;
      for (const issue of result.issues) problems.push({ file, path: formatJsonPath([index, ...issue.path]), message: issue.message, rule: 'schema' });
      return record;
    });
  }
  if (problems.length > 0) return { problems };
  const consistency = findConsistencyProblems({ ...stored, ...parsed } as RecordsByCollection);
  return consistency.length > 0 ? { problems: consistency } : { records: parsed as Partial<RecordsByCollection> };
}

/**
 * The knowledge base after one file was written: `base` with `collection` replaced by `records`
 * (already checked), whose file now holds `bytes`. Its version follows from the files' digests.
 */
export function rebuildAfterWrite<C extends Collection>(base: KnowledgeBase, collection: C, records: readonly RecordsByCollection[C][number][], bytes: Uint8Array): KnowledgeBase {
  const fileDigests = { ...base.info.fileDigests, [dataFiles[collection].file]: digestOf(bytes) };
  return buildKnowledgeBase({ ...base.stored, [collection]: records } as RecordsByCollection, {
    version: datasetVersionOf(fileDigests),
    fileDigests,
    loadedAt: new Date(),
    dataDir: base.info.dataDir,
  });
}

/** Builds the knowledge base and every derived index (search, graph, statistics) from validated records, so no request pays for them. */
export function buildKnowledgeBase(records: RecordsByCollection, info: DatasetInfo, onProgress: (progress: LoadProgress) => void = () => {}): KnowledgeBase {
  onProgress({ stage: 'indexes', done: 0, total: 1 });
  const kb = new KnowledgeBase(records, info);
  onProgress({ stage: 'search', done: 0, total: 1 });
  searchIndexFor(kb);
  onProgress({ stage: 'graph', done: 0, total: 1 });
  entityGraphFor(kb);
  onProgress({ stage: 'stats', done: 0, total: 1 });
  statisticsFor(kb);
  return kb;
}

/**
 * Loads and validates the knowledge base in `dataDir`. Throws DataValidationError (listing every
 * problem, each with file and JSON path) when anything is wrong; never returns partial data.
 * `onProgress` hears of each stage as it starts (for a progress bar, or timings).
 */
export async function loadKnowledgeBase(dataDir: string, { onProgress = () => {} }: LoadOptions = {}): Promise<KnowledgeBase> {
  const { records, fileDigests, dataDir: resolvedDir } = await readDataFolder(dataDir, { onProgress });
  return buildKnowledgeBase(records, { version: datasetVersionOf(fileDigests), fileDigests, loadedAt: new Date(), dataDir: resolvedDir }, onProgress);
}

/** A data folder that passed every rule, read by `readDataFolder`. */
export interface DataFolder {
  /** The folder, resolved. */
  dataDir: string;
  /** The validated records (defaults filled in), in file order. */
  records: RecordsByCollection;
  /** SHA-256 (hex) of each file's bytes, by file name; `datasetVersionOf` makes the version from them. */
  fileDigests: Record<string, string>;
  /** With `keepOriginals`, each record as its file holds it (key order, no defaults), parallel to `records`. */
  originals?: Record<Collection, unknown[]>;
}

/**
 * Reads and validates a data folder with exactly the loader's rules (every file against its schema, then
 * the cross-record rules), without building the in-memory indexes: for whoever copies the data elsewhere
 * (`db:import`). Throws DataValidationError listing every problem, each with file and JSON path.
 * `keepOriginals` keeps each record as written too, which costs the memory of a second copy.
 */
export async function readDataFolder(dataDir: string, { onProgress = () => {}, keepOriginals = false }: LoadOptions & { keepOriginals?: boolean } = {}): Promise<DataFolder> {
  const resolvedDir = path.resolve(dataDir);
  if (await access(path.join(resolvedDir, pendingChangeFile)).then(() => true, () => false)) {
    throw new DataValidationError(resolvedDir, [
      {
        file: pendingChangeFile,
        path: '$',
        message: 'a change over several files is half way through (its writer stopped); open the folder with the server or `npm run author` to complete it before reading it',
        rule: 'file',
      },
    ]);
  }
  const { records, problems, fileDigests, originals } = await readAndParse(resolvedDir, onProgress, keepOriginals);
  if (problems.length > 0) throw new DataValidationError(resolvedDir, problems);
  const complete = records as RecordsByCollection;
  onProgress({ stage: 'validate', done: 0, total: 1, detail: 'references and evidence' });
  const consistencyProblems = findConsistencyProblems(complete);
  if (consistencyProblems.length > 0) throw new DataValidationError(resolvedDir, consistencyProblems);
  return { dataDir: resolvedDir, records: complete, fileDigests, ...(keepOriginals ? { originals: originals as Record<Collection, unknown[]> } : {}) };
}
