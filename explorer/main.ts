/**
 * The explorer page: a search box with as-you-type results, a page per record, and the record's
 * neighbourhood drawn with cytoscape that can be clicked through. It listens for changes to the
 * knowledge base and shows them without a reload. It talks to the server through the SDK (client/),
 * save for reading the one subscription's event stream, which the SDK does not do, and puts data into
 * the DOM only as text (text nodes and textContent, never HTML).
 * src/http/explorer.ts bundles this file with esbuild and serves it at /explore.
 */
import cytoscape from 'cytoscape';
import {
  CountryPageDocument,
  createClient,
  DatasetChangedDocument,
  EventPageDocument,
  GraphQLRequestError,
  NeighborhoodDocument,
  OrganizationPageDocument,
  PersonPageDocument,
  SearchDocument,
  SourceTextDocument,
  StatementDetailDocument,
  type Client,
  type DatasetChangedSubscription,
  type DateFieldsFragment,
  type EvidenceFieldsFragment,
  type NeighborhoodQuery,
  type ParticipationFieldsFragment,
  type RoleFieldsFragment,
  type SearchQuery,
  type StatementCardFragment,
  type StatementPageFragment,
} from '../client/index.js';

// ---------------------------------------------------------------------------------------------------
// Talking to the server

const endpoint = new URL('/graphql', window.location.href);
const textClient = createClient({ url: endpoint });
const hashClient = createClient({ url: endpoint, persisted: true });
let sendHashes = false;

/**
 * Sends query text, as most servers accept; a server in allow-list mode answers PERSISTED_QUERY_ONLY,
 * and from then on the page sends the shipped documents' hashes instead.
 */
const request: Client['request'] = async (document, ...args) => {
  if (!sendHashes) {
    try {
      return await textClient.request(document, ...args);
    } catch (error) {
      if (!(error instanceof GraphQLRequestError && error.code === 'PERSISTED_QUERY_ONLY')) throw error;
      sendHashes = true;
    }
  }
  return hashClient.request(document, ...args);
};

// ---------------------------------------------------------------------------------------------------
// Building DOM from data, as text only

type Child = Node | string | null | undefined | false | readonly Child[];

function appendChildren(parent: Element | DocumentFragment, children: readonly Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) appendChildren(parent, child);
    else if (child !== null && child !== undefined && child !== false) parent.append(child as Node | string);
  }
}

/** Creates an element; strings become text nodes, so data is never parsed as HTML. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) element.setAttribute(name, value);
  appendChildren(element, children);
  return element;
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`explorer: #${id} is missing from index.html`);
  return element as T;
}

/** `text` with each range wrapped in <mark>; ranges are UTF-16 offsets, as the API gives them. */
function highlighted(text: string, ranges: readonly { start: number; end: number }[], markClass?: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const { start, end } of [...ranges].sort((a, b) => a.start - b.start)) {
    const from = Math.max(start, at);
    const to = Math.min(end, text.length);
    if (to <= from) continue;
    fragment.append(text.slice(at, from), h('mark', markClass ? { class: markClass } : null, text.slice(from, to)));
    at = to;
  }
  fragment.append(text.slice(at));
  return fragment;
}

// ---------------------------------------------------------------------------------------------------
// Routes: #/person/jens-stoltenberg, #/organization/nato, #/country/…, #/event/…, #/statement/…

const routeKinds = ['person', 'organization', 'country', 'event', 'statement'] as const;
type RouteKind = (typeof routeKinds)[number];
interface Route {
  kind: RouteKind;
  slug: string;
}

function isRouteKind(value: string): value is RouteKind {
  return (routeKinds as readonly string[]).includes(value);
}

function parseRoute(hash: string): Route | null {
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
function hrefFor(typename: string, slug: string): string {
  return `#/${typename.toLowerCase()}/${encodeURIComponent(slug)}`;
}

const kindNames: Record<RouteKind, string> = { person: 'Person', organization: 'Organization', country: 'Country', event: 'Event', statement: 'Statement' };

function kindBadge(typename: string): HTMLElement {
  const kind = typename.toLowerCase();
  return h('span', { class: `badge badge-${kind}` }, isRouteKind(kind) ? kindNames[kind] : typename);
}

function link(entity: { __typename: string; slug: string; displayName: string }): HTMLAnchorElement {
  return h('a', { href: hrefFor(entity.__typename, entity.slug) }, entity.displayName);
}

function humanize(enumValue: string): string {
  const words = enumValue.toLowerCase().replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "1 December 2015", marked when worked out rather than stated, with how in the tooltip. */
function dateText(date: DateFieldsFragment | null | undefined): HTMLElement | null {
  if (!date) return null;
  const span = h('span', { class: 'date' }, date.text);
  if (date.inferred) {
    span.append(' ', h('span', { class: 'inferred', title: date.note ?? 'Worked out from the text, not stated in it' }, '(inferred)'));
  }
  return span;
}

function inferredFlag(inferred: boolean, note: string | null): HTMLElement | null {
  return inferred ? h('span', { class: 'inferred', title: note ?? 'Implied by the text rather than stated' }, 'inferred') : null;
}

/** Joins the non-empty parts with " · ". */
function dotted(...parts: Child[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const part of parts) {
    if (part === null || part === undefined || part === false || part === '' || (Array.isArray(part) && part.length === 0)) continue;
    if (fragment.childNodes.length > 0) fragment.append(' · ');
    appendChildren(fragment, [part]);
  }
  return fragment;
}

// ---------------------------------------------------------------------------------------------------
// Evidence in its source

const sourceTexts = new Map<string, Promise<string | null>>();

/**
 * A source's full text, fetched once per page load; null when it cannot be had (the excerpt then shows
 * only the evidence), and asked for again on the next page in case the failure passes.
 */
function sourceText(slug: string): Promise<string | null> {
  let text = sourceTexts.get(slug);
  if (!text) {
    text = request(SourceTextDocument, { slug }).then(
      ({ data }) => data.source?.text ?? null,
      () => {
        sourceTexts.delete(slug);
        return null;
      },
    );
    sourceTexts.set(slug, text);
  }
  return text;
}

/** The slugs of every source some evidence in `value` points into. */
function evidenceSources(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) evidenceSources(item, found);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const source = record.source as { slug?: unknown } | undefined;
    if (typeof record.start === 'number' && typeof source?.slug === 'string') found.add(source.slug);
    for (const child of Object.values(record)) evidenceSources(child, found);
  }
  return found;
}

async function loadSourcesFor(data: unknown): Promise<Map<string, string>> {
  const slugs = [...evidenceSources(data)];
  const texts = await Promise.all(slugs.map(sourceText));
  return new Map(slugs.flatMap((slug, i) => (texts[i] ? [[slug, texts[i]] as [string, string]] : [])));
}

const CONTEXT_CHARS = 140;

/**
 * The evidence inside the sentence or two around it, with the evidence itself in <mark>. Offsets
 * index into the source text (UTF-16, as `slice` counts); the context stops at paragraph breaks and
 * is cut on a word boundary.
 */
function excerpt(evidence: EvidenceFieldsFragment, texts: ReadonlyMap<string, string>): HTMLElement {
  const block = h('blockquote', { class: 'excerpt' });
  const text = texts.get(evidence.source.slug);
  if (text === undefined || text.slice(evidence.start, evidence.end) !== evidence.text) {
    block.append(h('mark', { class: 'evidence' }, evidence.text));
    return block;
  }
  let from = Math.max(0, evidence.start - CONTEXT_CHARS);
  let before = text.slice(from, evidence.start);
  const paragraphStart = before.lastIndexOf('\n');
  if (paragraphStart >= 0) {
    before = before.slice(paragraphStart + 1);
    from = evidence.start - before.length;
  } else if (from > 0) {
    before = before.replace(/^\S*\s/, '');
  }
  let after = text.slice(evidence.end, evidence.end + CONTEXT_CHARS);
  const paragraphEnd = after.indexOf('\n');
  const cutAfter = paragraphEnd < 0 && evidence.end + CONTEXT_CHARS < text.length;
  if (paragraphEnd >= 0) after = after.slice(0, paragraphEnd);
  else if (cutAfter) after = after.replace(/\s\S*$/, '');
  const cutBefore = paragraphStart < 0 && from > 0;
  block.append(cutBefore ? '…' : '', before, h('mark', { class: 'evidence' }, evidence.text), after, cutAfter ? '…' : '');
  return block;
}

// ---------------------------------------------------------------------------------------------------
// Pieces shared by the pages

function section(title: string, count: number | null, ...content: Child[]): HTMLElement {
  return h('section', { class: 'block' }, h('h2', null, title, count === null ? '' : h('span', { class: 'count' }, ` ${count}`)), ...content);
}

function empty(text: string): HTMLElement {
  return h('p', { class: 'muted' }, text);
}

function statementCard(card: StatementCardFragment, texts: ReadonlyMap<string, string>, { withSpeaker = true } = {}): HTMLLIElement {
  const words = card.kind === 'QUOTE' ? `“${card.text}”` : card.text;
  // A record mentioned twice (two phrases naming Turkey) is listed once; the speaker is named already.
  const mentioned = new Map(card.mentions.map((m) => [m.entity.slug, m.entity]));
  mentioned.delete(card.speaker?.slug ?? '');
  const mentions = [...mentioned.values()];
  return h(
    'li',
    { class: `statement statement-${card.kind.toLowerCase()}`, 'data-statement': card.slug },
    h('p', { class: 'statement-meta' }, dotted(h('span', { class: `badge badge-${card.kind.toLowerCase()}` }, humanize(card.kind)), dateText(card.date), card.event ? link({ __typename: 'Event', ...card.event }) : null)),
    h('p', { class: 'statement-text' }, h('a', { href: hrefFor('Statement', card.slug) }, words)),
    h(
      'p',
      { class: 'attribution' },
      withSpeaker && card.speaker ? [link({ __typename: 'Person', ...card.speaker }), ': '] : '',
      h('span', { class: 'muted' }, 'attributed as '),
      `“${card.attribution}”`,
      card.relayedBy ? [' · ', h('span', { class: 'muted' }, 'passed on by '), link(card.relayedBy)] : '',
    ),
    excerpt(card.evidence, texts),
    mentions.length > 0
      ? h('p', { class: 'mentions' }, h('span', { class: 'muted' }, 'Mentions '), ...mentions.flatMap((entity, i) => [i > 0 ? ', ' : '', link(entity)]))
      : null,
  );
}

function statementList(page: StatementPageFragment, texts: ReadonlyMap<string, string>, options?: { withSpeaker?: boolean }): HTMLElement {
  if (page.edges.length === 0) return empty('None.');
  const list = h('ol', { class: 'statements' }, ...page.edges.map(({ node }) => statementCard(node, texts, options)));
  const more = page.totalCount > page.edges.length ? h('p', { class: 'muted' }, `Showing ${page.edges.length} of ${page.totalCount}.`) : null;
  return h('div', null, list, more);
}

/** Statements that mention the record, one line each. */
function mentionList(page: StatementPageFragment): HTMLElement {
  if (page.edges.length === 0) return empty('None.');
  return h(
    'ul',
    { class: 'compact' },
    ...page.edges.map(({ node }) =>
      h('li', null, h('a', { href: hrefFor('Statement', node.slug) }, node.kind === 'QUOTE' ? `“${node.text}”` : node.text), node.speaker ? [' — ', link({ __typename: 'Person', ...node.speaker })] : ''),
    ),
  );
}

function roleItem(role: RoleFieldsFragment, texts: ReadonlyMap<string, string>, holder: 'person' | 'place'): HTMLLIElement {
  const span = role.start || role.end ? [dateText(role.start) ?? '…', ' – ', dateText(role.end) ?? '…'] : [];
  return h(
    'li',
    { class: 'role' },
    h(
      'p',
      null,
      dotted(
        holder === 'place' ? link(role.person) : null,
        h('strong', { class: 'role-title' }, role.title),
        role.organization ? link(role.organization) : null,
        role.country ? link(role.country) : null,
        role.statedAs && role.statedAs !== role.title ? h('span', { class: 'muted' }, `as “${role.statedAs}”`) : null,
        span.length > 0 ? h('span', null, ...span) : null,
        inferredFlag(role.inferred, role.note),
      ),
    ),
    excerpt(role.evidence, texts),
  );
}

function participationItem(participation: ParticipationFieldsFragment, texts: ReadonlyMap<string, string>, show: 'event' | 'participant'): HTMLLIElement {
  return h(
    'li',
    null,
    h(
      'p',
      null,
      dotted(
        show === 'event' ? link({ __typename: 'Event', ...participation.event }) : link(participation.participant),
        h('span', null, participation.role),
        show === 'event' ? dateText(participation.event.start) : null,
        inferredFlag(participation.inferred, participation.note),
      ),
    ),
    h('details', null, h('summary', null, 'Evidence'), excerpt(participation.evidence, texts)),
  );
}

function listOrEmpty<T>(items: readonly T[], render: (item: T) => HTMLLIElement, className = 'plain'): HTMLElement {
  return items.length > 0 ? h('ul', { class: className }, ...items.map(render)) : empty('None.');
}

function header(typename: string, title: string, ...rest: Child[]): HTMLElement {
  return h('header', { class: 'entity-head' }, kindBadge(typename), h('h1', { id: 'entity-title', tabindex: '-1' }, title), ...rest);
}

function aliasesLine(aliases: readonly string[]): HTMLElement | null {
  return aliases.length > 0 ? h('p', { class: 'aliases' }, h('span', { class: 'muted' }, 'Also called '), aliases.join(', ')) : null;
}

// ---------------------------------------------------------------------------------------------------
// The pages

// Large enough for every list in the dataset, small enough to stay under the server's cost limit.
const PAGE = 50;

type Page = { title: string; content: Node[] };

async function personPage(slug: string): Promise<Page | null> {
  const { person } = (await request(PersonPageDocument, { slug, statementsFirst: PAGE, mentionsFirst: PAGE })).data;
  if (!person) return null;
  const texts = await loadSourcesFor(person);
  return {
    title: person.displayName,
    content: [
      header('Person', person.displayName, person.isNamed ? null : h('p', { class: 'muted' }, 'The source does not name this person.'), aliasesLine(person.aliases), h('p', { class: 'description' }, person.description)),
      section('Roles', person.roles.length, listOrEmpty(person.roles, (role) => roleItem(role, texts, 'person'), 'plain roles')),
      section('Statements', person.statements.totalCount, statementList(person.statements, texts, { withSpeaker: false })),
      person.relayedStatements.totalCount > 0 ? section('Passed on for others', person.relayedStatements.totalCount, statementList(person.relayedStatements, texts)) : null,
      section('Events', person.participations.length, listOrEmpty(person.participations, (p) => participationItem(p, texts, 'event'))),
      section('Mentioned in', person.mentionedIn.totalCount, mentionList(person.mentionedIn)),
    ].filter((node): node is HTMLElement => node !== null),
  };
}

async function organizationPage(slug: string): Promise<Page | null> {
  const { organization: org } = (await request(OrganizationPageDocument, { slug, mentionsFirst: PAGE })).data;
  if (!org) return null;
  const texts = await loadSourcesFor(org);
  const related = [
    org.parent ? h('li', null, h('span', { class: 'muted' }, 'Part of '), link(org.parent)) : null,
    ...org.children.map((child) => h('li', null, h('span', { class: 'muted' }, 'Includes '), link(child))),
    org.country ? h('li', null, h('span', { class: 'muted' }, 'Country '), link(org.country)) : null,
  ].filter((item): item is HTMLLIElement => item !== null);
  return {
    title: org.displayName,
    content: [
      header(
        'Organization',
        org.displayName,
        h('p', null, humanize(org.kind)),
        aliasesLine(org.aliases),
        h('p', { class: 'description' }, org.description),
        related.length > 0 ? h('ul', { class: 'plain' }, ...related) : null,
      ),
      section(
        'Members',
        org.members.length,
        org.statedMemberCount ? h('div', null, h('p', null, `The source says it has ${org.statedMemberCount.count} members.`), excerpt(org.statedMemberCount.evidence, texts)) : null,
        listOrEmpty(org.members, (m) =>
          h('li', null, h('p', null, dotted(link(m.country), m.role, inferredFlag(m.inferred, m.note))), h('details', null, h('summary', null, 'Evidence'), excerpt(m.evidence, texts))),
        ),
      ),
      section('Office holders', org.roles.length, listOrEmpty(org.roles, (role) => roleItem(role, texts, 'place'), 'plain roles')),
      section('Events', org.participations.length, listOrEmpty(org.participations, (p) => participationItem(p, texts, 'event'))),
      org.relayedStatements.totalCount > 0 ? section('Passed on for others', org.relayedStatements.totalCount, statementList(org.relayedStatements, texts)) : null,
      section('Mentioned in', org.mentionedIn.totalCount, mentionList(org.mentionedIn)),
    ].filter((node): node is HTMLElement => node !== null),
  };
}

async function countryPage(slug: string): Promise<Page | null> {
  const { country } = (await request(CountryPageDocument, { slug, eventsFirst: PAGE, mentionsFirst: PAGE })).data;
  if (!country) return null;
  const texts = await loadSourcesFor(country);
  return {
    title: country.displayName,
    content: [
      header('Country', country.displayName, h('p', null, `ISO ${country.isoCode} · ${country.isoAlpha3}`), aliasesLine(country.aliases), h('p', { class: 'description' }, country.description)),
      section(
        'Member of',
        country.memberships.length,
        listOrEmpty(country.memberships, (m) =>
          h('li', null, h('p', null, dotted(link(m.organization), m.role, inferredFlag(m.inferred, m.note))), h('details', null, h('summary', null, 'Evidence'), excerpt(m.evidence, texts))),
        ),
      ),
      section('Office holders', country.roles.length, listOrEmpty(country.roles, (role) => roleItem(role, texts, 'place'), 'plain roles')),
      country.organizations.length > 0 ? section('Organizations', country.organizations.length, listOrEmpty(country.organizations, (o) => h('li', null, link(o)))) : null,
      section('Took part in', country.participations.length, listOrEmpty(country.participations, (p) => participationItem(p, texts, 'event'))),
      section(
        'Events held there',
        country.events.totalCount,
        listOrEmpty(country.events.edges, ({ node }) => h('li', null, dotted(link({ __typename: 'Event', ...node }), humanize(node.kind), dateText(node.start)))),
      ),
      section('Mentioned in', country.mentionedIn.totalCount, mentionList(country.mentionedIn)),
    ].filter((node): node is HTMLElement => node !== null),
  };
}

async function eventPage(slug: string): Promise<Page | null> {
  const { event } = (await request(EventPageDocument, { slug, statementsFirst: PAGE, mentionsFirst: PAGE })).data;
  if (!event) return null;
  const texts = await loadSourcesFor(event);
  const when = event.start || event.end ? h('p', null, dateText(event.start) ?? '…', event.end ? [' – ', dateText(event.end)] : '') : null;
  return {
    title: event.displayName,
    content: [
      header(
        'Event',
        event.displayName,
        h('p', null, humanize(event.kind)),
        when,
        aliasesLine(event.aliases),
        h('p', { class: 'description' }, event.description),
        event.parent ? h('p', null, h('span', { class: 'muted' }, 'Part of '), link(event.parent)) : null,
      ),
      section(
        'Where',
        event.locations.length,
        listOrEmpty(event.locations, (l) =>
          h('li', null, h('p', null, dotted(l.city, l.country ? link(l.country) : null, inferredFlag(l.inferred, l.note))), h('details', null, h('summary', null, 'Evidence'), excerpt(l.evidence, texts))),
        ),
      ),
      section('Who took part', event.participants.length, listOrEmpty(event.participants, (p) => participationItem(p, texts, 'participant'))),
      event.subEvents.length > 0
        ? section('During it', event.subEvents.length, listOrEmpty(event.subEvents, (e) => h('li', null, dotted(link(e), humanize(e.kind), dateText(e.start)))))
        : null,
      section('Said at or about it', event.statements.totalCount, statementList(event.statements, texts)),
      section('Mentioned in', event.mentionedIn.totalCount, mentionList(event.mentionedIn)),
    ].filter((node): node is HTMLElement => node !== null),
  };
}

async function statementPage(slug: string): Promise<Page | null> {
  const { statement } = (await request(StatementDetailDocument, { slug })).data;
  if (!statement) return null;
  const texts = await loadSourcesFor(statement);
  const title = statement.speaker ? `${humanize(statement.kind)} by ${statement.speaker.displayName}` : humanize(statement.kind);
  const parts = [
    statement.continues ? h('li', null, h('span', { class: 'muted' }, 'Continues '), h('a', { href: hrefFor('Statement', statement.continues.slug) }, `“${statement.continues.text}”`)) : null,
    ...statement.continuedBy.map((next) => h('li', null, h('span', { class: 'muted' }, 'Continued by '), h('a', { href: hrefFor('Statement', next.slug) }, `“${next.text}”`))),
  ].filter((item): item is HTMLLIElement => item !== null);
  return {
    title,
    content: [
      header('Statement', title),
      h('ol', { class: 'statements' }, statementCard(statement, texts)),
      section('The attribution in the source', null, excerpt(statement.attributionEvidence, texts)),
      parts.length > 0 ? section('A split quote', null, h('ul', { class: 'plain' }, ...parts)) : null,
      statement.aboutEvents.length > 0 ? section('About', statement.aboutEvents.length, listOrEmpty(statement.aboutEvents, (e) => h('li', null, link(e)))) : null,
    ].filter((node): node is HTMLElement => node !== null),
  };
}

const pages: Record<RouteKind, (slug: string) => Promise<Page | null>> = {
  person: personPage,
  organization: organizationPage,
  country: countryPage,
  event: eventPage,
  statement: statementPage,
};

// ---------------------------------------------------------------------------------------------------
// The neighbourhood graph

const graphContainer = byId<HTMLDivElement>('graph');
const graphStatus = byId<HTMLParagraphElement>('graph-status');
const graphNodes = byId<HTMLUListElement>('graph-nodes');
const graphDepth = byId<HTMLSelectElement>('graph-depth');

const nodeKinds = ['PERSON', 'ORGANIZATION', 'COUNTRY', 'EVENT', 'STATEMENT'] as const;
const MAX_FIT_ZOOM = 1.5;

/** The colours live in app.css (--kind-person, …), so the legend, the badges and the graph agree. */
function kindColor(kind: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(`--kind-${kind.toLowerCase()}`).trim() || '#555';
}

const graph = cytoscape({
  container: graphContainer,
  elements: [],
  minZoom: 0.25,
  maxZoom: 3,
  boxSelectionEnabled: false,
  autoungrabify: false,
  style: [
    {
      selector: 'node',
      style: {
        'background-color': 'data(color)',
        label: 'data(label)',
        'font-size': 10,
        'font-family': 'system-ui, sans-serif',
        color: '#1b1f24',
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'text-wrap': 'ellipsis',
        'text-max-width': '120px',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
        'text-background-padding': '1px',
        width: 18,
        height: 18,
      },
    },
    // A statement's words are long: its label shows on hover (and in the list under the graph), so the
    // names of the people, places and events around it stay readable.
    { selector: 'node[kind = "STATEMENT"]', style: { shape: 'round-rectangle', width: 12, height: 12, label: '', 'font-size': 9, color: '#3d444d' } },
    { selector: 'node[kind = "STATEMENT"].near', style: { label: 'data(label)', 'z-index': 10 } },
    { selector: 'node[distance = 0]', style: { label: 'data(label)', width: 32, height: 32, 'border-width': 3, 'border-color': '#111', 'font-size': 12, 'font-weight': 'bold' } },
    {
      selector: 'edge',
      style: {
        width: 1.2,
        'line-color': '#9aa4b1',
        'target-arrow-color': '#9aa4b1',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.7,
        'curve-style': 'bezier',
        'font-size': 8,
        color: '#3d444d',
        'text-rotation': 'autorotate',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
      },
    },
    { selector: 'edge[?inferred]', style: { 'line-style': 'dashed' } },
    { selector: 'edge.near', style: { label: 'data(label)', width: 2, 'line-color': '#4a5563', 'target-arrow-color': '#4a5563' } },
    { selector: 'node.near', style: { 'border-width': 2, 'border-color': '#111' } },
  ],
});

// Hovering a node names its edges; the full graph with every label would be unreadable.
graph.on('mouseover', 'node', (event) => {
  const node = event.target as cytoscape.NodeSingular;
  node.addClass('near');
  node.connectedEdges().addClass('near');
  graphContainer.classList.add('pointing');
});
graph.on('mouseout', 'node', () => {
  graph.elements().removeClass('near');
  graphContainer.classList.remove('pointing');
});
graph.on('tap', 'node', (event) => {
  const node = event.target as cytoscape.NodeSingular;
  const slug = node.data('slug') as string | null;
  if (slug) window.location.hash = hrefFor(node.data('kind') as string, slug);
});

function renderLegend(): void {
  const legend = byId<HTMLUListElement>('graph-legend');
  legend.replaceChildren(...nodeKinds.map((kind) => h('li', null, h('span', { class: `swatch swatch-${kind.toLowerCase()}`, 'aria-hidden': 'true' }), humanize(kind))));
}

type Neighborhood = NonNullable<NeighborhoodQuery['neighborhood']>;

function drawGraph(neighborhood: Neighborhood): void {
  const maxDistance = Math.max(0, ...neighborhood.nodes.map((n) => n.distance));
  graph.batch(() => {
    graph.elements().remove();
    graph.add([
      ...neighborhood.nodes.map((n) => ({
        group: 'nodes' as const,
        data: { id: n.id, label: n.label, kind: n.kind, distance: n.distance, slug: n.node.slug ?? null, color: kindColor(n.kind) },
      })),
      ...neighborhood.edges.map((e) => ({
        group: 'edges' as const,
        data: { id: e.id, source: e.from, target: e.to, kind: e.kind, label: e.label, inferred: e.inferred },
      })),
    ]);
  });
  graph.resize();
  graph
    .layout({
      name: 'concentric',
      concentric: (node: cytoscape.NodeSingular) => maxDistance - (node.data('distance') as number),
      levelWidth: () => 1,
      minNodeSpacing: 12,
      nodeDimensionsIncludeLabels: true,
      padding: 16,
      animate: false,
    })
    .run();
  graph.fit(undefined, 24);
  // A handful of nodes would otherwise be blown up to fill the panel.
  if (graph.zoom() > MAX_FIT_ZOOM) {
    graph.zoom(MAX_FIT_ZOOM);
    graph.center();
  }

  const others = neighborhood.nodes.filter((n) => n.distance > 0 && n.node.slug);
  graphNodes.replaceChildren(
    ...others.map((n) => h('li', null, kindBadge(n.kind), ' ', h('a', { href: hrefFor(n.kind, n.node.slug!) }, n.label), n.distance > 1 ? h('span', { class: 'muted' }, ` (${n.distance} steps)`) : '')),
  );
  const counts = `${neighborhood.nodes.length} records, ${neighborhood.edges.length} connections`;
  graphStatus.textContent = neighborhood.truncated ? `${counts} (more exist; only the nearest are drawn).` : `${counts}. Click a record to open it.`;
}

let graphRequest = 0;

function clearGraph(status: string): void {
  graph.elements().remove();
  graphNodes.replaceChildren();
  graphStatus.textContent = status;
}

/** Fetches and draws the record's neighbourhood; `quiet` (a live refresh) keeps the drawing if that fails. */
async function showGraph(route: Route, { quiet = false } = {}): Promise<void> {
  const ticket = ++graphRequest;
  if (!quiet) graphStatus.textContent = 'Loading the graph…';
  try {
    const { neighborhood } = (await request(NeighborhoodDocument, { id: route.slug, depth: Number(graphDepth.value) || 1, limit: 100 })).data;
    if (ticket !== graphRequest) return;
    if (neighborhood) {
      drawGraph(neighborhood);
    } else {
      clearGraph('Nothing to draw.');
    }
  } catch (error) {
    if (ticket !== graphRequest) return;
    const notFound = error instanceof GraphQLRequestError && error.code === 'NOT_FOUND';
    if (quiet && !notFound) return;
    clearGraph(notFound ? 'Nothing to draw.' : `The graph could not be loaded: ${describeError(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Navigation

const entity = byId<HTMLElement>('entity');
const errorBox = byId<HTMLParagraphElement>('error');
const welcome = [...entity.childNodes];
let currentRoute: Route | null = null;
let pageRequest = 0;

function describeError(error: unknown): string {
  if (error instanceof GraphQLRequestError) return error.code ? `${error.message} (${error.code})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

function showError(message: string | null): void {
  errorBox.hidden = message === null;
  errorBox.textContent = message ?? '';
}

async function navigate({ focus }: { focus: boolean }): Promise<void> {
  const route = parseRoute(window.location.hash);
  currentRoute = route;
  hideResults();
  showError(null);
  if (!route) {
    entity.replaceChildren(...welcome);
    document.title = 'newsgraph explorer';
    ++graphRequest;
    clearGraph('Open a record to see what it is connected to.');
    return;
  }
  void showGraph(route);
  await showRecord(route, { focus });
}

let quietUntil: ReturnType<typeof setTimeout> | undefined;

/**
 * Fetches the record's page and shows it. `quiet` is for a live refresh of the record already shown:
 * screen readers are not made to read the whole page again, and a focused link stays focused.
 */
async function showRecord(route: Route, { focus, quiet = false }: { focus: boolean; quiet?: boolean }): Promise<void> {
  const ticket = ++pageRequest;
  entity.setAttribute('aria-busy', 'true');
  const replace = (...content: Node[]) => {
    const active = document.activeElement;
    const focusedHref = quiet && active instanceof HTMLAnchorElement && entity.contains(active) ? active.getAttribute('href') : null;
    clearTimeout(quietUntil);
    entity.setAttribute('aria-live', quiet ? 'off' : 'polite');
    entity.replaceChildren(...content);
    if (quiet) quietUntil = setTimeout(() => entity.setAttribute('aria-live', 'polite'), 500);
    if (focusedHref) entity.querySelector<HTMLAnchorElement>(`a[href="${CSS.escape(focusedHref)}"]`)?.focus({ preventScroll: true });
  };
  try {
    const page = await pages[route.kind](route.slug);
    if (ticket !== pageRequest) return;
    if (page) {
      replace(...page.content);
      document.title = `${page.title} · newsgraph explorer`;
    } else {
      replace(h('h1', { id: 'entity-title', tabindex: '-1' }, 'Not found'), empty(`There is no ${route.kind} “${route.slug}”.`));
      document.title = 'Not found · newsgraph explorer';
    }
    if (quiet) showError(null);
  } catch (error) {
    if (ticket !== pageRequest) return;
    const notFound = error instanceof GraphQLRequestError && error.code === 'NOT_FOUND';
    // A refresh that fails keeps what is shown, which is only out of date.
    if (quiet && !notFound) return showError(`Could not bring the ${route.kind} up to date: ${describeError(error)}`);
    replace(h('h1', { id: 'entity-title', tabindex: '-1' }, notFound ? 'Not found' : 'Something went wrong'), empty(notFound ? `There is no ${route.kind} “${route.slug}”.` : describeError(error)));
    if (!notFound) showError(`Could not load the ${route.kind}: ${describeError(error)}`);
  } finally {
    if (ticket === pageRequest) entity.setAttribute('aria-busy', 'false');
  }
  if (focus && ticket === pageRequest) document.getElementById('entity-title')?.focus({ preventScroll: false });
}

graphDepth.addEventListener('change', () => {
  if (currentRoute) void showGraph(currentRoute);
});

// ---------------------------------------------------------------------------------------------------
// Search as you type

const searchInput = byId<HTMLInputElement>('search-input');
const searchResults = byId<HTMLUListElement>('search-results');
const searchStatus = byId<HTMLParagraphElement>('search-status');
const SEARCH_DELAY_MS = 180;
const MIN_QUERY_LENGTH = 2;

const fieldNames: Record<string, string> = { NAME: 'name', ALIAS: 'alias', DESCRIPTION: 'description', LOCATION: 'place', TEXT: 'words' };

type Hit = SearchQuery['search']['edges'][number]['node'];

function hitItem(hit: Hit): HTMLLIElement {
  const record = hit.node;
  const title = record.__typename === 'Statement' ? h('span', { class: 'hit-title' }, record.speaker ? `${record.speaker.displayName}: ` : '', record.kind === 'QUOTE' ? `“${record.text}”` : record.text) : h('span', { class: 'hit-title' }, record.displayName);
  const field = fieldNames[hit.matchedField] ?? hit.matchedField.toLowerCase();
  const matched = h(
    'span',
    { class: 'hit-match' },
    h('span', { class: 'muted' }, hit.matchedField === 'ALIAS' ? `matched alias “${hit.matchedValue}”: ` : `matched ${field}: `),
    highlighted(hit.snippet.text, hit.snippet.highlights),
  );
  return h('li', null, h('a', { class: 'hit', href: hrefFor(record.__typename, record.slug) }, kindBadge(record.__typename), title, matched));
}

function hideResults(): void {
  searchResults.hidden = true;
}

function resultLinks(): HTMLAnchorElement[] {
  return [...searchResults.querySelectorAll<HTMLAnchorElement>('a.hit')];
}

let searchTimer: ReturnType<typeof setTimeout> | undefined;
let searchAbort: AbortController | undefined;
let searchTicket = 0;

async function runSearch(query: string): Promise<void> {
  searchAbort?.abort();
  const ticket = ++searchTicket;
  if (query.length < MIN_QUERY_LENGTH) {
    searchResults.replaceChildren();
    hideResults();
    searchStatus.textContent = '';
    return;
  }
  const abort = new AbortController();
  searchAbort = abort;
  searchStatus.textContent = 'Searching…';
  try {
    const { search } = (await request(SearchDocument, { query, first: 10 }, { signal: abort.signal })).data;
    if (ticket !== searchTicket) return;
    const items = search.edges.map(({ node }) => hitItem(node));
    searchResults.replaceChildren(...items);
    searchResults.hidden = items.length === 0;
    searchStatus.textContent =
      search.totalCount === 0 ? `Nothing matches “${query}”.` : `${search.totalCount} ${search.totalCount === 1 ? 'match' : 'matches'}${search.totalCount > items.length ? `, best ${items.length} shown` : ''}. Press ↓ to choose.`;
  } catch (error) {
    if (ticket !== searchTicket || abort.signal.aborted) return;
    searchResults.replaceChildren();
    hideResults();
    const refused = error instanceof GraphQLRequestError && error.code === 'BAD_USER_INPUT';
    searchStatus.textContent = refused ? `Cannot search for “${query}”: ${error.message}` : `Search failed: ${describeError(error)}`;
  }
}

searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => void runSearch(searchInput.value.trim()), SEARCH_DELAY_MS);
});

searchInput.addEventListener('focus', () => {
  if (searchResults.childElementCount > 0 && searchInput.value.trim().length >= MIN_QUERY_LENGTH) searchResults.hidden = false;
});

searchInput.addEventListener('keydown', (event) => {
  const links = resultLinks();
  if (event.key === 'ArrowDown' && links.length > 0) {
    event.preventDefault();
    searchResults.hidden = false;
    links[0]!.focus();
  } else if (event.key === 'Enter' && links.length > 0 && !searchResults.hidden) {
    event.preventDefault();
    links[0]!.click();
  } else if (event.key === 'Escape') {
    hideResults();
  }
});

searchResults.addEventListener('keydown', (event) => {
  const links = resultLinks();
  const at = links.indexOf(document.activeElement as HTMLAnchorElement);
  if (at < 0) return;
  const moveTo = (index: number) => {
    event.preventDefault();
    if (index < 0) searchInput.focus();
    else links[Math.min(index, links.length - 1)]!.focus();
  };
  if (event.key === 'ArrowDown') moveTo(at + 1);
  else if (event.key === 'ArrowUp') moveTo(at - 1);
  else if (event.key === 'Home') moveTo(0);
  else if (event.key === 'End') moveTo(links.length - 1);
  else if (event.key === 'Escape') {
    event.preventDefault();
    hideResults();
    searchInput.focus();
  }
});

// A click or focus anywhere else closes the results.
document.addEventListener('pointerdown', (event) => {
  const target = event.target as Node;
  if (!searchResults.contains(target) && target !== searchInput) hideResults();
});
document.addEventListener('focusin', (event) => {
  const target = event.target as Node;
  if (!searchResults.contains(target) && target !== searchInput) hideResults();
});

// ---------------------------------------------------------------------------------------------------
// Live updates: the datasetChanged subscription, over server-sent events

const liveState = byId<HTMLParagraphElement>('live-state');
const liveNotice = byId<HTMLParagraphElement>('live-notice');
const LIVE_RETRY_FIRST_MS = 1_000;
const LIVE_RETRY_MAX_MS = 30_000;
/** Changes that arrive this close together (a burst of edits on disk) are fetched for and told of once. */
const LIVE_SETTLE_MS = 150;
/** Asking again cannot help: the server's data never changes, or its allow-list lacks the subscription. */
const LIVE_FINAL_CODES = new Set(['READ_ONLY', 'PERSISTED_QUERY_NOT_FOUND']);

type DatasetChange = DatasetChangedSubscription['datasetChanged'];
type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off';

const liveStateText: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', off: 'Not live' };

function setLiveState(state: LiveState, detail?: string): void {
  liveState.dataset.state = state;
  liveState.textContent = liveStateText[state];
  liveState.title = detail ?? (state === 'live' ? 'Changes to the knowledge base show here as they are made.' : '');
}

/**
 * One subscription stream, read until it ends; `onOpen` runs once the server has accepted it. Errors
 * the server sends, as events or instead of a stream, are thrown as GraphQLRequestError.
 */
async function followChanges(signal: AbortSignal, onOpen: () => void): Promise<void> {
  const client = sendHashes ? hashClient : textClient;
  for await (const { data } of client.subscribe(DatasetChangedDocument, {}, { signal, onOpen })) announce(data.datasetChanged);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * Listens until `signal` aborts. A dropped stream is opened again after a growing, jittered delay, and
 * the page is then brought up to date, since changes made meanwhile were never announced.
 */
async function listen(signal: AbortSignal): Promise<void> {
  let delay = LIVE_RETRY_FIRST_MS;
  let openedBefore = false;
  while (!signal.aborted) {
    try {
      await followChanges(signal, () => {
        setLiveState('live');
        delay = LIVE_RETRY_FIRST_MS;
        if (openedBefore) scheduleRefresh();
        openedBefore = true;
      });
    } catch (error) {
      if (signal.aborted) return;
      const code = error instanceof GraphQLRequestError ? error.code : undefined;
      if (code === 'PERSISTED_QUERY_ONLY' && !sendHashes) {
        sendHashes = true;
        continue;
      }
      if (code !== undefined && LIVE_FINAL_CODES.has(code)) {
        setLiveState('off', `Live updates are not available: ${describeError(error)}`);
        return;
      }
    }
    if (signal.aborted) return;
    setLiveState('reconnecting');
    await sleep(delay * (0.75 + Math.random() / 2), signal);
    delay = Math.min(delay * 2, LIVE_RETRY_MAX_MS);
  }
}

let liveAbort: AbortController | undefined;

function startLive(): void {
  liveAbort?.abort();
  liveAbort = new AbortController();
  setLiveState('connecting');
  void listen(liveAbort.signal);
}

// Changes waiting to be told of, and the refresh that will show them.
let announced: DatasetChange[] = [];
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

function announce(change: DatasetChange): void {
  announced.push(change);
  scheduleRefresh();
}

function scheduleRefresh(): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh(), LIVE_SETTLE_MS);
}

/** Fetches again whatever the page shows (the record, its graph, the search results), then says what changed. */
async function refresh(): Promise<void> {
  const changes = announced;
  announced = [];
  if (changes.some((change) => change.changes.some(({ node }) => node.__typename === 'Source'))) sourceTexts.clear();
  const route = currentRoute;
  const query = searchInput.value.trim();
  await Promise.all([
    route ? showGraph(route, { quiet: true }) : null,
    route ? showRecord(route, { focus: false, quiet: true }) : null,
    // Not while the reader is moving through the results: replacing them would take the focus away.
    query.length >= MIN_QUERY_LENGTH && !searchResults.contains(document.activeElement) ? runSearch(query) : null,
  ]);
  if (changes.length > 0) showNotice(changes);
}

const typeNames: Record<string, [one: string, many: string]> = {
  Person: ['person', 'persons'],
  Organization: ['organization', 'organizations'],
  Country: ['country', 'countries'],
  Event: ['event', 'events'],
  Statement: ['statement', 'statements'],
  Source: ['source', 'sources'],
};
const changeVerbs: Record<string, string> = { CREATED: 'created', UPDATED: 'updated', RETRACTED: 'retracted' };
const NAMED_IN_NOTICE = 3;

/** "Updated: 1 person created (Ada Lovelace) · dataset version 0123…", with the names as links. */
function showNotice(changes: readonly DatasetChange[]): void {
  const tally = new Map<string, number>();
  const named = new Map<string, { __typename: string; slug: string; displayName: string }>();
  const counted = new Set<string>();
  for (const { changes: records } of changes) {
    for (const { change, node } of records) {
      if (counted.has(`${node.id} ${change}`)) continue;
      counted.add(`${node.id} ${change}`);
      const key = `${node.__typename} ${change}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      if ('displayName' in node) named.set(node.id, node);
    }
  }
  const parts = [...tally].map(([key, count]) => {
    const [typename = '', change = ''] = key.split(' ');
    const [one, many] = typeNames[typename] ?? [typename.toLowerCase(), `${typename.toLowerCase()}s`];
    return `${count} ${count === 1 ? one : many} ${changeVerbs[change] ?? change.toLowerCase()}`;
  });
  const names = [...named.values()];
  const shown = names.slice(0, NAMED_IN_NOTICE);
  const last = changes[changes.length - 1]!;
  const fromDisk = changes.every((change) => change.cause === 'RELOAD');
  liveNotice.replaceChildren();
  appendChildren(liveNotice, [
    fromDisk ? 'Updated from the data files: ' : 'Updated: ',
    parts.length > 0 ? parts.join(', ') : 'nothing visible changed',
    shown.length > 0 ? [' (', ...shown.flatMap((entity, i) => [i > 0 ? ', ' : '', link(entity)]), names.length > shown.length ? ` and ${names.length - shown.length} more` : '', ')'] : '',
    h('span', { class: 'muted' }, ` · dataset version ${last.dataset.version}`),
  ]);
  liveNotice.title = `At ${new Date().toLocaleTimeString()}`;
  liveNotice.hidden = false;
}

window.addEventListener('pagehide', () => liveAbort?.abort());
window.addEventListener('pageshow', (event) => {
  // Back from the back-forward cache: the stream was closed on the way out, and changes may have been missed.
  if (!event.persisted) return;
  startLive();
  scheduleRefresh();
});

// ---------------------------------------------------------------------------------------------------
// Start

declare global {
  interface Window {
    /** For tests and the curious: the cytoscape instance, and the route now shown. */
    __explorer?: { graph: cytoscape.Core; route: () => Route | null };
  }
}

window.__explorer = { graph, route: () => currentRoute };
renderLegend();
window.addEventListener('hashchange', () => void navigate({ focus: true }));
void navigate({ focus: false });
startLive();
