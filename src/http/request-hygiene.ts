/**
 * HTTP-level checks yoga answers badly: an unsupported Content-Type or Accept gets an empty 415/406
 * body, and a GET whose `variables` or `extensions` parameter is not JSON throws past its parser into
 * a 500. Here each gets a JSON body with a coded error, like every other rejection; so does any other
 * error yoga sends without a body (a subscription asked for as JSON, a method yoga refuses). Answers
 * of the GraphQL endpoint say that they vary with Accept (GraphiQL's page or JSON, and which JSON).
 */
import type { Plugin } from 'graphql-yoga';
import { codeForHttpStatus, ErrorCode } from '../errors.js';
import { pathOf } from '../logging.js';

/** Request body types yoga parses. */
const parsedContentTypes = ['application/json', 'application/graphql+json', 'application/graphql-response+json', 'application/graphql', 'application/x-www-form-urlencoded', 'multipart/form-data'];
/** Types a browser sends without a CORS preflight; without the CSRF header the CSRF check answers them (403). */
const simpleContentTypes = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];
/** Response types the server can produce. */
const producibleTypes = ['application/json', 'application/graphql-response+json', 'text/event-stream', 'multipart/mixed', 'text/html'];

function mediaType(header: string | null): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether an Accept header allows anything we produce (wildcards included); an empty one allows anything. */
export function acceptsSomething(accept: string): boolean {
  if (accept.trim() === '') return true;
  return accept.split(',').some((part) => {
    const type = mediaType(part);
    return type === '*/*' || type === 'application/*' || type === 'text/*' || type === 'multipart/*' || producibleTypes.includes(type);
  });
}

/** What an error status that came without a body means, for the coded body it is given. */
function messageForStatus(status: number): string {
  if (status === 406) return 'Not Acceptable: a subscription is answered as text/event-stream; send Accept: text/event-stream';
  if (status === 405) return 'Method Not Allowed: use GET or POST';
  if (status === 404) return 'Not Found';
  return `The request was refused (HTTP ${status})`;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** What an answer to a request without an Origin carries: no CORS headers (yoga sends none either), Vary: Accept. */
const VARY_ACCEPT: readonly string[] = ['vary', 'Accept'];

/**
 * The CORS and Vary headers of an answer the listener sends itself (a cache hit, a plain query) to a
 * request to the endpoint, as names and values in turn: what yoga's CORS handling and this plugin's
 * Vary add to its answers. Undefined for an Origin with bytes beyond ASCII, which reaches yoga as
 * UTF-8 and would be echoed here as Latin-1: such a request is yoga's to answer.
 */
export function corsAndVaryHeaders(
  corsHeaders: (header: (name: string) => string | undefined) => Record<string, string>,
  headers: Record<string, string | undefined>,
): readonly string[] | undefined {
  if (headers.origin === undefined) return VARY_ACCEPT;
  if (!PRINTABLE_ASCII.test(headers.origin)) return undefined;
  const cors = corsHeaders((name) => headers[name]);
  const answer: string[] = [];
  let vary = 'Accept';
  for (const name in cors) {
    if (name.toLowerCase() === 'vary') vary = `${cors[name]}, Accept`;
    else answer.push(name, cors[name]!);
  }
  answer.push('vary', vary);
  return answer;
}

export function useRequestHygiene(graphqlEndpoint: string, csrfHeader: string): Plugin {
  return {
    onResponse({ request, response, setResponse, fetchAPI }) {
      let headers = response.headers;
      if (response.status >= 400 && response.body === null) {
        headers = new fetchAPI.Headers(response.headers);
        headers.set('content-type', 'application/json; charset=utf-8');
        headers.delete('content-length');
        const body = { errors: [{ message: messageForStatus(response.status), extensions: { code: codeForHttpStatus(response.status) } }] };
        setResponse(new fetchAPI.Response(JSON.stringify(body), { status: response.status, headers }));
      }
      if (pathOf(request.url) === graphqlEndpoint) {
        const vary = headers.get('vary');
        if (!vary || !/(?:^|,)\s*accept\s*(?:,|$)/i.test(vary)) headers.set('vary', vary ? `${vary}, Accept` : 'Accept');
      }
    },
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== graphqlEndpoint) return;
      const reject = (status: number, message: string) =>
        endResponse(fetchAPI.Response.json({ errors: [{ message, extensions: { code: ErrorCode.BAD_REQUEST } }] }, { status }));

      const accept = request.headers.get('accept');
      if (accept !== null && !acceptsSomething(accept)) {
        reject(406, `Not Acceptable: the server answers with application/graphql-response+json or application/json, not "${accept.slice(0, 100)}"`);
        return;
      }
      if (request.method === 'POST') {
        const header = request.headers.get('content-type');
        const type = mediaType(header);
        // No Content-Type at all is yoga's to answer (400, as the GraphQL-over-HTTP spec asks).
        const leaveToYoga = header === null || (simpleContentTypes.includes(type) && !request.headers.has(csrfHeader));
        if (!parsedContentTypes.includes(type) && !leaveToYoga) {
          reject(415, `Unsupported Media Type: send the request as application/json, not "${(header ?? '').slice(0, 100)}"`);
        } else if (header !== null && parsedContentTypes.includes(type) && !header.startsWith(type)) {
          // Media types are case-insensitive ("APPLICATION/JSON"), yoga's parser selection is not.
          request.headers.set('content-type', header.toLowerCase());
        }
        return;
      }
      if (request.method === 'GET') {
        for (const name of ['variables', 'extensions']) {
          const value = url.searchParams.get(name);
          if (value === null || value === '') continue;
          try {
            JSON.parse(value);
          } catch {
            reject(400, `The "${name}" parameter must be JSON`);
            return;
          }
        }
      }
    },
  };
}
