/** Pieces shared by the pages in record-pages.ts. */
import type { ParticipationFieldsFragment, RoleFieldsFragment, StatementCardFragment, StatementPageFragment } from '../client/index.js';
import { h, type Child } from './dom.js';
import { excerpt } from './evidence.js';
import { dateText, dotted, hrefFor, humanize, inferredFlag, kindBadge, link } from './routes.js';

export function section(title: string, count: number | null, ...content: Child[]): HTMLElement {
  return h('section', { class: 'block' }, h('h2', null, title, count === null ? '' : h('span', { class: 'count' }, ` ${count}`)), ...content);
}

export function empty(text: string): HTMLElement {
  return h('p', { class: 'muted' }, text);
}

export function statementCard(card: StatementCardFragment, texts: ReadonlyMap<string, string>, { withSpeaker = true } = {}): HTMLLIElement {
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

export function statementList(page: StatementPageFragment, texts: ReadonlyMap<string, string>, options?: { withSpeaker?: boolean }): HTMLElement {
  if (page.edges.length === 0) return empty('None.');
  const list = h('ol', { class: 'statements' }, ...page.edges.map(({ node }) => statementCard(node, texts, options)));
  const more = page.totalCount > page.edges.length ? h('p', { class: 'muted' }, `Showing ${page.edges.length} of ${page.totalCount}.`) : null;
  return h('div', null, list, more);
}

/** Statements that mention the record, one line each. */
export function mentionList(page: StatementPageFragment): HTMLElement {
  if (page.edges.length === 0) return empty('None.');
  return h(
    'ul',
    { class: 'compact' },
    ...page.edges.map(({ node }) =>
      h('li', null, h('a', { href: hrefFor('Statement', node.slug) }, node.kind === 'QUOTE' ? `“${node.text}”` : node.text), node.speaker ? [' — ', link({ __typename: 'Person', ...node.speaker })] : ''),
    ),
  );
}

export function roleItem(role: RoleFieldsFragment, texts: ReadonlyMap<string, string>, holder: 'person' | 'place'): HTMLLIElement {
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

export function participationItem(participation: ParticipationFieldsFragment, texts: ReadonlyMap<string, string>, show: 'event' | 'participant'): HTMLLIElement {
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

export function listOrEmpty<T>(items: readonly T[], render: (item: T) => HTMLLIElement, className = 'plain'): HTMLElement {
  return items.length > 0 ? h('ul', { class: className }, ...items.map(render)) : empty('None.');
}

export function header(typename: string, title: string, ...rest: Child[]): HTMLElement {
  return h('header', { class: 'entity-head' }, kindBadge(typename), h('h1', { id: 'entity-title', tabindex: '-1' }, title), ...rest);
}

export function aliasesLine(aliases: readonly string[]): HTMLElement | null {
  return aliases.length > 0 ? h('p', { class: 'aliases' }, h('span', { class: 'muted' }, 'Also called '), aliases.join(', ')) : null;
}
