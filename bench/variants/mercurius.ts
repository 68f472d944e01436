/**
 * A peer: Mercurius on Fastify with graphql-jit (`jit: 1`: a query is compiled on its second request),
 * serving the production schema with the production per-request context. Fastify's logger is off;
 * Mercurius's own parse/validate LRU cache is on (its default). No limits, masking or plugins.
 */
import Fastify from 'fastify';
import mercurius from 'mercurius';
import { schema } from '../../src/schema/index.js';
import { announceListening, contextFor, exitOnSignal, listenConfig, loadBenchKnowledgeBase } from '../lib.js';

const kb = await loadBenchKnowledgeBase();
const app = Fastify({ logger: false });
await app.register(mercurius, {
  schema,
  jit: 1,
  graphiql: false,
  context: () => contextFor(kb),
});

const { port, host } = listenConfig();
await app.listen({ port, host });
const address = app.server.address();
announceListening('mercurius', typeof address === 'object' && address ? address.port : port);
exitOnSignal(() => app.close());
