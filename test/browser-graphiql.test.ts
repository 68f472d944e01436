/**
 * GraphiQL in a real browser: the server started the way `npm start` starts it, Debian's headless
 * Chromium driven by playwright-core. The page must load everything from the server itself (no CDN),
 * open with the example query, run it, and show the dataset's answer in the result pane.
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

  beforeAll(() => requireChromium());

  beforeAll(async () => {
    server = await startServer();
  });

  beforeAll(async () => {
    browser = await launchChromium();
    page = await openPage(browser);
    page.on('request', (request) => requests.push({ method: request.method(), url: request.url() }));
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens with the example query, runs it and shows the dataset, loading nothing from another host', async () => {
    const statements = JSON.parse(await readFile(path.join(dataDir, 'statements.json'), 'utf8')) as { speakerId: string | null; reports: { evidence: { start: number } }[] }[];
    const persons = JSON.parse(await readFile(path.join(dataDir, 'persons.json'), 'utf8')) as { id: string; name: string | null }[];
    // The statements connection lists in source order, so the first result is the earliest statement in the
    // text (the fixture has one source, so each statement's first report is in it).
    const first = [...statements].sort((a, b) => a.reports[0]!.evidence.start - b.reports[0]!.evidence.start)[0]!;
    const firstSpeaker = persons.find((person) => person.id === first.speakerId)!.name!;
    expect(firstSpeaker).toBe('John Kerry');

    const { origin } = server!;
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
