/**
 * The explorer page (/explore) in a real browser: the server started the way `npm start` starts it,
 * Debian's headless Chromium driven by playwright-core. Search as you type, open a person, see their
 * role and their statements with the evidence marked in the source text, see the neighbourhood graph,
 * click a node and land on that record. Everything must come from the server itself, under its
 * Content-Security-Policy. Leaves test-artifacts/explorer.png.
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
  // No --user-data-dir: playwright-core's `launch` gives every launch a fresh temporary profile itself.
];
const artifactsDir = path.join(projectRoot, 'test-artifacts');

interface StatementRecord {
  id: string;
  speakerId: string | null;
  evidence: { start: number; end: number; text: string };
}

interface RunningServer {
  process: ChildProcessWithoutNullStreams;
  origin: string;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * The TCP port a process listens on at 127.0.0.1, read from /proc (Linux): with LOG_LEVEL=warn the
 * server does not log its address, so its listening socket is where the port PORT=0 chose shows.
 */
async function listeningPort(pid: number): Promise<number | undefined> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const match = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''));
    if (match) inodes.add(match[1]!);
  }
  for (const line of (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1)) {
    // sl local_address rem_address st … inode: state 0A is LISTEN, 0100007F is 127.0.0.1.
    const fields = line.trim().split(/\s+/);
    const [address, port] = (fields[1] ?? '').split(':');
    if (fields[3] === '0A' && address === '0100007F' && inodes.has(fields[9] ?? '')) return Number.parseInt(port!, 16);
  }
  return undefined;
}

/** Starts `src/index.ts` on a free port at 127.0.0.1 (with `env` added) and waits until it listens with its data loaded. */
async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawnScript(['src/index.ts'], { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 25_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before listening:\n${output}`);
    const port = await listeningPort(child.pid!);
    if (port !== undefined) {
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
      if (ready?.status === 200) return { process: child, origin: `http://127.0.0.1:${port}`, output: () => output, exited };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not listen at 127.0.0.1 within 25 s:\n${output}`);
}

async function stopServer(server: RunningServer | undefined): Promise<void> {
  if (!server || server.process.exitCode !== null || server.process.signalCode !== null) return;
  server.process.kill('SIGTERM');
  const timer = setTimeout(() => server.process.kill('SIGKILL'), 5_000);
  await server.exited;
  clearTimeout(timer);
}

/** The number of nodes cytoscape holds, and the label of the one at the centre, through the handle the page exposes. */
function graphState(page: Page): Promise<{ nodes: number; center: string | null }> {
  return page.evaluate(() => {
    const graph = window.__explorer?.graph;
    return { nodes: graph?.nodes().length ?? 0, center: (graph?.nodes('[distance = 0]').first().data('label') as string | undefined) ?? null };
  });
}

describe('the explorer in a real browser', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(() => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `The explorer's browser test needs Debian's Chromium at ${CHROMIUM}, which is not installed. ` +
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
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // CSP violations (an inline style cytoscape slipped in, say) are reported on the console as errors.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stopServer(server);
  });

  it('serves the page with a strict Content-Security-Policy and versioned, cacheable assets', async () => {
    const response = await fetch(`${server!.origin}/explore`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const html = await response.text();
    const script = /<script type="module" src="(\/explore\/app\.js\?v=[0-9a-f]{16})"/.exec(html)?.[1];
    const style = /href="(\/explore\/app\.css\?v=[0-9a-f]{16})"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();

    const js = await fetch(`${server!.origin}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await js.text()).length).toBeGreaterThan(100_000); // cytoscape is bundled in
    const again = await fetch(`${server!.origin}${script}`, { headers: { 'if-none-match': js.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const css = await fetch(`${server!.origin}${style}`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${server!.origin}/explore/nothing-here`)).status).toBe(404);
  });

  it('searches as you type, opens Jens Stoltenberg with his evidence marked in the source, draws his graph and follows a click', async () => {
    const statements = JSON.parse(await readFile(path.join(dataDir, 'statements.json'), 'utf8')) as StatementRecord[];
    const his = statements.filter((statement) => statement.speakerId === 'jens-stoltenberg');
    expect(his.length).toBeGreaterThan(0);
    const { origin } = server!;

    try {
      expect((await page.goto(`${origin}/explore`))?.status()).toBe(200);
      await page.waitForFunction(() => window.__explorer !== undefined);

      // As-you-type: no Enter, just the keystrokes; the hit says its type and where it matched.
      const search = page.getByLabel('Search people, countries, organizations, events and statements');
      await search.pressSequentially('stolten', { delay: 40 });
      const hit = page.locator('#search-results a.hit[href="#/person/jens-stoltenberg"]');
      await hit.waitFor();
      expect(await hit.locator('.hit-title').textContent()).toBe('Jens Stoltenberg');
      await expect.poll(() => hit.locator('.badge').textContent()).toBe('Person');
      expect(await hit.locator('.hit-match').textContent()).toContain('matched alias “Stoltenberg”');
      expect(await hit.locator('mark').first().textContent()).toBe('Stoltenberg');

      // The results are reachable from the keyboard: ↓ focuses the first, Enter opens it.
      await search.press('ArrowDown');
      expect(await page.evaluate(() => document.activeElement?.textContent ?? '')).toContain('Jens Stoltenberg');
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/person\/jens-stoltenberg$/);
      await page.getByRole('heading', { level: 1, name: 'Jens Stoltenberg' }).waitFor();
      expect(await page.locator('#search-results').isHidden()).toBe(true);

      expect(await page.locator('.roles .role-title').allTextContents()).toContain('Secretary General');

      // Each statement shows its evidence inside the surrounding source text, the evidence in <mark>.
      for (const statement of his) {
        const card = page.locator(`li.statement[data-statement="${statement.id}"]`);
        await card.waitFor();
        expect(await card.locator('blockquote.excerpt mark.evidence').textContent(), statement.id).toBe(statement.evidence.text);
        const excerpt = (await card.locator('blockquote.excerpt').textContent()) ?? '';
        expect(excerpt.length, `${statement.id} is shown with context`).toBeGreaterThan(statement.evidence.text.length);
      }

      // The neighbourhood, drawn by cytoscape on its canvas, centred on him.
      await page.waitForFunction(() => (window.__explorer?.graph.nodes().length ?? 0) > 1);
      expect(await graphState(page)).toMatchObject({ nodes: expect.any(Number), center: 'Jens Stoltenberg' });
      expect((await graphState(page)).nodes).toBeGreaterThan(his.length);
      const canvas = await page.locator('#graph canvas').first().boundingBox();
      expect(canvas?.width).toBeGreaterThan(200);
      expect(canvas?.height).toBeGreaterThan(200);

      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: path.join(artifactsDir, 'explorer.png') });

      // A real click on the NATO node, where cytoscape drew it, opens NATO and re-centres the graph.
      const nato = await page.evaluate(() => {
        const node = window.__explorer!.graph.nodes('[slug = "nato"]').first();
        return node.empty() ? null : node.renderedPosition();
      });
      expect(nato, 'NATO is one of his neighbours').not.toBeNull();
      const box = (await page.locator('#graph').boundingBox())!;
      await page.mouse.click(box.x + nato!.x, box.y + nato!.y);
      await page.waitForURL(/#\/organization\/nato$/);
      await page.getByRole('heading', { level: 1, name: 'NATO' }).waitFor();
      await expect.poll(async () => (await graphState(page)).center).toBe('NATO');
    } catch (error) {
      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: path.join(artifactsDir, 'explorer-failure.png') }).catch(() => undefined);
      throw error;
    }

    // Everything came from this server: the page, its bundle and stylesheet, and the GraphQL requests.
    expect(requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin)).toEqual([]);
    expect(requests.some((url) => url === `${origin}/graphql`)).toBe(true);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('works in allow-list mode with introspection off, sending the shipped documents by hash', async () => {
    const locked = await startServer({ NEWSGRAPH_PERSISTED_ONLY: 'true', NEWSGRAPH_INTROSPECTION: 'false' });
    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const own = await context.newPage();
      own.setDefaultTimeout(15_000);
      const bodies: string[] = [];
      own.on('request', (request) => {
        if (request.url() === `${locked.origin}/graphql`) bodies.push(request.postData() ?? '');
      });
      await own.goto(`${locked.origin}/explore#/person/jens-stoltenberg`);
      await own.getByRole('heading', { level: 1, name: 'Jens Stoltenberg' }).waitFor();
      expect(await own.locator('.roles .role-title').allTextContents()).toContain('Secretary General');
      await own.locator('li.statement mark.evidence').first().waitFor();
      await own.waitForFunction(() => (window.__explorer?.graph.nodes().length ?? 0) > 1);
      // The requests sent at the start carry text and are refused; from the first hash on, only hashes are sent.
      const byHash = (body: string) => body.includes('"sha256Hash"') && !body.includes('"query"');
      const firstHash = bodies.findIndex(byHash);
      expect(firstHash).toBeGreaterThan(0);
      expect(bodies.slice(firstHash).every(byHash)).toBe(true);
    } finally {
      await context.close();
      await stopServer(locked);
    }
  }, 60_000);
});
