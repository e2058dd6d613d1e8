/**
 * The Tech Console's queue in a real browser: a ticket chat alerts its assigned tech first and the
 * others only after the window; nobody joins -> offer -> callback -> the tech completes it; the user
 * leaves -> abandoned -> completing it warns about a missing note.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import { ALWAYS_OPEN, HAS_PORTAL_BUILD, leaveAndConfirm, portalLogin, requestChat, setOfficeHours, startPortalServer } from './support/portal.js';
import { count, eventually, section, techPage, toast, type TechPage } from './support/console-ui.js';
import type { TestServer } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Tech Console queue in a real browser', { timeout: 60000 }, () => {
  let s: TestServer;
  let b: Browsers;
  beforeAll(async () => {
    s = await startPortalServer({ CHAT_WAIT_OFFER_SECONDS: '2', CHAT_ASSIGNED_FIRST_SECONDS: '3' });
    await setOfficeHours(s, ALWAYS_OPEN);
    b = await launch(s.url);
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });

  async function portal(email: string): Promise<Page> {
    const page = await (await b.newContext()).newPage();
    await portalLogin(page, email);
    return page;
  }
  const tech = async (email: string): Promise<TechPage> => techPage(await b.newContext(), email);

  it('a chat from a ticket alerts its assigned tech first, the second tech after the window; joining from the Waiting list withdraws the other toast', async () => {
    const w = await s.f.world();
    const second = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    const ticketId = await s.f.ticket({
      companyId: w.companyId,
      boardId: w.boardId,
      contactId: w.user.id,
      assignedTechId: w.tech.id,
      summary: 'Laptop battery',
    });
    const assigned = await tech(w.tech.email);
    const other = await tech(second.email);
    const user = await portal(w.user.email);

    await user.goto(`/tickets/${ticketId}`);
    await user.getByLabel('First message (optional)').fill('It drains in an hour');
    await user.getByRole('button', { name: 'Start a chat about this ticket' }).click();
    await user.waitForURL(/\/chats\/\d+$/);
    const chatId = Number(new URL(user.url()).pathname.split('/').pop());
    const t0 = Date.now();

    await eventually(() => toast(assigned.page, chatId).textContent()).toContain('New chat request on your ticket');
    // Everyone with access sees it waiting at once; only the alert is staged.
    await eventually(() => count(other.page, 'waiting')).toBe('1');
    expect(await toast(other.page, chatId).count()).toBe(0);
    await eventually(() => toast(other.page, chatId).isVisible(), { timeout: 10000 }).toBe(true);
    expect(Date.now() - t0).toBeGreaterThan(2000);

    await section(assigned.page, 'waiting').getByRole('button', { name: /^Join/ }).click();
    await assigned.page.waitForURL(new RegExp(`/console/chats/${chatId}$`));
    // The other tech is told who took it (no Join any more), and then the toast goes.
    await eventually(() => toast(other.page, chatId).textContent()).toMatch(/^Taken by Tech-/);
    expect(await toast(other.page, chatId).getByRole('button', { name: /^Join/ }).count()).toBe(0);
    await eventually(() => toast(other.page, chatId).count()).toBe(0);
    await eventually(() => count(other.page, 'waiting')).toBe('0');
    await eventually(() => toast(assigned.page, chatId).count()).toBe(0);

    // The requester's presence: online while on the page, then gone when they leave.
    await eventually(() => assigned.page.getByTestId('presence').textContent()).toBe('Online');
    await leaveAndConfirm(user, 'chat');
    await eventually(() => assigned.page.getByTestId('presence').textContent()).toBe('Left the chat');
    expect(await assigned.page.getByText('left the chat. End it when you are done.').isVisible()).toBe(true);
    // The box no longer says the reply goes to them.
    expect(await assigned.page.locator('.compose-mode').textContent()).toMatch(/Reply \(.+ left: the transcript keeps it\)/);
    expect(await assigned.page.locator('.compose-mode').textContent()).not.toContain('Reply to');

    // The chat names its ticket, and ending it says where the transcript goes.
    expect(await assigned.page.getByRole('link', { name: `Ticket #${ticketId}`, exact: true }).isVisible()).toBe(true);
    await assigned.page.getByRole('button', { name: 'End chat…' }).click();
    const dialog = assigned.page.getByRole('dialog', { name: 'End the chat' });
    expect(await dialog.getByTestId('transcript-target').textContent()).toContain(`ticket #${ticketId}`);
    await dialog.getByRole('button', { name: 'End chat' }).click();
    await eventually(() => assigned.page.getByTestId('chat-status').textContent()).toBe('Completed');
    await assigned.page.getByRole('link', { name: `Ticket #${ticketId}`, exact: true }).click();
    await eventually(() => assigned.page.getByTestId('timeline-chat').textContent()).toMatch(/chat session.*Ended/);
  });

  it('nobody joins -> the user gets the offer and asks for a callback -> the tech sees the phone and completes it', async () => {
    const w = await s.f.world();
    const t = await tech(w.tech.email);
    const user = await portal(w.user.email);
    const chatId = await requestChat(user, 'Call me please', 'Outlook will not start');
    await eventually(() => user.getByTestId('offer').isVisible(), { timeout: 10000 }).toBe(true);
    await user.getByTestId('offer').getByRole('button', { name: 'Request a callback' }).click();
    await user.getByLabel('Phone number').fill('+1 555 010 0142');
    await user.getByLabel('Preferred time (optional)').fill('after lunch');
    await user.getByRole('button', { name: 'Request callback' }).click();

    await eventually(() => count(t.page, 'callback')).toBe('1');
    await eventually(() => count(t.page, 'waiting')).toBe('0');
    await eventually(() => toast(t.page, chatId).count()).toBe(0);
    expect(await section(t.page, 'callback').textContent()).toContain('+1 555 010 0142');
    await section(t.page, 'callback')
      .getByRole('button', { name: /^Complete/ })
      .click();
    const dialog = t.page.getByRole('dialog', { name: /Complete callback/ });
    expect(await dialog.getByTestId('callback-phone').textContent()).toBe('+1 555 010 0142');
    expect(await dialog.textContent()).toContain('after lunch');
    await dialog.getByRole('button', { name: 'Complete', exact: true }).click();
    await eventually(() => count(t.page, 'callback')).toBe('0');
    // Said, not only implied by the list getting shorter.
    await eventually(() => t.page.getByTestId('flash').textContent()).toMatch(/^Completed: /);
    const row = await s.ctx.db.selectFrom('chats').select('status').where('id', '=', chatId).executeTakeFirstOrThrow();
    expect(row.status).toBe('completed');
    // The user is told their callback is done, not that a chat they never had "ended".
    await eventually(() => user.getByTestId('chat-ended').textContent()).toContain('Your callback request is done');
    expect(await user.getByTestId('chat-ended').textContent()).not.toContain('This chat has ended');
    // Its record says why nobody joined, not just "nobody".
    await t.page.goto(`/console/chats/${chatId}`);
    await eventually(() => t.page.getByTestId('chat-facts').textContent()).toContain('None: the user asked for a callback');
  });

  it('the user leaves -> abandoned -> completing without a note warns and needs a confirmation; with a note it completes', async () => {
    const w = await s.f.world();
    const t = await tech(w.tech.email);
    const user = await portal(w.user.email);
    const first = await requestChat(user, 'Gave up', 'Never mind');
    await leaveAndConfirm(user, 'queue');
    await eventually(() => count(t.page, 'abandoned')).toBe('1');
    await eventually(() => toast(t.page, first).count()).toBe(0);

    // Empty note: a warning, and a separate explicit confirmation.
    await section(t.page, 'abandoned')
      .getByRole('button', { name: /^Complete/ })
      .click();
    let dialog = t.page.getByRole('dialog', { name: /Complete abandoned chat/ });
    await dialog.getByRole('button', { name: 'Complete', exact: true }).click();
    await eventually(() => dialog.getByRole('alert').textContent()).toContain('not recommended');
    await dialog.getByRole('button', { name: 'Complete without a note' }).click();
    await eventually(() => count(t.page, 'abandoned')).toBe('0');

    // With a note: completes at once and the note is kept on the chat.
    await user.goto('/');
    const second = await requestChat(user, 'Gave up again', 'Sorry');
    await leaveAndConfirm(user, 'queue');
    await eventually(() => count(t.page, 'abandoned')).toBe('1');
    await section(t.page, 'abandoned').getByRole('link', { name: 'Gave up again' }).click();
    await t.page.getByRole('button', { name: 'Complete…' }).click();
    dialog = t.page.getByRole('dialog', { name: /Complete abandoned chat/ });
    await dialog.getByLabel(/Note/).fill('Emailed the user a fix');
    await dialog.getByRole('button', { name: 'Complete', exact: true }).click();
    await eventually(() => t.page.getByTestId('chat-status').textContent()).toBe('Completed');
    await eventually(() => t.page.getByTestId('note').first().textContent()).toContain('Emailed the user a fix');
    expect(await count(t.page, 'abandoned')).toBe('0');
    expect(second).not.toBe(first);
  });
});
