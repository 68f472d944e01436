import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { NameOrder, PersonFilter } from '../kb/filters.js';
import type { RoleHolding } from '../kb/knowledge-base.js';
import { inForceOn } from '../kb/indexes.js';
import type { PersonRecord } from '../kb/records.js';
import { CountryRef } from './country.js';
import { PartialDateRef } from './dates.js';
import { EntityRef } from './entity.js';
import { ParticipationRef } from './event.js';
import { EvidenceRef } from './evidence.js';
import { registerNodeLoader } from './node-loading.js';
import { lookupArgs, requireWords, resolveLookup, resolveReference } from './lookup.js';
import { NameOrderEnum } from './ordering.js';
import { OrganizationRef } from './organization.js';
import { paginate, type ConnectionArgs } from './pagination.js';
import { StatementConnection, StatementRef, statementListArgs, statementPage } from './statement.js';

export const PersonRef = builder.loadableNodeRef('Person', {
  id: { resolve: (person: PersonRecord) => person.id },
  load: (ids: string[], context) => Promise.resolve(context.kb.personsByIds(ids)),
});
registerNodeLoader('Person', PersonRef);

export const PersonConnection = builder.connectionObject(
  { type: PersonRef, name: 'PersonConnection', description: 'A page of persons.' },
  { name: 'PersonEdge', description: 'A person on a page, with its cursor.' },
);

export const PersonFilterInput = builder.inputType('PersonFilter', {
  description: 'Conditions on persons. Every condition given must hold (they combine with AND); text matching ignores case and accents.',
  fields: (t) => ({
    name: t.string({
      required: false,
      description: 'Words that start words of the name or an alias ("stephane dion", "stolt"); the label of an unnamed person counts as a name.',
    }),
    country: t.id({ required: false, description: 'Only persons holding an office for this country (global id or slug).' }),
    organization: t.id({ required: false, description: 'Only persons holding an office at this organization (global id or slug).' }),
    roleTitle: t.string({ required: false, description: 'Words that start words of an office title ("foreign minister", "secretary").' }),
    isNamed: t.boolean({ required: false, description: 'true for persons the source names, false for unnamed speakers.' }),
  }),
});

type PersonFilterArg = NonNullable<(typeof PersonFilterInput)['$inferInput']>;

function toPersonFilter(input: PersonFilterArg | null | undefined, context: Context): PersonFilter {
  if (!input) return {};
  return {
    name: requireWords(input.name, 'filter.name'),
    countryId: input.country != null ? resolveReference(input.country, ['Country'], 'filter.country', context) : undefined,
    organizationId: input.organization != null ? resolveReference(input.organization, ['Organization'], 'filter.organization', context) : undefined,
    roleTitle: requireWords(input.roleTitle, 'filter.roleTitle'),
    isNamed: input.isNamed ?? undefined,
  };
}

function personPage(args: ConnectionArgs & { filter?: PersonFilterArg | null; orderBy: NameOrder }, context: Context) {
  return paginate(context.kb.find.persons(toPersonFilter(args.filter, context), args.orderBy), args);
}

export const RoleRef = builder.objectRef<RoleHolding>('Role');

RoleRef.implement({
  description: 'An office a person holds, as the source states it: a title at an organization and/or for a country.',
  fields: (t) => ({
    title: t.string({ description: 'The office, normalised ("Secretary of State", "Prime Minister").', resolve: ({ role }) => role.title }),
    statedAs: t.string({
      nullable: true,
      description: 'The source\'s own words for the office when they differ from `title` ("new Prime Minister", "Italian Foreign Minister").',
      resolve: ({ role }) => role.statedAs ?? null,
    }),
    person: t.field({ type: PersonRef, description: 'Who holds the role.', resolve: ({ personId }) => personId }),
    organization: t.field({
      type: OrganizationRef,
      nullable: true,
      description: 'The organization the office belongs to, when there is one.',
      resolve: ({ role }) => role.organizationId ?? null,
    }),
    country: t.field({ type: CountryRef, nullable: true, description: 'The country the office serves, when there is one.', resolve: ({ role }) => role.countryId ?? null }),
    start: t.field({ type: PartialDateRef, nullable: true, description: 'When the role began, if known.', resolve: ({ role }) => role.start }),
    end: t.field({ type: PartialDateRef, nullable: true, description: 'When the role ended, if known; null for a role held at the time of the source.', resolve: ({ role }) => role.end }),
    inferred: t.boolean({
      description: 'True when part of the role (usually its country) comes from context rather than the text; `note` says how.',
      resolve: ({ role }) => role.inferred,
    }),
    note: t.string({ nullable: true, description: 'How an inferred part was worked out, or other caveats.', resolve: ({ role }) => role.note ?? null }),
    evidence: t.field({ type: EvidenceRef, description: 'The words that state the role.', resolve: ({ role }) => role.evidence }),
  }),
});

PersonRef.implement({
  description: 'A person the news mentions or quotes. A speaker the source does not name ("a State Department official") is a Person too, with a null `name` and `isNamed: false`, never merged with anyone named.',
  interfaces: [EntityRef],
  fields: (t) => ({
    isNamed: t.boolean({ description: 'False for a person the source does not name.', resolve: (person) => person.name !== null }),
    roles: t.field({
      type: [RoleRef],
      description: 'The offices the source says the person holds; with `asOf`, only those held on that day.',
      args: { asOf: t.arg({ type: 'Date', required: false, description: 'Only roles in force on this day (a start or end the source does not give counts as open).' }), },
      resolve: (person, { asOf }) =>
        person.roles.filter((role) => asOf == null || inForceOn(asOf, role.start, role.end)).map((role) => ({ personId: person.id, role })),
    }),
    statements: t.connection(
      {
        type: StatementRef,
        description: 'What the person said (quotes and paraphrases), in source order unless `orderBy` says otherwise.',
        args: statementListArgs,
        resolve: async (person, args, context) => statementPage(args, context, await context.loaders.statementIdsBySpeakerId.load(person.id)),
      },
      StatementConnection,
    ),
    participations: t.field({
      type: [ParticipationRef],
      description: 'The events the person took part in, with their part in each.',
      resolve: (person, _args, context) => context.loaders.participationsByEntityId.load(person.id),
    }),
  }),
});

builder.queryFields((t) => ({
  persons: t.connection(
    {
      type: PersonRef,
      description: 'All persons meeting `filter`, in the order of the data file unless `orderBy` says otherwise.',
      args: {
        filter: t.arg({ type: PersonFilterInput, required: false, description: 'Conditions the persons must meet.' }),
        orderBy: t.arg({ type: NameOrderEnum, required: true, defaultValue: 'FILE_ORDER', description: 'The order of the persons.' }),
      },
      resolve: (_root, args, context) => personPage(args, context),
    },
    PersonConnection,
  ),
  person: t.field({
    type: PersonRef,
    nullable: true,
    description: 'One person by global id or slug. A NOT_FOUND error when nothing matches.',
    args: lookupArgs('Person'),
    resolve: (_root, args, context) => resolveLookup('Person', args, context),
  }),
}));
