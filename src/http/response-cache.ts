/**
 * A cache of whole responses for the read-only API, keyed to the dataset version. A hit is answered
 * with the stored bytes before yoga parses, validates, executes or serialises anything; every cached
 * response carries an ETag, and a request whose If-None-Match matches gets 304 with no body.
 *
 * Why not @graphql-yoga/plugin-response-cache: it caches execution results, so every hit is still
 * serialised again, and its default time-to-live is infinite. Here the dataset version is part of
 * every key (a reload with new data never serves old answers) and entries expire after `ttlMs`.
 */
import { hash } from 'node:crypto';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Snapshot } from '../kb/snapshot.js';
import type { KnowledgeStore } from '../store/knowledge-store.js';

export interface ResponseCacheOptions {
  /**
   * Most responses kept. When the cache is full, a newcomer takes the place of the least recently used
   * entry only if it has been asked for more often lately (see `halfLifeMs`); else it is not kept.
   */
  maxEntries: number;
  /** How long a response is served from the cache. */
  ttlMs: number;
  /** Largest response body kept, in bytes. */
  maxEntryBytes: number;
  /** Most bytes kept in all; beyond it, as beyond `maxEntries`. */
  maxTotalBytes: number;
  /**
   * An answer is kept once its request has been answered this many times (2: on its first repeat).
   * Keeping an answer (encoding it, hashing its ETag) cost about 90 us, paid in vain by the one-off
   * requests real traffic is full of: a new page, a filter typed once. A request that carries
   * If-None-Match is kept on its first answer, since its client is already revalidating (a full cache
   * still keeps it only as `maxEntries` says: a header must not let anyone flush the cache).
   */
  admitAfter: number;
  /**
   * How fast an entry's count of requests fades while nobody asks for it: halved once per this many
   * milliseconds without a request. The count decides whether a newcomer may displace it, so an answer
   * popular an hour ago does not hold its place against today's, and counts stop at 15 so fading one
   * takes four half-lives at most.
   */
  halfLifeMs: number;
}

export const defaultResponseCacheOptions: ResponseCacheOptions = { maxEntries: 1000, ttlMs: 5 * 60_000, maxEntryBytes: 1_000_000, maxTotalBytes: 64_000_000, admitAfter: 2, halfLifeMs: 10_000 };

export interface Entry {
  /** The encoded bytes: re-encoding a stored string on every hit took a third of a hit's time. */
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
  etag: string;
  expiresAt: number;
  /** The name of the query this answers (undefined for an anonymous one): the metrics' label for a hit. */
  operationName?: string;
  /** How many times its request has been asked for (at most `MOST_ASKS`), as of `askedAt`; it fades as `halfLifeMs` says. */
  asks: number;
  askedAt: number;
}

/**
 * Where the count of requests stops: TinyLFU's four-bit counters. A higher ceiling would only make a
 * once-popular answer take longer to fade.
 */
const MOST_ASKS = 15;

/** Request headers that change the response: the key must include them. */
const varyingHeaders = ['accept', 'content-type', 'x-graphql-yoga-csrf'] as const;

/**
 * Requests up to this size (query string, varying headers and body) are their own key; larger ones
 * are hashed. Hashing a small query's key (SHA-256 of a few hundred bytes, copied into one buffer
 * first) cost 2–3 us of every miss, while a Map hashes a string key of this size in a fraction of that.
 */
const RAW_KEY_BYTES = 2048;

const EMPTY_BODY = new Uint8Array(0);

function etagOf(body: Uint8Array): string {
  return `"${hash('sha256', body, 'base64url').slice(0, 27)}"`;
}

/**
 * Whether an If-None-Match header matches `etag`, as RFC 9110 (13.1.2) reads it: `*` matches any
 * stored answer, a list matches when any of its entity tags does, and weak tags (`W/"…"`) compare by
 * their opaque part.
 */
export function ifNoneMatchMatches(header: string | null | undefined, etag: string): boolean {
  if (header == null) return false;
  if (header.trim() === '*') return true;
  for (const tag of header.split(',')) {
    const opaque = tag.trim().replace(/^W\//, '');
    if (opaque === etag) return true;
  }
  return false;
}

const textEncoder = new TextEncoder();

/** A curator's requests (any Authorization header) are never answered from the cache: a mutation must run, and a bad token must be refused. */
function isCurators(authorization: string | null | undefined): boolean {
  return authorization != null;
}

/** Where the cache learns which data a request reads. */
export interface ResponseCacheData {
  /** The snapshot a request reads; its version is part of the key. */
  snapshotFor: (request: Request) => Snapshot;
  /** The current snapshot, for hits answered before yoga sees the request (src/http/listener.ts). */
  current: () => Snapshot;
  /** With a store, entries are dropped when the data changes (they could never be hit again). */
  store?: KnowledgeStore;
}

/** What the cache said of a request the listener asked about: its key, the dataset version the key is for, and the live entry if there is one. */
export interface Lookup {
  key: string;
  version: string;
  entry?: Entry;
}

/** What the cache has done so far, and holds now (the metrics read them when scraped). */
export interface ResponseCacheStats {
  /** Requests looked up: each counts once, as a hit (answered from an entry, 304s included) or a miss. */
  readonly hits: number;
  readonly misses: number;
  /** Answers to misses: kept; not kept because their request has not been asked for often enough yet (`admitAfter`); not kept because the cache is full of answers asked for as often or more. */
  readonly kept: number;
  readonly notRepeated: number;
  readonly crowdedOut: number;
  /** Entries held now, and their bytes. */
  readonly entries: number;
  readonly bytes: number;
}

/**
 * The response cache: the yoga plugin that answers hits reaching yoga and keeps new answers, and what
 * the listener (src/http/listener.ts) asks before a request reaches yoga. The key of a request is
 * computed once, and hit or miss decided once: by the listener for the POSTs it reads (handed on to
 * the plugin with `handOn`), else by the plugin.
 */
export interface ResponseCache {
  plugin: Plugin;
  /**
   * For a POST to the GraphQL endpoint: its key and, on a hit, the live entry; undefined for a request
   * the cache never answers (one carrying a token, a chunked body, a body over `maxEntryBytes`). `search` is the query string ('' or '?…'),
   * `header` reads a request header, `body` is the request body as received.
   */
  lookup(search: string, header: (name: string) => string | undefined, body: Uint8Array): Lookup | undefined;
  /** Hands the plugin what `lookup` said of the request built from those bytes, so it is not worked out again. */
  handOn(request: Request, lookup: Lookup): void;
  /**
   * For a request the listener looked up, missed and answered itself, as the plugin does for yoga's
   * answers: counts the answer and keeps it once it is asked for again (or at once when its client is
   * revalidating). The entry kept; 'counted' when it is not asked for often enough yet, or not more
   * often than the entry it would displace in a full cache (the answer says
   * `x-cache: miss`); 'refused' when it was due but cannot be kept (too large, or a failure), which the
   * plugin's answers do not mark at all. `text` is the answer, encoded only when it is kept.
   */
  keepAnswer(found: Lookup, text: string, contentType: string, operationName: string | undefined, revalidating: boolean): Entry | 'counted' | 'refused';
  /** The entry the plugin answered `request` from, if it did (hits the listener sends itself never reach the plugin). */
  entryAnswering(request: Request): Entry | undefined;
  /** What the cache has done so far (requests looked up, answers kept or not) and what it holds now. */
  readonly stats: ResponseCacheStats;
}

export function createResponseCache({ snapshotFor, current, store }: ResponseCacheData, options: ResponseCacheOptions = defaultResponseCacheOptions): ResponseCache {
  const entries = new Map<string, Entry>();
  let totalBytes = 0;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    totalBytes -= entry.body.byteLength;
  };
  /** The key of each request that missed, and the name of its query once it runs (for the entry it may become). */
  const missed = new WeakMap<Request, { key: string; operationName?: string }>();
  const handedOn = new WeakMap<Request, Lookup>();
  const answeredFrom = new WeakMap<Request, Entry>();
  const stats = {
    hits: 0,
    misses: 0,
    kept: 0,
    notRepeated: 0,
    crowdedOut: 0,
    get entries() {
      return entries.size;
    },
    get bytes() {
      return totalBytes;
    },
  };
  /**
   * How many times each request not kept yet has been answered, in two generations: once the newer
   * holds `maxEntries * 2` keys it becomes the older and the older is dropped, so a key is remembered
   * for at least that many other one-off requests and at most twice as many. Cheaper than a
   * least-recently-used list, whose bookkeeping every miss would pay for a count that is read once.
   */
  let answeredNow = new Map<string, number>();
  let answeredBefore = new Map<string, number>();
  store?.onChange(() => {
    entries.clear();
    answeredNow = new Map();
    answeredBefore = new Map();
    totalBytes = 0;
  });

  /** An entry's count of requests as of `now`: halved for every full half-life in which nobody asked for it. */
  const asksOf = (entry: Entry, now: number): number => entry.asks >> Math.min(4, Math.floor((now - entry.askedAt) / options.halfLifeMs));

  /** Hit or miss: the one place it is decided, and counted, for a request (the listener's or the plugin's). */
  const lookup = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry) remove(key);
    const now = Date.now();
    if (!entry || entry.expiresAt <= now) {
      stats.misses += 1;
      return undefined;
    }
    entry.asks = Math.min(MOST_ASKS, asksOf(entry, now) + 1);
    entry.askedAt = now;
    entries.set(key, entry); // most recently used last
    totalBytes += entry.body.byteLength;
    stats.hits += 1;
    return entry;
  };

  /**
   * The key of a request: everything the response depends on, the body last and as its bytes. A small
   * request is its own key, the body as one character per byte (`=` keys); a larger one is hashed in one
   * call (`#` keys: a Hash object fed a dozen pieces cost several times the hashing itself). Long keys
   * would hold memory the cache's byte bound does not count, and V8 hashes a string over 16,383
   * characters by its length alone. No field before the body can hold a NUL (llhttp refuses one in the
   * request target and in header values), so two different requests never share a key.
   */
  const keyOf = (version: string, method: string, search: string, header: (name: string) => string | null | undefined, body: Uint8Array): string => {
    let head = `${version}\0${method}\0${search}`;
    for (const name of varyingHeaders) head += `\0${header(name) ?? ''}`;
    head += '\0';
    if (head.length + body.byteLength <= RAW_KEY_BYTES) return `=${head}${Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1')}`;
    return `#${hash('sha256', Buffer.concat([Buffer.from(head), body]), 'base64url')}`;
  };

  /** How many times the request with this key has been answered lately, this answer included. */
  const timesAnswered = (key: string): number => (answeredNow.get(key) ?? answeredBefore.get(key) ?? 0) + 1;

  /** Remembers the count of a request whose answer is not kept. */
  const countAnswer = (key: string, times: number): void => {
    answeredNow.set(key, times);
    if (answeredNow.size >= options.maxEntries * 2) {
      answeredBefore = answeredNow;
      answeredNow = new Map();
    }
  };

  /**
   * Counts the answer to a request asked for `times` times as not repeated yet, when it is (a client
   * revalidating with If-None-Match needs no repeat: it holds an ETag the cache gave out).
   */
  const isCountedAsOneOff = (key: string, times: number, revalidating: boolean): boolean => {
    if (revalidating || times >= options.admitAfter) return false;
    stats.notRepeated += 1;
    countAnswer(key, times);
    return true;
  };

  /**
   * Whether an answer asked for `times` times, of at least `bytes` bytes, is kept out of a full cache:
   * it is kept only if asked for more often lately than the least recently used entry, which it would
   * displace (TinyLFU's admission rule). Without the rule, more repeating requests than the cache holds
   * (1,536 going round through 1,000 entries) would each displace another's answer and none would ever
   * be answered from the cache: every answer encoded, hashed, kept and thrown away unread. With it, the
   * cache keeps the answers it has and answers those; a newcomer asked for more often still takes a place.
   */
  const isCrowdedOut = (key: string, times: number, bytes: number): boolean => {
    if (entries.size < options.maxEntries && totalBytes + bytes <= options.maxTotalBytes) return false;
    const displaced = entries.values().next().value;
    const now = Date.now();
    if (displaced === undefined || displaced.expiresAt <= now || entries.has(key)) return false;
    return Math.min(MOST_ASKS, times) <= asksOf(displaced, now);
  };

  /**
   * Counts one more answer to the request with this key (of `length` characters, hence at least that
   * many bytes) and decides whether it is kept: the count the entry starts with if so (the request
   * forgotten by the counts, as the entry counts its requests from then on), else 0.
   */
  const admit = (key: string, length: number, revalidating: boolean): number => {
    const times = timesAnswered(key);
    if (isCountedAsOneOff(key, times, revalidating)) return 0;
    if (isCrowdedOut(key, times, length)) {
      stats.crowdedOut += 1;
      countAnswer(key, times);
      return 0;
    }
    answeredNow.delete(key);
    answeredBefore.delete(key);
    return times;
  };

  /**
   * Whether an answer's text is never kept: unexpected failures may be passing, while everything else
   * is a pure function of the request and the data. A UTF-8 encoding is never shorter than the string's
   * length, so a long string need not be encoded to know.
   */
  const isUnkeepable = (text: string): boolean => text.length > options.maxEntryBytes || text.includes('"INTERNAL_SERVER_ERROR"');

  /** Keeps an answer's bytes under its key (undefined when they are over the entry size limit), the least recently used going first beyond the limits. */
  const keep = (key: string, times: number, body: Uint8Array<ArrayBuffer>, contentType: string, operationName: string | undefined): Entry | undefined => {
    // One larger than the whole cache would displace everything and then itself.
    if (body.byteLength > options.maxEntryBytes || body.byteLength > options.maxTotalBytes) return undefined;
    const now = Date.now();
    const entry: Entry = { body, contentType, etag: etagOf(body), expiresAt: now + options.ttlMs, operationName, asks: Math.min(MOST_ASKS, times), askedAt: now };
    remove(key);
    entries.set(key, entry);
    totalBytes += body.byteLength;
    stats.kept += 1;
    while (entries.size > options.maxEntries || totalBytes > options.maxTotalBytes) remove(entries.keys().next().value!);
    return entry;
  };

  /** Answers a request from `entry`, or notes that it missed; hit or miss was decided already. */
  const answer = (request: Request, key: string, entry: Entry | undefined, endResponse: (response: Response) => void, ResponseImpl: typeof Response) => {
    if (!entry) {
      missed.set(request, { key });
      return;
    }
    answeredFrom.set(request, entry);
    const headers = { 'content-type': entry.contentType, etag: entry.etag, 'x-cache': 'hit' };
    if (ifNoneMatchMatches(request.headers.get('if-none-match'), entry.etag)) {
      endResponse(new ResponseImpl(null, { status: 304, headers }));
    } else {
      endResponse(new ResponseImpl(entry.body, { status: 200, headers }));
    }
  };

  // The hooks return a promise only when they must wait (reading a body, storing an answer): a promise
  // from any hook makes yoga's whole chain asynchronous, and these run on every request.
  const plugin: Plugin = {
    onRequestParse({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'POST') return;
      if (isCurators(request.headers.get('authorization'))) return;
      const version = snapshotFor(request).info.version;
      const given = handedOn.get(request);
      // The listener looked this request up a moment ago; if the data changed since, the key differs.
      if (given && given.version === version) {
        answer(request, given.key, given.entry, endResponse, fetchAPI.Response);
        return;
      }
      // Only bodies of a known, modest size are read here; anything else goes to yoga untouched.
      const length = Number(request.headers.get('content-length') ?? (request.method === 'GET' ? 0 : Number.NaN));
      if (!Number.isSafeInteger(length) || length > options.maxEntryBytes) return;
      const decide = (body: Uint8Array) => {
        const key = keyOf(version, request.method, url.search, (name) => request.headers.get(name), body);
        // The listener's decision was for data that has changed since: the one made here replaces it.
        if (given) stats[given.entry ? 'hits' : 'misses'] -= 1;
        answer(request, key, lookup(key), endResponse, fetchAPI.Response);
      };
      if (request.method !== 'POST') return decide(EMPTY_BODY);
      // @whatwg-node's arrayBuffer() gives a Buffer, already a view of the bytes; a plain ArrayBuffer gets one.
      return request.clone().arrayBuffer().then((bytes: unknown) => decide(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes as ArrayBuffer)));
    },
    onExecute({ args }) {
      const { request } = args.contextValue as { request: Request };
      const miss = missed.get(request);
      if (!miss) return;
      const operation = getOperationAST(args.document, args.operationName);
      // Only queries are stored: a mutation's answer must never stand in for running it again.
      if (operation?.operation !== 'query') missed.delete(request);
      else miss.operationName = operation.name?.value;
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      const miss = missed.get(request);
      if (miss === undefined || response.status !== 200) return;
      const { key, operationName } = miss;
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.includes('json')) return;
      const revalidating = request.headers.has('if-none-match');
      // Most answers are one-offs: counted without reading the body.
      if (isCountedAsOneOff(key, timesAnswered(key), revalidating)) {
        response.headers.set('x-cache', 'miss');
        return;
      }
      return response.clone().text().then((text) => {
        const startsWith = admit(key, text.length, revalidating);
        if (!startsWith) {
          response.headers.set('x-cache', 'miss');
          return;
        }
        if (isUnkeepable(text)) return;
        const entry = keep(key, startsWith, textEncoder.encode(text), contentType, operationName);
        if (!entry) return;
        response.headers.set('etag', entry.etag);
        response.headers.set('x-cache', 'miss');
        // The bytes kept are the bytes sent: yoga's body is a string, which the socket would encode again
        // (the data's typographic quotes make every answer a two-byte string, slow to encode). A client
        // that already holds these bytes (the entry was evicted, or another server made them) gets 304.
        const notModified = ifNoneMatchMatches(request.headers.get('if-none-match'), entry.etag);
        setResponse(new fetchAPI.Response(notModified ? null : entry.body, { status: notModified ? 304 : response.status, statusText: notModified ? '' : response.statusText, headers: response.headers }));
      });
    },
  };

  return {
    plugin,
    lookup: (search, header, body) => {
      if (isCurators(header('authorization'))) return undefined;
      // As the plugin: only bodies of a declared, modest size are looked up (a chunked one, or one larger
      // than any answer kept, goes uncached).
      if (header('content-length') === undefined || body.byteLength > options.maxEntryBytes) return undefined;
      const version = current().info.version;
      const key = keyOf(version, 'POST', search, header, body);
      return { key, version, entry: lookup(key) };
    },
    handOn: (request, found) => void handedOn.set(request, found),
    keepAnswer: (found, text, contentType, operationName, revalidating) => {
      const startsWith = admit(found.key, text.length, revalidating);
      if (!startsWith) return 'counted';
      if (isUnkeepable(text)) return 'refused';
      return keep(found.key, startsWith, textEncoder.encode(text) as Uint8Array<ArrayBuffer>, contentType, operationName) ?? 'refused';
    },
    entryAnswering: (request) => answeredFrom.get(request),
    stats,
  };
}
