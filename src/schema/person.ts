import { builder } from '../builder.js';
import type { RoleHolding } from '../kb/knowledge-base.js';
import type { PersonRecord } from '../kb/records.js';
import { CountryRef } from './country.js';
import { PartialDateRef } from './dates.js';
import { EntityRef, registerEntityLoader } from './entity.js';
import { ParticipationRef } from './event.js';
import { EvidenceRef } from './evidence.js';
import { lookupArgs, resolveLookup } from './lookup.js';
import { OrganizationRef } from './organization.js';
import { paginate } from './pagination.js';
import { StatementConnection, StatementRef } from './statement.js';

export const PersonRef = builder.loadableNodeRef('Person', {
  id: { resolve: (person: PersonRecord) => person.id },
  load: (ids: string[], context) => Promise.resolve(context.kb.personsByIds(ids)),
});
registerEntityLoader('Person', PersonRef);

export const PersonConnection = builder.connectionObject(
  { type: PersonRef, name: 'PersonConnection', description: 'A page of persons.' },
  { name: 'PersonEdge', description: 'A person on a page, with its cursor.' },
);

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
      description: 'The offices the source says the person holds.',
      resolve: (person) => person.roles.map((role) => ({ personId: person.id, role })),
    }),
    statements: t.connection(
      {
        type: StatementRef,
        description: 'What the person said (quotes and paraphrases), in source order.',
        resolve: async (person, args, context) => paginate(await context.loaders.statementIdsBySpeakerId.load(person.id), args),
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
      description: 'All persons, in the order of the data file.',
      resolve: (_root, args, context) => paginate(context.kb.orderedIds.persons, args),
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
