/**
 * The loaded knowledge base: validated records plus the indexes built from them once, at load time.
 *
 * Its `…ByIds` methods are the batch functions behind the per-request loaders: each takes a list of
 * keys and returns one result per key, in key order (an Error for an unknown id, an empty list for a
 * key with no relations), and never scans a whole collection.
 */
import type {
  CountryRecord,
  EventRecord,
  MembershipRecord,
  OrganizationRecord,
  ParticipationRecord,
  PersonRecord,
  RoleRecord,
  SourceRecord,
  StatementRecord,
} from './records.js';
import { coverageOf, firstReport, reportsInForce, sourceIdsOfStatement } from './coverage.js';
import { Finder } from './filters.js';

export type EntityKind = 'Person' | 'Country' | 'Organization' | 'Event' | 'Statement';

/** The kinds of record a statement can be attributed to (its `speakerId`). */
export const SPEAKER_KINDS = ['Person', 'Organization', 'Country'] as const satisfies readonly EntityKind[];
export type RecordKind = EntityKind | 'Source';

export interface RecordsByCollection {
  sources: SourceRecord[];
  persons: PersonRecord[];
  countries: CountryRecord[];
  organizations: OrganizationRecord[];
  events: EventRecord[];
  statements: StatementRecord[];
}

export interface DatasetInfo {
  /** A content hash of the data files: changes whenever the knowledge changes. */
  version: string;
  /** SHA-256 (hex) of each data file's bytes, by file name ("persons.json"). */
  fileDigests: Readonly<Record<string, string>>;
  loadedAt: Date;
  dataDir: string;
}

/** A snapshot's version and load time as every answer reports them (the load time as ISO 8601 text). */
export interface DatasetStamp {
  version: string;
  loadedAt: string;
}

const stamps = new WeakMap<object, { version: string; loadedAt: Date; stamp: DatasetStamp }>();

/** The stamp of a snapshot, made once: formatting its date on every answer was measurable. */
export function datasetStampOf(info: { readonly version: string; readonly loadedAt: Date }): DatasetStamp {
  let known = stamps.get(info);
  if (!known || known.version !== info.version || known.loadedAt !== info.loadedAt) {
    known = { version: info.version, loadedAt: info.loadedAt, stamp: { version: info.version, loadedAt: info.loadedAt.toISOString() } };
    stamps.set(info, known);
  }
  return known.stamp;
}

/** A role together with the person who holds it. */
export interface RoleHolding {
  personId: string;
  role: RoleRecord;
  /** The role's index in the person's stored list of roles, retracted ones counted. */
  position: number;
}

/** A membership together with the organization it is in. */
export interface MembershipHolding {
  organizationId: string;
  membership: MembershipRecord;
  /** The membership's index in the organization's stored list, retracted ones counted. */
  position: number;
}

/** A participation together with the event it is in. */
export interface EventParticipation {
  eventId: string;
  participation: ParticipationRecord;
  /** The participation's index in the event's stored list of participants, retracted ones counted. */
  position: number;
}

export class RecordNotFoundError extends Error {
  override name = 'RecordNotFoundError';
  constructor(
    readonly kind: RecordKind,
    readonly id: string,
  ) {
    super(`No ${kind} with id "${id}"`);
  }
}

/** Appends `value` to the list under `key`, creating the list on first use. */
function push<V>(index: Map<string, V[]>, key: string, value: V): void {
  const list = index.get(key);
  if (list) list.push(value);
  else index.set(key, [value]);
}

/**
 * Like `push`, without repeating a value. Every caller adds all the values of one record (an event's
 * countries, a statement's mentions) before the next record's, and record ids are unique, so a repeat
 * can only be the last value of the list: checking it keeps this O(1) where `includes` made hub keys
 * (a country in thousands of statements) quadratic.
 */
function pushUnique(index: Map<string, string[]>, key: string, value: string): void {
  const list = index.get(key);
  if (!list) index.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

const noIds: readonly string[] = Object.freeze([]);

/** Any top-level record. */
export type StoredRecord = RecordsByCollection[keyof RecordsByCollection][number];

function withoutRetracted<R extends { retracted?: unknown }>(items: R[]): R[] {
  return items.some((item) => item.retracted) ? items.filter((item) => !item.retracted) : items;
}

function withoutMerged<R extends { mergedInto?: unknown }>(items: R[]): R[] {
  return items.some((item) => item.mergedInto) ? items.filter((item) => !item.mergedInto) : items;
}

/**
 * One record as default queries see it: retracted roles, memberships, participations and reports left
 * out (the record copied only when it has one). A retracted statement itself is the caller's to keep or
 * leave out. For any store that holds records as stored.
 */
export const inForceFormOf = {
  persons: (person: PersonRecord): PersonRecord => {
    const roles = withoutRetracted(person.roles);
    return roles === person.roles ? person : { ...person, roles };
  },
  organizations: (organization: OrganizationRecord): OrganizationRecord => {
    const memberships = withoutRetracted(organization.memberships);
    return memberships === organization.memberships ? organization : { ...organization, memberships };
  },
  events: (event: EventRecord): EventRecord => {
    const participants = withoutRetracted(event.participants);
    return participants === event.participants ? event : { ...event, participants };
  },
  statements: (statement: StatementRecord): StatementRecord => {
    const reports = reportsInForce(statement);
    return reports === statement.reports ? statement : { ...statement, reports };
  },
};

/**
 * The records as default queries see them: merged and retracted statements left out, merged records
 * left out, and the others in their in-force form (inForceFormOf). Statements stay in the order given.
 */
export function visibleRecordsOf(all: RecordsByCollection): RecordsByCollection {
  return {
    sources: all.sources,
    persons: withoutMerged(all.persons).map(inForceFormOf.persons),
    countries: withoutMerged(all.countries),
    organizations: withoutMerged(all.organizations).map(inForceFormOf.organizations),
    events: withoutMerged(all.events).map(inForceFormOf.events),
    statements: withoutRetracted(withoutMerged(all.statements).map(inForceFormOf.statements)),
  };
}

/**
 * The statements in the order their words appear in the sources (sources in file order), so every
 * statement list, from `statements` to a person's, reads in source order whatever the file order. A
 * statement several sources report stands where its first report stands; ties keep file order.
 */
export function inSourceOrder(stored: Pick<RecordsByCollection, 'sources' | 'statements'>): StatementRecord[] {
  const sourceRank = new Map(stored.sources.map((source, index) => [source.id, index]));
  const placeOf = new Map(
    stored.statements.map((statement) => {
      const { evidence } = firstReport(statement);
      return [statement.id, [sourceRank.get(evidence.sourceId)!, evidence.start] as const];
    }),
  );
  return [...stored.statements].sort((a, b) => {
    const [rankA, startA] = placeOf.get(a.id)!;
    const [rankB, startB] = placeOf.get(b.id)!;
    return rankA - rankB || startA - startB;
  });
}

const collectionKinds = { persons: 'Person', countries: 'Country', organizations: 'Organization', events: 'Event' } as const;

export class KnowledgeBase {
  readonly info: DatasetInfo;
  /**
   * The validated records as default queries see them (nothing retracted), for indexes derived from
   * the whole knowledge base (search, the entity graph, statistics).
   */
  readonly records: Readonly<RecordsByCollection>;
  /** Every record as stored in the files, in file order, retracted facts included: what writers start from. */
  readonly stored: Readonly<RecordsByCollection>;
  /** Retracted statements, in source order: listed only when asked for. */
  readonly retractedStatementIds: readonly string[];
  /** For each merged record, the record it now resolves to (following merges of merges). */
  readonly mergedInto: ReadonlyMap<string, string>;
  /** Filtering and ordering of the root collections. */
  readonly find: Finder;
  /** Ids of each collection in file order: the default order of the root connections. */
  readonly orderedIds: Readonly<Record<keyof RecordsByCollection, readonly string[]>>;

  private readonly kindById = new Map<string, RecordKind>();
  private readonly sources = new Map<string, SourceRecord>();
  private readonly persons = new Map<string, PersonRecord>();
  private readonly countries = new Map<string, CountryRecord>();
  private readonly organizations = new Map<string, OrganizationRecord>();
  private readonly events = new Map<string, EventRecord>();
  private readonly statements = new Map<string, StatementRecord>();
  private readonly countryIdByIsoCode = new Map<string, string>();
  private readonly storedById = new Map<string, StoredRecord>();

  private readonly statementIdsBySpeaker = new Map<string, string[]>();
  private readonly statementIdsByMentioned = new Map<string, string[]>();
  private readonly statementIdsByEvent = new Map<string, string[]>();
  private readonly statementIdsByRelayer = new Map<string, string[]>();
  private readonly statementIdsBySource = new Map<string, string[]>();
  /** Which sources have evidence about which records: built on first use, since only source filters and pages read it. */
  private coverage: (ReturnType<typeof coverageOf> & { fileRank: Map<string, number> }) | undefined;
  private readonly coveredIdsBySourceAndKind = new Map<string, string[]>();
  private readonly continuationIdsByStatement = new Map<string, string[]>();
  private readonly participationsByEntity = new Map<string, EventParticipation[]>();
  private readonly subEventIdsByEvent = new Map<string, string[]>();
  private readonly eventIdsByCountry = new Map<string, string[]>();
  private readonly roleHoldingsByOrganization = new Map<string, RoleHolding[]>();
  private readonly roleHoldingsByCountry = new Map<string, RoleHolding[]>();
  private readonly membershipsByCountry = new Map<string, MembershipHolding[]>();
  private readonly organizationIdsByCountry = new Map<string, string[]>();
  private readonly childOrganizationIdsByOrganization = new Map<string, string[]>();

  constructor(stored: RecordsByCollection, info: DatasetInfo) {
    this.info = info;
    this.stored = stored;
    for (const collection of Object.values(stored)) for (const record of collection as StoredRecord[]) this.storedById.set(record.id, record);
    const statementsInSourceOrder = inSourceOrder(stored);
    const records = visibleRecordsOf({ ...stored, statements: statementsInSourceOrder });
    this.records = records;
    const retractedStatements = statementsInSourceOrder.filter((statement) => statement.retracted && !statement.mergedInto);
    this.retractedStatementIds = retractedStatements.map((statement) => statement.id);
    this.orderedIds = Object.freeze({
      sources: records.sources.map((r) => r.id),
      persons: records.persons.map((r) => r.id),
      countries: records.countries.map((r) => r.id),
      organizations: records.organizations.map((r) => r.id),
      events: records.events.map((r) => r.id),
      statements: records.statements.map((r) => r.id),
    });
    this.register(records.sources, this.sources, 'Source');
    this.register(records.persons, this.persons, 'Person');
    this.register(records.countries, this.countries, 'Country');
    this.register(records.organizations, this.organizations, 'Organization');
    this.register(records.events, this.events, 'Event');
    this.register(records.statements, this.statements, 'Statement');
    // A retracted statement is still found by its id (with its retraction), though no list shows it by default.
    this.register(retractedStatements, this.statements, 'Statement');

    // A merged record's id (and slug) resolves to the record kept, through any later merges.
    const mergedInto = new Map<string, string>();
    for (const collection of Object.keys(stored) as (keyof RecordsByCollection)[]) {
      for (const record of stored[collection] as StoredRecord[]) {
        if ('mergedInto' in record && record.mergedInto) mergedInto.set(record.id, record.mergedInto.id);
      }
    }
    for (const [from, to] of mergedInto) {
      let target = to;
      for (let hops = 0; mergedInto.has(target) && hops < mergedInto.size; hops += 1) target = mergedInto.get(target)!;
      mergedInto.set(from, target);
      const kind = this.kindById.get(target);
      if (kind) this.kindById.set(from, kind);
    }
    this.mergedInto = mergedInto;
    for (const [from, to] of mergedInto) {
      for (const byId of [this.persons, this.countries, this.organizations, this.events, this.statements] as Map<string, unknown>[]) {
        const kept = byId.get(to);
        if (kept) byId.set(from, kept);
      }
    }

    for (const country of records.countries) this.countryIdByIsoCode.set(country.isoAlpha2, country.id).set(country.isoAlpha3, country.id);

    for (const person of records.persons) {
      const storedRoles = (this.storedById.get(person.id) as PersonRecord).roles;
      for (const role of person.roles) {
        const holding = { personId: person.id, role, position: storedRoles.indexOf(role) };
        if (role.organizationId) push(this.roleHoldingsByOrganization, role.organizationId, holding);
        if (role.countryId) push(this.roleHoldingsByCountry, role.countryId, holding);
      }
    }
    for (const organization of records.organizations) {
      if (organization.country) push(this.organizationIdsByCountry, organization.country.countryId, organization.id);
      if (organization.parent) push(this.childOrganizationIdsByOrganization, organization.parent.organizationId, organization.id);
      const storedMemberships = (this.storedById.get(organization.id) as OrganizationRecord).memberships;
      for (const membership of organization.memberships) {
        push(this.membershipsByCountry, membership.countryId, { organizationId: organization.id, membership, position: storedMemberships.indexOf(membership) });
      }
    }
    for (const event of records.events) {
      if (event.partOf) push(this.subEventIdsByEvent, event.partOf.eventId, event.id);
      for (const location of event.locations) {
        if (location.countryId) pushUnique(this.eventIdsByCountry, location.countryId, event.id);
      }
      const storedParticipants = (this.storedById.get(event.id) as EventRecord).participants;
      for (const participation of event.participants) {
        push(this.participationsByEntity, participation.entityId, { eventId: event.id, participation, position: storedParticipants.indexOf(participation) });
      }
    }
    for (const statement of records.statements) {
      if (statement.speakerId) push(this.statementIdsBySpeaker, statement.speakerId, statement.id);
      for (const report of statement.reports) if (report.relayedBy) pushUnique(this.statementIdsByRelayer, report.relayedBy.entityId, statement.id);
      if (statement.continuesId) push(this.continuationIdsByStatement, statement.continuesId, statement.id);
      for (const eventId of [statement.saidAt?.eventId, ...statement.aboutEvents.map((about) => about.eventId)]) {
        if (eventId) pushUnique(this.statementIdsByEvent, eventId, statement.id);
      }
      for (const mention of statement.mentions) pushUnique(this.statementIdsByMentioned, mention.entityId, statement.id);
      for (const sourceId of sourceIdsOfStatement(statement)) push(this.statementIdsBySource, sourceId, statement.id);
    }

    // Last: the finder reads the relation indexes built above.
    this.find = new Finder(records, this);
  }

  private register<R extends { id: string }>(records: R[], byId: Map<string, R>, kind: RecordKind): void {
    for (const record of records) {
      byId.set(record.id, record);
      this.kindById.set(record.id, kind);
    }
  }

  /** The id a record answers to now: the kept record's for a merged one, else the id itself. */
  resolveId(id: string): string {
    return this.mergedInto.get(id) ?? id;
  }

  /** The record with this id as stored, retracted roles, memberships and participations included; undefined for an unknown id. */
  storedRecord(id: string): StoredRecord | undefined {
    return this.storedById.get(id);
  }

  /** The kind of record an id names (ids are unique across kinds), or undefined. */
  kindOf(id: string): RecordKind | undefined {
    return this.kindById.get(id);
  }

  /** The country with this ISO 3166-1 alpha-2 or alpha-3 code (any case), or undefined. */
  countryIdForIsoCode(code: string): string | undefined {
    return this.countryIdByIsoCode.get(code.toUpperCase());
  }

  /**
   * How many records of each kind are in force: what each root list's `totalCount` says unfiltered.
   * Not the lookup maps' sizes, which also hold every merged-away id (it finds the record it was
   * merged into) and the retracted statements.
   */
  get counts(): Record<keyof RecordsByCollection, number> {
    const { records } = this;
    return {
      sources: records.sources.length,
      persons: records.persons.length,
      countries: records.countries.length,
      organizations: records.organizations.length,
      events: records.events.length,
      statements: records.statements.length,
    };
  }

  private lookup<R>(byId: Map<string, R>, kind: RecordKind, ids: readonly string[]): (R | RecordNotFoundError)[] {
    return ids.map((id) => byId.get(id) ?? new RecordNotFoundError(kind, id));
  }

  sourcesByIds(ids: readonly string[]) {
    return this.lookup(this.sources, 'Source', ids);
  }
  personsByIds(ids: readonly string[]) {
    return this.lookup(this.persons, 'Person', ids);
  }
  countriesByIds(ids: readonly string[]) {
    return this.lookup(this.countries, 'Country', ids);
  }
  organizationsByIds(ids: readonly string[]) {
    return this.lookup(this.organizations, 'Organization', ids);
  }
  eventsByIds(ids: readonly string[]) {
    return this.lookup(this.events, 'Event', ids);
  }
  statementsByIds(ids: readonly string[]) {
    return this.lookup(this.statements, 'Statement', ids);
  }

  private related<V>(index: Map<string, V[]>, keys: readonly string[]): readonly V[][] {
    return keys.map((key) => index.get(key) ?? (noIds as V[]));
  }

  /** Which sources cover which records, and each record's place in its collection's file order (merged records left out). */
  private coverageIndex() {
    if (!this.coverage) {
      const fileRank = new Map<string, number>();
      for (const ids of Object.values(this.orderedIds)) ids.forEach((id, index) => fileRank.set(id, index));
      this.coverage = { ...coverageOf(this.records), fileRank };
    }
    return this.coverage;
  }

  /** Sources with evidence about each record (a statement's reports, an entity's names, roles, mentions …), in first-seen order. */
  sourceIdsByRecordIds(ids: readonly string[]): readonly string[][] {
    const { sourceIdsByRecord } = this.coverageIndex();
    return ids.map((id) => sourceIdsByRecord.get(this.resolveId(id)) ?? (noIds as string[]));
  }
  /** Records of one kind that each source has evidence about, in the kind's file order. */
  coveredIdsBySourceIds(kind: 'persons' | 'countries' | 'organizations' | 'events', sourceIds: readonly string[]): readonly string[][] {
    return sourceIds.map((sourceId) => {
      const key = `${kind} ${sourceId}`;
      let ids = this.coveredIdsBySourceAndKind.get(key);
      if (!ids) {
        // From the source's own records, not a pass over every record of the kind for each source.
        const kindName = collectionKinds[kind];
        const { recordIdsBySource, fileRank } = this.coverageIndex();
        const covered = [...(recordIdsBySource.get(sourceId) ?? [])].filter((id) => this.kindById.get(id) === kindName && fileRank.has(id));
        ids = covered.length === 0 ? (noIds as string[]) : covered.sort((a, b) => fileRank.get(a)! - fileRank.get(b)!);
        this.coveredIdsBySourceAndKind.set(key, ids);
      }
      return ids;
    });
  }
  /** Statements each person, organization or country said, in source order. */
  statementIdsBySpeakerIds(personIds: readonly string[]) {
    return this.related(this.statementIdsBySpeaker, personIds);
  }
  /** Statements that mention each entity. */
  statementIdsByMentionedIds(entityIds: readonly string[]) {
    return this.related(this.statementIdsByMentioned, entityIds);
  }
  /** Statements made at or about each event. */
  statementIdsByEventIds(eventIds: readonly string[]) {
    return this.related(this.statementIdsByEvent, eventIds);
  }
  /** Statements each person, organization or event passed on for someone else. */
  statementIdsByRelayerIds(ids: readonly string[]) {
    return this.related(this.statementIdsByRelayer, ids);
  }
  /** Statements each source reports (retracted reports aside). */
  statementIdsBySourceIds(sourceIds: readonly string[]) {
    return this.related(this.statementIdsBySource, sourceIds);
  }
  /** Statements that continue each statement (the later parts of a split quote). */
  continuationIdsByStatementIds(statementIds: readonly string[]) {
    return this.related(this.continuationIdsByStatement, statementIds);
  }
  /** Events each person, organization or country took part in, with its part. */
  participationsByEntityIds(entityIds: readonly string[]) {
    return this.related(this.participationsByEntity, entityIds);
  }
  /** Events that are part of each event. */
  subEventIdsByEventIds(eventIds: readonly string[]) {
    return this.related(this.subEventIdsByEvent, eventIds);
  }
  /** Events located in each country. */
  eventIdsByCountryIds(countryIds: readonly string[]) {
    return this.related(this.eventIdsByCountry, countryIds);
  }
  /** People holding a role at each organization. */
  roleHoldingsByOrganizationIds(organizationIds: readonly string[]) {
    return this.related(this.roleHoldingsByOrganization, organizationIds);
  }
  /** People holding a role for each country. */
  roleHoldingsByCountryIds(countryIds: readonly string[]) {
    return this.related(this.roleHoldingsByCountry, countryIds);
  }
  /** Organizations each country is a member of. */
  membershipsByCountryIds(countryIds: readonly string[]) {
    return this.related(this.membershipsByCountry, countryIds);
  }
  /** Organizations that belong to each country (national bodies). */
  organizationIdsByCountryIds(countryIds: readonly string[]) {
    return this.related(this.organizationIdsByCountry, countryIds);
  }
  /** Organizations whose parent is each organization. */
  childOrganizationIdsByOrganizationIds(organizationIds: readonly string[]) {
    return this.related(this.childOrganizationIdsByOrganization, organizationIds);
  }
}
