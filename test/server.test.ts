import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnScript } from './helpers.js';

interface RunningServer {
  process: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `src/index.ts` the way `npm start` does, on a free port, and waits until it listens. */
async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawnScript(['src/index.ts'], { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), 20_000);
    const check = () => {
      const match = /GraphiQL at (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  return { process: child, url, output: () => output, exited };
}

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
    if (server.process.exitCode === null) {
      server.process.kill('SIGKILL');
      await server.exited;
    }
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
    const base = new URL(server.url).origin;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
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

  it('closes cleanly on SIGINT', async () => {
    const own = await startServer();
    own.process.kill('SIGINT');
    expect(await own.exited).toBe(0);
  });

  it('refuses to start on a bad PORT, naming the variable', async () => {
    await expect(startServer({ PORT: 'eighty' })).rejects.toThrow(/PORT must be a whole number from 0 to 65535, got "eighty"/);
  });
});
