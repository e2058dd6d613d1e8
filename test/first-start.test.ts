/**
 * First start, safely: demo data only for a local trial, and a server others can reach refuses to
 * start while a demo account still opens with the published password.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exposure, isLoopbackHost, StartRefused } from '../src/server/first-start.js';
import { DEMO_LOGINS, DEMO_PASSWORD } from '../src/server/seed.js';
import { DIALECTS, freshDatabase, type TestDb } from './support/databases.js';
import { loginAs } from './support/http.js';
import { startTestServer } from './support/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ANY = { HOST: '0.0.0.0' };

describe('which addresses are a local trial', () => {
  it('loopback addresses only, and not behind a proxy', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'helpdesk.example.com', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
    expect(exposure({ host: '127.0.0.1', trustProxy: false })).toBeNull();
    expect(exposure({ host: '0.0.0.0', trustProxy: false })).toContain('listens on 0.0.0.0');
    expect(exposure({ host: '127.0.0.1', trustProxy: true })).toContain('TRUST_PROXY');
    expect(exposure({ host: '127.0.0.1', trustProxy: '10.0.0.1' })).toContain('TRUST_PROXY');
  });
});

for (const kind of DIALECTS) {
  describe(`first start on ${kind}`, () => {
    const dbs: TestDb[] = [];
    const fresh = async () => {
      const db = await freshDatabase(kind);
      dbs.push(db);
      return db;
    };
    afterAll(async () => {
      for (const db of dbs) await db.drop();
    });

    it('an empty database gets no demo on an address others reach, nor behind a proxy: setup mode instead', async () => {
      for (const env of [ANY, { TRUST_PROXY: 'true' }]) {
        const s = await startTestServer(kind, { SEED_DEMO: 'auto', ...env }, await fresh());
        try {
          expect(s.seeded).toBe(false);
          expect(s.setupToken).toBeTruthy();
          expect(await s.ctx.db.selectFrom('techs').select('id').execute()).toEqual([]);
        } finally {
          await s.close();
        }
      }
    });

    it('SEED_DEMO=false gives setup mode even on loopback; SEED_DEMO=true seeds and starts on any address, as a demo on purpose', async () => {
      const off = await startTestServer(kind, { SEED_DEMO: 'false' }, await fresh());
      expect([off.seeded, !!off.setupToken]).toEqual([false, true]);
      await off.close();
      const on = await startTestServer(kind, { SEED_DEMO: 'true', ...ANY }, await fresh());
      try {
        expect([on.seeded, on.setupToken, on.demoOnPurpose]).toEqual([true, null, true]);
        // The demo shows what canned replies are for: typing "/" in a chat lists them.
        const replies = await on.ctx.db.selectFrom('canned_replies').select(['shortcut', 'owner_tech_id']).orderBy('shortcut').execute();
        expect(replies.map((r) => r.shortcut)).toEqual(['hello', 'onsite', 'restart', 'ticket']);
        expect(replies.every((r) => r.owner_tech_id === null)).toBe(true);
      } finally {
        await on.close();
      }
    });

    it('a demo database refuses to start on an address others reach until every demo password is changed', async () => {
      const db = await fresh();
      const trial = await startTestServer(kind, { SEED_DEMO: 'auto' }, db);
      expect(trial.seeded).toBe(true);
      await trial.close();

      const refused = await startTestServer(kind, ANY, db).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(StartRefused);
      const message = (refused as Error).message;
      expect(message).toContain('listens on 0.0.0.0');
      for (const l of DEMO_LOGINS) expect(message).toContain(l.email);
      expect(message).toContain('remove-demo');
      expect(message).toContain('create-admin');

      // The refused start held nothing: the same database starts again on loopback, where the
      // admin changes every demo password but one.
      const local = await startTestServer(kind, {}, db);
      const admin = await loginAs(local.url, 'tech', 'admin@helpdesk.test', DEMO_PASSWORD);
      const techs = (await admin.get('/api/admin/techs')).body as { id: number; email: string }[];
      const users = (await admin.get('/api/admin/portal-users')).body as { id: number; email: string }[];
      for (const u of users.filter((u) => u.email !== 'gina@globex.test'))
        expect((await admin.patch(`/api/admin/portal-users/${u.id}`, { password: 'a-new-password' })).status).toBe(200);
      // The admin's own last: a new password ends that account's sessions.
      techs.sort((a, b) => Number(a.email === 'admin@helpdesk.test') - Number(b.email === 'admin@helpdesk.test'));
      for (const t of techs) expect((await admin.patch(`/api/admin/techs/${t.id}`, { password: 'a-new-password' })).status).toBe(200);
      await local.close();

      const stillOne = await startTestServer(kind, ANY, db).then(
        () => null,
        (err: unknown) => err as Error,
      );
      expect(stillOne?.message).toContain('gina@globex.test');
      expect(stillOne?.message).not.toContain('admin@helpdesk.test');

      const local2 = await startTestServer(kind, {}, db);
      const admin2 = await loginAs(local2.url, 'tech', 'admin@helpdesk.test', 'a-new-password');
      const gina = ((await admin2.get('/api/admin/portal-users')).body as { id: number; email: string }[]).find((u) => u.email === 'gina@globex.test')!;
      expect((await admin2.patch(`/api/admin/portal-users/${gina.id}`, { password: 'a-new-password' })).status).toBe(200);
      await local2.close();

      const open = await startTestServer(kind, ANY, db);
      try {
        expect(open.setupToken).toBeNull();
        await loginAs(open.url, 'tech', 'admin@helpdesk.test', 'a-new-password');
      } finally {
        await open.close();
      }
    }, 60000);
  });
}

describe('the server process', () => {
  it('exits with 1 and prints how to fix it when it refuses to start', async () => {
    const db = await freshDatabase('sqlite');
    try {
      const trial = await startTestServer('sqlite', { SEED_DEMO: 'auto' }, db);
      await trial.close();
      const env: NodeJS.ProcessEnv = { ...process.env, ...db.env, HOST: '0.0.0.0', PORT: '0', LOG_LEVEL: 'warn' };
      delete env.DATABASE_URL;
      delete env.SEED_DEMO;
      const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((r) => proc.on('close', r));
      expect(code).toBe(1);
      expect(err).toContain('Refusing to start');
      expect(err).toContain('npm run cli -- remove-demo');
      expect(err).not.toMatch(/\n\s+at /); // a message, not a stack trace
      expect(out).not.toContain('is running');
    } finally {
      await db.drop();
    }
  }, 60000);
});
