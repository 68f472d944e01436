/**
 * GraphiQL in a real browser: the server started the way `npm start` starts it, Debian's headless
 * Chromium driven by playwright-core. The page must load everything from the server itself (no CDN),
 * open with the example query, run it, and show the dataset's answer in the result pane.
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir, projectRoot, spawnScript } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // No --user-data-dir: playwright-core refuses it in `launch` and gives every launch a fresh temporary profile itself.
];
const artifactsDir = path.join(projectRoot, 'test-artifacts');

interface RunningServer {
  process: ChildProcessWithoutNullStreams;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The TCP port a process listens on at 127.0.0.1, read from /proc (Linux). With LOG_LEVEL=warn the
 * server does not log its address, so the socket it owns is the only place the port chosen by PORT=0 shows.
 */
async function listeningPort(pid: number): Promise<number | undefined> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const match = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''));
    if (match) inodes.add(match[1]!);
  }
  for (const line of (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    const fields = line.trim().split(/\s+/);
    const [address, port] = (fields[1] ?? '').split(':');
    if (fields[3] === '0A' && address === '0100007F' && inodes.has(fields[9] ?? '')) return Number.parseInt(port!, 16);
  }
  return undefined;
}

/** Starts `src/index.ts` on a free port at 127.0.0.1 and waits until it listens and its data is loaded. */
async function startServer(): Promise<RunningServer> {
  const child = spawnScript(['src/index.ts'], { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const server: RunningServer = { process: child, port: 0, output: () => output, exited };
  const deadline = Date.now() + 25_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before listening:\n${output}`);
    const port = await listeningPort(child.pid!);
    if (port !== undefined) {
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
      if (ready?.status === 200) return { ...server, port };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not listen at 127.0.0.1 within 25 s:\n${output}`);
}

/** What a Monaco editor shows: its rendered lines, with Monaco's non-breaking spaces made plain. */
async function editorText(page: Page, region: string): Promise<string> {
  const text = await page.getByRole('region', { name: region }).locator('.monaco-editor .view-lines').innerText();
  return text.replace(/\u00a0/g, ' ');
}

describe('GraphiQL in a real browser', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const requests: { method: string; url: string }[] = [];
  const pageErrors: string[] = [];

  beforeAll(() => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `The browser test needs Debian's Chromium at ${CHROMIUM}, which is not installed. ` +
          'Install it with `apt-get install -y chromium` (as root; .ci/run installs it in CI).',
      );
    }
  });

  beforeAll(async () => {
    server = await startServer();
  });

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(15_000);
    page.on('request', (request) => requests.push({ method: request.method(), url: request.url() }));
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (server && server.process.exitCode === null && server.process.signalCode === null) {
      server.process.kill('SIGTERM');
      const timer = setTimeout(() => server!.process.kill('SIGKILL'), 5_000);
      await server.exited;
      clearTimeout(timer);
    }
  });

  it('opens with the example query, runs it and shows the dataset, loading nothing from another host', async () => {
    const statements = JSON.parse(await readFile(path.join(dataDir, 'statements.json'), 'utf8')) as { speakerId: string | null; evidence: { start: number } }[];
    const persons = JSON.parse(await readFile(path.join(dataDir, 'persons.json'), 'utf8')) as { id: string; name: string | null }[];
    // The statements connection lists in source order, so the first result is the earliest statement in the text.
    const first = [...statements].sort((a, b) => a.evidence.start - b.evidence.start)[0]!;
    const firstSpeaker = persons.find((person) => person.id === first.speakerId)!.name!;
    expect(firstSpeaker).toBe('John Kerry');

    const origin = `http://127.0.0.1:${server!.port}`;
    try {
      const response = await page.goto(`${origin}/graphql`);
      expect(response?.status()).toBe(200);
      expect(await page.title()).toBe('newsgraph · GraphiQL');

      // The operation editor (Monaco) renders with the default query.
      const queryEditor = page.getByRole('region', { name: 'Operation Editor' });
      await queryEditor.locator('.monaco-editor .view-lines', { hasText: 'StatementsWithSpeakers' }).waitFor();
      expect(await editorText(page, 'Operation Editor')).toContain('query StatementsWithSpeakers {');

      // Run it with the toolbar's run button and read the answer from the result pane.
      const answered = page.waitForResponse(
        (r) => r.url() === `${origin}/graphql` && r.request().method() === 'POST' && (r.request().postData() ?? '').includes('StatementsWithSpeakers'),
      );
      await page.getByRole('button', { name: /^Execute query/ }).click();
      const body = (await (await answered).json()) as { data?: { statements: { totalCount: number } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.statements.totalCount).toBe(statements.length);

      const resultPane = page.getByRole('region', { name: 'Result Window' });
      await resultPane.locator('.monaco-editor .view-lines', { hasText: firstSpeaker }).waitFor();
      const shown = await editorText(page, 'Result Window');
      expect(shown).toContain(`"totalCount": ${statements.length},`);
      expect(shown).toContain(`"displayName": "${firstSpeaker}"`);
      expect(shown).not.toContain('"errors"');

      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: path.join(artifactsDir, 'browser-graphiql.png') });
    } catch (error) {
      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: path.join(artifactsDir, 'browser-graphiql-failure.png') }).catch(() => undefined);
      throw error;
    }

    // Everything came from the server itself: GraphiQL, its styles, fonts and workers (blob: URLs), the queries.
    const elsewhere = requests.filter(({ url }) => {
      if (url.startsWith('data:') || url.startsWith('blob:')) return false;
      return new URL(url).host !== `127.0.0.1:${server!.port}`;
    });
    expect(elsewhere).toEqual([]);
    expect(requests.filter(({ method, url }) => method === 'POST' && url === `${origin}/graphql`).length).toBeGreaterThanOrEqual(2); // schema, then the query
    expect(pageErrors).toEqual([]);
  });
});
