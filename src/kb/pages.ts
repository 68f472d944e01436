/**
 * Pages of ordered lists, as every store cuts them: a page starts after one item and ends before
 * another, named by id (keyset pagination), never by an offset. A cursor therefore keeps its place when
 * records are added before it, and a store can answer it from an index: "after X" is "after X's sort
 * key", whether or not X itself still meets the filter.
 */

/** Which part of a list a page holds. Sizes are already checked (1 to the maximum) and at least one of `first` and `last` is set. */
export interface PageWindow {
  first?: number;
  last?: number;
  /** The id of the item the page starts after. */
  after?: string;
  /** The id of the item the page ends before. */
  before?: string;
}

/** One page of a list. */
export interface ListPage<T> {
  items: readonly T[];
  /** Whether the list holds items before the first of this page (before `after`, too). */
  hasPreviousPage: boolean;
  /** Whether the list holds items after the last of this page (after `before`, too). */
  hasNextPage: boolean;
}

/** A cursor that names no item of the list's order (an id of another kind, or none at all). */
export class UnknownCursorError extends Error {
  override name = 'UnknownCursorError';
  constructor(readonly argumentName: 'after' | 'before') {
    super(`"${argumentName}" names no item of this list`);
  }
}

/** The first index in `list` whose item ranks at or after `rank` (the list is in rank order). */
function firstAtOrAfter<T>(list: readonly T[], rank: number, rankOf: (item: T) => number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (rankOf(list[middle]!) < rank) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The page `window` asks for of `list`, a list in the order `rankOf` gives (every item's place in the
 * whole ordering the list was taken from). `rankOfId` places the cursors' items, which the list itself
 * may no longer hold.
 */
export function pageOfList<T>(
  list: readonly T[],
  window: PageWindow,
  rankOf: (item: T) => number,
  rankOfId: (id: string) => number | undefined,
): ListPage<T> {
  const rankOfCursor = (id: string, argumentName: 'after' | 'before') => {
    const rank = rankOfId(id);
    if (rank === undefined) throw new UnknownCursorError(argumentName);
    return rank;
  };
  let start = window.after !== undefined ? firstAtOrAfter(list, rankOfCursor(window.after, 'after') + 1, rankOf) : 0;
  let end = window.before !== undefined ? Math.max(start, firstAtOrAfter(list, rankOfCursor(window.before, 'before'), rankOf)) : list.length;
  if (window.first !== undefined) end = Math.min(end, start + window.first);
  if (window.last !== undefined) start = Math.max(start, end - window.last);
  return {
    items: list.slice(start, end),
    hasPreviousPage: start > 0,
    hasNextPage: end < list.length,
  };
}
