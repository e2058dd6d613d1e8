/**
 * Setup mode: a database with no account serves nothing but the creation of the first admin, which
 * needs a setup token a node printed; exactly one admin is created however many try at once, on
 * one node or several; a wrong token is refused, and refused faster than anyone could guess.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase } from './support/databases.js';
import { openDatabase } from '../src/server/db/database.js';
import { migrate } from '../src/server/db/migrations.js';
import { claimSetup } from '../src/server/db/repositories/setup.js';
import { Client, loginAs } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

const ADMIN = { name: 'Ada First', email: 'Ada@Example.test', password: 'first-admin-pass' };

for (const kind of DIALECTS) {
  describe(`setup mode on ${kind}`, () => {
    let s: TestServer;
    let other: TestServer | undefined;
    beforeAll(async () => {
      s = await startTestServer(kind);
      // A second node on the same database (PostgreSQL only: one server holds a SQLite directory).
      if (kind === 'postgres') other = await startTestServer(kind, {}, s.testDb);
    });
    afterAll(async () => {
      await other?.close();
      await s?.stop();
    });

    it('answers setup_required to the portal, the console, the admin and logins; health and readiness answer', async () => {
      expect(s.setupToken).toMatch(/^[\w-]{32}$/);
      expect(s.seeded).toBe(false);
      const c = new Client(s.url);
      for (const [method, path] of [
        ['GET', '/api/console/me'],
        ['GET', '/api/portal/chats'],
        ['GET', '/api/admin/techs'],
        ['POST', '/api/auth/tech/login'],
        ['POST', '/api/auth/portal/login'],
      ] as const) {
        const r = await c.request(method, path, method === 'POST' ? { email: 'a@b.co', password: 'whatever-1' } : undefined);
        expect(r.status, path).toBe(409);
        expect(r.body.error.code, path).toBe('setup_required');
        expect(r.body.error.message).toContain('create the first admin');
      }
      expect((await c.get('/api/health')).status).toBe(200);
      expect((await c.get('/api/ready')).status).toBe(200);
    });

    it('refuses a wrong token and bad input with clear errors, creating nothing', async () => {
      const c = new Client(s.url);
      const wrong = await c.post('/api/setup/admin', { ...ADMIN, token: 'not-the-token' });
      expect(wrong.status).toBe(403);
      expect(wrong.body.error.code).toBe('setup_token_invalid');
      expect(wrong.body.error.message).toContain('printed in its log');
      const short = await c.post('/api/setup/admin', { ...ADMIN, password: 'short', token: s.setupToken });
      expect(short.status).toBe(400);
      expect(short.body.error.code).toBe('validation_failed');
      const noEmail = await c.post('/api/setup/admin', { ...ADMIN, email: 'nope', token: s.setupToken });
      expect(noEmail.status).toBe(400);
      expect(await s.ctx.db.selectFrom('techs').select('id').execute()).toEqual([]);
    });

    it('of many concurrent submissions, on every node, with every printed token, exactly one creates the admin', async () => {
      const nodes = [s, ...(other ? [other] : [])];
      expect(new Set(nodes.map((n) => n.setupToken)).size).toBe(nodes.length);
      const attempts = Array.from({ length: 8 }, (_, i) => {
        const node = nodes[i % nodes.length];
        return new Client(node.url).post('/api/setup/admin', { ...ADMIN, name: `Admin ${i}`, email: `admin${i}@example.test`, token: node.setupToken });
      });
      const results = await Promise.all(attempts);
      const created = results.filter((r) => r.status === 201);
      expect(created).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 201)) {
        expect(r.status, r.text).toBe(409);
        expect(r.body.error.code).toBe('setup_done');
      }
      const techs = await s.ctx.db.selectFrom('techs').select(['email', 'role', 'active']).execute();
      expect(techs).toEqual([{ email: created[0].body.email, role: 'admin', active: 1 }]);
      const state = await s.ctx.db.selectFrom('setup_state').selectAll().executeTakeFirstOrThrow();
      expect(state.completed_by).toBe('setup_page');
      expect(await s.ctx.db.selectFrom('setup_tokens').select('token_hash').execute()).toEqual([]);

      // Setup mode is over on every node: the new admin logs in and works; the tokens are useless.
      for (const node of nodes) {
        const admin = await loginAs(node.url, 'tech', created[0].body.email, ADMIN.password);
        expect((await admin.get('/api/console/me')).body.role).toBe('admin');
        const late = await new Client(node.url).post('/api/setup/admin', { ...ADMIN, token: node.setupToken });
        expect(late.body.error.code).toBe('setup_done');
      }
    }, 60000);
  });
}

for (const kind of DIALECTS) {
  it(`on ${kind}, the setup row is claimed once: a second claimer waits for the first transaction and loses`, async () => {
    const fresh = await freshDatabase(kind);
    const handle = openDatabase({ databaseUrl: fresh.env.DATABASE_URL, dataDir: fresh.env.DATA_DIR });
    try {
      await migrate(handle.db, handle.dialect);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let firstClaimed!: () => void;
      const claimedInFirst = new Promise<void>((r) => (firstClaimed = r));
      const first = handle.db.transaction().execute(async (trx) => {
        const won = await claimSetup(trx, 'setup_page', 1);
        firstClaimed();
        await held;
        return won;
      });
      await claimedInFirst;
      let secondDone = false;
      const second = handle.db
        .transaction()
        .execute((trx) => claimSetup(trx, 'command', 2))
        .finally(() => (secondDone = true));
      await new Promise((r) => setTimeout(r, 200));
      expect(secondDone).toBe(false);
      release();
      expect(await first).toBe(true);
      expect(await second).toBe(false);
      expect((await handle.db.selectFrom('setup_state').select('completed_by').executeTakeFirstOrThrow()).completed_by).toBe('setup_page');
    } finally {
      await handle.close();
      await fresh.drop();
    }
  });
}

describe('setup tokens: wrong ones are rate-limited per address', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => s?.stop());

  it('after ten wrong tokens even the right one waits', async () => {
    const c = new Client(s.url);
    for (let i = 0; i < 10; i++) expect((await c.post('/api/setup/admin', { ...ADMIN, token: `guess-${i}` })).body.error.code).toBe('setup_token_invalid');
    const limited = await c.post('/api/setup/admin', { ...ADMIN, token: s.setupToken });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.body.error.details.retryAfterMs).toBeGreaterThan(0);
    expect(await s.ctx.db.selectFrom('techs').select('id').execute()).toEqual([]);
  });
});
