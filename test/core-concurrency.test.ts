import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { activeChat, waitingChat, type World, serverWithWorld } from './support/flows.js';

describe.each(DIALECTS)('concurrency on %s', (kind) => {
  let s: TestServer;
  let w: World;
  serverWithWorld(kind, (server, seeded) => ((s = server), (w = seeded)));

  it('50 concurrent joins of one waiting chat: exactly one wins, 49 are told who', async () => {
    const techs = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const t = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId], name: `Racer ${i}` });
        return { ...t, client: await loginAs(s.url, 'tech', t.email, PASSWORD) };
      }),
    );
    const id = await waitingChat(w);
    const results = await Promise.all(techs.map((t) => t.client.post(`/api/console/chats/${id}/join`)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    const winnerId = winners[0].body.tech.id;
    const losers = results.filter((r) => r.status !== 200);
    expect(losers).toHaveLength(49);
    for (const r of losers) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('already_joined');
      expect(r.body.error.details.techId).toBe(winnerId);
      expect(r.body.error.message).toContain(winners[0].body.tech.name);
    }
    const transitions = (await w.techClient.get(`/api/console/chats/${id}/transitions`)).body;
    expect(transitions.filter((t: any) => t.event === 'join')).toHaveLength(1);
    const msgs = (await w.techClient.get(`/api/console/chats/${id}/messages`)).body;
    expect(msgs.filter((m: any) => m.body.includes('joined'))).toHaveLength(1);
  });

  it('the same message sent twice with one client id is stored once', async () => {
    const id = await activeChat(w);
    const body = { body: 'only once please', clientId: 'dup-1' };
    const first = await w.userClient.post(`/api/portal/chats/${id}/messages`, body);
    const again = await w.userClient.post(`/api/portal/chats/${id}/messages`, body);
    const parallel = await Promise.all(Array.from({ length: 10 }, () => w.userClient.post(`/api/portal/chats/${id}/messages`, { ...body, clientId: 'dup-2' })));
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, message: { id: first.body.message.id, seq: first.body.message.seq } });
    expect(parallel.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(parallel.map((r) => r.body.message.seq)).size).toBe(1);
    const msgs = (await w.userClient.get(`/api/portal/chats/${id}/messages`)).body;
    expect(msgs.filter((m: any) => m.clientId === 'dup-1')).toHaveLength(1);
    expect(msgs.filter((m: any) => m.clientId === 'dup-2')).toHaveLength(1);
    expect(msgs.map((m: any) => m.seq)).toEqual(msgs.map((_: unknown, i: number) => i + 1));
  });

  it("a client id is its author's own: the other side using the same id sends a new message", async () => {
    const id = await activeChat(w);
    const mine = await w.userClient.post(`/api/portal/chats/${id}/messages`, { body: 'user says', clientId: 'shared-id' });
    const theirs = await w.techClient.post(`/api/console/chats/${id}/messages`, { body: 'tech says', clientId: 'shared-id' });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.message).toMatchObject({ body: 'tech says', author: { kind: 'tech', id: w.tech.id } });
    const msgs = (await w.techClient.get(`/api/console/chats/${id}/messages`)).body;
    expect(msgs.filter((m: any) => m.clientId === 'shared-id').map((m: any) => m.body)).toEqual(['user says', 'tech says']);
  });

  it('concurrent sends from both sides leave seq without gaps or repeats', async () => {
    const id = await activeChat(w);
    const sends = [];
    for (let i = 0; i < 15; i++) {
      sends.push(w.userClient.post(`/api/portal/chats/${id}/messages`, { body: `u${i}`, clientId: `u${i}` }));
      sends.push(w.techClient.post(`/api/console/chats/${id}/messages`, { body: `t${i}`, clientId: `t${i}` }));
    }
    const results = await Promise.all(sends);
    expect(results.filter((r) => r.status !== 201).map((r) => r.text)).toEqual([]);
    const msgs = (await w.techClient.get(`/api/console/chats/${id}/messages`)).body;
    expect(msgs.map((m: any) => m.seq)).toEqual(msgs.map((_: unknown, i: number) => i + 1));
    expect(msgs.filter((m: any) => /^[ut]\d+$/.test(m.body))).toHaveLength(30);
    const chat = (await w.techClient.get(`/api/console/chats/${id}`)).body;
    expect(chat.lastSeq).toBe(msgs.length);
  });

  it('a message racing the end of the chat is either stored before it or refused', async () => {
    const id = await activeChat(w);
    const [send, end] = await Promise.all([
      w.userClient.post(`/api/portal/chats/${id}/messages`, { body: 'last words', clientId: 'race-1' }),
      w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended' }),
    ]);
    expect(end.status).toBe(200);
    const msgs = (await w.techClient.get(`/api/console/chats/${id}/messages`)).body;
    const stored = msgs.some((m: any) => m.body === 'last words');
    if (send.status === 201) expect(stored).toBe(true);
    else {
      expect(send.status).toBe(409);
      expect(send.body.error.details.state).toBe('completed');
      expect(stored).toBe(false);
    }
  });

  it('the messages limit is per user: a flood is throttled with a stable code', async () => {
    const id = await activeChat(w);
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await w.userClient.post(`/api/portal/chats/${id}/messages`, { body: `flood ${i}`, clientId: `f${i}` }));
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].body.error.code).toBe('rate_limited');
    const msgs = (await w.userClient.get(`/api/portal/chats/${id}/messages`)).body;
    expect(msgs.filter((m: any) => m.body.startsWith('flood'))).toHaveLength(results.filter((r) => r.status === 201).length);
  });

  it('a leave racing a join is never refused: the chat ends up abandoned (leave first) or active and left (join first)', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 15; i++) {
      const id = await waitingChat(w, `Race ${i}`);
      const [join, leave] = await Promise.all([w.techClient.post(`/api/console/chats/${id}/join`), w.userClient.post(`/api/portal/chats/${id}/leave`)]);
      expect(leave.status, leave.text).toBe(200);
      const chat = (await w.techClient.get(`/api/console/chats/${id}`)).body;
      if (join.status === 200) {
        expect(chat).toMatchObject({ status: 'active' });
        expect(chat.leftAt).not.toBeNull();
      } else {
        expect(join.status).toBe(409);
        expect(chat.status).toBe('abandoned');
      }
      outcomes.push(chat.status);
    }
    expect(outcomes.length).toBe(15);
  });
});
