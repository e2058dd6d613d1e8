/**
 * The expected wait on the portal's waiting view, in Chromium: "less than a minute" with a free
 * tech, "about X–Y minutes" behind others, and when support opens outside office hours; axe passes.
 */
import { describe, expect, it } from 'vitest';
import { axeViolations } from './support/a11y.js';
import { HAS_CHROMIUM, screenshotPath } from './support/browser.js';
import { ALWAYS_OPEN, HAS_PORTAL_BUILD, browserSuite, eventually, portalLogin, requestChat, setOfficeHours, techSide } from './support/portal.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Client Portal expected wait', () => {
  const suite = browserSuite();

  it('shows less than a minute with a free tech, about X–Y minutes behind others, and updates as the queue moves', async () => {
    const { s, b } = suite;
    const w = await s.f.world();
    const tech = await techSide(s, w.tech.email);
    const page = await (await b.newContext()).newPage();
    await portalLogin(page, w.user.email);
    const first = await requestChat(page, 'Printer', 'Paper jam');
    await eventually(() => page.getByTestId('expected-wait').textContent()).toBe('less than a minute');

    // Two others were already waiting when a second user asks: third in the queue, a range.
    const others: number[] = [];
    for (const subject of ['VPN', 'Mail']) {
      const u = await s.f.portalUser(w.companyId);
      const c = await loginAs(s.url, 'portal', u.email, PASSWORD);
      others.push((await c.post('/api/portal/chats', { boardId: w.boardId, subject, message: 'Help' })).body.chat.id);
    }
    const u3 = await s.f.portalUser(w.companyId);
    const page3 = await (await b.newContext()).newPage();
    await portalLogin(page3, u3.email);
    await requestChat(page3, 'Screen', 'Flickers');
    await eventually(() => page3.getByTestId('queue-position').textContent()).toBe('4');
    await eventually(() => page3.getByTestId('expected-wait').textContent()).toMatch(/^about \d+–\d+ minutes$/);
    const before = (await page3.getByTestId('expected-wait').textContent()) ?? '';
    expect(await axeViolations(page3)).toEqual([]);
    await page3.screenshot({ path: screenshotPath('portal-expected-wait'), fullPage: true });

    // The tech takes the first two: the third user moves up and the range comes down (periodic refresh).
    for (const id of [first, others[0]]) expect((await tech.http.post(`/api/console/chats/${id}/join`)).status).toBe(200);
    await eventually(() => page3.getByTestId('queue-position').textContent(), { timeout: 15000 }).toBe('2');
    const after = (await page3.getByTestId('expected-wait').textContent()) ?? '';
    const high = (t: string) => Number(/(\d+) minutes?$/.exec(t)?.[1] ?? (t === 'less than a minute' ? 1 : Number.NaN));
    expect(high(after)).toBeLessThan(high(before));
    tech.socket.close();
  });

  it('outside office hours says when support opens instead of a range', async () => {
    const { s, b } = suite;
    const w = await s.f.world();
    const day = (new Date().getUTCDay() + 2) % 7;
    await setOfficeHours(s, { [String(day)]: [{ start: '09:00', end: '17:00' }] });
    try {
      const ctx = await b.browser.newContext({ baseURL: s.url, timezoneId: 'UTC', locale: 'en-GB' });
      const page = await ctx.newPage();
      await portalLogin(page, w.user.email);
      await requestChat(page, 'Printer', 'Paper jam');
      const at = new Date();
      const opens = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 2, 9));
      const shown = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' }).format(opens);
      await eventually(() => page.getByTestId('expected-wait').textContent()).toContain(`Support opens ${shown}`);
      expect(await page.getByTestId('expected-wait').textContent()).not.toMatch(/minute/);
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await setOfficeHours(s, ALWAYS_OPEN);
    }
  });
});
