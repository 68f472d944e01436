/**
 * Per-request DataLoaders over the read seam (`reader.ts`): every relationship lookup, what an id refers
 * to, stored records and ISO codes. Entities themselves (a person by id, …) are
 * loaded by the Pothos loadable node types in `src/schema/`, which the dataloader plugin likewise
 * creates once per request context.
 */
import DataLoader from 'dataloader';
import type { StoredRecord } from './knowledge-base.js';
import type { VertexKind } from './graph.js';
import type { ListPage, PageWindow } from './pages.js';
import { allRelations, type KnowledgeReader, type ListQuery, type ListRelation, type ReadAlong, type Referent, type Relation, type RelationValues, type StatementHeading } from './reader.js';
import type { RecordNotFoundError } from './knowledge-base.js';

/** The loaders beside the relationship lookups: what an id refers to, a record as stored, a source's text, a statement's heading, a country by ISO code. */
interface RecordLoaders {
  readonly referentById: DataLoader<string, Referent | undefined>;
  readonly storedRecordById: DataLoader<string, StoredRecord | undefined>;
  readonly sourceTextById: DataLoader<string, string | undefined>;
  readonly statementHeadingById: DataLoader<string, StatementHeading | RecordNotFoundError>;
  readonly countryIdByIsoCode: DataLoader<string, string | undefined>;
  readonly vertexKindById: DataLoader<string, VertexKind | undefined>;
}

/**
 * Pages of a list narrowed to a relation of each parent (every person's statements on a feed): one
 * loader per list, window and relation, keyed by parent id, so a level of a query asks the store once.
 */
interface PageLoaders {
  /** `along`: what the caller will look up for the pages' statements (a hint, see ReadAlong). */
  pageWithin(query: ListQuery, window: PageWindow, relation: ListRelation, along?: ReadAlong): DataLoader<string, ListPage<string> & { total?: number }>;
  countWithin(query: ListQuery, relation: ListRelation): DataLoader<string, number>;
}

/** One DataLoader per relationship, each returning values in key order, the record loaders and the page loaders. */
export type Loaders = { readonly [Name in Relation]: DataLoader<string, readonly RelationValues[Name][]> } & RecordLoaders & PageLoaders;

const recordLookups: { [Name in keyof RecordLoaders]: (reader: KnowledgeReader, keys: readonly string[]) => Promise<unknown[]> } = {
  referentById: (reader, ids) => reader.referentsByIds(ids),
  storedRecordById: (reader, ids) => reader.storedRecordsByIds(ids),
  sourceTextById: (reader, ids) => reader.sourceTextsByIds(ids),
  statementHeadingById: (reader, ids) => reader.statementHeadingsByIds(ids),
  countryIdByIsoCode: (reader, codes) => reader.countryIdsByIsoCodes(codes),
  vertexKindById: (reader, ids) => reader.vertexKindsByIds(ids),
};


/**
 * The loaders of one request. Each is made the first time a resolver asks for it (a getter on the
 * prototype, then an own property): a small query uses one or two of them, and making all of them on
 * every request was a measurable part of its time.
 */
class RequestLoaders implements PageLoaders {
  private pageLoaders: Map<string, DataLoader<string, unknown>> | undefined;
  constructor(readonly reader: KnowledgeReader) {}

  /** The loader for one signature, made on first use. */
  private loaderFor<V>(signature: unknown[], batch: (ids: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
    const key = JSON.stringify(signature);
    this.pageLoaders ??= new Map();
    let loader = this.pageLoaders.get(key) as DataLoader<string, V> | undefined;
    if (!loader) {
      loader = new DataLoader<string, V>(batch);
      this.pageLoaders.set(key, loader as DataLoader<string, unknown>);
    }
    return loader;
  }

  pageWithin(query: ListQuery, window: PageWindow, relation: ListRelation, along?: ReadAlong) {
    return this.loaderFor(['page', relation, query, window, along], (ids) => this.reader.pagesWithin(query, window, { relation, ids }, along));
  }

  countWithin(query: ListQuery, relation: ListRelation) {
    return this.loaderFor(['count', relation, query], (ids) => this.reader.countsWithin(query, { relation, ids }));
  }
}
function defineLoader(name: string, batch: (reader: KnowledgeReader, keys: readonly string[]) => Promise<readonly unknown[]>): void {
  Object.defineProperty(RequestLoaders.prototype, name, {
    get(this: RequestLoaders) {
      const loader = new DataLoader<string, unknown>((keys) => batch(this.reader, keys));
      Object.defineProperty(this, name, { value: loader });
      return loader;
    },
  });
}
for (const relation of allRelations) defineLoader(relation, (reader, ids) => reader.related(relation, ids));
for (const [name, batch] of Object.entries(recordLookups)) defineLoader(name, batch);

/** Creates a fresh set of loaders. Call once per request: a loader caches what it loaded for its lifetime. */
export function createLoaders(reader: KnowledgeReader): Loaders {
  return new RequestLoaders(reader) as unknown as Loaders;
}
