/**
 * The operator commands (src/server/cli.ts) as child processes, against a server's database while
 * that server runs: output, exit code, and what changed in the database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { DIALECTS, freshDatabase } from './support/databases.js';
import { Client, loginAs } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';
import { DEMO_LOGINS, DEMO_PASSWORD } from '../src/server/seed.js';
import { LATEST_MIGRATION } from '../src/server/db/migrations.js';
import { runCli as runCliInProcess } from '../src/server/cli/run.js';

const COMMANDS = ['create-admin', 'migrate', 'backup', 'remove-demo', 'export-person', 'erase-person', 'retention-run'];

/** The command line in this process: what a command prints and the code it exits with. */
async function inProcess(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCliInProcess(args, env, { out: (l) => out.push(l), err: (l) => err.push(l), stdin: process.stdin });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('operator commands: usage', () => {
  const env = { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-cli-')) };
  afterAll(() => fs.rmSync(env.DATA_DIR, { recursive: true, force: true }));

  it('--help lists the commands; each command has its own --help; usage errors exit with 2', async () => {
    const top = await inProcess(['--help'], env);
    expect(top.code).toBe(0);
    for (const c of COMMANDS) expect(top.stdout).toContain(c);
    for (const c of COMMANDS) {
      const h = await inProcess([c, '--help'], env);
      expect(h.code, c).toBe(0);
      expect(h.stdout).toContain(`Usage: ${c}`);
    }
    const none = await inProcess([], env);
    const unknown = await inProcess(['frobnicate'], env);
    const badOption = await inProcess(['migrate', '--force'], env);
    const missing = await inProcess(['create-admin', '--email', 'a@example.test'], env);
    const invalid = await inProcess(['create-admin', '--email', 'not-an-email', '--name', 'A', '--password', 'short'], env);
    for (const r of [none, unknown, badOption, missing, invalid]) expect(r.code, r.stderr).toBe(2);
    expect(unknown.stderr).toContain('Unknown command: frobnicate');
    expect(badOption.stderr).toMatch(/Unknown option '--force'/);
    expect(missing.stderr).toContain('Give --email and --name');
    expect(invalid.stderr).toContain('email');
    expect(invalid.stderr).toContain('Use at least 8 characters');
  });

  it('the entry point exits with the code of the outcome: 2 for usage, 1 for a failure (no database here), 0 for help', async () => {
    const [usage, failure, help] = await Promise.all([
      runCli(['backup'], env),
      runCli(['create-admin', '--email', 'a@example.test', '--name', 'A', '--password', 'long-enough'], env),
      runCli(['backup', '--help'], env),
    ]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Give the file to write the backup to');
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('start the server once, or run the migrate command');
    expect(fs.existsSync(path.join(env.DATA_DIR, 'helpdesk.sqlite'))).toBe(false);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('VACUUM INTO');
  }, 60000);
});

for (const kind of DIALECTS) {
  describe(`operator commands on ${kind}, next to a running server`, () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer(kind);
    });
    afterAll(async () => s?.stop());

    it('create-admin makes the first admin of a database in setup mode; the setup token is then useless; a duplicate email is refused', async () => {
      expect(s.setupToken).toBeTruthy();
      const r = await runCli(['create-admin', '--email', 'Ops@Example.test', '--name', 'Olga Ops'], s.testDb.env, 'first-admin-pw\n');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('Created admin ops@example.test');
      expect(r.stdout).toContain('Setup mode is over');
      const row = await s.ctx.db.selectFrom('techs').select(['role', 'active', 'name']).where('email', '=', 'ops@example.test').executeTakeFirstOrThrow();
      expect(row).toEqual({ role: 'admin', active: 1, name: 'Olga Ops' });
      // The running server sees the new admin at once.
      const admin = await loginAs(s.url, 'tech', 'ops@example.test', 'first-admin-pw');
      expect((await admin.get('/api/admin/techs')).status).toBe(200);
      const late = await new Client(s.url).post('/api/setup/admin', { token: s.setupToken, name: 'Late', email: 'late@example.test', password: 'long-enough' });
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('setup_done');

      const dup = await runCli(['create-admin', '--email', 'ops@example.test', '--name', 'Again', '--password', 'another-pw-1'], s.testDb.env);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain('already exists');
      const second = await runCli(['create-admin', '--email', 'second@example.test', '--name', 'Second', '--password', 'another-pw-1'], s.testDb.env);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).not.toContain('Setup mode is over');
      expect((await s.ctx.db.selectFrom('techs').select('email').where('role', '=', 'admin').orderBy('email').execute()).map((t) => t.email)).toEqual([
        'ops@example.test',
        'second@example.test',
      ]);
    }, 60000);

    it('migrate prints the schema version; backup on PostgreSQL names pg_dump and exits with 2', async () => {
      if (kind === 'sqlite') {
        // The running server holds the data directory: migrating under it is refused.
        const r = await runCli(['migrate'], s.testDb.env);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('A server is running on');
        const fresh = await freshDatabase('sqlite');
        try {
          const m = await runCli(['migrate'], fresh.env);
          expect(m.code, m.stderr).toBe(0);
          expect(m.stdout).toContain(`Schema version: ${LATEST_MIGRATION}`);
        } finally {
          await fresh.drop();
        }
      } else {
        const r = await runCli(['migrate'], s.testDb.env);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(`Nothing to apply. Schema version: ${LATEST_MIGRATION}`);
        const fresh = await freshDatabase('postgres');
        try {
          const m = await runCli(['migrate'], fresh.env);
          expect(m.code, m.stderr).toBe(0);
          expect(m.stdout).toContain('Applied 001_initial');
          expect(m.stdout).toContain(`Schema version: ${LATEST_MIGRATION}`);
        } finally {
          await fresh.drop();
        }
        const b = await runCli(['backup', path.join(os.tmpdir(), 'never-written.sqlite')], s.testDb.env);
        expect(b.code).toBe(2);
        expect(b.stderr).toContain('pg_dump');
      }
    }, 60000);
  });

  describe(`remove-demo on ${kind}`, () => {
    let s: TestServer;
    beforeAll(async () => {
      // The local trial: an empty database on a loopback address gets the demo.
      s = await startTestServer(kind, { SEED_DEMO: 'auto' });
    });
    afterAll(async () => s?.stop());

    it('refuses while no other admin exists, then disables every demo account while the server runs', async () => {
      expect(s.seeded).toBe(true);
      const demoAdmin = DEMO_LOGINS.find((l) => l.audience === 'console')!;
      const session = await loginAs(s.url, 'tech', demoAdmin.email, DEMO_PASSWORD);
      const refused = await runCli(['remove-demo'], s.testDb.env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('create your own admin first');
      await loginAs(s.url, 'portal', 'alice@acme.test', DEMO_PASSWORD);

      expect((await runCli(['create-admin', '--email', 'me@example.test', '--name', 'Me', '--password', 'my-own-pass'], s.testDb.env)).code).toBe(0);
      const r = await runCli(['remove-demo'], s.testDb.env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Disabled ${DEMO_LOGINS.length} demo accounts`);
      for (const l of DEMO_LOGINS) {
        const res = await new Client(s.url).post(`/api/auth/${l.audience === 'console' ? 'tech' : 'portal'}/login`, {
          email: l.email,
          password: DEMO_PASSWORD,
        });
        expect(res.status, l.email).toBe(401);
      }
      // The demo admin's open session ended too.
      expect((await session.get('/api/console/me')).status).toBe(401);
      // The history stays: the demo's companies and tickets are still there.
      expect((await s.ctx.db.selectFrom('tickets').select('id').execute()).length).toBe(3);
      const again = await runCli(['remove-demo'], s.testDb.env);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('nothing to do');
    }, 60000);
  });
}
