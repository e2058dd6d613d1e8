/**
 * Message text in a real browser, on both sides: http, https and mailto addresses become safe
 * links (new tab, no opener, no referrer, nofollow), `code` and fenced blocks show in a
 * fixed-width font, and nothing else is interpreted: other schemes, look-alike hosts and markup
 * stay text.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM } from './support/browser.js';
import { HAS_PORTAL_BUILD, browserSuite, portalLogin, requestChat, eventually } from './support/portal.js';
import { techPage } from './support/console-ui.js';
import { world } from '../test/support/flows.js';

const MESSAGE = [
  'Guide: https://wiki.example.test/Printers_(HP)?floor=2#toner, or mailto:help@example.test.',
  'Not links: javascript:alert(1) JaVaScRiPt:alert(2) data:text/html,<script>alert(3)</script> https://bank.test@evil.test',
  'Look-alike: https://exаmple.com/reset',
  'Run `ipconfig /all` then:',
  '```',
  'Get-Service spooler | Restart-Service',
  '<img src=x onerror=alert(4)>',
  '```',
  'Thanks <b>a lot</b>',
].join('\n');

/** What the newest message body holds: its links, code, blocks, and every element inside it. */
const lastBody = (page: Page) =>
  page
    .locator('.message-body')
    .last()
    .evaluate((el) => ({
      links: [...el.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), text: a.textContent, target: a.target, rel: a.rel })),
      code: [...el.querySelectorAll(':scope > code')].map((c) => c.textContent),
      blocks: [...el.querySelectorAll('pre > code')].map((c) => c.textContent),
      tags: [...new Set([...el.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()))].sort(),
      codeFont: getComputedStyle(el.querySelector('code')!).fontFamily,
    }));

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('message text in a real browser', () => {
  const suite = browserSuite();

  it('links, code and plain text are the same on both sides, and a link opens a new tab that cannot reach its opener', async () => {
    const { s, b } = suite;
    const w = await world(s);
    const user = await (await b.newContext()).newPage();
    await portalLogin(user, w.user.email);
    const chatId = await requestChat(user, 'Printer guide', 'Where is the guide?');
    const tech = await techPage(await b.newContext(), w.tech.email);
    expect((await w.techClient.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    await tech.page.goto(`/console/chats/${chatId}`);
    const box = tech.page.getByLabel('Message', { exact: true });
    await box.fill(MESSAGE);
    await box.press('Enter');

    for (const page of [tech.page, user]) {
      await eventually(() => page.locator('.message-body', { hasText: 'Guide:' }).count()).toBe(1);
      const body = await lastBody(page);
      expect(body.links).toEqual([
        {
          href: 'https://wiki.example.test/Printers_(HP)?floor=2#toner',
          text: 'https://wiki.example.test/Printers_(HP)?floor=2#toner',
          target: '_blank',
          rel: 'noopener noreferrer nofollow',
        },
        { href: 'mailto:help@example.test', text: 'mailto:help@example.test', target: '_blank', rel: 'noopener noreferrer nofollow' },
        // The look-alike host is linked under, and shown as, its real (punycode) name.
        { href: 'https://xn--exmple-4nf.com/reset', text: 'https://xn--exmple-4nf.com/reset', target: '_blank', rel: 'noopener noreferrer nofollow' },
      ]);
      expect(body.code).toEqual(['ipconfig /all']);
      expect(body.blocks).toEqual(['Get-Service spooler | Restart-Service\n<img src=x onerror=alert(4)>']);
      // Only what the renderer makes: no <b>, <img> or <script> from the text.
      expect(body.tags).toEqual(['a', 'code', 'pre', 'span']);
      // Read again until the list is settled: a message re-drawn when its send is acknowledged is
      // read from a detached node, whose computed font is empty (seen once under the full suite).
      await eventually(async () => (await lastBody(page)).codeFont).toMatch(/mono/i);
      expect(await page.locator('.message-body').last().textContent()).toContain(
        'javascript:alert(1) JaVaScRiPt:alert(2) data:text/html,<script>alert(3)</script>',
      );
      expect(await page.locator('.message-body').last().textContent()).toContain('Thanks <b>a lot</b>');
    }

    // The portal user follows a link: a new tab, which has no handle on the portal's page.
    const target = `${s.url}/api/health`;
    expect((await w.techClient.post(`/api/console/chats/${chatId}/messages`, { body: `Status: ${target}`, clientId: 'link-open' })).status).toBe(201);
    const link = user.getByRole('link', { name: target });
    await link.waitFor();
    const [popup] = await Promise.all([user.context().waitForEvent('page'), link.click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(target);
    expect(await popup.evaluate(() => window.opener)).toBeNull();
    expect(tech.dialogs).toEqual([]);
  });
});
