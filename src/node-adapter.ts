/**
 * The node:http request listener for the yoga server, and the request-body limit that goes with it.
 *
 * Yoga's own listener (@whatwg-node/server) hands yoga every request body as a stream, and yoga's
 * `maxRequestBodySize` pipes that stream through a counting TransformStream and builds a second Request
 * around it: for a body of a few hundred bytes, a stream pipeline, a Duplex, a WritableStream whose
 * close aborts an AbortController (building a DOMException with a stack trace), and the garbage of all
 * of it. That was about a fifth of the CPU of a small query that misses the response cache.
 *
 * Here a request whose body length is declared (a valid Content-Length within the limit, the way every
 * GraphQL client sends it) is read into one Buffer, which is then the body of a plain Request: Node's
 * HTTP parser delivers exactly Content-Length bytes, so the limit holds without counting. Everything
 * else (GET, HEAD and OPTIONS go the short way too, having no body) goes to yoga's own listener
 * unchanged: chunked bodies, a missing, malformed or too-large Content-Length, each answered exactly as
 * before. `useRequestBodyLimit` replaces yoga's `maxRequestBodySize` with the same checks and errors,
 * skipping the counting stream only for bodies this listener has read.
 *
 * A POST whose answer is in the response cache (src/response-cache.ts) is answered here, without
 * yoga: the same headers, bytes and log line, at a fraction of the cost (see `answerFromCache`).
 *
 * The Request carries no AbortSignal tied to the connection: no plugin of this server reads
 * `request.signal` (yoga's execution cancellation is off), so a request whose client went away runs
 * to its end, as it did with yoga's listener, and its response is dropped.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { sendNodeResponse } from '@whatwg-node/server';
import { createGraphQLError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { requestLogOf } from './logging.js';
import { cachedAnswersOf, type Entry } from './response-cache.js';

/** A node:http request listener, with a count of the responses it sent from the response cache itself. */
export type NodeListener = RequestListener & { readonly stats: { readonly answeredFromCache: number } };

/** Requests whose whole body was read here, within the limit. */
const bodiesRead = new WeakSet<Request>();

const CONTENT_LENGTH = /^\d+$/;

/** The request's URL as @whatwg-node/server builds it for yoga from the Host header (plain HTTP: TLS ends before this server). */
function urlOf(request: IncomingMessage, host: string): string {
  return `http://${host}${request.url ?? '/'}`;
}

/**
 * A node:http listener for `yoga` that reads declared bodies of at most `maxBodyBytes` into memory;
 * every other request goes to yoga's own listener. Pair it with `useRequestBodyLimit(maxBodyBytes)`.
 */
export function createNodeListener<ServerContext extends object, UserContext extends object>(
  yoga: YogaServerInstance<ServerContext, UserContext>,
  maxBodyBytes: number,
): NodeListener {
  const stats = { answeredFromCache: 0 };
  const { Request } = yoga.fetchAPI;
  const answers = cachedAnswersOf(yoga);
  const log = requestLogOf(yoga);

  /**
   * A response-cache hit, sent as yoga would send it (the same headers, bytes and log line) without
   * building a Request, running the plugin hooks or a Response: for a small answer that pipeline cost
   * three to four times what sending the bytes does. Only asked for POSTs to the endpoint itself with no
   * query string and no Origin header: for those the hooks that run before the cache in yoga (request
   * hygiene, CSRF prevention, CORS, the explorer, health and readiness routes) either do nothing or
   * depend only on what the cache key holds (method, Accept, Content-Type, the CSRF header), so a
   * request that finds an entry is one they let through before.
   */
  const answerFromCache = (nodeRequest: IncomingMessage, nodeResponse: ServerResponse, headers: Record<string, string>, body: Uint8Array): boolean => {
    if (!answers || !log || nodeRequest.url !== yoga.graphqlEndpoint || headers.origin !== undefined) return false;
    const entry: Entry | undefined = answers.lookup('POST', (name) => headers[name], body);
    if (!entry) return false;
    const state = log.start(headers['x-request-id']);
    stats.answeredFromCache += 1;
    if (headers['if-none-match'] === entry.etag) {
      nodeResponse.writeHead(304, ['content-type', entry.contentType, 'etag', entry.etag, 'x-cache', 'hit', 'x-request-id', state.id]);
      nodeResponse.end();
      log.finish(state, 'POST', yoga.graphqlEndpoint, 304);
    } else {
      nodeResponse.writeHead(200, ['content-type', entry.contentType, 'etag', entry.etag, 'x-cache', 'hit', 'content-length', String(entry.body.byteLength), 'x-request-id', state.id]);
      nodeResponse.end(entry.body);
      log.finish(state, 'POST', yoga.graphqlEndpoint, 200);
    }
    return true;
  };

  const respond = (nodeRequest: IncomingMessage, nodeResponse: ServerResponse, request: Request) => {
    const serverContext = { req: nodeRequest, res: nodeResponse } as unknown as ServerContext;
    Promise.resolve(yoga.handleRequest(request, serverContext))
      .then((response) => sendNodeResponse(response, nodeResponse, nodeRequest, true))
      .catch((error: unknown) => {
        // yoga answers its own errors; this is a failure to write the response (the socket went away).
        if (!nodeResponse.headersSent) nodeResponse.writeHead(500);
        nodeResponse.end();
        console.error('newsgraph: could not send a response:', error);
      });
  };

  const listener: RequestListener = (nodeRequest, nodeResponse) => {
    const method = nodeRequest.method ?? 'GET';
    const headers = nodeRequest.headers as Record<string, string>;
    const host = headers.host;
    // HTTP/1.0 without a Host header: yoga's listener derives a URL from the socket.
    if (!host) {
      yoga(nodeRequest, nodeResponse);
      return;
    }
    if ((method === 'GET' || method === 'HEAD' || method === 'OPTIONS') && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      respond(nodeRequest, nodeResponse, new Request(urlOf(nodeRequest, host), { method, headers }));
      return;
    }
    const declared = headers['content-length'];
    if (method !== 'POST' || declared === undefined || !CONTENT_LENGTH.test(declared) || declared === '0' || Number(declared) > maxBodyBytes || headers['transfer-encoding'] !== undefined) {
      yoga(nodeRequest, nodeResponse);
      return;
    }
    const length = Number(declared);
    const chunks: Buffer[] = [];
    nodeRequest.on('data', (chunk: Buffer) => chunks.push(chunk));
    nodeRequest.once('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
      if (answerFromCache(nodeRequest, nodeResponse, headers, body)) return;
      const request = new Request(urlOf(nodeRequest, host), { method, headers, body: body as Uint8Array<ArrayBuffer> });
      bodiesRead.add(request);
      respond(nodeRequest, nodeResponse, request);
    });
    // An aborted upload: the client is gone and there is no one to answer.
    nodeRequest.once('error', () => nodeResponse.destroy());
  };
  return Object.assign(listener, { stats: stats as Readonly<typeof stats> });
}

function requestBodyTooLarge() {
  return createGraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });
}

/**
 * Yoga's `maxRequestBodySize` (set it to false when using this), with the same checks and errors: a
 * malformed Content-Length is a 400, a declared or actual body over `limit` bytes a 413. A body
 * `createNodeListener` read is within the limit already and is not streamed through a counter again.
 * Must come after every plugin that registers a request parser, as yoga's own does.
 */
export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared != null) {
        if (!CONTENT_LENGTH.test(declared)) {
          throw createGraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });
        }
        if (Number(declared) > limit) throw requestBodyTooLarge();
      }
      if (bodiesRead.has(request) || requestParser == null || request.body == null) return;
      setRequestParser((original) => {
        const body = original.body;
        if (!body) return requestParser(original);
        // A body of unknown length (chunked, or a fetch() caller's stream) is counted as it is read.
        const TransformStreamCtor = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
        let bytesRead = 0;
        const counted = body.pipeThrough(
          new TransformStreamCtor<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              bytesRead += chunk.byteLength;
              if (bytesRead > limit) {
                controller.error(requestBodyTooLarge());
                return;
              }
              controller.enqueue(chunk);
            },
          }),
        );
        return requestParser(
          new fetchAPI.Request(original.url, { method: original.method, headers: original.headers, signal: original.signal, body: counted, duplex: 'half' } as RequestInit),
        );
      });
    },
  };
}
