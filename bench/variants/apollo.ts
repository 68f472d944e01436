/**
 * A peer: Apollo Server 5 (its standalone `node:http` server) serving the production schema with the
 * production per-request context. Defaults otherwise (its document cache on, no usage reporting
 * without a key); introspection off as it would be in production. No limits or masking beyond its own.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Context } from '../../src/context.js';
import { schema } from '../../src/schema/index.js';
import { announceListening, contextFor, exitOnSignal, listenConfig, loadBenchKnowledgeBase } from '../lib.js';

const kb = await loadBenchKnowledgeBase();
const server = new ApolloServer<Context>({ schema, introspection: false });
const { port, host } = listenConfig();
const { url } = await startStandaloneServer(server, { context: async () => contextFor(kb), listen: { port, host } });
announceListening('apollo', Number(new URL(url).port));
exitOnSignal(() => server.stop());
