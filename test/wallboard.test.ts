/**
 * The live wallboard (SPEC Part 2, "Insight"): its figures for a seeded desk, each viewer's scope
 * (a one-company tech sees that company only), who may open it and who is refused, and the pushes
 * after a change: to every watcher with their own scope's figures, to nobody else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, startTestServer, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack, connect, received, sleep, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, closeAll } from './support/realtime.js';
import { TestClock } from './support/clock.js';
import type { WallboardView } from '../src/shared/wallboard.js';

const S = 1000;

describe.each(DIALECTS)('wallboard on %s', (kind) => {
  let s: TestServer;
  const clock = new TestClock();
  let board: number;
  let c1: number;
  let c2: number;
  let admin: Client;
  let t1: Client; // company 1 only, allowed the wallboard
  let t2: Client; // company 2 only, not allowed
  let t3: Client; // company 1, Do Not Disturb
  let ids: { admin: number; t1: number; t2: number; t3: number };
  const sockets: TestSocket[] = [];

  /** A new chat of a fresh requester of the company; its requester's client. */
  async function request(companyId: number, subject: string) {
    const u = await s.f.portalUser(companyId);
    const user = await loginAs(s.url, 'portal', u.email, PASSWORD);
    const r = await user.post('/api/portal/chats', { boardId: board, subject, message: `About ${subject}` });
    expect(r.status, r.text).toBe(201);
    return { id: r.body.chat.id as number, user };
  }
  async function join(tech: Client, chatId: number) {
    const r = await tech.post(`/api/console/chats/${chatId}/join`);
    expect(r.status, r.text).toBe(200);
  }
  async function watch(client: Client) {
    const socket = await connect(s.url, '/console', client);
    sockets.push(socket);
    return socket;
  }

  beforeAll(async () => {
    s = await startTestServer(kind, {}, undefined, { clock });
    board = await s.f.board();
    c1 = await s.f.company({ boardIds: [board] });
    c2 = await s.f.company({ boardIds: [board] });
    const a = await s.f.tech({ role: 'admin' });
    const x1 = await s.f.tech({ boardIds: [board], companyIds: [c1] });
    const x2 = await s.f.tech({ boardIds: [board], companyIds: [c2] });
    const x3 = await s.f.tech({ boardIds: [board], companyIds: [c1], available: false });
    ids = { admin: a.id, t1: x1.id, t2: x2.id, t3: x3.id };
    [admin, t1, t2, t3] = await Promise.all([a, x1, x2, x3].map((t) => loginAs(s.url, 'tech', t.email, PASSWORD)));

    // The desk, on the test's clock (seconds from the start):
    //   0  a (company 1) and g (company 2) requested
    //  30  a joined by t1 (30 s: within the 60 s target); h (company 2) requested and joined at once; b requested
    // 150  b joined by the admin (120 s: past the target); c requested and left (abandoned); d asks a callback; e requested
    // 240  f requested
    // 245  now: g waits 245 s, e 95 s, f 5 s (not counted yet: still within the target)
    const a1 = await request(c1, 'a');
    await request(c2, 'g');
    clock.advance(30 * S);
    await join(t1, a1.id);
    const h = await request(c2, 'h');
    await join(t2, h.id);
    const b = await request(c1, 'b');
    clock.advance(120 * S);
    await join(admin, b.id);
    const c = await request(c1, 'c');
    expect((await c.user.post(`/api/portal/chats/${c.id}/leave`)).status).toBe(200);
    const d = await request(c1, 'd');
    expect((await d.user.post(`/api/portal/chats/${d.id}/callback`, { phone: '+1 555 123 4567', preferredTime: 'after 3pm' })).status).toBe(200);
    await request(c1, 'e');
    clock.advance(90 * S);
    await request(c1, 'f');
    clock.advance(5 * S);
  });
  afterAll(async () => {
    closeAll(...sockets);
    await s?.stop();
  });

  it('refuses the wallboard to a tech no admin allowed, to a portal user and to nobody; only an admin changes who may', async () => {
    for (const tech of [t1, t2]) {
      const r = await tech.get('/api/console/wallboard');
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('wallboard_not_allowed');
      expect((await tech.get('/api/console/wallboard/access')).body).toEqual({ allowed: false });
      expect((await tech.put('/api/admin/wallboard', { serviceLevelTargetSeconds: 60, viewerIds: [ids.t1] })).body.error.code).toBe('admin_only');
    }
    expect((await fetch(`${s.url}/api/console/wallboard`)).status).toBe(401);
    const user = await loginAs(s.url, 'portal', (await s.f.portalUser(c1)).email, PASSWORD);
    expect((await user.get('/api/console/wallboard')).status).toBe(401);
    // Not over the socket either: the portal namespace and a tech without permission are refused.
    const portalSocket = await connect(s.url, '/portal', user);
    sockets.push(portalSocket);
    expect((await ack(portalSocket, 'wallboard:watch', {})).error.code).toBe('wallboard_not_allowed');
    const t2Socket = await watch(t2);
    expect((await ack(t2Socket, 'wallboard:watch', {})).error.code).toBe('wallboard_not_allowed');
    expect((await ack(t2Socket, 'wallboard:watch', { scope: 'all' })).error.code).toBe('validation_failed');

    expect((await admin.get('/api/admin/wallboard')).body).toEqual({ serviceLevelTargetSeconds: 60, viewerIds: [] });
    const bad = await admin.put('/api/admin/wallboard', { serviceLevelTargetSeconds: 60, viewerIds: [ids.t1, 999999] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'viewerIds', ids: [999999] } });
    expect((await admin.put('/api/admin/wallboard', { serviceLevelTargetSeconds: 2, viewerIds: [] })).body.error.code).toBe('validation_failed');
    expect((await admin.get('/api/admin/wallboard')).body.viewerIds).toEqual([]);
    const saved = await admin.put('/api/admin/wallboard', { serviceLevelTargetSeconds: 60, viewerIds: [ids.t1] });
    expect(saved.body).toEqual({ serviceLevelTargetSeconds: 60, viewerIds: [ids.t1] });
    expect((await t1.get('/api/console/wallboard/access')).body).toEqual({ allowed: true });
    expect((await t2.get('/api/console/wallboard')).status).toBe(403);
  });

  let adminSocket: TestSocket;
  let t1Socket: TestSocket;
  let bystander: TestSocket;
  it('shows an admin the whole desk: the queue, techs by state, the service level, today and the office hours', async () => {
    adminSocket = await watch(admin);
    t1Socket = await watch(t1);
    const t3Socket = await watch(t3);
    bystander = (await watch(t2)) as TestSocket;
    void t3Socket;
    const board = (await admin.get('/api/console/wallboard')).body as WallboardView;
    expect(board).toMatchObject({
      scope: 'all',
      waiting: 3,
      longestWaitSeconds: 245,
      activeChats: 3,
      // Connected: the admin and t1 (Available), t3 (DNR); t2's socket is open too.
      techs: { available: 3, dnr: 1, offline: 0, inChats: 3 },
      // a and h within 60 s; b, c (abandoned), d (callback), e and g (waiting past 60 s) not; f not counted yet.
      serviceLevel: { targetSeconds: 60, windowMinutes: 60, counted: 7, withinTarget: 2, percent: 28 },
      today: { timezone: 'UTC', abandoned: 1, callbacksDue: 1, callbacksRequestedToday: 1 },
      officeHours: { open: false },
    });
    expect(Date.parse(board.at) - Date.parse(board.longestWaitingSince!)).toBe(245 * S);
    expect(board.today.date).toBe(new Date(clock.now()).toISOString().slice(0, 10));
    // The socket's answer is the same figures.
    expect((await ack(adminSocket, 'wallboard:watch', {})).wallboard).toEqual(board);
  });

  it('shows a one-company tech only that company: its chats, and the techs who could take them', async () => {
    const board = (await t1.get('/api/console/wallboard')).body as WallboardView;
    expect(board).toMatchObject({
      scope: 'own',
      waiting: 2,
      longestWaitSeconds: 95,
      activeChats: 2,
      // The admin, t1 and t3 share company 1; t2 (company 2 only) is not counted.
      techs: { available: 2, dnr: 1, offline: 0, inChats: 2 },
      serviceLevel: { counted: 5, withinTarget: 1, percent: 20 },
      today: { abandoned: 1, callbacksDue: 1, callbacksRequestedToday: 1 },
    });
    expect((await ack(t1Socket, 'wallboard:watch', {})).wallboard).toEqual(board);
  });

  it('counts "today" from midnight in the office hours\' time zone, and shows whether support is open', async () => {
    const zone = 'Pacific/Auckland';
    const open = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));
    expect((await admin.put('/api/admin/office-hours', { timezone: zone, schedule: open })).status).toBe(200);
    // Midnight in Auckland, found independently of the server: the latest instant at a whole minute whose local time is 00:00.
    const local = (t: number) =>
      new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(t);
    let midnight = Math.floor(clock.now() / 60_000) * 60_000;
    while (!local(midnight).endsWith('00:00')) midnight -= 60_000;
    const abandoned = await s.ctx.db.selectFrom('chats').select('id').where('abandoned_at', 'is not', null).executeTakeFirstOrThrow();
    const setAbandoned = (at: number) => s.ctx.db.updateTable('chats').set({ abandoned_at: at }).where('id', '=', abandoned.id).execute();
    try {
      await setAbandoned(midnight - 60_000);
      let board = (await admin.get('/api/console/wallboard')).body as WallboardView;
      expect(board.today).toMatchObject({ timezone: zone, date: local(clock.now()).slice(0, 10), abandoned: 0 });
      expect(board.officeHours).toMatchObject({ open: true, closesAt: null });
      await setAbandoned(midnight);
      board = (await admin.get('/api/console/wallboard')).body as WallboardView;
      expect(board.today.abandoned).toBe(1);
    } finally {
      await setAbandoned(clock.now() - 100 * S);
      expect((await admin.put('/api/admin/office-hours', { timezone: 'UTC', schedule: {} })).status).toBe(200);
    }
    // A change of the office hours reaches an open wallboard at once.
    const socket = await watch(admin);
    await ack(socket, 'wallboard:watch', {});
    expect((await admin.put('/api/admin/office-hours', { timezone: zone, schedule: open })).status).toBe(200);
    await waitFor<WallboardView>(socket, 'wallboard', (w) => w.officeHours.open && w.today.timezone === zone, 2000);
    expect((await admin.put('/api/admin/office-hours', { timezone: 'UTC', schedule: {} })).status).toBe(200);
    await waitFor<WallboardView>(socket, 'wallboard', (w) => !w.officeHours.open && w.today.timezone === 'UTC', 2000);
    socket.close();
  });

  it('pushes new figures to each watcher within 2 s of a change, each of their own scope, and nothing to others', async () => {
    const before = adminSocket.events.length;
    const t1Before = t1Socket.events.length;
    const started = Date.now();
    await request(c1, 'new in company 1');
    const [forAdmin, forT1] = await Promise.all([
      waitFor<WallboardView>(adminSocket, 'wallboard', (w) => w.waiting === 4, 2000),
      waitFor<WallboardView>(t1Socket, 'wallboard', (w) => w.waiting === 3, 2000),
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(forAdmin.scope).toBe('all');
    expect(forT1).toMatchObject({ scope: 'own', activeChats: 2 });

    // A change in company 2: the admin hears of it; t1's figures never count it.
    await request(c2, 'new in company 2');
    await waitFor<WallboardView>(adminSocket, 'wallboard', (w) => w.waiting === 5, 2000);
    await sleep(600);
    await barrier(t1Socket);
    const t1Boards = t1Socket.events.slice(t1Before).filter((e) => e.name === 'wallboard');
    expect(t1Boards.length).toBeGreaterThan(0);
    for (const e of t1Boards) expect(e.payload.waiting).toBeLessThanOrEqual(3);
    // Coalesced: a handful of pushes, not one per event.
    expect(adminSocket.events.slice(before).filter((e) => e.name === 'wallboard').length).toBeLessThanOrEqual(4);

    // A connected tech who is not watching (and may not) gets none.
    await barrier(bystander);
    expect(received(bystander, 'wallboard')).toEqual([]);

    // A tech going DNR is a change too.
    expect((await t1.put('/api/console/status', { available: false })).status).toBe(200);
    await waitFor<WallboardView>(adminSocket, 'wallboard', (w) => w.techs.dnr === 2, 2000);
    expect((await t1.put('/api/console/status', { available: true })).status).toBe(200);
  });

  it('stops pushing to a tech whose permission an admin withdrew', async () => {
    expect((await admin.put('/api/admin/wallboard', { serviceLevelTargetSeconds: 30, viewerIds: [] })).status).toBe(200);
    await waitFor<WallboardView>(adminSocket, 'wallboard', (w) => w.serviceLevel.targetSeconds === 30, 2000);
    // Told once, so that its page says so.
    expect(await waitFor(t1Socket, 'wallboard:closed', () => true, 2000)).toEqual({ code: 'wallboard_not_allowed' });
    await sleep(400);
    await barrier(t1Socket);
    const mark = t1Socket.events.length;
    await request(c1, 'after the withdrawal');
    await waitFor<WallboardView>(adminSocket, 'wallboard', (w) => w.waiting === 6, 2000);
    await sleep(600);
    await barrier(t1Socket);
    expect(received({ ...t1Socket, events: t1Socket.events.slice(mark) } as TestSocket, 'wallboard')).toEqual([]);
    expect((await t1.get('/api/console/wallboard')).body.error.code).toBe('wallboard_not_allowed');
    expect((await ack(t1Socket, 'wallboard:watch', {})).error.code).toBe('wallboard_not_allowed');
  });
});
