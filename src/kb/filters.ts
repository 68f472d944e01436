/**
 * Filtering and ordering of the root collections, answered from indexes built at load time: each
 * condition yields a candidate set from an index, conditions combine with AND by intersection, and
 * the survivors are ordered by precomputed ranks. No request scans a whole collection.
 */
import { DateIndex, WordIndex, dateSortKey, groupBy, intersect } from './indexes.js';
import type { KnowledgeBase, RecordsByCollection } from './knowledge-base.js';
import type { EventKind, OrganizationKind, PartialDate, StatementKind, StatementRecord } from './records.js';
import { foldText } from './text.js';

export interface PersonFilter {
  name?: string;
  countryId?: string;
  organizationId?: string;
  roleTitle?: string;
  isNamed?: boolean;
}

export interface CountryFilter {
  name?: string;
  memberOfId?: string;
}

export interface OrganizationFilter {
  name?: string;
  kinds?: readonly OrganizationKind[];
  memberCountryId?: string;
}

export interface EventFilter {
  name?: string;
  kinds?: readonly EventKind[];
  from?: string;
  to?: string;
  countryId?: string;
  city?: string;
  participantId?: string;
}

export interface StatementFilter {
  speakerId?: string;
  mentionedId?: string;
  eventId?: string;
  relayedById?: string;
  kinds?: readonly StatementKind[];
  from?: string;
  to?: string;
  textContains?: string;
}

export type TimelineKind = 'Event' | 'Statement';

/** One event or statement placed on the timeline. */
export interface TimelineEntry {
  kind: TimelineKind;
  id: string;
  /** Null for an undated item (listed only on request, after every dated one). */
  date: PartialDate | null;
  /** True when a statement has no date of its own and is placed by the start of its event. */
  dateFromEvent: boolean;
}

export interface TimelineQuery {
  from?: string;
  to?: string;
  kinds: readonly TimelineKind[];
  includeUndated: boolean;
}

export type NameOrder = 'FILE_ORDER' | 'NAME_ASC' | 'NAME_DESC';
export type DateOrder = 'DATE_ASC' | 'DATE_DESC';
export type StatementOrder = 'SOURCE_ORDER' | DateOrder;
export type EventOrder = NameOrder | DateOrder;

/** Ids in one order, with each id's position for sorting any subset the same way. */
class Ordering {
  readonly rank = new Map<string, number>();
  constructor(readonly ids: readonly string[]) {
    ids.forEach((id, index) => this.rank.set(id, index));
  }
  /** The subset in this order. */
  sort(subset: Iterable<string>): string[] {
    return [...subset].sort((a, b) => this.rank.get(a)! - this.rank.get(b)!);
  }
}

/** Ascending and descending orderings from a sort key; ties keep file order in both directions. */
function orderingsBy<K extends string>(ids: readonly string[], keyOf: (id: string) => string, ascending: K, descending: K): Record<K, Ordering> {
  const keyed = ids.map((id, index) => ({ id, key: keyOf(id), index }));
  const asc = [...keyed].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  const desc = [...keyed].sort((a, b) => (a.key > b.key ? -1 : a.key < b.key ? 1 : a.index - b.index));
  return { [ascending]: new Ordering(asc.map((e) => e.id)), [descending]: new Ordering(desc.map((e) => e.id)) } as Record<K, Ordering>;
}

/**
 * Date orderings: dated records by `dateSortKey` (earliest first or latest first), undated records
 * after them in file order either way, so the undated never pose as the oldest or the newest.
 */
function dateOrderings(ids: readonly string[], dateOf: (id: string) => PartialDate | undefined): Record<'DATE_ASC' | 'DATE_DESC', Ordering> {
  const dated = ids.filter((id) => dateOf(id) !== undefined);
  const undated = ids.filter((id) => dateOf(id) === undefined);
  const { DATE_ASC, DATE_DESC } = orderingsBy(dated, (id) => dateSortKey(dateOf(id)!), 'DATE_ASC', 'DATE_DESC');
  return { DATE_ASC: new Ordering([...DATE_ASC.ids, ...undated]), DATE_DESC: new Ordering([...DATE_DESC.ids, ...undated]) };
}

/** AND of optional candidate sets: undefined means "no condition". */
function and(current: Set<string> | undefined, next: Set<string> | undefined): Set<string> | undefined {
  if (next === undefined) return current;
  return current === undefined ? next : intersect(current, next);
}

function setOf(ids: Iterable<string> | undefined): Set<string> {
  return new Set(ids ?? []);
}

function unionOf(groups: Map<string, Set<string>>, keys: readonly string[]): Set<string> {
  const result = new Set<string>();
  for (const key of keys) for (const id of groups.get(key) ?? []) result.add(id);
  return result;
}

export class Finder {
  private readonly personNames = new WordIndex();
  private readonly personRoleTitles = new WordIndex();
  private readonly countryNames = new WordIndex();
  private readonly organizationNames = new WordIndex();
  private readonly eventNames = new WordIndex();
  private readonly statementWords = new WordIndex();
  private readonly foldedStatementText = new Map<string, string>();
  private readonly namedPersonIds: Set<string>;
  private readonly unnamedPersonIds: Set<string>;
  private readonly organizationIdsByKind: Map<string, Set<string>>;
  private readonly eventIdsByKind: Map<string, Set<string>>;
  private readonly eventIdsByCity: Map<string, Set<string>>;
  private readonly statementIdsByKind: Map<string, Set<string>>;
  private readonly eventDates: DateIndex;
  private readonly statementDates: DateIndex;

  readonly personOrders: Record<NameOrder, Ordering>;
  readonly countryOrders: Record<NameOrder, Ordering>;
  readonly organizationOrders: Record<NameOrder, Ordering>;
  readonly eventOrders: Record<EventOrder, Ordering>;
  readonly statementOrders: Record<StatementOrder, Ordering>;

  /** When a statement happened for ordering and date filters: its own date, else its event's start. */
  readonly statementDate = new Map<string, { date: PartialDate; fromEvent: boolean }>();

  /** Every dated event and statement in timeline order, then the undated ones (events, then statements). */
  private readonly timelineEntries: TimelineEntry[];
  private readonly timelineRank = new Map<string, number>();
  /** The undated-range timeline for each choice of kinds, computed on first use (there are six). */
  private readonly timelineViews = new Map<string, readonly TimelineEntry[]>();

  constructor(
    records: RecordsByCollection,
    private readonly kb: KnowledgeBase,
  ) {
    const displayName = new Map<string, string>();
    for (const person of records.persons) {
      displayName.set(person.id, foldText(person.name ?? person.label ?? person.id));
      for (const name of [person.name, person.label, ...person.aliases]) if (name) this.personNames.add(person.id, name);
      for (const role of person.roles) this.personRoleTitles.add(person.id, `${role.title} ${role.statedAs ?? ''}`);
    }
    this.namedPersonIds = new Set(records.persons.filter((p) => p.name !== null).map((p) => p.id));
    this.unnamedPersonIds = new Set(records.persons.filter((p) => p.name === null).map((p) => p.id));
    for (const country of records.countries) {
      displayName.set(country.id, foldText(country.name));
      for (const name of [country.name, ...country.aliases, country.isoAlpha2, country.isoAlpha3]) this.countryNames.add(country.id, name);
    }
    for (const organization of records.organizations) {
      displayName.set(organization.id, foldText(organization.name));
      for (const name of [organization.name, ...organization.aliases]) this.organizationNames.add(organization.id, name);
    }
    for (const event of records.events) {
      displayName.set(event.id, foldText(event.name));
      for (const name of [event.name, ...event.aliases]) this.eventNames.add(event.id, name);
    }
    const eventById = new Map(records.events.map((event) => [event.id, event]));
    for (const statement of records.statements) {
      this.statementWords.add(statement.id, statement.text);
      this.foldedStatementText.set(statement.id, foldText(statement.text));
      const own = statement.date;
      const eventStart = statement.saidAtEventId ? eventById.get(statement.saidAtEventId)?.start : undefined;
      if (own) this.statementDate.set(statement.id, { date: own, fromEvent: false });
      else if (eventStart) this.statementDate.set(statement.id, { date: eventStart, fromEvent: true });
    }

    this.organizationIdsByKind = groupBy(records.organizations, (o) => [o.kind], (o) => o.id);
    this.eventIdsByKind = groupBy(records.events, (e) => [e.kind], (e) => e.id);
    this.eventIdsByCity = groupBy(records.events, (e) => e.locations.flatMap((l) => (l.city ? [foldText(l.city)] : [])), (e) => e.id);
    this.statementIdsByKind = groupBy(records.statements, (s: StatementRecord) => [s.kind], (s) => s.id);
    this.eventDates = new DateIndex(records.events.flatMap((e) => (e.start ? [{ id: e.id, start: e.start, end: e.end }] : [])));
    this.statementDates = new DateIndex([...this.statementDate].map(([id, { date }]) => ({ id, start: date })));

    const byName = (ids: readonly string[]) => orderingsBy(ids, (id) => displayName.get(id)!, 'NAME_ASC', 'NAME_DESC');
    const fileOrder = (ids: readonly string[]) => ({ FILE_ORDER: new Ordering(ids) });
    this.personOrders = { ...fileOrder(kb.orderedIds.persons), ...byName(kb.orderedIds.persons) };
    this.countryOrders = { ...fileOrder(kb.orderedIds.countries), ...byName(kb.orderedIds.countries) };
    this.organizationOrders = { ...fileOrder(kb.orderedIds.organizations), ...byName(kb.orderedIds.organizations) };
    this.eventOrders = {
      ...fileOrder(kb.orderedIds.events),
      ...byName(kb.orderedIds.events),
      ...dateOrderings(kb.orderedIds.events, (id) => eventById.get(id)?.start),
    };
    const dated: (TimelineEntry & { key: string; index: number })[] = [];
    const undated: TimelineEntry[] = [];
    records.events.forEach((event, index) => {
      if (event.start) dated.push({ kind: 'Event', id: event.id, date: event.start, dateFromEvent: false, key: dateSortKey(event.start), index });
      else undated.push({ kind: 'Event', id: event.id, date: null, dateFromEvent: false });
    });
    records.statements.forEach((statement, index) => {
      const placed = this.statementDate.get(statement.id);
      if (placed) {
        const entry = { kind: 'Statement' as const, id: statement.id, date: placed.date, dateFromEvent: placed.fromEvent };
        dated.push({ ...entry, key: dateSortKey(placed.date), index: records.events.length + index });
      } else undated.push({ kind: 'Statement', id: statement.id, date: null, dateFromEvent: false });
    });
    // On the same key an event comes before what was said at or about it, then data order.
    dated.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
    this.timelineEntries = [...dated.map(({ key: _key, index: _index, ...entry }) => entry), ...undated];
    this.timelineEntries.forEach((entry, rank) => this.timelineRank.set(entry.id, rank));

    this.statementOrders = { SOURCE_ORDER: new Ordering(kb.orderedIds.statements), ...dateOrderings(kb.orderedIds.statements, (id) => this.statementDate.get(id)?.date) };
  }

  /** Runs the candidate sets through the ordering; no conditions means the whole ordering as is. */
  private finish(candidates: Set<string> | undefined, ordering: Ordering, within: readonly string[] | undefined): readonly string[] {
    const scoped = within === undefined ? candidates : and(candidates, new Set(within));
    return scoped === undefined ? ordering.ids : ordering.sort(scoped);
  }

  persons(filter: PersonFilter, order: NameOrder, within?: readonly string[]): readonly string[] {
    let ids: Set<string> | undefined;
    if (filter.name !== undefined) ids = and(ids, this.personNames.match(filter.name) ?? new Set());
    if (filter.countryId !== undefined) ids = and(ids, setOf(this.kb.roleHoldingsByCountryIds([filter.countryId])[0]!.map((h) => h.personId)));
    if (filter.organizationId !== undefined) {
      ids = and(ids, setOf(this.kb.roleHoldingsByOrganizationIds([filter.organizationId])[0]!.map((h) => h.personId)));
    }
    if (filter.roleTitle !== undefined) ids = and(ids, this.personRoleTitles.match(filter.roleTitle) ?? new Set());
    if (filter.isNamed !== undefined) ids = and(ids, filter.isNamed ? this.namedPersonIds : this.unnamedPersonIds);
    return this.finish(ids, this.personOrders[order], within);
  }

  countries(filter: CountryFilter, order: NameOrder, within?: readonly string[]): readonly string[] {
    let ids: Set<string> | undefined;
    if (filter.name !== undefined) ids = and(ids, this.countryNames.match(filter.name) ?? new Set());
    if (filter.memberOfId !== undefined) {
      const organization = this.kb.organizationsByIds([filter.memberOfId])[0];
      ids = and(ids, setOf(organization instanceof Error ? [] : organization!.memberships.map((m) => m.countryId)));
    }
    return this.finish(ids, this.countryOrders[order], within);
  }

  organizations(filter: OrganizationFilter, order: NameOrder, within?: readonly string[]): readonly string[] {
    let ids: Set<string> | undefined;
    if (filter.name !== undefined) ids = and(ids, this.organizationNames.match(filter.name) ?? new Set());
    if (filter.kinds !== undefined) ids = and(ids, unionOf(this.organizationIdsByKind, filter.kinds));
    if (filter.memberCountryId !== undefined) {
      ids = and(ids, setOf(this.kb.membershipsByCountryIds([filter.memberCountryId])[0]!.map((m) => m.organizationId)));
    }
    return this.finish(ids, this.organizationOrders[order], within);
  }

  events(filter: EventFilter, order: EventOrder, within?: readonly string[]): readonly string[] {
    let ids: Set<string> | undefined;
    if (filter.name !== undefined) ids = and(ids, this.eventNames.match(filter.name) ?? new Set());
    if (filter.kinds !== undefined) ids = and(ids, unionOf(this.eventIdsByKind, filter.kinds));
    if (filter.from !== undefined || filter.to !== undefined) ids = and(ids, this.eventDates.overlapping(filter.from, filter.to));
    if (filter.countryId !== undefined) ids = and(ids, setOf(this.kb.eventIdsByCountryIds([filter.countryId])[0]));
    if (filter.city !== undefined) ids = and(ids, setOf(this.eventIdsByCity.get(foldText(filter.city.trim()))));
    if (filter.participantId !== undefined) {
      ids = and(ids, setOf(this.kb.participationsByEntityIds([filter.participantId])[0]!.map((p) => p.eventId)));
    }
    return this.finish(ids, this.eventOrders[order], within);
  }

  statements(filter: StatementFilter, order: StatementOrder, within?: readonly string[]): readonly string[] {
    let ids: Set<string> | undefined;
    if (filter.speakerId !== undefined) ids = and(ids, setOf(this.kb.statementIdsBySpeakerIds([filter.speakerId])[0]));
    if (filter.mentionedId !== undefined) ids = and(ids, setOf(this.kb.statementIdsByMentionedIds([filter.mentionedId])[0]));
    if (filter.eventId !== undefined) ids = and(ids, setOf(this.kb.statementIdsByEventIds([filter.eventId])[0]));
    if (filter.relayedById !== undefined) ids = and(ids, setOf(this.kb.statementIdsByRelayerIds([filter.relayedById])[0]));
    if (filter.kinds !== undefined) ids = and(ids, unionOf(this.statementIdsByKind, filter.kinds));
    if (filter.from !== undefined || filter.to !== undefined) ids = and(ids, this.statementDates.overlapping(filter.from, filter.to));
    if (filter.textContains !== undefined) ids = and(ids, this.statementsContaining(filter.textContains));
    return this.finish(ids, this.statementOrders[order], within);
  }

  /**
   * Events and statements in time order (see `dateSortKey`), optionally within [from, to]; undated
   * items, which can never match a date range, follow the dated ones when asked for.
   */
  timeline(query: TimelineQuery): readonly TimelineEntry[] {
    if (query.from === undefined && query.to === undefined) {
      const viewKey = `${[...query.kinds].sort().join('+')}|${query.includeUndated}`;
      let view = this.timelineViews.get(viewKey);
      if (!view) {
        view = this.timelineEntries.filter((entry) => query.kinds.includes(entry.kind) && (entry.date !== null || query.includeUndated));
        this.timelineViews.set(viewKey, view);
      }
      return view;
    }
    const ids = new Set<string>();
    if (query.kinds.includes('Event')) for (const id of this.eventDates.overlapping(query.from, query.to)) ids.add(id);
    if (query.kinds.includes('Statement')) for (const id of this.statementDates.overlapping(query.from, query.to)) ids.add(id);
    return [...ids].sort((a, b) => this.timelineRank.get(a)! - this.timelineRank.get(b)!).map((id) => this.timelineEntries[this.timelineRank.get(id)!]!);
  }

  /** Statements whose folded text contains the folded phrase: candidates from the word index, then checked. */
  private statementsContaining(phrase: string): Set<string> {
    const folded = foldText(phrase).trim();
    const candidates = this.statementWords.match(phrase);
    if (candidates === undefined) return new Set(folded === '' ? this.foldedStatementText.keys() : []);
    const result = new Set<string>();
    for (const id of candidates) if (this.foldedStatementText.get(id)!.includes(folded)) result.add(id);
    return result;
  }
}
