/**
 * The neighbourhood graph, drawn with cytoscape; the same records are listed as links under it, for
 * keyboard and screen-reader users.
 */
import cytoscape from 'cytoscape';
import { GraphQLRequestError, NeighborhoodDocument, type NeighborhoodQuery } from '@newsgraph/client';
import { describeError, request } from './api.js';
import { byId, h } from './dom.js';
import { hrefFor, humanize, kindBadge, type Route } from './routes.js';
import { state } from './state.js';

const graphContainer = byId<HTMLDivElement>('graph');
const graphStatus = byId<HTMLParagraphElement>('graph-status');
const graphNodes = byId<HTMLUListElement>('graph-nodes');
export const graphDepth = byId<HTMLSelectElement>('graph-depth');

const nodeKinds = ['PERSON', 'ORGANIZATION', 'COUNTRY', 'EVENT', 'STATEMENT'] as const;
const MAX_FIT_ZOOM = 1.5;

/** The colours live in app.css (--kind-person, …), so the legend, the badges and the graph agree. */
function kindColor(kind: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(`--kind-${kind.toLowerCase()}`).trim() || '#555';
}

export const graph = cytoscape({
  container: graphContainer,
  elements: [],
  minZoom: 0.25,
  maxZoom: 3,
  boxSelectionEnabled: false,
  autoungrabify: false,
  style: [
    {
      selector: 'node',
      style: {
        'background-color': 'data(color)',
        label: 'data(label)',
        'font-size': 10,
        'font-family': 'system-ui, sans-serif',
        color: '#1b1f24',
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'text-wrap': 'ellipsis',
        'text-max-width': '120px',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
        'text-background-padding': '1px',
        width: 18,
        height: 18,
      },
    },
    // A statement's words are long: its label shows on hover (and in the list under the graph), so the
    // names of the people, places and events around it stay readable.
    { selector: 'node[kind = "STATEMENT"]', style: { shape: 'round-rectangle', width: 12, height: 12, label: '', 'font-size': 9, color: '#3d444d' } },
    { selector: 'node[kind = "STATEMENT"].near', style: { label: 'data(label)', 'z-index': 10 } },
    { selector: 'node[distance = 0]', style: { label: 'data(label)', width: 32, height: 32, 'border-width': 3, 'border-color': '#111', 'font-size': 12, 'font-weight': 'bold' } },
    {
      selector: 'edge',
      style: {
        width: 1.2,
        'line-color': '#9aa4b1',
        'target-arrow-color': '#9aa4b1',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.7,
        'curve-style': 'bezier',
        'font-size': 8,
        color: '#3d444d',
        'text-rotation': 'autorotate',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
      },
    },
    { selector: 'edge[?inferred]', style: { 'line-style': 'dashed' } },
    { selector: 'edge.near', style: { label: 'data(label)', width: 2, 'line-color': '#4a5563', 'target-arrow-color': '#4a5563' } },
    { selector: 'node.near', style: { 'border-width': 2, 'border-color': '#111' } },
  ],
});

// Hovering a node names its edges; the full graph with every label would be unreadable.
graph.on('mouseover', 'node', (event) => {
  const node = event.target as cytoscape.NodeSingular;
  node.addClass('near');
  node.connectedEdges().addClass('near');
  graphContainer.classList.add('pointing');
});
graph.on('mouseout', 'node', () => {
  graph.elements().removeClass('near');
  graphContainer.classList.remove('pointing');
});
graph.on('tap', 'node', (event) => {
  const node = event.target as cytoscape.NodeSingular;
  const slug = node.data('slug') as string | null;
  if (slug) window.location.hash = hrefFor(node.data('kind') as string, slug);
});

export function renderLegend(): void {
  const legend = byId<HTMLUListElement>('graph-legend');
  legend.replaceChildren(...nodeKinds.map((kind) => h('li', null, h('span', { class: `swatch swatch-${kind.toLowerCase()}`, 'aria-hidden': 'true' }), humanize(kind))));
}

type Neighborhood = NonNullable<NeighborhoodQuery['neighborhood']>;

function drawGraph(neighborhood: Neighborhood): void {
  const maxDistance = Math.max(0, ...neighborhood.nodes.map((n) => n.distance));
  graph.batch(() => {
    graph.elements().remove();
    graph.add([
      ...neighborhood.nodes.map((n) => ({
        group: 'nodes' as const,
        data: { id: n.id, label: n.label, kind: n.kind, distance: n.distance, slug: n.node.slug ?? null, color: kindColor(n.kind) },
      })),
      ...neighborhood.edges.map((e) => ({
        group: 'edges' as const,
        data: { id: e.id, source: e.from, target: e.to, kind: e.kind, label: e.label, inferred: e.inferred },
      })),
    ]);
  });
  graph.resize();
  graph
    .layout({
      name: 'concentric',
      concentric: (node: cytoscape.NodeSingular) => maxDistance - (node.data('distance') as number),
      levelWidth: () => 1,
      minNodeSpacing: 12,
      nodeDimensionsIncludeLabels: true,
      padding: 16,
      animate: false,
    })
    .run();
  graph.fit(undefined, 24);
  // A handful of nodes would otherwise be blown up to fill the panel.
  if (graph.zoom() > MAX_FIT_ZOOM) {
    graph.zoom(MAX_FIT_ZOOM);
    graph.center();
  }

  const others = neighborhood.nodes.filter((n) => n.distance > 0 && n.node.slug);
  graphNodes.replaceChildren(
    ...others.map((n) => h('li', null, kindBadge(n.kind), ' ', h('a', { href: hrefFor(n.kind, n.node.slug!) }, n.label), n.distance > 1 ? h('span', { class: 'muted' }, ` (${n.distance} steps)`) : '')),
  );
  const counts = `${neighborhood.nodes.length} records, ${neighborhood.edges.length} connections`;
  graphStatus.textContent = neighborhood.truncated ? `${counts} (more exist; only the nearest are drawn).` : `${counts}. Click a record to open it.`;
}

export function clearGraph(status: string): void {
  graph.elements().remove();
  graphNodes.replaceChildren();
  graphStatus.textContent = status;
}

/** Fetches and draws the record's neighbourhood; `quiet` (a live refresh) keeps the drawing if that fails. */
export async function showGraph(route: Route, { quiet = false } = {}): Promise<void> {
  const ticket = ++state.graphRequest;
  if (!quiet) graphStatus.textContent = 'Loading the graph…';
  try {
    const { neighborhood } = (await request(NeighborhoodDocument, { id: route.slug, depth: Number(graphDepth.value) || 1, limit: 100 })).data;
    if (ticket !== state.graphRequest) return;
    if (neighborhood) {
      drawGraph(neighborhood);
    } else {
      clearGraph('Nothing to draw.');
    }
  } catch (error) {
    if (ticket !== state.graphRequest) return;
    const notFound = error instanceof GraphQLRequestError && error.code === 'NOT_FOUND';
    if (quiet && !notFound) return;
    clearGraph(notFound ? 'Nothing to draw.' : `The graph could not be loaded: ${describeError(error)}`);
  }
}
