/** Canned replies: shared ones by admins (optionally per board), personal ones per tech; who may see and change which. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { type Client, loginAs } from './support/http.js';
import { activeChat, world, type World } from './support/flows.js';

describe.each(DIALECTS)('canned replies on %s', (kind) => {
  let s: TestServer;
  let w: World;
  let admin: Client;
  let colleague: Client;
  let otherBoard: number;
  beforeAll(async () => {
    s = await startTestServer(kind);
    w = await world(s);
    otherBoard = await s.f.board();
    admin = await loginAs(s.url, 'tech', (await s.f.tech({ role: 'admin', allCompanies: true, boardIds: [w.boardId] })).email, PASSWORD);
    colleague = await loginAs(s.url, 'tech', (await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] })).email, PASSWORD);
  });
  afterAll(async () => s?.stop());

  const shortcuts = (r: { body: { shortcut: string }[] }) => r.body.map((c) => c.shortcut);

  it('a chat offers the shared replies for every board and for its board, and the tech’s own; not another board’s, not a colleague’s', async () => {
    const post = async (c: Client, path: string, body: object) => {
      const r = await c.post(path, body);
      expect(r.status, r.text).toBe(201);
      return r.body.id as number;
    };
    await post(admin, '/api/admin/canned-replies', { shortcut: 'hello', body: 'Hello {first_name}, {tech_name} here.', boardId: null });
    await post(admin, '/api/admin/canned-replies', { shortcut: 'desk-only', body: 'For this board', boardId: w.boardId });
    await post(admin, '/api/admin/canned-replies', { shortcut: 'elsewhere', body: 'For another board', boardId: otherBoard });
    await post(w.techClient, '/api/console/canned-replies', { shortcut: 'Mine ', body: 'My own words' });
    await post(colleague, '/api/console/canned-replies', { shortcut: 'theirs', body: 'Not for others' });

    const chatId = await activeChat(w);
    expect(shortcuts(await w.techClient.get(`/api/console/canned-replies?chatId=${chatId}`))).toEqual(['desk-only', 'hello', 'mine']);
    // Managing: every shared one and the tech's own.
    expect(shortcuts(await w.techClient.get('/api/console/canned-replies'))).toEqual(['desk-only', 'elsewhere', 'hello', 'mine']);
    expect(shortcuts(await colleague.get('/api/console/canned-replies'))).toEqual(['desk-only', 'elsewhere', 'hello', 'theirs']);
    expect(shortcuts(await admin.get('/api/admin/canned-replies'))).toEqual(['desk-only', 'elsewhere', 'hello']);
  });

  it('a chat the tech may not see gives nothing, and is not found', async () => {
    const outsider = await loginAs(s.url, 'tech', (await s.f.tech({ boardIds: [otherBoard], companyIds: [w.companyId] })).email, PASSWORD);
    const chatId = await activeChat(w);
    expect((await outsider.get(`/api/console/canned-replies?chatId=${chatId}`)).status).toBe(404);
  });

  it('a tech changes only their own; shared ones only through the admin API, by admins', async () => {
    const mine = (await w.techClient.get('/api/console/canned-replies')).body.find((c: { shortcut: string }) => c.shortcut === 'mine');
    const shared = (await admin.get('/api/admin/canned-replies')).body.find((c: { shortcut: string }) => c.shortcut === 'hello');
    // A colleague cannot change or delete it, nor can anyone change a shared one as personal.
    expect((await colleague.put(`/api/console/canned-replies/${mine.id}`, { shortcut: 'mine', body: 'Hijacked' })).status).toBe(404);
    expect((await colleague.request('DELETE', `/api/console/canned-replies/${mine.id}`)).status).toBe(404);
    expect((await w.techClient.put(`/api/console/canned-replies/${shared.id}`, { shortcut: 'hello', body: 'Changed' })).status).toBe(404);
    expect((await w.techClient.post('/api/admin/canned-replies', { shortcut: 'x', body: 'y', boardId: null })).body.error.code).toBe('admin_only');
    expect((await w.techClient.request('DELETE', `/api/admin/canned-replies/${shared.id}`)).body.error.code).toBe('admin_only');
    expect((await w.userClient.get('/api/console/canned-replies')).status).toBe(401);
    const after = (await w.techClient.get('/api/console/canned-replies')).body as { shortcut: string; body: string }[];
    expect(after.find((c) => c.shortcut === 'mine')?.body).toBe('My own words');
    expect(after.find((c) => c.shortcut === 'hello')?.body).toBe('Hello {first_name}, {tech_name} here.');

    expect((await w.techClient.put(`/api/console/canned-replies/${mine.id}`, { shortcut: 'mine', body: 'Better words' })).status).toBe(200);
    expect((await admin.put(`/api/admin/canned-replies/${shared.id}`, { shortcut: 'hello', body: 'Hi {first_name}', boardId: null })).status).toBe(200);
    expect((await w.techClient.request('DELETE', `/api/console/canned-replies/${mine.id}`)).status).toBe(200);
    expect(shortcuts(await w.techClient.get('/api/console/canned-replies'))).not.toContain('mine');
  });

  it('refuses a duplicate shortcut, a bad shortcut, an empty body and an unknown board, writing nothing', async () => {
    const before = (await admin.get('/api/admin/canned-replies')).body.length;
    expect((await admin.post('/api/admin/canned-replies', { shortcut: 'HELLO', body: 'again', boardId: null })).body.error.code).toBe('duplicate');
    for (const shortcut of ['', 'has space', '/slash', '-lead', 'x'.repeat(41), 'émoji'])
      expect((await admin.post('/api/admin/canned-replies', { shortcut, body: 'b', boardId: null })).body.error.code, shortcut).toBe('validation_failed');
    expect((await admin.post('/api/admin/canned-replies', { shortcut: 'empty', body: '   ', boardId: null })).body.error.code).toBe('validation_failed');
    expect((await admin.post('/api/admin/canned-replies', { shortcut: 'nowhere', body: 'b', boardId: 2 ** 30 })).status).toBe(404);
    expect((await admin.get('/api/admin/canned-replies')).body.length).toBe(before);
    // The same shortcut may be personal for one tech and another, and shared.
    expect((await colleague.post('/api/console/canned-replies', { shortcut: 'hello', body: 'my hello' })).status).toBe(201);
    expect((await colleague.post('/api/console/canned-replies', { shortcut: 'hello', body: 'twice' })).body.error.code).toBe('duplicate');
  });
});
