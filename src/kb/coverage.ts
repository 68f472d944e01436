/**
 * What each source says about each record: every evidence span of the knowledge base, attributed to
 * the records its fact involves. A role's span covers the person, the organization and the country;
 * a report's words cover the statement, its speaker and its relayer; a mention covers the entity
 * named. "What a source covers" and "which sources support a record" are both read from this.
 */
import type { RecordKind, RecordsByCollection, StoredRecord } from './knowledge-base.js';
import { entityAndStatementCollections, type CountryRecord, type EventRecord, type Evidence, type OrganizationRecord, type PersonRecord, type StatementRecord } from './records.js';

/** The spans of one fact and the records the fact involves. */
export interface Fact {
  ids: readonly (string | null | undefined)[];
  evidence: readonly Evidence[];
}

/** The reports of a statement in force (not retracted), in the order they were added. */
export function reportsInForce(statement: StatementRecord) {
  return statement.reports.some((report) => report.retracted) ? statement.reports.filter((report) => !report.retracted) : statement.reports;
}

/** The report the statement's deprecated single-source fields answer from: its first report in force. */
export function firstReport(statement: StatementRecord) {
  return reportsInForce(statement)[0] ?? statement.reports[0]!;
}

/** Ids of the sources that report a statement, each once, in report order. */
export function sourceIdsOfStatement(statement: StatementRecord): string[] {
  return [...new Set(reportsInForce(statement).map((report) => report.evidence.sourceId))];
}

/** The facts of one record in force (its retracted parts already left out), in the order coverage walks them. */
export function* factsOfRecord(kind: RecordKind, record: StoredRecord): Generator<Fact> {
  switch (kind) {
    case 'Person': {
      const person = record as PersonRecord;
      if (person.nameProvenance) yield { ids: [person.id], evidence: person.nameProvenance.evidence };
      for (const role of person.roles) yield { ids: [person.id, role.organizationId, role.countryId], evidence: role.evidence };
      return;
    }
    case 'Country': {
      const country = record as CountryRecord;
      yield { ids: [country.id], evidence: country.evidence };
      return;
    }
    case 'Organization': {
      const organization = record as OrganizationRecord;
      yield { ids: [organization.id], evidence: organization.evidence };
      if (organization.parent) yield { ids: [organization.id, organization.parent.organizationId], evidence: organization.parent.evidence };
      if (organization.country) yield { ids: [organization.id, organization.country.countryId], evidence: organization.country.evidence };
      if (organization.statedMemberCount) yield { ids: [organization.id], evidence: organization.statedMemberCount.evidence };
      for (const membership of organization.memberships) yield { ids: [organization.id, membership.countryId], evidence: membership.evidence };
      return;
    }
    case 'Event': {
      const event = record as EventRecord;
      yield { ids: [event.id], evidence: event.evidence };
      for (const location of event.locations) yield { ids: [event.id, location.countryId], evidence: location.evidence };
      for (const participation of event.participants) yield { ids: [event.id, participation.entityId], evidence: participation.evidence };
      if (event.partOf) yield { ids: [event.id, event.partOf.eventId], evidence: event.partOf.evidence };
      return;
    }
    case 'Statement': {
      const statement = record as StatementRecord;
      for (const report of reportsInForce(statement)) {
        const spans = [report.evidence, report.attribution];
        yield { ids: [statement.id, statement.speakerId, ...(statement.speakerGroup?.memberOfIds ?? [])], evidence: spans };
        if (report.relayedBy) yield { ids: [report.relayedBy.entityId], evidence: [...report.relayedBy.evidence, ...spans] };
      }
      for (const mention of statement.mentions) yield { ids: [mention.entityId], evidence: mention.evidence };
      if (statement.saidAt) yield { ids: [statement.saidAt.eventId], evidence: statement.saidAt.evidence };
      for (const about of statement.aboutEvents) yield { ids: [about.eventId], evidence: about.evidence };
      if (statement.audience) yield { ids: statement.audience.entityIds, evidence: statement.audience.evidence };
      return;
    }
    case 'Source':
      return;
  }
}

/** The collections coverage walks, in its order (statements in source order). */
export const coverageWalk = entityAndStatementCollections;

function* factsOf(records: RecordsByCollection): Generator<Fact> {
  for (const [collection, kind] of coverageWalk) for (const record of records[collection]) yield* factsOfRecord(kind, record);
}

/** For each record, the sources with a span about it (in first-seen order); for each source, the records it covers. */
export function coverageOf(records: RecordsByCollection): { sourceIdsByRecord: Map<string, string[]>; recordIdsBySource: Map<string, Set<string>> } {
  const sourceIdsByRecord = new Map<string, string[]>();
  const recordIdsBySource = new Map<string, Set<string>>();
  for (const { ids, evidence } of factsOf(records)) {
    for (const span of evidence) {
      let covered = recordIdsBySource.get(span.sourceId);
      if (!covered) recordIdsBySource.set(span.sourceId, (covered = new Set()));
      for (const id of ids) {
        if (!id || covered.has(id)) continue;
        covered.add(id);
        const sources = sourceIdsByRecord.get(id);
        if (sources) sources.push(span.sourceId);
        else sourceIdsByRecord.set(id, [span.sourceId]);
      }
    }
  }
  return { sourceIdsByRecord, recordIdsBySource };
}
