/**
 * The entity graph as GraphQL: `neighborhood` (the vertices and edges around a node, shaped for a
 * graph-drawing client such as cytoscape) and `path` (the shortest chain of evidenced edges between
 * two nodes). The store walks the graph (the in-memory one builds it once per knowledge base, in
 * `src/kb/graph.ts`); here a request asks the read seam for a walk and loads the records it returns
 * through the per-request loaders.
 */
import { brandWithType } from '@pothos/core';
import { builder, encodeGlobalId } from '../builder.js';
import type { Context } from '../context.js';
import { badUserInput, clipped, notFound } from '../errors.js';
import type { GraphEdge, GraphEdgeKind, PathStep, TraversalDirection, VertexKind } from '../kb/graph.js';
import type { KindedNeighborhood, KindedVertex } from '../kb/reader.js';
import { loadEntity, type EntityRecord } from './entity.js';
import { parseReference } from './lookup.js';
import { EvidenceRef, ProvenanceRef } from './evidence.js';
import { StatementRef, type StatementParent } from './statement.js';

const MAX_DEPTH = 3;
const MAX_LIMIT = 500;
const MAX_PATH_LENGTH = 8;
const LABEL_LENGTH = 60;

const nodeKindByKind = {
  Person: 'PERSON',
  Country: 'COUNTRY',
  Organization: 'ORGANIZATION',
  Event: 'EVENT',
  Statement: 'STATEMENT',
} as const satisfies Record<VertexKind, string>;

/** A vertex in a result, with its kind so ids encode without another lookup. */
type GraphNodeValue = KindedVertex;

interface NeighborhoodValue {
  center: GraphNodeValue;
  result: KindedNeighborhood;
}

interface PathValue {
  nodes: readonly GraphNodeValue[];
  steps: readonly PathStep[];
}

async function globalIdOf(context: Context, id: string): Promise<string> {
  const kind = await context.loaders.vertexKindById.load(id);
  if (!kind) throw new Error(`"${id}" is not a vertex of the entity graph`);
  return encodeGlobalId(kind, id);
}

/** Loads a vertex's record through the per-request loader of its kind. */
function loadVertex(context: Context, node: GraphNodeValue): Promise<EntityRecord | StatementParent> {
  return node.kind === 'Statement' ? StatementRef.getDataloader(context).load(node.id) : loadEntity(context, node.id);
}

/**
 * Loads a vertex for a `Node` field, branded with its type name so the interface resolves, as
 * `node(id:)` brands what it loads (the same name, so branding a record twice is harmless).
 */
async function loadGraphNode(context: Context, node: GraphNodeValue): Promise<EntityRecord | StatementParent> {
  const record = await loadVertex(context, node);
  brandWithType(record, node.kind as never); // the type name, as `node(id:)` brands; the signature wants a ref
  return record;
}

function shortText(text: string): string {
  if (text.length <= LABEL_LENGTH) return text;
  const cut = text.lastIndexOf(' ', LABEL_LENGTH - 1);
  return `${text.slice(0, cut > LABEL_LENGTH / 2 ? cut : LABEL_LENGTH - 1).replace(/[\s,;:.]+$/, '')}…`;
}

/**
 * Resolves an argument that is either a slug or a global id to a vertex id: BAD_USER_INPUT for a
 * malformed id or the id of a type outside the graph, NOT_FOUND when nothing has that id or slug.
 */
async function resolveVertex(context: Context, value: string, argumentName: string): Promise<string> {
  const { typename, id } = parseReference(value);
  if (typename === undefined) {
    if (await context.loaders.vertexKindById.load(id)) return id;
    throw notFound(`No entity or statement with slug "${clipped(value)}"`, { argumentName });
  }
  if (!Object.hasOwn(nodeKindByKind, typename)) {
    throw badUserInput(`"${clipped(value)}" is the id of a ${typename}, which is not part of the entity graph`, { argumentName });
  }
  if ((await context.loaders.vertexKindById.load(id)) !== typename) throw notFound(`No ${typename} with id "${clipped(value)}"`, { argumentName });
  return id;
}

function checkRange(value: number, min: number, max: number, argumentName: string): void {
  if (value < min || value > max) throw badUserInput(`"${argumentName}" must be between ${min} and ${max}, got ${value}`, { argumentName });
}

export const GraphNodeKindEnum = builder.enumType('GraphNodeKind', {
  description: 'The type of the record a graph node stands for (its `__typename`).',
  values: {
    PERSON: { description: 'A Person.' },
    COUNTRY: { description: 'A Country.' },
    ORGANIZATION: { description: 'An Organization.' },
    EVENT: { description: 'An Event.' },
    STATEMENT: { description: 'A Statement: the hub between its speaker and what it mentions.' },
  } as const,
});

export const GraphEdgeKindEnum = builder.enumType('GraphEdgeKind', {
  description: 'What an edge of the entity graph says. Each kind has a fixed direction (`from` → `to`); graph walks follow edges both ways.',
  values: {
    SAID: { description: 'Person → Statement: the person said it. Evidence: the statement\'s words; label "quoted" or "said".' },
    RELAYED: {
      description: 'Person, Organization or Event → Statement: passed on someone else\'s words (a spokesman, a newspaper, a press release). Evidence: the attribution.',
    },
    MENTIONS: { description: 'Statement → Person, Country, Organization or Event: the statement refers to it. Evidence: the referring words ("Daesh").' },
    PARTICIPATED_IN: {
      description: 'Person, Organization or Country → Event: took part in it. Evidence: the words that say so; label: the part played ("perpetrator").',
    },
    MEMBER_OF: { description: 'Country → Organization: a member of it. Evidence: the words that say so; label: the member\'s part ("leader"), else "member".' },
    HOLDS_ROLE_AT: {
      description: 'Person → Organization or Country: holds an office there. Evidence: the words that state the role; label: its title ("Secretary of State").',
    },
    LOCATED_IN: { description: 'Event → Country: took place there. Evidence: the words that place it; label: the city when known, else "located in".' },
    PART_OF: { description: 'Event → Event: part of the larger event. Evidence: the words that tie them; label "part of".' },
  } as const satisfies Record<GraphEdgeKind, unknown>,
});

export const PathStepDirectionEnum = builder.enumType('PathStepDirection', {
  description: 'Whether a path walks an edge along its own direction or against it.',
  values: {
    FORWARD: { description: 'From the edge\'s `from` to its `to` ("Trudeau —SAID→ statement").' },
    BACKWARD: { description: 'From the edge\'s `to` back to its `from` ("statement ←SAID— Trudeau").' },
  } as const satisfies Record<TraversalDirection, unknown>,
});

export const GraphNodeRef = builder.objectRef<GraphNodeValue>('GraphNode');
GraphNodeRef.implement({
  description: 'A vertex of the entity graph: a person, country, organization, event or statement, with what a drawing needs.',
  fields: (t) => ({
    id: t.id({ description: 'The global id of the record, as in its own `id` field; `GraphEdge.from`/`to` refer to it.', resolve: (node) => encodeGlobalId(node.kind, node.id) }),
    node: t.field({
      type: builder.nodeInterfaceRef(),
      description: 'The record itself; select its fields with inline fragments (`... on Person { roles { title } }`).',
      resolve: (node, _args, context) => loadGraphNode(context, node),
    }),
    kind: t.field({ type: GraphNodeKindEnum, description: 'The type of the record.', resolve: (node) => nodeKindByKind[node.kind] }),
    label: t.string({
      description: `A short label for drawing: an entity's display name, or the first ${LABEL_LENGTH} or so characters of a statement's text.`,
      resolve: async (node, _args, context) => {
        const record = await loadVertex(context, node);
        if (node.kind === 'Statement') return shortText((record as StatementParent).text);
        const entity = record as EntityRecord;
        return entity.name ?? ('label' in entity && entity.label ? entity.label : entity.id);
      },
    }),
    distance: t.exposeInt('distance', {
      description: 'Edges between this node and the center of the neighborhood, or its position along a path (0 for the start).',
    }),
  }),
});

export const GraphEdgeRef = builder.objectRef<GraphEdge>('GraphEdge');
GraphEdgeRef.implement({
  description:
    'A typed, evidenced edge of the entity graph, directed `from` → `to`. Parallel edges of one kind between the same two nodes are separate ' +
    'edges when their evidence differs (two mentions of Canada in one statement are two edges); identical ones are merged.',
  fields: (t) => ({
    id: t.id({ description: 'A stable, opaque id for the edge (the same on every call and after a restart with the same data).', resolve: (edge) => edge.id }),
    kind: t.field({ type: GraphEdgeKindEnum, description: 'What the edge says.', resolve: (edge) => edge.kind }),
    from: t.id({ description: 'The global id of the node the edge leaves (a `GraphNode.id`).', resolve: (edge, _args, context) => globalIdOf(context, edge.from) }),
    to: t.id({ description: 'The global id of the node the edge enters (a `GraphNode.id`).', resolve: (edge, _args, context) => globalIdOf(context, edge.to) }),
    label: t.exposeString('label', { description: 'A short label for drawing: the role title, the part played, the city; see `GraphEdgeKind` for each kind.' }),
    inferred: t.exposeBoolean('inferred', {
      description: 'True when the source implies rather than states the relation (a role\'s country, a membership, a relayer named only by context); `note` says how. Always false for SAID.',
    }),
    note: t.string({ nullable: true, description: 'How an inferred relation was worked out, or other caveats; null when there are none.', resolve: (edge) => edge.note ?? null }),
    evidence: t.field({ type: EvidenceRef, description: 'The first words that prove the edge.', deprecationReason: 'Use `provenance.evidence`: a link can be stated by several sources; this field gives the first span only.', resolve: (edge) => edge.evidence[0]! }),
    provenance: t.field({ type: ProvenanceRef, description: 'Every source\'s words that prove the edge.', resolve: (edge) => ({ evidence: [...edge.evidence], inferred: edge.inferred, note: edge.note }) }),

  }),
});

const NeighborhoodRef = builder.objectRef<NeighborhoodValue>('Neighborhood');
NeighborhoodRef.implement({
  description: 'The nodes and edges around one node, bounded in depth and size: feed `nodes` and `edges` to a graph-drawing library as they are.',
  fields: (t) => ({
    center: t.field({
      type: builder.nodeInterfaceRef(),
      description: 'The node the neighborhood is around (also the first of `nodes`, at distance 0).',
      resolve: ({ center }, _args, context) => loadGraphNode(context, center),
    }),
    nodes: t.field({
      type: [GraphNodeRef],
      description: 'The center, then the nodes at distance 1, 2, … (edges followed either way), each distance in data-file order.',
      resolve: ({ result }) => result.vertices,
    }),
    edges: t.field({
      type: [GraphEdgeRef],
      description: 'Every edge between two of `nodes` (including edges between two nodes at the outer distance), ordered as the nodes they join.',
      resolve: ({ result }) => result.edges,
    }),
    truncated: t.boolean({
      description: 'True when `limit` left out nodes within `depth`: the last distance is incomplete and edges to the missing nodes are absent.',
      resolve: ({ result }) => result.truncated,
    }),
  }),
});

const PathStepRef = builder.objectRef<PathStep>('PathStep');
PathStepRef.implement({
  description: 'One edge of a path, and which way the path walks it.',
  fields: (t) => ({
    edge: t.field({ type: GraphEdgeRef, description: 'The edge, with its evidence.', resolve: (step) => step.edge }),
    direction: t.field({
      type: PathStepDirectionEnum,
      description: 'FORWARD when the path goes from `edge.from` to `edge.to`, BACKWARD when it goes against the edge.',
      resolve: (step) => step.direction,
    }),
  }),
});

const PathRef = builder.objectRef<PathValue>('Path');
PathRef.implement({
  description: 'A shortest chain of evidenced edges between two nodes, in order from the start to the end.',
  fields: (t) => ({
    length: t.int({ description: 'How many edges the path has (0 when it starts and ends at the same node).', resolve: (path) => path.steps.length }),
    nodes: t.field({
      type: [GraphNodeRef],
      description: 'The nodes along the path, from the start (`distance` 0) to the end (`distance` = `length`).',
      resolve: (path) => path.nodes,
    }),
    edges: t.field({
      type: [PathStepRef],
      description: 'The steps between consecutive `nodes`: step i joins nodes i and i + 1.',
      resolve: (path) => path.steps,
    }),
  }),
});

builder.queryFields((t) => ({
  neighborhood: t.field({
    type: NeighborhoodRef,
    nullable: true,
    description:
      'The nodes (persons, countries, organizations, events, statements) within `depth` edges of a node, followed either way, ' +
      'and every edge between them, each with its evidence. Null only with an error: NOT_FOUND for an unknown id or slug, ' +
      'BAD_USER_INPUT for a malformed id or an out-of-range argument.',
    args: {
      id: t.arg.id({ required: true, description: 'The center: a global id (of a Person, Country, Organization, Event or Statement) or a slug such as "john-kerry".' }),
      depth: t.arg.int({ required: true, defaultValue: 1, description: `How many edges away to reach, 1 to ${MAX_DEPTH}.` }),
      limit: t.arg.int({
        required: true,
        defaultValue: 100,
        description: `At most how many nodes to return, the center included (1 to ${MAX_LIMIT}); \`truncated\` says when it cut the result short.`,
      }),
    },
    resolve: async (_root, args, context) => {
      checkRange(args.depth, 1, MAX_DEPTH, 'depth');
      checkRange(args.limit, 1, MAX_LIMIT, 'limit');
      const center = await resolveVertex(context, args.id, 'id');
      const result = await context.reader.neighborhood(center, args.depth, args.limit);
      return { center: result.vertices[0]!, result };
    },
  }),
  path: t.field({
    type: PathRef,
    nullable: true,
    description:
      'A shortest chain of edges between two nodes, edges followed either way ("how is Trudeau connected to Erdogan?"), each step with its evidence. ' +
      'Among equally short paths, the one whose nodes come first in data-file order. Null when no path has at most `maxLength` edges.',
    args: {
      from: t.arg.id({ required: true, description: 'Where the path starts: a global id or a slug.' }),
      to: t.arg.id({ required: true, description: 'Where the path ends: a global id or a slug.' }),
      maxLength: t.arg.int({ required: true, defaultValue: 6, description: `The most edges the path may have, 1 to ${MAX_PATH_LENGTH}.` }),
    },
    resolve: async (_root, args, context) => {
      checkRange(args.maxLength, 1, MAX_PATH_LENGTH, 'maxLength');
      const from = await resolveVertex(context, args.from, 'from');
      const to = await resolveVertex(context, args.to, 'to');
      const path = await context.reader.shortestPath(from, to, args.maxLength);
      return path && { nodes: path.vertices, steps: path.steps };
    },
  }),
}));
