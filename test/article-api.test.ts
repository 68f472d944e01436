/**
 * `draftArticle` and `applyArticle` through the API, on both stores: a draft applied as it is and
 * recognised once applied; a preview, an application and a second application
 * of the same file; a bad file refused with the same problems its dry run lists; and the mistakes a
 * curator makes in a file (missing fields, a file changed after it was applied, a retracted office or
 * statement, a cycle only the data's rules see, a duplicate merged away in the file), each answered
 * with the same problems, at the same places in the file, whichever store the server reads.
 *
 * The store-level behaviour (one durable change over several files, a writer dying at each step) is in
 * article-apply.test.ts; the article (test/fixtures/articles/second-report.txt) is an invented fixture.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataFiles } from '../src/kb/records.js';
import { articleText, secondReport, sourceId } from './article-files.js';
import { CURATOR_TOKEN, createCurationTestServer, mutate, queryData, type CurationTestServer } from './helpers.js';

const document = `mutation ($file: ArticleFile!, $dryRun: Boolean) {
  applyArticle(file: $file, dryRun: $dryRun) {
    dryRun applied sourceSlugs datasetVersion
    changes { slug type change summary entries record { id } }
    problems { file path message code }
  }
}`;

const servers: CurationTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function newServer(): Promise<CurationTestServer> {
  const server = await createCurationTestServer();
  servers.push(server);
  return server;
}

/** The data files as written (on PostgreSQL, exported), to check that a refusal or a preview wrote nothing. */
async function writtenFiles(server: CurationTestServer): Promise<string[]> {
  const dir = await server.written();
  return Promise.all(Object.values(dataFiles).map(({ file }) => readFile(path.join(dir, file), 'utf8')));
}

async function versionOf(server: CurationTestServer): Promise<string> {
  return (await queryData(server.yoga, '{ dataset { version } }')).dataset.version;
}

async function apply(server: CurationTestServer, file: unknown, dryRun = false) {
  const result = await mutate(server.yoga, document, { file, dryRun });
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data.applyArticle;
}

/** A file's dry run: its problems. */
async function problemsOf(server: CurationTestServer, file: unknown) {
  return (await apply(server, file, true)).problems;
}

describe('applyArticle', () => {
  it('previews, applies and re-applies the same file as the command does', async () => {
    const server = await newServer();
    const before = await writtenFiles(server);
    const preview = await apply(server, secondReport(), true);
    expect(preview).toMatchObject({ dryRun: true, applied: false, sourceSlugs: [sourceId], problems: [], datasetVersion: await versionOf(server) });
    expect(preview.changes).toHaveLength(9);
    expect(preview.changes.find((change: { slug: string }) => change.slug === 'anna-verbeke')).toMatchObject({ type: 'PERSON', change: 'CREATED', record: null, entries: ['file $.persons[0]', 'file $.persons[0].roles[0]'] });
    expect(preview.changes.find((change: { slug: string }) => change.slug === 'john-kerry')).toMatchObject({ type: 'PERSON', change: 'UPDATED', record: { id: expect.any(String) } });
    expect(await writtenFiles(server)).toEqual(before);

    const applied = await apply(server, secondReport());
    expect(applied).toMatchObject({ dryRun: false, applied: true, datasetVersion: await versionOf(server) });
    expect(applied.changes.map(({ slug, change }: { slug: string; change: string }) => `${change} ${slug}`)).toEqual(preview.changes.map(({ slug, change }: { slug: string; change: string }) => `${change} ${slug}`));
    const report = applied.changes.find((change: { slug: string }) => change.slug === 'stoltenberg-calm-de-escalation');
    expect(report).toMatchObject({ type: 'STATEMENT', change: 'REPORTED', record: { id: expect.any(String) } });
    expect(applied.changes.find((change: { slug: string }) => change.slug === 'anna-verbeke').record).toEqual({ id: expect.any(String) });
    const served = await queryData(
      server.yoga,
      `{ statement(slug: "stoltenberg-calm-de-escalation") { sourceCount reports { source { slug } } }
         verbeke: person(slug: "anna-verbeke") { name roles { title organization { slug } country { slug } } }
         quote: statement(slug: "verbeke-proud-to-host") { speaker { ... on Person { slug } } mentions { entity { ... on Country { slug } } } } }`,
    );
    expect(served).toEqual({
      statement: { sourceCount: 2, reports: [{ source: { slug: 'kerry-to-nato-ante-up' } }, { source: { slug: sourceId } }] },
      verbeke: { name: 'Anna Verbeke', roles: [{ title: 'Spokeswoman', organization: { slug: 'belgian-foreign-ministry' }, country: { slug: 'belgium' } }] },
      quote: { speaker: { slug: 'anna-verbeke' }, mentions: [{ entity: { slug: 'belgium' } }] },
    });

    const version = await versionOf(server);
    const again = await apply(server, secondReport());
    expect(again).toMatchObject({ applied: false, changes: [], datasetVersion: version });
    expect(await versionOf(server)).toBe(version);
  });

  it('refuses a bad file with the same problems as its dry run, an inline file with variables inside, and anyone without a token', async () => {
    const server = await newServer();
    const before = await writtenFiles(server);
    const content = secondReport();
    content.statements![0]!.attribution = 'said a spokeswoman who is not in the article';
    const refused = await mutate(server.yoga, document, { file: content });
    expect(refused.data).toBeNull();
    expect(refused.errors![0]!.extensions).toMatchObject({
      code: 'EVIDENCE_NOT_FOUND',
      problems: [{ file: 'file', path: '$.statements[0].attribution', code: 'EVIDENCE_NOT_FOUND', message: 'The words "said a spokeswoman who is not in the article" do not occur in the source text' }],
    });
    expect(await writtenFiles(server)).toEqual(before);
    expect(await problemsOf(server, content)).toEqual(refused.errors![0]!.extensions!.problems);

    // A file written inline in the document, with a variable inside it, reads as the same file.
    const inline = await mutate(server.yoga, 'mutation ($source: ArticleFile) { applyArticle(file: { source: $source }, dryRun: true) { changes { slug } problems { path } } }', {
      source: secondReport().source,
    });
    expect(inline.errors).toBeUndefined();
    expect(inline.data.applyArticle).toEqual({ changes: [{ slug: sourceId }], problems: [] });

    const anonymous = await mutate(server.yoga, document, { file: secondReport(), dryRun: true }, null);
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const notAnObject = await mutate(server.yoga, document, { file: 'just words' }, CURATOR_TOKEN);
    expect(notAnObject.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: '$', code: 'BAD_USER_INPUT' }] });
    expect(await writtenFiles(server)).toEqual(before);
  });
});

describe('draftArticle, then applyArticle', () => {
  it('drafts an article file from a text, matched to the knowledge base, that applies as it is and is recognised once applied', async () => {
    const server = await newServer();
    const draftOf = async () => {
      const drafted = await mutate(server.yoga, 'query($text: String!) { draftArticle(text: $text, publishedOn: "2015-12-02") }', { text: articleText });
      expect(drafted.errors, JSON.stringify(drafted.errors)).toBeUndefined();
      return drafted.data.draftArticle;
    };
    const draft = await draftOf();
    expect(draft.source.text).toBe(articleText);
    expect(draft.persons.filter((person: { existing: boolean }) => person.existing).map((person: { id: string }) => person.id)).toEqual(expect.arrayContaining(['john-kerry', 'john-kirby', 'jens-stoltenberg']));
    expect(draft.statements.some((statement: { existing?: string }) => statement.existing === 'kirby-secretary-urging-allies')).toBe(true);
    const applied = await apply(server, draft);
    expect(applied).toMatchObject({ applied: true, problems: [] });
    // Drafted again, the text is the source just applied, and everything it says is there.
    const again = await draftOf();
    expect(again.source.id).toBe(draft.source.id);
    expect((await apply(server, again)).changes).toEqual([]);
  });

  it('drafts more articles at once than the server has database connections, each as it drafts one alone', async () => {
    const server = await newServer();
    const draftOf = () => mutate(server.yoga, 'query($text: String!) { draftArticle(text: $text, publishedOn: "2015-12-02") }', { text: articleText });
    const alone = await draftOf();
    expect(alone.errors).toBeUndefined();
    // The PostgreSQL store's pool has 10: a request holding one while its draft waits for another would
    // leave none for the drafts once ten ran at once.
    const together = await Promise.all(Array.from({ length: 16 }, draftOf));
    for (const drafted of together) expect(drafted).toMatchObject({ data: alone.data });
  });
});

describe('what a curator gets wrong in an article file, through the API', () => {
  it('names each missing field of a new record at its path, and what names the record not created', async () => {
    const server = await newServer();
    const content = secondReport();
    delete content.persons![0]!.description;
    delete content.organizations![0]!.kind;
    delete content.countries![0]!.isoAlpha2;
    content.events = [{ id: 'nato-talks', name: 'The talks', kind: 'MEETING', description: 'Talks (test fixture).', participants: [{ id: 'belgium', role: 'host', evidence: ['Belgian'] }] }];
    expect(await problemsOf(server, content)).toEqual([
      { file: 'file', path: '$.persons[0].description', code: 'BAD_USER_INPUT', message: 'A new person needs "description"' },
      { file: 'file', path: '$.countries[0].isoAlpha2', code: 'BAD_USER_INPUT', message: 'A new country needs "isoAlpha2"' },
      { file: 'file', path: '$.organizations[0].kind', code: 'BAD_USER_INPUT', message: 'A new organization needs "kind"' },
      { file: 'file', path: '$.events[0].evidence', code: 'BAD_USER_INPUT', message: 'A new event needs at least one span of the source that mentions it' },
      { file: 'file', path: '$.statements[0].speaker', code: 'UNKNOWN_REFERENCE', message: 'No record with id "anna-verbeke" in the knowledge base or in this file' },
    ]);
  });

  it('refuses to change by applying again what a file stated before, instead of duplicating or ignoring it', async () => {
    const server = await newServer();
    const content = secondReport();
    delete content.statements![0]!.id; // a made id, as for a hand-written entry
    await apply(server, content);
    const edited = secondReport();
    delete edited.statements![0]!.id;
    edited.statements![0]!.speaker = 'john-kirby';
    edited.persons![0]!.description = 'Another description.';
    const problems = await problemsOf(server, edited);
    expect(problems.map(({ path, code }: { path: string; code: string }) => ({ path, code }))).toEqual([
      { path: '$.persons[0].id', code: 'DUPLICATE_ID' },
      { path: '$.statements[0].speaker', code: 'INVALID_RECORD' },
    ]);
    expect(problems[0].message).toContain('has another description');
    expect(problems[1].message).toMatch(/^These words were applied before as the statement "verbeke-brussels-proud-host" by anna-verbeke/);
  });

  it('does not bring back an office a curator retracted, nor let a new entry take over an unrelated record', async () => {
    const server = await newServer();
    await apply(server, secondReport());
    const { revision } = (await queryData(server.yoga, '{ person(slug: "anna-verbeke") { revision } }')).person;
    const retracted = await mutate(server.yoga, `mutation { retractRole(input: { person: "anna-verbeke", expectedRevision: ${revision}, position: 0, reason: "Not her office (test)." }) { datasetVersion } }`);
    expect(retracted.errors).toBeUndefined();
    const again = await apply(server, secondReport());
    expect(again.changes).toEqual([]);
    expect((await queryData(server.yoga, '{ person(slug: "anna-verbeke") { roles(includeRetracted: true) { title } } }')).person.roles).toHaveLength(1);

    const takeover = secondReport();
    takeover.persons![0] = { id: 'john-kirby', name: 'Anna Verbeke', description: 'Spokeswoman for the Belgian Foreign Ministry (test fixture).' };
    const problems = await problemsOf(server, takeover);
    expect(problems).toEqual([expect.objectContaining({ path: '$.persons[0].id', code: 'DUPLICATE_ID' })]);
    expect(problems[0].message).toContain('already stored has another name, description');
  });

  it('reports a retracted or differently kinded statement instead of adding a report to it', async () => {
    const server = await newServer();
    const { revision } = (await queryData(server.yoga, '{ statement(slug: "stoltenberg-calm-de-escalation") { revision } }')).statement;
    const retracted = await mutate(server.yoga, `mutation { retractStatement(input: { statement: "stoltenberg-calm-de-escalation", expectedRevision: ${revision}, reason: "Withdrawn (test)." }) { datasetVersion } }`);
    expect(retracted.errors).toBeUndefined();
    const content = secondReport();
    content.statements![2]!.kind = 'QUOTE';
    expect(await problemsOf(server, content)).toEqual([
      expect.objectContaining({ path: '$.statements[1].existing', code: 'INVALID_RECORD', message: 'The statement "stoltenberg-calm-de-escalation" is retracted (Withdrawn (test).); a retracted statement takes no new reports' }),
      expect.objectContaining({ path: '$.statements[2].kind', code: 'INVALID_RECORD', message: expect.stringMatching(/^The statement "kerry-calls-on-nato-to-pony-up" is a PARAPHRASE, not a QUOTE/) }),
    ]);
  });

  it('names a break of the data\'s own rules by the entry that made the record, in the preview and in the refusal alike', async () => {
    const server = await newServer();
    const before = await writtenFiles(server);
    const content = secondReport();
    // Two new events each part of the other: only the data's rules over the records see the cycle.
    content.events = [
      { id: 'first-session', name: 'First session', kind: 'MEETING', description: 'A session (test fixture).', evidence: ['first session'], partOf: { id: 'second-day', evidence: ['first session'] } },
      { id: 'second-day', name: 'Second day', kind: 'MEETING', description: 'A day of talks (test fixture).', evidence: ['second day of talks'], partOf: { id: 'first-session', evidence: ['second day of talks'] } },
    ];
    const problems = await problemsOf(server, content);
    // The fixture holds 16 events: the new ones are the 17th and 18th of events.json.
    expect(problems).toEqual([
      { file: 'file', path: '$.events[0]', code: 'INVALID_RECORD', message: 'the event "first-session" breaks a rule of the data at events.json $[16].partOf.eventId: part-of links form a cycle through "first-session"' },
      { file: 'file', path: '$.events[1]', code: 'INVALID_RECORD', message: 'the event "second-day" breaks a rule of the data at events.json $[17].partOf.eventId: part-of links form a cycle through "second-day"' },
    ]);
    const refused = await mutate(server.yoga, document, { file: content });
    expect(refused.errors![0]!.extensions).toMatchObject({ code: 'INVALID_RECORD', problems });
    expect(await writtenFiles(server)).toEqual(before);
    expect((await mutate(server.yoga, '{ event(slug: "first-session") { slug } }')).errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it('merges a stored duplicate the file names, with the stored records that refer to it moved to the record kept', async () => {
    const server = await newServer();
    const created = await mutate(server.yoga, `mutation {
      createPerson(input: { slug: "test-kerry-duplicate", name: "Secretary Kerry", description: "Test fixture: a duplicate of John Kerry." }) { datasetVersion }
    }`);
    expect(created.errors).toBeUndefined();
    const quoted = await mutate(server.yoga, `mutation {
      createStatement(input: { slug: "test-duplicate-quote", kind: QUOTE, words: { source: "kerry-to-nato-ante-up", quote: "Calm and de-escalation is now of the essence" },
        speaker: "test-kerry-duplicate", attribution: { quote: "he said", occurrence: 1 } }) { datasetVersion }
    }`);
    expect(quoted.errors).toBeUndefined();
    const content = secondReport();
    content.merges = [{ keep: 'john-kerry', merge: 'test-kerry-duplicate' }];
    const preview = await apply(server, content, true);
    expect(preview.problems).toEqual([]);
    const applied = await apply(server, content);
    for (const result of [preview, applied]) {
      expect(result.changes.filter((change: { slug: string }) => ['test-kerry-duplicate', 'test-duplicate-quote'].includes(change.slug)).map(({ slug, change }: { slug: string; change: string }) => `${change} ${slug}`)).toEqual([
        'MERGED test-kerry-duplicate',
        'UPDATED test-duplicate-quote',
      ]);
    }
    const served = await queryData(server.yoga, '{ statement(slug: "test-duplicate-quote") { speaker { ... on Person { slug } } } duplicate: person(slug: "test-kerry-duplicate") { slug aliases } }');
    expect(served.statement.speaker.slug).toBe('john-kerry');
    expect(served.duplicate.slug).toBe('john-kerry');
    expect(served.duplicate.aliases).toContain('Secretary Kerry');
  });

  it('merges a duplicate the file names, with the references of the records the file creates moved to the record kept', async () => {
    const server = await newServer();
    const content = secondReport();
    // The file calls Kirby by a label of his own, then says it is the same person.
    content.persons!.push({ id: 'test-ministry-spokesman', name: null, label: 'the department’s spokesman', description: 'Test fixture: Kirby as the ledger calls him.' });
    content.statements!.push({
      kind: 'QUOTE',
      text: 'The secretary made clear he was urging all allies to increase their contributions.',
      speaker: 'test-ministry-spokesman',
      attribution: 'John Kirby, the department’s spokesman, said in a written statement',
    });
    content.merges = [{ keep: 'john-kirby', merge: 'test-ministry-spokesman' }];
    const applied = await apply(server, content);
    expect(applied.changes.find((change: { slug: string }) => change.slug === 'test-ministry-spokesman')).toMatchObject({ type: 'PERSON', change: 'MERGED' });
    const made = applied.changes.find((change: { slug: string; type: string; change: string }) => change.type === 'STATEMENT' && change.change === 'CREATED' && change.slug !== 'verbeke-proud-to-host');
    const served = await queryData(server.yoga, `{ statement(slug: "${made.slug}") { speaker { ... on Person { slug } } } duplicate: person(slug: "test-ministry-spokesman") { slug } }`);
    expect(served).toEqual({ statement: { speaker: { slug: 'john-kirby' } }, duplicate: { slug: 'john-kirby' } });
  });
});
