/**
 * Two nodes (child processes) on one PostgreSQL database and one Redis: events reach clients on
 * every node, and a race between techs on different nodes has exactly one winner.
 * Each file runs its own redis-server, so parallel suites never hear each other's rooms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { Client, loginAs } from './support/http.js';
import { ack, connect, received, sleep, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, closeAll, until } from './support/realtime.js';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Server } from 'socket.io';
import { openRedisLink } from '../src/server/realtime/redis-link.js';
import { clusterAdapter } from '../src/server/realtime/cluster-adapter.js';
import { redisPrefix } from '../src/server/realtime/redis-prefix.js';

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

    // Joined over HTTP on B, where the tech's socket is: that socket is in the stream at once.
    const joined = await tech.post(`/api/console/chats/${chatId}/join`);
    expect(joined.status, joined.text).toBe(200);
    expect(joined.body).toMatchObject({ id: chatId, status: 'active', tech: { id: w.tech.id }, abilities: { write: true, end: true } });
    await waitFor(ts, 'message', (m) => m.chatId === chatId && m.seq === 2 && m.body.endsWith('joined the chat'));
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
    expect(retry.body).toMatchObject({ duplicate: true, message: { seq: m2.message.seq } });

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
    // Live from the join on, each once: the "joined" line (seq 2) and both messages. The request's
    // message (seq 1) came before the join, and reaches the tech by the subscribe answer.
    const live = received(ts, 'message', (m) => m.chatId === chatId).map((e) => e.payload.seq);
    expect(live).toEqual([2, 3, 4]);
    expect(sub.messages.map((m: any) => m.seq)).toEqual([1, 2]);
  });

  it('a ticket chat requested on one node alerts its assigned tech on another first, then everyone else once', async () => {
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
    // Well past more sweeps on all three nodes: still one escalation, and the assigned tech (alerted
    // alone first) is not alerted again by it.
    await new Promise((res) => setTimeout(res, 600));
    await barrier(onA);
    await barrier(onB);
    expect(
      received(onA, 'alert', (a) => a.chat.id === chatId).map((e) => e.payload.stage),
      'escalated once',
    ).toEqual(['all']);
    expect(
      received(onB, 'alert', (a) => a.chat.id === chatId).map((e) => e.payload.stage),
      'one alert for the assigned tech',
    ).toEqual(['assigned']);
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
    const techClient = await loginAs(B.url, 'tech', w.tech.email, PASSWORD);
    const ts = await connect(B.url, '/console', techClient);
    const ws = await connect(B.url, '/console', await loginAs(B.url, 'tech', watcher.email, PASSWORD));
    open.push(us, ts, ws);
    const chatId = (await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Revoke across', message: 'hi' })).body.chat.id;
    expect((await techClient.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
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

  it('a tech\'s sockets hear its own "joined" line live, whichever node served the join', async () => {
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const techOnA = await loginAs(A.url, 'tech', w.tech.email, PASSWORD);
    const techOnB = await loginAs(B.url, 'tech', w.tech.email, PASSWORD);
    // One connection of the tech on A and, as another tab would, one on B.
    const sa = await connect(A.url, '/console', techOnA);
    const sb = await connect(B.url, '/console', techOnB);
    open.push(sa, sb);
    const request = async (subject: string) => {
      const u = await cl.f.portalUser(w.companyId);
      const uc = await loginAs(A.url, 'portal', u.email, PASSWORD);
      const r = await uc.post('/api/portal/chats', { boardId: w.boardId, subject, message: 'hello' });
      expect(r.status, r.text).toBe(201);
      await Promise.all([sa, sb].map((s) => waitFor(s, 'alert', (a) => a.chat.id === r.body.chat.id)));
      return { chatId: r.body.chat.id as number, uc };
    };
    const joinedLine = (chatId: number) => (m: any) => m.chatId === chatId && m.seq === 2 && m.author.kind === 'system' && m.body.endsWith('joined the chat');

    // Joined over HTTP on A, the node of socket `sa`: no subscribe, the line arrives live on both.
    const first = await request('Joined on A');
    expect((await techOnA.post(`/api/console/chats/${first.chatId}/join`)).status).toBe(200);
    await Promise.all([sa, sb].map((s) => waitFor(s, 'message', joinedLine(first.chatId))));
    // Joined over HTTP on B while `sa` is on A: the line still reaches `sa` live.
    const second = await request('Joined on B');
    expect((await techOnB.post(`/api/console/chats/${second.chatId}/join`)).status).toBe(200);
    await Promise.all([sa, sb].map((s) => waitFor(s, 'message', joinedLine(second.chatId))));

    // Both connections are in both streams from the join on: the users' next messages arrive, once.
    for (const { chatId, uc } of [first, second]) {
      const sent = await uc.post(`/api/portal/chats/${chatId}/messages`, { body: 'after the join', clientId: `after-${chatId}` });
      expect(sent.status, sent.text).toBe(201);
    }
    for (const s of [sa, sb]) {
      for (const { chatId } of [first, second]) await waitFor(s, 'message', (m) => m.chatId === chatId && m.seq === 3);
      await barrier(s);
      for (const { chatId } of [first, second]) expect(received(s, 'message', (m) => m.chatId === chatId).map((e) => e.payload.seq)).toEqual([2, 3]);
    }
  });

  it('a stream join from another node is checked again on arrival: a tech who may not see the chat is not let into its stream', async () => {
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const outsider = await cl.f.tech({ boardIds: [await cl.f.board()], allCompanies: true });
    const os = await connect(B.url, '/console', await loginAs(B.url, 'tech', outsider.email, PASSWORD));
    const tech = await loginAs(A.url, 'tech', w.tech.email, PASSWORD);
    const ts = await connect(A.url, '/console', tech);
    open.push(os, ts);
    const user = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Forged join', message: 'hello' });
    expect(r.status, r.text).toBe(201);
    const chatId = r.body.chat.id as number;
    expect((await tech.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);

    // A third "node" on the same Redis and prefix tells the cluster the outsider joined this chat.
    const link = await openRedisLink(redis.url, pino({ level: 'silent' }));
    const forger = new Server();
    forger.adapter((await clusterAdapter(link, redisPrefix({ databaseUrl: cl.env.DATABASE_URL, dataDir: cl.env.DATA_DIR }))) as never);
    try {
      await until(() => link.isUp(), 10000, 'forger linked');
      const answers = await new Promise<unknown[]>((resolve) =>
        forger.of('/console').serverSideEmit('stream:join', { techId: outsider.id, chatId }, (_err: unknown, res: unknown[]) => resolve(res ?? [])),
      );
      expect(answers.length).toBe(2);
    } finally {
      for (const nsp of ['/', '/console']) await forger.of(nsp).adapter.close();
      await link.close();
    }
    const sent = await user.post(`/api/portal/chats/${chatId}/messages`, { body: 'for the joined tech only', clientId: 'forged-1' });
    expect(sent.status, sent.text).toBe(201);
    await waitFor(ts, 'message', (m) => m.clientId === 'forged-1');
    // The outsider's node has had the message for as long as the joined tech's: nothing reached it.
    await sleep(300);
    await barrier(os);
    expect(received(os, 'message', (m) => m.chatId === chatId)).toEqual([]);
  });

  it("a node hears only the rooms it serves: a chat on node A is a channel B does not subscribe to until a tech on B opens the chat's stream", async () => {
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const other = await cl.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    const user = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const tech = await loginAs(A.url, 'tech', w.tech.email, PASSWORD);
    const us = await connect(A.url, '/portal', user);
    const ts = await connect(A.url, '/console', tech);
    const ob = await connect(B.url, '/console', await loginAs(B.url, 'tech', other.email, PASSWORD));
    open.push(us, ts, ob);
    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Only on A', message: 'hello' });
    expect(r.status, r.text).toBe(201);
    const chatId = r.body.chat.id;
    expect((await tech.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    await ack(ts, 'chat:subscribe', { chatId, afterSeq: 0 });

    // How many nodes subscribe to a room's channel (sharded pub/sub: one channel per room).
    const redisClient = new Redis(redis.url);
    const subscribers = async (nsp: string, room: string) => {
      const [channel] = (await redisClient.call('PUBSUB', 'SHARDCHANNELS', `*#${nsp}#${room}#`)) as string[];
      return channel ? Number(((await redisClient.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number])[1]) : 0;
    };
    try {
      expect(await subscribers('/console', `chat:${chatId}`)).toBe(1);
      expect(await subscribers('/portal', `portal:${w.user.id}`)).toBe(1);
      expect(await subscribers('/console', `tech:${other.id}`)).toBe(1);
      // Messages of the chat: node B is not subscribed, so Redis does not send them to it.
      for (let i = 0; i < 5; i++) await ack(us, 'message:send', { chatId, body: `m${i}`, clientId: `only-a-${i}` });
      await barrier(ob);
      expect(received(ob, 'message')).toEqual([]);
      expect(await subscribers('/console', `chat:${chatId}`)).toBe(1);

      // The tech on B opens the chat's stream: B subscribes first, then hears the next message.
      const sub = await ack(ob, 'chat:subscribe', { chatId, afterSeq: 0 });
      expect(sub.messages).toHaveLength(7);
      expect(await subscribers('/console', `chat:${chatId}`)).toBe(2);
      const sent = await ack(us, 'message:send', { chatId, body: 'now both', clientId: 'both-1' });
      expect((await waitFor(ob, 'message', (m) => m.clientId === 'both-1')).seq).toBe(sent.message.seq);
      // It closes the stream: B unsubscribes and hears no more of it.
      await ack(ob, 'chat:unsubscribe', { chatId });
      await until(async () => (await subscribers('/console', `chat:${chatId}`)) === 1, 5000, 'B unsubscribed');
    } finally {
      redisClient.disconnect();
    }
  });

  it('an internal note added on node A reaches the techs following the chat on both nodes and no portal socket on either', async () => {
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const watcher = await cl.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    const user = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const tech = await loginAs(B.url, 'tech', w.tech.email, PASSWORD);
    const userOnA = await connect(A.url, '/portal', user);
    const userOnB = await connect(B.url, '/portal', await loginAs(B.url, 'portal', w.user.email, PASSWORD));
    const techOnB = await connect(B.url, '/console', tech);
    const watcherOnA = await connect(A.url, '/console', await loginAs(A.url, 'tech', watcher.email, PASSWORD));
    open.push(userOnA, userOnB, techOnB, watcherOnA);
    const chatId = (await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Notes across nodes', message: 'Hi' })).body.chat.id;
    expect((await tech.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    for (const sock of [userOnA, userOnB, watcherOnA]) expect((await ack(sock, 'chat:subscribe', { chatId, afterSeq: 0 })).ok).toBe(true);

    const onA = await loginAs(A.url, 'tech', w.tech.email, PASSWORD);
    const added = await onA.post(`/api/console/chats/${chatId}/notes`, { body: 'Only for techs' });
    expect(added.status, added.text).toBe(201);
    expect(await waitFor(techOnB, 'note', (n) => n.chatId === chatId)).toEqual({ chatId, noteId: added.body.id });
    expect(await waitFor(watcherOnA, 'note', (n) => n.chatId === chatId)).toEqual({ chatId, noteId: added.body.id });
    // A message sent after it reaches both of the user's sockets: the note had its chance.
    await ack(techOnB, 'message:send', { chatId, body: 'After the note', clientId: 'after-note' });
    for (const sock of [userOnA, userOnB]) await waitFor(sock, 'message', (m) => m.clientId === 'after-note');
    for (const sock of [userOnA, userOnB, techOnB, watcherOnA]) await barrier(sock);
    expect(received(userOnA, 'note')).toEqual([]);
    expect(received(userOnB, 'note')).toEqual([]);
    expect(JSON.stringify([...userOnA.events, ...userOnB.events])).not.toContain('Only for techs');
  });

  it('"seen" marks cross nodes: the requester on A and the tech on B each learn how far the other has read', async () => {
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const user = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const tech = await loginAs(B.url, 'tech', w.tech.email, PASSWORD);
    const us = await connect(A.url, '/portal', user);
    const ts = await connect(B.url, '/console', tech);
    open.push(us, ts);
    const chatId = (await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Seen across nodes', message: 'Hi' })).body.chat.id;
    expect((await tech.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    expect((await ack(us, 'chat:subscribe', { chatId, afterSeq: 0 })).ok).toBe(true);
    const sent = await ack(ts, 'message:send', { chatId, body: 'Hello from B', clientId: 'seen-b' });
    await waitFor(us, 'message', (m) => m.clientId === 'seen-b');
    expect((await ack(us, 'chat:read', { chatId, seq: sent.message.seq })).ok).toBe(true);
    expect(await waitFor(ts, 'read', (r) => r.chatId === chatId)).toEqual({ chatId, by: 'requester', seq: sent.message.seq });
    expect((await ack(ts, 'chat:read', { chatId, seq: sent.message.seq })).ok).toBe(true);
    expect(await waitFor(us, 'read', (r) => r.chatId === chatId)).toEqual({ chatId, by: 'tech', seq: sent.message.seq });
    await barrier(us);
    expect(received(us, 'read', (r) => r.chatId === chatId)).toHaveLength(1);
  });

  it('20 techs on two nodes join one chat at once over HTTP: one wins, the others are told who, everyone sees the withdrawal', async () => {
    const [A, B] = cl.nodes;
    const boardId = await cl.f.board();
    const companyId = await cl.f.company({ boardIds: [boardId] });
    const techs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => cl.f.tech({ boardIds: [boardId], companyIds: [companyId], name: `Racer ${String(i).padStart(2, '0')}` })),
    );
    // Sockets alternate between the nodes, and so do the join requests, in every combination:
    // socket and request on the same node, and on different ones.
    const racers = await Promise.all(
      techs.map(async (t, i) => {
        const socketNode = i % 2 === 0 ? A : B;
        const requestNode = Math.floor(i / 2) % 2 === 0 ? A : B;
        const client = await loginAs(requestNode.url, 'tech', t.email, PASSWORD);
        const socket = await connect(socketNode.url, '/console', client);
        open.push(socket);
        return { ...t, client, socket };
      }),
    );
    const u = await cl.f.portalUser(companyId);
    const uc = await loginAs(A.url, 'portal', u.email, PASSWORD);
    const chatId = (await uc.post('/api/portal/chats', { boardId, subject: 'Race', message: 'first come' })).body.chat.id;
    // The request on A alerts every tech, on both nodes.
    await Promise.all(racers.map((r) => waitFor(r.socket, 'alert', (a) => a.chat.id === chatId)));

    const results = await Promise.all(racers.map((r) => r.client.post(`/api/console/chats/${chatId}/join`)));
    const winners = results.map((r, i) => ({ r, i })).filter((x) => x.r.status === 200);
    expect(winners).toHaveLength(1);
    const winner = racers[winners[0].i];
    const winnerName = `Racer ${String(winners[0].i).padStart(2, '0')}`;
    expect(winners[0].r.body).toMatchObject({ id: chatId, status: 'active', tech: { id: winner.id, name: winnerName } });
    const losers = results.filter((r) => r.status !== 200);
    expect(losers).toHaveLength(19);
    for (const r of losers) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('already_joined');
      expect(r.body.error.message).toContain(winnerName);
      expect(r.body.error.details).toMatchObject({ techId: winner.id, techName: winnerName, state: 'active' });
    }
    // The winner's socket is in the stream: its "joined" line arrives live, whichever node it is on.
    await waitFor(winner.socket, 'message', (m) => m.chatId === chatId && m.body === `${winnerName} joined the chat`);
    await Promise.all(racers.map((r) => waitFor(r.socket, 'alert:withdrawn', (w) => w.chatId === chatId)));
    for (const r of racers) {
      await barrier(r.socket);
      expect(received(r.socket, 'alert:withdrawn', (w) => w.chatId === chatId).map((e) => e.payload)).toEqual([
        { chatId, version: winners[0].r.body.version, techId: winner.id, techName: winnerName },
      ]);
      // Only the winner's connection joined the stream.
      expect(received(r.socket, 'message', (m) => m.chatId === chatId)).toHaveLength(r === winner ? 1 : 0);
    }
    const tr = (await cl.handle.db.selectFrom('transitions').selectAll().where('chat_id', '=', chatId).where('event', '=', 'join').execute()).map((t) =>
      Number(t.actor_id),
    );
    expect(tr).toEqual([winner.id]);
    const joinedLines = await cl.handle.db.selectFrom('messages').select('body').where('chat_id', '=', chatId).where('author_kind', '=', 'system').execute();
    expect(joinedLines.map((m) => m.body)).toEqual([`${winnerName} joined the chat`]);
  });
  it('failed logins count on every node: guesses spread over A and B slow the account on both', async () => {
    const [A, B] = cl.nodes;
    const victim = await cl.f.tech();
    const guess = (url: string, i: number) => new Client(url).post('/api/auth/tech/login', { email: victim.email, password: `guess-${i}` });
    // Eight failures from this address, alternating nodes, each after the wait it is asked for:
    // five free, then 1, 2 and 4 s. After the eighth the account waits 8 s from this address, on
    // either node, though neither node alone saw more than four failures.
    for (let i = 0; i < 8; i++) {
      const node = i % 2 ? B.url : A.url;
      let r = await guess(node, i);
      if (r.status === 429) {
        await sleep(r.body.error.details.retryAfterMs + 50);
        r = await guess(node, i);
      }
      expect(r.status).toBe(401);
    }
    for (const node of [A, B]) {
      const r = await new Client(node.url).post('/api/auth/tech/login', { email: victim.email, password: PASSWORD });
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('rate_limited');
    }
  });

  it('the per-user send limit holds for the sum over both nodes, and nobody else is held by it', async () => {
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const user = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const chatId = (await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Flood', message: 'start' })).body.chat.id;
    const tech = await loginAs(B.url, 'tech', w.tech.email, PASSWORD);
    expect((await tech.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    const onA = await connect(A.url, '/portal', user);
    const onB = await connect(B.url, '/portal', await loginAs(B.url, 'portal', w.user.email, PASSWORD));
    const techOnB = await connect(B.url, '/console', tech);
    open.push(onA, onB, techOnB);
    // Fifteen sends on each node at once: each node alone is under the burst of 20, the sum is not.
    const t0 = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => ack(i % 2 ? onB : onA, 'message:send', { chatId, body: `flood ${i}`, clientId: `flood-${i}` })),
    );
    const elapsedS = (Date.now() - t0) / 1000;
    const ok = answers.filter((a) => a.ok).length;
    const refused = answers.filter((a) => a.error?.code === 'rate_limited');
    expect(ok + refused.length).toBe(30);
    // The burst, plus what refilled (5/s) while the sends were under way; never more.
    expect(ok).toBeGreaterThanOrEqual(20);
    expect(ok).toBeLessThanOrEqual(20 + Math.ceil(5 * elapsedS));
    expect(refused[0].error.details.retryAfterMs).toBeGreaterThan(0);
    // The tech in the same chat is not held by the user's limit.
    for (let i = 0; i < 5; i++) expect((await ack(techOnB, 'message:send', { chatId, body: `reply ${i}`, clientId: `reply-${i}` })).ok).toBe(true);
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
