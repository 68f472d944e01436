/**
 * Curating the provenance of what the knowledge base already holds: evidence from another source for
 * an existing link (a second article stating Kerry's role adds a span, not a role), and merging two
 * records that turned out to be one.
 */
import { builder } from '../builder.js';
import type { Collection } from '../kb/records.js';
import { addLinkEvidence, holderOfLink, type LinkKind } from '../store/edits.js';
import { mergeableKinds } from '../store/merge.js';
import { EntityRef, loadEntity } from './entity.js';
import { QuoteInputRef, applyEdit, applyMerge, changeResult, orUndefined, referenceId, toQuote, type ChangeResult } from './mutations.js';
import { loadNode } from './node-loading.js';
import { StatementRef } from './statement.js';

const LinkKindEnum = builder.enumType('LinkKind', {
  description: 'A kind of link between records that carries evidence, named by where it lives.',
  values: {
    ROLE: { description: 'A person\'s role (`Person.roles`, by `position`).' },
    PERSON_NAME: { description: 'A person\'s full name (`Person.nameProvenance`).' },
    MEMBERSHIP: { description: 'An organization\'s member country (`Organization.memberships`, by `position`).' },
    PARENT: { description: 'The organization an organization belongs to (`Organization.parentProvenance`).' },
    ORGANIZATION_COUNTRY: { description: 'The country a national body belongs to (`Organization.countryProvenance`).' },
    STATED_MEMBER_COUNT: { description: 'The number of members a source states (`Organization.statedMemberCount`).' },
    PARTICIPATION: { description: 'A participant of an event (`Event.participants`, by `position`).' },
    LOCATION: { description: 'A place of an event (`Event.locations`, by its index in the list).' },
    PART_OF: { description: 'The larger event an event is part of (`Event.parentProvenance`).' },
    SAID_AT: { description: 'The event a statement was said at (`Statement.saidAt`).' },
    ABOUT_EVENT: { description: 'An event a statement is about (`Statement.aboutEventLinks`, by its index in the list).' },
    AUDIENCE: { description: 'Who a statement was addressed to (`Statement.audience`).' },
    MENTION: { description: 'An entity a statement refers to (`Statement.mentions`, by its index in the list).' },
    RELAYED_BY: { description: 'Who passed a report on (`StatementReport.relayedByProvenance`, by the report\'s `position`).' },
  } as const,
});

const collectionOfHolder = { Person: 'persons', Organization: 'organizations', Event: 'events', Statement: 'statements' } as const satisfies Record<string, Collection>;

const AddEvidenceInputRef = builder.inputType('AddEvidenceInput', {
  description: 'More evidence, from any source, for a link the knowledge base already holds.',
  fields: (t) => ({
    record: t.id({ required: true, description: 'The record that holds the link: a person, organization, event or statement (global id or slug).' }),
    expectedRevision: t.int({ required: true, description: 'The record\'s `revision` you read; if it changed since, REVISION_CONFLICT.' }),
    link: t.field({ type: LinkKindEnum, required: true, description: 'Which link.' }),
    position: t.int({
      required: false,
      description: 'For a link that is one of a list (a role, a membership, a mention, …): its place in the list (0 for the first, retracted ones counted); for RELAYED_BY, the report\'s `position`.',
    }),
    evidence: t.field({ type: [QuoteInputRef], required: true, description: 'The words that state the link, each quoted from its source.' }),
    inferred: t.boolean({ required: false, description: 'Whether the link is still inferred; false once the new words state it outright (its note is then dropped unless `note` is given).' }),
    note: t.string({ required: false, description: 'A new note on the link\'s provenance.' }),
  }),
});

const AddEvidencePayloadRef = builder.objectRef<ChangeResult>('AddEvidencePayload').implement({
  description: 'The result of `addEvidence`: the record that holds the link, as stored.',
  fields: (t) => ({
    record: t.field({
      type: builder.nodeInterfaceRef(),
      description: 'The record as stored after the change.',
      resolve: (result, _args, context) => loadNode(context, result.id, ['Person', 'Organization', 'Event', 'Statement']) as never,
    }),
    datasetVersion: t.string({ description: 'The dataset version that includes this change.', resolve: (result) => result.datasetVersion }),
  }),
});

const MergeEntitiesInputRef = builder.inputType('MergeEntitiesInput', {
  description: 'Two records of one kind that are the same thing: `merge` is folded into `keep`.',
  fields: (t) => ({
    keep: t.id({ required: true, description: 'The record kept (global id or slug): a person, organization, country, event or statement.' }),
    merge: t.id({ required: true, description: 'The duplicate (global id or slug) of the same kind; its id and slug resolve to `keep` afterwards.' }),
  }),
});

const MergeEntitiesPayloadRef = builder.objectRef<ChangeResult>('MergeEntitiesPayload').implement({
  description: 'The result of `mergeEntities`: the record kept, with the duplicate\'s names, evidence, links and reports.',
  fields: (t) => ({
    entity: t.field({
      type: EntityRef,
      nullable: true,
      description: 'The record kept, when it is a person, organization, country or event; null for statements (see `statement`).',
      resolve: async (result, _args, context) => ((await context.loaders.referentById.load(result.id))?.kind === 'Statement' ? null : loadEntity(context, result.id)),
    }),
    statement: t.field({
      type: StatementRef,
      nullable: true,
      description: 'The statement kept, when two statements were merged, with the reports of both.',
      resolve: async (result, _args, context) => ((await context.loaders.referentById.load(result.id))?.kind === 'Statement' ? result.id : null),
    }),
    datasetVersion: t.string({ description: 'The dataset version that includes the merge.', resolve: (result) => result.datasetVersion }),
  }),
});

builder.mutationFields((t) => ({
  addEvidence: t.field({
    type: AddEvidencePayloadRef,
    description:
      'Adds evidence from any source to an existing link: a second article stating a role adds a span to the role, never a second role. ' +
      'NOT_FOUND when the record has no such link; INVALID_RECORD when the link already cites the words; REVISION_CONFLICT when `expectedRevision` is stale.',
    args: { input: t.arg({ type: AddEvidenceInputRef, required: true, description: 'The link and its new evidence.' }) },
    resolve: async (_root, { input }, context) => {
      const link = input.link as LinkKind;
      const holder = holderOfLink[link];
      const edit = addLinkEvidence({
        recordId: referenceId(input.record, [holder], 'input.record'),
        expectedRevision: input.expectedRevision,
        link,
        position: orUndefined(input.position),
        evidence: input.evidence.map((quote, index) => toQuote(quote, `input.evidence[${index}]`)),
        inferred: orUndefined(input.inferred),
        note: input.note,
      });
      return changeResult(context, await applyEdit(context, collectionOfHolder[holder], edit as never));
    },
  }),
  mergeEntities: t.field({
    type: MergeEntitiesPayloadRef,
    description:
      'Merges two records of one kind that are the same person, organization, country, event or statement. Every reference to `merge` moves to `keep`; ' +
      '`keep` gains its names, evidence, roles, memberships, participations and reports; `merge` stays in the data marked as merged, and its id and slug ' +
      'resolve to `keep` (in `node(id:)`, slug lookups and filters). Nothing is deleted. NOT_FOUND for an unknown record; INVALID_RECORD for records of ' +
      'different kinds, a record merged already, or a retracted one.',
    args: { input: t.arg({ type: MergeEntitiesInputRef, required: true, description: 'The record kept and the duplicate.' }) },
    resolve: async (_root, { input }, context) => {
      // A merged record's id stands for the record it was merged into; an unknown one is the store's to refuse.
      const resolve = async (id: string) => (await context.loaders.referentById.load(id))?.id ?? id;
      const keep = await resolve(referenceId(input.keep, mergeableKinds, 'input.keep'));
      const merge = await resolve(referenceId(input.merge, mergeableKinds, 'input.merge'));
      return changeResult(context, await applyMerge(context, keep, merge));
    },
  }),
}));
