/**
 * Two-factor sign-in for techs (services/two-factor.ts): set up with a secret the server makes,
 * on only after a first right code; at login a right password gives a short-lived one-time
 * ticket that a code (one step of clock skew either side, each step once) or a recovery code
 * (each once) turns into a session; wrong codes count against the login throttle; an admin can
 * require it and reset it; the secret never leaves the server after setup, nor reaches the log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDb } from './support/databases.js';
import { PASSWORD, startTestServer, type TestServer } from './support/server.js';
import { Client, loginAs } from './support/http.js';
import { TestClock } from './support/clock.js';
import { connect } from './support/sockets.js';
import { runCli } from './support/cli.js';
import { enableTwoFactor } from '../src/server/db/repositories/account.js';
import { startSession } from '../src/server/services/auth.js';
import { RECENT_SIGN_IN_MINUTES } from '../src/shared/views.js';

const STEP = 30_000;
const codeAt = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at });
const ACCOUNT = '/api/console/account';

describe.each(DIALECTS)('two-factor on %s', (kind) => {
  let s: TestServer;
  // In the middle of a 30-second step, so "one step earlier" is unambiguous.
  const clock = new TestClock(Math.floor(Date.now() / STEP) * STEP + STEP / 2);
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer(kind, {}, undefined, { clock });
    const a = await s.f.tech({ role: 'admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
  });
  afterAll(async () => s?.stop());
  // Past every throttle window: each test starts with no failure counted from this address.
  beforeEach(() => clock.advance(16 * 60_000));

  /** A tech signed in with a password, two-factor not yet on. */
  async function newTech() {
    const t = await s.f.tech();
    return { ...t, client: await loginAs(s.url, 'tech', t.email, PASSWORD) };
  }

  /** Turns two-factor on with a code of the current step; the next code must come from a later step. */
  async function enable(c: Client) {
    const setup = await c.post(`${ACCOUNT}/two-factor/setup`);
    expect(setup.status).toBe(200);
    const confirmed = await c.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(setup.body.secret, clock.now()), password: PASSWORD });
    expect(confirmed.status).toBe(200);
    return { secret: setup.body.secret as string, recoveryCodes: confirmed.body.recoveryCodes as string[] };
  }

  /** The first step of a login: the pending step's ticket. */
  async function passwordStep(email: string, client = new Client(s.url)) {
    const r = await client.post('/api/auth/tech/login', { email, password: PASSWORD });
    expect(r.status).toBe(200);
    expect(r.headers.getSetCookie().join()).not.toContain('hd_tech=');
    expect(r.body.twoFactor.ticket).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    return { client, ticket: r.body.twoFactor.ticket as string };
  }
  const codeStep = (client: Client, ticket: string, code: string) => client.post('/api/auth/tech/login/two-factor', { ticket, code });

  it('sets up with a server-made secret shown as QR code and text, on only after a right code, with 10 recovery codes', async () => {
    const t = await newTech();
    const before = await t.client.get(ACCOUNT);
    expect(before.body).toMatchObject({
      kind: 'tech',
      email: t.email,
      twoFactor: { enabled: false, required: false, recoveryCodesLeft: 0, turnOnWith: 'password' },
    });
    const setup = await t.client.post(`${ACCOUNT}/two-factor/setup`);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.qrCode).toMatch(/^data:image\/png;base64,/);
    expect(setup.body.uri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    expect(setup.body.uri).toContain(setup.body.secret);
    expect(setup.headers.get('cache-control')).toBe('no-store');
    // Not on yet: the password alone still signs in.
    expect((await loginAs(s.url, 'tech', t.email, PASSWORD).then((c) => c.get('/api/console/me'))).status).toBe(200);
    const wrong = await t.client.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(setup.body.secret, clock.now() - 3 * STEP), password: PASSWORD });
    expect(wrong.body.error.code).toBe('totp_invalid');
    expect((await t.client.post(`${ACCOUNT}/two-factor/confirm`, { code: 'abcdef', password: PASSWORD })).body.error.code).toBe('totp_invalid');
    const ok = await t.client.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(setup.body.secret, clock.now()), password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect(new Set(ok.body.recoveryCodes).size).toBe(10);
    for (const c of ok.body.recoveryCodes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect((await t.client.get(ACCOUNT)).body.twoFactor).toEqual({
      enabled: true,
      required: false,
      recoveryCodesLeft: 10,
      turnOnWith: null,
      checkWith: 'password',
    });
    // Once on, no new secret is made (the old one would be shown again otherwise).
    expect((await t.client.post(`${ACCOUNT}/two-factor/setup`)).body.error.code).toBe('totp_already_enabled');
    expect((await t.client.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(setup.body.secret, clock.now()) })).body.error.code).toBe(
      'totp_already_enabled',
    );
    // Recovery codes are stored hashed.
    const rows = await s.ctx.db.selectFrom('tech_recovery_codes').select('code_hash').where('tech_id', '=', t.id).execute();
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(rows);
    for (const c of ok.body.recoveryCodes) {
      expect(stored).not.toContain(c);
      expect(stored).not.toContain(c.replace('-', ''));
    }
  });

  it('turns on only the secret its code was checked against: a set-up started again meanwhile is not switched on unseen', async () => {
    const t = await newTech();
    const first = (await t.client.post(`${ACCOUNT}/two-factor/setup`)).body.secret as string;
    // A second set-up (another tab, or a stolen session) between the code's check and the switch-on.
    const second = (await t.client.post(`${ACCOUNT}/two-factor/setup`)).body.secret as string;
    expect(second).not.toBe(first);
    expect(await enableTwoFactor(s.ctx.db, t.id, first, clock.now())).toBe(false);
    const row = await s.ctx.db.selectFrom('tech_two_factor').select(['secret', 'enabled_at']).where('tech_id', '=', t.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ secret: second, enabled_at: null });
    // The secret shown last is the one a right code turns on.
    const confirmed = await t.client.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(second, clock.now()), password: PASSWORD });
    expect(confirmed.status, confirmed.text).toBe(200);
  });

  /** The pending or enabled two-factor row of a tech, and how many recovery codes they have. */
  const stored = async (techId: number) => ({
    row: await s.ctx.db.selectFrom('tech_two_factor').select(['enabled_at', 'last_step']).where('tech_id', '=', techId).executeTakeFirst(),
    recoveryCodes: (await s.ctx.db.selectFrom('tech_recovery_codes').select('id').where('tech_id', '=', techId).execute()).length,
  });

  it('turning it on takes the current password: without it, or with a wrong one, nothing changes (a stolen session cannot lock the owner out)', async () => {
    // Signed in this very moment, and still: a session of someone who is not held at a required set-up gives the password.
    const t = await newTech();
    expect((await t.client.get(ACCOUNT)).body.twoFactor.turnOnWith).toBe('password');
    const setup = await t.client.post(`${ACCOUNT}/two-factor/setup`);
    const code = codeAt(setup.body.secret, clock.now());
    const confirm = (body: Record<string, string>) => t.client.post(`${ACCOUNT}/two-factor/confirm`, { code, ...body });
    const missing = await confirm({});
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('password_required');
    for (const password of ['not-my-password', PASSWORD.toUpperCase()]) {
      const wrong = await confirm({ password });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.code).toBe('password_invalid');
    }
    expect((await confirm({ password: '' })).body.error.code).toBe('validation_failed');
    // Not on, the secret not confirmed, its code not used up; the password alone still signs in.
    expect(await stored(t.id)).toEqual({ row: { enabled_at: null, last_step: null }, recoveryCodes: 0 });
    expect((await t.client.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: false, turnOnWith: 'password' });
    expect((await new Client(s.url).post('/api/auth/tech/login', { email: t.email, password: PASSWORD })).body).toEqual({ ok: true });
    // The same code with the right password turns it on.
    const ok = await confirm({ password: PASSWORD });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect((await t.client.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: true, turnOnWith: null });
  });

  it('wrong passwords at the set-up count against the login throttle, as at a login', async () => {
    const t = await newTech();
    const setup = await t.client.post(`${ACCOUNT}/two-factor/setup`);
    const confirm = (password: string) => t.client.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(setup.body.secret, clock.now()), password });
    for (let i = 0; i < 5; i++) expect((await confirm('not-my-password')).body.error.code).toBe('password_invalid');
    const limited = await confirm(PASSWORD);
    expect(limited.status).toBe(429);
    expect((await new Client(s.url).post('/api/auth/tech/login', { email: t.email, password: PASSWORD })).status).toBe(429);
    expect((await stored(t.id)).row).toEqual({ enabled_at: null, last_step: null });
    clock.advance(limited.body.error.details.retryAfterMs);
    expect((await confirm(PASSWORD)).status).toBe(200);
  });

  it('held at the set-up an admin requires: right after signing in it takes no password; a session signed in longer ago gives it', async () => {
    const a2 = await s.f.tech({ role: 'admin' });
    const admin2 = await loginAs(s.url, 'tech', a2.email, PASSWORD);
    await enable(admin2);
    const older = await newTech();
    clock.advance((RECENT_SIGN_IN_MINUTES + 1) * 60_000);
    expect((await admin2.put('/api/admin/security', { techTwoFactorRequired: true })).status).toBe(200);
    try {
      // Just signed in with the password, and sent to the set-up: the first code turns it on.
      const t = await newTech();
      expect((await t.client.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: false, required: true, turnOnWith: 'recent_sign_in' });
      const setup = await t.client.post(`${ACCOUNT}/two-factor/setup`);
      const ok = await t.client.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(setup.body.secret, clock.now()) });
      expect(ok.status, ok.text).toBe(200);
      expect((await t.client.get('/api/console/me')).status).toBe(200);

      // A session older than that (left open, or stolen) is held at the set-up too, and gives the password there.
      expect((await older.client.get('/api/console/me')).body.error.code).toBe('totp_required');
      expect((await older.client.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: false, required: true, turnOnWith: 'password' });
      const theirs = await older.client.post(`${ACCOUNT}/two-factor/setup`);
      const code = codeAt(theirs.body.secret, clock.now());
      expect((await older.client.post(`${ACCOUNT}/two-factor/confirm`, { code })).body.error.code).toBe('password_required');
      expect((await older.client.post(`${ACCOUNT}/two-factor/confirm`, { code, password: 'not-my-password' })).body.error.code).toBe('password_invalid');
      expect(await stored(older.id)).toEqual({ row: { enabled_at: null, last_step: null }, recoveryCodes: 0 });
      expect((await older.client.post(`${ACCOUNT}/two-factor/confirm`, { code, password: PASSWORD })).status).toBe(200);
      expect((await older.client.get('/api/console/me')).status).toBe(200);
    } finally {
      expect((await admin2.put('/api/admin/security', { techTwoFactorRequired: false })).status).toBe(200);
    }
  });

  /** A client of a session started for the tech now, without a password (as single sign-on starts one). */
  async function sessionOf(techId: number) {
    const token = await startSession(s.ctx.db, 'tech', techId, {}, clock.now());
    const cookie = { cookie: `hd_tech=${token}` };
    return {
      get: (path: string) => new Client(s.url).request('GET', path, undefined, { headers: cookie }),
      post: (path: string, body: object = {}) => new Client(s.url).request('POST', path, body, { headers: cookie }),
    };
  }

  it('a tech with no password (single sign-on) turns it on within minutes of signing in, and must sign in again after that', async () => {
    const t = await s.f.tech();
    await s.ctx.db.updateTable('techs').set({ password_hash: '!sso' }).where('id', '=', t.id).execute();
    const old = await sessionOf(t.id);
    clock.advance((RECENT_SIGN_IN_MINUTES + 1) * 60_000);
    expect((await old.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: false, turnOnWith: 'sign_in_again' });
    const setup = await old.post(`${ACCOUNT}/two-factor/setup`);
    const code = codeAt(setup.body.secret, clock.now());
    const refused = await old.post(`${ACCOUNT}/two-factor/confirm`, { code });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('recent_sign_in_required');
    // No password is theirs: none matches.
    expect((await old.post(`${ACCOUNT}/two-factor/confirm`, { code, password: '!sso' })).body.error.code).toBe('password_invalid');
    expect(await stored(t.id)).toEqual({ row: { enabled_at: null, last_step: null }, recoveryCodes: 0 });
    // Signed in again: the new session turns it on (with the secret shown to it).
    const fresh = await sessionOf(t.id);
    expect((await fresh.get(ACCOUNT)).body.twoFactor).toMatchObject({ turnOnWith: 'recent_sign_in' });
    const again = await fresh.post(`${ACCOUNT}/two-factor/setup`);
    const ok = await fresh.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(again.body.secret, clock.now()) });
    expect(ok.status, ok.text).toBe(200);
    expect((await fresh.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: true, turnOnWith: null });
  });

  it('a tech with no password (single sign-on) makes new recovery codes and turns it off with a code, within minutes of signing in only', async () => {
    const t = await s.f.tech();
    await s.ctx.db.updateTable('techs').set({ password_hash: '!sso' }).where('id', '=', t.id).execute();
    const first = await sessionOf(t.id);
    const setup = await first.post(`${ACCOUNT}/two-factor/setup`);
    const on = await first.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(setup.body.secret, clock.now()) });
    expect(on.status, on.text).toBe(200);
    const secret = setup.body.secret as string;
    expect((await first.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: true, checkWith: 'recent_sign_in' });
    // New codes with a code alone; the old recovery codes stop working.
    clock.advance(STEP);
    const renewed = await first.post(`${ACCOUNT}/two-factor/recovery-codes`, { code: codeAt(secret, clock.now()) });
    expect(renewed.status, renewed.text).toBe(200);
    expect(renewed.body.recoveryCodes).toHaveLength(10);
    // Later, the same session may not: it signs in again first. A password given is checked (none is theirs).
    clock.advance((RECENT_SIGN_IN_MINUTES + 1) * 60_000);
    expect((await first.get(ACCOUNT)).body.twoFactor).toMatchObject({ checkWith: 'sign_in_again' });
    const late = await first.post(`${ACCOUNT}/two-factor/off`, { code: codeAt(secret, clock.now()) });
    expect(late.status).toBe(403);
    expect(late.body.error.code).toBe('recent_sign_in_required');
    // A password given in its place changes nothing: a tech with none to give signs in again.
    expect((await first.post(`${ACCOUNT}/two-factor/off`, { code: codeAt(secret, clock.now()), password: '!sso' })).body.error.code).toBe(
      'recent_sign_in_required',
    );
    expect((await first.post(`${ACCOUNT}/two-factor/recovery-codes`, { code: on.body.recoveryCodes[0] })).body.error.code).toBe('recent_sign_in_required');
    expect((await first.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: true });
    // A session begun now (as a sign-in would start it): a wrong code changes nothing; an old recovery code is no code; a right one turns it off.
    const fresh = await sessionOf(t.id);
    clock.advance(STEP);
    expect((await fresh.post(`${ACCOUNT}/two-factor/off`, { code: '000000' })).body.error.code).toMatch(/^totp_/);
    expect((await fresh.post(`${ACCOUNT}/two-factor/off`, { code: on.body.recoveryCodes[1] })).body.error.code).toMatch(/^totp_/);
    const off = await fresh.post(`${ACCOUNT}/two-factor/off`, { code: codeAt(secret, clock.now()) });
    expect(off.status, off.text).toBe(200);
    expect((await fresh.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: false, checkWith: null });
  });

  it('a tech with a password gives it to turn two-factor off or make new codes, however recent the sign-in', async () => {
    const t = await newTech();
    const { secret } = await enable(t.client);
    expect((await t.client.get(ACCOUNT)).body.twoFactor).toMatchObject({ checkWith: 'password' });
    clock.advance(STEP);
    for (const path of ['off', 'recovery-codes']) {
      const r = await t.client.post(`${ACCOUNT}/two-factor/${path}`, { code: codeAt(secret, clock.now()) });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('password_required');
    }
    expect((await t.client.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
  });

  it('where password sign-in is off for techs, a tech’s password is not asked for: a recent sign-in is', async () => {
    const t = await newTech();
    const issuer = await s.ctx.db
      .insertInto('oidc_issuers')
      .values({
        name: 'Sign-in only here',
        issuer_url: 'http://127.0.0.1:9/',
        client_id: 'x',
        client_secret: 'y',
        for_techs: 1,
        for_portal: 0,
        create_techs: 0,
        created_at: clock.now(),
        updated_at: clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await s.ctx.db.insertInto('sign_in_settings').values({ side: 'tech', password_enabled: 0 }).execute();
    try {
      expect((await t.client.get(ACCOUNT)).body.twoFactor.turnOnWith).toBe('recent_sign_in');
      clock.advance((RECENT_SIGN_IN_MINUTES + 1) * 60_000);
      expect((await t.client.get(ACCOUNT)).body.twoFactor.turnOnWith).toBe('sign_in_again');
    } finally {
      await s.ctx.db.deleteFrom('sign_in_settings').where('side', '=', 'tech').execute();
      await s.ctx.db.deleteFrom('oidc_issuers').where('id', '=', issuer.id).execute();
    }
    expect((await t.client.get(ACCOUNT)).body.twoFactor.turnOnWith).toBe('password');
  });

  it('a right password gives only a pending step; a code of this step gives the session', async () => {
    const t = await newTech();
    const { secret } = await enable(t.client);
    clock.advance(STEP);
    const { client, ticket } = await passwordStep(t.email);
    expect((await client.get('/api/console/me')).status).toBe(401);
    const r = await codeStep(client, ticket, codeAt(secret, clock.now()));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true });
    expect((await client.get('/api/console/me')).body.id).toBe(t.id);
    // A wrong password gives no ticket at all.
    const bad = await new Client(s.url).post('/api/auth/tech/login', { email: t.email, password: 'wrong-password' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('invalid_credentials');
  });

  it('accepts a code one step early or late (clock skew) and refuses two steps either way', async () => {
    const t = await newTech();
    const { secret } = await enable(t.client);
    clock.advance(10 * STEP);
    for (const off of [-2 * STEP, 2 * STEP]) {
      const { client, ticket } = await passwordStep(t.email);
      const r = await codeStep(client, ticket, codeAt(secret, clock.now() + off));
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('totp_invalid');
      expect((await client.get('/api/console/me')).status).toBe(401);
    }
    for (const off of [-STEP, STEP]) {
      const { client, ticket } = await passwordStep(t.email);
      const r = await codeStep(client, ticket, codeAt(secret, clock.now() + off));
      expect(r.status).toBe(200);
      expect((await client.get('/api/console/me')).status).toBe(200);
    }
  });

  it('refuses a code already used (same step), and an earlier step once a later one was used', async () => {
    const t = await newTech();
    const { secret } = await enable(t.client);
    // The confirming code's step is used already.
    let p = await passwordStep(t.email);
    expect((await codeStep(p.client, p.ticket, codeAt(secret, clock.now()))).body.error.code).toBe('totp_reused');
    clock.advance(STEP);
    const code = codeAt(secret, clock.now());
    p = await passwordStep(t.email);
    expect((await codeStep(p.client, p.ticket, code)).status).toBe(200);
    p = await passwordStep(t.email);
    const again = await codeStep(p.client, p.ticket, code);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('totp_reused');
    // One step earlier is within the window, but a later step has been used.
    expect((await codeStep(p.client, p.ticket, codeAt(secret, clock.now() - STEP))).body.error.code).toBe('totp_reused');
    expect((await p.client.get('/api/console/me')).status).toBe(401);
  });

  it('a recovery code signs in once, in any case and spacing; the count left goes down', async () => {
    const t = await newTech();
    const { recoveryCodes } = await enable(t.client);
    let p = await passwordStep(t.email);
    expect((await codeStep(p.client, p.ticket, ` ${recoveryCodes[3].toUpperCase().replace('-', ' ')} `)).status).toBe(200);
    expect((await p.client.get(ACCOUNT)).body.twoFactor.recoveryCodesLeft).toBe(9);
    p = await passwordStep(t.email);
    const again = await codeStep(p.client, p.ticket, recoveryCodes[3]);
    expect(again.body.error.code).toBe('totp_invalid');
    // Another tech's recovery code is not this tech's.
    const other = await newTech();
    const theirs = await enable(other.client);
    expect((await codeStep(p.client, p.ticket, theirs.recoveryCodes[0])).body.error.code).toBe('totp_invalid');
    expect((await codeStep(p.client, p.ticket, recoveryCodes[4])).status).toBe(200);
  });

  it('a ticket expires after a few minutes, serves one session only, and a made-up one is refused', async () => {
    const t = await newTech();
    const { secret } = await enable(t.client);
    clock.advance(STEP);
    let p = await passwordStep(t.email);
    clock.advance(5 * 60_000 + 1000);
    const late = await codeStep(p.client, p.ticket, codeAt(secret, clock.now()));
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe('totp_ticket_invalid');
    p = await passwordStep(t.email);
    expect((await codeStep(p.client, p.ticket, codeAt(secret, clock.now()))).status).toBe(200);
    clock.advance(STEP);
    const reused = await codeStep(new Client(s.url), p.ticket, codeAt(secret, clock.now()));
    expect(reused.body.error.code).toBe('totp_ticket_invalid');
    expect((await codeStep(new Client(s.url), 'x'.repeat(43), codeAt(secret, clock.now()))).body.error.code).toBe('totp_ticket_invalid');
    // The tickets are stored by hash only.
    const stored = await s.ctx.db.selectFrom('login_tickets').select('ticket_hash').execute();
    expect(JSON.stringify(stored)).not.toContain(p.ticket);
  });

  it('wrong codes count against the login throttle: after five, even the right code waits', async () => {
    const t = await newTech();
    const { secret } = await enable(t.client);
    clock.advance(STEP);
    const p = await passwordStep(t.email);
    const wrong = codeAt(secret, clock.now() + 5 * STEP);
    for (let i = 0; i < 5; i++) expect((await codeStep(p.client, p.ticket, wrong)).body.error.code).toBe('totp_invalid');
    const limited = await codeStep(p.client, p.ticket, codeAt(secret, clock.now()));
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The password step of that account counts the same failures.
    expect((await new Client(s.url).post('/api/auth/tech/login', { email: t.email, password: PASSWORD })).status).toBe(429);
    clock.advance(limited.body.error.details.retryAfterMs);
    expect((await codeStep(p.client, p.ticket, codeAt(secret, clock.now()))).status).toBe(200);
  });

  it('turning it off takes the password and a code; then the password alone signs in', async () => {
    const t = await newTech();
    const { secret, recoveryCodes } = await enable(t.client);
    clock.advance(STEP);
    const off = (password: string, code: string) => t.client.post(`${ACCOUNT}/two-factor/off`, { password, code });
    expect((await off('not-my-password', codeAt(secret, clock.now()))).body.error.code).toBe('password_invalid');
    expect((await off(PASSWORD, codeAt(secret, clock.now() + 4 * STEP))).body.error.code).toBe('totp_invalid');
    expect((await t.client.post(`${ACCOUNT}/two-factor/off`, { password: PASSWORD })).body.error.code).toBe('validation_failed');
    expect((await off(PASSWORD, recoveryCodes[0])).status).toBe(200);
    expect((await t.client.get(ACCOUNT)).body.twoFactor.enabled).toBe(false);
    expect((await off(PASSWORD, codeAt(secret, clock.now()))).body.error.code).toBe('totp_not_enabled');
    const plain = await new Client(s.url).post('/api/auth/tech/login', { email: t.email, password: PASSWORD });
    expect(plain.body).toEqual({ ok: true });
    expect(await s.ctx.db.selectFrom('tech_recovery_codes').select('id').where('tech_id', '=', t.id).execute()).toHaveLength(0);
  });

  it('new recovery codes replace the old ones, given the password and a code', async () => {
    const t = await newTech();
    const { secret, recoveryCodes } = await enable(t.client);
    clock.advance(STEP);
    const renewed = await t.client.post(`${ACCOUNT}/two-factor/recovery-codes`, { password: PASSWORD, code: codeAt(secret, clock.now()) });
    expect(renewed.body.recoveryCodes).toHaveLength(10);
    const p = await passwordStep(t.email);
    expect((await codeStep(p.client, p.ticket, recoveryCodes[1])).body.error.code).toBe('totp_invalid');
    expect((await codeStep(p.client, p.ticket, renewed.body.recoveryCodes[1])).status).toBe(200);
  });

  it('an admin requires it: a tech without it can only set it up (HTTP and socket), then works; it cannot be turned off', async () => {
    const t = await newTech();
    expect((await t.client.put('/api/admin/security', { techTwoFactorRequired: true })).body.error.code).toBe('admin_only');
    // An admin without two-factor would shut themself out: refused, with the reason.
    const refused = await admin.put('/api/admin/security', { techTwoFactorRequired: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('totp_required');
    const a2 = await s.f.tech({ role: 'admin' });
    const admin2 = await loginAs(s.url, 'tech', a2.email, PASSWORD);
    await enable(admin2);
    const saved = await admin2.put('/api/admin/security', { techTwoFactorRequired: true });
    expect(saved.status).toBe(200);
    expect(saved.body.techTwoFactorRequired).toBe(true);
    try {
      const me = await t.client.get('/api/console/me');
      expect(me.status).toBe(403);
      expect(me.body.error.code).toBe('totp_required');
      await expect(connect(s.url, '/console', t.client)).rejects.toMatchObject({ data: { code: 'totp_required' } });
      // A new sign-in still works (password only), to reach the setup.
      const fresh = await loginAs(s.url, 'tech', t.email, PASSWORD);
      expect((await fresh.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: false, required: true, turnOnWith: 'recent_sign_in' });
      // An admin without two-factor is held at the setup too: the admin pages are refused.
      expect((await admin.get('/api/admin/security')).body.error.code).toBe('totp_required');
      expect((await admin2.get('/api/admin/security')).status).toBe(200);
      const { secret } = await enable(t.client);
      expect((await t.client.get('/api/console/me')).status).toBe(200);
      const socket = await connect(s.url, '/console', t.client);
      socket.close();
      clock.advance(STEP);
      const off = await t.client.post(`${ACCOUNT}/two-factor/off`, { password: PASSWORD, code: codeAt(secret, clock.now()) });
      expect(off.status).toBe(403);
      expect(off.body.error.code).toBe('totp_required');
      const list = await admin2.get('/api/admin/security');
      expect(list.body.techs.find((x: { id: number }) => x.id === t.id)).toMatchObject({ twoFactor: true });
      expect(list.body.techs.find((x: { id: number; name: string }) => x.id === a2.id)).toMatchObject({ twoFactor: true });
      expect(JSON.stringify(list.body)).not.toContain(secret);
    } finally {
      expect((await admin2.put('/api/admin/security', { techTwoFactorRequired: false })).status).toBe(200);
    }
    expect((await admin.get('/api/admin/security')).body.techs.find((x: { twoFactor: boolean }) => !x.twoFactor)).toMatchObject({ enabledAt: null });
  });

  /** Why the socket closed, or 'still open' after a few seconds. */
  const closing = (socket: { once: (e: 'disconnect', f: (reason: string) => void) => unknown }) =>
    new Promise<string>((r) => {
      const t = setTimeout(() => r('still open'), 5000);
      socket.once('disconnect', (reason) => {
        clearTimeout(t);
        r(reason);
      });
    });

  it('a console already open when two-factor becomes required (or is reset meanwhile) is closed too: no live chat goes on reaching it', async () => {
    const t = await newTech();
    const withIt = await newTech();
    await enable(withIt.client);
    const a2 = await s.f.tech({ role: 'admin' });
    const admin2 = await loginAs(s.url, 'tech', a2.email, PASSWORD);
    await enable(admin2);
    const socket = await connect(s.url, '/console', t.client);
    const kept = await connect(s.url, '/console', withIt.client);
    const closed = closing(socket);
    let keptClosed = false;
    kept.once('disconnect', () => {
      keptClosed = true;
    });
    try {
      expect((await admin2.put('/api/admin/security', { techTwoFactorRequired: true })).status).toBe(200);
      expect(await closed).toBe('io server disconnect');
      // A tech who has it keeps their console; a reset (lost phone) then closes theirs too.
      await new Promise((r) => setTimeout(r, 200));
      expect(keptClosed).toBe(false);
      const reset = closing(kept);
      expect((await admin2.request('DELETE', `/api/admin/techs/${withIt.id}/two-factor`)).status).toBe(200);
      expect(await reset).toBe('io server disconnect');
    } finally {
      socket.close();
      kept.close();
      expect((await admin2.put('/api/admin/security', { techTwoFactorRequired: false })).status).toBe(200);
    }
  });

  it('an admin resets a tech’s two-factor (lost phone): their sessions end and their console closes; the password alone signs in again; others may not', async () => {
    const t = await newTech();
    const other = await newTech();
    await enable(t.client);
    expect((await other.client.request('DELETE', `/api/admin/techs/${t.id}/two-factor`)).body.error.code).toBe('admin_only');
    expect((await passwordStep(t.email)).ticket).toBeTruthy();
    // A console open with their session (the lost phone's, say).
    const socket = await connect(s.url, '/console', t.client);
    const closed = closing(socket);
    try {
      expect((await admin.request('DELETE', `/api/admin/techs/${t.id}/two-factor`)).status).toBe(200);
      expect(await closed).toBe('io server disconnect');
    } finally {
      socket.close();
    }
    expect((await t.client.get(ACCOUNT)).status).toBe(401);
    // Nobody else's session ended: not the other tech's, not the admin's.
    expect((await other.client.get(ACCOUNT)).status).toBe(200);
    expect((await admin.get(ACCOUNT)).status).toBe(200);
    expect((await admin.request('DELETE', '/api/admin/techs/999999/two-factor')).status).toBe(404);
    const plain = await new Client(s.url).post('/api/auth/tech/login', { email: t.email, password: PASSWORD });
    expect(plain.body).toEqual({ ok: true });
    const again = await loginAs(s.url, 'tech', t.email, PASSWORD);
    expect((await again.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
    // A second reset (another admin's, a second click) finds nothing to reset: the new session stays.
    expect((await admin.request('DELETE', `/api/admin/techs/${t.id}/two-factor`)).status).toBe(200);
    expect((await again.get(ACCOUNT)).status).toBe(200);
  });

  it('an admin resetting their own two-factor keeps the session they do it from; their other sessions end', async () => {
    const a = await s.f.tech({ role: 'admin' });
    const here = await loginAs(s.url, 'tech', a.email, PASSWORD);
    const { recoveryCodes } = await enable(here);
    const p = await passwordStep(a.email);
    expect((await codeStep(p.client, p.ticket, recoveryCodes[0])).status).toBe(200);
    expect((await p.client.get(ACCOUNT)).status).toBe(200);
    expect((await here.request('DELETE', `/api/admin/techs/${a.id}/two-factor`)).status).toBe(200);
    expect((await here.get(ACCOUNT)).body.twoFactor).toMatchObject({ enabled: false });
    expect((await p.client.get(ACCOUNT)).status).toBe(401);
  });

  it('an admin setting a tech’s password ends their pending step: a ticket won with the old password opens nothing', async () => {
    const t = await newTech();
    const { secret } = await enable(t.client);
    clock.advance(STEP);
    const p = await passwordStep(t.email);
    expect((await admin.patch(`/api/admin/techs/${t.id}`, { password: 'a-password-set-by-admin' })).status).toBe(200);
    const r = await codeStep(p.client, p.ticket, codeAt(secret, clock.now()));
    expect(r.body.error?.code, r.text).toBe('totp_ticket_invalid');
    expect((await p.client.get('/api/console/me')).status).toBe(401);
  });

  it('never shows the secret after setup: not in the account, the admin list, the login answers', async () => {
    const t = await newTech();
    const { secret, recoveryCodes } = await enable(t.client);
    clock.advance(STEP);
    const p = await passwordStep(t.email);
    const answers = [
      (await t.client.get(ACCOUNT)).text,
      (await admin.get('/api/admin/security')).text,
      (await admin.get('/api/admin/techs')).text,
      (await codeStep(p.client, p.ticket, codeAt(secret, clock.now()))).text,
      (await t.client.get('/api/console/me')).text,
    ];
    for (const text of answers) {
      expect(text).not.toContain(secret);
      for (const c of recoveryCodes) expect(text).not.toContain(c);
    }
  });
});

describe('two-factor secrets and codes in the log', () => {
  let proc: ChildProcess | undefined;
  let db: TestDb | undefined;
  afterEach(async () => {
    proc?.kill('SIGKILL');
    await db?.drop();
  });

  it('no secret, code, recovery code, ticket or password reaches the log lines, even at debug', async () => {
    db = await freshDatabase('sqlite');
    const env: NodeJS.ProcessEnv = { ...process.env, ...db.env, PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'true', LOG_LEVEL: 'debug' };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = p;
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const end = Date.now() + 30_000;
    while (!/Client Portal: (http:\/\/\S+)\//.test(out)) {
      if (p.exitCode !== null || Date.now() > end) throw new Error(`the server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = out.match(/Client Portal: (http:\/\/\S+)\//)![1];
    const password = 'demo-pass-2026';
    const sam = await loginAs(url, 'tech', 'sam@helpdesk.test', password);
    const setup = await sam.post(`${ACCOUNT}/two-factor/setup`);
    const secret: string = setup.body.secret;
    const firstCode = codeAt(secret, Date.now());
    const confirmed = await sam.post(`${ACCOUNT}/two-factor/confirm`, { code: firstCode, password });
    expect(confirmed.status).toBe(200);
    const c = new Client(url);
    const ticket: string = (await c.post('/api/auth/tech/login', { email: 'sam@helpdesk.test', password })).body.twoFactor.ticket;
    expect((await c.post('/api/auth/tech/login/two-factor', { ticket, code: '000000' })).status).toBeGreaterThanOrEqual(400);
    const recovery: string = confirmed.body.recoveryCodes[0];
    expect((await c.post('/api/auth/tech/login/two-factor', { ticket, code: recovery })).status).toBe(200);
    expect((await sam.post('/api/console/account/password', { currentPassword: password, newPassword: 'a-new-password-9' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const logText = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .join('\n');
    expect(logText).toContain('/api/auth/tech/login/two-factor');
    for (const s of [secret, setup.body.uri, firstCode, recovery, ticket, password, 'a-new-password-9', ...confirmed.body.recoveryCodes])
      expect(logText).not.toContain(s);
  }, 60_000);
});

describe.each(DIALECTS)('the reset-two-factor command on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => s?.stop());

  it('turns off a tech’s two-factor while the server runs and ends their sessions; an unknown email fails; no email is a usage error', async () => {
    const t = await s.f.tech({ role: 'admin' });
    const other = await s.f.tech();
    const c = await loginAs(s.url, 'tech', t.email, PASSWORD);
    const othersSession = await loginAs(s.url, 'tech', other.email, PASSWORD);
    const setup = await c.post(`${ACCOUNT}/two-factor/setup`);
    const confirmed = await c.post(`${ACCOUNT}/two-factor/confirm`, { code: codeAt(setup.body.secret, Date.now()), password: PASSWORD });
    expect(confirmed.status).toBe(200);
    // A second session of theirs (on the lost phone, say), and a console open with the first.
    const p = await new Client(s.url).post('/api/auth/tech/login', { email: t.email, password: PASSWORD });
    expect(p.body.twoFactor).toBeDefined();
    const onPhone = new Client(s.url);
    expect((await onPhone.post('/api/auth/tech/login/two-factor', { ticket: p.body.twoFactor.ticket, code: confirmed.body.recoveryCodes[0] })).status).toBe(
      200,
    );
    const socket = await connect(s.url, '/console', c);
    const closed = new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('still open after 15 s'), 15_000);
      socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
    try {
      const r = await runCli(['reset-two-factor', '--email', t.email.toUpperCase()], s.env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('is off');
      expect(r.stdout).toContain('2 sessions of theirs ended');
      // The command cannot reach the server's sockets: their session is gone, and the server's session sweep closes them.
      expect(await closed).toBe('io server disconnect');
    } finally {
      socket.close();
    }
    for (const client of [c, onPhone]) expect((await client.get('/api/console/me')).status).toBe(401);
    // Another tech's session is not theirs.
    expect((await othersSession.get('/api/console/me')).status).toBe(200);
    const fresh = new Client(s.url);
    expect((await fresh.post('/api/auth/tech/login', { email: t.email, password: PASSWORD })).body).toEqual({ ok: true });
    // With nothing to reset, nothing is done: the new session stays.
    const again = await runCli(['reset-two-factor', '--email', t.email], s.env);
    expect(again.stdout).toContain('nothing to do');
    expect((await fresh.get('/api/console/me')).status).toBe(200);
    const unknown = await runCli(['reset-two-factor', '--email', 'nobody@test.local'], s.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody@test.local');
    expect((await runCli(['reset-two-factor'], s.env)).code).toBe(2);
  }, 60_000);
});
