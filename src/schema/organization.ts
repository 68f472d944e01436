import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { OrganizationFilter } from '../kb/filters.js';
import type { MembershipHolding } from '../kb/knowledge-base.js';
import { inForceOn } from '../kb/indexes.js';
import type { OrganizationRecord } from '../kb/records.js';
import { CountryRef } from './country.js';
import { PartialDateRef } from './dates.js';
import { EntityRef } from './entity.js';
import { ParticipationRef } from './event.js';
import { EvidenceRef } from './evidence.js';
import { registerNodeLoader } from './node-loading.js';
import { lookupArgs, requireWords, resolveLookup, resolveReference } from './lookup.js';
import { NameOrderEnum } from './ordering.js';
import { paginate } from './pagination.js';
import { PersonRef, RoleRef } from './person.js';

export const OrganizationKindEnum = builder.enumType('OrganizationKind', {
  description: 'What sort of body an organization is.',
  values: {
    ALLIANCE: { description: 'A standing alliance of states bound by treaty (NATO).' },
    COALITION: { description: 'A group of states joined for one purpose (the coalition against Islamic State).' },
    GOVERNMENT_DEPARTMENT: { description: 'A department or ministry of a national government (the U.S. State Department).' },
    MILITANT_GROUP: { description: 'An armed non-state group (Islamic State).' },
    INTERGOVERNMENTAL_FORUM: { description: 'A forum where governments meet without a binding alliance (Asia-Pacific Economic Cooperation).' },
    NEWS_OUTLET: { description: 'A newspaper, broadcaster or other news organization (the Washington Post).' },
  } as const,
});

export const OrganizationRef = builder.loadableNodeRef('Organization', {
  id: { resolve: (organization: OrganizationRecord) => organization.id },
  load: (ids: string[], context) => Promise.resolve(context.kb.organizationsByIds(ids)),
});
registerNodeLoader('Organization', OrganizationRef);

export const OrganizationConnection = builder.connectionObject(
  { type: OrganizationRef, name: 'OrganizationConnection', description: 'A page of organizations.' },
  { name: 'OrganizationEdge', description: 'An organization on a page, with its cursor.' },
);

export const OrganizationFilterInput = builder.inputType('OrganizationFilter', {
  description: 'Conditions on organizations. Every condition given must hold (they combine with AND); text matching ignores case and accents.',
  fields: (t) => ({
    name: t.string({ required: false, description: 'Words that start words of the name or an alias ("daesh", "isil", "washington").' }),
    kind: t.field({ type: OrganizationKindEnum, required: false, description: 'Only organizations of this kind.' }),
    memberCountry: t.id({ required: false, description: 'Only organizations this country is a member of (global id or slug).' }),
  }),
});

function toOrganizationFilter(input: (typeof OrganizationFilterInput)['$inferInput'] | null | undefined, context: Context): OrganizationFilter {
  if (!input) return {};
  return {
    name: requireWords(input.name, 'filter.name'),
    kinds: input.kind != null ? [input.kind] : undefined,
    memberCountryId: input.memberCountry != null ? resolveReference(input.memberCountry, ['Country'], 'filter.memberCountry', context) : undefined,
  };
}

export const MembershipRef = builder.objectRef<MembershipHolding>('Membership');

MembershipRef.implement({
  description: 'A country\'s membership of an organization, with the words that state or imply it.',
  fields: (t) => ({
    organization: t.field({ type: OrganizationRef, description: 'The organization.', resolve: ({ organizationId }) => organizationId }),
    country: t.field({ type: CountryRef, description: 'The member country.', resolve: ({ membership }) => membership.countryId }),
    role: t.string({ nullable: true, description: 'The member\'s part, where the source gives one ("leader").', resolve: ({ membership }) => membership.role ?? null }),
    start: t.field({ type: PartialDateRef, nullable: true, description: 'When the membership began, if known.', resolve: ({ membership }) => membership.start }),
    end: t.field({ type: PartialDateRef, nullable: true, description: 'When the membership ended, if known.', resolve: ({ membership }) => membership.end }),
    inferred: t.boolean({
      description: 'True when the source implies rather than states the membership; `note` says how.',
      resolve: ({ membership }) => membership.inferred,
    }),
    note: t.string({ nullable: true, description: 'How an implied membership was worked out, or other caveats.', resolve: ({ membership }) => membership.note ?? null }),
    evidence: t.field({ type: EvidenceRef, description: 'The words that state or imply the membership.', resolve: ({ membership }) => membership.evidence }),
  }),
});

type StatedCount = NonNullable<OrganizationRecord['statedMemberCount']>;
const StatedCountRef = builder.objectRef<StatedCount>('StatedCount');
StatedCountRef.implement({
  description: 'A number the source states, with its words ("28-nation").',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'The number.' }),
    evidence: t.field({ type: EvidenceRef, description: 'The words that state it.', resolve: (stated) => stated.evidence }),
  }),
});

OrganizationRef.implement({
  description: 'An alliance, coalition, government department, militant group, forum or news outlet.',
  interfaces: [EntityRef],
  fields: (t) => ({
    kind: t.expose('kind', { type: OrganizationKindEnum, description: 'What sort of body it is.' }),
    parent: t.field({ type: OrganizationRef, nullable: true, description: 'The organization it belongs to, where the source says.', resolve: (o) => o.parentId ?? null }),
    children: t.field({
      type: [OrganizationRef],
      description: 'Organizations that belong to this one.',
      resolve: (organization, _args, context) => context.loaders.childOrganizationIdsByOrganizationId.load(organization.id),
    }),
    country: t.field({ type: CountryRef, nullable: true, description: 'The country a national body belongs to.', resolve: (o) => o.countryId ?? null }),
    statedMemberCount: t.field({
      type: StatedCountRef,
      nullable: true,
      description: 'The number of members the source states ("65-nation coalition"), whether or not the members are listed.',
      resolve: (organization) => organization.statedMemberCount,
    }),
    members: t.field({
      type: [MembershipRef],
      description: 'Member countries the source states or implies (may be fewer than `statedMemberCount`); with `asOf`, only members on that day.',
      args: { asOf: t.arg({ type: 'Date', required: false, description: 'Only memberships in force on this day (a start or end the source does not give counts as open).' }), },
      resolve: (organization, { asOf }) =>
        organization.memberships
          .filter((membership) => asOf == null || inForceOn(asOf, membership.start, membership.end))
          .map((membership) => ({ organizationId: organization.id, membership })),
    }),
    roles: t.field({
      type: [RoleRef],
      description: 'Offices at this organization, each with the person holding it; with `asOf`, only those held on that day.',
      args: { asOf: t.arg({ type: 'Date', required: false, description: 'Only roles in force on this day (a start or end the source does not give counts as open).' }), },
      resolve: async (organization, { asOf }, context) =>
        (await context.loaders.roleHoldingsByOrganizationId.load(organization.id)).filter(
          ({ role }) => asOf == null || inForceOn(asOf, role.start, role.end),
        ),
    }),
    people: t.field({
      type: [PersonRef],
      description: 'People who hold an office at this organization, each once.',
      resolve: async (organization, _args, context) => [
        ...new Set((await context.loaders.roleHoldingsByOrganizationId.load(organization.id)).map((h) => h.personId)),
      ],
    }),
    participations: t.field({
      type: [ParticipationRef],
      description: 'Events the organization took part in, with its part in each.',
      resolve: (organization, _args, context) => context.loaders.participationsByEntityId.load(organization.id),
    }),
    evidence: t.field({ type: [EvidenceRef], description: 'Where the source names the organization.', resolve: (organization) => organization.evidence }),
  }),
});

builder.queryFields((t) => ({
  organizations: t.connection(
    {
      type: OrganizationRef,
      description: 'All organizations meeting `filter`, in the order of the data file unless `orderBy` says otherwise.',
      args: {
        filter: t.arg({ type: OrganizationFilterInput, required: false, description: 'Conditions the organizations must meet.' }),
        orderBy: t.arg({ type: NameOrderEnum, required: true, defaultValue: 'FILE_ORDER', description: 'The order of the organizations.' }),
      },
      resolve: (_root, args, context) => paginate(context.kb.find.organizations(toOrganizationFilter(args.filter, context), args.orderBy), args),
    },
    OrganizationConnection,
  ),
  organization: t.field({
    type: OrganizationRef,
    nullable: true,
    description: 'One organization by global id or slug. A NOT_FOUND error when nothing matches.',
    args: lookupArgs('Organization'),
    resolve: (_root, args, context) => resolveLookup('Organization', args, context),
  }),
}));
