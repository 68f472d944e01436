/**
 * What applying article files would do to the knowledge base: the records each file creates, the records
 * it adds to (aliases, roles, evidence, reports) and the merges it asks for, computed over the records as
 * stored, with every problem located by its file and JSON path. Nothing is written here; the store writes
 * the plan as one durable change (`KnowledgeStore.change`).
 *
 * Applying is idempotent: every entry says what must be true ("this report exists", "this role has this
 * span") rather than what to do, so a file applied twice finds everything in place and changes nothing.
 * A file is applied again when its source is already stored with the same text; only then may an entry
 * that is not marked `existing` name a record that exists (the one the first application made).
 */
import { formatJsonPath, type DataProblem } from '../kb/consistency.js';
import { checkRecordsChange } from '../kb/load.js';
import { SPEAKER_KINDS, type RecordKind, type RecordsByCollection, type StoredRecord } from '../kb/knowledge-base.js';
import {
  dataFiles,
  kindOfCollection,
  valueShapeByPrecision,
  type Collection,
  type CountryRecord,
  type EventRecord,
  type Evidence,
  type OrganizationRecord,
  type PartialDate,
  type PersonRecord,
  type ReportRecord,
  type SourceRecord,
  type StatementRecord,
} from '../kb/records.js';
import { aKind, clip, foldText } from '../kb/text.js';
import type { ChangeKind } from '../store/knowledge-store.js';
import { planMerge } from '../store/merge.js';
import { CurationError, codeForRule } from '../store/edit-error.js';
import {
  articleFileSchema,
  type ArticleFile,
  type CountryEntry,
  type DateEntry,
  type EventEntry,
  type OrganizationEntry,
  type PersonEntry,
  type RoleEntry,
  type StatementEntry,
  type Words,
} from './draft-file.js';
import { sourceSlug, statementSlug } from '../kb/slugs.js';

/** Why an article file cannot be applied, at a place in the file. */
export interface ArticleProblem {
  /** The article file, as named to `planArticles`. */
  file: string;
  /** JSONPath in that file ("$.statements[3].attribution"). */
  path: string;
  message: string;
  /** The error code the API gives this problem (as the mutations do). */
  code: 'BAD_USER_INPUT' | 'EVIDENCE_NOT_FOUND' | 'EVIDENCE_AMBIGUOUS' | 'UNKNOWN_REFERENCE' | 'DUPLICATE_ID' | 'INVALID_RECORD';
}

/** One record the plan changes. */
export interface PlannedChange {
  id: string;
  kind: RecordKind;
  change: ChangeKind;
  /** What happens to it, in a line ("adds a report from kerry-in-brussels-2015-12-01"). */
  summary: string[];
  /** The file and entry that asked for it ("draft.json $.persons[2]"). */
  entries: string[];
}

export interface ArticlePlan {
  /** The new contents of each collection that changes. */
  records: Partial<RecordsByCollection>;
  /** The records changed, in the order the files name them. */
  changes: PlannedChange[];
  problems: ArticleProblem[];
  /** The source each file adds (or found already added), in file order. */
  sourceIds: string[];
  /**
   * The data's rule breaks among these records as problems of the file: named by the entry that made each
   * record. A problem's path names a record by its place in its file; `recordAt` finds it there (by
   * default among the planned collections, which hold every record when the plan was made in memory).
   */
  explain(problems: readonly DataProblem[], recordAt?: RecordAt): ArticleProblem[];
}

/** The record at a place of a collection's file, if known. */
export type RecordAt = (collection: Collection, position: number) => StoredRecord | undefined;

/**
 * The records a plan starts from: in memory, the whole knowledge base; on PostgreSQL, the records fetched
 * so far, with every source of the files' texts, the statements those sources report and the records
 * referring to the files' merged records (what the planner reads by scanning a collection).
 */
export interface PlanBase {
  records: RecordsByCollection;
  mergedInto: ReadonlyMap<string, string>;
  /**
   * Told of each id the plan looked up that `records` does not hold (left out when `records` holds every
   * record): the plan saw it as absent, so the caller fetches it and plans again.
   */
  notHeld?: (id: string) => void;
}

export interface ArticleInput {
  /** How problems name the file (its path, or "file" for the API). */
  name: string;
  /** The parsed JSON. */
  content: unknown;
}


const changePrecedence: Record<ChangeKind, number> = { UPDATED: 0, RETRACTED: 1, REPORTED: 2, CREATED: 3, MERGED: 4 };

/** An entry of an article file: the file as named to `planArticles`, and the JSONPath in it. */
interface Entry {
  file: string;
  path: string;
}

/** Thrown inside an entry's planning to report one problem and move on to the next entry. */
class EntryProblem extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
    readonly code: ArticleProblem['code'],
  ) {
    super(message);
  }
}

/** A date of the file as the data stores it: the precision follows from the value's shape. */
function toPartialDate(date: DateEntry | undefined): PartialDate | undefined {
  if (!date) return undefined;
  const precision = date.precision ?? (['DAY', 'MONTH', 'YEAR'] as const).find((each) => valueShapeByPrecision[each].test(date.value))!;
  return withoutUndefined({ value: date.value, precision, qualifier: date.qualifier ?? 'ON', inferred: date.inferred, note: date.note }) as PartialDate;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sameSpan = (a: Evidence, b: Evidence) => a.sourceId === b.sourceId && a.start === b.start && a.end === b.end;

/** `existing` with the spans of `added` it lacks. */
function withSpans(existing: readonly Evidence[], added: readonly Evidence[]): Evidence[] {
  const result = existing.slice();
  for (const span of added) if (!result.some((each) => sameSpan(each, span))) result.push(span);
  return result;
}

/** Every occurrence of `words` in `text`. */
function occurrences(text: string, words: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(words); at !== -1; at = text.indexOf(words, at + 1)) found.push(at);
  return found;
}

/**
 * The records as they become while a plan is made: collections are copied on first change, ids are
 * indexed across all of them, and each changed record remembers what happened to it.
 */
class WorkingRecords {
  private readonly collections = new Map<Collection, StoredRecord[]>();
  private readonly where = new Map<string, { collection: Collection; index: number }>();
  readonly changes = new Map<string, PlannedChange>();
  private readonly revised = new Set<string>();
  /** The file (by its place in the batch) that created each record this plan creates. */
  private readonly creators = new Map<string, number>();
  /** The first entry that changed each record, for naming it in a problem. */
  readonly firstEntry = new Map<string, Entry>();

  readonly stored: RecordsByCollection;
  private readonly mergedInto: ReadonlyMap<string, string>;

  constructor(private readonly base: PlanBase) {
    this.stored = base.records;
    this.mergedInto = base.mergedInto;
    for (const collection of Object.keys(dataFiles) as Collection[]) {
      (this.stored[collection] as StoredRecord[]).forEach((record, index) => this.where.set(record.id, { collection, index }));
    }
  }

  /** Where a record is; an id the base does not hold is reported to it. */
  private placeOf(id: string): { collection: Collection; index: number } | undefined {
    const place = this.where.get(id);
    if (!place) this.base.notHeld?.(id);
    return place;
  }

  /** The id a reference reaches: a merged record's names the record kept. */
  resolve(id: string): string {
    const kept = this.mergedInto.get(id);
    if (kept === undefined) this.placeOf(id);
    return kept ?? id;
  }

  get(id: string): StoredRecord | undefined {
    const place = this.placeOf(id);
    return place ? this.list(place.collection)[place.index] : undefined;
  }

  kindOf(id: string): RecordKind | undefined {
    const place = this.placeOf(id);
    return place ? kindOfCollection[place.collection] : undefined;
  }

  list(collection: Collection): StoredRecord[] {
    return this.collections.get(collection) ?? (this.stored[collection] as StoredRecord[]);
  }

  private writable(collection: Collection): StoredRecord[] {
    let list = this.collections.get(collection);
    if (!list) {
      list = (this.stored[collection] as StoredRecord[]).slice();
      this.collections.set(collection, list);
    }
    return list;
  }

  private note(id: string, kind: RecordKind, change: ChangeKind, summary: string, entry: Entry): void {
    const known = this.changes.get(id);
    const named = `${entry.file} ${entry.path}`;
    if (!known) {
      this.changes.set(id, { id, kind, change, summary: [summary], entries: [named] });
      this.firstEntry.set(id, entry);
      return;
    }
    if (!known.summary.includes(summary)) known.summary.push(summary);
    if (!known.entries.includes(named)) known.entries.push(named);
    // What a reader most needs to know wins: merged, then created, then reported, then updated.
    if (changePrecedence[change] > changePrecedence[known.change]) known.change = change;
  }

  /** The place in the batch of the file that created `id`, or undefined for a record stored before. */
  creatorOf(id: string): number | undefined {
    return this.creators.get(id);
  }

  create(collection: Collection, record: StoredRecord, entry: Entry, file: number): void {
    this.creators.set(record.id, file);
    const list = this.writable(collection);
    this.where.set(record.id, { collection, index: list.length });
    list.push(record);
    this.note(record.id, kindOfCollection[collection], 'CREATED', `creates ${aKind(kindOfCollection[collection])}`, entry);
  }

  /** Replaces a record with `next` if it differs; a record stored before the plan gets one more revision, once. */
  update(next: StoredRecord, change: ChangeKind, summary: string, entry: Entry): boolean {
    const place = this.where.get(next.id)!;
    const before = this.list(place.collection)[place.index]!;
    // Compared before the collection is copied: a file that changes nothing in it leaves its data file unwritten.
    if (sameJson(before, next)) return false;
    const list = this.writable(place.collection);
    const storedBefore = !this.changes.get(next.id) || this.changes.get(next.id)!.change !== 'CREATED';
    if (storedBefore && !this.revised.has(next.id)) {
      this.revised.add(next.id);
      next = { ...next, revision: before.revision + 1 } as StoredRecord;
    }
    list[place.index] = next;
    this.note(next.id, kindOfCollection[place.collection], change, summary, entry);
    return true;
  }

  /** Takes the collections a merge plan rewrote. */
  adopt(records: Partial<RecordsByCollection>, changes: { id: string; kind: RecordKind; change: ChangeKind }[], entry: Entry): void {
    for (const [collection, list] of Object.entries(records) as [Collection, StoredRecord[]][]) {
      this.collections.set(collection, list.slice());
      list.forEach((record, index) => this.where.set(record.id, { collection, index }));
    }
    for (const change of changes) this.note(change.id, change.kind, change.change, change.change === 'MERGED' ? 'merged' : 'references moved by a merge', entry);
  }

  /** The whole knowledge base as planned. */
  all(): RecordsByCollection {
    return Object.fromEntries((Object.keys(dataFiles) as Collection[]).map((collection) => [collection, this.list(collection)])) as unknown as RecordsByCollection;
  }

  changedCollections(): Partial<RecordsByCollection> {
    return Object.fromEntries(this.collections) as Partial<RecordsByCollection>;
  }
}

/** Plans one file; returns its problems (the working records hold its changes when there are none). */
class ArticlePlanner {
  private readonly problems: ArticleProblem[] = [];
  private sourceId = '';
  private sourceText = '';
  /** True when the file's source was already stored: the file is being applied again. */
  private reapplied = false;
  /** Ids of this file's new statements that an earlier file of the batch had taken, and the ids they got instead. */
  private readonly renamed = new Map<string, string>();
  /** The ids made for statements without one, by entry. */
  private readonly generatedIds: string[] = [];

  constructor(
    private readonly working: WorkingRecords,
    private readonly fileName: string,
    /** The file's place in the batch: what tells two files apart, even two of one name. */
    private readonly fileIndex: number,
    private readonly file: ArticleFile,
    private readonly merge: { at: string; by?: string },
  ) {}

  plan(): { problems: ArticleProblem[]; sourceId: string } {
    if (!this.planSource()) return { problems: this.problems, sourceId: this.sourceId };
    // Records first, so that roles, statements and merges can name any of them whatever their order in the file.
    this.each('persons', this.file.persons, (entry, path) => this.ensureRecord('persons', entry, path, () => this.newPerson(entry, path)));
    this.each('countries', this.file.countries, (entry, path) => this.ensureRecord('countries', entry, path, () => this.newCountry(entry, path)));
    this.each('organizations', this.file.organizations, (entry, path) => this.ensureRecord('organizations', entry, path, () => this.newOrganization(entry, path)));
    this.each('events', this.file.events, (entry, path) => this.ensureRecord('events', entry, path, () => this.newEvent(entry, path)));
    const statementIds = this.file.statements.map((entry, index) => this.statementIdOf(entry, index));
    this.each('statements', this.file.statements, (entry, path, index) => this.ensureStatement(entry, path, statementIds[index]!));
    // Then what links them, now that every id of the file exists.
    this.each('persons', this.file.persons, (entry, path) => this.addPersonLinks(entry, path));
    this.each('organizations', this.file.organizations, (entry, path) => this.addOrganizationLinks(entry, path));
    this.each('events', this.file.events, (entry, path) => this.addEventLinks(entry, path));
    this.each('countries', this.file.countries, (entry, path) => this.addCountryEvidence(entry, path));
    this.each('statements', this.file.statements, (entry, path, index) => this.addStatementLinks(entry, path, statementIds[index]!));
    if (this.problems.length === 0) this.each('merges', this.file.merges, (entry, path) => this.planMerge(entry.keep, entry.merge, path));
    return { problems: this.problems, sourceId: this.sourceId };
  }

  private report(path: (string | number)[], message: string, code: ArticleProblem['code']): void {
    this.problems.push({ file: this.fileName, path: formatJsonPath(path), message, code });
  }

  private each<T>(section: string, entries: readonly T[], plan: (entry: T, path: (string | number)[], index: number) => void): void {
    entries.forEach((entry, index) => {
      try {
        plan(entry, [section, index], index);
      } catch (error) {
        if (error instanceof EntryProblem) this.report(error.path, error.message, error.code);
        else if (error instanceof CurationError) this.report([section, index], error.message, error.code === 'NOT_FOUND' ? 'UNKNOWN_REFERENCE' : 'INVALID_RECORD');
        else throw error;
      }
    });
  }

  private entryName(path: (string | number)[]): Entry {
    return { file: this.fileName, path: formatJsonPath(path) };
  }

  // The source

  private planSource(): boolean {
    const { source } = this.file;
    const made = sourceSlug(source.title, source.publishedOn?.value);
    let id = source.id ?? made;
    // An id left out, or the one that would have been made (as `draft` writes it), may step aside.
    if (source.id === undefined || source.id === made) {
      // A made id steps past sources with other texts (two headlines that start alike, on one date); the
      // source with this very text is this file's, applied before.
      for (let suffix = 2; this.working.get(id) && (this.working.kindOf(id) !== 'Source' || (this.working.get(id) as SourceRecord).text !== source.text); suffix++) {
        id = `${sourceSlug(source.title, source.publishedOn?.value)}-${suffix}`;
      }
    }
    this.sourceId = id;
    this.sourceText = source.text;
    const known = this.working.get(id);
    if (known) {
      if (this.working.kindOf(id) !== 'Source') {
        this.report(['source', 'id'], `"${id}" is already taken by ${aKind(this.working.kindOf(id)!)}; give the source another id`, 'DUPLICATE_ID');
        return false;
      }
      if ((known as SourceRecord).text !== source.text) {
        this.report(['source', 'id'], `A source with id "${id}" is already stored with another text; give this source another id (a file applied again must keep its text unchanged)`, 'DUPLICATE_ID');
        return false;
      }
      this.reapplied = true;
      return true;
    }
    const sameText = this.working.list('sources').find((each) => (each as SourceRecord).text === source.text);
    if (sameText) {
      this.report(['source', 'text'], `This text is already stored as the source "${sameText.id}"; set source.id to "${sameText.id}" to add to it`, 'DUPLICATE_ID');
      return false;
    }
    const record: SourceRecord = withoutUndefined({
      id,
      revision: 1,
      kind: 'NEWS_ARTICLE' as const,
      title: source.title,
      text: source.text,
      language: source.language,
      publishedOn: toPartialDate(source.publishedOn),
      origin: source.origin,
    });
    this.working.create('sources', record, this.entryName(['source']), this.fileIndex);
    return true;
  }

  /** Evidence in the file's source for words of the file; `near` is where to prefer an occurrence (a statement's place). */
  private evidence(words: Words, path: (string | number)[], near?: number, strict = false): Evidence {
    const text = typeof words === 'string' ? words : words.text;
    const hint = typeof words === 'string' ? undefined : words.start;
    if (hint !== undefined && this.sourceText.startsWith(text, hint)) return { sourceId: this.sourceId, start: hint, end: hint + text.length, text };
    const found = occurrences(this.sourceText, text);
    if (found.length === 0) throw new EntryProblem(path, `The words "${clip(text)}" do not occur in the source text`, 'EVIDENCE_NOT_FOUND');
    const target = hint ?? near;
    if (found.length > 1 && target === undefined && strict) {
      throw new EntryProblem(path, `The words "${clip(text)}" occur ${found.length} times in the source; give more words, or "start" to say which`, 'EVIDENCE_AMBIGUOUS');
    }
    const start = target === undefined ? found[0]! : found.reduce((best, at) => (Math.abs(at - target) < Math.abs(best - target) ? at : best));
    return { sourceId: this.sourceId, start, end: start + text.length, text };
  }

  private spans(words: readonly Words[], path: (string | number)[]): Evidence[] {
    return words.map((each, index) => this.evidence(each, [...path, index]));
  }

  /** A reference of the file, to a record stored or created by the file, of one of `kinds`. */
  private reference(id: string, kinds: readonly RecordKind[], path: (string | number)[]): string {
    const resolved = this.working.resolve(this.renamed.get(id) ?? id);
    const kind = this.working.kindOf(resolved);
    if (!kind) throw new EntryProblem(path, `No record with id "${id}" in the knowledge base or in this file`, 'UNKNOWN_REFERENCE');
    if (!kinds.includes(kind)) throw new EntryProblem(path, `"${id}" is ${aKind(kind)}; expected ${kinds.map(aKind).join(' or ')}`, 'UNKNOWN_REFERENCE');
    return resolved;
  }

  private link<T extends object>(fields: T, entry: { evidence: Words[]; inferred: boolean; note?: string }, path: (string | number)[]) {
    return withoutUndefined({ ...fields, evidence: this.spans(entry.evidence, [...path, 'evidence']), inferred: entry.inferred, note: entry.note });
  }

  // Entities

  /**
   * Makes sure the entry's record exists: an `existing` entry must name one; a new entry creates it, or
   * finds it when the file is applied again.
   */
  private ensureRecord(collection: Collection, entry: { id: string; existing: boolean }, path: (string | number)[], create: () => StoredRecord): void {
    const kind = kindOfCollection[collection];
    const id = this.working.resolve(entry.id);
    const found = this.working.kindOf(id);
    if (entry.existing) {
      if (!found) throw new EntryProblem([...path, 'id'], `No ${kind} with id "${entry.id}" in the knowledge base; set "existing": false to create it`, 'UNKNOWN_REFERENCE');
      if (found !== kind) throw new EntryProblem([...path, 'id'], `"${entry.id}" is ${aKind(found)}, not ${aKind(kind)}`, 'UNKNOWN_REFERENCE');
      this.addAliases(id, (entry as { aliases?: string[] }).aliases ?? [], path);
      return;
    }
    if (!found) {
      this.working.create(collection, create(), this.entryName(path), this.fileIndex);
      return;
    }
    // Applied before, and the record it made was merged since (by this file's merges or a curator): nothing to add.
    if (id !== entry.id && this.reapplied) return;
    const creator = this.working.creatorOf(id);
    const taken = (why: string) =>
      new EntryProblem([...path, 'id'], `The id "${entry.id}" is already taken by ${aKind(found)}${why}; set "existing": true to add to that record, or give the new one another id`, 'DUPLICATE_ID');
    if (found !== kind) throw taken('');
    if (creator === this.fileIndex) throw taken(' created earlier in this file');
    // A record with this id already: the one this file created when it was applied before, one an earlier
    // file of the batch created, or one an article applied since created (drafts made side by side each
    // propose the records they name). It is the same record if it is the same thing, which its own fields
    // say; anything else is another record that happens to have this id.
    const differences = this.differencesFrom(this.working.get(id)!, create());
    if (differences.length > 0) {
      throw new EntryProblem(
        [...path, 'id'],
        `The ${kind.toLowerCase()} "${entry.id}" ${creator !== undefined ? 'that an earlier file of this batch creates' : 'already stored'} has another ${differences.join(', ')}; set "existing": true to add to it as it is, give this entry another id, or change the record through the API`,
        'DUPLICATE_ID',
      );
    }
    this.addAliases(id, (entry as { aliases?: string[] }).aliases ?? [], path);
  }

  /** The record's own fields (not its links or evidence) in which `proposed` differs from `stored`. */
  private differencesFrom(stored: StoredRecord, proposed: StoredRecord): string[] {
    const fields = ['name', 'label', 'description', 'kind', 'isoAlpha2', 'isoAlpha3'] as const;
    return fields.filter((field) => field in proposed && (proposed as Record<string, unknown>)[field] !== (stored as Record<string, unknown>)[field]);
  }

  private addAliases(id: string, aliases: readonly string[], path: (string | number)[]): void {
    const record = this.working.get(id) as StoredRecord & { name?: string | null; aliases?: string[] };
    if (!record.aliases) return;
    const known = new Set([record.name ?? '', ...record.aliases].map(foldText));
    const added = aliases.filter((alias) => !known.has(foldText(alias)));
    if (added.length > 0) this.working.update({ ...record, aliases: [...record.aliases, ...added] } as StoredRecord, 'UPDATED', `adds alias(es) ${added.map((alias) => `"${alias}"`).join(', ')}`, this.entryName(path));
  }

  private required<T>(value: T | undefined, path: (string | number)[], field: string, what: string): T {
    if (value === undefined) throw new EntryProblem([...path, field], `A new ${what} needs "${field}"`, 'BAD_USER_INPUT');
    return value;
  }

  private newPerson(entry: PersonEntry, path: (string | number)[]): PersonRecord {
    return withoutUndefined({
      id: entry.id,
      revision: 1,
      name: entry.name,
      label: entry.label,
      aliases: entry.aliases,
      description: this.required(entry.description, path, 'description', 'person'),
      roles: [],
    });
  }

  private newCountry(entry: CountryEntry, path: (string | number)[]): CountryRecord {
    return {
      id: entry.id,
      revision: 1,
      name: entry.name,
      aliases: entry.aliases,
      description: this.required(entry.description, path, 'description', 'country'),
      isoAlpha2: this.required(entry.isoAlpha2, path, 'isoAlpha2', 'country'),
      isoAlpha3: this.required(entry.isoAlpha3, path, 'isoAlpha3', 'country'),
      evidence: [],
    };
  }

  private newOrganization(entry: OrganizationEntry, path: (string | number)[]): OrganizationRecord {
    return {
      id: entry.id,
      revision: 1,
      name: entry.name,
      aliases: entry.aliases,
      kind: this.required(entry.kind, path, 'kind', 'organization'),
      description: this.required(entry.description, path, 'description', 'organization'),
      memberships: [],
      evidence: [],
    };
  }

  private newEvent(entry: EventEntry, path: (string | number)[]): EventRecord {
    if (entry.evidence.length === 0) throw new EntryProblem([...path, 'evidence'], 'A new event needs at least one span of the source that mentions it', 'BAD_USER_INPUT');
    return withoutUndefined({
      id: entry.id,
      revision: 1,
      name: entry.name,
      aliases: entry.aliases,
      kind: this.required(entry.kind, path, 'kind', 'event'),
      description: this.required(entry.description, path, 'description', 'event'),
      start: toPartialDate(entry.start),
      end: toPartialDate(entry.end),
      locations: [],
      participants: [],
      // Filled in with the entry's spans when its links are added.
      evidence: this.spans(entry.evidence, [...path, 'evidence']),
    });
  }

  /** The id an entity entry names, when its record is there to link (its own problem, if any, is already reported). */
  private plannedRecord(entry: { id: string }, kind: RecordKind): string | undefined {
    const id = this.working.resolve(entry.id);
    return this.working.kindOf(id) === kind ? id : undefined;
  }

  private addPersonLinks(entry: PersonEntry, path: (string | number)[]): void {
    const id = this.plannedRecord(entry, 'Person');
    if (!id) return;
    let person = this.working.get(id) as PersonRecord;
    entry.roles.forEach((role: RoleEntry, index) => {
      const rolePath = [...path, 'roles', index];
      const organizationId = role.organization === undefined ? undefined : this.reference(role.organization, ['Organization'], [...rolePath, 'organization']);
      const countryId = role.country === undefined ? undefined : this.reference(role.country, ['Country'], [...rolePath, 'country']);
      const evidence = this.spans(role.evidence, [...rolePath, 'evidence']);
      // The same office: what the entry leaves out (the country of "spokesman for the State Department") does not tell roles apart.
      const same = person.roles.findIndex(
        (held) =>
          foldText(held.title) === foldText(role.title) &&
          (organizationId === undefined || held.organizationId === organizationId) &&
          (countryId === undefined || held.countryId === countryId),
      );
      // A curator retracted this office: applying the file again does not bring it back.
      if (same >= 0 && person.roles[same]!.retracted) return;
      const roles = person.roles.slice();
      if (same >= 0) {
        roles[same] = { ...roles[same]!, evidence: withSpans(roles[same]!.evidence, evidence) };
      } else {
        roles.push(withoutUndefined({ title: role.title, statedAs: role.statedAs, organizationId, countryId, start: toPartialDate(role.start), end: toPartialDate(role.end), evidence, inferred: role.inferred, note: role.note }));
      }
      const next = { ...person, roles };
      if (this.working.update(next, 'UPDATED', same >= 0 ? `adds evidence to the role "${role.title}"` : `adds the role "${role.title}"`, this.entryName(rolePath))) person = this.working.get(id) as PersonRecord;
    });
  }

  private addCountryEvidence(entry: CountryEntry, path: (string | number)[]): void {
    const id = this.plannedRecord(entry, 'Country');
    if (!id) return;
    const country = this.working.get(id) as CountryRecord;
    const evidence = withSpans(country.evidence, this.spans(entry.evidence, [...path, 'evidence']));
    this.working.update({ ...country, evidence }, 'UPDATED', 'adds evidence', this.entryName(path));
  }

  /** A single link (a parent, a country, a part-of): set when absent, given the new spans when it names the same record, refused when it names another. */
  private singleLink<F extends string>(
    current: ({ [K in F]: string } & { evidence: Evidence[]; inferred: boolean; note?: string }) | undefined,
    field: F,
    target: string,
    entry: { evidence: Words[]; inferred: boolean; note?: string },
    path: (string | number)[],
  ) {
    if (current && current[field] !== target) {
      throw new EntryProblem([...path, 'id'], `The record already links to "${current[field]}" here, not "${target}"; change it through the API if the knowledge base is wrong`, 'INVALID_RECORD');
    }
    const added = this.link({ [field]: target } as { [K in F]: string }, entry, path);
    if (!current) return added;
    // Words now state a link that was only inferred: it stops being inferred.
    const evidence = withSpans(current.evidence, added.evidence);
    return withoutUndefined({ ...current, evidence, inferred: current.inferred && added.evidence.length === 0 });
  }

  private addOrganizationLinks(entry: OrganizationEntry, path: (string | number)[]): void {
    const id = this.plannedRecord(entry, 'Organization');
    if (!id) return;
    const organization = this.working.get(id) as OrganizationRecord;
    const next: OrganizationRecord = { ...organization, evidence: withSpans(organization.evidence, this.spans(entry.evidence, [...path, 'evidence'])) };
    if (entry.parent) next.parent = this.singleLink(organization.parent, 'organizationId', this.reference(entry.parent.id, ['Organization'], [...path, 'parent', 'id']), entry.parent, [...path, 'parent']);
    if (entry.country) next.country = this.singleLink(organization.country, 'countryId', this.reference(entry.country.id, ['Country'], [...path, 'country', 'id']), entry.country, [...path, 'country']);
    const memberships = organization.memberships.slice();
    entry.memberships.forEach((membership, index) => {
      const membershipPath = [...path, 'memberships', index];
      const countryId = this.reference(membership.country, ['Country'], [...membershipPath, 'country']);
      const evidence = this.spans(membership.evidence, [...membershipPath, 'evidence']);
      const same = memberships.findIndex((held) => held.countryId === countryId);
      if (same >= 0 && memberships[same]!.retracted) return;
      if (same >= 0) memberships[same] = { ...memberships[same]!, evidence: withSpans(memberships[same]!.evidence, evidence) };
      else memberships.push(withoutUndefined({ countryId, role: membership.role, evidence, inferred: membership.inferred, note: membership.note }));
    });
    next.memberships = memberships;
    this.working.update(next, 'UPDATED', 'adds evidence and links', this.entryName(path));
  }

  private addEventLinks(entry: EventEntry, path: (string | number)[]): void {
    const id = this.plannedRecord(entry, 'Event');
    if (!id) return;
    const event = this.working.get(id) as EventRecord;
    const next: EventRecord = { ...event, evidence: withSpans(event.evidence, this.spans(entry.evidence, [...path, 'evidence'])) };
    // A date the record lacks is filled in; a record's own date is kept (a curator changes it through the API).
    if (!next.start && entry.start) next.start = toPartialDate(entry.start);
    if (!next.end && entry.end) next.end = toPartialDate(entry.end);
    if (entry.partOf) next.partOf = this.singleLink(event.partOf, 'eventId', this.reference(entry.partOf.id, ['Event'], [...path, 'partOf', 'id']), entry.partOf, [...path, 'partOf']);
    const locations = event.locations.slice();
    entry.locations.forEach((location, index) => {
      const locationPath = [...path, 'locations', index];
      const countryId = location.country === undefined ? undefined : this.reference(location.country, ['Country'], [...locationPath, 'country']);
      const evidence = this.spans(location.evidence, [...locationPath, 'evidence']);
      const same = locations.findIndex((held) => foldText(held.city ?? '') === foldText(location.city ?? '') && held.countryId === countryId);
      if (same >= 0) locations[same] = { ...locations[same]!, evidence: withSpans(locations[same]!.evidence, evidence) };
      else locations.push(withoutUndefined({ city: location.city, countryId, evidence, inferred: location.inferred, note: location.note }));
    });
    const participants = event.participants.slice();
    entry.participants.forEach((participant, index) => {
      const participantPath = [...path, 'participants', index];
      const entityId = this.reference(participant.id, ['Person', 'Organization', 'Country'], [...participantPath, 'id']);
      const evidence = this.spans(participant.evidence, [...participantPath, 'evidence']);
      const same = participants.findIndex((held) => held.entityId === entityId && foldText(held.role) === foldText(participant.role));
      if (same >= 0 && participants[same]!.retracted) return;
      if (same >= 0) participants[same] = { ...participants[same]!, evidence: withSpans(participants[same]!.evidence, evidence) };
      else participants.push(withoutUndefined({ entityId, role: participant.role, evidence, inferred: participant.inferred, note: participant.note }));
    });
    this.working.update({ ...next, locations, participants }, 'UPDATED', 'adds evidence and links', this.entryName(path));
  }

  // Statements

  private statementIdOf(entry: StatementEntry, index: number): string {
    if (entry.existing) return this.working.resolve(entry.existing);
    // A statement this source already reports at these very words, as this kind, is this entry applied before, whatever its id.
    const span = this.spanOf(entry);
    const reported = span && this.reportedAt().get(`${span.start}:${span.end}:${entry.kind}`);
    if (reported) return reported;
    if (entry.id) {
      const creator = this.working.creatorOf(entry.id);
      if (!this.working.get(entry.id) || creator === undefined || creator === this.fileIndex) return entry.id; // a taken one is reported as DUPLICATE_ID
      // An id an earlier file of the batch gave its own new statement: this one steps aside, and the file's references follow it.
      let suffix = 2;
      while (this.working.get(`${entry.id}-${suffix}`) || this.file.statements.some((other) => other.id === `${entry.id}-${suffix}`)) suffix++;
      this.renamed.set(entry.id, `${entry.id}-${suffix}`);
      return `${entry.id}-${suffix}`;
    }
    const speaker = entry.speaker ? (this.working.get(this.working.resolve(entry.speaker)) as { name?: string | null; label?: string } | undefined) : undefined;
    const base = statementSlug(speaker?.name ?? speaker?.label ?? entry.speakerGroup?.description ?? null, entry.text);
    const takenInFile = new Set(this.file.statements.map((other, each) => (other.existing ? '' : each < index ? (other.id ?? this.generatedIds[each]!) : (other.id ?? ''))));
    for (let suffix = 1; ; suffix++) {
      const id = suffix === 1 ? base : `${base}-${suffix}`;
      if (takenInFile.has(id) || this.working.get(id)) continue;
      this.generatedIds[index] = id;
      return id;
    }
  }

  /** Where the entry's words are in the source, or undefined when they cannot be found (reported with the entry). */
  private spanOf(entry: StatementEntry): Evidence | undefined {
    try {
      return this.evidence(entry.start === undefined ? entry.text : { text: entry.text, start: entry.start }, [], undefined, true);
    } catch {
      return undefined;
    }
  }

  private reportedAtCache: Map<string, string> | undefined;

  /** The statements this source already reports, by the span and kind of their words in it (empty for a new source). */
  private reportedAt(): Map<string, string> {
    if (!this.reportedAtCache) {
      this.reportedAtCache = new Map();
      if (this.reapplied) {
        for (const statement of this.working.list('statements') as StatementRecord[]) {
          if (statement.mergedInto) continue;
          for (const report of statement.reports) {
            if (report.evidence.sourceId === this.sourceId) this.reportedAtCache.set(`${report.evidence.start}:${report.evidence.end}:${statement.kind}`, statement.id);
          }
        }
      }
    }
    return this.reportedAtCache;
  }

  /** The entry's report: its words, attribution, relayer and hedge, found in the file's source. */
  private reportOf(entry: StatementEntry, path: (string | number)[]): ReportRecord {
    const words = this.evidence(entry.start === undefined ? entry.text : { text: entry.text, start: entry.start }, [...path, 'text'], undefined, true);
    const near = words.start;
    const relayedBy = entry.relayedBy
      ? this.link({ entityId: this.reference(entry.relayedBy.id, ['Person', 'Organization', 'Country', 'Event'], [...path, 'relayedBy', 'id']) }, entry.relayedBy, [...path, 'relayedBy'])
      : undefined;
    return withoutUndefined({
      evidence: words,
      attribution: this.evidence(entry.attribution, [...path, 'attribution'], near),
      relayedBy,
      hedge: entry.hedge === undefined ? undefined : this.evidence(entry.hedge, [...path, 'hedge'], near),
      date: toPartialDate(entry.date),
    });
  }

  private ensureStatement(entry: StatementEntry, path: (string | number)[], id: string): void {
    const report = this.reportOf(entry, path);
    const speakerId = entry.speaker === null ? null : this.reference(entry.speaker, SPEAKER_KINDS, [...path, 'speaker']);
    const found = this.working.kindOf(id);
    if (found === 'Statement') {
      const statement = this.working.get(id) as StatementRecord;
      const differs = (field: 'kind' | 'speaker', message: string) => new EntryProblem([...path, field], message, 'INVALID_RECORD');
      if (statement.reports.some((each) => sameSpan(each.evidence, report.evidence))) {
        // Applied before: the file may not change what it stated then.
        if (statement.speakerId !== speakerId) throw differs('speaker', `These words were applied before as the statement "${id}" by ${statement.speakerId ?? 'nobody'}; change its speaker through the API (updateStatement), not by applying the file again`);
        if (statement.kind !== entry.kind) throw differs('kind', `These words were applied before as the ${statement.kind} "${id}"; change its kind through the API, not by applying the file again`);
        return;
      }
      if (!entry.existing) {
        throw new EntryProblem([...path, 'id'], `The id "${id}" is already taken by another statement; set "existing": "${id}" if this is a new report of it, or give this one another id`, 'DUPLICATE_ID');
      }
      if (statement.retracted) throw new EntryProblem([...path, 'existing'], `The statement "${id}" is retracted (${statement.retracted.reason}); a retracted statement takes no new reports`, 'INVALID_RECORD');
      if (statement.kind !== entry.kind) throw differs('kind', `The statement "${id}" is a ${statement.kind}, not a ${entry.kind}: report it with its own kind, or draft a new statement`);
      if (statement.speakerId !== speakerId) {
        throw differs('speaker', `The statement "${id}" is attributed to ${statement.speakerId ?? 'nobody'}, not ${speakerId ?? 'nobody'}: a report of it must keep its speaker (merge the speakers if they are one)`);
      }
      // What belongs to the statement may be repeated by a report of it, not changed.
      if (entry.continues !== undefined && this.working.resolve(entry.continues) !== statement.continuesId) {
        throw new EntryProblem([...path, 'continues'], `The statement "${id}" ${statement.continuesId ? `continues "${statement.continuesId}"` : 'continues no statement'}; a report of it cannot change that (change it through the API)`, 'INVALID_RECORD');
      }
      if (entry.speakerGroup !== undefined && entry.speakerGroup.description !== statement.speakerGroup?.description) {
        throw new EntryProblem([...path, 'speakerGroup'], `The statement "${id}" has ${statement.speakerGroup ? `the speaker group "${statement.speakerGroup.description}"` : 'no speaker group'}; a report of it cannot change that (change it through the API)`, 'INVALID_RECORD');
      }
      this.working.update({ ...statement, reports: [...statement.reports, report] }, 'REPORTED', `adds a report from "${this.sourceId}"`, this.entryName(path));
      return;
    }
    if (entry.existing) {
      throw new EntryProblem([...path, 'existing'], found ? `"${entry.existing}" is ${aKind(found)}, not a Statement` : `No statement with id "${entry.existing}" in the knowledge base`, 'UNKNOWN_REFERENCE');
    }
    if (found) throw new EntryProblem([...path, 'id'], `The id "${id}" is already taken by ${aKind(found)}; give this statement another id`, 'DUPLICATE_ID');
    const record: StatementRecord = withoutUndefined({
      id,
      revision: 1,
      kind: entry.kind,
      text: report.evidence.text,
      speakerId,
      speakerGroup: entry.speakerGroup
        ? { description: entry.speakerGroup.description, memberOfIds: entry.speakerGroup.memberOf.map((member, index) => this.reference(member, ['Organization', 'Country'], [...path, 'speakerGroup', 'memberOf', index])) }
        : undefined,
      aboutEvents: [],
      date: toPartialDate(entry.date),
      mentions: [],
      // The date is the statement's own; a report carries one only where a later source differs.
      reports: [{ ...report, date: undefined }].map(withoutUndefined),
    });
    this.working.create('statements', record, this.entryName(path), this.fileIndex);
  }

  private addStatementLinks(entry: StatementEntry, path: (string | number)[], id: string): void {
    const statement = this.working.get(id) as StatementRecord | undefined;
    if (!statement || this.working.kindOf(id) !== 'Statement') return; // reported by ensureStatement
    const next: StatementRecord = { ...statement };
    if (entry.saidAt) next.saidAt = this.singleLink(statement.saidAt, 'eventId', this.reference(entry.saidAt.id, ['Event'], [...path, 'saidAt', 'id']), entry.saidAt, [...path, 'saidAt']);
    const aboutEvents = statement.aboutEvents.slice();
    entry.about.forEach((about, index) => {
      const aboutPath = [...path, 'about', index];
      const eventId = this.reference(about.id, ['Event'], [...aboutPath, 'id']);
      const link = this.link({ eventId }, about, aboutPath);
      const same = aboutEvents.findIndex((held) => held.eventId === eventId);
      if (same >= 0) aboutEvents[same] = { ...aboutEvents[same]!, evidence: withSpans(aboutEvents[same]!.evidence, link.evidence) };
      else aboutEvents.push(link);
    });
    next.aboutEvents = aboutEvents;
    // The words as this source reports them (found once, by ensureStatement); none when that failed and was reported.
    const words = statement.reports.find((report) => report.evidence.sourceId === this.sourceId && report.evidence.text === entry.text)?.evidence;
    if (!words) return;
    const mentions = statement.mentions.slice();
    entry.mentions.forEach((mention, index) => {
      const mentionPath = [...path, 'mentions', index];
      const entityId = this.reference(mention.id, ['Person', 'Organization', 'Country', 'Event'], [...mentionPath, 'id']);
      const span = this.evidence(mention.words, [...mentionPath, 'words'], words.start);
      if (span.start < words.start || span.end > words.end) throw new EntryProblem([...mentionPath, 'words'], `The words "${clip(span.text)}" must lie inside the statement's words`, 'EVIDENCE_NOT_FOUND');
      const same = mentions.findIndex((held) => held.entityId === entityId);
      if (same >= 0) mentions[same] = { ...mentions[same]!, evidence: withSpans(mentions[same]!.evidence, [span]) };
      else mentions.push({ entityId, evidence: [span], inferred: false });
    });
    next.mentions = mentions;
    if (entry.continues !== undefined && !entry.existing) {
      const continuesId = this.reference(entry.continues, ['Statement'], [...path, 'continues']);
      const continued = this.working.get(continuesId) as StatementRecord;
      if (continued.speakerId !== statement.speakerId || !continued.reports.some((report) => report.evidence.sourceId === this.sourceId)) {
        throw new EntryProblem([...path, 'continues'], `"${entry.continues}" is not a statement of the same speaker in this source: only the earlier part of a quote split by its attribution can be continued`, 'INVALID_RECORD');
      }
      if (statement.continuesId && statement.continuesId !== continuesId) throw new EntryProblem([...path, 'continues'], `The statement already continues "${statement.continuesId}"`, 'INVALID_RECORD');
      next.continuesId = continuesId;
    }
    this.working.update(next, 'UPDATED', 'adds links', this.entryName(path));
  }

  // Merges

  private planMerge(keep: string, merge: string, path: (string | number)[]): void {
    const keepId = this.working.resolve(keep);
    if (this.working.resolve(merge) === keepId && merge !== keepId) return; // merged already: the file is applied again
    const plan = planMerge(this.working.all(), keepId, merge, this.merge);
    this.working.adopt(plan.records, plan.changes, this.entryName(path));
  }
}


/**
 * Plans applying `files`, one after another, to the records as stored: what each creates and adds, and
 * every problem (schema, references, evidence, then the data's own rules over the result), each at its
 * file and JSON path. A plan with problems must not be written.
 */
export function planArticles(
  base: PlanBase,
  files: readonly ArticleInput[],
  curator: { name: string } | undefined,
  {
    now = new Date(),
    checkDataRules = true,
  }: {
    now?: Date;
    /** False when whoever writes the plan checks the data's rules itself (the store does, under its lock): they run once. */
    checkDataRules?: boolean;
  } = {},
): ArticlePlan {
  const working = new WorkingRecords(base);
  const problems: ArticleProblem[] = [];
  const sourceIds: string[] = [];
  for (const [index, { name, content }] of files.entries()) {
    const parsed = articleFileSchema.safeParse(content);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ file: name, path: formatJsonPath(issue.path), message: issue.message, code: 'BAD_USER_INPUT' });
      continue;
    }
    const result = new ArticlePlanner(working, name, index, parsed.data, withoutUndefined({ at: now.toISOString(), by: curator?.name })).plan();
    problems.push(...result.problems);
    sourceIds.push(result.sourceId);
  }
  const explain = (dataProblems: readonly DataProblem[], recordAt?: RecordAt) => asArticleProblems(working, dataProblems, recordAt);
  if (problems.length === 0 && checkDataRules) {
    const checked = checkRecordsChange(working.stored, working.changedCollections());
    if ('problems' in checked) problems.push(...explain(checked.problems));
  }
  return { records: working.changedCollections(), changes: [...working.changes.values()], problems, sourceIds, explain };
}

/** The data's rule breaks among the planned records, each named by the entry that made the record. */
function asArticleProblems(working: WorkingRecords, problems: readonly DataProblem[], recordAt?: RecordAt): ArticleProblem[] {
  const all = working.all();
  const at: RecordAt = recordAt ?? ((collection, position) => all[collection][position] as StoredRecord | undefined);
  const fileByName = new Map<string, Collection>(Object.entries(dataFiles).map(([collection, { file }]) => [file, collection as Collection]));
  return problems.map((problem) => {
    const collection = fileByName.get(problem.file);
    const index = /^\$\[(\d+)\]/.exec(problem.path);
    const record = collection && index ? at(collection, Number(index[1])) : undefined;
    const entry = record ? working.firstEntry.get(record.id) : undefined;
    return {
      file: entry ? entry.file : problem.file,
      path: entry ? entry.path : problem.path,
      message: `${record ? `the ${kindOfCollection[collection!].toLowerCase()} "${record.id}" ` : ''}breaks a rule of the data at ${problem.file} ${problem.path}: ${problem.message}`,
      code: codeForRule(problem.rule) as ArticleProblem['code'],
    };
  });
}

/** Parses a file's text as JSON, or says where it is not. */
export function parseArticleJson(name: string, text: string): { content: unknown } | { problem: ArticleProblem } {
  try {
    return { content: JSON.parse(text) };
  } catch (error) {
    return { problem: { file: name, path: '$', message: `not JSON: ${(error as Error).message}`, code: 'BAD_USER_INPUT' } };
  }
}
