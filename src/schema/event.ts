import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { EventFilter, EventOrder } from '../kb/filters.js';
import type { EventParticipation } from '../kb/knowledge-base.js';
import type { EventRecord, LocationRecord } from '../kb/records.js';
import { CountryRef } from './country.js';
import { PartialDateRef } from './dates.js';
import { EntityRef, loadEntity } from './entity.js';
import { EvidenceRef } from './evidence.js';
import { dateRange, lookupArgs, requireWords, resolveLookup, resolveReference } from './lookup.js';
import { registerNodeLoader } from './node-loading.js';
import { EventOrderEnum } from './ordering.js';
import { paginate, type ConnectionArgs } from './pagination.js';
import { StatementConnection, StatementRef, statementListArgs, statementPage } from './statement.js';

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
  load: (ids: string[], context) => Promise.resolve(context.kb.eventsByIds(ids)),
});
registerNodeLoader('Event', EventRef);

export const EventConnection = builder.connectionObject(
  { type: EventRef, name: 'EventConnection', description: 'A page of events.' },
  { name: 'EventEdge', description: 'An event on a page, with its cursor.' },
);

export const EventFilterInput = builder.inputType('EventFilter', {
  description: 'Conditions on events. Every condition given must hold (they combine with AND); text matching ignores case and accents.',
  fields: (t) => ({
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

function toEventFilter(input: EventFilterArg | null | undefined, context: Context): EventFilter {
  if (!input) return {};
  return {
    name: requireWords(input.name, 'filter.name'),
    kinds: input.kind != null ? [input.kind] : undefined,
    ...dateRange(input, 'filter.'),
    countryId: input.country != null ? resolveReference(input.country, ['Country'], 'filter.country', context) : undefined,
    city: requireWords(input.city, 'filter.city'),
    participantId:
      input.participant != null ? resolveReference(input.participant, ['Person', 'Organization', 'Country'], 'filter.participant', context) : undefined,
  };
}

/** One page of events meeting `filter`, in `orderBy` order, optionally within a relationship's events. */
export function eventPage(args: ConnectionArgs & { filter?: EventFilterArg | null; orderBy: EventOrder }, context: Context, within?: readonly string[]) {
  return paginate(context.kb.find.events(toEventFilter(args.filter, context), args.orderBy, within), args);
}

export const LocationRef = builder.objectRef<LocationRecord>('Location');
LocationRef.implement({
  description: 'Where an event took place: a city and/or a country, with the words that say so.',
  fields: (t) => ({
    city: t.exposeString('city', { nullable: true, description: 'The city, when the source names one.' }),
    country: t.field({ type: CountryRef, nullable: true, description: 'The country, when known.', resolve: (location) => location.countryId ?? null }),
    inferred: t.exposeBoolean('inferred', { description: 'True when the city or country comes from context (the text says "Paris" but not "France").' }),
    note: t.exposeString('note', { nullable: true, description: 'How an inferred part was worked out.' }),
    evidence: t.field({ type: EvidenceRef, description: 'The words that place the event.', resolve: (location) => location.evidence }),
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
    evidence: t.field({ type: EvidenceRef, description: 'The words that show the participation.', resolve: ({ participation }) => participation.evidence }),
  }),
});

EventRef.implement({
  description: 'A meeting, talk, conference, press event, attack, incident, process or campaign the news reports.',
  interfaces: [EntityRef],
  fields: (t) => ({
    kind: t.expose('kind', { type: EventKindEnum, description: 'What sort of happening it is.' }),
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
      description: 'The persons, organizations and countries that took part, each with its part.',
      resolve: (event) => event.participants.map((participation) => ({ eventId: event.id, participation })),
    }),
    parent: t.field({ type: EventRef, nullable: true, description: 'The larger event this one is part of.', resolve: (event) => event.partOf?.eventId ?? null }),
    parentEvidence: t.field({
      type: EvidenceRef,
      nullable: true,
      description: 'The words that place this event within its parent.',
      resolve: (event) => event.partOf?.evidence,
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
        resolve: async (event, args, context) => statementPage(args, context, await context.loaders.statementIdsByEventId.load(event.id)),
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
