/**
 * One design for both apps: light and dark themes (the system's by default, switchable,
 * remembered, shared by both apps), and the provider's name, logo and accent colour set by an
 * admin in the console and applied to the portal and the console.
 */
import { axeViolations } from './support/a11y.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import { HAS_PORTAL_BUILD, portalLogin, startPortalServer, eventually } from './support/portal.js';
import { consoleLogin } from './support/console-ui.js';
import type { TestServer } from '../test/support/server.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const bg = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
/** The accent as the page resolves it (brand colour, theme), read through a probe element. */
const accent = (page: Page) =>
  page.evaluate(() => {
    const probe = document.body.appendChild(document.createElement('span'));
    probe.style.color = 'var(--accent)';
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  });
const LIGHT_BG = 'rgb(243, 245, 248)';
const DARK_BG = 'rgb(14, 18, 23)';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('themes and branding in a real browser', () => {
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

  it('follows the system, and a chosen theme wins, is remembered across reloads and holds in the other app', async () => {
    const w = await s.f.world();
    const ctx = await b.newContext({ colorScheme: 'dark' });
    const page = await ctx.newPage();
    await page.goto('/');
    await page.getByLabel('Email').waitFor();
    expect(await bg(page)).toBe(DARK_BG);
    await portalLogin(page, w.user.email);
    const theme = page.getByRole('banner').getByLabel('Theme');
    expect(await theme.inputValue()).toBe('system');

    await theme.selectOption('light');
    await eventually(() => bg(page)).toBe(LIGHT_BG);
    await page.reload();
    await page.getByRole('banner').getByLabel('Theme').waitFor();
    expect(await bg(page)).toBe(LIGHT_BG);
    expect(await page.getByRole('banner').getByLabel('Theme').inputValue()).toBe('light');

    // The console in the same browser shows the same choice, and its change reaches the open portal tab.
    const consolePage = await ctx.newPage();
    await consoleLogin(consolePage, w.tech.email);
    expect(await bg(consolePage)).toBe(LIGHT_BG);
    await consolePage.getByRole('banner').getByLabel('Theme').selectOption('dark');
    await eventually(() => bg(consolePage)).toBe(DARK_BG);
    await eventually(() => bg(page)).toBe(DARK_BG);

    // Back to the system's: a light system then gives light.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('banner').getByLabel('Theme').selectOption('system');
    await eventually(() => bg(page)).toBe(LIGHT_BG);
    await ctx.close();
  });

  it("an admin's name, accent, logo and word for a board show on both apps; a colour too light is refused before saving", async () => {
    const w = await s.f.world();
    const adminTech = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    const page = await (await b.newContext()).newPage();
    await consoleLogin(page, adminTech.email);
    await page.goto('/console/admin/branding');
    await page.getByLabel("Your organisation's name").fill('Brightline IT');
    await page.getByRole('radio', { name: 'Our colour' }).check();

    const hex = page.getByLabel('Colour as hex');
    await hex.fill('#ffd43b');
    await eventually(() => page.getByTestId('accent-contrast').textContent()).toContain('too light');
    expect(await page.getByRole('button', { name: 'Save name, colour and word' }).isDisabled()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await hex.fill('#6d28d9');
    await eventually(() => page.getByTestId('accent-contrast').textContent()).toContain('readable');
    // The preview shows the colour as each theme will: axe finds no contrast problem in either.
    expect(await axeViolations(page)).toEqual([]);
    const word = page.getByLabel('What portal users see instead of “board”');
    expect(await word.inputValue()).toBe('Topic');
    await word.fill('Service');
    await page.getByRole('button', { name: 'Save name, colour and word' }).click();
    await page.getByText('Branding saved').first().waitFor();
    await page.getByLabel('Upload a logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await page.getByTestId('logo-preview').waitFor();
    // The console applies it at once: its header says the new name and its buttons take the colour.
    await eventually(() => page.getByRole('banner').getByTestId('brand-name').textContent()).toBe('Brightline IT');
    expect(await page.getByRole('banner').locator('img.brand-logo').count()).toBe(1);
    expect(await accent(page)).toBe('rgb(109, 40, 217)');

    // A portal user in another browser sees it before and after logging in, in both themes.
    for (const colorScheme of ['light', 'dark'] as const) {
      const portal = await (await b.newContext({ colorScheme })).newPage();
      await portal.goto('/');
      await eventually(() => portal.locator('.brand-line').textContent()).toBe('Brightline IT');
      expect(await portal.locator('.brand-line img').getAttribute('src')).toMatch(/^\/api\/branding\/logo\?v=/);
      const sent = await accent(portal);
      if (colorScheme === 'light') expect(sent).toBe('rgb(109, 40, 217)');
      // Dark: a lighter shade of the same hue, readable on dark surfaces.
      else expect(sent).not.toBe('rgb(109, 40, 217)');
      await portalLogin(portal, w.user.email);
      await eventually(() => portal.getByRole('banner').getByTestId('brand-name').textContent()).toBe('Brightline IT');
      // The portal says the admin's word wherever it would say board.
      await portal.getByRole('link', { name: 'New request', exact: true }).click();
      await portal.getByLabel('Service', { exact: true }).waitFor();
      expect(await portal.getByText('Board', { exact: true }).count()).toBe(0);
      await portal.context().close();
    }

    // Back to the product's own colour and word.
    await page.getByRole('radio', { name: "The product's own blue" }).check();
    await word.fill('Topic');
    await page.getByRole('button', { name: 'Save name, colour and word' }).click();
    await eventually(() => accent(page)).toBe('rgb(11, 92, 173)');
  });
});
