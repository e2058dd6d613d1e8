/**
 * Completed chats in the Tech Console, in a real browser: search with words and filters, snippets
 * with the matches marked (user text still text), the chat's page with notes (add, edit, history)
 * and a ticket created later from a chat that was just ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { HAS_PORTAL_BUILD, startPortalServer } from './support/portal.js';
import { eventually, friendlyNames, navTo, techPage } from './support/console-ui.js';
import { activeChat, callbackChat, world } from '../test/support/flows.js';
import type { TestServer } from '../test/support/server.js';

const XSS = '<img src=x onerror=alert(1)>';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Tech Console search and notes in a real browser', { timeout: 60000 }, () => {
  let s: TestServer;
  let b: Browsers;
  beforeAll(async () => {
    s = await startPortalServer();
    b = await launch(s.url);
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });

  it('finds completed chats by words, snippet and filters; notes can be added, edited with history, and are searched; a ticket can be made later', async () => {
    const w = await world(s);
    await friendlyNames(s, w);
    const say = async (id: number, body: string) =>
      expect((await w.techClient.post(`/api/console/chats/${id}/messages`, { body, clientId: `${id}-${body.length}-${Math.random()}` })).status).toBe(201);
    const toner = await activeChat(w, 'Printer toner');
    await say(toner, `The toner cartridge is empty ${XSS}`);
    expect((await w.techClient.post(`/api/console/chats/${toner}/end`, { outcome: 'ticket_created', boardId: w.boardId, summary: 'Order toner' })).status).toBe(
      200,
    );
    // A callback completed by a tech: nobody joined, and the list says why.
    const callback = await callbackChat(w);
    expect((await w.techClient.post(`/api/console/chats/${callback}/complete`, { note: 'Called back, fixed on the phone' })).status).toBe(200);
    const keyboard = await activeChat(w, 'Sticky keys');
    await say(keyboard, 'The keyboard has sticky keys');
    expect((await w.techClient.post(`/api/console/chats/${keyboard}/end`, { outcome: 'ended' })).status).toBe(200);

    await friendlyNames(s, w);
    const t = await techPage(await b.newContext(), w.tech.email);
    await navTo(t.page, 'Search');
    // No words: every completed chat, newest first.
    const results = t.page.getByTestId('search-result');
    await eventually(() => results.count()).toBe(3);
    expect(await results.first().textContent()).toContain('Sticky keys');
    expect(await results.nth(1).textContent()).toContain('callback, nobody joined');

    await t.page.getByLabel('Words').fill('onerror');
    await t.page.getByRole('button', { name: 'Search', exact: true }).click();
    await eventually(() => results.count()).toBe(1);
    const hit = results.first();
    expect(await hit.textContent()).toContain('Printer toner');
    // The snippet is cut to a few words around the match; the markup in it is shown literally.
    expect(await hit.locator('.snippet').textContent()).toContain('<img src=x onerror=');
    expect(await hit.locator('mark').allTextContents()).toContain('onerror');
    expect(await hit.getByTestId('snippet-in').textContent()).toBe('In a message:');
    expect(await t.page.locator('.results img').count()).toBe(0);
    await t.page.screenshot({ path: screenshotPath('console-search') });

    // Filters: outcome, company, date range.
    await t.page.getByLabel('Words').fill('');
    await t.page.getByLabel('Outcome').selectOption('ended');
    await t.page.getByRole('button', { name: 'Search', exact: true }).click();
    await eventually(async () => (await results.allTextContents()).join('|')).toContain('Sticky keys');
    expect(await results.count()).toBe(1);
    await t.page.getByLabel('Outcome').selectOption('');
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
    await t.page.getByLabel('Completed from').fill(tomorrow);
    await t.page.getByRole('button', { name: 'Search', exact: true }).click();
    await eventually(() => t.page.getByText('No completed chats match.').isVisible()).toBe(true);
    await t.page.getByLabel('Completed from').fill(today);
    await t.page.getByLabel('Completed to').fill(today);
    await t.page
      .getByLabel('Technician')
      .selectOption({ label: (await s.ctx.db.selectFrom('techs').select('name').where('id', '=', w.tech.id).executeTakeFirstOrThrow()).name });
    await t.page.getByRole('button', { name: 'Search', exact: true }).click();
    await eventually(() => results.count()).toBe(2);

    // The keyboard chat: read it, add a note, edit it, see the history.
    await t.page.getByRole('link', { name: 'Sticky keys' }).click();
    await t.page.waitForURL(new RegExp(`/console/chats/${keyboard}$`));
    await eventually(() => t.page.locator('.message-body', { hasText: 'The keyboard has sticky keys' }).count()).toBe(1);
    await t.page.getByLabel('New note').fill('Sent a replacement keyboard');
    await t.page.getByRole('button', { name: 'Add note' }).click();
    const note = t.page.getByTestId('note');
    await eventually(() => note.textContent()).toContain('Sent a replacement keyboard');
    await note.getByRole('button', { name: 'Edit' }).click();
    await note.getByLabel('Edit note').fill('Sent a replacement keyboard by courier');
    await note.getByRole('button', { name: 'Save note' }).click();
    await eventually(() => note.locator('.note-body').textContent()).toBe('Sent a replacement keyboard by courier');
    expect(await note.textContent()).toContain('edited');
    await note.getByText('History (2 versions)').click();
    await t.page.evaluate(() => window.scrollTo(0, 0));
    await t.page.screenshot({ path: screenshotPath('console-completed-chat'), fullPage: true });
    expect(await note.locator('.note-history li').allTextContents()).toEqual([
      expect.stringContaining('Sent a replacement keyboard'),
      expect.stringContaining('by courier'),
    ]);

    // A ticket made later from this new-request chat, which ended without one.
    await t.page.getByLabel('Ticket summary').fill('Replace keyboard');
    await t.page.getByRole('button', { name: 'Create ticket' }).click();
    await eventually(() => t.page.getByTestId('chat-facts').textContent()).toMatch(/Created ticket\s*Ticket #\d+/);
    expect(await t.page.getByRole('button', { name: 'Create ticket' }).count()).toBe(0);

    // Notes are searched too.
    await navTo(t.page, 'Search');
    await t.page.getByRole('button', { name: 'Clear' }).click();
    await t.page.getByLabel('Words').fill('courier');
    await t.page.getByRole('button', { name: 'Search', exact: true }).click();
    await eventually(() => results.count()).toBe(1);
    expect(await results.first().locator('mark').allTextContents()).toEqual(['courier']);
    expect(await results.first().getByTestId('snippet-in').textContent()).toBe('In a note:');
    expect(t.dialogs).toEqual([]);
  });

  it('a search given up for a newer one is closed, so the server never runs it if it still waits; the newer one is shown', async () => {
    const w = await world(s);
    const keyboard = await activeChat(w, 'Sticky keys');
    expect((await w.techClient.post(`/api/console/chats/${keyboard}/end`, { outcome: 'ended' })).status).toBe(200);
    const t = await techPage(await b.newContext(), w.tech.email);
    await navTo(t.page, 'Search');
    const results = t.page.getByTestId('search-result');
    await eventually(() => results.count()).toBeGreaterThan(0);
    // The first search is held on its way, as a slow one waiting for its turn would be.
    let held = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await t.page.route('**/api/console/search?q=zzslow*', async (route) => {
      held++;
      await released;
      await route.continue().catch(() => {});
    });
    await t.page.getByLabel('Words').fill('zzslow');
    await t.page.getByRole('button', { name: 'Search', exact: true }).click();
    await eventually(() => held).toBe(1);
    const givenUp = t.page.waitForEvent('requestfailed', (r) => r.url().includes('q=zzslow'));
    await t.page.getByLabel('Words').fill('sticky');
    await t.page.getByRole('button', { name: 'Search', exact: true }).click();
    // The browser closed the first request: on the server its search leaves the line (test/search).
    expect((await givenUp).failure()?.errorText).toMatch(/abort/i);
    await eventually(() => results.count()).toBe(1);
    expect(await results.first().textContent()).toContain('Sticky keys');
    release();
    await t.page.unroute('**/api/console/search?q=zzslow*');
    expect(await t.page.locator('.banner-error').count()).toBe(0);
    expect(t.dialogs).toEqual([]);
  });
});
