/**
 * Reads `data/`, validates every file against its record schema and the whole against itself, and
 * builds the in-memory knowledge base. Loading is all or nothing: any problem throws a
 * DataValidationError listing every problem found, each with its file and JSON path.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  dataFiles,
  type Collection,
  type CountryRecord,
  type EventRecord,
  type Evidence,
  type OrganizationRecord,
  type PartialDate,
  type PersonRecord,
  type SourceRecord,
  type StatementRecord,
} from './records.js';
import { entityGraphFor } from './graph.js';
import { KnowledgeBase, type DatasetInfo, type EntityKind, type RecordsByCollection } from './knowledge-base.js';
import { searchIndexFor } from './search.js';
import { statisticsFor } from './stats.js';

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

export class DataValidationError extends Error {
  override name = 'DataValidationError';
  constructor(
    readonly dataDir: string,
    readonly problems: DataProblem[],
  ) {
    super(
      `Invalid data in ${dataDir} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.file} ${p.path}: ${p.message}`).join('\n'),
    );
  }
}

/** A stage of loading, in the order they run (`read` and `validate` alternate file by file). */
export type LoadStage = 'read' | 'validate' | 'indexes' | 'search' | 'graph' | 'stats';

/** Reported when a unit of work starts: `done` of `total` units of `stage` are finished. */
export interface LoadProgress {
  stage: LoadStage;
  done: number;
  total: number;
  /** What is being worked on ("statements.json"). */
  detail?: string;
}

export interface LoadOptions {
  /** Called as loading moves on, synchronously; for progress bars and per-stage timings. */
  onProgress?: (progress: LoadProgress) => void;
}

export function formatJsonPath(segments: readonly PropertyKey[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

function describeJsonSyntaxError(text: string, error: SyntaxError): string {
  if (text.trim() === '') return 'file is empty (expected an array of records)';
  const position = /position (\d+)/.exec(error.message);
  // V8 gives no position when the text stops short ("Unexpected end of JSON input"): the problem is at the end.
  const offset = position ? Number(position[1]) : /end of JSON input/.test(error.message) ? text.length : undefined;
  const where = offset === undefined ? '' : ` at ${lineAndColumn(text, offset)}`;
  return `not valid JSON${where}: ${error.message}`;
}

interface ParsedFiles {
  records: Partial<RecordsByCollection>;
  problems: DataProblem[];
  /** SHA-256 (hex) of each file's bytes, by file name. */
  fileDigests: Record<string, string>;
}

/**
 * The dataset version: a hash of every file's digest, so a writer that changed one file can work out
 * the new version from that file's bytes alone.
 */
export function datasetVersionOf(fileDigests: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const { file } of Object.values(dataFiles)) hash.update(`${file}\0${fileDigests[file] ?? ''}\0`);
  return hash.digest('hex').slice(0, 16);
}

export function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Validates one record against its collection's schema: the record as stored (defaults filled in), or the problems, with paths inside the record. */
export function parseRecord<C extends Collection>(
  collection: C,
  item: unknown,
): { record: RecordsByCollection[C][number] } | { issues: { path: PropertyKey[]; message: string }[] } {
  const result = (dataFiles[collection].schema as z.ZodType).safeParse(item);
  if (result.success) return { record: result.data as RecordsByCollection[C][number] };
  return { issues: result.error.issues.map((issue) => ({ path: issue.path, message: issue.message })) };
}

/**
 * The text of a file, the one way every file of ours is read (data files, and the authoring command's
 * records and article files): UTF-8, refused when its bytes are not, and without a leading byte-order
 * mark, which some editors save and which belongs to the encoding, not to the text.
 */
export function decodeTextFile(bytes: Uint8Array): string {
  // ignoreBOM: false (the default) is what drops the mark.
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/**
 * Reads one data file, records the digest of its bytes and parses it: the JSON, or a problem message. The file's
 * bytes and text are let go on return, before its records are validated (at scale they are hundreds
 * of megabytes).
 */
async function readJson(dataDir: string, file: string, digests: Record<string, string>): Promise<{ json: unknown } | { problem: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dataDir, file));
  } catch (error) {
    return { problem: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file is missing' : `cannot be read: ${(error as Error).message}` };
  }
  digests[file] = digestOf(bytes);
  let text: string;
  try {
    text = decodeTextFile(bytes);
  } catch {
    return { problem: 'is not valid UTF-8 text' };
  }
  try {
    return { json: JSON.parse(text) };
  } catch (error) {
    return { problem: describeJsonSyntaxError(text, error as SyntaxError) };
  }
}

async function readAndParse(dataDir: string, onProgress: (progress: LoadProgress) => void): Promise<ParsedFiles> {
  const problems: DataProblem[] = [];
  const records: Partial<RecordsByCollection> = {};
  const fileDigests: Record<string, string> = {};
  for (const [collection, { file, schema }] of Object.entries(dataFiles) as [Collection, (typeof dataFiles)[Collection]][]) {
    onProgress({ stage: 'read', done: 0, total: 1, detail: file });
    const read = await readJson(dataDir, file, fileDigests);
    if ('problem' in read) {
      problems.push({ file, path: '$', message: read.problem, rule: 'file' });
      continue;
    }
    const { json } = read;
    if (!Array.isArray(json)) {
      problems.push({ file, path: '$', message: `expected an array of records, found ${json === null ? 'null' : typeof json}`, rule: 'file' });
      continue;
    }
    const items: unknown[] = json;
    const parsed: unknown[] = [];
    for (let index = 0; index < items.length; index++) {
      if (index % 1000 === 0) onProgress({ stage: 'validate', done: index, total: items.length, detail: file });
      const result = (schema as z.ZodType).safeParse(items[index]);
      // The schema's output is a new object: the raw item can go now, which keeps the peak memory of a large file down.
      items[index] = undefined;
      if (result.success) {
        parsed.push(result.data);
        continue;
      }
      for (const issue of result.error.issues) {
        problems.push({ file, path: formatJsonPath([index, ...issue.path]), message: issue.message, rule: 'schema' });
      }
    }
    (records as Record<Collection, unknown[]>)[collection] = parsed;
  }
  return { records, problems, fileDigests };
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
  const kindOfCollection: Record<Collection, EntityKind | 'Source'> = {
    sources: 'Source',
    persons: 'Person',
    countries: 'Country',
    organizations: 'Organization',
    events: 'Event',
    statements: 'Statement',
  };
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

/** Builds the knowledge base and every derived index (search, graph, statistics) from validated records, so no request pays for them. */
export function buildKnowledgeBase(records: RecordsByCollection, info: DatasetInfo, onProgress: (progress: LoadProgress) => void = () => {}): KnowledgeBase {
  onProgress({ stage: 'indexes', done: 0, total: 1 });
  const kb = new KnowledgeBase(records, info);
  onProgress({ stage: 'search', done: 0, total: 1 });
  searchIndexFor(kb);
  onProgress({ stage: 'graph', done: 0, total: 1 });
  entityGraphFor(kb);
  onProgress({ stage: 'stats', done: 0, total: 1 });
  statisticsFor(kb);
  return kb;
}

/**
 * Loads and validates the knowledge base in `dataDir`. Throws DataValidationError (listing every
 * problem, each with file and JSON path) when anything is wrong; never returns partial data.
 * `onProgress` hears of each stage as it starts (for a progress bar, or timings).
 */
export async function loadKnowledgeBase(dataDir: string, { onProgress = () => {} }: LoadOptions = {}): Promise<KnowledgeBase> {
  const resolvedDir = path.resolve(dataDir);
  const { records, problems, fileDigests } = await readAndParse(resolvedDir, onProgress);
  if (problems.length > 0) throw new DataValidationError(resolvedDir, problems);
  const complete = records as RecordsByCollection;
  onProgress({ stage: 'validate', done: 0, total: 1, detail: 'references and evidence' });
  const consistencyProblems = findConsistencyProblems(complete);
  if (consistencyProblems.length > 0) throw new DataValidationError(resolvedDir, consistencyProblems);
  return buildKnowledgeBase(complete, { version: datasetVersionOf(fileDigests), fileDigests, loadedAt: new Date(), dataDir: resolvedDir }, onProgress);
}
