import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { StatementFilter, StatementOrder } from '../kb/filters.js';
import type { MentionRecord, StatementRecord } from '../kb/records.js';
import { PartialDateRef } from './dates.js';
import { EntityRef, loadEntity } from './entity.js';
import { EventRef } from './event.js';
import { EvidenceRef } from './evidence.js';
import { dateRange, lookupArgs, requireWords, resolveLookup, resolveReference } from './lookup.js';
import { StatementOrderEnum } from './ordering.js';
import { paginate, type ConnectionArgs } from './pagination.js';
import { registerNodeLoader } from './node-loading.js';
import { PersonRef } from './person.js';
import { SourceRef } from './source.js';
import {
  InnerQuoteInputRef,
  PartialDateInputRef,
  QuoteInputRef,
  RetractionRef,
  applyEdit,
  changeResult,
  curatorOf,
  mutationPayload,
  newRecordId,
  orUndefined,
  optionalReference,
  referenceId,
  toDateInput,
  toInnerQuote,
  toQuote,
} from './mutations.js';
import { createStatement, retractStatement, updateStatement, type MentionInput } from '../store/edits.js';

export const StatementKindEnum = builder.enumType('StatementKind', {
  description: 'Whether the source prints the speaker\'s own words or reports them.',
  values: {
    QUOTE: { description: 'The speaker\'s words, inside quotation marks in the source.' },
    PARAPHRASE: { description: 'Reported speech or an attributed claim: what the source says the speaker said, in the source\'s words.' },
  } as const,
});

export const StatementRef = builder.loadableNodeRef('Statement', {
  id: { resolve: (statement: StatementRecord) => statement.id },
  load: (ids: string[], context) => Promise.resolve(context.kb.statementsByIds(ids)),
});
registerNodeLoader('Statement', StatementRef);

export const StatementConnection = builder.connectionObject(
  { type: StatementRef, name: 'StatementConnection', description: 'A page of statements.' },
  { name: 'StatementEdge', description: 'A statement on a page, with its cursor.' },
);

export const StatementFilterInput = builder.inputType('StatementFilter', {
  description: 'Conditions on statements. Every condition given must hold (they combine with AND); text matching ignores case and accents.',
  fields: (t) => ({
    speaker: t.id({ required: false, description: 'Only statements said by this person (global id or slug).' }),
    mentions: t.id({ required: false, description: 'Only statements that mention this person, country, organization or event (global id or slug).' }),
    event: t.id({ required: false, description: 'Only statements made at or about this event (global id or slug).' }),
    relayedBy: t.id({ required: false, description: 'Only statements passed on by this person, organization or event (global id or slug).' }),
    kind: t.field({ type: StatementKindEnum, required: false, description: 'Only quotes, or only paraphrases.' }),
    from: t.field({
      type: 'Date',
      required: false,
      description: 'Only statements that can have been made on or after this day (a statement without its own date is dated by its event).',
    }),
    to: t.field({ type: 'Date', required: false, description: 'Only statements that can have been made on or before this day.' }),
    textContains: t.string({
      required: false,
      description: 'Only statements whose text contains this phrase, matched from the start of a word ("de-escalation", "escalat", "Moscow and Ankara").',
    }),
  }),
});

/** The `filter` and `orderBy` arguments of every statement connection. */
export const statementListArgs = builder.args((t) => ({
  filter: t.field({ type: StatementFilterInput, required: false, description: 'Conditions the statements must meet.' }),
  orderBy: t.field({ type: StatementOrderEnum, required: true, defaultValue: 'SOURCE_ORDER', description: 'The order of the statements.' }),
}));

type StatementFilterArg = NonNullable<(typeof StatementFilterInput)['$inferInput']>;

function toStatementFilter(input: StatementFilterArg | null | undefined, context: Context): StatementFilter {
  if (!input) return {};
  return {
    speakerId: input.speaker != null ? resolveReference(input.speaker, ['Person'], 'filter.speaker', context) : undefined,
    mentionedId: input.mentions != null ? resolveReference(input.mentions, ['Person', 'Country', 'Organization', 'Event'], 'filter.mentions', context) : undefined,
    eventId: input.event != null ? resolveReference(input.event, ['Event'], 'filter.event', context) : undefined,
    relayedById: input.relayedBy != null ? resolveReference(input.relayedBy, ['Person', 'Organization', 'Event'], 'filter.relayedBy', context) : undefined,
    kinds: input.kind != null ? [input.kind] : undefined,
    ...dateRange(input, 'filter.'),
    textContains: requireWords(input.textContains, 'filter.textContains'),
  };
}

/**
 * One page of statements meeting `filter`, in `orderBy` order; `within` limits them to a relationship
 * (a person's statements) already loaded through the request's loaders.
 */
export function statementPage(
  args: ConnectionArgs & { filter?: StatementFilterArg | null; orderBy: StatementOrder },
  context: Context,
  within?: readonly string[],
) {
  const filter = toStatementFilter(args.filter, context);
  const unfiltered = within !== undefined && args.orderBy === 'SOURCE_ORDER' && Object.values(filter).every((v) => v === undefined);
  return paginate(unfiltered ? within : context.kb.find.statements(filter, args.orderBy, within), args);
}

const MentionRef = builder.objectRef<MentionRecord>('Mention');
MentionRef.implement({
  description: 'A reference to an entity inside a statement, with the words that make it ("Daesh", "the secretary").',
  fields: (t) => ({
    entity: t.field({ type: EntityRef, description: 'The entity referred to.', resolve: (mention, _args, context) => loadEntity(context, mention.entityId) }),
    evidence: t.field({ type: EvidenceRef, description: 'The words that refer to the entity.', resolve: (mention) => mention.evidence }),
  }),
});

type AudienceRecord = NonNullable<StatementRecord['audience']>;
const AudienceRef = builder.objectRef<AudienceRecord>('Audience');
AudienceRef.implement({
  description: 'Who a statement was addressed to, as the source says.',
  fields: (t) => ({
    description: t.exposeString('description', { description: 'The audience in the source\'s words ("some reporters", "world leaders").' }),
    members: t.field({
      type: [EntityRef],
      description: 'The persons, organizations or countries in the audience that the knowledge base knows; may be empty.',
      resolve: (audience, _args, context) => Promise.all(audience.entityIds.map((id) => loadEntity(context, id))),
    }),
    evidence: t.field({ type: EvidenceRef, description: 'The words that name the audience.', resolve: (audience) => audience.evidence }),
  }),
});

StatementRef.implement({
  description:
    'Something a person said, as a source reports it: a direct quote or an attributed paraphrase. ' +
    'A quote split by an attribution ("…,” he said. “…”) is stored as one statement per quoted part, linked by `continues`/`continuedBy`.',
  fields: (t) => ({
    slug: t.exposeString('id', { description: 'A readable, stable identifier, accepted by `statement(slug:)`.' }),
    revision: t.exposeInt('revision', {
      description: 'Counts the changes made to this statement (1 as first written); name it as `expectedRevision` when changing or retracting the statement.',
    }),
    kind: t.expose('kind', { type: StatementKindEnum, description: 'QUOTE for words in quotation marks, PARAPHRASE for reported speech.' }),
    text: t.exposeString('text', { description: 'The words exactly as the source prints them (for a quote, the words inside the quotation marks).' }),
    speaker: t.field({
      type: PersonRef,
      nullable: true,
      description: 'Who said it. An unnamed speaker ("a State Department official") is still a Person, with a null `name`; this is null only when the source attributes the words to nobody.',
      resolve: (statement) => statement.speakerId,
    }),
    attribution: t.string({
      description: 'The source\'s words that attribute the statement ("State Department spokesman John Kirby stated").',
      resolve: (statement) => statement.attribution.text,
    }),
    attributionEvidence: t.field({ type: EvidenceRef, description: 'Where the attribution stands in the source.', resolve: (statement) => statement.attribution }),
    relayedBy: t.field({
      type: EntityRef,
      nullable: true,
      description: 'Who or what passed the words on, when that is not the speaker: a spokesman, a press release (an Event), a newspaper.',
      resolve: (statement, _args, context) => (statement.relayedById ? loadEntity(context, statement.relayedById) : null),
    }),
    event: t.field({
      type: EventRef,
      nullable: true,
      description: 'The event at which the words were said or issued, when the source places them.',
      resolve: (statement) => statement.saidAtEventId ?? null,
    }),
    aboutEvents: t.field({ type: [EventRef], description: 'Events the statement is about.', resolve: (statement) => statement.aboutEventIds }),
    date: t.field({
      type: PartialDateRef,
      nullable: true,
      description: 'When it was said, as precisely as known; null when the source gives no date.',
      resolve: (statement) => statement.date,
    }),
    audience: t.field({ type: AudienceRef, nullable: true, description: 'Who it was addressed to, when the source says.', resolve: (statement) => statement.audience }),
    mentions: t.field({ type: [MentionRef], description: 'The entities the statement refers to, each with the referring words.', resolve: (statement) => statement.mentions }),
    continues: t.field({
      type: StatementRef,
      nullable: true,
      description: 'For the later part of a quote split by an attribution: the part it continues.',
      resolve: (statement) => statement.continuesId ?? null,
    }),
    continuedBy: t.field({
      type: [StatementRef],
      description: 'Later parts of the same split quote that continue this one.',
      resolve: (statement, _args, context) => context.loaders.continuationIdsByStatementId.load(statement.id),
    }),
    source: t.field({ type: SourceRef, description: 'The source that reports the statement.', resolve: (statement) => statement.evidence.sourceId }),
    evidence: t.field({ type: EvidenceRef, description: 'Where the statement\'s words stand in the source.', resolve: (statement) => statement.evidence }),
    retraction: t.field({
      type: RetractionRef,
      nullable: true,
      description: 'Why and when the statement was retracted; null for a statement in force. Lists hide retracted statements (see `retractedStatements`), but `statement(id:)` and `node(id:)` still return one.',
      resolve: (statement) => statement.retracted ?? null,
    }),
  }),
});

builder.interfaceFields(EntityRef, (t) => ({
  mentionedIn: t.connection(
    {
      type: StatementRef,
      description: 'Statements that mention this entity (in source order unless `orderBy` says otherwise).',
      args: statementListArgs,
      resolve: async (entity, args, context) => statementPage(args, context, await context.loaders.statementIdsByMentionedId.load(entity.id)),
    },
    StatementConnection,
  ),
  relayedStatements: t.connection(
    {
      type: StatementRef,
      description: 'Statements by others that this entity passed on: a spokesman reporting his principal, a press release, a newspaper.',
      args: statementListArgs,
      resolve: async (entity, args, context) => statementPage(args, context, await context.loaders.statementIdsByRelayerId.load(entity.id)),
    },
    StatementConnection,
  ),
}));

builder.queryFields((t) => ({
  statements: t.connection(
    {
      type: StatementRef,
      description: 'All statements meeting `filter`, in source order unless `orderBy` says otherwise.',
      args: statementListArgs,
      resolve: (_root, args, context) => statementPage(args, context),
    },
    StatementConnection,
  ),
  retractedStatements: t.connection(
    {
      type: StatementRef,
      description:
        'The retracted statements, in source order: the explicit way to list them, since every other list hides them. `statement(id:)` and `node(id:)` still return a retracted statement, with its `retraction`.',
      resolve: (_root, args, context) => paginate(context.kb.retractedStatementIds, args),
    },
    StatementConnection,
  ),
  statement: t.field({
    type: StatementRef,
    nullable: true,
    description: 'One statement by global id or slug. A NOT_FOUND error when nothing matches.',
    args: lookupArgs('Statement'),
    resolve: (_root, args, context) => resolveLookup('Statement', args, context),
  }),
}));

const AudienceInputRef = builder.inputType('AudienceInput', {
  description: 'Who a statement was addressed to, as the source says.',
  fields: (t) => ({
    description: t.string({ required: true, description: 'The audience in the source\'s words ("some reporters").' }),
    entities: t.idList({ required: false, description: 'Persons, organizations or countries in the audience (global ids or slugs).' }),
    evidence: t.field({ type: InnerQuoteInputRef, required: true, description: 'The words that name the audience, in the statement\'s source.' }),
  }),
});

const MentionInputRef = builder.inputType('MentionInput', {
  description: 'A reference to an entity inside a statement, given by the referring words (looked for inside the statement\'s words first).',
  fields: (t) => ({
    entity: t.id({ required: true, description: 'The person, organization, country or event referred to (global id or slug).' }),
    quote: t.string({ required: true, description: 'The words that refer to the entity ("Daesh", "the secretary").' }),
    occurrence: t.int({ required: false, description: 'Which occurrence (1 for the first) when the words occur more than once.' }),
  }),
});

function toMentionInput(input: NonNullable<(typeof MentionInputRef)['$inferInput']>, field: string): MentionInput {
  return {
    entityId: referenceId(input.entity, ['Person', 'Organization', 'Country', 'Event'], `${field}.entity`),
    quote: input.quote,
    occurrence: orUndefined(input.occurrence),
  };
}

const relayerKinds = ['Person', 'Organization', 'Event'] as const;


const CreateStatementInputRef = builder.inputType('CreateStatementInput', {
  description: 'A new statement: its words and attribution in a source, who said it, and what it is about.',
  fields: (t) => ({
    slug: t.string({ required: false, description: 'The new statement\'s slug; made from the speaker and the first words when left out.' }),
    kind: t.field({ type: StatementKindEnum, required: true, description: 'QUOTE for words in quotation marks, PARAPHRASE for reported speech.' }),
    words: t.field({ type: QuoteInputRef, required: true, description: 'The statement\'s words in the source (for a quote, the words inside the quotation marks); they become its `text`.' }),
    speaker: t.id({ required: false, description: 'Who said it (a person, global id or slug); null or left out for words the source attributes to nobody.' }),
    attribution: t.field({ type: InnerQuoteInputRef, required: true, description: 'The words that attribute the statement ("he told reporters"), in the same source as `words`.' }),
    relayedBy: t.id({ required: false, description: 'Who or what passed the words on, when not the speaker: a person, organization or event (global id or slug).' }),
    saidAtEvent: t.id({ required: false, description: 'The event at which the words were said or issued (global id or slug).' }),
    aboutEvents: t.idList({ required: false, description: 'Events the statement is about (global ids or slugs).' }),
    date: t.field({ type: PartialDateInputRef, required: false, description: 'When it was said, as precisely as known.' }),
    audience: t.field({ type: AudienceInputRef, required: false, description: 'Who it was addressed to, when the source says.' }),
    mentions: t.field({ type: [MentionInputRef], required: false, description: 'The entities the statement refers to.' }),
    continues: t.id({ required: false, description: 'For the later part of a quote split by an attribution: the statement it continues (global id or slug).' }),
  }),
});

const UpdateStatementInputRef = builder.inputType('UpdateStatementInput', {
  description: 'Changes to a statement that is not retracted. Fields left out stay as they are; `speaker`, `relayedBy`, `saidAtEvent` or `date` given as null is cleared.',
  fields: (t) => ({
    statement: t.id({ required: true, description: 'The statement to change (global id or slug).' }),
    expectedRevision: t.int({ required: true, description: 'The `revision` you read; if the statement changed since, REVISION_CONFLICT.' }),
    kind: t.field({ type: StatementKindEnum, required: false, description: 'The new kind.' }),
    speaker: t.id({ required: false, description: 'The new speaker (a person, global id or slug); null makes the statement unattributed.' }),
    relayedBy: t.id({ required: false, description: 'The new relayer (a person, organization or event, global id or slug); null removes it.' }),
    saidAtEvent: t.id({ required: false, description: 'The new event the words were said at (global id or slug); null removes it.' }),
    aboutEvents: t.idList({ required: false, description: 'The new list of events the statement is about (replaces the old one).' }),
    date: t.field({ type: PartialDateInputRef, required: false, description: 'The new date; null removes it.' }),
    addMentions: t.field({ type: [MentionInputRef], required: false, description: 'More entities the statement refers to (added to those it has).' }),
  }),
});

const RetractStatementInputRef = builder.inputType('RetractStatementInput', {
  description: 'A statement to retract: it stays in the data, marked with the reason, and is hidden from lists.',
  fields: (t) => ({
    statement: t.id({ required: true, description: 'The statement (global id or slug).' }),
    expectedRevision: t.int({ required: true, description: 'The statement\'s `revision` you read.' }),
    reason: t.string({ required: true, description: 'Why the statement is retracted.' }),
  }),
});

const statementPayload = (name: string, what: string) => mutationPayload(name, 'statement', StatementRef, `The result of ${what}: the statement as stored.`);
const CreateStatementPayload = statementPayload('CreateStatementPayload', '`createStatement`');
const UpdateStatementPayload = statementPayload('UpdateStatementPayload', '`updateStatement`');
const RetractStatementPayload = statementPayload('RetractStatementPayload', '`retractStatement`');

builder.mutationFields((t) => ({
  createStatement: t.field({
    type: CreateStatementPayload,
    description:
      'Adds a statement; its text is the quoted `words`. DUPLICATE_ID when the slug is taken; UNKNOWN_REFERENCE, EVIDENCE_NOT_FOUND or EVIDENCE_AMBIGUOUS for a bad reference or quote.',
    args: { input: t.arg({ type: CreateStatementInputRef, required: true, description: 'The new statement.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = createStatement({
        id: newRecordId(input.slug),
        kind: input.kind,
        words: toQuote(input.words, 'input.words'),
        speakerId: input.speaker != null ? referenceId(input.speaker, ['Person'], 'input.speaker') : null,
        attribution: toInnerQuote(input.attribution),
        relayedById: input.relayedBy != null ? referenceId(input.relayedBy, relayerKinds, 'input.relayedBy') : undefined,
        saidAtEventId: input.saidAtEvent != null ? referenceId(input.saidAtEvent, ['Event'], 'input.saidAtEvent') : undefined,
        aboutEventIds: input.aboutEvents?.map((event, index) => referenceId(event, ['Event'], `input.aboutEvents[${index}]`)),
        date: toDateInput(input.date),
        audience: input.audience
          ? {
              description: input.audience.description,
              entityIds: input.audience.entities?.map((entity, index) =>
                referenceId(entity, ['Person', 'Organization', 'Country'], `input.audience.entities[${index}]`),
              ),
              evidence: toInnerQuote(input.audience.evidence),
            }
          : undefined,
        mentions: input.mentions?.map((mention, index) => toMentionInput(mention, `input.mentions[${index}]`)),
        continuesId: input.continues != null ? referenceId(input.continues, ['Statement'], 'input.continues') : undefined,
      });
      return changeResult(context, await applyEdit(context, 'statements', edit));
    },
  }),
  updateStatement: t.field({
    type: UpdateStatementPayload,
    description:
      'Changes a statement\'s kind, speaker, relayer, event, date or the events it is about, or adds mentions; its words stay as they are. ' +
      'REVISION_CONFLICT when `expectedRevision` is stale; INVALID_RECORD for a retracted statement.',
    args: { input: t.arg({ type: UpdateStatementInputRef, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = updateStatement({
        id: referenceId(input.statement, ['Statement'], 'input.statement'),
        expectedRevision: input.expectedRevision,
        kind: orUndefined(input.kind),
        speakerId: optionalReference(input.speaker, ['Person'], 'input.speaker'),
        relayedById: optionalReference(input.relayedBy, relayerKinds, 'input.relayedBy'),
        saidAtEventId: optionalReference(input.saidAtEvent, ['Event'], 'input.saidAtEvent'),
        aboutEventIds: input.aboutEvents?.map((event, index) => referenceId(event, ['Event'], `input.aboutEvents[${index}]`)),
        date: input.date === null ? null : toDateInput(input.date),
        addMentions: input.addMentions?.map((mention, index) => toMentionInput(mention, `input.addMentions[${index}]`)),
      });
      return changeResult(context, await applyEdit(context, 'statements', edit));
    },
  }),
  retractStatement: t.field({
    type: RetractStatementPayload,
    description:
      'Retracts a statement: kept in the data with the reason and time, hidden from every list but `retractedStatements`; `statement(id:)` still returns it with its `retraction`.',
    args: { input: t.arg({ type: RetractStatementInputRef, required: true, description: 'The statement and why.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = retractStatement(referenceId(input.statement, ['Statement'], 'input.statement'), input.expectedRevision, input.reason, curatorOf(context));
      return changeResult(context, await applyEdit(context, 'statements', edit));
    },
  }),
}));
