/**
 * A node pointed at a Redis without sharded pub/sub (older than 7, played here by a Redis whose
 * SSUBSCRIBE, SUNSUBSCRIBE and SPUBLISH are renamed away): it must not crash, must say why in its
 * log and in /api/ready, and must keep serving its own clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { Client, loginAs } from './support/http.js';
import { ack, connect, sleep, waitFor, type TestSocket } from './support/sockets.js';
import { closeAll, until } from './support/realtime.js';

const skip = clusterUnavailable();
if (skip) console.warn(`skipping old-Redis tests: ${skip}`);

const REFUSED = ['SSUBSCRIBE', 'SUNSUBSCRIBE', 'SPUBLISH'].flatMap((c) => ['--rename-command', c, '']);

describe.skipIf(!!skip)('a node on a Redis that refuses sharded pub/sub', () => {
  let redis: OwnRedis;
  let cl: Cluster;
  const open: TestSocket[] = [];
  beforeAll(async () => {
    redis = await OwnRedis.start(REFUSED);
    cl = await startCluster(1, { redisUrl: redis.url });
  }, 60000);
  afterAll(async () => {
    closeAll(...open);
    await cl?.stop();
    await redis?.stop();
  });

  it('stays up, is not ready (redis) with the reason logged, and still serves a chat on its own clients', async () => {
    const [A] = cl.nodes;
    const ready = () => new Client(A.url).get('/api/ready');
    const notReady = await until(async () => {
      const r = await ready();
      return r.status === 503 && r;
    });
    expect(notReady.body.failing).toEqual(['redis']);
    await until(() => A.logs().includes('Redis 7 or later is needed'), 10000, 'the reason in the log');

    // Rooms joined and events emitted: every one of them is a refused sharded command.
    const w = await cl.f.world();
    const user = await loginAs(A.url, 'portal', w.user.email, PASSWORD);
    const tech = await loginAs(A.url, 'tech', w.tech.email, PASSWORD);
    const us = await connect(A.url, '/portal', user);
    const ts = await connect(A.url, '/console', tech);
    open.push(us, ts);
    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Old Redis', message: 'Hello' });
    expect(r.status, r.text).toBe(201);
    const chatId = r.body.chat.id;
    await waitFor(ts, 'alert', (a) => a.chat.id === chatId);
    expect((await tech.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    await waitFor(us, 'chat', (c) => c.id === chatId && c.status === 'active');
    await ack(ts, 'chat:subscribe', { chatId, afterSeq: 0 });
    const sent = await ack(ts, 'message:send', { chatId, body: 'Still here', clientId: 'old-1' });
    expect(sent.message.seq).toBeGreaterThan(0);
    await waitFor(us, 'message', (m) => m.clientId === 'old-1');
    us.close();
    await sleep(500);

    expect(A.alive, A.logs()).toBe(true);
    expect((await new Client(A.url).get('/api/health')).status).toBe(200);
    expect(A.logs()).not.toMatch(/unhandled|ERR unknown command/i);
  }, 60000);
});
