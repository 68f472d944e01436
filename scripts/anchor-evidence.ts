/**
 * Fills in the character offsets of evidence in data/*.json from the quoted words.
 *
 * Write evidence as `{ "sourceId": "…", "text": "the exact words" }` (add `"occurrence": 2` when the
 * words occur more than once and the context does not decide), then run `npm run anchor`. Evidence
 * nested in a record (a statement's mentions, attribution, audience) is looked for first inside the
 * record's own evidence, then in its paragraph, then in the whole source. Evidence whose offsets
 * already match its text is left alone. Prints what it changed; exits 1 and writes nothing if any
 * quote is missing or ambiguous.
 *
 * The files are read and written under the data folder's lock, and each is replaced durably, so a
 * server writing to the same folder can neither interleave with this run nor see a half-written file;
 * a file whose bytes would not change is not rewritten.
 *
 * Usage: tsx scripts/anchor-evidence.ts [data-dir]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AnchorError, anchorQuote, paragraphAround, type Span } from '../src/kb/anchor.js';
import { dataFiles } from '../src/kb/records.js';
import { LockTimeoutError, acquireDataLock } from '../src/store/data-lock.js';
import { writeFileDurably } from '../src/store/durable-file.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const dataDir = path.resolve(process.argv[2] ?? 'data');
const sourcesFile = path.join(dataDir, dataFiles.sources.file);

const problems: string[] = [];
let changed = 0;
const textBySourceId = new Map<string, string>();

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEvidence(value: Json | undefined): value is JsonObject {
  return isObject(value) && typeof value.sourceId === 'string' && typeof value.text === 'string';
}

/** Anchors one evidence object in place; returns its span for use as a scope, or undefined. */
function anchor(evidence: JsonObject, where: string, scopes: Span[]): Span | undefined {
  const sourceText = textBySourceId.get(evidence.sourceId as string);
  if (sourceText === undefined) {
    problems.push(`${where}: unknown source "${String(evidence.sourceId)}"`);
    return undefined;
  }
  const quote = evidence.text as string;
  const { start, end } = evidence;
  if (typeof start === 'number' && typeof end === 'number' && sourceText.slice(start, end) === quote) {
    delete evidence.occurrence;
    return { start, end };
  }
  try {
    const occurrence = typeof evidence.occurrence === 'number' ? evidence.occurrence : undefined;
    const span = anchorQuote(sourceText, quote, { scopes, occurrence });
    const anchored = { sourceId: evidence.sourceId, start: span.start, end: span.end, text: quote };
    for (const key of Object.keys(evidence)) delete evidence[key];
    Object.assign(evidence, anchored);
    changed += 1;
    console.log(`${where}: "${quote.length > 50 ? `${quote.slice(0, 47)}...` : quote}" -> ${span.start}..${span.end}`);
    return span;
  } catch (error) {
    if (!(error instanceof AnchorError)) throw error;
    problems.push(`${where}: ${error.message}`);
    return undefined;
  }
}

/** Walks a record: its own `evidence` first, then everything nested, scoped to that evidence. */
function walk(value: Json, where: string, scopes: Span[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (isEvidence(item)) anchor(item, `${where}[${index}]`, scopes);
      else walk(item, `${where}[${index}]`, scopes);
    });
    return;
  }
  if (!isObject(value)) return;
  let innerScopes = scopes;
  if (isEvidence(value.evidence)) {
    const own = anchor(value.evidence, `${where}.evidence`, scopes);
    const sourceText = textBySourceId.get(value.evidence.sourceId as string);
    if (own && sourceText !== undefined) innerScopes = [own, paragraphAround(sourceText, own), ...scopes];
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === 'evidence' && isEvidence(child)) continue;
    if (isEvidence(child)) anchor(child, `${where}.${key}`, innerScopes);
    else walk(child, `${where}.${key}`, innerScopes);
  }
}

/** Reads, anchors and writes the files; the caller holds the data lock. Returns the exit code. */
async function anchorAll(): Promise<number> {
  const sources = JSON.parse(await readFile(sourcesFile, 'utf8')) as { id: string; text: string }[];
  for (const source of sources) textBySourceId.set(source.id, source.text);

  const updated: [string, string, string][] = [];
  for (const { file } of Object.values(dataFiles)) {
    if (file === dataFiles.sources.file) continue;
    const filePath = path.join(dataDir, file);
    const before = await readFile(filePath, 'utf8');
    const records = JSON.parse(before) as Json;
    walk(records, `${file} $`, []);
    updated.push([filePath, before, `${JSON.stringify(records, null, 2)}\n`]);
  }

  if (problems.length > 0) {
    console.error(`Nothing written; ${problems.length} evidence quote(s) need attention:`);
    for (const problem of problems) console.error(`  ${problem}`);
    return 1;
  }
  for (const [filePath, before, after] of updated) {
    if (after !== before) await writeFileDurably(filePath, Buffer.from(after, 'utf8'));
  }
  console.log(changed === 0 ? 'All evidence already anchored.' : `Anchored ${changed} evidence span(s).`);
  return 0;
}

let lock;
try {
  lock = await acquireDataLock(dataDir);
} catch (error) {
  if (!(error instanceof LockTimeoutError)) throw error;
  console.error(`Nothing written: ${error.message}`);
  process.exit(1);
}
try {
  process.exitCode = await anchorAll();
} finally {
  await lock.release();
}
