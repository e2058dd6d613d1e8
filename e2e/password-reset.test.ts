/**
 * Email in a real browser against a real SMTP server: a portal user who forgot their password asks
 * on the login page, opens the link from the mail, sets a new password and signs in with it; the
 * pages on the way and the admin's Email page (with a sent and a failed mail) pass axe in light
 * and dark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launch, type Browsers } from './support/browser.js';
import { ALWAYS_OPEN, HAS_PORTAL_BUILD, eventually, setOfficeHours, startPortalServer } from './support/portal.js';
import { navTo, techPage } from './support/console-ui.js';
import { axeViolations } from './support/a11y.js';
import { PASSWORD, type TestServer } from '../test/support/server.js';
import { loginAs } from '../test/support/http.js';
import { resetTokenIn, startSmtp, type TestSmtp } from '../test/support/smtp.js';

const PUBLIC_URL = 'https://help.example.test';
const NEW_PASSWORD = 'correct-horse-battery-9';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('password reset by email in a real browser', { timeout: 60000 }, () => {
  let smtp: TestSmtp;
  let s: TestServer;
  let b: Browsers;
  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startPortalServer({ SMTP_URL: smtp.url, PUBLIC_URL, MAIL_FROM: 'Helpdesk <help@example.test>' });
    await setOfficeHours(s, ALWAYS_OPEN);
    b = await launch(s.url);
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
    await smtp?.close();
  });

  it('a portal user asks on the login page, follows the link in the mail, sets a new password, signs in, and gets a transcript by mail', async () => {
    const w = await s.f.world();
    const u = w.user;
    const page = await (await b.newContext()).newPage();
    await page.goto('/');
    await page.getByLabel('Email').fill(u.email);
    await page.getByRole('button', { name: 'Forgot password?' }).click();
    const form = page.getByRole('form', { name: 'Reset your password' });
    // The address typed for the login is taken over.
    expect(await form.getByLabel('Email').inputValue()).toBe(u.email);
    expect(await axeViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'Send the link' }).click();
    await page.getByTestId('reset-sent').waitFor();
    expect(await page.getByTestId('reset-sent').textContent()).toContain(u.email);

    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toMatchObject({ text: u.email });
    const link = new URL(/https:\/\/\S+/.exec(mail.text ?? '')![0]);
    expect(link.origin).toBe(PUBLIC_URL);
    expect(link.hash).toBe(`#token=${resetTokenIn(mail)}`);
    // The same path on this test server.
    await page.goto(`${link.pathname}${link.hash}`);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    // The token leaves the address bar.
    await eventually(() => new URL(page.url()).hash).toBe('');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByLabel('Repeat the password').fill('not-the-same-1');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('The two passwords are not the same.').waitFor();
    await page.getByLabel('Repeat the password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByTestId('reset-done').waitFor();
    await page.getByRole('button', { name: 'Log in' }).click();

    await page.getByLabel('Email').fill(u.email);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'My tickets and chats' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');

    // An ended chat of theirs: the transcript by mail, from the ended-chat view.
    const user = await loginAs(s.url, 'portal', u.email, NEW_PASSWORD);
    const chat = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Monitor flickers', message: 'Since this morning' });
    const tech = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    expect((await tech.post(`/api/console/chats/${chat.body.chat.id}/join`)).status).toBe(200);
    expect((await tech.post(`/api/console/chats/${chat.body.chat.id}/end`, { outcome: 'ended' })).status).toBe(200);
    await page.goto(`/chats/${chat.body.chat.id}`);
    await page.getByRole('button', { name: 'Email me the transcript' }).click();
    expect(await page.getByTestId('transcript-mail-sent').textContent()).toContain(u.email);
    const transcript = (await smtp.waitFor(2))[1];
    expect(transcript.subject).toBe('Transcript of your chat: Monitor flickers');
    expect(transcript.text).toContain('Since this morning');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('a tech completing an abandoned chat ticks "Send the note to the user" and the user gets the note', async () => {
    const w = await s.f.world();
    const user = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const id = (await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'VPN down', message: 'Cannot connect' })).body.chat.id;
    expect((await user.post(`/api/portal/chats/${id}/leave`)).status).toBe(200);
    const before = smtp.mails.length;
    const t = await techPage(await b.newContext(), w.tech.email);
    await t.page.goto(`/console/chats/${id}`);
    await t.page.getByRole('button', { name: 'Complete…' }).click();
    const dialog = t.page.getByRole('dialog');
    await dialog.getByLabel('Note: how did you reply to the user?').fill('Called you: the VPN works again.');
    await dialog.getByLabel('Send the note to the user').check();
    expect(await axeViolations(t.page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Complete', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    const mail = (await smtp.waitFor(before + 1))[before];
    expect(mail.to).toMatchObject({ text: w.user.email });
    expect(mail.subject).toBe('About your request: VPN down');
    expect(mail.text).toContain('Called you: the VPN works again.');
  });

  it('the Email admin page shows the settings without the password, sends a test mail, lists a failed mail, and passes axe', async () => {
    const admin = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    const t = await techPage(await b.newContext(), admin.email);
    await navTo(t.page, 'Admin');
    await t.page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Email' }).click();
    const settings = t.page.getByTestId('email-settings');
    await settings.waitFor();
    expect(await settings.textContent()).toContain(`smtp://127.0.0.1:${smtp.port}`);
    expect(await t.page.content()).not.toContain('smtp-secret-pw');

    const before = smtp.mails.length;
    await t.page.getByRole('button', { name: 'Send a test mail' }).click();
    await smtp.waitFor(before + 1);
    smtp.mode = 'refuse';
    await t.page.getByLabel('To (empty: your own address)').fill('nobody@example.test');
    await t.page.getByRole('button', { name: 'Send a test mail' }).click();
    // The list refreshes by itself; a reload shows it at once.
    await eventually(async () => {
      await t.page.reload();
      return t.page.getByTestId('recent-mail').textContent();
    }).toMatch(/nobody@example\.test.*Failed.*550/);
    expect(await t.page.getByTestId('recent-mail').textContent()).toContain('Sent');
    expect(await axeViolations(t.page)).toEqual([]);
    smtp.mode = 'accept';
  });
});
