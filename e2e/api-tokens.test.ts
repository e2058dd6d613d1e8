/**
 * In Chromium: the API viewer at /api/docs renders the document under the app's
 * Content-Security-Policy (nothing blocked), and an admin makes a token on the "API tokens" page,
 * copies its secret from the one dialog that shows it, and revokes it after confirming.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/a11y.js';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import { HAS_PORTAL_BUILD, startPortalServer } from './support/portal.js';
import { consoleLogin, eventually, navTo } from './support/console-ui.js';
import type { TestServer } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('API tokens and the API viewer in the browser', { timeout: 60000 }, () => {
  let s: TestServer;
  let b: Browsers;
  beforeAll(async () => {
    s = await startPortalServer();
    b = await launch(s.url);
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });

  it('/api/docs shows the document, its operations and the bearer scheme, with nothing refused by the CSP', { timeout: 120_000 }, async () => {
    const page = await (await b.newContext()).newPage();
    const refused: string[] = [];
    page.on('console', (m) => m.type() === 'error' && refused.push(m.text()));
    page.on('pageerror', (e) => refused.push(e.message));
    await page.goto('/api/docs');
    await page.locator('.swagger-ui .info .title', { hasText: 'Helpdesk live chat API' }).waitFor();
    // The viewer draws only the operations in view (a virtual list): scroll down through them,
    // noting each one drawn, until the console's "me" comes by.
    const seen = new Set<string>();
    const me = page.locator('.opblock-summary-path', { hasText: '/api/console/me' });
    for (let i = 0; i < 200 && (await me.count()) === 0; i++) {
      for (const p of await page.locator('.opblock-summary-path').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')))) if (p) seen.add(p);
      await page.mouse.wheel(0, 500);
      await page.waitForTimeout(50);
    }
    await me.first().waitFor();
    expect(seen.size).toBeGreaterThan(40);
    // The padlock of an operation that takes a token, and the scheme in the Authorize dialog.
    await page.getByRole('button', { name: 'Authorize' }).first().click();
    await page.getByText('apiToken', { exact: false }).first().waitFor();
    expect(refused).toEqual([]);
  });

  it('an admin creates a token, copies it once, sees it used, and revokes it after confirming', async () => {
    const admin = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    const ctx = await b.newContext();
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url });
    const page = await ctx.newPage();
    await consoleLogin(page, admin.email);
    await navTo(page, 'Admin');
    await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('heading', { name: 'Admin: API tokens' }).waitFor();
    await page.getByText('No API tokens yet.').waitFor();

    await page.getByLabel('Name (what uses it)').fill('PSA sync');
    await page.getByRole('checkbox', { name: /^Write/ }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Token “PSA sync” created' });
    await dialog.waitFor();
    const secret = await dialog.getByTestId('api-token-secret').inputValue();
    expect(secret).toMatch(/^hdt_/);
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Copy token' }).click();
    await dialog.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Shown once: gone from the page, and no answer gives it again.
    expect(await page.content()).not.toContain(secret);

    const me = await fetch(`${s.url}/api/console/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await me.json()).name).toBe('Ada Admin');
    await page.reload();
    const row = page.getByTestId('api-token-row').filter({ hasText: 'PSA sync' });
    await eventually(() => row.textContent()).toMatch(/read, write.*Active.*by Ada Admin.*last used .* from 127\.0\.0\.1/s);
    expect(await page.content()).not.toContain(secret);
    expect(await axeViolations(page)).toEqual([]);

    await row.getByRole('button', { name: 'Revoke “PSA sync”…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Revoke “PSA sync”?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect((await fetch(`${s.url}/api/console/me`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    await row.getByRole('button', { name: 'Revoke “PSA sync”…' }).click();
    await confirm.getByRole('button', { name: 'Revoke token' }).click();
    await eventually(() => row.textContent()).toMatch(/Revoked/);
    expect(await row.getByRole('button').count()).toBe(0);
    const refused = await fetch(`${s.url}/api/console/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe('token_invalid');
  });
});
