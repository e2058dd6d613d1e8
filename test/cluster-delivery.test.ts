/**
 * Two nodes (child processes) on one PostgreSQL database and one Redis: events reach clients on
 * every node, and a race between techs on different nodes has exactly one winner.
 * Each file runs its own redis-server, so parallel suites never hear each other's rooms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { Client, loginAs } from './support/http.js';
import { ack, connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, closeAll } from './support/realtime.js';

const skip = clusterUnavailable();
if (skip) console.warn(`skipping cluster delivery tests: ${skip}`);

describe.skipIf(!!skip)('two nodes on PostgreSQL and Redis', () => {
  let redis: OwnRedis;
  let cl: Cluster;
  const open: TestSocket[] = [];
  beforeAll(async () => {
    redis = await OwnRedis.start();
    cl = await startCluster(2, { redisUrl: redis.url, env: { CHAT_ASSIGNED_FIRST_SECONDS: '60', CHAT_WAIT_OFFER_SECONDS: '300' } });
  }, 90000);
  afterAll(async () => {
    closeAll(...open);
    await cl?.stop();
    await redis?.stop();
  });

  it('a portal user on node A and a tech on node B: alert, join, messages and typing both ways, end', async () => {
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const outsiderBoard = await cl.f.board();
    const outsider = await cl.f.tech({ boardIds: [outsiderBoard], allCompanies: true });
    const user = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const tech = await loginAs(B.url, 'tech', w.tech.email, PASSWORD);
    const us = await connect(A.url, '/portal', user);
    const ts = await connect(B.url, '/console', tech);
    const os = await connect(B.url, '/console', await loginAs(B.url, 'tech', outsider.email, PASSWORD));
    open.push(us, ts, os);

    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Across nodes', message: 'Hello from A' });
    expect(r.status, r.text).toBe(201);
    const chatId = r.body.chat.id;
    const alert = await waitFor(ts, 'alert', (a) => a.chat.id === chatId);
    expect(alert).toMatchObject({ stage: 'all', chat: { subject: 'Across nodes' } });

    expect((await ack(ts, 'chat:join', { chatId })).ok).toBe(true);
    await waitFor(us, 'chat', (c) => c.id === chatId && c.status === 'active');
    const sub = await ack(ts, 'chat:subscribe', { chatId, afterSeq: 0 });
    expect(sub.messages.map((m: any) => m.body)).toEqual(['Hello from A', expect.stringContaining('joined')]);
    expect(sub.requesterOnline).toBe(true);

    const m1 = await ack(ts, 'message:send', { chatId, body: 'Hi from B', clientId: 'b-1' });
    expect((await waitFor(us, 'message', (m) => m.clientId === 'b-1')).seq).toBe(m1.message.seq);
    const m2 = await ack(us, 'message:send', { chatId, body: 'Thanks', clientId: 'a-1' });
    expect((await waitFor(ts, 'message', (m) => m.clientId === 'a-1')).seq).toBe(m2.message.seq);
    // A retry of the same client id on the other node is stored once.
    const again = await loginAs(B.url, 'portal', w.user.email, PASSWORD);
    const retry = await again.post(`/api/portal/chats/${chatId}/messages`, { body: 'Thanks', clientId: 'a-1' });
    expect(retry.status).toBe(200);
    expect(retry.body.message?.seq ?? retry.body.seq).toBe(m2.message.seq);

    expect((await ack(us, 'typing', { chatId, typing: true })).ok).toBe(true);
    await waitFor(ts, 'typing', (t) => t.chatId === chatId && t.typing === true);
    expect((await ack(ts, 'typing', { chatId, typing: true })).ok).toBe(true);
    await waitFor(us, 'typing', (t) => t.chatId === chatId && t.author.kind === 'tech');

    // The user's presence crosses nodes too.
    us.close();
    await waitFor(ts, 'presence', (p) => p.chatId === chatId && p.online === false);
    const us2 = await connect(A.url, '/portal', user);
    open.push(us2);
    await waitFor(ts, 'presence', (p) => p.chatId === chatId && p.online === true);
    expect((await ack(us2, 'chat:subscribe', { chatId, afterSeq: m2.message.seq })).messages).toEqual([]);

    const end = await tech.post(`/api/console/chats/${chatId}/end`, { outcome: 'ended' });
    expect(end.status).toBe(200);
    await waitFor(us2, 'chat', (c) => c.id === chatId && c.status === 'completed');
    await barrier(os);
    expect(os.events.filter((e) => e.payload?.chatId === chatId || e.payload?.id === chatId || e.payload?.chat?.id === chatId)).toEqual([]);
    // Live after the subscribe (seq 3 on), each once. What came before it (the request's message and
    // the "joined" line) reaches the tech by the subscribe answer, and may also arrive live when the
    // room join on B landed before its fan-out from A; the client places both by seq.
    const live = received(ts, 'message', (m) => m.chatId === chatId).map((e) => e.payload.seq);
    expect(live.filter((x) => x >= 3)).toEqual([3, 4]);
    expect(new Set(live).size).toBe(live.length);
    expect([...new Set([...sub.messages.map((m: any) => m.seq), ...live])].sort()).toEqual([1, 2, 3, 4]);
  });

  it("a ticket chat requested on one node alerts its assigned tech on another first, then everyone once", async () => {
    const [A, B] = cl.nodes;
    // This node writes a 1 s assigned-first deadline; whichever node sweeps first fires it, once.
    const D = await cl.startNode('D', { CHAT_ASSIGNED_FIRST_SECONDS: '1' });
    const boardId = await cl.f.board();
    const companyId = await cl.f.company({ boardIds: [boardId] });
    const assigned = await cl.f.tech({ boardIds: [boardId], companyIds: [companyId], name: 'Assigned on B' });
    const other = await cl.f.tech({ boardIds: [boardId], companyIds: [companyId], name: 'Other on A' });
    const user = await cl.f.portalUser(companyId);
    const ticketId = await cl.f.ticket({ companyId, boardId, contactId: user.id, assignedTechId: assigned.id });
    const onB = await connect(B.url, '/console', await loginAs(B.url, 'tech', assigned.email, PASSWORD));
    const onA = await connect(A.url, '/console', await loginAs(A.url, 'tech', other.email, PASSWORD));
    open.push(onA, onB);
    const uc = await loginAs(D.url, 'portal', user.email, PASSWORD);
    const r = await uc.post(`/api/portal/tickets/${ticketId}/chat`, { message: 'again' });
    expect(r.status, r.text).toBe(201);
    const chatId = r.body.chat.id;
    expect((await waitFor(onB, 'alert', (a) => a.chat.id === chatId)).stage).toBe('assigned');
    await waitFor(onA, 'chat', (c) => c.id === chatId);
    await barrier(onA);
    expect(received(onA, 'alert')).toHaveLength(0);
    expect((await waitFor(onA, 'alert', (a) => a.chat.id === chatId, 10000)).stage).toBe('all');
    await waitFor(onB, 'alert', (a) => a.chat.id === chatId && a.stage === 'all');
    // Well past more sweeps on all three nodes: still one escalation.
    await new Promise((res) => setTimeout(res, 600));
    for (const s of [onA, onB]) {
      await barrier(s);
      expect(received(s, 'alert', (a) => a.chat.id === chatId && a.stage === 'all'), 'escalated once').toHaveLength(1);
    }
    await D.stop();
  });

  it('a grant revoked by an admin on node A cuts off the tech on node B at once', async () => {
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const admin = await cl.f.tech({ role: 'admin' });
    const adminClient = await loginAs(A.url, 'tech', admin.email, PASSWORD);
    const watcher = await cl.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    const user = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const us = await connect(A.url, '/portal', user);
    const ts = await connect(B.url, '/console', await loginAs(B.url, 'tech', w.tech.email, PASSWORD));
    const ws = await connect(B.url, '/console', await loginAs(B.url, 'tech', watcher.email, PASSWORD));
    open.push(us, ts, ws);
    const chatId = (await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Revoke across', message: 'hi' })).body.chat.id;
    expect((await ack(ts, 'chat:join', { chatId })).ok).toBe(true);
    expect((await ack(ws, 'chat:subscribe', { chatId, afterSeq: 0 })).ok).toBe(true);
    await ack(us, 'chat:subscribe', { chatId, afterSeq: 0 });
    await ack(us, 'message:send', { chatId, body: 'before', clientId: 'x-1' });
    await waitFor(ts, 'message', (m) => m.clientId === 'x-1');

    const g = await adminClient.put(`/api/admin/techs/${w.tech.id}/grants`, { boardIds: [], allCompanies: false, companyIds: [] });
    expect(g.status, g.text).toBe(200);
    // The other node hears of it through Redis; its sign is the pushed status-bar change.
    await waitFor(ts, 'statusbar:changed');
    await ack(us, 'message:send', { chatId, body: 'after', clientId: 'x-2' });
    await waitFor(ws, 'message', (m) => m.clientId === 'x-2');
    await barrier(ts);
    expect(received(ts, 'message', (m) => m.clientId === 'x-2')).toHaveLength(0);
    expect((await ack(ts, 'chat:subscribe', { chatId, afterSeq: 0 })).error.code).toBe('not_found');
  });

  it('20 techs on two nodes join one chat at once: one wins, the others are told who, everyone sees the withdrawal', async () => {
    const [A, B] = cl.nodes;
    const boardId = await cl.f.board();
    const companyId = await cl.f.company({ boardIds: [boardId] });
    const techs = await Promise.all(Array.from({ length: 20 }, (_, i) => cl.f.tech({ boardIds: [boardId], companyIds: [companyId], name: `Racer ${String(i).padStart(2, '0')}` })));
    const sockets = await Promise.all(
      techs.map(async (t, i) => {
        const node = i % 2 === 0 ? A : B;
        const s = await connect(node.url, '/console', await loginAs(node.url, 'tech', t.email, PASSWORD));
        open.push(s);
        return s;
      }),
    );
    const u = await cl.f.portalUser(companyId);
    const uc = await loginAs(A.url, 'portal', u.email, PASSWORD);
    const chatId = (await uc.post('/api/portal/chats', { boardId, subject: 'Race', message: 'first come' })).body.chat.id;
    // The request on A alerts every tech, on both nodes.
    await Promise.all(sockets.map((s) => waitFor(s, 'alert', (a) => a.chat.id === chatId)));

    const results = await Promise.all(sockets.map((s) => ack(s, 'chat:join', { chatId })));
    const winners = results.map((r, i) => ({ r, i })).filter((x) => x.r.ok);
    expect(winners).toHaveLength(1);
    const winner = techs[winners[0].i];
    const winnerName = `Racer ${String(winners[0].i).padStart(2, '0')}`;
    for (const r of results.filter((x) => !x.ok)) {
      expect(r.error.code).toBe('already_joined');
      expect(r.error.message).toContain(winnerName);
      expect(r.error.details).toMatchObject({ techId: winner.id, techName: winnerName });
    }
    await Promise.all(sockets.map((s) => waitFor(s, 'alert:withdrawn', (w) => w.chatId === chatId)));
    for (const s of sockets) {
      await barrier(s);
      expect(received(s, 'alert:withdrawn', (w) => w.chatId === chatId).map((e) => e.payload)).toEqual([{ chatId, techId: winner.id, techName: winnerName }]);
    }
    const tr = (await cl.handle.db.selectFrom('transitions').selectAll().where('chat_id', '=', chatId).where('event', '=', 'join').execute()).map((t) => Number(t.actor_id));
    expect(tr).toEqual([winner.id]);
  });
  it('failed logins count on every node: guesses spread over A and B lock the account on both', async () => {
    const [A, B] = cl.nodes;
    const victim = await cl.f.tech();
    const guess = (url: string, i: number) => new Client(url).post('/api/auth/tech/login', { email: victim.email, password: `guess-${i}` });
    // Ten failures, alternating nodes: five on each, so neither node alone reached the limit.
    for (let i = 0; i < 10; i++) expect((await guess(i % 2 ? B.url : A.url, i)).status).toBe(401);
    for (const node of [A, B]) {
      const r = await new Client(node.url).post('/api/auth/tech/login', { email: victim.email, password: PASSWORD });
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('rate_limited');
    }
  });

  it('a graceful stop of one node closes its own connections only; the other node keeps serving', async () => {
    const C = await cl.startNode('C');
    const [A] = cl.nodes;
    const w = await cl.f.world();
    const onA = await connect(A.url, '/console', await loginAs(A.url, 'tech', w.tech.email, PASSWORD));
    const onC = await connect(C.url, '/console', await loginAs(C.url, 'tech', w.tech.email, PASSWORD));
    open.push(onA, onC);
    // A waiting user connected to C only: C's shutdown starts the user's grace before it exits.
    const waiter = await cl.f.portalUser(w.companyId);
    const waiterClient = await loginAs(C.url, 'portal', waiter.email, PASSWORD);
    const waiterOnC = await connect(C.url, '/portal', waiterClient);
    open.push(waiterOnC);
    const waiting = (await waiterClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'On C', message: 'hi' })).body.chat.id;
    const graceOf = async () => (await cl.handle.db.selectFrom('chats').select('grace_at').where('id', '=', waiting).executeTakeFirstOrThrow()).grace_at;
    expect(await graceOf()).toBeNull();
    let aDropped = false;
    onA.on('disconnect', () => (aDropped = true));
    const gone = new Promise((r) => onC.once('disconnect', r));
    await C.stop();
    await gone;
    expect(C.alive).toBe(false);
    expect(await graceOf()).not.toBeNull();
    // The tech on A hears of a new request: still connected, still served.
    const u = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const chatId = (await u.post('/api/portal/chats', { boardId: w.boardId, subject: 'After C left', message: 'hi' })).body.chat.id;
    await waitFor(onA, 'alert', (a) => a.chat.id === chatId);
    expect(aDropped).toBe(false);
    expect(onA.connected).toBe(true);
  });
});
