/**
 * The Webhooks admin page in Chromium: add an endpoint, see the secret once, watch a delivery in
 * the log, a paused endpoint with its reason; axe finds nothing (light and dark) on each state.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, overflowsSideways } from './support/a11y.js';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { ALWAYS_OPEN, HAS_PORTAL_BUILD, setOfficeHours, startPortalServer } from './support/portal.js';
import { consoleLogin, eventually } from './support/console-ui.js';
import { loginAs } from '../test/support/http.js';
import { waitingChat, world } from '../test/support/flows.js';
import { PASSWORD, type TestServer } from '../test/support/server.js';
import { startReceiver, type Receiver } from '../test/support/receiver.js';

const press = async (button: Locator) => {
  await button.focus();
  await button.press('Enter');
};

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Webhooks admin page', { timeout: 60000 }, () => {
  let s: TestServer;
  let b: Browsers;
  let r: Receiver;
  beforeAll(async () => {
    s = await startPortalServer({ WEBHOOK_PRIVATE_ADDRESSES: 'allow', PUBLIC_URL: 'https://help.example.test' });
    await setOfficeHours(s, ALWAYS_OPEN);
    b = await launch(s.url);
    r = await startReceiver();
  });
  afterAll(async () => {
    await r?.close();
    await b?.close();
    await s?.stop();
  });

  for (const [label, size] of [
    ['laptop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`adds an endpoint, shows its secret once and its delivery log, without an axe violation at ${label} width`, async () => {
      const w = await world(s);
      const admin = await s.f.tech({ role: 'admin' });
      const page = await (await b.newContext(size)).newPage();
      const check = async (name: string) => {
        expect(await axeViolations(page), name).toEqual([]);
        expect(await overflowsSideways(page), `${name} scrolls sideways`).toBe(false);
      };
      await consoleLogin(page, admin.email);
      await page.goto('/console/admin/webhooks');
      await page.getByRole('heading', { name: 'Admin: Webhooks' }).waitFor();
      await page.getByTestId('private-addresses').waitFor();
      await check('webhooks page');

      await page.getByRole('button', { name: 'Add endpoint…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('URL to post to').fill(`${r.url}/${label}`);
      await dialog.getByLabel('Description (optional)').fill(`PSA ${label}`);
      await dialog.getByRole('radio', { name: 'Slack incoming webhook' }).check();
      await dialog.getByRole('checkbox', { name: 'Chat ended' }).check();
      await check('add dialog');
      await dialog.getByRole('button', { name: 'Add endpoint' }).click();
      const secret = page.getByTestId('webhook-secret');
      await secret.waitFor();
      expect(await secret.inputValue()).toMatch(/^whsec_/);
      const shown = await secret.inputValue();
      await check('secret dialog');
      await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
      const card = page.getByTestId('webhook-endpoint').filter({ hasText: `PSA ${label}` });
      await card.waitFor();
      expect(await page.content()).not.toContain(shown);

      // A chat requested: the running server delivers it, and the log shows it.
      const before = r.received.length;
      await waitingChat(w, `Projector ${label}`);
      await eventually(() => r.received.length).toBe(before + 1);
      expect(JSON.parse(r.received.at(-1)!.body).blocks[1].elements[0]).toMatchObject({ text: { text: 'Join' } });
      // On a phone the chat's alert toast covers the page's foot: the keyboard reaches the button anyway.
      await press(card.getByRole('button', { name: 'Delivery log' }));
      await card.getByTestId('webhook-log').getByText('HTTP 200', { exact: false }).waitFor();
      await check('delivery log');
      await page.screenshot({ path: screenshotPath(`webhooks-admin-${label}`), fullPage: true });

      // Paused (by hand here): the reason shows, and Resume is offered.
      await press(card.getByRole('button', { name: 'Pause', exact: true }));
      await card.getByTestId('webhook-paused').waitFor();
      expect(await card.getByTestId('webhook-paused').textContent()).toContain('Paused by');
      await card.getByRole('button', { name: 'Resume' }).waitFor();
      await check('paused endpoint');

      const adminHttp = await loginAs(s.url, 'tech', admin.email, PASSWORD);
      expect((await adminHttp.get('/api/admin/webhooks')).text).not.toContain(shown);
      await page.context().close();
    });
  }
});
