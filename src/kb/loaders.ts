/**
 * Per-request DataLoaders for every relationship lookup. Entities themselves (a person by id, …) are
 * loaded by the Pothos loadable node types in `src/schema/`, which the dataloader plugin likewise
 * creates once per request context.
 */
import DataLoader from 'dataloader';
import type { KnowledgeBase } from './knowledge-base.js';

/** Wraps a synchronous batch method of the knowledge base as a DataLoader batch function. */
function batch<V>(lookup: (keys: readonly string[]) => readonly V[]): DataLoader<string, V> {
  return new DataLoader<string, V>(async (keys) => lookup(keys));
}

/** Creates a fresh set of loaders. Call once per request: a loader caches what it loaded for its lifetime. */
export function createLoaders(kb: KnowledgeBase) {
  return {
    statementIdsBySpeakerId: batch((ids) => kb.statementIdsBySpeakerIds(ids)),
    statementIdsByMentionedId: batch((ids) => kb.statementIdsByMentionedIds(ids)),
    statementIdsByEventId: batch((ids) => kb.statementIdsByEventIds(ids)),
    statementIdsByRelayerId: batch((ids) => kb.statementIdsByRelayerIds(ids)),
    statementIdsBySourceId: batch((ids) => kb.statementIdsBySourceIds(ids)),
    continuationIdsByStatementId: batch((ids) => kb.continuationIdsByStatementIds(ids)),
    participationsByEntityId: batch((ids) => kb.participationsByEntityIds(ids)),
    subEventIdsByEventId: batch((ids) => kb.subEventIdsByEventIds(ids)),
    eventIdsByCountryId: batch((ids) => kb.eventIdsByCountryIds(ids)),
    roleHoldingsByOrganizationId: batch((ids) => kb.roleHoldingsByOrganizationIds(ids)),
    roleHoldingsByCountryId: batch((ids) => kb.roleHoldingsByCountryIds(ids)),
    membershipsByCountryId: batch((ids) => kb.membershipsByCountryIds(ids)),
    organizationIdsByCountryId: batch((ids) => kb.organizationIdsByCountryIds(ids)),
    childOrganizationIdsByOrganizationId: batch((ids) => kb.childOrganizationIdsByOrganizationIds(ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
