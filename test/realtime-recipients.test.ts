/**
 * Who receives each real-time event, and who must not: techs without board or company access,
 * the DNR tech (no alert, but the chat in its Waiting list), the portal user of another chat.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack, connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, serverWithSockets } from './support/realtime.js';

describe.each(DIALECTS)('recipients of real-time events on %s', (kind) => {
  let s: TestServer;
  const open = serverWithSockets(kind, (server) => (s = server));

  async function people() {
    const boardId = await s.f.board();
    const otherBoard = await s.f.board();
    const companyId = await s.f.company({ boardIds: [boardId, otherBoard] });
    const otherCompany = await s.f.company({ boardIds: [boardId] });
    const techs = {
      ok: await s.f.tech({ boardIds: [boardId], companyIds: [companyId], name: 'Olive Access' }),
      dnr: await s.f.tech({ boardIds: [boardId], companyIds: [companyId], available: false, name: 'Dana DNR' }),
      noBoard: await s.f.tech({ boardIds: [otherBoard], companyIds: [companyId], name: 'Nico NoBoard' }),
      noCompany: await s.f.tech({ boardIds: [boardId], companyIds: [otherCompany], name: 'Nora NoCompany' }),
    };
    const u1 = await s.f.portalUser(companyId, { name: 'Uma Requester' });
    const u2 = await s.f.portalUser(companyId, { name: 'Ulf Other' });
    const clients = {} as Record<keyof typeof techs, Client>;
    const sockets = {} as Record<keyof typeof techs, TestSocket>;
    for (const k of Object.keys(techs) as (keyof typeof techs)[]) {
      clients[k] = await loginAs(s.url, 'tech', techs[k].email, PASSWORD);
      sockets[k] = await connect(s.url, '/console', clients[k]);
      open.push(sockets[k]);
    }
    const c1 = await loginAs(s.url, 'portal', u1.email, PASSWORD);
    const c2 = await loginAs(s.url, 'portal', u2.email, PASSWORD);
    const s1 = await connect(s.url, '/portal', c1);
    const s2 = await connect(s.url, '/portal', c2);
    open.push(s1, s2);
    return { boardId, companyId, techs, clients, sockets, u1, u2, c1, c2, s1, s2 };
  }

  it('a request: alert to the eligible tech only, chat to every tech with access and to the requester only', async () => {
    const p = await people();
    const r = await p.c1.post('/api/portal/chats', { boardId: p.boardId, subject: 'Printer', message: 'It jams' });
    expect(r.status).toBe(201);
    const chatId = r.body.chat.id;
    const forChat = (x: any) => x.chat?.id === chatId || x.id === chatId || x.chatId === chatId;

    const alert = await waitFor(p.sockets.ok, 'alert', forChat);
    expect(alert).toMatchObject({ stage: 'all', chat: { id: chatId, status: 'waiting', subject: 'Printer' } });
    await waitFor(p.sockets.ok, 'chat', forChat);
    await waitFor(p.sockets.dnr, 'chat', forChat);
    await waitFor(p.s1, 'chat', forChat);
    for (const sock of [...Object.values(p.sockets), p.s1, p.s2]) await barrier(sock);

    expect(received(p.sockets.dnr, 'alert', forChat)).toHaveLength(0);
    for (const k of ['noBoard', 'noCompany'] as const) {
      expect(received(p.sockets[k], 'alert', forChat), k).toHaveLength(0);
      expect(received(p.sockets[k], 'chat', forChat), k).toHaveLength(0);
    }
    expect(received(p.s2, 'chat', forChat)).toHaveLength(0);
    expect(p.s2.events.filter((e) => forChat(e.payload ?? {}))).toHaveLength(0);

    // The DNR tech still sees it waiting; the techs without access do not.
    const dnrBar = await ack(p.sockets.dnr, 'statusbar:get', {});
    expect(dnrBar.available).toBe(false);
    expect(dnrBar.waiting.map((c: any) => c.id)).toContain(chatId);
    for (const k of ['noBoard', 'noCompany'] as const) {
      const bar = await ack(p.sockets[k], 'statusbar:get');
      expect(bar.waiting.map((c: any) => c.id), k).not.toContain(chatId);
      expect((await ack(p.sockets[k], 'chat:subscribe', { chatId, afterSeq: 0 })).error.code, k).toBe('not_found');
      expect((await ack(p.sockets[k], 'chat:join', { chatId })).error.code, k).toBe('not_found');
    }
    // The other portal user: not found for every event on this chat.
    expect((await ack(p.s2, 'chat:subscribe', { chatId, afterSeq: 0 })).error.code).toBe('not_found');
    expect((await ack(p.s2, 'message:send', { chatId, body: 'let me in', clientId: 'x1' })).error.code).toBe('not_found');
    expect((await ack(p.s2, 'typing', { chatId, typing: true })).error.code).toBe('not_found');
    expect((await ack(p.s2, 'chat:leave', { chatId })).error.code).toBe('not_found');
    expect((await ack(p.s2, 'chat:keep_waiting', { chatId })).error.code).toBe('not_found');
    expect((await p.c1.get(`/api/portal/chats/${chatId}`)).body.status ?? (await p.c1.get(`/api/portal/chats/${chatId}`)).body.chat?.status).toBe('waiting');

    // The DNR tech can still join from the Waiting list, and the others are told who took it.
    const j = await ack(p.sockets.dnr, 'chat:join', { chatId });
    expect(j.ok, JSON.stringify(j)).toBe(true);
    const w = await waitFor(p.sockets.ok, 'alert:withdrawn', forChat);
    expect(w).toMatchObject({ chatId, techId: p.techs.dnr.id, techName: 'Dana DNR' });
    await waitFor(p.s1, 'chat', (c) => c.id === chatId && c.status === 'active');
    await barrier(p.sockets.noBoard);
    expect(received(p.sockets.noBoard, 'alert:withdrawn', forChat)).toHaveLength(0);
  });

  it('messages, typing and chat events of an active chat reach its two sides only', async () => {
    const p = await people();
    const r1 = await p.c1.post('/api/portal/chats', { boardId: p.boardId, subject: 'VPN', message: 'VPN down' });
    const r2 = await p.c2.post('/api/portal/chats', { boardId: p.boardId, subject: 'Mail', message: 'Mail down' });
    const chat1 = r1.body.chat.id;
    const chat2 = r2.body.chat.id;
    expect((await ack(p.sockets.ok, 'chat:join', { chatId: chat1 })).ok).toBe(true);
    // A tech who can see the chat but did not join may watch it; techs without access may not.
    expect((await ack(p.sockets.dnr, 'chat:subscribe', { chatId: chat1, afterSeq: 0 })).ok).toBe(true);
    expect((await ack(p.s1, 'chat:subscribe', { chatId: chat1, afterSeq: 0 })).ok).toBe(true);
    expect((await ack(p.s2, 'chat:subscribe', { chatId: chat2, afterSeq: 0 })).ok).toBe(true);

    const toUser = await ack(p.sockets.ok, 'message:send', { chatId: chat1, body: 'Hello Uma', clientId: 't-1' });
    expect(toUser.message).toMatchObject({ chatId: chat1, body: 'Hello Uma', author: { kind: 'tech', id: p.techs.ok.id } });
    const toTech = await ack(p.s1, 'message:send', { chatId: chat1, body: 'Hi Olive', clientId: 'u-1' });
    expect(toTech.message.seq).toBe(toUser.message.seq + 1);
    await waitFor(p.s1, 'message', (m) => m.clientId === 't-1');
    await waitFor(p.sockets.ok, 'message', (m) => m.clientId === 'u-1');
    await waitFor(p.sockets.dnr, 'message', (m) => m.clientId === 'u-1');

    // Typing goes to the other side only.
    expect((await ack(p.s1, 'typing', { chatId: chat1, typing: true })).ok).toBe(true);
    const t1 = await waitFor(p.sockets.ok, 'typing', (t) => t.chatId === chat1);
    expect(t1).toMatchObject({ typing: true, author: { kind: 'portal', id: p.u1.id } });
    expect((await ack(p.sockets.ok, 'typing', { chatId: chat1, typing: true })).ok).toBe(true);
    const t2 = await waitFor(p.s1, 'typing', (t) => t.chatId === chat1);
    expect(t2).toMatchObject({ typing: true, author: { kind: 'tech', id: p.techs.ok.id } });
    // A tech watching without joining is no participant: it cannot write or type.
    expect((await ack(p.sockets.dnr, 'message:send', { chatId: chat1, body: 'me too', clientId: 'd-1' })).error.code).toBe('not_participant');
    expect((await ack(p.sockets.dnr, 'typing', { chatId: chat1, typing: true })).error.code).toBe('not_participant');

    // A later message proves everything before it was delivered; then check who got nothing.
    await ack(p.sockets.ok, 'message:send', { chatId: chat1, body: 'last', clientId: 't-2' });
    await waitFor(p.s1, 'message', (m) => m.clientId === 't-2');
    for (const sock of [p.s1, p.s2, ...Object.values(p.sockets)]) await barrier(sock);
    const inChat1 = (x: any) => x?.chatId === chat1 || x?.id === chat1;
    expect(received(p.s1, 'typing')).toHaveLength(1);
    expect(received(p.sockets.ok, 'typing')).toHaveLength(1);
    expect(received(p.s2, 'message', inChat1)).toHaveLength(0);
    expect(received(p.s2, 'typing')).toHaveLength(0);
    expect(p.s2.events.filter((e) => inChat1(e.payload) || inChat1(e.payload?.chat))).toHaveLength(0);
    for (const k of ['noBoard', 'noCompany'] as const) expect(p.sockets[k].events.filter((e) => inChat1(e.payload) || inChat1(e.payload?.chat)), k).toHaveLength(0);
    // Every message exactly once on each side, in seq order.
    const seqs = (sock: TestSocket) => received(sock, 'message', (m) => m.chatId === chat1).map((e) => e.payload.seq);
    const all = (await p.clients.ok.get(`/api/console/chats/${chat1}/messages?afterSeq=0`)).body;
    const list = (Array.isArray(all) ? all : all.messages).map((m: any) => m.seq);
    expect(list.slice(-3)).toEqual([toUser.message.seq, toTech.message.seq, toTech.message.seq + 1]);
    // The requester was in the stream from the request on; the tech from the join (its system message).
    // (The requester's own first message may or may not come back live: see realtime-chat.)
    expect(seqs(p.s1).filter((x) => x > list[0])).toEqual(list.slice(1));
    expect(seqs(p.s1).filter((x) => x === list[0]).length).toBeLessThanOrEqual(1);
    expect(seqs(p.sockets.ok).filter((x) => x > list[0])).toEqual(list.slice(1));
    expect(new Set(seqs(p.sockets.ok)).size).toBe(seqs(p.sockets.ok).length);

    // End: both sides hear of it, the other user does not.
    expect((await p.clients.ok.post(`/api/console/chats/${chat1}/end`, { outcome: 'ended' })).status).toBe(200);
    await waitFor(p.s1, 'chat', (c) => c.id === chat1 && c.status === 'completed');
    await waitFor(p.sockets.ok, 'chat', (c) => c.id === chat1 && c.status === 'completed');
    await waitFor(p.sockets.dnr, 'chat', (c) => c.id === chat1 && c.status === 'completed');
    await barrier(p.s2);
    expect(received(p.s2, 'chat', (c) => c.id === chat1)).toHaveLength(0);
  });
});
