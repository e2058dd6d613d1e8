/**
 * Webhooks across child-process nodes on one PostgreSQL and one Redis: a node killed with kill -9
 * while its receiver hangs leaves the delivery to another node once the job's lease (60 s) is
 * over, and the receiver gets the event exactly once more with the same webhook-id; with two
 * nodes running, every event reaches the receiver once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { clusterUnavailable, startCluster, type Cluster } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { loginAs } from './support/http.js';
import { until } from './support/realtime.js';
import { sleep } from './support/sockets.js';
import { startReceiver, type Receiver } from './support/receiver.js';

const skip = clusterUnavailable();
if (skip) console.warn(`skipping cluster webhook tests: ${skip}`);

const ENV = { WEBHOOK_PRIVATE_ADDRESSES: 'allow', PUBLIC_URL: 'https://help.example.test' };
const LEASE_MS = 60_000;

describe.skipIf(!!skip)('webhooks in a cluster', () => {
  let cl: Cluster | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    await cl?.stop();
    cl = undefined;
    receiver = undefined;
  });

  async function setUp(nodes: number) {
    // Logging everything: the secret must not be in any of it.
    cl = await startCluster(nodes, { redisUrl: process.env.REDIS_URL!, env: { ...ENV, LOG_LEVEL: 'debug' } });
    receiver = await startReceiver();
    const w = await cl.f.world();
    const a = await cl.f.tech({ role: 'admin' });
    const admin = await loginAs(cl.nodes[0].url, 'tech', a.email, PASSWORD);
    const made = await admin.post('/api/admin/webhooks', { url: receiver.url, events: ['chat.requested'], format: 'standard' });
    expect(made.status, made.text).toBe(201);
    const request = async (nodeUrl: string, subject: string) => {
      const u = await cl!.f.portalUser(w.companyId);
      const c = await loginAs(nodeUrl, 'portal', u.email, PASSWORD);
      const r = await c.post('/api/portal/chats', { boardId: w.boardId, subject, message: 'hello' });
      expect(r.status, r.text).toBe(201);
      return r.body.chat.id as number;
    };
    return { admin, endpointId: made.body.endpoint.id as number, secret: made.body.secret as string, request };
  }

  it('a node killed with kill -9 mid-delivery: after the lease another node delivers it, once more, with the same webhook-id', {
    timeout: 150_000,
  }, async () => {
    const { secret, request } = await setUp(1);
    const [A] = cl!.nodes;
    const r = receiver!;
    // The first post hangs (A is killed while waiting for it); later ones are answered.
    r.answer(() => (r.received.length === 1 ? 'hang' : { status: 200, body: 'ok' }));
    const chatId = await request(A.url, 'Server room too hot');
    await until(() => r.received.length === 1, 10_000, 'node A posted the delivery');
    const claimedAt = Date.now();
    await A.kill9();
    const B = await cl!.startNode('B', ENV);
    // Not before the lease is over: A might still be working on it, as far as anyone knows.
    await sleep(Math.max(0, claimedAt + LEASE_MS - 5_000 - Date.now()));
    expect(r.received).toHaveLength(1);
    await until(() => r.received.length === 2, LEASE_MS, 'node B delivered it after the lease');
    const [first, second] = r.received;
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.at - claimedAt).toBeGreaterThanOrEqual(LEASE_MS - 5_000);
    const event = new Webhook(secret).verify(second.body, {
      'webhook-id': second.headers['webhook-id'] as string,
      'webhook-timestamp': second.headers['webhook-timestamp'] as string,
      'webhook-signature': second.headers['webhook-signature'] as string,
    }) as { type: string; data: { chat: { id: number } } };
    expect(event).toMatchObject({ type: 'chat.requested', data: { chat: { id: chatId } } });
    // Delivered: nothing more comes, and the log says so.
    await sleep(3_000);
    expect(r.received).toHaveLength(2);
    const admin = await loginAs(B.url, 'tech', (await cl!.f.tech({ role: 'admin' })).email, PASSWORD);
    const endpoints = (await admin.get('/api/admin/webhooks')).body.endpoints;
    const [d] = (await admin.get(`/api/admin/webhooks/${endpoints[0].id}/deliveries`)).body;
    expect(d).toMatchObject({ status: 'delivered', eventId: first.headers['webhook-id'] });
    // A's attempt is in the log, without a result; B's with its answer.
    expect(d.attempts).toEqual([
      expect.objectContaining({ status: null, error: 'no result yet: being sent, or the node sending it stopped' }),
      expect.objectContaining({ status: 200, excerpt: 'ok' }),
    ]);
    // The nodes' logs saw the admin's requests, never the secret.
    expect(A.logs()).toContain('/api/admin/webhooks');
    for (const n of [A, B]) expect(n.logs()).not.toContain(secret.slice(6));
  });

  it('with two nodes running, each event reaches the receiver once', { timeout: 90_000 }, async () => {
    const { request } = await setUp(2);
    const [A, B] = cl!.nodes;
    const r = receiver!;
    const chats: number[] = [];
    for (let i = 0; i < 24; i += 2) chats.push(...(await Promise.all([request(A.url, `On A ${i}`), request(B.url, `On B ${i}`)])));
    await until(() => r.received.length >= chats.length, 30_000, 'every event delivered');
    await sleep(2_000);
    expect(r.received).toHaveLength(chats.length);
    const ids = r.received.map((x) => x.headers['webhook-id']);
    expect(new Set(ids).size).toBe(chats.length);
    const delivered = r.received.map((x) => JSON.parse(x.body).data.chat.id as number);
    expect(delivered.sort((a, b) => a - b)).toEqual([...chats].sort((a, b) => a - b));
    const rows = await cl!.handle.db.selectFrom('webhook_deliveries').select(['status']).execute();
    expect(rows.map((x) => x.status)).toEqual(chats.map(() => 'delivered'));
  });
});
