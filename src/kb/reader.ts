/**
 * The read seam: every batch and relationship lookup the schema's loaders make, as one asynchronous
 * interface that more than one store can answer. `readerOf(kb)` answers from an in-memory snapshot (the
 * JSON files); `src/store/postgres/reader.ts` answers the same calls with one SQL statement per batch.
 *
 * Every method takes a batch of keys and returns one result per key, in key order, as a DataLoader batch
 * function must: an Error (or undefined, where the method says so) for an unknown id, an empty list for a
 * key with no relations. Lists are in the order the in-memory indexes keep them, which both stores share:
 * statements in source order, everything else in data order.
 */
import {
  RecordNotFoundError,
  type EntityKind,
  type EventParticipation,
  type KnowledgeBase,
  type MembershipHolding,
  type RecordKind,
  type RoleHolding,
  type StoredRecord,
} from './knowledge-base.js';
import type { CountryRecord, EventRecord, OrganizationRecord, PersonRecord, SourceRecord, StatementRecord } from './records.js';
import {
  Ordering,
  type CountryFilter,
  type EventFilter,
  type EventOrder,
  type NameOrder,
  type OrganizationFilter,
  type PersonFilter,
  type StatementFilter,
  type StatementOrder,
  type TimelineEntry,
  type TimelineQuery,
} from './filters.js';
import { entityGraphFor, type GraphPath, type GraphVertex, type Neighborhood, type PathStep, type VertexKind } from './graph.js';
import { pageOfList, type ListPage, type PageWindow } from './pages.js';
import { searchIndexFor, type SearchHit } from './search.js';
import { statisticsFor, type Statistics } from './stats.js';
import { sourceIdsOfStatement } from './coverage.js';
import type { RecordsByCollection } from './knowledge-base.js';

/**
 * A source as lookups give it: everything but its text, which is most of its bytes and which few
 * queries ask for (a feed shows titles). `sourceTextsByIds` reads the text.
 */
export type SourceHeading = Omit<SourceRecord, 'text'>;

/** A source without its text, as both stores' lookups give it (the same answer whichever store). */
function headingOf({ text: _text, ...heading }: SourceRecord): SourceHeading {
  return heading;
}

/**
 * A statement as a page that asks little of it gives it: what a feed of statements shows (its words,
 * its kind, who said it, which sources report it) without the evidence, links and dates that make up
 * most of its record (about 2 KB of JSON, of which these are a tenth). `statementHeadingsByIds` reads
 * headings; everything else about a statement comes from its record (`recordsByIds`).
 */
export interface StatementHeading {
  readonly id: string;
  readonly revision: number;
  readonly kind: StatementRecord['kind'];
  readonly text: string;
  readonly speakerId?: string;
  /** The sources of its reports in force, each once, in report order (`sourceIdsOfStatement`). */
  readonly sourceIds: readonly string[];
}

/** The heading of a statement's record, as default queries see it (both stores give exactly this). */
export function statementHeadingOf(statement: StatementRecord): StatementHeading {
  const { id, revision, kind, text, speakerId } = statement;
  return { id, revision, kind, text, ...(speakerId == null ? {} : { speakerId }), sourceIds: sourceIdsOfStatement(statement) };
}

/** The record type of each kind, as default queries see it (retracted roles, memberships, participations and reports left out). */
export interface RecordOfKind {
  Source: SourceHeading;
  Person: PersonRecord;
  Country: CountryRecord;
  Organization: OrganizationRecord;
  Event: EventRecord;
  Statement: StatementRecord;
}

/** What an id refers to now: its kind and the id of the record that answers for it (the kept record, for a merged one). */
export interface Referent {
  kind: RecordKind;
  id: string;
}

/** The relationship lookups, each keyed by the id of the record on one side, with what it returns per key. */
export interface RelationValues {
  /** Statements each person, organization or country said, in source order. */
  statementIdsBySpeakerId: string;
  /** Statements that mention each entity, in source order. */
  statementIdsByMentionedId: string;
  /** Statements made at or about each event, in source order. */
  statementIdsByEventId: string;
  /** Statements each person, organization or event passed on for someone else, in source order. */
  statementIdsByRelayerId: string;
  /** Statements each source reports (retracted reports aside), in source order. */
  statementIdsBySourceId: string;
  /** Statements that continue each statement (the later parts of a split quote). */
  continuationIdsByStatementId: string;
  /** Events each person, organization or country took part in, with its part. */
  participationsByEntityId: EventParticipation;
  /** Events that are part of each event. */
  subEventIdsByEventId: string;
  /** Events located in each country. */
  eventIdsByCountryId: string;
  /** People holding a role at each organization. */
  roleHoldingsByOrganizationId: RoleHolding;
  /** People holding a role for each country. */
  roleHoldingsByCountryId: RoleHolding;
  /** Organizations each country is a member of. */
  membershipsByCountryId: MembershipHolding;
  /** Organizations that belong to each country (national bodies). */
  organizationIdsByCountryId: string;
  /** Organizations whose parent is each organization. */
  childOrganizationIdsByOrganizationId: string;
  /** Sources with evidence about each record, in first-seen order. */
  sourceIdsByRecordId: string;
  /** Persons each source has evidence about, in data order. */
  personIdsBySourceId: string;
  /** Organizations each source has evidence about, in data order. */
  organizationIdsBySourceId: string;
  /** Countries each source has evidence about, in data order. */
  countryIdsBySourceId: string;
  /** Events each source has evidence about, in data order. */
  eventIdsBySourceId: string;
}

export type Relation = keyof RelationValues;

/** Every relation once (the compiler checks none is missing): loaders are made for each, and tests walk them all. */
export const allRelations = Object.keys({
  statementIdsBySpeakerId: true,
  statementIdsByMentionedId: true,
  statementIdsByEventId: true,
  statementIdsByRelayerId: true,
  statementIdsBySourceId: true,
  continuationIdsByStatementId: true,
  participationsByEntityId: true,
  subEventIdsByEventId: true,
  eventIdsByCountryId: true,
  roleHoldingsByOrganizationId: true,
  roleHoldingsByCountryId: true,
  membershipsByCountryId: true,
  organizationIdsByCountryId: true,
  childOrganizationIdsByOrganizationId: true,
  sourceIdsByRecordId: true,
  personIdsBySourceId: true,
  organizationIdsBySourceId: true,
  countryIdsBySourceId: true,
  eventIdsBySourceId: true,
} satisfies Record<Relation, true>) as Relation[];

/** The lists connections page through: a root collection with its filter and order, or a fixed list. */
export type ListQuery =
  | { list: 'persons'; filter: PersonFilter; order: NameOrder }
  | { list: 'countries'; filter: CountryFilter; order: NameOrder }
  | { list: 'organizations'; filter: OrganizationFilter; order: NameOrder }
  | { list: 'events'; filter: EventFilter; order: EventOrder }
  | { list: 'statements'; filter: StatementFilter; order: StatementOrder }
  /** Every source, in the order they were added. */
  | { list: 'sources' }
  /** Retracted statements, in source order. */
  | { list: 'retractedStatements' };

/**
 * The relations a list can be narrowed to, each naming records of the list's kind: a person's
 * statements are the statements list within `statementIdsBySpeakerId` of the person.
 */
export type ListRelation =
  | 'statementIdsBySpeakerId'
  | 'statementIdsByMentionedId'
  | 'statementIdsByEventId'
  | 'statementIdsByRelayerId'
  | 'statementIdsBySourceId'
  | 'eventIdsByCountryId'
  | 'personIdsBySourceId'
  | 'organizationIdsBySourceId'
  | 'countryIdsBySourceId'
  | 'eventIdsBySourceId';

/** A list narrowed to the records one relation gives each of several parents (one page or count per parent). */
export interface Within {
  relation: ListRelation;
  ids: readonly string[];
}

/**
 * What a caller will look up next for each statement on a page (a statement list's speakers, its
 * reports' sources), so a store that answers in round trips can read them with the page. A hint only:
 * every answer is the same without it, and the in-memory snapshot, which has everything at hand, ignores it.
 */
export interface ReadAlong {
  /** What each statement's speaker is, and its record. */
  speakers?: boolean;
  /** The records of the sources of each statement's reports. */
  reportSources?: boolean;
  /**
   * Only the statements' headings are asked for (StatementHeading), not their records: a store reads
   * those with the page, and `statementHeadingsByIds` answers from them.
   */
  headings?: boolean;
}

/** A vertex with its kind, as walks return them. */
export interface KindedVertex extends GraphVertex {
  kind: VertexKind;
}

/** A neighborhood whose vertices carry their kinds. */
export interface KindedNeighborhood extends Omit<Neighborhood, 'vertices'> {
  vertices: readonly KindedVertex[];
}

/** A path whose vertices carry their kinds. */
export interface KindedPath {
  vertices: readonly KindedVertex[];
  steps: readonly PathStep[];
}

/** How many records of each kind the knowledge base holds (merged ones aside; retracted statements aside). */
export type RecordCounts = Record<keyof RecordsByCollection, number>;

export interface KnowledgeReader {
  /** Records of one kind by id, as default queries see them; a RecordNotFoundError for an id that names no such record. A merged record's id gives the record it was merged into. */
  recordsByIds<K extends RecordKind>(kind: K, ids: readonly string[]): Promise<(RecordOfKind[K] | RecordNotFoundError)[]>;
  /** Records as stored, retracted roles, memberships, participations and reports included; undefined for an unknown id. */
  storedRecordsByIds(ids: readonly string[]): Promise<(StoredRecord | undefined)[]>;
  /** The full text of each source; undefined for an id that names no source. */
  sourceTextsByIds(ids: readonly string[]): Promise<(string | undefined)[]>;
  /** The heading of each statement (of the record `recordsByIds` gives for the id); a RecordNotFoundError for an id that names no statement. */
  statementHeadingsByIds(ids: readonly string[]): Promise<(StatementHeading | RecordNotFoundError)[]>;
  /** What each id (or slug) refers to; undefined when nothing has it. */
  referentsByIds(ids: readonly string[]): Promise<(Referent | undefined)[]>;
  /** The country with each ISO 3166-1 alpha-2 or alpha-3 code (any case); undefined for a code no country has. */
  countryIdsByIsoCodes(codes: readonly string[]): Promise<(string | undefined)[]>;
  /** The records related to each key by `relation`. */
  related<R extends Relation>(relation: R, ids: readonly string[]): Promise<readonly (readonly RelationValues[R][])[]>;

  /**
   * One page of a list's ids. An UnknownCursorError when a cursor names no record the list's order
   * places. `along`: what the caller will look up for the page's statements (see ReadAlong).
   */
  page(query: ListQuery, window: PageWindow, along?: ReadAlong): Promise<ListPage<string> & { total?: number }>;
  /** One page per parent of the list narrowed to `within.relation` of that parent, in parent order. */
  pagesWithin(query: ListQuery, window: PageWindow, within: Within, along?: ReadAlong): Promise<(ListPage<string> & { total?: number })[]>;
  /** How many items a list holds. */
  count(query: ListQuery): Promise<number>;
  /** How many items the list narrowed to each parent holds. */
  countsWithin(query: ListQuery, within: Within): Promise<number[]>;

  /** One page of the timeline. */
  timelinePage(query: TimelineQuery, window: PageWindow): Promise<ListPage<TimelineEntry> & { total?: number }>;
  timelineCount(query: TimelineQuery): Promise<number>;

  /** One page of search hits, best first (a cursor is the id of a record found). Empty for a query without words. */
  searchPage(text: string, kinds: readonly EntityKind[] | undefined, window: PageWindow): Promise<ListPage<SearchHit> & { total?: number }>;
  searchCount(text: string, kinds: readonly EntityKind[] | undefined): Promise<number>;

  /** The kind of each id as a vertex of the entity graph (persons, organizations, countries, events, statements); undefined for anything else. */
  vertexKindsByIds(ids: readonly string[]): Promise<(VertexKind | undefined)[]>;
  /** The vertices within `depth` steps of `center` (at most `limit`), and the edges between them. */
  neighborhood(center: string, depth: number, limit: number): Promise<KindedNeighborhood>;
  /** A shortest path of at most `maxLength` steps, or null. */
  shortestPath(from: string, to: string, maxLength: number): Promise<KindedPath | null>;

  /** Counts a frontend needs without fetching everything. */
  statistics(): Promise<Statistics>;
  /** How many records of each kind are in force (RecordCounts). */
  recordCounts(): Promise<RecordCounts>;
}

/**
 * A store that cannot be read at the moment (its database is unreachable). Requests fail with
 * DATABASE_UNAVAILABLE meanwhile; the store reconnects by itself.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** The in-memory snapshot's answers, already in hand: each call costs what the snapshot's index lookup costs. */
class SnapshotReader implements KnowledgeReader {
  constructor(private readonly kb: KnowledgeBase) {}

  recordsByIds<K extends RecordKind>(kind: K, ids: readonly string[]): Promise<(RecordOfKind[K] | RecordNotFoundError)[]> {
    return Promise.resolve(this.byKind[kind](ids) as (RecordOfKind[K] | RecordNotFoundError)[]);
  }

  private readonly byKind: { [K in RecordKind]: (ids: readonly string[]) => (RecordOfKind[K] | RecordNotFoundError)[] } = {
    Source: (ids) => this.kb.sourcesByIds(ids).map((source) => (source instanceof RecordNotFoundError ? source : headingOf(source))),
    Person: (ids) => this.kb.personsByIds(ids),
    Country: (ids) => this.kb.countriesByIds(ids),
    Organization: (ids) => this.kb.organizationsByIds(ids),
    Event: (ids) => this.kb.eventsByIds(ids),
    Statement: (ids) => this.kb.statementsByIds(ids),
  };

  storedRecordsByIds(ids: readonly string[]): Promise<(StoredRecord | undefined)[]> {
    return Promise.resolve(ids.map((id) => this.kb.storedRecord(id)));
  }

  sourceTextsByIds(ids: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.resolve(this.kb.sourcesByIds(ids).map((source) => (source instanceof RecordNotFoundError ? undefined : source.text)));
  }

  statementHeadingsByIds(ids: readonly string[]): Promise<(StatementHeading | RecordNotFoundError)[]> {
    return Promise.resolve(this.kb.statementsByIds(ids).map((statement) => (statement instanceof RecordNotFoundError ? statement : statementHeadingOf(statement))));
  }

  referentsByIds(ids: readonly string[]): Promise<(Referent | undefined)[]> {
    return Promise.resolve(
      ids.map((id) => {
        const kind = this.kb.kindOf(id);
        return kind && { kind, id: this.kb.resolveId(id) };
      }),
    );
  }

  countryIdsByIsoCodes(codes: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.resolve(codes.map((code) => this.kb.countryIdForIsoCode(code)));
  }

  related<R extends Relation>(relation: R, ids: readonly string[]): Promise<readonly (readonly RelationValues[R][])[]> {
    return Promise.resolve(this.relations[relation](ids) as readonly (readonly RelationValues[R][])[]);
  }

  private readonly relations: { [R in Relation]: (ids: readonly string[]) => readonly (readonly RelationValues[R][])[] } = {
    statementIdsBySpeakerId: (ids) => this.kb.statementIdsBySpeakerIds(ids),
    statementIdsByMentionedId: (ids) => this.kb.statementIdsByMentionedIds(ids),
    statementIdsByEventId: (ids) => this.kb.statementIdsByEventIds(ids),
    statementIdsByRelayerId: (ids) => this.kb.statementIdsByRelayerIds(ids),
    statementIdsBySourceId: (ids) => this.kb.statementIdsBySourceIds(ids),
    continuationIdsByStatementId: (ids) => this.kb.continuationIdsByStatementIds(ids),
    participationsByEntityId: (ids) => this.kb.participationsByEntityIds(ids),
    subEventIdsByEventId: (ids) => this.kb.subEventIdsByEventIds(ids),
    eventIdsByCountryId: (ids) => this.kb.eventIdsByCountryIds(ids),
    roleHoldingsByOrganizationId: (ids) => this.kb.roleHoldingsByOrganizationIds(ids),
    roleHoldingsByCountryId: (ids) => this.kb.roleHoldingsByCountryIds(ids),
    membershipsByCountryId: (ids) => this.kb.membershipsByCountryIds(ids),
    organizationIdsByCountryId: (ids) => this.kb.organizationIdsByCountryIds(ids),
    childOrganizationIdsByOrganizationId: (ids) => this.kb.childOrganizationIdsByOrganizationIds(ids),
    sourceIdsByRecordId: (ids) => this.kb.sourceIdsByRecordIds(ids),
    personIdsBySourceId: (ids) => this.kb.coveredIdsBySourceIds('persons', ids),
    organizationIdsBySourceId: (ids) => this.kb.coveredIdsBySourceIds('organizations', ids),
    countryIdsBySourceId: (ids) => this.kb.coveredIdsBySourceIds('countries', ids),
    eventIdsBySourceId: (ids) => this.kb.coveredIdsBySourceIds('events', ids),
  };

  /** The orders of the fixed lists, made on first use. */
  private fixedOrders: { sources: Ordering; retractedStatements: Ordering } | undefined;

  /** The whole list a query names, in its order, with the order's ranks for placing cursors. */
  private listOf(query: ListQuery, within?: readonly string[]): { ids: readonly string[]; order: Ordering } {
    const find = this.kb.find;
    switch (query.list) {
      case 'persons':
        return { ids: find.persons(query.filter, query.order, within), order: find.personOrders[query.order] };
      case 'countries':
        return { ids: find.countries(query.filter, query.order, within), order: find.countryOrders[query.order] };
      case 'organizations':
        return { ids: find.organizations(query.filter, query.order, within), order: find.organizationOrders[query.order] };
      case 'events':
        return { ids: find.events(query.filter, query.order, within), order: find.eventOrders[query.order] };
      case 'statements': {
        const order = find.statementOrders[query.order];
        // A relation's statements are in source order already: unfiltered, the list is the relation's own.
        const unfiltered = within !== undefined && query.order === 'SOURCE_ORDER' && Object.values(query.filter).every((value) => value === undefined);
        return { ids: unfiltered ? within : find.statements(query.filter, query.order, within), order };
      }
      default: {
        this.fixedOrders ??= { sources: new Ordering(this.kb.orderedIds.sources), retractedStatements: new Ordering(this.kb.retractedStatementIds) };
        const order = this.fixedOrders[query.list];
        return { ids: within ? order.sort(within) : order.ids, order };
      }
    }
  }

  private pageOf(query: ListQuery, window: PageWindow, within?: readonly string[]): ListPage<string> & { total: number } {
    const { ids, order } = this.listOf(query, within);
    const rankOf = (id: string) => order.rankOf(id);
    return { ...pageOfList(ids, window, (id) => rankOf(id)!, rankOf), total: ids.length };
  }

  page(query: ListQuery, window: PageWindow): Promise<ListPage<string> & { total: number }> {
    return new Promise((resolve) => resolve(this.pageOf(query, window)));
  }

  pagesWithin(query: ListQuery, window: PageWindow, within: Within): Promise<(ListPage<string> & { total: number })[]> {
    return new Promise((resolve) => {
      const lists = this.relations[within.relation](within.ids) as readonly (readonly string[])[];
      resolve(lists.map((list) => this.pageOf(query, window, list)));
    });
  }

  count(query: ListQuery): Promise<number> {
    return Promise.resolve(this.listOf(query).ids.length);
  }

  countsWithin(query: ListQuery, within: Within): Promise<number[]> {
    const lists = this.relations[within.relation](within.ids) as readonly (readonly string[])[];
    return Promise.resolve(lists.map((list) => this.listOf(query, list).ids.length));
  }

  timelinePage(query: TimelineQuery, window: PageWindow): Promise<ListPage<TimelineEntry> & { total: number }> {
    return new Promise((resolve) => {
      const entries = this.kb.find.timeline(query);
      const rankOf = (id: string) => this.kb.find.timelineRankOf(id);
      resolve({ ...pageOfList(entries, window, (entry) => rankOf(entry.id)!, rankOf), total: entries.length });
    });
  }

  timelineCount(query: TimelineQuery): Promise<number> {
    return Promise.resolve(this.kb.find.timeline(query).length);
  }

  searchPage(text: string, kinds: readonly EntityKind[] | undefined, window: PageWindow): Promise<ListPage<SearchHit> & { total: number }> {
    return new Promise((resolve) => {
      const hits = searchIndexFor(this.kb).search(text, kinds);
      // Hits are in rank order; a cursor names a hit of the same search.
      const rank = new Map(hits.map((hit, index) => [hit.recordId, index]));
      resolve({ ...pageOfList(hits, window, (hit) => rank.get(hit.recordId)!, (id) => rank.get(id)), total: hits.length });
    });
  }

  searchCount(text: string, kinds: readonly EntityKind[] | undefined): Promise<number> {
    return Promise.resolve(searchIndexFor(this.kb).search(text, kinds).length);
  }

  vertexKindsByIds(ids: readonly string[]): Promise<(VertexKind | undefined)[]> {
    const graph = entityGraphFor(this.kb);
    return Promise.resolve(ids.map((id) => graph.kindOf(id)));
  }

  private withKinds(vertices: readonly GraphVertex[]): KindedVertex[] {
    const graph = entityGraphFor(this.kb);
    return vertices.map((vertex) => ({ ...vertex, kind: graph.kindOf(vertex.id)! }));
  }

  neighborhood(center: string, depth: number, limit: number): Promise<KindedNeighborhood> {
    return new Promise((resolve) => {
      const result = entityGraphFor(this.kb).neighborhood(center, depth, limit);
      resolve({ ...result, vertices: this.withKinds(result.vertices) });
    });
  }

  shortestPath(from: string, to: string, maxLength: number): Promise<KindedPath | null> {
    return new Promise((resolve) => {
      const path: GraphPath | null = entityGraphFor(this.kb).shortestPath(from, to, maxLength);
      resolve(path && { vertices: this.withKinds(path.vertices), steps: path.steps });
    });
  }

  statistics(): Promise<Statistics> {
    return Promise.resolve(statisticsFor(this.kb));
  }

  recordCounts(): Promise<RecordCounts> {
    return Promise.resolve(this.kb.counts);
  }
}

const readers = new WeakMap<KnowledgeBase, KnowledgeReader>();

/** The reader of an in-memory snapshot, made once per snapshot. */
export function readerOf(kb: KnowledgeBase): KnowledgeReader {
  let reader = readers.get(kb);
  if (!reader) {
    reader = new SnapshotReader(kb);
    readers.set(kb, reader);
  }
  return reader;
}

/**
 * The kind of a loaded record, told by the fields only that kind has. Type resolution needs it at once,
 * for records any store returned, without asking the store again.
 */
export function kindOfRecord(record: object): RecordKind {
  if ('reports' in record || 'sourceIds' in record) return 'Statement';
  if ('roles' in record) return 'Person';
  if ('isoAlpha2' in record) return 'Country';
  if ('memberships' in record) return 'Organization';
  if ('participants' in record) return 'Event';
  return 'Source';
}

export { RecordNotFoundError };
