/**
 * Every portal page under axe (no violation of any impact, light and dark), usable by keyboard alone, and
 * without sideways scrolling at phone width.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, overflowsSideways } from './support/a11y.js';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import {
  ALWAYS_OPEN,
  HAS_PORTAL_BUILD,
  portalLogin,
  requestChat,
  setOfficeHours,
  startPortalServer,
  techJoins,
  techSide,
  eventually,
} from './support/portal.js';
import { PASSWORD, type TestServer } from '../test/support/server.js';
import { ack } from '../test/support/sockets.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Client Portal accessibility and small screens', { timeout: 60000 }, () => {
  let s: TestServer;
  let b: Browsers;
  beforeAll(async () => {
    s = await startPortalServer();
    await setOfficeHours(s, ALWAYS_OPEN);
    b = await launch(s.url);
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });

  for (const [label, size] of [
    ['laptop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`has no axe violation on any page at ${label} width`, async () => {
      const w = await s.f.world();
      await s.f.ticket({ companyId: w.companyId, boardId: w.boardId, contactId: w.user.id, summary: 'Monitor flickers' });
      const tech = await techSide(s, w.tech.email);
      const page = await (await b.newContext(size)).newPage();
      const checked: Record<string, string[]> = {};
      const check = async (name: string) => {
        checked[name] = await axeViolations(page);
        expect(await overflowsSideways(page), `${name} scrolls sideways`).toBe(false);
      };

      await page.goto('/');
      await page.getByLabel('Email').waitFor();
      await check('login');
      await portalLogin(page, w.user.email);
      await check('home');
      await page.getByRole('link', { name: 'Monitor flickers' }).click();
      await page.getByRole('heading', { name: /Monitor flickers/ }).waitFor();
      await check('ticket');
      await page.getByRole('link', { name: 'New request', exact: true }).click();
      await page.getByTestId('office-open').waitFor();
      // Open around the clock says so, not "until 12:00 AM" and "12:00 AM – 12:00 AM".
      expect(await page.getByTestId('office-open').textContent()).toContain('around the clock');
      expect(await page.getByTestId('office-openings').textContent()).toContain('open all day');
      await check('new request');
      const chatId = await requestChat(page, 'Keyboard', 'Keys stick');
      await page.getByTestId('queue-position').waitFor();
      await check('waiting');
      await page.getByRole('button', { name: 'Request a callback instead' }).click();
      await check('callback form');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await techJoins(tech, chatId);
      await ack(tech.socket, 'message:send', { chatId, body: 'Try another keyboard', clientId: `k-${label}` });
      await page.locator('.message-body', { hasText: 'Try another keyboard' }).waitFor();
      await check('chat');
      if (label === 'phone') await page.screenshot({ path: screenshotPath('portal-phone-chat') });
      await tech.http.post(`/api/console/chats/${chatId}/end`, { outcome: 'ended' });
      await page.getByTestId('chat-ended').waitFor();
      await check('ended');
      expect(checked).toEqual(Object.fromEntries(Object.keys(checked).map((k) => [k, []])));
      tech.socket.close();
    });
  }

  it('works with the keyboard alone: log in, start a request, chat', async () => {
    const w = await s.f.world();
    const tech = await techSide(s, w.tech.email);
    const page = await (await b.newContext()).newPage();
    await page.goto('/');
    await page.getByLabel('Email').waitFor();
    // Tab order reaches every control of a form; Enter submits.
    await page.keyboard.press('Tab');
    await page.keyboard.type(w.user.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'My tickets and chats' }).waitFor();

    await page.getByRole('link', { name: 'New request', exact: true }).focus();
    await page.keyboard.press('Enter');
    // Focus moved to the new page: the next Tab reaches its first control.
    await eventually(() => page.locator('select option').count()).toBeGreaterThan(1);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await page.getByLabel('Topic').getAttribute('id'));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Typed by keyboard');
    await page.keyboard.press('Tab');
    await page.keyboard.type('No mouse here');
    // Support is open, so "Chat now" is already chosen: Tab lands on it, the next Tab on the button.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.checked)).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Start chat');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/chats\/\d+$/);
    const chatId = Number(new URL(page.url()).pathname.split('/').pop());
    await techJoins(tech, chatId);
    const box = page.getByLabel('Message', { exact: true });
    await box.waitFor();
    await box.focus();
    await page.keyboard.type('Sent with Enter');
    await page.keyboard.press('Enter');
    await eventually(async () => (await tech.http.get(`/api/console/chats/${chatId}/messages`)).body.map((m: { body: string }) => m.body)).toContain(
      'Sent with Enter',
    );
    tech.socket.close();
  });
});
