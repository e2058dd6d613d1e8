import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { activeChat, completedChat, type World, serverWithWorld } from './support/flows.js';

describe.each(DIALECTS)('ending, transcripts and timeline on %s', (kind) => {
  let s: TestServer;
  let w: World;
  serverWithWorld(kind, (server, seeded) => ((s = server), (w = seeded)));

  const download = async (ticketId: number, attachmentId: number) => {
    const r = await w.techClient.get(`/api/console/tickets/${ticketId}/attachments/${attachmentId}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/attachment; filename="chat-\d+\.txt"/);
    expect(r.headers.get('content-type')).toContain('text/plain');
    return r.text;
  };

  it('ending with a new ticket attaches the transcript and records the session on that ticket', async () => {
    const id = await activeChat(w, 'Outlook <script>alert(1)</script>');
    await w.userClient.post(`/api/portal/chats/${id}/messages`, { body: 'My mailbox is full\nsecond line', clientId: 'e1' });
    await w.techClient.post(`/api/console/chats/${id}/messages`, { body: 'Archiving now ✓', clientId: 'e2' });
    const r = await w.techClient.post(`/api/console/chats/${id}/end`, {
      outcome: 'ticket_created',
      boardId: w.boardId,
      summary: 'Mailbox full',
      note: 'Archived 2 GB',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ status: 'completed', outcome: 'ticket_created', createdTicketId: r.body.ticketId });
    const ticket = (await w.techClient.get(`/api/console/tickets/${r.body.ticketId}`)).body;
    expect(ticket).toMatchObject({ summary: 'Mailbox full', company: { id: w.companyId }, board: { id: w.boardId }, contact: { id: w.user.id } });
    expect(ticket.attachments).toHaveLength(1);
    expect(ticket.attachments[0]).toMatchObject({ filename: `chat-${id}.txt`, chatId: id });
    const session = ticket.timeline.find((e: any) => e.kind === 'chat_session');
    expect(session).toMatchObject({
      chatId: id,
      attachmentId: ticket.attachments[0].id,
      data: { messageCount: 3, outcome: 'ticket_created', techId: w.tech.id, filename: `chat-${id}.txt` },
    });
    expect(session.data.durationSeconds).toBeGreaterThanOrEqual(0);
    const text = await download(ticket.id, ticket.attachments[0].id);
    expect(text).toContain(`Chat #${id}: Outlook <script>alert(1)</script>`);
    expect(text).toMatch(/Requester: .+ <.+@test\.local>/);
    expect(text).toMatch(/\] User-.*: Help with Outlook/);
    expect(text).toMatch(/\] User-.*: My mailbox is full\n {4}second line/);
    expect(text).toMatch(/\] Tech-.*: Archiving now ✓/);
    expect(text).toMatch(/\] System: .* joined the chat/);
    // The portal user, as the ticket's contact, can download it too.
    const mine = await w.userClient.get(`/api/portal/tickets/${ticket.id}/attachments/${ticket.attachments[0].id}`);
    expect(mine.text).toBe(text);
    const notes = (await w.techClient.get(`/api/console/chats/${id}/notes`)).body;
    expect(notes.map((n: any) => n.body)).toEqual(['Archived 2 GB']);
  });

  it('a chat from a ticket gets its transcript on that ticket when it ends, even with outcome ended', async () => {
    const ticketId = await s.f.ticket({ companyId: w.companyId, boardId: w.boardId, contactId: w.user.id, assignedTechId: w.tech.id });
    const r = await w.userClient.post(`/api/portal/tickets/${ticketId}/chat`, { message: 'About this ticket' });
    expect(r.status).toBe(201);
    const id = r.body.chat.id;
    expect(r.body.chat).toMatchObject({ source: 'ticket', ticketId });
    expect((await w.userClient.post(`/api/portal/tickets/${ticketId}/chat`, { message: 'again' })).body).toMatchObject({ existing: true, chat: { id } });
    await w.techClient.post(`/api/console/chats/${id}/join`);
    await w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended' });
    const ticket = (await w.techClient.get(`/api/console/tickets/${ticketId}`)).body;
    expect(ticket.attachments.map((a: any) => a.filename)).toEqual([`chat-${id}.txt`]);
    expect(ticket.timeline.filter((e: any) => e.kind === 'chat_session').map((e: any) => e.chatId)).toEqual([id]);
    const text = await download(ticketId, ticket.attachments[0].id);
    expect(text).toContain('About this ticket');
    // No ticket other than the source one received it.
    const all = (await w.techClient.get('/api/console/tickets')).body;
    for (const t of all.filter((t: any) => t.id !== ticketId)) {
      const other = (await w.techClient.get(`/api/console/tickets/${t.id}`)).body;
      expect(other.attachments.map((a: any) => a.chatId)).not.toContain(id);
    }
  });

  it("a ticket's timeline says why nobody joined a chat from it that the user left and a tech completed", async () => {
    const ticketId = await s.f.ticket({ companyId: w.companyId, boardId: w.boardId, contactId: w.user.id, assignedTechId: w.tech.id });
    const id = (await w.userClient.post(`/api/portal/tickets/${ticketId}/chat`, { message: 'Never mind' })).body.chat.id;
    expect((await w.userClient.post(`/api/portal/chats/${id}/leave`)).status).toBe(200);
    expect((await w.techClient.post(`/api/console/chats/${id}/complete`, { note: 'Solved by mail' })).status).toBe(200);
    const ticket = (await w.techClient.get(`/api/console/tickets/${ticketId}`)).body;
    const session = ticket.timeline.find((e: any) => e.kind === 'chat_session' && e.chatId === id);
    expect(session.data).toMatchObject({ outcome: 'completed', techId: null, nobodyJoined: 'left' });
  });

  it('a ticket can be created later from a completed new-request chat, once', async () => {
    const id = await completedChat(w);
    expect((await w.techClient.get(`/api/console/chats/${id}`)).body.createdTicketId).toBeNull();
    const [a, b] = await Promise.all([
      w.techClient.post(`/api/console/chats/${id}/ticket`, { boardId: w.boardId, summary: 'Follow up' }),
      w.techClient.post(`/api/console/chats/${id}/ticket`, { boardId: w.boardId, summary: 'Follow up' }),
    ]);
    const ok = [a, b].filter((r) => r.status === 201);
    expect(ok).toHaveLength(1);
    expect([a, b].find((r) => r.status !== 201)!.body.error.code).toBe('ticket_exists');
    const ticket = (await w.techClient.get(`/api/console/tickets/${ok[0].body.ticketId}`)).body;
    expect(ticket.attachments.map((x: any) => x.filename)).toEqual([`chat-${id}.txt`]);
    expect((await w.techClient.get(`/api/console/chats/${id}`)).body.createdTicketId).toBe(ticket.id);
    // Not from an open chat, nor from one that came from a ticket.
    const open = await activeChat(w);
    const refused = await w.techClient.post(`/api/console/chats/${open}/ticket`, { boardId: w.boardId, summary: 'x' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.state).toBe('active');
  });

  it('a failed end (board the tech cannot use) leaves the chat active and writes nothing', async () => {
    const id = await activeChat(w);
    const foreignBoard = await s.f.board();
    const before = (await w.techClient.get('/api/console/tickets')).body.length;
    const r = await w.techClient.post(`/api/console/chats/${id}/end`, {
      outcome: 'ticket_created',
      boardId: foreignBoard,
      summary: 'Nope',
      note: 'should not stay',
    });
    expect(r.status).toBe(404);
    expect((await w.techClient.get(`/api/console/chats/${id}`)).body.status).toBe('active');
    expect((await w.techClient.get('/api/console/tickets')).body.length).toBe(before);
    expect((await w.techClient.get(`/api/console/chats/${id}/notes`)).body).toEqual([]);
  });

  it('the portal user downloads the transcript of their completed chat, not before', async () => {
    const id = await activeChat(w);
    const early = await w.userClient.get(`/api/portal/chats/${id}/transcript`);
    expect(early.status).toBe(409);
    await w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended' });
    const r = await w.userClient.get(`/api/portal/chats/${id}/transcript`);
    expect(r.status).toBe(200);
    expect(r.text).toContain(`Chat #${id}`);
  });
});

describe.each(DIALECTS)('search and notes on %s', (kind) => {
  let s: TestServer;
  let w: World;
  serverWithWorld(kind, (server, seeded) => ((s = server), (w = seeded)));

  it('finds words from messages, subject and notes, newest first, with a snippet, and honours filters', async () => {
    const a = await activeChat(w, 'Keyboard sticky');
    await w.userClient.post(`/api/portal/chats/${a}/messages`, { body: 'coffee spilled on the quokka keyboard', clientId: 's1' });
    await w.techClient.post(`/api/console/chats/${a}/end`, { outcome: 'ended' });
    const b = await completedChat(w);
    const requesterOfB = w.user.id;
    await w.techClient.post(`/api/console/chats/${b}/notes`, { body: 'Replaced the quokka adapter' });
    const open = await activeChat(w, 'quokka still open');

    const r = (await w.techClient.get('/api/console/search?q=quokka')).body;
    expect(r.map((c: any) => c.id)).toEqual([b, a]);
    expect(r[1].snippet).toContain('\u0002quokka\u0003');
    expect(r.map((c: any) => c.id)).not.toContain(open);
    expect((await w.techClient.get('/api/console/search?q=keyboard')).body.map((c: any) => c.id)).toEqual([a]);
    expect((await w.techClient.get('/api/console/search?q=sticky')).body.map((c: any) => c.id)).toEqual([a]);
    expect((await w.techClient.get('/api/console/search?q=quok')).body.length).toBe(2);
    expect((await w.techClient.get(`/api/console/search?q=quokka&requesterId=${requesterOfB}`)).body.map((c: any) => c.id)).toEqual([b]);
    expect(
      (await w.techClient.get(`/api/console/search?q=quokka&techId=${w.tech.id}&boardId=${w.boardId}&companyId=${w.companyId}&outcome=ended`)).body,
    ).toHaveLength(2);
    expect((await w.techClient.get('/api/console/search?q=quokka&outcome=ticket_created')).body).toHaveLength(0);
    const today = new Date().toISOString().slice(0, 10);
    expect((await w.techClient.get(`/api/console/search?q=quokka&from=${today}&to=${today}`)).body).toHaveLength(2);
    expect((await w.techClient.get('/api/console/search?q=quokka&to=2000-01-01')).body).toHaveLength(0);
    // Operators of either engine are only words here.
    for (const q of ['"', 'quokka OR x', '*', 'NEAR(', "'; drop table chats; --", ':*&|!']) {
      const x = await w.techClient.get(`/api/console/search?q=${encodeURIComponent(q)}`);
      expect(x.status, q).toBe(200);
    }
  });

  it('notes are added and edited with history, and edits are searchable', async () => {
    const id = await completedChat(w);
    const add = await w.techClient.post(`/api/console/chats/${id}/notes`, { body: 'first version' });
    expect(add.status).toBe(201);
    const edit = await w.techClient.put(`/api/console/chats/${id}/notes/${add.body.id}`, { body: 'second wombat version' });
    expect(edit.status).toBe(200);
    const notes = (await w.techClient.get(`/api/console/chats/${id}/notes`)).body;
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ body: 'second wombat version', edited: true });
    expect(notes[0].history.map((h: any) => h.body)).toEqual(['first version', 'second wombat version']);
    expect((await w.techClient.get('/api/console/search?q=wombat')).body.map((c: any) => c.id)).toEqual([id]);
    expect((await w.techClient.get('/api/console/search?q=first')).body.map((c: any) => c.id)).not.toContain(id);
    // A note id from another chat is not found here.
    const other = await completedChat(w);
    const r = await w.techClient.put(`/api/console/chats/${other}/notes/${add.body.id}`, { body: 'x' });
    expect(r.status).toBe(404);
  });

  it('another tech with access can annotate; one without cannot find it', async () => {
    const id = await completedChat(w);
    const colleague = await s.f.tech({ boardIds: [w.boardId], allCompanies: true });
    const c = await loginAs(s.url, 'tech', colleague.email, PASSWORD);
    expect((await c.post(`/api/console/chats/${id}/notes`, { body: 'colleague note' })).status).toBe(201);
  });
});
