/**
 * The changes curators make, as edits for the KnowledgeStore: create and update each kind of record,
 * add and retract roles, memberships and participations, retract statements. Used by the GraphQL
 * mutations and by the authoring command alike, so both anchor evidence and check revisions the same
 * way. Every reference here is a record id (slug); the store checks the result with the loader's rules.
 */
import { AnchorError, anchorQuote, type Span } from '../kb/anchor.js';
import type {
  CountryRecord,
  EventKind,
  EventRecord,
  Evidence,
  LocationRecord,
  MembershipRecord,
  OrganizationKind,
  OrganizationRecord,
  PartialDate,
  ParticipationRecord,
  PersonRecord,
  ReportRecord,
  Retraction,
  RoleRecord,
  SourceRecord,
  StatementKind,
  StatementRecord,
} from '../kb/records.js';
import { CurationError } from './edit-error.js';
import { eventSlug, slugify, sourceSlug, statementSlug } from '../kb/slugs.js';
import type { StoredRecord } from '../kb/knowledge-base.js';
import type { Draft, EditResult } from './knowledge-store.js';

/** Evidence given as the words themselves; the offsets are worked out. */
export interface QuoteInput {
  sourceId: string;
  /** The exact words, as the source prints them. */
  quote: string;
  /** 1-based: which occurrence, when the words occur more than once (within `near` if given). */
  occurrence?: number;
  /** Some surrounding words, occurring once in the source, that contain the quote and so decide which occurrence is meant. */
  near?: string;
}

export interface DateInput {
  value: string;
  precision: PartialDate['precision'];
  qualifier?: PartialDate['qualifier'];
  inferred?: boolean;
  note?: string;
}

/** Who is making the change, as named in the server's token list. */
export interface Curator {
  name: string;
}

export interface RoleInput {
  title: string;
  statedAs?: string;
  organizationId?: string;
  countryId?: string;
  start?: DateInput;
  end?: DateInput;
  inferred?: boolean;
  note?: string;
  evidence: QuoteInput;
}

export interface MembershipInput {
  countryId: string;
  role?: string;
  start?: DateInput;
  end?: DateInput;
  inferred?: boolean;
  note?: string;
  evidence: QuoteInput;
}

export interface ParticipationInput {
  entityId: string;
  role: string;
  inferred?: boolean;
  note?: string;
  evidence: QuoteInput;
}

export interface LocationInput {
  city?: string;
  countryId?: string;
  inferred?: boolean;
  note?: string;
  evidence: QuoteInput;
}

/** Fields left undefined are kept; `null` clears an optional field. */
type Patch<T> = { [K in keyof T]?: T[K] | null };

export { slugify } from '../kb/slugs.js';

/**
 * A link a curator states through the API without quoting words for it: marked inferred, with a note
 * saying so, until evidence is added (`addEvidence`).
 */
function statedLink<T extends object>(fields: T): T & { evidence: Evidence[]; inferred: boolean; note: string } {
  return { ...fields, evidence: [], inferred: true, note: 'Stated by a curator without quoted evidence.' };
}

/** The id given, else one made from the record's name (`made` turns it into a short, readable slug). */
function idFor(given: string | undefined, from: string | null | undefined, what: string, made: (from: string) => string = slugify): string {
  const id = given ?? (from ? made(from) : '');
  if (id === '') throw new CurationError('INVALID_RECORD', `Give an id for the new ${what}: none can be made from its name`);
  return id;
}

/**
 * The id given, else one made from the record's words that steps aside ("-2", "-3") from ids already
 * taken: two statements that start alike, or two events of one day, are different records. (A person,
 * country or organization keeps the id of its name, so that a second record of one name is refused.)
 */
function freeIdFor(draft: Draft, given: string | undefined, from: string, what: string, made: (from: string) => string): string {
  if (given !== undefined) return given;
  const base = idFor(undefined, from, what, made);
  let id = base;
  for (let suffix = 2; draft.kindOf(id) !== undefined; suffix++) id = `${base}-${suffix}`;
  return id;
}

/** Anchors quoted words in their source; `scope`, when given, is where the words are looked for first. */
export function anchorEvidence(draft: Draft, input: QuoteInput, field: string, scope?: Span): Evidence {
  const source = draft.get(input.sourceId);
  if (!source || draft.kindOf(input.sourceId) !== 'Source') {
    throw new CurationError('UNKNOWN_REFERENCE', `${field}: no source with id "${input.sourceId}"`, { field });
  }
  const text = (source as SourceRecord).text;
  try {
    let span: Span;
    if (input.near !== undefined) {
      const around = anchorQuote(text, input.near);
      const inside = anchorQuote(text.slice(around.start, around.end), input.quote, { occurrence: input.occurrence });
      span = { start: around.start + inside.start, end: around.start + inside.end };
    } else {
      span = anchorQuote(text, input.quote, { occurrence: input.occurrence, scopes: scope ? [scope] : [] });
    }
    return { sourceId: input.sourceId, start: span.start, end: span.end, text: text.slice(span.start, span.end) };
  } catch (error) {
    if (!(error instanceof AnchorError)) throw error;
    const where = input.near !== undefined ? ' (looking inside the "near" words)' : '';
    throw new CurationError(error.reason === 'ambiguous' ? 'EVIDENCE_AMBIGUOUS' : 'EVIDENCE_NOT_FOUND', `${field}: ${error.message}${where}`, { field });
  }
}

function toDate(input: DateInput | undefined | null): PartialDate | undefined {
  if (!input) return undefined;
  return { value: input.value, precision: input.precision, qualifier: input.qualifier ?? 'ON', inferred: input.inferred ?? false, ...(input.note ? { note: input.note } : {}) };
}

/** Drops undefined keys so the stored JSON carries only what was given. */
function compact<T extends object>(record: T): T {
  for (const key of Object.keys(record) as (keyof T)[]) if (record[key] === undefined) delete record[key];
  return record;
}

/** Applies a patch: undefined keeps the old value, null removes the field. */
function patched<T extends object>(record: T, patch: Patch<Partial<T>>): T {
  const next = { ...record } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next as T;
}

function existing<R extends { id: string; revision: number }>(draft: Draft, id: string, kind: string, expectedRevision: number): R {
  let record = draft.get(id);
  // A merged record answers as the record it was merged into, for changes as for reads.
  for (let hops = 0; record && 'mergedInto' in record && record.mergedInto && hops < 100; hops += 1) record = draft.get(record.mergedInto.id);
  if (!record || draft.kindOf(id) !== kind) throw new CurationError('NOT_FOUND', `No ${kind} with id "${id}"`, { id });
  const current = (record as unknown as R).revision;
  if (current !== expectedRevision) {
    throw new CurationError('REVISION_CONFLICT', `${kind} "${id}" is at revision ${current}, not ${expectedRevision}: it changed since you read it. Read it again and reapply your change.`, {
      id,
      expectedRevision,
      currentRevision: current,
    });
  }
  return record as unknown as R;
}

function nextRevision<R extends { revision: number }>(record: R): R {
  return { ...record, revision: record.revision + 1 };
}

function retraction(reason: string, curator: Curator, now: Date): Retraction {
  return { at: now.toISOString(), reason, by: curator.name };
}

function retractAt<T extends { retracted?: Retraction }>(items: T[], position: number, what: string, owner: string, mark: Retraction): T[] {
  const item = items[position];
  if (!Number.isInteger(position) || !item) {
    throw new CurationError('NOT_FOUND', `${owner} has no ${what} at position ${position} (it has ${items.length})`, { position });
  }
  if (item.retracted) throw new CurationError('INVALID_RECORD', `The ${what} at position ${position} of ${owner} was already retracted on ${item.retracted.at}`, { position });
  return items.map((each, index) => (index === position ? { ...each, retracted: mark } : each));
}

// Sources

export interface CreateSourceInput {
  id?: string;
  title: string;
  text: string;
  language: string;
  publishedOn?: DateInput;
  origin?: string;
}

export const createSource =
  (input: CreateSourceInput) =>
  (draft: Draft): EditResult<SourceRecord> => ({
    change: 'CREATED',
    record: compact({
      id: freeIdFor(draft, input.id, input.title, 'source', (title) => sourceSlug(title, input.publishedOn?.value)),
      revision: 1,
      kind: 'NEWS_ARTICLE' as const,
      title: input.title,
      text: input.text,
      language: input.language,
      publishedOn: toDate(input.publishedOn),
      origin: input.origin,
    }),
  });

// Persons and roles

function toRole(draft: Draft, input: RoleInput, field: string): RoleRecord {
  return compact({
    title: input.title,
    statedAs: input.statedAs,
    organizationId: input.organizationId,
    countryId: input.countryId,
    start: toDate(input.start),
    end: toDate(input.end),
    inferred: input.inferred ?? false,
    note: input.note,
    evidence: [anchorEvidence(draft, input.evidence, `${field}.evidence`)],
  });
}

export interface CreatePersonInput {
  id?: string;
  name: string | null;
  label?: string;
  aliases?: string[];
  description: string;
  roles?: RoleInput[];
}

export const createPerson =
  (input: CreatePersonInput) =>
  (draft: Draft): EditResult<PersonRecord> => ({
    change: 'CREATED',
    record: compact({
      id: idFor(input.id, input.name ?? input.label, 'person'),
      revision: 1,
      name: input.name,
      label: input.label,
      aliases: input.aliases ?? [],
      description: input.description,
      roles: (input.roles ?? []).map((role, index) => toRole(draft, role, `roles[${index}]`)),
    }),
  });

export interface UpdatePersonInput {
  id: string;
  expectedRevision: number;
  name?: string | null;
  label?: string | null;
  aliases?: string[];
  description?: string;
}

export const updatePerson =
  ({ id, expectedRevision, ...patch }: UpdatePersonInput) =>
  (draft: Draft): EditResult<PersonRecord> => {
    const person = existing<PersonRecord>(draft, id, 'Person', expectedRevision);
    // `name: null` makes the person unnamed rather than removing the field, which the data requires.
    const { name, ...rest } = patch;
    const next = patched(nextRevision(person), rest);
    return { change: 'UPDATED', record: name === undefined ? next : { ...next, name } };
  };

export const addRole =
  (personId: string, expectedRevision: number, input: RoleInput) =>
  (draft: Draft): EditResult<PersonRecord> => {
    const person = existing<PersonRecord>(draft, personId, 'Person', expectedRevision);
    return { change: 'UPDATED', record: { ...nextRevision(person), roles: [...person.roles, toRole(draft, input, 'role')] } };
  };

export const retractRole =
  (personId: string, expectedRevision: number, position: number, reason: string, curator: Curator, now = new Date()) =>
  (draft: Draft): EditResult<PersonRecord> => {
    const person = existing<PersonRecord>(draft, personId, 'Person', expectedRevision);
    return { change: 'RETRACTED', record: { ...nextRevision(person), roles: retractAt(person.roles, position, 'role', `Person "${personId}"`, retraction(reason, curator, now)) } };
  };

// Countries

export interface CreateCountryInput {
  id?: string;
  name: string;
  aliases?: string[];
  description: string;
  isoAlpha2: string;
  isoAlpha3: string;
  evidence?: QuoteInput[];
}

export const createCountry =
  (input: CreateCountryInput) =>
  (draft: Draft): EditResult<CountryRecord> => ({
    change: 'CREATED',
    record: {
      id: idFor(input.id, input.name, 'country'),
      revision: 1,
      name: input.name,
      aliases: input.aliases ?? [],
      description: input.description,
      isoAlpha2: input.isoAlpha2,
      isoAlpha3: input.isoAlpha3,
      evidence: (input.evidence ?? []).map((quote, index) => anchorEvidence(draft, quote, `evidence[${index}]`)),
    },
  });

export interface UpdateCountryInput {
  id: string;
  expectedRevision: number;
  name?: string;
  aliases?: string[];
  description?: string;
  /** More places where a source mentions the country. */
  addEvidence?: QuoteInput[];
}

export const updateCountry =
  ({ id, expectedRevision, addEvidence, ...patch }: UpdateCountryInput) =>
  (draft: Draft): EditResult<CountryRecord> => {
    const country = existing<CountryRecord>(draft, id, 'Country', expectedRevision);
    const added = (addEvidence ?? []).map((quote, index) => anchorEvidence(draft, quote, `addEvidence[${index}]`));
    return { change: 'UPDATED', record: { ...patched(nextRevision(country), patch), evidence: [...country.evidence, ...added] } };
  };

// Organizations and memberships

function toMembership(draft: Draft, input: MembershipInput, field: string): MembershipRecord {
  return compact({
    countryId: input.countryId,
    role: input.role,
    start: toDate(input.start),
    end: toDate(input.end),
    inferred: input.inferred ?? false,
    note: input.note,
    evidence: [anchorEvidence(draft, input.evidence, `${field}.evidence`)],
  });
}

export interface CreateOrganizationInput {
  id?: string;
  name: string;
  aliases?: string[];
  kind: OrganizationKind;
  description: string;
  parentId?: string;
  countryId?: string;
  memberships?: MembershipInput[];
  evidence?: QuoteInput[];
}

export const createOrganization =
  (input: CreateOrganizationInput) =>
  (draft: Draft): EditResult<OrganizationRecord> => ({
    change: 'CREATED',
    record: compact({
      id: idFor(input.id, input.name, 'organization'),
      revision: 1,
      name: input.name,
      aliases: input.aliases ?? [],
      kind: input.kind,
      description: input.description,
      parent: input.parentId ? statedLink({ organizationId: input.parentId }) : undefined,
      country: input.countryId ? statedLink({ countryId: input.countryId }) : undefined,
      memberships: (input.memberships ?? []).map((membership, index) => toMembership(draft, membership, `memberships[${index}]`)),
      evidence: (input.evidence ?? []).map((quote, index) => anchorEvidence(draft, quote, `evidence[${index}]`)),
    }),
  });

export interface UpdateOrganizationInput {
  id: string;
  expectedRevision: number;
  name?: string;
  aliases?: string[];
  kind?: OrganizationKind;
  description?: string;
  parentId?: string | null;
  countryId?: string | null;
  addEvidence?: QuoteInput[];
}

export const updateOrganization =
  ({ id, expectedRevision, addEvidence, parentId, countryId, ...patch }: UpdateOrganizationInput) =>
  (draft: Draft): EditResult<OrganizationRecord> => {
    const organization = existing<OrganizationRecord>(draft, id, 'Organization', expectedRevision);
    const added = (addEvidence ?? []).map((quote, index) => anchorEvidence(draft, quote, `addEvidence[${index}]`));
    const links = {
      // A link named again keeps its evidence; a new one starts without.
      parent: parentId === undefined ? undefined : parentId === null ? null : parentId === organization.parent?.organizationId ? organization.parent : statedLink({ organizationId: parentId }),
      country: countryId === undefined ? undefined : countryId === null ? null : countryId === organization.country?.countryId ? organization.country : statedLink({ countryId }),
    };
    return { change: 'UPDATED', record: { ...patched(nextRevision(organization), { ...patch, ...links }), evidence: [...organization.evidence, ...added] } };
  };

export const addMembership =
  (organizationId: string, expectedRevision: number, input: MembershipInput) =>
  (draft: Draft): EditResult<OrganizationRecord> => {
    const organization = existing<OrganizationRecord>(draft, organizationId, 'Organization', expectedRevision);
    return { change: 'UPDATED', record: { ...nextRevision(organization), memberships: [...organization.memberships, toMembership(draft, input, 'membership')] } };
  };

export const retractMembership =
  (organizationId: string, expectedRevision: number, position: number, reason: string, curator: Curator, now = new Date()) =>
  (draft: Draft): EditResult<OrganizationRecord> => {
    const organization = existing<OrganizationRecord>(draft, organizationId, 'Organization', expectedRevision);
    const memberships = retractAt(organization.memberships, position, 'membership', `Organization "${organizationId}"`, retraction(reason, curator, now));
    return { change: 'RETRACTED', record: { ...nextRevision(organization), memberships } };
  };

// Events and participations

function toParticipation(draft: Draft, input: ParticipationInput, field: string): ParticipationRecord {
  return compact({
    entityId: input.entityId,
    role: input.role,
    inferred: input.inferred ?? false,
    note: input.note,
    evidence: [anchorEvidence(draft, input.evidence, `${field}.evidence`)],
  });
}

function toLocation(draft: Draft, input: LocationInput, field: string): LocationRecord {
  return compact({
    city: input.city,
    countryId: input.countryId,
    inferred: input.inferred ?? false,
    note: input.note,
    evidence: [anchorEvidence(draft, input.evidence, `${field}.evidence`)],
  });
}

export interface CreateEventInput {
  id?: string;
  name: string;
  aliases?: string[];
  kind: EventKind;
  description: string;
  start?: DateInput;
  end?: DateInput;
  locations?: LocationInput[];
  participants?: ParticipationInput[];
  partOf?: { eventId: string; evidence: QuoteInput };
  evidence: QuoteInput[];
}

export const createEvent =
  (input: CreateEventInput) =>
  (draft: Draft): EditResult<EventRecord> => ({
    change: 'CREATED',
    record: compact({
      id: freeIdFor(draft, input.id, input.name, 'event', (name) => eventSlug(name, input.start?.value)),
      revision: 1,
      name: input.name,
      aliases: input.aliases ?? [],
      kind: input.kind,
      description: input.description,
      start: toDate(input.start),
      end: toDate(input.end),
      locations: (input.locations ?? []).map((location, index) => toLocation(draft, location, `locations[${index}]`)),
      participants: (input.participants ?? []).map((participant, index) => toParticipation(draft, participant, `participants[${index}]`)),
      partOf: input.partOf ? { eventId: input.partOf.eventId, evidence: [anchorEvidence(draft, input.partOf.evidence, 'partOf.evidence')], inferred: false } : undefined,
      evidence: input.evidence.map((quote, index) => anchorEvidence(draft, quote, `evidence[${index}]`)),
    }),
  });

export interface UpdateEventInput {
  id: string;
  expectedRevision: number;
  name?: string;
  aliases?: string[];
  kind?: EventKind;
  description?: string;
  start?: DateInput | null;
  end?: DateInput | null;
  addLocations?: LocationInput[];
  addEvidence?: QuoteInput[];
}

export const updateEvent =
  ({ id, expectedRevision, addLocations, addEvidence, start, end, ...patch }: UpdateEventInput) =>
  (draft: Draft): EditResult<EventRecord> => {
    const event = existing<EventRecord>(draft, id, 'Event', expectedRevision);
    const locations = (addLocations ?? []).map((location, index) => toLocation(draft, location, `addLocations[${index}]`));
    const evidence = (addEvidence ?? []).map((quote, index) => anchorEvidence(draft, quote, `addEvidence[${index}]`));
    const dates = { start: start === null ? null : toDate(start), end: end === null ? null : toDate(end) };
    return {
      change: 'UPDATED',
      record: { ...patched(nextRevision(event), { ...patch, ...dates }), locations: [...event.locations, ...locations], evidence: [...event.evidence, ...evidence] },
    };
  };

export const addParticipation =
  (eventId: string, expectedRevision: number, input: ParticipationInput) =>
  (draft: Draft): EditResult<EventRecord> => {
    const event = existing<EventRecord>(draft, eventId, 'Event', expectedRevision);
    return { change: 'UPDATED', record: { ...nextRevision(event), participants: [...event.participants, toParticipation(draft, input, 'participation')] } };
  };

export const retractParticipation =
  (eventId: string, expectedRevision: number, position: number, reason: string, curator: Curator, now = new Date()) =>
  (draft: Draft): EditResult<EventRecord> => {
    const event = existing<EventRecord>(draft, eventId, 'Event', expectedRevision);
    const participants = retractAt(event.participants, position, 'participation', `Event "${eventId}"`, retraction(reason, curator, now));
    return { change: 'RETRACTED', record: { ...nextRevision(event), participants } };
  };

// Statements

export interface MentionInput {
  entityId: string;
  /** The words that refer to the entity; looked for inside the statement's words first. */
  quote: string;
  occurrence?: number;
}

export interface CreateStatementInput {
  id?: string;
  kind: StatementKind;
  /** The statement's words in the source; they become its text and its first report's words. */
  words: QuoteInput;
  /** A person, organization or country; null for words attributed to nobody or to an unnamed group. */
  speakerId: string | null;
  speakerGroup?: { description: string; memberOfIds?: string[] };
  /** The words that attribute the statement ("he told reporters"), in the same source. */
  attribution: Omit<QuoteInput, 'sourceId'>;
  relayedById?: string;
  relayedByWords?: Omit<QuoteInput, 'sourceId'>;
  hedge?: Omit<QuoteInput, 'sourceId'>;
  saidAtEventId?: string;
  aboutEventIds?: string[];
  date?: DateInput;
  audience?: { description: string; entityIds?: string[]; evidence: Omit<QuoteInput, 'sourceId'> };
  mentions?: MentionInput[];
  continuesId?: string;
}

function mentionsOf(draft: Draft, sourceId: string, mentions: MentionInput[], words: Span, field: string) {
  return mentions.map((mention, index) => ({
    entityId: mention.entityId,
    evidence: [anchorEvidence(draft, { sourceId, quote: mention.quote, occurrence: mention.occurrence }, `${field}[${index}]`, words)],
    inferred: false,
  }));
}

/** A report's words, attribution, relayer and hedge, anchored in its source. */
export interface ReportInput {
  words: QuoteInput;
  attribution: Omit<QuoteInput, 'sourceId'>;
  relayedById?: string;
  /** The words that name the relayer, when the source names it ("according to Kirby"). */
  relayedByWords?: Omit<QuoteInput, 'sourceId'>;
  hedge?: Omit<QuoteInput, 'sourceId'>;
  date?: DateInput;
}

function toReport(draft: Draft, input: ReportInput, field: string): ReportRecord {
  const sourceId = input.words.sourceId;
  const inSource = (quote: Omit<QuoteInput, 'sourceId'> | undefined, name: string) => (quote ? anchorEvidence(draft, { ...quote, sourceId }, `${field}${name}`) : undefined);
  const relayerWords = inSource(input.relayedByWords, 'relayedByWords');
  return compact({
    evidence: anchorEvidence(draft, input.words, `${field}words`),
    attribution: anchorEvidence(draft, { ...input.attribution, sourceId }, `${field}attribution`),
    relayedBy: input.relayedById ? (relayerWords ? { entityId: input.relayedById, evidence: [relayerWords], inferred: false } : statedLink({ entityId: input.relayedById })) : undefined,
    hedge: inSource(input.hedge, 'hedge'),
    date: toDate(input.date),
  });
}

export const createStatement =
  (input: CreateStatementInput) =>
  (draft: Draft): EditResult<StatementRecord> => {
    const report = toReport(draft, input, '');
    const { evidence } = report;
    const sourceId = input.words.sourceId;
    const speaker = input.speakerId ? draft.get(input.speakerId) : undefined;
    const speakerName = speaker && 'name' in speaker ? (speaker.name ?? input.speakerId) : (input.speakerGroup?.description ?? 'unattributed');
    return {
      change: 'CREATED',
      record: compact({
        id: freeIdFor(draft, input.id, evidence.text, 'statement', (text) => statementSlug(speakerName, text)),
        revision: 1,
        kind: input.kind,
        text: evidence.text,
        speakerId: input.speakerId,
        speakerGroup: input.speakerGroup ? { description: input.speakerGroup.description, memberOfIds: input.speakerGroup.memberOfIds ?? [] } : undefined,
        saidAt: input.saidAtEventId ? statedLink({ eventId: input.saidAtEventId }) : undefined,
        aboutEvents: (input.aboutEventIds ?? []).map((eventId) => statedLink({ eventId })),
        date: toDate(input.date),
        audience: input.audience
          ? {
              description: input.audience.description,
              entityIds: input.audience.entityIds ?? [],
              evidence: [anchorEvidence(draft, { ...input.audience.evidence, sourceId }, 'audience.evidence')],
              inferred: false,
            }
          : undefined,
        mentions: mentionsOf(draft, sourceId, input.mentions ?? [], evidence, 'mentions'),
        continuesId: input.continuesId,
        reports: [report],
      }),
    };
  };

export interface UpdateStatementInput {
  id: string;
  expectedRevision: number;
  kind?: StatementKind;
  speakerId?: string | null;
  /** The relayer of the first report (kept for clients of the single-source API); null removes it. */
  relayedById?: string | null;
  saidAtEventId?: string | null;
  aboutEventIds?: string[];
  date?: DateInput | null;
  addMentions?: MentionInput[];
  /** Which report's words become the statement's text (its position, 0 for the first report). */
  canonicalReport?: number;
}

function inForce(statement: StatementRecord, id: string): void {
  if (statement.retracted) throw new CurationError('INVALID_RECORD', `Statement "${id}" is retracted; a retracted statement is kept as it was`, { id });
}

export const updateStatement =
  ({ id, expectedRevision, addMentions, speakerId, relayedById, date, saidAtEventId, aboutEventIds, canonicalReport, ...patch }: UpdateStatementInput) =>
  (draft: Draft): EditResult<StatementRecord> => {
    const statement = existing<StatementRecord>(draft, id, 'Statement', expectedRevision);
    inForce(statement, id);
    // New mentions are looked for inside the words of the report they are quoted from: the first report's.
    const words = statement.reports[0]!.evidence;
    const mentions = mentionsOf(draft, words.sourceId, addMentions ?? [], words, 'addMentions');
    const links = {
      saidAt: saidAtEventId === undefined ? undefined : saidAtEventId === null ? null : saidAtEventId === statement.saidAt?.eventId ? statement.saidAt : statedLink({ eventId: saidAtEventId }),
      aboutEvents: aboutEventIds?.map((eventId) => statement.aboutEvents.find((about) => about.eventId === eventId) ?? statedLink({ eventId })),
    };
    let text: string | undefined;
    if (canonicalReport !== undefined) {
      const report = statement.reports[canonicalReport];
      if (!report || report.retracted) {
        throw new CurationError('NOT_FOUND', `Statement "${id}" has no report in force at position ${canonicalReport} (it has ${statement.reports.length})`, { id, position: canonicalReport });
      }
      text = report.evidence.text;
    }
    const next = patched(nextRevision(statement), { ...patch, ...links, text, date: date === null ? null : toDate(date) });
    let reports = statement.reports;
    if (relayedById !== undefined) {
      const [first, ...rest] = reports;
      const { relayedBy: current, ...plain } = first!;
      const relayedBy = relayedById === null ? undefined : current?.entityId === relayedById ? current : statedLink({ entityId: relayedById });
      reports = [relayedBy ? { ...plain, relayedBy } : plain, ...rest];
    }
    return { change: 'UPDATED', record: { ...next, reports, ...(speakerId === undefined ? {} : { speakerId }), mentions: [...statement.mentions, ...mentions] } };
  };

/** Adds one source's account of a statement; its words may differ from the statement's text (a variant). */
export const addStatementReport =
  (id: string, expectedRevision: number, input: ReportInput) =>
  (draft: Draft): EditResult<StatementRecord> => {
    const statement = existing<StatementRecord>(draft, id, 'Statement', expectedRevision);
    inForce(statement, id);
    return { change: 'REPORTED', record: { ...nextRevision(statement), reports: [...statement.reports, toReport(draft, input, 'report.')] } };
  };

/** Withdraws one report of a statement; the statement stays, with its other reports. */
export const retractStatementReport =
  (id: string, expectedRevision: number, position: number, reason: string, curator: Curator, now = new Date()) =>
  (draft: Draft): EditResult<StatementRecord> => {
    const statement = existing<StatementRecord>(draft, id, 'Statement', expectedRevision);
    inForce(statement, id);
    const reports = retractAt(statement.reports, position, 'report', `Statement "${id}"`, retraction(reason, curator, now));
    const remaining = reports.filter((report) => !report.retracted);
    if (remaining.length === 0) {
      throw new CurationError('INVALID_RECORD', `The report at position ${position} is the last of statement "${id}" in force; retract the statement instead`, { id, position });
    }
    // The canonical wording must stay one that a report in force prints.
    const text = remaining.some((report) => report.evidence.text === statement.text) ? statement.text : remaining[0]!.evidence.text;
    return { change: 'RETRACTED', record: { ...nextRevision(statement), text, reports } };
  };

export const retractStatement =
  (id: string, expectedRevision: number, reason: string, curator: Curator, now = new Date()) =>
  (draft: Draft): EditResult<StatementRecord> => {
    const statement = existing<StatementRecord>(draft, id, 'Statement', expectedRevision);
    if (statement.retracted) throw new CurationError('INVALID_RECORD', `Statement "${id}" was already retracted on ${statement.retracted.at}`, { id });
    return { change: 'RETRACTED', record: { ...nextRevision(statement), retracted: retraction(reason, curator, now) } };
  };

// Evidence for links

/** The links that carry provenance, by the record that holds them. */
export type LinkKind =
  | 'ROLE'
  | 'MEMBERSHIP'
  | 'PARTICIPATION'
  | 'LOCATION'
  | 'PART_OF'
  | 'PARENT'
  | 'ORGANIZATION_COUNTRY'
  | 'STATED_MEMBER_COUNT'
  | 'PERSON_NAME'
  | 'SAID_AT'
  | 'ABOUT_EVENT'
  | 'AUDIENCE'
  | 'MENTION'
  | 'RELAYED_BY';

/** The kind of record that holds each link. */
export const holderOfLink: Record<LinkKind, 'Person' | 'Organization' | 'Event' | 'Statement'> = {
  ROLE: 'Person',
  PERSON_NAME: 'Person',
  MEMBERSHIP: 'Organization',
  PARENT: 'Organization',
  ORGANIZATION_COUNTRY: 'Organization',
  STATED_MEMBER_COUNT: 'Organization',
  PARTICIPATION: 'Event',
  LOCATION: 'Event',
  PART_OF: 'Event',
  SAID_AT: 'Statement',
  ABOUT_EVENT: 'Statement',
  AUDIENCE: 'Statement',
  MENTION: 'Statement',
  RELAYED_BY: 'Statement',
};

/** Where each link lives in its record: a field, a list (picked by position) or a report's field. */
const linkPlaces: Record<LinkKind, { field: string; list?: true; inReport?: true }> = {
  ROLE: { field: 'roles', list: true },
  PERSON_NAME: { field: 'nameProvenance' },
  MEMBERSHIP: { field: 'memberships', list: true },
  PARENT: { field: 'parent' },
  ORGANIZATION_COUNTRY: { field: 'country' },
  STATED_MEMBER_COUNT: { field: 'statedMemberCount' },
  PARTICIPATION: { field: 'participants', list: true },
  LOCATION: { field: 'locations', list: true },
  PART_OF: { field: 'partOf' },
  SAID_AT: { field: 'saidAt' },
  ABOUT_EVENT: { field: 'aboutEvents', list: true },
  AUDIENCE: { field: 'audience' },
  MENTION: { field: 'mentions', list: true },
  RELAYED_BY: { field: 'relayedBy', inReport: true },
};

export interface AddEvidenceInput {
  recordId: string;
  expectedRevision: number;
  link: LinkKind;
  /** Which role, membership, participation, location, event, mention or report (0 for the first); for list links and RELAYED_BY. */
  position?: number;
  evidence: QuoteInput[];
  /** Set to change whether the link is inferred (false once the new words state it outright). */
  inferred?: boolean;
  /** The new note; null removes it. */
  note?: string | null;
}

/**
 * Adds evidence spans, from any source, to one existing link: a second source stating Kerry's role
 * adds a span to the role, never a second role. A span the link already cites is refused.
 */
export const addLinkEvidence =
  ({ recordId, expectedRevision, link, position, evidence, inferred, note }: AddEvidenceInput) =>
  (draft: Draft): EditResult => {
    const kind = holderOfLink[link];
    const record = existing<StoredRecord & { revision: number }>(draft, recordId, kind, expectedRevision) as unknown as Record<string, unknown>;
    if ('retracted' in record && record.retracted) throw new CurationError('INVALID_RECORD', `${kind} "${recordId}" is retracted; a retracted record is kept as it was`, { id: recordId });
    const place = linkPlaces[link];
    const positioned = place.list || place.inReport;
    if (positioned && position === undefined) throw new CurationError('INVALID_RECORD', `A ${link} link is one of a list: say which with "position"`, { link });
    const container = place.inReport ? (record.reports as Record<string, unknown>[])[position!] : record;
    const current = container === undefined ? undefined : place.list ? (container[place.field] as Record<string, unknown>[])[position!] : container[place.field];
    const missing = container === undefined || (current === undefined && link !== 'PERSON_NAME');
    if (missing) {
      const where = positioned ? ` at position ${position}` : '';
      throw new CurationError('NOT_FOUND', `${kind} "${recordId}" has no ${link} link${where}`, { id: recordId, link, position: position ?? null });
    }
    const linkRecord = (current ?? { evidence: [], inferred: false }) as { evidence: Evidence[]; inferred: boolean; note?: string };
    const spans = evidence.map((quote, index) => anchorEvidence(draft, quote, `evidence[${index}]`));
    for (const span of spans) {
      if ([...linkRecord.evidence, ...spans.filter((other) => other !== span)].some((other) => other.sourceId === span.sourceId && other.start === span.start && other.end === span.end)) {
        throw new CurationError('INVALID_RECORD', `The ${link} link already cites ${JSON.stringify(span.text)} in "${span.sourceId}" at ${span.start}..${span.end}`, { link });
      }
    }
    const nextLink: Record<string, unknown> = { ...linkRecord, evidence: [...linkRecord.evidence, ...spans] };
    if (inferred !== undefined) nextLink.inferred = inferred;
    if (note === null) delete nextLink.note;
    else if (note !== undefined) nextLink.note = note;
    // A link that is no longer inferred drops the note that said how it was inferred, unless a new one is given.
    if (inferred === false && note === undefined) delete nextLink.note;
    const replaced = (holder: Record<string, unknown>) =>
      place.list ? { ...holder, [place.field]: (holder[place.field] as unknown[]).map((each, index) => (index === position ? nextLink : each)) } : { ...holder, [place.field]: nextLink };
    const next = place.inReport
      ? { ...record, reports: (record.reports as Record<string, unknown>[]).map((report, index) => (index === position ? replaced(report) : report)) }
      : replaced(record);
    return { change: 'UPDATED', record: { ...next, revision: (record.revision as number) + 1 } as unknown as StoredRecord };
  };
