/**
 * The presence audit runs every few seconds on the server's one SQLite connection. With a year of
 * chats, SQLite's statistics say the status index barely narrows anything (nearly every chat is
 * completed), and it chose the requester index for the audit's `distinct`: a walk of every chat
 * ever made, 1.6 s at a million chats, stalling live chat each time (found by the reports bench).
 * The audit names the status index; this pins its plan under those statistics.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { connect } from './support/sockets.js';
import { until } from './support/realtime.js';
import { WAITING_REQUESTERS_SQLITE, waitingRequestersWithoutGrace } from '../src/server/db/repositories/chats.js';
import { yearOfChatStatistics } from './support/chat-statistics.js';

describe('the presence audit on SQLite with a year of chats', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => s?.stop());

  const plan = async (text: string) =>
    ((await sql.raw(`explain query plan ${text}`).execute(s.ctx.db)) as unknown as { rows: { detail: string }[] }).rows.map((r) => r.detail).join(' | ');

  it('reads the waiting chats from the status index, whatever the statistics say', async () => {
    // The statistics of a million chats, nearly all completed (as ANALYZE writes them).
    await yearOfChatStatistics(s.ctx.db);
    // Left to itself, the planner walks the requester index (what the audit did before).
    expect(await plan("select distinct requester_id from chats where status = 'waiting' and grace_at is null limit 500")).toContain(
      'USING INDEX chats_requester',
    );
    expect(await plan(WAITING_REQUESTERS_SQLITE.replace('?', '500'))).toMatch(/^SEARCH chats USING INDEX chats_status \(status=\?\)/);

    // And it finds the right people: the requester of a waiting chat without a grace (connected),
    // not one whose grace is armed (requested with no connection open).
    const w = await s.f.world();
    const user = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const socket = await connect(s.url, '/portal', user);
    try {
      expect((await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Printer', message: 'Jammed' })).status).toBe(201);
      const other = await loginAs(s.url, 'portal', (await s.f.portalUser(w.companyId)).email, PASSWORD);
      const away = await other.post('/api/portal/chats', { boardId: w.boardId, subject: 'VPN', message: 'Down' });
      expect(away.status, away.text).toBe(201);
      await until(
        async () => (await s.ctx.db.selectFrom('chats').select('grace_at').where('id', '=', away.body.chat.id).executeTakeFirstOrThrow()).grace_at !== null,
        5000,
        'grace armed',
      );
      expect(await waitingRequestersWithoutGrace(s.ctx.db, 'sqlite', 500)).toEqual([w.user.id]);
    } finally {
      socket.close();
    }
  });
});
