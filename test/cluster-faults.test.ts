/**
 * Faults in a cluster of child-process nodes: kill -9 of a node mid-conversation, and the
 * test's own Redis stopped and started again. Clients catch up from the database by `seq`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster, type ClusterNode } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { type Client, loginAs } from './support/http.js';
import { ack, connect, received, sleep, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, until } from './support/realtime.js';

const skip = clusterUnavailable();
if (skip) console.warn(`skipping cluster fault tests: ${skip}`);

/** One side of a chat as a real client keeps it: messages by seq, an outbox resent by client id. */
class Side {
  held = new Map<number, any>();
  liveSeqs: number[][] = [];
  outbox = new Map<string, { body: string; done: boolean }>();
  socket!: TestSocket;
  sockets: TestSocket[] = [];
  constructor(
    readonly name: string,
    readonly nsp: '/portal' | '/console',
    public client: Client,
    readonly chatId: number,
  ) {}

  async connectTo(node: ClusterNode) {
    // A new node needs no new login: sessions live in the database.
    const c = new (this.client.constructor as typeof Client)(node.url);
    (c as any).cookies = (this.client as any).cookies;
    this.client = c;
    this.socket = await connect(node.url, this.nsp, c);
    this.sockets.push(this.socket);
    const live: number[] = [];
    this.liveSeqs.push(live);
    this.socket.on('message', (m: any) => {
      if (m.chatId !== this.chatId) return;
      live.push(m.seq);
      this.held.set(m.seq, m);
    });
    await this.catchUp();
    for (const [id, o] of this.outbox) if (!o.done) await this.trySend(id);
  }
  contiguous() {
    let n = 0;
    while (this.held.has(n + 1)) n++;
    return n;
  }
  async catchUp() {
    for (;;) {
      const r = await ack(this.socket, 'chat:subscribe', { chatId: this.chatId, afterSeq: this.contiguous() });
      if (!r.ok) throw new Error(`${this.name} subscribe: ${JSON.stringify(r)}`);
      for (const m of r.messages) this.held.set(m.seq, m);
      if (r.messages.length < 1000) return r;
    }
  }
  async send(clientId: string, body: string) {
    this.outbox.set(clientId, { body, done: false });
    await this.trySend(clientId);
  }
  async trySend(clientId: string) {
    const o = this.outbox.get(clientId)!;
    if (!this.socket?.connected) return;
    try {
      const r = await ack(this.socket, 'message:send', { chatId: this.chatId, body: o.body, clientId }, 3000);
      if (!r.ok) throw new Error(`${this.name} send refused: ${JSON.stringify(r)}`);
      o.done = true;
      this.held.set(r.message.seq, r.message);
    } catch (e) {
      // A dropped connection leaves it in the outbox, resent with the same id after reconnecting.
      if (this.socket.connected && !(e instanceof Error && /disconnected|timed? ?out/i.test(e.message))) throw e;
    }
  }
  pending() {
    return [...this.outbox.values()].filter((o) => !o.done).length;
  }
  close() {
    for (const s of this.sockets) s.close();
  }
}

async function expectGapless(cl: Cluster, chatId: number, sides: Side[]) {
  const stored = await cl.handle.db.selectFrom('messages').selectAll().where('chat_id', '=', chatId).orderBy('seq').execute();
  const seqs = stored.map((m) => Number(m.seq));
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  const ids = stored.map((m) => m.client_id).filter(Boolean);
  expect(new Set(ids).size, 'each client id stored once').toBe(ids.length);
  for (const side of sides) {
    for (const id of side.outbox.keys()) expect(ids, `${side.name} ${id} stored`).toContain(id);
    expect(
      [...side.held.keys()].sort((a, b) => a - b),
      side.name,
    ).toEqual(seqs);
    for (const m of stored) expect(side.held.get(Number(m.seq))?.body, `${side.name} seq ${m.seq}`).toBe(m.body);
    for (const live of side.liveSeqs) expect(new Set(live).size, `${side.name}: no message twice on one connection`).toBe(live.length);
  }
  return stored;
}

describe.skipIf(!!skip)('cluster faults', () => {
  let redis: OwnRedis | undefined;
  let cl: Cluster | undefined;
  const sides: Side[] = [];
  afterEach(async () => {
    for (const s of sides.splice(0)) s.close();
    await cl?.stop();
    await redis?.stop();
    cl = undefined;
    redis = undefined;
  });

  it('kill -9 of node A mid-conversation: its clients move to node B and catch up; a timer due meanwhile fires once', async () => {
    redis = await OwnRedis.start();
    cl = await startCluster(2, {
      redisUrl: redis.url,
      env: { CHAT_WAIT_OFFER_SECONDS: '4', CHAT_DISCONNECT_GRACE_SECONDS: '2', CHAT_ASSIGNED_FIRST_SECONDS: '60', NODE_TIMEOUT_MS: '2000' },
    });
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const waiter = await cl.f.portalUser(w.companyId);
    // A waiting user on A who never comes back: A dies without running any disconnect handler.
    const lost = await cl.f.portalUser(w.companyId);
    const lostClient = await loginAs(A.url, 'portal', lost.email, PASSWORD);
    const lostSocket = await connect(A.url, '/portal', lostClient);
    const lostChat = (await lostClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Gone with A', message: 'hello' })).body.chat.id;

    const userClient = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const techClient = await loginAs(A.url, 'tech', w.tech.email, PASSWORD);
    const waiterClient = await loginAs(A.url, 'portal', waiter.email, PASSWORD);
    const waiterOnA = await connect(A.url, '/portal', waiterClient);
    const waitingChat = (await waiterClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Waiting through a crash', message: 'anyone?' })).body.chat
      .id;
    const chatId = (await userClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Crash', message: 'start' })).body.chat.id;
    expect((await techClient.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);

    const user = new Side('user', '/portal', userClient, chatId);
    const tech = new Side('tech', '/console', techClient, chatId);
    sides.push(user, tech);
    await user.connectTo(A);
    await tech.connectTo(A);

    let killed = false;
    let waiterOnB!: TestSocket;
    const talk = async (side: Side, prefix: string, n: number) => {
      for (let i = 0; i < n; i++) {
        await side.send(`${prefix}-${i}`, `${prefix} message ${i}`);
        await sleep(25);
      }
    };
    const crash = async () => {
      await sleep(150);
      await A.kill9();
      killed = true;
      // The clients notice and come back through the load balancer, which now only has B.
      await until(() => !user.socket.connected && !tech.socket.connected && !waiterOnA.connected, 10000, 'clients see the drop');
      await Promise.all([user.connectTo(B), tech.connectTo(B), connect(B.url, '/portal', waiterClient).then((s) => (waiterOnB = s))]);
    };
    await Promise.all([talk(user, 'u', 12), talk(tech, 't', 12), crash()]);
    expect(killed).toBe(true);
    for (const side of [user, tech]) for (const [id, o] of side.outbox) if (!o.done) await side.trySend(id);
    expect(user.pending() + tech.pending()).toBe(0);

    // The conversation goes on, on B; then both sides hold every message once.
    await user.send('u-after', 'after the crash');
    await tech.send('t-after', 'still here');
    await until(() => tech.held.has(user.contiguous()) && user.held.has(tech.contiguous()), 5000, 'live delivery on B');
    for (const side of [user, tech]) await side.catchUp();
    const stored = await expectGapless(cl, chatId, [user, tech]);
    expect(stored.length).toBe(2 + 2 * 12 + 2);

    // The waiting user reconnected to B; the offer falls due after the crash and is pushed once.
    const sub = await ack(waiterOnB, 'chat:subscribe', { chatId: waitingChat, afterSeq: 0 });
    expect(sub.chat.status).toBe('waiting');
    await waitFor(waiterOnB, 'offer', (o) => o.chatId === waitingChat, 15000);
    const row = await cl.handle.db.selectFrom('chats').selectAll().where('id', '=', waitingChat).executeTakeFirstOrThrow();
    expect(Number(row.offer_count)).toBe(1);
    // Past more sweeps: still one.
    await sleep(500);
    await barrier(waiterOnB);
    expect(received(waiterOnB, 'offer', (o) => o.chatId === waitingChat).length + received(waiterOnA, 'offer').length).toBe(1);
    waiterOnB.close();
    waiterOnA.close();

    // The user who never came back is abandoned after the grace (armed when A's heartbeat stops, as A ran no disconnect handler), once.
    await until(
      async () => (await cl!.handle.db.selectFrom('chats').select('status').where('id', '=', lostChat).executeTakeFirstOrThrow()).status === 'abandoned',
      30000,
      'lost user abandoned',
    );
    const tr = await cl.handle.db.selectFrom('transitions').selectAll().where('chat_id', '=', lostChat).where('to_status', '=', 'abandoned').execute();
    expect(tr).toHaveLength(1);
    expect(tr[0].actor_kind).toBe('system');
    lostSocket.close();
  }, 120000);

  it('kill -9 of a node: a waiting user of it who never returns is abandoned within a few seconds of the grace; one who returns is not', async () => {
    const GRACE_S = 2;
    redis = await OwnRedis.start();
    cl = await startCluster(2, {
      redisUrl: redis.url,
      // A killed node runs no disconnect handler: the others count its users gone once its heartbeat is 2 s old.
      env: { CHAT_WAIT_OFFER_SECONDS: '300', CHAT_DISCONNECT_GRACE_SECONDS: String(GRACE_S), CHAT_ASSIGNED_FIRST_SECONDS: '60', NODE_TIMEOUT_MS: '2000' },
    });
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const lost = await cl.f.portalUser(w.companyId);
    const lostClient = await loginAs(A.url, 'portal', lost.email, PASSWORD);
    const lostSocket = await connect(A.url, '/portal', lostClient, { reconnection: false });
    const lostChat = (await lostClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Lost with A', message: 'hello' })).body.chat.id;
    const back = await cl.f.portalUser(w.companyId);
    const backClient = await loginAs(A.url, 'portal', back.email, PASSWORD);
    const backSocket = await connect(A.url, '/portal', backClient, { reconnection: false });
    const backChat = (await backClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Back on B', message: 'hello' })).body.chat.id;

    await A.kill9();
    const killedAt = Date.now();
    // The returning user comes back through the load balancer to B within the grace.
    const backOnB = await connect(B.url, '/portal', backClient);
    const statusOf = async (id: number) => (await cl!.handle.db.selectFrom('chats').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    await until(async () => (await statusOf(lostChat)) === 'abandoned', 30000, 'lost user abandoned');
    const after = (Date.now() - killedAt) / 1000;
    expect(after, `abandoned ${after.toFixed(1)} s after the kill`).toBeLessThan(GRACE_S + 4);
    // Past the same grace again, the user who came back is still waiting.
    await sleep(GRACE_S * 1000 + 1000);
    expect(await statusOf(backChat)).toBe('waiting');
    for (const s of [lostSocket, backSocket, backOnB]) s.close();
  }, 90000);

  it('right after Redis returns, a request made on the node that is back first does not take a user connected to a node not back yet for gone', async () => {
    const GRACE_S = 3;
    redis = await OwnRedis.start();
    cl = await startCluster(2, {
      redisUrl: redis.url,
      env: { CHAT_WAIT_OFFER_SECONDS: '300', CHAT_DISCONNECT_GRACE_SECONDS: String(GRACE_S), CHAT_ASSIGNED_FIRST_SECONDS: '60' },
    });
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const userClient = await loginAs(B.url, 'portal', w.user.email, PASSWORD);
    const userSocket = await connect(B.url, '/portal', userClient);
    const ready = async (n: ClusterNode) => (await fetch(`${n.url}/api/ready`)).status === 200;
    await until(() => ready(A), 10000, 'A ready');
    // B is stalled through the outage, so it has not re-subscribed when A is back.
    B.pause();
    let chatId: number;
    try {
      await redis.stop();
      await redis.start();
      await until(() => ready(A), 15000, 'A back on Redis');
      const onA = new (userClient.constructor as typeof Client)(A.url);
      (onA as any).cookies = (userClient as any).cookies;
      const r = await onA.post('/api/portal/chats', { boardId: w.boardId, subject: 'Just after Redis', message: 'hello' });
      expect(r.status, r.text).toBe(201);
      chatId = r.body.chat.id;
    } finally {
      B.resume();
    }
    const graceOf = async () =>
      (await cl!.handle.db.selectFrom('chats').select(['grace_at', 'status']).where('id', '=', chatId).executeTakeFirstOrThrow()) as any;
    // Connected on B all along: no grace.
    expect((await graceOf()).grace_at).toBeNull();
    await until(() => ready(B), 15000, 'B back on Redis');
    await sleep(GRACE_S * 1000);
    expect(await graceOf()).toMatchObject({ status: 'waiting', grace_at: null });

    // The user leaves: the grace runs from then, and not a moment less.
    userSocket.close();
    const leftAt = Date.now();
    await until(async () => (await graceOf()).grace_at !== null, 5000, 'grace armed');
    expect(Number((await graceOf()).grace_at)).toBeGreaterThanOrEqual(leftAt + GRACE_S * 1000 - 200);
    await until(async () => (await graceOf()).status === 'abandoned', 15000, 'abandoned after the grace');
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(GRACE_S * 1000 - 200);
  }, 90000);

  it("a node stalled past the node timeout counts as gone (its users' grace starts), and counts its users again when it resumes", async () => {
    redis = await OwnRedis.start();
    cl = await startCluster(2, {
      redisUrl: redis.url,
      env: { CHAT_WAIT_OFFER_SECONDS: '300', CHAT_DISCONNECT_GRACE_SECONDS: '60', CHAT_ASSIGNED_FIRST_SECONDS: '60', NODE_TIMEOUT_MS: '1000' },
    });
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const userClient = await loginAs(B.url, 'portal', w.user.email, PASSWORD);
    const userSocket = await connect(B.url, '/portal', userClient);
    const r = await userClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Stalled node', message: 'hello' });
    const chatId = r.body.chat.id;
    const graceOf = async () => (await cl!.handle.db.selectFrom('chats').select('grace_at').where('id', '=', chatId).executeTakeFirstOrThrow()).grace_at;
    expect(await graceOf()).toBeNull();
    B.pause();
    try {
      await until(async () => (await graceOf()) !== null, 10000, 'grace armed by A once B stopped beating');
    } finally {
      B.resume();
    }
    await until(async () => (await graceOf()) === null, 10000, 'grace disarmed when B counts its user again');
    expect(A.logs()).toMatch(/a node stopped beating/);
    userSocket.close();
  }, 60000);

  it('what a node emitted while Redis was away is not replayed when it returns: no alert for a chat already taken, no older status', async () => {
    redis = await OwnRedis.start();
    cl = await startCluster(2, {
      redisUrl: redis.url,
      env: { CHAT_WAIT_OFFER_SECONDS: '300', CHAT_DISCONNECT_GRACE_SECONDS: '120', CHAT_ASSIGNED_FIRST_SECONDS: '60' },
    });
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const other = await cl.f.tech({ boardIds: [w.boardId], allCompanies: true });
    const ready = async (n: ClusterNode) => (await fetch(`${n.url}/api/ready`)).status === 200;
    await until(async () => (await ready(A)) && (await ready(B)), 10000, 'both ready');
    const userClient = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const techClient = await loginAs(A.url, 'tech', w.tech.email, PASSWORD);
    const onB = await connect(B.url, '/console', await loginAs(B.url, 'tech', other.email, PASSWORD));

    await redis.stop();
    await until(async () => !(await ready(A)) && !(await ready(B)), 10000, 'both see Redis gone');
    // On A alone: requested, then taken. B's tech hears nothing of it now.
    const r = await userClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'During the outage', message: 'hello' });
    expect(r.status, r.text).toBe(201);
    const chatId = r.body.chat.id;
    expect((await techClient.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    const mark = onB.events.length;

    // B is back on Redis before A, so B would hear whatever A still had queued.
    A.pause();
    try {
      await redis.start();
      await until(() => ready(B), 15000, 'B back on Redis');
      await waitFor(onB, 'resync', () => true);
    } finally {
      A.resume();
    }
    await until(() => ready(A), 15000, 'A back on Redis');
    // Long enough for anything queued during the outage to have been delivered.
    await sleep(1500);
    await barrier(onB);
    const after = onB.events.slice(mark);
    expect(after.filter((e) => e.name === 'alert' && e.payload.chat.id === chatId)).toEqual([]);
    expect(after.filter((e) => e.name === 'chat' && e.payload.id === chatId && e.payload.status === 'waiting')).toEqual([]);
    // What B's tech gets instead: a resync, after which a re-read shows the chat taken.
    const list = await (await loginAs(B.url, 'tech', other.email, PASSWORD)).get(`/api/console/chats/${chatId}`);
    expect(list.body.status).toBe('active');
    onB.close();
  }, 90000);

  it('Redis stopped and started again: nodes keep serving their own clients, then resync and fill the gap', async () => {
    redis = await OwnRedis.start();
    cl = await startCluster(2, {
      redisUrl: redis.url,
      env: { CHAT_WAIT_OFFER_SECONDS: '300', CHAT_DISCONNECT_GRACE_SECONDS: '120', CHAT_ASSIGNED_FIRST_SECONDS: '60' },
    });
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const userClient = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const techClient = await loginAs(B.url, 'tech', w.tech.email, PASSWORD);
    const chatId = (await userClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Redis outage', message: 'start' })).body.chat.id;
    expect((await techClient.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    const user = new Side('user', '/portal', userClient, chatId);
    const tech = new Side('tech', '/console', techClient, chatId);
    sides.push(user, tech);
    await user.connectTo(A);
    await tech.connectTo(B);
    await user.send('u-0', 'before');
    await until(() => tech.held.has(3), 5000, 'cross-node delivery before the outage');

    await redis.stop();
    // Both sides keep writing: the database takes every message, the other node hears nothing.
    for (let i = 1; i <= 4; i++) {
      await user.send(`u-${i}`, `during ${i}`);
      await tech.send(`t-${i}`, `reply ${i}`);
    }
    expect(user.pending() + tech.pending()).toBe(0);
    // Node B cannot hear of changes made on A now, so it keeps no actor: a rename on A shows in
    // the tech's very next message on B (it was served before, so its actor had been kept).
    const admin = await cl.f.tech({ role: 'admin' });
    const adminClient = await loginAs(A.url, 'tech', admin.email, PASSWORD);
    expect((await adminClient.patch(`/api/admin/techs/${w.tech.id}`, { name: 'Renamed During Outage' })).status).toBe(200);
    await tech.send('t-renamed', 'after the rename');
    expect([...tech.held.values()].find((m) => m.clientId === 't-renamed')?.author.name).toBe('Renamed During Outage');
    // Requests keep working while Redis is away, also for a user connected nowhere.
    const lone = await cl.f.portalUser(w.companyId);
    const loneClient = await loginAs(A.url, 'portal', lone.email, PASSWORD);
    const t0 = Date.now();
    const req = await loneClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'During outage', message: 'hello' });
    expect(req.status, req.text).toBe(201);
    expect(Date.now() - t0, 'no wait on Redis').toBeLessThan(5000);
    expect(tech.contiguous()).toBeLessThan(4 + 4 * 2);

    await redis.start();
    await waitFor(user.socket, 'resync', () => true, 20000);
    await waitFor(tech.socket, 'resync', () => true, 20000);
    for (const side of [user, tech]) await side.catchUp();

    // Live delivery across nodes resumes.
    await user.send('u-after', 'after');
    await tech.send('t-after', 'after too');
    await until(() => tech.held.has(user.contiguous()) && user.held.has(tech.contiguous()), 10000, 'live delivery after the outage');
    const live = tech.liveSeqs[0];
    const lastUser = [...user.held.values()].find((m) => m.clientId === 'u-after');
    await until(() => live.includes(lastUser.seq), 10000, 'tech got the new message live');
    for (const side of [user, tech]) await side.catchUp();
    await expectGapless(cl, chatId, [user, tech]);
  }, 120000);
  it('nodes started while Redis is down serve their own clients, and join up once it is there', async () => {
    redis = await OwnRedis.start();
    await redis.stop();
    cl = await startCluster(2, { redisUrl: redis.url, env: { CHAT_WAIT_OFFER_SECONDS: '300', CHAT_ASSIGNED_FIRST_SECONDS: '60' } });
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const techOnA = await connect(A.url, '/console', await loginAs(A.url, 'tech', w.tech.email, PASSWORD));
    const techClientOnB = await loginAs(B.url, 'tech', w.tech.email, PASSWORD);
    const techOnB = await connect(B.url, '/console', techClientOnB);
    const userClient = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const first = (await userClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'No Redis yet', message: 'hi' })).body.chat.id;
    await waitFor(techOnA, 'alert', (a) => a.chat.id === first);
    await redis.start();
    await waitFor(techOnB, 'resync', () => true, 20000);
    await waitFor(techOnA, 'resync', () => true, 20000);
    // The console on B re-reads its lists on resync and finds the chat it could not hear of.
    expect((await techClientOnB.get('/api/console/status-bar')).body.waiting.map((c: any) => c.id)).toContain(first);
    const u2 = await cl.f.portalUser(w.companyId);
    const c2 = await loginAs(A.url, 'portal', u2.email, PASSWORD);
    const second = (await c2.post('/api/portal/chats', { boardId: w.boardId, subject: 'With Redis', message: 'hi' })).body.chat.id;
    await waitFor(techOnB, 'alert', (a) => a.chat.id === second);
    techOnA.close();
    techOnB.close();
  }, 120000);
});
