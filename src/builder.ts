/**
 * The one Pothos SchemaBuilder: plugins, context type, scalars and relay conventions. It defines no
 * domain types; those live in one file each under `src/schema/`.
 */
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';
import type { Context } from './context.js';
import { badUserInput, clipped } from './errors.js';
import { SLUG_PATTERN } from './kb/records.js';
import { loadNode } from './schema/node-loading.js';

/** Most ids `nodes(ids:)` takes: a page, as for connections. */
export const MAX_NODE_IDS = 100;

/** "Type:slug", the text inside a global id. */
const globalIdPattern = new RegExp(`^[A-Za-z]+:${SLUG_PATTERN.source.slice(1)}`);

/** Global ids are base64url("Type:slug"): opaque to clients, stable across restarts. */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
}

/** Decodes a global id, or throws a BAD_USER_INPUT error that names the bad value. */
export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const decoded = globalId.length <= 200 ? Buffer.from(globalId, 'base64url').toString('utf8') : '';
  if (!globalIdPattern.test(decoded) || encodeGlobalId(...(decoded.split(':') as [string, string])) !== globalId) {
    const shown = clipped(globalId);
    throw badUserInput(`"${shown}" is not a valid global id`, { argumentValue: shown });
  }
  const [typename, id] = decoded.split(':') as [string, string];
  return { typename, id };
}

/** Whether a decoded global id names a record of its type in the knowledge base. */
async function names(context: Context, id: { typename: string; id: string }): Promise<boolean> {
  return (await context.loaders.referentById.load(id.id))?.kind === id.typename;
}

function parseCalendarDate(value: unknown): string {
  // Date.parse rolls 2015-02-30 over to 2 March, so the day must survive a round trip.
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const parsed = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value) return value;
  }
  throw new GraphQLError(`Date must be a calendar date in the form YYYY-MM-DD, got ${JSON.stringify(value)}`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  /** A connection counts its whole list only when a query asks for `totalCount` (see `schema/pagination.ts`). */
  Connection: { totalCount: number | (() => Promise<number>) };
  Scalars: {
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
    ArticleFile: { Input: unknown; Output: object };
  };
}>({
  plugins: [RelayPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
    edgesFieldOptions: { nullable: false, description: 'The items on this page, each with its cursor.' },
    nodeFieldOptions: { nullable: false, description: 'The item.' },
    cursorFieldOptions: { description: 'An opaque cursor: pass it as `after` (or `before`) to page from this item.' },
    pageInfoFieldOptions: { description: 'Where this page stands in the whole list.' },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items precede this page.' },
    startCursorFieldOptions: { description: 'The cursor of the first item on this page (null when the page is empty).' },
    endCursorFieldOptions: { description: 'The cursor of the last item on this page (null when the page is empty).' },
    idFieldOptions: { description: 'An opaque global id, usable with `node(id:)` and the typed lookups.' },
    nodeTypeOptions: { description: 'Anything that can be fetched again by its global id with `node(id:)`.' },
    pageInfoTypeOptions: { description: 'Pagination state of a connection, as in the Relay connection specification.' },
    nodeQueryOptions: {
      description: 'Fetches any object by its global id. Null when the id is well formed but names nothing.',
      nullable: true,
      args: { id: { description: 'A global id, as returned in any `id` field.' } },
      // Relay convention: an id that names nothing is null, not an error.
      resolve: async (_root, { id }, context, _info, resolveNode) => ((await names(context, id)) ? resolveNode(id) : null),
    },
    nodesQueryOptions: {
      description: `Fetches several objects by global id, in the order given; null for each id that names nothing. At most ${MAX_NODE_IDS} ids.`,
      nullable: { list: false, items: true },
      args: { ids: { description: `Global ids, as returned in any \`id\` field (at most ${MAX_NODE_IDS}; a repeated id is answered each time).` } },
      // Not the plugin's resolveNodes callback: it always loads every id given, known or not.
      resolve: (_root, { ids }, context) => {
        // A page's worth, as for connections: a thousand copies of one id made a 4 MB answer from a 42 KB request.
        if (ids.length > MAX_NODE_IDS) throw badUserInput(`"ids" holds ${ids.length} ids; at most ${MAX_NODE_IDS} may be fetched at once`, { argumentName: 'ids', max: MAX_NODE_IDS });
        return ids.map(async (id) => ((await names(context, id)) ? loadNode(context, id.id) : null));
      },
    },
    firstArgOptions: { description: 'How many items to return from the start (1 to 100; 20 when neither `first` nor `last` is given).' },
    afterArgOptions: { description: 'Return items after this cursor.' },
    lastArgOptions: { description: 'How many items to return from the end (1 to 100).' },
    beforeArgOptions: { description: 'Return items before this cursor.' },
  },
});

builder.scalarType('Date', {
  description: 'A calendar date in ISO 8601 form, YYYY-MM-DD.',
  serialize: (value) => value,
  parseValue: parseCalendarDate,
  parseLiteral: (ast) => parseCalendarDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType('DateTime', {
  description: 'An instant in ISO 8601 form with a time zone, such as 2026-11-28T07:45:00.000Z.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const parsed = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(parsed.getTime())) throw badUserInput(`DateTime must be an ISO 8601 timestamp, got ${JSON.stringify(value)}`);
    return parsed;
  },
});

builder.scalarType('ArticleFile', {
  description:
    'An article file as a JSON object: one source and what it says, in the format of `npm run author -- apply` (JSON Schema: schema/article-file.schema.json in the project). Checked when applied; problems come back with their JSON path in the file.',
  serialize: (value) => value,
  parseValue: (value) => value,
  // An inline object literal in a document (files are usually variables), with any variables inside it.
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

builder.queryType({ description: 'The entry points for reading the knowledge base.' });
