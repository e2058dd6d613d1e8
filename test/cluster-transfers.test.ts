/**
 * Transfer and invite on two nodes (one PostgreSQL database, one Redis): the offer reaches the
 * offered tech on the other node, an invited tech there hears the chat, a tech who may no longer
 * see a chat moved to another board hears no more of it there, and each race has one outcome with
 * its two sides on different nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack, connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, closeAll } from './support/realtime.js';

const skip = clusterUnavailable();
if (skip) console.warn(`skipping cluster transfer tests: ${skip}`);

describe.skipIf(!!skip)('transfer and invite on two nodes', () => {
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

  /** Ann (node A) in an active chat; Ben and Cal with access, Dee on the other board, each with a client on both nodes. */
  async function desk() {
    const [A, B] = cl.nodes;
    const boardId = await cl.f.board();
    const otherBoard = await cl.f.board();
    const companyId = await cl.f.company({ boardIds: [boardId, otherBoard] });
    const grant = { boardIds: [boardId], companyIds: [companyId] };
    const people = {
      ann: await cl.f.tech({ ...grant, name: 'Ann Lead' }),
      ben: await cl.f.tech({ ...grant, name: 'Ben Second' }),
      cal: await cl.f.tech({ ...grant, name: 'Cal Bystander' }),
      dee: await cl.f.tech({ boardIds: [otherBoard], companyIds: [companyId], name: 'Dee Other' }),
    };
    const on = async (email: string, side: 'tech' | 'portal' = 'tech') => ({
      A: await loginAs(A.url, side, email, PASSWORD),
      B: await loginAs(B.url, side, email, PASSWORD),
    });
    const user = await cl.f.portalUser(companyId);
    const http = {
      ann: await on(people.ann.email),
      ben: await on(people.ben.email),
      cal: await on(people.cal.email),
      dee: await on(people.dee.email),
      user: await on(user.email, 'portal'),
    };
    const r = await http.user.A.post('/api/portal/chats', { boardId, subject: 'Across nodes', message: 'Hello' });
    expect(r.status, r.text).toBe(201);
    const chatId = r.body.chat.id as number;
    expect((await http.ann.A.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    return { A, B, boardId, otherBoard, companyId, ...people, http, chatId };
  }
  const socketOn = async (url: string, nsp: '/console' | '/portal', c: Client) => {
    const so = await connect(url, nsp, c);
    open.push(so);
    return so;
  };

  it('an offer made on one node reaches the tech on the other; invited there, they hear and write in the chat', async () => {
    const d = await desk();
    const benS = await socketOn(d.B.url, '/console', d.http.ben.B);
    const calS = await socketOn(d.B.url, '/console', d.http.cal.B);
    const userS = await socketOn(d.A.url, '/portal', d.http.user.A);
    await ack(userS, 'chat:subscribe', { chatId: d.chatId });
    expect((await d.http.ann.A.post(`/api/console/chats/${d.chatId}/invite`, { techId: d.ben.id })).status).toBe(200);
    const offer = await waitFor(benS, 'chat:offered', (o) => o.chatId === d.chatId);
    await barrier(calS);
    expect(received(calS, 'chat:offered')).toEqual([]);
    expect((await d.http.ben.B.post(`/api/console/offers/${offer.id}/accept`)).status).toBe(200);
    // Ben's socket on B is in the stream: the requester's message on A reaches him, and his reaches the requester.
    await ack(userS, 'message:send', { chatId: d.chatId, body: 'Hi both', clientId: 'u-1' });
    await waitFor(benS, 'message', (m) => m.body === 'Hi both');
    await ack(benS, 'message:send', { chatId: d.chatId, body: 'Ben from B', clientId: 'b-1' });
    await waitFor(userS, 'message', (m) => m.body === 'Ben from B');
    await waitFor(userS, 'chat', (c) => c.id === d.chatId && c.techs.length === 2);
  });

  it('a chat moved to another board on node A: a bystander on node B who may no longer see it hears no more', async () => {
    const d = await desk();
    const calS = await socketOn(d.B.url, '/console', d.http.cal.B);
    const deeS = await socketOn(d.B.url, '/console', d.http.dee.B);
    await ack(calS, 'chat:subscribe', { chatId: d.chatId });
    const moved = await d.http.ann.A.post(`/api/console/chats/${d.chatId}/transfer`, { boardId: d.otherBoard });
    expect(moved.status, moved.text).toBe(200);
    await waitFor(deeS, 'alert', (a) => a.chat.id === d.chatId);
    expect((await d.http.dee.B.post(`/api/console/chats/${d.chatId}/join`)).status).toBe(200);
    await ack(deeS, 'chat:subscribe', { chatId: d.chatId });
    await ack(deeS, 'message:send', { chatId: d.chatId, body: 'Only for the new board', clientId: 'd-1' });
    await waitFor(deeS, 'message', (m) => m.body === 'Only for the new board');
    await barrier(calS);
    expect(received(calS, 'message', (m) => m.body === 'Only for the new board')).toEqual([]);
  });

  it('two accepts from both nodes, accept on one node against end on the other, transfer against leave: one outcome each', async () => {
    for (let i = 0; i < 3; i++) {
      const d = await desk();
      const offerId = (await d.http.ann.A.post(`/api/console/chats/${d.chatId}/transfer`, { techId: d.ben.id })).body.pendingOffer.id;
      const both = await Promise.all([d.http.ben.A.post(`/api/console/offers/${offerId}/accept`), d.http.ben.B.post(`/api/console/offers/${offerId}/accept`)]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
      const lines = (await d.http.ben.A.get(`/api/console/chats/${d.chatId}/messages`)).body.filter((m: { body: string }) => m.body.includes('transferred'));
      expect(lines).toHaveLength(1);
    }
    for (let i = 0; i < 4; i++) {
      const d = await desk();
      const offerId = (await d.http.ann.A.post(`/api/console/chats/${d.chatId}/transfer`, { techId: d.ben.id })).body.pendingOffer.id;
      const [accept, end] = await Promise.all([
        d.http.ben.B.post(`/api/console/offers/${offerId}/accept`),
        d.http.ann.A.post(`/api/console/chats/${d.chatId}/end`, { outcome: 'ended' }),
      ]);
      const row = await cl.handle.db.selectFrom('chats').select(['status', 'tech_id']).where('id', '=', d.chatId).executeTakeFirstOrThrow();
      const offer = await cl.handle.db.selectFrom('chat_offers').select('status').where('id', '=', offerId).executeTakeFirstOrThrow();
      expect([accept.status, end.status].filter((s) => s === 200)).toHaveLength(1);
      if (accept.status === 200) expect([row.status, Number(row.tech_id), offer.status]).toEqual(['active', d.ben.id, 'accepted']);
      else expect([row.status, Number(row.tech_id), offer.status]).toEqual(['completed', d.ann.id, 'withdrawn']);
    }
    for (let i = 0; i < 4; i++) {
      const d = await desk();
      const [moved, left] = await Promise.all([
        d.http.ann.A.post(`/api/console/chats/${d.chatId}/transfer`, { boardId: d.otherBoard }),
        d.http.user.B.post(`/api/portal/chats/${d.chatId}/leave`),
      ]);
      expect(left.status, left.text).toBe(200);
      const row = await cl.handle.db.selectFrom('chats').select(['status', 'left_at']).where('id', '=', d.chatId).executeTakeFirstOrThrow();
      if (moved.status === 200) expect(row.status).toBe('abandoned');
      else expect([moved.status, row.status, row.left_at !== null]).toEqual([409, 'active', true]);
    }
  });
});
