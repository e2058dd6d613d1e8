/**
 * The portal while nobody has joined: office hours closed, callback up front, the wait offer,
 * leaving, and a chat from a ticket that alerts its assigned tech first. Real browser, real server
 * with a 1 s wait-offer delay.
 */
import { axeViolations } from './support/a11y.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { localParts, zonedToInstant } from '../src/shared/time-zones.js';
import { HAS_PORTAL_BUILD, leaveAndConfirm, portalLogin, requestChat, setOfficeHours, startPortalServer, techSide, eventually } from './support/portal.js';
import { received, waitFor } from '../test/support/sockets.js';
import { PASSWORD, type TestServer } from '../test/support/server.js';
import { loginAs } from '../test/support/http.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Client Portal waiting, offer, callback and leave', () => {
  let s: TestServer;
  let b: Browsers;
  let nextOpen = 0;
  const OFFICE_TZ = 'America/New_York';
  const VIEWER_TZ = 'Europe/Berlin';
  beforeAll(async () => {
    s = await startPortalServer({ CHAT_WAIT_OFFER_SECONDS: '1' });
    // Closed now: the desk (in New York) opens only on the day after tomorrow, 09:00-17:00.
    const today = localParts(Date.now(), OFFICE_TZ);
    await setOfficeHours(s, { [String((today.weekday + 2) % 7)]: [{ start: '09:00', end: '17:00' }] }, OFFICE_TZ);
    const d = new Date(Date.UTC(today.y, today.m - 1, today.d + 2));
    nextOpen = zonedToInstant(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 9, 0, OFFICE_TZ);
    b = await launch(s.url);
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });

  async function userPage(email: string): Promise<Page> {
    const page = await (await b.newContext()).newPage();
    await portalLogin(page, email);
    return page;
  }

  it('outside office hours says nobody may respond, offers the callback first, validates the phone, and the tech completes it', async () => {
    const w = await s.f.world();
    const tech = await techSide(s, w.tech.email);
    // A user in Berlin: every time on the page is in their own zone, not the desk's.
    const ctx = await b.browser.newContext({ baseURL: s.url, timezoneId: VIEWER_TZ, locale: 'en-GB', viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await portalLogin(page, w.user.email);
    // The home page already says that support is closed, before the user starts anything.
    await eventually(() => page.getByTestId('office-closed').textContent()).toContain('Support is closed now');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'New request', exact: true }).click();
    await eventually(() => page.getByTestId('office-closed').textContent()).toContain('Nobody may respond');
    const inBerlin = (opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone: VIEWER_TZ, ...opts }).format(new Date(nextOpen));
    const closedText = await page.getByTestId('office-closed').textContent();
    expect(closedText).toContain(inBerlin({ dateStyle: 'medium', timeStyle: 'short' }));
    const opening = (await page.getByTestId('office-openings').textContent()) ?? '';
    expect(opening).toContain(`${inBerlin({ hour: '2-digit', minute: '2-digit' })} – `);
    expect(opening).not.toContain('09:00 –');
    expect(await page.getByText(`Shown in your time zone (${VIEWER_TZ})`).count()).toBe(1);
    expect(await page.getByRole('radio', { name: /Call me back/ }).isChecked()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('portal-new-request-closed'), fullPage: true });

    await page.getByLabel('Topic').selectOption({ index: 1 });
    await page.getByLabel('Subject').fill('Printer jam');
    await page.getByLabel('Message', { exact: true }).fill('Paper stuck in tray 2');
    await page.getByLabel('Phone number').fill('12ab');
    await page.getByRole('button', { name: 'Request a callback' }).click();
    await eventually(() => page.getByRole('alert').first().textContent()).toMatch(/Phone number/);
    // The bad phone stopped it in the page: nothing was requested.
    expect((await s.ctx.db.selectFrom('chats').select('id').where('requester_id', '=', w.user.id).execute()).length).toBe(0);

    await page.getByLabel('Phone number').fill('+1 555 010 0199');
    await page.getByLabel('Preferred time (optional)').fill('after 3pm');
    await page.getByRole('button', { name: 'Request a callback' }).click();
    await eventually(() => page.getByTestId('callback-confirmed').textContent()).toContain('+1 555 010 0199');
    const chatId = Number(new URL(page.url()).pathname.split('/').pop());

    const bar = await tech.http.get('/api/console/status-bar');
    expect(bar.body.callback.map((c: { id: number; callback: { phone: string } }) => [c.id, c.callback.phone])).toEqual([[chatId, '+1 555 010 0199']]);
    const done = await tech.http.post(`/api/console/chats/${chatId}/complete`, { note: 'Called, cleared the jam' });
    expect(done.status).toBe(200);
    await eventually(() => page.getByTestId('chat-ended').isVisible()).toBe(true);
    tech.socket.close();
  });

  it('offers keep waiting / callback / leave after the delay; keep waiting brings it back later; callback from the offer', async () => {
    const w = await s.f.world();
    const page = await userPage(w.user.email);
    const chatId = await requestChat(page, 'Email', 'Outlook will not start');
    // Browsing elsewhere while waiting: the offer finds the user there too.
    await page.getByRole('link', { name: 'My tickets and chats' }).first().click();
    await page.getByRole('link', { name: 'See the options' }).click({ timeout: 10000 });
    await page.waitForURL(new RegExp(`/chats/${chatId}$`));
    await eventually(() => page.getByTestId('offer').isVisible(), { timeout: 10000 }).toBe(true);
    // The offer takes the keyboard focus.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('offer');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Keep waiting' }).click();
    await eventually(() => page.getByTestId('offer').count()).toBe(0);
    await eventually(() => page.getByTestId('offer').isVisible(), { timeout: 10000 }).toBe(true);

    await page.getByTestId('offer').getByRole('button', { name: 'Request a callback' }).click();
    await page.getByLabel('Phone number').fill('020 7946 0000');
    await page.getByRole('button', { name: 'Request callback' }).click();
    await eventually(() => page.getByTestId('callback-confirmed').isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    const chat = await s.ctx.db.selectFrom('chats').select(['status', 'offer_count']).where('id', '=', chatId).executeTakeFirstOrThrow();
    expect(chat.status).toBe('callback');
    expect(Number(chat.offer_count)).toBeGreaterThanOrEqual(2);
  });

  it('a user who has started and left several chats in a row is told clearly to wait before starting another', async () => {
    const w = await s.f.world();
    // Five request -> leave cycles through the API (the free ones), then the sixth from the page.
    const api = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    for (let i = 0; i < 5; i++) {
      const r = await api.post('/api/portal/chats', { boardId: w.boardId, subject: `Cycle ${i}`, message: 'hi' });
      expect(r.status, r.text).toBe(201);
      expect((await api.post(`/api/portal/chats/${r.body.chat.id}/leave`)).status).toBe(200);
    }
    const page = await userPage(w.user.email);
    await page.getByRole('link', { name: 'New request', exact: true }).click();
    await page.getByLabel('Topic').selectOption({ index: 1 });
    await page.getByLabel('Subject').fill('One more');
    await page.getByLabel('Message', { exact: true }).fill('Are you there?');
    await page.getByRole('radio', { name: /Chat now/ }).check();
    await page.getByRole('button', { name: 'Start chat' }).click();
    const banner = page.getByRole('alert').filter({ hasText: 'several chats' });
    await eventually(() => banner.textContent()).toMatch(/You have started several chats in a short time\. Please wait \d+ seconds before starting another\./);
    // The form stays filled in, on the new-request page, for when the wait is over.
    expect(new URL(page.url()).pathname).toBe('/new');
    expect(await page.getByLabel('Subject').inputValue()).toBe('One more');
    await page.screenshot({ path: screenshotPath('portal-request-paced'), fullPage: true });
  });

  it('a chat from a ticket alerts its assigned tech first; a DNR tech gets nothing; leaving makes it abandoned', async () => {
    const w = await s.f.world();
    const assigned = await techSide(s, w.tech.email);
    const colleague = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    const busy = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId], available: false });
    const colleagueSide = await techSide(s, colleague.email);
    const busySide = await techSide(s, busy.email);
    const ticketId = await s.f.ticket({
      companyId: w.companyId,
      boardId: w.boardId,
      contactId: w.user.id,
      assignedTechId: w.tech.id,
      summary: 'Laptop fan noise',
    });

    const page = await userPage(w.user.email);
    await page.getByRole('link', { name: 'Laptop fan noise' }).click();
    await page.getByLabel('First message (optional)').fill('It is loud again');
    await page.getByRole('button', { name: 'Start a chat about this ticket' }).click();
    await page.waitForURL(/\/chats\/\d+$/);
    const chatId = Number(new URL(page.url()).pathname.split('/').pop());
    await eventually(() => page.getByTestId('chat-status').textContent()).toContain(`Ticket #${ticketId}`);

    const alert = await waitFor(assigned.socket, 'alert', (p) => p.chat.id === chatId);
    expect(alert.stage).toBe('assigned');
    await leaveAndConfirm(page, 'queue');
    await eventually(() => page.getByTestId('abandoned').isVisible()).toBe(true);
    // The withdrawal follows any alert on the same socket: once it is here, a stray alert would be too.
    await waitFor(colleagueSide.socket, 'alert:withdrawn', (p) => p.chatId === chatId);
    await waitFor(busySide.socket, 'alert:withdrawn', (p) => p.chatId === chatId);
    expect(received(colleagueSide.socket, 'alert', (p) => p.chat.id === chatId)).toHaveLength(0);
    expect(received(busySide.socket, 'alert')).toHaveLength(0);
    const bar = await colleagueSide.http.get('/api/console/status-bar');
    expect(bar.body.abandoned.map((c: { id: number }) => c.id)).toContain(chatId);
    for (const t of [assigned, colleagueSide, busySide]) t.socket.close();
  });
});
