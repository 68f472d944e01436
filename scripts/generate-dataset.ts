/**
 * Builds a synthetic knowledge base N times the size of `data/`, for the scale benchmark
 * (`bench/scale.ts`). Usage:
 *
 *   tsx scripts/generate-dataset.ts --scale 100 --out /tmp/ng-100 [--seed 42] [--from data]
 *
 * The result is a complete, valid data folder (the six JSON files; `npm run validate -- <dir>` passes):
 *
 * - Copy 0 is the seed itself, unchanged (same ids, same source), so every query that works on
 *   `data/` works on every scale and finds the same records.
 * - Copies 1…N-1 repeat the seed's structure with fresh ids (suffix `-x<copy>`), each with its own
 *   source: the seed text with the names of persons, countries, cities and a few organizations varied
 *   (a synthetic name per copy). Every evidence span is moved to where its words now stand, so
 *   evidence `text` equals the source at its offsets and a statement's text equals its evidence, as
 *   the loader requires. Countries get synthetic ISO codes (alpha-3 unique up to ~1,600×; alpha-2 has
 *   only 676 combinations, so it repeats beyond ~60×).
 * - Fan-out is the seed's: every copy has the seed's statements per speaker, mentions per statement,
 *   events per country, memberships and participants. Cross-links make the graph connected: in copy
 *   k, each reference to a country, organization, person or event in a mention, participation,
 *   location, role, membership, audience or "about" list points, with probability 1/4 (and at least
 *   once per copy), to the same seed entity in an earlier copy chosen at random. Earlier copies, the
 *   seed above all, become hubs, as the most-cited actors of a real news corpus are. Speakers,
 *   relayers, the events statements were said at, continuations and part-of links stay within their
 *   copy, so statements per speaker are exactly the seed's.
 *
 * Deterministic: the same --seed gives byte-identical files, and copy k does not depend on --scale
 * (the 100× data is the 10× data plus 90 copies).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataFiles, type Collection } from '../src/kb/records.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Chance that a cross-linkable reference in copy k ≥ 1 points to an earlier copy. */
const CROSS_LINK_PROBABILITY = 0.25;

/**
 * Names varied per copy: whole words (or phrases) of the seed that name persons, countries, cities
 * and organizations. Each gets a synthetic replacement in every copy after the first, in record
 * fields and in the copy's source text alike.
 */
const VARIED_NAMES = [
  'John', 'Kerry', 'Paolo', 'Gentiloni', 'Kirby', 'Justin', 'Trudeau', 'Stéphane', 'Dion', 'Barack', 'Obama', 'Mevlut',
  'Cavusoglu', 'Tayyip', 'Erdogan', 'Jens', 'Stoltenberg', 'Belgium', 'Italy', 'Canada', 'Syria', 'Iraq', 'Philippines',
  'Turkey', 'Russia', 'Libya', 'France', 'United States', 'U.S.', 'Brussels', 'Paris', 'Vienna', 'Moscow', 'Ankara',
  'NATO', 'APEC', 'Daesh', 'ISIL',
];

/** References that make an edge of the entity graph (see src/kb/graph.ts), by the same key pairs. */
const EDGE_REFERENCES = new Set([
  'mentions/entityId',
  'participants/entityId',
  'locations/countryId',
  'roles/countryId',
  'roles/organizationId',
  'memberships/countryId',
  '/speakerId',
  '/relayedById',
  'partOf/eventId',
]);

/** Record fields holding free text that may contain a varied name. */
const TEXT_FIELDS = new Set(['name', 'label', 'description', 'title', 'statedAs', 'city', 'note', 'aliases']);

/**
 * References that may point to an earlier copy, by the key that holds them and the key of the object
 * or list above it ("mentions" for a mention's entityId). Any other reference stays in its copy.
 */
const CROSS_LINKABLE = new Set([
  'mentions/entityId',
  'participants/entityId',
  'locations/countryId',
  'roles/countryId',
  'roles/organizationId',
  'memberships/countryId',
  'audience/entityIds',
  '/aboutEventIds',
]);

// ---------------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: a small, fast, seedable PRNG; returns floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from several numbers, so each copy has its own stream whatever the scale. */
function mix(...values: number[]): number {
  let h = 2166136261;
  for (const value of values) {
    h = Math.imul(h ^ (value >>> 0), 16777619);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

const SYLLABLES = ['ka', 'lo', 'ven', 'dri', 'mar', 'tel', 'sa', 'no', 'ber', 'gi', 'ul', 're', 'ston', 'va', 'lin', 'mo', 'dar', 'ek', 'ros', 'pe', 'tan', 'bel', 'cor', 'fi', 'ha', 'jun', 'qui', 'zor', 'wen', 'ob'];

function syntheticWord(random: () => number, syllables: number): string {
  let word = '';
  for (let i = 0; i < syllables; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** A replacement of the same shape: an acronym for an acronym, a word for a word, "X States" for "United States". */
function variedName(name: string, random: () => number): string {
  if (/^[A-Z]\.[A-Z]\.$/.test(name)) return `${String.fromCharCode(65 + Math.floor(random() * 26))}.${String.fromCharCode(65 + Math.floor(random() * 26))}.`;
  if (/^[A-Z]+$/.test(name)) {
    let acronym = '';
    for (let i = 0; i < name.length; i++) acronym += String.fromCharCode(65 + Math.floor(random() * 26));
    return acronym;
  }
  const words = name.split(' ');
  const syllables = Math.max(2, Math.min(4, Math.round(words[0]!.length / 3)));
  return [syntheticWord(random, syllables), ...words.slice(1)].join(' ');
}

// ---------------------------------------------------------------------------------------------------
// Text with varied names, and where each old offset went

const namePattern = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${[...VARIED_NAMES].sort((a, b) => b.length - a.length).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![\\p{L}\\p{N}])`,
  'gu',
);

interface Replacement {
  start: number;
  end: number;
  name: string;
}

function findNames(text: string): Replacement[] {
  return [...text.matchAll(namePattern)].map((m) => ({ start: m.index, end: m.index + m[0].length, name: m[0] }));
}

/** A source text with its names varied, and the mapping of old offsets to new ones. */
class VariedText {
  readonly text: string;
  /** For each replacement: its old and new start and end. */
  private readonly oldStarts: number[] = [];
  private readonly oldEnds: number[] = [];
  private readonly newStarts: number[] = [];
  private readonly newEnds: number[] = [];

  constructor(original: string, replacements: readonly Replacement[], names: ReadonlyMap<string, string>) {
    let out = '';
    let from = 0;
    for (const { start, end, name } of replacements) {
      out += original.slice(from, start);
      this.oldStarts.push(start);
      this.oldEnds.push(end);
      this.newStarts.push(out.length);
      out += names.get(name)!;
      this.newEnds.push(out.length);
      from = end;
    }
    this.text = out + original.slice(from);
  }

  /**
   * The new offset of an old one. An offset inside a replaced name moves to the start of its
   * replacement when it starts a span and to its end when it ends one, so a span keeps whole words.
   */
  map(offset: number, side: 'start' | 'end'): number {
    // The last replacement that starts before `offset`.
    let low = 0;
    let high = this.oldStarts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.oldStarts[mid]! < offset) low = mid + 1;
      else high = mid;
    }
    const i = low - 1;
    if (i < 0) return offset;
    if (offset < this.oldEnds[i]!) return side === 'start' ? this.newStarts[i]! : this.newEnds[i]!;
    return this.newEnds[i]! + (offset - this.oldEnds[i]!);
  }
}

// ---------------------------------------------------------------------------------------------------
// Copies

interface Seed {
  records: Record<Collection, JsonObject[]>;
  sourceReplacements: Map<string, Replacement[]>;
}

function isEvidence(value: JsonObject): boolean {
  const keys = Object.keys(value);
  return keys.length === 4 && 'sourceId' in value && 'start' in value && 'end' in value && 'text' in value;
}

const ALPHA2 = allCodes(2);
const ALPHA3 = allCodes(3);

function allCodes(length: number): string[] {
  const codes: string[] = [];
  const total = 26 ** length;
  for (let n = 0; n < total; n++) {
    let code = '';
    for (let i = 0, rest = n; i < length; i++, rest = Math.floor(rest / 26)) code = String.fromCharCode(65 + (rest % 26)) + code;
    codes.push(code);
  }
  return codes;
}

class Copier {
  private readonly random: () => number;
  private readonly names = new Map<string, string>();
  private readonly texts = new Map<string, VariedText>();
  crossLinks = 0;

  constructor(
    private readonly seed: Seed,
    readonly copy: number,
    seedNumber: number,
    private readonly isoCodes: { alpha2: string[]; alpha3: string[] },
  ) {
    this.random = prng(mix(seedNumber, copy));
    if (copy === 0) return;
    const used = new Set<string>();
    for (const name of VARIED_NAMES) {
      let varied: string;
      do varied = variedName(name, this.random);
      while (used.has(varied) || varied === name);
      used.add(varied);
      this.names.set(name, varied);
    }
    for (const source of seed.records.sources) {
      const id = source.id as string;
      this.texts.set(id, new VariedText(source.text as string, seed.sourceReplacements.get(id)!, this.names));
    }
  }

  idOf(seedId: string, copy = this.copy): string {
    return copy === 0 ? seedId : `${seedId}-x${copy}`;
  }

  private vary(text: string): string {
    return this.copy === 0 ? text : text.replace(namePattern, (name) => this.names.get(name)!);
  }

  private reference(seedId: string, crossLinkable: boolean): string {
    if (crossLinkable && this.copy > 0 && this.random() < CROSS_LINK_PROBABILITY) {
      this.crossLinks++;
      return this.idOf(seedId, Math.floor(this.random() * this.copy));
    }
    return this.idOf(seedId);
  }

  private evidence(span: JsonObject): JsonObject {
    const seedSourceId = span.sourceId as string;
    if (this.copy === 0) return { ...span };
    const text = this.texts.get(seedSourceId)!;
    const start = text.map(span.start as number, 'start');
    const end = text.map(span.end as number, 'end');
    return { sourceId: this.idOf(seedSourceId), start, end, text: text.text.slice(start, end) };
  }

  /** A deep copy of a seed value with ids, references, evidence and names made this copy's. */
  private walk(value: Json, key: string, parentKey: string): Json {
    if (Array.isArray(value)) {
      if (key.endsWith('Ids')) return value.map((id) => this.reference(id as string, CROSS_LINKABLE.has(`${parentKey}/${key}`)));
      return value.map((item) => this.walk(item, key, key));
    }
    if (value === null || typeof value !== 'object') {
      if (typeof value !== 'string') return value;
      if (key === 'id') return this.idOf(value);
      if (key === 'sourceId') return this.idOf(value);
      if (key.endsWith('Id')) return this.reference(value, CROSS_LINKABLE.has(`${parentKey}/${key}`));
      if (TEXT_FIELDS.has(key)) return this.vary(value);
      return value;
    }
    if (isEvidence(value)) return this.evidence(value);
    const out: JsonObject = {};
    for (const [childKey, child] of Object.entries(value)) out[childKey] = this.walk(child, childKey, key);
    return out;
  }

  record(collection: Collection, seedRecord: JsonObject, index: number): JsonObject {
    const out = this.walk(seedRecord, '', '') as JsonObject;
    if (this.copy === 0) return out;
    if (collection === 'sources') {
      out.text = this.texts.get(seedRecord.id as string)!.text;
      out.origin = `synthetic copy ${this.copy} of ${seedRecord.id as string} (scripts/generate-dataset.ts)`;
    }
    if (collection === 'statements') out.text = (out.evidence as JsonObject).text!;
    if (collection === 'countries') {
      const n = (this.copy - 1) * this.seed.records.countries.length + index;
      out.isoAlpha2 = this.isoCodes.alpha2[n % this.isoCodes.alpha2.length]!;
      out.isoAlpha3 = this.isoCodes.alpha3[n % this.isoCodes.alpha3.length]!;
    }
    return out;
  }

  /**
   * Undoes cross-links that would leave an entity of this copy without any edge (an entity that only
   * ever is the target of references, all of which went to earlier copies): the first such reference
   * points back to it. Every entity keeps at least one edge, as in the seed, and the graph stays in
   * one piece.
   */
  keepEveryEntityLinked(records: readonly JsonObject[]): void {
    if (this.copy === 0) return;
    const suffix = `-x${this.copy}`;
    const linked = new Set<string>();
    const crossed = new Map<string, { container: JsonObject | Json[]; slot: string | number }[]>();
    const visit = (value: Json, key: string, parentKey: string, recordId: string, container: JsonObject | Json[] | undefined, slot: string | number) => {
      if (Array.isArray(value)) {
        value.forEach((item, i) => visit(item, key, key.endsWith('Ids') ? parentKey : key, recordId, value, i));
        return;
      }
      if (value !== null && typeof value === 'object') {
        for (const [childKey, child] of Object.entries(value)) visit(child, childKey, key, recordId, value, childKey);
        return;
      }
      if (typeof value !== 'string' || !container || !EDGE_REFERENCES.has(`${parentKey}/${key}`)) return;
      // The record that states an edge is one of its ends, and so is the entity it refers to.
      linked.add(recordId);
      if (value.endsWith(suffix)) linked.add(value);
      else {
        const seedId = value.replace(/-x\d+$/, '');
        const handles = crossed.get(seedId) ?? [];
        handles.push({ container, slot });
        crossed.set(seedId, handles);
      }
    };
    for (const record of records) visit(record, '', '', record.id as string, undefined, '');
    for (const [seedId, handles] of crossed) {
      if (linked.has(this.idOf(seedId))) continue;
      const { container, slot } = handles[0]!;
      (container as Record<string | number, Json>)[slot] = this.idOf(seedId);
      this.crossLinks--;
    }
  }

  /** Makes sure copy k links to an earlier copy at least once, so the whole graph is connected. */
  forceCrossLink(statements: JsonObject[]): void {
    if (this.copy === 0 || this.crossLinks > 0) return;
    for (const statement of statements) {
      const mention = (statement.mentions as JsonObject[] | undefined)?.[0];
      if (!mention) continue;
      const seedId = (mention.entityId as string).replace(new RegExp(`-x${this.copy}$`), '');
      mention.entityId = this.idOf(seedId, Math.floor(this.random() * this.copy));
      this.crossLinks++;
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------

async function readSeed(dir: string): Promise<Seed> {
  const records = {} as Record<Collection, JsonObject[]>;
  for (const [collection, { file }] of Object.entries(dataFiles) as [Collection, { file: string }][]) {
    let text = await readFile(path.join(dir, file), 'utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    records[collection] = JSON.parse(text) as JsonObject[];
  }
  const sourceReplacements = new Map(records.sources.map((source) => [source.id as string, findNames(source.text as string)]));
  return { records, sourceReplacements };
}

export interface GenerateOptions {
  scale: number;
  outDir: string;
  seed?: number;
  fromDir?: string;
}

export interface GenerateSummary {
  outDir: string;
  counts: Record<Collection, number>;
  bytes: number;
  crossLinks: number;
}

/** Writes the N× data folder; see the file comment for what it holds. */
export async function generateDataset({ scale, outDir, seed = 42, fromDir = path.join(projectRoot, 'data') }: GenerateOptions): Promise<GenerateSummary> {
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`--scale must be a whole number of at least 1, got ${scale}`);
  const seedData = await readSeed(fromDir);
  const seedCountries = seedData.records.countries;
  const isoCodes = {
    alpha2: ALPHA2.filter((code) => !seedCountries.some((c) => c.isoAlpha2 === code)),
    alpha3: ALPHA3.filter((code) => !seedCountries.some((c) => c.isoAlpha3 === code)),
  };
  const out = Object.fromEntries(Object.keys(dataFiles).map((collection) => [collection, [] as JsonObject[]])) as Record<Collection, JsonObject[]>;
  let crossLinks = 0;
  for (let copy = 0; copy < scale; copy++) {
    const copier = new Copier(seedData, copy, seed, isoCodes);
    const statements: JsonObject[] = [];
    const copied: JsonObject[] = [];
    for (const collection of Object.keys(dataFiles) as Collection[]) {
      seedData.records[collection].forEach((record, index) => {
        const copy = copier.record(collection, record, index);
        out[collection].push(copy);
        copied.push(copy);
        if (collection === 'statements') statements.push(copy);
      });
    }
    copier.forceCrossLink(statements);
    copier.keepEveryEntityLinked(copied);
    crossLinks += copier.crossLinks;
  }
  await mkdir(outDir, { recursive: true });
  let bytes = 0;
  for (const [collection, { file }] of Object.entries(dataFiles) as [Collection, { file: string }][]) {
    // One record per chunk keeps the peak string size small at 1000×; the layout matches data/ (2-space indent).
    const parts = out[collection].map((record) => JSON.stringify(record, null, 2).replace(/\n/g, '\n  '));
    const text = `[\n  ${parts.join(',\n  ')}\n]\n`;
    bytes += Buffer.byteLength(text);
    await writeFile(path.join(outDir, file), text);
  }
  const counts = Object.fromEntries(Object.entries(out).map(([collection, records]) => [collection, records.length])) as Record<Collection, number>;
  return { outDir, counts, bytes, crossLinks };
}

function parseArgs(argv: string[]): GenerateOptions {
  const options: Partial<GenerateOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (arg === '--scale' && value !== undefined) options.scale = Number(value);
    else if (arg === '--out' && value !== undefined) options.outDir = path.resolve(value);
    else if (arg === '--seed' && value !== undefined) options.seed = Number(value);
    else if (arg === '--from' && value !== undefined) options.fromDir = path.resolve(value);
    else throw new Error(`unknown or incomplete argument "${arg}"`);
    i++;
  }
  if (options.scale === undefined || options.outDir === undefined) {
    throw new Error('usage: tsx scripts/generate-dataset.ts --scale N --out DIR [--seed 42] [--from data]');
  }
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new Error('--seed must be a whole number');
  return options as GenerateOptions;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const started = performance.now();
    const summary = await generateDataset(options);
    const counts = Object.entries(summary.counts).map(([collection, count]) => `${count} ${collection}`).join(', ');
    console.log(
      `wrote ${summary.outDir} (${options.scale}×, seed ${options.seed ?? 42}): ${counts}; ${(summary.bytes / 1e6).toFixed(1)} MB, ` +
        `${summary.crossLinks} cross-links, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    console.error(`generate-dataset: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
