/**
 * Builds the GraphQL server: schema, per-request context, GraphiQL from our own dependencies, error
 * masking and health endpoints. Tests import this and call `yoga.fetch`; `src/index.ts` only listens.
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, maskError as yogaMaskError, useReadinessCheck, type YogaServerInstance, type YogaServerOptions } from 'graphql-yoga';
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
  logging?: YogaServerOptions<object, Context>['logging'];
}

export type NewsgraphYoga = YogaServerInstance<object, Context>;

export function createServer({ kb, exposeErrorDetails = false, logging = true }: ServerOptions): NewsgraphYoga {
  return createYoga<object, Context>({
    schema,
    context: () => ({ ...initContextCache(), ...createContext(kb) }),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    batching: false,
    logging,
    graphiql: { title: 'newsgraph · GraphiQL', defaultQuery: exampleQuery },
    renderGraphiQL,
    maskedErrors: {
      isDev: exposeErrorDetails,
      maskError(error, message, isDev) {
        const masked = yogaMaskError(error, message, isDev);
        if (masked instanceof GraphQLError && masked.extensions.code === undefined) {
          return new GraphQLError(masked.message, {
            nodes: masked.nodes,
            path: masked.path,
            extensions: { ...masked.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR },
          });
        }
        return masked;
      },
    },
    plugins: [
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
