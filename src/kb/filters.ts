/**
 * Filtering and ordering of the root collections, answered from indexes built at load time. Each
 * condition of a filter knows how many records it allows and can test one record; a filter walks the
 * condition that allows the fewest and tests the others on each (AND), so its cost is the size of its
 * most selective condition, never the size of the collection. Statements, the large collection, also
 * have each condition's records as a list in the order asked for (in source order, the knowledge base's
 * relation lists; in a date order, that list sorted once, on first use): a filter with one condition
 * is such a list as it is, and one with several walks it, with no sort.
 */
import { DateIndex, WordIndex, dateSortKey, groupBy } from './indexes.js';
import type { KnowledgeBase, RecordsByCollection } from './knowledge-base.js';
import type { EventKind, OrganizationKind, PartialDate, StatementKind, StatementRecord } from './records.js';
import { foldText } from './text.js';

export interface PersonFilter {
  /** Only records the source has evidence about. */
  sourceId?: string;
  name?: string;
  countryId?: string;
  organizationId?: string;
  roleTitle?: string;
  isNamed?: boolean;
}

export interface CountryFilter {
  /** Only records the source has evidence about. */
  sourceId?: string;
  name?: string;
  memberOfId?: string;
}

export interface OrganizationFilter {
  /** Only records the source has evidence about. */
  sourceId?: string;
  name?: string;
  kinds?: readonly OrganizationKind[];
  memberCountryId?: string;
}

export interface EventFilter {
  /** Only records the source has evidence about. */
  sourceId?: string;
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
  /** Only statements this source reports. */
  sourceId?: string;
  /** Only statements reported by at least this many sources (corroborated). */
  minSources?: number;
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
export class Ordering {
  /** Positions, worked out on first use: many orderings are only ever read whole or sliced. */
  private rank: Map<string, number> | undefined;
  constructor(readonly ids: readonly string[]) {}
  private ranks(): Map<string, number> {
    if (!this.rank) {
      const rank = new Map<string, number>();
      this.ids.forEach((id, index) => rank.set(id, index));
      this.rank = rank;
    }
    return this.rank;
  }
  /** The subset in this order. */
  sort(subset: Iterable<string>): string[] {
    const rank = this.ranks();
    return [...subset].sort((a, b) => rank.get(a)! - rank.get(b)!);
  }
  /** Where an id stands in this order; undefined for an id it does not hold. */
  rankOf(id: string): number | undefined {
    return this.ranks().get(id);
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

/** One condition of a filter: the records it allows. */
interface Condition {
  /** How many records it allows: exactly, or at most (when counting exactly would cost a scan). */
  readonly size: number;
  /** Whether it allows one record. */
  has(id: string): boolean;
  /** The records it allows in the order the filter asked for, when an index holds them so. */
  readonly ordered?: readonly string[];
  /** The records it allows, each once, in any order; only the condition that drives a filter is asked. */
  all(): Iterable<string>;
}

const noIds: readonly string[] = Object.freeze([]);

/** The condition "one of `ids`" (a set already built by an index). */
function inSet(ids: ReadonlySet<string>): Condition {
  return { size: ids.size, has: (id) => ids.has(id), all: () => ids };
}

/** The condition "one of `ids`", for a list that may repeat ids. */
function inList(ids: readonly string[] | undefined): Condition {
  return inSet(new Set(ids ?? noIds));
}

/** Records in any of the `keys` groups (kinds, say): the group itself for one key, their union for several. */
function inGroups(groups: Map<string, Set<string>>, keys: readonly string[]): Condition {
  if (keys.length === 1) return inSet(groups.get(keys[0]!) ?? new Set());
  const union = new Set<string>();
  for (const key of keys) for (const id of groups.get(key) ?? noIds) union.add(id);
  return inSet(union);
}

/**
 * The records meeting every condition, in `ordering`: the whole ordering without conditions.
 * Walks the condition that allows the fewest records and tests the others on each, so the cost is
 * that condition's size. When the walked condition already lists its records in the order asked for,
 * the survivors need no sort, and a single such condition is its own answer.
 */
function select(conditions: readonly Condition[], ordering: Ordering): readonly string[] {
  if (conditions.length === 0) return ordering.ids;
  let driver = conditions[0]!;
  for (const condition of conditions) {
    if (condition.size < driver.size || (condition.size === driver.size && condition.ordered && !driver.ordered)) driver = condition;
  }
  const others = conditions.filter((condition) => condition !== driver);
  const passes = (id: string) => others.every((condition) => condition.has(id));
  if (driver.ordered) return others.length === 0 ? driver.ordered : driver.ordered.filter(passes);
  const survivors: string[] = [];
  for (const id of driver.all()) if (passes(id)) survivors.push(id);
  return ordering.sort(survivors);
}

/** The statement conditions answered by lists of ids under each key (a speaker, a mentioned entity, …). */
type StatementKey = 'speaker' | 'mentioned' | 'event' | 'relayer' | 'source' | 'kind';

export class Finder {
  private readonly personNames = new WordIndex();
  private readonly personRoleTitles = new WordIndex();
  private readonly countryNames = new WordIndex();
  private readonly organizationNames = new WordIndex();
  private readonly eventNames = new WordIndex();
  private readonly statementWords = new WordIndex();
  private readonly foldedStatementText = new Map<string, string>();
  private readonly namedPersonIds: Set<string>;
  /** How many distinct sources report each statement (reports in force). */
  private readonly sourceCountByStatement = new Map<string, number>();
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

  private readonly statementById = new Map<string, StatementRecord>();
  /** Statements of each kind, in source order. */
  private readonly statementIdsInSourceOrderByKind = new Map<string, string[]>();
  /** Lists of `statementsUnder` in a date order: sorted on first use, then kept (at most two per list). */
  private readonly statementsInDateOrder = new Map<string, readonly string[]>();

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
      // Every report's wording is searchable, not only the canonical one ("It is" finds "This is").
      const wordings = [...new Set([statement.text, ...statement.reports.map((report) => report.evidence.text)])].join('\n');
      this.statementWords.add(statement.id, wordings);
      this.foldedStatementText.set(statement.id, foldText(wordings));
      this.sourceCountByStatement.set(statement.id, new Set(statement.reports.map((report) => report.evidence.sourceId)).size);
      const own = statement.date;
      const eventStart = statement.saidAt ? eventById.get(statement.saidAt.eventId)?.start : undefined;
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

    for (const statement of records.statements) this.statementById.set(statement.id, statement);
    for (const id of kb.orderedIds.statements) {
      const kind = this.statementById.get(id)!.kind;
      const ids = this.statementIdsInSourceOrderByKind.get(kind);
      if (ids) ids.push(id);
      else this.statementIdsInSourceOrderByKind.set(kind, [id]);
    }
  }

  /**
   * The statements under one key of a condition (a speaker's, those of a kind, …) in `order`. In
   * source order these are the knowledge base's relation lists as they are; a date order sorts such a
   * list once, on first use, and keeps it, so a filter with one condition is a ready list.
   */
  private statementsUnder(key: StatementKey, value: string, order: StatementOrder): readonly string[] {
    const kb = this.kb;
    const inSourceOrder =
      key === 'speaker' ? kb.statementIdsBySpeakerIds([value])[0]!
      : key === 'mentioned' ? kb.statementIdsByMentionedIds([value])[0]!
      : key === 'event' ? kb.statementIdsByEventIds([value])[0]!
      : key === 'relayer' ? kb.statementIdsByRelayerIds([value])[0]!
      : key === 'source' ? kb.statementIdsBySourceIds([value])[0]!
      : (this.statementIdsInSourceOrderByKind.get(value) ?? noIds);
    if (order === 'SOURCE_ORDER' || inSourceOrder.length < 2) return inSourceOrder;
    const cacheKey = `${order} ${key} ${value}`;
    let sorted = this.statementsInDateOrder.get(cacheKey);
    if (!sorted) {
      sorted = this.statementOrders[order].sort(inSourceOrder);
      this.statementsInDateOrder.set(cacheKey, sorted);
    }
    return sorted;
  }

  /** Statements reported by at least `minimum` sources: the set built only if this condition drives the filter. */
  private corroborated(minimum: number): Condition {
    const counts = this.sourceCountByStatement;
    let ids: Set<string> | undefined;
    const all = () => (ids ??= new Set([...counts].flatMap(([id, count]) => (count >= minimum ? [id] : []))));
    return { size: counts.size, has: (id) => (counts.get(id) ?? 0) >= minimum, all };
  }

  /** Records of a kind the source has evidence about. */
  private coveredBy(kind: 'persons' | 'countries' | 'organizations' | 'events', sourceId: string): Condition {
    return inList(this.kb.coveredIdsBySourceIds(kind, [sourceId])[0]);
  }

  /** Adds the condition "one of `within`" (a relationship list) when there is one. */
  private scoped(conditions: Condition[], within: readonly string[] | undefined): Condition[] {
    if (within !== undefined) conditions.push(inList(within));
    return conditions;
  }

  /** Records whose names match `name`, word by word: none for a query without words. */
  private named(index: WordIndex, name: string): Condition {
    return inSet(index.match(name) ?? new Set());
  }

  /** Records dated within [from, to]: tested one by one, the set built only if this condition drives the filter. */
  private dated(index: DateIndex, from: string | undefined, to: string | undefined): Condition {
    return { size: index.overlappingAtMost(from, to), has: (id) => index.overlaps(id, from, to), all: () => index.overlapping(from, to) };
  }

  persons(filter: PersonFilter, order: NameOrder, within?: readonly string[]): readonly string[] {
    const conditions: Condition[] = [];
    if (filter.sourceId !== undefined) conditions.push(this.coveredBy('persons', filter.sourceId));
    if (filter.name !== undefined) conditions.push(this.named(this.personNames, filter.name));
    if (filter.countryId !== undefined) conditions.push(inList(this.kb.roleHoldingsByCountryIds([filter.countryId])[0]!.map((h) => h.personId)));
    if (filter.organizationId !== undefined) {
      conditions.push(inList(this.kb.roleHoldingsByOrganizationIds([filter.organizationId])[0]!.map((h) => h.personId)));
    }
    if (filter.roleTitle !== undefined) conditions.push(this.named(this.personRoleTitles, filter.roleTitle));
    if (filter.isNamed !== undefined) conditions.push(inSet(filter.isNamed ? this.namedPersonIds : this.unnamedPersonIds));
    return select(this.scoped(conditions, within), this.personOrders[order]);
  }

  countries(filter: CountryFilter, order: NameOrder, within?: readonly string[]): readonly string[] {
    const conditions: Condition[] = [];
    if (filter.sourceId !== undefined) conditions.push(this.coveredBy('countries', filter.sourceId));
    if (filter.name !== undefined) conditions.push(this.named(this.countryNames, filter.name));
    if (filter.memberOfId !== undefined) {
      const organization = this.kb.organizationsByIds([filter.memberOfId])[0];
      conditions.push(inList(organization instanceof Error ? [] : organization!.memberships.map((m) => m.countryId)));
    }
    return select(this.scoped(conditions, within), this.countryOrders[order]);
  }

  organizations(filter: OrganizationFilter, order: NameOrder, within?: readonly string[]): readonly string[] {
    const conditions: Condition[] = [];
    if (filter.sourceId !== undefined) conditions.push(this.coveredBy('organizations', filter.sourceId));
    if (filter.name !== undefined) conditions.push(this.named(this.organizationNames, filter.name));
    if (filter.kinds !== undefined) conditions.push(inGroups(this.organizationIdsByKind, filter.kinds));
    if (filter.memberCountryId !== undefined) {
      conditions.push(inList(this.kb.membershipsByCountryIds([filter.memberCountryId])[0]!.map((m) => m.organizationId)));
    }
    return select(this.scoped(conditions, within), this.organizationOrders[order]);
  }

  events(filter: EventFilter, order: EventOrder, within?: readonly string[]): readonly string[] {
    const conditions: Condition[] = [];
    if (filter.sourceId !== undefined) conditions.push(this.coveredBy('events', filter.sourceId));
    if (filter.name !== undefined) conditions.push(this.named(this.eventNames, filter.name));
    if (filter.kinds !== undefined) conditions.push(inGroups(this.eventIdsByKind, filter.kinds));
    if (filter.from !== undefined || filter.to !== undefined) conditions.push(this.dated(this.eventDates, filter.from, filter.to));
    if (filter.countryId !== undefined) conditions.push(inList(this.kb.eventIdsByCountryIds([filter.countryId])[0]));
    if (filter.city !== undefined) conditions.push(inSet(this.eventIdsByCity.get(foldText(filter.city.trim())) ?? new Set()));
    if (filter.participantId !== undefined) {
      conditions.push(inList(this.kb.participationsByEntityIds([filter.participantId])[0]!.map((p) => p.eventId)));
    }
    return select(this.scoped(conditions, within), this.eventOrders[order]);
  }

  statements(filter: StatementFilter, order: StatementOrder, within?: readonly string[]): readonly string[] {
    const statement = (id: string) => this.statementById.get(id);
    // A condition answered by a list in the order asked for; `test` says the same of one statement, from its record.
    const listed = (key: StatementKey, value: string, test: (s: StatementRecord) => boolean): Condition => {
      const ids = this.statementsUnder(key, value, order);
      return { size: ids.length, ordered: ids, all: () => ids, has: (id) => { const s = statement(id); return s !== undefined && test(s); } };
    };
    const conditions: Condition[] = [];
    const { speakerId, mentionedId, eventId, relayedById, kinds } = filter;
    if (speakerId !== undefined) conditions.push(listed('speaker', speakerId, (s) => s.speakerId === speakerId));
    if (mentionedId !== undefined) conditions.push(listed('mentioned', mentionedId, (s) => s.mentions.some((m) => m.entityId === mentionedId)));
    if (eventId !== undefined) conditions.push(listed('event', eventId, (s) => s.saidAt?.eventId === eventId || s.aboutEvents.some((about) => about.eventId === eventId)));
    if (relayedById !== undefined) conditions.push(listed('relayer', relayedById, (s) => s.reports.some((report) => report.relayedBy?.entityId === relayedById)));
    if (filter.sourceId !== undefined) {
      const sourceId = filter.sourceId;
      conditions.push(listed('source', sourceId, (s) => s.reports.some((report) => report.evidence.sourceId === sourceId)));
    }
    if (filter.minSources !== undefined && filter.minSources > 1) conditions.push(this.corroborated(filter.minSources));
    if (kinds !== undefined) {
      if (kinds.length === 1) conditions.push(listed('kind', kinds[0]!, (s) => s.kind === kinds[0]));
      else conditions.push(inGroups(this.statementIdsByKind, kinds));
    }
    if (filter.from !== undefined || filter.to !== undefined) conditions.push(this.dated(this.statementDates, filter.from, filter.to));
    if (filter.textContains !== undefined) conditions.push(inSet(this.statementsContaining(filter.textContains)));
    return select(this.scoped(conditions, within), this.statementOrders[order]);
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

  /** Where an event or statement stands on the whole timeline; undefined for an id it does not hold. */
  timelineRankOf(id: string): number | undefined {
    return this.timelineRank.get(id);
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
