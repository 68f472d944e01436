/**
 * What a source covers: the persons, organizations, countries and events it has evidence about. Kept
 * apart from the type files because it joins Source to every entity type, which import one another.
 */
import { builder } from '../builder.js';
import { CountryConnection, CountryRef } from './country.js';
import { EventConnection, EventRef } from './event.js';
import { OrganizationConnection, OrganizationRef } from './organization.js';
import { paginate } from './pagination.js';
import { PersonConnection, PersonRef } from './person.js';
import { SourceRef } from './source.js';

builder.objectFields(SourceRef, (t) => ({
  persons: t.connection(
    {
      type: PersonRef,
      description: 'Persons this source has evidence about (names, roles, statements, mentions …), in the order of the data file.',
      resolve: async (source, args, context) => paginate(await context.loaders.personIdsBySourceId.load(source.id), args),
    },
    PersonConnection,
  ),
}));

builder.objectFields(SourceRef, (t) => ({
  organizations: t.connection(
    {
      type: OrganizationRef,
      description: 'Organizations this source has evidence about (names, roles, statements, mentions …), in the order of the data file.',
      resolve: async (source, args, context) => paginate(await context.loaders.organizationIdsBySourceId.load(source.id), args),
    },
    OrganizationConnection,
  ),
}));

builder.objectFields(SourceRef, (t) => ({
  countries: t.connection(
    {
      type: CountryRef,
      description: 'Countries this source has evidence about (names, roles, statements, mentions …), in the order of the data file.',
      resolve: async (source, args, context) => paginate(await context.loaders.countryIdsBySourceId.load(source.id), args),
    },
    CountryConnection,
  ),
}));

builder.objectFields(SourceRef, (t) => ({
  events: t.connection(
    {
      type: EventRef,
      description: 'Events this source has evidence about (names, roles, statements, mentions …), in the order of the data file.',
      resolve: async (source, args, context) => paginate(await context.loaders.eventIdsBySourceId.load(source.id), args),
    },
    EventConnection,
  ),
}));
