/**
 * A bounded load run against the real server on loopback: `npm run bench:load`.
 *
 * Starts `src/index.ts` as one child process (`node --import tsx`, with bench/lib.ts startServerProcess)
 * on 127.0.0.1, checks every request type once against data/*.json, warms up, then drives it with
 * autocannon (50 connections for 30 s by default) on a fixed mix: ~85% real queries whose variables
 * change per request and ~15% requests the server must reject with a coded error. Every response body
 * is checked; the server's RSS is sampled each second. Prints its figures and a PASS/FAIL line (exit 1
 * on FAIL), and always stops the server. Not part of `npm test`.
 *
 * Environment: LOAD_DURATION (seconds, default 30), LOAD_CONNECTIONS (default 50), LOAD_WARMUP (seconds,
 * default 10), LOAD_BYPASS_CACHE=1 (make every valid request unique, so none is answered from the server's
 * response cache). Linux only (RSS and CPU are read from /proc).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BENCH_HOST,
  intFromEnv,
  processCpuSeconds,
  processMemoryKiB,
  projectRoot,
  runBenchmark,
  runCannon,
  startServerProcess,
  type CannonContext,
  type CannonRequest,
  type CannonResult,
  type ServerProcess,
  wasInterrupted,
} from './lib.js';

// ---------------------------------------------------------------------------------------------------
// Settings

/** At least two 10 s windows, so the RSS comparison does not overlap itself. */
const DURATION_S = intFromEnv('LOAD_DURATION', 30, 2 * 10, 600);
const CONNECTIONS = intFromEnv('LOAD_CONNECTIONS', 50, 1, 1000);
/** Long enough for V8 to size its heap under this load, so the RSS comparison starts from a steady state. */
const WARMUP_S = intFromEnv('LOAD_WARMUP', 10, 0, 60);
/**
 * The server answers repeated requests from its response cache. With LOAD_BYPASS_CACHE=1 every valid
 * request carries an extra, unused variable with a unique value, so each one misses and is executed.
 */
const BYPASS_CACHE = intFromEnv('LOAD_BYPASS_CACHE', 0, 0, 1) === 1;
/** autocannon's per-request timeout, in seconds. */
const REQUEST_TIMEOUT_S = 10;
/** RSS counts as flat when the last window's average is at most this much above the first window's. */
const RSS_FLAT_TOLERANCE = 0.15;
const RSS_WINDOW_S = 10;
/** Valid responses slower than this are counted and placed in time. */
const SLOW_MS = 1000;

// ---------------------------------------------------------------------------------------------------
// The data the answers are checked against

interface EvidenceRecord {
  text: string;
}
interface PersonRecord {
  id: string;
  name: string | null;
  roles: unknown[];
}
interface NamedRecord {
  id: string;
  name: string;
  aliases?: string[];
  kind?: string;
  memberships?: unknown[];
}
interface StatementRecord {
  id: string;
  kind: 'QUOTE' | 'PARAPHRASE';
  text: string;
  speakerId: string | null;
  mentions: { entityId: string; evidence: EvidenceRecord }[];
}
interface SourceRecord {
  id: string;
  title: string;
}

function readData<T>(file: string): T[] {
  return JSON.parse(readFileSync(path.join(projectRoot, 'data', file), 'utf8')) as T[];
}

const data = {
  persons: readData<PersonRecord>('persons.json'),
  countries: readData<NamedRecord>('countries.json'),
  organizations: readData<NamedRecord>('organizations.json'),
  events: readData<NamedRecord>('events.json'),
  statements: readData<StatementRecord>('statements.json'),
  sources: readData<SourceRecord>('sources.json'),
};

const globalId = (typename: string, id: string) => Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
const mentionCount = (entityId: string) => data.statements.filter((s) => s.mentions.some((m) => m.entityId === entityId)).length;
const at = <T>(list: readonly T[], index: number): T => {
  const item = list[index % list.length];
  if (item === undefined) throw new Error(`empty list or bad index ${index}`);
  return item;
};

// ---------------------------------------------------------------------------------------------------
// Request kinds: what each sends and what it must get back

type Check = (status: number, body: string) => string | undefined;

interface Planned {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Why the response is not what this request should get, or undefined when it is. */
  check: Check;
  /** For a JSON POST: its query and variables, so the body can be made unique (LOAD_BYPASS_CACHE). */
  graphql?: { query: string; variables?: Record<string, unknown> };
}

interface RequestKind {
  name: string;
  /** Valid requests must get data and no errors; the others must be rejected with `expected`. */
  valid: boolean;
  /** Share of the mix, in percent. */
  weight: number;
  /** How many distinct requests verification sends (plan takes any variant number). */
  variants: number;
  plan: (variant: number) => Planned;
  expected?: { status: number; code: string };
}

interface GraphQLBody {
  data?: any;
  errors?: { message?: string; extensions?: { code?: unknown } }[];
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };

function parseBody(body: string): GraphQLBody | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as GraphQLBody) : undefined;
  } catch {
    return undefined;
  }
}

/** A valid request: 200, `data`, no `errors`, and whatever `checkData` asks of the data. */
function expectData(checkData: (data: any) => string | undefined): Check {
  return (status, body) => {
    const parsed = parseBody(body);
    if (!parsed) return `status ${status}, body is not JSON: ${body.slice(0, 120)}`;
    if (parsed.errors?.length) return `status ${status}, errors: ${parsed.errors.map((e) => `${String(e.extensions?.code)} ${e.message ?? ''}`).join('; ').slice(0, 200)}`;
    if (status !== 200) return `status ${status}`;
    if (parsed.data === undefined || parsed.data === null) return 'no data';
    try {
      return checkData(parsed.data);
    } catch (error) {
      return `unexpected shape: ${(error as Error).message}`;
    }
  };
}

/** A rejected request: the given status and every error carrying the given code. */
function expectRejection(expectedStatus: number, expectedCode: string): Check {
  return (status, body) => {
    const parsed = parseBody(body);
    if (!parsed) return `status ${status}, body is not JSON: ${body.slice(0, 120)}`;
    const codes = (parsed.errors ?? []).map((e) => String(e.extensions?.code));
    if (status !== expectedStatus) return `status ${status} (expected ${expectedStatus}), codes ${codes.join(',') || 'none'}`;
    if (codes.length === 0) return 'no errors';
    if (codes.some((c) => c !== expectedCode)) return `codes ${codes.join(',')} (expected ${expectedCode})`;
    return undefined;
  };
}

/** The body to send: as planned, or with LOAD_BYPASS_CACHE=1 a valid request made unique by `serial`. */
function bodyFor(kind: RequestKind, planned: Planned, serial: number): string {
  if (!BYPASS_CACHE || !kind.valid || !planned.graphql) return planned.body;
  // An operation ignores variables it does not declare; a unique one only changes the cache key.
  return JSON.stringify({ query: planned.graphql.query, variables: { ...planned.graphql.variables, loadRequest: serial } });
}

function post(query: string, variables: Record<string, unknown> | undefined, check: Check): Planned {
  return { method: 'POST', path: '/graphql', headers: JSON_HEADERS, body: JSON.stringify({ query, variables }), check, graphql: { query, variables } };
}

const same = (what: string, actual: unknown, expected: unknown): string | undefined =>
  actual === expected ? undefined : `${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;

const firstProblem = (...problems: (string | undefined)[]) => problems.find((p) => p !== undefined);

/** Values learned once during verification and required to stay the same under load. */
const golden = new Map<string, unknown>();
function stable(key: string, value: unknown): string | undefined {
  const text = JSON.stringify(value);
  const known = golden.get(key);
  if (known === undefined) {
    golden.set(key, text);
    return undefined;
  }
  return known === text ? undefined : `${key} is ${text}, was ${String(known)} at verification`;
}

// --- valid: the statement feed

const FEED = `query Feed($first: Int!) {
  statements(first: $first) {
    totalCount
    edges { node {
      slug kind text attribution date { text inferred }
      speaker { displayName isNamed roles { title country { name isoCode } organization { name } } }
      event { name start { text } location { city country { name } } }
      mentions { entity { __typename displayName } evidence { text } }
    } }
  }
}`;

const feed: RequestKind = {
  name: 'statement feed',
  valid: true,
  weight: 15,
  variants: 20,
  plan: (v) => {
    const first = 5 + (v % 20);
    const expectedFirst = at(data.statements, 0);
    const expectedLast = at(data.statements, Math.min(first, data.statements.length) - 1);
    const speaker = data.persons.find((p) => p.id === expectedFirst.speakerId);
    return post(FEED, { first }, expectData((d) => {
      const edges = d.statements.edges as any[];
      return firstProblem(
        same('totalCount', d.statements.totalCount, data.statements.length),
        same('edges', edges.length, Math.min(first, data.statements.length)),
        same('first slug', edges[0].node.slug, expectedFirst.id),
        same('first text', edges[0].node.text, expectedFirst.text),
        same('first speaker', edges[0].node.speaker?.displayName, speaker?.name),
        same('first mentions', edges[0].node.mentions.length, expectedFirst.mentions.length),
        same('last slug', edges[edges.length - 1].node.slug, expectedLast.id),
      );
    }));
  },
};

// --- valid: an entity page (persons and organizations)

const PERSON_PAGE = `query PersonPage($slug: String!) {
  person(slug: $slug) {
    id slug name displayName isNamed aliases description
    roles { title statedAs inferred country { name isoCode } organization { name } evidence { text start end } }
    statements(first: 10) { totalCount edges { node { slug kind text date { text inferred } event { name } } } }
    mentionedIn(first: 5) { totalCount edges { node { slug text speaker { displayName } } } }
    participations { role event { name start { text } } }
  }
}`;

const ORGANIZATION_PAGE = `query OrganizationPage($slug: String!) {
  organization(slug: $slug) {
    id slug name aliases kind description
    members { country { name isoCode } role inferred }
    people { displayName }
    parent { name }
    children { name }
    mentionedIn(first: 5) { totalCount edges { node { slug text speaker { displayName } } } }
    relayedStatements(first: 5) { totalCount }
  }
}`;

const entityPage: RequestKind = {
  name: 'entity page',
  valid: true,
  weight: 15,
  variants: data.persons.length + data.organizations.length,
  plan: (v) => {
    const index = v % (data.persons.length + data.organizations.length);
    if (index < data.persons.length) {
      const person = at(data.persons, index);
      const said = data.statements.filter((s) => s.speakerId === person.id).length;
      return post(PERSON_PAGE, { slug: person.id }, expectData((d) => firstProblem(
        same('slug', d.person.slug, person.id),
        same('id', d.person.id, globalId('Person', person.id)),
        same('name', d.person.name, person.name),
        same('roles', d.person.roles.length, person.roles.length),
        same('statements.totalCount', d.person.statements.totalCount, said),
        same('statements edges', d.person.statements.edges.length, Math.min(10, said)),
        same('mentionedIn.totalCount', d.person.mentionedIn.totalCount, mentionCount(person.id)),
      )));
    }
    const organization = at(data.organizations, index - data.persons.length);
    return post(ORGANIZATION_PAGE, { slug: organization.id }, expectData((d) => firstProblem(
      same('slug', d.organization.slug, organization.id),
      same('name', d.organization.name, organization.name),
      same('kind', d.organization.kind, organization.kind),
      same('aliases', JSON.stringify(d.organization.aliases), JSON.stringify(organization.aliases ?? [])),
      same('members', d.organization.members.length, (organization.memberships ?? []).length),
      same('mentionedIn.totalCount', d.organization.mentionedIn.totalCount, mentionCount(organization.id)),
    )));
  },
};

// --- valid: search

const SEARCH = `query Search($q: String!) {
  search(query: $q, first: 5) {
    totalCount
    edges { cursor node {
      score matchedField matchedValue snippet { text highlights { start end } }
      node { __typename
        ... on Person { slug displayName } ... on Country { slug name } ... on Organization { slug name }
        ... on Event { slug name } ... on Statement { slug text } }
    } }
  }
}`;

/** Terms and the record that must rank first (an alias, a prefix, a typo, a phrase, a place). */
const SEARCHES: { q: string; top: string }[] = [
  { q: 'Daesh', top: 'islamic-state' },
  { q: 'ISIL', top: 'islamic-state' },
  { q: 'stolten', top: 'jens-stoltenberg' },
  { q: 'Stoltenbreg', top: 'jens-stoltenberg' },
  { q: 'Brussels', top: 'nato-foreign-ministers-meeting' },
  { q: 'de-escalation', top: 'stoltenberg-calm-de-escalation' },
  { q: 'Canada', top: 'canada' },
  { q: 'Kerry', top: 'john-kerry' },
  { q: 'coalition', top: 'coalition-against-islamic-state' },
  { q: 'Ankara', top: 'stoltenberg-direct-dialogue' },
];

const search: RequestKind = {
  name: 'search',
  valid: true,
  weight: 15,
  variants: SEARCHES.length,
  plan: (v) => {
    const { q, top } = at(SEARCHES, v);
    return post(SEARCH, { q }, expectData((d) => {
      const edges = d.search.edges as any[];
      return firstProblem(
        same(`top hit for "${q}"`, edges[0]?.node.node.slug, top),
        same(`hits on the page for "${q}"`, edges.length, Math.min(5, d.search.totalCount)),
        stable(`search totalCount for "${q}"`, d.search.totalCount),
      );
    }));
  },
};

// --- valid: filtered statements, variables changing per request

const FILTERED = `query Filtered($filter: StatementFilter, $first: Int!, $orderBy: StatementOrder!) {
  statements(filter: $filter, first: $first, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { slug kind text date { text } speaker { slug displayName } } }
  }
}`;

interface FilterCase {
  filter: { speaker?: string; kind?: 'QUOTE' | 'PARAPHRASE'; mentions?: string };
  matching: Set<string>;
}

const filterCases: FilterCase[] = (() => {
  const cases: FilterCase[] = [];
  const speakers = [...new Set(data.statements.flatMap((s) => (s.speakerId ? [s.speakerId] : [])))];
  for (const speaker of speakers) {
    for (const kind of [undefined, 'QUOTE', 'PARAPHRASE'] as const) {
      const matching = data.statements.filter((s) => s.speakerId === speaker && (kind === undefined || s.kind === kind));
      cases.push({ filter: kind ? { speaker, kind } : { speaker }, matching: new Set(matching.map((s) => s.id)) });
    }
  }
  const mentioned = [...new Set(data.statements.flatMap((s) => s.mentions.map((m) => m.entityId)))];
  for (const entity of mentioned) {
    const matching = data.statements.filter((s) => s.mentions.some((m) => m.entityId === entity));
    cases.push({ filter: { mentions: entity }, matching: new Set(matching.map((s) => s.id)) });
  }
  return cases;
})();

const ORDERS = ['SOURCE_ORDER', 'DATE_ASC', 'DATE_DESC'] as const;

const filteredStatements: RequestKind = {
  name: 'filtered statements',
  valid: true,
  weight: 15,
  variants: filterCases.length * 2,
  plan: (v) => {
    const { filter, matching } = at(filterCases, v);
    const first = 1 + ((v * 7) % 20);
    const orderBy = at(ORDERS, v);
    return post(FILTERED, { filter, first, orderBy }, expectData((d) => {
      const edges = d.statements.edges as any[];
      const stray = edges.find((e) => !matching.has(e.node.slug) || (filter.kind !== undefined && e.node.kind !== filter.kind) || (filter.speaker !== undefined && e.node.speaker?.slug !== filter.speaker));
      return firstProblem(
        same(`totalCount for ${JSON.stringify(filter)}`, d.statements.totalCount, matching.size),
        same('edges', edges.length, Math.min(first, matching.size)),
        same('hasNextPage', d.statements.pageInfo.hasNextPage, matching.size > first),
        stray ? `statement ${String(stray.node.slug)} does not match ${JSON.stringify(filter)}` : undefined,
      );
    }));
  },
};

// --- valid: node lookup by global id

const NODE = `query Node($id: ID!) {
  node(id: $id) { __typename id
    ... on Entity { slug displayName aliases }
    ... on Statement { slug kind text }
    ... on Source { slug title } }
}`;

const nodeTargets: { typename: string; id: string; text?: string; title?: string }[] = [
  ...data.persons.map((r) => ({ typename: 'Person', id: r.id })),
  ...data.countries.map((r) => ({ typename: 'Country', id: r.id })),
  ...data.organizations.map((r) => ({ typename: 'Organization', id: r.id })),
  ...data.events.map((r) => ({ typename: 'Event', id: r.id })),
  ...data.statements.map((r) => ({ typename: 'Statement', id: r.id, text: r.text })),
  ...data.sources.map((r) => ({ typename: 'Source', id: r.id, title: r.title })),
];

const nodeLookup: RequestKind = {
  name: 'node lookup',
  valid: true,
  weight: 15,
  variants: nodeTargets.length,
  plan: (v) => {
    const target = at(nodeTargets, v);
    const id = globalId(target.typename, target.id);
    return post(NODE, { id }, expectData((d) => firstProblem(
      same('node', d.node === null ? null : 'present', 'present'),
      same('__typename', d.node.__typename, target.typename),
      same('id', d.node.id, id),
      same('slug', d.node.slug, target.id),
      target.text === undefined ? undefined : same('text', d.node.text, target.text),
      target.title === undefined ? undefined : same('title', d.node.title, target.title),
    )));
  },
};

// --- valid: a timeline page (cursors learned from the whole timeline before verification)

const TIMELINE = `query Timeline($first: Int!, $after: String) {
  timeline(first: $first, after: $after, includeUndated: true) {
    totalCount
    pageInfo { hasNextPage }
    edges { cursor node {
      dateFromEvent date { text value inferred }
      item { __typename ... on Event { slug name } ... on Statement { slug text speaker { displayName } } }
    } }
  }
}`;

const TIMELINE_PAGE = 10;
/** The whole timeline in order: slug and cursor of each entry; filled by `learnTimeline`. */
let timelineEntries: { slug: string; cursor: string }[] = [];

const timelinePage: RequestKind = {
  name: 'timeline page',
  valid: true,
  weight: 10,
  variants: data.events.length + data.statements.length,
  plan: (v) => {
    const total = timelineEntries.length;
    // Start at the beginning (no cursor) or after any entry but the last.
    const startIndex = v % total;
    const after = startIndex === 0 ? undefined : at(timelineEntries, startIndex - 1).cursor;
    const expectedFirst = at(timelineEntries, startIndex);
    return post(TIMELINE, { first: TIMELINE_PAGE, after }, expectData((d) => {
      const edges = d.timeline.edges as any[];
      return firstProblem(
        same('totalCount', d.timeline.totalCount, total),
        same('edges', edges.length, Math.min(TIMELINE_PAGE, total - startIndex)),
        same('first item', edges[0].node.item.slug, expectedFirst.slug),
        same('hasNextPage', d.timeline.pageInfo.hasNextPage, startIndex + TIMELINE_PAGE < total),
      );
    }));
  },
};

// --- rejected

function rejected(name: string, weight: number, status: number, code: string, variants: number, make: (variant: number, check: Check) => Planned): RequestKind {
  const check = expectRejection(status, code);
  return { name, valid: false, weight, variants, expected: { status, code }, plan: (v) => make(v, check) };
}

const COST = `query Cost($n: Int!) {
  statements(first: $n) { edges { node { mentions { entity {
    mentionedIn(first: $n) { edges { node { text mentions { entity { displayName } } } } }
  } } } } }
}`;

/** 18 fields deep (statement, then continuedBy/continues 16 times, then text); the limit is 15. */
const DEPTH = (() => {
  const chain = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 'continuedBy' : 'continues'));
  return `query Deep($slug: String!) { statement(slug: $slug) { ${chain.join(' { ')} { text ${'} '.repeat(chain.length)}} }`;
})();

const MALFORMED = [
  '{ statements(first: 5) { edges { node { text }',
  'query { person(slug: "john-kerry") { name ',
  '{ search(query: "x", first: ) { totalCount } }',
  '}}} statements {',
];

const rejectedKinds: RequestKind[] = [
  rejected('over-limit cost (first: n, nested)', 2, 400, 'QUERY_TOO_COMPLEX', 41, (v, check) => post(COST, { n: 60 + (v % 41) }, check)),
  rejected('depth flood', 2, 400, 'QUERY_TOO_COMPLEX', data.statements.length, (v, check) => post(DEPTH, { slug: at(data.statements, v).id }, check)),
  rejected('malformed query', 2, 400, 'GRAPHQL_PARSE_FAILED', MALFORMED.length, (v, check) => post(at(MALFORMED, v), undefined, check)),
  rejected('GET without CSRF header', 2, 403, 'CSRF_HEADER_MISSING', data.persons.length, (v, check) => ({
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(`{ person(slug: "${at(data.persons, v).id}") { name } }`)}`,
    headers: { accept: 'application/graphql-response+json' },
    body: '',
    check,
  })),
  rejected('oversized first', 2, 200, 'BAD_USER_INPUT', 50, (v, check) =>
    v % 2 === 0
      ? post('query($n: Int!) { statements(first: $n) { totalCount } }', { n: 101 + ((v * 97) % 5000) }, check)
      : post('query($n: Int!) { search(query: "nato", first: $n) { totalCount } }', { n: 101 + ((v * 89) % 5000) }, check)),
  rejected('variable of the wrong type', 1, 400, 'BAD_USER_INPUT', 3, (v, check) =>
    post('query($first: Int!) { statements(first: $first) { totalCount } }', { first: at(['ten', 1.5, null], v) }, check)),
  rejected('unknown field', 2, 400, 'GRAPHQL_VALIDATION_FAILED', 3, (v, check) =>
    post(at(['{ statements { nope } }', '{ person(slug: "john-kerry") { salary } }', '{ planets { name } }'], v), undefined, check)),
  rejected('malformed global id', 1, 200, 'BAD_USER_INPUT', 3, (v, check) =>
    post('query($id: ID!) { node(id: $id) { id } }', { id: at(['xyz', 'Person:john-kerry', globalId('Person', 'John Kerry')], v) }, check)),
  rejected('invalid JSON body', 1, 400, 'BAD_REQUEST', 2, (v, check) => ({
    method: 'POST',
    path: '/graphql',
    headers: JSON_HEADERS,
    body: at(['{"query": ', '{"query": "{ dataset { version } }", }'], v),
    check,
  })),
];

const validKinds: RequestKind[] = [feed, entityPage, search, filteredStatements, nodeLookup, timelinePage];
const allKinds = [...validKinds, ...rejectedKinds];

/** A fixed cycle of 100 sends in which each kind appears `weight` times, spread out (smooth weighted round robin). */
function buildSchedule(kinds: RequestKind[]): RequestKind[] {
  const total = kinds.reduce((sum, k) => sum + k.weight, 0);
  const credit = kinds.map(() => 0);
  const schedule: RequestKind[] = [];
  for (let slot = 0; slot < total; slot++) {
    let best = 0;
    kinds.forEach((kind, i) => {
      credit[i] = (credit[i] ?? 0) + kind.weight;
      if ((credit[i] ?? 0) > (credit[best] ?? 0)) best = i;
    });
    credit[best] = (credit[best] ?? 0) - total;
    schedule.push(at(kinds, best));
  }
  return schedule;
}

// ---------------------------------------------------------------------------------------------------
// The server

let server: ServerProcess | undefined;

/** Server log lines (warn or above), by message, since the last `logCounts.clear()`. */
const logCounts = new Map<string, number>();

function countLogLine(line: string): void {
  let key = line.slice(0, 160);
  try {
    const entry = JSON.parse(line) as { level?: number; msg?: string };
    key = `level ${entry.level ?? '?'}: ${(entry.msg ?? '').split('\n')[0]?.slice(0, 120)}`;
  } catch {
    // not JSON: keep the raw line
  }
  logCounts.set(key, (logCounts.get(key) ?? 0) + 1);
}

/**
 * Starts `src/index.ts` on 127.0.0.1 with LOG_LEVEL=warn (a quiet server: at that level it does not
 * print its "GraphiQL at http://HOST:PORT" line, so startServerProcess waits for /ready instead), its
 * log lines counted here, and checks that /ready reports the record counts of data/.
 */
async function startServer(): Promise<ServerProcess> {
  server = await startServerProcess('server', 'src/index.ts', { NEWSGRAPH_PERSISTED_ONLY: 'false' }, [], { logLevel: 'warn', onStdoutLine: countLogLine });
  const ready = (await (await fetch(`http://${BENCH_HOST}:${server.port}/ready`)).json()) as { dataset?: { counts?: Record<string, number> } };
  const counts = ready.dataset?.counts ?? {};
  const expected: Record<string, number> = {
    persons: data.persons.length,
    countries: data.countries.length,
    organizations: data.organizations.length,
    events: data.events.length,
    statements: data.statements.length,
    sources: data.sources.length,
  };
  for (const [kind, count] of Object.entries(expected)) {
    if (counts[kind] !== count) throw new Error(`/ready reports ${String(counts[kind])} ${kind}, data/ holds ${count}`);
  }
  return server;
}

/** SIGTERM (the server drains and exits 0), then SIGKILL after 6 s; resolves with its exit code. */
async function stopServer(): Promise<number | null> {
  if (!server) return null;
  await server.stop();
  return server.child.exitCode;
}

// ---------------------------------------------------------------------------------------------------
// /proc sampling

/** The server's resident set size in KiB, or undefined once it is gone. */
function rssKiB(pid: number): number | undefined {
  try {
    const { rss } = processMemoryKiB(pid);
    return Number.isNaN(rss) ? undefined : rss;
  } catch {
    return undefined;
  }
}

/** User plus system CPU time of the process in seconds, or NaN once it is gone. */
function cpuSecondsOf(pid: number): number {
  try {
    return processCpuSeconds(pid);
  } catch {
    return Number.NaN;
  }
}

interface Sampler {
  stop: () => { rss: number[]; cpuSeconds: number; wallSeconds: number };
}

function sample(pid: number): Sampler {
  const rss: number[] = [];
  const startedAt = Date.now();
  const cpuAtStart = cpuSecondsOf(pid);
  const timer = setInterval(() => {
    const value = rssKiB(pid);
    if (value !== undefined) rss.push(value);
  }, 1000);
  return {
    stop: () => {
      clearInterval(timer);
      return { rss, cpuSeconds: cpuSecondsOf(pid) - cpuAtStart, wallSeconds: (Date.now() - startedAt) / 1000 };
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Verification: each request type once (every variant), before anything is measured

async function send(port: number, planned: Planned): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${BENCH_HOST}:${port}${planned.path}`, {
    method: planned.method,
    headers: planned.headers,
    body: planned.method === 'POST' ? planned.body : undefined,
  });
  return { status: response.status, body: await response.text() };
}

/** Reads the whole timeline and checks it against data/ before its cursors are used. */
async function learnTimeline(port: number): Promise<void> {
  const { status, body } = await send(port, post(TIMELINE, { first: 100 }, () => undefined));
  const parsed = parseBody(body);
  const edges = (parsed?.data?.timeline?.edges ?? []) as any[];
  if (status !== 200 || parsed?.errors) throw new Error(`the whole timeline: status ${status}, ${body.slice(0, 300)}`);
  timelineEntries = edges.map((e) => ({ slug: String(e.node.item.slug), cursor: String(e.cursor) }));
  const expected = new Set([...data.events.map((e) => e.id), ...data.statements.map((s) => s.id)]);
  const actual = new Set(timelineEntries.map((e) => e.slug));
  if (parsed?.data.timeline.totalCount !== expected.size || actual.size !== expected.size || [...expected].some((id) => !actual.has(id))) {
    throw new Error(`the whole timeline lists ${actual.size} items (totalCount ${String(parsed?.data.timeline.totalCount)}); data/ holds ${expected.size} events and statements`);
  }
}

async function verify(port: number): Promise<boolean> {
  let ok = true;
  for (const kind of allKinds) {
    const problems: string[] = [];
    for (let v = 0; v < kind.variants; v++) {
      const planned = kind.plan(v);
      const { status, body } = await send(port, { ...planned, body: bodyFor(kind, planned, v) });
      const problem = planned.check(status, body);
      if (problem) problems.push(`variant ${v}: ${problem}`);
    }
    const what = kind.valid ? 'data checked against data/' : `${kind.expected?.status} ${kind.expected?.code}`;
    console.log(`  ${problems.length === 0 ? 'ok  ' : 'FAIL'} ${kind.name.padEnd(36)} ${String(kind.variants).padStart(3)} variants  ${what}`);
    for (const problem of problems.slice(0, 5)) console.log(`         ${problem}`);
    if (problems.length > 0) ok = false;
  }
  // The CSRF rejection must be about the header, not GET itself: the same GET with the header answers.
  const control = await send(port, {
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent('{ person(slug: "john-kerry") { name } }')}`,
    headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1' },
    body: '',
    check: () => undefined,
  });
  const controlProblem = expectData((d) => same('name', d.person.name, 'John Kerry'))(control.status, control.body);
  console.log(`  ${controlProblem ? 'FAIL' : 'ok  '} ${'GET with the CSRF header (control)'.padEnd(36)}   1 variant   ${controlProblem ?? '200 with data'}`);
  return ok && controlProblem === undefined;
}

// ---------------------------------------------------------------------------------------------------
// The load run

interface InFlight {
  kind: RequestKind;
  check: Check;
}

/** The request a connection sent last: kept in its autocannon context (reset only before the next send). */
const inFlightOf = (context: CannonContext | undefined) => context?.current as InFlight | undefined;

interface KindStats {
  sent: number;
  answered: number;
  mismatches: number;
  timeouts: number;
  connErrors: number;
  /** Responses the server answered from its response cache (`x-cache: hit`). */
  cacheHits: number;
  statuses: Map<number, number>;
  latencies: number[];
  samples: string[];
}

interface PhaseStats {
  byKind: Map<RequestKind, KindStats>;
  unattributed: number;
  /** Responses in each second of the run. */
  perSecond: number[];
  /** For each valid response slower than SLOW_MS: the second of the run it arrived in. */
  slowValidAt: number[];
}

function newPhaseStats(): PhaseStats {
  return {
    byKind: new Map(allKinds.map((k) => [k, { sent: 0, answered: 0, mismatches: 0, timeouts: 0, connErrors: 0, cacheHits: 0, statuses: new Map(), latencies: [], samples: [] }])),
    unattributed: 0,
    perSecond: [],
    slowValidAt: [],
  };
}

function statsOf(stats: PhaseStats, kind: RequestKind): KindStats {
  const s = stats.byKind.get(kind);
  if (!s) throw new Error(`no stats for ${kind.name}`);
  return s;
}

async function runLoad(port: number, durationS: number, stats: PhaseStats): Promise<CannonResult> {
  const schedule = buildSchedule(allKinds);
  const variantOf = new Map<RequestKind, number>(allKinds.map((k) => [k, 0]));
  let sends = 0;
  /** Set by onResponse and read by the 'response' event that autocannon emits right after it. */
  let justAnswered: InFlight | undefined;

  const request: CannonRequest = {
    setupRequest: (req, context) => {
      const kind = at(schedule, sends++);
      const variant = variantOf.get(kind) ?? 0;
      variantOf.set(kind, variant + 1);
      const planned = kind.plan(variant);
      context.current = { kind, check: planned.check } satisfies InFlight;
      statsOf(stats, kind).sent++;
      return { ...req, method: planned.method, path: planned.path, headers: planned.headers, body: bodyFor(kind, planned, sends) };
    },
    onResponse: (status, body, context, headers) => {
      const current = inFlightOf(context);
      justAnswered = current;
      if (!current) {
        stats.unattributed++;
        return;
      }
      const s = statsOf(stats, current.kind);
      s.answered++;
      s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
      const cache = headers['x-cache'] ?? headers['X-Cache'];
      if (cache === 'hit') s.cacheHits++;
      const problem = current.check(status, body);
      if (problem) {
        s.mismatches++;
        if (s.samples.length < 3) s.samples.push(problem);
      }
    },
  };

  const startedAt = Date.now();
  const result = await runCannon(
    {
      url: `http://${BENCH_HOST}:${port}`,
      connections: CONNECTIONS,
      duration: durationS,
      timeout: REQUEST_TIMEOUT_S,
      pipelining: 1,
      requests: [request],
      setupClient: (client) => {
        // With one request in flight per connection, the context holds the request just sent.
        // autocannon emits 'request' before it moves on, so on a timeout (reconnect, next request,
        // then 'timeout') the request that timed out is the one seen at the last 'request'.
        const inFlight = () => inFlightOf(client.requestIterator?.context);
        let lastSeen: InFlight | undefined;
        client.on('request', () => {
          lastSeen = inFlight();
        });
        client.on('timeout', () => {
          if (lastSeen) statsOf(stats, lastSeen.kind).timeouts++;
          else stats.unattributed++;
        });
        client.on('connError', () => {
          const current = inFlight();
          if (current) statsOf(stats, current.kind).connErrors++;
          else stats.unattributed++;
        });
      },
    },
    {
      tick: (counter) => {
        stats.perSecond.push(counter);
      },
      response: (_client, _status, _bytes, responseTime) => {
        const answered = justAnswered;
        justAnswered = undefined;
        if (!answered) return;
        statsOf(stats, answered.kind).latencies.push(responseTime);
        if (answered.kind.valid && responseTime > SLOW_MS) stats.slowValidAt.push(Math.floor((Date.now() - startedAt) / 1000));
      },
    },
  );
  // autocannon's last tick, emitted as it stops, always reports 0.
  if (stats.perSecond[stats.perSecond.length - 1] === 0) stats.perSecond.pop();
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Reporting

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(1)} ms`);
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${((part / whole) * 100).toFixed(0)}%`);
const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

interface ShareTotals {
  sent: number;
  answered: number;
  mismatches: number;
  timeouts: number;
  connErrors: number;
  cacheHits: number;
  latencies: number[];
  statuses: Map<number, number>;
}

function totals(stats: PhaseStats, valid: boolean): ShareTotals {
  const t: ShareTotals = { sent: 0, answered: 0, mismatches: 0, timeouts: 0, connErrors: 0, cacheHits: 0, latencies: [], statuses: new Map() };
  for (const [kind, s] of stats.byKind) {
    if (kind.valid !== valid) continue;
    t.sent += s.sent;
    t.answered += s.answered;
    t.mismatches += s.mismatches;
    t.timeouts += s.timeouts;
    t.connErrors += s.connErrors;
    t.cacheHits += s.cacheHits;
    for (const value of s.latencies) t.latencies.push(value);
    for (const [status, count] of s.statuses) t.statuses.set(status, (t.statuses.get(status) ?? 0) + count);
  }
  t.latencies.sort((a, b) => a - b);
  return t;
}

const statusList = (statuses: Map<number, number>) => [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');

function printKinds(stats: PhaseStats): void {
  console.log(`  ${'kind'.padEnd(36)} ${'answered'.padStart(8)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)}  mism. t/o  cached  statuses`);
  for (const [kind, s] of stats.byKind) {
    const sorted = [...s.latencies].sort((a, b) => a - b);
    console.log(
      `  ${`${kind.valid ? '' : '✗ '}${kind.name}`.padEnd(36)} ${String(s.answered).padStart(8)} ${ms(percentile(sorted, 50)).padStart(9)} ${ms(percentile(sorted, 99)).padStart(9)} ${ms(sorted[sorted.length - 1] ?? Number.NaN).padStart(9)}  ${String(s.mismatches).padStart(5)} ${String(s.timeouts + s.connErrors).padStart(3)}  ${pct(s.cacheHits, s.answered).padStart(6)}  ${statusList(s.statuses)}`,
    );
    for (const sampleProblem of s.samples) console.log(`      mismatch: ${sampleProblem}`);
  }
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const schedule = buildSchedule(allKinds);
  const rejectedShare = schedule.filter((k) => !k.valid).length / schedule.length;
  console.log(`newsgraph load test: ${CONNECTIONS} connections, ${DURATION_S} s after a ${WARMUP_S} s warm-up, ${Math.round((1 - rejectedShare) * 100)}% valid / ${Math.round(rejectedShare * 100)}% rejected${BYPASS_CACHE ? ', every valid request unique (bypasses the response cache)' : ''}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs; client and server share this machine`);

  const started = await startServer();
  console.log(`server: pid ${started.pid}, http://${BENCH_HOST}:${started.port}/graphql, LOG_LEVEL=warn`);
  const idleRss = rssKiB(started.pid);

  console.log('\nverification (every variant once, before measuring):');
  await learnTimeline(started.port);
  console.log(`  ok   whole timeline                       ${String(timelineEntries.length).padStart(3)} entries   = events + statements in data/`);
  if (!(await verify(started.port))) {
    await stopServer();
    console.log('\nFAIL: verification failed; not measuring a run whose answers are wrong.');
    return 1;
  }

  let warmupStats: PhaseStats | undefined;
  if (WARMUP_S > 0) {
    warmupStats = newPhaseStats();
    const warm = await runLoad(started.port, WARMUP_S, warmupStats);
    if (wasInterrupted()) return 130;
    const w = totals(warmupStats, true);
    console.log(`\nwarm-up: ${warm.requests.total} responses in ${warm.duration} s, valid p99 ${ms(percentile(w.latencies, 99))}, mismatches ${w.mismatches + totals(warmupStats, false).mismatches}`);
  }
  const rssBefore = rssKiB(started.pid);

  logCounts.clear();
  const stats = newPhaseStats();
  const sampler = sample(started.pid);
  const clientCpuAtStart = process.cpuUsage();
  const loadAtStart = os.loadavg()[0] ?? Number.NaN;
  console.log(`\nrunning ${DURATION_S} s…`);
  const result = await runLoad(started.port, DURATION_S, stats);
  if (wasInterrupted()) return 130;
  const { rss, cpuSeconds, wallSeconds } = sampler.stop();
  const clientCpu = process.cpuUsage(clientCpuAtStart);
  const clientCpuSeconds = (clientCpu.user + clientCpu.system) / 1e6;
  const loadAtEnd = os.loadavg()[0] ?? Number.NaN;
  const serverAlive = !started.exited();

  const valid = totals(stats, true);
  const rejected = totals(stats, false);
  const allAnswered = valid.answered + rejected.answered;
  const inFlightAtStop = valid.sent + rejected.sent - allAnswered - valid.timeouts - rejected.timeouts - valid.connErrors - rejected.connErrors;

  console.log('\nper kind (✗ = must be rejected):');
  printKinds(stats);

  console.log('\nresults');
  console.log(`  requests total        ${result.requests.total} answered in ${result.duration} s (${result.requests.sent} sent; ${Math.max(0, inFlightAtStop)} in flight at stop)`);
  console.log(`  req/s                 median ${result.requests.p50} over 1 s buckets (mean ${result.requests.average.toFixed(0)}, min ${result.requests.min}, max ${result.requests.max})`);
  console.log(`  valid share           ${valid.answered} (${((valid.answered / allAnswered) * 100).toFixed(1)}%), ${(valid.answered / result.duration).toFixed(0)}/s; ${pct(valid.cacheHits, valid.answered)} answered from the server's response cache${BYPASS_CACHE ? ' (LOAD_BYPASS_CACHE=1)' : ''}`);
  console.log(`  valid latency         p50 ${ms(percentile(valid.latencies, 50))}  p90 ${ms(percentile(valid.latencies, 90))}  p99 ${ms(percentile(valid.latencies, 99))}  max ${ms(valid.latencies[valid.latencies.length - 1] ?? Number.NaN)}`);
  const slowSeconds = [...new Set(stats.slowValidAt)];
  console.log(`  valid > ${SLOW_MS} ms        ${stats.slowValidAt.length} (${((stats.slowValidAt.length / Math.max(1, valid.answered)) * 100).toFixed(2)}%)${slowSeconds.length > 0 ? `, arriving in second(s) ${slowSeconds.join(', ')} of the run` : ''}`);
  console.log(`  rejected share        ${rejected.answered} (${((rejected.answered / allAnswered) * 100).toFixed(1)}%), latency p50 ${ms(percentile(rejected.latencies, 50))}  p99 ${ms(percentile(rejected.latencies, 99))}  max ${ms(rejected.latencies[rejected.latencies.length - 1] ?? Number.NaN)}`);
  console.log(`  statuses              valid: ${statusList(valid.statuses)}   rejected: ${statusList(rejected.statuses)}`);
  console.log(`  errors / timeouts     valid: ${valid.connErrors} / ${valid.timeouts}   rejected: ${rejected.connErrors} / ${rejected.timeouts}   (autocannon: ${result.errors} errors, ${result.timeouts} timeouts)`);
  console.log(`  mismatches            valid: ${valid.mismatches}   rejected: ${rejected.mismatches}   unattributed events: ${stats.unattributed}`);
  const fiveXx = [...valid.statuses, ...rejected.statuses].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0);
  console.log(`  5xx responses         ${fiveXx}`);

  let rssFlat = false;
  if (rss.length >= 2) {
    const sorted = [...rss].sort((a, b) => a - b);
    const window = Math.min(RSS_WINDOW_S, Math.floor(rss.length / 2));
    const firstAvg = average(rss.slice(0, window));
    const lastAvg = average(rss.slice(-window));
    const growth = lastAvg / firstAvg - 1;
    rssFlat = growth <= RSS_FLAT_TOLERANCE;
    console.log(`  server RSS            idle ${idleRss ? mib(idleRss) : '-'}, after warm-up ${rssBefore ? mib(rssBefore) : '-'}; during the run (${rss.length} samples, 1/s): min ${mib(sorted[0] ?? 0)}  median ${mib(percentile(sorted, 50))}  max ${mib(sorted[sorted.length - 1] ?? 0)}`);
    console.log(`  RSS first ${window} s vs last ${window} s   average ${mib(firstAvg)} -> ${mib(lastAvg)} (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%; flat if at most +${RSS_FLAT_TOLERANCE * 100}%): ${rssFlat ? 'flat' : 'GROWING'}`);
    // RSS is a sawtooth (heap grows, a full GC gives pages back); the floor after GC shows a leak more plainly.
    const firstFloor = Math.min(...rss.slice(0, window));
    const lastFloor = Math.min(...rss.slice(-window));
    console.log(`                        floor (lowest sample) ${mib(firstFloor)} -> ${mib(lastFloor)} (${lastFloor >= firstFloor ? '+' : ''}${((lastFloor / firstFloor - 1) * 100).toFixed(1)}%)`);
  } else {
    console.log('  server RSS            not enough samples');
  }
  console.log(`  per second            responses: ${stats.perSecond.join(' ')}`);
  console.log(`                        server RSS (MiB): ${rss.map((kib) => Math.round(kib / 1024)).join(' ')}`);
  console.log(`  CPU                   server ${((cpuSeconds / wallSeconds) * 100).toFixed(0)}% of one core, client (this process) ${((clientCpuSeconds / wallSeconds) * 100).toFixed(0)}%; machine load average ${loadAtStart.toFixed(2)} at start, ${loadAtEnd.toFixed(2)} at end (${os.cpus().length} CPUs)`);
  const logLines = [...logCounts].sort(([, a], [, b]) => b - a);
  const logTotal = logLines.reduce((sum, [, count]) => sum + count, 0);
  console.log(`  server log (warn+)    ${logTotal} lines during the run${logTotal > 0 ? ':' : ''}`);
  for (const [line, count] of logLines.slice(0, 6)) console.log(`      ${String(count).padStart(7)} × ${line}`);

  const failures: string[] = [];
  if (!serverAlive) failures.push('the server exited during the run');
  if (valid.answered === 0) failures.push('no valid responses');
  if (valid.connErrors + valid.timeouts > 0) failures.push(`${valid.connErrors} errors and ${valid.timeouts} timeouts on the valid share`);
  if (valid.mismatches + rejected.mismatches > 0) failures.push(`${valid.mismatches + rejected.mismatches} mismatched responses`);
  if (fiveXx > 0) failures.push(`${fiveXx} 5xx responses`);
  if (stats.unattributed > 0) failures.push(`${stats.unattributed} responses or errors not attributable to a request`);
  if (!rssFlat) failures.push('RSS not flat');
  if (warmupStats) {
    const wv = totals(warmupStats, true);
    const wr = totals(warmupStats, false);
    if (wv.mismatches + wr.mismatches + wv.timeouts + wv.connErrors > 0) failures.push('mismatches, errors or timeouts during the warm-up');
  }

  const exitCode = await stopServer();
  console.log(`\nserver stopped (exit code ${String(exitCode)})`);
  if (failures.length > 0) {
    console.log(`FAIL: ${failures.join('; ')}`);
    return 1;
  }
  console.log(`PASS: ${valid.answered} valid responses, 0 errors, 0 timeouts, 0 mismatches, valid p99 ${ms(percentile(valid.latencies, 99))}, RSS flat`);
  return 0;
}

runBenchmark('bench:load', main, async () => {
  await stopServer();
});
