/**
 * Who hears of a chat, in a real browser: a Do Not Respond tech gets no alert (but still sees the
 * Waiting list and can join from it), a tech without access sees nothing of the chat, and a Join
 * clicked too late says who took the chat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import { ALWAYS_OPEN, HAS_PORTAL_BUILD, portalLogin, requestChat, setOfficeHours, startPortalServer, techSide } from './support/portal.js';
import { beeps, count, eventually, navTo, notifications, section, setHidden, techPage, toast } from './support/console-ui.js';
import { loginAs } from '../test/support/http.js';
import { waitFor } from '../test/support/sockets.js';
import { waitingChat, world } from '../test/support/flows.js';
import { PASSWORD, type TestServer } from '../test/support/server.js';

/**
 * "Nothing arrived" is proven with a barrier, not a pause: once the events of a chat have gone out
 * (someone who may see it has them), a later chat that a console may see reaches that console over
 * the same connection after anything of the first chat could have. This requests that later chat
 * from a new user of `companyId`, over HTTP.
 */
async function laterChat(s: TestServer, companyId: number, boardId: number, subject: string): Promise<number> {
  const user = await s.f.portalUser(companyId);
  const client = await loginAs(s.url, 'portal', user.email, PASSWORD);
  const r = await client.post('/api/portal/chats', { boardId, subject, message: 'Is anyone there?' });
  expect(r.status, r.text).toBe(201);
  return r.body.chat.id;
}

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Tech Console alerts and access in a real browser', { timeout: 60000 }, () => {
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

  it('a Do Not Respond tech gets no toast, sound or notification, still sees the chat waiting and may join it; a tech without access sees nothing', async () => {
    const w = await s.f.world();
    const otherBoard = await s.f.board();
    const otherCompany = await s.f.company({ boardIds: [otherBoard] });
    // The DNR tech also sees the outsider's board, so that one later chat there is a barrier for both.
    const dnrTech = await s.f.tech({ boardIds: [w.boardId, otherBoard], companyIds: [w.companyId, otherCompany] });
    const outsider = await s.f.tech({ boardIds: [otherBoard], allCompanies: true });
    const available = await techPage(await b.newContext(), w.tech.email);
    const dnr = await techPage(await b.newContext(), dnrTech.email);
    const out = await techPage(await b.newContext(), outsider.email);

    // DNR is set from the status bar and kept across reloads (it is stored on the server).
    await dnr.page.getByRole('radio', { name: 'Do Not Respond' }).check();
    await eventually(
      async () => (await s.ctx.db.selectFrom('techs').select('available').where('id', '=', dnrTech.id).executeTakeFirstOrThrow()).available,
    ).toBe(0);
    await dnr.page.reload();
    await eventually(() => dnr.page.getByRole('radio', { name: 'Do Not Respond' }).isChecked()).toBe(true);
    await setHidden(dnr.page, true);
    await setHidden(out.page, true);

    const user = await (await b.newContext()).newPage();
    await portalLogin(user, w.user.email);
    const chatId = await requestChat(user, 'Secret project', 'Only my board may see this');
    // The secret chat's alert and list update have gone out: the available tech has the toast, the DNR tech the chat.
    await eventually(() => toast(available.page, chatId).isVisible()).toBe(true);
    await eventually(() => count(dnr.page, 'waiting')).toBe('1');
    // Barrier: a later chat on the outsider's board, which the DNR tech sees too, reaches both consoles.
    const later = await laterChat(s, otherCompany, otherBoard, 'Printer question');
    await eventually(() => count(dnr.page, 'waiting')).toBe('2');
    await eventually(() => toast(out.page, later).isVisible()).toBe(true);
    await eventually(() => count(out.page, 'waiting')).toBe('1');
    expect(await dnr.page.getByTestId('alert-toast').count()).toBe(0);
    expect(await notifications(dnr.page)).toEqual([]);
    expect(await beeps(dnr.page)).toBe(0);
    expect(await beeps(available.page)).toBeGreaterThan(0);
    // The outsider has the later chat only: nothing of the secret one.
    expect(await section(out.page, 'waiting').textContent()).not.toContain('Secret project');
    expect(await toast(out.page, chatId).count()).toBe(0);
    expect((await notifications(out.page)).map((n) => n.title)).toEqual(['Chat request: Printer question']);

    // DNR only silences alerts: joining from the list works.
    await section(dnr.page, 'waiting').getByRole('button', { name: 'Join chat: Secret project' }).click();
    await dnr.page.waitForURL(new RegExp(`/console/chats/${chatId}$`));
    await eventually(() => toast(available.page, chatId).count()).toBe(0);
    await dnr.page.getByLabel('Message', { exact: true }).fill('Secret answer');
    await dnr.page.getByLabel('Message', { exact: true }).press('Enter');
    await eventually(() => user.locator('.message-body', { hasText: 'Secret answer' }).count()).toBe(1);
    await dnr.page.getByRole('button', { name: 'End chat…' }).click();
    await dnr.page.getByRole('dialog').getByRole('button', { name: 'End chat' }).click();
    await eventually(() => dnr.page.getByTestId('chat-status').textContent()).toBe('Completed');

    // The outsider: the chat's page answers "not found", and search finds nothing.
    await out.page.goto(`/console/chats/${chatId}`);
    await eventually(() => out.page.getByRole('alert').textContent()).toContain('Chat not found');
    await navTo(out.page, 'Search');
    await out.page.getByLabel('Words').fill('secret');
    await out.page.getByRole('button', { name: 'Search', exact: true }).click();
    await eventually(() => out.page.getByRole('status').filter({ hasText: 'No completed chats match' }).count()).toBe(1);
    expect(await out.page.getByText('Secret project').count()).toBe(0);
    const transcript = await out.page.evaluate((id) => fetch(`/api/console/chats/${id}/transcript`).then((r) => r.status), chatId);
    expect(transcript).toBe(404);
    expect(await toast(out.page, chatId).count()).toBe(0);
  });

  it('a Join clicked after another tech took the chat says who took it', async () => {
    const w = await s.f.world();
    const fast = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId], name: 'Fatima Fast' });
    const slow = await techPage(await b.newContext(), w.tech.email);
    const winner = await techPage(await b.newContext(), fast.email);
    // The slow tech has muted the sound; the switch is kept in this browser across reloads.
    await slow.page.getByLabel('Mute alert sound').check();
    await slow.page.reload();
    await eventually(() => slow.page.getByLabel('Mute alert sound').isChecked()).toBe(true);
    await eventually(() => count(slow.page, 'waiting')).toBe('0');
    const user = await (await b.newContext()).newPage();
    await portalLogin(user, w.user.email);
    const chatId = await requestChat(user, 'Race', 'Who comes first?');
    await eventually(() => toast(slow.page, chatId).isVisible()).toBe(true);
    await eventually(() => toast(winner.page, chatId).isVisible()).toBe(true);
    expect(await beeps(slow.page)).toBe(0);
    expect(await beeps(winner.page)).toBeGreaterThan(0);

    // The slow tech's live connection drops and cannot come back (its requests are refused), so
    // the withdrawal cannot reach them before they click; the Join itself is an HTTP request.
    await slow.page.route('**/socket.io/**', (r) => r.abort());
    for (const sock of await s.realtime.io.of('/console').in(`tech:${w.tech.id}`).fetchSockets())
      (sock as unknown as { conn: { close: () => void } }).conn.close();
    await eventually(() => slow.page.getByTestId('connection-lost').isVisible()).toBe(true);
    await toast(winner.page, chatId).getByRole('button', { name: /^Join/ }).click();
    await winner.page.waitForURL(new RegExp(`/console/chats/${chatId}$`));
    await toast(slow.page, chatId).getByRole('button', { name: /^Join/ }).click();
    await eventually(() => toast(slow.page, chatId).textContent(), { timeout: 15000 }).toContain('Fatima Fast already joined');
    await slow.page.unroute('**/socket.io/**');
    await eventually(() => slow.page.getByTestId('connection-back').isVisible()).toBe(true);
    // Back online, the console re-reads its lists: the taken chat leaves Waiting.
    await eventually(() => count(slow.page, 'waiting')).toBe('0');
    expect(slow.page.url()).not.toContain(`/chats/${chatId}`);
    await toast(slow.page, chatId)
      .getByRole('button', { name: /^Dismiss/ })
      .click();
    await eventually(() => toast(slow.page, chatId).count()).toBe(0);
  });

  it('a grant given or taken by an admin shows in an open console at once', async () => {
    const w = await world(s);
    const otherBoard = await s.f.board();
    const otherCompany = await s.f.company({ boardIds: [otherBoard] });
    const outsider = await s.f.tech({ boardIds: [otherBoard], allCompanies: true });
    const admin = await s.f.tech({ role: 'admin' });
    const adminHttp = await loginAs(s.url, 'tech', admin.email, PASSWORD);
    const t = await techPage(await b.newContext(), outsider.email);
    // The world's tech, who may see the chat, hears of it: its alert (which carries the chat for
    // the lists) has gone out.
    const seer = await techSide(s, w.tech.email);
    const chatId = await waitingChat(w, 'Granted later');
    await waitFor(seer.socket, 'alert', (a) => a.chat.id === chatId);
    seer.socket.close();
    // Barrier: a later chat on the outsider's own board reaches their console; the first one did not.
    await laterChat(s, otherCompany, otherBoard, 'Printer question');
    await eventually(() => count(t.page, 'waiting')).toBe('1');
    expect(await section(t.page, 'waiting').textContent()).not.toContain('Granted later');

    expect(
      (await adminHttp.put(`/api/admin/techs/${outsider.id}/grants`, { boardIds: [otherBoard, w.boardId], allCompanies: true, companyIds: [] })).status,
    ).toBe(200);
    await eventually(() => count(t.page, 'waiting')).toBe('2');
    expect(await section(t.page, 'waiting').textContent()).toContain('Granted later');

    expect((await adminHttp.put(`/api/admin/techs/${outsider.id}/grants`, { boardIds: [otherBoard], allCompanies: true, companyIds: [] })).status).toBe(200);
    await eventually(() => count(t.page, 'waiting')).toBe('1');
    expect(await section(t.page, 'waiting').textContent()).not.toContain('Granted later');
    await t.page.goto(`/console/chats/${chatId}`);
    await eventually(() => t.page.getByRole('alert').textContent()).toContain('Chat not found');
  });
});
