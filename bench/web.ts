/**
 * The web pages (issue 12, item 5): the size of what each app loads first (its entry's
 * JavaScript and CSS, as the built HTML names them, gzip level 9 and raw), and the first load of
 * the Client Portal on the demo data in headless Chromium with an empty cache: to the login form,
 * and, logged in, to the home page's lists. Recorded, not asserted: target under 1 s.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildIfStale } from '../scripts/build-if-stale.mjs';
import { freshDataDir, ROOT, spawnProductServer } from './lib.js';

export const WEB_TARGET = { firstLoadMs: 1000 };
const WEB_DIST = path.join(ROOT, 'dist', 'web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNS = 7;

type Sizes = { jsGzip: number; cssGzip: number; jsRaw: number; cssRaw: number; files: string[] };

/** What an app's HTML loads before it can show anything: its scripts, preloaded modules and style sheets. */
export function entrySizes(html: string): Sizes {
  const page = fs.readFileSync(path.join(WEB_DIST, html), 'utf8');
  const files = [...page.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  const sizes: Sizes = { jsGzip: 0, cssGzip: 0, jsRaw: 0, cssRaw: 0, files };
  for (const f of new Set(files)) {
    const body = fs.readFileSync(path.join(WEB_DIST, f));
    const gz = zlib.gzipSync(body, { level: 9 }).length;
    if (f.endsWith('.js')) {
      sizes.jsGzip += gz;
      sizes.jsRaw += body.length;
    } else {
      sizes.cssGzip += gz;
      sizes.cssRaw += body.length;
    }
  }
  return sizes;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function webScenario() {
  buildIfStale(['web', 'server'], (line) => console.log(`bench: ${line}`));
  const bundles = { portal: entrySizes('index.html'), console: entrySizes('console.html') };

  const server = await spawnProductServer(freshDataDir('web'), { SEED_DEMO: 'true' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'], headless: true });
  const runs: { loginFormMs: number; homeMs: number; fcpMs: number }[] = [];
  try {
    // A session for the demo's portal user, reused by every run (each run's cache is empty).
    const login = await fetch(`${server.url}/api/auth/portal/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'alice@acme.test', password: 'demo-pass-2026' }),
    });
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    for (let i = 0; i < RUNS; i++) {
      const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await fresh.newPage();
      let t0 = performance.now();
      await page.goto(`${server.url}/`);
      await page.getByLabel('Email').waitFor();
      const loginFormMs = performance.now() - t0;
      await fresh.close();

      const known = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await known.addCookies([{ name, value, url: server.url }]);
      const home = await known.newPage();
      t0 = performance.now();
      await home.goto(`${server.url}/`);
      await home.getByRole('heading', { name: 'My tickets', exact: true }).waitFor();
      await home.getByRole('link', { name: 'Laptop will not connect to VPN' }).waitFor();
      const homeMs = performance.now() - t0;
      const fcpMs = await home.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
      await known.close();
      if (i > 0) runs.push({ loginFormMs, homeMs, fcpMs }); // the first run warms the server, not the browser cache
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const firstLoad = {
    loginFormMsMedian: Math.round(median(runs.map((r) => r.loginFormMs))),
    homeMsMedian: Math.round(median(runs.map((r) => r.homeMs))),
    homeMsMax: Math.round(Math.max(...runs.map((r) => r.homeMs))),
    firstContentfulPaintMsMedian: Math.round(median(runs.map((r) => r.fcpMs))),
    runs: runs.length,
  };
  return {
    target: `portal first load (demo data, empty cache) to its home lists < ${WEB_TARGET.firstLoadMs} ms; entry sizes recorded`,
    met: firstLoad.homeMsMedian < WEB_TARGET.firstLoadMs,
    bundles,
    firstLoad,
  };
}
