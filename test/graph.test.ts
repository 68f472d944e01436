/**
 * The entity graph (`neighborhood`, `path`) through the real server, checked against a graph the test
 * builds itself from the fixture dataset (test/fixtures/dataset): same vertices, same edges, real evidence, shortest paths.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { eventSchema, organizationSchema, personSchema, sourceSchema, statementSchema } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { createTestServer, dataDir, query, queryData, type GraphQLResponse } from './helpers.js';

type SourceData = z.input<typeof sourceSchema>;
type PersonData = z.input<typeof personSchema>;
type OrganizationData = z.input<typeof organizationSchema>;
type EventData = z.input<typeof eventSchema>;
type StatementData = z.input<typeof statementSchema>;

async function readData<T>(file: string): Promise<T[]> {
  return JSON.parse(await readFile(path.join(dataDir, file), 'utf8')) as T[];
}

// ---------------------------------------------------------------------------------------------
// The expected graph, computed from the JSON alone
// ---------------------------------------------------------------------------------------------

interface ExpectedEdge {
  kind: string;
  from: string;
  to: string;
  /** The first span of the edge's evidence: with kind and ends, what tells parallel edges apart. */
  start: number;
  end: number;
}

interface Span {
  sourceId: string;
  start: number;
  end: number;
  text: string;
}

const typenameBySlug = new Map<string, string>();
let sourceTextById: Map<string, string>;
let expectedEdges: ExpectedEdge[];
/** Edge key → every span of the edge's provenance, in recorded order. */
let expectedSpans: Map<string, Span[]>;
/** Undirected adjacency: slug → neighbor slugs. */
let adjacency: Map<string, Set<string>>;

function edgeKey(edge: ExpectedEdge): string {
  return `${edge.kind} ${edge.from} ${edge.to} ${edge.start}-${edge.end}`;
}

function globalId(typename: string, slug: string): string {
  return Buffer.from(`${typename}:${slug}`, 'utf8').toString('base64url');
}

function slugOf(id: string): string {
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  const [typename, slug] = decoded.split(':') as [string, string];
  expect(typenameBySlug.get(slug)).toBe(typename);
  return slug;
}

/** Vertex slug → distance from `center`, by breadth-first search over the undirected JSON edges. */
function distancesFrom(center: string, maxDepth = Infinity): Map<string, number> {
  const distance = new Map([[center, 0]]);
  let layer = [center];
  for (let d = 1; d <= maxDepth && layer.length > 0; d++) {
    const next: string[] = [];
    for (const id of layer) {
      for (const neighbor of adjacency.get(id) ?? []) {
        if (!distance.has(neighbor)) {
          distance.set(neighbor, d);
          next.push(neighbor);
        }
      }
    }
    layer = next;
  }
  return distance;
}

/** Keys of every JSON edge whose two ends are both in `slugs`. */
function edgesAmong(slugs: Set<string>): string[] {
  return expectedEdges.filter((edge) => slugs.has(edge.from) && slugs.has(edge.to)).map(edgeKey).sort();
}

let yoga: NewsgraphYoga;

beforeAll(async () => {
  yoga = await createTestServer();
  const [sources, persons, countries, organizations, events, statements] = await Promise.all([
    readData<SourceData>('sources.json'),
    readData<PersonData>('persons.json'),
    readData<{ id: string }>('countries.json'),
    readData<OrganizationData>('organizations.json'),
    readData<EventData>('events.json'),
    readData<StatementData>('statements.json'),
  ]);
  sourceTextById = new Map(sources.map((source) => [source.id, source.text]));
  for (const [records, typename] of [
    [persons, 'Person'],
    [countries, 'Country'],
    [organizations, 'Organization'],
    [events, 'Event'],
    [statements, 'Statement'],
  ] as const) {
    for (const record of records) typenameBySlug.set(record.id, typename);
  }

  const edges = new Map<string, ExpectedEdge>();
  expectedSpans = new Map();
  // Only links with words in a source are edges: a link resting on inference alone has no span to show.
  const add = (kind: string, from: string, to: string, evidence: Span[]) => {
    const [first] = evidence;
    if (!first) return;
    const edge = { kind, from, to, start: first.start, end: first.end };
    if (edges.has(edgeKey(edge))) return;
    edges.set(edgeKey(edge), edge);
    expectedSpans.set(edgeKey(edge), evidence);
  };
  for (const person of persons) {
    for (const role of person.roles ?? []) {
      if (role.organizationId) add('HOLDS_ROLE_AT', person.id, role.organizationId, role.evidence);
      if (role.countryId) add('HOLDS_ROLE_AT', person.id, role.countryId, role.evidence);
    }
  }
  for (const organization of organizations) {
    for (const membership of organization.memberships ?? []) add('MEMBER_OF', membership.countryId, organization.id, membership.evidence);
  }
  for (const event of events) {
    for (const participation of event.participants ?? []) add('PARTICIPATED_IN', participation.entityId, event.id, participation.evidence);
    for (const location of event.locations ?? []) if (location.countryId) add('LOCATED_IN', event.id, location.countryId, location.evidence);
    if (event.partOf) add('PART_OF', event.id, event.partOf.eventId, event.partOf.evidence);
  }
  for (const statement of statements) {
    // One SAID edge with the words of every report; one RELAYED edge a relayer, with the words that
    // name it, or the report's attribution when no words do.
    if (statement.speakerId) add('SAID', statement.speakerId, statement.id, statement.reports.map((report) => report.evidence));
    const relayed = new Map<string, Span[]>();
    for (const report of statement.reports) {
      if (!report.relayedBy) continue;
      const spans = report.relayedBy.evidence.length > 0 ? report.relayedBy.evidence : [report.attribution];
      relayed.set(report.relayedBy.entityId, [...(relayed.get(report.relayedBy.entityId) ?? []), ...spans]);
    }
    for (const [relayerId, spans] of relayed) add('RELAYED', relayerId, statement.id, spans);
    for (const mention of statement.mentions ?? []) add('MENTIONS', statement.id, mention.entityId, mention.evidence);
  }
  expectedEdges = [...edges.values()];
  adjacency = new Map();
  for (const { from, to } of expectedEdges) {
    for (const [a, b] of [[from, to], [to, from]] as const) {
      if (!adjacency.has(a)) adjacency.set(a, new Set());
      adjacency.get(a)!.add(b);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

interface GraphNodeResult {
  id: string;
  kind: string;
  label: string;
  distance: number;
  node: { __typename: string; id: string };
}

interface EvidenceResult {
  start: number;
  end: number;
  text: string;
  source: { slug: string };
}

interface GraphEdgeResult {
  id: string;
  kind: string;
  from: string;
  to: string;
  label: string;
  inferred: boolean;
  note: string | null;
  /** Deprecated: the first span of `provenance.evidence`. */
  evidence: EvidenceResult;
  provenance: { evidence: EvidenceResult[]; inferred: boolean; note: string | null; sourceCount: number };
}

interface NeighborhoodResult {
  center: { __typename: string; id: string };
  nodes: GraphNodeResult[];
  edges: GraphEdgeResult[];
  truncated: boolean;
}

interface PathResult {
  length: number;
  nodes: GraphNodeResult[];
  edges: { direction: 'FORWARD' | 'BACKWARD'; edge: GraphEdgeResult }[];
}

const nodeFields = 'id kind label distance node { __typename id }';
const evidenceFields = 'start end text source { slug }';
const edgeFields = `id kind from to label inferred note evidence { ${evidenceFields} } provenance { evidence { ${evidenceFields} } inferred note sourceCount }`;

async function neighborhood(id: string, depth?: number, limit?: number): Promise<NeighborhoodResult> {
  const data = await queryData<{ neighborhood: NeighborhoodResult }>(
    yoga,
    `query ($id: ID!, $depth: Int, $limit: Int) {
      neighborhood(id: $id, depth: $depth, limit: $limit) {
        center { __typename id }
        nodes { ${nodeFields} }
        edges { ${edgeFields} }
        truncated
      }
    }`,
    { id, depth, limit },
  );
  return data.neighborhood;
}

async function shortestPath(from: string, to: string, maxLength?: number): Promise<PathResult | null> {
  const data = await queryData<{ path: PathResult | null }>(
    yoga,
    `query ($from: ID!, $to: ID!, $maxLength: Int) {
      path(from: $from, to: $to, maxLength: $maxLength) {
        length
        nodes { ${nodeFields} }
        edges { direction edge { ${edgeFields} } }
      }
    }`,
    { from, to, maxLength },
  );
  return data.path;
}

function keyOf(edge: GraphEdgeResult): string {
  const [first] = edge.provenance.evidence;
  return edgeKey({ kind: edge.kind, from: slugOf(edge.from), to: slugOf(edge.to), start: first!.start, end: first!.end });
}

/**
 * Every span of the edge is the source text at its offsets, and they are the spans of the link in the
 * data; the deprecated `evidence` is the first of them, and the edge's inference is its provenance's.
 */
function expectEvidenceMatchesSource(edge: GraphEdgeResult): void {
  expect(edge.provenance.evidence.length, `spans of edge ${edge.id}`).toBeGreaterThan(0);
  for (const span of edge.provenance.evidence) {
    const text = sourceTextById.get(span.source.slug);
    expect(text, `source of edge ${edge.id}`).toBeDefined();
    expect(span.text).toBe(text!.slice(span.start, span.end));
  }
  const expected = expectedSpans.get(keyOf(edge));
  expect(expected, `edge ${keyOf(edge)} in the data`).toBeDefined();
  expect(edge.provenance.evidence).toEqual(expected!.map((span) => ({ start: span.start, end: span.end, text: span.text, source: { slug: span.sourceId } })));
  expect(edge.provenance.sourceCount).toBe(new Set(edge.provenance.evidence.map((span) => span.source.slug)).size);
  expect(edge.evidence).toEqual(edge.provenance.evidence[0]);
  expect({ inferred: edge.inferred, note: edge.note }).toEqual({ inferred: edge.provenance.inferred, note: edge.provenance.note });
}

/** Each node's id, kind and loaded record agree with each other and with the data files. */
function expectConsistentNodes(nodes: GraphNodeResult[]): void {
  for (const node of nodes) {
    const slug = slugOf(node.id);
    expect(node.node).toEqual({ __typename: typenameBySlug.get(slug), id: node.id });
    expect(node.kind).toBe(node.node.__typename.toUpperCase());
    expect(node.label.length).toBeGreaterThan(0);
  }
}

function expectFieldError(result: GraphQLResponse, field: string, code: string): void {
  expect(result.status).toBe(200);
  expect(result.data?.[field]).toBeNull();
  expect(result.errors?.map((error) => ({ path: error.path, code: error.extensions?.code }))).toEqual([{ path: [field], code }]);
}

// ---------------------------------------------------------------------------------------------
// neighborhood
// ---------------------------------------------------------------------------------------------

describe('Query.neighborhood', () => {
  it('at depth 1 around Kerry, returns exactly him and the vertices adjacent to him in the data, and every edge among them', async () => {
    const result = await neighborhood('john-kerry');
    const expected = distancesFrom('john-kerry', 1);
    expect(result.center).toEqual({ __typename: 'Person', id: globalId('Person', 'john-kerry') });
    expect(result.truncated).toBe(false);
    expect(result.nodes[0]).toMatchObject({ id: globalId('Person', 'john-kerry'), distance: 0, label: 'John Kerry' });
    expect(new Map(result.nodes.map((node) => [slugOf(node.id), node.distance]))).toEqual(expected);
    expect(result.nodes).toHaveLength(expected.size);
    // He said things, held a role, took part in events and is mentioned: the depth-1 set spans every vertex kind but one.
    expect(new Set(result.nodes.map((node) => node.kind))).toEqual(new Set(['PERSON', 'COUNTRY', 'ORGANIZATION', 'EVENT', 'STATEMENT']));
    expectConsistentNodes(result.nodes);
    expect(result.edges.map(keyOf).sort()).toEqual(edgesAmong(new Set(expected.keys())));
  });

  it('at every depth, returns the vertices within that many edges, each at its BFS distance, in order of distance', async () => {
    for (const depth of [1, 2, 3]) {
      const result = await neighborhood('justin-trudeau', depth, 500);
      const expected = distancesFrom('justin-trudeau', depth);
      expect(new Map(result.nodes.map((node) => [slugOf(node.id), node.distance]))).toEqual(expected);
      expect(result.nodes.map((node) => node.distance)).toEqual([...result.nodes.map((node) => node.distance)].sort((a, b) => a - b));
      expect(result.edges.map(keyOf).sort()).toEqual(edgesAmong(new Set(expected.keys())));
    }
  });

  it('gives every edge evidence equal to the source text at its offsets, a unique id and ends among the nodes', async () => {
    const result = await neighborhood('john-kerry', 3, 500);
    expect(result.edges.length).toBeGreaterThan(50);
    const nodeIds = new Set(result.nodes.map((node) => node.id));
    expect(new Set(result.edges.map((edge) => edge.id)).size).toBe(result.edges.length);
    for (const edge of result.edges) {
      expectEvidenceMatchesSource(edge);
      expect(nodeIds.has(edge.from) && nodeIds.has(edge.to)).toBe(true);
      expect(edge.label.length).toBeGreaterThan(0);
    }
    const role = result.edges.find((edge) => edge.kind === 'HOLDS_ROLE_AT' && slugOf(edge.from) === 'john-kerry' && slugOf(edge.to) === 'state-department');
    expect(role).toMatchObject({ label: 'Secretary of State', inferred: true, provenance: { evidence: [{ text: 'Secretary of State John Kerry' }], inferred: true } });
    const perpetrator = result.edges.find((edge) => edge.kind === 'PARTICIPATED_IN' && slugOf(edge.to) === 'paris-attacks' && slugOf(edge.from) === 'islamic-state');
    expect(perpetrator?.label).toBe('perpetrator');
  });

  it('keeps two mentions of the same entity in one statement, at different words, as two edges', async () => {
    const result = await neighborhood('trudeau-canada-strong-member');
    const canada = result.edges.filter((edge) => edge.kind === 'MENTIONS' && slugOf(edge.to) === 'canada');
    expect(canada.map((edge) => edge.provenance.evidence.map((span) => span.text))).toEqual([['Canada'], ['Canada']]);
    expect(new Set(canada.map((edge) => edge.provenance.evidence[0]!.start)).size).toBe(2);
    expect(new Set(canada.map((edge) => edge.id)).size).toBe(2);
  });

  it('at depth 2 contains every node and edge of depth 1', async () => {
    const [one, two] = [await neighborhood('john-kerry', 1), await neighborhood('john-kerry', 2, 500)];
    expect(two.truncated).toBe(false);
    expect(two.nodes.length).toBeGreaterThan(one.nodes.length);
    const nodesAtTwo = new Map(two.nodes.map((node) => [node.id, node]));
    for (const node of one.nodes) expect(nodesAtTwo.get(node.id)).toEqual(node);
    const edgesAtTwo = new Set(two.edges.map((edge) => edge.id));
    for (const edge of one.edges) expect(edgesAtTwo.has(edge.id)).toBe(true);
  });

  it('accepts a global id of any kind of vertex as well as a slug', async () => {
    expect(await neighborhood(globalId('Person', 'john-kerry'))).toEqual(await neighborhood('john-kerry'));
    const statement = await neighborhood(globalId('Statement', 'stoltenberg-direct-dialogue'));
    expect(statement.center).toEqual({ __typename: 'Statement', id: globalId('Statement', 'stoltenberg-direct-dialogue') });
    expect(new Set(statement.nodes.map((node) => slugOf(node.id)))).toEqual(new Set(distancesFrom('stoltenberg-direct-dialogue', 1).keys()));
  });

  it('stops at `limit` nodes, in BFS order, keeping only the edges between them, and says it truncated', async () => {
    const full = await neighborhood('john-kerry', 2, 500);
    const atDepthOne = full.nodes.filter((node) => node.distance <= 1).length;
    for (const limit of [1, 5, atDepthOne, atDepthOne + 1, full.nodes.length - 1]) {
      const cut = await neighborhood('john-kerry', 2, limit);
      expect(cut.truncated).toBe(true);
      expect(cut.nodes).toEqual(full.nodes.slice(0, limit));
      const kept = new Set(cut.nodes.map((node) => slugOf(node.id)));
      expect(cut.edges.map(keyOf).sort()).toEqual(edgesAmong(kept));
      // Edges come in the order of the nodes they join, so a smaller limit gives a prefix of the edges.
      expect(cut.edges).toEqual(full.edges.slice(0, cut.edges.length));
    }
    const exact = await neighborhood('john-kerry', 2, full.nodes.length);
    expect(exact).toEqual(full);
  });

  it('returns the same result on every call', async () => {
    expect(await neighborhood('nato', 2, 40)).toEqual(await neighborhood('nato', 2, 40));
  });

  it('rejects depth outside 1..3 and limit outside 1..500 with BAD_USER_INPUT', async () => {
    for (const args of [{ depth: 0 }, { depth: 4 }, { limit: 0 }, { limit: 501 }, { depth: -1, limit: 10 }]) {
      const result = await query(yoga, 'query ($depth: Int, $limit: Int) { neighborhood(id: "john-kerry", depth: $depth, limit: $limit) { truncated } }', args);
      expectFieldError(result, 'neighborhood', 'BAD_USER_INPUT');
    }
  });

  it('answers NOT_FOUND for an unknown slug or id, BAD_USER_INPUT for a malformed id or one outside the graph', async () => {
    const run = (id: string) => query(yoga, 'query ($id: ID!) { neighborhood(id: $id) { truncated } }', { id });
    expectFieldError(await run('john-kery'), 'neighborhood', 'NOT_FOUND');
    expectFieldError(await run(globalId('Person', 'nobody')), 'neighborhood', 'NOT_FOUND');
    expectFieldError(await run(globalId('Person', 'canada')), 'neighborhood', 'NOT_FOUND');
    expectFieldError(await run('kerry-to-nato-ante-up'), 'neighborhood', 'NOT_FOUND');
    expectFieldError(await run('not a slug or an id'), 'neighborhood', 'BAD_USER_INPUT');
    expectFieldError(await run(globalId('Source', 'kerry-to-nato-ante-up')), 'neighborhood', 'BAD_USER_INPUT');
  });

  it('leaves other root fields answering when it fails', async () => {
    const result = await query(yoga, '{ neighborhood(id: "nobody") { truncated } person(slug: "john-kerry") { name } }');
    expect(result.data).toEqual({ neighborhood: null, person: { name: 'John Kerry' } });
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
  });
});

// ---------------------------------------------------------------------------------------------
// path
// ---------------------------------------------------------------------------------------------

/** Each step joins consecutive nodes along a real data edge, in the direction it claims, with real evidence. */
function expectValidPath(result: PathResult, from: string, to: string): void {
  expect(result.nodes.map((node) => node.distance)).toEqual([...Array(result.length + 1).keys()]);
  expect(slugOf(result.nodes[0]!.id)).toBe(from);
  expect(slugOf(result.nodes.at(-1)!.id)).toBe(to);
  expect(result.edges).toHaveLength(result.length);
  const known = new Set(expectedEdges.map(edgeKey));
  result.edges.forEach(({ direction, edge }, i) => {
    const [here, there] = [result.nodes[i]!.id, result.nodes[i + 1]!.id];
    expect([edge.from, edge.to]).toEqual(direction === 'FORWARD' ? [here, there] : [there, here]);
    expect(known.has(keyOf(edge)), keyOf(edge)).toBe(true);
    expectEvidenceMatchesSource(edge);
  });
  expectConsistentNodes(result.nodes);
}

describe('Query.path', () => {
  it('connects Justin Trudeau to Tayyip Erdogan by a shortest chain of evidenced edges', async () => {
    const result = await shortestPath('justin-trudeau', 'tayyip-erdogan');
    expect(result).not.toBeNull();
    expect(result!.length).toBe(distancesFrom('justin-trudeau').get('tayyip-erdogan'));
    expectValidPath(result!, 'justin-trudeau', 'tayyip-erdogan');
  });

  it('finds a shortest path for every pair of persons, and none when maxLength is shorter', async () => {
    const persons = [...typenameBySlug].filter(([, typename]) => typename === 'Person').map(([slug]) => slug);
    for (const from of persons) {
      const distances = distancesFrom(from);
      for (const to of persons) {
        const result = await shortestPath(from, to, 8);
        expect(result?.length).toBe(distances.get(to));
        expectValidPath(result!, from, to);
        if (result!.length > 1) expect(await shortestPath(from, to, result!.length - 1)).toBeNull();
      }
    }
  });

  it('accepts global ids, and returns the same path on every call', async () => {
    const bySlug = await shortestPath('justin-trudeau', 'tayyip-erdogan');
    expect(await shortestPath(globalId('Person', 'justin-trudeau'), globalId('Person', 'tayyip-erdogan'))).toEqual(bySlug);
    expect(await shortestPath('justin-trudeau', 'tayyip-erdogan')).toEqual(bySlug);
  });

  it('has length 0 from a node to itself', async () => {
    const result = await shortestPath('canada', 'canada');
    expect(result).toMatchObject({ length: 0, edges: [], nodes: [{ id: globalId('Country', 'canada'), distance: 0, kind: 'COUNTRY', label: 'Canada' }] });
  });

  it('rejects maxLength outside 1..8 with BAD_USER_INPUT', async () => {
    for (const maxLength of [0, 9, -3]) {
      const result = await query(yoga, 'query ($m: Int) { path(from: "justin-trudeau", to: "tayyip-erdogan", maxLength: $m) { length } }', { m: maxLength });
      expectFieldError(result, 'path', 'BAD_USER_INPUT');
    }
  });

  it('answers NOT_FOUND for an unknown slug at either end and BAD_USER_INPUT for a malformed id', async () => {
    const run = (from: string, to: string) => query(yoga, 'query ($from: ID!, $to: ID!) { path(from: $from, to: $to) { length } }', { from, to });
    expectFieldError(await run('justin-trudeau', 'tayyip-erdogan-2'), 'path', 'NOT_FOUND');
    expectFieldError(await run('nobody', 'tayyip-erdogan'), 'path', 'NOT_FOUND');
    expectFieldError(await run('justin-trudeau', 'UGVyc29uOm5vYm9keQ=='), 'path', 'BAD_USER_INPUT');
  });
});
