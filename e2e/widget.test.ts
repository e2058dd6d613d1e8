/**
 * The website widget in Chromium (SPEC Part 2, "Website widget"): a company's own page on another
 * origin loads one script tag; the launcher opens the Client Portal in a frame, where the chat
 * works as in the portal (log in, ask, talk with the tech both ways); a host page that signs its
 * user in gets a frame that is already signed in, and a wrong signature falls back to the login
 * form saying why; a page on an origin the company did not list cannot show the frame at all.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator, Page } from 'playwright-core';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import { axeViolations } from './support/a11y.js';
import { ALWAYS_OPEN, HAS_PORTAL_BUILD, eventually, setOfficeHours, startPortalServer, techJoins, techSide } from './support/portal.js';
import { ack } from '../test/support/sockets.js';
import { PASSWORD, type TestServer } from '../test/support/server.js';
import { loginAs } from '../test/support/http.js';
import { signIdentity } from '../src/server/services/widget.js';
import { consoleLogin } from './support/console-ui.js';

/** A company's website: one page whose HTML the test sets per path, on its own origin. */
function hostSite() {
  const pages = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const body = pages.get(req.url ?? '/');
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body ?? 'not found');
  });
  return {
    pages,
    start: () => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://localhost:${(server.address() as AddressInfo).port}`))),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const page = (script: string) =>
  `<!doctype html><html lang="en"><head><title>Acme intranet</title></head><body><main><h1>Acme intranet</h1><p>Welcome.</p></main>${script}</body></html>`;

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('website widget in a real browser', { timeout: 90000 }, () => {
  let s: TestServer;
  let b: Browsers;
  const allowed = hostSite();
  const elsewhere = hostSite();
  let allowedOrigin: string;
  let otherOrigin: string;
  beforeAll(async () => {
    s = await startPortalServer();
    await setOfficeHours(s, ALWAYS_OPEN);
    b = await launch(s.url);
    allowedOrigin = await allowed.start();
    otherOrigin = await elsewhere.start();
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
    await allowed.close();
    await elsewhere.close();
  });

  async function setUp() {
    const w = await s.f.world();
    const admin = await loginAs(s.url, 'tech', (await s.f.tech({ role: 'admin' })).email, PASSWORD);
    const widget = (await admin.put(`/api/admin/companies/${w.companyId}/widget`, { enabled: true, origins: [allowedOrigin] })).body;
    const { secret } = (await admin.post(`/api/admin/companies/${w.companyId}/widget/secret`)).body;
    const tag = (attrs = '') => `<script src="${s.url}/widget.js" data-key="${widget.key}" ${attrs} async></script>`;
    return { w, key: widget.key as string, secret: secret as string, tag };
  }
  async function openWidget(p: Page): Promise<FrameLocator> {
    await p.getByRole('button', { name: 'Chat with support' }).click();
    return p.frameLocator('iframe[title="Support chat"]');
  }

  it('opens the portal in a frame on the listed site, where the chat works both ways, and passes axe', async () => {
    const { w, tag } = await setUp();
    allowed.pages.set('/plain', page(tag()));
    const p = await (await b.newContext()).newPage();
    await p.goto(`${allowedOrigin}/plain`);
    const launcher = p.getByRole('button', { name: 'Chat with support' });
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');
    const frame = await openWidget(p);
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    // No identity from the site: the visitor logs in inside the frame.
    await frame.getByLabel('Email').fill(w.user.email);
    await frame.getByLabel('Password').fill(PASSWORD);
    await frame.getByRole('button', { name: 'Log in' }).click();
    await frame.getByRole('heading', { name: 'My tickets and chats' }).waitFor();
    await frame.getByRole('link', { name: 'New request', exact: true }).click();
    await frame.getByLabel('Topic').selectOption({ index: 1 });
    await frame.getByLabel('Subject').fill('VPN from the intranet');
    await frame.getByLabel('Message', { exact: true }).fill('It will not connect');
    await frame.getByRole('radio', { name: /Chat now/ }).check();
    await frame.getByRole('button', { name: 'Start chat' }).click();
    await frame.getByText('Waiting for a technician', { exact: false }).first().waitFor();
    const chat = await s.ctx.db.selectFrom('chats').select('id').where('requester_id', '=', w.user.id).executeTakeFirstOrThrow();
    const tech = await techSide(s, w.tech.email);
    await techJoins(tech, Number(chat.id));
    await ack(tech.socket, 'message:send', { chatId: Number(chat.id), body: 'Hello from the desk', clientId: 'widget-1' });
    await frame.locator('.message-body', { hasText: 'Hello from the desk' }).waitFor();
    await frame.getByLabel('Message', { exact: true }).fill('Thanks, still broken');
    await frame.getByLabel('Message', { exact: true }).press('Enter');
    await eventually(async () =>
      (await tech.http.get(`/api/console/chats/${chat.id}/messages`)).body.some((m: { body: string }) => m.body === 'Thanks, still broken'),
    ).toBe(true);
    // The frame's address stays under the widget's prefix as the visitor moves around.
    expect(p.frames().some((f) => /\/widget\/[^/]+\/chats\/\d+$/.test(f.url()))).toBe(true);
    // The host site's page has its main region and the portal in the frame has its own: axe's
    // landmark-unique counts both as one page's. Each is the main of its own document, which
    // screen readers enter separately, so that one rule is left out here.
    expect(await axeViolations(p, { disableRules: ['landmark-unique'] })).toEqual([]);
    // Escape closes the panel and gives the focus back to the launcher.
    await p.keyboard.press('Escape');
    await eventually(() => launcher.getAttribute('aria-expanded')).toBe('false');
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('helpdesk-widget-launcher');
    tech.socket.close();
  });

  it("signs in the site's own user from its signed identity; a wrong signature shows the login form and why", async () => {
    const { w, secret, tag } = await setUp();
    const ts = Date.now();
    allowed.pages.set('/signed', page(tag(`data-email="${w.user.email}" data-timestamp="${ts}" data-signature="${signIdentity(secret, w.user.email, ts)}"`)));
    allowed.pages.set('/forged', page(tag(`data-email="${w.user.email}" data-timestamp="${ts}" data-signature="${'0'.repeat(64)}"`)));
    const signed = await (await b.newContext()).newPage();
    await signed.goto(`${allowedOrigin}/signed`);
    const frame = await openWidget(signed);
    await frame.getByRole('heading', { name: 'My tickets and chats' }).waitFor();
    expect(await frame.getByLabel('Password').count()).toBe(0);

    const forged = await (await b.newContext()).newPage();
    await forged.goto(`${allowedOrigin}/forged`);
    const f2 = await openWidget(forged);
    await eventually(() => f2.getByTestId('widget-refused').textContent()).toContain('not valid');
    expect(await f2.getByLabel('Password').count()).toBe(1);
  });

  it('a page on an origin the company did not list cannot show the chat', async () => {
    const { tag } = await setUp();
    elsewhere.pages.set('/copied', page(tag()));
    // Its own context: the browser reports the refused frame, which the shared ones count as a failure.
    const ctx = await b.browser.newContext();
    const p = await ctx.newPage();
    const said: string[] = [];
    p.on('console', (m) => said.push(m.text()));
    await p.goto(`${otherOrigin}/copied`);
    await p.getByRole('button', { name: 'Chat with support' }).click();
    await eventually(() => said.some((t) => /frame-ancestors/.test(t)), { timeout: 10000 }).toBe(true);
    const frame = p.frames().find((f) => f !== p.mainFrame());
    expect(frame?.url() ?? '').not.toMatch(/\/widget\//);
    expect(await p.frameLocator('iframe[title="Support chat"]').getByLabel('Email').count()).toBe(0);
    await ctx.close();
  });

  it('an admin turns it on for a company from the Companies page, copies the tag and makes the secret, shown once', async () => {
    const w = await s.f.world();
    const company = (await s.ctx.db.selectFrom('companies').select('name').where('id', '=', w.companyId).executeTakeFirstOrThrow()).name;
    const admin = await s.f.tech({ role: 'admin' });
    const p = await (await b.newContext()).newPage();
    await consoleLogin(p, admin.email);
    await p.goto('/console/admin/companies');
    await p.getByLabel('Find a company').fill(company);
    const card = p.locator('li.card', { has: p.getByRole('form', { name: `Company ${company}` }) });
    await card.getByText('Website widget').click();
    const form = card.getByRole('form', { name: `Website widget of ${company}` });
    await form.getByRole('checkbox', { name: /Show a chat button/ }).check();
    await form.getByLabel(/Website addresses/).fill('intranet.example.com');
    await form.getByRole('button', { name: 'Save website widget' }).click();
    // Not an address: said, nothing saved.
    await eventually(() => p.getByRole('alert').first().textContent()).toContain('is not an address');
    await form.getByLabel(/Website addresses/).fill(`${allowedOrigin}\nhttps://www.example.org/`);
    await form.getByRole('button', { name: 'Save website widget' }).click();
    const snippet = card.getByTestId('widget-snippet');
    await eventually(() => snippet.inputValue()).toMatch(/^<script src="http:\/\/[^"]+\/widget\.js" data-key="[A-Za-z0-9_-]{24}" async><\/script>$/);
    await card.getByRole('button', { name: 'Make a signing secret' }).click();
    const secret = (await card.getByTestId('widget-secret').locator('code').textContent()) ?? '';
    expect(secret).toMatch(/^wsec_/);
    expect(await axeViolations(p)).toEqual([]);
    // A new one asks first; the old one is then no longer shown anywhere.
    await card.getByRole('button', { name: 'Make a new signing secret…' }).click();
    await p.getByRole('alertdialog', { name: 'Make a new signing secret?' }).getByRole('button', { name: 'Make a new secret' }).click();
    await eventually(async () => (await card.getByTestId('widget-secret').locator('code').textContent()) ?? '').not.toBe(secret);
    await p.reload();
    expect(await p.content()).not.toContain('wsec_');
  });
});
