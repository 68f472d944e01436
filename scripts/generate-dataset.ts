/**
 * Builds a synthetic knowledge base N times the size of `data/`, for the scale benchmark
 * (`bench/scale.ts`). Usage:
 *
 *   tsx scripts/generate-dataset.ts --scale 100 --out /tmp/ng-100 [--seed 42] [--from data]
 *
 * The result is a complete, valid data folder (the six JSON files; `npm run validate -- <dir>` passes),
 * in the multi-source model at every scale, 1× included:
 *
 * - Copy 0 is the seed's records with the seed's ids and sources, so every query that works on `data/`
 *   works on every scale and finds the same records (which gain the reports and spans of copy 0's
 *   follow-ups, below).
 * - Copies 1…N-1 repeat the seed's structure with fresh ids (suffix `-x<copy>`), each with its own
 *   sources: the seed texts with the names of persons, countries, cities and a few organizations varied
 *   (a synthetic name per copy). Every evidence span is moved to where its words now stand, so
 *   evidence `text` equals the source at its offsets and a statement's text equals one report's words,
 *   as the loader requires. Countries get synthetic ISO codes (alpha-3 unique up to ~1,600×; alpha-2
 *   has only 676 combinations, so it repeats beyond ~60×).
 * - Every copy (copy 0 too) also gets FOLLOW_UPS_PER_COPY follow-up articles written here, by invented
 *   outlets (`generated-follow-up-<j>`, plus the copy suffix). They report again a quarter of the copy's
 *   statements, each in 1 to 4 of them (so 2 to 5 sources a statement): the same words (now and then a
 *   variant: an excerpt, or without a leading "And" or the closing stop), with their own attribution,
 *   sometimes hedged ("reportedly") or relayed ("according to the Washington Post"). The statement's
 *   mentions, audience and event links get the spans of those words in the follow-up too. The
 *   follow-ups also name the copy's events (with their places and participants), organizations (with
 *   members), countries and speakers' roles ("Spokesman John Kirby of the State Department"), each
 *   name a new evidence span on the record or link: entities recur across sources, a role with spans
 *   from two or more of them.
 * - Fan-out is the seed's: every copy has the seed's statements per speaker, mentions per statement,
 *   events per country, memberships and participants. Cross-links make the graph connected: in copy
 *   k, each reference to a country, organization, person or event in a mention, participation,
 *   location, role, membership, audience or "about" link points, with probability 1/4 (and at least
 *   once per copy), to the same seed entity in an earlier copy chosen at random. Earlier copies, the
 *   seed above all, become hubs, as the most-cited actors of a real news corpus are. Speakers,
 *   relayers, the events statements were said at, continuations and part-of links stay within their
 *   copy, so statements per speaker are exactly the seed's. A follow-up adds spans only to its own
 *   copy's records.
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
  'relayedBy/entityId',
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
  'aboutEvents/eventId',
]);

// ---------------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: a small, fast, seedable PRNG; returns floats in [0, 1). */
export function prng(seed: number): () => number {
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
    if (collection === 'statements') {
      // The canonical wording is the words of the report the seed's text comes from, as this copy prints them.
      const canonical = (seedRecord.reports as JsonObject[]).findIndex((report) => (report.evidence as JsonObject).text === seedRecord.text);
      out.text = ((out.reports as JsonObject[])[Math.max(0, canonical)]!.evidence as JsonObject).text!;
    }
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
// Follow-up articles: each copy's statements and entities reported again by other sources

/** Follow-up articles each copy gets, beside its copies of the seed's sources. */
const FOLLOW_UPS_PER_COPY = 4;
/** The id of a copy's j-th follow-up is `${FOLLOW_UP_ID}-${j}` (with the copy suffix after). */
const FOLLOW_UP_ID = 'generated-follow-up';
/** Share of a copy's statements that its follow-ups report again. */
const REREPORTED_SHARE = 0.25;
/** Chances of 1, 2, 3 or 4 extra reports for a statement reported again (2 to 5 sources in all). */
const EXTRA_REPORT_WEIGHTS = [0.45, 0.3, 0.15, 0.1];
const MAX_REPORTS = 5;
/** Chance that a follow-up prints other words than the statement's text (an excerpt of them). */
const VARIANT_PROBABILITY = 0.15;
/** Chance that a follow-up's report is relayed by someone other than the speaker. */
const RELAY_PROBABILITY = 0.2;
/** Chance that a follow-up's report is hedged ("reportedly"). */
const HEDGE_PROBABILITY = 0.1;
/** Events a follow-up names beyond those its statements are linked to, and the most it names. */
const EXTRA_EVENTS_PER_FOLLOW_UP = 2;
const MAX_EVENTS_PER_FOLLOW_UP = 5;
const OUTLET_WORDS = ['Ledger', 'Wire', 'Courier', 'Herald', 'Dispatch', 'Tribune', 'Gazette', 'Monitor'];

/** A source text written piece by piece, each piece's evidence span at hand. */
class TextBuilder {
  text = '';
  constructor(readonly sourceId: string) {}

  /** Appends `part` and returns its span. */
  put(part: string): JsonObject {
    const start = this.text.length;
    this.text += part;
    return this.span(start, this.text.length);
  }

  span(start: number, end: number): JsonObject {
    return { sourceId: this.sourceId, start, end, text: this.text.slice(start, end) };
  }
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function weighted(weights: readonly number[], random: () => number): number {
  let r = random();
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

/** Where a variant of `text` starts and ends inside it: without a leading "And", without the closing stop, or an excerpt. */
function variantOf(text: string, random: () => number): [number, number] | undefined {
  const options: [number, number][] = [];
  const lead = /^(?:And|But|So|Also)\s+/.exec(text);
  if (lead && lead[0].length < text.length) options.push([lead[0].length, text.length]);
  const trail = /[\s.,;:!?]+$/.exec(text);
  if (trail && trail.index > 0) options.push([0, trail.index]);
  const words = [...text.matchAll(/\S+/g)];
  if (words.length >= 8) {
    const word = words[Math.ceil(words.length * (0.5 + random() * 0.3)) - 1]!;
    let end = word.index + word[0].length;
    while (end > 1 && /[.,;:!?—-]/.test(text[end - 1]!)) end--;
    if (end < text.length) options.push([0, end]);
  }
  return options.length === 0 ? undefined : options[Math.floor(random() * options.length)];
}

const TERMINAL = /[.!?]$/;
const ACRONYM = /^[A-Z][A-Z.]*$/;

/** Country names that take "the" ("the United States", "the Philippines"). */
const COUNTRY_WITH_ARTICLE = /(?:States|Kingdom|Republic|Emirates|Netherlands|Philippines|Islands)$/;

/** "the Washington Post", "NATO". */
function withArticle(name: string): { before: string; name: string } {
  return { before: ACRONYM.test(name) ? '' : 'the ', name };
}

/** The words before a name in running text: "the " for "the United States", nothing for "Canada" or a person. */
function articleBefore(record: JsonObject | undefined, name: string): string {
  return record && 'isoAlpha3' in record && COUNTRY_WITH_ARTICLE.test(name) ? 'the ' : '';
}

function indefinite(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

interface FollowUpContext {
  copy: number;
  random: () => number;
  idOf: (seedId: string) => string;
  /** Every record written so far, this copy's included. */
  byId: ReadonlyMap<string, JsonObject>;
  /** This copy's records. */
  own: Record<Collection, JsonObject[]>;
  ownIds: ReadonlySet<string>;
}

interface ReportItem {
  statement: JsonObject;
  /** The statement's index in its copy, to print the reports in the seed's order. */
  order: number;
  /** Where the printed words start and end in the statement's text (a variant when not all of it). */
  words: [number, number];
  /** Who passed the words on in this follow-up, if anyone. */
  relayerId?: string;
  hedged: boolean;
}

/**
 * Writes a copy's follow-up sources: adds their reports to the copy's statements and their spans to
 * the copy's records (in place). Returns the new sources and the number of reports added.
 */
function writeFollowUps(context: FollowUpContext): { sources: JsonObject[]; reports: number } {
  const { random, own, ownIds, byId } = context;
  const ownRecord = (id: unknown) => (typeof id === 'string' && ownIds.has(id) ? byId.get(id) : undefined);
  const name = (id: string): string | undefined => {
    const record = byId.get(id);
    if (!record) return undefined;
    return (record.name as string | null) ?? (record.label as string | undefined)?.replace(/\s*\([^)]*\)$/, '');
  };
  const addEvidence = (record: JsonObject | undefined, span: JsonObject) => {
    if (!record) return;
    const evidence = (record.evidence as JsonObject[] | undefined) ?? (record.evidence = []);
    evidence.push(span);
  };
  /** Writes a record's name (after "the " where a country takes it) and returns the name's span. */
  const putName = (out: TextBuilder, id: string): JsonObject => {
    const recordName = name(id)!;
    out.put(articleBefore(byId.get(id), recordName));
    return out.put(recordName);
  };

  // The statements reported again, and in which follow-ups.
  const items: ReportItem[][] = Array.from({ length: FOLLOW_UPS_PER_COPY }, () => []);
  const eligible = own.statements
    .map((statement, order) => ({ statement, order }))
    .filter(({ statement }) => !statement.retracted && !statement.mergedInto && (statement.reports as JsonObject[]).length < MAX_REPORTS);
  const chosen = shuffled(eligible, random).slice(0, Math.round(own.statements.length * REREPORTED_SHARE));
  let reports = 0;
  for (const { statement, order } of chosen) {
    const extra = Math.min(1 + weighted(EXTRA_REPORT_WEIGHTS, random), MAX_REPORTS - (statement.reports as JsonObject[]).length, FOLLOW_UPS_PER_COPY);
    const words: [number, number] = [0, (statement.text as string).length];
    for (const j of shuffled([...items.keys()], random).slice(0, extra)) items[j]!.push({ statement, order, words: [...words], hedged: false });
    reports += extra;
  }
  for (const sourceItems of items) sourceItems.sort((a, b) => a.order - b.order);

  // Who may relay a report: this copy's relayers, news outlets, releases and briefings.
  const relayers = new Set<string>();
  for (const statement of own.statements) {
    for (const report of statement.reports as JsonObject[]) {
      const relayer = (report.relayedBy as JsonObject | undefined)?.entityId;
      if (ownRecord(relayer)) relayers.add(relayer as string);
    }
  }
  for (const organization of own.organizations) if (organization.kind === 'NEWS_OUTLET') relayers.add(organization.id as string);
  for (const event of own.events) if (event.kind === 'PRESS_RELEASE' || event.kind === 'PRESS_BRIEFING') relayers.add(event.id as string);
  const relayerIds = [...relayers].filter((id) => !byId.get(id)!.mergedInto);

  // Variants, relayers and hedges: each by chance, and each at least once a copy where possible.
  const all = items.flat();
  const variants = all.map((item) => variantOf(item.statement.text as string, random));
  const relayersOf = all.map((item) => relayerIds.filter((id) => id !== item.statement.speakerId));
  const pickOne = (possible: (i: number) => boolean, chance: number, apply: (i: number) => void) => {
    const candidates = all.flatMap((_, i) => (possible(i) ? [i] : []));
    const picked = candidates.filter(() => random() < chance);
    if (picked.length === 0 && candidates.length > 0) picked.push(candidates[Math.floor(random() * candidates.length)]!);
    picked.forEach(apply);
  };
  pickOne((i) => variants[i] !== undefined, VARIANT_PROBABILITY, (i) => (all[i]!.words = variants[i]!));
  pickOne((i) => relayersOf[i]!.length > 0, RELAY_PROBABILITY, (i) => (all[i]!.relayerId = relayersOf[i]![Math.floor(random() * relayersOf[i]!.length)]));
  pickOne(() => true, HEDGE_PROBABILITY, (i) => (all[i]!.hedged = true));

  const mainSource = own.sources[0]!;
  const sources: JsonObject[] = [];
  items.forEach((sourceItems, j) => {
    const id = context.idOf(`${FOLLOW_UP_ID}-${j + 1}`);
    const out = new TextBuilder(id);
    const outlet = `The ${syntheticWord(random, 2)} ${OUTLET_WORDS[(context.copy + j) % OUTLET_WORDS.length]}`;
    const statements = sourceItems.map((item) => item.statement);
    out.put(`${mainSource.title as string}: the view from ${outlet}\n`);
    out.put(`[Synthetic follow-up article generated by scripts/generate-dataset.ts; not real reporting.]\n\n`);

    // Events: those of its statements first, then a few others of the copy.
    const eventIds = new Set<string>();
    for (const statement of statements) {
      const saidAt = (statement.saidAt as JsonObject | undefined)?.eventId;
      if (ownRecord(saidAt)) eventIds.add(saidAt as string);
      for (const link of [...((statement.aboutEvents as JsonObject[] | undefined) ?? []), ...((statement.mentions as JsonObject[] | undefined) ?? [])]) {
        const linked = link.eventId ?? link.entityId;
        if (ownRecord(linked) && own.events.includes(byId.get(linked as string)!)) eventIds.add(linked as string);
      }
    }
    for (const event of shuffled(own.events, random).slice(0, EXTRA_EVENTS_PER_FOLLOW_UP)) eventIds.add(event.id as string);
    for (const eventId of [...eventIds].slice(0, MAX_EVENTS_PER_FOLLOW_UP)) {
      const event = byId.get(eventId)!;
      out.put('Also covered: ');
      addEvidence(event, out.put(event.name as string));
      const location = ((event.locations as JsonObject[] | undefined) ?? []).find((l) => l.city || (l.countryId && byId.has(l.countryId as string)));
      if (location) {
        out.put(' (');
        const start = out.text.length;
        if (location.city) out.put(location.city as string);
        if (location.countryId && name(location.countryId as string)) {
          if (location.city) out.put(', ');
          addEvidence(ownRecord(location.countryId), putName(out, location.countryId as string));
        }
        (location.evidence as JsonObject[]).push(out.span(start, out.text.length));
        out.put(')');
      }
      out.put('.');
      const participants = ((event.participants as JsonObject[] | undefined) ?? []).filter((p) => !p.retracted && name(p.entityId as string)).slice(0, 3);
      participants.forEach((participation, p) => {
        out.put(p === 0 ? ' Involved: ' : p === participants.length - 1 ? ' and ' : ', ');
        const span = putName(out, participation.entityId as string);
        (participation.evidence as JsonObject[]).push(span);
        const participant = ownRecord(participation.entityId);
        if (participant && (own.countries.includes(participant) || own.organizations.includes(participant))) addEvidence(participant, span);
      });
      if (participants.length > 0) out.put('.');
      out.put('\n\n');
    }

    // An organization with some of its members.
    const organization = shuffled(own.organizations.filter((o) => !o.mergedInto && ((o.memberships as JsonObject[] | undefined) ?? []).length > 0), random)[0];
    if (organization) {
      addEvidence(organization, out.put(organization.name as string));
      const memberships = (organization.memberships as JsonObject[]).filter((m) => !m.retracted && name(m.countryId as string)).slice(0, 3);
      memberships.forEach((membership, m) => {
        out.put(m === 0 ? ' members named in this report: ' : m === memberships.length - 1 ? ' and ' : ', ');
        const span = putName(out, membership.countryId as string);
        (membership.evidence as JsonObject[]).push(span);
        addEvidence(ownRecord(membership.countryId), span);
      });
      out.put(memberships.length > 0 ? '.\n\n' : ' was also in the news.\n\n');
    }

    // A few more organizations and countries of the copy, by name.
    const others = own.organizations.filter((o) => o !== organization);
    const named = [...shuffled(others, random).slice(0, 2), ...shuffled(own.countries, random).slice(0, 2)].filter((r) => !r.mergedInto);
    named.forEach((record, r) => {
      out.put(r === 0 ? 'Also in the news: ' : r === named.length - 1 ? ' and ' : ', ');
      addEvidence(record, putName(out, record.id as string));
    });
    if (named.length > 0) out.put('.\n\n');

    // The reports.
    const roleSpoken = new Set<string>();
    for (const item of sourceItems) reportStatement(out, item);

    function speakerPhrase(statement: JsonObject): { text: string; role?: JsonObject } {
      const speakerId = statement.speakerId as string | null;
      if (speakerId === null) return { text: ((statement.speakerGroup as JsonObject | undefined)?.description as string | undefined) ?? 'a source' };
      const speaker = byId.get(speakerId)!;
      const speakerName = name(speakerId)!;
      const role = ((speaker.roles as JsonObject[] | undefined) ?? []).find((r) => !r.retracted && (r.organizationId || r.countryId));
      if (!role || roleSpoken.has(speakerId)) return { text: speaker.name === null ? `the ${speakerName}` : speakerName };
      roleSpoken.add(speakerId);
      const organizationName = role.organizationId ? name(role.organizationId as string) : undefined;
      const countryName = role.countryId ? name(role.countryId as string) : undefined;
      const title = role.title as string;
      if (speaker.name === null) {
        const text = organizationName
          ? `${indefinite(organizationName)} ${organizationName} ${title.toLowerCase()}`
          : `${indefinite(title)} ${title.toLowerCase()} of ${articleBefore(byId.get(role.countryId as string), countryName!)}${countryName}`;
        return { text, role };
      }
      const of = organizationName ? withArticle(organizationName) : { before: articleBefore(byId.get(role.countryId as string), countryName!), name: countryName! };
      return { text: `${title} ${speakerName} of ${of.before}${of.name}`, role };
    }

    function reportStatement(out: TextBuilder, { statement, words: [from, to], relayerId, hedged }: ReportItem): void {
      const text = statement.text as string;
      const kind = statement.kind as string;
      const words = text.slice(from, to);
      const who = speakerPhrase(statement);
      const report: JsonObject = {};
      let attributionStart: number;
      let hedge: JsonObject | undefined;
      let relayedBy: JsonObject | undefined;
      const putWho = () => {
        const span = out.put(out.text.endsWith('\n') ? capitalized(who.text) : who.text);
        if (who.role) (who.role.evidence as JsonObject[]).push(span);
        if (hedged) {
          out.put(' ');
          hedge = out.put('reportedly');
        }
      };
      const putRelay = () => {
        if (!relayerId) return;
        const relayer = byId.get(relayerId)!;
        const relayerName = name(relayerId)!;
        const article = 'roles' in relayer ? { before: relayer.name === null ? 'the ' : '', name: relayerName } : withArticle(relayerName);
        out.put(`, according to ${article.before}`);
        relayedBy = { entityId: relayerId, evidence: [out.put(article.name)], inferred: false };
      };
      const putWords = () => {
        report.evidence = out.put(words);
      };
      if (kind === 'QUOTE' && random() < 0.5) {
        out.put('“');
        putWords();
        out.put(/[.!?,;:]$/.test(words) ? '” ' : ',” ');
        attributionStart = out.text.length;
        putWho();
        out.put(' said');
        putRelay();
        report.attribution = out.span(attributionStart, out.text.length);
        out.put('.');
      } else if (kind === 'QUOTE') {
        attributionStart = out.text.length;
        putWho();
        out.put(' said');
        putRelay();
        report.attribution = out.span(attributionStart, out.text.length);
        out.put(': “');
        putWords();
        out.put('”');
      } else if (kind === 'INTERPRETATION') {
        attributionStart = out.text.length;
        out.put('Remarks by ');
        putWho();
        putRelay();
        out.put(' were read as meaning');
        report.attribution = out.span(attributionStart, out.text.length);
        out.put(': ');
        putWords();
        if (!TERMINAL.test(words)) out.put('.');
      } else {
        attributionStart = out.text.length;
        putWho();
        out.put(' said');
        putRelay();
        out.put(', in substance');
        report.attribution = out.span(attributionStart, out.text.length);
        out.put(': ');
        putWords();
        if (!TERMINAL.test(words)) out.put('.');
      }
      out.put('\n\n');
      if (relayedBy) report.relayedBy = relayedBy;
      if (hedge) report.hedge = hedge;
      const ordered: JsonObject = { evidence: report.evidence!, attribution: report.attribution! };
      if (report.relayedBy) ordered.relayedBy = report.relayedBy;
      if (report.hedge) ordered.hedge = report.hedge;

      // The statement's links whose words lie inside the words printed here get the spans of those words.
      const canonical = (statement.reports as JsonObject[]).find((r) => (r.evidence as JsonObject).text === text)!.evidence as JsonObject;
      const base = (canonical.start as number) + from;
      const printedAt = (report.evidence as JsonObject).start as number;
      const links = [
        ...((statement.mentions as JsonObject[] | undefined) ?? []),
        ...((statement.aboutEvents as JsonObject[] | undefined) ?? []),
        statement.saidAt as JsonObject | undefined,
        statement.audience as JsonObject | undefined,
      ];
      for (const link of links) {
        if (!link) continue;
        const evidence = link.evidence as JsonObject[];
        const inside = evidence.filter(
          (span) => span.sourceId === canonical.sourceId && (span.start as number) >= base && (span.end as number) <= base + words.length,
        );
        for (const span of inside) evidence.push(out.span(printedAt + (span.start as number) - base, printedAt + (span.end as number) - base));
      }
      (statement.reports as JsonObject[]).push(ordered);
    }

    const source: JsonObject = {
      id,
      kind: 'NEWS_ARTICLE',
      title: `${mainSource.title as string}: the view from ${outlet}`,
      text: out.text.replace(/\n+$/, '\n'),
      language: (mainSource.language as string | undefined) ?? 'en',
    };
    const published = mainSource.publishedOn as JsonObject | undefined;
    if (published) {
      source.publishedOn = {
        value: published.value!,
        precision: published.precision!,
        qualifier: published.qualifier ?? 'ON',
        inferred: true,
        note: `Synthetic: the date of the article it follows up (${mainSource.id as string}).`,
      };
    }
    source.origin = `synthetic follow-up ${j + 1} of copy ${context.copy} (scripts/generate-dataset.ts)`;
    sources.push(source);
  });
  return { sources, reports };
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
  /** Reports the follow-up sources added to statements. */
  followUpReports: number;
  /** Statements reported by two sources or more. */
  multiSourceStatements: number;
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
  const taken = Object.values(seedData.records).flat().find((record) => (record.id as string).startsWith(FOLLOW_UP_ID));
  if (taken) throw new Error(`the seed already uses the id "${taken.id as string}", which the follow-up sources need`);
  const out = emptyCollections();
  const byId = new Map<string, JsonObject>();
  let crossLinks = 0;
  let followUpReports = 0;
  for (let copy = 0; copy < scale; copy++) {
    const copier = new Copier(seedData, copy, seed, isoCodes);
    const own = emptyCollections();
    const copied: JsonObject[] = [];
    for (const collection of Object.keys(dataFiles) as Collection[]) {
      seedData.records[collection].forEach((record, index) => {
        const copy = copier.record(collection, record, index);
        own[collection].push(copy);
        copied.push(copy);
        byId.set(copy.id as string, copy);
      });
    }
    copier.forceCrossLink(own.statements);
    copier.keepEveryEntityLinked(copied);
    crossLinks += copier.crossLinks;
    const followUps = writeFollowUps({
      copy,
      random: prng(mix(seed, copy, 0xf0110)),
      idOf: (seedId) => copier.idOf(seedId),
      byId,
      own,
      ownIds: new Set(copied.map((record) => record.id as string)),
    });
    own.sources.push(...followUps.sources);
    followUpReports += followUps.reports;
    for (const collection of Object.keys(dataFiles) as Collection[]) for (const record of own[collection]) out[collection].push(record);
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
  const multiSourceStatements = out.statements.filter((statement) => new Set((statement.reports as JsonObject[]).map((r) => (r.evidence as JsonObject).sourceId)).size > 1).length;
  return { outDir, counts, bytes, crossLinks, followUpReports, multiSourceStatements };
}

function emptyCollections(): Record<Collection, JsonObject[]> {
  return Object.fromEntries(Object.keys(dataFiles).map((collection) => [collection, [] as JsonObject[]])) as Record<Collection, JsonObject[]>;
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
        `${summary.crossLinks} cross-links, ${summary.followUpReports} follow-up reports (${summary.multiSourceStatements} statements in 2+ sources), ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    console.error(`generate-dataset: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
