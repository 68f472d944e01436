/**
 * The engine floor: the production schema executed by plain graphql-js on a bare `node:http` server,
 * with a fresh per-request context (`createContext`, as production builds it). Documents are parsed and
 * validated once per distinct query text (every real server caches this; doing it per request would
 * measure the parser, not the engine). No limits, masking, logging, CORS or plugins.
 */
import { createServer } from 'node:http';
import { execute, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import { schema } from '../../src/schema/index.js';
import { announceListening, contextFor, exitOnSignal, listenConfig, loadBenchKnowledgeBase, readBody } from '../lib.js';

interface GraphQLParams {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

const kb = await loadBenchKnowledgeBase();
const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();

function prepare(query: string): DocumentNode | readonly GraphQLError[] {
  let prepared = documents.get(query);
  if (prepared === undefined) {
    try {
      const document = parse(query);
      const errors = validate(schema, document);
      prepared = errors.length > 0 ? errors : document;
    } catch (error) {
      prepared = [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    if (documents.size < 1000) documents.set(query, prepared);
  }
  return prepared;
}

function send(response: import('node:http').ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) }).end(body);
}

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/graphql') {
    send(response, 404, { errors: [{ message: 'POST /graphql only' }] });
    return;
  }
  readBody(request)
    .then(async (body) => {
      const params = JSON.parse(body) as GraphQLParams;
      if (typeof params.query !== 'string') return send(response, 400, { errors: [{ message: 'no query' }] });
      const prepared = prepare(params.query);
      if (!('kind' in prepared)) return send(response, 400, { errors: prepared });
      const result = await execute({
        schema,
        document: prepared,
        variableValues: (params.variables ?? undefined) as Record<string, unknown> | undefined,
        operationName: typeof params.operationName === 'string' ? params.operationName : undefined,
        contextValue: contextFor(kb),
      });
      send(response, 200, result);
    })
    .catch((error: unknown) => send(response, 500, { errors: [{ message: String(error) }] }));
});

const { port, host } = listenConfig();
server.listen(port, host, () => {
  const address = server.address();
  announceListening('graphql-js', typeof address === 'object' && address ? address.port : port);
});
exitOnSignal(() => new Promise((resolve) => server.close(resolve)));
