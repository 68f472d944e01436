/**
 * Live updates: subscriptions over server-sent events announce each change (on both stores), and edits
 * of the data files on disk are picked up without a restart: validated first, swapped in only if valid,
 * while an invalid edit is logged and the old data keeps serving (the JSON store's files only).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.js';
import type { NewsgraphYoga } from '../src/server.js';
import { storeUnderTest } from './store-under-test.js';
import { createCurationTestServer, mutate, query, subscribe, type CurationTestServer } from './helpers.js';

const logLines: string[] = [];
const capturingLogger = createLogger(
  'info',
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

async function waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let server: CurationTestServer;

beforeAll(async () => {
  server = await createCurationTestServer({ logger: capturingLogger });
  server.store?.watch(30);
});

afterAll(() => server.close());

const kerryDescription = async () => (await query(server.yoga, '{ person(slug: "john-kerry") { description } }')).data.person.description as string;

describe('subscriptions over server-sent events', () => {
  it('announces a created person to datasetChanged and entityChanged, resolved against the new data', async () => {
    const dataset = await subscribe(server.yoga, 'subscription { datasetChanged { cause dataset { version counts { persons } } changes { change node { __typename ... on Person { slug name } } } } }');
    const entities = await subscribe(server.yoga, 'subscription { entityChanged(types: [PERSON]) { change datasetVersion entity { __typename slug displayName ... on Person { revision } } } }');
    const onlyEvents = await subscribe(server.yoga, 'subscription { entityChanged(types: [EVENT]) { change } }');
    const before = (await query(server.yoga, '{ dataset { counts { persons } } }')).data.dataset.counts.persons as number;

    const created = await mutate(server.yoga, 'mutation { createPerson(input: { slug: "live-person", name: "Live Person", description: "Announced live." }) { datasetVersion } }');
    expect(created.errors).toBeUndefined();
    const version = created.data.createPerson.datasetVersion;

    const [datasetEvent] = await dataset.next();
    expect(datasetEvent).toEqual({
      data: {
        datasetChanged: {
          cause: 'MUTATION',
          dataset: { version, counts: { persons: before + 1 } },
          changes: [{ change: 'CREATED', node: { __typename: 'Person', slug: 'live-person', name: 'Live Person' } }],
        },
      },
    });
    // Every event carries the version of the snapshot that holds its change, as every answer does.
    expect(dataset.extensions[0].dataset.version).toBe(version);
    const [entityEvent] = await entities.next();
    expect(entityEvent).toEqual({
      data: { entityChanged: { change: 'CREATED', datasetVersion: version, entity: { __typename: 'Person', slug: 'live-person', displayName: 'Live Person', revision: 1 } } },
    });

    const updated = await mutate(server.yoga, 'mutation { updatePerson(input: { person: "live-person", expectedRevision: 1, description: "Changed." }) { person { revision } } }');
    expect(updated.errors).toBeUndefined();
    const [updateEvent] = await entities.next();
    expect(updateEvent.data.entityChanged).toMatchObject({ change: 'UPDATED', entity: { slug: 'live-person', revision: 2 } });
    expect(entities.extensions[1].dataset.version).not.toBe(version);
    await dataset.next();
    // The EVENT-only subscription heard of none of it.
    expect(onlyEvents.events).toEqual([]);
    for (const subscription of [dataset, entities, onlyEvents]) subscription.close();
  });

  it('announces an added statement to statementAdded, and not its later retraction', async () => {
    const added = await subscribe(
      server.yoga,
      'subscription { statementAdded { slug text revision speaker { slug } evidence { text } reports { evidence { text } source { slug } } sourceCount } }',
    );
    const created = await mutate(
      server.yoga,
      `mutation { createStatement(input: { slug: "live-statement", kind: PARAPHRASE, speaker: "john-kerry",
        words: { source: "kerry-to-nato-ante-up", quote: "pony up more resources" }, attribution: { quote: "called on NATO countries" } }) { statement { slug } } }`,
    );
    expect(created.errors).toBeUndefined();
    const [event] = await added.next();
    expect(event).toEqual({
      data: {
        statementAdded: {
          slug: 'live-statement',
          text: 'pony up more resources',
          revision: 1,
          speaker: { slug: 'john-kerry' },
          // The deprecated single span, for old clients, and the report it comes from.
          evidence: { text: 'pony up more resources' },
          reports: [{ evidence: { text: 'pony up more resources' }, source: { slug: 'kerry-to-nato-ante-up' } }],
          sourceCount: 1,
        },
      },
    });
    const retracted = await mutate(server.yoga, 'mutation { retractStatement(input: { statement: "live-statement", expectedRevision: 1, reason: "test" }) { statement { revision } } }');
    expect(retracted.errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(added.events).toHaveLength(1);
    added.close();
  });

  it('announces a refused mutation to nobody', async () => {
    const dataset = await subscribe(server.yoga, 'subscription { datasetChanged { dataset { version } } }');
    const refused = await mutate(server.yoga, 'mutation { updatePerson(input: { person: "live-person", expectedRevision: 1, description: "Stale." }) { person { revision } } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('REVISION_CONFLICT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(dataset.events).toEqual([]);
    dataset.close();
  });
});

describe.runIf(storeUnderTest === 'memory')('edits of the data files on disk', () => {
  it('are validated, swapped in and announced with cause RELOAD', async () => {
    const dataset = await subscribe(server.yoga, 'subscription { datasetChanged { cause changes { change node { ... on Person { slug description } } } } }');
    const file = path.join(await server.written(), 'persons.json');
    const persons = JSON.parse(await readFile(file, 'utf8')) as { id: string; description: string }[];
    persons.find((person) => person.id === 'john-kerry')!.description = 'Edited by hand while the server ran.';
    await writeFile(file, `${JSON.stringify(persons, null, 2)}\n`);

    expect(await waitFor(kerryDescription, (d) => d === 'Edited by hand while the server ran.', 'the hand edit to be served')).toBe('Edited by hand while the server ran.');
    const [event] = await dataset.next();
    expect(event.data.datasetChanged).toEqual({ cause: 'RELOAD', changes: [{ change: 'UPDATED', node: { slug: 'john-kerry', description: 'Edited by hand while the server ran.' } }] });
    dataset.close();
  });

  it('keeps serving the old data after an invalid edit, logs it, and refuses mutations until it is fixed', async () => {
    const file = path.join(await server.written(), 'persons.json');
    const good = await readFile(file, 'utf8');
    const versionBefore = (await query(server.yoga, '{ dataset { version } }')).data.dataset.version;
    const persons = JSON.parse(good) as { id: string; description: string; roles: { evidence: { start: number }[] }[] }[];
    persons.find((person) => person.id === 'john-kerry')!.roles[0]!.evidence[0]!.start += 1;
    await writeFile(file, `${JSON.stringify(persons, null, 2)}\n`);

    const logged = await waitFor(
      async () => logLines.find((line) => line.includes('edited into an invalid state')),
      (line) => line !== undefined,
      'the invalid edit to be logged',
    );
    const entry = JSON.parse(logged!) as { level: number; problems: { file: string; path: string }[] };
    expect(entry.level).toBe(50);
    expect(entry.problems[0]).toMatchObject({ file: 'persons.json', path: '$[0].roles[0].evidence[0].text' });
    expect((await query(server.yoga, '{ dataset { version } }')).data.dataset.version).toBe(versionBefore);
    expect(await kerryDescription()).toBe('Edited by hand while the server ran.');

    // Writing now would throw the edit away: mutations wait until the files are valid again.
    const refused = await mutate(server.yoga, 'mutation { createPerson(input: { name: "Blocked", description: "d" }) { person { slug } } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('DATA_FILES_INVALID');
    expect(await readFile(file, 'utf8')).toBe(`${JSON.stringify(persons, null, 2)}\n`);

    await writeFile(file, good);
    const fixed = await waitFor(
      () => mutate(server.yoga, 'mutation { createPerson(input: { slug: "after-fix", name: "After Fix", description: "d" }) { person { slug } } }'),
      (result) => result.errors === undefined,
      'mutations to work again after the fix',
    );
    expect(fixed.data.createPerson.person.slug).toBe('after-fix');
  });
});
