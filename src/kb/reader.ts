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
  type EventParticipation,
  type KnowledgeBase,
  type MembershipHolding,
  type RecordKind,
  type RoleHolding,
  type StoredRecord,
} from './knowledge-base.js';
import type { CountryRecord, EventRecord, OrganizationRecord, PersonRecord, SourceRecord, StatementRecord } from './records.js';

/** The record type of each kind, as default queries see it (retracted roles, memberships, participations and reports left out). */
export interface RecordOfKind {
  Source: SourceRecord;
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

export interface KnowledgeReader {
  /** Records of one kind by id, as default queries see them; a RecordNotFoundError for an id that names no such record. A merged record's id gives the record it was merged into. */
  recordsByIds<K extends RecordKind>(kind: K, ids: readonly string[]): Promise<(RecordOfKind[K] | RecordNotFoundError)[]>;
  /** Records as stored, retracted roles, memberships, participations and reports included; undefined for an unknown id. */
  storedRecordsByIds(ids: readonly string[]): Promise<(StoredRecord | undefined)[]>;
  /** What each id (or slug) refers to; undefined when nothing has it. */
  referentsByIds(ids: readonly string[]): Promise<(Referent | undefined)[]>;
  /** The country with each ISO 3166-1 alpha-2 or alpha-3 code (any case); undefined for a code no country has. */
  countryIdsByIsoCodes(codes: readonly string[]): Promise<(string | undefined)[]>;
  /** The records related to each key by `relation`. */
  related<R extends Relation>(relation: R, ids: readonly string[]): Promise<readonly (readonly RelationValues[R][])[]>;
}

/** The in-memory snapshot's answers, already in hand: each call costs what the snapshot's index lookup costs. */
class SnapshotReader implements KnowledgeReader {
  constructor(private readonly kb: KnowledgeBase) {}

  recordsByIds<K extends RecordKind>(kind: K, ids: readonly string[]): Promise<(RecordOfKind[K] | RecordNotFoundError)[]> {
    return Promise.resolve(this.byKind[kind](ids) as (RecordOfKind[K] | RecordNotFoundError)[]);
  }

  private readonly byKind: { [K in RecordKind]: (ids: readonly string[]) => (RecordOfKind[K] | RecordNotFoundError)[] } = {
    Source: (ids) => this.kb.sourcesByIds(ids),
    Person: (ids) => this.kb.personsByIds(ids),
    Country: (ids) => this.kb.countriesByIds(ids),
    Organization: (ids) => this.kb.organizationsByIds(ids),
    Event: (ids) => this.kb.eventsByIds(ids),
    Statement: (ids) => this.kb.statementsByIds(ids),
  };

  storedRecordsByIds(ids: readonly string[]): Promise<(StoredRecord | undefined)[]> {
    return Promise.resolve(ids.map((id) => this.kb.storedRecord(id)));
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
  if ('reports' in record) return 'Statement';
  if ('roles' in record) return 'Person';
  if ('isoAlpha2' in record) return 'Country';
  if ('memberships' in record) return 'Organization';
  if ('participants' in record) return 'Event';
  return 'Source';
}

export { RecordNotFoundError };
