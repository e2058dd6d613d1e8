/**
 * Identity providers for the single sign-on tests, on free ports of this machine:
 * - `startProvider`: a real OpenID Connect provider (oidc-provider) with its development sign-in
 *   pages, serving the test accounts given (their email and whether it is verified);
 * - `startForger`: a small issuer of our own (discovery, JWKS, authorize, token) that hands the
 *   client exactly the ID token a test asks for: signed with a key it does not publish, for another
 *   client, expired. A real provider never produces those.
 * Plus `Browser`: fetch with a cookie jar per host that follows redirects one at a time.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import * as jose from 'jose';

export type Account = { email: string; verified: boolean; name?: string };

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string; setHandler: (h: http.RequestListener) => void }> {
  let current = handler;
  const server = http.createServer((req, res) => current(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, setHandler: (h) => (current = h) };
}

const close = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export type TestProvider = { issuer: string; clientId: string; clientSecret: string; accounts: Map<string, Account>; stop: () => Promise<void> };

/** A real provider; `redirectUris` are the app's callbacks. Sign in at it with the account's key as the login (any password). */
export async function startProvider(redirectUris: string[], clients: { clientId: string; clientSecret: string }[] = []): Promise<TestProvider> {
  const { server, url, setHandler } = await listen((_req, res) => res.end());
  const accounts = new Map<string, Account>();
  const clientId = 'helpdesk';
  const clientSecret = 'provider-secret-for-tests-0123456789';
  const provider = new Provider(url, {
    clients: [{ clientId, clientSecret }, ...clients].map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
    findAccount: async (_ctx: unknown, id: string) => {
      const a = accounts.get(id);
      if (!a) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email: a.email, email_verified: a.verified, name: a.name ?? id }) };
    },
  });
  setHandler(provider.callback() as http.RequestListener);
  return { issuer: url, clientId, clientSecret, accounts, stop: () => close(server) };
}

export type Forged = { iss?: string; aud?: string; expired?: boolean; foreignKey?: boolean; email?: string; emailVerified?: unknown; nonce?: string };

export type Forger = { issuer: string; clientId: string; clientSecret: string; next: Forged; stop: () => Promise<void> };

/** An issuer whose next ID token is what `forger.next` says (by default a valid one for `clientId`). */
export async function startForger(): Promise<Forger> {
  const key = await jose.generateKeyPair('RS256');
  const foreign = await jose.generateKeyPair('RS256');
  const jwk = { ...(await jose.exportJWK(key.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, string>(); // code -> nonce
  const { server, url, setHandler } = await listen((_req, res) => res.end());
  const forger: Forger = { issuer: url, clientId: 'helpdesk-forged', clientSecret: 'forger-secret-0123456789', next: {}, stop: () => close(server) };
  const json = (res: http.ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  setHandler(async (req, res) => {
    const u = new URL(req.url ?? '/', url);
    if (u.pathname === '/.well-known/openid-configuration') {
      return json(res, {
        issuer: url,
        authorization_endpoint: `${url}/authorize`,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (u.pathname === '/jwks') return json(res, { keys: [jwk] });
    if (u.pathname === '/authorize') {
      const code = `code-${Math.random().toString(36).slice(2)}`;
      codes.set(code, u.searchParams.get('nonce') ?? '');
      const back = new URL(u.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', u.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (u.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const code = new URLSearchParams(body).get('code') ?? '';
      const nonce = codes.get(code);
      codes.delete(code);
      if (nonce === undefined) {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: 'invalid_grant' }));
      }
      const f = forger.next;
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new jose.SignJWT({
        email: f.email ?? 'forged@acme.test',
        email_verified: 'emailVerified' in f ? f.emailVerified : true,
        nonce: f.nonce ?? nonce,
        name: 'Forged Person',
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
        .setIssuer(f.iss ?? url)
        .setSubject('forged-1')
        .setAudience(f.aud ?? forger.clientId)
        .setIssuedAt(f.expired ? now - 7200 : now)
        .setExpirationTime(f.expired ? now - 3600 : now + 300)
        .sign(f.foreignKey ? foreign.privateKey : key.privateKey);
      return json(res, { access_token: 'forged-access-token', token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    res.writeHead(404);
    res.end();
  });
  return forger;
}

/** fetch with cookies kept per host (any path), redirects not followed. */
export class Browser {
  private jar = new Map<string, Map<string, string>>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const cookies = this.jar.get(u.host) ?? new Map<string, string>();
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.jar.set(u.host, cookies);
    return res;
  }

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  /**
   * From the app's start URL through the issuer (signing in as `login` on a provider's development
   * pages and consenting) to the app's callback URL, which is returned, not visited.
   */
  async toCallback(startUrl: string, login = ''): Promise<URL> {
    let res = await this.fetch(startUrl);
    if (res.status !== 302) throw new Error(`start answered ${res.status}: ${await res.text()}`);
    let at = new URL(res.headers.get('location') ?? '', startUrl);
    for (let step = 0; step < 20; step++) {
      if (at.pathname.endsWith('/oidc/callback') || at.searchParams.has('sign_in_error')) return at;
      res = await this.fetch(at.href);
      if (res.status >= 300 && res.status < 400) {
        at = new URL(res.headers.get('location') ?? '', at);
        continue;
      }
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
      if (!action || !prompt) throw new Error(`unexpected page at ${at.href} (${res.status}): ${html.slice(0, 300)}`);
      res = await this.fetch(new URL(action.replace(/&amp;/g, '&'), at).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ prompt, login, password: 'any' }).toString(),
      });
      at = new URL(res.headers.get('location') ?? '', at);
    }
    throw new Error('too many redirects');
  }
}
