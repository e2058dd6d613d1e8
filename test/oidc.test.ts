/**
 * Single sign-on with OpenID Connect, against a real provider (oidc-provider) and, for ID tokens a
 * real provider never issues (foreign signature, another audience, expired), an issuer of the
 * test's own that signs exactly those (test/support/oidc.ts).
 */
import { Writable } from 'node:stream';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { type Client, loginAs } from './support/http.js';
import { Browser, startForger, startProvider, type Forger, type TestProvider } from './support/oidc.js';
import { runCli } from '../src/server/cli/run.js';

describe.each(DIALECTS)('single sign-on on %s', (kind) => {
  let s: TestServer;
  let admin: Client;
  let provider: TestProvider;
  let forger: Forger;
  let realId: number;
  let forgedId: number;
  let acme: number;
  let globex: number;
  let tech: { id: number; email: string };

  // Everything the server logs, at its most talkative: no secret may be in it.
  let log = '';
  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    s = await startTestServer(kind, { LOG_LEVEL: 'trace' }, undefined, { logStream });
    const a = await s.f.tech({ role: 'admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
    provider = await startProvider([`${s.url}/api/auth/portal/oidc/callback`, `${s.url}/api/auth/tech/oidc/callback`]);
    forger = await startForger();
    acme = await s.f.company();
    globex = await s.f.company();
    tech = await s.f.tech();
  });
  afterAll(async () => {
    await provider?.stop();
    await forger?.stop();
    await s?.stop();
  });

  const issuerBody = (p: { issuer: string; clientId: string; clientSecret: string }, name: string, forTechs: boolean) => ({
    name,
    issuerUrl: p.issuer,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
    forTechs,
    forPortal: true,
  });

  /** Through the issuer to the app's callback and back; where the app sent the browser. */
  async function signIn(side: 'portal' | 'tech', issuerId: number, login = '', b = new Browser()) {
    const callback = await b.toCallback(`${s.url}/api/auth/${side}/oidc/${issuerId}/start`, login);
    const res = callback.searchParams.has('sign_in_error') ? null : await b.fetch(callback.href);
    const location = res ? new URL(res.headers.get('location') ?? '', s.url) : callback;
    return { b, callback, status: res?.status, location, refusal: location.searchParams.get('sign_in_error') };
  }
  const me = async (b: Browser, side: 'portal' | 'tech') => {
    const res = await b.fetch(`${s.url}/api/${side === 'tech' ? 'console' : 'portal'}/me`);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  /** A new address at a domain. */
  const at = (domain: string) => `person-${Math.random().toString(36).slice(2, 10)}@${domain}`;
  const account = (key: string, email: string, verified = true) => provider.accounts.set(key, { email, verified, name: `Name of ${key}` });
  const portalUsers = async () =>
    (await admin.get('/api/admin/portal-users')).body as { id: number; email: string; active: boolean; company: { id: number } }[];

  it('an admin adds issuers once they are discovered; the secret is never sent back; others are refused', async () => {
    const techClient = await loginAs(s.url, 'tech', tech.email, PASSWORD);
    expect((await techClient.post('/api/admin/sso/issuers', issuerBody(provider, 'Real', true))).body.error.code).toBe('admin_only');
    expect((await techClient.get('/api/admin/sso')).body.error.code).toBe('admin_only');

    // Nobody is locked out: tech password sign-in cannot go off while no issuer serves techs.
    const lock = await admin.put('/api/admin/sso/password-sign-in', { tech: false, portal: true });
    expect(lock.status).toBe(409);
    expect(lock.body.error.code).toBe('sso_lockout');

    const unreachable = await admin.post('/api/admin/sso/issuers', { ...issuerBody(provider, 'Nowhere', true), issuerUrl: 'http://127.0.0.1:9/nothing' });
    expect(unreachable.body.error.code).toBe('oidc_issuer_unavailable');
    for (const issuerUrl of ['http://login.example.com', 'ftp://x.example.com', 'https://x.example.com/?a=1', 'nonsense'])
      expect((await admin.post('/api/admin/sso/issuers', { ...issuerBody(provider, 'Bad', true), issuerUrl })).body.error.code).toBe('validation_failed');
    expect((await admin.post('/api/admin/sso/issuers', { ...issuerBody(provider, 'Nobody', false), forPortal: false })).body.error.code).toBe(
      'validation_failed',
    );

    const real = await admin.post('/api/admin/sso/issuers', issuerBody(provider, 'Contoso ID', true));
    expect(real.status).toBe(201);
    realId = real.body.id;
    const forged = await admin.post('/api/admin/sso/issuers', issuerBody(forger, 'Forged ID', false));
    expect(forged.status).toBe(201);
    forgedId = forged.body.id;

    const view = await admin.get('/api/admin/sso');
    expect(view.text).not.toContain(provider.clientSecret);
    expect(view.text).not.toContain(forger.clientSecret);
    expect(view.body.issuers).toEqual([
      {
        id: realId,
        name: 'Contoso ID',
        issuerUrl: provider.issuer,
        clientId: provider.clientId,
        hasClientSecret: true,
        forTechs: true,
        forPortal: true,
        createTechs: false,
      },
      {
        id: forgedId,
        name: 'Forged ID',
        issuerUrl: forger.issuer,
        clientId: forger.clientId,
        hasClientSecret: true,
        forTechs: false,
        forPortal: true,
        createTechs: false,
      },
    ]);
    expect(view.body.redirectUris).toEqual({ tech: `${s.url}/api/auth/tech/oidc/callback`, portal: `${s.url}/api/auth/portal/oidc/callback` });
    // A new name keeps the stored secret; it still is not sent back.
    expect((await admin.patch(`/api/admin/sso/issuers/${realId}`, { name: 'Contoso' })).status).toBe(200);
    const after = await admin.get('/api/admin/sso');
    expect(after.body.issuers[0]).toMatchObject({ name: 'Contoso', hasClientSecret: true });
    expect(after.text).not.toContain(provider.clientSecret);
  });

  it('each login page offers its issuers; the sign-in starts with PKCE, state and nonce to the public redirect URI', async () => {
    const portal = await (await fetch(`${s.url}/api/auth/portal/sign-in`)).json();
    expect(portal).toEqual({
      password: true,
      issuers: [
        { id: realId, name: 'Contoso', startUrl: `/api/auth/portal/oidc/${realId}/start` },
        { id: forgedId, name: 'Forged ID', startUrl: `/api/auth/portal/oidc/${forgedId}/start` },
      ],
    });
    const console_ = await (await fetch(`${s.url}/api/auth/tech/sign-in`)).json();
    expect(console_.issuers.map((i: { id: number }) => i.id)).toEqual([realId]);

    const res = await new Browser().fetch(`${s.url}/api/auth/portal/oidc/${realId}/start`);
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location') ?? '');
    expect(to.origin).toBe(provider.issuer);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: provider.clientId,
      redirect_uri: `${s.url}/api/auth/portal/oidc/callback`,
      response_type: 'code',
      code_challenge_method: 'S256',
      scope: 'openid email profile',
    });
    for (const p of ['state', 'nonce', 'code_challenge']) expect(to.searchParams.get(p)?.length).toBeGreaterThanOrEqual(32);
    // The forged issuer serves portal users only.
    const notForTechs = await new Browser().fetch(`${s.url}/api/auth/tech/oidc/${forgedId}/start`);
    expect(notForTechs.headers.get('location')).toBe('/console?sign_in_error=not_found');
  });

  it('an admin lists email domains on a company (one company per domain) and whether it creates unknown people', async () => {
    expect((await admin.put(`/api/admin/sso/companies/${acme}`, { emailDomains: ['Acme.test', '@acme.test'], createUsers: true })).status).toBe(200);
    expect((await admin.put(`/api/admin/sso/companies/${globex}`, { emailDomains: ['globex.test'], createUsers: false })).status).toBe(200);
    const taken = await admin.put(`/api/admin/sso/companies/${globex}`, { emailDomains: ['globex.test', 'acme.test'], createUsers: false });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toContain('acme.test');
    expect((await admin.put(`/api/admin/sso/companies/${globex}`, { emailDomains: ['not a domain'], createUsers: false })).body.error.code).toBe(
      'validation_failed',
    );
    expect((await admin.put('/api/admin/sso/companies/999999', { emailDomains: [], createUsers: false })).status).toBe(404);
    const list = (await admin.get('/api/admin/sso/companies')).body as { companyId: number; emailDomains: string[]; createUsers: boolean }[];
    expect(list.find((c) => c.companyId === acme)).toEqual({ companyId: acme, emailDomains: ['acme.test'], createUsers: true, issuerId: null });
    expect(list.find((c) => c.companyId === globex)).toEqual({ companyId: globex, emailDomains: ['globex.test'], createUsers: false, issuerId: null });
  });

  it('a portal user signs in at the real provider and lands in the portal with a session', async () => {
    const user = await s.f.portalUser(globex, { email: at('globex.test') });
    account('known', user.email);
    const r = await signIn('portal', realId, 'known');
    expect(r.status).toBe(302);
    expect(r.location.pathname).toBe('/');
    expect(r.refusal).toBeNull();
    const m = await me(r.b, 'portal');
    expect(m.status).toBe(200);
    expect(m.body.id ?? m.body.user?.id).toBe(user.id);
    // The browser's state cookie is gone; the console has no session from this.
    expect(r.b.cookie(new URL(s.url).host, 'hd_oidc_portal')).toBeUndefined();
    expect((await me(r.b, 'tech')).status).toBe(401);
  });

  it('a state is used once, only in the browser that started it; an unknown one is refused', async () => {
    const user = await s.f.portalUser(globex, { email: at('globex.test') });
    account('replayer', user.email);
    const b = new Browser();
    const callback = await b.toCallback(`${s.url}/api/auth/portal/oidc/${realId}/start`, 'replayer');
    const state = callback.searchParams.get('state') ?? '';
    // Another browser (no state cookie) with the same callback: refused, and the sign-in still stands for its own browser.
    const elsewhere = await new Browser().fetch(callback.href);
    expect(new URL(elsewhere.headers.get('location') ?? '', s.url).searchParams.get('sign_in_error')).toBe('oidc_state_invalid');
    const ok = await b.fetch(callback.href);
    expect(ok.headers.get('location')).toBe('/');
    // The same callback again, with the state cookie put back: the state was used.
    const replay = await fetch(callback.href, { redirect: 'manual', headers: { cookie: `hd_oidc_portal=${state}` } });
    expect(new URL(replay.headers.get('location') ?? '', s.url).searchParams.get('sign_in_error')).toBe('oidc_state_invalid');
    const unknown = await fetch(`${s.url}/api/auth/portal/oidc/callback?code=x&state=made-up`, {
      redirect: 'manual',
      headers: { cookie: 'hd_oidc_portal=made-up' },
    });
    expect(unknown.headers.get('location')).toBe('/?sign_in_error=oidc_state_invalid');
    // A portal state does not open the console.
    const b2 = new Browser();
    const cb2 = await b2.toCallback(`${s.url}/api/auth/portal/oidc/${realId}/start`, 'replayer');
    const crossed = await fetch(cb2.href.replace('/portal/', '/tech/'), {
      redirect: 'manual',
      headers: { cookie: `hd_oidc_tech=${cb2.searchParams.get('state')}` },
    });
    expect(crossed.headers.get('location')).toBe('/console?sign_in_error=oidc_state_invalid');
  });

  it('the provider refusing (the person cancelled) ends on the login page', async () => {
    const b = new Browser();
    const start = await b.fetch(`${s.url}/api/auth/portal/oidc/${realId}/start`);
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state');
    const res = await b.fetch(`${s.url}/api/auth/portal/oidc/callback?error=access_denied&state=${state}`);
    expect(res.headers.get('location')).toBe('/?sign_in_error=oidc_provider_error');
  });

  it('an unknown person of a company that allows it is created there on first sign-in, once', async () => {
    account('newcomer', 'Newcomer@Acme.test');
    const first = await signIn('portal', realId, 'newcomer');
    expect(first.location.pathname).toBe('/');
    const created = (await portalUsers()).filter((u) => u.email === 'newcomer@acme.test');
    expect(created).toHaveLength(1);
    expect(created[0].company.id).toBe(acme);
    const m = await me(first.b, 'portal');
    expect(m.status).toBe(200);
    // Such a person has no password: a password login fails as for a wrong one.
    const pw = await fetch(`${s.url}/api/auth/portal/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'newcomer@acme.test', password: '!sso' }),
    });
    expect(((await pw.json()) as { error: { code: string } }).error.code).toBe('invalid_credentials');
    const again = await signIn('portal', realId, 'newcomer');
    expect(again.location.pathname).toBe('/');
    expect((await portalUsers()).filter((u) => u.email === 'newcomer@acme.test')).toHaveLength(1);
  });

  it('refuses: a company that does not create people, an unknown domain, an unverified email, a deactivated user', async () => {
    account('stranger', 'stranger@globex.test');
    expect((await signIn('portal', realId, 'stranger')).refusal).toBe('oidc_user_unknown');
    account('nowhere', 'someone@nowhere.test');
    expect((await signIn('portal', realId, 'nowhere')).refusal).toBe('oidc_domain_unknown');
    account('unverified', 'unverified@acme.test', false);
    const unverified = await signIn('portal', realId, 'unverified');
    expect(unverified.refusal).toBe('oidc_email_unverified');
    expect(unverified.location.pathname).toBe('/');
    const user = await s.f.portalUser(globex);
    expect((await admin.patch(`/api/admin/portal-users/${user.id}`, { active: false })).status).toBe(200);
    account('gone', user.email);
    const gone = await signIn('portal', realId, 'gone');
    expect(gone.refusal).toBe('oidc_user_inactive');
    expect((await me(gone.b, 'portal')).status).toBe(401);
    const emails = (await portalUsers()).map((u) => u.email);
    for (const e of ['stranger@globex.test', 'someone@nowhere.test', 'unverified@acme.test']) expect(emails).not.toContain(e);
  });

  it("an existing portal user is signed in only at their own company's domain: no issuer vouches for another company's people", async () => {
    // A company that does not use single sign-on lists no domain: an issuer (another company's,
    // whose admin can give any address to any account) cannot sign its people in.
    const initech = await s.f.company();
    const quiet = await s.f.portalUser(initech);
    account('quiet', quiet.email);
    const r = await signIn('portal', realId, 'quiet');
    expect(r.refusal).toBe('oidc_domain_unknown');
    expect((await me(r.b, 'portal')).status).toBe(401);
    // A person of Globex at an address of Acme's domain: Acme's domain does not open Globex.
    const misplaced = await s.f.portalUser(globex, { email: at('acme.test') });
    account('misplaced', misplaced.email);
    const m = await signIn('portal', realId, 'misplaced');
    expect(m.refusal).toBe('oidc_domain_unknown');
    expect((await me(m.b, 'portal')).status).toBe(401);
    // Nobody was created or moved meanwhile.
    const users = await portalUsers();
    expect(users.filter((u) => u.email === misplaced.email).map((u) => u.company.id)).toEqual([globex]);
    // At their own company's domain they are in.
    const own = await s.f.portalUser(globex, { email: at('globex.test') });
    account('own', own.email);
    const ok = await signIn('portal', realId, 'own');
    expect(ok.refusal).toBeNull();
    const mine = await me(ok.b, 'portal');
    expect(mine.body.id ?? mine.body.user?.id).toBe(own.id);
  });

  it("a company that names its identity provider takes no other provider's word for its people, known or new", async () => {
    const bind = (issuerId: number | null) => admin.put(`/api/admin/sso/companies/${globex}`, { emailDomains: ['globex.test'], createUsers: true, issuerId });
    expect((await bind(999999)).body.error.code).toBe('validation_failed');
    expect((await bind(realId)).status).toBe(200);
    expect((await admin.get('/api/admin/sso/companies')).body.find((c: { companyId: number }) => c.companyId === globex).issuerId).toBe(realId);
    // The other provider (say, another client company's own) asserts a Globex person, verified: refused.
    const known = await s.f.portalUser(globex, { email: at('globex.test') });
    const before = (await portalUsers()).length;
    forger.next = { email: known.email };
    const byOther = await signIn('portal', forgedId);
    expect(byOther.refusal).toBe('oidc_issuer_not_allowed');
    expect((await me(byOther.b, 'portal')).status).toBe(401);
    // Nor does it create a new person there, though Globex creates unknown people.
    forger.next = { email: at('globex.test') };
    expect((await signIn('portal', forgedId)).refusal).toBe('oidc_issuer_not_allowed');
    expect((await portalUsers()).length).toBe(before);
    // Globex's own provider signs the same person in.
    account('globex-own', known.email);
    const own = await signIn('portal', realId, 'globex-own');
    expect(own.refusal).toBeNull();
    expect((await me(own.b, 'portal')).status).toBe(200);
    // Acme, which names none, still takes any portal provider.
    forger.next = { email: at('acme.test') };
    expect((await signIn('portal', forgedId)).refusal).toBeNull();
    expect((await bind(null)).status).toBe(200);
  });

  it('a tech signs in to the console when they exist; an unknown one is refused unless the issuer creates techs, without grants', async () => {
    account('tech', tech.email.toUpperCase());
    const r = await signIn('tech', realId, 'tech');
    expect(r.location.pathname).toBe('/console');
    const m = await me(r.b, 'tech');
    expect(m.status).toBe(200);
    expect(m.body.id).toBe(tech.id);
    expect((await me(r.b, 'portal')).status).toBe(401);

    account('new-tech', 'new.tech@acme.test');
    expect((await signIn('tech', realId, 'new-tech')).refusal).toBe('oidc_user_unknown');
    expect((await admin.patch(`/api/admin/sso/issuers/${realId}`, { createTechs: true })).status).toBe(200);
    const created = await signIn('tech', realId, 'new-tech');
    expect(created.location.pathname).toBe('/console');
    const techs = (await admin.get('/api/admin/techs')).body as Record<string, any>[];
    const row = techs.find((t) => t.email === 'new.tech@acme.test');
    expect(row).toMatchObject({ role: 'tech', active: true, name: 'Name of new-tech', grants: { boardIds: [], allCompanies: false, companyIds: [] } });
    expect((await admin.patch(`/api/admin/sso/issuers/${realId}`, { createTechs: false })).status).toBe(200);

    const t2 = await s.f.tech();
    await admin.patch(`/api/admin/techs/${t2.id}`, { active: false });
    account('old-tech', t2.email);
    expect((await signIn('tech', realId, 'old-tech')).refusal).toBe('oidc_user_inactive');
  });

  it('a tech with two-factor on signs in by single sign-on only with a code too: the sign-in ends at the code step', async () => {
    const t = await s.f.tech();
    const own = await loginAs(s.url, 'tech', t.email, PASSWORD);
    const codeAt = (secret: string, at: number) =>
      new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at });
    const setup = await own.post('/api/console/account/two-factor/setup');
    expect((await own.post('/api/console/account/two-factor/confirm', { code: codeAt(setup.body.secret, Date.now()), password: PASSWORD })).status).toBe(200);
    account('tech-2fa', t.email);
    const r = await signIn('tech', realId, 'tech-2fa');
    expect(r.refusal).toBeNull();
    expect(r.location.pathname).toBe('/console');
    // No session yet: the ticket of the code step, in the fragment (never sent to a server, nor in a Referer).
    expect((await me(r.b, 'tech')).status).toBe(401);
    const ticket = /^#two_factor=([A-Za-z0-9_-]{40,})$/.exec(r.location.hash)?.[1];
    expect(ticket, r.location.href).toBeTruthy();
    const wrong = await r.b.fetch(`${s.url}/api/auth/tech/login/two-factor`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket, code: '000000' === codeAt(setup.body.secret, Date.now() + 30_000) ? '111111' : '000000' }),
    });
    expect(wrong.status).toBe(400);
    const done = await r.b.fetch(`${s.url}/api/auth/tech/login/two-factor`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket, code: codeAt(setup.body.secret, Date.now() + 30_000) }),
    });
    expect(done.status, await done.clone().text()).toBe(200);
    expect((await me(r.b, 'tech')).body.id).toBe(t.id);
  });

  it('checks the ID token: a good forged-issuer token passes; another audience or issuer, a foreign signature, an expired token or a wrong nonce do not', async () => {
    forger.next = { email: 'forged.good@acme.test' };
    const good = await signIn('portal', forgedId);
    expect(good.refusal).toBeNull();
    expect(good.location.pathname).toBe('/');
    expect((await me(good.b, 'portal')).status).toBe(200);

    const cases: [string, Forger['next']][] = [
      ['another audience', { email: 'forged.aud@acme.test', aud: 'someone-else' }],
      ['another issuer', { email: 'forged.iss@acme.test', iss: provider.issuer }],
      ['a foreign signature', { email: 'forged.sig@acme.test', foreignKey: true }],
      ['expired', { email: 'forged.exp@acme.test', expired: true }],
      ['a wrong nonce', { email: 'forged.nonce@acme.test', nonce: 'not-the-nonce' }],
    ];
    for (const [what, next] of cases) {
      forger.next = next;
      const r = await signIn('portal', forgedId);
      expect(r.refusal, what).toBe('oidc_token_invalid');
      expect((await me(r.b, 'portal')).status, what).toBe(401);
    }
    // email_verified must be true itself, not a string saying so.
    forger.next = { email: 'forged.str@acme.test', emailVerified: 'true' };
    expect((await signIn('portal', forgedId)).refusal).toBe('oidc_email_unverified');
    const emails = (await portalUsers()).map((u) => u.email);
    for (const [, next] of cases) expect(emails).not.toContain(next.email);
  });

  it('password sign-in turned off per side: the login refuses it and the page offers only the issuers; the last tech issuer stays', async () => {
    const user = await s.f.portalUser(globex, { email: at('globex.test') });
    expect((await admin.put('/api/admin/sso/password-sign-in', { tech: false, portal: false })).status).toBe(200);
    const view = (await admin.get('/api/admin/sso')).body;
    expect(view.passwordSignIn).toEqual({ tech: false, portal: false });
    expect(((await (await fetch(`${s.url}/api/auth/portal/sign-in`)).json()) as { password: boolean }).password).toBe(false);
    expect(((await (await fetch(`${s.url}/api/auth/tech/sign-in`)).json()) as { password: boolean }).password).toBe(false);
    for (const [side, email] of [
      ['portal', user.email],
      ['tech', tech.email],
    ]) {
      const r = await fetch(`${s.url}/api/auth/${side}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(r.status).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('password_sign_in_off');
    }
    // The only issuer for techs can neither go nor stop serving techs now.
    expect((await admin.request('DELETE', `/api/admin/sso/issuers/${realId}`)).body.error.code).toBe('sso_lockout');
    expect((await admin.patch(`/api/admin/sso/issuers/${realId}`, { forTechs: false })).body.error.code).toBe('sso_lockout');
    // Single sign-on still lets people in.
    account('still', user.email);
    expect((await signIn('portal', realId, 'still')).location.pathname).toBe('/');

    // The way back in: create-admin on the server turns tech password sign-in on again.
    const out: string[] = [];
    const code = await runCli(['create-admin', '--email', 'rescue@example.com', '--name', 'Rescue Admin', '--password', 'rescue-password-1'], s.env, {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      stdin: process.stdin,
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('Password sign-in for techs was turned off: it is on again');
    expect((await admin.get('/api/admin/sso')).body.passwordSignIn).toEqual({ tech: true, portal: false });
    await loginAs(s.url, 'tech', 'rescue@example.com', 'rescue-password-1');

    expect((await admin.put('/api/admin/sso/password-sign-in', { tech: true, portal: true })).status).toBe(200);
    await loginAs(s.url, 'portal', user.email, PASSWORD);
    expect((await admin.request('DELETE', `/api/admin/sso/issuers/${forgedId}`)).status).toBe(200);
    expect((await new Browser().fetch(`${s.url}/api/auth/portal/oidc/${forgedId}/start`)).headers.get('location')).toBe('/?sign_in_error=not_found');
  });

  it('never logs a client secret, an authorization code or a token, even at trace level', async () => {
    expect(log.length).toBeGreaterThan(1000);
    for (const secret of [provider.clientSecret, forger.clientSecret]) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/[?&]code=|id_token|access_token|"password"/);
  });
});

describe('single sign-on behind a public address (PUBLIC_URL)', () => {
  let s: TestServer;
  let provider: TestProvider;
  const PUBLIC = 'https://chat.example.com';
  beforeAll(async () => {
    s = await startTestServer('sqlite', { PUBLIC_URL: `${PUBLIC}/ignored/path` });
    provider = await startProvider([`${PUBLIC}/api/auth/portal/oidc/callback`]);
  });
  afterAll(async () => {
    await provider?.stop();
    await s?.stop();
  });

  it('makes the redirect URIs from the public address, in the authorization request and the code exchange alike', async () => {
    const a = await s.f.tech({ role: 'admin' });
    const admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
    const issuer = await admin.post('/api/admin/sso/issuers', {
      name: 'Contoso',
      issuerUrl: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      forTechs: false,
      forPortal: true,
    });
    expect((await admin.get('/api/admin/sso')).body.redirectUris).toEqual({
      tech: `${PUBLIC}/api/auth/tech/oidc/callback`,
      portal: `${PUBLIC}/api/auth/portal/oidc/callback`,
    });
    const company = await s.f.company();
    expect((await admin.put(`/api/admin/sso/companies/${company}`, { emailDomains: ['contoso.test'], createUsers: false })).status).toBe(200);
    const user = await s.f.portalUser(company, { email: 'known@contoso.test' });
    provider.accounts.set('known', { email: user.email, verified: true });
    const b = new Browser();
    const callback = await b.toCallback(`${s.url}/api/auth/portal/oidc/${issuer.body.id}/start`, 'known');
    expect(callback.origin).toBe(PUBLIC);
    // The proxy in front would pass it on to the node as it came.
    const res = await b.fetch(`${s.url}${callback.pathname}${callback.search}`);
    expect(res.headers.get('location')).toBe('/');
    expect((await b.fetch(`${s.url}/api/portal/me`)).status).toBe(200);
  });

  it('an address that starts sign-ins by the score is slowed down, with the reason on the login page', async () => {
    const issuer = (await (await fetch(`${s.url}/api/auth/portal/sign-in`)).json()) as { issuers: { startUrl: string }[] };
    // 60 at once, then one a second: on a slow machine a few more get through before the refusal.
    const answers: (string | null)[] = [];
    while (answers.length < 120 && answers.at(-1) !== '/?sign_in_error=rate_limited')
      answers.push((await fetch(`${s.url}${issuer.issuers[0].startUrl}`, { redirect: 'manual' })).headers.get('location'));
    expect(answers.at(-1)).toBe('/?sign_in_error=rate_limited');
    expect(answers.length).toBeGreaterThan(59);
    expect(answers.slice(0, -1).every((l) => l?.startsWith(provider.issuer))).toBe(true);
  });
});
