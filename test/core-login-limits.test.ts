/**
 * Failed logins are counted in the database (a restart forgets none, every node counts the same
 * ones, see cluster-delivery.test.ts) per account-and-address pair, per address and per account,
 * each with a progressive slow-down. Only the pair locks, so strangers cannot lock an owner out
 * of their own address; a shared address and a much-attacked account are slowed, never shut.
 * Time is a TestClock; addresses come through a trusted proxy's X-Forwarded-For.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDb } from './support/databases.js';
import { PASSWORD, startTestServer, type TestServer } from './support/server.js';
import { Client } from './support/http.js';
import { TestClock } from './support/clock.js';
import {
  FAILURES_KEPT_MS,
  FailureThrottle,
  LOGIN_POLICIES,
  addressKey,
  clearOldFailures,
  forgetAttempts,
  throttleWait,
} from '../src/server/services/rate-limit.js';

const WINDOW = 15 * 60 * 1000;

describe('the slow-down rule', () => {
  const p = { windowMs: 60_000, free: 3, baseDelayMs: 1000, maxDelayMs: 4000, lockAt: 6 };
  const failed = (times: number[]) => times.map((at) => ({ at, settled: true }));
  it('is free, then asks a doubling delay after the latest failure, capped, then locks until failures leave the window', () => {
    const now = 1_000_000;
    expect(throttleWait(failed([]), now, p)).toBe(0);
    expect(throttleWait(failed([now - 3, now - 2]), now, p)).toBe(0);
    expect(throttleWait(failed([now - 30, now - 20, now - 10]), now, p)).toBe(990);
    expect(throttleWait(failed([now - 40, now - 30, now - 20, now - 10]), now, p)).toBe(1990);
    expect(throttleWait(failed([now - 50, now - 40, now - 30, now - 20, now - 10]), now, { ...p, lockAt: undefined })).toBe(3990);
    expect(throttleWait(failed([now - 60, now - 50, now - 40, now - 30, now - 20, now - 10].map((t) => t - 5000)), now, { ...p, lockAt: undefined })).toBe(0);
    // At the lock: until the oldest failure leaves the window.
    expect(throttleWait(failed([now - 6000, now - 5000, now - 4000, now - 3000, now - 2000, now - 1000]), now, p)).toBe(54_000);
    // Failures out of the window count for nothing.
    expect(throttleWait(failed(Array.from({ length: 10 }, (_, i) => now - 61_000 - i)), now, p)).toBe(0);
    // Attempts still being checked delay like failures, unless the policy lets them count toward the lock only.
    const pending = [now - 30, now - 20, now - 10].map((at) => ({ at, settled: false }));
    expect(throttleWait(pending, now, p)).toBe(990);
    expect(throttleWait(pending, now, { ...p, pendingDelays: false })).toBe(0);
    expect(throttleWait([...pending, ...pending, ...pending], now, { ...p, pendingDelays: false })).toBeGreaterThan(50_000);
  });
});

describe.each(DIALECTS)('failed logins on %s', (kind) => {
  let testDb: TestDb;
  let s: TestServer;
  const clock = new TestClock();
  const env = { TRUST_PROXY: 'loopback' };
  beforeAll(async () => {
    testDb = await freshDatabase(kind);
    s = await startTestServer(kind, env, testDb, { clock });
  });
  afterAll(async () => {
    await s?.stop();
    await testDb?.drop();
  });

  const login = (email: string, password: string, from: string) =>
    new Client(s.url).request('POST', '/api/auth/tech/login', { email, password }, { headers: { 'x-forwarded-for': from } });
  /** Wrong passwords from one address, each after waiting what the server asks, until it locks. */
  async function failUntilLocked(email: string, from: string, max = 30) {
    const statuses: number[] = [];
    for (let i = 0; i < max; i++) {
      let r = await login(email, `guess-${i}`, from);
      if (r.status === 429 && r.body.error.details.retryAfterMs <= LOGIN_POLICIES.pair.maxDelayMs) {
        clock.advance(r.body.error.details.retryAfterMs);
        r = await login(email, `guess-${i}`, from);
      }
      statuses.push(r.status);
      if (r.status === 429) return { failures: statuses.filter((x) => x === 401).length, locked: r };
    }
    throw new Error(`not locked after ${max} guesses: ${statuses}`);
  }

  it('failures from one address slow that address down, then lock it out of that account only; the lock outlives a restart', async () => {
    const victim = await s.f.tech();
    const bystander = await s.f.tech();
    const from = '203.0.113.10';
    for (let i = 0; i < 5; i++) expect((await login(victim.email, `free-${i}`, from)).status).toBe(401);
    // The sixth at once must wait 1 s, the seventh 2 s, ...
    const slowed = await login(victim.email, 'too-soon', from);
    expect(slowed.status).toBe(429);
    expect(slowed.body.error).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 1000 } });
    expect(slowed.headers.get('retry-after')).toBe('1');
    clock.advance(1000);
    expect((await login(victim.email, 'after-1s', from)).status).toBe(401);
    expect((await login(victim.email, 'too-soon', from)).body.error.details.retryAfterMs).toBe(2000);
    const { failures, locked } = await failUntilLocked(victim.email, from);
    expect(6 + failures).toBe(10);
    expect(locked.body.error.details.retryAfterMs).toBeGreaterThan(14 * 60 * 1000);

    await s.stop();
    s = await startTestServer(kind, env, testDb, { clock });
    const after = await login(victim.email, PASSWORD, from);
    expect(after.status).toBe(429);
    expect(after.body.error.details.retryAfterMs).toBeLessThanOrEqual(WINDOW);
    // The same address is not locked for another account, nor is the account for another address.
    expect((await login(bystander.email, PASSWORD, from)).status).toBe(200);
    expect((await login(victim.email, PASSWORD, '198.51.100.20')).status).toBe(200);
    // Once the window has passed, the right password works from there again.
    clock.advance(WINDOW);
    expect((await login(victim.email, PASSWORD, from)).status).toBe(200);
  });

  it('an attacker cannot lock the owner out: failures from other addresses leave the owner signing in from their own at once', async () => {
    const victim = await s.f.tech();
    const owner = '198.51.100.30';
    // Attackers on several addresses each run into their own lock...
    for (const attacker of ['203.0.113.31', '203.0.113.32', '203.0.113.33']) {
      const { locked } = await failUntilLocked(victim.email, attacker);
      expect(locked.status).toBe(429);
    }
    // ...and the owner, from their own address, right now:
    const r = await login(victim.email, PASSWORD, owner);
    expect(r.status, r.text).toBe(200);
  });

  it('a shared address is slowed, never locked: someone behind it still signs in after the delay it is told', async () => {
    const office = '192.0.2.40';
    const accounts = await Promise.all(Array.from({ length: 45 }, () => s.f.tech()));
    const waits: number[] = [];
    // A hundred failures over many accounts from one address, each after the wait asked for.
    for (let i = 0; i < 100; i++) {
      const email = accounts[i % accounts.length].email;
      let r = await login(email, `spray-${i}`, office);
      if (r.status === 429) {
        waits.push(r.body.error.details.retryAfterMs);
        clock.advance(r.body.error.details.retryAfterMs);
        r = await login(email, `spray-${i}`, office);
      }
      expect(r.status).toBe(401);
    }
    // Free for twenty, then growing, capped at 30 s.
    expect(waits[0]).toBe(1000);
    expect(Math.max(...waits)).toBe(LOGIN_POLICIES.ip.maxDelayMs);
    const colleague = accounts[44];
    const first = await login(colleague.email, PASSWORD, office);
    expect(first.status).toBe(429);
    expect(first.body.error.details.retryAfterMs).toBeLessThanOrEqual(30_000);
    clock.advance(first.body.error.details.retryAfterMs);
    expect((await login(colleague.email, PASSWORD, office)).status).toBe(200);
  });

  it('fifty people behind one address signing in at the same moment all get in', async () => {
    const office = '192.0.2.70';
    const people = await Promise.all(Array.from({ length: 50 }, () => s.f.tech()));
    const answers = await Promise.all(people.map((p) => login(p.email, PASSWORD, office)));
    expect(answers.map((a) => a.status)).toEqual(people.map(() => 200));
  });

  it('the per-account ceiling over all addresses only slows', async () => {
    const victim = await s.f.tech();
    // Fifty failures from fifty addresses are free; then the account asks for a short delay.
    for (let i = 0; i < 50; i++) expect((await login(victim.email, `botnet-${i}`, `203.0.114.${i + 1}`)).status).toBe(401);
    const slowed = await login(victim.email, 'botnet-51', '203.0.114.200');
    expect(slowed.status).toBe(429);
    expect(slowed.body.error.details.retryAfterMs).toBe(1000);
    // However many more, the delay stays within the cap and the owner gets in after it.
    for (let i = 0; i < 10; i++) {
      const r = await login(victim.email, `botnet-more-${i}`, `203.0.115.${i + 1}`);
      if (r.status === 429) clock.advance(r.body.error.details.retryAfterMs);
      else expect(r.status).toBe(401);
    }
    const owner = await login(victim.email, PASSWORD, '198.51.100.50');
    if (owner.status === 429) {
      expect(owner.body.error.details.retryAfterMs).toBeLessThanOrEqual(LOGIN_POLICIES.acct.maxDelayMs);
      clock.advance(owner.body.error.details.retryAfterMs);
      expect((await login(victim.email, PASSWORD, '198.51.100.50')).status).toBe(200);
    } else expect(owner.status).toBe(200);
  });

  it('parallel guesses get no more tries than sequential ones, and a success is not a failure', async () => {
    const from = '203.0.113.60';
    const victim = await s.f.tech();
    // Four failures, then the right password: the success is taken back, so one more guess is
    // still free, and only the next one is slowed.
    for (let i = 0; i < 4; i++) expect((await login(victim.email, `guess-${i}`, from)).status).toBe(401);
    expect((await login(victim.email, PASSWORD, from)).status).toBe(200);
    expect((await login(victim.email, 'guess-4', from)).status).toBe(401);
    expect((await login(victim.email, 'guess-5', from)).status).toBe(429);

    // Twenty guesses at once on a fresh account: at most the five free ones are tried, the rest
    // refused; a refused guess is not a failure, so the account then takes exactly its remaining tries.
    const other = await s.f.tech();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => login(other.email, `burst-${i}`, from)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((x) => x === 401 || x === 429)).toBe(true);
    // Guesses that see more than four others in flight are refused; when all arrive together
    // (PostgreSQL commits them side by side) none may be tried at all.
    const tried = statuses.filter((x) => x === 401).length;
    expect(tried).toBeLessThanOrEqual(5);
    let more = 0;
    while (more < 20 && (await login(other.email, `after-${more}`, from)).status === 401) more++;
    expect(tried + more).toBe(5);
  });

  it('failures leave the window and the table: old ones neither count nor stay', async () => {
    const db = s.ctx.db;
    const t = new FailureThrottle({ k: { windowMs: 60_000, free: 3, baseDelayMs: 1000, maxDelayMs: 1000, lockAt: 3 } });
    const now = Date.now();
    const rows = async (key: string) =>
      Number(
        (
          await db
            .selectFrom('login_failures')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('key', '=', key)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const failAt = async (key: string, at: number) => {
      await t.begin(db, [key], at);
      await clearOldFailures(db, at);
    };

    // Three failures well over a minute ago are out of the window: an attempt now is let through.
    for (const ago of [100_000, 110_000, 120_000]) await failAt('k:old', now - ago);
    const tried = await t.begin(db, ['k:old'], now);
    expect(tried).toHaveLength(1);
    await forgetAttempts(db, tried);
    expect(await rows('k:old')).toBe(3);

    // Three within the window lock it, until the oldest of them leaves the window.
    await failAt('k:old', now - 30_000);
    await failAt('k:old', now - 20_000);
    await failAt('k:old', now - 10_000);
    const refused = await t.begin(db, ['k:old'], now).catch((e: { code: string; details: { retryAfterMs: number } }) => e);
    expect(refused).toMatchObject({ code: 'rate_limited', details: { retryAfterMs: 30_000 } });
    // A refused attempt is not kept.
    expect(await rows('k:old')).toBe(6);
    // Several keys: refused when any of them must wait, and then none of them is counted.
    await expect(t.begin(db, ['k:other', 'k:old'], now)).rejects.toMatchObject({ code: 'rate_limited' });
    expect(await rows('k:other')).toBe(0);

    // Rows older than every window are cleared by the next failure, whatever their key.
    await failAt('k:forgotten', now - FAILURES_KEPT_MS - 1000);
    expect(await rows('k:forgotten')).toBe(1);
    await failAt('k:fresh', now);
    expect(await rows('k:forgotten')).toBe(0);
    expect(await rows('k:old')).toBe(6);
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
