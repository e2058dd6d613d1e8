/**
 * A connection keeps its actor between events (see src/server/realtime/socket-actors.ts). Every
 * change to a user must still show in that user's very next event: names, Available/DNR set from
 * another tab, grants. Each socket here is served once before the change, so its actor is kept.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { ack, connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier, serverWithSockets } from './support/realtime.js';

describe.each(DIALECTS)('changes to a connected user on %s', (kind) => {
  let s: TestServer;
  const open = serverWithSockets(kind, (server) => (s = server));

  async function activeChat() {
    const w = await s.f.world();
    const admin = await loginAs(s.url, 'tech', (await s.f.tech({ role: 'admin' })).email, PASSWORD);
    const techClient = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    const userClient = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const ts = await connect(s.url, '/console', techClient);
    const us = await connect(s.url, '/portal', userClient);
    open.push(ts, us);
    const chatId = (await userClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Names', message: 'hello' })).body.chat.id;
    expect((await techClient.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    expect((await ack(us, 'chat:subscribe', { chatId, afterSeq: 0 })).ok).toBe(true);
    return { ...w, admin, techClient, userClient, ts, us, chatId };
  }

  it('a rename by an admin shows in the next message of each side', async () => {
    const c = await activeChat();
    const send = async (sock: TestSocket, clientId: string) =>
      (await ack(sock, 'message:send', { chatId: c.chatId, body: clientId, clientId })).message.author.name;
    expect(await send(c.ts, 't-1')).toMatch(/^Tech/);
    expect(await send(c.us, 'u-1')).toMatch(/^User/);
    expect((await c.admin.patch(`/api/admin/techs/${c.tech.id}`, { name: 'Tech Renamed' })).status).toBe(200);
    expect((await c.admin.patch(`/api/admin/portal-users/${c.user.id}`, { name: 'User Renamed' })).status).toBe(200);
    expect(await send(c.ts, 't-2')).toBe('Tech Renamed');
    expect(await send(c.us, 'u-2')).toBe('User Renamed');
  });

  it('DNR set in another tab reaches the first tab at once: pushed to its socket, and in its status bar', async () => {
    const c = await activeChat();
    // The first tab's socket has been served (its actor is kept), and its status bar read.
    expect((await ack(c.ts, 'chat:subscribe', { chatId: c.chatId, afterSeq: 0 })).ok).toBe(true);
    expect((await c.techClient.get('/api/console/status-bar')).body.available).toBe(true);
    const otherTab = await loginAs(s.url, 'tech', c.tech.email, PASSWORD);
    expect((await otherTab.put('/api/console/status', { available: false })).status).toBe(200);
    expect((await c.techClient.get('/api/console/status-bar')).body.available).toBe(false);
    await waitFor(c.ts, 'status', (x) => x.available === false);
    expect((await otherTab.put('/api/console/status', { available: true })).status).toBe(200);
    expect((await c.techClient.get('/api/console/status-bar')).body.available).toBe(true);
    await waitFor(c.ts, 'status', (x) => x.available === true);
    await barrier(c.ts);
    expect(received(c.ts, 'status').map((e) => e.payload)).toEqual([{ available: false }, { available: true }]);
    expect(received(c.ts, 'statusbar:changed')).toHaveLength(2);
    // The kept actor was not left stale: the socket is served as before.
    expect((await ack(c.ts, 'message:send', { chatId: c.chatId, body: 'still here', clientId: 't-dnr' })).ok).toBe(true);
  });

  it('grants widened by an admin let the tech open a chat it could not see a moment before', async () => {
    const c = await activeChat();
    const otherBoard = await s.f.board();
    const otherCompany = await s.f.company({ boardIds: [otherBoard] });
    const stranger = await loginAs(s.url, 'portal', (await s.f.portalUser(otherCompany)).email, PASSWORD);
    const chatId = (await stranger.post('/api/portal/chats', { boardId: otherBoard, subject: 'Elsewhere', message: 'hi' })).body.chat.id;
    expect((await ack(c.ts, 'chat:subscribe', { chatId, afterSeq: 0 })).error.code).toBe('not_found');
    const g = await c.admin.put(`/api/admin/techs/${c.tech.id}/grants`, {
      boardIds: [c.boardId, otherBoard],
      allCompanies: false,
      companyIds: [c.companyId, otherCompany],
    });
    expect(g.status, g.text).toBe(200);
    expect((await ack(c.ts, 'chat:subscribe', { chatId, afterSeq: 0 })).ok).toBe(true);
  });
});
