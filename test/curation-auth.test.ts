/**
 * Only authenticated curators can change the knowledge base; reading stays public. Every mutation the
 * schema has is tried without a token and with a bad one: each is refused as a whole request (HTTP 401,
 * UNAUTHENTICATED, no data) and the files on disk do not change. Tokens are kept hashed and never logged.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CuratorTokens, generateToken, hashToken } from '../src/plugins/auth.js';
import { ConfigError, readConfig } from '../src/config.js';
import { createLogger } from '../src/logging.js';
import { dataFiles } from '../src/kb/records.js';
import { schema } from '../src/schema/index.js';
import { createNewsgraph } from '../src/server.js';
import { CURATOR_TOKEN, createCurationTestServer, loadDataset, mutate, query, silentLogger, type CurationTestServer } from './helpers.js';

const logLines: string[] = [];
const capturingLogger = createLogger(
  'debug',
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

let server: CurationTestServer;
let filesBefore: string[];

async function dataFileContents(dir: string): Promise<string[]> {
  return Promise.all(Object.values(dataFiles).map(({ file }) => readFile(path.join(dir, file), 'utf8')));
}

/** A document for each mutation: `mutation($input: XInput!) { x(input: $input) { __typename } }`. */
const mutationDocuments = Object.values(schema.getMutationType()!.getFields()).map((field) => {
  const variables = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  return { name: field.name, document: `mutation ${field.name[0]!.toUpperCase()}${field.name.slice(1)}(${variables}) { ${field.name}(${args}) { __typename } }` };
});

beforeAll(async () => {
  server = await createCurationTestServer({ logger: capturingLogger });
  filesBefore = await dataFileContents(await server.written());
});

afterAll(() => server.close());

describe('curator authentication', () => {
  it('has mutations to check', () => {
    expect(mutationDocuments.map((m) => m.name)).toEqual(
      expect.arrayContaining(['createPerson', 'updatePerson', 'addRole', 'retractRole', 'addStatementReport', 'retractStatementReport', 'addEvidence', 'mergeEntities']),
    );
  });

  it.each(mutationDocuments)('refuses $name without a token: 401, UNAUTHENTICATED, no data', async ({ document }) => {
    const result = await mutate(server.yoga, document, { input: {} }, null);
    expect(result.status).toBe(401);
    expect(result.headers.get('www-authenticate')).toBe('Bearer realm="newsgraph"');
    expect(result.data).toBeUndefined();
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: 'Changing the knowledge base needs a curator token: send "Authorization: Bearer <token>"',
        extensions: { code: 'UNAUTHENTICATED' },
      }),
    ]);
  });

  it.each(mutationDocuments)('refuses $name with a token that matches no curator', async ({ document }) => {
    const result = await mutate(server.yoga, document, { input: {} }, 'not-a-real-token');
    expect(result.status).toBe(401);
    expect(result.data).toBeUndefined();
    expect(result.errors).toEqual([expect.objectContaining({ message: 'The bearer token is not valid', extensions: { code: 'UNAUTHENTICATED' } })]);
  });

  it('refused a malformed Authorization header the same way', async () => {
    const response = await server.yoga.fetch('http://newsgraph.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic YWxpY2U6c2VjcmV0' },
      body: JSON.stringify({ query: '{ dataset { version } }' }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('changed nothing on disk for any refused mutation', async () => {
    expect(await dataFileContents(await server.written())).toEqual(filesBefore);
  });

  it('keeps reading public: a query without a token is answered', async () => {
    const result = await query(server.yoga, '{ person(slug: "john-kerry") { name revision } }');
    expect(result).toMatchObject({ status: 200, data: { person: { name: 'John Kerry', revision: 1 } } });
  });

  it('refuses a query that carries a bad token, so a client finds a mistyped token at once', async () => {
    const result = await mutate(server.yoga, '{ dataset { version } }', {}, 'mistyped');
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('lets a curator with a valid token mutate, and records who retracted', async () => {
    const created = await mutate(server.yoga, 'mutation { createPerson(input: { slug: "auth-test-person", name: "Auth Test", description: "Made by the auth test." }) { person { slug revision } } }');
    expect(created).toMatchObject({ status: 200, data: { createPerson: { person: { slug: 'auth-test-person', revision: 1 } } } });
    expect(created.errors).toBeUndefined();
  });

  it('never writes a token to the logs', async () => {
    await mutate(server.yoga, 'mutation { updatePerson(input: { person: "auth-test-person", expectedRevision: 99, description: "x" }) { person { slug } } }');
    await mutate(server.yoga, '{ dataset { version } }', {}, 'leaky-wrong-token');
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(CURATOR_TOKEN);
    expect(logs).not.toContain('leaky-wrong-token');
    expect(logs).not.toContain(hashToken(CURATOR_TOKEN));
  });

  it('answers READ_ONLY on a server over a fixed knowledge base, even for a curator', async () => {
    const readOnly = createNewsgraph({ kb: await loadDataset(), logger: silentLogger, curatorTokens: new CuratorTokens([{ name: 'alice', sha256: hashToken(CURATOR_TOKEN) }]) }).yoga;
    const result = await mutate(readOnly, 'mutation { createPerson(input: { name: "Nobody", description: "d" }) { person { slug } } }');
    expect(result.status).toBe(200);
    expect(result.errors).toEqual([expect.objectContaining({ path: ['createPerson'], extensions: { code: 'READ_ONLY' } })]);
  });
});

describe('curator tokens', () => {
  it('matches a generated token to its curator by hash only', () => {
    const { token, entry } = generateToken('bob');
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(entry)).not.toContain(token);
    const tokens = new CuratorTokens([entry, { name: 'alice', sha256: hashToken('other') }]);
    expect(tokens.curatorFor(token)).toEqual({ name: 'bob' });
    expect(tokens.curatorFor(`${token}x`)).toBeUndefined();
    expect(tokens.curatorFor('other')).toEqual({ name: 'alice' });
  });

  it('reads NEWSGRAPH_CURATOR_TOKENS as name:sha256 entries', () => {
    const hash = hashToken('t');
    expect(readConfig({ NEWSGRAPH_CURATOR_TOKENS: `alice:${hash}, bob:${hash}` }).curatorTokens).toEqual([
      { name: 'alice', sha256: hash },
      { name: 'bob', sha256: hash },
    ]);
    expect(readConfig({}).curatorTokens).toEqual([]);
  });

  it('refuses a malformed entry without echoing it (it may be a pasted token)', () => {
    expect(() => readConfig({ NEWSGRAPH_CURATOR_TOKENS: 'alice:ngc_plaintexttoken' })).toThrow(ConfigError);
    try {
      readConfig({ NEWSGRAPH_CURATOR_TOKENS: 'alice:ngc_plaintexttoken' });
    } catch (error) {
      expect((error as Error).message).not.toContain('ngc_plaintexttoken');
    }
  });
});
