/**
 * The entity graph: persons, countries, organizations, events and statements as vertices, joined by
 * typed, evidenced edges derived from the records. Built once per knowledge base (records never
 * change after load), so a request only walks it. No GraphQL here; `src/schema/graph.ts` serves it.
 *
 * Every edge is one link of a record with its evidence spans (one or more, from any sources): a role
 * two sources state is one edge with two spans. Links that may rest on inference alone (an
 * organization's parent or country, the events a statement was said at or is about) are not edges.
 * Parallel edges are kept apart unless they are identical in kind, ends, first evidence span, label
 * and `inferred`: two mentions of Canada in one statement, at different words, are two edges.
 */
import { createHash } from 'node:crypto';
import type { EntityKind, KnowledgeBase } from './knowledge-base.js';
import { entityAndStatementCollections, type EventRecord, type Evidence, type OrganizationRecord, type PersonRecord, type StatementRecord } from './records.js';

export type GraphEdgeKind = 'SAID' | 'RELAYED' | 'MENTIONS' | 'PARTICIPATED_IN' | 'MEMBER_OF' | 'HOLDS_ROLE_AT' | 'LOCATED_IN' | 'PART_OF';

export type TraversalDirection = 'FORWARD' | 'BACKWARD';

export interface GraphEdge {
  /** Stable across restarts and loads of the same data: a hash of everything that makes the edge itself. */
  readonly id: string;
  readonly kind: GraphEdgeKind;
  /** Record ids (slugs) of the ends, in the edge's own direction. */
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly inferred: boolean;
  readonly note: string | undefined;
  /** The spans that state the edge's link, in the order they were recorded; at least one. */
  readonly evidence: readonly Evidence[];
}

/** An edge as seen from one of its ends. */
export interface Incidence {
  readonly edge: GraphEdge;
  readonly neighbor: string;
  /** FORWARD when the edge leaves the vertex it is listed under. */
  readonly direction: TraversalDirection;
}

export interface GraphVertex {
  readonly id: string;
  /** Steps from the center (neighborhood) or from the start (path). */
  readonly distance: number;
}

export interface Neighborhood {
  /** The center first, then by distance, then data-file order. */
  readonly vertices: readonly GraphVertex[];
  /** Every edge between two returned vertices, ordered by the later of its ends in `vertices`, then build order. */
  readonly edges: readonly GraphEdge[];
  /** True when vertices within the depth were left out because of the limit. */
  readonly truncated: boolean;
}

export interface PathStep {
  readonly edge: GraphEdge;
  readonly direction: TraversalDirection;
}

export interface GraphPath {
  /** From the start to the end; `distance` is the vertex's position on the path. */
  readonly vertices: readonly GraphVertex[];
  readonly steps: readonly PathStep[];
}

export type VertexKind = EntityKind;

/**
 * A vertex's place in data-file order (persons, countries, organizations, events, statements, each
 * collection in its own order, statements in source order): a number in memory, a fixed-width text key
 * in PostgreSQL. Ranks are only ever compared with ranks from the same store.
 */
export type VertexRank = number | string;

function compareRanks(a: VertexRank, b: VertexRank): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const noIncidences: readonly Incidence[] = Object.freeze([]);

/**
 * An edge. Its id (a SHA-256 of what makes the edge itself) is worked out when first read: hashing
 * every edge at load was a large part of building the graph at scale, and a request reads the ids of
 * a few edges only. Frozen like a plain record; the cached id and the build-order key are private
 * fields, which freezing allows and which stores need not agree on beyond their order.
 */
class Edge implements GraphEdge {
  #id: string | undefined;
  /** Build order: the rank of the record that states the edge, then the edge's place among that record's edges. */
  readonly #rank: VertexRank;
  readonly #ordinal: number;

  constructor(
    readonly kind: GraphEdgeKind,
    readonly from: string,
    readonly to: string,
    readonly label: string,
    readonly inferred: boolean,
    readonly note: string | undefined,
    readonly evidence: readonly Evidence[],
    rank: VertexRank,
    ordinal: number,
  ) {
    this.#rank = rank;
    this.#ordinal = ordinal;
    Object.freeze(this);
  }

  get id(): string {
    this.#id ??= createHash('sha256')
      .update(JSON.stringify([this.kind, this.from, this.to, this.evidence[0]!.sourceId, this.evidence[0]!.start, this.evidence[0]!.end, this.label, this.inferred]))
      .digest('base64url')
      .slice(0, 22);
    return this.#id;
  }

  /** Build order: data-file order of the record that states an edge, then the order that record states its edges in. */
  static compare(a: GraphEdge, b: GraphEdge): number {
    const x = a as Edge;
    const y = b as Edge;
    return compareRanks(x.#rank, y.#rank) || x.#ordinal - y.#ordinal;
  }
}

/** Compares two edges of one store by build order (data-file order of the record that states each, then that record's own order). */
export const compareEdges: (a: GraphEdge, b: GraphEdge) => number = Edge.compare;

/** A record that states edges, as default queries see it (nothing retracted), with its kind. Countries state none. */
export type StatingRecord =
  | { kind: 'Person'; record: PersonRecord }
  | { kind: 'Organization'; record: OrganizationRecord }
  | { kind: 'Event'; record: EventRecord }
  | { kind: 'Statement'; record: StatementRecord };

/**
 * The edges one record states, in build order, each identical edge once. Every store builds its edges
 * with this, so edge ids, labels, evidence and order are the same whichever store answers.
 *
 * Identical edges can only come from one record: each edge has at one end the record that states it
 * (the person of a role, the organization of a membership, the event, the statement), and each kind is
 * stated by one type of record. So a new edge is compared with the edges of its own record only.
 */
export function edgesOfRecord(stating: StatingRecord, rank: VertexRank): GraphEdge[] {
  const edges: Edge[] = [];
  const add = (kind: GraphEdgeKind, from: string, to: string, label: string, evidence: readonly Evidence[], inferred = false, note?: string) => {
    const first = evidence[0];
    if (!first) return;
    for (const other of edges) {
      if (
        other.kind === kind && other.from === from && other.to === to && other.label === label && other.inferred === inferred &&
        other.evidence[0]!.sourceId === first.sourceId && other.evidence[0]!.start === first.start && other.evidence[0]!.end === first.end
      ) {
        return;
      }
    }
    edges.push(new Edge(kind, from, to, label, inferred, note, evidence, rank, edges.length));
  };
  switch (stating.kind) {
    case 'Person': {
      const person = stating.record;
      for (const role of person.roles) {
        for (const target of [role.organizationId, role.countryId]) {
          if (target) add('HOLDS_ROLE_AT', person.id, target, role.title, role.evidence, role.inferred, role.note);
        }
      }
      break;
    }
    case 'Organization': {
      const organization = stating.record;
      for (const membership of organization.memberships) {
        add('MEMBER_OF', membership.countryId, organization.id, membership.role ?? 'member', membership.evidence, membership.inferred, membership.note);
      }
      break;
    }
    case 'Event': {
      const event = stating.record;
      for (const participation of event.participants) {
        add('PARTICIPATED_IN', participation.entityId, event.id, participation.role, participation.evidence, participation.inferred, participation.note);
      }
      for (const location of event.locations) {
        if (location.countryId) add('LOCATED_IN', event.id, location.countryId, location.city ?? 'located in', location.evidence, location.inferred, location.note);
      }
      if (event.partOf) add('PART_OF', event.id, event.partOf.eventId, 'part of', event.partOf.evidence, event.partOf.inferred, event.partOf.note);
      break;
    }
    case 'Statement': {
      const statement = stating.record;
      const label = statement.kind === 'QUOTE' ? 'quoted' : statement.kind === 'PARAPHRASE' ? 'said' : 'read as saying';
      if (statement.speakerId) add('SAID', statement.speakerId, statement.id, label, statement.reports.map((report) => report.evidence));
      // One RELAYED edge a relayer, with the spans of every report it relayed: its own words where the
      // link has them, else the report's attribution, which names the relayer or the channel.
      const relayed = new Map<string, { evidence: Evidence[]; inferred: boolean; note?: string }>();
      for (const report of statement.reports) {
        if (!report.relayedBy) continue;
        const spans = report.relayedBy.evidence.length > 0 ? report.relayedBy.evidence : [report.attribution];
        const entry = relayed.get(report.relayedBy.entityId);
        if (entry) entry.evidence.push(...spans);
        else relayed.set(report.relayedBy.entityId, { evidence: [...spans], inferred: report.relayedBy.inferred, note: report.relayedBy.note });
      }
      for (const [relayerId, link] of relayed) add('RELAYED', relayerId, statement.id, 'relayed', link.evidence, link.inferred, link.note);
      for (const mention of statement.mentions) add('MENTIONS', statement.id, mention.entityId, 'mentions', mention.evidence, mention.inferred, mention.note);
      break;
    }
  }
  return edges;
}

/** Puts a vertex's incidences in walk order: by neighbor in data-file order, parallel edges in build order. Sorts in place. */
function sortIncidences(incidences: Incidence[], rankOf: (id: string) => VertexRank): Incidence[] {
  if (incidences.length < 2) return incidences;
  // Lists are often built in that order already; the others are sorted on ranks looked up once per
  // incidence, not twice per comparison.
  const keyed = incidences.map((incidence) => ({ incidence, rank: rankOf(incidence.neighbor) }));
  const ordered = (a: (typeof keyed)[number], b: (typeof keyed)[number]) => compareRanks(a.rank, b.rank) || Edge.compare(a.incidence.edge, b.incidence.edge);
  if (keyed.every((entry, i) => i === 0 || ordered(keyed[i - 1]!, entry) <= 0)) return incidences;
  keyed.sort(ordered);
  keyed.forEach((entry, i) => (incidences[i] = entry.incidence));
  return incidences;
}

/** What a walk reads of a graph: the incidences of the vertices it has asked for, and the kind and rank of any vertex they reach. */
interface GraphView {
  kindOf(id: string): VertexKind | undefined;
  rank(id: string): VertexRank;
  incidences(id: string): readonly Incidence[];
}

/**
 * A walk over a graph, written once for every store: before reading the incidences of some vertices it
 * yields them, so a store that fetches can fetch them all in one batch (one SQL statement per layer);
 * the in-memory graph, which holds every incidence, ignores the yields.
 */
type Walk<T> = Generator<readonly string[], T, void>;

function assertVertex(view: GraphView, id: string): void {
  if (!view.kindOf(id)) throw new Error(`"${id}" is not a vertex of the entity graph`);
}

/** `EntityGraph.neighborhood`, as a walk. */
function* neighborhoodWalk(view: GraphView, center: string, depth: number, limit: number): Walk<Neighborhood> {
  yield [center];
  assertVertex(view, center);
  const position = new Map<string, number>([[center, 0]]);
  const vertices: GraphVertex[] = [{ id: center, distance: 0 }];
  let layer = [center];
  let truncated = false;
  for (let distance = 1; distance <= depth && layer.length > 0 && !truncated; distance++) {
    yield layer;
    const next = new Set<string>();
    for (const id of layer) {
      for (const { neighbor } of view.incidences(id)) if (!position.has(neighbor)) next.add(neighbor);
    }
    layer = [...next].sort((a, b) => compareRanks(view.rank(a), view.rank(b)));
    if (vertices.length + layer.length > limit) {
      layer = layer.slice(0, limit - vertices.length);
      truncated = true;
    }
    for (const id of layer) {
      position.set(id, vertices.length);
      vertices.push({ id, distance });
    }
  }

  yield vertices.map(({ id }) => id);
  const edges: { edge: GraphEdge; later: number }[] = [];
  for (const { id } of vertices) {
    for (const { edge, neighbor, direction } of view.incidences(id)) {
      // Each edge once, from its `from` end (a self-loop is listed both ways under the same vertex).
      const other = position.get(neighbor);
      if (direction === 'FORWARD' && other !== undefined) edges.push({ edge, later: Math.max(position.get(id)!, other) });
    }
  }
  edges.sort((a, b) => a.later - b.later || Edge.compare(a.edge, b.edge));
  return { vertices, edges: edges.map(({ edge }) => edge), truncated };
}

/** `EntityGraph.shortestPath`, as a walk. */
function* shortestPathWalk(view: GraphView, from: string, to: string, maxLength: number): Walk<GraphPath | null> {
  yield [from, to];
  assertVertex(view, from);
  assertVertex(view, to);
  // Distances to `to`, so the walk from `from` can pick the smallest next vertex that stays shortest.
  const remaining = new Map<string, number>([[to, 0]]);
  let layer = [to];
  for (let distance = 1; distance <= maxLength && !remaining.has(from) && layer.length > 0; distance++) {
    yield layer;
    const next: string[] = [];
    for (const id of layer) {
      for (const { neighbor } of view.incidences(id)) {
        if (remaining.has(neighbor)) continue;
        remaining.set(neighbor, distance);
        next.push(neighbor);
      }
    }
    layer = next;
  }
  const length = remaining.get(from);
  if (length === undefined) return null;

  const vertices: GraphVertex[] = [{ id: from, distance: 0 }];
  const steps: PathStep[] = [];
  for (let at = from, distance = 1; distance <= length; distance++) {
    yield [at];
    // Incidences are in data-file order of the neighbor, so the first that gets closer is the smallest.
    const next = view.incidences(at).find(({ neighbor }) => remaining.get(neighbor) === length - distance)!.neighbor;
    steps.push(bestStep(view, at, next));
    vertices.push({ id: next, distance });
    at = next;
  }
  return { vertices, steps };
}

/** Between parallel edges, a stated (not inferred) one, then the first built. */
function bestStep(view: GraphView, from: string, to: string): PathStep {
  let best: Incidence | undefined;
  for (const incidence of view.incidences(from)) {
    if (incidence.neighbor !== to) continue;
    if (!best || (best.edge.inferred && !incidence.edge.inferred)) best = incidence;
  }
  return { edge: best!.edge, direction: best!.direction };
}

/** Runs a walk over a graph that holds every incidence already. */
function walkInMemory<T>(walk: Walk<T>): T {
  for (;;) {
    const step = walk.next();
    if (step.done) return step.value;
  }
}

export class EntityGraph implements GraphView {
  private readonly kindById = new Map<string, VertexKind>();
  /** Data-file order over all vertices: persons, countries, organizations, events, statements. */
  private readonly rankById = new Map<string, number>();
  private readonly incidencesById = new Map<string, Incidence[]>();

  constructor(kb: KnowledgeBase) {
    for (const [collection, kind] of entityAndStatementCollections) {
      for (const id of kb.orderedIds[collection]) {
        this.rankById.set(id, this.rankById.size);
        this.kindById.set(id, kind);
      }
    }
    const addAll = (stating: StatingRecord) => {
      for (const edge of edgesOfRecord(stating, this.rank(stating.record.id))) {
        for (const end of [edge.from, edge.to]) {
          if (!this.kindById.has(end)) throw new Error(`${edge.kind} edge ${edge.from} -> ${edge.to}: "${end}" is not a vertex of the entity graph`);
        }
        this.incidence(edge.from).push({ edge, neighbor: edge.to, direction: 'FORWARD' });
        this.incidence(edge.to).push({ edge, neighbor: edge.from, direction: 'BACKWARD' });
      }
    };
    for (const record of kb.records.persons) addAll({ kind: 'Person', record });
    for (const record of kb.records.organizations) addAll({ kind: 'Organization', record });
    for (const record of kb.records.events) addAll({ kind: 'Event', record });
    for (const record of kb.records.statements) addAll({ kind: 'Statement', record });

    // Neighbors in data-file order, parallel edges in build order: every walk below is deterministic.
    const rankOf = (id: string) => this.rank(id);
    for (const incidences of this.incidencesById.values()) sortIncidences(incidences, rankOf);
  }

  private incidence(id: string): Incidence[] {
    let list = this.incidencesById.get(id);
    if (!list) this.incidencesById.set(id, (list = []));
    return list;
  }

  /** A vertex's place in data-file order. */
  rank(id: string): number {
    return this.rankById.get(id)!;
  }

  /** The kind of a vertex, or undefined when the id is not one (unknown, or a Source). */
  kindOf(id: string): VertexKind | undefined {
    return this.kindById.get(id);
  }

  /** The edges at a vertex, each with the vertex at its other end; by neighbor in data-file order, then build order. */
  incidences(id: string): readonly Incidence[] {
    return this.incidencesById.get(id) ?? noIncidences;
  }

  /**
   * The vertices within `depth` undirected steps of `center` (at most `limit` of them, the center
   * included) and every edge between them. Layers are taken whole in data-file order until the
   * limit cuts one short.
   */
  neighborhood(center: string, depth: number, limit: number): Neighborhood {
    return walkInMemory(neighborhoodWalk(this, center, depth, limit));
  }

  /**
   * A shortest undirected path from `from` to `to` with at most `maxLength` edges, or null. Among
   * shortest paths, the one whose vertices come first in data-file order, compared from the start;
   * between parallel edges, a stated (not inferred) one, then the first built.
   */
  shortestPath(from: string, to: string, maxLength: number): GraphPath | null {
    return walkInMemory(shortestPathWalk(this, from, to, maxLength));
  }
}

const graphByKb = new WeakMap<KnowledgeBase, EntityGraph>();

/** The graph of a knowledge base, built on the first call and cached for as long as the knowledge base lives. */
export function entityGraphFor(kb: KnowledgeBase): EntityGraph {
  let graph = graphByKb.get(kb);
  if (!graph) graphByKb.set(kb, (graph = new EntityGraph(kb)));
  return graph;
}

/** One batch a store answers for a walk: what it needs to list the incidences of some vertices. */
export interface GraphBatch {
  /**
   * Every record that states an edge at one of the vertices asked for (their own records included), as
   * default queries see it, with its rank; in any order, each once.
   */
  readonly stating: readonly { readonly stating: StatingRecord; readonly rank: VertexRank }[];
  /** The kind and rank of every vertex asked for and of every vertex at an end of those records' edges; vertices only. */
  readonly vertices: ReadonlyMap<string, { readonly kind: VertexKind; readonly rank: VertexRank }>;
}

/** A store's side of a walk: one call, one batch (for PostgreSQL, one SQL statement). */
export type GraphBatchSource = (ids: readonly string[]) => Promise<GraphBatch>;

/**
 * The entity graph of a store that fetches it a batch of vertices at a time: the same walks as
 * `EntityGraph` over incidences built with the same `edgesOfRecord`, so its answers equal the in-memory
 * ones. Each layer of a walk is one batch, and a vertex is fetched at most once per instance: make one
 * per walk (or per request), never share one across changes of the data.
 */
export class BatchedEntityGraph implements GraphView {
  private readonly vertexById = new Map<string, { kind: VertexKind; rank: VertexRank }>();
  private readonly incidencesById = new Map<string, readonly Incidence[]>();
  /** Ids fetched that are not vertices, so they are not asked for again. */
  private readonly notVertices = new Set<string>();

  constructor(private readonly fetch: GraphBatchSource) {}

  kindOf(id: string): VertexKind | undefined {
    return this.vertexById.get(id)?.kind;
  }

  rank(id: string): VertexRank {
    return this.vertexById.get(id)!.rank;
  }

  incidences(id: string): readonly Incidence[] {
    return this.incidencesById.get(id) ?? noIncidences;
  }

  neighborhood(center: string, depth: number, limit: number): Promise<Neighborhood> {
    return this.run(neighborhoodWalk(this, center, depth, limit));
  }

  shortestPath(from: string, to: string, maxLength: number): Promise<GraphPath | null> {
    return this.run(shortestPathWalk(this, from, to, maxLength));
  }

  private async run<T>(walk: Walk<T>): Promise<T> {
    for (;;) {
      const step = walk.next();
      if (step.done) return step.value;
      await this.load(step.value);
    }
  }

  /** Fetches the incidences of the vertices not fetched yet, in one batch. */
  private async load(ids: readonly string[]): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => !this.incidencesById.has(id) && !this.notVertices.has(id));
    if (wanted.length === 0) return;
    const batch = await this.fetch(wanted);
    for (const [id, vertex] of batch.vertices) if (!this.vertexById.has(id)) this.vertexById.set(id, vertex);
    const wantedSet = new Set(wanted);
    const lists = new Map<string, Incidence[]>(wanted.filter((id) => this.vertexById.has(id)).map((id) => [id, []]));
    for (const { stating, rank } of batch.stating) {
      for (const edge of edgesOfRecord(stating, rank)) {
        if (wantedSet.has(edge.from)) lists.get(edge.from)?.push({ edge, neighbor: edge.to, direction: 'FORWARD' });
        if (wantedSet.has(edge.to)) lists.get(edge.to)?.push({ edge, neighbor: edge.from, direction: 'BACKWARD' });
      }
    }
    const rankOf = (id: string) => this.rank(id);
    for (const id of wanted) {
      const list = lists.get(id);
      if (list) this.incidencesById.set(id, sortIncidences(list, rankOf));
      else this.notVertices.add(id);
    }
  }
}
