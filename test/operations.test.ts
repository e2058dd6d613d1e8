/**
 * What an operator relies on: Prometheus metrics (behind a token or on their own listener) with
 * the series the SPEC lists, moving with real traffic; one JSON log line per request without
 * secrets; security headers with a strict Content-Security-Policy, and HSTS only over https.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDb } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { connect, ack, waitFor } from './support/sockets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = 'metrics-token-for-the-test-0123456789';

/** The value of one series (name and labels exactly as exposed), or undefined when absent. */
function series(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.each(DIALECTS)('metrics on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { METRICS_TOKEN: TOKEN });
  });
  afterAll(async () => s?.stop());
  const scrape = async (auth?: string) => fetch(`${s.url}/metrics`, { headers: auth ? { authorization: auth } : {} });

  it('are refused without the token or with a wrong one', async () => {
    for (const auth of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
      const r = await scrape(auth);
      expect(r.status, String(auth)).toBe(401);
      expect((await r.json()).error.code).toBe('unauthenticated');
    }
  });

  it('list every series and follow real traffic: connections, messages, alerts, HTTP, timers, event loop', async () => {
    const w = await s.f.world();
    const user = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const tech = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    const ts = await connect(s.url, '/console', tech);
    const us = await connect(s.url, '/portal', user);
    const before = await (await scrape(`Bearer ${TOKEN}`)).text();
    expect(series(before, 'helpdesk_connections', 'side="portal"')).toBe(1);
    expect(series(before, 'helpdesk_connections', 'side="console"')).toBe(1);

    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'VPN', message: 'It is broken' });
    const chatId = r.body.chat.id;
    await waitFor(ts, 'alert', (p) => p.chat.id === chatId);
    expect((await tech.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    await ack(us, 'chat:subscribe', { chatId, afterSeq: 0 });
    expect((await ack(ts, 'message:send', { chatId, body: 'hi', clientId: 'm1' })).ok).toBe(true);
    await waitFor(us, 'message', (p) => p.body === 'hi');

    const res = await scrape(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const after = await res.text();
    // The request's first message, the "joined" line and "hi": three stored messages.
    expect(series(after, 'helpdesk_messages_persisted_total')! - (series(before, 'helpdesk_messages_persisted_total') ?? 0)).toBe(3);
    expect(series(after, 'helpdesk_message_delivery_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(series(after, 'helpdesk_alert_delivery_seconds_count', 'stage="all"')).toBeGreaterThanOrEqual(1);
    expect(series(after, 'helpdesk_http_request_duration_seconds_count', 'method="POST",route="/api/portal/chats",status="201"')).toBe(1);
    // Routes are patterns: no chat id in a label.
    expect(after).toContain('route="/api/console/chats/:id/join"');
    expect(after).not.toMatch(new RegExp(`route="[^"]*/${chatId}[/"]`));
    for (const name of ['helpdesk_timers_due_total', 'helpdesk_timers_fired_total', 'nodejs_eventloop_lag_p99_seconds', 'process_resident_memory_bytes']) {
      expect(after, name).toContain(`# TYPE ${name}`);
    }
    if (kind === 'postgres') expect(series(after, 'helpdesk_db_pool_connections', 'state="total"')).toBeGreaterThanOrEqual(1);
    else expect(after).not.toMatch(/^helpdesk_db_pool_connections\{/m);
    // No Redis configured: no link state to report.
    expect(after).not.toMatch(/^helpdesk_redis_up /m);
    ts.close();
    us.close();
  });
});

describe('metrics listener and defaults', () => {
  it('without a token /metrics does not exist on the main port; METRICS_PORT serves it on its own listener', async () => {
    const s = await startTestServer('sqlite', { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    try {
      expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
      expect(s.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(s.metricsUrl).not.toContain(`:${s.port}/`);
      const r = await fetch(s.metricsUrl!);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('# TYPE helpdesk_connections gauge');
      expect((await fetch(s.metricsUrl!.replace('/metrics', '/api/health'))).status).toBe(404);
    } finally {
      await s.stop();
    }
  });

  it('a token shorter than 16 characters is refused at start', async () => {
    await expect(startTestServer('sqlite', { METRICS_TOKEN: 'short' })).rejects.toThrow(/METRICS_TOKEN/);
  });
});

describe('security headers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { TRUST_PROXY: 'true' });
  });
  afterAll(async () => s?.stop());

  it('pages and API carry a strict Content-Security-Policy and the usual headers; no HSTS over http', async () => {
    for (const p of ['/', '/console', '/api/health']) {
      const r = await fetch(s.url + p);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp, p).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('same-origin');
      expect(r.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends HSTS when the (trusted) proxy says the request came over https', async () => {
    const r = await fetch(`${s.url}/api/health`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(r.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
  });
});

describe('request log', () => {
  let db: TestDb;
  let proc: ChildProcess | null = null;
  afterAll(async () => {
    proc?.kill('SIGKILL');
    await db?.drop();
  });

  it('writes one JSON line per request at info, with route, status and time, and no secret', async () => {
    db = await freshDatabase('sqlite');
    const env: NodeJS.ProcessEnv = { ...process.env, ...db.env, PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'true', LOG_LEVEL: 'info', NODE_ID: 'log-test-node' };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const secretWord = 'zebra-secret-search-word';
    const password = 'demo-pass-2026';
    const agent = await loginAs(url, 'tech', 'admin@helpdesk.test', password);
    const cookie = agent.cookieHeader().split('=')[1];
    expect((await agent.get(`/api/console/search?q=${secretWord}`)).status).toBe(200);
    expect((await fetch(`${url}/api/nothing-here`)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 300));

    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const requests = lines.filter((l) => l.msg === 'request');
    const search = requests.filter((l) => l.route === '/api/console/search');
    expect(search).toHaveLength(1);
    expect(search[0]).toMatchObject({ level: 30, method: 'GET', path: '/api/console/search', status: 200, node: 'log-test-node' });
    expect(typeof search[0].ms).toBe('number');
    expect(requests.filter((l) => l.path === '/api/auth/tech/login')).toMatchObject([{ route: '/api/auth/:audience/login', status: 200 }]);
    expect(requests.find((l) => l.path === '/api/nothing-here')).toMatchObject({ route: 'unmatched', status: 404 });
    // Fastify's own "incoming request" / "request completed" lines are off: one line per request.
    expect(lines.filter((l) => /incoming request|request completed/.test(l.msg))).toHaveLength(0);
    expect(out).not.toMatch(/Deprecation/);
    // (The start banner prints the demo password on purpose; the log lines never hold a secret.)
    const logText = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .join('\n');
    for (const secret of [secretWord, password, cookie]) expect(logText).not.toContain(secret);
  }, 60_000);
});
