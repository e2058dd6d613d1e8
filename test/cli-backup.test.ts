/**
 * `backup` on SQLite while chats are being written: the copy is consistent (each chat's messages
 * run 1..last_seq with no gap, as committed together), a server started on it after a restore
 * serves the data intact, and the running server never stopped serving meanwhile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { activeChat, world, type World } from './support/flows.js';
import { loginAs } from './support/http.js';
import { PASSWORD, startTestServer, type TestServer } from './support/server.js';

describe('backup of SQLite while chats are written', () => {
  let s: TestServer;
  let restored: TestServer | undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-backup-'));
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await restored?.stop();
    await s?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('copies a consistent snapshot that a new server serves intact', async () => {
    const w: World = await world(s);
    const chats: { id: number; user: World['userClient'] }[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await activeChat(w, `Backup chat ${i}`);
      chats.push({ id, user: w.userClient });
    }
    let writing = true;
    const failures: string[] = [];
    let sent = 0;
    const writer = async (chat: (typeof chats)[number], n: number) => {
      for (let i = 0; writing; i++) {
        const [who, client] = i % 2 ? ['tech', w.techClient] : ['user', chat.user];
        const r = await client.post(`/api/${who === 'tech' ? 'console' : 'portal'}/chats/${chat.id}/messages`, {
          body: `${who} message ${i} in chat ${n}`,
          clientId: `w${n}-${i}`,
        });
        // The per-sender rate limit (5 a second after a burst): wait as told, send the same again.
        if (r.status === 429) {
          await new Promise((res) => setTimeout(res, r.body.error.details.retryAfterMs));
          i--;
        } else if (r.status !== 201) failures.push(`${r.status} ${r.text}`);
        else sent++;
      }
    };
    const writers = chats.map((c, n) => writer(c, n));
    while (sent < 30) await new Promise((r) => setTimeout(r, 20));

    const file = path.join(scratch, 'copy.sqlite');
    const r = await runCli(['backup', file], s.testDb.env);
    const sentAtBackupEnd = sent;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Backup written to ${file}`);
    expect(r.stdout).toContain('integrity check ok');
    // Writes go on after the copy, then stop.
    while (sent < sentAtBackupEnd + 10) await new Promise((r) => setTimeout(r, 20));
    writing = false;
    await Promise.all(writers);
    expect(failures).toEqual([]);
    // A second backup to the same file is refused: a copy is never overwritten.
    const again = await runCli(['backup', file], s.testDb.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');

    // Restore: the copy becomes helpdesk.sqlite of a new data directory.
    const dir = path.join(scratch, 'restored');
    fs.mkdirSync(dir);
    fs.copyFileSync(file, path.join(dir, 'helpdesk.sqlite'));
    restored = await startTestServer('sqlite', {}, { dialect: 'sqlite', env: { DATA_DIR: dir }, drop: async () => {} });
    expect(restored.setupToken).toBeNull();

    const db = restored.ctx.db;
    const copied = await db.selectFrom('messages').select(['chat_id', 'seq', 'body']).orderBy('chat_id').orderBy('seq').execute();
    const total = await s.ctx.db
      .selectFrom('messages')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // Taken mid-stream: some messages, not all of them.
    expect(copied.length).toBeGreaterThan(chats.length * 2);
    expect(copied.length).toBeLessThan(Number(total.n));

    const tech = await loginAs(restored.url, 'tech', w.tech.email, PASSWORD);
    for (const c of chats) {
      const row = await db.selectFrom('chats').select(['last_seq', 'status']).where('id', '=', c.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('active');
      const served = (await tech.get(`/api/console/chats/${c.id}/messages?after=0&limit=1000`)).body as { seq: number; body: string }[];
      expect(served.map((m) => m.seq)).toEqual(Array.from({ length: row.last_seq }, (_, i) => i + 1));
      // The same messages as the original, seq for seq.
      const original = await s.ctx.db
        .selectFrom('messages')
        .select(['seq', 'body'])
        .where('chat_id', '=', c.id)
        .where('seq', '<=', row.last_seq)
        .orderBy('seq')
        .execute();
      expect(served.map((m) => ({ seq: m.seq, body: m.body }))).toEqual(original);
    }
    // The restored copy serves on: a new message continues each chat's sequence.
    const more = await tech.post(`/api/console/chats/${chats[0].id}/messages`, { body: 'after the restore', clientId: 'restored-1' });
    expect(more.status, more.text).toBe(201);
  }, 90000);
});
