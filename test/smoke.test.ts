import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { connect, ack, waitFor } from './support/sockets.js';

describe.each(DIALECTS)('smoke on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => s?.stop());

  it('request, alert, join, chat, end', async () => {
    const w = await s.f.world();
    const user = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const tech = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    const ts = await connect(s.url, '/console', tech);
    const us = await connect(s.url, '/portal', user);
    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'VPN', message: 'It is broken' });
    expect(r.status).toBe(201);
    const chatId = r.body.chat.id;
    await waitFor(ts, 'alert', (p) => p.chat.id === chatId);
    const j = await tech.post(`/api/console/chats/${chatId}/join`);
    expect(j.status, j.text).toBe(200);
    expect(j.body).toMatchObject({ id: chatId, status: 'active', tech: { id: w.tech.id }, abilities: { join: false, write: true, end: true } });
    await waitFor(ts, 'message', (p) => p.chatId === chatId && p.seq === 2 && /joined the chat$/.test(p.body));
    await ack(us, 'chat:subscribe', { chatId, afterSeq: 0 });
    const sent = await ack(ts, 'message:send', { chatId, body: 'hi', clientId: 'c1' });
    expect(sent.ok).toBe(true);
    const m = await waitFor(us, 'message', (p) => p.body === 'hi');
    expect(m.seq).toBe(3);
    const end = await tech.post(`/api/console/chats/${chatId}/end`, { outcome: 'ticket_created', boardId: w.boardId, summary: 'VPN broken' });
    expect(end.status).toBe(200);
    const t = await tech.get(`/api/console/tickets/${end.body.ticketId}`);
    expect(t.body.attachments[0].filename).toBe(`chat-${chatId}.txt`);
    const found = await tech.get(`/api/console/search?q=broken`);
    expect(found.body.map((c: any) => c.id)).toContain(chatId);
    expect((await tech.get(`/api/console/chats/${chatId}`)).body.requesterOnline).toBe(true);
    us.close();
    let online = true;
    for (let i = 0; i < 40 && online; i++) {
      await new Promise((r) => setTimeout(r, 50));
      online = (await tech.get(`/api/console/chats/${chatId}`)).body.requesterOnline;
    }
    expect(online).toBe(false);
    ts.close();
  });
});
