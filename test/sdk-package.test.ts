/**
 * The SDK as its users install it: `npm pack` of packages/client, the tarball installed offline with
 * `graphql` into a fresh project outside the repository, and that project using it four ways against
 * a real server (a writable copy of the fixture data, a curator's token):
 *
 * - plain Node ESM (`node app.mjs`: no loader, no TypeScript): every statement page by page, and a
 *   subscription that hears of a curator's mutation;
 * - TypeScript: `tsc --noEmit` passes under module/moduleResolution nodenext and esnext/bundler, with the
 *   package's own .d.ts checked (skipLibCheck off), and fails with TS2339 on a field the query did not select;
 * - a browser: an esbuild bundle (esm, platform browser) in headless Chromium on another origin than
 *   the server, without graphql's printer in it;
 * - its weight: bytes installed and dependencies pulled in, against budgets.
 *
 * The consumer's sources are test/fixtures/sdk-consumer/. Nothing here reads the workspace's
 * node_modules/@newsgraph/client (a link to packages/client): only the installed copy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage } from './browser.js';
import { copyOfData, CURATOR_TOKEN, curatorTokensEnv, dataDir, projectRoot } from './helpers.js';
import { startServer, type RunningServer } from './server-process.js';

const PACKAGE = '@newsgraph/client';
const clientDir = path.join(projectRoot, 'packages/client');
const fixtureDir = path.join(projectRoot, 'test/fixtures/sdk-consumer');
const tsc = path.join(projectRoot, 'node_modules/typescript/bin/tsc');

/**
 * The installed package's bytes (files under node_modules/@newsgraph/client). Measured at 1,471,334
 * (1.0.0: dist ≈ 1.04 MB of which source maps ≈ 0.42 MB, src ≈ 0.42 MB; most of it the generated
 * documents and their types, which grow with the operations). The budget, 2 MiB, leaves about a third
 * for growth; a browser bundle carries only what it imports (see BUNDLE_BYTES_BUDGET).
 */
const PACKAGE_BYTES_BUDGET = 2 * 1024 * 1024;
/** Packages installed besides @newsgraph/client and the graphql the consumer asked for (1.0.0: @graphql-typed-document-node/core). */
const DEPENDENCY_BUDGET = 2;
/** The browser bundle of browser.ts (1.0.0: about 71 KB unminified; every shipped document's text is in it). */
const BUNDLE_BYTES_BUDGET = 200 * 1024;

let workDir: string;
let consumerDir: string;
let serverDataDir: string | undefined;
let server: RunningServer | undefined;
let browser: Browser | undefined;
let pageServer: Server | undefined;
/** Whether the install needed the network (`--prefer-offline`) because the npm cache could not answer it alone. */
let installMode: '--offline' | '--prefer-offline';
const timings: Record<string, number> = {};
const children = new Set<ChildProcess>();

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end (killing it after `timeoutMs`), with its output; never rejects for a non-zero exit. */
function run(command: string, args: string[], { cwd, env = npmEnv(), timeoutMs = 120_000 }: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      if (timedOut) stderr += `\n[killed: still running after ${timeoutMs} ms]`;
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}

/** Like `run`, but a non-zero exit fails with the command and its output. */
async function runOk(command: string, args: string[], options: Parameters<typeof run>[2]): Promise<Ran> {
  const ran = await run(command, args, options);
  if (ran.code !== 0) throw new Error(`\`${command} ${args.join(' ')}\` exited with ${ran.code}:\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

/**
 * The environment for npm and the consumer's programs: this one without what `npx vitest` (or an npm
 * script) adds about the repository (npm_config_local_prefix, npm_package_*, …), which must not steer an
 * install in another folder, and without NODE_OPTIONS. npm's own settings (cache, registry) stay.
 */
function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept = /^npm_config_(cache|registry|userconfig|globalconfig|cafile|strict_ssl|proxy|https_proxy|noproxy)$/i;
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || kept.test(key)));
  delete env.NODE_OPTIONS;
  return { ...env, ...extra };
}

/** Every file under `dir`, recursively, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

/** The newest modification time of the files under `dir`. */
async function newestUnder(dir: string): Promise<number> {
  const times = await Promise.all((await filesUnder(dir)).map(async (file) => (await stat(path.join(dir, file))).mtimeMs));
  return Math.max(0, ...times);
}

/** The packages in a node_modules folder (scoped ones as "@scope/name"). */
async function packagesIn(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || !entry.isDirectory()) continue;
    if (entry.name.startsWith('@')) {
      for (const scoped of await readdir(path.join(nodeModules, entry.name))) names.push(`${entry.name}/${scoped}`);
    } else {
      names.push(entry.name);
    }
  }
  return names.sort();
}

/** Builds packages/client/dist when it is missing or older than the sources (the repository's `prepare` normally has). */
async function ensureBuilt(): Promise<void> {
  const built = await stat(path.join(clientDir, 'dist/index.js')).then((s) => s.mtimeMs, () => 0);
  const sources = Math.max(await newestUnder(path.join(clientDir, 'src')), (await stat(path.join(clientDir, 'tsconfig.build.json'))).mtimeMs);
  if (built > sources) return;
  const ran = await runOk('npm', ['run', 'build:client'], { cwd: projectRoot, timeoutMs: 180_000 });
  timings.buildClientMs = ran.ms;
}

/** Packs the SDK and installs the tarball with graphql into a new project in `consumerDir`. */
async function packAndInstall(): Promise<void> {
  await ensureBuilt();
  const packDir = path.join(workDir, 'pack');
  await mkdir(packDir);
  const packed = await runOk('npm', ['pack', '--workspace', PACKAGE, '--pack-destination', packDir, '--json'], { cwd: projectRoot });
  timings.packMs = packed.ms;
  const [manifest] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
  const tarball = path.join(packDir, manifest!.filename);

  await mkdir(consumerDir);
  await writeFile(path.join(consumerDir, 'package.json'), `${JSON.stringify({ name: 'newsgraph-sdk-consumer', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`);
  for (const file of await readdir(fixtureDir)) {
    let text = await readFile(path.join(fixtureDir, file), 'utf8');
    // Its first line turns the repository's own type-check off for it (see the file); here it must fail.
    if (file === 'consumer-error.ts') text = text.slice(text.indexOf('\n') + 1);
    await writeFile(path.join(consumerDir, file), text);
  }

  const install = (mode: typeof installMode) => run('npm', ['install', mode, '--no-audit', '--no-fund', tarball, 'graphql@16'], { cwd: consumerDir, timeoutMs: 180_000 });
  installMode = '--offline';
  let installed = await install(installMode);
  if (installed.code !== 0) {
    // npm's cache holds every tarball (the repository's `npm ci` put them there) but not always the
    // registry documents an install by name reads: npm 11 asks for the full ones ("application/json"),
    // and a cache filled by `npm ci` or an older npm may hold none or only the abbreviated ones. npm then
    // fails with ENOTCACHED, or ERESOLVE ("Found: graphql@undefined"). With --prefer-offline it fetches
    // those documents (two) and still takes every tarball from the cache; later runs are offline.
    console.warn(`npm install --offline failed; retrying with --prefer-offline:\n${installed.stderr}`);
    installMode = '--prefer-offline';
    installed = await install(installMode);
  }
  if (installed.code !== 0) throw new Error(`npm install ${installMode} failed with ${installed.code}:\n${installed.stdout}\n${installed.stderr}`);
  timings.installMs = installed.ms;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'newsgraph-sdk-package-'));
  consumerDir = path.join(workDir, 'consumer');
  if (!path.relative(projectRoot, workDir).startsWith('..')) throw new Error(`${workDir} is inside the repository`);
  const started = performance.now();
  await Promise.all([
    packAndInstall(),
    (async () => {
      serverDataDir = await copyOfData('sdk-package');
      server = await startServer({ DATA_DIR: serverDataDir, NEWSGRAPH_CURATOR_TOKENS: curatorTokensEnv });
    })(),
  ]);
  timings.setupMs = Math.round(performance.now() - started);
}, 300_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await browser?.close();
  await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
  await server?.stop();
  await Promise.all([workDir && rm(workDir, { recursive: true, force: true }), serverDataDir && rm(serverDataDir, { recursive: true, force: true })]);
  console.info(`sdk-package timings (ms): ${JSON.stringify(timings)}; install: npm install ${installMode}`);
}, 60_000);

describe('@newsgraph/client as installed from its tarball', () => {
  it('is an ES module package with one dependency, within its size budget', async () => {
    const installedDir = path.join(consumerDir, 'node_modules', PACKAGE);
    const files = await filesUnder(installedDir);
    const sizes = await Promise.all(files.map(async (file) => (await stat(path.join(installedDir, file))).size));
    const bytes = sizes.reduce((sum, size) => sum + size, 0);
    const installed = await packagesIn(path.join(consumerDir, 'node_modules'));
    const dependencies = installed.filter((name) => name !== PACKAGE && name !== 'graphql');
    console.info(`${PACKAGE} installed: ${bytes} bytes in ${files.length} files; dependencies besides graphql: ${dependencies.length} (${dependencies.join(', ')})`);

    expect(bytes).toBeLessThan(PACKAGE_BYTES_BUDGET);
    expect(dependencies.length).toBeLessThanOrEqual(DEPENDENCY_BUDGET);
    expect(installed).toContain(PACKAGE);

    const manifest = JSON.parse(await readFile(path.join(installedDir, 'package.json'), 'utf8')) as Record<string, any>;
    expect(manifest).toMatchObject({ name: PACKAGE, type: 'module', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } } });
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['@graphql-typed-document-node/core']);
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(['graphql']);
    // Everything `exports` names is in the tarball.
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/generated/persisted-documents.json', 'README.md']) expect(files).toContain(file);

    // The code that runs never loads graphql (it is a peer dependency for the types only).
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const code = await readFile(path.join(installedDir, file), 'utf8');
      expect(code, file).not.toMatch(/\bfrom\s*['"]graphql(\/[^'"]*)?['"]|\b(import|require)\s*\(\s*['"]graphql(\/[^'"]*)?['"]/);
    }
    // Source maps and declaration maps point at sources that ship with the package.
    for (const file of files.filter((f) => f.endsWith('.map'))) {
      const map = JSON.parse(await readFile(path.join(installedDir, file), 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const source of map.sources) {
        const target = path.resolve(installedDir, path.dirname(file), map.sourceRoot ?? '', source);
        expect(path.relative(installedDir, target), `${file} → ${source}`).not.toMatch(/^\.\./);
        expect(files, `${file} → ${source}`).toContain(path.relative(installedDir, target));
      }
    }
  });

  it('runs in plain Node ESM: pages through every statement, and a subscription hears of a curator’s mutation', async () => {
    const ran = await run(process.execPath, ['app.mjs'], {
      cwd: consumerDir,
      env: npmEnv({ NEWSGRAPH_URL: server!.url, NEWSGRAPH_TOKEN: CURATOR_TOKEN }),
      timeoutMs: 90_000,
    });
    timings.nodeAppMs = ran.ms;
    // Exits by itself once done: a subscription left behind would keep it running until the kill.
    expect(ran.code, `${ran.stdout}\n${ran.stderr}\n${server!.output().slice(-4000)}`).toBe(0);
    const summary = JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as {
      pages: number;
      pageSize: number;
      slugs: string[];
      totalCounts: number[];
      refused: Record<string, unknown>;
      created: { slug: string; datasetVersion: string };
      event: { cause: string; version: string; datasetVersion: string; changes: string[] };
    };

    const fixtureIds = (JSON.parse(await readFile(path.join(dataDir, 'statements.json'), 'utf8')) as { id: string }[]).map((s) => s.id);
    expect(summary.totalCounts).toEqual([fixtureIds.length]);
    expect(summary.slugs).toHaveLength(summary.totalCounts[0]!);
    expect([...summary.slugs].sort()).toEqual([...fixtureIds].sort());
    expect(summary.pages).toBe(Math.ceil(fixtureIds.length / summary.pageSize));
    expect(summary.pages).toBeGreaterThan(1);

    expect(summary.refused).toEqual({ isRequestError: true, code: 'UNAUTHENTICATED', status: 401 });
    expect(summary.created.slug).toBe('sdk-package-consumer-article');
    // The event names the version the mutation made. (Its `datasetVersion`, from the event's
    // extensions, is not checked: the server sends no extensions with subscription events.)
    expect(summary.event).toMatchObject({ cause: 'MUTATION', version: summary.created.datasetVersion, changes: ['CREATED Source sdk-package-consumer-article'] });
  }, 120_000);

  it('type-checks a TypeScript consumer under nodenext and bundler resolution, and rejects a field the query did not select', async () => {
    const check = (config: string) =>
      run(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', config], { cwd: consumerDir, env: npmEnv(), timeoutMs: 120_000 });
    const [nodenext, bundler, mistake] = await Promise.all([check('tsconfig.nodenext.json'), check('tsconfig.bundler.json'), check('tsconfig.error.json')]);
    timings.tscNodenextMs = nodenext.ms;
    timings.tscBundlerMs = bundler.ms;

    expect({ code: nodenext.code, output: nodenext.stdout + nodenext.stderr }).toEqual({ code: 0, output: '' });
    expect({ code: bundler.code, output: bundler.stdout + bundler.stderr }).toEqual({ code: 0, output: '' });

    const errors = (mistake.stdout + mistake.stderr).split('\n').filter((line) => /error TS\d+/.test(line));
    expect(mistake.code).not.toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^consumer-error\.ts\(\d+,\d+\): error TS2339: Property 'audience' does not exist on type/);
  }, 150_000);

  it('bundles for the browser without graphql, and queries and subscribes from a page of another origin', async () => {
    const bundled = await build({
      absWorkingDir: consumerDir,
      entryPoints: ['browser.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: 'public/bundle.js',
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    const bundle = bundled.outputFiles.find((file) => file.path.endsWith('bundle.js'))!.text;
    const inputs = Object.keys(bundled.metafile.inputs);
    console.info(`browser bundle: ${Buffer.byteLength(bundle)} bytes from ${inputs.join(', ')}`);
    // The installed copy, not the workspace's.
    expect(inputs).toContain(`node_modules/${PACKAGE}/dist/index.js`);
    expect(inputs.filter((input) => !input.startsWith(`node_modules/${PACKAGE}/`) && input !== 'browser.ts')).toEqual([]);
    expect(bundle).not.toContain('graphql/language/printer');
    expect(bundle).not.toMatch(/function printBlockString|function print\(ast\)/);
    expect(Buffer.byteLength(bundle)).toBeLessThan(BUNDLE_BYTES_BUDGET);

    // The page comes from its own origin; the server's CORS lets it call the API.
    const html = '<!doctype html><meta charset="utf-8"><title>newsgraph SDK consumer</title><script type="module" src="/bundle.js"></script>';
    pageServer = createServer((request, response) => {
      const pathname = new URL(request.url ?? '/', 'http://page.test').pathname;
      if (pathname === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      else if (pathname === '/bundle.js') response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
      else if (pathname === '/favicon.ico') response.writeHead(204).end();
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => pageServer!.listen(0, '127.0.0.1', resolve));
    const pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    expect(pageOrigin).not.toBe(server!.origin);

    const started = performance.now();
    browser = await launchChromium();
    const page = await openPage(browser);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
    expect((await page.goto(`${pageOrigin}/?api=${encodeURIComponent(server!.url)}`))?.status()).toBe(200);
    await page.waitForFunction(() => 'newsgraphSdk' in window);

    type Sdk = { feed: Promise<unknown>; missingPerson: Promise<unknown>; subscribed: Promise<void>; firstChange: Promise<string[]> };
    const feed = (await page.evaluate(() => (window as unknown as { newsgraphSdk: Sdk }).newsgraphSdk.feed)) as { totalCount: number; slugs: string[]; datasetVersion: string };
    const fixtureIds = (JSON.parse(await readFile(path.join(dataDir, 'statements.json'), 'utf8')) as { id: string }[]).map((s) => s.id);
    expect(feed.totalCount).toBe(fixtureIds.length);
    expect(feed.slugs).toHaveLength(3);
    for (const slug of feed.slugs) expect(fixtureIds).toContain(slug);
    expect(feed.datasetVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(await page.evaluate(() => (window as unknown as { newsgraphSdk: Sdk }).newsgraphSdk.missingPerson)).toEqual({ code: 'NOT_FOUND', status: 200 });

    // Once the page's subscription is open, a curator adds a source; the page hears of it.
    await page.evaluate(() => (window as unknown as { newsgraphSdk: Sdk }).newsgraphSdk.subscribed);
    const response = await fetch(server!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CURATOR_TOKEN}` },
      body: JSON.stringify({
        query: 'mutation($input: CreateSourceInput!) { createSource(input: $input) { source { slug } } }',
        variables: { input: { slug: 'sdk-package-browser-article', title: 'Seen from the browser', text: 'A page saw this article arrive.', language: 'en' } },
      }),
    });
    expect(await response.json()).toMatchObject({ data: { createSource: { source: { slug: 'sdk-package-browser-article' } } } });
    expect(await page.evaluate(() => (window as unknown as { newsgraphSdk: Sdk }).newsgraphSdk.firstChange)).toEqual(['CREATED Source']);
    timings.browserMs = Math.round(performance.now() - started);
    expect(problems).toEqual([]);
  }, 120_000);
});
