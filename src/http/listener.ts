/**
 * The node:http server for the yoga instance: the one place a request enters, from the socket to yoga.
 *
 * Everything that arrives is answered here or handed to yoga as a well-formed Request; nothing a
 * client sends can throw past this module into the process:
 * - The request target decides the route, never the Host header: an origin-form target ("/graphql?…")
 *   is the path, an absolute-form one ("http://host/health") gives its path, "*" is only for
 *   OPTIONS. A Host header that is not a valid authority, or more than one, is a 400 (HTTP/1.1 asks
 *   for it); HTTP/1.0 may leave it out.
 * - Only GET, HEAD, POST and OPTIONS are served (405 with Allow otherwise). HEAD is answered as GET
 *   without the body.
 * - Bodies are read into memory here, declared or chunked, and never past `maxBodyBytes` (413). A body
 *   on a GET, HEAD or OPTIONS is read and dropped. Yoga's own listener is never used: reading the body
 *   here is what let a small query skip yoga's per-request counting stream (about a fifth of its CPU),
 *   and yoga's listener answered a bad Host on a chunked POST with a stack trace.
 * - Every refusal has a coded JSON body, a request id and a log line, like every other answer.
 * - Streamed answers (subscriptions over server-sent events) are written with backpressure; a client
 *   that stops reading for `streamStallTimeoutMs` is disconnected, so it cannot hold memory.
 * - Slow clients are cut off by header, request and keep-alive timeouts, and the server holds at most
 *   `maxConnections` sockets (see `HttpLimits`). Malformed HTTP that Node's parser refuses gets a coded
 *   400 (or 408/413/431) before the socket closes.
 *
 * A POST to the endpoint goes one of three ways, decided here in this order:
 * 1. its answer is in the response cache (src/http/response-cache.ts): sent from here, without yoga,
 *    with the same headers, bytes and log line (see `answerFromCache`);
 * 2. it is a plain query yoga has seen before: run without yoga's pipeline (src/http/plain-query.ts);
 * 3. anything else: handed to yoga as a Request (`respond`), with what the cache said of it.
 * Every other request goes to yoga.
 *
 * The Request carries no AbortSignal tied to the connection: no plugin of this server reads
 * `request.signal` (yoga's execution cancellation is off), so a request whose client went away runs
 * to its end and its response is dropped; a stream is cancelled when its connection closes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { sendNodeResponse } from '@whatwg-node/server';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors.js';
import { pathOf } from '../logging.js';
import type { Newsgraph } from '../server.js';
import type { PlainAnswer } from './plain-query.js';
import { corsAndVaryHeaders } from './request-hygiene.js';
import { ifNoneMatchMatches, type Entry, type Lookup } from './response-cache.js';

/** Limits on what one client can hold of the HTTP server; every one is configurable (src/config.ts). */
export interface HttpLimits {
  /** Largest request body accepted, in bytes (413 beyond). */
  maxBodyBytes: number;
  /** Time a client has to send the request headers (408 and closed beyond). */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request, body included (408 and closed beyond). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open between requests. */
  keepAliveTimeoutMs: number;
  /** Most open connections; more are closed as they arrive. */
  maxConnections: number;
  /** A streamed answer whose client reads nothing for this long is disconnected. */
  streamStallTimeoutMs: number;
}

export const defaultHttpLimits: HttpLimits = {
  // A query needs a few KB; a curator's createSource carries a whole article (MAX_SOURCE_TEXT_LENGTH characters, up to three bytes each).
  maxBodyBytes: 200_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
  streamStallTimeoutMs: 30_000,
};

/** A node:http request listener, with counts of the responses it sent itself: from the response cache, and plain queries run without yoga. */
export type NodeListener = ((request: IncomingMessage, response: ServerResponse) => void) & { readonly stats: { readonly answeredFromCache: number; readonly answeredPlainly: number } };

/** Requests whose whole body was read here, within the limit. */
const bodiesRead = new WeakSet<Request>();

const CONTENT_LENGTH = /^\d+$/;
const SERVED_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS'];
const ALLOW = SERVED_METHODS.join(', ');
/** RFC 3986 authority as a Host header carries it: a registered name, IPv4 or an IP literal, and an optional port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(?::\d{1,5})?$/;
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** A refusal the listener answers itself: status, message and the extra headers it needs. */
class HttpRefusal {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly message: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/**
 * The origin and path of a request, from its Host header and request target, as text; throws
 * HttpRefusal when they are not valid. `hostForms` says whether a Host header forms a valid URL:
 * once it does, any path after it does too (WHATWG's URL parser escapes what a path may not hold and
 * never fails there), so the URL itself is parsed only for the requests that reach yoga.
 */
function urlOf(request: IncomingMessage, hostForms: (host: string) => boolean): string {
  const target = request.url ?? '';
  let hosts = 0;
  for (let i = 0; i < request.rawHeaders.length; i += 2) if (request.rawHeaders[i]!.toLowerCase() === 'host') hosts += 1;
  if (hosts > 1) throw new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'The request has more than one Host header');
  const host = request.headers.host;
  if (host === undefined && request.httpVersionMajor === 1 && request.httpVersionMinor >= 1) {
    throw new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'An HTTP/1.1 request needs a Host header');
  }
  if (host !== undefined && !HOST.test(host)) throw new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'The Host header is not a valid host and port');
  let path: string;
  if (target.startsWith('/')) {
    path = target;
  } else if (ABSOLUTE_FORM.test(target)) {
    let absolute: URL;
    try {
      absolute = new URL(target);
    } catch {
      throw new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'The request target is not a valid URL');
    }
    if (absolute.protocol !== 'http:' && absolute.protocol !== 'https:') throw new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'The request target must be an http(s) URL or a path');
    path = `${absolute.pathname}${absolute.search}`;
  } else {
    throw new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'The request target must be a path such as /graphql');
  }
  // The host only names the origin yoga sees; the route comes from `path` alone, whatever the host says.
  if (!hostForms(host || 'localhost')) throw new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'The Host header and request target do not form a valid URL');
  return `http://${host || 'localhost'}${path}`;
}

/** Most Host headers remembered as forming a valid URL: a server hears a handful; a client inventing them only empties the memo. */
const MAX_HOSTS_REMEMBERED = 64;

function refusalBody(refusal: HttpRefusal): string {
  return JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
}

/**
 * Writes a body to the socket as it is produced, waiting whenever the socket's buffer is full. A
 * client that reads nothing for `stallTimeoutMs` is disconnected; a closed connection cancels the
 * stream, which ends the subscription behind it.
 */
async function streamBody(body: ReadableStream<Uint8Array>, response: ServerResponse, stallTimeoutMs: number): Promise<void> {
  const reader = body.getReader();
  let closed = false;
  response.once('close', () => {
    closed = true;
    reader.cancel().catch(() => {});
  });
  const drained = () =>
    new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        response.off('drain', onDrain);
        response.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      const timer = setTimeout(() => done(false), stallTimeoutMs);
      response.once('drain', onDrain);
      response.once('close', onClose);
    });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || closed) break;
      if (!response.write(value) && !(await drained())) {
        response.destroy();
        return;
      }
    }
  } catch {
    // The stream failed mid-way: what was sent stands; the client sees the connection end.
    response.destroy();
    return;
  }
  if (!closed) response.end();
}

/**
 * A node:http listener for `yoga`. Pair it with `useRequestBodyLimit(limits.maxBodyBytes)` in yoga's
 * plugins, which applies the same limit to requests that arrive by `yoga.fetch`.
 */
export function createNodeListener({ yoga, responseCache, requestLog: log, metrics, corsHeaders, handle: handleWithYoga, plainQueries }: Newsgraph, limits: Pick<HttpLimits, 'maxBodyBytes' | 'streamStallTimeoutMs'> = defaultHttpLimits): NodeListener {
  const stats = { answeredFromCache: 0, answeredPlainly: 0 };
  const { Request, URL: URLImpl } = yoga.fetchAPI;
  /**
   * A Request for `url` that holds the URL parsed: yoga's adapter reads `request.parsedUrl` on every
   * request, which parses the text a second time unless the Request was given its parsed form
   * (`_parsedUrl`, what @whatwg-node/node-fetch sets when a Request is made from a URL object; the
   * text is kept as the Request's `url`, exactly as the client sent it).
   */
  const requestFor = (url: string, init: RequestInit): Request => {
    const request = new Request(url, init);
    const holder = request as unknown as { _parsedUrl?: URL };
    if ('_parsedUrl' in holder && holder._parsedUrl == null) holder._parsedUrl = new URLImpl(url);
    return request;
  };
  const hostsForming = new Set<string>();
  const hostForms = (host: string): boolean => {
    if (hostsForming.has(host)) return true;
    try {
      new URLImpl(`http://${host}/`);
    } catch {
      return false;
    }
    if (hostsForming.size >= MAX_HOSTS_REMEMBERED) hostsForming.clear();
    hostsForming.add(host);
    return true;
  };

  /** Answers a refusal with a coded JSON body, logged like any other request. */
  const refuse = (nodeRequest: IncomingMessage, nodeResponse: ServerResponse, refusal: HttpRefusal) => {
    if (nodeResponse.headersSent) {
      nodeResponse.destroy();
      return;
    }
    const state = log.start(nodeRequest.headers['x-request-id'] as string | undefined);
    const body = refusalBody(refusal);
    const requestHeaders = nodeRequest.headers as Record<string, string | undefined>;
    const headers: Record<string, string> = {
      ...corsHeaders((name) => requestHeaders[name]),
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      ...refusal.headers,
      'x-request-id': state.id,
    };
    nodeResponse.writeHead(refusal.status, headers);
    nodeResponse.end(body);
    log.finish(state, nodeRequest.method ?? '', pathOf(nodeRequest.url ?? ''), refusal.status);
    metrics?.countError(refusal.code);
  };

  /**
   * A response-cache hit, sent as yoga would send it (the same headers, bytes and log line) without
   * building a Request, running the plugin hooks or a Response: for a small answer that pipeline cost
   * three to four times what sending the bytes does. Only for POSTs to the endpoint itself with no
   * query string: for those the hooks that run before the cache in yoga (request hygiene, CSRF
   * prevention, the explorer, health and readiness routes) either do nothing or depend only on what the
   * cache key holds (method, Accept, Content-Type, the CSRF header), so a request that finds an entry is
   * one they let through before. CORS refuses nothing on a POST; it only adds headers, which
   * `corsAndVary` holds (a browser frontend sends an Origin with every POST).
   */
  const answerFromCache = (nodeResponse: ServerResponse, headers: Record<string, string>, entry: Entry, corsAndVary: readonly string[]) => {
    const state = log.start(headers['x-request-id']);
    stats.answeredFromCache += 1;
    if (ifNoneMatchMatches(headers['if-none-match'], entry.etag)) {
      nodeResponse.writeHead(304, ['content-type', entry.contentType, 'etag', entry.etag, ...corsAndVary, 'x-cache', 'hit', 'x-request-id', state.id]);
      nodeResponse.end();
      log.finish(state, 'POST', yoga.graphqlEndpoint, 304);
    } else {
      nodeResponse.writeHead(200, ['content-type', entry.contentType, 'etag', entry.etag, ...corsAndVary, 'x-cache', 'hit', 'content-length', String(entry.body.byteLength), 'x-request-id', state.id]);
      nodeResponse.end(entry.body);
      log.finish(state, 'POST', yoga.graphqlEndpoint, 200);
    }
    metrics?.observeQueryAnswer(entry.operationName, Number(process.hrtime.bigint() - state.startedAt) / 1e9);
  };

  /** Sends the answer to a plain query the runner made without yoga (src/http/plain-query.ts). */
  const sendPlainAnswer = (nodeResponse: ServerResponse, answer: PlainAnswer) => {
    stats.answeredPlainly += 1;
    nodeResponse.writeHead(answer.status, answer.headers);
    nodeResponse.end(answer.body);
    log.finish(answer.log, 'POST', yoga.graphqlEndpoint, answer.status);
    metrics?.observeQueryAnswer(answer.operationName, Number(process.hrtime.bigint() - answer.log.startedAt) / 1e9);
  };

  /** What the response cache says of a POST to the endpoint: asked once here, and handed on to yoga's side of the cache. */
  const lookUp = (target: string, headers: Record<string, string>, body: Buffer | undefined): Lookup | undefined => {
    if (!responseCache || !body) return undefined;
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    if (path !== yoga.graphqlEndpoint) return undefined;
    return responseCache.lookup(queryAt === -1 ? '' : target.slice(queryAt), (name) => headers[name], body);
  };

  const respond = async (nodeRequest: IncomingMessage, nodeResponse: ServerResponse, request: Request) => {
    const response = await handleWithYoga(request, nodeRequest.socket.remoteAddress);
    const type = response.headers.get('content-type') ?? '';
    if (response.body && (type.startsWith('text/event-stream') || type.startsWith('multipart/mixed'))) {
      nodeResponse.writeHead(response.status, Object.fromEntries(response.headers));
      // A HEAD gets the headers only: the stream is not started.
      if (nodeRequest.method === 'HEAD') {
        await response.body.cancel();
        nodeResponse.end();
        return;
      }
      await streamBody(response.body, nodeResponse, limits.streamStallTimeoutMs);
      return;
    }
    await sendNodeResponse(response, nodeResponse, nodeRequest, true);
  };

  /** Reads the whole body, up to the limit; resolves with it, or with a refusal when it is too large. */
  const readBody = (nodeRequest: IncomingMessage): Promise<Buffer | HttpRefusal> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const onData = (chunk: Buffer) => {
        length += chunk.byteLength;
        if (length > limits.maxBodyBytes) {
          nodeRequest.off('data', onData);
          resolve(tooLarge(limits.maxBodyBytes));
          return;
        }
        chunks.push(chunk);
      };
      nodeRequest.on('data', onData);
      nodeRequest.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)));
      nodeRequest.once('error', reject);
    });

  const handle = async (nodeRequest: IncomingMessage, nodeResponse: ServerResponse) => {
    const method = nodeRequest.method ?? '';
    const headers = nodeRequest.headers as Record<string, string>;
    if (!SERVED_METHODS.includes(method)) {
      throw new HttpRefusal(405, ErrorCode.BAD_REQUEST, `The method ${method.slice(0, 20)} is not served; use GET or POST`, { allow: ALLOW, connection: 'close' });
    }
    if (nodeRequest.url === '*') {
      if (method !== 'OPTIONS') throw new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'The request target "*" is only for OPTIONS');
      nodeResponse.writeHead(204, { allow: ALLOW });
      nodeResponse.end();
      return;
    }
    const url = urlOf(nodeRequest, hostForms);
    const declared = headers['content-length'];
    if (declared !== undefined && !CONTENT_LENGTH.test(declared)) throw new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'Content-Length header is invalid.', { connection: 'close' });
    if (declared !== undefined && Number(declared) > limits.maxBodyBytes) throw tooLarge(limits.maxBodyBytes);
    const hasBody = (declared !== undefined && declared !== '0') || headers['transfer-encoding'] !== undefined;
    const body = hasBody ? await readBody(nodeRequest) : undefined;
    if (body instanceof HttpRefusal) throw body;
    if (method !== 'POST') {
      // A body on GET, HEAD or OPTIONS means nothing here (and a Request cannot carry one); it was read to keep the connection usable.
      await respond(nodeRequest, nodeResponse, requestFor(url, { method: method === 'HEAD' ? 'GET' : method, headers }));
      return;
    }
    const found = lookUp(nodeRequest.url ?? '', headers, body);
    if (found?.entry && nodeRequest.url === yoga.graphqlEndpoint) {
      const corsAndVary = corsAndVaryHeaders(corsHeaders, headers);
      if (corsAndVary) {
        answerFromCache(nodeResponse, headers, found.entry, corsAndVary);
        return;
      }
    }
    // A hit the listener does not send (an Origin beyond ASCII, a query string) is yoga's, from the entry.
    if (body && !found?.entry && isPlainQueryTarget(nodeRequest.url ?? '', yoga.graphqlEndpoint)) {
      const answer = await plainQueries.run(headers, body, found, nodeRequest.socket.remoteAddress);
      if (answer) {
        sendPlainAnswer(nodeResponse, answer);
        return;
      }
    }
    const request = requestFor(url, body ? { method, headers, body: body as Uint8Array<ArrayBuffer> } : { method, headers });
    bodiesRead.add(request);
    if (found) responseCache!.handOn(request, found);
    await respond(nodeRequest, nodeResponse, request);
  };

  const listener = (nodeRequest: IncomingMessage, nodeResponse: ServerResponse) => {
    handle(nodeRequest, nodeResponse).catch((error: unknown) => {
      if (error instanceof HttpRefusal) {
        refuse(nodeRequest, nodeResponse, error);
        return;
      }
      // The client went away mid-way (an aborted upload, a closed socket): nobody is left to answer.
      if (nodeRequest.destroyed || nodeResponse.destroyed) {
        nodeResponse.destroy();
        return;
      }
      // A bug: this request ends here, coded and logged, and the server goes on.
      if (!nodeResponse.headersSent) {
        refuse(nodeRequest, nodeResponse, new HttpRefusal(500, ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.', { connection: 'close' }));
      } else {
        nodeResponse.destroy();
      }
      console.error('newsgraph: a request failed outside yoga:', error);
    });
  };
  return Object.assign(listener, { stats: stats as Readonly<typeof stats> });
}

/**
 * Whether a POST to this target may be a plain query (src/http/plain-query.ts): one to the endpoint
 * in origin form, whatever its query string (a POST's parameters are in its body; clients add one to bust caches),
 * except a target that ends like the health or readiness route, which yoga answers as that route.
 */
function isPlainQueryTarget(target: string, graphqlEndpoint: string): boolean {
  // Origin-form only ("/graphql?…"), as the response cache looks requests up.
  return target.startsWith('/') && pathOf(target) === graphqlEndpoint && !target.endsWith('/health') && !target.endsWith('/ready');
}

function tooLarge(limit: number): HttpRefusal {
  return new HttpRefusal(413, ErrorCode.REQUEST_ENTITY_TOO_LARGE, `Request body too large: the limit is ${limit} bytes`, { connection: 'close' });
}

/** What Node's HTTP parser refused, answered as the listener answers its own refusals (a coded JSON body). */
function clientErrorAnswer(error: NodeJS.ErrnoException): HttpRefusal {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpRefusal(408, ErrorCode.BAD_REQUEST, 'The request took too long to arrive');
    case 'HPE_HEADER_OVERFLOW':
      return new HttpRefusal(431, ErrorCode.BAD_REQUEST, 'The request headers are too large');
    default:
      return new HttpRefusal(400, ErrorCode.BAD_REQUEST, 'The request is not valid HTTP');
  }
}

const reasonPhrases: Record<number, string> = { 400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** Writes a refusal straight to a socket Node's HTTP layer has given up on, and closes it. */
function answerOnSocket(socket: Socket, refusal: HttpRefusal): void {
  const body = refusalBody(refusal);
  const extra = Object.entries(refusal.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reasonPhrases[refusal.status] ?? 'Bad Request'}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`,
  );
}

/**
 * The HTTP server: `createNodeListener` with every limit of `HttpLimits` applied. Node's own defaults
 * let a stalled body hold a connection for five minutes and slow headers for a minute, without a cap
 * on connections.
 */
export function createHttpServer(newsgraph: Newsgraph, limits: HttpLimits = defaultHttpLimits): Server & { listener: NodeListener } {
  const listener = createNodeListener(newsgraph, limits);
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // The listener refuses a missing Host itself, with a coded body (Node's own 400 has none).
      requireHostHeader: false,
      // Node checks the header and request timeouts at this interval (30 s by default, which would
      // stretch a 10 s limit to 40).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
    },
    listener,
  );
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && socket.destroyed)) {
      socket.destroy();
      return;
    }
    const refusal = clientErrorAnswer(error);
    answerOnSocket(socket, refusal);
    newsgraph.metrics?.countError(refusal.code);
  });
  // CONNECT never reaches the request listener: Node hands it over as a raw socket, and would drop it unanswered.
  server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    answerOnSocket(socket, new HttpRefusal(405, ErrorCode.BAD_REQUEST, 'The method CONNECT is not served; use GET or POST', { allow: ALLOW }));
    newsgraph.metrics?.countError(ErrorCode.BAD_REQUEST);
  });
  return Object.assign(server, { listener });
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
      if (bodiesRead.has(request)) return;
      const declared = request.headers.get('content-length');
      if (declared != null) {
        if (!CONTENT_LENGTH.test(declared)) {
          throw createGraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });
        }
        if (Number(declared) > limit) throw requestBodyTooLarge();
      }
      if (requestParser == null || request.body == null) return;
      setRequestParser((original) => {
        const body = original.body;
        if (!body) return requestParser(original);
        // A body of unknown length (a fetch() caller's stream) is counted as it is read.
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
