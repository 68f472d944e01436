/**
 * The explorer page (/explore) in a real browser: the server started the way `npm start` starts it,
 * Debian's headless Chromium driven by playwright-core. Search as you type, open a person, see their
 * role and their statements with the evidence marked in the source text and the sources that report
 * each, see the neighbourhood graph, click a node and land on that record; open a source's page from a
 * statement card. Everything must come from the server itself, under its Content-Security-Policy.
 * Leaves test-artifacts/explorer.png.
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it).
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, requireChromium } from './browser.js';
import { dataDir, projectRoot } from './helpers.js';
import { startServer, type RunningServer } from './server-process.js';

const artifactsDir = path.join(projectRoot, 'test-artifacts');

interface Span {
  sourceId: string;
  start: number;
  end: number;
  text: string;
}

interface StatementRecord {
  id: string;
  speakerId: string | null;
  /** Each source's account; the fixture has one source, so one report each. */
  reports: { evidence: Span; attribution: Span }[];
}

interface SourceRecord {
  id: string;
  title: string;
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

  beforeAll(() => requireChromium());

  beforeAll(async () => {
    server = await startServer();
  });

  beforeAll(async () => {
    browser = await launchChromium();
    page = await openPage(browser);
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // CSP violations (an inline style cytoscape slipped in, say) are reported on the console as errors.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
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

      // Each statement shows its evidence inside the surrounding source text, the evidence in <mark>, and
      // how many sources report it: in the fixture one, whose words are the ones shown.
      for (const statement of his) {
        const [report] = statement.reports;
        const card = page.locator(`li.statement[data-statement="${statement.id}"]`);
        await card.waitFor();
        expect(await card.locator('blockquote.excerpt mark.evidence').textContent(), statement.id).toBe(report!.evidence.text);
        const excerpt = (await card.locator('blockquote.excerpt').textContent()) ?? '';
        expect(excerpt.length, `${statement.id} is shown with context`).toBeGreaterThan(report!.evidence.text.length);
        expect(await card.locator('.statement-meta .source-count').textContent(), statement.id).toBe('1 source');
        expect(await card.locator('details.reports > summary').textContent(), statement.id).toMatch(/^Reported by 1 source: /);
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

  it("shows each source's wording and attribution one click from a statement card, and opens the source's page from it", async () => {
    const statements = JSON.parse(await readFile(path.join(dataDir, 'statements.json'), 'utf8')) as StatementRecord[];
    const [source] = JSON.parse(await readFile(path.join(dataDir, 'sources.json'), 'utf8')) as SourceRecord[];
    const statement = statements.find((s) => s.speakerId === 'jens-stoltenberg')!;
    const report = statement.reports[0]!;
    const { origin } = server!;
    try {
      await page.goto(`${origin}/explore#/person/jens-stoltenberg`);
      await page.getByRole('heading', { level: 1, name: 'Jens Stoltenberg' }).waitFor();
      const card = page.locator(`li.statement[data-statement="${statement.id}"]`);
      await card.waitFor();

      // The reports are folded away; one click on the summary shows the source, its words and its attribution.
      const reports = card.locator('details.reports');
      expect(await reports.evaluate((details: HTMLDetailsElement) => details.open)).toBe(false);
      await reports.locator('summary').click();
      const item = reports.locator(`li.report[data-source="${source!.id}"]`);
      await item.waitFor();
      expect(await item.locator('.report-source a').textContent()).toBe(source!.title);
      expect(await item.locator('.report-words').textContent()).toContain(report.evidence.text);
      expect(await item.locator('.attribution').textContent()).toContain(`“${report.attribution.text}”`);

      // The excerpt names its source too; following the link opens the source's page.
      const cited = card.locator(':scope > blockquote.excerpt cite a');
      expect(await cited.getAttribute('href')).toBe(`#/source/${source!.id}`);
      await cited.click();
      await page.waitForURL(new RegExp(`#/source/${source!.id}$`));
      await page.getByRole('heading', { level: 1, name: source!.title }).waitFor();
      expect(await page.locator('.entity-head .badge').textContent()).toBe('Source');

      // What it covers, by kind, and the statements it reports, each card with its evidence and source count.
      const covered = (kind: string) => page.locator('.coverage-kind', { has: page.getByRole('heading', { level: 3, name: new RegExp(`^${kind}`) }) });
      expect(await covered('Persons').locator('a').allTextContents()).toContain('Jens Stoltenberg');
      expect(await covered('Organizations').locator('a').allTextContents()).toContain('NATO');
      expect(await covered('Countries').locator('a').allTextContents()).toContain('Turkey');
      expect(await covered('Events').locator('a').count()).toBeGreaterThan(0);
      const statementsHeading = page.getByRole('heading', { level: 2, name: /^Statements it reports/ });
      expect(await statementsHeading.locator('.count').textContent()).toBe(` ${statements.length}`);
      const cards = page.locator('li.statement');
      expect(await cards.count()).toBe(statements.length);
      expect(await cards.locator('.statement-meta .source-count').allTextContents()).toEqual(statements.map(() => '1 source'));
      const first = page.locator(`li.statement[data-statement="${statement.id}"]`);
      expect(await first.locator(':scope > blockquote.excerpt mark.evidence').textContent()).toBe(report.evidence.text);

      // Its full text is one click away too.
      const full = page.locator('details.source-full');
      await full.locator('summary').click();
      expect(await full.locator('.source-text').textContent()).toContain(report.evidence.text);

      // The welcome page lists the sources, linking to the same page.
      await page.goto(`${origin}/explore#/`);
      const listed = page.locator(`#source-list a[href="#/source/${source!.id}"]`);
      await listed.waitFor();
      expect(await listed.textContent()).toBe(source!.title);
      expect(await page.locator('#source-list li').first().textContent()).toContain(`${statements.length} statements`);
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
      await locked.stop();
    }
  }, 60_000);
});
