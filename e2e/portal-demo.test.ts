/**
 * The portal on the demo data a newcomer gets from `npm start`: Alice (Acme) asks about her VPN
 * ticket, Sam from the service desk answers. Takes screenshots on the way (test-results/screenshots/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { HAS_PORTAL_BUILD, startPortalServer, techJoins, eventually } from './support/portal.js';
import { DEMO_PASSWORD } from '../src/server/seed.js';
import { loginAs } from '../test/support/http.js';
import { ack, connect, waitFor } from '../test/support/sockets.js';
import type { TestServer } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Client Portal on the demo data', () => {
  let s: TestServer;
  let b: Browsers;
  beforeAll(async () => {
    s = await startPortalServer({ SEED_DEMO: 'true', CHAT_WAIT_OFFER_SECONDS: '3' });
    b = await launch(s.url);
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });

  it('Alice sees only her tickets, chats about one with Sam, and finds the transcript on it', async () => {
    const sam = await loginAs(s.url, 'tech', 'sam@helpdesk.test', DEMO_PASSWORD);
    const samSocket = await connect(s.url, '/console', sam);
    const page = await (await b.newContext()).newPage();

    await page.goto('/');
    await page.getByLabel('Email').fill('alice@acme.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.screenshot({ path: screenshotPath('portal-login') });
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My tickets and chats' }).waitFor();
    const tickets = await page.locator('table tbody tr td:nth-child(2)').allTextContents();
    expect(tickets.sort()).toEqual(['Laptop will not connect to VPN', 'New office printer setup']);
    expect(await page.getByText('Password reset for the finance app').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('portal-home') });

    await page.getByRole('link', { name: 'New request', exact: true }).click();
    await page.getByTestId('office-openings').waitFor();
    await page.screenshot({ path: screenshotPath('portal-new-request'), fullPage: true });

    await page.getByRole('link', { name: 'My tickets and chats' }).first().click();
    await page.getByRole('link', { name: 'Laptop will not connect to VPN' }).click();
    await page.getByLabel('First message (optional)').fill('The VPN client says "certificate expired" since this morning.');
    await page.getByRole('button', { name: 'Start a chat about this ticket' }).click();
    await page.waitForURL(/\/chats\/\d+$/);
    const chatId = Number(new URL(page.url()).pathname.split('/').pop());
    // Sam is the ticket's assigned tech and online: he is alerted first.
    const alert = await waitFor(samSocket, 'alert', (p) => p.chat.id === chatId);
    expect(alert.stage).toBe('assigned');
    await page.getByTestId('offer').waitFor({ timeout: 10000 });
    await page.screenshot({ path: screenshotPath('portal-offer') });
    await page.getByRole('button', { name: 'Keep waiting' }).click();
    await page.getByTestId('queue-position').waitFor();
    await page.screenshot({ path: screenshotPath('portal-waiting') });

    await techJoins({ http: sam }, chatId);
    await page.getByTestId('tech-name').waitFor();
    await ack(samSocket, 'message:send', {
      chatId,
      body: 'Hi Alice, I can renew it from here. Can you restart the VPN client in a minute?',
      clientId: 'demo-1',
    });
    const box = page.getByLabel('Message', { exact: true });
    await box.fill('Sure, tell me when.');
    await box.press('Enter');
    await waitFor(samSocket, 'message', (p) => p.chatId === chatId && p.body === 'Sure, tell me when.');
    await ack(samSocket, 'message:send', { chatId, body: 'Done: restart it now.', clientId: 'demo-2' });
    await ack(samSocket, 'typing', { chatId, typing: true });
    await page.getByText('Sam Desk is typing…').waitFor();
    await page.screenshot({ path: screenshotPath('portal-chat') });

    const end = await sam.post(`/api/console/chats/${chatId}/end`, { outcome: 'ended', note: 'Renewed the VPN certificate' });
    expect(end.status).toBe(200);
    await page.getByTestId('chat-ended').waitFor();
    await page.screenshot({ path: screenshotPath('portal-ended') });
    await page.getByRole('link', { name: /ticket #\d+/ }).click();
    await eventually(() => page.getByTestId('timeline-chat').textContent()).toContain('with Sam Desk');
    await page.screenshot({ path: screenshotPath('portal-ticket'), fullPage: true });
    samSocket.close();
  });
});
