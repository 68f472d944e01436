/**
 * What a source covers: the persons, organizations, countries and events it has evidence about. Kept
 * apart from the type files because it joins Source to every entity type, which import one another.
 */
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { CountryConnection, CountryRef } from './country.js';
import { EventConnection, EventRef } from './event.js';
import { OrganizationConnection, OrganizationRef } from './organization.js';
import { paginate } from './pagination.js';
import { PersonConnection, PersonRef } from './person.js';
import { SourceRef } from './source.js';

type CoverageLoader = 'personIdsBySourceId' | 'organizationIdsBySourceId' | 'countryIdsBySourceId' | 'eventIdsBySourceId';

/** The description of one kind's list. */
const covered = (what: string) => `${what} this source has evidence about (names, roles, statements, mentions …), in the order of the data file.`;

/** Resolves a page of the records of one kind that a source covers, through the request's loader. */
const coveredBy =
  (loader: CoverageLoader) =>
  async (source: { id: string }, args: Parameters<typeof paginate>[1], context: Context) =>
    paginate(await context.loaders[loader].load(source.id), args);

builder.objectFields(SourceRef, (t) => ({
  persons: t.connection({ type: PersonRef, description: covered('Persons'), resolve: coveredBy('personIdsBySourceId') }, PersonConnection),
  organizations: t.connection(
    { type: OrganizationRef, description: covered('Organizations'), resolve: coveredBy('organizationIdsBySourceId') },
    OrganizationConnection,
  ),
  countries: t.connection({ type: CountryRef, description: covered('Countries'), resolve: coveredBy('countryIdsBySourceId') }, CountryConnection),
  events: t.connection({ type: EventRef, description: covered('Events'), resolve: coveredBy('eventIdsBySourceId') }, EventConnection),
}));
