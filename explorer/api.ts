/**
 * Talking to the server, through the SDK. Which of the two clients to use is in state.ts, because the
 * subscription in live-updates.ts can learn first that the server wants hashes.
 */
import { createClient, GraphQLRequestError, type Client } from '@newsgraph/client';
import { state } from './state.js';

const endpoint = new URL('/graphql', window.location.href);
export const textClient = createClient({ url: endpoint });
export const hashClient = createClient({ url: endpoint, persisted: true });

/**
 * Sends query text, as most servers accept; a server in allow-list mode answers PERSISTED_QUERY_ONLY,
 * and from then on the page sends the shipped documents' hashes instead.
 */
export const request: Client['request'] = async (document, ...args) => {
  if (!state.sendHashes) {
    try {
      return await textClient.request(document, ...args);
    } catch (error) {
      if (!(error instanceof GraphQLRequestError && error.code === 'PERSISTED_QUERY_ONLY')) throw error;
      state.sendHashes = true;
    }
  }
  return hashClient.request(document, ...args);
};

export function describeError(error: unknown): string {
  if (error instanceof GraphQLRequestError) return error.code ? `${error.message} (${error.code})` : error.message;
  return error instanceof Error ? error.message : String(error);
}
