/**
 * Staged alerts for ticket chats, withdrawal on join, DNR switched over HTTP and pushed to the
 * tech's sockets, a grant revoked mid-chat, and a tech who connects later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack, connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, closeAll } from './support/realtime.js';

type Tech = { id: number; email: string; client: Client; socket: TestSocket | null };

describe.each(DIALECTS)('alerts on %s', (kind) => {
  const open: TestSocket[] = [];
  let fast: TestServer; // assigned-first window of 1.5 s
  let slow: TestServer; // assigned-first window of 60 s: an alert to everyone is never the escalation
  beforeAll(async () => {
    fast = await startTestServer(kind, { CHAT_ASSIGNED_FIRST_SECONDS: '1.5' });
    slow = await startTestServer(kind, { CHAT_ASSIGNED_FIRST_SECONDS: '60' });
  });
  afterAll(async () => {
    closeAll(...open);
    await fast?.stop();
    await slow?.stop();
  });

  async function scene(s: TestServer, opts: { assignedOnline?: boolean; assignedAvailable?: boolean } = {}) {
    const boardId = await s.f.board();
    const companyId = await s.f.company({ boardIds: [boardId] });
    const mk = async (name: string, available = true, online = true): Promise<Tech> => {
      const t = await s.f.tech({ boardIds: [boardId], companyIds: [companyId], name, available });
      const client = await loginAs(s.url, 'tech', t.email, PASSWORD);
      const socket = online ? await connect(s.url, '/console', client) : null;
      if (socket) open.push(socket);
      return { ...t, client, socket };
    };
    const assigned = await mk('Assigned Al', opts.assignedAvailable ?? true, opts.assignedOnline ?? true);
    const b = await mk('Bea Other');
    const c = await mk('Cy Other');
    const user = await s.f.portalUser(companyId, { name: 'Ursula' });
    const ticketId = await s.f.ticket({ companyId, boardId, contactId: user.id, assignedTechId: assigned.id });
    const userClient = await loginAs(s.url, 'portal', user.email, PASSWORD);
    const userSocket = await connect(s.url, '/portal', userClient);
    open.push(userSocket);
    const admin = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    const adminClient = await loginAs(s.url, 'tech', admin.email, PASSWORD);
    return { boardId, companyId, assigned, b, c, user, ticketId, userClient, userSocket, adminClient };
  }

  it('a ticket chat alerts the online, available assigned tech alone first, then everyone eligible', async () => {
    const sc = await scene(fast);
    // The assigned tech's second tab: every connection of the tech is alerted, each once.
    const secondTab = await connect(fast.url, '/console', sc.assigned.client);
    open.push(secondTab);
    const r = await sc.userClient.post(`/api/portal/tickets/${sc.ticketId}/chat`, { message: 'Still broken' });
    expect(r.status, r.text).toBe(201);
    const chatId = r.body.chat.id;
    const first = await waitFor(sc.assigned.socket!, 'alert', (a) => a.chat.id === chatId);
    expect(first.stage).toBe('assigned');
    expect(first.chat).toMatchObject({ id: chatId, status: 'waiting' });
    // The others have the chat in their lists at once, but no alert yet.
    await waitFor(sc.b.socket!, 'chat', (c) => c.id === chatId);
    for (const s of [sc.assigned.socket!, secondTab, sc.b.socket!, sc.c.socket!]) await barrier(s);
    expect(received(sc.b.socket!, 'alert')).toHaveLength(0);
    expect(received(sc.c.socket!, 'alert')).toHaveLength(0);
    // One frame per tech for the request: the alert (carrying the chat) or the chat, never both.
    const framesOf = (s: TestSocket) => [
      ...received(s, 'alert', (a) => a.chat.id === chatId).map(() => 'alert'),
      ...received(s, 'chat', (c) => c.id === chatId).map(() => 'chat'),
    ];
    expect(framesOf(sc.assigned.socket!)).toEqual(['alert']);
    expect(framesOf(secondTab)).toEqual(['alert']);
    expect(framesOf(sc.b.socket!)).toEqual(['chat']);
    expect(framesOf(sc.c.socket!)).toEqual(['chat']);
    expect((await sc.b.client.get('/api/console/status-bar')).body.waiting.map((c: any) => c.id)).toContain(chatId);

    // After the window, everyone eligible is alerted, once.
    const later = await waitFor(sc.b.socket!, 'alert', (a) => a.chat.id === chatId, 10000);
    expect(later.stage).toBe('all');
    await waitFor(sc.c.socket!, 'alert', (a) => a.chat.id === chatId && a.stage === 'all');
    // One alert per tech and request: the assigned tech, alerted alone first, is not alerted again
    // at the escalation (no second toast, no second sound), on either of its connections.
    for (const s of [sc.assigned.socket!, secondTab, sc.b.socket!, sc.c.socket!]) await barrier(s);
    const alertsOf = (s: TestSocket) => received(s, 'alert', (a) => a.chat.id === chatId).map((e) => e.payload.stage);
    expect(alertsOf(sc.assigned.socket!)).toEqual(['assigned']);
    expect(alertsOf(secondTab)).toEqual(['assigned']);
    expect(alertsOf(sc.b.socket!)).toEqual(['all']);
    expect(alertsOf(sc.c.socket!)).toEqual(['all']);
    // Join by C withdraws the alert from everyone else, naming the winner.
    const j = await sc.c.client.post(`/api/console/chats/${chatId}/join`);
    expect(j.status, j.text).toBe(200);
    expect(j.body).toMatchObject({
      id: chatId,
      status: 'active',
      tech: { id: c(sc).id, name: 'Cy Other' },
      abilities: { join: false, write: true, end: true },
    });
    for (const t of [sc.assigned, sc.b]) {
      const w = await waitFor(t.socket!, 'alert:withdrawn', (x) => x.chatId === chatId);
      expect(w).toMatchObject({ chatId, techId: c(sc).id, techName: 'Cy Other' });
      // Versions: each change the views show raises it; the withdrawal names the version of the
      // taken chat, so an alert that arrives after it (any alert of this chat) is known as stale.
      const taken = await waitFor(t.socket!, 'chat', (x) => x.id === chatId && x.status === 'active');
      expect(w.version).toBe(taken.version);
      expect(j.body.version).toBe(taken.version);
      for (const a of received(t.socket!, 'alert', (x) => x.chat.id === chatId)) expect(a.payload.chat.version).toBeLessThan(w.version);
    }
    expect(later.chat.version).toBeGreaterThan(first.chat.version);
    await barrier(sc.b.socket!);
    expect(received(sc.b.socket!, 'alert', (a) => a.chat.id === chatId)).toHaveLength(1);
    expect(alertsOf(sc.assigned.socket!)).toEqual(['assigned']);
    // A late join is refused with the winner's name.
    const late = await sc.b.client.post(`/api/console/chats/${chatId}/join`);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('already_joined');
    expect(late.body.error.message).toContain('Cy Other');
    expect(late.body.error.details).toMatchObject({ techId: c(sc).id, techName: 'Cy Other', state: 'active' });
  });
  const c = (sc: { c: Tech }) => sc.c;

  for (const [label, opts] of [
    ['offline', { assignedOnline: false }],
    ['DNR', { assignedAvailable: false }],
  ] as const) {
    it(`a ticket chat whose assigned tech is ${label} alerts everyone eligible at once`, async () => {
      const sc = await scene(slow, opts);
      const r = await sc.userClient.post(`/api/portal/tickets/${sc.ticketId}/chat`, { message: 'Help' });
      const chatId = r.body.chat.id;
      for (const t of [sc.b, sc.c]) expect((await waitFor(t.socket!, 'alert', (a) => a.chat.id === chatId)).stage).toBe('all');
      if (sc.assigned.socket) {
        // The chat for its lists comes after the alerts to the others: waited for, then nothing more.
        await waitFor(sc.assigned.socket, 'chat', (x) => x.id === chatId);
        await barrier(sc.assigned.socket);
        expect(received(sc.assigned.socket, 'alert')).toHaveLength(0);
        expect(received(sc.assigned.socket, 'chat', (x) => x.id === chatId)).toHaveLength(1);
      }
    });
  }

  it('DNR switched over HTTP takes effect at once, both ways, and reaches the sockets; waiting chats are there on switching back', async () => {
    const sc = await scene(slow);
    const b = sc.b.socket!;
    const off = await sc.b.client.put('/api/console/status', { available: false });
    expect(off.status, off.text).toBe(200);
    expect(off.body).toEqual({ available: false });
    await waitFor(b, 'status', (x) => x.available === false);
    expect((await sc.b.client.get('/api/console/me')).body.available).toBe(false);

    const u2 = await slow.f.portalUser(sc.companyId);
    const c2 = await loginAs(slow.url, 'portal', u2.email, PASSWORD);
    const chatId = (await c2.post('/api/portal/chats', { boardId: sc.boardId, subject: 'While DNR', message: 'hello?' })).body.chat.id;
    await waitFor(sc.c.socket!, 'alert', (a) => a.chat.id === chatId);
    await waitFor(b, 'chat', (x) => x.id === chatId);
    await barrier(b);
    expect(received(b, 'alert')).toHaveLength(0);

    const on = await sc.b.client.put('/api/console/status', { available: true });
    expect(on.status, on.text).toBe(200);
    expect(on.body).toEqual({ available: true });
    await waitFor(b, 'status', (x) => x.available === true);
    await waitFor(b, 'statusbar:changed');
    const bar = (await sc.b.client.get('/api/console/status-bar')).body;
    expect(bar.available).toBe(true);
    expect(bar.waiting.map((x: any) => x.id)).toContain(chatId);

    // The next request alerts B again.
    const u3 = await slow.f.portalUser(sc.companyId);
    const c3 = await loginAs(slow.url, 'portal', u3.email, PASSWORD);
    const next = (await c3.post('/api/portal/chats', { boardId: sc.boardId, subject: 'After DNR', message: 'hi' })).body.chat.id;
    await waitFor(b, 'alert', (a) => a.chat.id === next);

    // A tech who connects later sees the waiting chats at once.
    const late = await slow.f.tech({ boardIds: [sc.boardId], companyIds: [sc.companyId] });
    const lateClient = await loginAs(slow.url, 'tech', late.email, PASSWORD);
    const lateSocket = await connect(slow.url, '/console', lateClient);
    open.push(lateSocket);
    const lateBar = (await lateClient.get('/api/console/status-bar')).body;
    expect(lateBar.waiting.map((x: any) => x.id)).toEqual(expect.arrayContaining([chatId, next]));
  });

  it('a grant revoked mid-chat cuts the tech off at once: no more messages, subscribe refused', async () => {
    const sc = await scene(slow);
    const u = await slow.f.portalUser(sc.companyId);
    const uc = await loginAs(slow.url, 'portal', u.email, PASSWORD);
    const us = await connect(slow.url, '/portal', uc);
    open.push(us);
    const chatId = (await uc.post('/api/portal/chats', { boardId: sc.boardId, subject: 'Revoke', message: 'one' })).body.chat.id;
    const b = sc.b.socket!;
    // Joined over HTTP: the server puts B's connected socket into the chat's stream.
    expect((await sc.b.client.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    await waitFor(b, 'message', (m) => m.chatId === chatId && m.author.kind === 'system' && m.body.endsWith('joined the chat'));
    // C watches the chat too and keeps access: it proves delivery of later messages.
    expect((await ack(sc.c.socket!, 'chat:subscribe', { chatId, afterSeq: 0 })).ok).toBe(true);
    await ack(us, 'chat:subscribe', { chatId, afterSeq: 0 });
    await ack(us, 'message:send', { chatId, body: 'before', clientId: 'b-1' });
    await waitFor(b, 'message', (m) => m.clientId === 'b-1');

    // A change of grants that keeps the access keeps the stream (and asks the client to re-read).
    const extraBoard = await slow.f.board();
    const keep = await sc.adminClient.put(`/api/admin/techs/${sc.c.id}/grants`, {
      boardIds: [sc.boardId, extraBoard],
      allCompanies: false,
      companyIds: [sc.companyId],
    });
    expect(keep.status, keep.text).toBe(200);
    await waitFor(sc.c.socket!, 'resync');
    await ack(us, 'message:send', { chatId, body: 'still watched', clientId: 'b-kept' });
    await waitFor(sc.c.socket!, 'message', (m) => m.clientId === 'b-kept');

    const g = await sc.adminClient.put(`/api/admin/techs/${sc.b.id}/grants`, { boardIds: [], allCompanies: false, companyIds: [sc.companyId] });
    expect(g.status, g.text).toBe(200);
    // No waiting for any sign from the server: the cut is in place when the admin's request returns.

    await ack(us, 'message:send', { chatId, body: 'after', clientId: 'b-2' });
    expect((await ack(us, 'typing', { chatId, typing: true })).ok).toBe(true);
    await waitFor(sc.c.socket!, 'message', (m) => m.clientId === 'b-2');
    await barrier(b);
    expect(received(b, 'message', (m) => m.clientId === 'b-2')).toHaveLength(0);
    expect(received(b, 'typing')).toHaveLength(0);
    expect((await ack(b, 'chat:subscribe', { chatId, afterSeq: 0 })).error.code).toBe('not_found');
    expect((await ack(b, 'message:send', { chatId, body: 'still here?', clientId: 'x' })).error.code).toBe('not_found');
    expect((await ack(b, 'typing', { chatId, typing: true })).error.code).toBe('not_found');
    expect((await sc.b.client.get('/api/console/status-bar')).body.active).toEqual([]);
    await waitFor(b, 'statusbar:changed');
    expect((await sc.b.client.get(`/api/console/chats/${chatId}`)).status).toBe(404);
    // Later events of the chat do not reach B either.
    const left = await uc.post(`/api/portal/chats/${chatId}/leave`);
    expect(left.status, left.text).toBe(200);
    expect(left.body).toMatchObject({ id: chatId, status: 'active', leftAt: expect.any(String) });
    await waitFor(sc.c.socket!, 'chat', (x) => x.id === chatId && x.leftAt !== null);
    await waitFor(sc.c.socket!, 'presence', (x) => x.chatId === chatId && x.left === true);
    await barrier(b);
    expect(received(b, 'chat', (x) => x.id === chatId && x.leftAt !== null)).toHaveLength(0);
    expect(received(b, 'presence')).toHaveLength(0);
  });
});
