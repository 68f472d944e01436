/**
 * Builds the GraphQL server: schema, per-request context, GraphiQL from our own dependencies, error
 * masking and health endpoints. Tests import this and call `yoga.fetch`; `src/index.ts` only listens.
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { createLogger, createYoga, isAsyncIterable, maskError as yogaMaskError, type Plugin, useReadinessCheck, type YogaServerInstance, type YogaServerOptions } from 'graphql-yoga';
import { initContextCache } from '@pothos/core';
import { createContext, type Context } from './context.js';
import { ErrorCode } from './errors.js';
import { exampleQuery } from './graphiql-example.js';
import type { KnowledgeBase } from './kb/knowledge-base.js';
import { schema } from './schema/index.js';

export interface ServerOptions {
  kb: KnowledgeBase;
  /** Include original messages of unexpected errors in responses (never in production). */
  exposeErrorDetails?: boolean;
  /** A log level, false for silence, or a logger; defaults to 'info'. */
  logging?: YogaServerOptions<object, Context>['logging'];
}

export type NewsgraphYoga = YogaServerInstance<object, Context>;

/**
 * Adds `extensions.dataset` (version and load time) to every response, errors included, so clients
 * and caches can tell when the knowledge changed.
 */
function useDatasetExtension(kb: KnowledgeBase): Plugin {
  const dataset = { version: kb.info.version, loadedAt: kb.info.loadedAt.toISOString() };
  const withDataset = (result: ExecutionResult): ExecutionResult => ({ ...result, extensions: { ...result.extensions, dataset } });
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result)) setResult(result.map(withDataset));
      else if (!isAsyncIterable(result)) setResult(withDataset(result));
    },
  };
}

export function createServer({ kb, exposeErrorDetails = false, logging = 'info' }: ServerOptions): NewsgraphYoga {
  const logger = typeof logging === 'object' ? logging : createLogger(logging === true ? 'info' : logging === false ? 'silent' : logging);
  return createYoga<object, Context>({
    schema,
    context: () => ({ ...initContextCache(), ...createContext(kb) }),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    batching: false,
    logging: logger,
    graphiql: { title: 'newsgraph · GraphiQL', defaultQuery: exampleQuery },
    renderGraphiQL,
    maskedErrors: {
      isDev: exposeErrorDetails,
      maskError(error, message, isDev) {
        const masked = yogaMaskError(error, message, isDev);
        if (masked !== error) {
          // The client sees only "Unexpected error."; the operator needs the real cause.
          logger.error('Unexpected error while serving a request (masked in the response):', error);
          return masked;
        }
        // graphql-js raises errors for bad variable values without a code; they are the client's input.
        if (error instanceof GraphQLError && error.extensions.code === undefined) {
          return new GraphQLError(error.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            extensions: { ...error.extensions, code: ErrorCode.BAD_USER_INPUT },
          });
        }
        return masked;
      },
    },
    plugins: [
      useDatasetExtension(kb),
      useReadinessCheck({
        endpoint: '/ready',
        check: ({ fetchAPI }) =>
          fetchAPI.Response.json({
            status: 'ready',
            dataset: { version: kb.info.version, loadedAt: kb.info.loadedAt.toISOString(), counts: kb.counts },
          }),
      }),
    ],
  });
}
