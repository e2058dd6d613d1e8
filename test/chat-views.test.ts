/**
 * What a chat's views show beyond its row: the start of the requester's first message (for the
 * console's toast and Waiting list), as text, shortened, and absent when there is none.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import type { TestServer } from './support/server.js';
import { serverWithWorld, waitingChat, type World } from './support/flows.js';

describe.each(DIALECTS)('chat views on %s', (kind) => {
  let s: TestServer;
  let w: World;
  serverWithWorld(kind, (server, seeded) => ((s = server), (w = seeded)));

  it("carry the start of the requester's first message: whitespace folded, shortened, markup as text", async () => {
    const long = `<b>Printer</b>\n\n  jams   ${'again and '.repeat(40)}`;
    const r = await w.userClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Jam', message: long });
    expect(r.status, r.text).toBe(201);
    const id = r.body.chat.id;
    const view = (await w.techClient.get(`/api/console/chats/${id}`)).body;
    expect(view.firstMessage.startsWith('<b>Printer</b> jams again and')).toBe(true);
    expect(view.firstMessage.length).toBe(160);
    expect(view.firstMessage.endsWith('…')).toBe(true);
    const bar = (await w.techClient.get('/api/console/status-bar')).body;
    expect(bar.waiting.find((c: { id: number }) => c.id === id).firstMessage).toBe(view.firstMessage);
    expect(r.body.chat.firstMessage).toBe(view.firstMessage);
  });

  it('is null for a chat started from a ticket without a message', async () => {
    await waitingChat(w);
    const ticketId = await s.f.ticket({ companyId: w.companyId, boardId: w.boardId, contactId: w.user.id });
    const r = await w.userClient.post(`/api/portal/tickets/${ticketId}/chat`, {});
    expect(r.status, r.text).toBe(201);
    expect(r.body.chat.firstMessage).toBeNull();
  });
});
