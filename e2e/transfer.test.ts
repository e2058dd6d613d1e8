/**
 * Transfer and invite in a real browser: a tech invites a colleague from the chat page, the
 * colleague accepts from the toast and writes, the requester sees both names; a transfer the
 * colleague declines leaves the chat where it was and says so; a transfer to a board sends it
 * back to waiting there. (Rules, races and recipients: test/transfers, test/cluster-transfers.)
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, screenshotPath } from './support/browser.js';
import { HAS_PORTAL_BUILD, browserSuite, eventually, portalLogin } from './support/portal.js';
import { techPage } from './support/console-ui.js';
import { axeViolations, overflowsSideways } from './support/a11y.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('transfer and invite', { timeout: 60000 }, () => {
  const suite = browserSuite();

  async function scene(subject: string, benSize?: { width: number; height: number }) {
    const { s, b } = suite;
    const boardId = await s.f.board();
    const otherBoard = await s.f.board();
    const companyId = await s.f.company({ boardIds: [boardId, otherBoard] });
    const grant = { boardIds: [boardId], companyIds: [companyId] };
    const ann = await s.f.tech({ ...grant, name: 'Ann Lead' });
    const ben = await s.f.tech({ ...grant, name: 'Ben Second' });
    const dee = await s.f.tech({ boardIds: [otherBoard], companyIds: [companyId], name: 'Dee Other' });
    const user = await s.f.portalUser(companyId);
    const portal = await (await b.newContext()).newPage();
    await portalLogin(portal, user.email);
    // Asked on the first board (the page's board list is sorted by name, which the factory's names do not fix).
    const asked = await (await loginAs(s.url, 'portal', user.email, PASSWORD)).post('/api/portal/chats', {
      boardId,
      subject,
      message: 'The VPN drops every hour',
    });
    expect(asked.status, asked.text).toBe(201);
    const chatId = asked.body.chat.id as number;
    await portal.goto(`/chats/${chatId}`);
    const annApi = await loginAs(s.url, 'tech', ann.email, PASSWORD);
    expect((await annApi.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    const annTab = await techPage(await b.newContext(), ann.email);
    const benTab = await techPage(await b.newContext(benSize), ben.email);
    // Ben's console is open: the transfer list says he is online.
    await eventually(async () => {
      const targets = (await annApi.get(`/api/console/chats/${chatId}/transfer-targets`)).body as { techs: { name: string; online: boolean }[] };
      return targets.techs.find((t) => t.name === 'Ben Second')?.online;
    }).toBe(true);
    await annTab.page.goto(`/console/chats/${chatId}`);
    await annTab.page.getByRole('button', { name: 'Transfer or invite…' }).waitFor();
    return { chatId, portal, ann: annTab.page, ben: benTab.page, otherBoard, dee };
  }

  it('invites a colleague, who accepts from the toast (on a phone) and writes; the requester sees both technicians', async () => {
    const { chatId, portal, ann, ben } = await scene('VPN drops', { width: 390, height: 844 });
    await ann.getByRole('button', { name: 'Transfer or invite…' }).click();
    const dialog = ann.getByRole('dialog', { name: 'Transfer or invite' });
    await dialog.getByRole('radio', { name: /Invite a tech/ }).check();
    await dialog.getByLabel('Technician').selectOption({ label: 'Ben Second (online)' });
    expect(await axeViolations(ann)).toEqual([]);
    await ann.screenshot({ path: screenshotPath('console-transfer-dialog') });
    await dialog.getByRole('button', { name: 'Send the invitation' }).click();
    await eventually(() => ann.getByTestId('pending-offer').textContent()).toContain('Invited Ben Second to join');
    // While it waits, the dialog offers only the board, and says why.
    await ann.getByRole('button', { name: 'Transfer or invite…' }).click();
    await dialog.getByTestId('offer-pending-note').waitFor();
    expect(await dialog.getByRole('radio', { name: /Invite a tech/ }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    // Focus is back on the button that opened the dialog.
    await eventually(() => ann.evaluate(() => document.activeElement?.textContent)).toBe('Transfer or invite…');

    const toast = ben.getByTestId('offer-toast');
    await eventually(() => toast.textContent()).toContain('Ann Lead invites you to join a chat');
    expect(await toast.textContent()).toContain('VPN drops');
    expect(await axeViolations(ben)).toEqual([]);
    // On a phone the toast fits the screen, buttons included, and nothing scrolls sideways.
    const box = (await toast.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    expect(await overflowsSideways(ben)).toBe(false);
    await ben.screenshot({ path: screenshotPath('console-offer-toast') });
    await ann.screenshot({ path: screenshotPath('console-pending-offer') });
    await toast.getByRole('button', { name: 'Accept: VPN drops' }).click();
    await ben.waitForURL(new RegExp(`/console/chats/${chatId}$`));
    const composer = ben.getByLabel('Message', { exact: true });
    await composer.fill('Ben here, looking at the VPN logs');
    await composer.press('Enter');

    await eventually(() => portal.locator('.message-body', { hasText: 'Ben here, looking at the VPN logs' }).count()).toBe(1);
    await eventually(() => portal.getByTestId('tech-name').textContent()).toBe('Ann Lead, Ben Second');
    await eventually(() => ann.locator('.message-body', { hasText: 'Ben here' }).count()).toBe(1);
    await eventually(() => ann.getByTestId('pending-offer').count()).toBe(0);
    await eventually(() => ann.getByTestId('chat-techs').textContent()).toBe('Ann Lead, Ben Second');

    // Ben's part is done: he leaves the chat, asked first, and Ann carries on with the requester.
    await ben.getByRole('button', { name: 'Leave chat…' }).click();
    const leave = ben.getByRole('alertdialog', { name: 'Leave this chat?' });
    expect(await leave.textContent()).toContain('Ann Lead carries on with');
    expect(await axeViolations(ben)).toEqual([]);
    await leave.getByRole('button', { name: 'Leave chat' }).click();
    await ben.waitForURL(/\/console$/);
    await eventually(() => portal.locator('.message-body', { hasText: 'Ben Second left the chat' }).count()).toBe(1);
    await eventually(() => portal.getByTestId('tech-name').textContent()).toBe('Ann Lead');
    // Alone in it again: the live chat no longer lists its technicians.
    await eventually(() => ann.locator('.message-body', { hasText: 'Ben Second left the chat' }).count()).toBe(1);
    await eventually(() => ann.getByTestId('chat-techs').count()).toBe(0);
    // Ann, alone in it now, is not offered to leave; she ends or transfers it.
    expect(await ann.getByRole('button', { name: 'Leave chat…' }).count()).toBe(0);
    // Ben can still open it, read-only.
    await ben.goto(`/console/chats/${chatId}`);
    await ben.locator('.message-body', { hasText: 'Ben Second left the chat' }).waitFor();
    expect(await ben.getByLabel('Message', { exact: true }).count()).toBe(0);
  });

  it("the requester's ticket names every technician who took part in its chat, as the chat page did", async () => {
    const { s, b } = suite;
    const boardId = await s.f.board();
    const companyId = await s.f.company({ boardIds: [boardId] });
    const grant = { boardIds: [boardId], companyIds: [companyId] };
    const ann = await s.f.tech({ ...grant, name: 'Ann Lead' });
    const ben = await s.f.tech({ ...grant, name: 'Ben Second' });
    const user = await s.f.portalUser(companyId);
    const [annHttp, benHttp, userHttp] = await Promise.all([
      loginAs(s.url, 'tech', ann.email, PASSWORD),
      loginAs(s.url, 'tech', ben.email, PASSWORD),
      loginAs(s.url, 'portal', user.email, PASSWORD),
    ]);
    const chatId = (await userHttp.post('/api/portal/chats', { boardId, subject: 'Mailbox full', message: 'Cannot send mail' })).body.chat.id as number;
    expect((await annHttp.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    const invited = await annHttp.post(`/api/console/chats/${chatId}/invite`, { techId: ben.id });
    expect((await benHttp.post(`/api/console/offers/${invited.body.pendingOffer.id}/accept`)).status).toBe(200);
    const ended = await benHttp.post(`/api/console/chats/${chatId}/end`, { outcome: 'ticket_created', boardId, summary: 'Mailbox full' });
    expect(ended.status, ended.text).toBe(200);

    const portal = await (await b.newContext()).newPage();
    await portalLogin(portal, user.email);
    await portal.goto(`/chats/${chatId}`);
    await eventually(() => portal.getByTestId('tech-name').textContent()).toBe('Ann Lead, Ben Second');
    await portal.goto(`/tickets/${ended.body.ticketId}`);
    await eventually(() => portal.getByTestId('timeline-chat').textContent()).toContain('chat session with Ann Lead, Ben Second,');
  });

  it('a declined transfer stays with the first tech, who is told; a transfer to a board sends it back to waiting there', async () => {
    const { portal, ann, ben, chatId, dee } = await scene('Printer offline');
    const deeTab = await techPage(await suite.b.newContext(), dee.email);
    await ann.getByRole('button', { name: 'Transfer or invite…' }).click();
    const dialog = ann.getByRole('dialog', { name: 'Transfer or invite' });
    await dialog.getByLabel('Technician').selectOption({ label: 'Ben Second (online)' });
    await dialog.getByRole('button', { name: 'Offer the chat' }).click();
    const toast = ben.getByTestId('offer-toast');
    await eventually(() => toast.textContent()).toContain('Ann Lead transfers a chat to you');
    await toast.getByRole('button', { name: 'Decline: Printer offline' }).click();
    await eventually(() => ann.getByTestId('offer-notice').textContent()).toContain('Ben Second declined: the chat stays here.');
    await eventually(() => ann.getByText(`Ben Second declined: chat #${chatId} stays with you`).count()).toBe(1);
    await eventually(() => toast.count()).toBe(0);

    await ann.setViewportSize({ width: 390, height: 844 });
    await ann.getByRole('button', { name: 'Transfer or invite…' }).click();
    await dialog.getByRole('radio', { name: /Transfer to a board/ }).check();
    // On a phone each choice keeps its radio beside its words, and nothing scrolls sideways.
    const beside = await dialog.getByRole('radio', { name: /Transfer to a board/ }).evaluate((input) => {
      const text = [...input.parentElement!.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim())!;
      const range = document.createRange();
      range.selectNodeContents(text);
      const words = range.getClientRects()[0];
      const radio = input.getBoundingClientRect();
      return radio.right <= words.left && words.top < radio.bottom;
    });
    expect(beside).toBe(true);
    expect(await overflowsSideways(ann)).toBe(false);
    await ann.screenshot({ path: screenshotPath('console-transfer-dialog-phone') });
    const boardSelect = dialog.getByLabel('Board', { exact: true });
    const other = (await boardSelect.locator('option').allTextContents()).find((t) => !t.includes('(this board)'))!;
    await boardSelect.selectOption({ label: other });
    await dialog.getByRole('button', { name: 'Transfer to the board' }).click();
    // Ann is back on the console's home page; the other board's tech is told where it comes from.
    await ann.waitForURL(/\/console$/);
    await eventually(() => deeTab.page.getByTestId('alert-toast').textContent()).toContain('Chat transferred to your board');
    await eventually(() => portal.locator('.message-body', { hasText: `Ann Lead transferred the chat to ${other}` }).count()).toBe(1);
    await eventually(() => portal.getByTestId('chat-status').textContent()).toMatch(/wait/i);
    // Ann no longer writes in it (and, without access to that board, no longer finds it).
    await eventually(() => ann.getByLabel('Message', { exact: true }).count()).toBe(0);
    expect(await ann.getByRole('button', { name: 'Transfer or invite…' }).count()).toBe(0);
    await ann.goto(`/console/chats/${chatId}`);
    await eventually(() => ann.locator('main').textContent()).toContain('not found');
  });
});
