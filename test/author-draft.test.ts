/**
 * The whole workflow as a curator runs it, in its own processes: `draft` an invented fixture article,
 * `apply --dry-run` the draft untouched, `apply` it, apply it again. The drafting rules themselves are
 * tested case by case in drafting.test.ts; here what matters is that a draft is a valid article file
 * that applies cleanly and links to what the knowledge base already holds.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { articleSchemaFilePath } from '../src/authoring/article-schema-file.js';
import { loadKnowledgeBase } from '../src/kb/load.js';
import type { StatementRecord } from '../src/kb/records.js';
import { author, filesIn, tempDirs, workspace } from './article-files.js';
import { CURATOR_TOKEN, createWritableTestServer, mutate, projectRoot } from './helpers.js';

const fixtures = path.join(projectRoot, 'test/fixtures/drafting');
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(await readFile(articleSchemaFilePath, 'utf8')));

interface DraftedStatement {
  kind: string;
  text: string;
  speaker: string | null;
  existing?: string;
}

describe.concurrent('author draft', () => {
  it('drafts an article into a file that validates, applies untouched, and applies once', async () => {
    const { data, work } = await workspace();
    const out = path.join(work, 'bird-flu-pact.draft.json');
    const drafted = await author(['draft', path.join(fixtures, 'bird-flu-pact.txt'), '--published', '2024-03-14', '--url', 'https://example.test/bird-flu-pact', '--out', out, '--data', data]);
    expect(drafted.code).toBe(0);
    expect(drafted.stdout).toBe('');
    expect(drafted.stderr).toMatch(/^author: drafted \d+ statement\(s\) \(0 already in the knowledge base\), \d+ person\(s\)/);
    expect(drafted.stderr).toContain(`npm run author -- apply ${out} --dry-run`);

    const file = JSON.parse(await readFile(out, 'utf8'));
    expect(path.resolve(work, file.$schema)).toBe(articleSchemaFilePath);
    expect(validate(file), JSON.stringify(validate.errors)).toBe(true);
    expect(file.source).toMatchObject({ text: await readFile(path.join(fixtures, 'bird-flu-pact.txt'), 'utf8'), publishedOn: { value: '2024-03-14' }, origin: 'https://example.test/bird-flu-pact' });
    const statements = file.statements as DraftedStatement[];
    expect(statements.length).toBeGreaterThan(5);
    const personIds = new Set((file.persons as { id: string }[]).map((person) => person.id));
    for (const statement of statements) {
      expect(['QUOTE', 'PARAPHRASE', 'INTERPRETATION']).toContain(statement.kind);
      if (statement.speaker !== null) expect(personIds.has(statement.speaker) || ['Organization', 'Country'].includes((await loadKnowledgeBase(data)).kindOf(statement.speaker) ?? '')).toBe(true);
    }

    const before = await filesIn(data);
    const dryRun = await author(['apply', out, '--dry-run', '--data', data]);
    expect(dryRun.stderr).toBe('');
    expect(dryRun.code).toBe(0);
    expect(await filesIn(data)).toEqual(before);

    const applied = await author(['apply', out, '--data', data]);
    expect(applied.code).toBe(0);
    const kb = await loadKnowledgeBase(data);
    const source = kb.stored.sources.find((each) => each.title === file.source.title)!;
    expect(source.id).toBe(file.source.id);
    expect(source.id.length).toBeLessThanOrEqual(50);
    expect(kb.stored.statements.filter((statement) => statement.reports.some((report) => report.evidence.sourceId === source.id))).toHaveLength(statements.length);

    const again = await author(['apply', out, '--data', data]);
    expect(again.stdout).toContain('Nothing changed');
  });

  it('drafts a report of known statements as new reports of them, not duplicates', async () => {
    const { data, work } = await workspace();
    const out = path.join(work, 'rereport.json');
    const drafted = await author(['draft', path.join(fixtures, 'nato-brussels-rereport.txt'), '--published', '2015-12-02', '--out', out, '--data', data]);
    expect(drafted.code).toBe(0);
    const file = JSON.parse(await readFile(out, 'utf8'));
    const key = JSON.parse(await readFile(path.join(fixtures, 'nato-brussels-rereport.key.json'), 'utf8')) as { quotes: { text: string; existingStatementId?: string }[] };
    // The quotes the key says repeat a stored statement word for word (the others are variants, offered as candidates).
    const stored = (await loadKnowledgeBase(data)).stored.statements;
    const verbatim = key.quotes.filter((quote) => quote.existingStatementId && stored.find((statement) => statement.id === quote.existingStatementId)!.text === quote.text);
    expect(verbatim.length).toBeGreaterThanOrEqual(5);
    for (const quote of verbatim) {
      const statement = (file.statements as DraftedStatement[]).find((each) => each.text === quote.text)!;
      expect(statement.existing, quote.text).toBe(quote.existingStatementId);
    }

    const before = (await loadKnowledgeBase(data)).stored.statements.length;
    const applied = await author(['apply', out, '--data', data]);
    expect(applied.stderr).not.toContain('problem');
    expect(applied.code).toBe(0);
    const kb = await loadKnowledgeBase(data);
    const created = (file.statements as DraftedStatement[]).filter((statement) => !statement.existing).length;
    expect(kb.stored.statements.length).toBe(before + created);
    const calm = kb.storedRecord('stoltenberg-calm-de-escalation') as StatementRecord;
    expect(calm.reports.map((report) => report.evidence.sourceId)).toEqual(['kerry-to-nato-ante-up', file.source.id]);
  });

  it('writes the draft to stdout without --out, and refuses a bad date or a missing file', async () => {
    const { data } = await workspace();
    const run = await author(['draft', path.join(fixtures, 'arctic-shipping-talks.txt'), '--published', '2023-11-16', '--data', data]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).source.publishedOn.value).toBe('2023-11-16');

    const badDate = await author(['draft', path.join(fixtures, 'arctic-shipping-talks.txt'), '--published', '16/11/2023', '--data', data]);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('--published must be YYYY-MM-DD, got "16/11/2023"');
    const missing = await author(['draft', path.join(fixtures, 'no-such-article.txt'), '--data', data]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('author: INVALID_INPUT: cannot read');
  });
});

describe('draftArticle (the API route)', () => {
  it('drafts for a curator, and refuses anyone else', async () => {
    const server = await createWritableTestServer();
    tempDirs.push(server.dir);
    const text = await readFile(path.join(fixtures, 'nato-brussels-rereport.txt'), 'utf8');
    const document = 'query ($text: String!, $publishedOn: Date) { draftArticle(text: $text, publishedOn: $publishedOn) }';
    const drafted = await mutate(server.yoga, document, { text, publishedOn: '2015-12-02' }, CURATOR_TOKEN);
    expect(drafted.errors).toBeUndefined();
    expect(validate(drafted.data.draftArticle), JSON.stringify(validate.errors)).toBe(true);
    expect((drafted.data.draftArticle.statements as DraftedStatement[]).some((statement) => statement.existing === 'stoltenberg-calm-de-escalation')).toBe(true);

    // The draft applies through the API as it is.
    const applied = await mutate(server.yoga, 'mutation ($file: ArticleFile!) { applyArticle(file: $file) { applied problems { path } } }', { file: drafted.data.draftArticle });
    expect(applied.errors).toBeUndefined();
    expect(applied.data.applyArticle.applied).toBe(true);

    const anonymous = await mutate(server.yoga, document, { text }, null);
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });
});
