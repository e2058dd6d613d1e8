/**
 * The rule table (policies/rules.ts) seen from outside: every actor relation × every action,
 * each on a chat (or ticket) in a state where the action is possible, so the answer depends on
 * who asks alone. The expected table below is SPEC "Access" and "Lifecycle" written out by hand,
 * not read from the product. Each cell is asserted over HTTP, over the socket where the action
 * has a socket form, against the abilities of the actor's own view, and a refusal must change
 * nothing.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { loginAs, type Client, type Res } from './support/http.js';
import { PASSWORD, type TestServer } from './support/server.js';
import { ack, connect, type TestSocket } from './support/sockets.js';
import { closeAll } from './support/realtime.js';
import { serverWithWorld, type World } from './support/flows.js';

type Relation = 'requester' | 'other_user' | 'joined_tech' | 'tech_with_access' | 'admin' | 'tech_without_access';
const RELATIONS: Relation[] = ['requester', 'other_user', 'joined_tech', 'tech_with_access', 'admin', 'tech_without_access'];
/** 'ok', an HTTP refusal status (401 wrong audience, 404 not found), or a 403's code; '-' has no such actor. */
type Answer = 'ok' | 401 | 404 | 'not_participant' | 'not_note_author' | '-';
type State = 'waiting' | 'active' | 'abandoned' | 'completed' | 'noted' | 'ticket';

const portalOnly = (requester: Answer): Record<Relation, Answer> => ({
  requester,
  other_user: 404,
  joined_tech: '-',
  tech_with_access: 401,
  admin: 401,
  tech_without_access: 401,
});

const TABLE: Record<string, { state: State; ability?: string; by: Record<Relation, Answer> }> = {
  'chat.view': { state: 'active', by: { requester: 'ok', other_user: 404, joined_tech: 'ok', tech_with_access: 'ok', admin: 'ok', tech_without_access: 404 } },
  'chat.join': {
    state: 'waiting',
    ability: 'join',
    by: { requester: 401, other_user: 401, joined_tech: '-', tech_with_access: 'ok', admin: 'ok', tech_without_access: 404 },
  },
  'chat.write': {
    state: 'active',
    ability: 'write',
    by: { requester: 'ok', other_user: 404, joined_tech: 'ok', tech_with_access: 'not_participant', admin: 'not_participant', tech_without_access: 404 },
  },
  'chat.end': {
    state: 'active',
    ability: 'end',
    by: { requester: 401, other_user: 401, joined_tech: 'ok', tech_with_access: 'not_participant', admin: 'not_participant', tech_without_access: 404 },
  },
  'chat.complete': {
    state: 'abandoned',
    ability: 'complete',
    by: { requester: 401, other_user: 401, joined_tech: '-', tech_with_access: 'ok', admin: 'ok', tech_without_access: 404 },
  },
  'chat.create_ticket': {
    state: 'completed',
    ability: 'createTicket',
    by: { requester: 401, other_user: 401, joined_tech: 'ok', tech_with_access: 'ok', admin: 'ok', tech_without_access: 404 },
  },
  'chat.leave': { state: 'waiting', ability: 'leave', by: portalOnly('ok') },
  'chat.keep_waiting': { state: 'waiting', ability: 'keepWaiting', by: portalOnly('ok') },
  'chat.callback': { state: 'waiting', ability: 'callback', by: portalOnly('ok') },
  'note.view': { state: 'active', by: { requester: 401, other_user: 401, joined_tech: 'ok', tech_with_access: 'ok', admin: 'ok', tech_without_access: 404 } },
  'note.add': {
    state: 'active',
    ability: 'addNote',
    by: { requester: 401, other_user: 401, joined_tech: 'ok', tech_with_access: 'ok', admin: 'ok', tech_without_access: 404 },
  },
  'note.edit': {
    state: 'noted',
    by: { requester: 401, other_user: 401, joined_tech: 'ok', tech_with_access: 'not_note_author', admin: 'ok', tech_without_access: 404 },
  },
  'ticket.view': { state: 'ticket', by: { requester: 'ok', other_user: 404, joined_tech: '-', tech_with_access: 'ok', admin: 'ok', tech_without_access: 404 } },
  'ticket.update': {
    state: 'ticket',
    by: { requester: 401, other_user: 401, joined_tech: '-', tech_with_access: 'ok', admin: 'ok', tech_without_access: 404 },
  },
};

type Target = { chatId: number; ticketId: number; noteId: number; requester: Client };
type Actor = { kind: 'portal' | 'tech'; client: Client; socket?: TestSocket };
const side = (a: Actor) => (a.kind === 'portal' ? 'portal' : 'console');

/** How each action is asked for over HTTP; the route is the actor's audience's where both have one. */
const HTTP: Record<string, (a: Actor, t: Target) => Promise<Res>> = {
  'chat.view': (a, t) => a.client.get(`/api/${side(a)}/chats/${t.chatId}`),
  'chat.join': (a, t) => a.client.post(`/api/console/chats/${t.chatId}/join`),
  'chat.write': (a, t) => a.client.post(`/api/${side(a)}/chats/${t.chatId}/messages`, { body: 'hello', clientId: `c-${Math.random()}` }),
  'chat.end': (a, t) => a.client.post(`/api/console/chats/${t.chatId}/end`, { outcome: 'ended' }),
  'chat.complete': (a, t) => a.client.post(`/api/console/chats/${t.chatId}/complete`, { note: 'Called back' }),
  'chat.create_ticket': (a, t) => a.client.post(`/api/console/chats/${t.chatId}/ticket`, { boardId: boardOf.get(t.chatId)!, summary: 'From the chat' }),
  'chat.leave': (a, t) => a.client.post(`/api/portal/chats/${t.chatId}/leave`),
  'chat.keep_waiting': (a, t) => a.client.post(`/api/portal/chats/${t.chatId}/keep-waiting`),
  'chat.callback': (a, t) => a.client.post(`/api/portal/chats/${t.chatId}/callback`, { phone: '+1 555 010 0000' }),
  'note.view': (a, t) => a.client.get(`/api/console/chats/${t.chatId}/notes`),
  'note.add': (a, t) => a.client.post(`/api/console/chats/${t.chatId}/notes`, { body: 'A note' }),
  'note.edit': (a, t) => a.client.put(`/api/console/chats/${t.chatId}/notes/${t.noteId}`, { body: 'Edited' }),
  'ticket.view': (a, t) => a.client.get(`/api/${side(a)}/tickets/${t.ticketId}`),
  'ticket.update': (a, t) => a.client.patch(`/api/console/tickets/${t.ticketId}`, { status: 'in_progress' }),
};
const boardOf = new Map<number, number>();

/** The socket forms of an action, each answered by ack. */
const SOCKET: Record<string, ((s: TestSocket, t: Target) => Promise<any>)[]> = {
  'chat.view': [(s, t) => ack(s, 'chat:subscribe', { chatId: t.chatId, afterSeq: 0 })],
  'chat.write': [
    (s, t) => ack(s, 'message:send', { chatId: t.chatId, body: 'over the socket', clientId: `s-${Math.random()}` }),
    (s, t) => ack(s, 'typing', { chatId: t.chatId, typing: true }),
  ],
};

function expectAnswer(res: Res, want: Answer, where: string) {
  if (want === 'ok') expect(res.status, `${where}: ${res.text}`).toBeLessThan(300);
  else if (typeof want === 'number') expect(res.status, `${where}: ${res.text}`).toBe(want);
  else {
    expect(res.status, `${where}: ${res.text}`).toBe(403);
    expect(res.body.error.code, where).toBe(want);
  }
  if (want === 404) expect(res.body.error.code, where).toBe('not_found');
  if (want === 401) expect(res.body.error.code, where).toBe('unauthenticated');
}

describe.each(DIALECTS)('the rule table over HTTP and socket on %s', (kind) => {
  let s: TestServer;
  let w: World;
  serverWithWorld(kind, (server, seeded) => {
    s = server;
    w = seeded;
  });

  async function prepare(state: State): Promise<Target> {
    const requester = await s.f.portalUser(w.companyId);
    const client = await loginAs(s.url, 'portal', requester.email, PASSWORD);
    const target: Target = { chatId: 0, ticketId: 0, noteId: 0, requester: client };
    if (state === 'ticket') {
      target.ticketId = await s.f.ticket({ companyId: w.companyId, boardId: w.boardId, contactId: requester.id });
      return target;
    }
    const r = await client.post('/api/portal/chats', { boardId: w.boardId, subject: `Rules ${state}`, message: 'Help' });
    expect(r.status, r.text).toBe(201);
    target.chatId = r.body.chat.id;
    boardOf.set(target.chatId, w.boardId);
    if (state === 'abandoned') expect((await client.post(`/api/portal/chats/${target.chatId}/leave`)).status).toBe(200);
    if (state === 'active' || state === 'completed' || state === 'noted')
      expect((await w.techClient.post(`/api/console/chats/${target.chatId}/join`)).status).toBe(200);
    if (state === 'completed') expect((await w.techClient.post(`/api/console/chats/${target.chatId}/end`, { outcome: 'ended' })).status).toBe(200);
    if (state === 'noted') {
      const n = await w.techClient.post(`/api/console/chats/${target.chatId}/notes`, { body: 'By the joined tech' });
      expect(n.status).toBe(201);
      target.noteId = n.body.id;
    }
    return target;
  }

  /** What may not change after a refusal: the chat's state, its messages, its notes, the ticket. */
  async function snapshot(t: Target) {
    const admin = actors.admin.client;
    if (t.ticketId) return JSON.stringify((await admin.get(`/api/console/tickets/${t.ticketId}`)).body);
    const [chat, notes] = await Promise.all([admin.get(`/api/console/chats/${t.chatId}`), admin.get(`/api/console/chats/${t.chatId}/notes`)]);
    return JSON.stringify({
      status: chat.body.status,
      lastSeq: chat.body.lastSeq,
      tech: chat.body.tech,
      leftAt: chat.body.leftAt,
      ticket: chat.body.createdTicketId,
      notes: notes.body,
    });
  }

  let actors: Record<Exclude<Relation, 'requester' | 'joined_tech'>, Actor> & { joined_tech: Actor };
  it('sets up the actors', async () => {
    const other = await s.f.portalUser(w.companyId);
    const withAccess = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    const admin = await s.f.tech({ role: 'admin' });
    const without = await s.f.tech({ boardIds: [await s.f.board()], allCompanies: true });
    const client = (audience: 'portal' | 'tech', email: string) => loginAs(s.url, audience, email, PASSWORD);
    actors = {
      other_user: { kind: 'portal', client: await client('portal', other.email) },
      joined_tech: { kind: 'tech', client: w.techClient },
      tech_with_access: { kind: 'tech', client: await client('tech', withAccess.email) },
      admin: { kind: 'tech', client: await client('tech', admin.email) },
      tech_without_access: { kind: 'tech', client: await client('tech', without.email) },
    };
    for (const a of Object.values(actors)) a.socket = await connect(s.url, a.kind === 'portal' ? '/portal' : '/console', a.client);
  });

  for (const [action, { state, ability, by }] of Object.entries(TABLE)) {
    it(`${action} (${state})`, async () => {
      const opened: TestSocket[] = [];
      try {
        for (const relation of RELATIONS) {
          const want = by[relation];
          if (want === '-') continue;
          const t = await prepare(state);
          const actor: Actor = relation === 'requester' ? { kind: 'portal', client: t.requester } : actors[relation];
          const where = `${action} by ${relation}`;
          // The actor's own view says what it may do, before it tries.
          if (ability && (want === 'ok' || want === 'not_participant' || want === 'not_note_author')) {
            const view = await HTTP['chat.view'](actor, t);
            expect(view.status, where).toBe(200);
            expect(view.body.abilities[ability], `ability ${ability} in the view of ${relation}`).toBe(want === 'ok');
          }
          for (const viaSocket of SOCKET[action] ?? []) {
            if (relation === 'requester') opened.push((actor.socket = await connect(s.url, '/portal', t.requester)));
            const before = await snapshot(t);
            const answer = await viaSocket(actor.socket!, t);
            if (want === 'ok') expect(answer, `${where} over the socket`).toMatchObject({ ok: true });
            else {
              // Over the socket the audience is the namespace's: no 401, the rule's own answer.
              expect(answer.error?.code, `${where} over the socket`).toBe(want === 404 ? 'not_found' : want);
              expect(await snapshot(t), `${where} over the socket changed something`).toBe(before);
            }
          }
          const before = await snapshot(t);
          const res = await HTTP[action](actor, t);
          expectAnswer(res, want, where);
          if (want !== 'ok') expect(await snapshot(t), `${where} changed something`).toBe(before);
        }
      } finally {
        closeAll(...opened);
      }
    });
  }

  it('a requester who left an active chat may no longer write in it; the joined tech still may, and ends it', async () => {
    const t = await prepare('active');
    const left = await t.requester.post(`/api/portal/chats/${t.chatId}/leave`);
    expect(left.status).toBe(200);
    expect(left.body.abilities).toEqual({ write: false, leave: false, keepWaiting: false, callback: false, rate: false });
    const before = await snapshot(t);
    const r = await t.requester.post(`/api/portal/chats/${t.chatId}/messages`, { body: 'one more thing', clientId: 'after-leaving' });
    expect(r.status, r.text).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'invalid_transition', details: { state: 'active', left: true } });
    expect(await snapshot(t)).toBe(before);
    const socket = await connect(s.url, '/portal', t.requester);
    try {
      expect((await ack(socket, 'message:send', { chatId: t.chatId, body: 'over the socket', clientId: 'after-leaving-2' })).error.code).toBe(
        'invalid_transition',
      );
    } finally {
      closeAll(socket);
    }
    expect(await snapshot(t)).toBe(before);
    const view = await actors.joined_tech.client.get(`/api/console/chats/${t.chatId}`);
    expect(view.body.abilities).toMatchObject({ write: true, end: true });
    expect((await actors.joined_tech.client.post(`/api/console/chats/${t.chatId}/messages`, { body: 'Noted, closing', clientId: 'tech-after' })).status).toBe(
      201,
    );
  });

  it("each viewer's notes say whether that viewer may edit them: the author and an admin, not another tech", async () => {
    const t = await prepare('noted');
    const canEdit = async (a: Actor) => (await a.client.get(`/api/console/chats/${t.chatId}/notes`)).body.map((n: { canEdit: boolean }) => n.canEdit);
    expect(await canEdit(actors.joined_tech)).toEqual([true]);
    expect(await canEdit(actors.admin)).toEqual([true]);
    expect(await canEdit(actors.tech_with_access)).toEqual([false]);
  });

  it('commands that take no body refuse one', async () => {
    const t = await prepare('waiting');
    for (const [client, path] of [
      [actors.tech_with_access.client, `/api/console/chats/${t.chatId}/join`],
      [t.requester, `/api/portal/chats/${t.chatId}/keep-waiting`],
      [t.requester, `/api/portal/chats/${t.chatId}/leave`],
    ] as const) {
      const r = await client.post(path, { force: true });
      expect(r.status, path).toBe(400);
      expect(r.body.error.code, path).toBe('validation_failed');
    }
    expect((await actors.admin.client.get(`/api/console/chats/${t.chatId}`)).body.status).toBe('waiting');
  });

  it('closes the sockets', () => closeAll(...Object.values(actors).map((a) => a.socket)));
});
