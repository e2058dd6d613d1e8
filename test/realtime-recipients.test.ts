/**
 * Who receives each real-time event, and who must not: techs without board or company access,
 * the DNR tech (no alert, but the chat in its Waiting list), the portal user of another chat.
 * Commands are HTTP requests; what they change is pushed to the sockets of those who may know.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack, connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, serverWithSockets, until } from './support/realtime.js';
import type { SERVER_EVENTS } from '../src/shared/realtime.js';

type ServerEvent = (typeof SERVER_EVENTS)[keyof typeof SERVER_EVENTS];
/** Where each server event names its chat; null for events about no chat. */
const CHAT_OF: Record<ServerEvent, (p: any) => number | null> = {
  message: (p) => p.chatId,
  typing: (p) => p.chatId,
  chat: (p) => p.id,
  alert: (p) => p.chat.id,
  'alert:withdrawn': (p) => p.chatId,
  offer: (p) => p.chatId,
  presence: (p) => p.chatId,
  'statusbar:changed': () => null,
  resync: () => null,
  status: () => null,
  note: (p) => p.chatId,
  read: (p) => p.chatId,
  'chat:offered': (p) => p.chatId,
  'chat:offer-settled': (p) => p.chatId,
  // Figures of a scope, never of one chat (test/wallboard.test.ts proves who gets them).
  wallboard: () => null,
  'wallboard:closed': () => null,
};
/** Every event a socket received about the chat; an event the server does not define fails the test. */
function eventsAbout(socket: TestSocket, chatId: number) {
  return socket.events.filter((e) => {
    const of = CHAT_OF[e.name as ServerEvent];
    if (!of) throw new Error(`unknown server event ${e.name}`);
    return of(e.payload) === chatId;
  });
}

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

  it('a request: alert (carrying the chat) to the eligible tech only, chat to the other techs with access and to the requester only', async () => {
    const p = await people();
    const r = await p.c1.post('/api/portal/chats', { boardId: p.boardId, subject: 'Printer', message: 'It jams' });
    expect(r.status).toBe(201);
    const chatId = r.body.chat.id;

    const alert = await waitFor(p.sockets.ok, 'alert', (a) => a.chat.id === chatId);
    expect(alert).toMatchObject({ stage: 'all', chat: { id: chatId, status: 'waiting', subject: 'Printer' } });
    await waitFor(p.sockets.dnr, 'chat', (c) => c.id === chatId);
    await waitFor(p.s1, 'chat', (c) => c.id === chatId);
    for (const sock of [...Object.values(p.sockets), p.s1, p.s2]) await barrier(sock);
    // One frame for the alerted tech: no separate `chat` besides the alert.
    expect(received(p.sockets.ok, 'alert', (a) => a.chat.id === chatId)).toHaveLength(1);
    expect(received(p.sockets.ok, 'chat', (c) => c.id === chatId)).toHaveLength(0);

    expect(received(p.sockets.dnr, 'alert', (a) => a.chat.id === chatId)).toHaveLength(0);
    expect(received(p.sockets.dnr, 'chat', (c) => c.id === chatId)).toHaveLength(1);
    for (const k of ['noBoard', 'noCompany'] as const) expect(eventsAbout(p.sockets[k], chatId), k).toEqual([]);
    expect(eventsAbout(p.s2, chatId)).toEqual([]);

    // The DNR tech still sees it waiting; the techs without access do not.
    const dnrBar = (await p.clients.dnr.get('/api/console/status-bar')).body;
    expect(dnrBar.available).toBe(false);
    expect(dnrBar.waiting.map((c: any) => c.id)).toContain(chatId);
    for (const k of ['noBoard', 'noCompany'] as const) {
      const bar = await p.clients[k].get('/api/console/status-bar');
      expect(bar.status, k).toBe(200);
      expect(
        bar.body.waiting.map((c: any) => c.id),
        k,
      ).not.toContain(chatId);
      expect((await ack(p.sockets[k], 'chat:subscribe', { chatId, afterSeq: 0 })).error.code, k).toBe('not_found');
      const join = await p.clients[k].post(`/api/console/chats/${chatId}/join`);
      expect(join.status, k).toBe(404);
      expect(join.body.error.code, k).toBe('not_found');
    }
    // The other portal user: not found for every event and command on this chat.
    expect((await ack(p.s2, 'chat:subscribe', { chatId, afterSeq: 0 })).error.code).toBe('not_found');
    expect((await ack(p.s2, 'message:send', { chatId, body: 'let me in', clientId: 'x1' })).error.code).toBe('not_found');
    expect((await ack(p.s2, 'typing', { chatId, typing: true })).error.code).toBe('not_found');
    for (const [path, body] of [
      ['leave', {}],
      ['keep-waiting', {}],
      ['callback', { phone: '+1 555 123 4567' }],
    ] as const) {
      const refused = await p.c2.post(`/api/portal/chats/${chatId}/${path}`, body);
      expect(refused.status, path).toBe(404);
      expect(refused.body.error.code, path).toBe('not_found');
    }
    expect((await p.c1.get(`/api/portal/chats/${chatId}`)).body).toMatchObject({ id: chatId, status: 'waiting', leftAt: null, callback: null });

    // The DNR tech can still join from the Waiting list, and the others are told who took it.
    const j = await p.clients.dnr.post(`/api/console/chats/${chatId}/join`);
    expect(j.status, j.text).toBe(200);
    expect(j.body).toMatchObject({ id: chatId, status: 'active', tech: { id: p.techs.dnr.id, name: 'Dana DNR' } });
    const w = await waitFor(p.sockets.ok, 'alert:withdrawn', (x) => x.chatId === chatId);
    expect(w).toEqual({ chatId, version: j.body.version, techId: p.techs.dnr.id, techName: 'Dana DNR' });
    // The joining tech's socket is in the stream at once: it hears its own "joined" line live.
    await waitFor(p.sockets.dnr, 'message', (m) => m.chatId === chatId && m.author.kind === 'system' && m.body === 'Dana DNR joined the chat');
    await waitFor(p.s1, 'chat', (c) => c.id === chatId && c.status === 'active');
    for (const k of ['noBoard', 'noCompany'] as const) {
      await barrier(p.sockets[k]);
      expect(eventsAbout(p.sockets[k], chatId), k).toEqual([]);
    }
    await barrier(p.s2);
    expect(eventsAbout(p.s2, chatId)).toEqual([]);
  });

  it('messages, typing and chat events of an active chat reach its two sides only', async () => {
    const p = await people();
    const r1 = await p.c1.post('/api/portal/chats', { boardId: p.boardId, subject: 'VPN', message: 'VPN down' });
    const r2 = await p.c2.post('/api/portal/chats', { boardId: p.boardId, subject: 'Mail', message: 'Mail down' });
    const chat1 = r1.body.chat.id;
    const chat2 = r2.body.chat.id;
    // Joined over HTTP: the server puts the tech's connected socket into the chat's stream.
    expect((await p.clients.ok.post(`/api/console/chats/${chat1}/join`)).status).toBe(200);
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
    await waitFor(p.sockets.ok, 'message', (m) => m.clientId === 't-2');
    await waitFor(p.sockets.dnr, 'message', (m) => m.clientId === 't-2');
    for (const sock of [p.s1, p.s2, ...Object.values(p.sockets)]) await barrier(sock);
    expect(received(p.s1, 'typing')).toHaveLength(1);
    expect(received(p.sockets.ok, 'typing')).toHaveLength(1);
    expect(received(p.sockets.dnr, 'typing')).toHaveLength(1);
    expect(eventsAbout(p.s2, chat1)).toEqual([]);
    expect(received(p.s2, 'typing')).toHaveLength(0);
    for (const k of ['noBoard', 'noCompany'] as const) expect(eventsAbout(p.sockets[k], chat1), k).toEqual([]);
    // Every message exactly once on each side, in seq order.
    const seqs = (sock: TestSocket) => received(sock, 'message', (m) => m.chatId === chat1).map((e) => e.payload.seq);
    const list = (await p.clients.ok.get(`/api/console/chats/${chat1}/messages`)).body.map((m: any) => m.seq);
    expect(list).toEqual([1, 2, 3, 4, 5]);
    expect([toUser.message.seq, toTech.message.seq]).toEqual([3, 4]);
    // The requester, connected before its request, hears every message of its chat; the tech
    // from its join on (seq 2 is the join's system message); the watcher from its subscribe on.
    expect(seqs(p.s1)).toEqual([1, 2, 3, 4, 5]);
    expect(seqs(p.sockets.ok)).toEqual([2, 3, 4, 5]);
    expect(seqs(p.sockets.dnr)).toEqual([3, 4, 5]);

    // End: both sides hear of it, the other user does not.
    expect((await p.clients.ok.post(`/api/console/chats/${chat1}/end`, { outcome: 'ended' })).status).toBe(200);
    await waitFor(p.s1, 'chat', (c) => c.id === chat1 && c.status === 'completed');
    await waitFor(p.sockets.ok, 'chat', (c) => c.id === chat1 && c.status === 'completed');
    await waitFor(p.sockets.dnr, 'chat', (c) => c.id === chat1 && c.status === 'completed');
    await barrier(p.s2);
    expect(eventsAbout(p.s2, chat1)).toEqual([]);
  });

  it('an internal note during a chat reaches the techs following it, never the requester, another user or techs without access', async () => {
    const p = await people();
    const r1 = await p.c1.post('/api/portal/chats', { boardId: p.boardId, subject: 'Printer', message: 'Printer jams' });
    const chat1 = r1.body.chat.id;
    expect((await p.clients.ok.post(`/api/console/chats/${chat1}/join`)).status).toBe(200);
    expect((await ack(p.sockets.dnr, 'chat:subscribe', { chatId: chat1, afterSeq: 0 })).ok).toBe(true);
    expect((await ack(p.s1, 'chat:subscribe', { chatId: chat1, afterSeq: 0 })).ok).toBe(true);

    const added = await p.clients.ok.post(`/api/console/chats/${chat1}/notes`, { body: 'User sounds annoyed; jam is tray 2' });
    expect(added.status, added.text).toBe(201);
    const noteId = added.body.id;
    expect(await waitFor(p.sockets.ok, 'note', (n) => n.chatId === chat1)).toEqual({ chatId: chat1, noteId });
    expect(await waitFor(p.sockets.dnr, 'note', (n) => n.chatId === chat1)).toEqual({ chatId: chat1, noteId });
    // An edit is pushed the same way.
    expect((await p.clients.ok.put(`/api/console/chats/${chat1}/notes/${noteId}`, { body: 'Jam is tray 2' })).status).toBe(200);
    await until(() => received(p.sockets.ok, 'note', (n) => n.chatId === chat1).length === 2);

    // A message after it, seen by the requester, proves the note had its chance to arrive.
    await ack(p.sockets.ok, 'message:send', { chatId: chat1, body: 'Try tray 1', clientId: 'n-1' });
    await waitFor(p.s1, 'message', (m) => m.clientId === 'n-1');
    for (const sock of [p.s1, p.s2, ...Object.values(p.sockets)]) await barrier(sock);
    expect(received(p.s1, 'note')).toEqual([]);
    expect(received(p.s2, 'note')).toEqual([]);
    for (const k of ['noBoard', 'noCompany'] as const) expect(eventsAbout(p.sockets[k], chat1), k).toEqual([]);
    // Nor is it in anything the requester can read: the chat's messages, and the transcript at the end.
    const theirs = await p.c1.get(`/api/portal/chats/${chat1}/messages`);
    expect(JSON.stringify(theirs.body)).not.toContain('tray 2');
    expect((await p.clients.ok.post(`/api/console/chats/${chat1}/end`, { outcome: 'ended' })).status).toBe(200);
    const portalTranscript = await p.c1.get(`/api/portal/chats/${chat1}/transcript`);
    expect(portalTranscript.status).toBe(200);
    expect(portalTranscript.text).toContain('Try tray 1');
    expect(portalTranscript.text).not.toContain('tray 2');
    // The tech's transcript has it in line, marked internal.
    const techTranscript = await p.clients.ok.get(`/api/console/chats/${chat1}/transcript`);
    expect(techTranscript.text).toMatch(/\[internal note, techs only\] Olive Access: Jam is tray 2/);
  });

  it('"seen" marks go to the other side only, move forward only, never past the last message, and only a participant sets one', async () => {
    const p = await people();
    const chat1 = (await p.c1.post('/api/portal/chats', { boardId: p.boardId, subject: 'Seen', message: 'First' })).body.chat.id;
    expect((await p.clients.ok.post(`/api/console/chats/${chat1}/join`)).status).toBe(200);
    expect((await ack(p.sockets.dnr, 'chat:subscribe', { chatId: chat1, afterSeq: 0 })).ok).toBe(true);
    expect((await ack(p.s1, 'chat:subscribe', { chatId: chat1, afterSeq: 0 })).ok).toBe(true);
    const sent = await ack(p.sockets.ok, 'message:send', { chatId: chat1, body: 'Hello', clientId: 'seen-1' });
    const last = sent.message.seq;

    // The requester has seen it all: the techs following the chat hear it; the requester does not hear itself.
    expect((await ack(p.s1, 'chat:read', { chatId: chat1, seq: 999 })).ok).toBe(true);
    expect(await waitFor(p.sockets.ok, 'read', (r) => r.chatId === chat1)).toEqual({ chatId: chat1, by: 'requester', seq: last });
    await waitFor(p.sockets.dnr, 'read', (r) => r.chatId === chat1);
    // Backwards or again: nothing moves, nothing is sent.
    expect((await ack(p.s1, 'chat:read', { chatId: chat1, seq: 1 })).ok).toBe(true);
    expect((await ack(p.s1, 'chat:read', { chatId: chat1, seq: last })).ok).toBe(true);
    // The joined tech's mark goes to the requester only.
    expect((await ack(p.sockets.ok, 'chat:read', { chatId: chat1, seq: last })).ok).toBe(true);
    expect(await waitFor(p.s1, 'read', (r) => r.chatId === chat1)).toEqual({ chatId: chat1, by: 'tech', seq: last });
    // Not a participant: a watching tech, another user, a tech without access.
    expect((await ack(p.sockets.dnr, 'chat:read', { chatId: chat1, seq: last })).error.code).toBe('not_participant');
    expect((await ack(p.s2, 'chat:read', { chatId: chat1, seq: last })).error.code).toBe('not_found');
    expect((await ack(p.sockets.noBoard, 'chat:read', { chatId: chat1, seq: last })).error.code).toBe('not_found');
    for (const bad of [{ chatId: chat1, seq: 0 }, { chatId: chat1 }, { chatId: chat1, seq: 'x' }, { chatId: chat1, seq: 1, extra: 1 }])
      expect((await ack(p.s1, 'chat:read', bad)).error.code).toBe('validation_failed');

    for (const sock of [p.s1, p.s2, ...Object.values(p.sockets)]) await barrier(sock);
    expect(received(p.sockets.ok, 'read', (r) => r.chatId === chat1)).toHaveLength(1);
    expect(received(p.s1, 'read', (r) => r.chatId === chat1).map((e) => e.payload)).toEqual([{ chatId: chat1, by: 'tech', seq: last }]);
    expect(eventsAbout(p.s2, chat1)).toEqual([]);
    for (const k of ['noBoard', 'noCompany'] as const) expect(eventsAbout(p.sockets[k], chat1), k).toEqual([]);
    // Both views say how far each side has read.
    expect((await p.c1.get(`/api/portal/chats/${chat1}`)).body.readSeq).toEqual({ requester: last, tech: last });
  });
});
