/**
 * My account in a real browser: a tech turns on two-factor sign-in from My account (QR code and
 * key, a first code and their password, recovery codes shown once), signs out, and signs in again
 * with a code from the app; a portal user signs out their other sessions. The account pages and the login's code
 * step pass axe in light and dark, at 1280 and 390 px, without scrolling sideways.
 */
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM } from './support/browser.js';
import { HAS_PORTAL_BUILD, browserSuite, portalLogin, eventually } from './support/portal.js';
import { consoleLogin } from './support/console-ui.js';
import { axeViolations, overflowsSideways } from './support/a11y.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';

const STEP = 30_000;
const codeAt = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at });

async function checkPage(page: Page) {
  expect(await axeViolations(page)).toEqual([]);
  expect(await overflowsSideways(page)).toBe(false);
}

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('my account in a real browser', { timeout: 120_000 }, () => {
  const suite = browserSuite();

  it('a tech turns on two-factor from My account, signs out, and signs in with a code', async () => {
    const { s, b } = suite;
    const w = await s.f.world();
    const page = await (await b.newContext()).newPage();
    page.setDefaultTimeout(10000);
    await consoleLogin(page, w.tech.email);
    await page.getByRole('link', { name: /^My account/ }).click();
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
    await page.getByTestId('sessions').getByText('This session').waitFor();
    await checkPage(page);

    const twoFactor = page.getByRole('region', { name: 'Two-factor sign-in' });
    await twoFactor.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    const qr = twoFactor.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const secret = (await twoFactor.getByTestId('totp-secret').textContent())!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await checkPage(page);

    // Turning it on takes the current password too: a wrong one is refused with the reason, and nothing is on.
    const confirmedAt = Date.now();
    await twoFactor.getByLabel('Then enter the 6-digit code the app shows').fill(codeAt(secret, confirmedAt));
    const password = twoFactor.getByLabel('Your current password');
    await password.fill('not-my-password');
    await twoFactor.getByRole('button', { name: 'Turn on' }).click();
    await eventually(() => twoFactor.getByRole('alert').textContent()).toContain('That is not your current password');
    expect((await s.ctx.db.selectFrom('tech_two_factor').select('enabled_at').where('tech_id', '=', w.tech.id).executeTakeFirst())?.enabled_at).toBeNull();
    await checkPage(page);
    await password.fill(PASSWORD);
    await twoFactor.getByRole('button', { name: 'Turn on' }).click();
    const codes = twoFactor.getByTestId('recovery-codes').getByRole('listitem');
    await eventually(() => codes.count()).toBe(10);
    const recoveryCodes = await codes.allTextContents();
    await checkPage(page);
    await twoFactor.getByRole('button', { name: 'I have saved them' }).click();
    await eventually(() => twoFactor.textContent()).toContain('Two-factor sign-in is on');
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Email').fill(w.tech.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    const codeField = page.getByLabel('Code from your authenticator app');
    await codeField.waitFor();
    await eventually(() => codeField.evaluate((el) => el === document.activeElement)).toBe(true);
    await checkPage(page);
    // A wrong code is refused with the reason, and the step stays.
    await codeField.fill(codeAt(secret, Date.now() + 5 * STEP));
    await page.getByRole('button', { name: 'Verify' }).click();
    await eventually(() => page.getByRole('alert').first().textContent()).toContain('not right');
    // The code of the step used to turn it on is spent: the app's next code signs in.
    while (Math.floor(Date.now() / STEP) <= Math.floor(confirmedAt / STEP)) await page.waitForTimeout(250);
    await codeField.fill(codeAt(secret, Date.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await eventually(() => page.getByRole('complementary', { name: 'Status bar' }).isVisible()).toBe(true);

    // On a phone, a recovery code signs in instead (once); My account fits and passes axe.
    const phone = await (await b.newContext({ width: 390, height: 844 })).newPage();
    phone.setDefaultTimeout(10000);
    await phone.goto('/console');
    await phone.getByLabel('Email').fill(w.tech.email);
    await phone.getByLabel('Password').fill(PASSWORD);
    await phone.getByRole('button', { name: 'Log in' }).click();
    await phone.getByLabel('Code from your authenticator app').fill(recoveryCodes[0]);
    await phone.getByRole('button', { name: 'Verify' }).click();
    await eventually(() => phone.getByRole('complementary', { name: 'Status bar' }).count()).toBe(1);
    await phone.goto('/console/account');
    await eventually(() => phone.getByRole('region', { name: 'Two-factor sign-in' }).textContent()).toContain('9 unused recovery codes');
    await phone.getByTestId('sessions').getByText('This session').waitFor();
    await checkPage(phone);
  });

  it('a portal user sees their sessions and signs out everywhere else; the page passes axe at 1280 and 390 px', async () => {
    const { s, b } = suite;
    const company = await s.f.company();
    const user = await s.f.portalUser(company);
    const elsewhere = await loginAs(s.url, 'portal', user.email, PASSWORD);
    const page = await (await b.newContext()).newPage();
    page.setDefaultTimeout(10000);
    await portalLogin(page, user.email);
    await page.getByRole('link', { name: /^My account/ }).click();
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
    const sessions = page.getByTestId('sessions').getByRole('listitem');
    await eventually(() => sessions.count()).toBe(2);
    await checkPage(page);
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Sign out everywhere else?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await eventually(() => sessions.count()).toBe(1);
    expect((await elsewhere.get('/api/portal/me')).status).toBe(401);
    expect(await page.getByText('You are not signed in anywhere else.').isVisible()).toBe(true);

    const phone = await (await b.newContext({ width: 390, height: 844 })).newPage();
    phone.setDefaultTimeout(10000);
    await portalLogin(phone, user.email);
    await phone.goto('/account');
    await eventually(() => phone.getByTestId('sessions').getByRole('listitem').count()).toBe(2);
    await checkPage(phone);
  });

  it('an admin requires two-factor: a tech without it is taken to set it up before anything else; the admin resets it', async () => {
    const { s, b } = suite;
    const w = await s.f.world();
    await s.ctx.db.updateTable('techs').set({ name: 'Sam Desk' }).where('id', '=', w.tech.id).execute();
    const a = await s.f.tech({ role: 'admin' });
    // The admin's own two-factor, set up over HTTP; in the browser a recovery code signs them in.
    const http = await loginAs(s.url, 'tech', a.email, PASSWORD);
    const setup = await http.post('/api/console/account/two-factor/setup');
    const { recoveryCodes } = (await http.post('/api/console/account/two-factor/confirm', { code: codeAt(setup.body.secret, Date.now()), password: PASSWORD }))
      .body;
    const admin = await (await b.newContext()).newPage();
    admin.setDefaultTimeout(10000);
    await admin.goto('/console');
    await admin.getByLabel('Email').fill(a.email);
    await admin.getByLabel('Password').fill(PASSWORD);
    await admin.getByRole('button', { name: 'Log in' }).click();
    await admin.getByLabel('Code from your authenticator app').fill(recoveryCodes[0]);
    await admin.getByRole('button', { name: 'Verify' }).click();
    // Sam is at work in the console when the admin requires two-factor.
    const page = await (await b.newContext({ width: 390, height: 844 })).newPage();
    page.setDefaultTimeout(10000);
    await consoleLogin(page, w.tech.email);
    await admin.goto('/console/admin/security');
    const require = admin.getByLabel('Require two-factor sign-in of every technician');
    // Saved at once (the box shows what the server holds once it answers).
    await require.click();
    await eventually(async () => (await admin.request.get('/api/admin/security')).json()).toMatchObject({ techTwoFactorRequired: true });
    await eventually(() => require.isChecked()).toBe(true);
    await checkPage(admin);

    // Sam's console goes to the set-up at once (the server closes its live connection), and nothing else is there.
    await page.getByRole('heading', { name: 'Set up two-factor sign-in', level: 1 }).waitFor();
    expect(await page.getByRole('complementary', { name: 'Status bar' }).count()).toBe(0);
    await checkPage(page);
    const twoFactor = page.getByRole('region', { name: 'Two-factor sign-in' });
    await twoFactor.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    const secret = (await twoFactor.getByTestId('totp-secret').textContent())!.replace(/\s/g, '');
    await checkPage(page);
    // Sam signed in with the password moments ago: the set-up asks only for the first code.
    expect(await twoFactor.getByLabel('Your current password').count()).toBe(0);
    await twoFactor.getByLabel('Then enter the 6-digit code the app shows').fill(codeAt(secret, Date.now()));
    await twoFactor.getByRole('button', { name: 'Turn on' }).click();
    await eventually(() => twoFactor.getByTestId('recovery-codes').getByRole('listitem').count()).toBe(10);
    await twoFactor.getByRole('button', { name: 'I have saved them' }).click();
    await eventually(() => page.getByRole('complementary', { name: 'Status bar' }).count()).toBe(1);

    // Lost phone: the admin resets it; Sam is asked to set it up again.
    await admin.reload();
    await admin.getByRole('button', { name: 'Reset two-factor of Sam Desk' }).click();
    await admin.getByRole('alertdialog').getByRole('button', { name: 'Reset two-factor' }).click();
    await eventually(() => admin.getByTestId('flash').textContent()).toContain('signed out everywhere');
    await eventually(() => admin.getByRole('listitem').filter({ hasText: 'Sam Desk' }).textContent()).toContain('Off');
    // Signed out everywhere (the lost phone may hold a session): Sam signs in with the password
    // alone, and is asked to set it up again.
    await page.reload();
    await page.getByLabel('Email').fill(w.tech.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Set up two-factor sign-in', level: 1 }).waitFor();
    await admin.getByLabel('Require two-factor sign-in of every technician').click();
    await eventually(async () => (await admin.request.get('/api/admin/security')).json()).toMatchObject({ techTwoFactorRequired: false });
  });
});
