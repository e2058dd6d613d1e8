/**
 * The Reports page in a real browser: charts and tables under axe in light and dark at laptop and
 * phone width (no sideways scrolling of the page), each chart with the right bars for the seeded
 * chats and the same numbers as its table, a bar and a number opened by keyboard to the chats
 * behind them, and the Reports link only for those who may see reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, overflowsSideways } from './support/a11y.js';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { HAS_PORTAL_BUILD, startPortalServer } from './support/portal.js';
import { consoleLogin, eventually, friendlyNames, navTo } from './support/console-ui.js';
import { abandonedChat, activeChat, callbackChat, world } from '../test/support/flows.js';
import type { TestServer } from '../test/support/server.js';
import type { Page } from 'playwright-core';

/** A chart's bars in order: their bucket and number, as drawn (data-bar, data-value). */
const barsOf = (page: Page, chart: string) =>
  page
    .locator(`[data-chart="${chart}"] [data-bar]`)
    .evaluateAll((els) => els.map((e) => ({ key: e.getAttribute('data-bar') ?? '', value: Number(e.getAttribute('data-value')) })));

/** The numbers of a chart's table alternative, in row order: its first number column. */
const tableNumbers = (page: Page, chart: string) =>
  page.locator(`[data-chart="${chart}"] details tbody tr`).evaluateAll((rows) => rows.map((r) => Number(r.querySelector('td')?.textContent)));

/**
 * The contrast of a chart's bars against its box, in the theme the page shows now (WCAG's ratio of
 * relative luminances; the colours as the browser computed them, `rgb(…)`).
 */
const barContrast = (page: Page, chart: string) =>
  page
    .locator(`[data-chart="${chart}"] .chart-link .chart-bar`)
    .first()
    .evaluate((bar) => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const box = bar.closest('.chart-scroll') as HTMLElement;
      const [a, b] = [lum(getComputedStyle(bar).fill), lum(getComputedStyle(box).backgroundColor)].sort((x, y) => y - x);
      return (a + 0.05) / (b + 0.05);
    });

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Reports page in a real browser', { timeout: 120000 }, () => {
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

  it('shows the charts and tables to an admin with no axe violation, the same numbers in both, and a bar and a number open their chats by keyboard', async () => {
    const w = await world(s);
    const admin = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    await friendlyNames(s, { ...w, tech: admin });
    const ended = await activeChat(w, 'Printer toner');
    expect((await w.techClient.post(`/api/console/chats/${ended}/messages`, { body: 'On it', clientId: 'r1' })).status).toBe(201);
    expect((await w.techClient.post(`/api/console/chats/${ended}/end`, { outcome: 'ended' })).status).toBe(200);
    expect((await w.userClient.post(`/api/portal/chats/${ended}/rating`, { score: 4 })).status).toBe(200);
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
      // The date fields show the range that applies (the last 30 days, today included), not blanks.
      const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
      const day = (ms: number) => new Date(ms).toLocaleDateString('en-CA', { timeZone: zone });
      await eventually(() => page.getByLabel('To (included)').inputValue()).toBe(day(Date.now()));
      expect(await page.getByLabel('From').inputValue()).toBe(day(Date.now() - 29 * 86_400_000));
      // Shown again untouched, they stay "the last 30 days" (the address holds no fixed days); a day chosen is kept.
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await eventually(() => page.evaluate(() => location.search)).toContain('tz=');
      expect(await page.evaluate(() => location.search)).not.toMatch(/[?&](from|to)=/);
      await eventually(() => page.getByLabel('To (included)').inputValue()).toBe(day(Date.now()));
      const chosen = day(Date.now() - 10 * 86_400_000);
      await page.getByLabel('From').fill(chosen);
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await eventually(() => page.evaluate(() => location.search)).toContain(`from=${chosen}`);
      await page.getByLabel('From').fill('');
      await page.getByLabel('To (included)').fill('');
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      await eventually(() => page.getByLabel('From').inputValue()).toBe(day(Date.now() - 29 * 86_400_000));
      // The ratings in a sentence that reads as one (it said "Average 4 of 1 rated (100% of 1 chats …)").
      expect(await page.getByTestId('rating-summary').textContent()).toBe('Average 4 out of 5 from 1 rated chat (100% of the 1 chat ended by a tech).');
      // The charts: one bar per bucket, their numbers those of the seeded chats.
      await page.locator('[data-chart="abandonment"] [data-bar]').first().waitFor();
      const hours = await barsOf(page, 'volume-hour');
      expect(hours.map((b) => b.key)).toEqual(Array.from({ length: 24 }, (_, h) => String(h)));
      expect(hours.reduce((n, b) => n + b.value, 0)).toBe(3);
      const days = await barsOf(page, 'volume-day');
      expect(days.length).toBe(30); // the default range: the 30 days up to today
      expect(days.reduce((n, b) => n + b.value, 0)).toBe(3);
      expect(days[days.length - 1].value).toBe(3); // all of them today
      const joins = await barsOf(page, 'time-to-join');
      expect(joins.length).toBe(7);
      expect(joins.reduce((n, b) => n + b.value, 0)).toBe(1); // only the printer chat was joined
      const leaves = await barsOf(page, 'abandonment');
      expect(leaves.map((b) => b.value)).toEqual([1, 0, 0, 0, 0, 0, 0]); // left at once
      // Only bars with chats behind them are links, named by bucket and number.
      expect(await page.locator('[data-chart="volume-hour"]').getByRole('link').count()).toBe(hours.filter((b) => b.value > 0).length);
      expect(await page.locator('[data-chart="abandonment"]').getByRole('link', { name: 'Left after waiting under 30 s: 1 chat' }).count()).toBe(1);
      // Each chart's table alternative holds the same numbers, in the same order.
      for (const chart of ['volume-day', 'volume-hour', 'time-to-join', 'abandonment']) {
        await page.locator(`[data-chart="${chart}"] details > summary`).click();
        expect(await tableNumbers(page, chart), chart).toEqual((await barsOf(page, chart)).map((b) => b.value));
      }
      // Every chart is named and described (what it shows, over which range).
      const svg = page.locator('[data-chart="volume-day"] svg');
      expect(await svg.getAttribute('role')).toBe('group');
      expect(await page.getByRole('group', { name: 'Requests by day' }).count()).toBe(1);
      const description = page.locator(`[id="${await svg.getAttribute('aria-describedby')}"]`);
      expect(await description.textContent()).toMatch(/^Chats requested on each day in .+, .+ to .+\. 3 requests in all/);
      // Bars stand out from their box by at least 3:1 in both themes (axe checks text, not graphics).
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect(await barContrast(page, 'volume-hour'), `${label} ${colorScheme}`).toBeGreaterThanOrEqual(3);
      }
      await page.emulateMedia({ colorScheme: 'light' });
      expect(await axeViolations(page), label).toEqual([]);
      expect(await overflowsSideways(page), `${label} scrolls sideways`).toBe(false);
      if (label === 'phone') {
        // The days chart is wider than a phone: it scrolls inside its box, started at the latest days.
        const box = await page
          .locator('[data-chart="volume-day"] .chart-scroll')
          .evaluate((el) => ({ wider: el.scrollWidth > el.clientWidth, atEnd: el.scrollLeft + el.clientWidth >= el.scrollWidth - 1 }));
        expect(box).toEqual({ wider: true, atEnd: true });
      }
      await page.screenshot({ path: screenshotPath(`reports-${label}`), fullPage: true });

      // A bar reached with the keyboard (Shift+Tab from its chart's table toggle) and opened with Enter.
      await page.locator('[data-chart="abandonment"] details > summary').focus();
      await page.keyboard.press('Shift+Tab');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Left after waiting under 30 s: 1 chat');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Abandoned (time in queue) (waited under 30 s)' }).waitFor();
      await eventually(() => page.getByRole('link', { name: new RegExp(`^#${abandoned} `) }).count()).toBe(1);
      expect(await page.getByRole('main').getByRole('row').count()).toBe(2);
      await page.goBack();
      await page.getByRole('heading', { name: 'Summary' }).waitFor();

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

    // The hour buckets are the chosen zone's: the same chats, in Auckland (UTC+13 in December), sit 13 hours later.
    const page = await (await b.newContext()).newPage();
    await consoleLogin(page, admin.email);
    const hoursIn = async (tz: string) => {
      await page.goto(`/console/reports?tz=${encodeURIComponent(tz)}`);
      await page.locator('[data-chart="volume-hour"] [data-bar]').first().waitFor();
      await eventually(async () => (await barsOf(page, 'volume-hour')).reduce((n, b) => n + b.value, 0)).toBe(3);
      return (await barsOf(page, 'volume-hour')).map((b) => b.value);
    };
    const utc = await hoursIn('UTC');
    const auckland = await hoursIn('Pacific/Auckland');
    expect(auckland).toEqual(utc.map((_, h) => utc[(h - 13 + 24) % 24]));
    expect(await page.getByRole('group', { name: 'Requests by hour of the day' }).getAttribute('aria-describedby')).toBeTruthy();
    expect(await page.locator('[data-chart="volume-hour"] .chart-description').textContent()).toContain('in Pacific/Auckland');
    await page.context().close();
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
