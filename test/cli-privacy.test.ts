/**
 * The privacy commands as an operator runs them (child processes) against a running server's
 * database: export-person, erase-person, retention-run; their usage errors and refusals.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { DIALECTS } from './support/databases.js';
import { completedChat, world } from './support/flows.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.each(DIALECTS)('privacy commands on %s', (kind) => {
  let s: TestServer;
  let env: Record<string, string>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-cli-privacy-'));
  beforeAll(async () => {
    s = await startTestServer(kind);
    env = Object.fromEntries(Object.entries(s.env).filter(([k]) => ['DATABASE_URL', 'DATA_DIR'].includes(k)));
  });
  afterAll(async () => {
    await s?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('export-person writes the JSON to standard output or a new file; usage errors exit with 2, an unknown person with 1', async () => {
    const w = await world(s);
    const chatId = await completedChat(w);
    const out = await runCli(['export-person', '--portal-user', String(w.user.id)], env);
    expect(out.code, out.stderr).toBe(0);
    const data = JSON.parse(out.stdout);
    expect(data.person).toMatchObject({ kind: 'portal_user', id: w.user.id, email: w.user.email });
    expect(data.chats.map((c: { id: number }) => c.id)).toContain(chatId);

    const file = path.join(dir, `tech-${w.tech.id}.json`);
    const t = await runCli(['export-person', '--tech', String(w.tech.id), '--out', file], env);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).person).toMatchObject({ kind: 'tech', email: w.tech.email });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await runCli(['export-person', '--tech', String(w.tech.id), '--out', file], env)).code).toBe(2);

    for (const args of [[], ['--portal-user', '1', '--tech', '1'], ['--portal-user', 'abc'], ['--portal-user', '-3'], ['--nope']]) {
      const r = await runCli(['export-person', ...args], env);
      expect(r.code, args.join(' ')).toBe(2);
    }
    const missing = await runCli(['export-person', '--portal-user', '999999'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found/);
  });

  it('erase-person needs the email as confirmation, erases once, and is a no-op the second time', async () => {
    const w = await world(s);
    await completedChat(w);
    const id = String(w.user.id);
    expect((await runCli(['erase-person', '--portal-user', id], env)).code).toBe(2);
    const wrong = await runCli(['erase-person', '--portal-user', id, '--confirm-email', 'someone@else.test'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('confirmation_mismatch');
    expect((await s.ctx.db.selectFrom('portal_users').select('erased_at').where('id', '=', w.user.id).executeTakeFirstOrThrow()).erased_at).toBeNull();

    const ok = await runCli(['erase-person', '--portal-user', id, '--confirm-email', w.user.email], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Erased portal user \d+: 1 chats kept without their text/);
    const row = await s.ctx.db.selectFrom('portal_users').select(['name', 'email', 'erased_at']).where('id', '=', w.user.id).executeTakeFirstOrThrow();
    expect(row.name).toBe('Deleted user');
    expect(row.erased_at).not.toBeNull();
    const again = await runCli(['erase-person', '--portal-user', id, '--confirm-email', row.email], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to do');
  });

  it('retention-run removes old completed chats’ messages; without a retention it is a usage error', async () => {
    const w = await world(s);
    const old = await completedChat(w);
    const recent = await completedChat(w);
    await s.ctx.db
      .updateTable('chats')
      .set({ completed_at: Date.now() - 100 * 86_400_000 })
      .where('id', '=', old)
      .execute();
    expect((await runCli(['retention-run'], env)).code).toBe(2);
    const r = await runCli(['retention-run', '--days', '90'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/removed the messages of [1-9]\d* completed chats/);
    const count = async (chatId: number) =>
      Number(
        (
          await s.ctx.db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('chat_id', '=', chatId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count(old)).toBe(0);
    expect(await count(recent)).toBeGreaterThan(0);
    const withEnv = await runCli(['retention-run'], { ...env, RETENTION_DAYS: '90' });
    expect(withEnv.code).toBe(0);
    expect(withEnv.stdout).toMatch(/removed the messages of 0 completed chats/);
  });
});
