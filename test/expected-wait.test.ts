/**
 * The expected wait a waiting requester sees on their chat (GET /api/portal/chats/:id): from the
 * queue, the techs online and available, and the board's recent chats; when support opens instead
 * outside office hours; nothing once the chat is no longer waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { world, type World } from './support/flows.js';
import { connect, type TestSocket } from './support/sockets.js';
import { saveOfficeHours } from '../src/server/services/office-hours.js';
import { boardOutcomes, staffing } from '../src/server/services/expected-wait.js';

const ALWAYS_OPEN = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));

describe.each(DIALECTS)('expected wait on %s', (kind) => {
  let s: TestServer;
  let w: World;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    s = await startTestServer(kind);
    w = await world(s);
    await saveOfficeHours(s.ctx.db, { timezone: 'UTC', schedule: ALWAYS_OPEN });
  });
  afterAll(async () => {
    for (const x of sockets) x.close();
    await s?.stop();
  });

  /** A fresh requester of the world's company starts a chat; returns their client and the chat id. */
  async function request(subject: string): Promise<{ user: Client; id: number }> {
    const u = await s.f.portalUser(w.companyId);
    const user = await loginAs(s.url, 'portal', u.email, PASSWORD);
    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject, message: 'Help' });
    expect(r.status, r.text).toBe(201);
    return { user, id: r.body.chat.id };
  }
  const detail = async (c: { user: Client; id: number }) => {
    const r = await c.user.get(`/api/portal/chats/${c.id}`);
    expect(r.status, r.text).toBe(200);
    return r.body as { status: string; queuePosition: number | null; expectedWait: any };
  };
  const online = async (client: Client) => sockets.push(await connect(s.url, '/console', client));
  /** What the board shares (office hours, staffing) is cached for 3 s: changes show within that. */
  const within = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 6000, interval: 200 });

  it('with nobody online to take it and no history: unknown, not a made-up figure', async () => {
    const a = await request('First');
    expect(await detail(a)).toMatchObject({ status: 'waiting', queuePosition: 1, expectedWait: { kind: 'unknown' } });
    // A tech with access who is available but not connected does not count.
    expect((await detail(a)).expectedWait.kind).toBe('unknown');
    expect((await a.user.post(`/api/portal/chats/${a.id}/leave`)).status).toBe(200);
  });

  it('changes with staffing and position: less than a minute with a free tech, longer behind others, unknown on "do not disturb"', async () => {
    await online(w.techClient);
    const a = await request('Alpha');
    await within(async () => (await detail(a)).expectedWait).toEqual({ kind: 'range', lowMin: 0, highMin: 1 });
    const b = await request('Beta');
    const c = await request('Gamma');
    const [db, dc] = [await detail(b), await detail(c)];
    expect([db.queuePosition, dc.queuePosition]).toEqual([2, 3]);
    expect(db.expectedWait.kind).toBe('range');
    expect(db.expectedWait.highMin).toBeGreaterThan(1);
    expect(dc.expectedWait.highMin).toBeGreaterThan(db.expectedWait.highMin);
    expect(dc.expectedWait.lowMin).toBeGreaterThanOrEqual(db.expectedWait.lowMin);

    // A second tech comes online: the same place in the queue waits less.
    const t2 = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    const tech2 = await loginAs(s.url, 'tech', t2.email, PASSWORD);
    await online(tech2);
    await within(async () => (await detail(c)).expectedWait.highMin).toBeLessThan(dc.expectedWait.highMin);
    const dc2 = await detail(c);

    // The first chat is taken: the others move up and their estimates shrink.
    expect((await w.techClient.post(`/api/console/chats/${a.id}/join`)).status).toBe(200);
    const dc3 = await detail(c);
    expect(dc3.queuePosition).toBe(2);
    expect(dc3.expectedWait.highMin).toBeLessThanOrEqual(dc2.expectedWait.highMin);
    expect((await detail(a)).expectedWait).toBeNull();

    // Both techs on "do not disturb": nobody can take it; the history (one join) is too short to go by.
    for (const t of [w.techClient, tech2]) expect((await t.put('/api/console/status', { available: false })).status).toBe(200);
    await within(async () => (await detail(c)).expectedWait).toEqual({ kind: 'unknown' });
    for (const t of [w.techClient, tech2]) await t.put('/api/console/status', { available: true });
    for (const x of [b, c]) await x.user.post(`/api/portal/chats/${x.id}/leave`);
    await w.techClient.post(`/api/console/chats/${a.id}/complete`, { note: 'done' });
  });

  it('counts only techs with access, available and online: not another company\'s tech, not one on "do not disturb"', async () => {
    const scope = { board_id: w.boardId, company_id: w.companyId };
    const before = await staffing(s.ctx, s.ctx.db, scope);
    expect(before).toMatchObject({ staffedTechs: 2, slotsPerTech: 1 });
    const otherCompany = await s.f.company({ boardIds: [w.boardId] });
    const t = await s.f.tech({ boardIds: [w.boardId], companyIds: [otherCompany] });
    await online(await loginAs(s.url, 'tech', t.email, PASSWORD));
    // Available, with access to the board but not the company, offline: none of them count.
    await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    expect(await staffing(s.ctx, s.ctx.db, scope)).toEqual(before);
    expect((await w.techClient.put('/api/console/status', { available: false })).status).toBe(200);
    expect((await staffing(s.ctx, s.ctx.db, scope)).staffedTechs).toBe(1);
    await w.techClient.put('/api/console/status', { available: true });
  });

  it("keeps the board's record of outcomes: a joined chat's wait against its first estimate, not a chat that left", async () => {
    // A board of its own, so the record holds only this test's chats.
    const w2 = await world(s);
    await saveOfficeHours(s.ctx.db, { timezone: 'UTC', schedule: ALWAYS_OPEN });
    await online(w2.techClient);
    const ask = async (subject: string) => {
      const u = await s.f.portalUser(w2.companyId);
      const user = await loginAs(s.url, 'portal', u.email, PASSWORD);
      const r = await user.post('/api/portal/chats', { boardId: w2.boardId, subject, message: 'Help' });
      expect(r.status, r.text).toBe(201);
      return { user, id: r.body.chat.id as number };
    };
    const record = boardOutcomes(s.ctx, w2.boardId);
    const x = await ask('Joined');
    await within(async () => (await detail(x)).expectedWait.kind).toBe('range');
    const y = await ask('Left');
    await within(async () => (await detail(y)).expectedWait.kind).toBe('range');
    expect(record.pendingIds().sort()).toEqual([x.id, y.id].sort());
    expect((await y.user.post(`/api/portal/chats/${y.id}/leave`)).status).toBe(200);
    expect((await w2.techClient.post(`/api/console/chats/${x.id}/join`)).status).toBe(200);
    // Another requester's polls reload the board's history (every 15 s): the join is recorded then.
    const z = await ask('Next');
    await expect.poll(async () => (await detail(z), record.size), { timeout: 25_000, interval: 1000 }).toBe(1);
    // The chat that left is not in the record, nor waiting for a wait; the new one waits.
    expect(record.pendingIds()).toEqual([z.id]);
    await z.user.post(`/api/portal/chats/${z.id}/leave`);
    await w2.techClient.post(`/api/console/chats/${x.id}/complete`, { note: 'done' });
  }, 40_000);

  it('outside office hours says when support opens instead of a range', async () => {
    const day = (new Date().getUTCDay() + 2) % 7;
    await saveOfficeHours(s.ctx.db, { timezone: 'UTC', schedule: { [String(day)]: [{ start: '09:00', end: '17:00' }] } });
    const a = await request('Zeta');
    const at = new Date();
    const opens = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 2, 9);
    await within(async () => (await detail(a)).expectedWait).toEqual({ kind: 'closed', opensAt: new Date(opens).toISOString() });
    await saveOfficeHours(s.ctx.db, { timezone: 'UTC', schedule: ALWAYS_OPEN });
    await a.user.post(`/api/portal/chats/${a.id}/leave`);
  });
});
