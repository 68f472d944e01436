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
import { EvidenceRef, ProvenanceRef } from './evidence.js';
import { registerNodeLoader } from './node-loading.js';
import { lookupArgs, requireWords, resolveLookup, resolveReference } from './lookup.js';
import { NameOrderEnum } from './ordering.js';
import { OrganizationRef } from './organization.js';
import { listConnection, type ConnectionArgs } from './pagination.js';
import { StatementConnection, StatementRef, statementListArgs, statementPage } from './statement.js';
import {
  PartialDateInputRef,
  QuoteInputRef,
  RetractionRef,
  applyEdit,
  changeResult,
  definePartMutations,
  mutationPayload,
  newRecordId,
  orUndefined,
  referenceId,
  toDateInput,
  toQuote,
} from './mutations.js';
import { addRole, createPerson, retractRole, updatePerson, type RoleInput } from '../store/edits.js';

export const PersonRef = builder.loadableNodeRef('Person', {
  id: { resolve: (person: PersonRecord) => person.id },
  load: (ids: string[], context) => context.reader.recordsByIds('Person', ids),
});
registerNodeLoader('Person', PersonRef);

export const PersonConnection = builder.connectionObject(
  { type: PersonRef, name: 'PersonConnection', description: 'A page of persons.' },
  { name: 'PersonEdge', description: 'A person on a page, with its cursor.' },
);

export const PersonFilterInput = builder.inputType('PersonFilter', {
  description: 'Conditions on persons. Every condition given must hold (they combine with AND); text matching ignores case and accents.',
  fields: (t) => ({
    source: t.id({ required: false, description: 'Only persons the source (global id or slug) has evidence about.' }),
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

async function toPersonFilter(input: PersonFilterArg | null | undefined, context: Context): Promise<PersonFilter> {
  if (!input) return {};
  return {
    sourceId: input.source != null ? await resolveReference(input.source, ['Source'], 'filter.source', context) : undefined,
    name: requireWords(input.name, 'filter.name'),
    countryId: input.country != null ? await resolveReference(input.country, ['Country'], 'filter.country', context) : undefined,
    organizationId: input.organization != null ? await resolveReference(input.organization, ['Organization'], 'filter.organization', context) : undefined,
    roleTitle: requireWords(input.roleTitle, 'filter.roleTitle'),
    isNamed: input.isNamed ?? undefined,
  };
}

async function personPage(args: ConnectionArgs & { filter?: PersonFilterArg | null; orderBy: NameOrder }, context: Context) {
  return listConnection(context, { list: 'persons', filter: await toPersonFilter(args.filter, context), order: args.orderBy }, args);
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
    evidence: t.field({ type: EvidenceRef, description: 'The first words that state the role.', deprecationReason: 'Use `provenance.evidence`: a link can be stated by several sources; this field gives the first span only.', resolve: ({ role }) => role.evidence[0]! }),
    provenance: t.field({ type: ProvenanceRef, description: 'Every source\'s words that state the role: a role two sources state is one role with two spans.', resolve: ({ role }) => role }),

    position: t.int({
      description: 'Where the role stands in the person\'s list of roles, retracted ones counted (0 for the first); pass it to `retractRole`. Stable, since roles are never removed.',
      resolve: ({ position }) => position,
    }),
    retraction: t.field({
      type: RetractionRef,
      nullable: true,
      description: 'Why and when the role was retracted; null for a role in force.',
      resolve: ({ role }) => role.retracted ?? null,
    }),
  }),
});

PersonRef.implement({
  description: 'A person the news mentions or quotes. A speaker the source does not name ("a State Department official") is a Person too, with a null `name` and `isNamed: false`, never merged with anyone named.',
  interfaces: [EntityRef],
  fields: (t) => ({
    isNamed: t.boolean({ description: 'False for a person the source does not name.', resolve: (person) => person.name !== null }),
    nameProvenance: t.field({
      type: ProvenanceRef,
      nullable: true,
      description: 'Where the full name comes from, when no single span gives it (a first name known from outside the text is marked inferred); null when a source prints the name as it is.',
      resolve: (person) => person.nameProvenance ?? null,
    }),
    revision: t.exposeInt('revision', { description: 'Counts the changes made to this person (1 as first written); name it as `expectedRevision` when changing the person.' }),
    roles: t.field({
      type: [RoleRef],
      description: 'The offices the source says the person holds; with `asOf`, only those held on that day. Retracted roles only with `includeRetracted`.',
      args: {
        asOf: t.arg({ type: 'Date', required: false, description: 'Only roles in force on this day (a start or end the source does not give counts as open).' }),
        includeRetracted: t.arg.boolean({ required: true, defaultValue: false, description: 'Also list retracted roles (each with its `retraction`).' }),
      },
      resolve: async (person, { asOf, includeRetracted }, context) => {
        // From the stored record, which counts retracted roles too: that count is each role's position.
        const { roles } = (await context.loaders.storedRecordById.load(person.id)) as PersonRecord;
        return roles.flatMap((role, position) =>
          (includeRetracted || !role.retracted) && (asOf == null || inForceOn(asOf, role.start, role.end)) ? [{ personId: person.id, role, position }] : [],
        );
      },
    }),
    statements: t.connection(
      {
        type: StatementRef,
        description: 'What the person said (quotes and paraphrases), in source order unless `orderBy` says otherwise.',
        args: statementListArgs,
        resolve: (person, args, context, info) => statementPage(args, context, info, { relation: 'statementIdsBySpeakerId', id: person.id }),
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

export const RoleInputRef = builder.inputType('RoleInput', {
  description: 'An office a person holds, with the words that state it. Give an organization, a country or both.',
  fields: (t) => ({
    title: t.string({ required: true, description: 'The office, normalised ("Secretary of State").' }),
    statedAs: t.string({ required: false, description: 'The source\'s own words for the office when they differ from `title`.' }),
    organization: t.id({ required: false, description: 'The organization the office belongs to (global id or slug).' }),
    country: t.id({ required: false, description: 'The country the office serves (global id or slug).' }),
    start: t.field({ type: PartialDateInputRef, required: false, description: 'When the role began, if known.' }),
    end: t.field({ type: PartialDateInputRef, required: false, description: 'When the role ended, if known.' }),
    inferred: t.boolean({ required: false, description: 'True when part of the role comes from context rather than the text (then give a `note`).' }),
    note: t.string({ required: false, description: 'How an inferred part was worked out.' }),
    evidence: t.field({ type: QuoteInputRef, required: true, description: 'The words that state the role.' }),
  }),
});

function toRoleInput(input: NonNullable<(typeof RoleInputRef)['$inferInput']>, field: string): RoleInput {
  return {
    title: input.title,
    statedAs: orUndefined(input.statedAs),
    organizationId: input.organization != null ? referenceId(input.organization, ['Organization'], `${field}.organization`) : undefined,
    countryId: input.country != null ? referenceId(input.country, ['Country'], `${field}.country`) : undefined,
    start: toDateInput(input.start),
    end: toDateInput(input.end),
    inferred: orUndefined(input.inferred),
    note: orUndefined(input.note),
    evidence: toQuote(input.evidence, `${field}.evidence`),
  };
}

const CreatePersonInputRef = builder.inputType('CreatePersonInput', {
  description: 'A new person. An unnamed speaker ("a State Department official") has no `name` and needs a `label`.',
  fields: (t) => ({
    slug: t.string({ required: false, description: 'The new person\'s slug; made from the name (or label) when left out.' }),
    name: t.string({ required: false, description: 'The name; leave it out for a person the source does not name.' }),
    label: t.string({ required: false, description: 'How the source refers to an unnamed person ("State Department official").' }),
    aliases: t.stringList({ required: false, description: 'Other names the source uses.' }),
    description: t.string({ required: true, description: 'A short description of the person as the source presents them.' }),
    roles: t.field({ type: [RoleInputRef], required: false, description: 'Offices the person holds.' }),
  }),
});

const UpdatePersonInputRef = builder.inputType('UpdatePersonInput', {
  description: 'Changes to a person. Fields left out stay as they are.',
  fields: (t) => ({
    person: t.id({ required: true, description: 'The person to change (global id or slug).' }),
    expectedRevision: t.int({ required: true, description: 'The `revision` you read; if the person changed since, REVISION_CONFLICT.' }),
    name: t.string({ required: false, description: 'The new name.' }),
    label: t.string({ required: false, description: 'The new label (for an unnamed person).' }),
    aliases: t.stringList({ required: false, description: 'The new list of aliases (replaces the old one).' }),
    description: t.string({ required: false, description: 'The new description.' }),
  }),
});

const personPayload = (name: string, what: string) => mutationPayload(name, 'person', PersonRef, `The result of ${what}: the person as stored.`);
const CreatePersonPayload = personPayload('CreatePersonPayload', '`createPerson`');
const UpdatePersonPayload = personPayload('UpdatePersonPayload', '`updatePerson`');

builder.mutationFields((t) => ({
  createPerson: t.field({
    type: CreatePersonPayload,
    description: 'Adds a person. DUPLICATE_ID when the slug is taken; UNKNOWN_REFERENCE, EVIDENCE_NOT_FOUND or EVIDENCE_AMBIGUOUS for a bad role.',
    args: { input: t.arg({ type: CreatePersonInputRef, required: true, description: 'The new person.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = createPerson({
        id: newRecordId(input.slug),
        name: input.name ?? null,
        label: orUndefined(input.label),
        aliases: orUndefined(input.aliases),
        description: input.description,
        roles: input.roles?.map((role, index) => toRoleInput(role, `input.roles[${index}]`)),
      });
      return changeResult(context, await applyEdit(context, 'persons', edit));
    },
  }),
  updatePerson: t.field({
    type: UpdatePersonPayload,
    description: 'Changes a person\'s names or description. REVISION_CONFLICT when `expectedRevision` is stale.',
    args: { input: t.arg({ type: UpdatePersonInputRef, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, context) => {
      const edit = updatePerson({
        id: referenceId(input.person, ['Person'], 'input.person'),
        expectedRevision: input.expectedRevision,
        name: input.name,
        label: input.label,
        aliases: orUndefined(input.aliases),
        description: orUndefined(input.description),
      });
      return changeResult(context, await applyEdit(context, 'persons', edit));
    },
  }),
}));

definePartMutations({
  owner: { field: 'person', kind: 'Person', collection: 'persons', ref: PersonRef },
  part: { field: 'role', name: 'Role', listField: 'roles' },
  partInput: RoleInputRef,
  toPart: toRoleInput,
  add: addRole,
  retract: retractRole,
});
