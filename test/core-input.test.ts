import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { Client, loginAs } from './support/http.js';
import { activeChat, world, type World } from './support/flows.js';

describe.each(DIALECTS)('bad input on %s', (kind) => {
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

  const counts = async () => {
    const db = s.ctx.db;
    const n = async (t: 'chats' | 'messages' | 'tickets' | 'notes' | 'companies' | 'techs' | 'portal_users' | 'transitions') =>
      Number(
        (
          await db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      chats: await n('chats'),
      messages: await n('messages'),
      tickets: await n('tickets'),
      notes: await n('notes'),
      companies: await n('companies'),
      techs: await n('techs'),
      users: await n('portal_users'),
      transitions: await n('transitions'),
    };
  };

  it('wrong types, objects where strings belong, unknown fields and empty values get 400 validation_failed and write nothing', async () => {
    const id = await activeChat(w);
    const before = await counts();
    const cases: [Client, string, string, unknown][] = [
      [w.userClient, 'POST', '/api/portal/chats', { boardId: '1', subject: 'x', message: 'y' }],
      [w.userClient, 'POST', '/api/portal/chats', { boardId: w.boardId, subject: { $gt: '' }, message: 'y' }],
      [w.userClient, 'POST', '/api/portal/chats', { boardId: w.boardId, subject: '   ', message: 'y' }],
      [w.userClient, 'POST', '/api/portal/chats', { boardId: w.boardId, subject: 'x', message: 'y'.repeat(4001) }],
      [w.userClient, 'POST', '/api/portal/chats', { boardId: w.boardId, subject: 'x', message: 'y', admin: true }],
      [w.userClient, 'POST', '/api/portal/chats', [1, 2, 3]],
      [w.userClient, 'POST', `/api/portal/chats/${id}/messages`, { body: ['a'], clientId: 'b1' }],
      [w.userClient, 'POST', `/api/portal/chats/${id}/messages`, { body: 'ok' }],
      [w.userClient, 'POST', `/api/portal/chats/${id}/messages`, { body: null, clientId: 'b2' }],
      [w.userClient, 'POST', `/api/portal/chats/${id}/messages`, { body: 'x', clientId: 'c'.repeat(101) }],
      [w.userClient, 'POST', `/api/portal/chats/abc/messages`, { body: 'x', clientId: 'b3' }],
      [w.userClient, 'POST', `/api/portal/chats/-1/messages`, { body: 'x', clientId: 'b3' }],
      [w.userClient, 'POST', `/api/portal/chats/99999999999999/messages`, { body: 'x', clientId: 'b3' }],
      [w.techClient, 'POST', `/api/console/chats/${id}/end`, { outcome: 'maybe' }],
      [w.techClient, 'POST', `/api/console/chats/${id}/end`, { outcome: 'ticket_created', boardId: w.boardId }],
      [w.techClient, 'POST', `/api/console/chats/${id}/notes`, { body: 42 }],
      [w.techClient, 'PUT', '/api/console/status', { available: 'yes' }],
      [w.techClient, 'GET', '/api/console/search?limit=100000', undefined],
      [w.techClient, 'GET', '/api/console/search?from=yesterday', undefined],
      [w.techClient, 'GET', '/api/console/search?evil=1', undefined],
      [admin, 'POST', '/api/admin/companies', { name: '' }],
      [admin, 'POST', '/api/admin/techs', { email: 'not-an-email', name: 'x', password: 'longenough' }],
      [admin, 'POST', '/api/admin/techs', { email: 'a@b.co', name: 'x', password: 'short' }],
      [admin, 'POST', '/api/admin/portal-users', { companyId: w.companyId, email: 'p@b.co', name: 'x', password: 'longenough', phone: 'call me' }],
      [admin, 'PUT', '/api/admin/office-hours', { timezone: 'UTC', schedule: { '1': [{ start: '9am', end: '5pm' }] } }],
      [admin, 'PUT', '/api/admin/office-hours', { timezone: 'Mars/Olympus', schedule: {} }],
      [admin, 'PUT', '/api/admin/office-hours', { timezone: 'UTC', schedule: { '1': [{ start: '17:00', end: '09:00' }] } }],
      [admin, 'PUT', `/api/admin/techs/${w.tech.id}/grants`, { boardIds: ['x'], allCompanies: false, companyIds: [] }],
      [admin, 'POST', '/api/admin/holidays', { date: '2026-13-45', name: 'Nope' }],
    ];
    for (const [client, method, path, body] of cases) {
      const r = await client.request(method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(typeof r.body.error.message).toBe('string');
    }
    expect(await counts()).toEqual(before);
  });

  it('malformed JSON, wrong content type and oversized bodies get a 4xx with a code', async () => {
    const id = await activeChat(w);
    const before = await counts();
    const bad = await w.userClient.request('POST', `/api/portal/chats/${id}/messages`, undefined, { raw: '{"body": "x", "clientId": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const empty = await w.userClient.request('POST', `/api/portal/chats/${id}/messages`, undefined, { raw: '' });
    expect(empty.status).toBe(400);
    expect(['invalid_json', 'validation_failed']).toContain(empty.body.error.code);
    const text = await w.userClient.request('POST', `/api/portal/chats/${id}/messages`, undefined, {
      raw: 'body=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const huge = await w.userClient.request('POST', `/api/portal/chats/${id}/messages`, { body: 'x'.repeat(200_000), clientId: 'huge' });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
    expect(await counts()).toEqual(before);
  });

  it('unknown and foreign ids get 404 not_found and write nothing', async () => {
    const before = await counts();
    const foreignBoard = await s.f.board(); // exists, but not offered to the user's company
    const after0 = await counts();
    for (const [client, method, path, body] of [
      [w.userClient, 'POST', '/api/portal/chats', { boardId: foreignBoard, subject: 'x', message: 'y' }],
      [w.userClient, 'POST', '/api/portal/chats', { boardId: 987654, subject: 'x', message: 'y' }],
      [w.userClient, 'POST', '/api/portal/tickets/987654/chat', {}],
      [w.techClient, 'GET', '/api/console/chats/987654', undefined],
      [w.techClient, 'POST', '/api/console/chats/987654/join', {}],
      [admin, 'PUT', `/api/admin/techs/${w.tech.id}/grants`, { boardIds: [987654], allCompanies: false, companyIds: [] }],
      [admin, 'PUT', '/api/admin/techs/987654/grants', { boardIds: [], allCompanies: false, companyIds: [] }],
      [admin, 'POST', '/api/admin/portal-users', { companyId: 987654, email: 'ghost@b.co', name: 'x', password: 'longenough' }],
      [admin, 'POST', '/api/console/tickets', { companyId: w.companyId, boardId: w.boardId, contactId: 987654, summary: 'x' }],
      [admin, 'GET', '/api/nope', undefined],
    ] as [Client, string, string, unknown][]) {
      const r = await client.request(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }
    expect(before.chats).toBe(after0.chats);
    expect(await counts()).toEqual(after0);
    // The failed grant change left the tech's grants as they were.
    const tech = (await admin.get('/api/admin/techs')).body.find((t: any) => t.id === w.tech.id);
    expect(tech.grants).toEqual({ boardIds: [w.boardId], allCompanies: false, companyIds: [w.companyId] });
  });

  it('control characters are dropped from text, markup is kept as text', async () => {
    const id = await activeChat(w);
    const r = await w.userClient.post(`/api/portal/chats/${id}/messages`, { body: '\u0002fake\u0003 <img src=x onerror=alert(1)>\tok\u0000', clientId: 'ctl' });
    expect(r.status).toBe(201);
    expect(r.body.message.body).toBe('fake <img src=x onerror=alert(1)>\tok');
    const only = await w.userClient.post(`/api/portal/chats/${id}/messages`, { body: '\u0001\u0002 ', clientId: 'ctl2' });
    expect(only.status).toBe(400);
    // Direction overrides, embeddings and isolates would turn the text around ("invoice\u202Efdp.exe"
    // shows as "invoiceexe.pdf"); right-to-left writing and the marks U+200E/U+200F are kept.
    const bidi = await w.userClient.post(`/api/portal/chats/${id}/messages`, {
      body: 'see invoice\u202Efdp.exe \u2067x\u2069 \u202Aa\u202C \u05e9\u05dc\u05d5\u05dd\u200F!',
      clientId: 'bidi',
    });
    expect(bidi.status).toBe(201);
    expect(bidi.body.message.body).toBe('see invoicefdp.exe x a \u05e9\u05dc\u05d5\u05dd\u200F!');
    const onlyBidi = await w.userClient.post(`/api/portal/chats/${id}/messages`, { body: '\u202E\u2066 ', clientId: 'bidi2' });
    expect(onlyBidi.status).toBe(400);
  });

  it('NUL characters and impossible dates never reach the database', async () => {
    const id = await activeChat(w);
    const r1 = await new Client(s.url).post('/api/auth/portal/login', { email: 'ab\u0000c@x.test', password: 'x' });
    expect(r1.status).toBe(400);
    const r2 = await w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended', note: 'x\u0000y' });
    expect(r2.status, r2.text).toBe(200);
    expect((await w.techClient.get(`/api/console/chats/${id}/notes`)).body[0].body).toBe('xy');
    const waiting = await (await import('./support/flows.js')).waitingChat(w);
    const r3 = await w.userClient.post(`/api/portal/chats/${waiting}/callback`, { phone: '+1 555 123 4567', message: 'a\u0000b', preferredTime: '\u0000' });
    expect(r3.status, r3.text).toBe(200);
    expect(r3.body.callback).toEqual({ phone: '+1 555 123 4567', preferredTime: null, message: 'ab' });
    const r4 = await w.techClient.get('/api/console/search?from=2024-13-45');
    expect(r4.status).toBe(400);
    expect((await w.techClient.get('/api/console/search?to=2024-02-30')).status).toBe(400);
    expect((await admin.post('/api/admin/holidays', { date: '2027-02-30', name: 'Nope' })).status).toBe(400);
    const r5 = await w.userClient.post(`/api/portal/chats/${waiting}/messages`, { body: 'x', clientId: 'a\u0000b' });
    expect(r5.status).toBe(400);
  });

  it('office hours accept a partial week', async () => {
    const r = await admin.put('/api/admin/office-hours', { timezone: 'Europe/Paris', schedule: { '2': [{ start: '09:00', end: '12:00' }] } });
    expect(r.status, r.text).toBe(200);
    expect(r.body.schedule).toEqual({ '2': [{ start: '09:00', end: '12:00' }] });
  });

  it('duplicates get 409 duplicate', async () => {
    const r1 = await admin.post('/api/admin/boards', { name: 'Dup board' });
    expect(r1.status).toBe(201);
    const r2 = await admin.post('/api/admin/boards', { name: 'Dup board' });
    expect(r2.status).toBe(409);
    expect(r2.body.error.code).toBe('duplicate');
  });
});

describe.each(DIALECTS)('auth on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => s?.stop());

  it('login sets an HttpOnly SameSite cookie; logout ends the session', async () => {
    const u = await s.f.portalUser(await s.f.company());
    const c = new Client(s.url);
    const r = await c.post('/api/auth/portal/login', { email: u.email.toUpperCase(), password: PASSWORD });
    expect(r.status).toBe(200);
    const cookie = r.headers.getSetCookie()[0];
    expect(cookie).toMatch(/^hd_portal=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http here; behind https the flag is set
    const stolen = c.cookieHeader();
    expect((await c.get('/api/portal/me')).status).toBe(200);
    expect((await c.post('/api/auth/portal/logout')).status).toBe(200);
    expect((await c.get('/api/portal/me')).status).toBe(401);
    const replay = await fetch(`${s.url}/api/portal/me`, { headers: { cookie: stolen } });
    expect(replay.status).toBe(401);
  });

  it('the Secure flag is set behind https when the proxy is trusted, and only then', async () => {
    const u = await s.f.portalUser(await s.f.company());
    const untrusted = await fetch(`${s.url}/api/auth/portal/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ email: u.email, password: PASSWORD }),
    });
    expect(untrusted.headers.getSetCookie()[0]).not.toMatch(/Secure/);
    const proxied = await startTestServer(kind, { TRUST_PROXY: '127.0.0.1' });
    const u2 = await proxied.f.portalUser(await proxied.f.company());
    const r = await fetch(`${proxied.url}/api/auth/portal/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ email: u2.email, password: PASSWORD }),
    });
    expect(r.headers.getSetCookie()[0]).toMatch(/Secure/);
    await proxied.stop();
  });

  it('leaving an active chat twice at once records it once', async () => {
    const { activeChat, world } = await import('./support/flows.js');
    const w = await world(s);
    const id = await activeChat(w);
    const [a, b] = await Promise.all([w.userClient.post(`/api/portal/chats/${id}/leave`), w.userClient.post(`/api/portal/chats/${id}/leave`)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const t = (await w.techClient.get(`/api/console/chats/${id}/transitions`)).body;
    expect(t.filter((x: any) => x.event === 'leave')).toHaveLength(1);
    const msgs = (await w.techClient.get(`/api/console/chats/${id}/messages`)).body;
    expect(msgs.filter((m: any) => m.body.includes('left the chat'))).toHaveLength(1);
  });

  it('wrong passwords are refused alike for unknown users, and repeated failures are rate-limited', async () => {
    const t = await s.f.tech();
    const c = new Client(s.url);
    const wrong = await c.post('/api/auth/tech/login', { email: t.email, password: 'nope' });
    const unknown = await c.post('/api/auth/tech/login', { email: 'nobody@test.local', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    // A portal user's credentials do not open the console.
    const u = await s.f.portalUser(await s.f.company());
    expect((await c.post('/api/auth/tech/login', { email: u.email, password: PASSWORD })).status).toBe(401);
    // Five failures from one address are free; the next one at once is asked to wait (the whole
    // rule, on a moved clock, is in core-login-limits.test.ts).
    const victim = await s.f.tech();
    for (let i = 0; i < 5; i++) expect((await c.post('/api/auth/tech/login', { email: victim.email, password: `guess-${i}` })).status).toBe(401);
    const last = await c.post('/api/auth/tech/login', { email: victim.email, password: 'guess-5' });
    expect(last.status).toBe(429);
    expect(last.body.error.code).toBe('rate_limited');
    expect(last.body.error.details.retryAfterMs).toBeGreaterThan(0);
  });

  it('state-changing requests from a foreign Origin are refused', async () => {
    const u = await s.f.portalUser(await s.f.company());
    const r = await fetch(`${s.url}/api/auth/portal/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ email: u.email, password: PASSWORD }),
    });
    expect(r.status).toBe(403);
    expect((await r.json()).error.code).toBe('bad_origin');
    // The refusal carries the security headers like every answer.
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const same = await fetch(`${s.url}/api/auth/portal/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: s.url },
      body: JSON.stringify({ email: u.email, password: PASSWORD }),
    });
    expect(same.status).toBe(200);
  });

  it('passwords are stored as argon2id hashes', async () => {
    const t = await s.f.tech();
    const row = await s.ctx.db.selectFrom('techs').select('password_hash').where('id', '=', t.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('serves an OpenAPI document describing the API to anyone, and every route in it needs a session', async () => {
    // Public, like its viewer at /api/docs (test/api-tokens.test.ts): it describes, it opens nothing.
    const doc = await (await fetch(`${s.url}/api/openapi.json`)).json();
    // Open by design: liveness, readiness, logins (password, a login's two-factor step guarded by
    // its ticket, single sign-on, the widget's signed identity), the first admin's setup (guarded by its token),
    // and the provider's branding that the login pages show (reading only: changing it is admin).
    const open = [
      '/api/health',
      '/api/ready',
      '/api/auth/{audience}/login',
      '/api/auth/{audience}/logout',
      '/api/auth/{audience}/sign-in',
      // The website widget's frame: a host site's signed identity is the credential.
      '/api/auth/portal/widget',
      '/api/auth/tech/login/two-factor',
      '/api/setup/admin',
      '/api/branding/',
      '/api/branding/logo',
      // Email (services/mail.ts): whether it is on, and password reset by email (throttled, no hint).
      '/api/email',
      '/api/auth/{audience}/password-reset',
      '/api/auth/{audience}/password-reset/confirm',
    ];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      if (open.includes(path)) continue;
      for (const method of Object.keys(methods)) {
        const url = path.replace(/\{[^}]+\}/g, '1');
        const r = await fetch(`${s.url}${url}`, {
          method: method.toUpperCase(),
          headers: method === 'get' ? {} : { 'content-type': 'application/json' },
          body: method === 'get' ? undefined : '{}',
        });
        expect(r.status, `${method} ${path}`).toBe(401);
      }
    }
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/portal/chats', '/api/console/chats/{id}/join', '/api/admin/techs/{id}/grants']));
    expect(doc.paths['/api/portal/chats'].post.requestBody).toBeDefined();
  });

  it('describes the answers of every route: a success schema and the error body', async () => {
    const t = await s.f.tech();
    const doc = (await (await loginAs(s.url, 'tech', t.email, PASSWORD)).get('/api/openapi.json')).body;
    let routes = 0;
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { responses?: Record<string, any> }>>)) {
      for (const [method, op] of Object.entries(methods)) {
        routes++;
        const where = `${method} ${path}`;
        const success = Object.entries(op.responses ?? {}).filter(([code]) => /^2/.test(code));
        expect(success.length, `${where} has no success answer`).toBeGreaterThan(0);
        for (const [code, answer] of success) expect(answer.content?.['application/json']?.schema, `${where} ${code}`).toBeDefined();
        const error = op.responses?.['4XX']?.content?.['application/json']?.schema;
        expect(error?.properties?.error?.properties?.code?.enum, `${where} error body`).toContain('not_found');
      }
    }
    expect(routes).toBeGreaterThan(40);
    const chat = doc.paths['/api/console/chats/{id}'].get.responses['200'].content['application/json'].schema;
    expect(chat.properties.abilities.required).toEqual(expect.arrayContaining(['join', 'write', 'end', 'complete']));
  });
});
