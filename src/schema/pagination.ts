/**
 * Cursor pagination over lists the knowledge base already holds in order (its indexes), with the
 * page-size limits every connection shares.
 */
import { builder } from '../builder.js';
import { badUserInput } from '../errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

const cursorPrefix = 'offset:';

function encodeCursor(offset: number): string {
  return Buffer.from(`${cursorPrefix}${offset}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, argumentName: 'after' | 'before'): number {
  const decoded = cursor.length <= 40 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const offset = decoded.startsWith(cursorPrefix) ? Number(decoded.slice(cursorPrefix.length)) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset < 0 || encodeCursor(offset) !== cursor) {
    throw badUserInput(`"${argumentName}" is not a cursor returned by this connection`, { argumentName });
  }
  return offset;
}

function checkPageSize(value: number | null | undefined, argumentName: 'first' | 'last'): void {
  if (value != null && (value < 1 || value > MAX_PAGE_SIZE)) {
    throw badUserInput(`"${argumentName}" must be between 1 and ${MAX_PAGE_SIZE}, got ${value}`, { argumentName });
  }
}

/** One page of `items` as a Relay connection; BAD_USER_INPUT for an out-of-range size or a foreign cursor. */
export function paginate<T>(items: readonly T[], args: ConnectionArgs): Page<T> {
  checkPageSize(args.first, 'first');
  checkPageSize(args.last, 'last');
  const afterOffset = args.after != null ? decodeCursor(args.after, 'after') : -1;
  const beforeOffset = args.before != null ? decodeCursor(args.before, 'before') : items.length;
  let start = Math.min(afterOffset + 1, items.length);
  let end = Math.max(start, Math.min(beforeOffset, items.length));
  if (args.first != null) end = Math.min(end, start + args.first);
  if (args.last != null) start = Math.max(start, end - args.last);
  if (args.first == null && args.last == null) end = Math.min(end, start + DEFAULT_PAGE_SIZE);
  const edges = items.slice(start, end).map((node, index) => ({ cursor: encodeCursor(start + index), node }));
  return {
    edges,
    pageInfo: {
      hasPreviousPage: start > 0,
      hasNextPage: end < items.length,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: items.length,
  };
}

builder.globalConnectionField('totalCount', (t) =>
  t.int({ description: 'How many items the whole list holds, across all pages.', resolve: (connection) => connection.totalCount }),
);
