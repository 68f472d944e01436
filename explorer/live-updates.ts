/** Live updates: the datasetChanged subscription, over server-sent events, through the SDK's client.subscribe(). */
import { DatasetChangedDocument, GraphQLRequestError, type DatasetChangedSubscription } from '@newsgraph/client';
import { describeError, hashClient, textClient } from './api.js';
import { appendChildren, byId, h } from './dom.js';
import { showGraph } from './graph.js';
import { showRecord, showSources } from './navigation.js';
import { link } from './routes.js';
import { MIN_QUERY_LENGTH, runSearch, searchInput, searchResults } from './search.js';
import { state } from './state.js';

const liveState = byId<HTMLParagraphElement>('live-state');
const liveNotice = byId<HTMLParagraphElement>('live-notice');
const LIVE_RETRY_FIRST_MS = 1_000;
const LIVE_RETRY_MAX_MS = 30_000;
/** Changes that arrive this close together (a burst of edits on disk) are fetched for and told of once. */
const LIVE_SETTLE_MS = 150;
/** Asking again cannot help: the server's data never changes, or its allow-list lacks the subscription. */
const LIVE_FINAL_CODES = new Set(['READ_ONLY', 'PERSISTED_QUERY_NOT_FOUND']);

type DatasetChange = DatasetChangedSubscription['datasetChanged'];
type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off';

const liveStateText: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', off: 'Not live' };

function setLiveState(state: LiveState, detail?: string): void {
  liveState.dataset.state = state;
  liveState.textContent = liveStateText[state];
  liveState.title = detail ?? (state === 'live' ? 'Changes to the knowledge base show here as they are made.' : '');
}

/**
 * One subscription stream, read until it ends; `onOpen` runs once the server has accepted it. Errors
 * the server sends, as events or instead of a stream, are thrown as GraphQLRequestError.
 */
async function followChanges(signal: AbortSignal, onOpen: () => void): Promise<void> {
  const client = state.sendHashes ? hashClient : textClient;
  for await (const { data } of client.subscribe(DatasetChangedDocument, {}, { signal, onOpen })) announce(data.datasetChanged);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * Listens until `signal` aborts. A dropped stream is opened again after a growing, jittered delay, and
 * the page is then brought up to date, since changes made meanwhile were never announced.
 */
async function listen(signal: AbortSignal): Promise<void> {
  let delay = LIVE_RETRY_FIRST_MS;
  let openedBefore = false;
  while (!signal.aborted) {
    try {
      await followChanges(signal, () => {
        setLiveState('live');
        delay = LIVE_RETRY_FIRST_MS;
        if (openedBefore) scheduleRefresh();
        openedBefore = true;
      });
    } catch (error) {
      if (signal.aborted) return;
      const code = error instanceof GraphQLRequestError ? error.code : undefined;
      if (code === 'PERSISTED_QUERY_ONLY' && !state.sendHashes) {
        state.sendHashes = true;
        continue;
      }
      if (code !== undefined && LIVE_FINAL_CODES.has(code)) {
        setLiveState('off', `Live updates are not available: ${describeError(error)}`);
        return;
      }
    }
    if (signal.aborted) return;
    setLiveState('reconnecting');
    await sleep(delay * (0.75 + Math.random() / 2), signal);
    delay = Math.min(delay * 2, LIVE_RETRY_MAX_MS);
  }
}

let liveAbort: AbortController | undefined;

export function startLive(): void {
  liveAbort?.abort();
  liveAbort = new AbortController();
  setLiveState('connecting');
  void listen(liveAbort.signal);
}

// Changes waiting to be told of, and the refresh that will show them.
let announced: DatasetChange[] = [];
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

function announce(change: DatasetChange): void {
  announced.push(change);
  scheduleRefresh();
}

function scheduleRefresh(): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh(), LIVE_SETTLE_MS);
}

/** Fetches again whatever the page shows (the record, its graph, the search results), then says what changed. */
async function refresh(): Promise<void> {
  const changes = announced;
  announced = [];
  if (changes.some((change) => change.changes.some(({ node }) => node.__typename === 'Source'))) state.sourceTexts.clear();
  const route = state.currentRoute;
  const query = searchInput.value.trim();
  await Promise.all([
    route ? showGraph(route, { quiet: true }) : null,
    route ? showRecord(route, { focus: false, quiet: true }) : showSources(),
    // Not while the reader is moving through the results: replacing them would take the focus away.
    query.length >= MIN_QUERY_LENGTH && !searchResults.contains(document.activeElement) ? runSearch(query) : null,
  ]);
  if (changes.length > 0) showNotice(changes);
}

const typeNames: Record<string, [one: string, many: string]> = {
  Person: ['person', 'persons'],
  Organization: ['organization', 'organizations'],
  Country: ['country', 'countries'],
  Event: ['event', 'events'],
  Statement: ['statement', 'statements'],
  Source: ['source', 'sources'],
};
const changeVerbs: Record<string, string> = { CREATED: 'created', UPDATED: 'updated', RETRACTED: 'retracted', REPORTED: 'reported by another source', MERGED: 'merged' };
const NAMED_IN_NOTICE = 3;

/** "Updated: 1 person created (Ada Lovelace) · dataset version 0123…", with the names as links. */
function showNotice(changes: readonly DatasetChange[]): void {
  const tally = new Map<string, number>();
  const named = new Map<string, { __typename: string; slug: string; displayName: string }>();
  const counted = new Set<string>();
  for (const { changes: records } of changes) {
    for (const { change, node } of records) {
      if (counted.has(`${node.id} ${change}`)) continue;
      counted.add(`${node.id} ${change}`);
      const key = `${node.__typename} ${change}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      if ('displayName' in node) named.set(node.id, node);
      else if (node.__typename === 'Source') named.set(node.id, { __typename: node.__typename, slug: node.slug, displayName: node.title });
    }
  }
  const parts = [...tally].map(([key, count]) => {
    const [typename = '', change = ''] = key.split(' ');
    const [one, many] = typeNames[typename] ?? [typename.toLowerCase(), `${typename.toLowerCase()}s`];
    return `${count} ${count === 1 ? one : many} ${changeVerbs[change] ?? change.toLowerCase()}`;
  });
  const names = [...named.values()];
  const shown = names.slice(0, NAMED_IN_NOTICE);
  const last = changes[changes.length - 1]!;
  const fromDisk = changes.every((change) => change.cause === 'RELOAD');
  liveNotice.replaceChildren();
  appendChildren(liveNotice, [
    fromDisk ? 'Updated from the data files: ' : 'Updated: ',
    parts.length > 0 ? parts.join(', ') : 'nothing visible changed',
    shown.length > 0 ? [' (', ...shown.flatMap((entity, i) => [i > 0 ? ', ' : '', link(entity)]), names.length > shown.length ? ` and ${names.length - shown.length} more` : '', ')'] : '',
    h('span', { class: 'muted' }, ` · dataset version ${last.dataset.version}`),
  ]);
  liveNotice.title = `At ${new Date().toLocaleTimeString()}`;
  liveNotice.hidden = false;
}

window.addEventListener('pagehide', () => liveAbort?.abort());
window.addEventListener('pageshow', (event) => {
  // Back from the back-forward cache: the stream was closed on the way out, and changes may have been missed.
  if (!event.persisted) return;
  startLive();
  scheduleRefresh();
});
