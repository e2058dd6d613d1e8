/**
 * Failed logins are counted in the database: a restart forgets none of them, every node of a
 * cluster counts the same ones (cluster-delivery.test.ts), and old ones are cleared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDb } from './support/databases.js';
import { PASSWORD, startTestServer, type TestServer } from './support/server.js';
import { Client } from './support/http.js';
import { FAILURES_KEPT_MS, FailureWindow, addressKey, clearOldFailures, forgetAttempts } from '../src/server/services/rate-limit.js';

const login = (s: TestServer, email: string, password: string) => new Client(s.url).post('/api/auth/tech/login', { email, password });

describe.each(DIALECTS)('failed logins on %s', (kind) => {
  let testDb: TestDb;
  let s: TestServer;
  beforeAll(async () => {
    testDb = await freshDatabase(kind);
    s = await startTestServer(kind, {}, testDb);
  });
  afterAll(async () => {
    await s?.stop();
    await testDb?.drop();
  });

  it('a lockout outlives a restart of the server, and stays with its own account', async () => {
    const victim = await s.f.tech();
    const bystander = await s.f.tech();
    for (let i = 0; i < 10; i++) expect((await login(s, victim.email, `guess-${i}`)).status).toBe(401);
    expect((await login(s, victim.email, 'guess-10')).status).toBe(429);

    await s.stop();
    s = await startTestServer(kind, {}, testDb);
    const after = await login(s, victim.email, PASSWORD);
    expect(after.status).toBe(429);
    expect(after.body.error.code).toBe('rate_limited');
    const retryAfterMs = after.body.error.details.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(14 * 60 * 1000);
    expect(retryAfterMs).toBeLessThanOrEqual(15 * 60 * 1000);
    // Another account from the same address is not locked by it.
    expect((await login(s, bystander.email, PASSWORD)).status).toBe(200);
  });

  it('parallel guesses get no more tries than sequential ones, and a success is not a failure', async () => {
    const victim = await s.f.tech();
    // Nine failures, then the right password: the success is taken back, so one more guess is
    // still answered as a wrong password, and only then is the account locked.
    for (let i = 0; i < 9; i++) expect((await login(s, victim.email, `guess-${i}`)).status).toBe(401);
    expect((await login(s, victim.email, PASSWORD)).status).toBe(200);
    expect((await login(s, victim.email, 'guess-9')).status).toBe(401);
    expect((await login(s, victim.email, 'guess-10')).status).toBe(429);

    // Twenty guesses at once on a fresh account: at most ten are tried, the rest refused; a
    // refused guess is not a failure, so the account then takes exactly its remaining tries.
    const other = await s.f.tech();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => login(s, other.email, `burst-${i}`)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((x) => x === 401 || x === 429)).toBe(true);
    const tried = statuses.filter((x) => x === 401).length;
    expect(tried).toBeGreaterThan(0);
    expect(tried).toBeLessThanOrEqual(10);
    let more = 0;
    while (more < 20 && (await login(s, other.email, `after-${more}`)).status === 401) more++;
    expect(tried + more).toBe(10);
    expect((await login(s, other.email, PASSWORD)).status).toBe(429);
  });

  it('failures leave the window and the table: old ones neither count nor stay', async () => {
    const db = s.ctx.db;
    const w = new FailureWindow(60_000, 3);
    const now = Date.now();
    const rows = async (key: string) => Number((await db.selectFrom('login_failures').select((eb) => eb.fn.countAll().as('n')).where('key', '=', key).executeTakeFirstOrThrow()).n);
    const failAt = async (key: string, at: number) => {
      await w.begin(db, [key], at);
      await clearOldFailures(db, at);
    };

    // Three failures well over a minute ago are out of the window: an attempt now is let through.
    for (const ago of [100_000, 110_000, 120_000]) await failAt('old-key', now - ago);
    const tried = await w.begin(db, ['old-key'], now);
    expect(tried).toHaveLength(1);
    await forgetAttempts(db, tried);
    expect(await rows('old-key')).toBe(3);

    // Three within the window lock it, until the oldest of them leaves the window.
    await failAt('old-key', now - 30_000);
    await failAt('old-key', now - 20_000);
    await failAt('old-key', now - 10_000);
    const refused = await w.begin(db, ['old-key'], now).catch((e: { code: string; details: { retryAfterMs: number } }) => e);
    expect(refused).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 30_000 } });
    // A refused attempt is not kept.
    expect(await rows('old-key')).toBe(6);
    // Several keys: refused when any of them is locked, and then none of them is counted.
    await expect(w.begin(db, ['other-key', 'old-key'], now)).rejects.toMatchObject({ code: 'rate_limited' });
    expect(await rows('other-key')).toBe(0);

    // Rows older than every window are cleared by the next failure, whatever their key.
    await failAt('forgotten-key', now - FAILURES_KEPT_MS - 1000);
    expect(await rows('forgotten-key')).toBe(1);
    await failAt('fresh-key', now);
    expect(await rows('forgotten-key')).toBe(0);
    expect(await rows('old-key')).toBe(6);
  });
});

describe('the key of a client address', () => {
  it('is one per IPv4 address however it arrived, and one per IPv6 /64', () => {
    expect(addressKey('203.0.113.7')).toBe('ip:203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
    expect(addressKey('::FFFF:203.0.113.7')).toBe('ip:203.0.113.7');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe(addressKey('2001:0db8:0001:0002::9'));
    expect(addressKey('2001:db8:1:2::9')).toBe('ip:2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::9')).not.toBe(addressKey('2001:db8:1:2::9'));
    expect(addressKey('::1')).toBe('ip:0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('ip:fe80:0:0:0::/64');
  });
});
