/** Pieces shared by the pages in record-pages.ts. */
import type {
  MembershipFieldsFragment,
  ParticipationFieldsFragment,
  RoleFieldsFragment,
  SpeakerFieldsFragment,
  StatementCardFragment,
  StatementLinkPageFragment,
  StatementPageFragment,
  StatementReportFieldsFragment,
} from '@newsgraph/client';
import { h, type Child } from './dom.js';
import { evidenceDetails, excerpt, provenanceExcerpts } from './evidence.js';
import { dateText, dotted, hrefFor, humanize, inferredFlag, kindBadge, link, sourceLink, sourcesText } from './routes.js';

export function section(title: string, count: number | null, ...content: Child[]): HTMLElement {
  return h('section', { class: 'block' }, h('h2', null, title, count === null ? '' : h('span', { class: 'count' }, ` ${count}`)), ...content);
}

export function empty(text: string): HTMLElement {
  return h('p', { class: 'muted' }, text);
}

/** Whoever a statement is attributed to: a link to their page, or an unnamed group's words (it has no page). */
export function speakerPart(speaker: SpeakerFieldsFragment): HTMLElement {
  return speaker.__typename === 'SpeakerGroup' ? h('span', { class: 'speaker-group' }, speaker.description) : link(speaker);
}

/** The words as the reader should see them: a quote in quotation marks. */
function wordsOf(kind: string, text: string): string {
  return kind === 'QUOTE' ? `“${text}”` : text;
}

/**
 * The report a card shows in its source: the one from `preferSource` when it has one (on that source's
 * page), else the one whose words are the statement's canonical `text` (the first report's unless a
 * curator picked another).
 */
export function canonicalReport<R extends { text: string; source: { slug: string } }>(card: { text: string; reports: readonly R[] }, preferSource?: string): R | undefined {
  return (
    (preferSource === undefined ? undefined : card.reports.find((report) => report.source.slug === preferSource)) ??
    card.reports.find((report) => report.text === card.text) ??
    card.reports[0]
  );
}

/** "attributed as “…” · passed on by …": how one report attributes the words. */
function attributionParts(report: StatementReportFieldsFragment): Child[] {
  return [
    h('span', { class: 'muted' }, 'attributed as '),
    `“${report.attribution.text}”`,
    report.hedge ? [' · ', h('span', { class: 'muted' }, 'hedged '), `“${report.hedge.text}”`] : '',
    report.relayedBy
      ? [' · ', h('span', { class: 'muted' }, 'passed on by '), link(report.relayedBy), report.relayedByProvenance?.inferred ? [' ', inferredFlag(true, report.relayedByProvenance.note)] : '']
      : '',
  ];
}

/**
 * One source's account in a statement card: the source, its words (marked when they differ from the
 * statement's), its attribution, relayer and hedge; and, unless the card shows it already, its words in
 * the source.
 */
function reportItem(card: StatementCardFragment, report: StatementReportFieldsFragment, texts: ReadonlyMap<string, string>, shown: StatementReportFieldsFragment | undefined): HTMLLIElement {
  const variant = report.text !== card.text;
  return h(
    'li',
    { class: 'report', 'data-source': report.source.slug },
    h('p', { class: 'report-source' }, dotted(sourceLink(report.source), dateText(report.date))),
    h('p', { class: 'report-words' }, h('span', { class: 'muted' }, variant ? 'in its own words: ' : 'the same words: '), wordsOf(card.kind, report.text)),
    h('p', { class: 'attribution' }, ...attributionParts(report)),
    report === shown ? null : excerpt(report.evidence, texts),
  );
}

/**
 * A statement: its words, who said them, where they stand in the source, and which sources report it.
 * Two sources printing the same words are one statement with two reports, so one card; each source's
 * wording and attribution is one click away, in the "Reported by" details.
 */
export interface CardOptions {
  /** Name the speaker (not on the speaker's own page). */
  withSpeaker?: boolean;
  /** List every source's account under the card (the statement's own page lists them in full instead). */
  withReports?: boolean;
  /** Show this source's report in the card (on the source's page). */
  preferSource?: string;
}

export function statementCard(card: StatementCardFragment, texts: ReadonlyMap<string, string>, { withSpeaker = true, withReports = true, preferSource }: CardOptions = {}): HTMLLIElement {
  // A record mentioned twice (two phrases naming Turkey) is listed once; the speaker is named already.
  const mentioned = new Map(card.mentions.map((m) => [m.entity.slug, m.entity]));
  if (card.attributedTo && card.attributedTo.__typename !== 'SpeakerGroup') mentioned.delete(card.attributedTo.slug);
  const mentions = [...mentioned.values()];
  const shown = canonicalReport(card, preferSource);
  const sourceTitles = [...new Map(card.reports.map((report) => [report.source.slug, report.source.title])).values()];
  return h(
    'li',
    { class: `statement statement-${card.kind.toLowerCase()}`, 'data-statement': card.slug },
    h(
      'p',
      { class: 'statement-meta' },
      dotted(
        h('span', { class: `badge badge-${card.kind.toLowerCase()}` }, humanize(card.kind)),
        dateText(card.date),
        card.event ? link({ __typename: 'Event', ...card.event }) : null,
        h('span', { class: card.sourceCount > 1 ? 'source-count corroborated' : 'source-count' }, sourcesText(card.sourceCount)),
      ),
    ),
    h('p', { class: 'statement-text' }, h('a', { href: hrefFor('Statement', card.slug) }, wordsOf(card.kind, card.text))),
    h('p', { class: 'attribution' }, withSpeaker && card.attributedTo ? [speakerPart(card.attributedTo), ': '] : '', shown ? attributionParts(shown) : ''),
    shown ? excerpt(shown.evidence, texts) : null,
    mentions.length > 0
      ? h('p', { class: 'mentions' }, h('span', { class: 'muted' }, 'Mentions '), ...mentions.flatMap((entity, i) => [i > 0 ? ', ' : '', link(entity)]))
      : null,
    withReports
      ? h(
          'details',
          { class: 'reports' },
          h('summary', null, `Reported by ${sourcesText(card.sourceCount)}`, h('span', { class: 'report-titles' }, `: ${sourceTitles.join(', ')}`)),
          h('ol', { class: 'report-list' }, ...card.reports.map((report) => reportItem(card, report, texts, shown))),
        )
      : null,
  );
}

export function statementList(page: StatementPageFragment, texts: ReadonlyMap<string, string>, options?: CardOptions): HTMLElement {
  if (page.edges.length === 0) return empty('None.');
  const list = h('ol', { class: 'statements' }, ...page.edges.map(({ node }) => statementCard(node, texts, options)));
  const more = page.totalCount > page.edges.length ? h('p', { class: 'muted' }, `Showing ${page.edges.length} of ${page.totalCount}.`) : null;
  return h('div', null, list, more);
}

/** Statements that mention the record, one line each. */
export function mentionList(page: StatementLinkPageFragment): HTMLElement {
  if (page.edges.length === 0) return empty('None.');
  const list = h(
    'ul',
    { class: 'compact' },
    ...page.edges.map(({ node }) =>
      h(
        'li',
        null,
        h('a', { href: hrefFor('Statement', node.slug) }, wordsOf(node.kind, node.text)),
        node.attributedTo ? [' — ', speakerPart(node.attributedTo)] : '',
        node.sourceCount > 1 ? h('span', { class: 'muted' }, ` (${sourcesText(node.sourceCount)})`) : '',
      ),
    ),
  );
  const more = page.totalCount > page.edges.length ? h('p', { class: 'muted' }, `Showing ${page.edges.length} of ${page.totalCount}.`) : null;
  return h('div', null, list, more);
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
        role.provenance.sourceCount > 1 ? h('span', { class: 'muted' }, `stated by ${sourcesText(role.provenance.sourceCount)}`) : null,
      ),
    ),
    provenanceExcerpts(role.provenance, texts),
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
    evidenceDetails(participation.provenance, texts),
  );
}

/** A membership, naming the organization (on a country's page) or the member country (on an organization's). */
export function membershipItem(membership: MembershipFieldsFragment, texts: ReadonlyMap<string, string>, show: 'organization' | 'country'): HTMLLIElement {
  return h(
    'li',
    null,
    h('p', null, dotted(link(show === 'organization' ? membership.organization : membership.country), membership.role, inferredFlag(membership.inferred, membership.note))),
    evidenceDetails(membership.provenance, texts),
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
