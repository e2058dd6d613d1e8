/**
 * The Reports page in a real browser: tables under axe in light and dark at laptop and phone width
 * (no sideways scrolling of the page), a number opened by keyboard to the chats behind it, and the
 * Reports link only for those who may see reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, overflowsSideways } from './support/a11y.js';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { HAS_PORTAL_BUILD, startPortalServer } from './support/portal.js';
import { consoleLogin, eventually, friendlyNames, navTo } from './support/console-ui.js';
import { abandonedChat, activeChat, callbackChat, world } from '../test/support/flows.js';
import type { TestServer } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Reports page in a real browser', { timeout: 60000 }, () => {
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

  it('shows the tables to an admin with no axe violation, and a number opens its chats by keyboard', async () => {
    const w = await world(s);
    const admin = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    await friendlyNames(s, { ...w, tech: admin });
    const ended = await activeChat(w, 'Printer toner');
    expect((await w.techClient.post(`/api/console/chats/${ended}/messages`, { body: 'On it', clientId: 'r1' })).status).toBe(201);
    expect((await w.techClient.post(`/api/console/chats/${ended}/end`, { outcome: 'ended' })).status).toBe(200);
    const abandoned = await abandonedChat(w);
    await callbackChat(w);

    for (const [label, size] of [
      ['laptop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const page = await (await b.newContext(size)).newPage();
      await consoleLogin(page, admin.email);
      if (label === 'phone') await page.goto('/console/reports');
      else await navTo(page, 'Reports');
      await page.getByRole('heading', { name: 'Summary' }).waitFor();
      await page.getByRole('heading', { name: 'By company' }).waitFor();
      const requests = page.getByRole('link', { name: /^Requests: \d+ chats$/ });
      expect(await requests.textContent()).toBe('3');
      expect(await axeViolations(page), label).toEqual([]);
      expect(await overflowsSideways(page), `${label} scrolls sideways`).toBe(false);
      await page.screenshot({ path: screenshotPath(`reports-${label}`), fullPage: true });

      // The "Abandoned" number, reached and opened with the keyboard.
      const link = page.getByRole('link', { name: /^Abandoned: 1 chats$/ });
      await link.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Abandoned' }).waitFor();
      await eventually(() => page.getByRole('link', { name: new RegExp(`^#${abandoned} `) }).count()).toBe(1);
      expect(await page.getByRole('main').getByRole('row').count()).toBe(2);
      expect(await axeViolations(page), `${label} drill-down`).toEqual([]);
      expect(await overflowsSideways(page), `${label} drill-down scrolls sideways`).toBe(false);
      await page.context().close();
    }
  });

  it('offers Reports only to admins and techs granted it', async () => {
    const w = await world(s);
    const page = await (await b.newContext()).newPage();
    await consoleLogin(page, w.tech.email);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Reports', exact: true }).count()).toBe(0);
    const admin = await s.f.tech({ role: 'admin' });
    const adminPage = await (await b.newContext()).newPage();
    await consoleLogin(adminPage, admin.email);
    await adminPage.goto('/console/admin/techs');
    const row = adminPage.getByTestId('tech-row').filter({ hasText: w.tech.email });
    await row.locator('summary').click();
    await row.getByRole('button', { name: /see reports$/ }).click();
    await eventually(() => row.getByRole('button', { name: /^Stop .* seeing reports$/ }).count()).toBe(1);
    await page.reload();
    await nav.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.getByRole('heading', { name: 'Summary' }).waitFor();
  });
});
