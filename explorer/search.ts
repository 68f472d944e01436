/** Search as you type, with the results reachable from the keyboard. */
import { GraphQLRequestError, SearchDocument, type SearchQuery } from '@newsgraph/client';
import { describeError, request } from './api.js';
import { byId, h, highlighted } from './dom.js';
import { hrefFor, kindBadge } from './routes.js';

export const searchInput = byId<HTMLInputElement>('search-input');
export const searchResults = byId<HTMLUListElement>('search-results');
const searchStatus = byId<HTMLParagraphElement>('search-status');
const SEARCH_DELAY_MS = 180;
export const MIN_QUERY_LENGTH = 2;

const fieldNames: Record<string, string> = { NAME: 'name', ALIAS: 'alias', DESCRIPTION: 'description', LOCATION: 'place', TEXT: 'words' };

type Hit = SearchQuery['search']['edges'][number]['node'];

function hitItem(hit: Hit): HTMLLIElement {
  const record = hit.node;
  const title = record.__typename === 'Statement' ? h('span', { class: 'hit-title' }, record.speaker ? `${record.speaker.displayName}: ` : '', record.kind === 'QUOTE' ? `“${record.text}”` : record.text) : h('span', { class: 'hit-title' }, record.displayName);
  const field = fieldNames[hit.matchedField] ?? hit.matchedField.toLowerCase();
  const matched = h(
    'span',
    { class: 'hit-match' },
    h('span', { class: 'muted' }, hit.matchedField === 'ALIAS' ? `matched alias “${hit.matchedValue}”: ` : `matched ${field}: `),
    highlighted(hit.snippet.text, hit.snippet.highlights),
  );
  return h('li', null, h('a', { class: 'hit', href: hrefFor(record.__typename, record.slug) }, kindBadge(record.__typename), title, matched));
}

export function hideResults(): void {
  searchResults.hidden = true;
}

function resultLinks(): HTMLAnchorElement[] {
  return [...searchResults.querySelectorAll<HTMLAnchorElement>('a.hit')];
}

let searchTimer: ReturnType<typeof setTimeout> | undefined;
let searchAbort: AbortController | undefined;
let searchTicket = 0;

export async function runSearch(query: string): Promise<void> {
  searchAbort?.abort();
  const ticket = ++searchTicket;
  if (query.length < MIN_QUERY_LENGTH) {
    searchResults.replaceChildren();
    hideResults();
    searchStatus.textContent = '';
    return;
  }
  const abort = new AbortController();
  searchAbort = abort;
  searchStatus.textContent = 'Searching…';
  try {
    const { search } = (await request(SearchDocument, { query, first: 10 }, { signal: abort.signal })).data;
    if (ticket !== searchTicket) return;
    const items = search.edges.map(({ node }) => hitItem(node));
    searchResults.replaceChildren(...items);
    searchResults.hidden = items.length === 0;
    searchStatus.textContent =
      search.totalCount === 0 ? `Nothing matches “${query}”.` : `${search.totalCount} ${search.totalCount === 1 ? 'match' : 'matches'}${search.totalCount > items.length ? `, best ${items.length} shown` : ''}. Press ↓ to choose.`;
  } catch (error) {
    if (ticket !== searchTicket || abort.signal.aborted) return;
    searchResults.replaceChildren();
    hideResults();
    const refused = error instanceof GraphQLRequestError && error.code === 'BAD_USER_INPUT';
    searchStatus.textContent = refused ? `Cannot search for “${query}”: ${error.message}` : `Search failed: ${describeError(error)}`;
  }
}

searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => void runSearch(searchInput.value.trim()), SEARCH_DELAY_MS);
});

searchInput.addEventListener('focus', () => {
  if (searchResults.childElementCount > 0 && searchInput.value.trim().length >= MIN_QUERY_LENGTH) searchResults.hidden = false;
});

searchInput.addEventListener('keydown', (event) => {
  const links = resultLinks();
  if (event.key === 'ArrowDown' && links.length > 0) {
    event.preventDefault();
    searchResults.hidden = false;
    links[0]!.focus();
  } else if (event.key === 'Enter' && links.length > 0 && !searchResults.hidden) {
    event.preventDefault();
    links[0]!.click();
  } else if (event.key === 'Escape') {
    hideResults();
  }
});

searchResults.addEventListener('keydown', (event) => {
  const links = resultLinks();
  const at = links.indexOf(document.activeElement as HTMLAnchorElement);
  if (at < 0) return;
  const moveTo = (index: number) => {
    event.preventDefault();
    if (index < 0) searchInput.focus();
    else links[Math.min(index, links.length - 1)]!.focus();
  };
  if (event.key === 'ArrowDown') moveTo(at + 1);
  else if (event.key === 'ArrowUp') moveTo(at - 1);
  else if (event.key === 'Home') moveTo(0);
  else if (event.key === 'End') moveTo(links.length - 1);
  else if (event.key === 'Escape') {
    event.preventDefault();
    hideResults();
    searchInput.focus();
  }
});

// A click or focus anywhere else closes the results.
document.addEventListener('pointerdown', (event) => {
  const target = event.target as Node;
  if (!searchResults.contains(target) && target !== searchInput) hideResults();
});
document.addEventListener('focusin', (event) => {
  const target = event.target as Node;
  if (!searchResults.contains(target) && target !== searchInput) hideResults();
});
