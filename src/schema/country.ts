import { builder } from '../builder.js';
import { badUserInput, notFound } from '../errors.js';
import type { CountryRecord } from '../kb/records.js';
import { EntityRef, registerEntityLoader } from './entity.js';
import { EventConnection, EventRef, ParticipationRef } from './event.js';
import { lookupArgs, resolveLookup } from './lookup.js';
import { MembershipRef, OrganizationRef } from './organization.js';
import { paginate } from './pagination.js';
import { PersonRef, RoleRef } from './person.js';

export const CountryRef = builder.loadableNodeRef('Country', {
  id: { resolve: (country: CountryRecord) => country.id },
  load: (ids: string[], context) => Promise.resolve(context.kb.countriesByIds(ids)),
});
registerEntityLoader('Country', CountryRef);

export const CountryConnection = builder.connectionObject(
  { type: CountryRef, name: 'CountryConnection', description: 'A page of countries.' },
  { name: 'CountryEdge', description: 'A country on a page, with its cursor.' },
);

CountryRef.implement({
  description: 'A country: where events happen, whose officials speak, which alliances it belongs to.',
  interfaces: [EntityRef],
  fields: (t) => ({
    isoCode: t.exposeString('isoAlpha2', { description: 'The ISO 3166-1 alpha-2 code ("CA").' }),
    isoAlpha3: t.exposeString('isoAlpha3', { description: 'The ISO 3166-1 alpha-3 code ("CAN").' }),
    roles: t.field({
      type: [RoleRef],
      description: 'Offices held for this country, each with the person holding it.',
      resolve: (country, _args, context) => context.loaders.roleHoldingsByCountryId.load(country.id),
    }),
    people: t.field({
      type: [PersonRef],
      description: 'People who hold an office for this country, each once.',
      resolve: async (country, _args, context) => [...new Set((await context.loaders.roleHoldingsByCountryId.load(country.id)).map((h) => h.personId))],
    }),
    organizations: t.field({
      type: [OrganizationRef],
      description: 'National organizations that belong to this country (its government departments, for example).',
      resolve: (country, _args, context) => context.loaders.organizationIdsByCountryId.load(country.id),
    }),
    memberships: t.field({
      type: [MembershipRef],
      description: 'The alliances and coalitions this country is a member of.',
      resolve: (country, _args, context) => context.loaders.membershipsByCountryId.load(country.id),
    }),
    events: t.connection(
      {
        type: EventRef,
        description: 'Events that took place in this country.',
        resolve: async (country, args, context) => paginate(await context.loaders.eventIdsByCountryId.load(country.id), args),
      },
      EventConnection,
    ),
    participations: t.field({
      type: [ParticipationRef],
      description: 'Events the country took part in as a party (a campaign it flies in, an incident it was part of), with its part.',
      resolve: (country, _args, context) => context.loaders.participationsByEntityId.load(country.id),
    }),
  }),
});

builder.queryFields((t) => ({
  countries: t.connection(
    {
      type: CountryRef,
      description: 'All countries, in the order of the data file.',
      resolve: (_root, args, context) => paginate(context.kb.orderedIds.countries, args),
    },
    CountryConnection,
  ),
  country: t.field({
    type: CountryRef,
    nullable: true,
    description: 'One country by global id, slug or ISO 3166-1 code. A NOT_FOUND error when nothing matches.',
    args: {
      ...lookupArgs('Country'),
      isoCode: t.arg.string({ required: false, description: 'An ISO 3166-1 alpha-2 or alpha-3 code, any case ("CA", "can"). Give one of `id`, `slug` or `isoCode`.' }),
    },
    resolve: (_root, { isoCode, ...args }, context) => {
      if (isoCode == null) return resolveLookup('Country', args, context);
      if (args.id != null || args.slug != null) throw badUserInput('Give exactly one of "id", "slug" or "isoCode" to look up a Country');
      const id = context.kb.countryIdForIsoCode(isoCode);
      if (!id) throw notFound(`No Country with ISO code "${isoCode.slice(0, 10)}"`, { kind: 'Country' });
      return id;
    },
  }),
}));
