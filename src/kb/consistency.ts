/**
 * The rules that hold across records: unique ids, known references of the right kind, evidence that
 * matches its source, no cycles in part-of, parent or continuation links. The loader and every
 * change (the API, the authoring command) run these same rules over the whole knowledge base.
 */
import { dataFiles, kindOfCollection, type Collection, type CountryRecord, type EventRecord, type Evidence, type OrganizationRecord, type PartialDate, type PersonRecord, type Provenance, type SourceRecord, type StatementRecord } from './records.js';
import { SPEAKER_KINDS, type EntityKind, type RecordsByCollection } from './knowledge-base.js';
import { aKind, anyOfKinds } from './text.js';

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

  // A merged record keeps its old fields as history; only its merge mark must hold. References to it
  // from records in force are errors: a merge moves them to the kept record.
  const mergedIds = new Set<string>();
  for (const collection of Object.keys(dataFiles) as Collection[]) {
    records[collection].forEach((record, index) => {
      const merge = 'mergedInto' in record ? record.mergedInto : undefined;
      if (!merge) return;
      mergedIds.add(record.id);
      const file = dataFiles[collection].file;
      const kept = kindById.get(merge.id);
      if (merge.id === record.id) problems.push({ file, path: formatJsonPath([index, 'mergedInto', 'id']), message: 'a record cannot be merged into itself' });
      else if (!kept) problems.push({ file, path: formatJsonPath([index, 'mergedInto', 'id']), message: `unknown id "${merge.id}"`, rule: 'unknown-reference' });
      else if (kept.kind !== kindOfCollection[collection]) {
        problems.push({ file, path: formatJsonPath([index, 'mergedInto', 'id']), message: `"${merge.id}" is ${aKind(kept.kind)}: ${aKind(kindOfCollection[collection])} merges only into another`, rule: 'wrong-kind' });
      }
    });
  }
  const inForce = <R extends { id: string }>(list: readonly R[]) => list.map((record, index) => [record, index] as const).filter(([record]) => !mergedIds.has(record.id));
  const sourceTextById = new Map(records.sources.map((source: SourceRecord) => [source.id, source.text]));

  const reference = (file: string, at: PropertyKey[], id: string | undefined | null, allowed: readonly (EntityKind | 'Source')[]) => {
    if (id === undefined || id === null) return;
    const found = kindById.get(id);
    if (!found) {
      problems.push({ file, path: formatJsonPath(at), message: `unknown id "${id}" (expected ${anyOfKinds(allowed)})`, rule: 'unknown-reference' });
    } else if (!allowed.includes(found.kind)) {
      problems.push({
        file,
        path: formatJsonPath(at),
        message: `"${id}" is ${aKind(found.kind)}, but this reference must be ${anyOfKinds(allowed)}`,
        rule: 'wrong-kind',
      });
    } else if (mergedIds.has(id)) {
      problems.push({ file, path: formatJsonPath(at), message: `"${id}" was merged into another record; refer to the record it was merged into`, rule: 'unknown-reference' });
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

  const provenance = (file: string, at: PropertyKey[], link: Provenance | undefined) => {
    link?.evidence.forEach((span, e) => evidence(file, [...at, 'evidence', e], span));
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
  const relayerKinds: EntityKind[] = ['Person', 'Organization', 'Country', 'Event'];

  for (const [person, i] of inForce(records.persons as PersonRecord[])) {
    const file = dataFiles.persons.file;
    provenance(file, [i, 'nameProvenance'], person.nameProvenance);
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
      provenance(file, [i, 'roles', r], role);
    });
  }

  for (const [country, i] of inForce(records.countries as CountryRecord[])) {
    country.evidence.forEach((span, e) => evidence(dataFiles.countries.file, [i, 'evidence', e], span));
  }

  for (const [organization, i] of inForce(records.organizations as OrganizationRecord[])) {
    const file = dataFiles.organizations.file;
    reference(file, [i, 'parent', 'organizationId'], organization.parent?.organizationId, ['Organization']);
    if (organization.parent?.organizationId === organization.id) {
      problems.push({ file, path: formatJsonPath([i, 'parent', 'organizationId']), message: 'an organization cannot be its own parent' });
    }
    provenance(file, [i, 'parent'], organization.parent);
    reference(file, [i, 'country', 'countryId'], organization.country?.countryId, ['Country']);
    provenance(file, [i, 'country'], organization.country);
    provenance(file, [i, 'statedMemberCount'], organization.statedMemberCount);
    organization.memberships.forEach((membership, m) => {
      reference(file, [i, 'memberships', m, 'countryId'], membership.countryId, ['Country']);
      dateRange(file, [i, 'memberships', m], membership.start, membership.end);
      provenance(file, [i, 'memberships', m], membership);
    });
    organization.evidence.forEach((span, e) => evidence(file, [i, 'evidence', e], span));
  }
  // A self-parent is reported above in its own words; longer loops (nato -> coalition -> nato) here.
  const organizationParents = new Map(
    records.organizations.flatMap((o) => (o.parent !== undefined && o.parent.organizationId !== o.id && !o.mergedInto ? [[o.id, o.parent.organizationId] as const] : [])),
  );
  reportCycles(records.organizations, organizationParents, (i, through) =>
    problems.push({ file: dataFiles.organizations.file, path: formatJsonPath([i, 'parent', 'organizationId']), message: `parent links form a cycle through "${through}"` }),
  );

  const parentOf = new Map<string, string>();
  for (const [event, i] of inForce(records.events as EventRecord[])) {
    const file = dataFiles.events.file;
    dateRange(file, [i], event.start, event.end);
    event.locations.forEach((location, l) => {
      if (!location.city && !location.countryId) {
        problems.push({ file, path: formatJsonPath([i, 'locations', l]), message: 'a location needs a city, a countryId or both' });
      }
      reference(file, [i, 'locations', l, 'countryId'], location.countryId, ['Country']);
      provenance(file, [i, 'locations', l], location);
    });
    event.participants.forEach((participant, p) => {
      reference(file, [i, 'participants', p, 'entityId'], participant.entityId, participantKinds);
      provenance(file, [i, 'participants', p], participant);
    });
    if (event.partOf) {
      reference(file, [i, 'partOf', 'eventId'], event.partOf.eventId, ['Event']);
      provenance(file, [i, 'partOf'], event.partOf);
      parentOf.set(event.id, event.partOf.eventId);
    }
    event.evidence.forEach((span, e) => evidence(file, [i, 'evidence', e], span));
  }
  reportCycles(records.events, parentOf, (i, through) =>
    problems.push({ file: dataFiles.events.file, path: formatJsonPath([i, 'partOf', 'eventId']), message: `part-of links form a cycle through "${through}"` }),
  );

  const continues = new Map<string, string>();
  for (const [statement, i] of inForce(records.statements as StatementRecord[])) {
    const file = dataFiles.statements.file;
    reference(file, [i, 'speakerId'], statement.speakerId, SPEAKER_KINDS);
    statement.speakerGroup?.memberOfIds.forEach((id, g) => reference(file, [i, 'speakerGroup', 'memberOfIds', g], id, ['Organization', 'Country']));
    if (statement.saidAt) {
      reference(file, [i, 'saidAt', 'eventId'], statement.saidAt.eventId, ['Event']);
      provenance(file, [i, 'saidAt'], statement.saidAt);
    }
    statement.aboutEvents.forEach((about, a) => {
      reference(file, [i, 'aboutEvents', a, 'eventId'], about.eventId, ['Event']);
      provenance(file, [i, 'aboutEvents', a], about);
    });
    statement.mentions.forEach((mention, m) => {
      reference(file, [i, 'mentions', m, 'entityId'], mention.entityId, entityKinds);
      provenance(file, [i, 'mentions', m], mention);
    });
    if (statement.audience) {
      statement.audience.entityIds.forEach((id, a) => reference(file, [i, 'audience', 'entityIds', a], id, participantKinds));
      provenance(file, [i, 'audience'], statement.audience);
    }
    reference(file, [i, 'continuesId'], statement.continuesId, ['Statement']);
    if (statement.continuesId !== undefined) continues.set(statement.id, statement.continuesId);
    const reportedSpans = new Set<string>();
    statement.reports.forEach((report, r) => {
      const at = [i, 'reports', r];
      evidence(file, [...at, 'evidence'], report.evidence);
      const spanKey = `${report.evidence.sourceId} ${report.evidence.start} ${report.evidence.end}`;
      if (reportedSpans.has(spanKey)) problems.push({ file, path: formatJsonPath([...at, 'evidence']), message: 'another report of this statement already cites these words' });
      reportedSpans.add(spanKey);
      for (const part of ['attribution', 'hedge'] as const) {
        const span = report[part];
        if (!span) continue;
        evidence(file, [...at, part], span);
        if (span.sourceId !== report.evidence.sourceId) {
          problems.push({ file, path: formatJsonPath([...at, part, 'sourceId']), message: `a report's ${part} must stand in the same source as its words ("${report.evidence.sourceId}")` });
        }
      }
      if (report.relayedBy) {
        reference(file, [...at, 'relayedBy', 'entityId'], report.relayedBy.entityId, relayerKinds);
        provenance(file, [...at, 'relayedBy'], report.relayedBy);
        if (report.relayedBy.entityId === statement.speakerId) {
          problems.push({ file, path: formatJsonPath([...at, 'relayedBy', 'entityId']), message: 'relayedBy names the speaker; leave it out when the speaker is quoted directly' });
        }
      }
    });
    if (!statement.reports.some((report) => report.evidence.text === statement.text)) {
      problems.push({ file, path: formatJsonPath([i, 'text']), message: 'a statement\'s text must be the words of one of its reports, exactly as that source prints them' });
    }
  }
  reportCycles(records.statements, continues, (i, through) =>
    problems.push({ file: dataFiles.statements.file, path: formatJsonPath([i, 'continuesId']), message: `continuation links form a cycle through "${through}"` }),
  );

  for (const problem of problems) problem.rule ??= 'consistency';
  return problems;
}
