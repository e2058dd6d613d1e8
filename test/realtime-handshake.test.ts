import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack } from './support/sockets.js';
import { nextEventFate, tryConnect } from './support/realtime.js';

describe.each(DIALECTS)('socket handshake on %s', (kind) => {
  let s: TestServer;
  let portal: Client;
  let tech: Client;
  beforeAll(async () => {
    s = await startTestServer(kind);
    const w = await s.f.world();
    portal = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    tech = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
  });
  afterAll(async () => s?.stop());

  it('accepts the audience session cookie with no Origin or the own Origin', async () => {
    expect(await tryConnect(s.url, '/portal', { cookie: portal.cookieHeader() })).toBe('connected');
    expect(await tryConnect(s.url, '/console', { cookie: tech.cookieHeader() })).toBe('connected');
    expect(await tryConnect(s.url, '/console', { cookie: tech.cookieHeader(), origin: s.url })).toBe('connected');
  });

  it('refuses no cookie, a forged cookie and the other audience cookie on every namespace', async () => {
    for (const nsp of ['/portal', '/console', '/']) {
      expect(await tryConnect(s.url, nsp, {}), nsp).toBe('unauthenticated');
      expect(await tryConnect(s.url, nsp, { cookie: 'hd_portal=forged; hd_tech=forged' }), nsp).toBe('unauthenticated');
      expect(await tryConnect(s.url, nsp, { cookie: 'hd_portal=%E0%A4%A' }), nsp).toBe('unauthenticated');
    }
    expect(await tryConnect(s.url, '/console', { cookie: portal.cookieHeader() })).toBe('unauthenticated');
    expect(await tryConnect(s.url, '/portal', { cookie: tech.cookieHeader() })).toBe('unauthenticated');
    // The root namespace serves nobody, not even a valid session.
    expect(await tryConnect(s.url, '/', { cookie: `${portal.cookieHeader()}; ${tech.cookieHeader()}` })).toBe('unauthenticated');
  });

  it('refuses a foreign Origin even with a valid session', async () => {
    for (const [nsp, c] of [
      ['/portal', portal],
      ['/console', tech],
      ['/', tech],
    ] as const) {
      const r = await tryConnect(s.url, nsp, { cookie: c.cookieHeader(), origin: 'http://evil.example' });
      expect(r, nsp).not.toBe('connected');
    }
  });

  it('a logged-out session is refused, and an open socket of it is closed at once', async () => {
    const w = await s.f.world();
    const c = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const cookie = c.cookieHeader();
    const { connect } = await import('./support/sockets.js');
    const sock = await connect(s.url, '/portal', c);
    // The actor is kept per connection: an event before the logout fills that cache.
    expect((await ack(sock, 'chat:subscribe', { chatId: 2 ** 31, afterSeq: 0 })).error.code).toBe('not_found');
    const closed = new Promise<string>((r) => sock.once('disconnect', r));
    expect((await c.post('/api/auth/portal/logout')).status).toBeLessThan(300);
    // Not served from the kept actor: refused, or already closed.
    expect(['unauthenticated', 'closed']).toContain(await nextEventFate(sock, 'chat:subscribe', { chatId: 2 ** 31, afterSeq: 0 }));
    expect(await tryConnect(s.url, '/portal', { cookie })).toBe('unauthenticated');
    expect(await closed).toBe('io server disconnect');
    sock.close();
  });
  it('sockets whose session ended elsewhere (logout in another tab) are closed without any event of theirs', async () => {
    const w = await s.f.world();
    const { connect } = await import('./support/sockets.js');
    const tabA = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const tabB = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const sockA = await connect(s.url, '/portal', tabA);
    const sockB = await connect(s.url, '/portal', tabB);
    const techSock = await connect(s.url, '/console', await loginAs(s.url, 'tech', w.tech.email, PASSWORD));
    const closed = new Promise<string>((r) => sockA.once('disconnect', r));
    expect((await tabA.post('/api/auth/portal/logout')).status).toBeLessThan(300);
    expect(await closed).toBe('io server disconnect');
    expect(sockB.connected).toBe(true);
    expect(techSock.connected).toBe(true);
    expect((await ack(sockB, 'chat:subscribe', { chatId: 2 ** 31, afterSeq: 0 })).error.code).toBe('not_found');
    sockB.close();
    techSock.close();
  });
  it('a deactivated tech and a deactivated portal user are disconnected at once', async () => {
    const w = await s.f.world();
    const { connect } = await import('./support/sockets.js');
    const admin = await s.f.tech({ role: 'admin' });
    const adminClient = await loginAs(s.url, 'tech', admin.email, PASSWORD);
    const techSock = await connect(s.url, '/console', await loginAs(s.url, 'tech', w.tech.email, PASSWORD));
    const userSock = await connect(s.url, '/portal', await loginAs(s.url, 'portal', w.user.email, PASSWORD));
    const techGone = new Promise<string>((r) => techSock.once('disconnect', r));
    const userGone = new Promise<string>((r) => userSock.once('disconnect', r));
    // Each has been served once, so its actor is kept on the connection.
    expect((await ack(techSock, 'chat:unsubscribe', { chatId: 2 ** 31 })).ok).toBe(true);
    expect((await ack(userSock, 'chat:subscribe', { chatId: 2 ** 31, afterSeq: 0 })).error.code).toBe('not_found');
    expect((await adminClient.patch(`/api/admin/techs/${w.tech.id}`, { active: false })).status).toBe(200);
    expect(['unauthenticated', 'closed']).toContain(await nextEventFate(techSock, 'chat:unsubscribe', { chatId: 2 ** 31 }));
    expect(await techGone).toBe('io server disconnect');
    expect((await adminClient.patch(`/api/admin/portal-users/${w.user.id}`, { active: false })).status).toBe(200);
    expect(['unauthenticated', 'closed']).toContain(await nextEventFate(userSock, 'chat:subscribe', { chatId: 2 ** 31, afterSeq: 0 }));
    expect(await userGone).toBe('io server disconnect');
    expect(await tryConnect(s.url, '/console', { cookie: `hd_tech=whatever` })).toBe('unauthenticated');
  });
  it('long polling (the first transport of browsers behind strict proxies) is authenticated the same way', async () => {
    const { io } = await import('socket.io-client');
    const via = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const sock = io(`${s.url}/portal`, { transports: ['polling'], extraHeaders: headers, reconnection: false, forceNew: true });
        sock.once('connect', async () => {
          const r = await sock.timeout(5000).emitWithAck('chat:subscribe', { chatId: 2 ** 31, afterSeq: 0 });
          sock.close();
          resolve(`connected:${r.error?.code}`);
        });
        sock.once('connect_error', (err) => {
          sock.close();
          resolve(err.message);
        });
      });
    expect(await via({ cookie: portal.cookieHeader() })).toBe('connected:not_found');
    expect(await via({})).toBe('unauthenticated');
    expect(await via({ cookie: portal.cookieHeader(), origin: 'http://evil.example' })).not.toMatch(/^connected/);
  });
});
