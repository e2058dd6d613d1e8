import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type TestDb } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { connect, sleep } from './support/sockets.js';
import type { DomainEventName } from '../src/shared/events.js';
import { auditPortalPresence } from '../src/server/services/timers.js';

const SHORT = { CHAT_WAIT_OFFER_SECONDS: '1', CHAT_ASSIGNED_FIRST_SECONDS: '1', CHAT_DISCONNECT_GRACE_SECONDS: '2.5', TIMER_SWEEP_MS: '100' };

function record(s: TestServer, names: DomainEventName[]) {
  const seen: { name: string; payload: any }[] = [];
  for (const name of names) s.ctx.bus.on(name, (payload) => void seen.push({ name, payload }));
  return seen;
}

async function until(fn: () => Promise<boolean> | boolean, ms = 8000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(50);
  }
  throw new Error('condition not met in time');
}

describe.each(DIALECTS)('durable timers on %s', (kind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it('wait offer, assigned-first escalation and disconnect grace each fire once, also across a restart', async () => {
    const db: TestDb = await freshDatabase(kind);
    cleanup.push(db.drop);
    const a = await startTestServer(kind, SHORT, db);
    const boardId = await a.f.board();
    const companyId = await a.f.company({ boardIds: [boardId] });
    const assigned = await a.f.tech({ boardIds: [boardId], companyIds: [companyId], name: 'Assigned Al' });
    const other = await a.f.tech({ boardIds: [boardId], companyIds: [companyId], name: 'Other Olga' });
    const u1 = await a.f.portalUser(companyId);
    const u2 = await a.f.portalUser(companyId);
    const ticketId = await a.f.ticket({ companyId, boardId, contactId: u1.id, assignedTechId: assigned.id });
    const assignedClient = await loginAs(a.url, 'tech', assigned.email, PASSWORD);
    const techSocket = await connect(a.url, '/console', assignedClient);
    const c1 = await loginAs(a.url, 'portal', u1.email, PASSWORD);
    const userSocket = await connect(a.url, '/portal', c1);
    const c2 = await loginAs(a.url, 'portal', u2.email, PASSWORD);
    const seenA = record(a, ['chat.alerted', 'chat.offer', 'chat.abandoned']);

    // A ticket chat while the assigned tech is online: only that tech first.
    const t = await c1.post(`/api/portal/tickets/${ticketId}/chat`, { message: 'Still broken' });
    expect(t.status).toBe(201);
    const ticketChat = t.body.chat.id;
    const firstAlert = seenA.find((e) => e.name === 'chat.alerted' && e.payload.chatId === ticketChat);
    expect(firstAlert?.payload).toMatchObject({ stage: 'assigned', techIds: [assigned.id] });
    // A new request whose user has no live connection: the grace runs from the start.
    const n = await c2.post('/api/portal/chats', { boardId, subject: 'Email', message: 'No mail' });
    const graceChat = n.body.chat.id;

    // Stop the node before any deadline, and start another after all of them passed.
    techSocket.close();
    userSocket.close();
    await a.close();
    await sleep(1800);
    const b = await startTestServer(kind, SHORT, db);
    cleanup.push(() => b.close());
    const seenB = record(b, ['chat.alerted', 'chat.offer', 'chat.abandoned']);
    await until(async () => {
      const row = await b.ctx.db.selectFrom('chats').select(['status']).where('id', '=', graceChat).executeTakeFirstOrThrow();
      return row.status === 'abandoned' && seenB.some((e) => e.name === 'chat.alerted' && e.payload.chatId === ticketChat);
    }, 10000);
    await sleep(600); // several more sweeps: nothing may fire twice
    const of = (name: string, chatId: number) => [...seenA, ...seenB].filter((e) => e.name === name && e.payload.chatId === chatId);
    const escalations = of('chat.alerted', ticketChat).filter((e) => e.payload.stage === 'all');
    expect(escalations).toHaveLength(1);
    expect(escalations[0].payload.techIds.sort()).toEqual([assigned.id, other.id].sort());
    expect(of('chat.abandoned', graceChat)).toHaveLength(1);
    expect(of('chat.abandoned', graceChat)[0].payload.reason).toBe('disconnected');
    expect(of('chat.offer', ticketChat)).toHaveLength(1);
    const rows = await b.ctx.db.selectFrom('chats').select(['id', 'offer_count', 'status', 'alert_stage']).where('id', 'in', [ticketChat, graceChat]).execute();
    const ticketRow = rows.find((r) => Number(r.id) === ticketChat)!;
    // Its user went offline with the old node, so it was abandoned after the grace, once.
    expect(ticketRow).toMatchObject({ status: 'abandoned', alert_stage: 'all', offer_count: 1 });
    expect(of('chat.abandoned', ticketChat)).toHaveLength(1);
    const transitions = await b.ctx.db.selectFrom('transitions').selectAll().where('chat_id', '=', graceChat).where('event', '=', 'leave').execute();
    expect(transitions).toHaveLength(1);
    expect(transitions[0].actor_kind).toBe('system');
  });

  it('keep waiting re-arms the offer: it comes again after the same delay, once', async () => {
    const s = await startTestServer(kind, SHORT);
    cleanup.push(s.stop);
    const w = await s.f.world();
    const c = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const sock = await connect(s.url, '/portal', c);
    const seen = record(s, ['chat.offer']);
    const r = await c.post('/api/portal/chats', { boardId: w.boardId, subject: 'Slow', message: 'hi' });
    const id = r.body.chat.id;
    await until(() => seen.length === 1);
    expect((await c.get(`/api/portal/chats/${id}`)).body.offerPending).toBe(true);
    expect((await c.post(`/api/portal/chats/${id}/keep-waiting`)).status).toBe(200);
    expect((await c.get(`/api/portal/chats/${id}`)).body.offerPending).toBe(false);
    await until(() => seen.length === 2);
    await sleep(400);
    expect(seen).toHaveLength(2);
    sock.close();
  });

  it('a user who comes back within the grace keeps their place', async () => {
    const s = await startTestServer(kind, { ...SHORT, CHAT_DISCONNECT_GRACE_SECONDS: '1.2' });
    cleanup.push(s.stop);
    const w = await s.f.world();
    const c = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const first = await connect(s.url, '/portal', c);
    const r = await c.post('/api/portal/chats', { boardId: w.boardId, subject: 'Flaky wifi', message: 'hi' });
    const id = r.body.chat.id;
    first.close();
    await sleep(300);
    const again = await connect(s.url, '/portal', c);
    await sleep(1500);
    expect((await c.get(`/api/portal/chats/${id}`)).body.status).toBe('waiting');
    again.close();
    await until(async () => (await c.get(`/api/portal/chats/${id}`)).body.status === 'abandoned', 5000);
  });
});

describe.each(DIALECTS)('portal presence audit on %s', (kind) => {
  it('arms the grace of a user connected nowhere, and never abandons a user who is connected', async () => {
    const s = await startTestServer(kind, { ...SHORT, CHAT_DISCONNECT_GRACE_SECONDS: '600' });
    try {
      const w = await s.f.world();
      const c = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
      const sock = await connect(s.url, '/portal', c);
      const id = (await c.post('/api/portal/chats', { boardId: w.boardId, subject: 'x', message: 'y' })).body.chat.id;
      const grace = async () => (await s.ctx.db.selectFrom('chats').select('grace_at').where('id', '=', id).executeTakeFirstOrThrow()).grace_at;
      expect(await grace()).toBeNull();
      // A deadline that is due while the user is connected: cleared, not acted on.
      await s.ctx.db.updateTable('chats').set({ grace_at: Date.now() - 1 }).where('id', '=', id).execute();
      await until(async () => (await grace()) === null);
      expect((await c.get(`/api/portal/chats/${id}`)).body.status).toBe('waiting');
      expect(await auditPortalPresence(s.ctx)).toBe(0);
      // The disconnect is lost (as with a node killed outright): the audit notices.
      sock.close();
      await until(async () => (await grace()) !== null);
      await s.ctx.db.updateTable('chats').set({ grace_at: null }).where('id', '=', id).execute();
      expect(await auditPortalPresence(s.ctx)).toBe(1);
      expect(await grace()).toBeGreaterThan(Date.now());
    } finally {
      await s.stop();
    }
  });
});

describe.runIf(DIALECTS.includes('postgres'))('timers with two nodes on one PostgreSQL', () => {
  it('fire exactly once in the cluster', async () => {
    const db = await freshDatabase('postgres');
    const a = await startTestServer('postgres', SHORT, db);
    const b = await startTestServer('postgres', SHORT, db);
    try {
      const seenA = record(a, ['chat.offer', 'chat.abandoned']);
      const seenB = record(b, ['chat.offer', 'chat.abandoned']);
      const boardId = await a.f.board();
      const companyId = await a.f.company({ boardIds: [boardId] });
      const ids: number[] = [];
      for (let i = 0; i < 10; i++) {
        const u = await a.f.portalUser(companyId);
        const c = await loginAs(i % 2 ? a.url : b.url, 'portal', u.email, PASSWORD);
        ids.push((await c.post('/api/portal/chats', { boardId, subject: `s${i}`, message: 'm' })).body.chat.id);
      }
      await until(async () => {
        const rows = await a.ctx.db.selectFrom('chats').select('status').where('id', 'in', ids).execute();
        return rows.every((r) => r.status === 'abandoned');
      });
      await sleep(500);
      const seen = [...seenA, ...seenB];
      // Both nodes did part of the work, and no chat was handled by both.
      expect(seenA.length).toBeGreaterThan(0);
      expect(seenB.length).toBeGreaterThan(0);
      for (const id of ids) {
        expect(seen.filter((e) => e.name === 'chat.abandoned' && e.payload.chatId === id)).toHaveLength(1);
        expect(seen.filter((e) => e.name === 'chat.offer' && e.payload.chatId === id)).toHaveLength(1);
      }
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});
