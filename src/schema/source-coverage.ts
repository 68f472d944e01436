/**
 * What a source covers: the persons, organizations, countries and events it has evidence about. Kept
 * apart from the type files because it joins Source to every entity type, which import one another.
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { CountryConnection, CountryRef } from './country.js';
import { EventConnection, EventRef } from './event.js';
import { OrganizationConnection, OrganizationRef } from './organization.js';
import { listConnection, type ConnectionArgs } from './pagination.js';
import { PersonConnection, PersonRef } from './person.js';
import { SourceRef } from './source.js';

type CoverageRelation = 'personIdsBySourceId' | 'organizationIdsBySourceId' | 'countryIdsBySourceId' | 'eventIdsBySourceId';

/** The description of one kind's list. */
const covered = (what: string) => `${what} this source has evidence about (names, roles, statements, mentions …), in the order of the data file.`;

/** Resolves a page of the records of one kind that a source covers: the kind's whole list in file order, narrowed to the source. */
const coveredBy =
  (list: 'persons' | 'organizations' | 'countries' | 'events', relation: CoverageRelation) =>
  (source: { id: string }, args: ConnectionArgs, context: Context) =>
    listConnection(context, { list, filter: {}, order: 'FILE_ORDER' }, args, { relation, id: source.id });

builder.objectFields(SourceRef, (t) => ({
  persons: t.connection({ type: PersonRef, description: covered('Persons'), resolve: coveredBy('persons', 'personIdsBySourceId') }, PersonConnection),
  organizations: t.connection(
    { type: OrganizationRef, description: covered('Organizations'), resolve: coveredBy('organizations', 'organizationIdsBySourceId') },
    OrganizationConnection,
  ),
  countries: t.connection({ type: CountryRef, description: covered('Countries'), resolve: coveredBy('countries', 'countryIdsBySourceId') }, CountryConnection),
  events: t.connection({ type: EventRef, description: covered('Events'), resolve: coveredBy('events', 'eventIdsBySourceId') }, EventConnection),
}));
