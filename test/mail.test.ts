/**
 * Email end to end against a real SMTP server started here (support/smtp.ts), on both databases:
 * password reset by email (a working link, once, for an hour, no hint whether an address exists,
 * every session of the person ended), the transcript on request (with its files named), the note
 * to the user only when ticked, a mail server answering 4xx (tried again later) or 5xx (given up,
 * shown on the admin's Email page), one that hangs (a chat goes on unslowed), email off (every
 * option absent) and, on PostgreSQL, two nodes sending each mail once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type DbKind } from './support/databases.js';
import { PASSWORD, startTestServer, type TestServer } from './support/server.js';
import { Client, loginAs } from './support/http.js';
import { abandonedChat, activeChat, callbackChat, world, type World } from './support/flows.js';
import { resetTokenIn, SMTP_PASSWORD, startSmtp, type TestSmtp } from './support/smtp.js';
import { TestClock } from './support/clock.js';
import { until } from './support/realtime.js';
import { connect } from './support/sockets.js';
import { Secret, TOTP } from 'otpauth';

const PUBLIC_URL = 'https://help.example.test';
const mailEnv = (smtp: TestSmtp) => ({ SMTP_URL: smtp.url, PUBLIC_URL, MAIL_FROM: 'Brightline Helpdesk <help@brightline.test>' });
const NEW_PASSWORD = 'a-new-password-42';
const codeAt = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at });

const mailJobs = (s: TestServer) => s.ctx.db.selectFrom('jobs').selectAll().where('kind', '=', 'mail').orderBy('id').execute();
const settle = async (s: TestServer) => {
  // Whatever was queued has been claimed and has finished (the runner polls every 100 ms here).
  await until(async () => (await mailJobs(s)).every((j) => j.status !== 'pending' || j.run_at > s.ctx.now()), 10_000, 'mail jobs settled');
  await s.jobs.idle();
};

describe.each(DIALECTS)('email on %s', (kind: DbKind) => {
  let smtp: TestSmtp;
  let s: TestServer;
  let w: World;
  let admin: Client;
  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startTestServer(kind, mailEnv(smtp));
    w = await world(s);
    const a = await s.f.tech({ role: 'admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.close();
  });

  it('says email is on, without a session', async () => {
    expect(await (await fetch(`${s.url}/api/email`)).json()).toEqual({ enabled: true });
  });

  it('a portal user resets their password through the link in the mail; every session of theirs ends', async () => {
    const u = await s.f.portalUser(w.companyId);
    const session = await loginAs(s.url, 'portal', u.email, PASSWORD);
    expect((await session.get('/api/portal/me')).status).toBe(200);
    const socket = await connect(s.url, '/portal', session);
    const closed = new Promise<string>((r) => socket.once('disconnect', r));
    const ended: unknown[] = [];
    const off = s.ctx.bus.on('session.ended', (e) => void ended.push(e));
    const before = smtp.mails.length;
    const asked = await new Client(s.url).post('/api/auth/portal/password-reset', { email: `  ${u.email.toUpperCase()} ` });
    expect(asked.status, asked.text).toBe(200);
    expect(asked.body).toEqual({ ok: true });
    const mail = (await smtp.waitFor(before + 1))[before];
    expect(mail.to).toMatchObject({ text: u.email });
    expect(mail.from?.text).toContain('help@brightline.test');
    expect(mail.subject).toBe('Reset your password');
    expect(mail.messageId).toMatch(/^<helpdesk-mail-\d+-\d+@brightline\.test>$/);
    expect(mail.text).toContain(`${PUBLIC_URL}/reset-password#token=`);
    const token = resetTokenIn(mail);
    // Stored as a hash only.
    const rows = await s.ctx.db.selectFrom('password_resets').select('token_hash').execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    // A portal token is not a tech's.
    expect((await new Client(s.url).post('/api/auth/tech/password-reset/confirm', { token, password: NEW_PASSWORD })).body.error.code).toBe(
      'reset_token_invalid',
    );
    const tooShort = await new Client(s.url).post('/api/auth/portal/password-reset/confirm', { token, password: 'short' });
    expect(tooShort.body.error.code).toBe('validation_failed');

    const done = await new Client(s.url).post('/api/auth/portal/password-reset/confirm', { token, password: NEW_PASSWORD });
    expect(done.status, done.text).toBe(200);
    expect(ended).toEqual([{ kind: 'portal', userId: u.id }]);
    off();
    // Their open socket closes; the session is gone.
    expect(await closed).toBe('io server disconnect');
    expect((await session.get('/api/portal/me')).status).toBe(401);
    expect((await new Client(s.url).post('/api/auth/portal/login', { email: u.email, password: PASSWORD })).status).toBe(401);
    const fresh = await loginAs(s.url, 'portal', u.email, NEW_PASSWORD);
    expect((await fresh.get('/api/portal/me')).status).toBe(200);
    // Single use.
    const again = await new Client(s.url).post('/api/auth/portal/password-reset/confirm', { token, password: 'another-password-1' });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('reset_token_invalid');
    expect((await fresh.get('/api/portal/me')).status).toBe(200);
  });

  it('an unknown or deactivated address gets the same answer and no mail', async () => {
    const off = await s.f.portalUser(w.companyId);
    await s.ctx.db.updateTable('portal_users').set({ active: 0 }).where('id', '=', off.id).execute();
    const jobsBefore = (await mailJobs(s)).length;
    const mailsBefore = smtp.mails.length;
    const known = await s.f.portalUser(w.companyId);
    const answers = [];
    for (const email of [`nobody-${kind}@nowhere.test`, off.email, known.email]) {
      const r = await new Client(s.url).post('/api/auth/portal/password-reset', { email });
      answers.push({ status: r.status, body: r.text });
    }
    expect(answers[0]).toEqual(answers[2]);
    expect(answers[1]).toEqual(answers[2]);
    await smtp.waitFor(mailsBefore + 1);
    await settle(s);
    expect((await mailJobs(s)).length).toBe(jobsBefore + 1);
    expect(smtp.mails.slice(mailsBefore).map((m) => m.to && 'text' in m.to && m.to.text)).toEqual([known.email]);
  });

  it('a tech resets from the console; an expired link and a replaced one are refused', async () => {
    const t = await s.f.tech();
    const before = smtp.mails.length;
    expect((await new Client(s.url).post('/api/auth/tech/password-reset', { email: t.email })).status).toBe(200);
    const first = resetTokenIn((await smtp.waitFor(before + 1))[before]);
    expect(smtp.mails[before].text).toContain(`${PUBLIC_URL}/console/reset-password#token=`);
    expect((await new Client(s.url).post('/api/auth/tech/password-reset', { email: t.email })).status).toBe(200);
    const second = resetTokenIn((await smtp.waitFor(before + 2))[before + 1]);
    // Only the newest link works.
    expect((await new Client(s.url).post('/api/auth/tech/password-reset/confirm', { token: first, password: NEW_PASSWORD })).body.error.code).toBe(
      'reset_token_invalid',
    );
    // An hour later it has expired.
    await s.ctx.db
      .updateTable('password_resets')
      .set({ expires_at: Date.now() - 1 })
      .where('user_kind', '=', 'tech')
      .where('user_id', '=', t.id)
      .where('used_at', 'is', null)
      .execute();
    const expired = await new Client(s.url).post('/api/auth/tech/password-reset/confirm', { token: second, password: NEW_PASSWORD });
    expect(expired.status).toBe(400);
    expect(expired.body.error.code).toBe('reset_token_expired');
    expect((await new Client(s.url).post('/api/auth/tech/password-reset/confirm', { token: 'made-up', password: NEW_PASSWORD })).body.error.code).toBe(
      'reset_token_invalid',
    );
    await loginAs(s.url, 'tech', t.email, PASSWORD);
  });

  it("a reset ends a tech's pending two-factor step too: a ticket won with the old password opens nothing after it", async () => {
    const t = await s.f.tech();
    const me = await loginAs(s.url, 'tech', t.email, PASSWORD);
    const setup = await me.post('/api/console/account/two-factor/setup');
    expect((await me.post('/api/console/account/two-factor/confirm', { code: codeAt(setup.body.secret, Date.now()), password: PASSWORD })).status).toBe(200);
    // Someone with the old password is at the code step.
    const step = await new Client(s.url).post('/api/auth/tech/login', { email: t.email, password: PASSWORD });
    const ticket = step.body.twoFactor.ticket as string;
    expect(ticket).toBeTruthy();
    const before = smtp.mails.length;
    expect((await new Client(s.url).post('/api/auth/tech/password-reset', { email: t.email })).status).toBe(200);
    const token = resetTokenIn((await smtp.waitFor(before + 1))[before]);
    expect((await new Client(s.url).post('/api/auth/tech/password-reset/confirm', { token, password: NEW_PASSWORD })).status).toBe(200);
    // A code of the next step (the current one was used to turn two-factor on) no longer finishes that login.
    const late = new Client(s.url);
    const r = await late.post('/api/auth/tech/login/two-factor', { ticket, code: codeAt(setup.body.secret, Date.now() + 30_000) });
    expect(r.body.error?.code, r.text).toBe('totp_ticket_invalid');
    expect((await late.get('/api/console/me')).status).toBe(401);
  });

  it('mails the transcript of their own ended chat on request, with its files named; once, and to nobody else', async () => {
    const id = await activeChat(w, 'Scanner offline');
    const requester = w.user;
    expect((await w.userClient.post(`/api/portal/chats/${id}/messages`, { body: 'It says offline', clientId: 'm1' })).status).toBe(201);
    const up = await w.userClient.upload(`/api/portal/chats/${id}/files?clientId=f1`, 'scanner-error.txt', 'error 42', 'text/plain');
    expect(up.status, up.text).toBe(201);
    // Not before it has ended.
    expect((await w.userClient.post(`/api/portal/chats/${id}/transcript-mail`)).body.error.code).toBe('invalid_transition');
    expect((await w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended' })).status).toBe(200);
    // Another user of the same company, a tech and nobody: refused.
    const other = await loginAs(s.url, 'portal', (await s.f.portalUser(w.companyId)).email, PASSWORD);
    expect((await other.post(`/api/portal/chats/${id}/transcript-mail`)).status).toBe(404);
    expect((await w.techClient.post(`/api/portal/chats/${id}/transcript-mail`)).status).toBe(401);
    expect((await new Client(s.url).post(`/api/portal/chats/${id}/transcript-mail`)).status).toBe(401);

    const before = smtp.mails.length;
    const r = await w.userClient.post(`/api/portal/chats/${id}/transcript-mail`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ ok: true, to: requester.email });
    // Asked twice (a double click): sent once.
    expect((await w.userClient.post(`/api/portal/chats/${id}/transcript-mail`)).status).toBe(200);
    const mail = (await smtp.waitFor(before + 1))[before];
    expect(mail.to).toMatchObject({ text: requester.email });
    expect(mail.subject).toBe('Transcript of your chat: Scanner offline');
    expect(mail.text).toContain(`Chat #${id}: Scanner offline`);
    expect(mail.text).toContain('It says offline');
    expect(mail.text).toContain('scanner-error.txt');
    expect(mail.text).toMatch(/Files \(attached to the ticket with this transcript\):\n {2}scanner-error\.txt/);
    // Internal notes are never in the user's copy.
    expect(mail.text).not.toContain('internal note');
    await settle(s);
    expect(smtp.mails.length).toBe(before + 1);
  });

  it('mails the note of a completed abandoned or callback chat only when the tech ticks it', async () => {
    const before = smtp.mails.length;
    const jobsBefore = (await mailJobs(s)).length;
    const quiet = await abandonedChat(w);
    const q = await w.techClient.post(`/api/console/chats/${quiet}/complete`, { note: 'Called them, all fine' });
    expect(q.status, q.text).toBe(200);
    const ticked = await callbackChat(w);
    const to = w.user.email;
    const t = await w.techClient.post(`/api/console/chats/${ticked}/complete`, { note: 'Replaced the toner.\nIt prints again.', sendNoteToUser: true });
    expect(t.status, t.text).toBe(200);
    const mail = (await smtp.waitFor(before + 1))[before];
    expect(mail.to).toMatchObject({ text: to });
    expect(mail.subject).toBe('About your request: Printer jam');
    expect(mail.text).toContain('Replaced the toner.\nIt prints again.');
    await settle(s);
    expect(smtp.mails.length).toBe(before + 1);
    expect((await mailJobs(s)).length).toBe(jobsBefore + 1);
  });

  it('the Email admin page: settings without the SMTP password, a test mail, the recent mail; admins only', async () => {
    expect((await w.techClient.get('/api/admin/email')).body.error.code).toBe('admin_only');
    expect((await w.techClient.post('/api/admin/email/test', {})).status).toBe(403);
    const before = smtp.mails.length;
    const sent = await admin.post('/api/admin/email/test', {});
    expect(sent.status, sent.text).toBe(200);
    expect((await smtp.waitFor(before + 1))[before].subject).toBe('Test mail from the helpdesk');
    await settle(s);
    const page = await admin.get('/api/admin/email');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(SMTP_PASSWORD);
    expect(page.text).not.toContain('mailer');
    expect(page.body).toMatchObject({
      enabled: true,
      server: `smtp://127.0.0.1:${smtp.port}`,
      from: 'Brightline Helpdesk <help@brightline.test>',
      publicUrl: PUBLIC_URL,
    });
    expect(page.body.recent[0]).toMatchObject({ purpose: 'test', subject: 'Test mail from the helpdesk', status: 'sent', attempts: 1, lastError: null });
    expect(page.body.recent.map((m: { purpose: string }) => m.purpose)).toEqual(expect.arrayContaining(['password_reset', 'transcript', 'note']));
  });
});

describe.each(DIALECTS)('a failing or hanging mail server on %s', (kind: DbKind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });
  const start = async (smtp: TestSmtp, opts: { clock?: TestClock; runJobs?: boolean } = {}) => {
    const s = await startTestServer(kind, mailEnv(smtp), undefined, opts);
    cleanup.push(s.stop);
    const a = await s.f.tech({ role: 'admin' });
    return { s, admin: await loginAs(s.url, 'tech', a.email, PASSWORD) };
  };
  const smtpIn = async (mode: 'busy' | 'refuse' | 'hang') => {
    const smtp = await startSmtp(mode);
    cleanup.push(smtp.close);
    return smtp;
  };

  it('a 4xx answer is tried again after a wait, not before, and then delivered once', async () => {
    const smtp = await smtpIn('busy');
    const clock = new TestClock();
    const { s, admin } = await start(smtp, { clock, runJobs: false });
    expect((await admin.post('/api/admin/email/test', {})).status).toBe(200);
    expect(await s.jobs.runDue()).toBe(1);
    await s.jobs.idle();
    expect(smtp.offered).toBe(1);
    let [job] = await mailJobs(s);
    expect(job).toMatchObject({ status: 'pending', attempts: 1 });
    expect(job.last_error).toContain('451');
    expect((await admin.get('/api/admin/email')).body.recent[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('451') });
    // Not before its wait.
    expect(await s.jobs.runDue()).toBe(0);
    smtp.mode = 'accept';
    clock.advance(15_000);
    expect(await s.jobs.runDue()).toBe(1);
    await s.jobs.idle();
    expect(smtp.mails).toHaveLength(1);
    [job] = await mailJobs(s);
    expect(job).toMatchObject({ status: 'done', attempts: 2 });
    expect(smtp.mails[0].messageId).toBe(`<helpdesk-mail-${job.id}-${job.created_at}@brightline.test>`);
  });

  it('a 5xx answer gives the mail up at once, and the admin page shows it failed with the reason', async () => {
    const smtp = await smtpIn('refuse');
    const { s, admin } = await start(smtp, { runJobs: false });
    expect((await admin.post('/api/admin/email/test', { to: 'gone@nowhere.test' })).status).toBe(200);
    expect(await s.jobs.runDue()).toBe(1);
    await s.jobs.idle();
    const [job] = await mailJobs(s);
    expect(job).toMatchObject({ status: 'dead', attempts: 1 });
    const page = (await admin.get('/api/admin/email')).body;
    expect(page.recent[0]).toMatchObject({ to: 'gone@nowhere.test', status: 'failed', attempts: 1, lastError: expect.stringContaining('550') });
    expect(await s.jobs.runDue()).toBe(0);
    expect(smtp.offered).toBe(1);
  });

  it('a hanging mail server does not slow a chat: a message sent meanwhile is answered at once', async () => {
    const smtp = await smtpIn('hang');
    const { s } = await start(smtp);
    const w = await world(s);
    const id = await activeChat(w);
    // A reset mail goes to the hanging server (the runner picks it up at once).
    expect((await new Client(s.url).post('/api/auth/portal/password-reset', { email: w.user.email })).status).toBe(200);
    await until(async () => (await mailJobs(s)).some((j) => j.lease_owner !== null), 5_000, 'the mail is being sent');
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await w.userClient.post(`/api/portal/chats/${id}/messages`, { body: `still here ${i}`, clientId: `h${i}` });
      expect(r.status).toBe(201);
      expect(performance.now() - t0).toBeLessThan(1000);
      const t1 = performance.now();
      expect((await w.techClient.post(`/api/console/chats/${id}/messages`, { body: `answer ${i}`, clientId: `t${i}` })).status).toBe(201);
      expect(performance.now() - t1).toBeLessThan(1000);
    }
    // The mail is still under way, not failed.
    expect((await mailJobs(s))[0]).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it.runIf(kind === 'postgres')('two nodes send each mail once', async () => {
    const smtp = await startSmtp();
    cleanup.push(smtp.close);
    const db = await freshDatabase('postgres');
    cleanup.push(db.drop);
    const n1 = await startTestServer('postgres', mailEnv(smtp), db);
    const n2 = await startTestServer('postgres', mailEnv(smtp), db);
    cleanup.push(n2.stop, n1.stop);
    const a = await n1.f.tech({ role: 'admin' });
    const c1 = await loginAs(n1.url, 'tech', a.email, PASSWORD);
    const c2 = await loginAs(n2.url, 'tech', a.email, PASSWORD);
    const n = 24;
    await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? c1 : c2).post('/api/admin/email/test', { to: `r${i}@example.test` })));
    await smtp.waitFor(n, 20_000);
    await until(async () => (await mailJobs(n1)).every((j) => j.status === 'done'), 10_000, 'every mail done');
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails).toHaveLength(n);
    expect(new Set(smtp.mails.map((m) => m.messageId)).size).toBe(n);
    expect(new Set(smtp.mails.map((m) => m.to && 'text' in m.to && m.to.text)).size).toBe(n);
  });
});

describe.each(DIALECTS)('password reset throttling on %s', (kind: DbKind) => {
  let smtp: TestSmtp;
  let s: TestServer;
  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startTestServer(kind, mailEnv(smtp));
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.close();
  });

  it('asking again and again for one address is refused for a while, known or not alike', async () => {
    const u = await s.f.portalUser(await s.f.company());
    for (const email of [u.email, `ghost-${kind}@nowhere.test`]) {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await new Client(s.url).post('/api/auth/portal/password-reset', { email })).status);
      expect(codes, email).toEqual([200, 200, 200, 429]);
    }
    await smtp.waitFor(1);
    await settle(s);
    // Three requests for the known address: a request not yet mailed when the next came is not
    // mailed at all (only the newest link works); the unknown address got nothing.
    expect(smtp.mails.length).toBeGreaterThanOrEqual(1);
    expect(smtp.mails.length).toBeLessThanOrEqual(3);
    expect(new Set(smtp.mails.map((m) => m.to && 'text' in m.to && m.to.text))).toEqual(new Set([u.email]));
    // Exactly one link works: the newest request's.
    const worked = [];
    for (const m of smtp.mails)
      worked.push((await new Client(s.url).post('/api/auth/portal/password-reset/confirm', { token: resetTokenIn(m), password: NEW_PASSWORD })).status);
    expect(worked.filter((c) => c === 200)).toHaveLength(1);
  });
});

describe.each(DIALECTS)('email off on %s', (kind: DbKind) => {
  let s: TestServer;
  let w: World;
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer(kind);
    w = await world(s);
    const a = await s.f.tech({ role: 'admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
  });
  afterAll(async () => s?.stop());

  it('every email option is absent from the pages and refused if asked for anyway; nothing is queued', async () => {
    expect(await (await fetch(`${s.url}/api/email`)).json()).toEqual({ enabled: false });
    const reset = await new Client(s.url).post('/api/auth/portal/password-reset', { email: w.user.email });
    expect(reset.status).toBe(404);
    expect(reset.body.error.code).toBe('email_disabled');
    expect((await new Client(s.url).post('/api/auth/tech/password-reset/confirm', { token: 'x', password: NEW_PASSWORD })).body.error.code).toBe(
      'email_disabled',
    );
    const id = await activeChat(w);
    expect((await w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended' })).status).toBe(200);
    expect((await w.userClient.post(`/api/portal/chats/${id}/transcript-mail`)).body.error.code).toBe('email_disabled');
    const abandoned = await abandonedChat(w);
    const refused = await w.techClient.post(`/api/console/chats/${abandoned}/complete`, { note: 'Called back', sendNoteToUser: true });
    expect(refused.body.error.code).toBe('email_disabled');
    expect((await w.techClient.get(`/api/console/chats/${abandoned}`)).body.status).toBe('abandoned');
    expect((await admin.get('/api/admin/email')).body).toEqual({ enabled: false, server: null, from: null, publicUrl: null, recent: [] });
    expect((await admin.post('/api/admin/email/test', {})).body.error.code).toBe('email_disabled');
    expect(await mailJobs(s)).toEqual([]);
  });

  it('SMTP_URL without PUBLIC_URL does not start: a reset link needs an address nobody can forge', async () => {
    const { loadConfig } = await import('../src/server/config.js');
    expect(() => loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' } as NodeJS.ProcessEnv)).toThrow(/PUBLIC_URL/);
    expect(() => loadConfig({ SMTP_URL: 'http://127.0.0.1', PUBLIC_URL } as NodeJS.ProcessEnv)).toThrow(/SMTP_URL/);
  });
});
