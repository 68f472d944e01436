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
import type { Evidence } from './records.js';

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
  /** Position in build order (data-file order of the record that states the edge); breaks ties. */
  readonly index: number;
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

const noIncidences: readonly Incidence[] = Object.freeze([]);

/**
 * An edge. Its id (a SHA-256 of what makes the edge itself) is worked out when first read: hashing
 * every edge at load was a large part of building the graph at scale, and a request reads the ids of
 * a few edges only. Frozen like a plain record; the cached id is a private field, which freezing allows.
 */
class Edge implements GraphEdge {
  #id: string | undefined;

  constructor(
    readonly kind: GraphEdgeKind,
    readonly from: string,
    readonly to: string,
    readonly label: string,
    readonly inferred: boolean,
    readonly note: string | undefined,
    readonly evidence: readonly Evidence[],
    readonly index: number,
  ) {
    Object.freeze(this);
  }

  get id(): string {
    this.#id ??= createHash('sha256')
      .update(JSON.stringify([this.kind, this.from, this.to, this.evidence[0]!.sourceId, this.evidence[0]!.start, this.evidence[0]!.end, this.label, this.inferred]))
      .digest('base64url')
      .slice(0, 22);
    return this.#id;
  }
}

export class EntityGraph {
  private readonly kindById = new Map<string, VertexKind>();
  /** Data-file order over all vertices: persons, countries, organizations, events, statements. */
  private readonly rankById = new Map<string, number>();
  private readonly incidencesById = new Map<string, Incidence[]>();
  private edgeCount = 0;

  constructor(kb: KnowledgeBase) {
    const collections = [
      ['persons', 'Person'],
      ['countries', 'Country'],
      ['organizations', 'Organization'],
      ['events', 'Event'],
      ['statements', 'Statement'],
    ] as const;
    for (const [collection, kind] of collections) {
      for (const id of kb.orderedIds[collection]) {
        this.rankById.set(id, this.rankById.size);
        this.kindById.set(id, kind);
      }
    }
    // Identical edges can only come from one record: each edge has at one end the record that states
    // it (the person of a role, the organization of a membership, the event, the statement), and each
    // kind is stated by one type of record. So a new edge is compared with the edges of its own record
    // only (a handful), which every loop below adds one record at a time.
    const ofRecord: Edge[] = [];
    const nextRecord = () => {
      ofRecord.length = 0;
    };
    const add = (kind: GraphEdgeKind, from: string, to: string, label: string, evidence: readonly Evidence[], inferred = false, note?: string) => {
      const first = evidence[0];
      if (!first) return;
      for (const end of [from, to]) {
        if (!this.kindById.has(end)) throw new Error(`${kind} edge ${from} -> ${to}: "${end}" is not a vertex of the entity graph`);
      }
      for (const other of ofRecord) {
        if (
          other.kind === kind && other.from === from && other.to === to && other.label === label && other.inferred === inferred &&
          other.evidence[0]!.sourceId === first.sourceId && other.evidence[0]!.start === first.start && other.evidence[0]!.end === first.end
        ) {
          return;
        }
      }
      const edge = new Edge(kind, from, to, label, inferred, note, evidence, this.edgeCount++);
      ofRecord.push(edge);
      this.incidence(from).push({ edge, neighbor: to, direction: 'FORWARD' });
      this.incidence(to).push({ edge, neighbor: from, direction: 'BACKWARD' });
    };

    for (const person of kb.records.persons) {
      nextRecord();
      for (const role of person.roles) {
        for (const target of [role.organizationId, role.countryId]) {
          if (target) add('HOLDS_ROLE_AT', person.id, target, role.title, role.evidence, role.inferred, role.note);
        }
      }
    }
    for (const organization of kb.records.organizations) {
      nextRecord();
      for (const membership of organization.memberships) {
        add('MEMBER_OF', membership.countryId, organization.id, membership.role ?? 'member', membership.evidence, membership.inferred, membership.note);
      }
    }
    for (const event of kb.records.events) {
      nextRecord();
      for (const participation of event.participants) {
        add('PARTICIPATED_IN', participation.entityId, event.id, participation.role, participation.evidence, participation.inferred, participation.note);
      }
      for (const location of event.locations) {
        if (location.countryId) add('LOCATED_IN', event.id, location.countryId, location.city ?? 'located in', location.evidence, location.inferred, location.note);
      }
      if (event.partOf) add('PART_OF', event.id, event.partOf.eventId, 'part of', event.partOf.evidence, event.partOf.inferred, event.partOf.note);
    }
    for (const statement of kb.records.statements) {
      nextRecord();
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
    }

    // Neighbors in data-file order, parallel edges in build order: every walk below is deterministic.
    // Lists are often built in that order already; the others are sorted on ranks looked up once per
    // incidence, not twice per comparison.
    for (const [vertex, incidences] of this.incidencesById) {
      if (incidences.length < 2) continue;
      const keyed = incidences.map((incidence) => ({ incidence, rank: this.rank(incidence.neighbor), index: incidence.edge.index }));
      const inOrder = keyed.every((entry, i) => i === 0 || keyed[i - 1]!.rank < entry.rank || (keyed[i - 1]!.rank === entry.rank && keyed[i - 1]!.index <= entry.index));
      if (inOrder) continue;
      keyed.sort((a, b) => a.rank - b.rank || a.index - b.index);
      this.incidencesById.set(vertex, keyed.map(({ incidence }) => incidence));
    }
  }

  private incidence(id: string): Incidence[] {
    let list = this.incidencesById.get(id);
    if (!list) this.incidencesById.set(id, (list = []));
    return list;
  }

  private rank(id: string): number {
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
    this.assertVertex(center);
    const position = new Map<string, number>([[center, 0]]);
    const vertices: GraphVertex[] = [{ id: center, distance: 0 }];
    let layer = [center];
    let truncated = false;
    for (let distance = 1; distance <= depth && layer.length > 0 && !truncated; distance++) {
      const next = new Set<string>();
      for (const id of layer) {
        for (const { neighbor } of this.incidences(id)) if (!position.has(neighbor)) next.add(neighbor);
      }
      layer = [...next].sort((a, b) => this.rank(a) - this.rank(b));
      if (vertices.length + layer.length > limit) {
        layer = layer.slice(0, limit - vertices.length);
        truncated = true;
      }
      for (const id of layer) {
        position.set(id, vertices.length);
        vertices.push({ id, distance });
      }
    }

    const edges: { edge: GraphEdge; later: number }[] = [];
    for (const { id } of vertices) {
      for (const { edge, neighbor, direction } of this.incidences(id)) {
        // Each edge once, from its `from` end (a self-loop is listed both ways under the same vertex).
        const other = position.get(neighbor);
        if (direction === 'FORWARD' && other !== undefined) edges.push({ edge, later: Math.max(position.get(id)!, other) });
      }
    }
    edges.sort((a, b) => a.later - b.later || a.edge.index - b.edge.index);
    return { vertices, edges: edges.map(({ edge }) => edge), truncated };
  }

  /**
   * A shortest undirected path from `from` to `to` with at most `maxLength` edges, or null. Among
   * shortest paths, the one whose vertices come first in data-file order, compared from the start;
   * between parallel edges, a stated (not inferred) one, then the first built.
   */
  shortestPath(from: string, to: string, maxLength: number): GraphPath | null {
    this.assertVertex(from);
    this.assertVertex(to);
    // Distances to `to`, so the walk from `from` can pick the smallest next vertex that stays shortest.
    const remaining = new Map<string, number>([[to, 0]]);
    let layer = [to];
    for (let distance = 1; distance <= maxLength && !remaining.has(from) && layer.length > 0; distance++) {
      const next: string[] = [];
      for (const id of layer) {
        for (const { neighbor } of this.incidences(id)) {
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
      // Incidences are in data-file order of the neighbor, so the first that gets closer is the smallest.
      const next = this.incidences(at).find(({ neighbor }) => remaining.get(neighbor) === length - distance)!.neighbor;
      steps.push(this.bestStep(at, next));
      vertices.push({ id: next, distance });
      at = next;
    }
    return { vertices, steps };
  }

  private bestStep(from: string, to: string): PathStep {
    let best: Incidence | undefined;
    for (const incidence of this.incidences(from)) {
      if (incidence.neighbor !== to) continue;
      if (!best || (best.edge.inferred && !incidence.edge.inferred)) best = incidence;
    }
    return { edge: best!.edge, direction: best!.direction };
  }

  private assertVertex(id: string): void {
    if (!this.kindById.has(id)) throw new Error(`"${id}" is not a vertex of the entity graph`);
  }
}

const graphByKb = new WeakMap<KnowledgeBase, EntityGraph>();

/** The graph of a knowledge base, built on the first call and cached for as long as the knowledge base lives. */
export function entityGraphFor(kb: KnowledgeBase): EntityGraph {
  let graph = graphByKb.get(kb);
  if (!graph) graphByKb.set(kb, (graph = new EntityGraph(kb)));
  return graph;
}
