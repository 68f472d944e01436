/**
 * Routes: #/person/jens-stoltenberg, #/organization/nato, #/country/…, #/event/…, #/statement/…,
 * #/source/…; and the small pieces every page, the search and the graph use to name a record and link
 * to its route.
 */
import type { DateFieldsFragment } from '@newsgraph/client';
import { appendChildren, h, type Child } from './dom.js';

const routeKinds = ['person', 'organization', 'country', 'event', 'statement', 'source'] as const;
export type RouteKind = (typeof routeKinds)[number];
export interface Route {
  kind: RouteKind;
  slug: string;
}

function isRouteKind(value: string): value is RouteKind {
  return (routeKinds as readonly string[]).includes(value);
}

export function parseRoute(hash: string): Route | null {
  const match = /^#\/([a-z]+)\/([^/?#]+)$/.exec(hash);
  if (!match) return null;
  const kind = match[1]!;
  let slug: string;
  try {
    slug = decodeURIComponent(match[2]!);
  } catch {
    return null;
  }
  return isRouteKind(kind) ? { kind, slug } : null;
}

/** The page of a record, from its `__typename` (or graph node kind) and slug. */
export function hrefFor(typename: string, slug: string): string {
  return `#/${typename.toLowerCase()}/${encodeURIComponent(slug)}`;
}

const kindNames: Record<RouteKind, string> = { person: 'Person', organization: 'Organization', country: 'Country', event: 'Event', statement: 'Statement', source: 'Source' };

export function kindBadge(typename: string): HTMLElement {
  const kind = typename.toLowerCase();
  return h('span', { class: `badge badge-${kind}` }, isRouteKind(kind) ? kindNames[kind] : typename);
}

export function link(entity: { __typename: string; slug: string; displayName: string }): HTMLAnchorElement {
  return h('a', { href: hrefFor(entity.__typename, entity.slug) }, entity.displayName);
}

/** A source's title, linking to its page. */
export function sourceLink(source: { slug: string; title: string }): HTMLAnchorElement {
  return h('a', { href: hrefFor('Source', source.slug), class: 'source-link' }, source.title);
}

/** "1 source", "3 sources". */
export function sourcesText(count: number): string {
  return `${count} ${count === 1 ? 'source' : 'sources'}`;
}

export function humanize(enumValue: string): string {
  const words = enumValue.toLowerCase().replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "1 December 2015", marked when worked out rather than stated, with how in the tooltip. */
export function dateText(date: DateFieldsFragment | null | undefined): HTMLElement | null {
  if (!date) return null;
  const span = h('span', { class: 'date' }, date.text);
  if (date.inferred) {
    span.append(' ', h('span', { class: 'inferred', title: date.note ?? 'Worked out from the text, not stated in it' }, '(inferred)'));
  }
  return span;
}

export function inferredFlag(inferred: boolean, note: string | null): HTMLElement | null {
  return inferred ? h('span', { class: 'inferred', title: note ?? 'Implied by the text rather than stated' }, 'inferred') : null;
}

/** Joins the non-empty parts with " · ". */
export function dotted(...parts: Child[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const part of parts) {
    if (part === null || part === undefined || part === false || part === '' || (Array.isArray(part) && part.length === 0)) continue;
    if (fragment.childNodes.length > 0) fragment.append(' · ');
    appendChildren(fragment, [part]);
  }
  return fragment;
}
