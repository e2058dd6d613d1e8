/** The context panel's data: the requester, their open tickets and other chats, only as far as the tech may see. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { world, type World } from './support/flows.js';

describe.each(DIALECTS)('chat context on %s', (kind) => {
  let s: TestServer;
  let w: World;
  beforeAll(async () => {
    s = await startTestServer(kind);
    w = await world(s);
  });
  afterAll(async () => s?.stop());

  it("lists the requester's open tickets and other chats the tech may see, with the last note, and nothing else", async () => {
    const hidden = await s.f.board();
    await s.ctx.db.insertInto('company_boards').values({ company_id: w.companyId, board_id: hidden }).execute();
    const mine = { companyId: w.companyId, contactId: w.user.id };
    const open = await s.f.ticket({ ...mine, boardId: w.boardId, summary: 'VPN keeps dropping' });
    const closed = await s.f.ticket({ ...mine, boardId: w.boardId, summary: 'Old and done' });
    await s.ctx.db.updateTable('tickets').set({ status: 'closed' }).where('id', '=', closed).execute();
    await s.f.ticket({ ...mine, boardId: hidden, summary: 'On a board the tech cannot see' });

    // An earlier chat, completed with a note; one on the hidden board; then the current one.
    const ask = async (boardId: number, subject: string) =>
      (await w.userClient.post('/api/portal/chats', { boardId, subject, message: subject })).body.chat.id as number;
    const earlier = await ask(w.boardId, 'Printer jam');
    expect((await w.techClient.post(`/api/console/chats/${earlier}/join`)).status).toBe(200);
    expect((await w.techClient.post(`/api/console/chats/${earlier}/end`, { outcome: 'ended' })).status).toBe(200);
    expect((await w.techClient.post(`/api/console/chats/${earlier}/notes`, { body: 'Cleared tray 2' })).status).toBe(201);
    const secret = await ask(hidden, 'Payroll question');
    expect((await w.userClient.post(`/api/portal/chats/${secret}/leave`)).status).toBe(200);
    const current = await ask(w.boardId, 'Screen flickers');

    const r = await w.techClient.get(`/api/console/chats/${current}/context`);
    expect(r.status, r.text).toBe(200);
    const email = (await s.ctx.db.selectFrom('portal_users').select('email').where('id', '=', w.user.id).executeTakeFirstOrThrow()).email;
    expect(r.body.requester).toMatchObject({ id: w.user.id, email });
    expect(r.body.company.id).toBe(w.companyId);
    expect(r.body.openTickets.map((t: { id: number }) => t.id)).toEqual([open]);
    expect(r.body.recentChats.map((c: { id: number }) => c.id)).toEqual([earlier]);
    expect(r.body.recentChats[0]).toMatchObject({ subject: 'Printer jam', status: 'completed', outcome: 'ended', lastNote: 'Cleared tray 2' });
    expect(JSON.stringify(r.body)).not.toContain('Payroll');
    expect(JSON.stringify(r.body)).not.toContain('cannot see');
  });

  it('is not found for a tech who may not see the chat, and needs a tech session', async () => {
    const current = (await w.userClient.post('/api/portal/chats', { boardId: w.boardId, subject: 'Again', message: 'x' })).body.chat.id;
    const outsider = await loginAs(s.url, 'tech', (await s.f.tech({ boardIds: [await s.f.board()], allCompanies: true })).email, PASSWORD);
    expect((await outsider.get(`/api/console/chats/${current}/context`)).status).toBe(404);
    expect((await w.userClient.get(`/api/console/chats/${current}/context`)).status).toBe(401);
  });
});
