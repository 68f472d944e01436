/**
 * Filters and orderings of every connection that takes `filter`/`orderBy`, through the real server.
 * Each expectation is computed here from the fixture dataset (test/fixtures/dataset) with small helpers of our own (text folding,
 * word-prefix matching, the days a partial date can stand for, the documented date sort key), never
 * from what the server returns.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type {
  countrySchema,
  eventSchema,
  organizationSchema,
  partialDateSchema,
  personSchema,
  sourceSchema,
  statementSchema,
} from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { firstReportEvidence } from './contract.js';
import { createTestServer, dataDir, query, queryData, type GraphQLResponse } from './helpers.js';

type PersonData = z.input<typeof personSchema>;
type CountryData = z.input<typeof countrySchema>;
type OrganizationData = z.input<typeof organizationSchema>;
type EventData = z.input<typeof eventSchema>;
type StatementData = z.input<typeof statementSchema>;
type SourceData = z.input<typeof sourceSchema>;
type PartialDateData = z.input<typeof partialDateSchema>;

async function readData<T>(file: string): Promise<T[]> {
  return JSON.parse(await readFile(path.join(dataDir, file), 'utf8')) as T[];
}

let yoga: NewsgraphYoga;
let persons: PersonData[];
let countries: CountryData[];
let organizations: OrganizationData[];
let events: EventData[];
/** In source order: sources in file order, then where each statement's words start. */
let statements: StatementData[];

beforeAll(async () => {
  yoga = await createTestServer();
  let sources: SourceData[];
  [persons, countries, organizations, events, statements, sources] = await Promise.all([
    readData<PersonData>('persons.json'),
    readData<CountryData>('countries.json'),
    readData<OrganizationData>('organizations.json'),
    readData<EventData>('events.json'),
    readData<StatementData>('statements.json'),
    readData<SourceData>('sources.json'),
  ]);
  // A statement several sources report stands where its first report stands.
  const sourceRank = (s: StatementData) => sources.findIndex((source) => source.id === firstReportEvidence(s).sourceId);
  statements.sort((a, b) => sourceRank(a) - sourceRank(b) || firstReportEvidence(a).start - firstReportEvidence(b).start);
});

// ---------------------------------------------------------------------------------------------
// Our own oracle: folding, words, dates, orders
// ---------------------------------------------------------------------------------------------

/** Lowercase, without accents, with typographic apostrophes as plain ones. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[‘’]/g, "'").toLowerCase();
}

/** Runs of letters and digits; an apostrophe or a hyphen (not a dash) inside a word keeps it whole. */
function wordsOf(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+(?:['\-‐][\p{L}\p{N}]+)*/gu) ?? [];
}

/** Whether every word of `query` starts some word of `texts`. */
function wordsMatch(query: string, texts: readonly (string | null | undefined)[]): boolean {
  const words = texts.flatMap((text) => (text ? wordsOf(text) : []));
  return wordsOf(query).every((q) => words.some((word) => word.startsWith(q)));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The first and last calendar days a partial date can stand for, ignoring its qualifier. */
function spanOf(date: PartialDateData): { first: string; last: string } {
  const [year, month] = date.value.split('-').map(Number) as [number, number?, number?];
  if (date.precision === 'YEAR') return { first: `${year}-01-01`, last: `${year}-12-31` };
  if (date.precision === 'MONTH') {
    const daysInMonth = new Date(Date.UTC(year, month!, 0)).getUTCDate();
    return { first: `${year}-${pad(month!)}-01`, last: `${year}-${pad(month!)}-${pad(daysInMonth)}` };
  }
  return { first: date.value, last: date.value };
}

const DAWN = '0000-01-01';
const DOOMSDAY = '9999-12-31';

/** The calendar day `by` days after `day` (YYYY-MM-DD). */
function shiftDay(day: string, by: number): string {
  const shifted = new Date(`${day}T00:00:00Z`);
  shifted.setUTCDate(shifted.getUTCDate() + by);
  return shifted.toISOString().slice(0, 10);
}

/**
 * The days a dated thing can occupy: from the first day of its start's span to the last day of its
 * end's (or start's) span; BEFORE is open towards the past, AFTER towards the future, both strictly:
 * "after 1 December" begins on 2 December, "before 1 December" ends on 30 November.
 */
function occupiedDays(start: PartialDateData, end: PartialDateData = start): { first: string; last: string } {
  return {
    first: start.qualifier === 'BEFORE' ? DAWN : start.qualifier === 'AFTER' ? shiftDay(spanOf(start).last, 1) : spanOf(start).first,
    last: end.qualifier === 'AFTER' ? DOOMSDAY : end.qualifier === 'BEFORE' ? shiftDay(spanOf(end).first, -1) : spanOf(end).last,
  };
}

/** Whether something dated `start`–`end` can overlap [from, to]; the undated never can. */
function overlaps(range: { from?: string; to?: string }, start: PartialDateData | undefined, end?: PartialDateData): boolean {
  if (!start) return false;
  const days = occupiedDays(start, end);
  return days.first <= (range.to ?? DOOMSDAY) && days.last >= (range.from ?? DAWN);
}

/**
 * The documented sort key: the first day a date can stand for (the last for AFTER); on the same day
 * BEFORE first, then the coarser date, then AFTER.
 */
function dateSortKey(date: PartialDateData): string {
  const qualifier = date.qualifier ?? 'ON';
  const day = qualifier === 'AFTER' ? spanOf(date).last : spanOf(date).first;
  return `${day}|${{ BEFORE: 0, ON: 1, AFTER: 2 }[qualifier]}|${{ YEAR: 0, MONTH: 1, DAY: 2 }[date.precision]}`;
}

/** Records sorted by a string key, ascending or descending; ties keep their given order. */
function sortByKey<T>(records: readonly T[], keyOf: (record: T) => string, descending: boolean): T[] {
  const sign = descending ? -1 : 1;
  return records
    .map((record, index) => ({ record, index, key: keyOf(record) }))
    .sort((a, b) => (a.key < b.key ? -sign : a.key > b.key ? sign : a.index - b.index))
    .map((entry) => entry.record);
}

/** Dated records by `dateSortKey`, then the undated in their given order, in both directions. */
function sortByDate<T>(records: readonly T[], dateOf: (record: T) => PartialDateData | undefined, descending: boolean): T[] {
  const dated = records.filter((record) => dateOf(record) !== undefined);
  const undated = records.filter((record) => dateOf(record) === undefined);
  return [...sortByKey(dated, (record) => dateSortKey(dateOf(record)!), descending), ...undated];
}

function displayName(record: { name: string | null; label?: string | undefined }): string {
  return record.name ?? record.label!;
}

function sortByName<T extends { name: string | null; label?: string | undefined }>(records: readonly T[], order: string | undefined): T[] {
  if (order === 'NAME_ASC' || order === 'NAME_DESC') return sortByKey(records, (r) => fold(displayName(r)), order === 'NAME_DESC');
  return [...records];
}

/** A statement without a date of its own is dated by the start of the event it was said at. */
function statementDate(statement: StatementData): PartialDateData | undefined {
  return statement.date ?? events.find((e) => e.id === statement.saidAt?.eventId)?.start;
}

function orderEvents(list: readonly EventData[], order: string | undefined): EventData[] {
  if (order === 'DATE_ASC' || order === 'DATE_DESC') return sortByDate(list, (e) => e.start, order === 'DATE_DESC');
  return sortByName(list, order);
}

function orderStatements(list: readonly StatementData[], order: string | undefined): StatementData[] {
  if (order === 'DATE_ASC' || order === 'DATE_DESC') return sortByDate(list, statementDate, order === 'DATE_DESC');
  return [...list];
}

// Filters as the schema takes them, with slugs for references.

interface PersonFilter {
  name?: string;
  country?: string;
  organization?: string;
  roleTitle?: string;
  isNamed?: boolean;
}
interface CountryFilter {
  name?: string;
  memberOf?: string;
}
interface OrganizationFilter {
  name?: string;
  kind?: string;
  memberCountry?: string;
}
interface EventFilter {
  name?: string;
  kind?: string;
  from?: string;
  to?: string;
  country?: string;
  city?: string;
  participant?: string;
}
interface StatementFilter {
  speaker?: string;
  mentions?: string;
  event?: string;
  relayedBy?: string;
  source?: string;
  minSources?: number;
  kind?: string;
  from?: string;
  to?: string;
  textContains?: string;
}

function personMatches(p: PersonData, f: PersonFilter): boolean {
  const roles = p.roles ?? [];
  return (
    (f.name === undefined || wordsMatch(f.name, [p.name, p.label, ...(p.aliases ?? [])])) &&
    (f.country === undefined || roles.some((r) => r.countryId === f.country)) &&
    (f.organization === undefined || roles.some((r) => r.organizationId === f.organization)) &&
    (f.roleTitle === undefined || roles.some((r) => wordsMatch(f.roleTitle!, [r.title, r.statedAs]))) &&
    (f.isNamed === undefined || (p.name !== null) === f.isNamed)
  );
}

function countryMatches(c: CountryData, f: CountryFilter): boolean {
  const memberships = organizations.find((o) => o.id === f.memberOf)?.memberships ?? [];
  return (
    (f.name === undefined || wordsMatch(f.name, [c.name, ...(c.aliases ?? []), c.isoAlpha2, c.isoAlpha3])) &&
    (f.memberOf === undefined || memberships.some((m) => m.countryId === c.id))
  );
}

function organizationMatches(o: OrganizationData, f: OrganizationFilter): boolean {
  return (
    (f.name === undefined || wordsMatch(f.name, [o.name, ...(o.aliases ?? [])])) &&
    (f.kind === undefined || o.kind === f.kind) &&
    (f.memberCountry === undefined || (o.memberships ?? []).some((m) => m.countryId === f.memberCountry))
  );
}

function eventMatches(e: EventData, f: EventFilter): boolean {
  const locations = e.locations ?? [];
  return (
    (f.name === undefined || wordsMatch(f.name, [e.name, ...(e.aliases ?? [])])) &&
    (f.kind === undefined || e.kind === f.kind) &&
    ((f.from === undefined && f.to === undefined) || overlaps(f, e.start, e.end)) &&
    (f.country === undefined || locations.some((l) => l.countryId === f.country)) &&
    (f.city === undefined || locations.some((l) => l.city !== undefined && fold(l.city) === fold(f.city!.trim()))) &&
    (f.participant === undefined || (e.participants ?? []).some((p) => p.entityId === f.participant))
  );
}

function mentioning(entityId: string): StatementData[] {
  return statements.filter((s) => (s.mentions ?? []).some((m) => m.entityId === entityId));
}

function saidAtOrAbout(s: StatementData, eventId: string): boolean {
  return s.saidAt?.eventId === eventId || (s.aboutEvents ?? []).some((about) => about.eventId === eventId);
}

/** The reports of a statement that are not retracted. */
function reportsInForce(s: StatementData) {
  return s.reports.filter((report) => !report.retracted);
}

/** Whether any report of the statement in force was passed on by `entityId`. */
function relayedBy(s: StatementData, entityId: string): boolean {
  return reportsInForce(s).some((report) => report.relayedBy?.entityId === entityId);
}

/** How many distinct sources report the statement. */
function sourceCount(s: StatementData): number {
  return new Set(reportsInForce(s).map((report) => report.evidence.sourceId)).size;
}

function statementMatches(s: StatementData, f: StatementFilter): boolean {
  return (
    (f.speaker === undefined || s.speakerId === f.speaker) &&
    (f.mentions === undefined || (s.mentions ?? []).some((m) => m.entityId === f.mentions)) &&
    (f.event === undefined || saidAtOrAbout(s, f.event)) &&
    (f.relayedBy === undefined || relayedBy(s, f.relayedBy)) &&
    (f.source === undefined || reportsInForce(s).some((report) => report.evidence.sourceId === f.source)) &&
    (f.minSources === undefined || sourceCount(s) >= f.minSources) &&
    (f.kind === undefined || s.kind === f.kind) &&
    ((f.from === undefined && f.to === undefined) || overlaps(f, statementDate(s))) &&
    (f.textContains === undefined || fold(s.text).includes(fold(f.textContains).trim()))
  );
}

const ids = (records: readonly { id: string }[]) => records.map((r) => r.id);

const expectedPersons = (f: PersonFilter, order?: string) => ids(sortByName(persons.filter((p) => personMatches(p, f)), order));
const expectedCountries = (f: CountryFilter, order?: string) => ids(sortByName(countries.filter((c) => countryMatches(c, f)), order));
const expectedOrganizations = (f: OrganizationFilter, order?: string) =>
  ids(sortByName(organizations.filter((o) => organizationMatches(o, f)), order));
const expectedEvents = (f: EventFilter, order?: string, within: readonly EventData[] = events) =>
  ids(orderEvents(within.filter((e) => eventMatches(e, f)), order));
const expectedStatements = (f: StatementFilter, order?: string, within: readonly StatementData[] = statements) =>
  ids(orderStatements(within.filter((s) => statementMatches(s, f)), order));

// ---------------------------------------------------------------------------------------------
// Querying the server
// ---------------------------------------------------------------------------------------------

interface ListRequest {
  /** The connection field: `statements`, `mentionedIn`, `events`, … */
  field: string;
  /** The GraphQL input type of its `filter`. */
  filterType: string;
  filter?: object;
  orderBy?: string;
  /** The record that holds the connection (`organization(slug: "nato")`); the root when absent. */
  parent?: string;
}

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { slug: string } }[];
}

function listDocument(request: ListRequest): string {
  const args = ['filter: $filter', request.orderBy ? `orderBy: ${request.orderBy}` : '', 'first: $first', 'after: $after'].filter(Boolean);
  const list = `list: ${request.field}(${args.join(', ')}) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { slug } } }`;
  const body = request.parent ? `parent: ${request.parent} { ${list} }` : list;
  return `query($filter: ${request.filterType}, $first: Int, $after: String) { ${body} }`;
}

async function fetchPage(request: ListRequest, first: number, after: string | null = null): Promise<Page> {
  const data = await queryData(yoga, listDocument(request), { filter: request.filter ?? null, first, after });
  return (request.parent ? data.parent.list : data.list) as Page;
}

/** The whole (small) list in one page: its total and its slugs in order. */
async function fetchAll(request: ListRequest): Promise<{ totalCount: number; slugs: string[] }> {
  const page = await fetchPage(request, 100);
  expect(page.pageInfo.hasNextPage).toBe(false);
  return { totalCount: page.totalCount, slugs: page.edges.map((edge) => edge.node.slug) };
}

/** Asserts the list served is exactly `expected`, in order, with a matching totalCount. */
async function expectList(request: ListRequest, expected: readonly string[]): Promise<void> {
  expect(await fetchAll(request)).toEqual({ totalCount: expected.length, slugs: expected });
}

/** Asserts an expectation selects something, but not everything, so the filter was really tested. */
function selective(expected: string[], all: readonly unknown[]): string[] {
  expect(expected.length).toBeGreaterThan(0);
  expect(expected.length).toBeLessThan(all.length);
  return expected;
}

const personsList = (filter?: PersonFilter, orderBy?: string): ListRequest => ({ field: 'persons', filterType: 'PersonFilter', filter, orderBy });
const countriesList = (filter?: CountryFilter, orderBy?: string): ListRequest => ({ field: 'countries', filterType: 'CountryFilter', filter, orderBy });
const organizationsList = (filter?: OrganizationFilter, orderBy?: string): ListRequest => ({
  field: 'organizations',
  filterType: 'OrganizationFilter',
  filter,
  orderBy,
});
const eventsList = (filter?: EventFilter, orderBy?: string): ListRequest => ({ field: 'events', filterType: 'EventFilter', filter, orderBy });
const statementsList = (filter?: StatementFilter, orderBy?: string): ListRequest => ({
  field: 'statements',
  filterType: 'StatementFilter',
  filter,
  orderBy,
});

/** The global id the server gives a record (an input to filters, not an expectation). */
async function globalId(lookup: string): Promise<string> {
  const data = await queryData(yoga, `{ record: ${lookup} { id } }`);
  return data.record.id as string;
}

/** Asserts the request failed on its root field with one error of `code`, naming `argumentName` if given. */
function expectFilterError(result: GraphQLResponse, rootField: string, code: string, argumentName?: string): void {
  expect(result.status).toBe(200);
  expect(result.data?.[rootField] ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  const [error] = result.errors!;
  expect(error!.path?.[0]).toBe(rootField);
  expect(error!.extensions?.code).toBe(code);
  if (argumentName !== undefined) expect(error!.extensions?.argumentName).toBe(argumentName);
}

async function filterError(request: ListRequest): Promise<GraphQLResponse> {
  return query(yoga, listDocument(request), { filter: request.filter ?? null, first: 100, after: null });
}

// ---------------------------------------------------------------------------------------------
// Persons
// ---------------------------------------------------------------------------------------------

describe('Query.persons(filter:)', () => {
  it.each([
    ['stephane dion', 'stephane-dion'],
    ['STEPHANE', 'stephane-dion'],
    ['Stéphane', 'stephane-dion'],
    ['dion stéph', 'stephane-dion'],
    ['stolt', 'jens-stoltenberg'],
    ['the secretary', 'john-kerry'],
    ['official', 'state-department-official'],
    ['unnamed', 'state-department-official'],
  ])('matches name %j by the words that start the name, an alias or the unnamed label', async (name, expectedId) => {
    const expected = expectedPersons({ name });
    expect(expected).toEqual([expectedId]);
    await expectList(personsList({ name }), expected);
  });

  it('matches every person with a word starting with a shared prefix, in file order', async () => {
    await expectList(personsList({ name: 'john' }), selective(expectedPersons({ name: 'john' }), persons));
  });

  it('finds the persons holding an office for a country, by slug and by global id', async () => {
    for (const slug of ['united-states', 'canada', 'turkey']) {
      const expected = selective(expectedPersons({ country: slug }), persons);
      await expectList(personsList({ country: slug }), expected);
      await expectList(personsList({ country: await globalId(`country(slug: "${slug}")`) }), expected);
    }
  });

  it('finds the persons holding an office at an organization', async () => {
    for (const slug of ['state-department', 'nato']) {
      const expected = selective(expectedPersons({ organization: slug }), persons);
      await expectList(personsList({ organization: slug }), expected);
      await expectList(personsList({ organization: await globalId(`organization(slug: "${slug}")`) }), expected);
    }
  });

  it('matches office titles and the words the source uses for them', async () => {
    const foreignMinisters = selective(expectedPersons({ roleTitle: 'foreign minister' }), persons);
    expect(foreignMinisters).toEqual(['paolo-gentiloni', 'stephane-dion', 'mevlut-cavusoglu']);
    await expectList(personsList({ roleTitle: 'foreign minister' }), foreignMinisters);
    await expectList(personsList({ roleTitle: 'FOREIGN' }), foreignMinisters);
    await expectList(personsList({ roleTitle: 'secretary' }), selective(expectedPersons({ roleTitle: 'secretary' }), persons));
  });

  it('tells named persons from the unnamed official', async () => {
    expect(expectedPersons({ isNamed: false })).toEqual(['state-department-official']);
    await expectList(personsList({ isNamed: false }), expectedPersons({ isNamed: false }));
    await expectList(personsList({ isNamed: true }), selective(expectedPersons({ isNamed: true }), persons));
  });

  it('combines conditions with AND', async () => {
    const cases: PersonFilter[] = [
      { country: 'canada', roleTitle: 'foreign minister' },
      { country: 'united-states', isNamed: true },
      { organization: 'state-department', name: 'john' },
      { name: 'state', isNamed: false },
    ];
    for (const filter of cases) await expectList(personsList(filter), selective(expectedPersons(filter), persons));
  });

  it('answers a filter that matches nothing with totalCount 0 and no edges', async () => {
    for (const filter of [{ name: 'zebedee' }, { country: 'canada', roleTitle: 'secretary' }, { country: 'libya' }] as PersonFilter[]) {
      expect(expectedPersons(filter)).toEqual([]);
      const page = await fetchPage(personsList(filter), 10);
      expect(page).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Countries and organizations
// ---------------------------------------------------------------------------------------------

describe('Query.countries(filter:)', () => {
  it.each([
    ['U.S.', 'united-states'],
    ['united', 'united-states'],
    ['CAN', 'canada'],
    ['can', 'canada'],
    ['CA', 'canada'],
    ['philippines', 'philippines'],
    ['the', 'philippines'],
  ])('matches name %j against the name, aliases and ISO codes', async (name, expectedId) => {
    const expected = expectedCountries({ name });
    expect(expected).toEqual([expectedId]);
    await expectList(countriesList({ name }), expected);
  });

  it('finds the members of an organization, by slug and by global id', async () => {
    for (const slug of ['nato', 'coalition-against-islamic-state']) {
      const expected = selective(expectedCountries({ memberOf: slug }), countries);
      await expectList(countriesList({ memberOf: slug }), expected);
      await expectList(countriesList({ memberOf: await globalId(`organization(slug: "${slug}")`) }), expected);
    }
    const natoMembers = organizations.find((o) => o.id === 'nato')!.memberships!.map((m) => m.countryId);
    expect(new Set(expectedCountries({ memberOf: 'nato' }))).toEqual(new Set(natoMembers));
  });

  it('combines name and membership with AND, and gives an empty page when nothing matches', async () => {
    await expectList(countriesList({ memberOf: 'nato', name: 'turk' }), ['turkey']);
    expect(expectedCountries({ memberOf: 'nato', name: 'france' })).toEqual([]);
    await expectList(countriesList({ memberOf: 'nato', name: 'france' }), []);
    await expectList(countriesList({ memberOf: 'islamic-state' }), []);
  });
});

describe('Query.organizations(filter:)', () => {
  it('matches names and aliases ("daesh", "isil", "washington")', async () => {
    expect(expectedOrganizations({ name: 'daesh' })).toEqual(['islamic-state']);
    for (const name of ['daesh', 'isil', 'ISIL', 'washington', 'islamic state', 'apec']) {
      await expectList(organizationsList({ name }), selective(expectedOrganizations({ name }), organizations));
    }
    expect(expectedOrganizations({ name: 'isil' })).toContain('islamic-state');
  });

  it('filters by kind', async () => {
    for (const kind of ['ALLIANCE', 'COALITION', 'MILITANT_GROUP', 'NEWS_OUTLET']) {
      await expectList(organizationsList({ kind }), selective(expectedOrganizations({ kind }), organizations));
    }
  });

  it('finds the organizations a country is a member of, by slug and by global id', async () => {
    for (const slug of ['canada', 'turkey']) {
      const expected = selective(expectedOrganizations({ memberCountry: slug }), organizations);
      await expectList(organizationsList({ memberCountry: slug }), expected);
      await expectList(organizationsList({ memberCountry: await globalId(`country(slug: "${slug}")`) }), expected);
    }
    await expectList(organizationsList({ memberCountry: 'syria' }), []);
  });

  it('combines conditions with AND', async () => {
    const filter = { memberCountry: 'canada', kind: 'COALITION' };
    expect(expectedOrganizations(filter)).toEqual(['coalition-against-islamic-state']);
    await expectList(organizationsList(filter), expectedOrganizations(filter));
    await expectList(organizationsList({ name: 'isil', kind: 'MILITANT_GROUP' }), ['islamic-state']);
  });
});

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

describe('Query.events(filter:)', () => {
  it('filters by kind', async () => {
    for (const kind of ['BILATERAL_TALK', 'MILITARY_CAMPAIGN', 'PRESS_RELEASE', 'MEETING']) {
      await expectList(eventsList({ kind }), selective(expectedEvents({ kind }), events));
    }
  });

  const ranges: EventFilter[] = [
    { from: '2015-12-02', to: '2015-12-02' }, // the second day of the NATO meeting: the meeting, the release (after), December
    { from: '2015-12-01', to: '2015-12-01' },
    { from: '2015-11-01', to: '2015-11-30' },
    { from: '2015-11-14', to: '2015-11-30' }, // after the Paris attacks
    { to: '2015-11-30' }, // the briefing before 1 December is open towards the past
    { to: '2015-10-31' },
    { from: '2015-12-02' },
    { from: '2016-01-01' }, // only the release "after 1 December" can reach so far
    { from: '2015-12-03', to: '2015-12-31' },
  ];
  it.each(ranges)('keeps the events that can overlap %j', async (range) => {
    await expectList(eventsList(range), selective(expectedEvents(range), events));
  });

  it('never matches an undated event with a date filter, however wide', async () => {
    const wide = { from: '0001-01-01', to: '9999-12-31' };
    const dated = events.filter((e) => e.start).map((e) => e.id);
    expect(expectedEvents(wide)).toEqual(dated);
    expect(dated.length).toBeLessThan(events.length);
    await expectList(eventsList(wide), dated);
  });

  it('reads the edges of a span inclusively: a two-day meeting matches its last day, not the next', async () => {
    const meeting = 'nato-foreign-ministers-meeting';
    expect(expectedEvents({ from: '2015-12-02', to: '2015-12-02' })).toContain(meeting);
    expect((await fetchAll(eventsList({ from: '2015-12-02', to: '2015-12-02' }))).slugs).toContain(meeting);
    expect((await fetchAll(eventsList({ from: '2015-12-03' }))).slugs).not.toContain(meeting);
  });

  it('finds events located in a country, by slug and by global id', async () => {
    for (const slug of ['belgium', 'syria', 'france']) {
      const expected = selective(expectedEvents({ country: slug }), events);
      await expectList(eventsList({ country: slug }), expected);
      await expectList(eventsList({ country: await globalId(`country(slug: "${slug}")`) }), expected);
    }
  });

  it('matches the city ignoring case and surrounding spaces', async () => {
    const expected = selective(expectedEvents({ city: 'brussels' }), events);
    expect(expected).toEqual(['nato-foreign-ministers-meeting']);
    for (const city of ['BRUSSELS', 'brussels', ' Brussels ']) await expectList(eventsList({ city }), expected);
    await expectList(eventsList({ city: 'paris' }), expectedEvents({ city: 'paris' }));
    await expectList(eventsList({ city: 'bruss' }), []);
  });

  it('finds the events a person, organization or country took part in', async () => {
    for (const participant of ['john-kerry', 'islamic-state', 'canada', 'state-department-official']) {
      await expectList(eventsList({ participant }), selective(expectedEvents({ participant }), events));
    }
    await expectList(eventsList({ participant: await globalId('person(slug: "john-kerry")') }), expectedEvents({ participant: 'john-kerry' }));
  });

  it('matches names and aliases', async () => {
    for (const name of ['nato meeting', 'summit', 'press', 'turkey']) {
      await expectList(eventsList({ name }), selective(expectedEvents({ name }), events));
    }
  });

  // A hyphen or dash inside a name joins words without hiding them: each part starts a word too.
  it('treats the en dash between two names as a word break ("gentiloni" finds the Kerry–Gentiloni meeting)', async () => {
    for (const name of ['gentiloni', 'dion', 'kerry cavusoglu']) {
      await expectList(eventsList({ name }), selective(expectedEvents({ name }), events));
    }
  });

  it('combines conditions with AND', async () => {
    const cases: EventFilter[] = [
      { kind: 'BILATERAL_TALK', participant: 'john-kerry' },
      { participant: 'john-kerry', from: '2015-12-02' },
      { participant: 'islamic-state', to: '2015-12-31' },
      { country: 'belgium', city: 'Brussels', kind: 'MEETING' },
      { participant: 'canada', kind: 'MILITARY_CAMPAIGN', country: 'syria' },
    ];
    for (const filter of cases) await expectList(eventsList(filter), selective(expectedEvents(filter), events));
    await expectList(eventsList({ country: 'belgium', kind: 'ATTACK' }), []);
  });
});

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

describe('Query.statements(filter:)', () => {
  it('finds what a speaker said, by slug and by global id', async () => {
    for (const speaker of ['john-kerry', 'jens-stoltenberg', 'state-department-official']) {
      const expected = selective(expectedStatements({ speaker }), statements);
      await expectList(statementsList({ speaker }), expected);
      await expectList(statementsList({ speaker: await globalId(`person(slug: "${speaker}")`) }), expected);
    }
  });

  it('finds the statements that mention a person, country, organization or event', async () => {
    for (const mentions of ['john-kerry', 'russia', 'islamic-state', 'russian-jet-downing']) {
      await expectList(statementsList({ mentions }), selective(expectedStatements({ mentions }), statements));
    }
  });

  it('finds the statements made at or about an event', async () => {
    for (const event of ['kerry-gentiloni-meeting', 'state-department-release', 'russian-jet-downing', 'nato-foreign-ministers-meeting']) {
      await expectList(statementsList({ event }), selective(expectedStatements({ event }), statements));
    }
    // Said at the release (Kirby's words) and about it are in; words the release merely relayed are not.
    const release = expectedStatements({ event: 'state-department-release' });
    expect(release).not.toContain('kerry-us-heavy-lift');
    expect(expectedStatements({ relayedBy: 'state-department-release' })).toEqual(['kerry-us-heavy-lift']);
  });

  it('finds what a person, organization or event passed on', async () => {
    for (const relayedBy of ['john-kirby', 'washington-post', 'state-department-release']) {
      await expectList(statementsList({ relayedBy }), selective(expectedStatements({ relayedBy }), statements));
    }
  });

  it('filters by kind', async () => {
    for (const kind of ['QUOTE', 'PARAPHRASE']) await expectList(statementsList({ kind }), selective(expectedStatements({ kind }), statements));
  });

  it('finds the statements a source reports, by slug and by global id', async () => {
    // The fixture has one source, which reports every statement: combined with another condition the filter still narrows.
    const source = 'kerry-to-nato-ante-up';
    expect(expectedStatements({ source })).toEqual(ids(statements));
    await expectList(statementsList({ source }), expectedStatements({ source }));
    await expectList(statementsList({ source: await globalId(`source(slug: "${source}")`) }), expectedStatements({ source }));
    const filter = { source, speaker: 'jens-stoltenberg' };
    await expectList(statementsList(filter), selective(expectedStatements(filter), statements));
  });

  it('keeps statements reported by at least `minSources` sources (every one for 1 or less; none is corroborated in the fixture)', async () => {
    for (const minSources of [-1, 0, 1]) await expectList(statementsList({ minSources }), ids(statements));
    expect(expectedStatements({ minSources: 2 })).toEqual([]);
    await expectList(statementsList({ minSources: 2 }), []);
    await expectList(statementsList({ minSources: 2, speaker: 'john-kerry' }), []);
  });

  const ranges: StatementFilter[] = [
    { from: '2015-12-01', to: '2015-12-01' },
    { from: '2015-12-02' }, // said after 1 December, or at the December press conference
    { to: '2015-11-30' }, // the briefing "before 1 December" is open towards the past
    { from: '2015-11-19', to: '2015-11-19' },
    { from: '2015-11-20', to: '2015-11-30' },
    { from: '2016-01-01' },
  ];
  it.each(ranges)('dates each statement by its own date, else by the start of its event, for %j', async (range) => {
    await expectList(statementsList(range), selective(expectedStatements(range), statements));
  });

  it('dates a statement without a date of its own by the event it was said at, and never matches the undated', async () => {
    const wide = { from: '0001-01-01', to: '9999-12-31' };
    const datedByEvent = statements.filter((s) => !s.date && statementDate(s)).map((s) => s.id);
    const undated = statements.filter((s) => !statementDate(s)).map((s) => s.id);
    expect(datedByEvent.length).toBeGreaterThan(0);
    expect(undated.length).toBeGreaterThan(0);
    const { slugs } = await fetchAll(statementsList(wide));
    expect(slugs).toEqual(expectedStatements(wide));
    expect(slugs).toEqual(expect.arrayContaining(datedByEvent));
    for (const id of undated) expect(slugs).not.toContain(id);
  });

  it.each(['de-escalation', 'DE-ESCALATION', 'Dé-Escalation', 'shouldn’t', "shouldn't", 'lion’s share', 'the U.S.', 'strong member', '  three lines  '])(
    'finds text containing %j, ignoring case, accents and the kind of apostrophe',
    async (textContains) => {
      await expectList(statementsList({ textContains }), selective(expectedStatements({ textContains }), statements));
    },
  );

  it('needs the whole phrase, in order, not just its words', async () => {
    expect(expectedStatements({ textContains: 'lines three' })).toEqual([]);
    await expectList(statementsList({ textContains: 'lines three' }), []);
    await expectList(statementsList({ textContains: 'three lines' }), selective(expectedStatements({ textContains: 'three lines' }), statements));
  });

  it('finds a phrase that starts inside a hyphenated word ("escalation")', async () => {
    await expectList(statementsList({ textContains: 'escalation' }), selective(expectedStatements({ textContains: 'escalation' }), statements));
  });

  it('combines conditions with AND', async () => {
    const cases: StatementFilter[] = [
      { speaker: 'john-kerry', relayedBy: 'john-kirby' },
      { speaker: 'jens-stoltenberg', kind: 'QUOTE', mentions: 'nato' },
      { mentions: 'islamic-state', from: '2015-12-01', to: '2015-12-01' },
      { event: 'russian-jet-downing', kind: 'PARAPHRASE' },
      { speaker: 'justin-trudeau', textContains: 'coalition' },
      { mentions: 'turkey', relayedBy: 'john-kirby', kind: 'PARAPHRASE', to: '2015-12-01' },
    ];
    for (const filter of cases) await expectList(statementsList(filter), selective(expectedStatements(filter), statements));
    await expectList(statementsList({ speaker: 'barack-obama', kind: 'QUOTE' }), expectedStatements({ speaker: 'barack-obama', kind: 'QUOTE' }));
    expect(expectedStatements({ speaker: 'barack-obama', kind: 'QUOTE' })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The source filter of persons, countries, organizations and events
// ---------------------------------------------------------------------------------------------

describe('filter.source on entities', () => {
  const source = 'kerry-to-nato-ante-up';

  it('keeps the records the source has evidence about (every one, in the one-source fixture), and narrows with other conditions', async () => {
    const sourceId = await globalId(`source(slug: "${source}")`);
    for (const reference of [source, sourceId]) {
      await expectList(personsList({ source: reference } as PersonFilter), ids(persons));
      await expectList(countriesList({ source: reference } as CountryFilter), ids(countries));
      await expectList(organizationsList({ source: reference } as OrganizationFilter), ids(organizations));
      await expectList(eventsList({ source: reference } as EventFilter), ids(events));
    }
    await expectList(personsList({ source, country: 'canada' } as PersonFilter), selective(expectedPersons({ country: 'canada' }), persons));
    await expectList(eventsList({ source, kind: 'ATTACK' } as EventFilter), selective(expectedEvents({ kind: 'ATTACK' }), events));
  });

  it('refuses a reference to something that is not a source, and one that names nothing', async () => {
    expectFilterError(await filterError(personsList({ source: 'john-kerry' } as PersonFilter)), 'list', 'BAD_USER_INPUT', 'filter.source');
    expectFilterError(await filterError(eventsList({ source: 'nato' } as EventFilter)), 'list', 'BAD_USER_INPUT', 'filter.source');
    expectFilterError(await filterError(countriesList({ source: 'no-such-article' } as CountryFilter)), 'list', 'NOT_FOUND', 'filter.source');
  });
});

// ---------------------------------------------------------------------------------------------
// Relationship connections take the same filter and order
// ---------------------------------------------------------------------------------------------

describe('filters on relationship connections', () => {
  const mentionedIn = (slug: string, filter: StatementFilter, orderBy?: string): ListRequest => ({
    ...statementsList(filter, orderBy),
    field: 'mentionedIn',
    parent: `organization(slug: "${slug}")`,
  });

  it('Organization.mentionedIn', async () => {
    const within = mentioning('islamic-state');
    const expected = expectedStatements({ speaker: 'john-kerry' }, undefined, within);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(within.length);
    await expectList(mentionedIn('islamic-state', { speaker: 'john-kerry' }), expected);
    const latestFirst = expectedStatements({ speaker: 'john-kerry' }, 'DATE_DESC', within);
    await expectList(mentionedIn('islamic-state', { speaker: 'john-kerry' }, 'DATE_DESC'), latestFirst);
    await expectList(mentionedIn('islamic-state', { speaker: 'jens-stoltenberg' }), []);
  });

  it('Person.statements and Person.relayedStatements', async () => {
    const kerrys = statements.filter((s) => s.speakerId === 'john-kerry');
    const person = (slug: string, field: string, filter: StatementFilter, orderBy?: string): ListRequest => ({
      ...statementsList(filter, orderBy),
      field,
      parent: `person(slug: "${slug}")`,
    });
    await expectList(person('john-kerry', 'statements', { kind: 'PARAPHRASE' }), expectedStatements({ kind: 'PARAPHRASE' }, undefined, kerrys));
    await expectList(person('john-kerry', 'statements', { kind: 'QUOTE' }), []);
    const kirbyRelayed = statements.filter((s) => relayedBy(s, 'john-kirby'));
    await expectList(
      person('john-kirby', 'relayedStatements', { mentions: 'turkey' }, 'DATE_ASC'),
      expectedStatements({ mentions: 'turkey' }, 'DATE_ASC', kirbyRelayed),
    );
  });

  it('Event.statements', async () => {
    const event = (slug: string, filter: StatementFilter, orderBy?: string): ListRequest => ({
      ...statementsList(filter, orderBy),
      field: 'statements',
      parent: `event(slug: "${slug}")`,
    });
    const within = (slug: string) => statements.filter((s) => saidAtOrAbout(s, slug));
    await expectList(
      event('russian-jet-downing', { speaker: 'jens-stoltenberg' }),
      expectedStatements({ speaker: 'jens-stoltenberg' }, undefined, within('russian-jet-downing')),
    );
    await expectList(
      event('stoltenberg-press-conference', { kind: 'QUOTE' }),
      expectedStatements({ kind: 'QUOTE' }, undefined, within('stoltenberg-press-conference')),
    );
    await expectList(
      event('fight-against-islamic-state', { textContains: 'coalition' }, 'DATE_DESC'),
      expectedStatements({ textContains: 'coalition' }, 'DATE_DESC', within('fight-against-islamic-state')),
    );
  });

  it('Country.events', async () => {
    const country = (slug: string, filter: EventFilter, orderBy?: string): ListRequest => ({
      ...eventsList(filter, orderBy),
      field: 'events',
      parent: `country(slug: "${slug}")`,
    });
    const within = (slug: string) => events.filter((e) => (e.locations ?? []).some((l) => l.countryId === slug));
    await expectList(country('belgium', { kind: 'MEETING' }), expectedEvents({ kind: 'MEETING' }, undefined, within('belgium')));
    await expectList(country('syria', { participant: 'canada' }), expectedEvents({ participant: 'canada' }, undefined, within('syria')));
    expect(expectedEvents({ participant: 'canada' }, undefined, within('syria'))).toEqual(['coalition-bombing-campaign']);
    expect(expectedEvents({ from: '2015-12-01' }, undefined, within('philippines'))).toEqual([]);
    await expectList(country('philippines', { from: '2015-12-01' }), []);
    await expectList(country('philippines', { to: '2015-11-30' }, 'NAME_DESC'), expectedEvents({ to: '2015-11-30' }, 'NAME_DESC', within('philippines')));
  });

  it('Source.statements', async () => {
    const source = { ...statementsList({ speaker: 'jens-stoltenberg', kind: 'PARAPHRASE' }, 'DATE_ASC'), parent: 'source(slug: "kerry-to-nato-ante-up")' };
    await expectList(source, expectedStatements({ speaker: 'jens-stoltenberg', kind: 'PARAPHRASE' }, 'DATE_ASC'));
  });

  it('rejects a bad reference inside a relationship filter', async () => {
    // A speaker is a person, organization or country: an event cannot be one.
    const result = await filterError(mentionedIn('islamic-state', { speaker: 'paris-attacks' }));
    expect(result.data?.parent ?? null).toBeNull();
    expect(result.errors?.map((e) => [e.extensions?.code, e.extensions?.argumentName])).toEqual([['BAD_USER_INPUT', 'filter.speaker']]);
  });
});

// ---------------------------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------------------------

describe('orderBy', () => {
  it('orders persons, countries and organizations by folded name, both ways', async () => {
    for (const order of ['NAME_ASC', 'NAME_DESC']) {
      await expectList(personsList(undefined, order), expectedPersons({}, order));
      await expectList(countriesList(undefined, order), expectedCountries({}, order));
      await expectList(organizationsList(undefined, order), expectedOrganizations({}, order));
      await expectList(eventsList(undefined, order), expectedEvents({}, order));
    }
    // The unnamed official sorts by the label it goes by, "Stéphane" as "stephane".
    const ascending = expectedPersons({}, 'NAME_ASC');
    expect(ascending.indexOf('state-department-official')).toBeLessThan(ascending.indexOf('stephane-dion'));
    expect(expectedPersons({}, 'NAME_DESC')).toEqual([...ascending].reverse());
  });

  it('orders a filtered list by name', async () => {
    await expectList(personsList({ country: 'united-states' }, 'NAME_DESC'), expectedPersons({ country: 'united-states' }, 'NAME_DESC'));
    await expectList(countriesList({ memberOf: 'nato' }, 'NAME_ASC'), expectedCountries({ memberOf: 'nato' }, 'NAME_ASC'));
    await expectList(eventsList({ participant: 'john-kerry' }, 'NAME_ASC'), expectedEvents({ participant: 'john-kerry' }, 'NAME_ASC'));
  });

  it('keeps file order (and source order for statements) by default', async () => {
    await expectList(personsList({ isNamed: true }), expectedPersons({ isNamed: true }));
    await expectList(personsList({ isNamed: true }, 'FILE_ORDER'), expectedPersons({ isNamed: true }));
    await expectList(countriesList({ memberOf: 'nato' }), expectedCountries({ memberOf: 'nato' }));
    await expectList(organizationsList({ name: 'isil' }, 'FILE_ORDER'), expectedOrganizations({ name: 'isil' }));
    await expectList(eventsList({ participant: 'islamic-state' }), expectedEvents({ participant: 'islamic-state' }));
    await expectList(statementsList({ mentions: 'nato' }), expectedStatements({ mentions: 'nato' }));
    await expectList(statementsList({ mentions: 'nato' }, 'SOURCE_ORDER'), expectedStatements({ mentions: 'nato' }));
  });

  it('orders events by start date, undated last in file order in both directions', async () => {
    const undated = events.filter((e) => !e.start).map((e) => e.id);
    for (const order of ['DATE_ASC', 'DATE_DESC']) {
      const expected = expectedEvents({}, order);
      expect(expected.slice(-undated.length)).toEqual(undated);
      await expectList(eventsList(undefined, order), expected);
    }
    // On 1 December: the briefing (before) first, then the day's events, then the release (after).
    const ascending = expectedEvents({}, 'DATE_ASC');
    expect(ascending.indexOf('state-department-briefing')).toBeLessThan(ascending.indexOf('nato-foreign-ministers-meeting'));
    expect(ascending.indexOf('nato-foreign-ministers-meeting')).toBeLessThan(ascending.indexOf('state-department-release'));
  });

  it('orders statements by date (their own, else their event’s start), undated last in source order in both directions', async () => {
    const undated = statements.filter((s) => !statementDate(s)).map((s) => s.id);
    for (const order of ['DATE_ASC', 'DATE_DESC']) {
      const expected = expectedStatements({}, order);
      expect(expected.slice(-undated.length)).toEqual(undated);
      await expectList(statementsList(undefined, order), expected);
    }
    // The documented tie rule on 1 December: before < the month "December 2015" < the day < after.
    const ascending = expectedStatements({}, 'DATE_ASC');
    const at = (id: string) => ascending.indexOf(id);
    expect(at('official-kerry-will-make-the-case')).toBeLessThan(at('stoltenberg-calm-de-escalation'));
    expect(at('stoltenberg-calm-de-escalation')).toBeLessThan(at('kerry-calls-on-nato-to-pony-up'));
    expect(at('kerry-calls-on-nato-to-pony-up')).toBeLessThan(at('kirby-coalition-efforts-italy'));
  });

  it('orders a filtered list of statements by date', async () => {
    for (const order of ['DATE_ASC', 'DATE_DESC']) {
      for (const filter of [{ speaker: 'jens-stoltenberg' }, { mentions: 'turkey' }, { relayedBy: 'john-kirby' }]) {
        await expectList(statementsList(filter, order), expectedStatements(filter, order));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Cursors
// ---------------------------------------------------------------------------------------------

describe('cursors with a filter and an order', () => {
  /** A name, the request to walk, and what the walk should visit. */
  const walk = (name: string, request: () => ListRequest, expected: () => string[]) => ({ name, request, expected });
  const walks = [
    walk('statements mentioning NATO, latest first', () => statementsList({ mentions: 'nato' }, 'DATE_DESC'), () =>
      expectedStatements({ mentions: 'nato' }, 'DATE_DESC'),
    ),
    walk('statements Kirby relayed, earliest first', () => statementsList({ relayedBy: 'john-kirby' }, 'DATE_ASC'), () =>
      expectedStatements({ relayedBy: 'john-kirby' }, 'DATE_ASC'),
    ),
    walk('Kerry’s events, earliest first', () => eventsList({ participant: 'john-kerry' }, 'DATE_ASC'), () =>
      expectedEvents({ participant: 'john-kerry' }, 'DATE_ASC'),
    ),
    walk('U.S. office holders, Z to A', () => personsList({ country: 'united-states' }, 'NAME_DESC'), () =>
      expectedPersons({ country: 'united-states' }, 'NAME_DESC'),
    ),
    walk('NATO members, A to Z', () => countriesList({ memberOf: 'nato' }, 'NAME_ASC'), () => expectedCountries({ memberOf: 'nato' }, 'NAME_ASC')),
    walk(
      'Kerry’s statements mentioning Islamic State, latest first',
      () => ({ ...statementsList({ speaker: 'john-kerry' }, 'DATE_DESC'), field: 'mentionedIn', parent: 'organization(slug: "islamic-state")' }),
      () => expectedStatements({ speaker: 'john-kerry' }, 'DATE_DESC', mentioning('islamic-state')),
    ),
  ];

  it.each(walks)('visits each of $name exactly once, in order, with the same totalCount on every page', async ({ request, expected: expectedOf }) => {
    const expected = expectedOf();
    expect(expected.length).toBeGreaterThan(2);
    const visited: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages <= expected.length; pages += 1) {
      const page: Page = await fetchPage(request(), 2, after);
      expect(page.totalCount).toBe(expected.length);
      visited.push(...page.edges.map((edge) => edge.node.slug));
      if (!page.pageInfo.hasNextPage) break;
      expect(page.edges).toHaveLength(2);
      after = page.pageInfo.endCursor;
    }
    expect(visited).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

describe('bad filter input', () => {
  it('gives BAD_USER_INPUT, naming the argument, for a reference to the wrong kind of record', async () => {
    const cases: [ListRequest, string][] = [
      [statementsList({ speaker: 'paris-attacks' }), 'filter.speaker'],
      [statementsList({ speaker: 'kerry-to-nato-ante-up' }), 'filter.speaker'],
      [statementsList({ event: 'john-kerry' }), 'filter.event'],
      [statementsList({ relayedBy: 'kerry-to-nato-ante-up' }), 'filter.relayedBy'],
      [statementsList({ source: 'canada' }), 'filter.source'],
      [personsList({ country: 'nato' }), 'filter.country'],
      [personsList({ organization: 'canada' }), 'filter.organization'],
      [countriesList({ memberOf: 'canada' }), 'filter.memberOf'],
      [organizationsList({ memberCountry: 'nato' }), 'filter.memberCountry'],
      [eventsList({ country: 'paris-attacks' }), 'filter.country'],
      [eventsList({ participant: 'paris-attacks' }), 'filter.participant'],
    ];
    for (const [request, argumentName] of cases) {
      const result = await filterError(request);
      expectFilterError(result, 'list', 'BAD_USER_INPUT', argumentName);
    }
    const result = await filterError(statementsList({ speaker: 'paris-attacks' }));
    expect(result.errors?.[0]?.message).toContain('paris-attacks');
  });

  it('takes an organization or a country as a speaker or a relayer, since either can be one', async () => {
    for (const entity of ['nato', 'canada']) {
      expect(expectedStatements({ speaker: entity })).toEqual([]);
      await expectList(statementsList({ speaker: entity }), []);
      expect(expectedStatements({ relayedBy: entity })).toEqual([]);
      await expectList(statementsList({ relayedBy: entity }), []);
    }
  });

  it('gives BAD_USER_INPUT for the global id of the wrong kind and for a malformed id', async () => {
    const eventId = await globalId('event(slug: "paris-attacks")');
    expectFilterError(await filterError(statementsList({ speaker: eventId })), 'list', 'BAD_USER_INPUT', 'filter.speaker');
    const countryId = await globalId('country(slug: "canada")');
    expectFilterError(await filterError(statementsList({ event: countryId })), 'list', 'BAD_USER_INPUT', 'filter.event');
    expectFilterError(await filterError(statementsList({ speaker: 'Not a valid id!' })), 'list', 'BAD_USER_INPUT');
  });

  it('gives NOT_FOUND for a slug or id that names nothing', async () => {
    const unknownId = Buffer.from('Person:nobody-at-all', 'utf8').toString('base64url');
    const cases: [ListRequest, string][] = [
      [statementsList({ speaker: 'nobody-at-all' }), 'filter.speaker'],
      [statementsList({ mentions: 'atlantis' }), 'filter.mentions'],
      [statementsList({ source: 'no-such-article' }), 'filter.source'],
      [statementsList({ speaker: unknownId }), 'filter.speaker'],
      [personsList({ country: 'atlantis' }), 'filter.country'],
      [eventsList({ participant: 'nobody-at-all' }), 'filter.participant'],
      [organizationsList({ memberCountry: 'atlantis' }), 'filter.memberCountry'],
    ];
    for (const [request, argumentName] of cases) expectFilterError(await filterError(request), 'list', 'NOT_FOUND', argumentName);
  });

  it('gives BAD_USER_INPUT when `from` is after `to`', async () => {
    for (const request of [eventsList({ from: '2015-12-02', to: '2015-12-01' }), statementsList({ from: '2015-12-02', to: '2015-12-01' })]) {
      const result = await filterError(request);
      expectFilterError(result, 'list', 'BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.argumentName).toMatch(/from/);
    }
    // The same day on both ends is a valid range.
    await expectList(eventsList({ from: '2015-12-01', to: '2015-12-01' }), expectedEvents({ from: '2015-12-01', to: '2015-12-01' }));
  });

  it('gives BAD_USER_INPUT for a text condition without letters or digits', async () => {
    const cases: [ListRequest, string][] = [
      [personsList({ name: '  ' }), 'filter.name'],
      [personsList({ roleTitle: '--' }), 'filter.roleTitle'],
      [countriesList({ name: '' }), 'filter.name'],
      [organizationsList({ name: '...' }), 'filter.name'],
      [eventsList({ city: ' ' }), 'filter.city'],
      [statementsList({ textContains: '   ' }), 'filter.textContains'],
    ];
    for (const [request, argumentName] of cases) expectFilterError(await filterError(request), 'list', 'BAD_USER_INPUT', argumentName);
  });

  it('rejects a malformed Date, inline or in a variable, with BAD_USER_INPUT', async () => {
    const inline = await query(yoga, '{ statements(filter: { from: "2015-13-40" }) { totalCount } }');
    expect(inline.data?.statements ?? null).toBeNull();
    expect(inline.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    for (const to of ['2015-13-40', '2015-12', '1 December 2015']) {
      const result = await filterError(eventsList({ to }));
      expect(result.data?.list ?? null).toBeNull();
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('rejects a day that is not on the calendar ("2015-02-30")', async () => {
    const result = await filterError(statementsList({ from: '2015-02-30' }));
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
