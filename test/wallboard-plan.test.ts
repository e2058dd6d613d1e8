/**
 * The wallboard reads the techs of the active chats of each viewer's scope at every refresh, on
 * the server's one SQLite connection. With a year of chats, SQLite's statistics say the status
 * index barely narrows anything (nearly every chat is completed), and the planner scanned the
 * whole table for the few active chats (324 ms at a million chats). The statement names the status
 * index; this pins its plan under those statistics, for an admin's scope and a tech's, and checks
 * that it still finds the right chats.
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { loadTechActor, techScopeFilter, type TechActor } from '../src/server/policies/access.js';
import { activeChatsTechs, activeChatsTechsSqlite } from '../src/server/db/repositories/wallboard.js';

describe('the wallboard’s active chats on SQLite with a year of chats', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
  });
  afterAll(async () => s?.stop());

  const plan = async (c: CompiledQuery) => {
    const r = await s.ctx.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${c.sql}`, [...c.parameters]));
    return r.rows.map((row) => row.detail).join(' | ');
  };
  const actor = async (id: number) => (await loadTechActor(s.ctx.db, id)) as TechActor;

  it('reads the active chats from the status index, whatever the statistics say, and finds the techs of the scope’s chats only', async () => {
    const board = await s.f.board();
    const c1 = await s.f.company({ boardIds: [board] });
    const c2 = await s.f.company({ boardIds: [board] });
    const a = await s.f.tech({ role: 'admin' });
    const t1 = await s.f.tech({ boardIds: [board], companyIds: [c1] });
    const t2 = await s.f.tech({ boardIds: [board], companyIds: [c2] });
    const [admin, tech1] = [await actor(a.id), await actor(t1.id)];

    // The statistics of a million chats, nearly all completed (as ANALYZE writes them).
    await sql`analyze`.execute(s.ctx.db);
    await sql`delete from sqlite_stat1 where tbl = 'chats'`.execute(s.ctx.db);
    await sql
      .raw(`insert into sqlite_stat1 (tbl, idx, stat) values
        ('chats', 'chats_status', '1000000 1000000 1'), ('chats', 'chats_requester', '1000000 500'), ('chats', 'chats_grace_at', '1000000 1000000')`)
      .execute(s.ctx.db);
    await sql`analyze sqlite_schema`.execute(s.ctx.db);

    for (const viewer of [admin, tech1]) {
      const scope = techScopeFilter(viewer, 'chats');
      // Left to itself, the planner scans the table (what the wallboard did before).
      const plain = s.ctx.db.selectFrom('chats').select(['chats.tech_id', 'chats.co_techs']).where('chats.status', '=', 'active').where(scope);
      expect(await plan(plain.compile()), viewer.role).toBe('SCAN chats');
      expect(await plan(activeChatsTechsSqlite(scope).compile(s.ctx.db)), viewer.role).toMatch(/^SEARCH chats USING INDEX chats_status \(status=\?\)$/);
    }

    // The chats it finds: active ones of the scope, not waiting ones nor another company's.
    const request = async (companyId: number, subject: string) => {
      const u = await s.f.portalUser(companyId);
      const user = await loginAs(s.url, 'portal', u.email, PASSWORD);
      const r = await user.post('/api/portal/chats', { boardId: board, subject, message: `About ${subject}` });
      expect(r.status, r.text).toBe(201);
      return r.body.chat.id as number;
    };
    const join = async (t: { email: string }, chatId: number) => {
      const r = await (await loginAs(s.url, 'tech', t.email, PASSWORD)).post(`/api/console/chats/${chatId}/join`);
      expect(r.status, r.text).toBe(200);
    };
    await join(t1, await request(c1, 'Printer'));
    await join(t2, await request(c2, 'VPN'));
    await request(c1, 'Still waiting');
    const leads = async (viewer: TechActor) =>
      (await activeChatsTechs(s.ctx.db, 'sqlite', techScopeFilter(viewer, 'chats'))).map((r) => Number(r.tech_id)).sort((x, y) => x - y);
    expect(await leads(tech1)).toEqual([t1.id]);
    expect(await leads(await actor(t2.id))).toEqual([t2.id]);
    expect(await leads(admin)).toEqual([t1.id, t2.id].sort((x, y) => x - y));
  });
});
