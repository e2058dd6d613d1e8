/** Headless Debian Chromium driven by playwright-core, as TESTING.md prescribes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
export const HAS_WEB_BUILD = fs.existsSync(path.resolve('dist/web/index.html'));

// On a developer's machine without Chromium the browser suites skip; CI must run them.
if (process.env.REQUIRE_BROWSER === '1' && (!HAS_CHROMIUM || !HAS_WEB_BUILD)) {
  throw new Error(
    `Browser tests required: ${HAS_CHROMIUM ? '' : `no Chromium at ${CHROMIUM}; `}${HAS_WEB_BUILD ? '' : 'web pages not built (npm run build:web)'}`,
  );
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `colorScheme`: what the system prefers (light by default), as a person's OS setting would. */
/** `timezoneId`: the device's time zone (the machine's by default). */
export type ContextOpts = { width?: number; height?: number; colorScheme?: 'light' | 'dark'; timezoneId?: string };
export type Browsers = { browser: Browser; newContext: (opts?: ContextOpts) => Promise<BrowserContext>; close: () => Promise<void> };

/** One browser per test file; contexts are separate people (cookies, storage). */
export async function launch(baseUrl: string): Promise<Browsers> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-chromium-'));
  // playwright-core refuses --user-data-dir in launch(); it already gives each launch a new empty profile.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  const contexts: BrowserContext[] = [];
  // The pages run under the server's Content-Security-Policy (no inline script): anything it
  // blocks is reported on the console, and fails the file when the browser closes.
  const cspViolations: string[] = [];
  return {
    browser,
    newContext: async (opts = {}) => {
      const ctx = await browser.newContext({
        baseURL: baseUrl,
        viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
        colorScheme: opts.colorScheme ?? 'light',
        ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
      });
      await ctx.grantPermissions(['notifications'], { origin: baseUrl });
      ctx.on('page', (page) => page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(`${page.url()}: ${m.text()}`)));
      contexts.push(ctx);
      return ctx;
    },
    close: async () => {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
      if (cspViolations.length) throw new Error(`Content-Security-Policy violations:\n${cspViolations.join('\n')}`);
    },
  };
}

/**
 * Where the browser tests put the pictures they take on the way (test-results/, not committed).
 * The README's screenshots are made on the demo data by `npm run screenshots` (scripts/screenshots.ts).
 */
export const SCREENSHOTS = path.resolve('test-results/screenshots');
export function screenshotPath(name: string) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}
