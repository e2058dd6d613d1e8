/**
 * The website widget (services/widget.ts, http/widget-routes.ts) on a real server: only admins
 * set it up; origins are checked; the signing secret is shown once; the frame may be embedded only
 * by the company's origins; a host site's signed identity signs its user in and is refused when
 * wrong, old, for another company's user or a deactivated one.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { Client, loginAs } from './support/http.js';
import { world, type World } from './support/flows.js';
import { signIdentity } from '../src/server/services/widget.js';

describe.each(DIALECTS)('website widget on %s', (kind) => {
  let s: TestServer;
  let w: World;
  let admin: Client;
  // Everything the server logs, at its most talkative: no widget secret or signature may be in it.
  let log = '';
  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    s = await startTestServer(kind, { LOG_LEVEL: 'trace' }, undefined, { logStream });
    w = await world(s);
    const a = await s.f.tech({ role: 'admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
  });
  afterAll(async () => s?.stop());
  const base = () => `/api/admin/companies/${w.companyId}/widget`;
  const identity = (email: string, secret: string, key: string, timestamp = Date.now()) => ({
    key,
    email,
    timestamp,
    signature: signIdentity(secret, email, timestamp),
  });

  it('only an admin sees or changes it', async () => {
    expect((await w.techClient.get(base())).body.error.code).toBe('admin_only');
    expect((await w.techClient.put(base(), { enabled: true, origins: ['https://intranet.example.com'] })).body.error.code).toBe('admin_only');
    expect((await w.techClient.post(`${base()}/secret`)).body.error.code).toBe('admin_only');
    expect((await w.userClient.get(base())).status).toBe(401);
    expect((await new Client(s.url).get(base())).status).toBe(401);
    expect((await admin.get(base())).body).toEqual({ enabled: false, key: null, origins: [], hasSecret: false });
    expect((await admin.get('/api/admin/companies/999999/widget')).status).toBe(404);
  });

  it('takes only bare origins, written the way browsers send them, and at least one', async () => {
    for (const bad of [
      'intranet.example.com',
      'ftp://intranet.example.com',
      'https://intranet.example.com/portal',
      'https://u:p@x.example.com',
      'https://x.example.com/?a=1',
      '*',
    ])
      expect((await admin.put(base(), { enabled: true, origins: [bad] })).body.error, bad).toMatchObject({ code: 'validation_failed' });
    expect((await admin.put(base(), { enabled: true, origins: [] })).body.error.code).toBe('validation_failed');
    const r = await admin.put(base(), {
      enabled: true,
      origins: ['https://Intranet.Example.com/', 'https://intranet.example.com:443', 'http://localhost:8080'],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ enabled: true, origins: ['https://intranet.example.com', 'http://localhost:8080'], hasSecret: false });
    expect(r.body.key).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // Saving again keeps the key: snippets already pasted keep working.
    expect((await admin.put(base(), { enabled: true, origins: ['https://intranet.example.com'] })).body.key).toBe(r.body.key);
  });

  it('serves the frame with frame-ancestors of those origins only, and refuses unknown keys; other pages stay unframable', async () => {
    const { key } = (await admin.put(base(), { enabled: true, origins: ['https://intranet.example.com', 'https://www.example.org'] })).body;
    for (const path of [`/widget/${key}`, `/widget/${key}/`, `/widget/${key}/chats/5`]) {
      const r = await fetch(s.url + path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-security-policy')).toMatch(/(^|;)frame-ancestors https:\/\/intranet\.example\.com https:\/\/www\.example\.org(;|$)/);
      expect(r.headers.get('x-frame-options')).toBeNull();
    }
    const unknown = await fetch(`${s.url}/widget/${'x'.repeat(24)}/`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const home = await fetch(`${s.url}/`);
    expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(home.headers.get('x-frame-options')).toBe('DENY');
    const script = await fetch(`${s.url}/widget.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await script.text()).toContain('/widget/');
  });

  it('shows the signing secret once; a signed identity signs the user in; wrong, old, foreign or inactive ones are refused', async () => {
    const { key } = (await admin.put(base(), { enabled: true, origins: ['https://intranet.example.com'] })).body;
    const frame = new Client(s.url);
    // No secret yet: nothing can be signed.
    expect((await frame.post('/api/auth/portal/widget', identity(w.user.email, 'anything', key))).body.error.code).toBe('widget_signature_invalid');
    const made = await admin.post(`${base()}/secret`);
    const secret: string = made.body.secret;
    expect(secret).toMatch(/^wsec_/);
    const after = await admin.get(base());
    expect(after.body.hasSecret).toBe(true);
    expect(after.text).not.toContain(secret);
    expect(JSON.stringify((await admin.get('/api/admin/companies')).body)).not.toContain(secret);

    const ok = await frame.request('POST', '/api/auth/portal/widget', identity(w.user.email, secret, key), { headers: { 'x-helpdesk-embed': '1' } });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/hd_portal=.+SameSite=None/i);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/Partitioned/);
    expect((await frame.get('/api/portal/me')).body).toMatchObject({ id: w.user.id });

    const refused = async (body: unknown, code: string) => {
      const c = new Client(s.url);
      const r = await c.post('/api/auth/portal/widget', body);
      expect(r.body.error?.code, JSON.stringify(body)).toBe(code);
      expect(r.headers.getSetCookie()).toEqual([]);
      expect((await c.get('/api/portal/me')).status).toBe(401);
    };
    const good = identity(w.user.email, secret, key);
    await refused({ ...good, signature: good.signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) }, 'widget_signature_invalid');
    await refused({ ...good, email: 'someone.else@test.local' }, 'widget_signature_invalid');
    await refused({ ...good, key: 'y'.repeat(24) }, 'widget_signature_invalid');
    await refused(identity(w.user.email, 'wsec_not-the-secret', key), 'widget_signature_invalid');
    await refused(identity(w.user.email, secret, key, Date.now() - 6 * 60_000), 'widget_signature_expired');
    await refused(identity(w.user.email, secret, key, Date.now() + 6 * 60_000), 'widget_signature_expired');
    await refused({ ...good, signature: 'not-hex' }, 'widget_signature_invalid');
    await refused({ key, email: w.user.email }, 'validation_failed');
    // A user of another company, signed with this company's secret.
    const other = await s.f.portalUser(await s.f.company({ boardIds: [w.boardId] }));
    await refused(identity(other.email, secret, key), 'widget_signature_invalid');
    // A deactivated user.
    const gone = await s.f.portalUser(w.companyId);
    await s.ctx.db.updateTable('portal_users').set({ active: 0 }).where('id', '=', gone.id).execute();
    await refused(identity(gone.email, secret, key), 'widget_signature_invalid');
    // A new secret: the old one's signatures stop working.
    const next = (await admin.post(`${base()}/secret`)).body.secret;
    expect(next).not.toBe(secret);
    await refused(identity(w.user.email, secret, key), 'widget_signature_invalid');
    const signed = identity(w.user.email, next, key);
    expect((await new Client(s.url).post('/api/auth/portal/widget', signed)).status).toBe(200);
    // Neither secret, nor a signature sent with them, ever reached the log.
    expect(log.length).toBeGreaterThan(1000);
    for (const x of [secret, next, signed.signature, good.signature]) expect(log).not.toContain(x);
    // A request from another site's page is refused before anything is checked.
    const cross = await new Client(s.url).request('POST', '/api/auth/portal/widget', identity(w.user.email, next, key), {
      headers: { origin: 'https://evil.example.net' },
    });
    expect(cross.body.error.code).toBe('bad_origin');
  });

  it('turned off, the key, frame and secret go', async () => {
    const { key } = (await admin.put(base(), { enabled: true, origins: ['https://intranet.example.com'] })).body;
    await admin.post(`${base()}/secret`);
    expect((await admin.put(base(), { enabled: false, origins: [] })).body).toEqual({ enabled: false, key: null, origins: [], hasSecret: false });
    expect((await fetch(`${s.url}/widget/${key}/`)).status).toBe(404);
    expect((await admin.post(`${base()}/secret`)).body.error.code).toBe('invalid_transition');
  });
});
