/**
 * The state that more than one module of the page reads or writes, kept in this one object so that none
 * of it is a global hidden in some other module. State that only one module uses stays in that module.
 */
import type { Route } from './routes.js';

export interface ExplorerState {
  /** Set for good once the server refuses query text (allow-list mode): requests and the subscription then send hashes. */
  sendHashes: boolean;
  /** The record shown; null on the welcome page. */
  currentRoute: Route | null;
  /** The ticket of the newest graph fetch: an answer to an older one is dropped, so navigation bumps it to drop one still on its way. */
  graphRequest: number;
  /** Source texts by slug, fetched once per page load; emptied when a live update says a source changed. */
  sourceTexts: Map<string, Promise<string | null>>;
}

export const state: ExplorerState = {
  sendHashes: false,
  currentRoute: null,
  graphRequest: 0,
  sourceTexts: new Map(),
};
