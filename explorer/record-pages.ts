/** The pages, one per kind of record; navigation.ts shows them. */
import { CountryPageDocument, EventPageDocument, OrganizationPageDocument, PersonPageDocument, StatementDetailDocument } from '../client/index.js';
import { request } from './api.js';
import { h } from './dom.js';
import { excerpt, loadSourcesFor } from './evidence.js';
import { aliasesLine, header, listOrEmpty, mentionList, participationItem, roleItem, section, statementCard, statementList } from './page-parts.js';
import { dateText, dotted, hrefFor, humanize, inferredFlag, link, type RouteKind } from './routes.js';

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

export const pages: Record<RouteKind, (slug: string) => Promise<Page | null>> = {
  person: personPage,
  organization: organizationPage,
  country: countryPage,
  event: eventPage,
  statement: statementPage,
};
