/**
 * On a phone (390 x 844) the message box of a long chat is on screen without scrolling, in the
 * Client Portal and in the Tech Console, with the newest message visible above it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import {
  ALWAYS_OPEN,
  HAS_PORTAL_BUILD,
  eventually,
  portalLogin,
  requestChat,
  setOfficeHours,
  startPortalServer,
  techJoins,
  techSide,
} from './support/portal.js';
import { BLOCKING_AUTOPLAY, consoleLogin, techPage } from './support/console-ui.js';
import { ack } from '../test/support/sockets.js';
import type { TestServer } from '../test/support/server.js';

const PHONE = { width: 390, height: 844 };

/** Where the message box and the newest message are, in the viewport. */
async function layout(page: Page) {
  return page.evaluate(() => {
    const box = document.querySelector('.composer')!.getBoundingClientRect();
    const last = [...document.querySelectorAll('.message-list li')].at(-1)!.getBoundingClientRect();
    // The console's reply/note switch, above its box.
    const mode = document.querySelector('.compose-mode')?.getBoundingClientRect();
    return {
      composerTop: box.top,
      composerBottom: box.bottom,
      lastBottom: last.bottom,
      height: window.innerHeight,
      modeTop: mode?.top,
      modeBottom: mode?.bottom,
    };
  });
}

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('phone layout', { timeout: 60000 }, () => {
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

  it('the portal and the console keep the message box on screen under a long conversation', async () => {
    const w = await s.f.world();
    const user = await (await b.newContext(PHONE)).newPage();
    await portalLogin(user, w.user.email);
    const chatId = await requestChat(user, 'Long one', 'It keeps happening');
    const tech = await techSide(s, w.tech.email);
    await techJoins(tech, chatId);
    // Within the send limit's burst (20).
    for (let i = 0; i < 12; i++)
      await ack(tech.socket, 'message:send', {
        chatId,
        body: `Step ${i + 1}: a long explanation that wraps over several lines on a phone screen`,
        clientId: `p-${i}`,
      });
    await eventually(() => user.locator('.message-body', { hasText: 'Step 12:' }).count()).toBe(1);
    await eventually(async () => {
      const l = await layout(user);
      return l.composerTop >= 0 && l.composerBottom <= l.height && l.lastBottom <= l.composerTop + 1;
    }).toBe(true);

    // The empty box's hint fits on its two lines (it was cut after "Enter to send, Shift+").
    const hintFits = (page: typeof user) =>
      page
        .locator('.composer textarea')
        .first()
        .evaluate((el) => {
          const box = el as HTMLTextAreaElement;
          const probe = document.createElement('textarea');
          probe.rows = box.rows;
          probe.style.width = `${box.offsetWidth}px`;
          probe.value = box.placeholder;
          box.parentElement?.appendChild(probe);
          const fits = probe.scrollHeight <= probe.clientHeight + 1;
          probe.remove();
          return { fits, hint: box.placeholder };
        });
    expect(await hintFits(user)).toEqual({ fits: true, hint: 'Message (Enter sends)' });

    const console = await techPage(await b.newContext(PHONE), w.tech.email);
    await console.page.goto(`/console/chats/${chatId}`);
    await eventually(() => console.page.locator('.message-body', { hasText: 'Step 12:' }).count()).toBe(1);
    process.stderr.write(`L ${JSON.stringify(await layout(console.page))}\n`);
    expect(await hintFits(console.page)).toEqual({ fits: true, hint: 'Message (Enter sends, / canned replies)' });
    await eventually(async () => {
      const l = await layout(console.page);
      return l.composerTop >= 0 && l.composerBottom <= l.height && l.lastBottom <= l.modeTop! + 1;
    }).toBe(true);
    // Wherever the page is scrolled, the reply/note switch stays whole on screen, just above the box.
    for (const y of [0, 150, 'bottom'] as const) {
      await console.page.evaluate((y) => window.scrollTo(0, y === 'bottom' ? document.documentElement.scrollHeight : y), y);
      const l = await layout(console.page);
      expect(l.modeTop, `switch at scroll ${y}`).toBeGreaterThanOrEqual(0);
      expect(l.modeBottom, `switch at scroll ${y}`).toBeLessThanOrEqual(l.composerTop + 1);
      expect(l.composerBottom, `box at scroll ${y}`).toBeLessThanOrEqual(l.height);
    }

    // After a reload the browser blocks sound, and the console says so in a notice at the bottom
    // of the screen: it never covers the message box, and the page keeps room under its last control.
    // (The browser's own rule depends on what happened on the site before; the double makes it certain.)
    const blockedCtx = await b.newContext(PHONE);
    await blockedCtx.addInitScript(BLOCKING_AUTOPLAY);
    const blocked = await blockedCtx.newPage();
    await consoleLogin(blocked, w.tech.email);
    await blocked.goto(`/console/chats/${chatId}`);
    await blocked.getByTestId('sound-blocked').waitFor();
    await blocked.locator('.message-body', { hasText: 'Step 12:' }).waitFor();
    const noticeTop = () => blocked.getByTestId('sound-blocked').evaluate((el) => el.getBoundingClientRect().top);
    await eventually(async () => (await layout(blocked)).composerBottom <= (await noticeTop())).toBe(true);
    await blocked.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const endBottom = await blocked.getByRole('button', { name: 'End chat…' }).evaluate((el) => el.getBoundingClientRect().bottom);
    expect(endBottom).toBeLessThanOrEqual(await noticeTop());
    // The first tap turns sound on and the notice goes, but only once the tap is over: nothing
    // moves under the finger while it is down, and the tap on the button at the bottom opens its dialog.
    await blocked.evaluate(() => (window as unknown as { __allowAudio: () => void }).__allowAudio());
    const end = blocked.getByRole('button', { name: 'End chat…' });
    const before = (await end.boundingBox())!;
    await blocked.mouse.move(before.x + before.width / 2, before.y + before.height / 2);
    await blocked.mouse.down();
    expect(await end.boundingBox()).toEqual(before);
    expect(await blocked.getByTestId('sound-blocked').isVisible()).toBe(true);
    await blocked.mouse.up();
    await blocked.getByRole('dialog').getByRole('radio', { name: 'End and create a ticket' }).waitFor();
    await eventually(() => blocked.getByTestId('sound-blocked').count()).toBe(0);
    tech.socket.close();
  });
});
