/**
 * A person's data: export (JSON) and erase, by an admin only; and the retention sweep of
 * completed chats. After an erase, nothing the person wrote is found by search or appears in any
 * transcript (the tech's download, the ticket's file), while the chats' facts stay for reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { connect, waitFor } from './support/sockets.js';
import { ERASED_NAME, runRetention } from '../src/server/services/privacy.js';

describe.each(DIALECTS)('privacy on %s', (kind) => {
  let s: TestServer;
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer(kind);
    const a = await s.f.tech({ role: 'admin', allCompanies: true });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
  });
  afterAll(async () => s?.stop());

  /** A portal user with one completed chat that created a ticket (so it has a transcript file). */
  async function personWithHistory(secret: string) {
    const w = await s.f.world();
    const user = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const tech = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: `Subject ${secret}`, message: `My ${secret} is broken` });
    expect(r.status, r.text).toBe(201);
    const chatId: number = r.body.chat.id;
    expect((await tech.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    expect((await user.post(`/api/portal/chats/${chatId}/messages`, { body: `call me on ${secret}-phone`, clientId: 'u1' })).status).toBeLessThan(300);
    expect((await tech.post(`/api/console/chats/${chatId}/messages`, { body: `techword${secret} noted`, clientId: 't1' })).status).toBeLessThan(300);
    const end = await tech.post(`/api/console/chats/${chatId}/end`, { outcome: 'ticket_created', boardId: w.boardId, summary: 'Broken thing' });
    expect(end.status, end.text).toBe(200);
    return { w, user, tech, chatId, ticketId: end.body.ticketId as number };
  }

  it('an admin exports a portal user as JSON: profile, chats with messages and history, tickets, sessions', async () => {
    const { w, chatId, ticketId } = await personWithHistory('exportword');
    const r = await admin.get(`/api/admin/portal-users/${w.user.id}/export`);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="portal-user-${w.user.id}.json"`);
    const x = r.body;
    expect(x.person).toMatchObject({ kind: 'portal_user', id: w.user.id, email: w.user.email, erasedAt: null });
    const chat = x.chats.find((c: any) => c.id === chatId);
    expect(chat.subject).toBe('Subject exportword');
    expect(chat.messages.map((m: any) => m.body)).toEqual(
      expect.arrayContaining(['My exportword is broken', 'call me on exportword-phone', 'techwordexportword noted']),
    );
    expect(chat.messages.find((m: any) => m.body === 'My exportword is broken').author).toBe('you');
    expect(chat.history.map((h: any) => h.event)).toEqual(expect.arrayContaining(['request', 'join']));
    expect(x.tickets.map((t: any) => t.id)).toContain(ticketId);
    expect(x.sessions.length).toBeGreaterThanOrEqual(1);
    // Never a password hash or a session token.
    expect(r.text).not.toMatch(/argon2|password|token/i);

    const t = await admin.get(`/api/admin/techs/${w.tech.id}/export`);
    expect(t.status).toBe(200);
    expect(t.body.person).toMatchObject({ kind: 'tech', id: w.tech.id, email: w.tech.email });
    expect(t.body.messages.map((m: any) => m.body)).toContain('techwordexportword noted');
    expect(t.text).not.toMatch(/argon2|password_hash/i);
  });

  it('only an admin may export or erase; an unknown person is not found', async () => {
    const { w, tech, user } = await personWithHistory('refusedword');
    for (const c of [tech]) {
      expect((await c.get(`/api/admin/portal-users/${w.user.id}/export`)).body.error.code).toBe('admin_only');
      expect((await c.post(`/api/admin/portal-users/${w.user.id}/erase`, { confirmEmail: w.user.email })).body.error.code).toBe('admin_only');
    }
    expect((await user.get(`/api/admin/portal-users/${w.user.id}/export`)).status).toBe(401);
    expect((await admin.get('/api/admin/portal-users/999999/export')).status).toBe(404);
    expect((await admin.post('/api/admin/portal-users/999999/erase', { confirmEmail: 'x@y.z' })).status).toBe(404);
    // Nothing was erased by the refused attempts.
    expect((await admin.get(`/api/admin/portal-users/${w.user.id}/export`)).body.person.erasedAt).toBeNull();
  });

  it('erase needs the email typed as confirmation, and waits until no chat of theirs is open', async () => {
    const w = await s.f.world();
    const user = await loginAs(s.url, 'portal', w.user.email, PASSWORD);
    const r = await user.post('/api/portal/chats', { boardId: w.boardId, subject: 'Open one', message: 'still waiting' });
    expect(r.status).toBe(201);
    const wrong = await admin.post(`/api/admin/portal-users/${w.user.id}/erase`, { confirmEmail: 'someone@else.test' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('confirmation_mismatch');
    const open = await admin.post(`/api/admin/portal-users/${w.user.id}/erase`, { confirmEmail: w.user.email.toUpperCase() });
    expect(open.status).toBe(409);
    expect(open.body.error).toMatchObject({ code: 'person_has_open_chat', details: { chatId: r.body.chat.id } });
    expect((await user.get('/api/portal/chats')).status).toBe(200);
  });

  it('after erase, their text is in no search, transcript or file; the chat facts and the techs’ words stay; they are signed out', async () => {
    const { w, user, tech, chatId, ticketId } = await personWithHistory('erasedword');
    // Before: search finds the chat by the person's words, the transcript holds them.
    expect(await tech.get('/api/console/search?q=erasedword').then((x) => x.body.map((c: any) => c.id))).toContain(chatId);
    const socket = await connect(s.url, '/portal', user);
    const gone = waitFor(socket, 'disconnect' as never, () => true, 8000).catch(() => null);

    const r = await admin.post(`/api/admin/portal-users/${w.user.id}/erase`, { confirmEmail: w.user.email });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ erased: true, chats: 1, transcripts: 1 });

    // Signed out, and the old credentials no longer work.
    expect((await user.get('/api/portal/chats')).status).toBe(401);
    await expect(loginAs(s.url, 'portal', w.user.email, PASSWORD)).rejects.toThrow(/login failed/);
    await gone;
    expect(socket.connected).toBe(false);

    // Search: nothing by their words (messages or subject); the tech's words still find the chat.
    for (const word of ['erasedword', 'erasedword-phone']) expect((await tech.get(`/api/console/search?q=${word}`)).body).toEqual([]);
    expect(await tech.get('/api/console/search?q=techworderasedword').then((x) => x.body.map((c: any) => c.id))).toContain(chatId);

    // The tech's transcript download is built from what is stored: none of their text.
    const transcript = await tech.get(`/api/console/chats/${chatId}/transcript`);
    expect(transcript.status).toBe(200);
    expect(transcript.text).not.toMatch(/erasedword is broken|erasedword-phone|Subject erasedword/);
    expect(transcript.text).toContain(ERASED_NAME);
    expect(transcript.text).toContain('techworderasedword noted');

    // The ticket keeps the chat session on its timeline, without the transcript file.
    const t = await tech.get(`/api/console/tickets/${ticketId}`);
    expect(t.status).toBe(200);
    expect(t.body.attachments.filter((a: any) => a.chatId === chatId || a.filename === `chat-${chatId}.txt`)).toEqual([]);
    expect(JSON.stringify(t.body)).not.toMatch(/erasedword is broken|erasedword-phone/);

    // The chat's facts stay: status, outcome, message count and gapless seq.
    const stream = await tech.get(`/api/console/chats/${chatId}/messages?after=0`);
    const seqs = stream.body.map((m: any) => m.seq);
    expect(seqs).toEqual(seqs.map((_: unknown, i: number) => i + 1));
    expect(JSON.stringify(stream.body)).not.toMatch(/erasedword is broken|erasedword-phone/);
    expect((await tech.get(`/api/console/chats/${chatId}`)).body).toMatchObject({ id: chatId, status: 'completed', outcome: 'ticket_created' });

    // The export now shows an erased person; a second erase changes nothing.
    const x = (await admin.get(`/api/admin/portal-users/${w.user.id}/export`)).body;
    expect(x.person).toMatchObject({ name: ERASED_NAME, phone: null });
    expect(x.person.erasedAt).not.toBeNull();
    expect(JSON.stringify(x)).not.toMatch(/erasedword is broken|erasedword-phone|Subject erasedword/);
    expect((await admin.post(`/api/admin/portal-users/${w.user.id}/erase`, { confirmEmail: x.person.email })).body).toEqual({
      erased: false,
      chats: 0,
      transcripts: 0,
    });
    socket.close();
  });

  it('retention removes old completed chats’ messages, search text and files; newer chats keep theirs', async () => {
    const old = await personWithHistory('oldretainword');
    const recent = await personWithHistory('newretainword');
    // The first chat was completed 40 days ago.
    await s.ctx.db
      .updateTable('chats')
      .set({ completed_at: Date.now() - 40 * 86_400_000 })
      .where('id', '=', old.chatId)
      .execute();

    expect(await runRetention(s.ctx, { days: null })).toEqual({ chats: 0, messages: 0, files: 0 });
    // Two sweeps at once (as two nodes would run them): each chat is swept once, nothing fails.
    const [a, b] = await Promise.all([runRetention(s.ctx, { days: 30 }), runRetention(s.ctx, { days: 30 })]);
    const first = { chats: a.chats + b.chats, files: a.files + b.files };
    expect(first.chats).toBeGreaterThanOrEqual(1);
    expect(first.files).toBe(first.chats);
    expect((await runRetention(s.ctx, { days: 30 })).chats).toBe(0);

    const tech = old.tech;
    expect((await tech.get(`/api/console/chats/${old.chatId}/messages?after=0`)).body).toEqual([]);
    expect((await tech.get('/api/console/search?q=oldretainword')).body).toEqual([]);
    expect((await tech.get(`/api/console/tickets/${old.ticketId}`)).body.attachments).toEqual([]);
    // The chat itself stays, for reports and the ticket's timeline.
    const view = (await tech.get(`/api/console/chats/${old.chatId}`)).body;
    expect(view).toMatchObject({ id: old.chatId, status: 'completed' });
    expect(Date.parse(view.messagesRemovedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect((await old.user.get(`/api/portal/chats/${old.chatId}`)).body.messagesRemovedAt).toBe(view.messagesRemovedAt);
    expect((await recent.tech.get(`/api/console/chats/${recent.chatId}`)).body.messagesRemovedAt).toBeNull();

    expect((await recent.tech.get(`/api/console/chats/${recent.chatId}/messages?after=0`)).body.length).toBeGreaterThanOrEqual(4);
    expect((await recent.tech.get('/api/console/search?q=newretainword')).body.map((c: any) => c.id)).toContain(recent.chatId);
  });
});
