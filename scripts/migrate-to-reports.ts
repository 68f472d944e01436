/**
 * One-off migration of a data folder from the single-source model (one evidence span a link, one
 * source a statement) to the multi-source model: statements with reports, and every link with a list
 * of evidence spans and an `inferred` flag. Idempotent: a folder already converted is left as it is.
 *
 *   npx tsx scripts/migrate-to-reports.ts <data-dir> [<data-dir> …]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, any>;

function read(dir: string, file: string): Json[] {
  return JSON.parse(readFileSync(join(dir, file), 'utf8'));
}

function write(dir: string, file: string, records: Json[]): void {
  writeFileSync(join(dir, file), `${JSON.stringify(records, null, 2)}\n`);
}

/** A single span becomes a list; a list is kept. */
function spans(evidence: unknown): unknown[] {
  return Array.isArray(evidence) ? evidence : evidence ? [evidence] : [];
}

/** Rebuilds `record` with its keys in `order` first (the rest after), so the files stay diffable. */
function ordered(record: Json, order: string[]): Json {
  const result: Json = {};
  for (const key of order) if (record[key] !== undefined) result[key] = record[key];
  for (const [key, value] of Object.entries(record)) if (!(key in result) && value !== undefined) result[key] = value;
  return result;
}

function link(fields: Json, evidence: unknown, inferred?: boolean, note?: string): Json {
  return ordered({ ...fields, evidence: spans(evidence), inferred: inferred ?? false, note }, [...Object.keys(fields), 'evidence', 'inferred', 'note']);
}

const contextNote = 'Known from the article as a whole: no single span names it (recorded before links carried evidence).';

/** Names and aliases of every record, to find a relayer named inside an attribution. */
let namesById = new Map<string, string[]>();

/** The span of `within` (itself a span) that names `id`, if one of its names occurs there. */
function nameSpan(within: Json | undefined, id: string): Json | undefined {
  if (!within) return undefined;
  for (const name of namesById.get(id) ?? []) {
    const at = within.text.indexOf(name);
    if (at >= 0) return { sourceId: within.sourceId, start: within.start + at, end: within.start + at + name.length, text: name };
  }
  return undefined;
}

/** A link to an event the statement mentions takes the mention's words as its evidence. */
function eventLink(old: Json, eventId: string): Json {
  const mention = (old.mentions ?? []).find((each: Json) => each.entityId === eventId);
  return mention ? link({ eventId }, mention.evidence) : link({ eventId }, [], true, contextNote);
}

function migrateStatement(old: Json): Json {
  if (old.reports) return old;
  const relayerSpan = old.relayedById ? nameSpan(old.attribution, old.relayedById) : undefined;
  const report = ordered(
    {
      evidence: old.evidence,
      attribution: old.attribution,
      relayedBy: old.relayedById ? (relayerSpan ? link({ entityId: old.relayedById }, relayerSpan) : link({ entityId: old.relayedById }, [], true, contextNote)) : undefined,
    },
    ['evidence', 'attribution', 'relayedBy'],
  );
  return ordered(
    {
      id: old.id,
      revision: old.revision,
      kind: old.kind,
      text: old.text,
      speakerId: old.speakerId,
      saidAt: old.saidAtEventId ? eventLink(old, old.saidAtEventId) : undefined,
      aboutEvents: (old.aboutEventIds ?? []).map((eventId: string) => eventLink(old, eventId)),
      date: old.date,
      audience: old.audience ? link({ description: old.audience.description, entityIds: old.audience.entityIds ?? [] }, old.audience.evidence) : undefined,
      mentions: (old.mentions ?? []).map((mention: Json) => link({ entityId: mention.entityId }, mention.evidence)),
      continuesId: old.continuesId,
      reports: [report],
      retracted: old.retracted,
    },
    [],
  );
}

function migrateLinkList(items: Json[] | undefined): Json[] | undefined {
  return items?.map((item) => ({ ...item, evidence: spans(item.evidence), inferred: item.inferred ?? false }));
}

export function migrate(dir: string): void {
  namesById = new Map(
    ['persons.json', 'organizations.json', 'countries.json', 'events.json'].flatMap((file) =>
      read(dir, file).map((record) => [record.id, [record.name, ...(record.aliases ?? []), record.label].filter(Boolean)] as [string, string[]]),
    ),
  );
  write(dir, 'persons.json', read(dir, 'persons.json').map((person) => ({ ...person, roles: migrateLinkList(person.roles) })));
  write(
    dir,
    'organizations.json',
    read(dir, 'organizations.json').map((organization) => {
      const { parentId, countryId, ...rest } = organization;
      const migrated: Json = { ...rest, memberships: migrateLinkList(organization.memberships) };
      if (parentId) migrated.parent = link({ organizationId: parentId }, [], true, contextNote);
      if (countryId) migrated.country = link({ countryId }, [], true, contextNote);
      if (organization.statedMemberCount) migrated.statedMemberCount = link({ count: organization.statedMemberCount.count }, organization.statedMemberCount.evidence);
      return ordered(migrated, ['id', 'revision', 'name', 'aliases', 'kind', 'description', 'parent', 'country', 'statedMemberCount', 'memberships', 'evidence']);
    }),
  );
  write(
    dir,
    'events.json',
    read(dir, 'events.json').map((event) => ({
      ...event,
      locations: migrateLinkList(event.locations),
      participants: migrateLinkList(event.participants),
      partOf: event.partOf ? link({ eventId: event.partOf.eventId }, event.partOf.evidence, event.partOf.inferred, event.partOf.note) : undefined,
    })),
  );
  write(dir, 'statements.json', read(dir, 'statements.json').map(migrateStatement));
}

for (const dir of process.argv.slice(2)) migrate(dir);
