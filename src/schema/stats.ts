import { builder } from '../builder.js';
import type { EventKind, OrganizationKind, StatementKind } from '../kb/records.js';
import type { Count, SourceCount, SpeakerCount } from '../kb/stats.js';
import { CountryRef } from './country.js';
import { EntityRef, loadEntity } from './entity.js';
import { EventKindEnum } from './event.js';
import { OrganizationKindEnum } from './organization.js';
import { PersonRef } from './person.js';
import { SourceRef } from './source.js';
import { StatementKindEnum } from './statement.js';

const SpeakerCountRef = builder.objectRef<SpeakerCount>('SpeakerCount');
SpeakerCountRef.implement({
  description: 'How many statements one person made.',
  fields: (t) => ({
    speaker: t.field({ type: PersonRef, description: 'The speaker.', resolve: (entry) => entry.personId }),
    count: t.exposeInt('count', { description: 'All their statements.' }),
    quotes: t.exposeInt('quotes', { description: 'Of which direct quotes.' }),
    paraphrases: t.exposeInt('paraphrases', { description: 'Of which paraphrases.' }),
    interpretations: t.exposeInt('interpretations', { description: 'Of which the sources\' own readings of what the person means (INTERPRETATION).' }),
  }),
});

const SourceCountRef = builder.objectRef<SourceCount>('SourceCount');
SourceCountRef.implement({
  description: 'What one source contributes to the knowledge base.',
  fields: (t) => ({
    source: t.field({ type: SourceRef, description: 'The source.', resolve: (entry) => entry.sourceId }),
    statements: t.exposeInt('statements', { description: 'Statements it reports (each once, however many reports it has of one).' }),
    corroborated: t.exposeInt('corroborated', { description: 'Of which other sources report too.' }),
    persons: t.exposeInt('persons', { description: 'Persons it has evidence about.' }),
    organizations: t.exposeInt('organizations', { description: 'Organizations it has evidence about.' }),
    countries: t.exposeInt('countries', { description: 'Countries it has evidence about.' }),
    events: t.exposeInt('events', { description: 'Events it has evidence about.' }),
  }),
});

const StatementKindCountRef = builder.objectRef<Count<StatementKind>>('StatementKindCount');
StatementKindCountRef.implement({
  description: 'How many statements are of one kind.',
  fields: (t) => ({
    kind: t.field({ type: StatementKindEnum, description: 'The kind.', resolve: (entry) => entry.key }),
    count: t.exposeInt('count', { description: 'How many statements.' }),
  }),
});

const EventKindCountRef = builder.objectRef<Count<EventKind>>('EventKindCount');
EventKindCountRef.implement({
  description: 'How many events are of one kind.',
  fields: (t) => ({
    kind: t.field({ type: EventKindEnum, description: 'The kind.', resolve: (entry) => entry.key }),
    count: t.exposeInt('count', { description: 'How many events.' }),
  }),
});

const OrganizationKindCountRef = builder.objectRef<Count<OrganizationKind>>('OrganizationKindCount');
OrganizationKindCountRef.implement({
  description: 'How many organizations are of one kind.',
  fields: (t) => ({
    kind: t.field({ type: OrganizationKindEnum, description: 'The kind.', resolve: (entry) => entry.key }),
    count: t.exposeInt('count', { description: 'How many organizations.' }),
  }),
});

const CountryEventCountRef = builder.objectRef<Count<string>>('CountryEventCount');
CountryEventCountRef.implement({
  description: 'How many events took place in one country.',
  fields: (t) => ({
    country: t.field({ type: CountryRef, description: 'The country.', resolve: (entry) => entry.key }),
    count: t.exposeInt('count', { description: 'How many events took place there.' }),
  }),
});

const EntityMentionCountRef = builder.objectRef<Count<string>>('EntityMentionCount');
EntityMentionCountRef.implement({
  description: 'How many statements mention one entity.',
  fields: (t) => ({
    entity: t.field({ type: EntityRef, description: 'The entity.', resolve: (entry, _args, context) => loadEntity(context, entry.key) }),
    count: t.exposeInt('count', { description: 'How many statements mention it.' }),
  }),
});

/** The statistics are read field by field from the store: the object itself carries nothing. */
const StatsRef = builder.objectRef<object>('Stats');
StatsRef.implement({
  description: 'Counts across the whole knowledge base, computed when the data loads. Lists are ordered by count, largest first.',
  fields: (t) => ({
    statementsPerSpeaker: t.field({
      type: [SpeakerCountRef],
      description: 'How many statements each person made, by kind. Statements attributed to an organization, a country or an unnamed group are left out. A statement several sources report counts once.',
      resolve: async (_root, _args, context) => (await context.reader.statistics()).statementsPerSpeaker,
    }),
    statementsPerKind: t.field({
      type: [StatementKindCountRef],
      description: 'How many statements are of each kind (kinds with none are left out).',
      resolve: async (_root, _args, context) => (await context.reader.statistics()).statementsPerKind,
    }),
    eventsPerCountry: t.field({
      type: [CountryEventCountRef],
      description: 'How many events took place in each country (countries with none are left out).',
      resolve: async (_root, _args, context) => (await context.reader.statistics()).eventsPerCountry,
    }),
    eventsPerKind: t.field({
      type: [EventKindCountRef],
      description: 'How many events there are of each kind (kinds with none are left out).',
      resolve: async (_root, _args, context) => (await context.reader.statistics()).eventsPerKind,
    }),
    organizationsPerKind: t.field({
      type: [OrganizationKindCountRef],
      description: 'How many organizations there are of each kind (kinds with none are left out).',
      resolve: async (_root, _args, context) => (await context.reader.statistics()).organizationsPerKind,
    }),
    mentionsPerEntity: t.field({
      type: [EntityMentionCountRef],
      description: 'How many statements mention each entity (entities never mentioned are left out).',
      resolve: async (_root, _args, context) => (await context.reader.statistics()).mentionsPerEntity,
    }),
    perSource: t.field({
      type: [SourceCountRef],
      description: 'What each source contributes, in the order of `sources`.',
      resolve: async (_root, _args, context) => (await context.reader.statistics()).perSource,
    }),
  }),
});

builder.queryField('stats', (t) =>
  t.field({
    type: StatsRef,
    description: 'Counts a frontend needs without fetching everything: statements per speaker, events per country, records per kind. `dataset.counts` has how many records of each kind are in force.',
    resolve: () => ({}),
  }),
);
