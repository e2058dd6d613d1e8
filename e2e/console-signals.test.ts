/**
 * Alerts are not missed in silence: when the browser blocks sound (no click on the page since it
 * loaded), the console says so and one click turns sound on.
 */
import { axeViolations } from './support/a11y.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import { ALWAYS_OPEN, HAS_PORTAL_BUILD, setOfficeHours, startPortalServer } from './support/portal.js';
import { BLOCKING_AUTOPLAY, beeps, eventually, techPage, toast } from './support/console-ui.js';
import { waitingChat, world } from '../test/support/flows.js';
import type { TestServer } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Tech Console alert signals in a real browser', { timeout: 60000 }, () => {
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

  it('says when the browser blocks the alert sound, and one click on "Turn sound on" turns it on', async () => {
    const w = await world(s);
    const ctx = await b.newContext();
    await ctx.addInitScript(BLOCKING_AUTOPLAY);
    const tech = await techPage(ctx, w.tech.email);
    const banner = tech.page.getByTestId('sound-blocked');
    await eventually(() => banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toContain('blocking the alert sound');
    // A request meanwhile: the toast is there, the banner still says the sound is off.
    const chatId = await waitingChat(w, 'Silent alert');
    await eventually(() => toast(tech.page, chatId).isVisible()).toBe(true);
    expect(await banner.isVisible()).toBe(true);
    // The notice and the toast together pass axe in both themes.
    expect(await axeViolations(tech.page)).toEqual([]);

    await tech.page.evaluate(() => (window as unknown as { __allowAudio: () => void }).__allowAudio());
    // The button's own click (a real click's pointerdown anywhere on the page would do it as well).
    await tech.page.evaluate(() => document.querySelector<HTMLButtonElement>('[data-testid="sound-blocked"] button')!.click());
    await eventually(() => banner.count()).toBe(0);
    // The next alert rings.
    const before = await beeps(tech.page);
    const next = await waitingChat(w, 'Audible alert');
    await eventually(() => toast(tech.page, next).isVisible()).toBe(true);
    await eventually(() => beeps(tech.page)).toBeGreaterThan(before);
  });

  it('says nothing while the sound is muted, blocked or not', async () => {
    const w = await world(s);
    const ctx = await b.newContext();
    await ctx.addInitScript(BLOCKING_AUTOPLAY);
    const tech = await techPage(ctx, w.tech.email);
    await eventually(() => tech.page.getByTestId('sound-blocked').isVisible()).toBe(true);
    await tech.page.getByLabel('Mute alert sound').check();
    await eventually(() => tech.page.getByTestId('sound-blocked').count()).toBe(0);
  });

  it('a request nobody takes rings again every 30 s until it is dismissed', async () => {
    const w = await world(s);
    const tech = await techPage(await b.newContext(), w.tech.email);
    await tech.page.clock.install();
    const chatId = await waitingChat(w, 'Nobody took it');
    await eventually(() => toast(tech.page, chatId).isVisible()).toBe(true);
    await eventually(() => beeps(tech.page)).toBeGreaterThan(0);
    const first = await beeps(tech.page);
    await tech.page.clock.runFor(31_000);
    await eventually(() => beeps(tech.page)).toBeGreaterThan(first);
    // Dismissed: silence from then on.
    await toast(tech.page, chatId)
      .getByRole('button', { name: /^Dismiss/ })
      .click();
    const after = await beeps(tech.page);
    await tech.page.clock.runFor(61_000);
    expect(await beeps(tech.page)).toBe(after);
  });
});
