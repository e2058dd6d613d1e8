/**
 * API tokens: made by an admin, shown once, stored hashed; used as `Authorization: Bearer` on the
 * console and admin API within their scopes; refused with stable codes when unknown, revoked,
 * expired, out of scope, or when their admin is gone; last use recorded at most once a minute;
 * the secret never in a log line nor a later answer. And the public OpenAPI document and viewer.
 */
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { io } from 'socket.io-client';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { type Client, loginAs } from './support/http.js';
import { world, type World } from './support/flows.js';
import { TestClock } from './support/clock.js';

const MINUTE = 60_000;

describe.each(DIALECTS)('API tokens on %s', (kind) => {
  let s: TestServer;
  let w: World;
  let clock: TestClock;
  let admin: { id: number; email: string };
  let adminClient: Client;
  let log = '';
  const secrets: string[] = [];

  beforeAll(async () => {
    clock = new TestClock();
    const logStream = new Writable({
      write(chunk, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    s = await startTestServer(kind, { LOG_LEVEL: 'trace' }, undefined, { clock, logStream });
    w = await world(s);
    admin = await s.f.tech({ role: 'admin' });
    adminClient = await loginAs(s.url, 'tech', admin.email, PASSWORD);
  });
  afterAll(async () => s?.stop());

  /** A new token of the admin's making; its secret is kept to look for it in the log at the end. */
  async function create(body: Record<string, unknown>, by = adminClient) {
    const r = await by.post('/api/admin/api-tokens', body);
    expect(r.status, r.text).toBe(201);
    secrets.push(r.body.secret);
    return r.body as { token: { id: number; [k: string]: unknown }; secret: string };
  }
  /** A request with the token and nothing else (no cookie). */
  const call = async (secret: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(`${s.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null, text };
  };
  const row = (id: number) => s.ctx.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('only a signed-in admin lists or creates tokens: a tech, a portal user and nobody are refused', async () => {
    const body = { name: 'PSA sync', scopes: ['read'] };
    expect((await w.techClient.get('/api/admin/api-tokens')).body.error.code).toBe('admin_only');
    expect((await w.techClient.post('/api/admin/api-tokens', body)).body.error.code).toBe('admin_only');
    expect((await w.userClient.get('/api/admin/api-tokens')).status).toBe(401);
    expect((await fetch(`${s.url}/api/admin/api-tokens`)).status).toBe(401);
    const none = await fetch(`${s.url}/api/admin/api-tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(none.status).toBe(401);
    expect(await s.ctx.db.selectFrom('api_tokens').select('id').execute()).toEqual([]);
  });

  it('creates a token whose secret is shown once and stored only as its SHA-256', async () => {
    const { token, secret } = await create({ name: 'PSA sync', scopes: ['write', 'read'] });
    expect(secret).toMatch(/^hdt_[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({
      name: 'PSA sync',
      scopes: ['read', 'write'],
      status: 'active',
      createdBy: { id: admin.id },
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      lastUsedIp: null,
    });
    expect(secret.startsWith(token.prefix as string)).toBe(true);
    expect((token.prefix as string).length).toBeLessThan(12);
    const stored = await row(token.id);
    expect(stored.token_hash).toBe(crypto.createHash('sha256').update(secret).digest('hex'));
    // No column holds the secret or a part of it beyond the short prefix.
    for (const value of Object.values(stored)) expect(String(value)).not.toContain(secret.slice(0, 16));
    const list = await adminClient.get('/api/admin/api-tokens');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(stored.token_hash);
    expect(list.body.find((t: { id: number }) => t.id === token.id)).toEqual(token);
  });

  it('refuses a token without a name or scope, an unknown scope, and an expiry in the past', async () => {
    for (const body of [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['root'] },
      { name: 'x', scopes: ['read', 'read'] },
      { name: '  ', scopes: ['read'] },
      { name: 'x', scopes: ['read'], expiresAt: 'tomorrow' },
      { name: 'x', scopes: ['read'], expiresAt: new Date(clock.now() - MINUTE).toISOString() },
    ]) {
      const r = await adminClient.post('/api/admin/api-tokens', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
  });

  it('read: the GET routes of the console and the admin API, as the admin who made it; nothing else', async () => {
    const { secret } = await create({ name: 'Dashboard', scopes: ['read'] });
    const me = await call(secret, 'GET', '/api/console/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: admin.id, role: 'admin' });
    expect((await call(secret, 'GET', '/api/console/status-bar')).status).toBe(200);
    expect((await call(secret, 'GET', '/api/admin/techs')).status).toBe(200);
    const put = await call(secret, 'PUT', '/api/console/status', { available: false });
    expect(put.status).toBe(403);
    expect(put.body.error).toMatchObject({ code: 'token_scope', details: { needed: ['write'], scopes: ['read'] } });
    const board = await call(secret, 'POST', '/api/admin/boards', { name: 'By token' });
    expect(board.body.error).toMatchObject({ code: 'token_scope', details: { needed: ['admin'] } });
    expect(await s.ctx.db.selectFrom('boards').select('id').where('name', '=', 'By token').execute()).toEqual([]);
  });

  it('write: reads and the console commands, not the admin changes', async () => {
    const { secret } = await create({ name: 'Automation', scopes: ['write'] });
    expect((await call(secret, 'GET', '/api/console/me')).status).toBe(200);
    expect((await call(secret, 'GET', '/api/admin/boards')).status).toBe(200);
    const put = await call(secret, 'PUT', '/api/console/status', { available: false });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ available: false });
    expect((await call(secret, 'PUT', '/api/console/status', { available: true })).status).toBe(200);
    expect((await call(secret, 'POST', '/api/admin/boards', { name: 'By write' })).body.error.code).toBe('token_scope');
  });

  it('admin: every admin route, not the console', async () => {
    const { secret } = await create({ name: 'Provisioning', scopes: ['admin'] });
    const board = await call(secret, 'POST', '/api/admin/boards', { name: 'By admin token' });
    expect(board.status).toBe(201);
    expect((await call(secret, 'GET', '/api/admin/boards')).body).toEqual(expect.arrayContaining([{ id: board.body.id, name: 'By admin token' }]));
    const me = await call(secret, 'GET', '/api/console/me');
    expect(me.status).toBe(403);
    expect(me.body.error).toMatchObject({ code: 'token_scope', details: { needed: ['read', 'write'] } });
  });

  it('no token decides who signs in: makes an admin, sets a password, resets two-factor or changes the sign-in rules', async () => {
    const { secret } = await create({ name: 'Provisioning, leaked', scopes: ['read', 'write', 'admin'] });
    const tech = await s.f.tech({ name: 'Tina Tech' });
    const user = await s.f.portalUser(w.companyId);
    const refused = async (method: string, path: string, body?: unknown) => {
      const r = await call(secret, method, path, body);
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(403);
      expect(r.body.error.code).toBe('token_scope');
      expect(r.body.error.message).toMatch(/^An API token cannot .+: sign in as an admin to do it$/);
    };
    const before = await s.ctx.db.selectFrom('techs').select(['id', 'role', 'password_hash']).orderBy('id').execute();
    await refused('POST', '/api/admin/techs', { email: 'successor@example.test', name: 'Successor', password: 'a long password 1', role: 'admin' });
    await refused('PATCH', `/api/admin/techs/${tech.id}`, { role: 'admin' });
    await refused('PATCH', `/api/admin/techs/${admin.id}`, { password: 'taken over 12345' });
    await refused('PATCH', `/api/admin/techs/${tech.id}`, { name: 'Renamed', password: 'taken over 12345' });
    await refused('PATCH', `/api/admin/portal-users/${user.id}`, { password: 'taken over 12345' });
    await refused('DELETE', `/api/admin/techs/${admin.id}/two-factor`);
    await refused('PUT', '/api/admin/security', { techTwoFactorRequired: true });
    // Nothing changed.
    expect(await s.ctx.db.selectFrom('techs').select(['id', 'role', 'password_hash']).orderBy('id').execute()).toEqual(before);
    expect((await s.ctx.db.selectFrom('techs').select('name').where('id', '=', tech.id).executeTakeFirstOrThrow()).name).toBe('Tina Tech');
    // What provisioning needs still works: a tech (not an admin), a name, a deactivation.
    const made = await call(secret, 'POST', '/api/admin/techs', { email: 'new.tech@example.test', name: 'New Tech', password: 'a long password 1' });
    expect(made.status, made.text).toBe(201);
    expect((await call(secret, 'PATCH', `/api/admin/techs/${tech.id}`, { name: 'Tina Renamed', active: false })).status).toBe(200);
    // A signed-in admin may do all of it.
    expect((await adminClient.patch(`/api/admin/techs/${tech.id}`, { role: 'admin' })).status).toBe(200);
  });

  it('no token reaches the portal, nor the tokens themselves (a token cannot make its successor)', async () => {
    const { secret } = await create({ name: 'Everything', scopes: ['read', 'write', 'admin'] });
    expect((await call(secret, 'GET', '/api/portal/me')).body.error.code).toBe('token_scope');
    expect((await call(secret, 'GET', '/api/admin/api-tokens')).body.error.code).toBe('token_scope');
    const made = await call(secret, 'POST', '/api/admin/api-tokens', { name: 'Successor', scopes: ['admin'] });
    expect(made.status).toBe(403);
    expect(made.body.error.code).toBe('token_scope');
    expect(await s.ctx.db.selectFrom('api_tokens').select('id').where('name', '=', 'Successor').execute()).toEqual([]);
  });

  it('no token opens the live connection (Socket.IO): it takes the session cookie only', async () => {
    const { secret } = await create({ name: 'Not for sockets', scopes: ['read', 'write', 'admin'] });
    for (const namespace of ['/console', '/portal']) {
      const socket = io(s.url + namespace, {
        transports: ['websocket'],
        extraHeaders: { authorization: `Bearer ${secret}` },
        reconnection: false,
        forceNew: true,
      });
      const refused = await new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (err) => resolve(err.message));
      });
      socket.close();
      expect(refused, namespace).toBe('unauthenticated');
    }
  });

  it('an unknown, malformed or empty bearer token is token_invalid, even with a valid cookie beside it', async () => {
    for (const secret of ['hdt_notarealtoken', 'not-a-token', '', `hdt_${'x'.repeat(300)}`]) {
      const r = await call(secret, 'GET', '/api/console/me');
      expect(r.status, secret).toBe(401);
      expect(r.body.error.code).toBe('token_invalid');
    }
    // The token decides alone: the tech's cookie does not rescue a bad token.
    const r = await call('hdt_wrong', 'GET', '/api/console/me', undefined, { cookie: w.techClient.cookieHeader() });
    expect(r.body.error.code).toBe('token_invalid');
  });

  it('a revoked token stops at once and stays listed as revoked', async () => {
    const { token, secret } = await create({ name: 'Short-lived', scopes: ['read'] });
    expect((await call(secret, 'GET', '/api/console/me')).status).toBe(200);
    expect((await w.techClient.request('DELETE', `/api/admin/api-tokens/${token.id}`)).body.error.code).toBe('admin_only');
    const revoked = await adminClient.request('DELETE', `/api/admin/api-tokens/${token.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: token.id, status: 'revoked', revokedAt: new Date(clock.now()).toISOString() });
    const r = await call(secret, 'GET', '/api/console/me');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('token_invalid');
    expect((await adminClient.request('DELETE', `/api/admin/api-tokens/${token.id}`)).body.status).toBe('revoked');
    expect((await adminClient.request('DELETE', '/api/admin/api-tokens/999999')).body.error.code).toBe('not_found');
    expect((await row(token.id)).revoked_by).toBe(admin.id);
  });

  it('an expired token is token_invalid from its expiry on', async () => {
    const expiresAt = new Date(clock.now() + 60 * MINUTE).toISOString();
    const { token, secret } = await create({ name: 'For an hour', scopes: ['read'], expiresAt });
    expect(token.expiresAt).toBe(expiresAt);
    clock.advance(59 * MINUTE);
    expect((await call(secret, 'GET', '/api/console/me')).status).toBe(200);
    clock.advance(MINUTE);
    expect((await call(secret, 'GET', '/api/console/me')).body.error.code).toBe('token_invalid');
    const listed = (await adminClient.get('/api/admin/api-tokens')).body.find((t: { id: number }) => t.id === token.id);
    expect(listed.status).toBe('expired');
  });

  it('stops working while its admin is deactivated or no longer an admin, and says so in the list', async () => {
    const other = await s.f.tech({ role: 'admin' });
    const otherClient = await loginAs(s.url, 'tech', other.email, PASSWORD);
    const { token, secret } = await create({ name: "Other admin's", scopes: ['read'] }, otherClient);
    expect((await call(secret, 'GET', '/api/console/me')).body.id).toBe(other.id);
    const status = async () => (await adminClient.get('/api/admin/api-tokens')).body.find((t: { id: number }) => t.id === token.id).status;

    expect((await adminClient.patch(`/api/admin/techs/${other.id}`, { active: false })).status).toBe(200);
    expect((await call(secret, 'GET', '/api/console/me')).body.error.code).toBe('token_invalid');
    expect(await status()).toBe('suspended');
    expect((await adminClient.patch(`/api/admin/techs/${other.id}`, { active: true })).status).toBe(200);
    expect((await call(secret, 'GET', '/api/console/me')).status).toBe(200);

    expect((await adminClient.patch(`/api/admin/techs/${other.id}`, { role: 'tech' })).status).toBe(200);
    expect((await call(secret, 'GET', '/api/console/me')).body.error.code).toBe('token_invalid');
    expect(await status()).toBe('suspended');
  });

  it('stops working while its admin is held at the two-factor set-up (required, not on yet), as that admin is', async () => {
    const maker = await s.f.tech({ role: 'admin' });
    const { secret } = await create({ name: 'Made before the requirement', scopes: ['read', 'admin'] }, await loginAs(s.url, 'tech', maker.email, PASSWORD));
    const lead = await s.f.tech({ role: 'admin' });
    const leadClient = await loginAs(s.url, 'tech', lead.email, PASSWORD);
    const setup = await leadClient.post('/api/console/account/two-factor/setup');
    const code = new TOTP({ secret: Secret.fromBase32(setup.body.secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: clock.now() });
    expect((await leadClient.post('/api/console/account/two-factor/confirm', { code, password: PASSWORD })).status).toBe(200);
    const leads = await create({ name: 'Made by an admin with two-factor', scopes: ['read'] }, leadClient);
    expect((await leadClient.put('/api/admin/security', { techTwoFactorRequired: true })).status).toBe(200);
    try {
      for (const path of ['/api/console/me', '/api/admin/techs']) {
        const r = await call(secret, 'GET', path);
        expect(r.status, path).toBe(403);
        expect(r.body.error.code, path).toBe('totp_required');
      }
      expect((await call(leads.secret, 'GET', '/api/console/me')).body.id).toBe(lead.id);
    } finally {
      expect((await leadClient.put('/api/admin/security', { techTwoFactorRequired: false })).status).toBe(200);
    }
    expect((await call(secret, 'GET', '/api/console/me')).body.id).toBe(maker.id);
  });

  it('records the last use (time and address) at most once a minute, not on every request', async () => {
    const { token, secret } = await create({ name: 'Counted', scopes: ['read'] });
    const first = clock.now();
    expect((await call(secret, 'GET', '/api/console/me')).status).toBe(200);
    expect(await row(token.id)).toMatchObject({ last_used_ip: '127.0.0.1' });
    expect(Number((await row(token.id)).last_used_at)).toBe(first);
    clock.advance(30_000);
    expect((await call(secret, 'GET', '/api/console/me')).status).toBe(200);
    expect(Number((await row(token.id)).last_used_at)).toBe(first);
    clock.advance(30_000);
    expect((await call(secret, 'GET', '/api/console/me')).status).toBe(200);
    expect(Number((await row(token.id)).last_used_at)).toBe(first + MINUTE);
    const listed = (await adminClient.get('/api/admin/api-tokens')).body.find((t: { id: number }) => t.id === token.id);
    expect(listed).toMatchObject({ lastUsedAt: new Date(first + MINUTE).toISOString(), lastUsedIp: '127.0.0.1' });
  });

  it('a token request needs no Origin check; a cookie request still does', async () => {
    const { secret } = await create({ name: 'From a server that sends Origin', scopes: ['write'] });
    const evil = { origin: 'https://evil.example' };
    expect((await call(secret, 'PUT', '/api/console/status', { available: true }, evil)).status).toBe(200);
    const cookie = await w.techClient.request('PUT', '/api/console/status', { available: true }, { headers: evil });
    expect(cookie.status).toBe(403);
    expect(cookie.body.error.code).toBe('bad_origin');
    // A bad token beside a good cookie from another origin: judged by the token, refused.
    const both = await call('hdt_wrong', 'PUT', '/api/console/status', { available: false }, { ...evil, cookie: w.techClient.cookieHeader() });
    expect(both.body.error.code).toBe('token_invalid');
  });

  it('the request log names the token by id; no log line ever holds a secret', async () => {
    expect(secrets.length).toBeGreaterThan(8);
    const lines = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.msg === 'API token created').length).toBe(secrets.length);
    expect(lines.some((l) => l.msg === 'request' && l.route === '/api/console/me' && typeof l.apiToken === 'number')).toBe(true);
    for (const secret of secrets) {
      expect(log).not.toContain(secret);
      expect(log).not.toContain(secret.slice(4, 20));
    }
  });
});

describe('the OpenAPI document and its viewer', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => s?.stop());

  it('is public and names the ways in of every operation', async () => {
    const r = await fetch(`${s.url}/api/openapi.json`);
    expect(r.status).toBe(200);
    const doc = await r.json();
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiToken', 'portalSession', 'techSession']);
    expect(doc.components.securitySchemes.apiToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.techSession).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'hd_tech' });
    for (const [path, methods] of Object.entries(
      doc.paths as Record<string, Record<string, { security?: Record<string, string[]>[]; description?: string }>>,
    )) {
      for (const [method, op] of Object.entries(methods)) {
        const ways = op.security?.flatMap((req) => Object.keys(req));
        const where = `${method} ${path}`;
        // Who may sign in, and the tokens themselves: an admin's session only.
        if (path.startsWith('/api/admin/api-tokens') || path.startsWith('/api/admin/sso') || path.startsWith('/api/console/account'))
          expect(ways, where).toEqual(['techSession']);
        else if (path.startsWith('/api/console/') || path.startsWith('/api/admin/')) {
          expect(ways, where).toEqual(['techSession', 'apiToken']);
          expect(op.description, where).toMatch(/API token scope: `\w+`/);
        } else if (path.startsWith('/api/portal/')) expect(ways, where).toEqual(['portalSession']);
        else expect(ways, where).toEqual([]);
      }
    }
    expect(doc.paths['/api/admin/boards'].post.description).toContain('API token scope: `admin`.');
    expect(doc.paths['/api/console/me'].get.description).toContain('API token scope: `read` or `write`.');
  });

  it('serves the viewer at /api/docs, under the same Content-Security-Policy as the app', async () => {
    const page = await fetch(`${s.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<\s]/);
    const appCsp = (await fetch(`${s.url}/api/health`)).headers.get('content-security-policy');
    expect(page.headers.get('content-security-policy')).toBe(appCsp);
    expect(appCsp).toContain("script-src 'self'");
    for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) {
      const asset = await fetch(new URL(src, `${s.url}/api/docs`));
      expect(asset.status, src).toBe(200);
    }
    const json = await fetch(`${s.url}/api/docs/json`);
    expect((await json.json()).components.securitySchemes.apiToken).toBeDefined();
  });
});
