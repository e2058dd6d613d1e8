/**
 * The wallboard counts each viewer's open chats at every refresh, on the server's one SQLite
 * connection. With a year of chats, SQLite's statistics say the status index barely narrows
 * anything (nearly every chat is completed), and the planner scanned the whole table for the few
 * open chats: the techs of the active chats for every viewer (324 ms at a million chats), the
 * waiting and callback counts for a viewer with a scope. The statements name the status index;
 * this pins their plans under those statistics, for an admin's scope and a tech's, and checks that
 * they still count the right chats.
 */
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { loadTechActor, techScopeFilter, type TechActor } from '../src/server/policies/access.js';
import { activeChatsTechs, BY_STATUS_SQLITE, openCallbacks, waitingNow } from '../src/server/db/repositories/wallboard.js';
import { yearOfChatStatistics } from './support/chat-statistics.js';

describe('the wallboard’s open chats on SQLite with a year of chats', () => {
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

  it('reads the waiting, active and callback chats from the status index, whatever the statistics say, and counts the scope’s chats only', async () => {
    const board = await s.f.board();
    const c1 = await s.f.company({ boardIds: [board] });
    const c2 = await s.f.company({ boardIds: [board] });
    const a = await s.f.tech({ role: 'admin' });
    const t1 = await s.f.tech({ boardIds: [board], companyIds: [c1] });
    const t2 = await s.f.tech({ boardIds: [board], companyIds: [c2] });
    const [admin, tech1, tech2] = [await actor(a.id), await actor(t1.id), await actor(t2.id)];

    // The statistics of a million chats, nearly all completed (as ANALYZE writes them).
    await yearOfChatStatistics(s.ctx.db);

    for (const viewer of [admin, tech1]) {
      const scope = techScopeFilter(viewer, 'chats');
      for (const status of ['waiting', 'active', 'callback'] as const) {
        const named = await plan(BY_STATUS_SQLITE[status](scope).compile(s.ctx.db));
        expect(named, `${viewer.role} ${status}`).toMatch(/^SEARCH chats USING (COVERING )?INDEX chats_status \(status=\?\)$/);
      }
      // Left to itself, the planner scans the table (what the wallboard did before): for the
      // active chats always, for the counts when the viewer has a scope.
      const plain = (status: 'waiting' | 'active' | 'callback') =>
        s.ctx.db.selectFrom('chats').select(['chats.tech_id', 'chats.co_techs']).where('chats.status', '=', status).where(scope);
      expect(await plan(plain('active').compile()), viewer.role).toBe('SCAN chats');
      if (viewer === tech1) for (const status of ['waiting', 'callback'] as const) expect(await plan(plain(status).compile()), status).toBe('SCAN chats');
    }

    // What they find: each viewer's own chats of that status, and no other.
    const request = async (companyId: number, subject: string) => {
      const u = await s.f.portalUser(companyId);
      const user = await loginAs(s.url, 'portal', u.email, PASSWORD);
      const r = await user.post('/api/portal/chats', { boardId: board, subject, message: `About ${subject}` });
      expect(r.status, r.text).toBe(201);
      return { id: r.body.chat.id as number, user };
    };
    const join = async (t: { email: string }, chatId: number) => {
      const r = await (await loginAs(s.url, 'tech', t.email, PASSWORD)).post(`/api/console/chats/${chatId}/join`);
      expect(r.status, r.text).toBe(200);
    };
    await join(t1, (await request(c1, 'Printer')).id);
    await join(t2, (await request(c2, 'VPN')).id);
    await request(c1, 'Still waiting');
    await request(c2, 'Waiting too');
    const cb = await request(c1, 'Call me');
    expect((await cb.user.post(`/api/portal/chats/${cb.id}/callback`, { phone: '+1 555 123 4567', preferredTime: 'after 3pm' })).status).toBe(200);

    const seen = async (viewer: TechActor) => {
      const scope = techScopeFilter(viewer, 'chats');
      return {
        waiting: (await waitingNow(s.ctx.db, 'sqlite', scope)).count,
        leads: (await activeChatsTechs(s.ctx.db, 'sqlite', scope)).map((r) => Number(r.tech_id)).sort((x, y) => x - y),
        callbacks: await openCallbacks(s.ctx.db, 'sqlite', scope),
      };
    };
    expect(await seen(tech1)).toEqual({ waiting: 1, leads: [t1.id], callbacks: 1 });
    expect(await seen(tech2)).toEqual({ waiting: 1, leads: [t2.id], callbacks: 0 });
    expect(await seen(admin)).toEqual({ waiting: 2, leads: [t1.id, t2.id].sort((x, y) => x - y), callbacks: 1 });
  });
});
