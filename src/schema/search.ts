/** Full-text search: the `search` root field, its hits, snippets and highlights. The index lives in `src/kb/search.ts`. */
import { builder } from '../builder.js';
import { SourceRef } from './source.js';
import type { Context } from '../context.js';
import { badUserInput } from '../errors.js';
import type { EntityKind } from '../kb/knowledge-base.js';
import type { StatementRecord } from '../kb/records.js';
import { MAX_QUERY_LENGTH, SNIPPET_LENGTH, snippetOf, type SearchHit, type Snippet } from '../kb/search.js';
import { CountryRef } from './country.js';
import { loadEntity, type EntityRecord } from './entity.js';
import { EventRef } from './event.js';
import { OrganizationRef } from './organization.js';
import { connectionOf, pageWindow, storePage } from './pagination.js';
import { PersonRef } from './person.js';
import { StatementRef, type StatementParent } from './statement.js';
import { kindOfRecord } from '../kb/reader.js';

export const SearchableTypeEnum = builder.enumType('SearchableType', {
  description: 'A kind of record that `search` can return.',
  values: {
    PERSON: { value: 'Person', description: 'Persons, by name, alias and description.' },
    COUNTRY: { value: 'Country', description: 'Countries, by name, alias and description.' },
    ORGANIZATION: { value: 'Organization', description: 'Organizations, by name, alias and description.' },
    EVENT: { value: 'Event', description: 'Events, by name, alias, description and location (city and country).' },
    STATEMENT: { value: 'Statement', description: 'Statements, by their text.' },
  } as const,
});

export const SearchFieldEnum = builder.enumType('SearchField', {
  description: 'The part of a record that a search matched.',
  values: {
    NAME: { description: 'The name (for a person the source does not name, the label it goes by, as in `displayName`).' },
    ALIAS: { description: 'One of the other names in `aliases`; `matchedValue` says which.' },
    DESCRIPTION: { description: 'The description.' },
    TEXT: { description: 'A statement\'s text.' },
    LOCATION: { description: 'A place an event happened, as "city, country" ("Brussels, Belgium"), or just the country when no city is known.' },
  } as const,
});

const TextRangeRef = builder.objectRef<{ start: number; end: number }>('TextRange');
TextRangeRef.implement({
  description: 'A stretch of a string, as UTF-16 code-unit offsets (what JavaScript\'s `slice` uses), end exclusive.',
  fields: (t) => ({
    start: t.exposeInt('start', { description: 'Offset of the first code unit.' }),
    end: t.exposeInt('end', { description: 'Offset just past the last code unit.' }),
  }),
});

const SnippetRef = builder.objectRef<Snippet>('Snippet');
SnippetRef.implement({
  description: `The matched value with the matched words marked: the whole value, or when it is longer than ${SNIPPET_LENGTH} characters a stretch around the first match, cut at word boundaries with "…" where it was cut.`,
  fields: (t) => ({
    text: t.exposeString('text', { description: 'The text to show.' }),
    highlights: t.field({
      type: [TextRangeRef],
      description: 'Where the words that matched the query stand in `text`, in order, not overlapping. Offsets are into `text` itself (after any leading "…").',
      resolve: (snippet) => snippet.highlights,
    }),
  }),
});

type SearchResultRecord = EntityRecord | StatementParent;

/** A union rather than `Node`: it names exactly the types search returns, so clients and generated SDKs can switch over them. */
export const SearchResultUnion = builder.unionType('SearchResult', {
  description: 'A record that search can return: a person, country, organization, event or statement.',
  types: [PersonRef, CountryRef, OrganizationRef, EventRef, StatementRef],
  resolveType: (record: SearchResultRecord) => kindOfRecord(record) as EntityKind,
});

/** Loads a hit's record through the request's loaders, so a page of hits batches its loads. */
function loadHitNode(hit: SearchHit, context: Context): Promise<SearchResultRecord> {
  if (hit.kind === 'Statement') return StatementRef.getDataloader(context).load(hit.recordId) as Promise<StatementRecord>;
  return loadEntity(context, hit.recordId);
}

const snippets = new WeakMap<SearchHit, Snippet>();
/** A hit's snippet, computed only for hits on the page asked for, once. */
function snippetFor(hit: SearchHit): Snippet {
  let snippet = snippets.get(hit);
  if (!snippet) {
    snippet = snippetOf(hit);
    snippets.set(hit, snippet);
  }
  return snippet;
}

const SearchHitRef = builder.objectRef<SearchHit>('SearchHit');
SearchHitRef.implement({
  description: 'One record that matched a search, with how well and where it matched.',
  fields: (t) => ({
    node: t.field({ type: SearchResultUnion, description: 'The record that matched.', resolve: (hit, _args, context) => loadHitNode(hit, context) }),
    score: t.float({
      description: 'Relevance (BM25, with matches in names and aliases weighted above descriptions and text): higher is better. Comparable only between hits of the same query.',
      resolve: (hit) => hit.score,
    }),
    matchedField: t.field({
      type: SearchFieldEnum,
      description: 'The part of the record whose value matched best; a record that matches in several places is reported once, with its best match.',
      resolve: (hit) => hit.field,
    }),
    matchedValue: t.string({
      description: 'The value that matched best, exactly as the record holds it: the name, the alias ("Daesh"), the description, the statement text, or the location.',
      resolve: (hit) => hit.value,
    }),
    matchedTerms: t.stringList({
      description: 'The words of `matchedValue` that matched, lowercased and without accents ("stoltenberg" for the query "stolten"). Words with hyphens are matched by their parts ("de", "escalation").',
      resolve: (hit) => hit.terms,
    }),
    sources: t.field({
      type: [SourceRef],
      description: 'The sources the matched record comes from: those that report a statement, or have evidence about an entity.',
      resolve: (hit, _args, context) => context.loaders.sourceIdsByRecordId.load(hit.recordId),
    }),
    snippet: t.field({ type: SnippetRef, description: 'The matched value, shortened if long, with the matched words marked.', resolve: (hit) => snippetFor(hit) }),
  }),
});

export const SearchHitConnection = builder.connectionObject(
  { type: SearchHitRef, name: 'SearchHitConnection', description: 'A page of search hits, best first.' },
  { name: 'SearchHitEdge', description: 'A search hit on a page, with its cursor.' },
);

builder.queryFields((t) => ({
  search: t.connection(
    {
      type: SearchHitRef,
      description:
        'Full-text search across persons, countries, organizations, events and statements: their names, aliases, descriptions, event locations and statement text. ' +
        'One hit per record, most relevant first (ties in a fixed order, so cursors are stable). Matching ignores case and accents ("stephane" finds "Stéphane"), ' +
        'completes words from 3 letters ("stolten" finds "Stoltenberg"), tolerates a typo in words of 5 letters or more (two in words of 8 or more), and finds records with any of the query\'s words, ' +
        'ranking those with more of them higher. A word with a hyphen ("de-escalation") needs all its parts. A cursor is only meaningful with the same query and types.',
      args: {
        query: t.arg.string({
          required: true,
          description: `The words to look for (1 to ${MAX_QUERY_LENGTH} characters, not only spaces). A query without any letters or digits finds nothing.`,
        }),
        types: t.arg({
          type: [SearchableTypeEnum],
          required: false,
          description: 'Return only records of these types (scores stay the same). All types when omitted or null; an empty list is an error.',
        }),
      },
      resolve: async (_root, args, context) => {
        if (args.query.trim() === '') throw badUserInput('"query" must contain something to search for', { argumentName: 'query' });
        if (args.query.length > MAX_QUERY_LENGTH) {
          throw badUserInput(`"query" must be at most ${MAX_QUERY_LENGTH} characters, got ${args.query.length}`, { argumentName: 'query' });
        }
        if (args.types && args.types.length === 0) {
          throw badUserInput('"types" must name at least one type; omit it to search every type', { argumentName: 'types' });
        }
        const kinds = args.types ?? undefined;
        const page = await storePage(context.reader.searchPage(args.query, kinds, pageWindow(args)));
        return connectionOf(page, (hit) => hit.recordId, () => context.reader.searchCount(args.query, kinds));
      },
    },
    SearchHitConnection,
  ),
}));
