import { builder } from '../builder.js';
import { EvidenceRef } from './evidence.js';
import type { Context } from '../context.js';
import { badUserInput, notFound } from '../errors.js';
import type { CountryFilter } from '../kb/filters.js';
import { inForceOn } from '../kb/indexes.js';
import type { CountryRecord } from '../kb/records.js';
import { EntityRef } from './entity.js';
import { EventConnection, EventRef, ParticipationRef, eventListArgs, eventPage } from './event.js';
import { registerNodeLoader } from './node-loading.js';
import { lookupArgs, requireWords, resolveLookup, resolveReference } from './lookup.js';
import { NameOrderEnum } from './ordering.js';
import { MembershipRef, OrganizationRef } from './organization.js';
import { listConnection } from './pagination.js';
import { PersonRef, RoleRef } from './person.js';
import { QuoteInputRef, applyEdit, changeResult, mutationPayload, newRecordId, orUndefined, referenceId, toQuote } from './mutations.js';
import { createCountry, updateCountry } from '../store/edits.js';

export const CountryRef = builder.loadableNodeRef('Country', {
  id: { resolve: (country: CountryRecord) => country.id },
  load: (ids: string[], context) => context.reader.recordsByIds('Country', ids),
});
registerNodeLoader('Country', CountryRef);

export const CountryConnection = builder.connectionObject(
  { type: CountryRef, name: 'CountryConnection', description: 'A page of countries.' },
  { name: 'CountryEdge', description: 'A country on a page, with its cursor.' },
);

export const CountryFilterInput = builder.inputType('CountryFilter', {
  description: 'Conditions on countries. Every condition given must hold (they combine with AND); text matching ignores case and accents.',
  fields: (t) => ({
    source: t.id({ required: false, description: 'Only countries the source (global id or slug) has evidence about.' }),
    name: t.string({ required: false, description: 'Words that start words of the name, an alias or an ISO code ("united", "U.S.", "CAN").' }),
    memberOf: t.id({ required: false, description: 'Only members of this organization (global id or slug).' }),
  }),
});

async function toCountryFilter(input: (typeof CountryFilterInput)['$inferInput'] | null | undefined, context: Context): Promise<CountryFilter> {
  if (!input) return {};
  return {
    sourceId: input.source != null ? await resolveReference(input.source, ['Source'], 'filter.source', context) : undefined,
    name: requireWords(input.name, 'filter.name'),
    memberOfId: input.memberOf != null ? await resolveReference(input.memberOf, ['Organization'], 'filter.memberOf', context) : undefined,
  };
}

CountryRef.implement({
  description: 'A country: where events happen, whose officials speak, which alliances it belongs to.',
  interfaces: [EntityRef],
  fields: (t) => ({
    revision: t.exposeInt('revision', { description: 'Counts the changes made to this country (1 as first written); name it as `expectedRevision` when changing the country.' }),
    isoCode: t.exposeString('isoAlpha2', { description: 'The ISO 3166-1 alpha-2 code ("CA").' }),
    isoAlpha3: t.exposeString('isoAlpha3', { description: 'The ISO 3166-1 alpha-3 code ("CAN").' }),
    evidence: t.field({ type: [EvidenceRef], description: 'Where the sources name the country (empty when it is known only from roles, memberships or locations).', resolve: (country) => country.evidence }),
    roles: t.field({
      type: [RoleRef],
      description: 'Offices held for this country, each with the person holding it; with `asOf`, only those held on that day.',
      args: { asOf: t.arg({ type: 'Date', required: false, description: 'Only roles in force on this day (a start or end the source does not give counts as open).' }), },
      resolve: async (country, { asOf }, context) =>
        (await context.loaders.roleHoldingsByCountryId.load(country.id)).filter(({ role }) => asOf == null || inForceOn(asOf, role.start, role.end)),
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
      description: 'The alliances and coalitions this country is a member of; with `asOf`, only memberships on that day.',
      args: { asOf: t.arg({ type: 'Date', required: false, description: 'Only memberships in force on this day (a start or end the source does not give counts as open).' }), },
      resolve: async (country, { asOf }, context) =>
        (await context.loaders.membershipsByCountryId.load(country.id)).filter(
          ({ membership }) => asOf == null || inForceOn(asOf, membership.start, membership.end),
        ),
    }),
    events: t.connection(
      {
        type: EventRef,
        description: 'Events that took place in this country (in file order unless `orderBy` says otherwise).',
        args: eventListArgs,
        resolve: (country, args, context) => eventPage(args, context, { relation: 'eventIdsByCountryId', id: country.id }),
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
      description: 'All countries meeting `filter`, in the order of the data file unless `orderBy` says otherwise.',
      args: {
        filter: t.arg({ type: CountryFilterInput, required: false, description: 'Conditions the countries must meet.' }),
        orderBy: t.arg({ type: NameOrderEnum, required: true, defaultValue: 'FILE_ORDER', description: 'The order of the countries.' }),
      },
      resolve: async (_root, args, context) => listConnection(context, { list: 'countries', filter: await toCountryFilter(args.filter, context), order: args.orderBy }, args),
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
    resolve: async (_root, { isoCode, ...args }, context) => {
      if (isoCode == null) return resolveLookup('Country', args, context);
      if (args.id != null || args.slug != null) throw badUserInput('Give exactly one of "id", "slug" or "isoCode" to look up a Country');
      const id = await context.loaders.countryIdByIsoCode.load(isoCode);
      if (!id) throw notFound(`No Country with ISO code "${isoCode.slice(0, 10)}"`, { kind: 'Country' });
      return id;
    },
  }),
}));

const CreateCountryInputRef = builder.inputType('CreateCountryInput', {
  description: 'A new country.',
  fields: (t) => ({
    slug: t.string({ required: false, description: 'The new country\'s slug; made from the name when left out.' }),
    name: t.string({ required: true, description: 'The name ("Canada").' }),
    aliases: t.stringList({ required: false, description: 'Other names the source uses.' }),
    description: t.string({ required: true, description: 'A short description of the country as the source presents it.' }),
    isoCode: t.string({ required: true, description: 'The ISO 3166-1 alpha-2 code, two capital letters ("CA").' }),
    isoAlpha3: t.string({ required: true, description: 'The ISO 3166-1 alpha-3 code, three capital letters ("CAN").' }),
    evidence: t.field({ type: [QuoteInputRef], required: false, description: 'Where a source mentions the country.' }),
  }),
});

const UpdateCountryInputRef = builder.inputType('UpdateCountryInput', {
  description: 'Changes to a country. Fields left out stay as they are.',
  fields: (t) => ({
    country: t.id({ required: true, description: 'The country to change (global id or slug).' }),
    expectedRevision: t.int({ required: true, description: 'The `revision` you read; if the country changed since, REVISION_CONFLICT.' }),
    name: t.string({ required: false, description: 'The new name.' }),
    aliases: t.stringList({ required: false, description: 'The new list of aliases (replaces the old one).' }),
    description: t.string({ required: false, description: 'The new description.' }),
    addEvidence: t.field({ type: [QuoteInputRef], required: false, description: 'More places where a source mentions the country (added to those it has).' }),
  }),
});

const countryPayload = (name: string, what: string) => mutationPayload(name, 'country', CountryRef, `The result of ${what}: the country as stored.`);
const CreateCountryPayload = countryPayload('CreateCountryPayload', '`createCountry`');
const UpdateCountryPayload = countryPayload('UpdateCountryPayload', '`updateCountry`');

builder.mutationFields((t) => ({
  createCountry: t.field({
    type: CreateCountryPayload,
    description: 'Adds a country. DUPLICATE_ID when the slug is taken; EVIDENCE_NOT_FOUND or EVIDENCE_AMBIGUOUS for bad evidence.',
    args: { input: t.arg({ type: CreateCountryInputRef, required: true, description: 'The new country.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = createCountry({
        id: newRecordId(input.slug),
        name: input.name,
        aliases: orUndefined(input.aliases),
        description: input.description,
        isoAlpha2: input.isoCode,
        isoAlpha3: input.isoAlpha3,
        evidence: input.evidence?.map((quote, index) => toQuote(quote, `input.evidence[${index}]`)),
      });
      return changeResult(context, await applyEdit(context, 'countries', edit));
    },
  }),
  updateCountry: t.field({
    type: UpdateCountryPayload,
    description: 'Changes a country\'s names or description, or adds evidence. REVISION_CONFLICT when `expectedRevision` is stale.',
    args: { input: t.arg({ type: UpdateCountryInputRef, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = updateCountry({
        id: referenceId(input.country, ['Country'], 'input.country'),
        expectedRevision: input.expectedRevision,
        name: orUndefined(input.name),
        aliases: orUndefined(input.aliases),
        description: orUndefined(input.description),
        addEvidence: input.addEvidence?.map((quote, index) => toQuote(quote, `input.addEvidence[${index}]`)),
      });
      return changeResult(context, await applyEdit(context, 'countries', edit));
    },
  }),
}));
