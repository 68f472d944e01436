/**
 * Live updates in a real browser: the server started the way `npm start` starts it, on a temporary copy
 * of data/ with a curator token and the folder watched; Debian's headless Chromium driven by
 * playwright-core. An open explorer page shows a mutation and a hand edit of a data file without being
 * reloaded; so does a page on a server in allow-list mode, subscribing by hash; and GraphiQL shows a
 * subscription's event in its result pane. Leaves test-artifacts/live.png.
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage, requireChromium } from './browser.js';
import { CURATOR_TOKEN, copyOfData, curatorTokensEnv, dataDir, projectRoot } from './helpers.js';
import { startServer, type RunningServer } from './server-process.js';

const artifactsDir = path.join(projectRoot, 'test-artifacts');

const CREATE_PERSON = /* GraphQL */ `
  mutation CreatePerson($input: CreatePersonInput!) {
    createPerson(input: $input) {
      datasetVersion
      person {
        slug
      }
    }
  }
`;

/** A person holding an office at NATO, so NATO's page and graph gain them; the evidence is words the source has. */
function natoOfficial(name: string) {
  return {
    name,
    description: `${name}, added while a browser watches.`,
    roles: [{ title: 'Deputy Secretary General', organization: 'nato', evidence: { source: 'kerry-to-nato-ante-up', quote: 'NATO Secretary General' } }],
  };
}


/**
 * Changes one record of a data file in `dir` by hand, saving as editors do: written aside, then
 * renamed over the file, so the server's watcher never reads half a file.
 */
async function editRecord(dir: string, file: string, id: string, edit: (record: Record<string, unknown>) => void): Promise<void> {
  const records = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Record<string, unknown>[];
  const record = records.find((candidate) => candidate.id === id);
  if (!record) throw new Error(`${file} has no record ${id}`);
  edit(record);
  const aside = path.join(tmpdir(), `newsgraph-live-${process.pid}-${file}`);
  await writeFile(aside, `${JSON.stringify(records, null, 2)}\n`);
  await rename(aside, path.join(dir, file));
}


/** What a Monaco editor shows: its rendered lines, with Monaco's non-breaking spaces made plain. */
async function editorText(page: Page, region: string): Promise<string> {
  const text = await page.getByRole('region', { name: region }).locator('.monaco-editor .view-lines').innerText();
  return text.replace(/\u00a0/g, ' ');
}

/** The labels of the nodes cytoscape holds, through the handle the page exposes. */
function graphLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => (window.__explorer?.graph.nodes().map((node) => node.data('label') as string) ?? []));
}

describe('live updates in a real browser', () => {
  let dir: string;
  let allowListDir: string;
  let server: RunningServer | undefined;
  let allowListServer: RunningServer | undefined;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const elsewhere: string[] = [];

  /** Runs a mutation as the curator, the way a curation tool would, and returns its data. */
  async function mutate<T>(document: string, variables: Record<string, unknown>): Promise<T> {
    const response = await fetch(server!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CURATOR_TOKEN}` },
      body: JSON.stringify({ query: document, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(response.status).toBe(200);
    return body.data!;
  }

  /** A page that records errors, CSP violations and any request to another host. */
  async function watchedPage(): Promise<Page> {
    const page = await openPage(browser!);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('request', (request) => {
      const url = request.url();
      const ours = [server, allowListServer].some((running) => running && new URL(url).host === `127.0.0.1:${running.port}`);
      if (!url.startsWith('data:') && !url.startsWith('blob:') && !ours) elsewhere.push(url);
    });
    return page;
  }

  async function screenshotOnFailure<T>(page: Page, name: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: path.join(artifactsDir, `${name}-failure.png`) }).catch(() => undefined);
      throw error;
    }
  }

  beforeAll(() => requireChromium());

  beforeAll(async () => {
    [dir, allowListDir] = await Promise.all([copyOfData('live'), copyOfData('live')]);
    // Started side by side, and each kept as soon as it is up, so afterAll stops whatever did start.
    const started = await Promise.allSettled([
      startServer({ DATA_DIR: dir, NEWSGRAPH_CURATOR_TOKENS: curatorTokensEnv, NEWSGRAPH_WATCH: 'true' }).then((running) => (server = running)),
      // The allow-list page's server: it runs only the manifest's documents, so it has no curators.
      startServer({ DATA_DIR: allowListDir, NEWSGRAPH_PERSISTED_ONLY: 'true', NEWSGRAPH_INTROSPECTION: 'false', NEWSGRAPH_WATCH: 'true' }).then((running) => (allowListServer = running)),
      launchChromium().then((launched) => (browser = launched)),
    ]);
    for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.stop(), allowListServer?.stop()]);
    await Promise.all([dir, allowListDir].map((d) => d && rm(d, { recursive: true, force: true })));
  });

  it('shows a mutation and a hand edit on the open explorer page, without reloading it', async () => {
    const persons = JSON.parse(await readFile(path.join(dataDir, 'persons.json'), 'utf8')) as { roles: { organizationId?: string }[] }[];
    const natoRoles = persons.flatMap((person) => person.roles).filter((role) => role.organizationId === 'nato').length;
    const page = await watchedPage();
    let documentLoads = 0;
    page.on('request', (request) => {
      if (request.resourceType() === 'document') documentLoads += 1;
    });
    const { origin } = server!;

    await screenshotOnFailure(page, 'live', async () => {
      expect((await page.goto(`${origin}/explore#/organization/nato`))?.status()).toBe(200);
      await page.getByRole('heading', { level: 1, name: 'NATO' }).waitFor();
      // Changes are announced only to subscribers, so the test changes nothing before the page listens.
      await page.locator('#live-state[data-state="live"]').waitFor();
      expect(await page.locator('#live-state').textContent()).toBe('Live');
      expect(await page.locator('#live-notice').isHidden()).toBe(true);
      const holders = page.locator('section', { has: page.getByRole('heading', { level: 2, name: /^Office holders/ }) });
      expect(await holders.locator('h2 .count').textContent()).toBe(` ${natoRoles}`);
      await expect.poll(() => graphLabels(page)).toContain('Jens Stoltenberg');
      expect(await graphLabels(page)).not.toContain('Marit Livetest');
      // Survives only if the page is never loaded again.
      await page.evaluate(() => Object.assign(window, { sameDocument: true }));

      // A curator adds a person with an office at NATO.
      const { createPerson } = await mutate<{ createPerson: { datasetVersion: string; person: { slug: string } } }>(CREATE_PERSON, { input: natoOfficial('Marit Livetest') });
      expect(createPerson.person.slug).toBe('marit-livetest');

      const notice = page.locator('#live-notice');
      await notice.filter({ hasText: createPerson.datasetVersion }).waitFor();
      expect(await notice.textContent()).toBe(`Updated: 1 person created (Marit Livetest) · dataset version ${createPerson.datasetVersion}`);
      expect(await notice.getByRole('link', { name: 'Marit Livetest' }).getAttribute('href')).toBe('#/person/marit-livetest');
      // The record shown and its graph have been fetched again.
      await holders.getByRole('link', { name: 'Marit Livetest' }).waitFor();
      expect(await holders.locator('h2 .count').textContent()).toBe(` ${natoRoles + 1}`);
      expect(await holders.locator('.role-title').allTextContents()).toEqual(expect.arrayContaining(['Secretary General', 'Deputy Secretary General']));
      await expect.poll(() => graphLabels(page)).toContain('Marit Livetest');

      // Someone edits organizations.json by hand; the server notices, and so does the page.
      await editRecord(dir, 'organizations.json', 'nato', (nato) => {
        nato.description = `${String(nato.description)} Edited by hand while the page was open.`;
      });

      await page.locator('.entity-head .description', { hasText: 'Edited by hand while the page was open.' }).waitFor();
      await notice.filter({ hasText: 'Updated from the data files: 1 organization updated (NATO)' }).waitFor();
      const version = /dataset version ([0-9a-f]+)$/.exec((await notice.textContent()) ?? '')?.[1];
      expect(version).toMatch(/^[0-9a-f]{16}$/);
      expect(version).not.toBe(createPerson.datasetVersion);
      expect((await (await fetch(`${origin}/ready`)).json()) as unknown).toMatchObject({ dataset: { version } });

      // Same document throughout: one page load, the marker still there, the route unchanged.
      expect(documentLoads).toBe(1);
      expect(await page.evaluate(() => (window as { sameDocument?: boolean }).sameDocument)).toBe(true);
      expect(await page.evaluate(() => window.__explorer?.route())).toEqual({ kind: 'organization', slug: 'nato' });
      expect(await page.locator('#live-state').textContent()).toBe('Live');

      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: path.join(artifactsDir, 'live.png') });
    });
    await page.close();
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(elsewhere).toEqual([]);
  });

  it('shows a subscription event in GraphiQL when a mutation is made', async () => {
    const page = await watchedPage();
    const { origin } = server!;

    await screenshotOnFailure(page, 'live-graphiql', async () => {
      expect((await page.goto(`${origin}/graphql`))?.status()).toBe(200);
      const queryEditor = page.getByRole('region', { name: 'Operation Editor' });
      await queryEditor.locator('.monaco-editor .view-lines', { hasText: 'StatementsWithSpeakers' }).waitFor();

      // Replace the example with the subscription, as a user would: select all, then type. insertText
      // enters the text in one go, so the editor does not add closing braces of its own.
      await queryEditor.locator('.monaco-editor').click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText('subscription Watch { datasetChanged { cause changes { change node { __typename ... on Entity { displayName } } } } }');
      await expect.poll(() => editorText(page, 'Operation Editor')).toBe('subscription Watch { datasetChanged { cause changes { change node { __typename ... on Entity { displayName } } } } }');

      // GraphiQL reads the operation's name a moment after the typing stops; running before that runs the old one.
      await page.getByRole('tab', { name: 'Watch' }).waitFor();

      const subscribed = page.waitForRequest((r) => r.url().startsWith(`${origin}/graphql`) && (r.postData() ?? r.url()).includes('Watch'));
      await page.getByRole('button', { name: /^Execute query/ }).click();
      const request = await subscribed;
      expect(request.headers().accept).toContain('text/event-stream');
      // The stream is open once the response has started; only then is a change sure to reach it.
      await request.response();

      await mutate(CREATE_PERSON, { input: natoOfficial('Lin Graphiql') });

      const resultPane = page.getByRole('region', { name: 'Result Window' });
      await resultPane.locator('.monaco-editor .view-lines', { hasText: 'Lin Graphiql' }).waitFor();
      const shown = await editorText(page, 'Result Window');
      expect(shown).toContain('"cause": "MUTATION"');
      expect(shown).toContain('"change": "CREATED"');
      expect(shown).toContain('"__typename": "Person"');
      expect(shown).toContain('"displayName": "Lin Graphiql"');
      expect(shown).not.toContain('"errors"');
    });
    await page.close();
    expect(pageErrors).toEqual([]);
    expect(elsewhere).toEqual([]);
  });

  it('stays live in allow-list mode, subscribing by the hash the manifest lists', async () => {
    const page = await watchedPage();
    const subscriptions: string[] = [];
    page.on('request', (request) => {
      if (request.headers().accept === 'text/event-stream') subscriptions.push(request.postData() ?? '');
    });

    await screenshotOnFailure(page, 'live-allow-list', async () => {
      expect((await page.goto(`${allowListServer!.origin}/explore#/person/jens-stoltenberg`))?.status()).toBe(200);
      await page.getByRole('heading', { level: 1, name: 'Jens Stoltenberg' }).waitFor();
      await page.locator('#live-state[data-state="live"]').waitFor();

      // Allow-list mode refuses mutation text too, so the change is a hand edit of persons.json.
      await editRecord(allowListDir, 'persons.json', 'jens-stoltenberg', (person) => {
        person.description = 'Secretary General of NATO, as edited by hand.';
      });
      await page.locator('.entity-head .description', { hasText: 'Secretary General of NATO, as edited by hand.' }).waitFor();
      await page.locator('#live-notice', { hasText: 'Updated from the data files: 1 person updated (Jens Stoltenberg)' }).waitFor();
    });
    await page.close();
    // Whether it tried the text first or not, the stream that stayed open was asked for by hash alone.
    const open = subscriptions.at(-1) ?? '';
    expect(JSON.parse(open)).toMatchObject({ operationName: 'DatasetChanged', extensions: { persistedQuery: { version: 1, sha256Hash: expect.stringMatching(/^[0-9a-f]{64}$/) } } });
    expect(open).not.toContain('"query"');
    expect(pageErrors).toEqual([]);
    expect(elsewhere).toEqual([]);
  });
});
