/**
 * The live wallboard in a real browser: an admin allows a tech; the tech's Wallboard page updates
 * by itself when a chat is requested and when it is joined; TV mode shows the figures alone, full
 * screen, in large type, and Escape leaves it; axe passes in both themes at laptop and phone
 * width, in TV mode too; a tech not allowed has no link and is told so on the page.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, screenshotPath } from './support/browser.js';
import { HAS_PORTAL_BUILD, browserSuite, eventually } from './support/portal.js';
import { navTo, techPage } from './support/console-ui.js';
import { axeViolations, overflowsSideways } from './support/a11y.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('wallboard in a real browser', { timeout: 90000 }, () => {
  const suite = browserSuite();

  it('allowed by an admin, updates live on a request and a join; TV mode; axe in both themes and widths', async () => {
    const { s, b } = suite;
    const w = await s.f.world();
    await s.ctx.db.updateTable('techs').set({ name: 'Sam Desk' }).where('id', '=', w.tech.id).execute();
    const lead = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId], name: 'Lee Lead' });
    const adminTech = await s.f.tech({ role: 'admin', name: 'Ada Admin' });

    // The admin allows the lead from the admin page.
    const admin = await techPage(await b.newContext(), adminTech.email);
    await navTo(admin.page, 'Admin');
    await admin.page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Wallboard' }).click();
    await admin.page.getByLabel('Service level target, in seconds').fill('45');
    await admin.page.getByRole('checkbox', { name: 'Lee Lead' }).check();
    expect(await axeViolations(admin.page)).toEqual([]);
    await admin.page.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => (await s.ctx.db.selectFrom('wallboard_viewers').select('tech_id').execute()).map((r) => Number(r.tech_id))).toEqual([lead.id]);

    // A tech not allowed has no link, and the page says why.
    const other = await techPage(await b.newContext(), w.tech.email);
    expect(await other.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallboard' }).count()).toBe(0);
    await other.page.goto('/console/wallboard');
    await eventually(() => other.page.getByRole('alert').textContent()).toContain('Only admins and the technicians an admin allowed');

    const { page } = await techPage(await b.newContext(), lead.email);
    await navTo(page, 'Wallboard');
    const figure = (id: string) => page.getByTestId(id).locator('.wallboard-value').textContent();
    await eventually(() => figure('wb-waiting')).toBe('0');
    expect(await page.getByTestId('wb-longest').textContent()).toContain('None');
    expect(await page.getByTestId('wb-service-level').textContent()).toContain('joined within 45 s');

    // A request: the page shows it without a reload, and the wait counts up.
    const user = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Screen flickers', message: 'Since this morning' });
    expect(r.status, r.text).toBe(201);
    await eventually(() => figure('wb-waiting'), { timeout: 5000 }).toBe('1');
    await eventually(() => figure('wb-longest')).toMatch(/^\d+ s$/);
    expect(await page.getByTestId('wb-waiting').textContent()).toContain('chat in the queue');
    // Screen readers hear the queue's size when it changes, politely, and nothing else of the
    // board: its figures are no live region (the wait ticks every second).
    expect(await page.getByTestId('wallboard').locator('[aria-live], [role="status"], [role="alert"]').count()).toBe(1);
    expect(await page.getByTestId('wb-announcer').getAttribute('aria-live')).toBe('polite');
    await eventually(() => page.getByTestId('wb-announcer').textContent(), { timeout: 20000 }).toBe('1 chat waiting');

    // A join: out of the queue, into the active chats.
    const techHttp = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    expect((await techHttp.post(`/api/console/chats/${r.body.chat.id}/join`)).status).toBe(200);
    await eventually(() => figure('wb-waiting'), { timeout: 5000 }).toBe('0');
    await eventually(() => figure('wb-active')).toBe('1');
    expect(await page.getByTestId('wb-active').textContent()).toContain('1 tech in chats');
    expect(await figure('wb-service-level')).toBe('100%');
    expect(await page.getByTestId('wb-office').textContent()).toContain('Open');
    expect(await axeViolations(page)).toEqual([]);
    // A screen set to another zone than the desk's (UTC here) shows the desk's times, and says so.
    const pageInUtc = await page.evaluate(() => {
      const resolved = (timeZone: string) => new Intl.DateTimeFormat(undefined, { timeZone }).resolvedOptions().timeZone;
      return resolved(Intl.DateTimeFormat().resolvedOptions().timeZone) === resolved('UTC');
    });
    expect(await page.getByTestId('wb-zone').count()).toBe(pageInUtc ? 0 : 1);
    const far = await techPage(await b.newContext({ timezoneId: 'Pacific/Auckland' }), lead.email);
    await far.page.goto('/console/wallboard');
    await eventually(() => far.page.getByTestId('wb-zone').textContent()).toContain('Times in UTC');
    const updated = await far.page.locator('.wallboard-foot').textContent();
    // The last minutes in UTC, as that page writes times (its locale).
    const utcTimes = await far.page.evaluate(() =>
      [0, 1, 2].map((m) =>
        new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(new Date(Date.now() - m * 60_000)),
      ),
    );
    expect(
      utcTimes.some((t) => updated?.includes(`Updated ${t}`)),
      `${updated} / ${utcTimes}`,
    ).toBe(true);
    await far.page.context().close();
    await page.screenshot({ path: screenshotPath('console-wallboard-light'), fullPage: true });

    // TV mode: full screen, the figures alone (no navigation), in large type.
    await page.getByRole('button', { name: 'TV mode (full screen)' }).click();
    await eventually(() => page.evaluate(() => document.fullscreenElement?.getAttribute('data-testid') ?? null)).toBe('wallboard');
    const tv = page.getByRole('region', { name: 'Wallboard in TV mode' });
    expect(await tv.getByRole('navigation').count()).toBe(0);
    const size = await page
      .getByTestId('wb-waiting')
      .locator('.wallboard-value')
      .evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(60);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('console-wallboard-tv-light') });
    // Still live in TV mode.
    const u2 = await s.f.portalUser(w.companyId);
    const user2 = await loginAs(s.url, 'portal', u2.email, PASSWORD);
    expect((await user2.post('/api/portal/chats', { boardId: w.boardId, subject: 'Printer', message: 'Jammed' })).status).toBe(201);
    await eventually(() => tv.getByTestId('wb-waiting').locator('.wallboard-value').textContent(), { timeout: 5000 }).toBe('1');
    await page.getByRole('button', { name: 'Exit TV mode' }).click();
    await eventually(() => page.evaluate(() => document.fullscreenElement === null)).toBe(true);
    expect(await page.getByRole('region', { name: 'Wallboard in TV mode' }).count()).toBe(0);

    // Phone width: no sideways scrolling, axe in both themes.
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await overflowsSideways(page)).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    // Dark theme in TV mode, at phone width.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('button', { name: 'TV mode (full screen)' }).click();
    await eventually(() => page.evaluate(() => document.fullscreenElement !== null)).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: screenshotPath('console-wallboard-tv-dark-phone') });
    await page.keyboard.press('Escape');
    await eventually(() => page.evaluate(() => document.fullscreenElement === null), { timeout: 5000 }).toBe(true);

    // The admin withdraws the permission: the open page says so at once instead of going stale.
    await admin.page.getByRole('checkbox', { name: 'Lee Lead' }).uncheck();
    await admin.page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.getByRole('alert').textContent(), { timeout: 5000 }).toContain('Only admins and the technicians an admin allowed');
    expect(await page.getByTestId('wallboard').count()).toBe(0);
  });
});
