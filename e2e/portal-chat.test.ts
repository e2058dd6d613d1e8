/**
 * Client Portal in a real browser against a real server: the portal user drives the pages, the
 * tech side is a real console socket and HTTP session (the Tech Console's own UI is tested apart).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import {
  ALWAYS_OPEN,
  HAS_PORTAL_BUILD,
  portalLogin,
  requestChat,
  setOfficeHours,
  shownMessages,
  startPortalServer,
  techJoins,
  techSide,
  eventually,
  leaveAndConfirm,
} from './support/portal.js';
import { ack, received, waitFor } from '../test/support/sockets.js';
import type { TestServer } from '../test/support/server.js';

const XSS = '<img src=x onerror=alert(1)>';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Client Portal chat in a real browser', () => {
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

  async function userPage(email: string): Promise<{ page: Page; dialogs: string[] }> {
    const ctx = await b.newContext();
    const page = await ctx.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await portalLogin(page, email);
    return { page, dialogs };
  }

  it('refuses a wrong password with the server message, then logs in and out', async () => {
    const w = await s.f.world();
    const ctx = await b.newContext();
    const page = await ctx.newPage();
    await page.goto('/');
    await page.getByLabel('Email').fill(w.user.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toContain('Wrong email or password');
    await portalLogin(page, w.user.email);
    // A second tab of the same browser: the logout in the first ends its session too, and the
    // server closes its socket; it must show the login page on its own, not a reconnecting banner.
    const other = await ctx.newPage();
    await other.goto('/');
    await other.getByRole('heading', { name: 'My tickets and chats' }).waitFor();
    await eventually(() =>
      s.realtime.io
        .of('/portal')
        .in(`portal:${w.user.id}`)
        .fetchSockets()
        .then((x) => x.length),
    ).toBe(2);
    await page.getByRole('button', { name: 'Log out' }).click();
    await eventually(() => page.getByRole('button', { name: 'Log in' }).isVisible()).toBe(true);
    await eventually(() => other.getByRole('button', { name: 'Log in' }).isVisible()).toBe(true);
    // The session is really gone: the API refuses the old cookie.
    const me = await page.evaluate(() => fetch('/api/portal/me').then((r) => r.status));
    expect(me).toBe(401);
  });

  it('request -> alert -> join -> chat both ways, typing, user text as text, reload and dropped connection lose nothing, end with ticket and transcript', async () => {
    const w = await s.f.world();
    const outsiderBoard = await s.f.board();
    const outsider = await s.f.tech({ boardIds: [outsiderBoard], allCompanies: true });
    const tech = await techSide(s, w.tech.email);
    const other = await techSide(s, outsider.email);
    const { page, dialogs } = await userPage(w.user.email);

    const chatId = await requestChat(page, 'VPN down', 'My VPN drops every minute');
    await eventually(() => page.getByTestId('queue-position').textContent()).toBe('1');
    await eventually(() => page.getByTestId('waited').textContent()).toMatch(/\d+ s/);
    await waitFor(tech.socket, 'alert', (p) => p.chat.id === chatId);

    const joined = await techJoins(tech, chatId);
    expect(joined).toMatchObject({ id: chatId, status: 'active', tech: { id: w.tech.id }, abilities: { write: true } });
    await eventually(() => page.getByTestId('tech-name').textContent()).toBe(joined.tech!.name);

    // Tech -> user, with markup that must stay text.
    await ack(tech.socket, 'message:send', { chatId, body: XSS, clientId: 't1' });
    await eventually(() => page.locator('.message-body', { hasText: XSS }).count()).toBe(1);
    expect(await page.locator('.messages img').count()).toBe(0);

    // Typing both ways, each to the other side only.
    await ack(tech.socket, 'typing', { chatId, typing: true });
    await eventually(() => page.locator('.typing').textContent()).toContain('is typing');
    const box = page.getByLabel('Message', { exact: true });
    await box.pressSequentially('Thanks, ');
    await waitFor(tech.socket, 'typing', (p) => p.chatId === chatId && p.typing === true && p.author.kind === 'portal');

    // User -> tech: stored once, delivered once.
    await box.pressSequentially('it is still broken');
    await box.press('Enter');
    const m = await waitFor(tech.socket, 'message', (p) => p.chatId === chatId && p.body === 'Thanks, it is still broken');
    await eventually(async () => (await page.locator('.message-mine .message-state').allTextContents()).at(-1)).toBe('Sent');
    // Stored, not seen yet: the tech (a socket here) has not said it read it. Once it does, "Seen".
    expect((await ack(tech.socket, 'chat:read', { chatId, seq: m.seq })).ok).toBe(true);
    await eventually(async () => (await page.locator('.message-mine .message-state').allTextContents()).at(-1)).toBe('Seen');

    // Reload mid-chat: every message once, in order.
    const before = await shownMessages(page);
    await page.reload();
    await eventually(async () => (await shownMessages(page)).length).toBe(before.length);
    expect(await shownMessages(page)).toEqual(before);

    // Dropped connection: the page says so, keeps what is typed meanwhile, and sends it once when back.
    await page.context().setOffline(true);
    for (const sock of await s.realtime.io.of('/portal').in(`portal:${w.user.id}`).fetchSockets())
      (sock as unknown as { conn: { close: () => void } }).conn.close();
    await eventually(() => page.getByTestId('connection-lost').isVisible()).toBe(true);
    await box.fill('sent while offline');
    await box.press('Enter');
    await eventually(() => page.locator('.message-sending').count()).toBe(1);
    await ack(tech.socket, 'message:send', { chatId, body: 'reply while you were away', clientId: 't2' });
    await page.context().setOffline(false);
    await eventually(() => page.getByTestId('connection-back').isVisible(), { timeout: 15000 }).toBe(true);
    await eventually(() => page.locator('.message-body', { hasText: 'reply while you were away' }).count()).toBe(1);
    await waitFor(tech.socket, 'message', (p) => p.chatId === chatId && p.body === 'sent while offline');
    await eventually(() => page.locator('.message-sending').count()).toBe(0);
    const stored = await tech.http.get(`/api/console/chats/${chatId}/messages`);
    expect(stored.body.filter((x: { body: string }) => x.body === 'sent while offline')).toHaveLength(1);
    const seqs = (await shownMessages(page)).map((x) => x.seq);
    expect(seqs).toEqual(stored.body.map((x: { seq: number }) => x.seq));

    // End with a new ticket: the user sees the end, the transcript, and the session on the ticket.
    const end = await tech.http.post(`/api/console/chats/${chatId}/end`, { outcome: 'ticket_created', boardId: w.boardId, summary: 'VPN keeps dropping' });
    expect(end.status).toBe(200);
    await eventually(() => page.getByTestId('chat-ended').isVisible()).toBe(true);
    const transcript = await page.evaluate(
      (id) => fetch(`/api/portal/chats/${id}/transcript`).then(async (r) => ({ type: r.headers.get('content-type'), text: await r.text() })),
      chatId,
    );
    expect(transcript.type).toContain('text/plain');
    expect(transcript.text).toContain(XSS);
    expect(transcript.text).toContain('Thanks, it is still broken');
    await page.getByRole('link', { name: /ticket #\d+/ }).click();
    await eventually(() => page.getByTestId('timeline-chat').textContent()).toContain(`chat-${chatId}.txt`);
    expect(await page.getByTestId('timeline-chat').textContent()).toMatch(/, 5 messages,/);
    await page.getByTestId('connection-back').waitFor({ state: 'detached' });

    // Nobody outside the chat heard any of it, and no script ever ran.
    expect(received(other.socket, 'alert')).toHaveLength(0);
    expect(received(other.socket, 'message')).toHaveLength(0);
    expect(received(other.socket, 'typing')).toHaveLength(0);
    expect(received(tech.socket, 'typing', (p) => p.author.kind === 'tech')).toHaveLength(0);
    expect(dialogs).toEqual([]);
    void m;
    tech.socket.close();
    other.socket.close();
  });

  it('an open chat is one click away from the home page; leaving an active chat tells the tech and ends the composer', async () => {
    const w = await s.f.world();
    const tech = await techSide(s, w.tech.email);
    const { page } = await userPage(w.user.email);
    const chatId = await requestChat(page, 'Disk full', 'C: has 0 bytes free');
    await techJoins(tech, chatId);
    await page.getByTestId('tech-name').waitFor();

    await page.getByRole('link', { name: 'My tickets and chats' }).first().click();
    await page.getByRole('link', { name: 'Return to chat' }).click();
    await page.waitForURL(new RegExp(`/chats/${chatId}$`));
    await page.getByLabel('Message', { exact: true }).waitFor();

    // Leaving asks first: "Stay" keeps the chat as it was.
    await page.getByRole('button', { name: 'Leave the chat' }).click();
    const ask = page.getByRole('alertdialog', { name: 'Leave this chat?' });
    await ask.waitFor();
    expect(await ask.evaluate((d) => d.contains(document.activeElement) && document.activeElement?.textContent)).toBe('Stay in the chat');
    await ask.getByRole('button', { name: 'Stay in the chat' }).click();
    await eventually(() => ask.count()).toBe(0);
    expect((await tech.http.get(`/api/console/chats/${chatId}`)).body.leftAt).toBeNull();
    expect(await page.getByLabel('Message', { exact: true }).isVisible()).toBe(true);
    await leaveAndConfirm(page, 'chat');
    const left = await waitFor(tech.socket, 'presence', (p) => p.chatId === chatId && p.left === true);
    expect(left.userId).toBe(w.user.id);
    await eventually(() => page.getByText('You left this chat').isVisible()).toBe(true);
    expect(await page.getByLabel('Message', { exact: true }).count()).toBe(0);
    // The chat stays active for the tech, who still ends it.
    const view = await tech.http.get(`/api/console/chats/${chatId}`);
    expect(view.body.status).toBe('active');
    expect(view.body.leftAt).not.toBeNull();
    tech.socket.close();
  });

  it('a repeated request brings back the open chat; an ended session shows the login page, and after a new login live updates flow again', async () => {
    const w = await s.f.world();
    const tech = await techSide(s, w.tech.email);
    const { page } = await userPage(w.user.email);
    const chatId = await requestChat(page, 'Wi-Fi', 'No signal in room 4');
    await page.getByRole('link', { name: 'New request', exact: true }).click();
    await page.getByLabel('Topic').selectOption({ index: 1 });
    await page.getByLabel('Subject').fill('Wi-Fi again');
    await page.getByLabel('Message', { exact: true }).fill('Still nothing');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.waitForURL(new RegExp(`/chats/${chatId}\\?existing=1$`));
    await eventually(() => page.getByText('You already have this chat open').isVisible()).toBe(true);
    const mine = await s.ctx.db.selectFrom('chats').select('id').where('requester_id', '=', w.user.id).execute();
    expect(mine.map((c) => Number(c.id))).toEqual([chatId]);

    // The session ends on the server (expired, or revoked by an admin).
    await s.ctx.db.deleteFrom('sessions').where('user_kind', '=', 'portal').where('user_id', '=', w.user.id).execute();
    // Whichever comes first: the live connection notices (the login page shows by itself), or the
    // user acts and the refused request shows it. Either way the request stays as it was.
    const login = page.getByRole('button', { name: 'Log in' });
    const leave = page.getByRole('button', { name: 'Leave the queue', exact: true }).first();
    await login.or(leave).first().waitFor();
    if (await leave.isVisible()) {
      await leave.click({ timeout: 5000 }).catch(() => {});
      const confirm = page.getByRole('alertdialog').getByRole('button', { name: 'Leave the queue', exact: true });
      await Promise.race([confirm.click({ timeout: 5000 }).catch(() => {}), login.waitFor()]);
    }
    await eventually(() => login.isVisible()).toBe(true);
    const after = await s.ctx.db.selectFrom('chats').select('status').where('id', '=', chatId).executeTakeFirstOrThrow();
    expect(after.status).toBe('waiting');

    await portalLogin(page, w.user.email);
    await page.getByRole('link', { name: 'Return to chat' }).click();
    await page.getByTestId('queue-position').waitFor();
    await techJoins(tech, chatId);
    await ack(tech.socket, 'message:send', { chatId, body: 'Which room exactly?', clientId: 'after-relogin' });
    await eventually(() => page.locator('.message-body', { hasText: 'Which room exactly?' }).count()).toBe(1);
    tech.socket.close();
  });

  it('a message typed while the connection is down survives a page reload and is delivered once when it is back', async () => {
    const w = await s.f.world();
    const tech = await techSide(s, w.tech.email);
    const { page } = await userPage(w.user.email);
    const chatId = await requestChat(page, 'Phone', 'Voicemail is full');
    await techJoins(tech, chatId);
    await page.getByTestId('tech-name').waitFor();

    // Only the live connection is cut: the page itself still loads, so it can be reloaded.
    await page.route('**/socket.io/**', (r) => r.abort());
    for (const sock of await s.realtime.io.of('/portal').in(`portal:${w.user.id}`).fetchSockets())
      (sock as unknown as { conn: { close: () => void } }).conn.close();
    await page.getByTestId('connection-lost').waitFor();
    const box = page.getByLabel('Message', { exact: true });
    await box.fill('written during the outage');
    await box.press('Enter');
    await page.locator('.message-sending').waitFor();
    await page.reload();
    // After the reload the message is still there, still waiting to be sent.
    await eventually(() => page.locator('.message-sending', { hasText: 'written during the outage' }).count()).toBe(1);
    const during = await tech.http.get(`/api/console/chats/${chatId}/messages`);
    expect(during.body.map((m: { body: string }) => m.body)).not.toContain('written during the outage');

    await page.unroute('**/socket.io/**');
    await waitFor(tech.socket, 'message', (p) => p.chatId === chatId && p.body === 'written during the outage', 15000);
    await eventually(() => page.locator('.message-sending').count()).toBe(0);
    const stored = await tech.http.get(`/api/console/chats/${chatId}/messages`);
    expect(stored.body.filter((m: { body: string }) => m.body === 'written during the outage')).toHaveLength(1);
    expect((await shownMessages(page)).filter((m) => m.body === 'written during the outage')).toHaveLength(1);
    tech.socket.close();
  });
});
