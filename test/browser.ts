/**
 * Debian's headless Chromium, driven by playwright-core, for the tests that load a page in a real browser.
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it). A missing browser fails
 * the test with that instruction; it is never skipped.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

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

/** Throws, saying how to install it, when Chromium is not at /usr/bin/chromium. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM}, which is not installed. ` +
        'Install it with `apt-get install -y chromium` (as root; .ci/run installs it in CI).',
    );
  }
}

/** Launches headless Chromium with the shared arguments (after the same check). */
export async function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
}

/** A new page (in its own context) at 1400×1000 that waits at most 15 s for anything. */
export async function openPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(15_000);
  return page;
}
