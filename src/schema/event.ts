import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { EventFilter, EventOrder } from '../kb/filters.js';
import type { EventParticipation } from '../kb/knowledge-base.js';
import type { EventRecord, LocationRecord } from '../kb/records.js';
import { CountryRef } from './country.js';
import { PartialDateRef } from './dates.js';
import { EntityRef, loadEntity } from './entity.js';
import { EvidenceRef, ProvenanceRef } from './evidence.js';
import { dateRange, lookupArgs, requireWords, resolveLookup, resolveReference } from './lookup.js';
import { registerNodeLoader } from './node-loading.js';
import { EventOrderEnum } from './ordering.js';
import { listConnection, type ConnectionArgs, type ListParent } from './pagination.js';
import { StatementConnection, StatementRef, statementListArgs, statementPage } from './statement.js';
import {
  PartialDateInputRef,
  QuoteInputRef,
  RetractionRef,
  applyEdit,
  definePartMutations,
  changeResult,
  mutationPayload,
  newRecordId,
  orUndefined,
  referenceId,
  toDateInput,
  toQuote,
} from './mutations.js';
import {
  addParticipation,
  createEvent,
  retractParticipation,
  updateEvent,
  type LocationInput,
  type ParticipationInput,
} from '../store/edits.js';

export const EventKindEnum = builder.enumType('EventKind', {
  description: 'What sort of happening an event is.',
  values: {
    MEETING: { description: 'A multilateral meeting (the NATO foreign ministers\' meeting).' },
    BILATERAL_TALK: { description: 'A meeting or conversation between two parties.' },
    CONFERENCE: { description: 'A summit or conference of many parties (the Asia-Pacific Economic Cooperation meeting).' },
    PRESS_CONFERENCE: { description: 'A press conference.' },
    PRESS_BRIEFING: { description: 'A briefing of reporters, often by unnamed officials.' },
    PRESS_RELEASE: { description: 'A written release or readout issued by an organization.' },
    ATTACK: { description: 'A violent attack.' },
    INCIDENT: { description: 'A single military or diplomatic incident (the downing of a jet).' },
    DIPLOMATIC_PROCESS: { description: 'A series of negotiations over time (the Vienna process).' },
    MILITARY_CAMPAIGN: { description: 'A sustained military or militant effort (a bombing campaign, a group\'s spread into a region).' },
  } as const,
});

export const EventRef = builder.loadableNodeRef('Event', {
  id: { resolve: (event: EventRecord) => event.id },
  load: (ids: string[], context) => context.reader.recordsByIds('Event', ids),
});
registerNodeLoader('Event', EventRef);

export const EventConnection = builder.connectionObject(
  { type: EventRef, name: 'EventConnection', description: 'A page of events.' },
  { name: 'EventEdge', description: 'An event on a page, with its cursor.' },
);

export const EventFilterInput = builder.inputType('EventFilter', {
  description: 'Conditions on events. Every condition given must hold (they combine with AND); text matching ignores case and accents.',
  fields: (t) => ({
    source: t.id({ required: false, description: 'Only events the source (global id or slug) has evidence about.' }),
    name: t.string({ required: false, description: 'Words that start words of the name or an alias ("nato meeting", "summit").' }),
    kind: t.field({ type: EventKindEnum, required: false, description: 'Only events of this kind.' }),
    from: t.field({ type: 'Date', required: false, description: 'Only events that can have happened (at least partly) on or after this day.' }),
    to: t.field({ type: 'Date', required: false, description: 'Only events that can have happened (at least partly) on or before this day.' }),
    country: t.id({ required: false, description: 'Only events that took place in this country (global id or slug).' }),
    city: t.string({ required: false, description: 'Only events that took place in this city ("brussels").' }),
    participant: t.id({ required: false, description: 'Only events this person, organization or country took part in (global id or slug).' }),
  }),
});

/** The `filter` and `orderBy` arguments of every event connection. */
export const eventListArgs = builder.args((t) => ({
  filter: t.field({ type: EventFilterInput, required: false, description: 'Conditions the events must meet.' }),
  orderBy: t.field({ type: EventOrderEnum, required: true, defaultValue: 'FILE_ORDER', description: 'The order of the events.' }),
}));

type EventFilterArg = NonNullable<(typeof EventFilterInput)['$inferInput']>;

async function toEventFilter(input: EventFilterArg | null | undefined, context: Context): Promise<EventFilter> {
  if (!input) return {};
  return {
    sourceId: input.source != null ? await resolveReference(input.source, ['Source'], 'filter.source', context) : undefined,
    name: requireWords(input.name, 'filter.name'),
    kinds: input.kind != null ? [input.kind] : undefined,
    ...dateRange(input, 'filter.'),
    countryId: input.country != null ? await resolveReference(input.country, ['Country'], 'filter.country', context) : undefined,
    city: requireWords(input.city, 'filter.city'),
    participantId:
      input.participant != null ? await resolveReference(input.participant, ['Person', 'Organization', 'Country'], 'filter.participant', context) : undefined,
  };
}

/** One page of events meeting `filter`, in `orderBy` order, optionally within a relationship's events. */
export async function eventPage(args: ConnectionArgs & { filter?: EventFilterArg | null; orderBy: EventOrder }, context: Context, parent?: ListParent) {
  return listConnection(context, { list: 'events', filter: await toEventFilter(args.filter, context), order: args.orderBy }, args, parent);
}

export const LocationRef = builder.objectRef<LocationRecord>('Location');
LocationRef.implement({
  description: 'Where an event took place: a city and/or a country, with the words that say so.',
  fields: (t) => ({
    city: t.exposeString('city', { nullable: true, description: 'The city, when the source names one.' }),
    country: t.field({ type: CountryRef, nullable: true, description: 'The country, when known.', resolve: (location) => location.countryId ?? null }),
    inferred: t.exposeBoolean('inferred', { description: 'True when the city or country comes from context (the text says "Paris" but not "France").' }),
    note: t.exposeString('note', { nullable: true, description: 'How an inferred part was worked out.' }),
    evidence: t.field({ type: EvidenceRef, description: 'The first words that place the event.', deprecationReason: 'Use `provenance.evidence`: a link can be stated by several sources; this field gives the first span only.', resolve: (location) => location.evidence[0]! }),
    provenance: t.field({ type: ProvenanceRef, description: 'Every source\'s words that place the event there.', resolve: (location) => location }),

  }),
});

export const ParticipationRef = builder.objectRef<EventParticipation>('Participation');
ParticipationRef.implement({
  description: 'A person, organization or country taking part in an event, with its part.',
  fields: (t) => ({
    participant: t.field({ type: EntityRef, description: 'Who or what took part.', resolve: ({ participation }, _args, context) => loadEntity(context, participation.entityId) }),
    event: t.field({ type: EventRef, description: 'The event.', resolve: ({ eventId }) => eventId }),
    role: t.string({ description: 'The participant\'s part, in a few words ("host", "perpetrator", "withdrawing its jets").', resolve: ({ participation }) => participation.role }),
    inferred: t.boolean({ description: 'True when the source implies rather than states the participation.', resolve: ({ participation }) => participation.inferred }),
    note: t.string({ nullable: true, description: 'How an implied participation was worked out.', resolve: ({ participation }) => participation.note ?? null }),
    evidence: t.field({ type: EvidenceRef, description: 'The first words that show the participation.', deprecationReason: 'Use `provenance.evidence`: a link can be stated by several sources; this field gives the first span only.', resolve: ({ participation }) => participation.evidence[0]! }),
    provenance: t.field({ type: ProvenanceRef, description: 'Every source\'s words that show the participation.', resolve: ({ participation }) => participation }),

    position: t.int({
      description:
        'Where the participation stands in the event\'s list of participants, retracted ones counted (0 for the first); pass it to `retractParticipation`. Stable, since participations are never removed.',
      resolve: ({ position }) => position,
    }),
    retraction: t.field({
      type: RetractionRef,
      nullable: true,
      description: 'Why and when the participation was retracted; null for a participation in force.',
      resolve: ({ participation }) => participation.retracted ?? null,
    }),
  }),
});

EventRef.implement({
  description: 'A meeting, talk, conference, press event, attack, incident, process or campaign the news reports.',
  interfaces: [EntityRef],
  fields: (t) => ({
    kind: t.expose('kind', { type: EventKindEnum, description: 'What sort of happening it is.' }),
    revision: t.exposeInt('revision', { description: 'Counts the changes made to this event (1 as first written); name it as `expectedRevision` when changing the event.' }),
    start: t.field({ type: PartialDateRef, nullable: true, description: 'When it happened or began, as precisely as known.', resolve: (event) => event.start }),
    end: t.field({ type: PartialDateRef, nullable: true, description: 'When it ended, for events that span time; null for a single moment or when unknown.', resolve: (event) => event.end }),
    location: t.field({
      type: LocationRef,
      nullable: true,
      description: 'Where it happened (the first of `locations`); null when the source does not say.',
      resolve: (event) => event.locations[0] ?? null,
    }),
    locations: t.field({ type: [LocationRef], description: 'Every place it happened (a campaign can span several countries).', resolve: (event) => event.locations }),
    participants: t.field({
      type: [ParticipationRef],
      description: 'The persons, organizations and countries that took part, each with its part. Retracted participations only with `includeRetracted`.',
      args: {
        includeRetracted: t.arg.boolean({ required: true, defaultValue: false, description: 'Also list retracted participations (each with its `retraction`).' }),
      },
      resolve: async (event, { includeRetracted }, context) => {
        // From the stored record, which counts retracted participations too: that count is each one's position.
        const { participants } = (await context.loaders.storedRecordById.load(event.id)) as EventRecord;
        return participants.flatMap((participation, position) => (includeRetracted || !participation.retracted ? [{ eventId: event.id, participation, position }] : []));
      },
    }),
    parent: t.field({ type: EventRef, nullable: true, description: 'The larger event this one is part of.', resolve: (event) => event.partOf?.eventId ?? null }),
    parentEvidence: t.field({
      type: EvidenceRef,
      nullable: true,
      description: 'The first words that place this event within its parent.',
      deprecationReason: 'Use `parentProvenance`: the link can be stated by several sources, or inferred.',
      resolve: (event) => event.partOf?.evidence[0] ?? null,
    }),
    parentProvenance: t.field({
      type: ProvenanceRef,
      nullable: true,
      description: 'Where the link to `parent` comes from (every source\'s words, or an inference and its note); null without a parent.',
      resolve: (event) => event.partOf ?? null,
    }),
    subEvents: t.field({
      type: [EventRef],
      description: 'Events that are part of this one (bilateral talks held during a meeting).',
      resolve: (event, _args, context) => context.loaders.subEventIdsByEventId.load(event.id),
    }),
    statements: t.connection(
      {
        type: StatementRef,
        description: 'Statements made at this event or about it, in source order unless `orderBy` says otherwise.',
        args: statementListArgs,
        resolve: (event, args, context, info) => statementPage(args, context, info, { relation: 'statementIdsByEventId', id: event.id }),
      },
      StatementConnection,
    ),
    evidence: t.field({ type: [EvidenceRef], description: 'Where the source reports the event.', resolve: (event) => event.evidence }),
  }),
});

builder.queryFields((t) => ({
  events: t.connection(
    {
      type: EventRef,
      description: 'All events meeting `filter`, in the order of the data file unless `orderBy` says otherwise.',
      args: eventListArgs,
      resolve: (_root, args, context) => eventPage(args, context),
    },
    EventConnection,
  ),
  event: t.field({
    type: EventRef,
    nullable: true,
    description: 'One event by global id or slug. A NOT_FOUND error when nothing matches.',
    args: lookupArgs('Event'),
    resolve: (_root, args, context) => resolveLookup('Event', args, context),
  }),
}));

export const LocationInputRef = builder.inputType('LocationInput', {
  description: 'Where an event took place: a city and/or a country, with the words that say so.',
  fields: (t) => ({
    city: t.string({ required: false, description: 'The city, when the source names one.' }),
    country: t.id({ required: false, description: 'The country (global id or slug).' }),
    inferred: t.boolean({ required: false, description: 'True when the city or country comes from context rather than the text (then give a `note`).' }),
    note: t.string({ required: false, description: 'How an inferred part was worked out.' }),
    evidence: t.field({ type: QuoteInputRef, required: true, description: 'The words that place the event.' }),
  }),
});

export const ParticipationInputRef = builder.inputType('ParticipationInput', {
  description: 'A person, organization or country taking part in an event, with its part and the words that show it.',
  fields: (t) => ({
    participant: t.id({ required: true, description: 'Who or what took part: a person, organization or country (global id or slug).' }),
    role: t.string({ required: true, description: 'The participant\'s part, in a few words ("host", "perpetrator").' }),
    inferred: t.boolean({ required: false, description: 'True when the source implies rather than states the participation (then give a `note`).' }),
    note: t.string({ required: false, description: 'How an implied participation was worked out.' }),
    evidence: t.field({ type: QuoteInputRef, required: true, description: 'The words that show the participation.' }),
  }),
});

const PartOfInputRef = builder.inputType('PartOfInput', {
  description: 'The larger event a new event is part of, with the words that say so.',
  fields: (t) => ({
    event: t.id({ required: true, description: 'The larger event (global id or slug).' }),
    evidence: t.field({ type: QuoteInputRef, required: true, description: 'The words that place the event within the larger one.' }),
  }),
});

function toLocationInput(input: NonNullable<(typeof LocationInputRef)['$inferInput']>, field: string): LocationInput {
  return {
    city: orUndefined(input.city),
    countryId: input.country != null ? referenceId(input.country, ['Country'], `${field}.country`) : undefined,
    inferred: orUndefined(input.inferred),
    note: orUndefined(input.note),
    evidence: toQuote(input.evidence, `${field}.evidence`),
  };
}

function toParticipationInput(input: NonNullable<(typeof ParticipationInputRef)['$inferInput']>, field: string): ParticipationInput {
  return {
    entityId: referenceId(input.participant, ['Person', 'Organization', 'Country'], `${field}.participant`),
    role: input.role,
    inferred: orUndefined(input.inferred),
    note: orUndefined(input.note),
    evidence: toQuote(input.evidence, `${field}.evidence`),
  };
}

const CreateEventInputRef = builder.inputType('CreateEventInput', {
  description: 'A new event, with at least one place where a source reports it.',
  fields: (t) => ({
    slug: t.string({ required: false, description: 'The new event\'s slug; made from the name when left out.' }),
    name: t.string({ required: true, description: 'The name ("NATO foreign ministers\' meeting").' }),
    aliases: t.stringList({ required: false, description: 'Other names the source uses.' }),
    kind: t.field({ type: EventKindEnum, required: true, description: 'What sort of happening it is.' }),
    description: t.string({ required: true, description: 'A short description of the event as the source presents it.' }),
    start: t.field({ type: PartialDateInputRef, required: false, description: 'When it happened or began, as precisely as known.' }),
    end: t.field({ type: PartialDateInputRef, required: false, description: 'When it ended, for events that span time.' }),
    locations: t.field({ type: [LocationInputRef], required: false, description: 'Where it happened.' }),
    participants: t.field({ type: [ParticipationInputRef], required: false, description: 'The persons, organizations and countries that took part.' }),
    partOf: t.field({ type: PartOfInputRef, required: false, description: 'The larger event it is part of.' }),
    evidence: t.field({ type: [QuoteInputRef], required: true, description: 'Where a source reports the event; at least one.' }),
  }),
});

const UpdateEventInputRef = builder.inputType('UpdateEventInput', {
  description: 'Changes to an event. Fields left out stay as they are; `start` or `end` given as null is cleared.',
  fields: (t) => ({
    event: t.id({ required: true, description: 'The event to change (global id or slug).' }),
    expectedRevision: t.int({ required: true, description: 'The `revision` you read; if the event changed since, REVISION_CONFLICT.' }),
    name: t.string({ required: false, description: 'The new name.' }),
    aliases: t.stringList({ required: false, description: 'The new list of aliases (replaces the old one).' }),
    kind: t.field({ type: EventKindEnum, required: false, description: 'The new kind.' }),
    description: t.string({ required: false, description: 'The new description.' }),
    start: t.field({ type: PartialDateInputRef, required: false, description: 'The new start; null removes it.' }),
    end: t.field({ type: PartialDateInputRef, required: false, description: 'The new end; null removes it.' }),
    addLocations: t.field({ type: [LocationInputRef], required: false, description: 'More places it happened (added to those it has).' }),
    addEvidence: t.field({ type: [QuoteInputRef], required: false, description: 'More places where a source reports the event (added to those it has).' }),
  }),
});

const eventPayload = (name: string, what: string) => mutationPayload(name, 'event', EventRef, `The result of ${what}: the event as stored.`);
const CreateEventPayload = eventPayload('CreateEventPayload', '`createEvent`');
const UpdateEventPayload = eventPayload('UpdateEventPayload', '`updateEvent`');

builder.mutationFields((t) => ({
  createEvent: t.field({
    type: CreateEventPayload,
    description: 'Adds an event. DUPLICATE_ID when the slug is taken; UNKNOWN_REFERENCE, EVIDENCE_NOT_FOUND or EVIDENCE_AMBIGUOUS for a bad reference or evidence.',
    args: { input: t.arg({ type: CreateEventInputRef, required: true, description: 'The new event.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = createEvent({
        id: newRecordId(input.slug),
        name: input.name,
        aliases: orUndefined(input.aliases),
        kind: input.kind,
        description: input.description,
        start: toDateInput(input.start),
        end: toDateInput(input.end),
        locations: input.locations?.map((location, index) => toLocationInput(location, `input.locations[${index}]`)),
        participants: input.participants?.map((participant, index) => toParticipationInput(participant, `input.participants[${index}]`)),
        partOf: input.partOf
          ? { eventId: referenceId(input.partOf.event, ['Event'], 'input.partOf.event'), evidence: toQuote(input.partOf.evidence, 'input.partOf.evidence') }
          : undefined,
        evidence: input.evidence.map((quote, index) => toQuote(quote, `input.evidence[${index}]`)),
      });
      return changeResult(context, await applyEdit(context, 'events', edit));
    },
  }),
  updateEvent: t.field({
    type: UpdateEventPayload,
    description: 'Changes an event\'s names, kind, description or dates, or adds places and evidence. REVISION_CONFLICT when `expectedRevision` is stale.',
    args: { input: t.arg({ type: UpdateEventInputRef, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = updateEvent({
        id: referenceId(input.event, ['Event'], 'input.event'),
        expectedRevision: input.expectedRevision,
        name: orUndefined(input.name),
        aliases: orUndefined(input.aliases),
        kind: orUndefined(input.kind),
        description: orUndefined(input.description),
        start: input.start === null ? null : toDateInput(input.start),
        end: input.end === null ? null : toDateInput(input.end),
        addLocations: input.addLocations?.map((location, index) => toLocationInput(location, `input.addLocations[${index}]`)),
        addEvidence: input.addEvidence?.map((quote, index) => toQuote(quote, `input.addEvidence[${index}]`)),
      });
      return changeResult(context, await applyEdit(context, 'events', edit));
    },
  }),
}));

definePartMutations({
  owner: { field: 'event', kind: 'Event', collection: 'events', ref: EventRef },
  part: { field: 'participation', name: 'Participation', listField: 'participants' },
  partInput: ParticipationInputRef,
  toPart: toParticipationInput,
  add: addParticipation,
  retract: retractParticipation,
});
