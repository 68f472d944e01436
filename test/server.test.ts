import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from './helpers.js';
import { startServer, type RunningServer } from './server-process.js';

/** Every address the page would make the browser load: script and link targets, CSS imports and url()s. */
function loadedAddresses(html: string): string[] {
  const patterns = [/<script[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi, /<link[^>]*\bhref\s*=\s*["']([^"']+)["']/gi, /@import\s+(?:url\()?["']?([^"')\s;]+)/gi, /url\(\s*["']?([^"')]+)["']?\s*\)/gi];
  return patterns.flatMap((pattern) => [...html.matchAll(pattern)].map((match) => match[1]!));
}

describe('the HTTP server', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer();
  });

  afterAll(async () => {
    await server?.stop(); // undefined if it never started
  });

  it('says what it loaded and where GraphiQL is', () => {
    expect(server.output()).toMatch(/loaded 1 sources, 10 persons, 11 countries, 6 organizations, 16 events, 24 statements/);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
  });

  it('answers GraphQL over HTTP', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ person(slug: "jens-stoltenberg") { name roles { title organization { name } } } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/graphql-response+json');
    expect(await response.json()).toEqual({
      data: { person: { name: 'Jens Stoltenberg', roles: [{ title: 'Secretary General', organization: { name: 'NATO' } }] } },
      extensions: { dataset: { version: expect.stringMatching(/^[0-9a-f]{16}$/), loadedAt: expect.any(String) } },
    });
  });

  it('answers the health and readiness endpoints once the data is loaded', async () => {
    expect((await fetch(`${server.origin}/health`)).status).toBe(200);
    const ready = await fetch(`${server.origin}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', dataset: { version: expect.stringMatching(/^[0-9a-f]{16}$/), counts: { statements: 24 } } });
  });

  it('serves GraphiQL from its own dependencies, with an example query, referencing no other host', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('<title>newsgraph · GraphiQL</title>');
    expect(html).toContain('query StatementsWithSpeakers');
    expect(html).toContain('renderYogaGraphiQL');
    expect(html).not.toMatch(/unpkg\.com|cdn\.jsdelivr|esm\.sh|cdnjs/);
    const external = loadedAddresses(html).filter((address) => /^(https?:)?\/\//i.test(address));
    expect(external).toEqual([]);
  });

  it('closes cleanly on SIGTERM', async () => {
    const own = await startServer();
    own.process.kill('SIGTERM');
    expect(await own.exited).toBe(0);
    expect(own.output()).toContain('SIGTERM received, closing');
  });

  it('writes each request\'s log line to stdout within moments, and the last ones when it closes', async () => {
    const own = await startServer();
    const query = (n: number) =>
      fetch(own.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `query Logged${n} { dataset { version } }`, operationName: `Logged${n}` }) });
    const requestLines = () =>
      own
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"request"'))
        .map((line) => JSON.parse(line) as { operationName?: string; status: number });
    try {
      for (let n = 1; n <= 5; n++) expect((await query(n)).status).toBe(200);
      // Lines are gathered for a few milliseconds and written together, with the server otherwise idle.
      const deadline = Date.now() + 2000;
      while (requestLines().length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(requestLines().map((line) => line.operationName)).toEqual(['Logged1', 'Logged2', 'Logged3', 'Logged4', 'Logged5']);
      // Answered just before the signal: their lines may still be gathering, and must not be lost.
      for (let n = 6; n <= 8; n++) expect((await query(n)).status).toBe(200);
      own.process.kill('SIGTERM');
      expect(await own.exited).toBe(0);
      expect(requestLines().map((line) => line.operationName)).toEqual(['Logged1', 'Logged2', 'Logged3', 'Logged4', 'Logged5', 'Logged6', 'Logged7', 'Logged8']);
      expect(own.output()).toContain('SIGTERM received, closing');
    } finally {
      await own.stop();
    }
  });

  it('writes log lines still gathering when the process exits without flushing', () => {
    // process.exit from anywhere, with no logger.flush first: the lines of its last few milliseconds are written at exit.
    const script = "const { createLogger } = await import('./src/logging.ts'); const log = createLogger('info'); log.info('first'); log.warn({ n: 2 }, 'second'); process.exit(3);";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(3);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string; n?: number; service: string });
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: 'first', service: 'newsgraph' }), expect.objectContaining({ level: 40, msg: 'second', n: 2 })]);
  });

  it('keeps the log in order: a request line made later is written before every line logged after it, stamped with its own time', () => {
    // Request lines are made in bulk, after the fact; one made later must still come before a line logged after it, and at exit.
    const script = [
      "const { createLogger, createRequestLog } = await import('./src/logging.ts');",
      "const logger = createLogger('info'); const requests = createRequestLog(logger);",
      "const state = requests.start('first-request'); state.operationName = 'Early';",
      "requests.finish(state, 'POST', '/graphql', 200); const endedAt = Date.now();",
      "const until = Date.now() + 30; while (Date.now() < until);",
      "logger.info({ endedAt }, 'after'); requests.finish(requests.start('second-request'), 'GET', '/health', 404); process.exit(0);",
    ].join(' ');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot, encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; time: string; requestId?: string; operationName?: string; status?: number; outcome?: string; endedAt?: number });
    expect(lines.map((line) => [line.msg, line.requestId])).toEqual([
      ['request', 'first-request'],
      ['after', undefined],
      ['request', 'second-request'],
    ]);
    expect(lines[0]).toMatchObject({ operationName: 'Early', status: 200, outcome: 'ok' });
    expect(lines[2]).toMatchObject({ status: 404, outcome: 'rejected' });
    // The first line carries the time its request ended, not the time it was made (30 ms later, with the second line).
    expect(Date.parse(lines[0]!.time)).toBeLessThanOrEqual(lines[1]!.endedAt!);
    expect(Date.parse(lines[1]!.time) - Date.parse(lines[0]!.time)).toBeGreaterThanOrEqual(25);
  });

  it('closes cleanly on SIGINT', async () => {
    const own = await startServer();
    own.process.kill('SIGINT');
    expect(await own.exited).toBe(0);
  });

  it('refuses to start on a bad PORT, naming the variable', async () => {
    await expect(startServer({ PORT: 'eighty' })).rejects.toThrow(/PORT must be a whole number from 0 to 65535, got "eighty"/);
  });
});

describe('the bundle `npm start` runs', () => {
  // `npm start` builds dist/ with esbuild and runs it on plain Node, without a TypeScript loader: the
  // same code as src/, in a fraction of the memory. Built into a folder of its own under dist/ (where
  // node_modules is found), so a running `npm start` is not disturbed.
  it('builds, starts on plain Node (NODE_ENV preloaded, no TypeScript loader), answers and serves the explorer', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdirSync, mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const path = await import('node:path');
    const { projectRoot } = await import('./helpers.js');
    const scripts = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.start).toContain('npm run build');
    mkdirSync(path.join(projectRoot, 'dist'), { recursive: true });
    const outdir = mkdtempSync(path.join(projectRoot, 'dist', 'test-'));
    // The package's own build command, pointed at the temporary folder.
    const build = scripts.build!.replace('--outdir=dist', `--outdir=${outdir}`).split(' ');
    expect(build).toContain(`--outdir=${outdir}`);
    execFileSync(path.join(projectRoot, 'node_modules/.bin/esbuild'), build.slice(1), { cwd: projectRoot, stdio: 'pipe' });
    // Where the bundle looks for the project (explorer/, packages/client/src/generated/) is found from package.json upwards.
    const bundled = await startServer({ NODE_ENV: '' }, { nodeArgs: ['--import', path.join(outdir, 'node-env.mjs'), path.join(outdir, 'index.mjs')] });
    try {
      const response = await fetch(bundled.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ person(slug: "john-kerry") { name } }' }) });
      expect(await response.json()).toMatchObject({ data: { person: { name: 'John Kerry' } } });
      expect((await fetch(`${bundled.origin}/explore`)).status).toBe(200);
    } finally {
      await bundled.stop();
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);
});
