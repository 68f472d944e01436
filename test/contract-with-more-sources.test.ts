/**
 * The contract of every root collection (test/contract.ts) holds whatever the data folder holds: here it
 * runs against a copy of the fixture data to which a curator has added another article through the API
 * (an invented test article, test/fixtures/articles/third-report.txt), with a new person and statement,
 * a new report of a known statement and new evidence for a known role. The expected ids are read from
 * the files the server wrote, never hard-coded.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { NewsgraphYoga } from '../src/server.js';
import { describeRootCollection, rootCollections } from './contract.js';
import { createCurationTestServer, mutate, projectRoot, queryData, type CurationTestServer } from './helpers.js';

let opened: Promise<CurationTestServer> | undefined;

async function change(yoga: NewsgraphYoga, document: string, variables: Record<string, unknown>): Promise<void> {
  const result = await mutate(yoga, document, variables);
  if (result.errors) throw new Error(`${document}: ${JSON.stringify(result.errors)}`);
}

async function revision(yoga: NewsgraphYoga, field: 'statement' | 'person', slug: string): Promise<number> {
  return (await queryData(yoga, `query($slug: String!) { ${field}(slug: $slug) { revision } }`, { slug }))[field].revision;
}

/** A writable copy of the fixture data with one more article added through the API; opened once for every collection. */
function withAnotherArticle(): Promise<CurationTestServer> {
  opened ??= (async () => {
    const server = await createCurationTestServer();
    const { yoga } = server;
    const source = 'continental-wire-nato-chief-urges-talks';
    const text = await readFile(path.join(projectRoot, 'test/fixtures/articles/third-report.txt'), 'utf8');
    await change(yoga, `mutation($input: CreateSourceInput!) { createSource(input: $input) { datasetVersion } }`, {
      input: { slug: source, title: 'NATO chief urges Moscow-Ankara talks as Kerry seeks more from allies', text, language: 'en' },
    });
    await change(yoga, `mutation($input: CreateStatementInput!) { createStatement(input: $input) { datasetVersion } }`, {
      input: {
        slug: 'test-wire-gathering-overshadowed',
        kind: 'PARAPHRASE',
        words: { source, quote: 'The two-day gathering was also overshadowed by the row between Turkey and Russia' },
        speaker: null,
        attribution: { quote: 'The two-day gathering was also overshadowed' },
        mentions: [{ entity: 'turkey', quote: 'Turkey' }, { entity: 'russia', quote: 'Russia' }],
      },
    });
    await change(yoga, `mutation($input: AddStatementReportInput!) { addStatementReport(input: $input) { datasetVersion } }`, {
      input: {
        statement: 'kirby-secretary-urging-allies',
        expectedRevision: await revision(yoga, 'statement', 'kirby-secretary-urging-allies'),
        words: { source, quote: 'The secretary made clear he was urging all allies to increase their contributions.' },
        attribution: { quote: 'According to a State Department readout of those meetings, spokesman John Kirby said' },
      },
    });
    await change(yoga, `mutation($input: AddEvidenceInput!) { addEvidence(input: $input) { datasetVersion } }`, {
      input: {
        record: 'john-kerry',
        expectedRevision: await revision(yoga, 'person', 'john-kerry'),
        link: 'ROLE',
        position: 0,
        evidence: [{ source, quote: 'U.S. Secretary of State John Kerry' }],
      },
    });
    return server;
  })();
  return opened;
}

afterAll(async () => (await opened)?.close());

for (const spec of Object.values(rootCollections)) {
  describeRootCollection(spec, async () => {
    const server = await withAnotherArticle();
    return { yoga: server.yoga, dir: await server.written() };
  });
}
