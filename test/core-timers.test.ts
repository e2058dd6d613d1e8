/**
 * Durable timers, on a clock the test moves by hand: each test moves time to just before and just
 * past a deadline and runs one sweep itself, so "fired once" and "not yet" are exact counts, not
 * the outcome of a race with the wall clock. Real sockets are used only to connect and disconnect
 * a user; the test then waits for what the disconnect writes to the database.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabase, type DbKind, type TestDb } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { connect } from './support/sockets.js';
import { until } from './support/realtime.js';
import { NOTHING_FIRED, sweep, TestClock } from './support/clock.js';
import type { DomainEventName } from '../src/shared/events.js';
import { auditPortalPresence } from '../src/server/services/timers.js';

// Three different delays, so that each deadline can be passed on its own.
const ASSIGNED_FIRST_MS = 60_000;
const WAIT_OFFER_MS = 120_000;
const GRACE_MS = 300_000;
const DELAYS = {
  CHAT_ASSIGNED_FIRST_SECONDS: String(ASSIGNED_FIRST_MS / 1000),
  CHAT_WAIT_OFFER_SECONDS: String(WAIT_OFFER_MS / 1000),
  CHAT_DISCONNECT_GRACE_SECONDS: String(GRACE_MS / 1000),
};

function record(s: TestServer, names: DomainEventName[]) {
  const seen: { name: string; payload: any }[] = [];
  for (const name of names) s.ctx.bus.on(name, (payload) => void seen.push({ name, payload }));
  return seen;
}

const startOn = (kind: DbKind, clock: TestClock, db?: TestDb) => startTestServer(kind, DELAYS, db, { clock });

async function chatRow(s: TestServer, id: number) {
  return s.ctx.db.selectFrom('chats').select(['status', 'grace_at', 'offer_count']).where('id', '=', id).executeTakeFirstOrThrow();
}

describe.each(DIALECTS)('durable timers on %s', (kind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it('wait offer, assigned-first escalation and disconnect grace each fire once, also across a restart', async () => {
    const clock = new TestClock();
    const db: TestDb = await freshDatabase(kind);
    cleanup.push(db.drop);
    const a = await startOn(kind, clock, db);
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
    const seenA = record(a, ['chat.requested', 'chat.alerted', 'chat.offer', 'chat.abandoned']);

    // A ticket chat while the assigned tech is online: only that tech first.
    const t = await c1.post(`/api/portal/tickets/${ticketId}/chat`, { message: 'Still broken' });
    expect(t.status).toBe(201);
    const ticketChat = t.body.chat.id;
    const request = seenA.find((e) => e.name === 'chat.requested' && e.payload.chatId === ticketChat);
    expect(request?.payload.alert).toEqual({ stage: 'assigned', techIds: [assigned.id] });
    // A new request whose user has no live connection: the grace runs from the start.
    const n = await c2.post('/api/portal/chats', { boardId, subject: 'Email', message: 'No mail' });
    const graceChat = n.body.chat.id;

    // Up to just before the first deadline, nothing is due.
    clock.advance(ASSIGNED_FIRST_MS - 1);
    expect(await sweep(a)).toEqual(NOTHING_FIRED);

    // Stop the node before any deadline, and start another once the escalation and both offers
    // are due, but no grace yet.
    techSocket.close();
    userSocket.close();
    await a.close();
    const closedAt = clock.now();
    clock.advance(WAIT_OFFER_MS - ASSIGNED_FIRST_MS + 1);
    const b = await startOn(kind, clock, db);
    cleanup.push(() => b.close());
    const seenB = record(b, ['chat.alerted', 'chat.offer', 'chat.abandoned']);
    // The ticket chat's user went offline with the old node: its grace runs from the shutdown.
    expect(Number((await chatRow(b, ticketChat)).grace_at)).toBe(closedAt + GRACE_MS);
    expect(await sweep(b)).toEqual({ ...NOTHING_FIRED, alerts: 1, offers: 2 });
    // Later sweeps before the graces run out fire nothing again.
    clock.advance(GRACE_MS - WAIT_OFFER_MS - 1);
    expect(await sweep(b)).toEqual(NOTHING_FIRED);
    // Past both graces: both chats abandoned; then nothing fires twice.
    clock.advance(GRACE_MS);
    expect(await sweep(b)).toEqual({ ...NOTHING_FIRED, abandoned: 2 });
    for (let i = 0; i < 3; i++) {
      clock.advance(GRACE_MS);
      expect(await sweep(b)).toEqual(NOTHING_FIRED);
    }
    const of = (name: string, chatId: number) => [...seenA, ...seenB].filter((e) => e.name === name && e.payload.chatId === chatId);
    const escalations = of('chat.alerted', ticketChat).filter((e) => e.payload.stage === 'all');
    expect(escalations).toHaveLength(1);
    // Everyone eligible but the assigned tech, who was alerted alone already.
    expect(escalations[0].payload.techIds).toEqual([other.id]);
    expect(of('chat.abandoned', graceChat)).toHaveLength(1);
    expect(of('chat.abandoned', graceChat)[0].payload.reason).toBe('disconnected');
    expect(of('chat.offer', ticketChat)).toHaveLength(1);
    const rows = await b.ctx.db
      .selectFrom('chats')
      .select(['id', 'offer_count', 'status', 'alert_stage', 'abandon_reason'])
      .where('id', 'in', [ticketChat, graceChat])
      .execute();
    // The portal words a lost connection apart from a user who left.
    expect(rows.map((r) => r.abandon_reason)).toEqual(['disconnected', 'disconnected']);
    const ticketRow = rows.find((r) => Number(r.id) === ticketChat)!;
    // Its user went offline with the old node, so it was abandoned after the grace, once.
    expect(ticketRow).toMatchObject({ status: 'abandoned', alert_stage: 'all', offer_count: 1 });
    expect(of('chat.abandoned', ticketChat)).toHaveLength(1);
    const transitions = await b.ctx.db.selectFrom('transitions').selectAll().where('chat_id', '=', graceChat).where('event', '=', 'leave').execute();
    expect(transitions).toHaveLength(1);
    expect(transitions[0].actor_kind).toBe('system');
  });

  it('keep waiting re-arms the offer: it comes again after the same delay, once', async () => {
    const clock = new TestClock();
    const s = await startOn(kind, clock);
    cleanup.push(s.stop);
    const w = await s.f.world();
    const c = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    // Connected, so no grace runs: only the offer is due.
    const sock = await connect(s.url, '/portal', c);
    const seen = record(s, ['chat.offer']);
    const r = await c.post('/api/portal/chats', { boardId: w.boardId, subject: 'Slow', message: 'hi' });
    const id = r.body.chat.id;
    clock.advance(WAIT_OFFER_MS - 1);
    expect(await sweep(s)).toEqual(NOTHING_FIRED);
    clock.advance(1);
    expect(await sweep(s)).toEqual({ ...NOTHING_FIRED, offers: 1 });
    expect(seen).toHaveLength(1);
    expect((await c.get(`/api/portal/chats/${id}`)).body.offerPending).toBe(true);
    expect((await c.post(`/api/portal/chats/${id}/keep-waiting`)).status).toBe(200);
    expect((await c.get(`/api/portal/chats/${id}`)).body.offerPending).toBe(false);
    // The same delay again, counted from the keep-waiting: not a moment sooner, then once.
    clock.advance(WAIT_OFFER_MS - 1);
    expect(await sweep(s)).toEqual(NOTHING_FIRED);
    expect(seen).toHaveLength(1);
    clock.advance(1);
    expect(await sweep(s)).toEqual({ ...NOTHING_FIRED, offers: 1 });
    clock.advance(WAIT_OFFER_MS);
    expect(await sweep(s)).toEqual(NOTHING_FIRED);
    expect(seen).toHaveLength(2);
    expect(seen.every((e) => e.payload.chatId === id)).toBe(true);
    expect(Number((await chatRow(s, id)).offer_count)).toBe(2);
    sock.close();
  });

  it('a user who comes back within the grace keeps their place', async () => {
    const clock = new TestClock();
    const s = await startOn(kind, clock);
    cleanup.push(s.stop);
    const w = await s.f.world();
    const c = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const first = await connect(s.url, '/portal', c);
    const r = await c.post('/api/portal/chats', { boardId: w.boardId, subject: 'Flaky wifi', message: 'hi' });
    const id = r.body.chat.id;
    expect((await chatRow(s, id)).grace_at).toBeNull();
    const graceArmed = () => until(async () => (await chatRow(s, id)).grace_at, 10000, 'grace armed by the disconnect');
    first.close();
    expect(Number(await graceArmed())).toBe(clock.now() + GRACE_MS);
    // Back just before the grace runs out: the grace is cleared.
    clock.advance(GRACE_MS - 1);
    expect((await sweep(s)).abandoned).toBe(0);
    const again = await connect(s.url, '/portal', c);
    await until(async () => (await chatRow(s, id)).grace_at === null, 10000, 'grace cleared by the reconnect');
    // Long past the old deadline: still waiting.
    clock.advance(GRACE_MS);
    expect((await sweep(s)).abandoned).toBe(0);
    expect((await c.get(`/api/portal/chats/${id}`)).body.status).toBe('waiting');
    // Gone again: a whole new grace, then abandoned, once.
    again.close();
    expect(Number(await graceArmed())).toBe(clock.now() + GRACE_MS);
    clock.advance(GRACE_MS - 1);
    expect((await sweep(s)).abandoned).toBe(0);
    expect((await c.get(`/api/portal/chats/${id}`)).body.status).toBe('waiting');
    clock.advance(1);
    expect((await sweep(s)).abandoned).toBe(1);
    expect((await c.get(`/api/portal/chats/${id}`)).body.status).toBe('abandoned');
    clock.advance(GRACE_MS);
    expect(await sweep(s)).toEqual(NOTHING_FIRED);
  });
});

describe.each(DIALECTS)('portal presence audit on %s', (kind) => {
  it('arms the grace of a user connected nowhere, and never abandons a user who is connected', async () => {
    const clock = new TestClock();
    const s = await startOn(kind, clock);
    try {
      const w = await s.f.world();
      const c = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
      const sock = await connect(s.url, '/portal', c);
      const id = (await c.post('/api/portal/chats', { boardId: w.boardId, subject: 'x', message: 'y' })).body.chat.id;
      const grace = async () => (await chatRow(s, id)).grace_at;
      expect(await grace()).toBeNull();
      // A deadline that is due while the user is connected: cleared, not acted on.
      await s.ctx.db
        .updateTable('chats')
        .set({ grace_at: clock.now() - 1 })
        .where('id', '=', id)
        .execute();
      expect((await sweep(s)).abandoned).toBe(0);
      expect(await grace()).toBeNull();
      expect((await c.get(`/api/portal/chats/${id}`)).body.status).toBe('waiting');
      expect(await auditPortalPresence(s.ctx)).toBe(0);
      // The disconnect is lost (as with a node killed outright): the audit notices.
      sock.close();
      await until(async () => (await grace()) !== null, 10000, 'grace armed by the disconnect');
      await s.ctx.db.updateTable('chats').set({ grace_at: null }).where('id', '=', id).execute();
      expect(await auditPortalPresence(s.ctx)).toBe(1);
      expect(Number(await grace())).toBe(clock.now() + GRACE_MS);
    } finally {
      await s.stop();
    }
  });
});

describe.runIf(DIALECTS.includes('postgres'))('timers with two nodes on one PostgreSQL', () => {
  it('fire exactly once in the cluster', async () => {
    const clock = new TestClock();
    const db = await freshDatabase('postgres');
    const a = await startOn('postgres', clock, db);
    const b = await startOn('postgres', clock, db);
    try {
      const seenA = record(a, ['chat.offer', 'chat.abandoned']);
      const seenB = record(b, ['chat.offer', 'chat.abandoned']);
      const boardId = await a.f.board();
      const companyId = await a.f.company({ boardIds: [boardId] });
      const ids: number[] = [];
      // Chats whose users never connect: each gets an offer and then is abandoned.
      const requestChats = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const u = await a.f.portalUser(companyId);
          const c = await loginAs(ids.length % 2 ? a.url : b.url, 'portal', u.email, PASSWORD);
          ids.push((await c.post('/api/portal/chats', { boardId, subject: `s${ids.length}`, message: 'm' })).body.chat.id);
        }
      };
      const both = (r: { offers: number; abandoned: number }[]) => ({ offers: r[0].offers + r[1].offers, abandoned: r[0].abandoned + r[1].abandoned });
      const DUE = { offers: 4, abandoned: 4 };

      // Each node is the first to sweep one batch; the other, sweeping the same moment after it, finds nothing left.
      await requestChats(4);
      clock.advance(GRACE_MS);
      expect(await sweep(a)).toEqual({ ...NOTHING_FIRED, ...DUE });
      expect(await sweep(b)).toEqual(NOTHING_FIRED);
      await requestChats(4);
      clock.advance(GRACE_MS);
      expect(await sweep(b)).toEqual({ ...NOTHING_FIRED, ...DUE });
      expect(await sweep(a)).toEqual(NOTHING_FIRED);
      // Both nodes sweep the same due rows at once: each claim is won by one of them.
      await requestChats(4);
      clock.advance(GRACE_MS);
      expect(both(await Promise.all([sweep(a), sweep(b)]))).toEqual({ offers: 4, abandoned: 4 });
      clock.advance(GRACE_MS);
      expect(both(await Promise.all([sweep(a), sweep(b)]))).toEqual({ offers: 0, abandoned: 0 });

      const rows = await a.ctx.db.selectFrom('chats').select('status').where('id', 'in', ids).execute();
      expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'abandoned'));
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
