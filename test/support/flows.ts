/** Short paths to a chat in a given state, through the real HTTP API. */
import { afterAll, beforeAll, expect } from 'vitest';
import { loginAs, type Client } from './http.js';
import { PASSWORD, startTestServer, type TestServer } from './server.js';
import type { DbKind } from './databases.js';

export type World = Awaited<ReturnType<TestServer['f']['world']>> & { userClient: Client; techClient: Client; server: TestServer };

export async function world(s: TestServer): Promise<World> {
  const w = await s.f.world();
  return {
    ...w,
    server: s,
    userClient: await loginAs(s.url, 'portal', w.user.email, PASSWORD),
    techClient: await loginAs(s.url, 'tech', w.tech.email, PASSWORD),
  };
}

/**
 * One server with one seeded world for the tests of a describe block: started before them, stopped
 * after them. `use` receives both once they are ready.
 */
export function serverWithWorld(kind: DbKind, use: (server: TestServer, seeded: World) => void) {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(kind);
    use(server, await world(server));
  });
  afterAll(async () => server?.stop());
}

/**
 * A user has at most one open new-request chat, so each new chat gets a fresh requester of the
 * world's company; `w.userClient` then speaks for that requester.
 */
export async function waitingChat(w: World, subject = 'Printer jam'): Promise<number> {
  const u = await w.server.f.portalUser(w.companyId);
  w.user = u;
  w.userClient = await loginAs(w.server.url, 'portal', u.email, PASSWORD);
  const r = await w.userClient.post('/api/portal/chats', { boardId: w.boardId, subject, message: `Help with ${subject}` });
  expect(r.status, r.text).toBe(201);
  return r.body.chat.id;
}

export async function activeChat(w: World, subject?: string): Promise<number> {
  const id = await waitingChat(w, subject);
  const r = await w.techClient.post(`/api/console/chats/${id}/join`);
  expect(r.status, r.text).toBe(200);
  return id;
}

export async function abandonedChat(w: World): Promise<number> {
  const id = await waitingChat(w);
  expect((await w.userClient.post(`/api/portal/chats/${id}/leave`)).status).toBe(200);
  return id;
}

export async function callbackChat(w: World): Promise<number> {
  const id = await waitingChat(w);
  const r = await w.userClient.post(`/api/portal/chats/${id}/callback`, { phone: '+1 555 123 4567', preferredTime: 'after 3pm' });
  expect(r.status, r.text).toBe(200);
  return id;
}

export async function completedChat(w: World): Promise<number> {
  const id = await activeChat(w);
  expect((await w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended' })).status).toBe(200);
  return id;
}

export async function chatIn(w: World, state: 'waiting' | 'active' | 'abandoned' | 'callback' | 'completed'): Promise<number> {
  return { waiting: waitingChat, active: activeChat, abandoned: abandonedChat, callback: callbackChat, completed: completedChat }[state](w);
}

export async function statusOf(w: World, id: number): Promise<string> {
  return (await w.techClient.get(`/api/console/chats/${id}`)).body.status;
}
