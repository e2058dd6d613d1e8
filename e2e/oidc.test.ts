/**
 * Single sign-on in a real browser, against a real OpenID Connect provider (oidc-provider, its
 * development sign-in pages): the admin adds the issuer on the Single sign-on page (which passes
 * axe in both themes and never shows the secret again); a portal user clicks "Sign in with …" on
 * the portal's login page, signs in at the provider and lands in the portal; a refusal ends on the
 * login page with its words; with password sign-in off the page offers only the button; a tech with
 * two-factor on comes back to the console's code step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { HAS_CHROMIUM } from './support/browser.js';
import { HAS_PORTAL_BUILD, browserSuite, eventually } from './support/portal.js';
import { navTo, techPage } from './support/console-ui.js';
import { axeViolations } from './support/a11y.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';
import { startProvider, type TestProvider } from '../test/support/oidc.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('single sign-on in a real browser', { timeout: 60000 }, () => {
  const suite = browserSuite();
  let provider: TestProvider;
  beforeAll(async () => {
    provider = await startProvider([`${suite.s.url}/api/auth/portal/oidc/callback`, `${suite.s.url}/api/auth/tech/oidc/callback`]);
  });
  afterAll(async () => provider?.stop());

  /** At the provider's own pages: the login (any password), then the consent. */
  async function atProvider(page: Page, login: string) {
    await page.waitForURL((u) => u.origin === provider.issuer);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('the admin adds an issuer on the Single sign-on page, which shows the redirect URIs, never the secret, and passes axe', async () => {
    const { s, b } = suite;
    const adminTech = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    const admin = await techPage(await b.newContext(), adminTech.email);
    await navTo(admin.page, 'Admin');
    await admin.page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Single sign-on' }).click();
    await admin.page.getByRole('heading', { name: 'Admin: Single sign-on' }).waitFor();
    expect(await admin.page.getByTestId('redirect-uri-portal').textContent()).toBe(`${s.url}/api/auth/portal/oidc/callback`);

    const form = admin.page.getByRole('form', { name: 'Add an issuer' });
    await form.getByLabel('Name on the button').fill('Contoso ID');
    await form.getByLabel('Issuer URL').fill(provider.issuer);
    await form.getByLabel('Client id').fill(provider.clientId);
    await form.getByLabel('Client secret').fill(provider.clientSecret);
    await form.getByRole('button', { name: 'Add issuer' }).click();
    const row = admin.page.getByRole('form', { name: 'Issuer Contoso ID' });
    await row.waitFor();
    expect(await row.getByLabel('Replace the client secret').inputValue()).toBe('');
    expect(await row.getByText('A secret is set; it is never shown.').isVisible()).toBe(true);
    expect(await admin.page.content()).not.toContain(provider.clientSecret);
    expect(await axeViolations(admin.page)).toEqual([]);

    // The company's domains and its choice, on the companies page.
    const companyId = await s.f.company();
    const company = (await s.ctx.db.selectFrom('companies').select('name').where('id', '=', companyId).executeTakeFirstOrThrow()).name;
    await admin.page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Companies' }).click();
    const sso = admin.page.getByRole('form', { name: `Single sign-on of ${company}` });
    await sso.getByLabel('Email domains (single sign-on)').fill('acme.test');
    await sso.getByLabel('Create unknown people on first sign-in').check();
    // Its own provider, so no other provider's word counts for its people.
    await sso.getByLabel('Identity provider for this company').selectOption({ label: 'Contoso ID' });
    await sso.getByRole('button', { name: 'Save sign-in' }).click();
    await eventually(async () => (await s.ctx.db.selectFrom('company_domains').selectAll().execute()).map((d) => d.domain)).toEqual(['acme.test']);
    const issuerId = (await s.ctx.db.selectFrom('oidc_issuers').select('id').executeTakeFirstOrThrow()).id;
    await eventually(
      async () => (await s.ctx.db.selectFrom('companies').select('sso_issuer_id').where('id', '=', companyId).executeTakeFirstOrThrow()).sso_issuer_id,
    ).toBe(issuerId);
    expect(await axeViolations(admin.page)).toEqual([]);
  });

  it('a portal user clicks "Sign in with Contoso ID", signs in at the provider and lands in the portal', async () => {
    const { b } = suite;
    provider.accounts.set('alice', { email: 'alice@acme.test', verified: true, name: 'Alice Anders' });
    const page = await (await b.newContext()).newPage();
    await page.goto('/');
    await page.getByRole('link', { name: 'Sign in with Contoso ID' }).click();
    await atProvider(page, 'alice');
    await page.getByRole('heading', { name: 'My tickets and chats' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByText('Alice Anders').first().isVisible()).toBe(true);
  });

  it('a refusal ends on the login page with its words; with password sign-in off only the button is offered', async () => {
    const { s, b } = suite;
    provider.accounts.set('unverified', { email: 'bob@acme.test', verified: false });
    const page = await (await b.newContext()).newPage();
    await page.goto('/');
    await page.getByRole('link', { name: 'Sign in with Contoso ID' }).click();
    await atProvider(page, 'unverified');
    await eventually(() => page.getByTestId('sign-in-error').textContent()).toContain('does not confirm that your email address is verified');
    // The code is taken out of the address once shown.
    expect(new URL(page.url()).search).toBe('');
    expect(await page.getByLabel('Password').isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);

    const adminTech = await s.f.tech({ role: 'admin' });
    const admin = await loginAs(s.url, 'tech', adminTech.email, PASSWORD);
    expect((await admin.put('/api/admin/sso/password-sign-in', { tech: true, portal: false })).status).toBe(200);
    await page.reload();
    await page.getByRole('link', { name: 'Sign in with Contoso ID' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
  });
  it('a tech with two-factor on comes back from the provider to the code step, and the code opens the console', async () => {
    const { s, b } = suite;
    const adminTech = await s.f.tech({ role: 'admin' });
    const admin = await loginAs(s.url, 'tech', adminTech.email, PASSWORD);
    const issuer = (await admin.get('/api/admin/sso')).body.issuers.find((i: { name: string }) => i.name === 'Contoso ID');
    expect((await admin.patch(`/api/admin/sso/issuers/${issuer.id}`, { forTechs: true })).status).toBe(200);
    const t = await s.f.tech({ name: 'Tara Totp' });
    const own = await loginAs(s.url, 'tech', t.email, PASSWORD);
    const codeAt = (secret: string, at: number) =>
      new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at });
    const setup = await own.post('/api/console/account/two-factor/setup');
    expect((await own.post('/api/console/account/two-factor/confirm', { code: codeAt(setup.body.secret, Date.now()), password: PASSWORD })).status).toBe(200);
    provider.accounts.set('tara', { email: t.email, verified: true, name: 'Tara Totp' });

    const page = await (await b.newContext()).newPage();
    await page.goto('/console');
    await page.getByRole('link', { name: 'Sign in with Contoso ID' }).click();
    await atProvider(page, 'tara');
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
    // The ticket is taken out of the address at once.
    expect(new URL(page.url()).hash).toBe('');
    await page.getByLabel('Code from your authenticator app').fill(codeAt(setup.body.secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await eventually(async () => (await page.context().cookies()).some((c) => c.name === 'hd_tech')).toBe(true);
    await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor({ state: 'detached' });
  });
});
