/**
 * Every Tech Console page under axe (no violation of any impact, light and dark) at laptop and phone width,
 * without sideways scrolling; and the core path (join, reply, end) by keyboard alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeViolations, overflowsSideways } from './support/a11y.js';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { ALWAYS_OPEN, HAS_PORTAL_BUILD, setOfficeHours, startPortalServer } from './support/portal.js';
import { consoleLogin, eventually, friendlyNames, navTo, techPage, toast } from './support/console-ui.js';
import { loginAs } from '../test/support/http.js';
import { abandonedChat, callbackChat, waitingChat, world } from '../test/support/flows.js';
import { PASSWORD, type TestServer } from '../test/support/server.js';

/** Presses Tab until the focused element matches, as a keyboard user would; fails if it never does. */
async function tabTo(page: Page, test: (el: { tag: string; label: string; text: string }) => boolean, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      const labelled = a?.id ? document.querySelector(`label[for="${a.id}"]`)?.textContent : null;
      return { tag: a?.tagName.toLowerCase() ?? '', label: a?.getAttribute('aria-label') ?? labelled ?? '', text: a?.textContent ?? '' };
    });
    if (test(el)) return;
  }
  throw new Error('Never reached the control by keyboard');
}

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Tech Console accessibility and small screens', { timeout: 60000 }, () => {
  let s: TestServer;
  let b: Browsers;
  beforeAll(async () => {
    s = await startPortalServer({ CHAT_WAIT_OFFER_SECONDS: '600' });
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
    it(`has no axe violation on any console page at ${label} width`, async () => {
      const w = await world(s);
      const admin = await s.f.tech({ role: 'admin' });
      const adminHttp = await loginAs(s.url, 'tech', admin.email, PASSWORD);
      const ticketId = await s.f.ticket({ companyId: w.companyId, boardId: w.boardId, contactId: w.user.id, summary: 'Monitor flickers' });
      const abandoned = await abandonedChat(w);
      await callbackChat(w);
      const live = await waitingChat(w, 'Live one');
      expect((await adminHttp.post(`/api/console/chats/${live}/join`)).status).toBe(200);
      expect((await adminHttp.post(`/api/console/chats/${live}/messages`, { body: 'Hello there', clientId: `a11y-${label}` })).status).toBe(201);

      // The phone run also makes a screenshot: readable names for it.
      if (label === 'phone') await friendlyNames(s, { ...w, tech: admin });
      const page = await (await b.newContext(size)).newPage();
      const checked: Record<string, string[]> = {};
      const check = async (name: string) => {
        checked[name] = await axeViolations(page);
        expect(await overflowsSideways(page), `${name} scrolls sideways`).toBe(false);
      };
      await page.goto('/console');
      await page.getByLabel('Email').waitFor();
      await check('login');
      await consoleLogin(page, admin.email);
      // A request arrives while on the home page: the toast is checked too.
      const waiting = await waitingChat(w, 'Needs someone');
      await toast(page, waiting).waitFor();
      await check('home with toast and status bar');
      if (label === 'phone') {
        // On a phone the lists start folded into counts; one button opens them.
        const toggle = page.getByRole('button', { name: 'Show lists' });
        expect(await toggle.getAttribute('aria-expanded')).toBe('false');
        expect(await page.getByTestId('sb-waiting').getByRole('button', { name: /^Join/ }).first().isVisible()).toBe(false);
        await toggle.click();
        await page.getByTestId('sb-waiting').getByRole('button', { name: /^Join/ }).first().waitFor();
        await check('status bar lists opened on a phone');
      }

      await page.goto(`/console/chats/${live}`);
      await page.locator('.message-body', { hasText: 'Hello there' }).waitFor();
      // The context panel fills in after the chat: checked loaded, and nothing moves under a click after.
      await page
        .getByTestId('context-panel')
        .locator('summary')
        .filter({ hasText: /open tickets? ·/ })
        .waitFor();
      await check('live chat');
      if (label === 'phone') await page.screenshot({ path: screenshotPath('console-phone-chat'), fullPage: true });
      await page.getByRole('button', { name: 'End chat…' }).click();
      await page.getByRole('dialog').getByRole('radio', { name: 'End and create a ticket' }).check();
      await check('end dialog');
      await page.getByRole('dialog').getByRole('button', { name: 'End and create ticket' }).click();
      await page.getByTestId('notes').waitFor();
      await check('completed chat');

      await page.goto(`/console/chats/${abandoned}`);
      await page.getByRole('button', { name: 'Complete…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Complete', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Complete without a note' }).waitFor();
      await check('complete dialog with the no-note warning');
      await page.keyboard.press('Escape');

      await navTo(page, 'Search');
      await page.getByTestId('search-result').first().waitFor();
      await check('search');
      await navTo(page, 'Tickets');
      await page.getByRole('link', { name: `#${ticketId} Monitor flickers` }).click();
      await page.getByRole('heading', { name: `Ticket #${ticketId}: Monitor flickers` }).waitFor();
      await check('ticket');
      await navTo(page, 'Tickets');
      await page.getByRole('heading', { name: 'Tickets' }).waitFor();
      await check('tickets');
      await navTo(page, 'Replies');
      await page.getByRole('heading', { name: 'My canned replies' }).waitFor();
      await check('my canned replies');
      const loaded: Record<string, string> = {
        Companies: 'Add company',
        Boards: 'Add board',
        'Technicians and access': 'Add technician',
        'Portal users': 'Add portal user',
        'Office hours and holidays': 'Save office hours',
        'Canned replies': 'Add canned reply',
        Branding: 'Save name, colour and word',
        'API tokens': 'Create token',
      };
      // A token in the list, used once, so its row shows every detail.
      const token = await adminHttp.post('/api/admin/api-tokens', { name: `Dashboard ${label}`, scopes: ['read'] });
      expect((await fetch(`${s.url}/api/console/me`, { headers: { authorization: `Bearer ${token.body.secret}` } })).status).toBe(200);
      await navTo(page, 'Admin');
      for (const [section, button] of Object.entries(loaded)) {
        await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: section }).click();
        await page.getByRole('heading', { name: `Admin: ${section}` }).waitFor();
        await page.getByRole('button', { name: button }).waitFor();
        // Lists fill in after the form: wait for the first row of each.
        if (!['Office hours and holidays', 'Branding', 'Canned replies'].includes(section)) await page.locator('.admin-list > li, tbody tr').first().waitFor();
        await check(`admin ${section}`);
      }
      expect(checked).toEqual(Object.fromEntries(Object.keys(checked).map((k) => [k, []])));
      // Fifteen pages under axe, each a second or more on a busy machine.
    }, 120000);
  }

  it('a tech joins from the toast, replies and ends the chat with the keyboard alone', async () => {
    const w = await world(s);
    const t = await techPage(await b.newContext(), w.tech.email);
    const chatId = await waitingChat(w, 'Keyboard only');
    await toast(t.page, chatId).waitFor();
    // F8 takes the keyboard to the alerts from anywhere on the page; Tab then reaches Join.
    await t.page.keyboard.press('F8');
    expect(await t.page.evaluate(() => !!document.activeElement?.closest('[role="region"][aria-label^="Chat requests"]'))).toBe(true);
    await tabTo(t.page, (el) => el.label === 'Join chat: Keyboard only' && el.text === 'Join' && !!el.tag && el.tag === 'button', 5);
    await t.page.keyboard.press('Enter');
    await t.page.waitForURL(new RegExp(`/console/chats/${chatId}$`));
    await tabTo(t.page, (el) => el.tag === 'textarea' && el.label === 'Message');
    await t.page.keyboard.type('Typed without a mouse');
    await t.page.keyboard.press('Enter');
    // Stored, not only shown as sending: a message with a seq.
    await t.page.locator('.message[data-seq] .message-body', { hasText: 'Typed without a mouse' }).waitFor();
    const stored = await w.userClient.get(`/api/portal/chats/${chatId}/messages`);
    expect(stored.body.map((m: { body: string }) => m.body)).toContain('Typed without a mouse');
    await tabTo(t.page, (el) => el.tag === 'button' && el.text === 'End chat…');
    await t.page.keyboard.press('Enter');
    // The dialog takes focus; its first choice is "just end".
    await tabTo(t.page, (el) => el.tag === 'button' && el.text === 'End chat');
    await t.page.keyboard.press('Enter');
    await eventually(() => t.page.getByTestId('chat-status').textContent()).toBe('Completed');
  });
});
