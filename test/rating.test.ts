/** The requester's rating: once, after a chat a tech was in has ended; shown on both sides and filterable in search. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { abandonedChat, activeChat, completedChat, world, type World } from './support/flows.js';

describe.each(DIALECTS)('rating on %s', (kind) => {
  let s: TestServer;
  let w: World;
  beforeAll(async () => {
    s = await startTestServer(kind);
    w = await world(s);
  });
  afterAll(async () => s?.stop());

  const rate = (id: number, body: unknown) => w.userClient.post(`/api/portal/chats/${id}/rating`, body);

  it('once a chat with a tech has ended: the score and comment show on both sides; a second rating is refused', async () => {
    const active = await activeChat(w);
    expect((await rate(active, { score: 5 })).body.error.code).toBe('invalid_transition');
    const id = await completedChat(w);
    expect((await w.userClient.get(`/api/portal/chats/${id}`)).body.abilities.rate).toBe(true);
    const r = await rate(id, { score: 4, comment: '  Quick and friendly ' });
    expect(r.status, r.text).toBe(200);
    expect(r.body.rating).toMatchObject({ score: 4, comment: 'Quick and friendly' });
    expect(r.body.abilities.rate).toBe(false);
    expect((await w.techClient.get(`/api/console/chats/${id}`)).body.rating).toMatchObject({ score: 4, comment: 'Quick and friendly' });
    const again = await rate(id, { score: 1 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('duplicate');
    expect((await w.techClient.get(`/api/console/chats/${id}`)).body.rating.score).toBe(4);
  });

  it('two ratings at once: exactly one is kept', async () => {
    const id = await completedChat(w);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((score) => rate(id, { score })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(4);
    const kept = answers.find((a) => a.status === 200)!.body.rating.score;
    expect((await w.techClient.get(`/api/console/chats/${id}`)).body.rating.score).toBe(kept);
  });

  it('refuses a chat nobody joined, another user, a tech, and scores outside 1 to 5, changing nothing', async () => {
    const abandoned = await abandonedChat(w);
    expect((await w.techClient.post(`/api/console/chats/${abandoned}/complete`, { note: 'Called back' })).status).toBe(200);
    expect((await rate(abandoned, { score: 3 })).body.error.code).toBe('invalid_transition');
    const id = await completedChat(w);
    const other = await loginAs(s.url, 'portal', (await s.f.portalUser(w.companyId)).email, PASSWORD);
    expect((await other.post(`/api/portal/chats/${id}/rating`, { score: 5 })).status).toBe(404);
    expect((await w.techClient.post(`/api/portal/chats/${id}/rating`, { score: 5 })).status).toBe(401);
    for (const bad of [{ score: 0 }, { score: 6 }, { score: '5' }, { score: 4.5 }, {}, { score: 3, comment: 'x'.repeat(1001) }, { score: 3, extra: 1 }])
      expect((await rate(id, bad)).body.error.code, JSON.stringify(bad).slice(0, 40)).toBe('validation_failed');
    expect((await w.techClient.get(`/api/console/chats/${id}`)).body.rating).toBeNull();
  });

  it('search filters by rating: between two scores, or not rated', async () => {
    // Each chat is a new requester's (flows.ts): rate each as its own requester, at once.
    const low = await completedChat(w);
    expect((await rate(low, { score: 1 })).status).toBe(200);
    const high = await completedChat(w);
    expect((await rate(high, { score: 5 })).status).toBe(200);
    const none = await completedChat(w);
    const ids = async (q: string) => (await w.techClient.get(`/api/console/search?${q}&limit=100`)).body.map((c: { id: number }) => c.id);
    const poor = await ids('maxRating=2');
    expect(poor).toContain(low);
    expect(poor).not.toContain(high);
    expect(poor).not.toContain(none);
    const good = await ids('minRating=4');
    expect(good).toContain(high);
    expect(good).not.toContain(low);
    const unrated = await ids('unrated=true');
    expect(unrated).toContain(none);
    expect(unrated).not.toContain(low);
    expect(unrated).not.toContain(high);
    expect((await w.techClient.get('/api/console/search?minRating=9')).body.error.code).toBe('validation_failed');
  });
});
