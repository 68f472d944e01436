/**
 * `npm run author -- apply` and `find`, run as curators run them: their own process, on copies of the
 * fixture data. The API route and the durable change are tested in article-apply.test.ts.
 */
import { loadKnowledgeBase } from '../src/kb/load.js';
import type { OrganizationRecord, PersonRecord, StatementRecord } from '../src/kb/records.js';
import { describe, expect, it } from 'vitest';
import { articleFile, articleText, author, filesIn, secondReport, sourceId, workspace } from './article-files.js';

describe.concurrent('author apply', () => {
  it('--dry-run prints what would change, record by record, and writes nothing', async () => {
    const { data, work } = await workspace();
    const before = await filesIn(data);
    const run = await author(['apply', await articleFile(work, secondReport()), '--dry-run', '--data', data]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toContain('nothing was written');
    expect(lines.find((line) => line.includes(` ${sourceId} `))).toMatch(/^\s+\+ Source/);
    expect(lines.find((line) => line.includes(' anna-verbeke '))).toMatch(/^\s+\+ Person .*adds the role "Spokeswoman"/);
    expect(lines.find((line) => line.includes(' stoltenberg-calm-de-escalation '))).toMatch(/^\s+~ Statement .*adds a report from "brussels-ledger-allies-share-load"/);
    // Kirby already holds the office: the article's words become more evidence for it, not a second role.
    expect(lines.find((line) => line.includes(' john-kirby '))).toMatch(/^\s+~ Person .*adds evidence to the role "Spokesman"/);
    expect(run.stdout).toContain('9 record(s) would change (5 created, 2 updated, 2 reported).');
    expect(await filesIn(data)).toEqual(before);
  });

  it('applies the whole file, linking records in any order, and applying it again changes nothing', async () => {
    const { data, work } = await workspace();
    const file = await articleFile(work, secondReport());
    const run = await author(['apply', file, '--data', data]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('9 record(s) changed');

    const kb = await loadKnowledgeBase(data);
    const verbeke = kb.storedRecord('anna-verbeke') as PersonRecord;
    const roleWords = 'spokeswoman for the Belgian Foreign Ministry';
    expect(verbeke.roles).toEqual([
      { title: 'Spokeswoman', organizationId: 'belgian-foreign-ministry', countryId: 'belgium', inferred: false, evidence: [{ sourceId, start: articleText.indexOf(roleWords), end: articleText.indexOf(roleWords) + roleWords.length, text: roleWords }] },
    ]);
    expect((kb.storedRecord('belgian-foreign-ministry') as OrganizationRecord).country).toMatchObject({ countryId: 'belgium', inferred: false });
    // An existing statement gains a report in this source's words, with its hedge, and keeps its text.
    const kerry = kb.storedRecord('kerry-calls-on-nato-to-pony-up') as StatementRecord;
    expect(kerry.reports).toHaveLength(2);
    expect(kerry.reports[1]).toMatchObject({ evidence: { sourceId, text: 'every ally should put more money, aircraft and trainers into the campaign against the militants' }, hedge: { sourceId, text: 'reportedly' } });
    expect(kerry.text).toBe('called on NATO countries to pony up more resources to fight the Islamic State');
    expect(kerry.revision).toBe(2);
    // A stored person gains the alias and the role, once revised.
    const kerryPerson = kb.storedRecord('john-kerry') as PersonRecord;
    expect(kerryPerson.aliases).toContain('America’s top diplomat');
    const kirby = kb.storedRecord('john-kirby') as PersonRecord;
    expect(kirby.roles.filter((role) => role.title === 'Spokesman')).toHaveLength(1);
    expect(kirby.roles.find((role) => role.title === 'Spokesman')!.evidence.map((span) => span.sourceId)).toContain(sourceId);

    const applied = await filesIn(data);
    const again = await author(['apply', file, '--data', data]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing changed: everything in the file is already in the knowledge base.');
    expect(await filesIn(data)).toEqual(applied);
  });

  it('refuses a file with a problem as a whole: every problem with its code, file and JSON path, nothing written', async () => {
    const { data, work } = await workspace();
    const content = secondReport();
    content.statements![0]!.attribution = 'said a spokeswoman who is not in the article';
    content.persons![0]!.roles![0]!.organization = 'belgian-foreign-office';
    const file = await articleFile(work, content);
    const before = await filesIn(data);
    for (const args of [['apply', file, '--dry-run', '--data', data], ['apply', file, '--data', data]]) {
      const run = await author(args);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`author: UNKNOWN_REFERENCE: ${file} $.persons[0].roles[0].organization: No record with id "belgian-foreign-office" in the knowledge base or in this file`);
      expect(run.stderr).toContain(`author: EVIDENCE_NOT_FOUND: ${file} $.statements[0].attribution: The words "said a spokeswoman who is not in the article" do not occur in the source text`);
      expect(run.stderr).toMatch(/2 problem\(s\); nothing (would be|was) applied/);
    }
    expect(await filesIn(data)).toEqual(before);
  });

  it('applies several files as one change: a bad second file keeps the good first one out too', async () => {
    const { data, work } = await workspace();
    const good = await articleFile(work, secondReport());
    const bad = await articleFile(work, { source: { title: 'An empty fixture', text: 'Nothing happened (test fixture).' }, persons: [{ id: 'nobody', name: 'Nobody' }] });
    const before = await filesIn(data);
    const run = await author(['apply', good, bad, '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`author: BAD_USER_INPUT: ${bad} $.persons[0].description: A new person needs "description"`);
    expect(await filesIn(data)).toEqual(before);
  });

  it('checks the file against its format: unknown fields, wrong kinds, bad JSON', async () => {
    const { data, work } = await workspace();
    const content = secondReport() as Record<string, any>;
    content.persons[0].nmae = 'typo';
    content.statements[0].kind = 'RUMOUR';
    const run = await author(['apply', await articleFile(work, content), '--dry-run', '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/BAD_USER_INPUT: \S+ \$\.persons\[0\]: Unrecognized key: "nmae"/);
    expect(run.stderr).toMatch(/BAD_USER_INPUT: \S+ \$\.statements\[0\]\.kind: Invalid option: expected one of "QUOTE"\|"PARAPHRASE"\|"INTERPRETATION"/);

    const broken = await articleFile(work, '{ "source": ');
    const parse = await author(['apply', broken, '--data', data]);
    expect(parse.code).toBe(1);
    expect(parse.stderr).toContain(`author: BAD_USER_INPUT: ${broken}: not JSON:`);
  });

  it('asks for "existing" instead of taking an id that is already used, and finds what the curator means', async () => {
    const { data, work } = await workspace();
    const content = secondReport();
    content.persons!.push({ id: 'jens-stoltenberg', name: 'Jens Stoltenberg', description: 'A second Stoltenberg.' });
    content.persons!.push({ id: 'jane-nobody', existing: true, name: 'Jane Nobody' });
    const run = await author(['apply', await articleFile(work, content), '--dry-run', '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DUPLICATE_ID');
    expect(run.stderr).toContain('$.persons[3].id: The person "jens-stoltenberg" already stored has another description; set "existing": true to add to it as it is, give this entry another id, or change the record through the API');
    expect(run.stderr).toContain('UNKNOWN_REFERENCE');
    expect(run.stderr).toContain('$.persons[4].id: No Person with id "jane-nobody" in the knowledge base; set "existing": false to create it');

    const find = await author(['find', 'stoltenberg', '--data', data]);
    expect(find.code).toBe(0);
    expect(find.stdout.split('\n')[0]).toMatch(/^jens-stoltenberg\s+Person\s+Jens Stoltenberg — Secretary General/);
    const alias = await author(['find', 'Daesh', '--data', data]);
    expect(alias.stdout.split('\n')[0]).toMatch(/^islamic-state\s+Organization\s+Islamic State \(also .*Daesh/);
    const bySlug = await author(['find', 'kerry-calls-on-nato-to-pony-up', '--data', data]);
    expect(bySlug.stdout.split('\n')[0]).toMatch(/^kerry-calls-on-nato-to-pony-up\s+Statement\s+“called on NATO countries/);
    const none = await author(['find', 'zzyzx', '--data', data]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('nothing matches "zzyzx"');
  });

  it('merges duplicates named in the file, once', async () => {
    const { data, work } = await workspace();
    const content = secondReport();
    // The article's "top diplomat" drafted as a person of his own, then merged into Kerry.
    content.persons!.push({ id: 'americas-top-diplomat', name: null, label: 'America’s top diplomat', description: 'How the Brussels Ledger refers to Kerry (test fixture).' });
    content.merges = [{ keep: 'john-kerry', merge: 'americas-top-diplomat' }];
    const file = await articleFile(work, content);
    const run = await author(['apply', file, '--data', data]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/> Person\s+americas-top-diplomat\s+creates a Person; merged/);
    const kb = await loadKnowledgeBase(data);
    expect(kb.resolveId('americas-top-diplomat')).toBe('john-kerry');
    const again = await author(['apply', file, '--data', data]);
    expect(again.stdout).toContain('Nothing changed');
  });
});

