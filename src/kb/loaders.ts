/**
 * Per-request DataLoaders for every relationship lookup. Entities themselves (a person by id, …) are
 * loaded by the Pothos loadable node types in `src/schema/`, which the dataloader plugin likewise
 * creates once per request context.
 */
import DataLoader from 'dataloader';
import type { KnowledgeBase } from './knowledge-base.js';

/** The batch lookup of the knowledge base behind each loader. */
const lookups = {
  statementIdsBySpeakerId: (kb: KnowledgeBase, ids: readonly string[]) => kb.statementIdsBySpeakerIds(ids),
  statementIdsByMentionedId: (kb: KnowledgeBase, ids: readonly string[]) => kb.statementIdsByMentionedIds(ids),
  statementIdsByEventId: (kb: KnowledgeBase, ids: readonly string[]) => kb.statementIdsByEventIds(ids),
  statementIdsByRelayerId: (kb: KnowledgeBase, ids: readonly string[]) => kb.statementIdsByRelayerIds(ids),
  statementIdsBySourceId: (kb: KnowledgeBase, ids: readonly string[]) => kb.statementIdsBySourceIds(ids),
  continuationIdsByStatementId: (kb: KnowledgeBase, ids: readonly string[]) => kb.continuationIdsByStatementIds(ids),
  participationsByEntityId: (kb: KnowledgeBase, ids: readonly string[]) => kb.participationsByEntityIds(ids),
  subEventIdsByEventId: (kb: KnowledgeBase, ids: readonly string[]) => kb.subEventIdsByEventIds(ids),
  eventIdsByCountryId: (kb: KnowledgeBase, ids: readonly string[]) => kb.eventIdsByCountryIds(ids),
  roleHoldingsByOrganizationId: (kb: KnowledgeBase, ids: readonly string[]) => kb.roleHoldingsByOrganizationIds(ids),
  roleHoldingsByCountryId: (kb: KnowledgeBase, ids: readonly string[]) => kb.roleHoldingsByCountryIds(ids),
  membershipsByCountryId: (kb: KnowledgeBase, ids: readonly string[]) => kb.membershipsByCountryIds(ids),
  organizationIdsByCountryId: (kb: KnowledgeBase, ids: readonly string[]) => kb.organizationIdsByCountryIds(ids),
  childOrganizationIdsByOrganizationId: (kb: KnowledgeBase, ids: readonly string[]) => kb.childOrganizationIdsByOrganizationIds(ids),
  sourceIdsByRecordId: (kb: KnowledgeBase, ids: readonly string[]) => kb.sourceIdsByRecordIds(ids),
  personIdsBySourceId: (kb: KnowledgeBase, ids: readonly string[]) => kb.coveredIdsBySourceIds('persons', ids),
  organizationIdsBySourceId: (kb: KnowledgeBase, ids: readonly string[]) => kb.coveredIdsBySourceIds('organizations', ids),
  countryIdsBySourceId: (kb: KnowledgeBase, ids: readonly string[]) => kb.coveredIdsBySourceIds('countries', ids),
  eventIdsBySourceId: (kb: KnowledgeBase, ids: readonly string[]) => kb.coveredIdsBySourceIds('events', ids),
};

type Lookups = typeof lookups;

/** One DataLoader per relationship, each returning values in key order. */
export type Loaders = { readonly [Name in keyof Lookups]: DataLoader<string, ReturnType<Lookups[Name]>[number]> };

/**
 * The loaders of one request. Each is made the first time a resolver asks for it (a getter on the
 * prototype, then an own property): a small query uses one or two of the fourteen, and making all of
 * them on every request was a measurable part of its time.
 */
class RequestLoaders {
  constructor(readonly kb: KnowledgeBase) {}
}
for (const name of Object.keys(lookups) as (keyof Lookups)[]) {
  Object.defineProperty(RequestLoaders.prototype, name, {
    get(this: RequestLoaders) {
      const lookup = lookups[name] as (kb: KnowledgeBase, ids: readonly string[]) => readonly unknown[];
      const loader = new DataLoader<string, unknown>(async (keys) => lookup(this.kb, keys));
      Object.defineProperty(this, name, { value: loader });
      return loader;
    },
  });
}

/** Creates a fresh set of loaders. Call once per request: a loader caches what it loaded for its lifetime. */
export function createLoaders(kb: KnowledgeBase): Loaders {
  return new RequestLoaders(kb) as unknown as Loaders;
}
