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
import { EvidenceRef, ProvenanceRef } from './evidence.js';
import { registerNodeLoader } from './node-loading.js';
import { lookupArgs, requireWords, resolveLookup, resolveReference } from './lookup.js';
import { NameOrderEnum } from './ordering.js';
import { listConnection } from './pagination.js';
import { PersonRef, RoleRef } from './person.js';
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
  optionalReference,
  referenceId,
  toDateInput,
  toQuote,
} from './mutations.js';
import {
  addMembership,
  createOrganization,
  retractMembership,
  updateOrganization,
  type MembershipInput,
} from '../store/edits.js';

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
  load: (ids: string[], context) => context.reader.recordsByIds('Organization', ids),
});
registerNodeLoader('Organization', OrganizationRef);

export const OrganizationConnection = builder.connectionObject(
  { type: OrganizationRef, name: 'OrganizationConnection', description: 'A page of organizations.' },
  { name: 'OrganizationEdge', description: 'An organization on a page, with its cursor.' },
);

export const OrganizationFilterInput = builder.inputType('OrganizationFilter', {
  description: 'Conditions on organizations. Every condition given must hold (they combine with AND); text matching ignores case and accents.',
  fields: (t) => ({
    source: t.id({ required: false, description: 'Only organizations the source (global id or slug) has evidence about.' }),
    name: t.string({ required: false, description: 'Words that start words of the name or an alias ("daesh", "isil", "washington").' }),
    kind: t.field({ type: OrganizationKindEnum, required: false, description: 'Only organizations of this kind.' }),
    memberCountry: t.id({ required: false, description: 'Only organizations this country is a member of (global id or slug).' }),
  }),
});

async function toOrganizationFilter(input: (typeof OrganizationFilterInput)['$inferInput'] | null | undefined, context: Context): Promise<OrganizationFilter> {
  if (!input) return {};
  return {
    sourceId: input.source != null ? await resolveReference(input.source, ['Source'], 'filter.source', context) : undefined,
    name: requireWords(input.name, 'filter.name'),
    kinds: input.kind != null ? [input.kind] : undefined,
    memberCountryId: input.memberCountry != null ? await resolveReference(input.memberCountry, ['Country'], 'filter.memberCountry', context) : undefined,
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
    evidence: t.field({ type: EvidenceRef, description: 'The first words that state or imply the membership.', deprecationReason: 'Use `provenance.evidence`: a link can be stated by several sources; this field gives the first span only.', resolve: ({ membership }) => membership.evidence[0]! }),
    provenance: t.field({ type: ProvenanceRef, description: 'Every source\'s words that state or imply the membership.', resolve: ({ membership }) => membership }),

    position: t.int({
      description:
        'Where the membership stands in the organization\'s list of memberships, retracted ones counted (0 for the first); pass it to `retractMembership`. Stable, since memberships are never removed.',
      resolve: ({ position }) => position,
    }),
    retraction: t.field({
      type: RetractionRef,
      nullable: true,
      description: 'Why and when the membership was retracted; null for a membership in force.',
      resolve: ({ membership }) => membership.retracted ?? null,
    }),
  }),
});

type StatedCount = NonNullable<OrganizationRecord['statedMemberCount']>;
const StatedCountRef = builder.objectRef<StatedCount>('StatedCount');
StatedCountRef.implement({
  description: 'A number the source states, with its words ("28-nation").',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'The number.' }),
    evidence: t.field({ type: EvidenceRef, description: 'The first words that state it.', deprecationReason: 'Use `provenance.evidence`: a link can be stated by several sources; this field gives the first span only.', resolve: (stated) => stated.evidence[0]! }),
    provenance: t.field({ type: ProvenanceRef, description: 'Every source\'s words that state the number.', resolve: (stated) => stated }),

  }),
});

OrganizationRef.implement({
  description: 'An alliance, coalition, government department, militant group, forum or news outlet.',
  interfaces: [EntityRef],
  fields: (t) => ({
    kind: t.expose('kind', { type: OrganizationKindEnum, description: 'What sort of body it is.' }),
    revision: t.exposeInt('revision', {
      description: 'Counts the changes made to this organization (1 as first written); name it as `expectedRevision` when changing the organization.',
    }),
    parent: t.field({ type: OrganizationRef, nullable: true, description: 'The organization it belongs to, where the source says.', resolve: (o) => o.parent?.organizationId ?? null }),
    parentProvenance: t.field({ type: ProvenanceRef, nullable: true, description: 'Where the link to `parent` comes from; null without a parent.', resolve: (o) => o.parent ?? null }),
    children: t.field({
      type: [OrganizationRef],
      description: 'Organizations that belong to this one.',
      resolve: (organization, _args, context) => context.loaders.childOrganizationIdsByOrganizationId.load(organization.id),
    }),
    country: t.field({ type: CountryRef, nullable: true, description: 'The country a national body belongs to.', resolve: (o) => o.country?.countryId ?? null }),
    countryProvenance: t.field({ type: ProvenanceRef, nullable: true, description: 'Where the link to `country` comes from; null without a country.', resolve: (o) => o.country ?? null }),
    statedMemberCount: t.field({
      type: StatedCountRef,
      nullable: true,
      description: 'The number of members the source states ("65-nation coalition"), whether or not the members are listed.',
      resolve: (organization) => organization.statedMemberCount,
    }),
    members: t.field({
      type: [MembershipRef],
      description:
        'Member countries the source states or implies (may be fewer than `statedMemberCount`); with `asOf`, only members on that day. Retracted memberships only with `includeRetracted`.',
      args: {
        asOf: t.arg({ type: 'Date', required: false, description: 'Only memberships in force on this day (a start or end the source does not give counts as open).' }),
        includeRetracted: t.arg.boolean({ required: true, defaultValue: false, description: 'Also list retracted memberships (each with its `retraction`).' }),
      },
      resolve: async (organization, { asOf, includeRetracted }, context) => {
        // From the stored record, which counts retracted memberships too: that count is each one's position.
        const { memberships } = (await context.loaders.storedRecordById.load(organization.id)) as OrganizationRecord;
        return memberships.flatMap((membership, position) =>
          (includeRetracted || !membership.retracted) && (asOf == null || inForceOn(asOf, membership.start, membership.end))
            ? [{ organizationId: organization.id, membership, position }]
            : [],
        );
      },
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
      resolve: async (_root, args, context) =>
        listConnection(context, { list: 'organizations', filter: await toOrganizationFilter(args.filter, context), order: args.orderBy }, args),
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

export const MembershipInputRef = builder.inputType('MembershipInput', {
  description: 'A country\'s membership of an organization, with the words that state or imply it.',
  fields: (t) => ({
    country: t.id({ required: true, description: 'The member country (global id or slug).' }),
    role: t.string({ required: false, description: 'The member\'s part, where the source gives one ("leader").' }),
    start: t.field({ type: PartialDateInputRef, required: false, description: 'When the membership began, if known.' }),
    end: t.field({ type: PartialDateInputRef, required: false, description: 'When the membership ended, if known.' }),
    inferred: t.boolean({ required: false, description: 'True when the source implies rather than states the membership (then give a `note`).' }),
    note: t.string({ required: false, description: 'How an implied membership was worked out.' }),
    evidence: t.field({ type: QuoteInputRef, required: true, description: 'The words that state or imply the membership.' }),
  }),
});

function toMembershipInput(input: NonNullable<(typeof MembershipInputRef)['$inferInput']>, field: string): MembershipInput {
  return {
    countryId: referenceId(input.country, ['Country'], `${field}.country`),
    role: orUndefined(input.role),
    start: toDateInput(input.start),
    end: toDateInput(input.end),
    inferred: orUndefined(input.inferred),
    note: orUndefined(input.note),
    evidence: toQuote(input.evidence, `${field}.evidence`),
  };
}

const CreateOrganizationInputRef = builder.inputType('CreateOrganizationInput', {
  description: 'A new organization.',
  fields: (t) => ({
    slug: t.string({ required: false, description: 'The new organization\'s slug; made from the name when left out.' }),
    name: t.string({ required: true, description: 'The name ("Islamic State").' }),
    aliases: t.stringList({ required: false, description: 'Other names the source uses ("Daesh", "ISIL").' }),
    kind: t.field({ type: OrganizationKindEnum, required: true, description: 'What sort of body it is.' }),
    description: t.string({ required: true, description: 'A short description of the organization as the source presents it.' }),
    parent: t.id({ required: false, description: 'The organization it belongs to (global id or slug).' }),
    country: t.id({ required: false, description: 'The country a national body belongs to (global id or slug).' }),
    memberships: t.field({ type: [MembershipInputRef], required: false, description: 'Member countries, each with its evidence.' }),
    evidence: t.field({ type: [QuoteInputRef], required: false, description: 'Where a source names the organization.' }),
  }),
});

const UpdateOrganizationInputRef = builder.inputType('UpdateOrganizationInput', {
  description: 'Changes to an organization. Fields left out stay as they are; `parent` or `country` given as null is cleared.',
  fields: (t) => ({
    organization: t.id({ required: true, description: 'The organization to change (global id or slug).' }),
    expectedRevision: t.int({ required: true, description: 'The `revision` you read; if the organization changed since, REVISION_CONFLICT.' }),
    name: t.string({ required: false, description: 'The new name.' }),
    aliases: t.stringList({ required: false, description: 'The new list of aliases (replaces the old one).' }),
    kind: t.field({ type: OrganizationKindEnum, required: false, description: 'The new kind.' }),
    description: t.string({ required: false, description: 'The new description.' }),
    parent: t.id({ required: false, description: 'The new parent organization (global id or slug); null removes the parent.' }),
    country: t.id({ required: false, description: 'The new country (global id or slug); null removes the country.' }),
    addEvidence: t.field({ type: [QuoteInputRef], required: false, description: 'More places where a source names the organization (added to those it has).' }),
  }),
});

const organizationPayload = (name: string, what: string) =>
  mutationPayload(name, 'organization', OrganizationRef, `The result of ${what}: the organization as stored.`);
const CreateOrganizationPayload = organizationPayload('CreateOrganizationPayload', '`createOrganization`');
const UpdateOrganizationPayload = organizationPayload('UpdateOrganizationPayload', '`updateOrganization`');

builder.mutationFields((t) => ({
  createOrganization: t.field({
    type: CreateOrganizationPayload,
    description: 'Adds an organization. DUPLICATE_ID when the slug is taken; UNKNOWN_REFERENCE, EVIDENCE_NOT_FOUND or EVIDENCE_AMBIGUOUS for a bad reference or membership.',
    args: { input: t.arg({ type: CreateOrganizationInputRef, required: true, description: 'The new organization.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = createOrganization({
        id: newRecordId(input.slug),
        name: input.name,
        aliases: orUndefined(input.aliases),
        kind: input.kind,
        description: input.description,
        parentId: input.parent != null ? referenceId(input.parent, ['Organization'], 'input.parent') : undefined,
        countryId: input.country != null ? referenceId(input.country, ['Country'], 'input.country') : undefined,
        memberships: input.memberships?.map((membership, index) => toMembershipInput(membership, `input.memberships[${index}]`)),
        evidence: input.evidence?.map((quote, index) => toQuote(quote, `input.evidence[${index}]`)),
      });
      return changeResult(context, await applyEdit(context, 'organizations', edit));
    },
  }),
  updateOrganization: t.field({
    type: UpdateOrganizationPayload,
    description: 'Changes an organization\'s names, kind, description, parent or country, or adds evidence. REVISION_CONFLICT when `expectedRevision` is stale.',
    args: { input: t.arg({ type: UpdateOrganizationInputRef, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = updateOrganization({
        id: referenceId(input.organization, ['Organization'], 'input.organization'),
        expectedRevision: input.expectedRevision,
        name: orUndefined(input.name),
        aliases: orUndefined(input.aliases),
        kind: orUndefined(input.kind),
        description: orUndefined(input.description),
        parentId: optionalReference(input.parent, ['Organization'], 'input.parent'),
        countryId: optionalReference(input.country, ['Country'], 'input.country'),
        addEvidence: input.addEvidence?.map((quote, index) => toQuote(quote, `input.addEvidence[${index}]`)),
      });
      return changeResult(context, await applyEdit(context, 'organizations', edit));
    },
  }),
}));

definePartMutations({
  owner: { field: 'organization', kind: 'Organization', collection: 'organizations', ref: OrganizationRef },
  part: { field: 'membership', name: 'Membership', listField: 'members' },
  partInput: MembershipInputRef,
  toPart: toMembershipInput,
  add: addMembership,
  retract: retractMembership,
});
