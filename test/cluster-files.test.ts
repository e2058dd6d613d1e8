/**
 * Files in chat on two nodes (one PostgreSQL database, one Redis): a file uploaded on node A
 * reaches the joined tech's socket on node B as a message with its file, and node B serves its
 * bytes (they live in the database, not on A); a tech of another board on B, and another portal
 * user on B, receive nothing of it and are refused the download. A retry of the same upload on the
 * other node is stored once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { loginAs } from './support/http.js';
import { ack, connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, closeAll } from './support/realtime.js';

const skip = clusterUnavailable();
if (skip) console.warn(`skipping cluster file tests: ${skip}`);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!!skip)('files in chat on two nodes', () => {
  let redis: OwnRedis;
  let cl: Cluster;
  const open: TestSocket[] = [];
  beforeAll(async () => {
    redis = await OwnRedis.start();
    cl = await startCluster(2, { redisUrl: redis.url });
  }, 90000);
  afterAll(async () => {
    closeAll(...open);
    await cl?.stop();
    await redis?.stop();
  });

  it('uploaded on A: delivered live on B to who may see it, served by B byte for byte, nothing to the others; a retry on B is stored once', async () => {
    const [A, B] = cl.nodes;
    const boardId = await cl.f.board();
    const otherBoard = await cl.f.board();
    const companyId = await cl.f.company({ boardIds: [boardId, otherBoard] });
    const tech = await cl.f.tech({ boardIds: [boardId], companyIds: [companyId] });
    const outsider = await cl.f.tech({ boardIds: [otherBoard], companyIds: [companyId] });
    const user = await cl.f.portalUser(companyId);
    const otherUser = await cl.f.portalUser(companyId);
    const userA = await loginAs(A.url, 'portal', user.email, PASSWORD);
    const userB = await loginAs(B.url, 'portal', user.email, PASSWORD);
    const techB = await loginAs(B.url, 'tech', tech.email, PASSWORD);
    const outsiderB = await loginAs(B.url, 'tech', outsider.email, PASSWORD);
    const otherUserB = await loginAs(B.url, 'portal', otherUser.email, PASSWORD);
    const r = await userA.post('/api/portal/chats', { boardId, subject: 'Across nodes', message: 'Hello' });
    const chatId = r.body.chat.id as number;
    expect((await techB.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);

    const techS = await connect(B.url, '/console', techB);
    const outsiderS = await connect(B.url, '/console', outsiderB);
    const otherUserS = await connect(B.url, '/portal', otherUserB);
    open.push(techS, outsiderS, otherUserS);
    await ack(techS, 'chat:subscribe', { chatId });

    const bytes = Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(700 * 1024)]);
    const up = await userA.upload(`/api/portal/chats/${chatId}/files?clientId=across-1`, 'export.zip', bytes);
    expect(up.status, up.text).toBe(201);
    const live = await waitFor(techS, 'message', (m) => m.chatId === chatId && m.file?.name === 'export.zip');
    expect(live.file).toEqual(up.body.message.file);
    const dl = await fetch(`${B.url}/api/console/files/${live.file.id}`, { headers: { cookie: techB.cookieHeader() } });
    expect(sha(new Uint8Array(await dl.arrayBuffer()))).toBe(sha(bytes));

    await Promise.all([barrier(outsiderS), barrier(otherUserS)]);
    expect(received(outsiderS, 'message')).toEqual([]);
    expect(received(otherUserS, 'message')).toEqual([]);
    expect((await outsiderB.get(`/api/console/files/${live.file.id}`)).status).toBe(404);
    expect((await otherUserB.get(`/api/portal/files/${live.file.id}`)).status).toBe(404);

    // The same upload again, this time through B (a retry after a lost answer): one message, one file.
    const again = await userB.upload(`/api/portal/chats/${chatId}/files?clientId=across-1`, 'export.zip', bytes);
    expect(again.status).toBe(200);
    expect(again.body.message.id).toBe(up.body.message.id);
    const files = (await techB.get(`/api/console/chats/${chatId}/messages`)).body.filter((m: { file?: unknown }) => m.file);
    expect(files).toHaveLength(1);
  });
});
