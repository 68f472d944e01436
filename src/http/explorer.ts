/**
 * Serves the explorer page (explorer/) at /explore: index.html, and explorer/main.ts bundled with
 * esbuild (cytoscape and the SDK included) as /explore/app.js, with explorer/style.css as
 * /explore/app.css and explorer/favicon.svg as /explore/favicon.svg. Nothing is loaded from another
 * host, and a strict Content-Security-Policy says so.
 *
 * The bundle is built once per server, on the first request for it, and kept in memory: servers
 * that never serve the page (most tests) never load esbuild. The page needs no introspection and
 * falls back to persisted-document hashes in allow-list mode, so it is served in every mode.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import { projectRoot } from '../config.js';
import type { Logger } from '../logging.js';

const defaultDir = path.join(projectRoot, 'explorer');

/** Where the page lives; the assets' paths are fixed because index.html names them. */
export const EXPLORER_PATH = '/explore';
const SCRIPT_PATH = `${EXPLORER_PATH}/app.js`;
const STYLE_PATH = `${EXPLORER_PATH}/app.css`;
const ICON_PATH = `${EXPLORER_PATH}/favicon.svg`;

/**
 * Only our own origin: the bundle, the stylesheet and /graphql. No inline script or style (cytoscape's
 * one injected <style> is pre-empted by index.html), no eval, no frames, no plugins.
 */
export const EXPLORER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface ExplorerOptions {
  /** The folder holding index.html, main.ts and style.css; defaults to the project's explorer/. */
  dir?: string;
  /** Where a failed build is reported. */
  logger?: Logger;
}

interface Asset {
  type: string;
  body: Uint8Array<ArrayBuffer>;
  gzipped: Uint8Array<ArrayBuffer>;
  /** A content hash: the ETag, and the `?v=` that makes a URL cacheable for good. */
  version: string;
  /** Whether the URL changes with the content (the bundle and stylesheet); the page itself keeps its URL. */
  versioned: boolean;
}

type Assets = ReadonlyMap<string, Asset>;

const versionOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

function asset(type: string, content: string | Uint8Array, versioned: boolean): Asset {
  const body = new Uint8Array(typeof content === 'string' ? Buffer.from(content) : content);
  return { type, body, gzipped: new Uint8Array(gzipSync(body)), version: versionOf(body), versioned };
}

/** Bundles main.ts and points index.html at the exact versions built; throws when anything is missing. */
async function buildAssets(dir: string): Promise<Assets> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(dir, 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'eof',
    logLevel: 'silent',
  });
  const bundle = result.outputFiles[0];
  if (!bundle) throw new Error('esbuild produced no output');
  const script = asset('text/javascript; charset=utf-8', bundle.contents, true);
  const style = asset('text/css; charset=utf-8', await readFile(path.join(dir, 'style.css')), true);
  const icon = asset('image/svg+xml', await readFile(path.join(dir, 'favicon.svg')), true);

  let html = await readFile(path.join(dir, 'index.html'), 'utf8');
  for (const [assetPath, { version }] of [[SCRIPT_PATH, script], [STYLE_PATH, style], [ICON_PATH, icon]] as const) {
    const attribute = `"${assetPath}"`;
    if (!html.includes(attribute)) throw new Error(`${path.join(dir, 'index.html')} does not load ${assetPath}`);
    html = html.replaceAll(attribute, `"${assetPath}?v=${version}"`);
  }
  const page = asset('text/html; charset=utf-8', html, false);
  return new Map([
    [EXPLORER_PATH, page],
    [`${EXPLORER_PATH}/`, page],
    [SCRIPT_PATH, script],
    [STYLE_PATH, style],
    [ICON_PATH, icon],
  ]);
}

function respond(request: Request, url: URL, found: Asset, ResponseImpl: typeof Response): Response {
  const gzip = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
  const etag = `"${found.version}${gzip ? '-gz' : ''}"`;
  const headers = new Headers({
    'content-type': found.type,
    'content-security-policy': EXPLORER_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    vary: 'accept-encoding',
    etag,
    // A versioned URL names exactly this content, so it never needs checking again; anything else
    // (the page, an unversioned asset URL) is checked with the ETag on every load.
    'cache-control': found.versioned && url.searchParams.get('v') === found.version ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    return new ResponseImpl(null, { status: 304, headers });
  }
  const body = gzip ? found.gzipped : found.body;
  if (gzip) headers.set('content-encoding', 'gzip');
  headers.set('content-length', String(body.byteLength));
  return new ResponseImpl(request.method === 'HEAD' ? null : body, { status: 200, headers });
}

/** The yoga plugin: answers GET and HEAD for /explore and its three assets, 404 for anything else under /explore/. */
export function useExplorer({ dir = defaultDir, logger }: ExplorerOptions = {}): Plugin {
  let assets: Promise<Assets> | undefined;
  const load = () => {
    assets ??= buildAssets(dir).catch((error: unknown) => {
      // Kept as a failure: rebuilding on every request would not fix a broken file, only load the server.
      logger?.error({ err: error, dir }, 'the explorer page could not be built');
      throw error;
    });
    return assets;
  };

  return {
    // Not an async function: every request passes here, and a promise returned by any onRequest hook
    // makes the whole hook chain (and the rest of the request) asynchronous.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== EXPLORER_PATH && !url.pathname.startsWith(`${EXPLORER_PATH}/`)) return;
      return serve(request, url, endResponse, fetchAPI.Response);
    },
  };

  async function serve(request: Request, url: URL, endResponse: (response: Response) => void, ResponseImpl: typeof Response): Promise<void> {
    const text = (status: number, message: string, extra: Record<string, string> = {}) =>
      endResponse(new ResponseImpl(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...extra } }));
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed', { allow: 'GET, HEAD' });

    let built: Assets;
    try {
      built = await load();
    } catch {
      return text(500, 'The explorer page could not be built; the server log says why.');
    }
    const found = built.get(url.pathname);
    if (!found) return text(404, 'Not found');
    endResponse(respond(request, url, found, ResponseImpl));
  }
}
