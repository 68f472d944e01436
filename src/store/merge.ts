/**
 * Merging duplicates: two records that turned out to be the same person (organization, country, event
 * or statement). Every reference to the duplicate moves to the record kept, the kept record gains the
 * duplicate's names, evidence, roles and reports, and the duplicate stays in its file marked with
 * `mergedInto`, so its id and slug keep resolving. Nothing is deleted.
 */
import type { RecordKind, RecordsByCollection, StoredRecord } from '../kb/knowledge-base.js';
import { collectionOfKind, dataFiles, kindOfCollection, type Collection, type Evidence, type Merge } from '../kb/records.js';
import { CurationError } from './edit-error.js';
import type { ChangeKind } from './knowledge-store.js';
import { aKind } from '../kb/text.js';

export const mergeableKinds = ['Person', 'Organization', 'Country', 'Event', 'Statement'] as const satisfies readonly RecordKind[];

/** Keys of link objects that name another record. */
export const referenceKeys = new Set(['speakerId', 'organizationId', 'countryId', 'eventId', 'entityId', 'continuesId']);
/** Keys of lists of references. */
export const referenceListKeys = new Set(['entityIds', 'memberOfIds']);

type Json = Record<string, unknown>;

/** `value` with every reference to `from` made a reference to `to` (the record's own id and merge mark untouched). */
function rewrite(value: unknown, from: string, to: string): unknown {
  return redirect(value, (id) => (id === from ? to : id));
}

/** `value` with each reference replaced by `target(reference)`. */
function redirect(value: unknown, target: (id: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => redirect(item, target));
  if (value === null || typeof value !== 'object') return value;
  const result: Json = {};
  for (const [key, item] of Object.entries(value as Json)) {
    if (referenceKeys.has(key) && typeof item === 'string') result[key] = target(item);
    else if (referenceListKeys.has(key) && Array.isArray(item)) result[key] = [...new Set(item.map((id: string) => target(id)))];
    else if (key === 'mergedInto') result[key] = item;
    else result[key] = redirect(item, target);
  }
  return result;
}

/**
 * A record written after a merge, with references to merged records made references to the records
 * they were merged into: a curator (or an SDK cache) naming the old id reaches the record kept.
 */
export function withMergesFollowed<R>(record: R, mergedInto: ReadonlyMap<string, string>): R {
  if (mergedInto.size === 0) return record;
  return redirect(record, (id) => mergedInto.get(id) ?? id) as R;
}

const spanKey = (span: Evidence) => `${span.sourceId} ${span.start} ${span.end}`;

function unionSpans(a: readonly Evidence[], b: readonly Evidence[]): Evidence[] {
  const seen = new Set(a.map(spanKey));
  return [...a, ...b.filter((span) => !seen.has(spanKey(span)) && seen.add(spanKey(span)))];
}

/** What makes two links the same fact: every field but their provenance, retraction and a source's own wording of it (`statedAs`). */
function linkIdentity(link: Json): string {
  const { evidence: _evidence, inferred: _inferred, note: _note, retracted: _retracted, statedAs: _statedAs, ...fields } = link;
  return JSON.stringify(fields, Object.keys(fields).sort());
}

/**
 * Links that became the same fact through the merge (a role at the duplicate and one at the kept
 * organization) become one link with both links' spans; it is inferred only if both were. Only a link
 * the merge touched (`touched`) is folded into another: two links the record already had stay apart.
 */
function combineLinks<L extends Json>(links: readonly L[], touched: (link: L, index: number) => boolean): L[] {
  const byIdentity = new Map<string, L>();
  const result: L[] = [];
  links.forEach((link, index) => {
    const key = `${link.retracted ? 'retracted' : 'in force'} ${linkIdentity(link)}`;
    const same = byIdentity.get(key);
    if (!same || link.retracted || !touched(link, index)) {
      const copy = { ...link };
      if (!same) byIdentity.set(key, copy);
      result.push(copy);
      return;
    }
    (same as Json).evidence = unionSpans(same.evidence as Evidence[], link.evidence as Evidence[]);
    if (same.inferred && !link.inferred) {
      (same as Json).inferred = false;
      delete (same as Json).note;
    }
  });
  return result;
}

function union<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): T[] {
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}

/** The kept record with the duplicate's names, evidence and links added (references already rewritten). */
function absorb(kind: RecordKind, kept: Json, duplicate: Json): Json {
  const next: Json = { ...kept };
  const names = [duplicate.name, duplicate.label, ...((duplicate.aliases as string[]) ?? [])].filter(
    (name): name is string => typeof name === 'string' && name !== kept.name && name !== kept.label,
  );
  if ('aliases' in kept) next.aliases = union(kept.aliases as string[], names);
  if (Array.isArray(kept.evidence)) next.evidence = unionSpans(kept.evidence as Evidence[], (duplicate.evidence as Evidence[]) ?? []);
  const lists: Partial<Record<RecordKind, string[]>> = {
    Person: ['roles'],
    Organization: ['memberships'],
    Event: ['locations', 'participants'],
    Statement: ['aboutEvents', 'mentions'],
  };
  for (const field of lists[kind] ?? []) {
    const own = (kept[field] as Json[]) ?? [];
    // The duplicate's links are the ones this merge brings: each may fold into an identical link of the kept record.
    next[field] = combineLinks([...own, ...((duplicate[field] as Json[]) ?? [])], (_link, index) => index >= own.length);
  }
  // Single links: the kept record's own stands; the duplicate's fills a gap.
  for (const field of ['nameProvenance', 'parent', 'country', 'statedMemberCount', 'partOf', 'saidAt', 'audience', 'date', 'start', 'end']) {
    if (next[field] === undefined && duplicate[field] !== undefined) next[field] = duplicate[field];
  }
  if (kind === 'Person' && kept.name === null && typeof duplicate.name === 'string') {
    // A named duplicate of an unnamed speaker gives the person a name.
    next.name = duplicate.name;
    next.aliases = (next.aliases as string[]).filter((alias) => alias !== duplicate.name);
  }
  if (kind === 'Statement') {
    const seen = new Set((kept.reports as Json[]).map((report) => spanKey(report.evidence as Evidence)));
    next.reports = [...(kept.reports as Json[]), ...(duplicate.reports as Json[]).filter((report) => !seen.has(spanKey(report.evidence as Evidence)))];
    if (next.speakerId === null && duplicate.speakerId !== null && !next.speakerGroup) next.speakerId = duplicate.speakerId;
  }
  return next;
}

/** Links of a record to itself that a merge can create (an event that was part of its duplicate). */
function withoutSelfLinks(kind: RecordKind, record: Json): Json {
  const next = { ...record };
  const self = record.id;
  if (kind === 'Event' && (next.partOf as Json | undefined)?.eventId === self) delete next.partOf;
  if (kind === 'Organization' && (next.parent as Json | undefined)?.organizationId === self) delete next.parent;
  if (kind === 'Statement') {
    if (next.continuesId === self) delete next.continuesId;
    next.reports = (next.reports as Json[]).map((report) => {
      if ((report.relayedBy as Json | undefined)?.entityId !== next.speakerId) return report;
      const { relayedBy: _relayedBy, ...rest } = report;
      return rest;
    });
  }
  return next;
}

export interface MergePlan {
  /** The new contents of each collection the merge changes. */
  records: Partial<RecordsByCollection>;
  /** Every record changed, with what happened to it. */
  changes: { id: string; kind: RecordKind; change: ChangeKind }[];
  /** The collection of the two records: written last, so a crash part-way leaves both records in force and valid. */
  collection: Collection;
}


/** Plans the merge of `mergeId` into `keepId` over the records as stored. */
export function planMerge(stored: RecordsByCollection, keepId: string, mergeId: string, merge: Omit<Merge, 'id'>): MergePlan {
  if (keepId === mergeId) throw new CurationError('INVALID_RECORD', `A record cannot be merged into itself ("${keepId}")`, { id: keepId });
  let keepKind: RecordKind | undefined;
  let mergeKind: RecordKind | undefined;
  for (const collection of Object.keys(dataFiles) as Collection[]) {
    for (const record of stored[collection] as StoredRecord[]) {
      if (record.id === keepId) keepKind = kindOfCollection[collection];
      if (record.id === mergeId) mergeKind = kindOfCollection[collection];
    }
  }
  for (const [id, kind] of [[keepId, keepKind], [mergeId, mergeKind]] as const) {
    if (!kind) throw new CurationError('NOT_FOUND', `No record with id "${id}"`, { id });
    if (!(mergeableKinds as readonly string[]).includes(kind)) throw new CurationError('INVALID_RECORD', `${aKind(kind)} cannot be merged`, { id });
  }
  if (keepKind !== mergeKind) {
    throw new CurationError('INVALID_RECORD', `"${mergeId}" is ${aKind(mergeKind!)} and "${keepId}" ${aKind(keepKind!)}: only records of one kind merge`, { keep: keepId, merge: mergeId });
  }
  const kind = keepKind!;
  const collection: Collection = collectionOfKind[kind];
  const find = (id: string) => (stored[collection] as StoredRecord[]).find((record) => record.id === id) as unknown as Json;
  const [kept, duplicate] = [find(keepId), find(mergeId)];
  for (const [id, record] of [[keepId, kept], [mergeId, duplicate]] as const) {
    if (record.mergedInto) throw new CurationError('INVALID_RECORD', `"${id}" was already merged into "${(record.mergedInto as Merge).id}"`, { id });
    if (record.retracted) throw new CurationError('INVALID_RECORD', `"${id}" is retracted; a retracted record is kept as it was`, { id });
  }

  const records: Partial<RecordsByCollection> = {};
  const changes: MergePlan['changes'] = [];
  for (const each of Object.keys(dataFiles) as Collection[]) {
    let changed = false;
    const next = (stored[each] as StoredRecord[]).map((record) => {
      const json = record as unknown as Json;
      if (json.mergedInto || json.id === mergeId) return record;
      let result = rewrite(json, mergeId, keepId) as Json;
      if (json.id === keepId) result = absorb(kind, result, rewrite(duplicate, mergeId, keepId) as Json);
      result = withoutSelfLinks(kindOfCollection[each], result);
      // A link that named the duplicate may now be the same as one the record had (two mentions, of A and of B).
      for (const field of ['roles', 'memberships', 'participants', 'locations', 'mentions', 'aboutEvents']) {
        const before = json[field];
        if (!Array.isArray(result[field]) || !Array.isArray(before) || json.id === keepId) continue;
        result[field] = combineLinks(result[field] as Json[], (_link, index) => JSON.stringify(before[index]) !== JSON.stringify((result[field] as Json[])[index]));
      }
      if (JSON.stringify(result) === JSON.stringify(json)) return record;
      changed = true;
      changes.push({ id: record.id, kind: kindOfCollection[each], change: 'UPDATED' });
      return { ...result, revision: (json.revision as number) + 1 } as unknown as StoredRecord;
    });
    if (each === collection) {
      changed = true;
      const index = next.findIndex((record) => record.id === mergeId);
      next[index] = { ...duplicate, revision: (duplicate.revision as number) + 1, mergedInto: { id: keepId, ...merge } } as unknown as StoredRecord;
      changes.push({ id: mergeId, kind, change: 'MERGED' });
    }
    if (changed) (records as Record<string, unknown>)[each] = next;
  }
  return { records, changes, collection };
}
