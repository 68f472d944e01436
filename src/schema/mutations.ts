/**
 * What every mutation shares: the inputs for quoted evidence and dates, the `Retraction` type, and
 * `applyEdit`, which runs an edit through the store and turns its failures into coded GraphQL errors.
 * The mutations themselves live beside their types (`createPerson` in person.ts, …).
 */
import { GraphQLError } from 'graphql';
import type { InputFieldBuilder, InputObjectRef } from '@pothos/core';
import { builder } from '../builder.js';
import { moveToReads, readsAfter, type Context } from '../context.js';
import { badUserInput, clipped, ErrorCode } from '../errors.js';
import type { KnowledgeBase, RecordKind, RecordsByCollection, StoredRecord } from '../kb/knowledge-base.js';
import { readsWithoutTransaction, snapshotOf, type Snapshot } from '../kb/snapshot.js';
import { MAX_SLUG_LENGTH, SLUG_PATTERN, type Collection, type Retraction } from '../kb/records.js';
import { CurationError } from '../store/edit-error.js';
import type { Curator, DateInput, QuoteInput } from '../store/edits.js';
import type { Edit, KnowledgeStore } from '../store/knowledge-store.js';
import type { PostgresWriter } from '../store/postgres/writer.js';
import { DatePrecisionEnum, DateQualifierEnum } from './dates.js';
import { parseReference } from './lookup.js';
import { aKind, anyOfKinds } from '../kb/text.js';

builder.mutationType({
  description:
    'Changes to the knowledge base, for curators: each needs `Authorization: Bearer <token>` (HTTP 401 without one). ' +
    'A change is on disk before its answer arrives. Updates name the `revision` they read (`expectedRevision`); a stale one gets REVISION_CONFLICT and changes nothing. ' +
    'Evidence is given as the quoted words and their offsets are worked out.',
});

export const QuoteInputRef = builder.inputType('QuoteInput', {
  description:
    'Evidence given by quoting: the exact words of the source, whose offsets the server works out. When the words occur more than once, say which with `occurrence` or `near`; ' +
    'missing words are EVIDENCE_NOT_FOUND, undecided ones EVIDENCE_AMBIGUOUS.',
  fields: (t) => ({
    source: t.id({ required: true, description: 'The source the words are in (global id or slug).' }),
    quote: t.string({ required: true, description: 'The exact words, as the source prints them (same punctuation and quotation marks).' }),
    occurrence: t.int({ required: false, description: 'Which occurrence (1 for the first) when the words occur more than once; counted inside `near` when that is given.' }),
    near: t.string({ required: false, description: 'Some surrounding words that occur once in the source and contain the quote, to pick the right occurrence.' }),
  }),
});

export const InnerQuoteInputRef = builder.inputType('InnerQuoteInput', {
  description: 'Evidence quoted from the same source as the record it belongs to (a statement\'s attribution or mentions).',
  fields: (t) => ({
    quote: t.string({ required: true, description: 'The exact words, as the source prints them.' }),
    occurrence: t.int({ required: false, description: 'Which occurrence (1 for the first) when the words occur more than once.' }),
    near: t.string({ required: false, description: 'Some surrounding words that occur once in the source and contain the quote.' }),
  }),
});

export const PartialDateInputRef = builder.inputType('PartialDateInput', {
  description: 'A date as precisely as the source gives it.',
  fields: (t) => ({
    value: t.string({ required: true, description: 'ISO 8601 cut to the precision: 2015-12-01, 2015-12 or 2015.' }),
    precision: t.field({ required: true, type: DatePrecisionEnum, description: 'How precisely the date is known.' }),
    qualifier: t.field({ type: DateQualifierEnum, required: false, description: 'On (the default), before or after the date.' }),
    inferred: t.boolean({ required: false, description: 'True when the date is worked out from context rather than read in the text (then `note` is required).' }),
    note: t.string({ required: false, description: 'How an inferred date was worked out.' }),
  }),
});

export const RetractionRef = builder.objectRef<Retraction>('Retraction').implement({
  description: 'Why and when a fact was withdrawn. Retracted facts stay in the data, hidden from default queries.',
  fields: (t) => ({
    retractedAt: t.field({ type: 'DateTime', description: 'When it was retracted.', resolve: (retraction) => new Date(retraction.at) }),
    reason: t.exposeString('reason', { description: 'Why it was retracted.' }),
    retractedBy: t.string({ nullable: true, description: 'The curator who retracted it.', resolve: (retraction) => retraction.by ?? null }),
  }),
});

export const ChangeKindEnum = builder.enumType('ChangeKind', {
  description: 'What a change did to a record.',
  values: {
    CREATED: { description: 'The record is new.' },
    UPDATED: { description: 'Fields of the record changed, or a role, membership, participation or evidence was added.' },
    RETRACTED: { description: 'The record, or a role, membership, participation or report of it, was retracted.' },
    REPORTED: { description: 'A statement gained a report: another source\'s account of it.' },
    MERGED: { description: 'The record was merged into another, which now answers to its id and slug (see `mergeEntities`).' },
  } as const,
});

export type QuoteArg = NonNullable<(typeof QuoteInputRef)['$inferInput']>;
export type InnerQuoteArg = NonNullable<(typeof InnerQuoteInputRef)['$inferInput']>;
export type DateArg = NonNullable<(typeof PartialDateInputRef)['$inferInput']>;

/** Turns GraphQL's nulls for omitted optional fields into absent ones. */
export function orUndefined<T>(value: T | null | undefined): T | undefined {
  return value ?? undefined;
}

/**
 * A reference in an input (global id or slug) as a record id. Only the form and the kind named in a
 * global id are checked here; whether the record exists is checked by the store against the latest data.
 */
export function referenceId(value: string, kinds: readonly RecordKind[], field: string): string {
  const { id, typename } = parseReference(value);
  if (typename !== undefined && !(kinds as readonly string[]).includes(typename)) {
    throw badUserInput(`"${field}" must name ${anyOfKinds(kinds)}, but "${clipped(value)}" is the id of ${aKind(typename)}`, { field });
  }
  return id;
}

/** A nullable reference in an update: undefined (left out) keeps the field, null clears it. */
export function optionalReference(value: string | null | undefined, kinds: readonly RecordKind[], field: string): string | null | undefined {
  return value == null ? value : referenceId(value, kinds, field);
}

/** The id for a new record: a slug given by the client, checked for form. */
export function newRecordId(value: string | null | undefined, field = 'input.slug'): string | undefined {
  if (value == null) return undefined;
  if (!SLUG_PATTERN.test(value) || value.length > MAX_SLUG_LENGTH) {
    throw badUserInput(`"${field}" must be a lowercase slug such as "jane-doe" (letters, digits and single hyphens, at most ${MAX_SLUG_LENGTH} characters)`, { field });
  }
  return value;
}

export function toQuote(input: QuoteArg, field: string): QuoteInput {
  return { sourceId: referenceId(input.source, ['Source'], `${field}.source`), quote: input.quote, occurrence: orUndefined(input.occurrence), near: orUndefined(input.near) };
}

export function toInnerQuote(input: InnerQuoteArg): Omit<QuoteInput, 'sourceId'> {
  return { quote: input.quote, occurrence: orUndefined(input.occurrence), near: orUndefined(input.near) };
}

export function toDateInput(input: DateArg | null | undefined): DateInput | undefined {
  if (!input) return undefined;
  return { value: input.value, precision: input.precision, qualifier: orUndefined(input.qualifier), inferred: orUndefined(input.inferred), note: orUndefined(input.note) };
}

/** The curator making the request; the auth plugin has already refused mutations without one. */
export function curatorOf(context: Context): Curator {
  if (!context.curator) {
    throw new GraphQLError('Changing the knowledge base needs a curator token', { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
  }
  return context.curator;
}

/**
 * Runs `edit` through the store, waits until it is on disk (or committed, on PostgreSQL), and moves the
 * request to the new snapshot so the payload (and later mutations of the same request) read the change.
 * Returns the record as stored.
 */
export async function applyEdit<C extends Collection>(context: Context, collection: C, edit: Edit<C>): Promise<RecordsByCollection[C][number]> {
  if (context.writer) return changeDatabase(context, context.writer, (writer) => writer.edit(collection, edit));
  return changeStore(context, (store) => store.edit(collection, edit));
}

/** Merges `mergeId` into `keepId` through the store (src/store/merge.ts) and moves the request to the snapshot with the merge; returns the kept record. */
export async function applyMerge(context: Context, keepId: string, mergeId: string): Promise<StoredRecord> {
  if (context.writer) return changeDatabase(context, context.writer, (writer, curator) => writer.merge(keepId, mergeId, curator));
  return changeStore(context, (store, curator) => store.merge(keepId, mergeId, curator));
}

/**
 * As `changeStore`, through the PostgreSQL store's writer: each change is a transaction on the database.
 * The payload is read in a new transaction opened once the change is committed and this server follows
 * it: all of it from one state of the data, which holds the change (and any committed since), and
 * which the answer's dataset version names.
 */
export async function changeDatabase<R>(context: Context, writer: PostgresWriter, change: (writer: PostgresWriter, curator: Curator) => Promise<{ record: R; snapshot: Snapshot }>): Promise<R> {
  const curator = curatorOf(context);
  // The reads of the payload before (a second mutation field's) end first: a transaction left open
  // holds the tables an import waits to empty, while this change waits for the import's lock.
  context.endReads?.();
  return codedRefusals(async () => {
    const { record, snapshot } = await change(writer, curator);
    moveToReads(context, await readsAfter(context, snapshot));
    return record;
  });
}

/**
 * Runs one change through the JSON store for a curator (an edit, a merge, an article): refuses without
 * a token or on a read-only server, moves the request to the snapshot that holds the change, and turns
 * the store's refusals into coded GraphQL errors. Returns the record as stored.
 */
export async function changeStore<R>(context: Context, change: (store: KnowledgeStore, curator: Curator) => Promise<{ record: R; kb: KnowledgeBase }>): Promise<R> {
  const curator = curatorOf(context);
  if (!context.store) {
    throw new GraphQLError('This server was started read-only and cannot change the knowledge base', { extensions: { code: ErrorCode.READ_ONLY } });
  }
  const { store } = context;
  return codedRefusals(async () => {
    const { record, kb } = await change(store, curator);
    moveToReads(context, readsWithoutTransaction(snapshotOf(kb)));
    return record;
  });
}

/** Runs a change, turning the store's refusals (CurationError) into GraphQL errors with their codes and details. */
async function codedRefusals<R>(change: () => Promise<R>): Promise<R> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof CurationError) throw new GraphQLError(error.message, { extensions: { ...error.details, code: error.code } });
    throw error;
  }
}

/**
 * The in-memory knowledge base of the request's snapshot, which the JSON store's article preview and
 * drafter work from (a server reading PostgreSQL goes through its writer and draft records instead).
 */
export function knowledgeBaseOf(context: Context, what: string): KnowledgeBase {
  const { kb } = context.snapshot;
  if (!kb) throw new GraphQLError(`${what} needs the knowledge base in memory, which this server does not hold`, { extensions: { code: ErrorCode.UNSUPPORTED_BY_STORE } });
  return kb;
}

/** What a mutation returns before its payload type resolves it: the changed record's id and the dataset version with the change. */
export interface ChangeResult {
  id: string;
  datasetVersion: string;
}

/**
 * The payload type of a mutation (`CreatePersonPayload`): the changed record, loaded from the
 * snapshot that includes the change, and the dataset version.
 */
export function mutationPayload(
  name: string,
  fieldName: string,
  type: object,
  description: string,
) {
  return builder.objectRef<ChangeResult>(name).implement({
    description,
    fields: (t) => ({
      [fieldName]: t.field({
        type: type as never,
        description: 'The record as stored after the change, read once it is committed (from a database, with any change committed since, as `datasetVersion` says).',
        resolve: (result: ChangeResult) => result.id as never,
      }),
      datasetVersion: t.string({
        description: 'The dataset version that includes this change (as in `dataset.version` and `extensions.dataset.version`).',
        resolve: (result) => result.datasetVersion,
      }),
    }),
  });
}

/** The result of `applyEdit` for a payload type. */
export function changeResult(context: Context, record: { id: string }): ChangeResult {
  return { id: record.id, datasetVersion: context.snapshot.info.version };
}

type BuilderTypes = (typeof builder)['$inferSchemaTypes'];

/** How a record's list of parts (a person's roles, an organization's memberships, an event's participations) is added to and retracted from. */
export interface PartMutations<PartArg extends object, Part> {
  /** The input field naming the owner, and the owner's kind: `person`, Person. */
  owner: { field: string; kind: RecordKind; collection: Collection; ref: object };
  /** The part: its name in inputs (`role`), its GraphQL name (`Role`), the mutations' suffix and the list field that shows it (`roles`). */
  part: { field: string; name: string; listField: string };
  partInput: InputObjectRef<BuilderTypes, PartArg>;
  toPart: (input: PartArg, field: string) => Part;
  add: (ownerId: string, expectedRevision: number, part: Part) => Edit<Collection>;
  retract: (ownerId: string, expectedRevision: number, position: number, reason: string, curator: Curator) => Edit<Collection>;
}

/**
 * Defines `add<Part>` and `retract<Part>` with their inputs and payloads: the same shape for roles,
 * memberships and participations, each naming the owner's revision it read.
 */
export function definePartMutations<PartArg extends object, Part>({ owner, part, partInput, toPart, add, retract }: PartMutations<PartArg, Part>): void {
  const ownerLabel = owner.kind.toLowerCase();
  const aOwner = `${/^[aeiou]/.test(ownerLabel) ? 'an' : 'a'} ${ownerLabel}`;
  const ownerFields = (t: InputFieldBuilder<BuilderTypes, 'InputObject'>) => ({
    [owner.field]: t.id({ required: true, description: `The ${ownerLabel} (global id or slug).` }),
    expectedRevision: t.int({ required: true, description: `The ${ownerLabel}'s \`revision\` you read; if it changed since, REVISION_CONFLICT.` }),
  });
  // The fields' names are parameters here, so the inputs are typed as records of their values.
  const AddInput = builder.inputRef<Record<string, unknown>>(`Add${part.name}Input`).implement({
    description: `A ${part.field} to add to ${aOwner}.`,
    fields: (t) => ({
      ...ownerFields(t),
      [part.field]: t.field({ type: partInput, required: true, description: `The ${part.field}.` }),
    }),
  });
  const RetractInput = builder.inputRef<Record<string, unknown>>(`Retract${part.name}Input`).implement({
    description: `A ${part.field} to retract: it stays in the data, marked with the reason, and is hidden from default queries.`,
    fields: (t) => ({
      ...ownerFields(t),
      position: t.int({ required: true, description: `The ${part.field}'s \`position\`.` }),
      reason: t.string({ required: true, description: `Why the ${part.field} is retracted.` }),
    }),
  });
  const payload = (mutation: string) => mutationPayload(`${mutation[0]!.toUpperCase()}${mutation.slice(1)}Payload`, owner.field, owner.ref, `The result of \`${mutation}\`: the ${ownerLabel} as stored.`);
  const addName = `add${part.name}`;
  const retractName = `retract${part.name}`;
  const ownerIdOf = (input: Record<string, unknown>) => referenceId(input[owner.field] as string, [owner.kind], `input.${owner.field}`);
  builder.mutationField(addName, (t) =>
    t.field({
      type: payload(addName),
      description: `Adds a ${part.field} to ${aOwner}, with its evidence.`,
      args: { input: t.arg({ type: AddInput, required: true, description: `The ${ownerLabel} and the ${part.field}.` }) },
      resolve: async (_root, { input: fields }, context) => {
        const edit = add(ownerIdOf(fields), fields.expectedRevision as number, toPart(fields[part.field] as PartArg, `input.${part.field}`));
        return changeResult(context, await applyEdit(context, owner.collection, edit));
      },
    }),
  );
  builder.mutationField(retractName, (t) =>
    t.field({
      type: payload(retractName),
      description: `Retracts a ${part.field}: kept in the data with the reason, the time and the curator, hidden unless \`${part.listField}(includeRetracted: true)\`.`,
      args: { input: t.arg({ type: RetractInput, required: true, description: `The ${part.field} and why.` }) },
      resolve: async (_root, { input: fields }, context) => {
        const edit = retract(ownerIdOf(fields), fields.expectedRevision as number, fields.position as number, fields.reason as string, curatorOf(context));
        return changeResult(context, await applyEdit(context, owner.collection, edit));
      },
    }),
  );
}
