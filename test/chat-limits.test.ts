/** A limit of active chats per tech: joins past it are refused with the reason, alerts skip techs at it, parallel joins stop at it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { connect, received, waitFor } from './support/sockets.js';
import { barrier } from './support/realtime.js';

describe.each(DIALECTS)('active chats per tech on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { MAX_ACTIVE_CHATS_PER_TECH: '2' });
  });
  afterAll(async () => s?.stop());

  async function setting() {
    const boardId = await s.f.board();
    const companyId = await s.f.company({ boardIds: [boardId] });
    const busy = await s.f.tech({ boardIds: [boardId], companyIds: [companyId], name: 'Bea Busy' });
    const free = await s.f.tech({ boardIds: [boardId], companyIds: [companyId], name: 'Fred Free' });
    const busyHttp = await loginAs(s.url, 'tech', busy.email, PASSWORD);
    const freeHttp = await loginAs(s.url, 'tech', free.email, PASSWORD);
    /** A waiting chat from a new requester of the company. */
    const waiting = async (subject: string) => {
      const u = await s.f.portalUser(companyId);
      const c: Client = await loginAs(s.url, 'portal', u.email, PASSWORD);
      const r = await c.post('/api/portal/chats', { boardId, subject, message: subject });
      expect(r.status, r.text).toBe(201);
      return r.body.chat.id as number;
    };
    return { busy, busyHttp, freeHttp, waiting };
  }

  it('refuses the join past the limit with the reason, and the tech at the limit is not alerted', async () => {
    const { busy, busyHttp, freeHttp, waiting } = await setting();
    const first = await waiting('One');
    const second = await waiting('Two');
    expect((await busyHttp.post(`/api/console/chats/${first}/join`)).status).toBe(200);
    expect((await busyHttp.post(`/api/console/chats/${second}/join`)).status).toBe(200);

    const busySocket = await connect(s.url, '/console', busyHttp);
    const freeSocket = await connect(s.url, '/console', freeHttp);
    const third = await waiting('Three');
    await waitFor(freeSocket, 'alert', (a) => a.chat.id === third);
    await barrier(busySocket);
    expect(received(busySocket, 'alert', (a) => a.chat.id === third)).toEqual([]);

    const refused = await busyHttp.post(`/api/console/chats/${third}/join`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'chat_limit_reached', details: { active: 2, limit: 2 } });
    expect(refused.body.error.message).toContain('end one before joining another');
    expect((await freeHttp.get(`/api/console/chats/${third}`)).body.status).toBe('waiting');

    // One ended: room for one more.
    expect((await busyHttp.post(`/api/console/chats/${first}/end`, { outcome: 'ended' })).status).toBe(200);
    expect((await busyHttp.post(`/api/console/chats/${third}/join`)).status).toBe(200);
    expect((await busyHttp.get(`/api/console/chats/${third}`)).body.tech.id).toBe(busy.id);
    busySocket.close();
    freeSocket.close();
  });

  it('counts the chats a tech was invited into: at the limit, no more invitations or alerts', async () => {
    const { busy, busyHttp, freeHttp, waiting } = await setting();
    const led = await waiting('Led by Fred');
    expect((await freeHttp.post(`/api/console/chats/${led}/join`)).status).toBe(200);
    const offer = await freeHttp.post(`/api/console/chats/${led}/invite`, { techId: busy.id });
    expect(offer.status, offer.text).toBe(200);
    expect((await busyHttp.post(`/api/console/offers/${offer.body.pendingOffer.id}/accept`)).status).toBe(200);
    expect((await busyHttp.post(`/api/console/chats/${await waiting('Own')}/join`)).status).toBe(200);
    // Two chats, one of them by invitation: at the limit of two.
    const busySocket = await connect(s.url, '/console', busyHttp);
    const freeSocket = await connect(s.url, '/console', freeHttp);
    const next = await waiting('One too many');
    await waitFor(freeSocket, 'alert', (a) => a.chat.id === next);
    await barrier(busySocket);
    expect(received(busySocket, 'alert', (a) => a.chat.id === next)).toEqual([]);
    expect((await busyHttp.post(`/api/console/chats/${next}/join`)).body.error.code).toBe('chat_limit_reached');
    expect((await freeHttp.post(`/api/console/chats/${next}/join`)).status).toBe(200);
    const refused = await freeHttp.post(`/api/console/chats/${next}/invite`, { techId: busy.id });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('chat_limit_reached');
    expect(refused.body.error.message).toContain('Bea Busy has 2 active chats');
    busySocket.close();
    freeSocket.close();
  });

  it('joins at once by a tech one below the limit: exactly one succeeds', async () => {
    const { busyHttp, waiting } = await setting();
    expect((await busyHttp.post(`/api/console/chats/${await waiting('Already')}/join`)).status).toBe(200);
    const chats = [];
    for (let i = 0; i < 8; i++) chats.push(await waiting(`Parallel ${i}`));
    const answers = await Promise.all(chats.map((id) => busyHttp.post(`/api/console/chats/${id}/join`)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.error.code)).toEqual(Array(7).fill('chat_limit_reached'));
    const active = await s.ctx.db.selectFrom('chats').select('id').where('id', 'in', chats).where('status', '=', 'active').execute();
    expect(active).toHaveLength(1);
  });
});
