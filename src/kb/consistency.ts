/**
 * The rules that hold across records: unique ids, known references of the right kind, evidence that
 * matches its source, no cycles in part-of, parent or continuation links. The loader and every
 * change (the API, the authoring command) run these same rules over the whole knowledge base.
 */
import { dataFiles, kindOfCollection, type Collection, type CountryRecord, type EventRecord, type Evidence, type OrganizationRecord, type PartialDate, type PersonRecord, type SourceRecord, type StatementRecord } from './records.js';
import type { EntityKind, RecordsByCollection } from './knowledge-base.js';

/** Which kind of rule a problem breaks, for callers (the mutations) that answer each kind with its own error code. */
export type ProblemRule = 'file' | 'schema' | 'duplicate-id' | 'unknown-reference' | 'wrong-kind' | 'evidence' | 'consistency';

export interface DataProblem {
  /** The data file, relative to the data folder ("persons.json"). */
  file: string;
  /** JSONPath of the offending value inside the file ("$[3].roles[0].evidence.start"). */
  path: string;
  message: string;
  rule?: ProblemRule;
}

/** A JSONPath for a problem's place in its file: `$[3].roles[0].evidence.start`. */
export function formatJsonPath(segments: readonly PropertyKey[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/**
 * Calls `report(index, id)` for each record whose chain of links (`next`: id to the id it points at)
 * comes back to a record already on the chain, with the id where it came back.
 */
function reportCycles(records: readonly { id: string }[], next: ReadonlyMap<string, string>, report: (index: number, through: string) => void): void {
  records.forEach((record, i) => {
    if (!next.has(record.id)) return;
    const seen = new Set([record.id]);
    for (let linked = next.get(record.id); linked !== undefined; linked = next.get(linked)) {
      if (seen.has(linked)) {
        report(i, linked);
        return;
      }
      seen.add(linked);
    }
  });
}

/**
 * Cross-record rules: unique ids, known references of the right kind, evidence that matches its
 * source. The loader and every mutation run these same rules over the whole knowledge base.
 */
export function findConsistencyProblems(records: RecordsByCollection): DataProblem[] {
  const problems: DataProblem[] = [];
  const kindById = new Map<string, { kind: EntityKind | 'Source'; file: string; index: number }>();
  for (const collection of Object.keys(dataFiles) as Collection[]) {
    const { file } = dataFiles[collection];
    records[collection].forEach((record, index) => {
      const existing = kindById.get(record.id);
      if (existing) {
        problems.push({
          file,
          path: formatJsonPath([index, 'id']),
          message: `duplicate id "${record.id}": already used in ${existing.file} at ${formatJsonPath([existing.index])} (ids are unique across all files)`,
          rule: 'duplicate-id',
        });
        return;
      }
      kindById.set(record.id, { kind: kindOfCollection[collection], file, index });
    });
  }

  const sourceTextById = new Map(records.sources.map((source: SourceRecord) => [source.id, source.text]));

  const reference = (file: string, at: PropertyKey[], id: string | undefined | null, allowed: (EntityKind | 'Source')[]) => {
    if (id === undefined || id === null) return;
    const found = kindById.get(id);
    if (!found) {
      problems.push({ file, path: formatJsonPath(at), message: `unknown id "${id}" (expected a ${allowed.join(' or ')})`, rule: 'unknown-reference' });
    } else if (!allowed.includes(found.kind)) {
      problems.push({
        file,
        path: formatJsonPath(at),
        message: `"${id}" is a ${found.kind}, but this reference must be a ${allowed.join(' or ')}`,
        rule: 'wrong-kind',
      });
    }
  };

  const evidence = (file: string, at: PropertyKey[], span: Evidence) => {
    const sourceText = sourceTextById.get(span.sourceId);
    if (sourceText === undefined) {
      problems.push({ file, path: formatJsonPath([...at, 'sourceId']), message: `unknown source "${span.sourceId}"`, rule: 'unknown-reference' });
      return;
    }
    if (span.end <= span.start || span.end > sourceText.length) {
      problems.push({
        file,
        path: formatJsonPath(at),
        message: `offsets ${span.start}..${span.end} are not a span of source "${span.sourceId}" (its text has ${sourceText.length} characters)`,
        rule: 'evidence',
      });
      return;
    }
    // Compared in place; the slice is taken only to report a mismatch.
    if (span.text.length !== span.end - span.start || !sourceText.startsWith(span.text, span.start)) {
      const actual = sourceText.slice(span.start, span.end);
      problems.push({
        file,
        path: formatJsonPath([...at, 'text']),
        message: `does not match source "${span.sourceId}" at ${span.start}..${span.end}: the evidence says ${JSON.stringify(span.text)} but the source has ${JSON.stringify(actual)}`,
        rule: 'evidence',
      });
    }
  };

  const dateRange = (file: string, at: PropertyKey[], start?: PartialDate, end?: PartialDate) => {
    // A partial date covers a range ("2015-11" is the whole month), so one that is a prefix of the other overlaps it.
    const overlaps = start && end && (start.value.startsWith(end.value) || end.value.startsWith(start.value));
    if (start && end && !overlaps && end.value < start.value) {
      problems.push({ file, path: formatJsonPath([...at, 'end']), message: `ends (${end.value}) before it starts (${start.value})` });
    }
  };

  const entityKinds: EntityKind[] = ['Person', 'Organization', 'Country', 'Event'];
  const participantKinds: EntityKind[] = ['Person', 'Organization', 'Country'];

  records.persons.forEach((person: PersonRecord, i) => {
    const file = dataFiles.persons.file;
    if (person.name === null && !person.label) {
      problems.push({ file, path: formatJsonPath([i, 'label']), message: 'an unnamed person (name null) needs a label saying how the source refers to them' });
    }
    person.roles.forEach((role, r) => {
      if (!role.organizationId && !role.countryId) {
        problems.push({ file, path: formatJsonPath([i, 'roles', r]), message: 'a role needs an organizationId, a countryId or both' });
      }
      reference(file, [i, 'roles', r, 'organizationId'], role.organizationId, ['Organization']);
      reference(file, [i, 'roles', r, 'countryId'], role.countryId, ['Country']);
      dateRange(file, [i, 'roles', r], role.start, role.end);
      evidence(file, [i, 'roles', r, 'evidence'], role.evidence);
    });
  });

  records.countries.forEach((country: CountryRecord, i) => {
    country.evidence.forEach((span, e) => evidence(dataFiles.countries.file, [i, 'evidence', e], span));
  });

  records.organizations.forEach((organization: OrganizationRecord, i) => {
    const file = dataFiles.organizations.file;
    reference(file, [i, 'parentId'], organization.parentId, ['Organization']);
    if (organization.parentId === organization.id) {
      problems.push({ file, path: formatJsonPath([i, 'parentId']), message: 'an organization cannot be its own parent' });
    }
    reference(file, [i, 'countryId'], organization.countryId, ['Country']);
    if (organization.statedMemberCount) evidence(file, [i, 'statedMemberCount', 'evidence'], organization.statedMemberCount.evidence);
    organization.memberships.forEach((membership, m) => {
      reference(file, [i, 'memberships', m, 'countryId'], membership.countryId, ['Country']);
      dateRange(file, [i, 'memberships', m], membership.start, membership.end);
      evidence(file, [i, 'memberships', m, 'evidence'], membership.evidence);
    });
    organization.evidence.forEach((span, e) => evidence(file, [i, 'evidence', e], span));
  });
  // A self-parent is reported above in its own words; longer loops (nato -> coalition -> nato) here.
  const organizationParents = new Map(records.organizations.flatMap((o) => (o.parentId !== undefined && o.parentId !== o.id ? [[o.id, o.parentId] as const] : [])));
  reportCycles(records.organizations, organizationParents, (i, through) =>
    problems.push({ file: dataFiles.organizations.file, path: formatJsonPath([i, 'parentId']), message: `parent links form a cycle through "${through}"` }),
  );

  const parentOf = new Map<string, string>();
  records.events.forEach((event: EventRecord, i) => {
    const file = dataFiles.events.file;
    dateRange(file, [i], event.start, event.end);
    event.locations.forEach((location, l) => {
      if (!location.city && !location.countryId) {
        problems.push({ file, path: formatJsonPath([i, 'locations', l]), message: 'a location needs a city, a countryId or both' });
      }
      reference(file, [i, 'locations', l, 'countryId'], location.countryId, ['Country']);
      evidence(file, [i, 'locations', l, 'evidence'], location.evidence);
    });
    event.participants.forEach((participant, p) => {
      reference(file, [i, 'participants', p, 'entityId'], participant.entityId, participantKinds);
      evidence(file, [i, 'participants', p, 'evidence'], participant.evidence);
    });
    if (event.partOf) {
      reference(file, [i, 'partOf', 'eventId'], event.partOf.eventId, ['Event']);
      evidence(file, [i, 'partOf', 'evidence'], event.partOf.evidence);
      parentOf.set(event.id, event.partOf.eventId);
    }
    event.evidence.forEach((span, e) => evidence(file, [i, 'evidence', e], span));
  });
  reportCycles(records.events, parentOf, (i, through) =>
    problems.push({ file: dataFiles.events.file, path: formatJsonPath([i, 'partOf', 'eventId']), message: `part-of links form a cycle through "${through}"` }),
  );

  const continues = new Map<string, string>();
  records.statements.forEach((statement: StatementRecord, i) => {
    const file = dataFiles.statements.file;
    reference(file, [i, 'speakerId'], statement.speakerId, ['Person']);
    reference(file, [i, 'relayedById'], statement.relayedById, ['Person', 'Organization', 'Event']);
    if (statement.relayedById !== undefined && statement.relayedById === statement.speakerId) {
      problems.push({ file, path: formatJsonPath([i, 'relayedById']), message: 'relayedById names the speaker; leave it out when the speaker is quoted directly' });
    }
    reference(file, [i, 'saidAtEventId'], statement.saidAtEventId, ['Event']);
    statement.aboutEventIds.forEach((id, a) => reference(file, [i, 'aboutEventIds', a], id, ['Event']));
    statement.mentions.forEach((mention, m) => {
      reference(file, [i, 'mentions', m, 'entityId'], mention.entityId, entityKinds);
      evidence(file, [i, 'mentions', m, 'evidence'], mention.evidence);
    });
    if (statement.audience) {
      statement.audience.entityIds.forEach((id, a) => reference(file, [i, 'audience', 'entityIds', a], id, participantKinds));
      evidence(file, [i, 'audience', 'evidence'], statement.audience.evidence);
    }
    reference(file, [i, 'continuesId'], statement.continuesId, ['Statement']);
    if (statement.continuesId !== undefined) continues.set(statement.id, statement.continuesId);
    evidence(file, [i, 'attribution'], statement.attribution);
    evidence(file, [i, 'evidence'], statement.evidence);
    if (statement.text !== statement.evidence.text) {
      problems.push({ file, path: formatJsonPath([i, 'text']), message: 'a statement\'s text must be exactly its evidence text (the words as the source prints them)' });
    }
  });
  reportCycles(records.statements, continues, (i, through) =>
    problems.push({ file: dataFiles.statements.file, path: formatJsonPath([i, 'continuesId']), message: `continuation links form a cycle through "${through}"` }),
  );

  for (const problem of problems) problem.rule ??= 'consistency';
  return problems;
}
