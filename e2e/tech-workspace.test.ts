/**
 * The tech's workspace in a real browser. The context panel beside a chat: the requester's
 * contact details, open tickets and earlier chats with their notes, one click away.
 * Internal notes during a live chat: a tech writes one from the chat page,
 * it shows in line among the messages, a colleague who opens the chat reads it among its notes,
 * and it never shows on the requester's page. (Its live delivery to every tech following the
 * chat, on every node, and to no portal socket: test/realtime-recipients, test/cluster-delivery.)
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM } from './support/browser.js';
import { HAS_PORTAL_BUILD, browserSuite, portalLogin, requestChat, eventually } from './support/portal.js';
import { techPage } from './support/console-ui.js';
import { axeViolations } from './support/a11y.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)("the tech's workspace", { timeout: 60000 }, () => {
  const suite = browserSuite();

  it('the context panel shows the requester, their open tickets and earlier chats with notes, each a click away; folded on a phone', async () => {
    const { s, b } = suite;
    const w = await s.f.world();
    await s.ctx.db.updateTable('portal_users').set({ name: 'Alice Anders', phone: '+1 555 0100' }).where('id', '=', w.user.id).execute();
    const ticketId = await s.f.ticket({ companyId: w.companyId, boardId: w.boardId, contactId: w.user.id, summary: 'Laptop battery swells' });
    const user = await (await b.newContext()).newPage();
    await portalLogin(user, w.user.email);
    const techHttp = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    const earlier = await requestChat(user, 'Printer jam', 'Tray 2 jams');
    expect((await techHttp.post(`/api/console/chats/${earlier}/join`)).status).toBe(200);
    expect((await techHttp.post(`/api/console/chats/${earlier}/end`, { outcome: 'ended' })).status).toBe(200);
    expect((await techHttp.post(`/api/console/chats/${earlier}/notes`, { body: 'Replaced the roller' })).status).toBe(201);
    await user.goto('/');
    const chatId = await requestChat(user, 'Screen flickers', 'Since this morning');
    expect((await techHttp.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);

    const tech = await techPage(await b.newContext({ width: 1280, height: 800 }), w.tech.email);
    await tech.page.goto(`/console/chats/${chatId}`);
    const panel = tech.page.getByTestId('context-panel');
    await eventually(() => panel.locator('summary').textContent()).toContain('About Alice Anders');
    expect(await panel.getAttribute('open')).not.toBeNull();
    // On a laptop, with the panel open above the conversation, the message box is still in view.
    const box = await tech.page.locator('.compose-dock textarea').boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= 800, JSON.stringify(box)).toBe(true);
    expect(await panel.textContent()).toContain('+1 555 0100');
    expect(await panel.getByTestId('context-note').textContent()).toBe('Note: Replaced the roller');
    await panel.getByRole('link', { name: 'Printer jam' }).waitFor();
    await panel.getByRole('link', { name: `#${ticketId} Laptop battery swells` }).click();
    await tech.page.waitForURL(new RegExp(`/console/tickets/${ticketId}$`));

    // On a phone it starts folded, so the conversation and the message box come first.
    const phone = await techPage(await b.newContext({ width: 390, height: 844 }), w.tech.email);
    await phone.page.goto(`/console/chats/${chatId}`);
    await phone.page.getByTestId('context-panel').waitFor();
    expect(await phone.page.getByTestId('context-panel').getAttribute('open')).toBeNull();
  });

  it('shown in line to the tech, read by a colleague, never shown to the requester', async () => {
    const { s, b } = suite;
    const w = await s.f.world();
    const colleague = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId], name: 'Cole Colleague' });
    const user = await (await b.newContext()).newPage();
    await portalLogin(user, w.user.email);
    const chatId = await requestChat(user, 'Dock', 'Second screen stays black');
    const techHttp = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    expect((await techHttp.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    const tech = await techPage(await b.newContext(), w.tech.email);
    await tech.page.goto(`/console/chats/${chatId}`);

    await tech.page.getByRole('radio', { name: 'Internal note' }).check();
    const noteBox = tech.page.getByRole('textbox', { name: 'Internal note' });
    await noteBox.fill('Dock firmware 1.2 is known to break this');
    await noteBox.press('Enter');
    const inline = (page: typeof user) => page.getByTestId('inline-note');
    await eventually(() => inline(tech.page).textContent()).toContain('Dock firmware 1.2 is known to break this');
    expect(await inline(tech.page).textContent()).toContain('Only techs see this');
    expect(await noteBox.inputValue()).toBe('');
    // A colleague who opens the chat reads it among the chat's notes.
    const watcher = await techPage(await b.newContext(), colleague.email);
    await watcher.page.goto(`/console/chats/${chatId}`);
    await eventually(() => watcher.page.getByTestId('notes').textContent()).toContain('Dock firmware 1.2');
    expect(await axeViolations(tech.page)).toEqual([]);

    // Back to replying: the message reaches the requester; the note never does.
    await tech.page.getByRole('radio', { name: /^Reply to/ }).check();
    const box = tech.page.getByLabel('Message', { exact: true });
    await box.fill('Please update the dock firmware');
    await box.press('Enter');
    await eventually(() => user.locator('.message-body', { hasText: 'Please update the dock firmware' }).count()).toBe(1);
    expect(await user.getByText('Dock firmware 1.2').count()).toBe(0);
    expect(await inline(user).count()).toBe(0);
    await user.reload();
    await user.locator('.message-body', { hasText: 'Please update the dock firmware' }).waitFor();
    expect(await user.getByText('Dock firmware 1.2').count()).toBe(0);
    // The note sits before the reply, in the order they were written.
    const order = await tech.page.locator('.message-list > li').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    expect(order.findIndex((t) => t.includes('Dock firmware 1.2'))).toBeLessThan(order.findIndex((t) => t.includes('Please update the dock firmware')));
  });

  it('the requester rates the ended chat once; the tech sees the rating on the chat and finds it by rating in search', async () => {
    const { s, b } = suite;
    const w = await s.f.world();
    const user = await (await b.newContext()).newPage();
    await portalLogin(user, w.user.email);
    const chatId = await requestChat(user, 'Outlook asks for password', 'Again and again');
    const techHttp = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    expect((await techHttp.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    expect((await techHttp.post(`/api/console/chats/${chatId}/end`, { outcome: 'ended' })).status).toBe(200);

    const form = user.getByTestId('rating-form');
    await form.waitFor();
    expect(await form.getByRole('button', { name: 'Send rating' }).isDisabled()).toBe(true);
    await form.getByRole('radio', { name: '4 of 5, Good' }).check();
    await form.getByLabel('Anything to add? (optional)').fill('Sorted in five minutes');
    await form.getByRole('button', { name: 'Send rating' }).click();
    await eventually(() => user.getByTestId('rating-given').textContent()).toContain('You rated this chat 4 of 5');
    expect(await user.getByTestId('rating-form').count()).toBe(0);
    await user.reload();
    await user.getByTestId('rating-given').waitFor();
    expect(await user.getByTestId('rating-form').count()).toBe(0);

    const tech = await techPage(await b.newContext(), w.tech.email);
    await tech.page.goto(`/console/chats/${chatId}`);
    await eventually(() => tech.page.getByTestId('chat-rating').textContent()).toBe('4 of 5: “Sorted in five minutes”');
    await tech.page.goto('/console/search');
    await tech.page.getByLabel("Requester's rating").selectOption('good');
    await tech.page.getByRole('button', { name: 'Search', exact: true }).click();
    await eventually(async () => (await tech.page.getByTestId('search-result').allTextContents()).join('|')).toContain('Outlook asks for password');
    expect(await tech.page.getByTestId('result-rating').first().textContent()).toContain('rated 4 of 5');
    await tech.page.getByLabel("Requester's rating").selectOption('poor');
    await tech.page.getByRole('button', { name: 'Search', exact: true }).click();
    await eventually(async () => (await tech.page.getByTestId('search-result').allTextContents()).join('|')).not.toContain('Outlook asks for password');
  });
});
