/**
 * The Origin check compares the scheme too: a page served over http is not the origin of an
 * https request to the same host and port, and the reverse. Behind a trusted proxy the scheme is
 * the proxy's `X-Forwarded-Proto`; from anyone else that header is ignored.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originAllowed } from '../src/server/http/origin.js';
import { compileTrust, requestScheme } from '../src/server/http/proxy-trust.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { tryConnect } from './support/realtime.js';

const fakeReq = (headers: Record<string, string>, remoteAddress: string, encrypted = false) =>
  ({ headers, socket: { remoteAddress, encrypted } }) as unknown as IncomingMessage;

describe('the origin rule', () => {
  it('needs the same scheme, host and port', () => {
    expect(originAllowed('http://chat.example', 'chat.example', 'http', [])).toBe(true);
    expect(originAllowed('https://chat.example', 'chat.example', 'http', [])).toBe(false);
    expect(originAllowed('http://chat.example', 'chat.example', 'https', [])).toBe(false);
    expect(originAllowed('https://chat.example', 'chat.example', 'https', [])).toBe(true);
    // A default port written out is the same origin; another port is not.
    expect(originAllowed('https://chat.example', 'chat.example:443', 'https', [])).toBe(true);
    expect(originAllowed('https://chat.example:8443', 'chat.example', 'https', [])).toBe(false);
    expect(originAllowed('http://other.example', 'chat.example', 'http', [])).toBe(false);
    expect(originAllowed('https://widget.example', 'chat.example', 'http', ['https://widget.example'])).toBe(true);
    expect(originAllowed(undefined, 'chat.example', 'http', [])).toBe(true);
    expect(originAllowed('null', 'chat.example', 'http', [])).toBe(false);
  });

  it('takes X-Forwarded-Proto only from a trusted proxy, as Fastify does', () => {
    const viaProxy = fakeReq({ 'x-forwarded-proto': 'https' }, '10.0.0.5');
    expect(requestScheme(viaProxy, false)).toBe('http');
    expect(requestScheme(viaProxy, true)).toBe('https');
    expect(requestScheme(viaProxy, '10.0.0.0/8')).toBe('https');
    expect(requestScheme(viaProxy, '10.0.0.0/255.0.0.0')).toBe('https');
    expect(requestScheme(viaProxy, 'uniquelocal')).toBe('https');
    expect(requestScheme(viaProxy, '192.168.1.1, loopback')).toBe('http');
    expect(requestScheme(fakeReq({ 'x-forwarded-proto': 'https' }, '::ffff:10.0.0.5'), '10.0.0.5')).toBe('https');
    // Several proxies: the last one's word counts.
    expect(requestScheme(fakeReq({ 'x-forwarded-proto': 'http, https' }, '10.0.0.5'), true)).toBe('https');
    expect(requestScheme(fakeReq({ 'x-forwarded-proto': 'https, http' }, '10.0.0.5'), true)).toBe('http');
    expect(requestScheme(fakeReq({}, '10.0.0.5', true), false)).toBe('https');
    expect(() => compileTrust('not-an-address')).toThrow(/TRUST_PROXY/);
  });
});

describe.each([
  ['no proxy trusted', {}, 'http'],
  ['a trusted proxy saying https', { TRUST_PROXY: 'loopback' }, 'https'],
] as const)('the Origin of requests with %s', (_name, env, scheme) => {
  let s: TestServer;
  let portal: Client;
  const forwarded = { 'x-forwarded-proto': 'https' };
  beforeAll(async () => {
    s = await startTestServer('sqlite', env);
    const w = await s.f.world();
    portal = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
  });
  afterAll(async () => s?.stop());
  const hostPort = () => new URL(s.url).host;
  const own = () => `${scheme}://${hostPort()}`;
  const other = () => `${scheme === 'http' ? 'https' : 'http'}://${hostPort()}`;

  const logout = (origin: string) => fetch(`${s.url}/api/auth/portal/logout`, { method: 'POST', headers: { origin, ...forwarded } });

  it('HTTP: the own scheme passes, the other scheme of the same host and port is refused', async () => {
    const refused = await logout(other());
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('bad_origin');
    expect((await logout(own())).status).toBeLessThan(300);
  });

  it('socket handshake: the own scheme connects, the other scheme is refused', async () => {
    const cookie = portal.cookieHeader();
    expect(await tryConnect(s.url, '/portal', { cookie, origin: other(), ...forwarded })).not.toBe('connected');
    expect(await tryConnect(s.url, '/portal', { cookie, origin: own(), ...forwarded })).toBe('connected');
  });
});
