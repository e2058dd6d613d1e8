/**
 * Nothing lost by accident, in the Client Portal in a real browser: leaving asks first, drafts
 * survive a reload, a message over the limit is never cut silently, the conversation can be
 * scrolled from the keyboard, and a request closed because the connection was lost says so and
 * can be asked again in one click.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './support/a11y.js';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import {
  ALWAYS_OPEN,
  HAS_PORTAL_BUILD,
  eventually,
  leaveAndConfirm,
  portalLogin,
  requestChat,
  setOfficeHours,
  startPortalServer,
  techJoins,
  techSide,
} from './support/portal.js';
import { ack } from '../test/support/sockets.js';
import type { TestServer } from '../test/support/server.js';
import { MAX_MESSAGE, MAX_SUBJECT } from '../src/shared/schemas.js';

const GRACE_S = 2;

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Client Portal: nothing lost by accident', { timeout: 60000 }, () => {
  let s: TestServer;
  let b: Browsers;
  beforeAll(async () => {
    s = await startPortalServer({ CHAT_DISCONNECT_GRACE_SECONDS: String(GRACE_S), CHAT_WAIT_OFFER_SECONDS: '600' });
    await setOfficeHours(s, ALWAYS_OPEN);
    b = await launch(s.url);
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });

  const statusOf = async (chatId: number) => (await s.ctx.db.selectFrom('chats').select('status').where('id', '=', chatId).executeTakeFirstOrThrow()).status;
  async function userPage(email: string): Promise<Page> {
    const page = await (await b.newContext()).newPage();
    await portalLogin(page, email);
    return page;
  }

  it('"Start chat" says why it waits: no topic chosen yet, no subject or message, or one too long (never cut)', async () => {
    const w = await s.f.world();
    // Two boards offered: none is chosen for the user.
    await s.ctx.db
      .insertInto('company_boards')
      .values({ company_id: w.companyId, board_id: await s.f.board() })
      .execute();
    const page = await userPage(w.user.email);
    await page.getByRole('link', { name: 'New request', exact: true }).click();
    const start = page.getByRole('button', { name: 'Start chat' });
    await page.getByLabel('Subject').fill('Keyboard');
    await page.getByLabel('Message', { exact: true }).fill('Keys stick');
    await page.getByRole('radio', { name: /Chat now/ }).check();
    expect(await start.isDisabled()).toBe(true);
    expect(await page.getByTestId('submit-why').textContent()).toBe('Choose the topic first.');
    await page.getByLabel('Topic').selectOption({ index: 1 });
    // A subject one character too long is kept whole and shown as too long (it was cut at 200).
    await page.getByLabel('Subject').fill('s'.repeat(MAX_SUBJECT + 1));
    expect(await page.getByLabel('Subject').inputValue()).toHaveLength(MAX_SUBJECT + 1);
    expect(await page.getByTestId('submit-why').textContent()).toBe('Shorten the subject first.');
    expect(await start.isDisabled()).toBe(true);
    expect(await page.getByText('1 too many to send').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Subject').fill('Keyboard');
    await page.getByLabel('Message', { exact: true }).fill('y'.repeat(MAX_MESSAGE + 5));
    expect(await page.getByTestId('submit-why').textContent()).toBe('Shorten the message first.');
    expect(await page.getByTestId('char-count').last().textContent()).toContain('5 too many');
    // Spaces alone are no subject or message: said here, not as the server's "Invalid body".
    await page.getByLabel('Subject').fill('   ');
    await page.getByLabel('Message', { exact: true }).fill('Keys stick');
    expect(await page.getByTestId('submit-why').textContent()).toBe('Write a subject first.');
    expect(await start.isDisabled()).toBe(true);
    await page.getByLabel('Subject').fill('Keyboard');
    await page.getByLabel('Message', { exact: true }).fill(' \n ');
    expect(await page.getByTestId('submit-why').textContent()).toBe('Write a message first.');
    expect(await start.isDisabled()).toBe(true);
    await page.getByLabel('Message', { exact: true }).fill('Keys stick');
    expect(await page.getByTestId('submit-why').textContent()).toBe('');
    expect(await start.isDisabled()).toBe(false);
  });

  it('"Leave the queue" asks first: "Keep waiting" keeps the request, confirming closes it', async () => {
    const w = await s.f.world();
    const page = await userPage(w.user.email);
    const chatId = await requestChat(page, 'Mouse', 'The mouse is dead');
    await page.getByRole('button', { name: 'Leave the queue' }).click();
    const ask = page.getByRole('alertdialog', { name: 'Leave the queue?' });
    await ask.waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await ask.getByRole('button', { name: 'Keep waiting' }).click();
    await eventually(() => ask.count()).toBe(0);
    expect(await statusOf(chatId)).toBe('waiting');
    await leaveAndConfirm(page, 'queue');
    await eventually(() => page.getByTestId('abandoned').isVisible()).toBe(true);
    expect(await statusOf(chatId)).toBe('abandoned');
  });

  it('a draft survives a reload and is gone once sent; a message over the limit is shown as too long, never cut, and cannot be sent until shortened', async () => {
    const w = await s.f.world();
    const tech = await techSide(s, w.tech.email);
    const page = await userPage(w.user.email);
    const chatId = await requestChat(page, 'Screen', 'The screen is dark');
    await techJoins(tech, chatId);
    const box = page.getByLabel('Message', { exact: true });
    await box.waitFor();
    await box.fill('I will try the other cable and');
    await page.reload();
    await eventually(() => page.getByLabel('Message', { exact: true }).inputValue()).toBe('I will try the other cable and');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await eventually(() => page.locator('.message-body', { hasText: 'I will try the other cable and' }).count()).toBe(1);
    await page.reload();
    await eventually(() => page.locator('.message-body', { hasText: 'I will try the other cable and' }).count()).toBe(1);
    expect(await page.getByLabel('Message', { exact: true }).inputValue()).toBe('');

    // One character over: all of it stays in the box, the counter says so, Send waits.
    const long = 'x'.repeat(MAX_MESSAGE + 1);
    await page.getByLabel('Message', { exact: true }).fill(long);
    expect((await page.getByLabel('Message', { exact: true }).inputValue()).length).toBe(MAX_MESSAGE + 1);
    await eventually(() => page.getByTestId('char-count').textContent()).toBe('4,001 / 4,000 characters: 1 too many to send');
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    expect(await page.getByLabel('Message', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Message', { exact: true }).press('End');
    await page.getByLabel('Message', { exact: true }).press('Backspace');
    await eventually(() => page.getByTestId('char-count').textContent()).toBe('4,000 / 4,000 characters');
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(false);
    await page.getByLabel('Message', { exact: true }).fill('');
  });

  it('a long conversation can be scrolled from the keyboard: the log is focusable and axe finds nothing; older messages say their date', async () => {
    const w = await s.f.world();
    const tech = await techSide(s, w.tech.email);
    const page = await userPage(w.user.email);
    const chatId = await requestChat(page, 'Printer', 'Printer jams');
    await techJoins(tech, chatId);
    // Within the send limit's burst (20).
    for (let i = 0; i < 15; i++)
      await ack(tech.socket, 'message:send', {
        chatId,
        body: `Step ${i + 1}: open the front cover, take out the tray and check for paper`,
        clientId: `scroll-${i}`,
      });
    await eventually(() => page.locator('.message-body', { hasText: 'Step 15:' }).count()).toBe(1);
    const log = page.getByRole('region', { name: 'Conversation' });
    expect(await log.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    expect(await log.getAttribute('tabindex')).toBe('0');
    expect(await axeViolations(page)).toEqual([]);

    // A message from an earlier day says its date, not only its time; today's say the time alone.
    const yesterday = Date.now() - 26 * 3600_000;
    await s.ctx.db.updateTable('messages').set({ created_at: yesterday }).where('chat_id', '=', chatId).where('seq', '=', 1).execute();
    await page.reload();
    const first = page.locator('.message-list li', { hasText: 'Printer jams' }).locator('time');
    const onDay = new Intl.DateTimeFormat(undefined, { day: 'numeric' }).format(new Date(yesterday));
    await eventually(() => first.textContent()).toContain(onDay);
    expect(await first.textContent()).toMatch(/[A-Za-z]{3}/);
    const last = page.locator('.message-list li', { hasText: 'Step 15:' }).locator('time');
    expect(await last.textContent()).toMatch(/^\d{1,2}:\d{2}( [AP]M)?$/);
    tech.socket.close();
  });

  it('in a hidden tab, a technician joining and replying show in the tab title, which is restored when the user looks', async () => {
    const w = await s.f.world();
    const tech = await techSide(s, w.tech.email);
    const page = await userPage(w.user.email);
    const chatId = await requestChat(page, 'Email', 'Outlook will not open');
    const title = 'Chat · Client Portal';
    await eventually(() => page.title()).toBe(title);
    const setHidden = (hidden: boolean) =>
      page.evaluate((h) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await techJoins(tech, chatId);
    await eventually(() => page.title()).toMatch(/^\(1\) .+ joined · /);
    await ack(tech.socket, 'message:send', { chatId, body: 'Which version of Outlook?', clientId: 'title-1' });
    await eventually(() => page.title()).toBe(`(2) New reply · ${title}`);
    await setHidden(false);
    await eventually(() => page.title()).toBe(title);
    // Looking at the page, nothing is added.
    await ack(tech.socket, 'message:send', { chatId, body: 'And the error text?', clientId: 'title-2' });
    await eventually(() => page.locator('.message-body', { hasText: 'And the error text?' }).count()).toBe(1);
    expect(await page.title()).toBe(title);
    tech.socket.close();
  });

  it('a request closed because the connection was lost says so (not "you left"), and "Ask again" requests it again in one click', async () => {
    const w = await s.f.world();
    const page = await userPage(w.user.email);
    const chatId = await requestChat(page, 'VPN', 'The VPN will not connect');
    await page.context().setOffline(true);
    for (const sock of await s.realtime.io.of('/portal').in(`portal:${w.user.id}`).fetchSockets())
      (sock as unknown as { conn: { close: () => void } }).conn.close();
    await eventually(() => statusOf(chatId), { timeout: 15000 }).toBe('abandoned');
    await page.context().setOffline(false);
    const card = page.getByTestId('closed-connection-lost');
    await eventually(() => card.isVisible(), { timeout: 15000 }).toBe(true);
    expect(await card.getByRole('heading').textContent()).toBe('The connection was lost');
    expect(await page.getByTestId('chat-status').textContent()).toContain('Closed: the connection was lost');
    expect(await page.getByText('You left the queue').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    await card.getByRole('button', { name: 'Ask again' }).click();
    await page.waitForURL((u) => /\/chats\/\d+$/.test(u.pathname) && !u.pathname.endsWith(`/${chatId}`));
    const again = Number(new URL(page.url()).pathname.split('/').pop());
    const row = await s.ctx.db.selectFrom('chats').select(['subject', 'status', 'board_id']).where('id', '=', again).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ subject: 'VPN', status: 'waiting', board_id: w.boardId });
    const first = await s.ctx.db.selectFrom('messages').select('body').where('chat_id', '=', again).orderBy('seq').executeTakeFirstOrThrow();
    expect(first.body).toBe('The VPN will not connect');
    await leaveAndConfirm(page, 'queue');
  });
});
