/**
 * The chat over sockets on one node: messages with acks and idempotent retries, typing, the
 * portal user's presence and the disconnect grace, the wait offer and its answers, the end and
 * completion pushed to both sides, and a dropped connection in a busy chat.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack, connect, received, sleep, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, serverWithSockets, until } from './support/realtime.js';

const TIMERS = { CHAT_WAIT_OFFER_SECONDS: '1', CHAT_DISCONNECT_GRACE_SECONDS: '1', CHAT_ASSIGNED_FIRST_SECONDS: '60', TIMER_SWEEP_MS: '100' };

describe.each(DIALECTS)('chat over sockets on %s', (kind) => {
  let s: TestServer;
  const open = serverWithSockets(kind, (server) => (s = server), TIMERS);

  /** A user connected before requesting (so no grace runs), a tech with access, both connected. */
  async function scene(opts: { join?: boolean } = {}) {
    const w = await s.f.world();
    const tech = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    const user = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const ts = await connect(s.url, '/console', tech);
    const us = await connect(s.url, '/portal', user);
    open.push(ts, us);
    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Laptop', message: 'Screen flickers' });
    expect(r.status, r.text).toBe(201);
    const chatId: number = r.body.chat.id;
    // Joined over HTTP: the server puts the tech's connected socket into the chat's stream.
    if (opts.join) expect((await tech.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    return { ...w, requesterId: w.user.id, tech, user, ts, us, chatId };
  }
  const dbChat = (id: number) => s.ctx.db.selectFrom('chats').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const dbMessages = (id: number) => s.ctx.db.selectFrom('messages').selectAll().where('chat_id', '=', id).orderBy('seq').execute();

  it('messages both ways with acks; a retry with the same client id is stored and delivered once', async () => {
    const sc = await scene({ join: true });
    const sub = await ack(sc.ts, 'chat:subscribe', { chatId: sc.chatId, afterSeq: 0 });
    expect(sub.messages.map((m: any) => m.seq)).toEqual([1, 2]);
    expect(sub.requesterOnline).toBe(true);
    const first = await ack(sc.us, 'message:send', { chatId: sc.chatId, body: 'Since this morning', clientId: 'u-1' });
    expect(first).toMatchObject({ ok: true, duplicate: false, message: { seq: 3, body: 'Since this morning', clientId: 'u-1' } });
    const retry = await ack(sc.us, 'message:send', { chatId: sc.chatId, body: 'Since this morning', clientId: 'u-1' });
    expect(retry).toMatchObject({ ok: true, duplicate: true, message: { seq: 3, id: first.message.id } });
    const viaHttp = await sc.user.post(`/api/portal/chats/${sc.chatId}/messages`, { body: 'Since this morning', clientId: 'u-1' });
    expect(viaHttp.status).toBe(200);
    const reply = await ack(sc.ts, 'message:send', { chatId: sc.chatId, body: 'Try another cable', clientId: 't-1' });
    expect(reply.message.seq).toBe(4);
    await waitFor(sc.us, 'message', (m) => m.clientId === 't-1');
    const last = await ack(sc.us, 'message:send', { chatId: sc.chatId, body: 'Works!', clientId: 'u-2' });
    await waitFor(sc.ts, 'message', (m) => m.seq === last.message.seq);
    // The tech's socket is in the stream from its join on: seq 2, the join's system message, is
    // its first live message (seq 1 was delivered before the join's request was even sent).
    const techLive = received(sc.ts, 'message', (m) => m.chatId === sc.chatId).map((e) => e.payload.seq);
    expect(techLive).toEqual([2, 3, 4, 5]);
    expect(received(sc.ts, 'message', (m) => m.seq === 2)[0].payload).toMatchObject({
      author: { kind: 'system' },
      body: expect.stringMatching(/joined the chat$/),
    });
    // The requester, connected before the request, gets every message once: its own room is
    // among the recipients of every message of its chat. Retries were not delivered again.
    expect(received(sc.us, 'message', (m) => m.chatId === sc.chatId).map((e) => e.payload.seq)).toEqual([1, 2, 3, 4, 5]);
    const stored = await dbMessages(sc.chatId);
    expect(stored.map((m) => Number(m.seq))).toEqual([1, 2, 3, 4, 5]);
    expect(stored.filter((m) => m.client_id === 'u-1')).toHaveLength(1);
    // Catch-up after a seq gives exactly the rest.
    const rest = await ack(sc.us, 'chat:subscribe', { chatId: sc.chatId, afterSeq: 3 });
    expect(rest.messages.map((m: any) => m.seq)).toEqual([4, 5]);
  });

  it("the user's presence reaches the tech: offline on the last disconnect, online on reconnect, left on leave", async () => {
    const sc = await scene({ join: true });
    expect((await ack(sc.ts, 'chat:subscribe', { chatId: sc.chatId, afterSeq: 0 })).requesterOnline).toBe(true);
    const second = await connect(s.url, '/portal', sc.user);
    open.push(second);
    await waitFor(sc.ts, 'presence', (p) => p.chatId === sc.chatId && p.online === true);
    sc.us.close();
    // Still connected in another tab: no offline. Closing that one too makes the user offline.
    second.close();
    const off = await waitFor(sc.ts, 'presence', (p) => p.chatId === sc.chatId && p.online === false);
    expect(off).toEqual({ chatId: sc.chatId, userId: sc.requesterId, online: false });
    expect(received(sc.ts, 'presence', (p) => p.online === false)).toHaveLength(1);
    expect((await ack(sc.ts, 'chat:subscribe', { chatId: sc.chatId, afterSeq: 0 })).requesterOnline).toBe(false);
    const back = await connect(s.url, '/portal', sc.user);
    open.push(back);
    await until(() => received(sc.ts, 'presence', (p) => p.online === true).length >= 2, 5000, 'online again');
    expect((await ack(sc.ts, 'chat:subscribe', { chatId: sc.chatId, afterSeq: 0 })).requesterOnline).toBe(true);
    // Leaving an active chat: the tech is told; the chat stays active for the tech to end.
    const left = await sc.user.post(`/api/portal/chats/${sc.chatId}/leave`);
    expect(left.status, left.text).toBe(200);
    expect(left.body).toMatchObject({ id: sc.chatId, status: 'active', leftAt: expect.any(String), abilities: { leave: false } });
    await waitFor(sc.ts, 'presence', (p) => p.chatId === sc.chatId && p.left === true);
    await waitFor(sc.ts, 'message', (m) => m.chatId === sc.chatId && m.author.kind === 'system' && /left/.test(m.body));
    const end = await sc.tech.post(`/api/console/chats/${sc.chatId}/end`, { outcome: 'ended' });
    expect(end.status).toBe(200);
    await waitFor(back, 'chat', (c) => c.id === sc.chatId && c.status === 'completed');
    await waitFor(sc.ts, 'chat', (c) => c.id === sc.chatId && c.status === 'completed');
  });

  it('a waiting user gone for the disconnect grace is abandoned once', async () => {
    const sc = await scene();
    sc.us.close();
    const abandoned = await waitFor(sc.ts, 'chat', (c) => c.id === sc.chatId && c.status === 'abandoned', 10000);
    expect(abandoned.abandonedAt).not.toBeNull();
    await waitFor(sc.ts, 'alert:withdrawn', (a) => a.chatId === sc.chatId);
    // Let more sweeps pass, then prove nothing fired twice.
    const row = await dbChat(sc.chatId);
    await until(async () => Date.now() > Number(row.abandoned_at) + 600, 3000);
    await barrier(sc.ts);
    expect(received(sc.ts, 'chat', (c) => c.id === sc.chatId && c.status === 'abandoned')).toHaveLength(1);
    // The wait offer falling due as the chat was abandoned reads the abandoned row too: that
    // version has gone out already, and is not sent again (the offer is the handler's last step).
    const back = await connect(s.url, '/portal', sc.user);
    open.push(back);
    s.ctx.bus.publish('chat.offer', { chatId: sc.chatId, requesterId: sc.requesterId });
    await waitFor(back, 'offer', (o) => o.chatId === sc.chatId);
    await barrier(sc.ts);
    expect(received(sc.ts, 'chat', (c) => c.id === sc.chatId && c.status === 'abandoned')).toHaveLength(1);
    const tr = (await sc.tech.get(`/api/console/chats/${sc.chatId}/transitions`)).body;
    expect(tr.filter((t: any) => t.to === 'abandoned')).toEqual([expect.objectContaining({ actor: expect.objectContaining({ kind: 'system' }) })]);
    const bar = (await sc.tech.get('/api/console/status-bar')).body;
    expect(bar.abandoned.map((c: any) => c.id)).toContain(sc.chatId);
    expect(bar.waiting.map((c: any) => c.id)).not.toContain(sc.chatId);
  });

  it('a waiting user who reconnects within the grace is not abandoned', async () => {
    const sc = await scene();
    sc.us.close();
    await until(async () => (await dbChat(sc.chatId)).grace_at !== null, 5000, 'grace set');
    const graceAt = Number((await dbChat(sc.chatId)).grace_at);
    const back = await connect(s.url, '/portal', sc.user);
    open.push(back);
    await until(async () => (await dbChat(sc.chatId)).grace_at === null, 5000, 'grace cleared');
    // Past the old deadline and several sweeps: still waiting.
    while (Date.now() < graceAt + 800) await sleep(100);
    expect((await dbChat(sc.chatId)).status).toBe('waiting');
    // A quick drop and return (faster than the disconnect handler) leaves no grace behind either.
    back.close();
    const again = await connect(s.url, '/portal', sc.user);
    open.push(again);
    // (On a loaded machine the disconnect may be handled after the return: the grace it arms is
    // then disarmed by the connection already back.)
    await until(async () => (await dbChat(sc.chatId)).grace_at === null, 5000, 'no grace left behind');
    expect((await dbChat(sc.chatId)).status).toBe('waiting');
  });

  it('the wait offer is pushed when due; keep waiting, leave and callback over HTTP reach both sides', async () => {
    const sc = await scene();
    const offer = await waitFor(sc.us, 'offer', (o) => o.chatId === sc.chatId, 10000);
    expect(offer).toEqual({ chatId: sc.chatId });
    await waitFor(sc.us, 'chat', (c) => c.id === sc.chatId && c.offerPending === true);
    const kept = await sc.user.post(`/api/portal/chats/${sc.chatId}/keep-waiting`);
    expect(kept.status, kept.text).toBe(200);
    expect(kept.body).toMatchObject({ id: sc.chatId, status: 'waiting', offerPending: false, abilities: { write: false, leave: true, callback: true } });
    // The offer comes again after the same delay, once per delay.
    await until(() => received(sc.us, 'offer', (o) => o.chatId === sc.chatId).length === 2, 10000, 'second offer');
    const left = await sc.user.post(`/api/portal/chats/${sc.chatId}/leave`);
    expect(left.status, left.text).toBe(200);
    expect(left.body).toMatchObject({ id: sc.chatId, status: 'abandoned', abilities: { write: false, leave: false, keepWaiting: false, callback: false } });
    await waitFor(sc.us, 'chat', (c) => c.id === sc.chatId && c.status === 'abandoned');
    await waitFor(sc.ts, 'chat', (c) => c.id === sc.chatId && c.status === 'abandoned');
    await waitFor(sc.ts, 'alert:withdrawn', (a) => a.chatId === sc.chatId);
    expect((await dbChat(sc.chatId)).offer_at).toBeNull();

    // A callback requested over HTTP; completing it reaches both sides.
    const r = await sc.user.post('/api/portal/chats', { boardId: sc.boardId, subject: 'Call me', message: 'Please call' });
    const cb = r.body.chat.id;
    const bad = await sc.user.post(`/api/portal/chats/${cb}/callback`, { phone: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect((await dbChat(cb)).status).toBe('waiting');
    const res = await sc.user.post(`/api/portal/chats/${cb}/callback`, { phone: '+1 555 123 4567', preferredTime: 'after 3pm', message: 'Desk phone' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: cb, status: 'callback', callback: { phone: '+1 555 123 4567', preferredTime: 'after 3pm', message: 'Desk phone' } });
    await waitFor(sc.us, 'chat', (c) => c.id === cb && c.status === 'callback');
    const seen = await waitFor(sc.ts, 'chat', (c) => c.id === cb && c.status === 'callback');
    expect(seen.callback.phone).toBe('+1 555 123 4567');
    expect((await sc.tech.get('/api/console/status-bar')).body.callback.map((c: any) => c.id)).toContain(cb);
    const done = await sc.tech.post(`/api/console/chats/${cb}/complete`, { note: 'Called back, fixed' });
    expect(done.status, done.text).toBe(200);
    await waitFor(sc.us, 'chat', (c) => c.id === cb && c.status === 'completed');
    await waitFor(sc.ts, 'chat', (c) => c.id === cb && c.status === 'completed');
    // No offer is ever pushed for a chat that is no longer waiting.
    await barrier(sc.us);
    expect(received(sc.us, 'offer', (o) => o.chatId === cb)).toHaveLength(0);
  });

  it('a dropped connection in a busy chat: after reconnect both sides hold every message once, in seq order', async () => {
    const sc = await scene({ join: true });
    type Side = { name: string; client: Client; nsp: '/portal' | '/console'; socket: TestSocket; held: Map<number, any>; liveSeqs: number[][] };
    const mk = (name: string, client: Client, nsp: '/portal' | '/console', socket: TestSocket): Side => ({
      name,
      client,
      nsp,
      socket,
      held: new Map(),
      liveSeqs: [],
    });
    const user = mk('user', sc.user, '/portal', sc.us);
    const tech = mk('tech', sc.tech, '/console', sc.ts);
    const attach = (side: Side) => {
      const live: number[] = [];
      side.liveSeqs.push(live);
      side.socket.on('message', (m: any) => {
        if (m.chatId !== sc.chatId) return;
        live.push(m.seq);
        side.held.set(m.seq, m);
      });
    };
    const catchUp = async (side: Side) => {
      const after = contiguous(side.held);
      const r = await ack(side.socket, 'chat:subscribe', { chatId: sc.chatId, afterSeq: after });
      for (const m of r.messages) side.held.set(m.seq, m);
    };
    for (const side of [user, tech]) {
      attach(side);
      await catchUp(side);
    }

    // Each side keeps an outbox and resends unconfirmed messages with the same id after reconnecting.
    const N = 14;
    const outbox = new Map<string, { side: Side; body: string; done: boolean }>();
    const sendAll = async (side: Side, prefix: string) => {
      for (let i = 0; i < N; i++) {
        const clientId = `${prefix}-${i}`;
        outbox.set(clientId, { side, body: `${prefix} says ${i}`, done: false });
        await trySend(clientId);
        await sleep(15);
      }
    };
    const trySend = async (clientId: string) => {
      const o = outbox.get(clientId)!;
      if (!o.side.socket.connected) return;
      try {
        const r = await ack(o.side.socket, 'message:send', { chatId: sc.chatId, body: o.body, clientId }, 2000);
        if (r.ok) {
          o.done = true;
          o.side.held.set(r.message.seq, r.message);
        } else throw new Error(JSON.stringify(r));
      } catch (e) {
        if (o.side.socket.connected) throw e;
      }
    };
    const dropAndReturn = async () => {
      await sleep(60);
      // The connection drops: the transport dies under the client.
      user.socket.io.engine.close();
      await sleep(150);
      user.socket = await connect(s.url, '/portal', sc.user);
      open.push(user.socket);
      attach(user);
      await catchUp(user);
      for (const [id, o] of outbox) if (o.side === user && !o.done) await trySend(id);
    };
    await Promise.all([sendAll(user, 'u'), sendAll(tech, 't'), dropAndReturn()]);
    for (const [id, o] of outbox) if (!o.done) await trySend(id);
    expect([...outbox.values()].every((o) => o.done)).toBe(true);

    // A final message from each side proves the live stream is flowing; then both catch up.
    const fin1 = await ack(user.socket, 'message:send', { chatId: sc.chatId, body: 'bye', clientId: 'u-final' });
    const fin2 = await ack(tech.socket, 'message:send', { chatId: sc.chatId, body: 'bye bye', clientId: 't-final' });
    await waitFor(tech.socket, 'message', (m) => m.seq === fin1.message.seq);
    await waitFor(user.socket, 'message', (m) => m.seq === fin2.message.seq);
    for (const side of [user, tech]) await catchUp(side);

    const stored = await dbMessages(sc.chatId);
    const total = 2 + 2 * N + 2;
    expect(stored.map((m) => Number(m.seq))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const ids = stored.map((m) => m.client_id).filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
    // The drop really cut the live stream: some of the tech's messages reached the user only by catch-up.
    expect(user.liveSeqs).toHaveLength(2);
    const liveToUser = new Set(user.liveSeqs.flat());
    expect(stored.filter((m) => m.author_kind === 'tech' && !liveToUser.has(Number(m.seq))).length).toBeGreaterThan(0);
    for (const side of [user, tech]) {
      expect(
        [...side.held.keys()].sort((a, b) => a - b),
        side.name,
      ).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      for (const m of stored) expect(side.held.get(Number(m.seq))?.body, `${side.name} seq ${m.seq}`).toBe(m.body);
      // One connection never gets the same message twice. (Live order is nearly always seq order,
      // but only `seq` is the contract: clients place messages by it and catch up on a gap.)
      for (const live of side.liveSeqs) expect(new Set(live).size, side.name).toBe(live.length);
    }
  });
});

function contiguous(held: Map<number, unknown>) {
  let n = 0;
  while (held.has(n + 1)) n++;
  return n;
}
