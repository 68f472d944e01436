/** Navigation: the URL fragment picks the record whose page and graph are shown. */
import { GraphQLRequestError, SourceListDocument } from '@newsgraph/client';
import { describeError, request } from './api.js';
import { byId, h } from './dom.js';
import { clearGraph, graphDepth, showGraph } from './graph.js';
import { empty } from './page-parts.js';
import { pages } from './record-pages.js';
import { dateText, dotted, parseRoute, sourceLink, type Route } from './routes.js';
import { hideResults } from './search.js';
import { state } from './state.js';

const entity = byId<HTMLElement>('entity');
const errorBox = byId<HTMLParagraphElement>('error');
const welcome = [...entity.childNodes];
// Part of the welcome page: kept by reference, since it is out of the document while a record is shown.
const sourceList = byId<HTMLUListElement>('source-list');
let pageRequest = 0;

function showError(message: string | null): void {
  errorBox.hidden = message === null;
  errorBox.textContent = message ?? '';
}

export async function navigate({ focus }: { focus: boolean }): Promise<void> {
  const route = parseRoute(window.location.hash);
  state.currentRoute = route;
  hideResults();
  showError(null);
  if (!route) {
    entity.replaceChildren(...welcome);
    document.title = 'newsgraph explorer';
    ++state.graphRequest;
    clearGraph('Open a record to see what it is connected to.');
    await showSources();
    return;
  }
  void showGraph(route);
  await showRecord(route, { focus });
}

/** Lists the sources on the welcome page, each with how many statements it reports and how many of those others report too. */
export async function showSources(): Promise<void> {
  try {
    const { sources, stats } = (await request(SourceListDocument, { first: 100 })).data;
    const counts = new Map(stats.perSource.map((count) => [count.source.slug, count]));
    sourceList.replaceChildren(
      ...sources.edges.map(({ node }) => {
        const count = counts.get(node.slug);
        return h(
          'li',
          null,
          dotted(
            sourceLink(node),
            dateText(node.publishedOn),
            count ? h('span', { class: 'muted' }, `${count.statements} ${count.statements === 1 ? 'statement' : 'statements'}${count.corroborated > 0 ? `, ${count.corroborated} also reported elsewhere` : ''}`) : null,
          ),
        );
      }),
    );
  } catch (error) {
    sourceList.replaceChildren(h('li', { class: 'muted' }, `The sources could not be listed: ${describeError(error)}`));
  }
}

let quietUntil: ReturnType<typeof setTimeout> | undefined;

/**
 * Fetches the record's page and shows it. `quiet` is for a live refresh of the record already shown:
 * screen readers are not made to read the whole page again, and a focused link stays focused.
 */
export async function showRecord(route: Route, { focus, quiet = false }: { focus: boolean; quiet?: boolean }): Promise<void> {
  const ticket = ++pageRequest;
  entity.setAttribute('aria-busy', 'true');
  const replace = (...content: Node[]) => {
    const active = document.activeElement;
    const focusedHref = quiet && active instanceof HTMLAnchorElement && entity.contains(active) ? active.getAttribute('href') : null;
    clearTimeout(quietUntil);
    entity.setAttribute('aria-live', quiet ? 'off' : 'polite');
    entity.replaceChildren(...content);
    if (quiet) quietUntil = setTimeout(() => entity.setAttribute('aria-live', 'polite'), 500);
    if (focusedHref) entity.querySelector<HTMLAnchorElement>(`a[href="${CSS.escape(focusedHref)}"]`)?.focus({ preventScroll: true });
  };
  try {
    const page = await pages[route.kind](route.slug);
    if (ticket !== pageRequest) return;
    if (page) {
      replace(...page.content);
      document.title = `${page.title} · newsgraph explorer`;
    } else {
      replace(h('h1', { id: 'entity-title', tabindex: '-1' }, 'Not found'), empty(`There is no ${route.kind} “${route.slug}”.`));
      document.title = 'Not found · newsgraph explorer';
    }
    if (quiet) showError(null);
  } catch (error) {
    if (ticket !== pageRequest) return;
    const notFound = error instanceof GraphQLRequestError && error.code === 'NOT_FOUND';
    // A refresh that fails keeps what is shown, which is only out of date.
    if (quiet && !notFound) return showError(`Could not bring the ${route.kind} up to date: ${describeError(error)}`);
    replace(h('h1', { id: 'entity-title', tabindex: '-1' }, notFound ? 'Not found' : 'Something went wrong'), empty(notFound ? `There is no ${route.kind} “${route.slug}”.` : describeError(error)));
    if (!notFound) showError(`Could not load the ${route.kind}: ${describeError(error)}`);
  } finally {
    if (ticket === pageRequest) entity.setAttribute('aria-busy', 'false');
  }
  if (focus && ticket === pageRequest) document.getElementById('entity-title')?.focus({ preventScroll: false });
}

graphDepth.addEventListener('change', () => {
  if (state.currentRoute) void showGraph(state.currentRoute);
});
