/** The pages, one per kind of record; navigation.ts shows them. */
import {
  CountryPageDocument,
  EventPageDocument,
  OrganizationPageDocument,
  PersonPageDocument,
  SourcePageDocument,
  StatementDetailDocument,
  type StatementDetailQuery,
} from '@newsgraph/client';
import { request } from './api.js';
import { h, type Child } from './dom.js';
import { evidenceDetails, excerpt, loadSourcesFor, provenanceExcerpts, sourceText } from './evidence.js';
import {
  aliasesLine,
  canonicalReport,
  header,
  listOrEmpty,
  membershipItem,
  mentionList,
  participationItem,
  roleItem,
  section,
  statementCard,
  statementList,
} from './page-parts.js';
import { dateText, dotted, hrefFor, humanize, inferredFlag, link, sourceLink, sourcesText, type RouteKind } from './routes.js';

// Large enough for every list in the dataset, small enough to stay under the server's cost limit.
const PAGE = 50;

type Page = { title: string; content: Node[] };

async function personPage(slug: string): Promise<Page | null> {
  const { person } = (await request(PersonPageDocument, { slug, statementsFirst: PAGE, relayedFirst: PAGE, mentionsFirst: PAGE })).data;
  if (!person) return null;
  const texts = await loadSourcesFor(person);
  return {
    title: person.displayName,
    content: [
      header(
        'Person',
        person.displayName,
        person.isNamed ? null : h('p', { class: 'muted' }, 'The source does not name this person.'),
        aliasesLine(person.aliases),
        h('p', { class: 'description' }, person.description),
        person.nameProvenance ? h('div', { class: 'name-provenance' }, h('p', { class: 'muted' }, 'Where the full name comes from'), provenanceExcerpts(person.nameProvenance, texts)) : null,
      ),
      section('Roles', person.roles.length, listOrEmpty(person.roles, (role) => roleItem(role, texts, 'person'), 'plain roles')),
      section('Statements', person.statements.totalCount, statementList(person.statements, texts, { withSpeaker: false })),
      person.relayedStatements.totalCount > 0 ? section('Passed on for others', person.relayedStatements.totalCount, statementList(person.relayedStatements, texts)) : null,
      section('Events', person.participations.length, listOrEmpty(person.participations, (p) => participationItem(p, texts, 'event'))),
      section('Mentioned in', person.mentionedIn.totalCount, mentionList(person.mentionedIn)),
    ].filter((node): node is HTMLElement => node !== null),
  };
}

async function organizationPage(slug: string): Promise<Page | null> {
  const { organization: org } = (await request(OrganizationPageDocument, { slug, relayedFirst: PAGE, mentionsFirst: PAGE })).data;
  if (!org) return null;
  const texts = await loadSourcesFor(org);
  const related = [
    org.parent ? h('li', null, h('span', { class: 'muted' }, 'Part of '), link(org.parent), org.parentProvenance ? evidenceDetails(org.parentProvenance, texts) : null) : null,
    ...org.children.map((child) => h('li', null, h('span', { class: 'muted' }, 'Includes '), link(child))),
    org.country ? h('li', null, h('span', { class: 'muted' }, 'Country '), link(org.country), org.countryProvenance ? evidenceDetails(org.countryProvenance, texts) : null) : null,
  ].filter((item): item is HTMLLIElement => item !== null);
  const stated = org.statedMemberCount;
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
        stated ? h('div', null, h('p', null, `The source says it has ${stated.count} members.`), provenanceExcerpts(stated.provenance, texts)) : null,
        listOrEmpty(org.members, (m) => membershipItem(m, texts, 'country')),
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
      section('Member of', country.memberships.length, listOrEmpty(country.memberships, (m) => membershipItem(m, texts, 'organization'))),
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
        event.parent ? h('div', null, h('p', null, h('span', { class: 'muted' }, 'Part of '), link(event.parent)), event.parentProvenance ? evidenceDetails(event.parentProvenance, texts) : null) : null,
      ),
      section(
        'Where',
        event.locations.length,
        listOrEmpty(event.locations, (l) => h('li', null, h('p', null, dotted(l.city, l.country ? link(l.country) : null, inferredFlag(l.inferred, l.note))), evidenceDetails(l.provenance, texts))),
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

type Report = NonNullable<StatementDetailQuery['statement']>['allReports'][number];

/**
 * One source's account, in full: its words in the source, its attribution, hedge and relayer, with the
 * words of the attribution and of the relayer one click away; and a retraction.
 */
function reportBlock(report: Report, canonical: boolean, texts: ReadonlyMap<string, string>): HTMLLIElement {
  const retraction = report.retraction;
  return h(
    'li',
    { class: retraction ? 'report retracted' : 'report', 'data-source': report.source.slug },
    h(
      'p',
      { class: 'report-source' },
      dotted(
        sourceLink(report.source),
        dateText(report.date),
        canonical ? h('span', { class: 'muted' }, 'the wording shown above') : null,
        retraction ? h('span', { class: 'retraction', title: `${retraction.retractedAt}${retraction.retractedBy ? ` by ${retraction.retractedBy}` : ''}` }, `retracted: ${retraction.reason}`) : null,
      ),
    ),
    excerpt(report.evidence, texts),
    h(
      'p',
      { class: 'attribution' },
      h('span', { class: 'muted' }, 'attributed as '),
      `“${report.attribution.text}”`,
      report.hedge ? [' · ', h('span', { class: 'muted' }, 'hedged '), `“${report.hedge.text}”`] : '',
      report.relayedBy ? [' · ', h('span', { class: 'muted' }, 'passed on by '), link(report.relayedBy), report.relayedByProvenance?.inferred ? [' ', inferredFlag(true, report.relayedByProvenance.note)] : ''] : '',
    ),
    h(
      'details',
      null,
      h('summary', null, report.relayedBy ? 'The attribution and the relayer in the source' : 'The attribution in the source'),
      excerpt(report.attribution, texts),
      report.relayedByProvenance ? provenanceExcerpts(report.relayedByProvenance, texts) : null,
    ),
  );
}

async function statementPage(slug: string): Promise<Page | null> {
  const { statement } = (await request(StatementDetailDocument, { slug })).data;
  if (!statement) return null;
  const texts = await loadSourcesFor(statement);
  const speaker = statement.attributedTo;
  const title = speaker ? `${humanize(statement.kind)} by ${speaker.__typename === 'SpeakerGroup' ? speaker.description : speaker.displayName}` : humanize(statement.kind);
  const shown = canonicalReport(statement);
  const parts = [
    statement.continues ? h('li', null, h('span', { class: 'muted' }, 'Continues '), h('a', { href: hrefFor('Statement', statement.continues.slug) }, `“${statement.continues.text}”`)) : null,
    ...statement.continuedBy.map((next) => h('li', null, h('span', { class: 'muted' }, 'Continued by '), h('a', { href: hrefFor('Statement', next.slug) }, `“${next.text}”`))),
  ].filter((item): item is HTMLLIElement => item !== null);
  const events: Child[] = [
    statement.saidAt ? h('li', null, h('p', null, h('span', { class: 'muted' }, 'Said at '), link(statement.saidAt.event)), evidenceDetails(statement.saidAt.provenance, texts)) : null,
    ...statement.aboutEventLinks.map((about) => h('li', null, h('p', null, h('span', { class: 'muted' }, 'About '), link(about.event)), evidenceDetails(about.provenance, texts))),
  ];
  const inForce = statement.allReports.filter((report) => !report.retraction).length;
  return {
    title,
    content: [
      header(
        'Statement',
        title,
        speaker?.__typename === 'SpeakerGroup' && speaker.memberOf.length > 0
          ? h('p', null, h('span', { class: 'muted' }, 'An unnamed group, of '), ...speaker.memberOf.flatMap((entity, i) => [i > 0 ? ', ' : '', link(entity)]))
          : null,
        statement.retraction ? h('p', { class: 'retraction' }, `Retracted: ${statement.retraction.reason}`) : null,
      ),
      h('ol', { class: 'statements' }, statementCard(statement, texts, { withReports: false })),
      section(
        `Reported by ${sourcesText(statement.sourceCount)}`,
        null,
        statement.sourceCount > 1 ? h('p', { class: 'muted' }, 'Each source’s own words, attribution and relayer; the statement is one, however many print it.') : null,
        h('ol', { class: 'plain report-list' }, ...statement.allReports.map((report) => reportBlock(report, report.position === shown?.position, texts))),
        inForce < statement.allReports.length ? h('p', { class: 'muted' }, `${statement.allReports.length - inForce} retracted.`) : null,
      ),
      statement.audience
        ? section(
            'Addressed to',
            null,
            h('p', null, statement.audience.description, statement.audience.members.length > 0 ? [' · ', ...statement.audience.members.flatMap((m, i) => [i > 0 ? ', ' : '', link(m)])] : ''),
            evidenceDetails(statement.audience.provenance, texts),
          )
        : null,
      parts.length > 0 ? section('A split quote', null, h('ul', { class: 'plain' }, ...parts)) : null,
      events.some(Boolean) ? section('Events', null, h('ul', { class: 'plain' }, ...events)) : null,
    ].filter((node): node is HTMLElement => node !== null),
  };
}

/** A source's full text, split into its paragraphs. */
function fullText(text: string): HTMLElement {
  return h('div', { class: 'source-text' }, ...text.split(/\n+/).filter((paragraph) => paragraph.trim() !== '').map((paragraph) => h('p', null, paragraph)));
}

/** An origin that is a web address becomes a link; a file name stays text. */
function originPart(origin: string): Child {
  return /^https?:\/\//i.test(origin) ? h('a', { href: origin, rel: 'noopener noreferrer' }, origin) : origin;
}

/** "Showing 50 of 70." under a list that has more than it shows. */
function shownOf(connection: { totalCount: number; edges: readonly unknown[] }): HTMLElement | null {
  return connection.totalCount > connection.edges.length ? h('p', { class: 'muted' }, `Showing ${connection.edges.length} of ${connection.totalCount}.`) : null;
}

/** One kind of record a source has evidence about, as links, under its own small heading. */
function coverage<T extends { __typename: string; slug: string; displayName: string }>(
  title: string,
  connection: { totalCount: number; edges: readonly { node: T }[] },
  details: (node: T) => Child[] = () => [],
): HTMLElement {
  return h(
    'div',
    { class: 'coverage-kind' },
    h('h3', null, title, h('span', { class: 'count' }, ` ${connection.totalCount}`)),
    listOrEmpty(connection.edges, ({ node }) => h('li', null, dotted(link(node), ...details(node))), 'compact'),
    shownOf(connection),
  );
}

async function sourcePage(slug: string): Promise<Page | null> {
  const { source } = (await request(SourcePageDocument, { slug, statementsFirst: PAGE, coverageFirst: PAGE })).data;
  if (!source) return null;
  const [texts, text] = await Promise.all([loadSourcesFor(source), sourceText(source.slug)]);
  return {
    title: source.title,
    content: [
      header(
        'Source',
        source.title,
        h('p', null, dotted(humanize(source.kind), dateText(source.publishedOn) ?? h('span', { class: 'muted' }, 'date not known'), source.language)),
        source.origin ? h('p', { class: 'origin' }, h('span', { class: 'muted' }, 'From '), originPart(source.origin)) : null,
        text ? h('details', { class: 'source-full' }, h('summary', null, 'Full text'), fullText(text)) : null,
      ),
      section(
        'What it covers',
        null,
        h(
          'div',
          { class: 'coverage' },
          coverage('Persons', source.persons),
          coverage('Organizations', source.organizations, (node) => [humanize(node.kind)]),
          coverage('Countries', source.countries),
          coverage('Events', source.events, (node) => [humanize(node.kind), dateText(node.start)]),
        ),
      ),
      section('Statements it reports', source.statements.totalCount, statementList(source.statements, texts, { preferSource: source.slug })),
    ].filter((node): node is HTMLElement => node !== null),
  };
}

export const pages: Record<RouteKind, (slug: string) => Promise<Page | null>> = {
  person: personPage,
  organization: organizationPage,
  country: countryPage,
  event: eventPage,
  statement: statementPage,
  source: sourcePage,
};
