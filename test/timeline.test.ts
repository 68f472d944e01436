import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeBase } from '../src/kb/knowledge-base.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import type { PartialDate } from '../src/kb/records.js';
import type { NewsgraphYoga } from '../src/server.js';
import { createTestServer, dataDir, loadDataset, query, queryData } from './helpers.js';

let kb: KnowledgeBase;
let yoga: NewsgraphYoga;

beforeAll(async () => {
  kb = await loadDataset();
  yoga = await createTestServer(kb);
});

/** First and last day a partial date stands for, computed here independently of the server. */
function days(date: PartialDate): { first: string; last: string } {
  const [y, m, d] = date.value.split('-');
  if (date.precision === 'YEAR') return { first: `${y}-01-01`, last: `${y}-12-31` };
  if (date.precision === 'MONTH') {
    const lastDay = new Date(Date.UTC(Number(y), Number(m), 0)).getUTCDate();
    return { first: `${y}-${m}-01`, last: `${y}-${m}-${String(lastDay).padStart(2, '0')}` };
  }
  return { first: `${y}-${m}-${d}`, last: `${y}-${m}-${d}` };
}

/** The documented ordering rule, as a sortable tuple. */
function sortKey(date: PartialDate): [string, number, number] {
  const { first, last } = days(date);
  return [date.qualifier === 'AFTER' ? last : first, { BEFORE: 0, ON: 1, AFTER: 2 }[date.qualifier], { YEAR: 0, MONTH: 1, DAY: 2 }[date.precision]];
}

interface Expected {
  id: string;
  kind: 'Event' | 'Statement';
  date: PartialDate | undefined;
  fromEvent: boolean;
  order: number;
}

/** Every event and statement with the date that places it, in data order (events first). */
function placedItems(): Expected[] {
  const events = kb.records.events.map((e, i) => ({ id: e.id, kind: 'Event' as const, date: e.start, fromEvent: false, order: i }));
  const eventStart = new Map(kb.records.events.map((e) => [e.id, e.start]));
  const statements = kb.records.statements.map((s, i) => {
    const eventDate = s.saidAt ? eventStart.get(s.saidAt.eventId) : undefined;
    return { id: s.id, kind: 'Statement' as const, date: s.date ?? eventDate, fromEvent: !s.date && eventDate !== undefined, order: events.length + i };
  });
  return [...events, ...statements];
}

function inTimeOrder(items: Expected[]): Expected[] {
  return [...items].sort((a, b) => {
    const [ka, kb2] = [sortKey(a.date!), sortKey(b.date!)];
    for (let i = 0; i < 3; i += 1) if (ka[i]! !== kb2[i]!) return ka[i]! < kb2[i]! ? -1 : 1;
    return a.order - b.order;
  });
}

const timelineQuery = /* GraphQL */ `
  query Timeline($from: Date, $to: Date, $types: [TimelineItemType!], $includeUndated: Boolean, $first: Int, $after: String) {
    timeline(from: $from, to: $to, types: $types, includeUndated: $includeUndated, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { dateFromEvent date { value precision qualifier } item { __typename ... on Event { slug } ... on Statement { slug } } } }
    }
  }
`;

async function timeline(variables: Record<string, unknown>) {
  const items: { slug: string; kind: string; dateFromEvent: boolean; date: unknown }[] = [];
  let after: string | undefined;
  let totalCount = 0;
  for (;;) {
    const data = await queryData(yoga, timelineQuery, { ...variables, first: 100, after });
    totalCount = data.timeline.totalCount;
    for (const { node } of data.timeline.edges) items.push({ slug: node.item.slug, kind: node.item.__typename, dateFromEvent: node.dateFromEvent, date: node.date });
    if (!data.timeline.pageInfo.hasNextPage) break;
    after = data.timeline.pageInfo.endCursor;
  }
  expect(items).toHaveLength(totalCount);
  return items;
}

describe('timeline', () => {
  it('lists every dated event and statement in time order, by the documented rule', async () => {
    const expected = inTimeOrder(placedItems().filter((item) => item.date));
    const items = await timeline({});
    expect(items.map((item) => item.slug)).toEqual(expected.map((item) => item.id));
    expect(items.map((item) => item.kind)).toEqual(expected.map((item) => item.kind));
    // The seed's Paris attacks (13 November) come before the NATO meeting (1 December).
    expect(items.findIndex((i) => i.slug === 'paris-attacks')).toBeLessThan(items.findIndex((i) => i.slug === 'nato-foreign-ministers-meeting'));
  });

  it('says when a statement is placed by its event rather than a date of its own', async () => {
    const items = await timeline({ types: ['STATEMENT'] });
    const expected = inTimeOrder(placedItems().filter((item) => item.kind === 'Statement' && item.date));
    expect(items.map((item) => [item.slug, item.dateFromEvent])).toEqual(expected.map((item) => [item.id, item.fromEvent]));
    expect(items.some((item) => item.dateFromEvent)).toBe(true);
  });

  it('keeps items whose dates can overlap [from, to], partial dates included', async () => {
    // The days an item can occupy: from its start to its end (events may have one); BEFORE/AFTER are open-ended,
    // and strict: "after 1 December" begins on the 2nd, "before 1 December" ends on 30 November.
    const shift = (day: string, by: number) => {
      const shifted = new Date(`${day}T00:00:00Z`);
      shifted.setUTCDate(shifted.getUTCDate() + by);
      return shifted.toISOString().slice(0, 10);
    };
    const firstDay = (date: PartialDate) => (date.qualifier === 'BEFORE' ? '0000-01-01' : date.qualifier === 'AFTER' ? shift(days(date).last, 1) : days(date).first);
    const lastDay = (date: PartialDate) => (date.qualifier === 'AFTER' ? '9999-12-31' : date.qualifier === 'BEFORE' ? shift(days(date).first, -1) : days(date).last);
    const eventEnd = new Map(kb.records.events.map((e) => [e.id, e.end]));
    const expectedIn = (from: string, to: string) =>
      inTimeOrder(
        placedItems().filter((item) => {
          if (!item.date) return false;
          const end = (item.kind === 'Event' ? eventEnd.get(item.id) : undefined) ?? item.date;
          return lastDay(end) >= from && firstDay(item.date) <= to;
        }),
      ).map((item) => item.id);
    const slugsIn = async (from: string, to: string) => (await timeline({ from, to })).map((item) => item.slug);

    const november = await slugsIn('2015-11-13', '2015-11-19');
    expect(november).toEqual(expectedIn('2015-11-13', '2015-11-19'));
    expect(november).toEqual(expect.arrayContaining(['paris-attacks', 'trudeau-canada-strong-member', 'apec-meeting']));
    expect(november).not.toContain('nato-foreign-ministers-meeting');

    // On 1 December itself: neither the briefing "before 1 December" nor the release "after 1 December".
    const firstOfDecember = await slugsIn('2015-12-01', '2015-12-01');
    expect(firstOfDecember).toEqual(expectedIn('2015-12-01', '2015-12-01'));
    expect(firstOfDecember).toContain('nato-foreign-ministers-meeting');
    expect(firstOfDecember).not.toContain('state-department-briefing');
    expect(firstOfDecember).not.toContain('state-department-release');
    expect(await slugsIn('2015-11-30', '2015-11-30')).toContain('state-department-briefing');
    expect(await slugsIn('2015-12-02', '2015-12-02')).toContain('state-department-release');
  });

  it('adds undated items after the dated ones when asked', async () => {
    const all = placedItems();
    const items = await timeline({ includeUndated: true });
    expect(items).toHaveLength(all.length);
    const firstUndated = items.findIndex((item) => item.date === null);
    expect(firstUndated).toBe(all.filter((item) => item.date).length);
    expect(items.slice(firstUndated).every((item) => item.date === null)).toBe(true);
  });

  it('rejects an empty types list and a reversed range with BAD_USER_INPUT', async () => {
    const empty = await query(yoga, timelineQuery, { types: [] });
    expect(empty.errors?.[0]).toMatchObject({ message: '"types" must name at least one kind of item', extensions: { code: 'BAD_USER_INPUT' } });
    const reversed = await query(yoga, timelineQuery, { from: '2015-12-02', to: '2015-11-01' });
    expect(reversed.errors?.[0]).toMatchObject({ message: '"from" (2015-12-02) must not be after "to" (2015-11-01)', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('asOf on roles and memberships', () => {
  let dir: string;
  let dated: NewsgraphYoga;

  beforeAll(async () => {
    // A copy of the data in which Kerry's role and Turkey's NATO membership have known dates.
    dir = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-asof-'));
    await cp(dataDir, dir, { recursive: true });
    const persons = JSON.parse(await readFile(path.join(dir, 'persons.json'), 'utf8'));
    const kerry = persons.find((p: { id: string }) => p.id === 'john-kerry');
    kerry.roles[0].start = { value: '2013-02', precision: 'MONTH', inferred: false };
    kerry.roles[0].end = { value: '2017-01-20', precision: 'DAY', inferred: false };
    await writeFile(path.join(dir, 'persons.json'), JSON.stringify(persons));
    const organizations = JSON.parse(await readFile(path.join(dir, 'organizations.json'), 'utf8'));
    const nato = organizations.find((o: { id: string }) => o.id === 'nato');
    const turkey = nato.memberships.find((m: { countryId: string }) => m.countryId === 'turkey');
    turkey.start = { value: '1952', precision: 'YEAR', inferred: false };
    await writeFile(path.join(dir, 'organizations.json'), JSON.stringify(organizations));
    dated = await createTestServer(await loadKnowledgeBase(dir));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a role only on days it can have been held', async () => {
    const document = 'query ($day: Date) { person(slug: "john-kerry") { roles(asOf: $day) { title } } }';
    for (const [day, held] of [['2015-12-01', true], ['2013-02-01', true], ['2013-01-31', false], ['2017-01-20', true], ['2017-01-21', false]] as const) {
      const data = await queryData(dated, document, { day });
      expect(data.person.roles.map((r: { title: string }) => r.title), day).toEqual(held ? ['Secretary of State'] : []);
    }
    const withoutAsOf = await queryData(dated, '{ person(slug: "john-kerry") { roles { title } } }');
    expect(withoutAsOf.person.roles).toEqual([{ title: 'Secretary of State' }]);
  });

  it('answers "who held what then" on organizations and countries too', async () => {
    const document = `query ($day: Date) {
      organization(slug: "state-department") { roles(asOf: $day) { person { slug } } }
      nato: organization(slug: "nato") { members(asOf: $day) { country { slug } } }
      turkey: country(slug: "turkey") { memberships(asOf: $day) { organization { slug } } }
      us: country(slug: "united-states") { roles(asOf: $day) { person { slug } } }
    }`;
    const in2015 = await queryData(dated, document, { day: '2015-12-01' });
    const in2020 = await queryData(dated, document, { day: '2020-01-01' });
    const in1950 = await queryData(dated, document, { day: '1950-01-01' });
    const slugs = (list: { person?: { slug: string }; country?: { slug: string }; organization?: { slug: string } }[]) =>
      list.map((entry) => (entry.person ?? entry.country ?? entry.organization)!.slug);
    expect(slugs(in2015.organization.roles)).toContain('john-kerry');
    expect(slugs(in2020.organization.roles)).not.toContain('john-kerry');
    expect(slugs(in2020.us.roles)).not.toContain('john-kerry');
    expect(slugs(in2015.turkey.memberships)).toContain('nato');
    expect(slugs(in1950.turkey.memberships)).not.toContain('nato');
    expect(slugs(in1950.nato.members)).not.toContain('turkey');
    expect(slugs(in2015.nato.members)).toContain('turkey');
  });

  it('on the real data, where the source gives no dates, keeps every role', async () => {
    const data = await queryData(yoga, '{ persons(first: 100) { edges { node { all: roles { title } then: roles(asOf: "2015-12-01") { title } } } } }');
    for (const { node } of data.persons.edges) expect(node.then).toEqual(node.all);
  });
});
