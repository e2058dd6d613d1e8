/**
 * Tech Console and Client Portal together, in a real browser against a real server: a portal user
 * asks, the tech is alerted, joins from the toast, they chat both ways, and the tech ends the chat
 * with a new ticket whose timeline then shows the session and its transcript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { ALWAYS_OPEN, HAS_PORTAL_BUILD, portalLogin, requestChat, setOfficeHours, shownMessages, startPortalServer } from './support/portal.js';
import { consoleMessages, count, eventually, friendlyNames, navTo, notifications, section, setHidden, techPage, toast } from './support/console-ui.js';
import { waitingChat, world } from '../test/support/flows.js';
import type { TestServer } from '../test/support/server.js';

const XSS = '<img src=x onerror=alert(1)>';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Tech Console chat in a real browser', { timeout: 60000 }, () => {
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

  it('request -> toast and notification -> join -> chat both ways -> reload -> end with a ticket -> timeline and transcript', async () => {
    const w = await s.f.world();
    await friendlyNames(s, w);
    const tech = await techPage(await b.newContext(), w.tech.email);
    const userCtx = await b.newContext();
    const user = await userCtx.newPage();
    const userDialogs: string[] = [];
    user.on('dialog', (d) => {
      userDialogs.push(d.message());
      void d.dismiss();
    });
    await portalLogin(user, w.user.email);

    // The tech is looking elsewhere: the alert also becomes a system notification.
    await setHidden(tech.page, true);
    const chatId = await requestChat(user, `Printer ${XSS}`, 'The printer prints blank pages');
    await eventually(() => toast(tech.page, chatId).isVisible()).toBe(true);
    await eventually(() => toast(tech.page, chatId).locator('.toast-subject').textContent()).toBe(`Printer ${XSS}`);
    // What the user wrote, and on which board, before anyone joins: in the toast and the Waiting list.
    expect(await toast(tech.page, chatId).getByTestId('first-message').textContent()).toBe('The printer prints blank pages');
    const waitingItem = section(tech.page, 'waiting').locator(`li[data-chat-id="${chatId}"]`);
    await eventually(() => waitingItem.getByTestId('first-message').textContent()).toBe('The printer prints blank pages');
    expect(await waitingItem.textContent()).toContain('Service Desk');
    await eventually(async () => (await notifications(tech.page)).length).toBe(1);
    expect((await notifications(tech.page))[0].title).toContain(`Printer ${XSS}`);
    await setHidden(tech.page, false);
    await eventually(() => count(tech.page, 'waiting')).toBe('1');
    await eventually(() => tech.page.title()).toBe('(1) Chats · Tech Console');
    await eventually(() => section(tech.page, 'waiting').textContent()).toMatch(/\d+ s/);
    await tech.page.screenshot({ path: screenshotPath('console-status-bar') });

    await toast(tech.page, chatId).getByRole('button', { name: /^Join/ }).click();
    await tech.page.waitForURL(new RegExp(`/console/chats/${chatId}$`));
    await eventually(() => toast(tech.page, chatId).count()).toBe(0);
    await eventually(() => count(tech.page, 'waiting')).toBe('0');
    await eventually(() => count(tech.page, 'active')).toBe('1');
    await eventually(() => tech.page.getByTestId('presence').textContent()).toBe('Online');
    await eventually(() => user.getByTestId('tech-name').isVisible()).toBe(true);
    // After joining, the cursor is in the message box: the tech can type at once.
    await eventually(() => tech.page.evaluate(() => document.activeElement?.getAttribute('placeholder') ?? '')).toContain('Write a message');

    // Tech -> user, with markup that must stay text on both sides; typing shows on the user's page.
    const techBox = tech.page.getByLabel('Message', { exact: true });
    await techBox.pressSequentially('Hello');
    await eventually(() => user.locator('.typing').textContent()).toContain('is typing');
    await techBox.fill(XSS);
    await techBox.press('Enter');
    await eventually(() => user.locator('.message-body', { hasText: XSS }).count()).toBe(1);
    await eventually(() => tech.page.locator('.message-body', { hasText: XSS }).count()).toBe(1);
    expect(await tech.page.locator('.messages img').count()).toBe(0);

    // User -> tech, with the user's typing shown in the console first.
    const userBox = user.getByLabel('Message', { exact: true });
    await userBox.pressSequentially('Still blank');
    await eventually(() => tech.page.locator('.typing').textContent()).toContain('is typing');
    await userBox.press('Enter');
    await eventually(() => tech.page.locator('.message-body', { hasText: 'Still blank' }).count()).toBe(1);
    // The requester's page is open and in view: it has seen the tech's messages, and says so.
    await eventually(async () => (await tech.page.locator('.message-mine .message-state').allTextContents()).at(-1)).toBe('Seen');
    // And the console, in view, has seen the requester's: their page says so.
    await eventually(async () => (await user.locator('.message-mine .message-state').allTextContents()).at(-1)).toBe('Seen');
    await tech.page.screenshot({ path: screenshotPath('console-chat') });

    // A draft survives going to another page and back, and a reload; sending clears it.
    await techBox.fill('half a thought');
    await navTo(tech.page, 'Search');
    await tech.page.goBack();
    await eventually(() => tech.page.getByLabel('Message', { exact: true }).inputValue()).toBe('half a thought');
    await tech.page.reload();
    await eventually(() => tech.page.getByLabel('Message', { exact: true }).inputValue()).toBe('half a thought');
    await tech.page.getByLabel('Message', { exact: true }).fill('');

    // A reload mid-chat loses nothing and doubles nothing. (The reload above shows the draft
    // before the history arrives: wait until the console shows what the user's page shows.)
    const userSees = await shownMessages(user);
    expect(userSees.length).toBeGreaterThanOrEqual(2);
    await eventually(() => consoleMessages(tech.page)).toEqual(userSees);
    const before = await consoleMessages(tech.page);
    expect(before.map((m) => m.seq)).toEqual(before.map((_, i) => i + 1));
    await tech.page.reload();
    await eventually(async () => (await consoleMessages(tech.page)).length).toBe(before.length);
    expect(await consoleMessages(tech.page)).toEqual(before);
    expect(await shownMessages(user)).toEqual(before);

    // End with a new ticket.
    await tech.page.getByRole('button', { name: 'End chat…' }).click();
    const dialog = tech.page.getByRole('dialog', { name: 'End the chat' });
    await dialog.getByRole('radio', { name: 'End and create a ticket' }).check();
    await dialog.getByLabel('Ticket summary').fill('Printer prints blank pages');
    await dialog.getByLabel(/Note/).fill('Replaced the toner');
    await dialog.getByRole('button', { name: 'End and create ticket' }).click();
    await eventually(() => tech.page.getByTestId('chat-status').textContent()).toBe('Completed');
    // Said with the ticket's summary (it named the chat's subject).
    await eventually(() => tech.page.getByTestId('flash').textContent()).toMatch(/^Ended, and ticket #\d+ created: Printer prints blank pages$/);
    // The ended chat still says what the requester saw: "Seen", as it did live, not "Sent".
    await eventually(() => tech.page.locator('.message-mine .message-state').allTextContents()).toEqual(['Seen']);
    // A new request that got a ticket names it as its ticket, not as the ticket it came from.
    await eventually(() => tech.page.getByTestId('chat-facts').textContent()).toMatch(/Created ticketTicket #\d+/);
    expect(await tech.page.getByTestId('chat-facts').textContent()).not.toContain('From ticket');
    await eventually(() => count(tech.page, 'active')).toBe('0');
    await eventually(() => user.getByTestId('chat-ended').isVisible()).toBe(true);
    await eventually(() => tech.page.getByTestId('note').first().textContent()).toContain('Replaced the toner');

    // The transcript is literal text.
    const transcript = await tech.page.evaluate((id) => fetch(`/api/console/chats/${id}/transcript`).then((r) => r.text()), chatId);
    expect(transcript).toContain(XSS);
    expect(transcript).toContain('Still blank');

    // The new ticket's timeline shows the session, with links to the chat and the transcript file.
    await tech.page.getByRole('link', { name: /^Ticket #\d+$/ }).click();
    await tech.page.waitForURL(/\/console\/tickets\/\d+$/);
    const session = tech.page.getByTestId('timeline-chat');
    await eventually(() => session.textContent()).toMatch(/chat session.*3 messages.*Ticket created/);
    expect(await session.getByRole('link', { name: `Open chat #${chatId}` }).isVisible()).toBe(true);
    const href = await session.getByRole('link', { name: /Transcript/ }).getAttribute('href');
    const file = await tech.page.evaluate((u) => fetch(u!).then((r) => r.text()), href);
    expect(file).toContain(XSS);
    expect(await tech.page.getByTestId('attachments').textContent()).toContain(`chat-${chatId}.txt`);
    await tech.page.getByRole('form', { name: 'Update the ticket' }).getByLabel('Status').selectOption({ label: 'In progress' });
    await tech.page.getByRole('form', { name: 'Update the ticket' }).getByRole('button', { name: 'Save' }).click();
    await eventually(async () => (await tech.page.getByTestId('timeline').textContent()) ?? '').toContain('status changed to In progress');
    await tech.page.screenshot({ path: screenshotPath('console-ticket') });

    // The home page lists the tech's latest completed chats.
    await navTo(tech.page, 'Chats');
    await eventually(() => tech.page.getByRole('link', { name: `Printer ${XSS}` }).isVisible()).toBe(true);

    expect(tech.dialogs).toEqual([]);
    expect(userDialogs).toEqual([]);
  });

  it('a dropped connection mid-chat: the console says so, catches up what the user sent meanwhile, and sends what the tech typed exactly once', async () => {
    const w = await world(s);
    const tech = await techPage(await b.newContext(), w.tech.email);
    const chatId = await waitingChat(w, 'Flaky Wi-Fi');
    await section(tech.page, 'waiting').getByRole('button', { name: /^Join/ }).click();
    await tech.page.waitForURL(new RegExp(`/console/chats/${chatId}$`));
    const box = tech.page.getByLabel('Message', { exact: true });

    await tech.page.context().setOffline(true);
    for (const sock of await s.realtime.io.of('/console').in(`tech:${w.tech.id}`).fetchSockets())
      (sock as unknown as { conn: { close: () => void } }).conn.close();
    await eventually(() => tech.page.getByTestId('connection-lost').isVisible()).toBe(true);
    for (const body of ['sent while you were away', 'and once more']) {
      expect((await w.userClient.post(`/api/portal/chats/${chatId}/messages`, { body, clientId: body })).status).toBe(201);
    }
    await box.fill('typed while offline');
    await box.press('Enter');
    await eventually(() => tech.page.locator('.message-sending').count()).toBe(1);

    await tech.page.context().setOffline(false);
    await eventually(() => tech.page.getByTestId('connection-back').isVisible(), { timeout: 15000 }).toBe(true);
    await eventually(() => tech.page.locator('.message-body', { hasText: 'and once more' }).count()).toBe(1);
    await eventually(() => tech.page.locator('.message-sending').count()).toBe(0);
    const stored = (await w.userClient.get(`/api/portal/chats/${chatId}/messages`)).body as { seq: number; body: string }[];
    expect(stored.filter((m) => m.body === 'typed while offline')).toHaveLength(1);
    expect((await consoleMessages(tech.page)).map((m) => [m.seq, m.body])).toEqual(stored.map((m) => [m.seq, m.body]));
    // The requester has no page open: the console says so.
    expect(await tech.page.getByTestId('presence').textContent()).toBe('Offline');
  });

  it('several chats at once: one tab each, and a message in the chat not on screen marks its tab', async () => {
    const w = await world(s);
    const tech = await techPage(await b.newContext(), w.tech.email);
    const first = await waitingChat(w, 'First problem: the printer on the third floor jams on every second page');
    const firstUser = w.userClient;
    const second = await waitingChat(w, 'Second problem');
    const secondUser = w.userClient;
    for (const id of [first, second]) {
      await section(tech.page, 'waiting').locator(`li[data-chat-id="${id}"]`).getByRole('button', { name: /^Join/ }).click();
      await tech.page.waitForURL(new RegExp(`/console/chats/${id}$`));
    }
    const tabs = tech.page.getByRole('navigation', { name: 'Open chats' }).getByTestId('chat-tab');
    await eventually(() => tabs.count()).toBe(2);
    await eventually(() => count(tech.page, 'active')).toBe('2');

    expect((await firstUser.post(`/api/portal/chats/${first}/messages`, { body: 'Any news on the first?', clientId: 'f1' })).status).toBe(201);
    const firstTab = tabs.filter({ hasText: 'First problem' });
    await eventually(() => firstTab.getByTestId('unread').textContent()).toContain('1 new');
    // The subject is cut short; the count is not, and the browser tab's title counts it too.
    const box = async (l: ReturnType<typeof tech.page.locator>) => (await l.boundingBox())!;
    const [tabBox, badgeBox] = [await box(firstTab), await box(firstTab.getByTestId('unread'))];
    expect(badgeBox.x + badgeBox.width).toBeLessThanOrEqual(tabBox.x + tabBox.width);
    expect(await firstTab.locator('.chat-tab-label').evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
    await eventually(() => tech.page.title()).toBe('(1) Chat · Tech Console');
    expect((await secondUser.post(`/api/portal/chats/${second}/messages`, { body: 'Here on the second', clientId: 's1' })).status).toBe(201);
    await eventually(() => tech.page.locator('.message-body', { hasText: 'Here on the second' }).count()).toBe(1);
    expect(await tabs.filter({ hasText: 'Second problem' }).getByTestId('unread').count()).toBe(0);
    // In the chat on screen while the tech is in another browser tab: counted until they look.
    await setHidden(tech.page, true);
    await tech.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    expect((await secondUser.post(`/api/portal/chats/${second}/messages`, { body: 'Are you there?', clientId: 's2' })).status).toBe(201);
    await eventually(() => tech.page.title()).toBe('(2) Chat · Tech Console');
    await setHidden(tech.page, false);
    await tech.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await eventually(() => tech.page.title()).toBe('(1) Chat · Tech Console');

    // A draft in the second chat waits there while the tech works in the first.
    await tech.page.getByLabel('Message', { exact: true }).fill('Draft for the second');
    await firstTab.click();
    await tech.page.waitForURL(new RegExp(`/console/chats/${first}$`));
    expect(await tech.page.getByLabel('Message', { exact: true }).inputValue()).toBe('');
    await eventually(() => tech.page.locator('.message-body', { hasText: 'Any news on the first?' }).count()).toBe(1);
    expect(await firstTab.getByTestId('unread').count()).toBe(0);
    await eventually(() => tech.page.title()).toBe('Chat · Tech Console');
    await tech.page.getByLabel('Message', { exact: true }).fill('Working on it');
    await tech.page.getByLabel('Message', { exact: true }).press('Enter');
    await eventually(async () =>
      (await firstUser.get(`/api/portal/chats/${first}/messages`)).body.some((m: { body: string }) => m.body === 'Working on it'),
    ).toBe(true);
    expect((await secondUser.get(`/api/portal/chats/${second}/messages`)).body.some((m: { body: string }) => m.body === 'Working on it')).toBe(false);
    await tabs.filter({ hasText: 'Second problem' }).click();
    await tech.page.waitForURL(new RegExp(`/console/chats/${second}$`));
    await eventually(() => tech.page.getByLabel('Message', { exact: true }).inputValue()).toBe('Draft for the second');
    await tech.page.getByLabel('Message', { exact: true }).fill('');
    await firstTab.click();
    await tech.page.waitForURL(new RegExp(`/console/chats/${first}$`));

    // A third, opened from a link while waiting, is joined from its own page.
    const third = await waitingChat(w, 'Third problem');
    await tech.page.goto(`/console/chats/${third}`);
    await tech.page.getByRole('button', { name: 'Join this chat' }).click();
    await tech.page.getByLabel('Message', { exact: true }).waitFor();
    await eventually(() => tabs.count()).toBe(3);
  });
});
