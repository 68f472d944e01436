import type { GraphQLResolveInfo } from 'graphql';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { StatementFilter, StatementOrder } from '../kb/filters.js';
import type { MentionRecord, ReportRecord, SpeakerGroupRecord, StatementRecord } from '../kb/records.js';
import { firstReport, reportsInForce, sourceIdsOfStatement } from '../kb/coverage.js';
import { SPEAKER_KINDS } from '../kb/knowledge-base.js';
import { PartialDateRef } from './dates.js';
import { EntityRef, loadEntity } from './entity.js';
import { EventRef } from './event.js';
import { EvidenceRef, ProvenanceRef } from './evidence.js';
import { dateRange, lookupArgs, requireWords, resolveLookup, resolveReference } from './lookup.js';
import { StatementOrderEnum } from './ordering.js';
import { itemFieldNames, listConnection, type ConnectionArgs, type ListParent } from './pagination.js';
import { registerNodeLoader } from './node-loading.js';
import { PersonRef } from './person.js';
import { OrganizationRef } from './organization.js';
import { CountryRef } from './country.js';
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
import { addStatementReport, createStatement, retractStatement, retractStatementReport, updateStatement, type MentionInput, type ReportInput } from '../store/edits.js';
import { kindOfRecord, type ReadAlong, type StatementHeading } from '../kb/reader.js';

export const StatementKindEnum = builder.enumType('StatementKind', {
  description: 'Whether the source prints the speaker\'s own words or reports them.',
  values: {
    QUOTE: { description: 'The speaker\'s words, inside quotation marks in the source.' },
    PARAPHRASE: { description: 'Reported speech or an attributed claim: what the source says the speaker said, in the source\'s words.' },
    INTERPRETATION: {
      description:
        'The source\'s own reading of what the speaker means ("it was clear from a release … that Kerry is telling world leaders …"): the reporter\'s words and judgement, not words the source attributes to the speaker.',
    },
  } as const,
});

/**
 * What a Statement's fields resolve from: its record, or its heading when a page asked only for what a
 * heading holds (`readAlongFor`); a field beyond the heading then loads the record (`withRecord`).
 */
export type StatementParent = StatementRecord | StatementHeading;

export const StatementRef = builder.loadableNodeRef<StatementParent, string, string>('Statement', {
  id: { resolve: (statement) => statement.id },
  load: (ids: string[], context) => context.reader.recordsByIds('Statement', ids),
});
registerNodeLoader('Statement', StatementRef);

function isRecord(statement: StatementParent): statement is StatementRecord {
  return 'reports' in statement;
}

/** `use` of the statement's record: at once for a record, after loading it (batched with the page's others) for a heading. */
function withRecord<T>(statement: StatementParent, context: Context, use: (record: StatementRecord) => T | Promise<T>): T | Promise<T> {
  if (isRecord(statement)) return use(statement);
  return StatementRef.getDataloader(context)
    .load(statement.id)
    .then((record) => use(record as StatementRecord));
}

/** The sources of the statement's reports in force, each once, in report order. */
function sourceIdsOf(statement: StatementParent): readonly string[] {
  return isRecord(statement) ? sourceIdsOfStatement(statement) : statement.sourceIds;
}

export const StatementConnection = builder.connectionObject(
  { type: StatementRef, name: 'StatementConnection', description: 'A page of statements.' },
  { name: 'StatementEdge', description: 'A statement on a page, with its cursor.' },
);

export const StatementFilterInput = builder.inputType('StatementFilter', {
  description: 'Conditions on statements. Every condition given must hold (they combine with AND); text matching ignores case and accents.',
  fields: (t) => ({
    speaker: t.id({ required: false, description: 'Only statements said by this person, organization or country (global id or slug).' }),
    mentions: t.id({ required: false, description: 'Only statements that mention this person, country, organization or event (global id or slug).' }),
    event: t.id({ required: false, description: 'Only statements made at or about this event (global id or slug).' }),
    relayedBy: t.id({ required: false, description: 'Only statements passed on by this person, organization, country or event (global id or slug).' }),
    source: t.id({ required: false, description: 'Only statements this source reports (global id or slug).' }),
    minSources: t.int({
      required: false,
      description: 'Only statements reported by at least this many distinct sources: 2 for corroborated statements. 1 or less keeps every statement.',
    }),
    kind: t.field({ type: StatementKindEnum, required: false, description: 'Only statements of this kind.' }),
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

async function toStatementFilter(input: StatementFilterArg | null | undefined, context: Context): Promise<StatementFilter> {
  if (!input) return {};
  return {
    speakerId: input.speaker != null ? await resolveReference(input.speaker, SPEAKER_KINDS, 'filter.speaker', context) : undefined,
    sourceId: input.source != null ? await resolveReference(input.source, ['Source'], 'filter.source', context) : undefined,
    minSources: input.minSources ?? undefined,
    mentionedId: input.mentions != null ? await resolveReference(input.mentions, ['Person', 'Country', 'Organization', 'Event'], 'filter.mentions', context) : undefined,
    eventId: input.event != null ? await resolveReference(input.event, ['Event'], 'filter.event', context) : undefined,
    relayedById: input.relayedBy != null ? await resolveReference(input.relayedBy, ['Person', 'Organization', 'Country', 'Event'], 'filter.relayedBy', context) : undefined,
    kinds: input.kind != null ? [input.kind] : undefined,
    ...dateRange(input, 'filter.'),
    textContains: requireWords(input.textContains, 'filter.textContains'),
  };
}

/**
 * One page of statements meeting `filter`, in `orderBy` order; `parent` limits them to a relationship
 * (a person's statements) already loaded through the request's loaders. The store is told which of the
 * statements' speakers and sources the query goes on to ask for, to read them with the page.
 */
export async function statementPage(
  args: ConnectionArgs & { filter?: StatementFilterArg | null; orderBy: StatementOrder },
  context: Context,
  info: GraphQLResolveInfo,
  parent?: ListParent,
) {
  const asked = itemFieldNames(info);
  const along = readAlongFor(asked);
  const page = await listConnection(context, { list: 'statements', filter: await toStatementFilter(args.filter, context), order: args.orderBy }, args, parent, along);
  // Nodes no field is asked of are left as ids, which nothing loads.
  if (!along?.headings || asked.size === 0) return page;
  const headings = await context.loaders.statementHeadingById.loadMany(page.edges.map((edge) => edge.node));
  // An id without a heading stays an id, which the node field loads and reports as any lookup does.
  const nodeAt = (index: number, id: string): StatementParent | string => {
    const heading = headings[index];
    return heading === undefined || heading instanceof Error ? id : heading;
  };
  return { ...page, edges: page.edges.map((edge, index) => ({ cursor: edge.cursor, node: nodeAt(index, edge.node) })) };
}

/** The fields of a Statement that its heading answers (StatementHeading): a page asking for no other reads headings only. */
const headingFields: ReadonlySet<string> = new Set(['__typename', 'id', 'slug', 'revision', 'kind', 'text', 'speaker', 'sources', 'sourceCount']);

const readAlongOf = new WeakMap<ReadonlySet<string>, ReadAlong | undefined>();

/**
 * What a statement page's query goes on to look up for each statement: its speaker (as `speaker` or
 * `attributedTo`), its sources, and whether it asks for nothing beyond its heading, from the fields it
 * asks of them (`itemFieldNames`). Worked out once per field of a document, as those are.
 */
function readAlongFor(asked: ReadonlySet<string>): ReadAlong | undefined {
  if (readAlongOf.has(asked)) return readAlongOf.get(asked);
  const speakers = asked.has('speaker') || asked.has('attributedTo');
  const reportSources = asked.has('sources');
  const headings = [...asked].every((name) => headingFields.has(name));
  const along = speakers || reportSources || headings ? { speakers, reportSources, headings } : undefined;
  readAlongOf.set(asked, along);
  return along;
}

const MentionRef = builder.objectRef<MentionRecord>('Mention');
MentionRef.implement({
  description: 'A reference to an entity inside a statement, with the words that make it ("Daesh", "the secretary").',
  fields: (t) => ({
    entity: t.field({ type: EntityRef, description: 'The entity referred to.', resolve: (mention, _args, context) => loadEntity(context, mention.entityId) }),
    evidence: t.field({
      type: EvidenceRef,
      description: 'The first words that refer to the entity.',
      deprecationReason: 'Use `provenance.evidence`: each report can refer to the entity in its own words.',
      resolve: (mention) => mention.evidence[0]!,
    }),
    provenance: t.field({ type: ProvenanceRef, description: 'The words, in every report, that refer to the entity.', resolve: (mention) => mention }),
  }),
});

/** A link from a statement to an event (said at, or about), with where it comes from. */
interface EventLink {
  eventId: string;
  evidence: StatementRecord['aboutEvents'][number]['evidence'];
  inferred: boolean;
  note?: string;
}
const EventLinkRef = builder.objectRef<EventLink>('StatementEventLink');
EventLinkRef.implement({
  description: 'A statement\'s link to an event it was said at or is about, with the words that tie them or the inference that does.',
  fields: (t) => ({
    event: t.field({ type: EventRef, description: 'The event.', resolve: (link) => link.eventId }),
    provenance: t.field({ type: ProvenanceRef, description: 'Where the link comes from.', resolve: (link) => link }),
  }),
});

const SpeakerGroupRef = builder.objectRef<SpeakerGroupRecord>('SpeakerGroup');
SpeakerGroupRef.implement({
  description: 'An unnamed group a statement is attributed to ("NATO leaders", "officials"): it has no record of its own.',
  fields: (t) => ({
    description: t.exposeString('description', { description: 'The group in the source\'s words.' }),
    memberOf: t.field({
      type: [EntityRef],
      description: 'The organizations or countries the group belongs to, where the source says ("NATO" for "NATO leaders").',
      resolve: (group, _args, context) => Promise.all(group.memberOfIds.map((id) => loadEntity(context, id))),
    }),
  }),
});

const SpeakerRef = builder.unionType('Speaker', {
  description: 'Whoever a statement is attributed to: a person (named or not), an organization ("the State Department said"), a country, or an unnamed group.',
  types: () => [PersonRef, OrganizationRef, CountryRef, SpeakerGroupRef],
  resolveType: (speaker) => ('memberOfIds' in speaker ? 'SpeakerGroup' : (kindOfRecord(speaker) as 'Person' | 'Organization' | 'Country')),
});

/** A report as the API sees it: the report with its statement and its place in the statement's list. */
interface ReportView {
  statementId: string;
  report: ReportRecord;
  position: number;
}

const StatementReportRef = builder.objectRef<ReportView>('StatementReport');
StatementReportRef.implement({
  description:
    'One source\'s account of a statement: the words as that source prints them, how it attributes them, who passed them on and the hedge it adds. ' +
    'A statement five outlets print is one statement with five reports.',
  fields: (t) => ({
    position: t.int({
      description: 'Where the report stands in the statement\'s list of reports, retracted ones counted (0 for the first); pass it to `retractStatementReport`.',
      resolve: (view) => view.position,
    }),
    source: t.field({ type: SourceRef, description: 'The source of this report.', resolve: (view) => view.report.evidence.sourceId }),
    text: t.string({ description: 'The words as this source prints them; may differ from the statement\'s canonical `text` (a variant wording).', resolve: (view) => view.report.evidence.text }),
    evidence: t.field({ type: EvidenceRef, description: 'Where the words stand in the source.', resolve: (view) => view.report.evidence }),
    attribution: t.field({
      type: EvidenceRef,
      description: 'The source\'s words that attribute the statement ("said State Department spokesman John Kirby").',
      resolve: (view) => view.report.attribution,
    }),
    relayedBy: t.field({
      type: EntityRef,
      nullable: true,
      description: 'Who or what passed the words on in this source, when not the speaker: a spokesman, a press release (an Event), a newspaper.',
      resolve: (view, _args, context) => (view.report.relayedBy ? loadEntity(context, view.report.relayedBy.entityId) : null),
    }),
    relayedByProvenance: t.field({
      type: ProvenanceRef,
      nullable: true,
      description: 'The words that name the relayer in this source, or the inference; null without a relayer.',
      resolve: (view) => view.report.relayedBy ?? null,
    }),
    hedge: t.field({
      type: EvidenceRef,
      nullable: true,
      description: 'A word or phrase with which this source hedges the report ("reportedly"); null when it reports the words plainly.',
      resolve: (view) => view.report.hedge ?? null,
    }),
    date: t.field({
      type: PartialDateRef,
      nullable: true,
      description: 'When this source says the words were said, where it gives its own date.',
      resolve: (view) => view.report.date ?? null,
    }),
    retraction: t.field({
      type: RetractionRef,
      nullable: true,
      description: 'Why and when this report was retracted; null for a report in force. Listed only with `reports(includeRetracted: true)`.',
      resolve: (view) => view.report.retracted ?? null,
    }),
  }),
});

function reportViews(statement: StatementRecord, stored: StatementRecord, includeRetracted: boolean): ReportView[] {
  const shown = includeRetracted ? stored.reports : reportsInForce(stored);
  return shown.map((report) => ({ statementId: statement.id, report, position: stored.reports.indexOf(report) }));
}

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
    evidence: t.field({
      type: EvidenceRef,
      description: 'The first words that name the audience.',
      deprecationReason: 'Use `provenance.evidence`: several reports can name the audience.',
      resolve: (audience) => audience.evidence[0]!,
    }),
    provenance: t.field({ type: ProvenanceRef, description: 'Every report\'s words that name the audience.', resolve: (audience) => audience }),
  }),
});

const firstReportNote = 'Answers from the statement\'s first report in force; a statement can have reports from several sources.';

StatementRef.implement({
  description:
    'Something a speaker said or claimed, reported by one or more sources: a direct quote, an attributed paraphrase, or a source\'s own reading of what the speaker means. ' +
    'A statement several outlets report is one statement with several `reports`, and counts once. ' +
    'A quote split by an attribution ("…,” he said. “…”) is stored as one statement per quoted part, linked by `continues`/`continuedBy`.',
  fields: (t) => ({
    slug: t.exposeString('id', { description: 'A readable, stable identifier, accepted by `statement(slug:)`.' }),
    revision: t.exposeInt('revision', {
      description: 'Counts the changes made to this statement (1 as first written); name it as `expectedRevision` when changing or retracting the statement.',
    }),
    kind: t.expose('kind', { type: StatementKindEnum, description: 'QUOTE for words in quotation marks, PARAPHRASE for reported speech, INTERPRETATION for a source\'s own reading.' }),
    text: t.exposeString('text', {
      description: 'The canonical wording, exactly as one source prints it (the first report\'s unless a curator picked another); each report keeps its own words.',
    }),
    reports: t.field({
      type: [StatementReportRef],
      description: 'Every source\'s account of the statement, in the order they were added. Retracted reports only with `includeRetracted`.',
      args: {
        includeRetracted: t.arg.boolean({ required: true, defaultValue: false, description: 'Also list retracted reports (each with its `retraction`).' }),
      },
      resolve: async (parent, { includeRetracted }, context) => {
        const statement = await withRecord(parent, context, (record) => record);
        return reportViews(statement, ((await context.loaders.storedRecordById.load(statement.id)) as StatementRecord | undefined) ?? statement, includeRetracted);
      },
    }),
    sources: t.field({ type: [SourceRef], description: 'The sources that report the statement, each once, in report order.', resolve: (statement) => [...sourceIdsOf(statement)] }),
    sourceCount: t.int({ description: 'How many distinct sources report the statement: 2 or more means it is corroborated.', resolve: (statement) => sourceIdsOf(statement).length }),
    attributedTo: t.field({
      type: SpeakerRef,
      nullable: true,
      description: 'Who the statement is attributed to: a person, an organization, a country or an unnamed group; null when the sources attribute it to nobody.',
      resolve: (statement, _args, context) =>
        statement.speakerId
          ? (loadEntity(context, statement.speakerId) as never)
          : withRecord(statement, context, (record) => (record.speakerGroup ? (record.speakerGroup as never) : null)),
    }),
    speaker: t.field({
      type: PersonRef,
      nullable: true,
      description:
        'Who said it, when that is a person. An unnamed speaker ("a State Department official") is still a Person, with a null `name`. ' +
        'Null when the statement is attributed to an organization, a country, an unnamed group (see `attributedTo`) or to nobody.',
      resolve: async (statement, _args, context) =>
        statement.speakerId && (await context.loaders.referentById.load(statement.speakerId))?.kind === 'Person' ? statement.speakerId : null,
    }),
    attribution: t.string({
      description: 'The words of the first report that attribute the statement ("State Department spokesman John Kirby stated").',
      deprecationReason: `Use \`reports { attribution { text } }\`. ${firstReportNote}`,
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => firstReport(record).attribution.text),
    }),
    attributionEvidence: t.field({
      type: EvidenceRef,
      description: 'Where the first report\'s attribution stands in its source.',
      deprecationReason: `Use \`reports { attribution }\`. ${firstReportNote}`,
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => firstReport(record).attribution),
    }),
    relayedBy: t.field({
      type: EntityRef,
      nullable: true,
      description: 'Who or what passed the words on in the first report, when not the speaker.',
      deprecationReason: `Use \`reports { relayedBy }\`. ${firstReportNote}`,
      resolve: (statement, _args, context) =>
        withRecord(statement, context, (record) => {
          const relayer = firstReport(record).relayedBy;
          return relayer ? loadEntity(context, relayer.entityId) : null;
        }),
    }),
    event: t.field({
      type: EventRef,
      nullable: true,
      description: 'The event at which the words were said or issued, when known (see `saidAt` for where the link comes from).',
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => record.saidAt?.eventId ?? null),
    }),
    saidAt: t.field({
      type: EventLinkRef,
      nullable: true,
      description: 'The event at which the words were said or issued, with the words that place them there or the inference that does.',
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => record.saidAt ?? null),
    }),
    aboutEvents: t.field({
      type: [EventRef],
      description: 'Events the statement is about.',
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => record.aboutEvents.map((about) => about.eventId)),
    }),
    aboutEventLinks: t.field({
      type: [EventLinkRef],
      description: 'Events the statement is about, each with the words that tie it to the statement or the inference that does.',
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => record.aboutEvents),
    }),
    date: t.field({
      type: PartialDateRef,
      nullable: true,
      description: 'When it was said, as precisely as known; null when no source gives a date.',
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => record.date),
    }),
    audience: t.field({
      type: AudienceRef,
      nullable: true,
      description: 'Who it was addressed to, when a source says.',
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => record.audience),
    }),
    mentions: t.field({
      type: [MentionRef],
      description: 'The entities the statement refers to, each with the referring words.',
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => record.mentions),
    }),
    continues: t.field({
      type: StatementRef,
      nullable: true,
      description: 'For the later part of a quote split by an attribution: the part it continues.',
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => record.continuesId ?? null),
    }),
    continuedBy: t.field({
      type: [StatementRef],
      description: 'Later parts of the same split quote that continue this one.',
      resolve: (statement, _args, context) => context.loaders.continuationIdsByStatementId.load(statement.id),
    }),
    source: t.field({
      type: SourceRef,
      description: 'The source of the first report.',
      deprecationReason: `Use \`sources\` or \`reports { source }\`. ${firstReportNote}`,
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => firstReport(record).evidence.sourceId),
    }),
    evidence: t.field({
      type: EvidenceRef,
      description: 'Where the first report\'s words stand in its source.',
      deprecationReason: `Use \`reports { evidence }\`. ${firstReportNote}`,
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => firstReport(record).evidence),
    }),
    retraction: t.field({
      type: RetractionRef,
      nullable: true,
      description: 'Why and when the statement was retracted; null for a statement in force. Lists hide retracted statements (see `retractedStatements`), but `statement(id:)` and `node(id:)` still return one.',
      resolve: (statement, _args, context) => withRecord(statement, context, (record) => record.retracted ?? null),
    }),
  }),
});

builder.interfaceFields(EntityRef, (t) => ({
  mentionedIn: t.connection(
    {
      type: StatementRef,
      description: 'Statements that mention this entity (in source order unless `orderBy` says otherwise).',
      args: statementListArgs,
      resolve: (entity, args, context, info) => statementPage(args, context, info, { relation: 'statementIdsByMentionedId', id: entity.id }),
    },
    StatementConnection,
  ),
  relayedStatements: t.connection(
    {
      type: StatementRef,
      description: 'Statements by others that this entity passed on: a spokesman reporting his principal, a press release, a newspaper.',
      args: statementListArgs,
      resolve: (entity, args, context, info) => statementPage(args, context, info, { relation: 'statementIdsByRelayerId', id: entity.id }),
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
      resolve: (_root, args, context, info) => statementPage(args, context, info),
    },
    StatementConnection,
  ),
  retractedStatements: t.connection(
    {
      type: StatementRef,
      description:
        'The retracted statements, in source order: the explicit way to list them, since every other list hides them. `statement(id:)` and `node(id:)` still return a retracted statement, with its `retraction`.',
      resolve: (_root, args, context) => listConnection(context, { list: 'retractedStatements' }, args),
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

const relayerKinds = ['Person', 'Organization', 'Country', 'Event'] as const;

const SpeakerGroupInputRef = builder.inputType('SpeakerGroupInput', {
  description: 'An unnamed group a statement is attributed to ("NATO leaders").',
  fields: (t) => ({
    description: t.string({ required: true, description: 'The group in the source\'s words.' }),
    memberOf: t.idList({ required: false, description: 'Organizations or countries the group belongs to (global ids or slugs).' }),
  }),
});


const CreateStatementInputRef = builder.inputType('CreateStatementInput', {
  description: 'A new statement: its words and attribution in a source, who said it, and what it is about.',
  fields: (t) => ({
    slug: t.string({ required: false, description: 'The new statement\'s slug; made from the speaker and the first words when left out.' }),
    kind: t.field({ type: StatementKindEnum, required: true, description: 'QUOTE for words in quotation marks, PARAPHRASE for reported speech.' }),
    words: t.field({ type: QuoteInputRef, required: true, description: 'The statement\'s words in the source (for a quote, the words inside the quotation marks); they become its `text`.' }),
    speaker: t.id({
      required: false,
      description: 'Who said it: a person, organization or country (global id or slug); null or left out for words attributed to nobody or to an unnamed group.',
    }),
    speakerGroup: t.field({ type: SpeakerGroupInputRef, required: false, description: 'The unnamed group it is attributed to, when there is no `speaker`.' }),
    attribution: t.field({ type: InnerQuoteInputRef, required: true, description: 'The words that attribute the statement ("he told reporters"), in the same source as `words`.' }),
    relayedBy: t.id({ required: false, description: 'Who or what passed the words on, when not the speaker: a person, organization, country or event (global id or slug).' }),
    relayedByWords: t.field({ type: InnerQuoteInputRef, required: false, description: 'The words that name the relayer ("according to Kirby"), in the same source; without them the relayer is recorded as inferred.' }),
    hedge: t.field({ type: InnerQuoteInputRef, required: false, description: 'A word or phrase with which the source hedges the report ("reportedly").' }),
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
    speaker: t.id({ required: false, description: 'The new speaker (a person, organization or country, global id or slug); null makes the statement unattributed.' }),
    relayedBy: t.id({
      required: false,
      description: 'The new relayer of the first report (a person, organization, country or event, global id or slug); null removes it.',
      deprecationReason: 'A relayer belongs to one report: give it with `addStatementReport`. This changes the first report\'s.',
    }),
    canonicalReport: t.int({ required: false, description: 'The `position` of the report whose words become the statement\'s `text` (the canonical wording).' }),
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

const AddStatementReportInputRef = builder.inputType('AddStatementReportInput', {
  description: 'Another source\'s account of a statement already in the knowledge base: its words (which may differ a little), its attribution, relayer and hedge.',
  fields: (t) => ({
    statement: t.id({ required: true, description: 'The statement (global id or slug).' }),
    expectedRevision: t.int({ required: true, description: 'The statement\'s `revision` you read.' }),
    words: t.field({ type: QuoteInputRef, required: true, description: 'The statement\'s words as this source prints them (for a quote, the words inside the quotation marks).' }),
    attribution: t.field({ type: InnerQuoteInputRef, required: true, description: 'This source\'s words that attribute the statement, in the same source as `words`.' }),
    relayedBy: t.id({ required: false, description: 'Who or what passed the words on in this source: a person, organization, country or event (global id or slug).' }),
    relayedByWords: t.field({ type: InnerQuoteInputRef, required: false, description: 'The words that name the relayer, in the same source; without them the relayer is recorded as inferred.' }),
    hedge: t.field({ type: InnerQuoteInputRef, required: false, description: 'A word or phrase with which this source hedges the report ("reportedly").' }),
    date: t.field({ type: PartialDateInputRef, required: false, description: 'When this source says the words were said, where it gives its own date.' }),
  }),
});

const RetractStatementReportInputRef = builder.inputType('RetractStatementReportInput', {
  description: 'One report of a statement to retract: the statement stays, with its other reports. The last report in force cannot be retracted (retract the statement).',
  fields: (t) => ({
    statement: t.id({ required: true, description: 'The statement (global id or slug).' }),
    expectedRevision: t.int({ required: true, description: 'The statement\'s `revision` you read.' }),
    position: t.int({ required: true, description: 'The report\'s `position`.' }),
    reason: t.string({ required: true, description: 'Why the report is retracted.' }),
  }),
});

const statementPayload = (name: string, what: string) => mutationPayload(name, 'statement', StatementRef, `The result of ${what}: the statement as stored.`);
const CreateStatementPayload = statementPayload('CreateStatementPayload', '`createStatement`');
const UpdateStatementPayload = statementPayload('UpdateStatementPayload', '`updateStatement`');
const RetractStatementPayload = statementPayload('RetractStatementPayload', '`retractStatement`');
const AddStatementReportPayload = statementPayload('AddStatementReportPayload', '`addStatementReport`');
const RetractStatementReportPayload = statementPayload('RetractStatementReportPayload', '`retractStatementReport`');

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
        speakerId: input.speaker != null ? referenceId(input.speaker, SPEAKER_KINDS, 'input.speaker') : null,
        speakerGroup: input.speakerGroup
          ? {
              description: input.speakerGroup.description,
              memberOfIds: input.speakerGroup.memberOf?.map((id, index) => referenceId(id, ['Organization', 'Country'], `input.speakerGroup.memberOf[${index}]`)),
            }
          : undefined,
        attribution: toInnerQuote(input.attribution),
        relayedById: input.relayedBy != null ? referenceId(input.relayedBy, relayerKinds, 'input.relayedBy') : undefined,
        relayedByWords: input.relayedByWords ? toInnerQuote(input.relayedByWords) : undefined,
        hedge: input.hedge ? toInnerQuote(input.hedge) : undefined,
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
        speakerId: optionalReference(input.speaker, SPEAKER_KINDS, 'input.speaker'),
        canonicalReport: orUndefined(input.canonicalReport),
        relayedById: optionalReference(input.relayedBy, relayerKinds, 'input.relayedBy'),
        saidAtEventId: optionalReference(input.saidAtEvent, ['Event'], 'input.saidAtEvent'),
        aboutEventIds: input.aboutEvents?.map((event, index) => referenceId(event, ['Event'], `input.aboutEvents[${index}]`)),
        date: input.date === null ? null : toDateInput(input.date),
        addMentions: input.addMentions?.map((mention, index) => toMentionInput(mention, `input.addMentions[${index}]`)),
      });
      return changeResult(context, await applyEdit(context, 'statements', edit));
    },
  }),
  addStatementReport: t.field({
    type: AddStatementReportPayload,
    description:
      'Adds another source\'s account of a statement: the same words printed by a second outlet are one statement with two reports, never two statements. ' +
      'REVISION_CONFLICT when `expectedRevision` is stale; EVIDENCE_NOT_FOUND or EVIDENCE_AMBIGUOUS for words not found; INVALID_RECORD when a report already cites the same words.',
    args: { input: t.arg({ type: AddStatementReportInputRef, required: true, description: 'The statement and the new report.' }) },
    resolve: async (_root, { input }, context) => {
      const report: ReportInput = {
        words: toQuote(input.words, 'input.words'),
        attribution: toInnerQuote(input.attribution),
        relayedById: input.relayedBy != null ? referenceId(input.relayedBy, relayerKinds, 'input.relayedBy') : undefined,
        relayedByWords: input.relayedByWords ? toInnerQuote(input.relayedByWords) : undefined,
        hedge: input.hedge ? toInnerQuote(input.hedge) : undefined,
        date: toDateInput(input.date),
      };
      const edit = addStatementReport(referenceId(input.statement, ['Statement'], 'input.statement'), input.expectedRevision, report);
      return changeResult(context, await applyEdit(context, 'statements', edit));
    },
  }),
  retractStatementReport: t.field({
    type: RetractStatementReportPayload,
    description:
      'Retracts one report of a statement: kept with the reason and time, hidden from `reports` unless asked for; the statement and its other reports stay. ' +
      'NOT_FOUND for a position with no report; INVALID_RECORD for the last report in force or one already retracted.',
    args: { input: t.arg({ type: RetractStatementReportInputRef, required: true, description: 'The statement, the report and why.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = retractStatementReport(
        referenceId(input.statement, ['Statement'], 'input.statement'),
        input.expectedRevision,
        input.position,
        input.reason,
        curatorOf(context),
      );
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
