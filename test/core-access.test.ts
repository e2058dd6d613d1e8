import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { activeChat, chatIn, completedChat, world, type World } from './support/flows.js';

describe.each(DIALECTS)('access on %s', (kind) => {
  let s: TestServer;
  let w: World;
  let outsiders: Record<string, { id: number; client: Client }>;
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer(kind);
    w = await world(s);
    const otherBoard = await s.f.board();
    const otherCompany = await s.f.company({ boardIds: [w.boardId] });
    const make = async (opts: Parameters<TestServer['f']['tech']>[0]) => {
      const t = await s.f.tech(opts);
      return { id: t.id, client: await loginAs(s.url, 'tech', t.email, PASSWORD) };
    };
    outsiders = {
      'without the board': await make({ boardIds: [otherBoard], companyIds: [w.companyId] }),
      'without the company': await make({ boardIds: [w.boardId], companyIds: [otherCompany] }),
      'with all companies but not the board': await make({ boardIds: [otherBoard], allCompanies: true }),
      'with no grants': await make({}),
    };
    const a = await s.f.tech({ role: 'admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
  });
  afterAll(async () => s?.stop());

  const chatEndpoints = (id: number): [string, string, unknown?][] => [
    ['GET', `/api/console/chats/${id}`],
    ['GET', `/api/console/chats/${id}/messages`],
    ['GET', `/api/console/chats/${id}/transitions`],
    ['GET', `/api/console/chats/${id}/transcript`],
    ['GET', `/api/console/chats/${id}/notes`],
    ['POST', `/api/console/chats/${id}/messages`, { body: 'hi', clientId: 'a1' }],
    ['POST', `/api/console/chats/${id}/join`, {}],
    ['POST', `/api/console/chats/${id}/end`, { outcome: 'ended' }],
    ['POST', `/api/console/chats/${id}/complete`, { note: 'x', confirmWithoutNote: true }],
    ['POST', `/api/console/chats/${id}/ticket`, { boardId: w.boardId, summary: 'x' }],
    ['POST', `/api/console/chats/${id}/notes`, { body: 'sneaky note' }],
    ['PUT', `/api/console/chats/${id}/notes/1`, { body: 'edit' }],
  ];

  for (const who of ['without the board', 'without the company', 'with all companies but not the board', 'with no grants']) {
    it(`a tech ${who} gets 404 on every chat, note and ticket endpoint, in every state`, async () => {
      const o = outsiders[who];
      const ticketId = await s.f.ticket({ companyId: w.companyId, boardId: w.boardId, contactId: w.user.id });
      for (const state of ['waiting', 'active', 'abandoned', 'callback', 'completed'] as const) {
        const id = await chatIn(w, state);
        const before = (await w.techClient.get(`/api/console/chats/${id}`)).body;
        for (const [method, path, body] of chatEndpoints(id)) {
          const r = await o.client.request(method, path, body);
          expect(r.status, `${method} ${path} in ${state}: ${r.text}`).toBe(404);
          expect(r.body.error.code).toBe('not_found');
        }
        const after = (await w.techClient.get(`/api/console/chats/${id}`)).body;
        expect(after).toEqual(before);
        const notes = (await w.techClient.get(`/api/console/chats/${id}/notes`)).body;
        expect(notes.find((n: any) => n.body === 'sneaky note')).toBeUndefined();
      }
      for (const [method, path, body] of [
        ['GET', `/api/console/tickets/${ticketId}`],
        ['PATCH', `/api/console/tickets/${ticketId}`, { summary: 'hijacked' }],
        ['GET', `/api/console/tickets/${ticketId}/attachments/1`],
      ] as [string, string, unknown?][]) {
        const r = await o.client.request(method, path, body);
        expect(r.status, `${method} ${path}`).toBe(404);
      }
      const created = await o.client.post('/api/console/tickets', { companyId: w.companyId, boardId: w.boardId, contactId: w.user.id, summary: 'x' });
      expect(created.status).toBe(404);
      const tickets = (await o.client.get('/api/console/tickets')).body;
      expect(tickets.find((t: any) => t.id === ticketId)).toBeUndefined();
    });
  }

  it('lists, counts and search never show what a tech may not see', async () => {
    const waiting = await chatIn(w, 'waiting');
    const done = await completedChat(w);
    await w.techClient.post(`/api/console/chats/${done}/notes`, { body: 'zanzibar firmware' });
    for (const [who, o] of Object.entries(outsiders)) {
      const bar = (await o.client.get('/api/console/status-bar')).body;
      const ids = [...bar.waiting, ...bar.active, ...bar.abandoned, ...bar.callback].map((c: any) => c.id);
      expect(ids, who).not.toContain(waiting);
      const found = (await o.client.get('/api/console/search?q=zanzibar')).body;
      expect(found, who).toEqual([]);
      const all = (await o.client.get('/api/console/search')).body;
      expect(
        all.map((c: any) => c.id),
        who,
      ).not.toContain(done);
    }
    const mine = (await w.techClient.get('/api/console/search?q=zanzibar')).body;
    expect(mine.map((c: any) => c.id)).toEqual([done]);
    const bar = (await w.techClient.get('/api/console/status-bar')).body;
    expect(bar.waiting.map((c: any) => c.id)).toContain(waiting);
  });

  it('eligible recipients are the available techs with access, never an outsider or a DNR tech', async () => {
    const dnr = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId], available: false });
    const id = await chatIn(w, 'waiting');
    const r = await admin.get(`/api/admin/chats/${id}/eligible`);
    expect(r.status).toBe(200);
    expect(r.body.techIds).toContain(w.tech.id);
    expect(r.body.techIds).not.toContain(dnr.id);
    for (const o of Object.values(outsiders)) expect(r.body.techIds).not.toContain(o.id);
    const bar = (await loginAs(s.url, 'tech', dnr.email, PASSWORD).then((c) => c.get('/api/console/status-bar'))).body;
    expect(bar.waiting.map((c: any) => c.id)).toContain(id);
  });

  it('an admin sees everything; a plain tech cannot use the admin API', async () => {
    const id = await activeChat(w);
    expect((await admin.get(`/api/console/chats/${id}`)).status).toBe(200);
    const r = await w.techClient.get('/api/admin/techs');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('admin_only');
  });

  it("a portal user cannot reach another user's chat or ticket by id", async () => {
    const id = await activeChat(w);
    const ownerClient = w.userClient;
    const ticketId = await s.f.ticket({ companyId: w.companyId, boardId: w.boardId, contactId: w.user.id });
    const colleague = await s.f.portalUser(w.companyId);
    const c = await loginAs(s.url, 'portal', colleague.email, PASSWORD);
    for (const [method, path, body] of [
      ['GET', `/api/portal/chats/${id}`],
      ['GET', `/api/portal/chats/${id}/messages`],
      ['POST', `/api/portal/chats/${id}/messages`, { body: 'hi', clientId: 'p1' }],
      ['POST', `/api/portal/chats/${id}/leave`, {}],
      ['POST', `/api/portal/chats/${id}/keep-waiting`, {}],
      ['POST', `/api/portal/chats/${id}/callback`, { phone: '+1 555 222 3333' }],
      ['GET', `/api/portal/chats/${id}/transcript`],
      ['GET', `/api/portal/tickets/${ticketId}`],
      ['POST', `/api/portal/tickets/${ticketId}/chat`, { message: 'let me in' }],
    ] as [string, string, unknown?][]) {
      const r = await c.request(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }
    expect((await c.get('/api/portal/chats')).body).toEqual([]);
    expect((await c.get('/api/portal/tickets')).body).toEqual([]);
    const msgs = (await ownerClient.get(`/api/portal/chats/${id}/messages`)).body;
    expect(msgs.map((m: any) => m.body)).not.toContain('hi');
    // Notes are internal: the portal has no route to them at all.
    expect((await ownerClient.get(`/api/console/chats/${id}/notes`)).status).toBe(401);
  });

  it('no endpoint but login and health answers without a session', async () => {
    const anon = new (await import('./support/http.js')).Client(s.url);
    expect((await anon.get('/api/health')).status).toBe(200);
    for (const path of [
      '/api/portal/me',
      '/api/portal/chats',
      '/api/console/me',
      '/api/console/status-bar',
      '/api/console/search',
      '/api/admin/techs',
      '/api/portal/office-hours',
    ]) {
      const r = await anon.get(path);
      expect(r.status, path).toBe(401);
      expect(r.body.error.code).toBe('unauthenticated');
    }
    // A portal session is not a tech session, and the reverse.
    expect((await w.userClient.get('/api/console/me')).status).toBe(401);
    expect((await w.techClient.get('/api/portal/me')).status).toBe(401);
  });

  it('a grant change takes effect on the next request', async () => {
    const id = await chatIn(w, 'waiting');
    const t = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    const c = await loginAs(s.url, 'tech', t.email, PASSWORD);
    expect((await c.get(`/api/console/chats/${id}`)).status).toBe(200);
    const r = await admin.put(`/api/admin/techs/${t.id}/grants`, { boardIds: [w.boardId], allCompanies: false, companyIds: [] });
    expect(r.status).toBe(200);
    expect((await c.get(`/api/console/chats/${id}`)).status).toBe(404);
  });

  it('a tech created with grants sees what they grant at once; an unknown board refuses the whole creation', async () => {
    const id = await chatIn(w, 'waiting');
    const email = `granted-${kind}-${Date.now()}@test.local`;
    const made = await admin.post('/api/admin/techs', {
      email,
      name: 'Granted Gina',
      password: PASSWORD,
      grants: { boardIds: [w.boardId], allCompanies: false, companyIds: [w.companyId] },
    });
    expect(made.status, made.text).toBe(201);
    const c = await loginAs(s.url, 'tech', email, PASSWORD);
    expect((await c.get(`/api/console/chats/${id}`)).status).toBe(200);
    const listed = (await admin.get('/api/admin/techs')).body.find((t: { id: number }) => t.id === made.body.id);
    expect(listed.grants).toEqual({ boardIds: [w.boardId], allCompanies: false, companyIds: [w.companyId] });

    const refusedEmail = `refused-${kind}-${Date.now()}@test.local`;
    const refused = await admin.post('/api/admin/techs', {
      email: refusedEmail,
      name: 'Nobody',
      password: PASSWORD,
      grants: { boardIds: [2 ** 30], allCompanies: true, companyIds: [] },
    });
    expect(refused.status).toBe(404);
    const all = (await admin.get('/api/admin/techs')).body as { email: string }[];
    expect(all.some((t) => t.email === refusedEmail)).toBe(false);
  });

  it("a board offered from its own side reaches exactly those companies' users; a tech, an unknown company or board are refused and change nothing", async () => {
    const board = await s.f.board();
    const offeredTo = async () => (await w.userClient.get('/api/portal/boards')).body.map((b: { id: number }) => b.id);
    expect(await offeredTo()).not.toContain(board);
    expect((await w.techClient.put(`/api/admin/boards/${board}/companies`, { companyIds: [w.companyId] })).body.error.code).toBe('admin_only');
    expect((await admin.put(`/api/admin/boards/${board}/companies`, { companyIds: [w.companyId, 2 ** 30] })).status).toBe(404);
    expect((await admin.put(`/api/admin/boards/${2 ** 30}/companies`, { companyIds: [w.companyId] })).status).toBe(404);
    expect(await offeredTo()).not.toContain(board);

    expect((await admin.put(`/api/admin/boards/${board}/companies`, { companyIds: [w.companyId, w.companyId] })).status).toBe(200);
    expect(await offeredTo()).toContain(board);
    // The company's other boards stay offered: only this board's offers change.
    expect(await offeredTo()).toContain(w.boardId);
    expect((await admin.put(`/api/admin/boards/${board}/companies`, { companyIds: [] })).status).toBe(200);
    expect(await offeredTo()).not.toContain(board);
    expect(await offeredTo()).toContain(w.boardId);
  });
});
