/**
 * The limit of active chats per tech across two nodes on one PostgreSQL database: a tech one below
 * the limit joining 20 chats at once, half through each node, gets exactly one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUnavailable, OwnRedis, startCluster, type Cluster } from './support/cluster.js';
import { PASSWORD } from './support/server.js';
import { loginAs } from './support/http.js';

const skip = clusterUnavailable();
if (skip) console.warn(`skipping cluster limit tests: ${skip}`);

describe.skipIf(!!skip)('the active-chat limit on two nodes', () => {
  let redis: OwnRedis;
  let cl: Cluster;
  beforeAll(async () => {
    redis = await OwnRedis.start();
    cl = await startCluster(2, { redisUrl: redis.url, env: { MAX_ACTIVE_CHATS_PER_TECH: '3' } });
  }, 90000);
  afterAll(async () => {
    await cl?.stop();
    await redis?.stop();
  });

  it('20 joins at once by a tech at the limit minus one, split over both nodes: exactly one succeeds', async () => {
    const [A, B] = cl.nodes;
    const w = await cl.f.world();
    const techOn = { A: await loginAs(A.url, 'tech', w.tech.email, PASSWORD), B: await loginAs(B.url, 'tech', w.tech.email, PASSWORD) };
    const ask = async (subject: string) => {
      const u = await cl.f.portalUser(w.companyId);
      const r = await (await loginAs(A.url, 'portal', u.email, PASSWORD)).post('/api/portal/chats', { boardId: w.boardId, subject, message: subject });
      expect(r.status, r.text).toBe(201);
      return r.body.chat.id as number;
    };
    for (const subject of ['First', 'Second']) expect((await techOn.A.post(`/api/console/chats/${await ask(subject)}/join`)).status).toBe(200);
    const chats: number[] = [];
    for (let i = 0; i < 20; i++) chats.push(await ask(`Race ${i}`));

    const answers = await Promise.all(chats.map((id, i) => (i % 2 ? techOn.B : techOn.A).post(`/api/console/chats/${id}/join`)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(new Set(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body.error?.code}`))).toEqual(new Set(['409 chat_limit_reached']));
    const active = await cl.handle.db.selectFrom('chats').select('id').where('tech_id', '=', w.tech.id).where('status', '=', 'active').execute();
    expect(active).toHaveLength(3);
  });
});
