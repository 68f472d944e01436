/**
 * The read seam's search, timeline, graph-walk and statistics methods from PostgreSQL, in
 * `KnowledgeReader`'s own signatures, for `PostgresReader` to take as they are. Every call is one SQL
 * statement (a graph walk: one per layer), sent through `rows`, whose hook counts them.
 */
import type { KnowledgeReader } from '../../kb/reader.js';
import { neighborhood, shortestPath, vertexKindsByIds } from './graph.js';
import { searchCount, searchPage } from './search.js';
import type { RowsOf } from './sql.js';
import { recordCounts, statistics } from './stats.js';
import { timelineCount, timelinePage } from './timeline.js';

export type WalksReader = Pick<
  KnowledgeReader,
  'searchPage' | 'searchCount' | 'timelinePage' | 'timelineCount' | 'vertexKindsByIds' | 'neighborhood' | 'shortestPath' | 'statistics' | 'recordCounts'
>;

export function walksReaderOf(rows: RowsOf): WalksReader {
  return {
    searchPage: (text, kinds, window) => searchPage(rows, text, kinds, window),
    searchCount: (text, kinds) => searchCount(rows, text, kinds),
    timelinePage: (query, window) => timelinePage(rows, query, window),
    timelineCount: (query) => timelineCount(rows, query),
    vertexKindsByIds: (ids) => vertexKindsByIds(rows, ids),
    neighborhood: (center, depth, limit) => neighborhood(rows, center, depth, limit),
    shortestPath: (from, to, maxLength) => shortestPath(rows, from, to, maxLength),
    statistics: () => statistics(rows),
    recordCounts: () => recordCounts(rows),
  };
}
