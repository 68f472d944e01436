/**
 * The explorer page: a search box with as-you-type results, a page per record, and the record's
 * neighbourhood drawn with cytoscape that can be clicked through. It listens for changes to the
 * knowledge base and shows them without a reload. It talks to the server only through the SDK
 * (@newsgraph/client, imported through its public entry as any app would), the subscription included
 * (client.subscribe()), and puts data into the DOM only as text (text nodes and textContent, never HTML).
 * src/http/explorer.ts bundles this file and the modules it imports with esbuild and serves it at /explore.
 */
import type cytoscape from 'cytoscape';
import { graph, renderLegend } from './graph.js';
import { startLive } from './live-updates.js';
import { navigate } from './navigation.js';
import type { Route } from './routes.js';
import { state } from './state.js';

declare global {
  interface Window {
    /** For tests and the curious: the cytoscape instance, and the route now shown. */
    __explorer?: { graph: cytoscape.Core; route: () => Route | null };
  }
}

window.__explorer = { graph, route: () => state.currentRoute };
renderLegend();
window.addEventListener('hashchange', () => void navigate({ focus: true }));
void navigate({ focus: false });
startLive();
