/**
 * Two deployments (each its own PostgreSQL database) on one Redis: neither hears the other's live
 * events, although their ids are alike (tech 1, chat 1 in both); the two nodes of one deployment
 * still hear each other. The Redis prefix comes from the database's identity
 * (src/server/realtime/redis-prefix.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { loginAs } from './support/http.js';
import { connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, closeAll } from './support/realtime.js';
import { databaseIdentity, redisPrefix } from '../src/server/realtime/redis-prefix.js';

const skip = clusterUnavailable();

describe('the Redis prefix of a deployment', () => {
  it('is the same for one database however its URL is written, different for another, and REDIS_PREFIX wins', () => {
    const a = redisPrefix({ databaseUrl: 'postgres://app:secret@DB.example:5432/helpdesk?sslmode=require', dataDir: './data' });
    expect(redisPrefix({ databaseUrl: 'postgres://other:pw@db.example/helpdesk', dataDir: './elsewhere' })).toBe(a);
    expect(redisPrefix({ databaseUrl: 'postgres://app:secret@db.example:5432/helpdesk_staging', dataDir: './data' })).not.toBe(a);
    expect(redisPrefix({ databaseUrl: 'postgres://app:secret@db.example:5433/helpdesk', dataDir: './data' })).not.toBe(a);
    expect(redisPrefix({ databaseUrl: 'postgres://app:secret@db2.example/helpdesk', dataDir: './data' })).not.toBe(a);
    expect(redisPrefix({ redisPrefix: 'acme-prod', databaseUrl: 'postgres://db.example/helpdesk', dataDir: './data' })).toBe('acme-prod');
    expect(redisPrefix({ dataDir: './data' })).not.toBe(redisPrefix({ dataDir: './data-2' }));
    // No secret of the URL is part of the identity.
    expect(databaseIdentity({ databaseUrl: 'postgres://app:secret@db.example/helpdesk', dataDir: '.' })).toBe('postgres:db.example:5432/helpdesk');
    expect(databaseIdentity({ databaseUrl: 'postgres://app@db.example', dataDir: '.' })).toBe('postgres:db.example:5432/app');
  });
});

describe.skipIf(!!skip)('two deployments on one Redis', () => {
  let redis: OwnRedis;
  let one: Cluster;
  let two: Cluster;
  const open: TestSocket[] = [];
  beforeAll(async () => {
    redis = await OwnRedis.start();
    const env = { CHAT_ASSIGNED_FIRST_SECONDS: '60', CHAT_WAIT_OFFER_SECONDS: '300' };
    [one, two] = await Promise.all([startCluster(2, { redisUrl: redis.url, env }), startCluster(1, { redisUrl: redis.url, env })]);
  }, 120000);
  afterAll(async () => {
    closeAll(...open);
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  it('an alert reaches the tech on the other node of its own deployment, never the tech of the other deployment', async () => {
    const [oneA, oneB] = one.nodes;
    const [twoA] = two.nodes;
    const w1 = await one.f.world();
    const w2 = await two.f.world();
    // Fresh databases: the same ids on both sides, so a leak would land on the twin.
    expect(w2.tech.id).toBe(w1.tech.id);
    expect(w2.user.id).toBe(w1.user.id);
    const tech1 = await connect(oneB.url, '/console', await loginAs(oneB.url, 'tech', w1.tech.email, PASSWORD));
    const tech2 = await connect(twoA.url, '/console', await loginAs(twoA.url, 'tech', w2.tech.email, PASSWORD));
    const user1 = await loginAs(oneA.url, 'portal', w1.user.email, PASSWORD);
    const user2 = await loginAs(twoA.url, 'portal', w2.user.email, PASSWORD);
    open.push(tech1, tech2);

    expect((await user1.post('/api/portal/chats', { boardId: w1.boardId, subject: 'Deployment one', message: 'hi' })).status).toBe(201);
    // Across the two nodes of deployment one.
    await waitFor(tech1, 'alert', (a) => a.chat.subject === 'Deployment one');
    expect((await user2.post('/api/portal/chats', { boardId: w2.boardId, subject: 'Deployment two', message: 'hi' })).status).toBe(201);
    await waitFor(tech2, 'alert', (a) => a.chat.subject === 'Deployment two');
    // Redis hands a publish to every subscriber at once: one's alert had reached a node (tech1)
    // before two's request was sent, and two's alert was emitted after that request. After a
    // round trip on each socket, nothing of either is still on its way.
    await barrier(tech1);
    await barrier(tech2);
    expect(received(tech1, 'alert').map((e) => e.payload.chat.subject)).toEqual(['Deployment one']);
    expect(received(tech2, 'alert').map((e) => e.payload.chat.subject)).toEqual(['Deployment two']);
    expect(received(tech2, 'chat').map((e) => e.payload.subject)).not.toContain('Deployment one');
    expect(received(tech1, 'chat').map((e) => e.payload.subject)).not.toContain('Deployment two');
  });
});
