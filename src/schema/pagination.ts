/**
 * Relay connections over the read seam's pages, with the page-size limits every connection shares. A
 * cursor names the item it stands for (keyset pagination): the store answers "after this item" from
 * its order, so a cursor keeps its place when records are added before it.
 */
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import type { ListQuery, ListRelation, ReadAlong } from '../kb/reader.js';
import { badUserInput } from '../errors.js';
import { UnknownCursorError, type ListPage, type PageWindow } from '../kb/pages.js';
import { MAX_SLUG_LENGTH, SLUG_PATTERN } from '../kb/records.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** A connection as its fields resolve it: `totalCount` is counted only when a query asks for it. */
export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number | (() => Promise<number>);
}

/** A store's page, with the length of the whole list when the store had it at hand. */
export type StorePage<T> = ListPage<T> & { total?: number };

const cursorPrefix = 'id:';
/** The longest cursor this server issues: base64url of the prefix and the longest id. */
const MAX_CURSOR_LENGTH = Math.ceil(((cursorPrefix.length + MAX_SLUG_LENGTH) * 4) / 3);

function encodeCursor(id: string): string {
  return Buffer.from(`${cursorPrefix}${id}`, 'utf8').toString('base64url');
}

function notACursor(argumentName: 'after' | 'before'): Error {
  return badUserInput(`"${argumentName}" is not a cursor returned by this connection`, { argumentName });
}

function decodeCursor(cursor: string, argumentName: 'after' | 'before'): string {
  const decoded = cursor.length <= MAX_CURSOR_LENGTH ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = decoded.startsWith(cursorPrefix) ? decoded.slice(cursorPrefix.length) : '';
  if (!SLUG_PATTERN.test(id) || encodeCursor(id) !== cursor) throw notACursor(argumentName);
  return id;
}

function checkPageSize(value: number | null | undefined, argumentName: 'first' | 'last'): void {
  if (value != null && (value < 1 || value > MAX_PAGE_SIZE)) {
    throw badUserInput(`"${argumentName}" must be between 1 and ${MAX_PAGE_SIZE}, got ${value}`, { argumentName });
  }
}

/** The window the arguments ask for: BAD_USER_INPUT for an out-of-range size or a cursor this server did not issue. */
export function pageWindow(args: ConnectionArgs): PageWindow {
  checkPageSize(args.first, 'first');
  checkPageSize(args.last, 'last');
  const window: PageWindow = {};
  if (args.after != null) window.after = decodeCursor(args.after, 'after');
  if (args.before != null) window.before = decodeCursor(args.before, 'before');
  if (args.first != null) window.first = args.first;
  if (args.last != null) window.last = args.last;
  if (args.first == null && args.last == null) window.first = DEFAULT_PAGE_SIZE;
  return window;
}

/**
 * A store's page as a connection. `idOf` names each item's record (its cursor); `count` counts the whole
 * list, called only when the store did not already know it and a query asks for `totalCount`.
 */
export function connectionOf<T>(page: StorePage<T>, idOf: (item: T) => string, count: () => Promise<number>): Page<T> {
  const edges = page.items.map((node) => ({ cursor: encodeCursor(idOf(node)), node }));
  return {
    edges,
    pageInfo: {
      hasPreviousPage: page.hasPreviousPage,
      hasNextPage: page.hasNextPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: page.total ?? count,
  };
}

/** Awaits a store's page, turning a cursor the store cannot place into the same BAD_USER_INPUT as a malformed one. */
export async function storePage<T>(fetch: Promise<T>): Promise<T> {
  try {
    return await fetch;
  } catch (error) {
    if (error instanceof UnknownCursorError) throw notACursor(error.argumentName);
    throw error;
  }
}

const itself = (id: string) => id;

/** A connection of record ids (nodes a loadable type loads by id). */
export async function idConnection(fetch: Promise<StorePage<string>>, count: () => Promise<number>): Promise<Page<string>> {
  return connectionOf(await storePage(fetch), itself, count);
}

/** A parent's relation that narrows a list (a person's statements: `statementIdsBySpeakerId` of the person). */
export interface ListParent {
  relation: ListRelation;
  id: string;
}

/**
 * One page of a list, or of the list narrowed to one parent's relation: those go through the request's
 * page loaders, so the pages of every parent on a level of the query come from one store call.
 */
export function listConnection(context: Context, query: ListQuery, args: ConnectionArgs, parent?: ListParent, along?: ReadAlong): Promise<Page<string>> {
  const window = pageWindow(args);
  if (!parent) return idConnection(context.reader.page(query, window, along), () => context.reader.count(query));
  const { relation, id } = parent;
  return idConnection(context.loaders.pageWithin(query, window, relation, along).load(id), () => context.loaders.countWithin(query, relation).load(id));
}

const itemFieldsOf = new WeakMap<readonly FieldNode[], ReadonlySet<string>>();

/**
 * The names of the fields a connection field's query asks of its items (under `edges { node }` and
 * `nodes`), fragments included: what its resolver can tell the store to read along with the page.
 * Worked out once per field of a document (graphql-jit hands every execution the same field nodes).
 */
export function itemFieldNames(info: GraphQLResolveInfo): ReadonlySet<string> {
  let names = itemFieldsOf.get(info.fieldNodes);
  if (!names) {
    const found = new Set<string>();
    const addAll = (selectionSet: SelectionSetNode | undefined) => {
      for (const field of fieldsOf(selectionSet, info.fragments)) found.add(field.name.value);
    };
    for (const connection of info.fieldNodes) {
      for (const field of fieldsOf(connection.selectionSet, info.fragments)) {
        if (field.name.value === 'nodes') addAll(field.selectionSet);
        if (field.name.value !== 'edges') continue;
        for (const edgeField of fieldsOf(field.selectionSet, info.fragments)) if (edgeField.name.value === 'node') addAll(edgeField.selectionSet);
      }
    }
    names = found;
    itemFieldsOf.set(info.fieldNodes, names);
  }
  return names;
}

/** The fields of a selection set, those of its inline fragments and fragment spreads included (whatever their directives say). */
function* fieldsOf(selectionSet: SelectionSetNode | undefined, fragments: GraphQLResolveInfo['fragments']): Generator<FieldNode> {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) yield selection;
    else if (selection.kind === Kind.INLINE_FRAGMENT) yield* fieldsOf(selection.selectionSet, fragments);
    else yield* fieldsOf(fragments[selection.name.value]?.selectionSet, fragments);
  }
}

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'How many items the whole list holds, across all pages.',
    resolve: ({ totalCount }) => (typeof totalCount === 'number' ? totalCount : totalCount()),
  }),
);
