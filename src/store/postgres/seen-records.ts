/**
 * Records, referents and statements' headings read at one state of the knowledge base, so that what a
 * statement brought back answers later lookups without a statement of their own. Each statement a
 * request sends is a round trip and a wakeup of PostgreSQL's backend, which on these machines cost more
 * than the reading.
 *
 * Two uses, one rule: everything kept was read at the same state of the knowledge base.
 * - Within one request (its read session sees one snapshot): a page's records come with its ids, a
 *   referent's record with its kind, and the lookups by id that follow (the page's nodes, the speaker's
 *   name) send nothing.
 * - Across the requests that read the same dataset generation and version (PostgresKnowledge keeps one
 *   for the latest): every change through a server and every import moves the generation in the same
 *   transaction, so a record read at a generation is that generation's record for every request that
 *   reads it. Bounded: past `capacity` entries the oldest go.
 */
import type { Referent, StatementHeading } from '../../kb/reader.js';

/**
 * Records kept for the latest generation by default (NEWSGRAPH_KEPT_RECORDS): some megabytes of the
 * most recently read records (a statement's is about 2 KB of JSON), whatever the knowledge base's size.
 */
export const KEPT_RECORDS = 5_000;

/** A Map that forgets its oldest entries past `capacity` (insertion order). */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.capacity <= 0) return this;
    if (!this.has(key) && this.size >= this.capacity) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

export class SeenRecords {
  /**
   * Records in force (never merged into another), as lookups read them (`lookupColumnOf`, parsed), by id
   * (ids are unique across the tables, migration 0001's `records`) with their table.
   */
  private readonly records: BoundedMap<string, { table: string; record: unknown }>;
  /** Merged ids and the id of the record each answers with now (of the same kind). */
  private readonly mergedInto: BoundedMap<string, string>;
  /** What each id asked for refers to; null for an id no record has. */
  private readonly referents: BoundedMap<string, Referent | null>;
  /** Headings of statements in force read by pages that asked for no more (ReadAlong.headings), by id. */
  private readonly headings: BoundedMap<string, StatementHeading>;
  /** The pages whose records were read (by what they were asked for). */
  private readonly pagesRead: BoundedMap<string, true>;

  /** `capacity`: how many entries of each sort are kept (unbounded by default: one request's reads). */
  constructor(capacity = Number.POSITIVE_INFINITY) {
    this.records = new BoundedMap(capacity);
    this.mergedInto = new BoundedMap(capacity);
    this.referents = new BoundedMap(capacity);
    this.headings = new BoundedMap(capacity);
    this.pagesRead = new BoundedMap(capacity);
  }

  /**
   * Whether a page, named by what it asks for, should read its records along: only the first time.
   * At one state of the knowledge base a page has the same items every time, whose records were kept
   * the first time; reading and parsing them again with every page cost more than the page itself
   * (20 statements' records are 45 KB of JSON). A record forgotten since is looked up by id.
   */
  firstPageRead(page: string): boolean {
    if (this.pagesRead.has(page)) return false;
    this.pagesRead.set(page, true);
    return true;
  }

  /**
   * These records, kept to only while `holds()`: for a request whose session may end before its reads
   * do (then they are sent on their own, and may read a later state than the one these were read at).
   */
  keptWhile(holds: () => boolean): SeenRecords {
    const view = Object.create(this) as SeenRecords;
    view.keep = (table, id, record) => holds() && this.keep(table, id, record);
    view.keepMerge = (id, keptId) => holds() && this.keepMerge(id, keptId);
    view.keepReferent = (id, referent) => holds() && this.keepReferent(id, referent);
    view.keepHeading = (heading) => holds() && this.keepHeading(heading);
    view.firstPageRead = (page) => !holds() || this.firstPageRead(page);
    return view;
  }

  /**
   * Takes what `earlier` (read at the generation before this one) kept and one change left true: every
   * record, merge and referent but those of the records the change wrote (`changed`: every record whose
   * stored form differs, a merged one and those moved to the record kept included); no page (a change
   * may move any list), and so no heading (only pages read them, each page again at a new generation).
   * What this one read itself stays.
   */
  adopt(earlier: SeenRecords, changed: ReadonlySet<string>): void {
    for (const [id, kept] of earlier.records) {
      if (!changed.has(id) && !this.records.has(id)) this.records.set(id, kept);
    }
    for (const [id, keptId] of earlier.mergedInto) {
      if (!changed.has(id) && !changed.has(keptId) && !this.mergedInto.has(id)) this.mergedInto.set(id, keptId);
    }
    for (const [id, referent] of earlier.referents) {
      if (!changed.has(id) && !(referent && changed.has(referent.id)) && !this.referents.has(id)) this.referents.set(id, referent);
    }
  }

  /** Keeps `record`, the record of `id` in `table`, which is in force (not merged into another). */
  keep(table: string, id: string, record: unknown): void {
    this.records.set(id, { table, record });
  }

  /** Keeps the heading of a statement in force. */
  keepHeading(heading: StatementHeading): void {
    this.headings.set(heading.id, heading);
  }

  /** The heading of the statement in force `id` names (merged ids are followed as for records), when read. */
  heading(id: string): StatementHeading | undefined {
    return this.headings.get(this.mergedInto.get(id) ?? id);
  }

  /** Keeps that the merged id `id` answers with the record of `keptId` (of the same kind). */
  keepMerge(id: string, keptId: string): void {
    this.mergedInto.set(id, keptId);
  }

  /** Keeps what `id` refers to (null: nothing). */
  keepReferent(id: string, referent: Referent | null): void {
    this.referents.set(id, referent);
  }

  /** What `id` refers to when read (null: nothing), undefined when not read. */
  referent(id: string): Referent | null | undefined {
    return this.referents.get(id);
  }

  /** The record in force that `id` names in `table` (its own, or the one it was merged into), when read. */
  inForce(table: string, id: string): unknown {
    const kept = this.records.get(this.mergedInto.get(id) ?? id);
    return kept?.table === table ? kept.record : undefined;
  }

  /**
   * The record `id` names as stored, of any table (a merged record's own is never kept), when read; never
   * a source's, which lookups keep without its text (`lookupColumnOf`).
   */
  stored(id: string): unknown {
    const kept = this.records.get(id);
    return kept?.table === 'sources' ? undefined : kept?.record;
  }
}
