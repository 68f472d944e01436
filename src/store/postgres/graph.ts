/**
 * Graph walks (neighborhood, shortest path) and vertex kinds from PostgreSQL. The walks are the
 * in-memory graph's own (`BatchedEntityGraph` in src/kb/graph.ts), fed one SQL statement per layer: the
 * records that state an edge at the layer's vertices, and the kind and rank of every vertex those edges
 * reach. Edges are built from the records by the same `edgesOfRecord`, so ids, labels, evidence, order,
 * truncation and tie rules equal the in-memory answers.
 */
import { BatchedEntityGraph, type GraphBatch, type GraphVertex, type StatingRecord, type VertexKind, type VertexRank } from '../../kb/graph.js';
import { visibleRecordsOf, type RecordsByCollection } from '../../kb/knowledge-base.js';
import type { KindedNeighborhood, KindedPath, KindedVertex } from '../../kb/reader.js';
import { entityAndStatementCollections } from '../../kb/records.js';
import { rankSql, visibleSql, type RowsOf } from './sql.js';

const vertexTables = entityAndStatementCollections;

/**
 * One layer: `stating` is every record with an edge at a vertex of $1 (a link table row pointing at it,
 * or its own record), `ends` every id at an end of their edges; each is read with the link tables'
 * indexes (kept as arrays, so every lookup is an index scan on `= ANY`, whatever the planner guesses of
 * a CTE's size). Retracted links and merged or retracted records state nothing, as in the snapshot; a record
 * comes back only for stating vertices (countries state none).
 */
const layerSql = `
WITH stating AS MATERIALIZED (
  SELECT array_agg(DISTINCT id) AS ids FROM (
    SELECT unnest($1::text[])
    UNION ALL SELECT person_id FROM role_holdings WHERE organization_id = ANY($1) AND NOT retracted
    UNION ALL SELECT person_id FROM role_holdings WHERE country_id = ANY($1) AND NOT retracted
    UNION ALL SELECT organization_id FROM memberships WHERE country_id = ANY($1) AND NOT retracted
    UNION ALL SELECT event_id FROM event_participants WHERE entity_id = ANY($1) AND NOT retracted
    UNION ALL SELECT event_id FROM event_locations WHERE country_id = ANY($1)
    UNION ALL SELECT id FROM events WHERE part_of_id = ANY($1)
    UNION ALL SELECT id FROM statements WHERE speaker_id = ANY($1)
    UNION ALL SELECT statement_id FROM statement_reports WHERE relayed_by_id = ANY($1) AND NOT retracted
    UNION ALL SELECT statement_id FROM statement_mentions WHERE entity_id = ANY($1)
  ) AS found (id)
), ends AS MATERIALIZED (
  SELECT array_agg(DISTINCT id) AS ids FROM (
    SELECT unnest(ids) FROM stating
    UNION ALL SELECT organization_id FROM role_holdings WHERE person_id = ANY((SELECT ids FROM stating)::text[]) AND NOT retracted
    UNION ALL SELECT country_id FROM role_holdings WHERE person_id = ANY((SELECT ids FROM stating)::text[]) AND NOT retracted
    UNION ALL SELECT country_id FROM memberships WHERE organization_id = ANY((SELECT ids FROM stating)::text[]) AND NOT retracted
    UNION ALL SELECT entity_id FROM event_participants WHERE event_id = ANY((SELECT ids FROM stating)::text[]) AND NOT retracted
    UNION ALL SELECT country_id FROM event_locations WHERE event_id = ANY((SELECT ids FROM stating)::text[])
    UNION ALL SELECT part_of_id FROM events WHERE id = ANY((SELECT ids FROM stating)::text[])
    UNION ALL SELECT speaker_id FROM statements WHERE id = ANY((SELECT ids FROM stating)::text[])
    UNION ALL SELECT relayed_by_id FROM statement_reports WHERE statement_id = ANY((SELECT ids FROM stating)::text[]) AND NOT retracted
    UNION ALL SELECT entity_id FROM statement_mentions WHERE statement_id = ANY((SELECT ids FROM stating)::text[])
  ) AS found (id) WHERE id IS NOT NULL
)
${vertexTables
  .map(
    ([table, kind]) => `SELECT '${kind}' AS kind, v.id, ${rankSql[table]('v')} AS rank,
  ${kind === 'Country' ? 'NULL::jsonb' : 'CASE WHEN v.id = ANY((SELECT ids FROM stating)::text[]) THEN v.record END'} AS record
  FROM ${table} v WHERE v.id = ANY((SELECT ids FROM ends)::text[]) AND ${visibleSql[table]('v')}`,
  )
  .join('\nUNION ALL\n')}`;

interface LayerRow {
  kind: VertexKind;
  id: string;
  rank: string;
  record: unknown;
}

/** One batch of a walk, from one statement. */
async function layerOf(rows: RowsOf, ids: readonly string[]): Promise<GraphBatch> {
  const found = await rows<LayerRow>(layerSql, [ids]);
  const vertices = new Map<string, { kind: VertexKind; rank: VertexRank }>();
  const stored: RecordsByCollection = { sources: [], persons: [], countries: [], organizations: [], events: [], statements: [] };
  const rankById = new Map<string, string>();
  for (const row of found) {
    vertices.set(row.id, { kind: row.kind, rank: row.rank });
    if (row.record === null) continue;
    rankById.set(row.id, row.rank);
    if (row.kind === 'Person') stored.persons.push(row.record as RecordsByCollection['persons'][number]);
    else if (row.kind === 'Organization') stored.organizations.push(row.record as RecordsByCollection['organizations'][number]);
    else if (row.kind === 'Event') stored.events.push(row.record as RecordsByCollection['events'][number]);
    else if (row.kind === 'Statement') stored.statements.push(row.record as RecordsByCollection['statements'][number]);
  }
  // Retracted roles, memberships, participations and reports leave their records as in the snapshot.
  const visible = visibleRecordsOf(stored);
  const stating: { stating: StatingRecord; rank: VertexRank }[] = [
    ...visible.persons.map((record) => ({ stating: { kind: 'Person' as const, record }, rank: rankById.get(record.id)! })),
    ...visible.organizations.map((record) => ({ stating: { kind: 'Organization' as const, record }, rank: rankById.get(record.id)! })),
    ...visible.events.map((record) => ({ stating: { kind: 'Event' as const, record }, rank: rankById.get(record.id)! })),
    ...visible.statements.map((record) => ({ stating: { kind: 'Statement' as const, record }, rank: rankById.get(record.id)! })),
  ];
  return { stating, vertices };
}

/** A graph for one walk: each layer it reaches is one statement. */
function graphOf(rows: RowsOf): BatchedEntityGraph {
  return new BatchedEntityGraph((ids) => layerOf(rows, ids));
}

function withKinds(graph: BatchedEntityGraph, vertices: readonly GraphVertex[]): KindedVertex[] {
  return vertices.map((vertex) => ({ ...vertex, kind: graph.kindOf(vertex.id)! }));
}

/** The vertices within `depth` steps of `center` (at most `limit`) and the edges between them: one statement per layer, and one for the last layer's edges. */
export async function neighborhood(rows: RowsOf, center: string, depth: number, limit: number): Promise<KindedNeighborhood> {
  const graph = graphOf(rows);
  const result = await graph.neighborhood(center, depth, limit);
  return { ...result, vertices: withKinds(graph, result.vertices) };
}

/** A shortest path of at most `maxLength` steps, or null: one statement per layer of the search. */
export async function shortestPath(rows: RowsOf, from: string, to: string, maxLength: number): Promise<KindedPath | null> {
  const graph = graphOf(rows);
  const path = await graph.shortestPath(from, to, maxLength);
  return path && { vertices: withKinds(graph, path.vertices), steps: path.steps };
}

const kindsSql = vertexTables
  .map(([table, kind]) => `SELECT v.id, '${kind}' AS kind FROM ${table} v WHERE v.id = ANY($1) AND ${visibleSql[table]('v')}`)
  .join('\nUNION ALL\n');

/** The kind of each id as a vertex (undefined for a source, a merged or retracted record, or an unknown id), in key order: one statement. */
export async function vertexKindsByIds(rows: RowsOf, ids: readonly string[]): Promise<(VertexKind | undefined)[]> {
  if (ids.length === 0) return [];
  const found = await rows<{ id: string; kind: VertexKind }>(kindsSql, [ids]);
  const kindById = new Map(found.map((row) => [row.id, row.kind]));
  return ids.map((id) => kindById.get(id));
}
