/**
 * Failed logins are counted in the database: a restart forgets none of them, every node of a
 * cluster counts the same ones (cluster-delivery.test.ts), and old ones are cleared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDb } from './support/databases.js';
import { PASSWORD, startTestServer, type TestServer } from './support/server.js';
import { Client } from './support/http.js';
import { FAILURES_KEPT_MS, FailureWindow } from '../src/server/services/rate-limit.js';

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

  it('failures leave the window and the table: old ones neither count nor stay', async () => {
    const db = s.ctx.db;
    const w = new FailureWindow(60_000, 3);
    const now = Date.now();
    const rows = async (key: string) => Number((await db.selectFrom('login_failures').select((eb) => eb.fn.countAll().as('n')).where('key', '=', key).executeTakeFirstOrThrow()).n);

    // Three failures a minute and more ago: out of the window, so the key is not locked.
    for (const ago of [61_000, 70_000, 90_000]) await w.record(db, ['old-key'], now - ago);
    await expect(w.check(db, ['old-key'], now)).resolves.toBeUndefined();
    // A stale key nobody tries again is cleared once it is older than every window.
    await w.record(db, ['forgotten-key'], now - FAILURES_KEPT_MS - 1000);
    expect(await rows('forgotten-key')).toBe(1);

    // Three within the window lock it, with the time until the oldest leaves the window.
    await w.record(db, ['old-key'], now - 30_000);
    await w.record(db, ['old-key'], now - 20_000);
    await w.record(db, ['old-key'], now);
    const refused = await w.check(db, ['old-key'], now).catch((e) => e);
    expect(refused.code).toBe('rate_limited');
    expect(refused.details.retryAfterMs).toBe(30_000);
    // Recording deleted this key's rows that left the window, and the stale key's row.
    expect(await rows('old-key')).toBe(3);
    expect(await rows('forgotten-key')).toBe(0);
    // Checking several keys refuses when any of them is locked, and only then.
    await expect(w.check(db, ['other-key', 'old-key'], now)).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(w.check(db, ['other-key'], now)).resolves.toBeUndefined();
  });
});
