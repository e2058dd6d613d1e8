/**
 * A page whose code cannot be loaded (the server was upgraded while the tab was open, so the old
 * build's file is gone) does not blank the console: the tab reloads once for the current build,
 * and if the file is still missing the page says so in its own place, with a Reload button, while
 * the rest of the console keeps working. The server answers a missing build file with a 404, never
 * with the app's page.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM } from './support/browser.js';
import { HAS_PORTAL_BUILD, browserSuite, eventually } from './support/portal.js';
import { navTo, techPage } from './support/console-ui.js';
import { axeViolations } from './support/a11y.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('a page whose code is gone', { timeout: 90000 }, () => {
  const suite = browserSuite();

  it('reloads once, then shows the error in the page with Reload; the console keeps working', async () => {
    const { s, b } = suite;
    const admin = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    const { page } = await techPage(await b.newContext(), admin.email);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    let loads = 0;
    page.on('load', () => loads++);
    // The Reports page's file, as a tab of the previous build would ask for it: gone.
    const gone = /\/assets\/reports-page-[^/]+\.js$/;
    let asked = 0;
    await page.route(gone, (r) => {
      asked++;
      return r.fulfill({ status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found"}}' });
    });

    await navTo(page, 'Reports');
    const error = page.getByTestId('page-error');
    await error.waitFor();
    // Reloaded once for the current build, asked again, and then stopped: no loop.
    expect(loads).toBe(1);
    expect(asked).toBe(2);
    expect(new URL(page.url()).pathname).toBe('/console/reports');
    expect(await error.getByRole('alert').count()).toBe(1);
    expect(await error.getByRole('heading').textContent()).toBe('This page could not be loaded');
    expect(await axeViolations(page)).toEqual([]);
    await page.waitForTimeout(500);
    expect(loads).toBe(1);

    // The rest of the console works, and another page clears the error.
    await navTo(page, 'Search');
    await eventually(() => error.count()).toBe(0);
    await page.getByRole('heading', { name: 'Search', level: 1 }).waitFor();

    // The file is back (the new build is served): Reload shows the page.
    await navTo(page, 'Reports');
    await error.waitFor();
    await page.unroute(gone);
    await error.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    expect(await error.count()).toBe(0);
  });

  it('the server answers a missing build file with a 404, not the app page', async () => {
    const res = await fetch(`${suite.s.url}/assets/reports-page-OLDBUILD.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/json');
    // The app's own routes still get the page.
    const spa = await fetch(`${suite.s.url}/console/reports`);
    expect(spa.status).toBe(200);
    expect(spa.headers.get('content-type')).toContain('text/html');
  });
});
