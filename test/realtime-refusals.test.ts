/**
 * Every refused event answers an error ack `{ error: { code, message } }` and changes nothing:
 * bad payload types, unknown fields, wrong state, a foreign chat id, a missing ack, an unknown event.
 * Commands (join, keep waiting, leave, callback, status) are HTTP requests: their refusals are
 * the same codes with an HTTP status, and their old socket events are unknown events.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack, connect, waitFor, type TestSocket } from './support/sockets.js';
import { world, activeChat, waitingChat, completedChat } from './support/flows.js';
import { barrier, serverWithSockets } from './support/realtime.js';

const BIG = 'x'.repeat(4001);

/** Socket events that were commands; each now has an HTTP request instead. */
const REMOVED_EVENTS = ['chat:join', 'chat:keep_waiting', 'chat:leave', 'chat:callback', 'statusbar:get', 'status:set'] as const;
/** A payload the removed event would have acted on, had it still been served. */
function removedPayload(event: (typeof REMOVED_EVENTS)[number], chatId: number): unknown {
  if (event === 'chat:callback') return { chatId, phone: '+1 555 123 4567', preferredTime: 'now' };
  if (event === 'status:set') return { available: false };
  if (event === 'statusbar:get') return {};
  return { chatId };
}

describe.each(DIALECTS)('refused socket events on %s', (kind) => {
  let s: TestServer;
  const open = serverWithSockets(kind, (server) => (s = server));

  async function snapshot(w: Awaited<ReturnType<typeof world>>, ids: number[]) {
    const out: unknown[] = [];
    for (const id of ids) {
      const chat = (await w.techClient.get(`/api/console/chats/${id}`)).body;
      const msgs = (await w.techClient.get(`/api/console/chats/${id}/messages?after=0`)).body;
      const tr = (await w.techClient.get(`/api/console/chats/${id}/transitions`)).body;
      out.push({ status: chat.status, tech: chat.tech, lastSeq: chat.lastSeq, leftAt: chat.leftAt, callback: chat.callback, msgs, tr });
    }
    out.push((await w.techClient.get('/api/console/me')).body);
    return out;
  }
  /** What its own tech sees of the foreign chat. */
  async function foreignSnapshot(c: Client, id: number) {
    const chat = (await c.get(`/api/console/chats/${id}`)).body;
    const msgs = (await c.get(`/api/console/chats/${id}/messages?after=0`)).body;
    const tr = (await c.get(`/api/console/chats/${id}/transitions`)).body;
    return { chat: { ...chat, requesterOnline: undefined }, msgs, tr };
  }

  const expectError = (r: any, code: string, label: string) => {
    expect(r, label).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
    expect(r.error.code, `${label}: ${r.error.message}`).toBe(code);
  };

  it('bad payloads, foreign ids and wrong states are refused by ack and change nothing', async () => {
    const w = await world(s);
    const active = await activeChat(w, 'Active one');
    const activeUser = w.userClient;
    const waiting = await waitingChat(w, 'Waiting one');
    const waitingUser = w.userClient;
    const done = await completedChat(w);
    const doneUser = w.userClient;
    // A chat of another company, with a tech of its own: foreign to everyone above.
    const other = await s.f.world();
    const otherUser = await loginAs(s.url, 'portal', other.user.email, PASSWORD);
    const foreign = (await otherUser.post('/api/portal/chats', { boardId: other.boardId, subject: 'Foreign', message: 'mine' })).body.chat.id;

    const tech = await connect(s.url, '/console', w.techClient);
    const ua = await connect(s.url, '/portal', activeUser);
    const uw = await connect(s.url, '/portal', waitingUser);
    const ud = await connect(s.url, '/portal', doneUser);
    open.push(tech, ua, uw, ud);
    const before = await snapshot(w, [active, waiting, done]);
    const otherTech = await loginAs(s.url, 'tech', other.tech.email, PASSWORD);
    const foreignBefore = await foreignSnapshot(otherTech, foreign);
    const techName = (before.at(-1) as { name: string }).name;

    const cases: [TestSocket, string, unknown, string][] = [
      // payload shapes
      [ua, 'message:send', { chatId: String(active), body: 'x', clientId: 'a' }, 'validation_failed'],
      [ua, 'message:send', { chatId: active, body: 42, clientId: 'a' }, 'validation_failed'],
      [ua, 'message:send', { chatId: active, body: 'x', clientId: 'a', admin: true }, 'validation_failed'],
      [ua, 'message:send', { chatId: active, body: '   ', clientId: 'a' }, 'validation_failed'],
      [ua, 'message:send', { chatId: active, body: BIG, clientId: 'a' }, 'validation_failed'],
      [ua, 'message:send', { chatId: active, body: 'x' }, 'validation_failed'],
      [ua, 'message:send', { chatId: active, body: 'x', clientId: 'y'.repeat(101) }, 'validation_failed'],
      [ua, 'message:send', { chatId: -1, body: 'x', clientId: 'a' }, 'validation_failed'],
      [ua, 'message:send', { chatId: 1.5, body: 'x', clientId: 'a' }, 'validation_failed'],
      [ua, 'message:send', null, 'validation_failed'],
      [ua, 'message:send', [active, 'x', 'a'], 'validation_failed'],
      [ua, 'message:send', 'hello', 'validation_failed'],
      [tech, 'message:send', { chatId: active, body: { html: '<b>' }, clientId: 'a' }, 'validation_failed'],
      [ua, 'typing', { chatId: active, typing: 'yes' }, 'validation_failed'],
      [ua, 'chat:subscribe', { chatId: active, afterSeq: -1 }, 'validation_failed'],
      [ua, 'chat:subscribe', { chatId: active, afterSeq: 0, all: true }, 'validation_failed'],
      [tech, 'chat:unsubscribe', { chatId: active, all: true }, 'validation_failed'],
      // foreign chat ids: not found, never forbidden
      [ua, 'message:send', { chatId: foreign, body: 'x', clientId: 'f' }, 'not_found'],
      [ua, 'chat:subscribe', { chatId: foreign, afterSeq: 0 }, 'not_found'],
      [ua, 'typing', { chatId: foreign, typing: true }, 'not_found'],
      [tech, 'chat:subscribe', { chatId: foreign, afterSeq: 0 }, 'not_found'],
      [tech, 'message:send', { chatId: foreign, body: 'x', clientId: 'f' }, 'not_found'],
      [tech, 'typing', { chatId: foreign, typing: true }, 'not_found'],
      // wrong state
      [uw, 'message:send', { chatId: waiting, body: 'early', clientId: 'w1' }, 'invalid_transition'],
      [ud, 'message:send', { chatId: done, body: 'late', clientId: 'd1' }, 'invalid_transition'],
      [tech, 'message:send', { chatId: done, body: 'late', clientId: 'd2' }, 'invalid_transition'],
      // Commands are HTTP requests: their old socket events are unknown on both namespaces, even
      // with payloads that would have changed something, and unknown events stay unknown.
      ...REMOVED_EVENTS.flatMap((event): [TestSocket, string, unknown, string][] => [
        [tech, event, removedPayload(event, waiting), 'unknown_event'],
        [uw, event, removedPayload(event, waiting), 'unknown_event'],
      ]),
      [tech, 'chat:join', { chatId: waiting, force: true }, 'unknown_event'],
      [ua, 'chat:leave', { chatId: active }, 'unknown_event'],
      [tech, 'drop_tables', {}, 'unknown_event'],
    ];
    for (const [sock, event, payload, code] of cases) {
      const r = await ack(sock, event, payload);
      expectError(r, code, `${event} ${JSON.stringify(payload)?.slice(0, 80)}`);
    }
    // Two payloads in one event.
    const two = await tech.timeout(5000).emitWithAck('chat:subscribe', { chatId: active, afterSeq: 0 }, { chatId: active, afterSeq: 0 });
    expectError(two, 'validation_failed', 'two payloads');
    // Both sides of the active chat watch its stream, so that typing would reach them.
    expect((await ack(tech, 'chat:subscribe', { chatId: active, afterSeq: 1000 })).ok).toBe(true);
    expect((await ack(ua, 'chat:subscribe', { chatId: active, afterSeq: 1000 })).ok).toBe(true);

    // The same commands over HTTP: refused with the same codes, before anything is written.
    const CALL = { phone: '+1 555 123 4567' };
    const http: [Client, string, string, unknown, number, string, Record<string, unknown>?][] = [
      // bodies and ids
      [waitingUser, 'POST', `/api/portal/chats/${waiting}/callback`, { phone: 'call me' }, 400, 'validation_failed'],
      [waitingUser, 'POST', `/api/portal/chats/${waiting}/callback`, {}, 400, 'validation_failed'],
      [waitingUser, 'POST', `/api/portal/chats/${waiting}/callback`, { ...CALL, admin: true }, 400, 'validation_failed'],
      [waitingUser, 'POST', `/api/portal/chats/${waiting}/callback`, { ...CALL, preferredTime: 42 }, 400, 'validation_failed'],
      [waitingUser, 'POST', `/api/portal/chats/${waiting}/callback`, { ...CALL, message: BIG }, 400, 'validation_failed'],
      [waitingUser, 'POST', `/api/portal/chats/abc/leave`, {}, 400, 'validation_failed'],
      [waitingUser, 'POST', `/api/portal/chats/-1/keep-waiting`, {}, 400, 'validation_failed'],
      [w.techClient, 'PUT', '/api/console/status', { available: 'no' }, 400, 'validation_failed'],
      [w.techClient, 'PUT', '/api/console/status', {}, 400, 'validation_failed'],
      [w.techClient, 'PUT', '/api/console/status', { available: false, all: true }, 400, 'validation_failed'],
      [w.techClient, 'POST', `/api/console/chats/1.5/join`, {}, 400, 'validation_failed'],
      [w.techClient, 'POST', `/api/console/chats/${2 ** 31 + 1}/join`, {}, 400, 'validation_failed'],
      // foreign chat ids: not found, never forbidden
      [waitingUser, 'POST', `/api/portal/chats/${foreign}/leave`, {}, 404, 'not_found'],
      [waitingUser, 'POST', `/api/portal/chats/${foreign}/keep-waiting`, {}, 404, 'not_found'],
      [waitingUser, 'POST', `/api/portal/chats/${foreign}/callback`, CALL, 404, 'not_found'],
      [waitingUser, 'POST', `/api/portal/chats/${active}/leave`, {}, 404, 'not_found'],
      [waitingUser, 'POST', `/api/portal/chats/${active}/callback`, CALL, 404, 'not_found'],
      [w.techClient, 'POST', `/api/console/chats/${foreign}/join`, {}, 404, 'not_found'],
      [w.techClient, 'POST', `/api/console/chats/${2 ** 31}/join`, {}, 404, 'not_found'],
      // wrong state: the refusal names the state
      [w.techClient, 'POST', `/api/console/chats/${active}/join`, {}, 409, 'already_joined', { state: 'active', techId: w.tech.id, techName }],
      [w.techClient, 'POST', `/api/console/chats/${done}/join`, {}, 409, 'already_joined', { state: 'completed', techId: w.tech.id, techName }],
      [activeUser, 'POST', `/api/portal/chats/${active}/keep-waiting`, {}, 409, 'invalid_transition', { state: 'active' }],
      [activeUser, 'POST', `/api/portal/chats/${active}/callback`, CALL, 409, 'invalid_transition', { state: 'active' }],
      [doneUser, 'POST', `/api/portal/chats/${done}/leave`, {}, 409, 'invalid_transition', { state: 'completed' }],
      [doneUser, 'POST', `/api/portal/chats/${done}/keep-waiting`, {}, 409, 'invalid_transition', { state: 'completed' }],
      [doneUser, 'POST', `/api/portal/chats/${done}/callback`, CALL, 409, 'invalid_transition', { state: 'completed' }],
      // the other audience's commands
      [activeUser, 'POST', `/api/console/chats/${waiting}/join`, {}, 401, 'unauthenticated'],
      [activeUser, 'PUT', '/api/console/status', { available: false }, 401, 'unauthenticated'],
      [activeUser, 'GET', '/api/console/status-bar', undefined, 401, 'unauthenticated'],
      [w.techClient, 'POST', `/api/portal/chats/${waiting}/keep-waiting`, {}, 401, 'unauthenticated'],
      [w.techClient, 'POST', `/api/portal/chats/${waiting}/leave`, {}, 401, 'unauthenticated'],
      [w.techClient, 'POST', `/api/portal/chats/${waiting}/callback`, CALL, 401, 'unauthenticated'],
    ];
    for (const [client, method, path, body, status, code, details] of http) {
      const r = await client.request(method, path, body);
      const label = `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`;
      expect(r.status, `${label}: ${r.text}`).toBe(status);
      expectError(r.body, code, label);
      if (details) expect(r.body.error.details, label).toMatchObject(details);
    }

    // Events without an ack are refused silently: a later acked event on the same connection
    // proves they were seen first.
    ua.emit('message:send', { chatId: active, body: 'no ack', clientId: 'noack-1' });
    ua.emit('typing', { chatId: active, typing: true });
    tech.emit('typing', { chatId: active, typing: true });
    tech.emit('chat:join', { chatId: waiting });
    tech.emit('status:set', { available: false });
    uw.emit('chat:leave', { chatId: waiting });
    uw.emit('chat:callback', { chatId: waiting, ...CALL });
    const ok = await ack(ua, 'message:send', { chatId: active, body: 'with ack', clientId: 'ack-1' });
    expect(ok.ok).toBe(true);
    await barrier(tech);
    await barrier(uw);
    const bar = await w.techClient.get('/api/console/status-bar');
    expect(bar.status).toBe(200);
    expect(bar.body.available).toBe(true);
    expect(bar.body.waiting.map((c: any) => c.id)).toContain(waiting);

    const after = await snapshot(w, [active, waiting, done]);
    // The one accepted message is the only difference.
    const a0 = before[0] as any;
    const a1 = after[0] as any;
    expect(a1.msgs.length).toBe(a0.msgs.length + 1);
    expect(a1.msgs.at(-1)).toMatchObject({ body: 'with ack', clientId: 'ack-1', seq: a0.lastSeq + 1 });
    expect({ ...a1, msgs: a1.msgs.slice(0, -1), lastSeq: a1.lastSeq - 1 }).toEqual(a0);
    expect(after.slice(1)).toEqual(before.slice(1));
    expect(await foreignSnapshot(otherTech, foreign)).toEqual(foreignBefore);
    // Nothing typed reached anyone.
    await waitFor(tech, 'message', (m) => m.clientId === 'ack-1');
    await barrier(ua);
    expect(tech.events.filter((e) => e.name === 'typing')).toHaveLength(0);
    expect(ua.events.filter((e) => e.name === 'typing')).toHaveLength(0);
  });
  it('a connection flooding events is answered rate_limited, and served again once it slows down', async () => {
    const w = await world(s);
    const id = await activeChat(w);
    const tech = await connect(s.url, '/console', w.techClient);
    open.push(tech);
    const answers = await Promise.all(Array.from({ length: 100 }, () => ack(tech, 'typing', { chatId: id, typing: true })));
    const limited = answers.filter((a) => a.error?.code === 'rate_limited');
    expect(answers.filter((a) => a.ok).length).toBeGreaterThanOrEqual(50);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].error.details.retryAfterMs).toBeGreaterThan(0);
    // Another connection of the same tech is not affected.
    const other = await connect(s.url, '/console', w.techClient);
    open.push(other);
    expect((await ack(other, 'chat:subscribe', { chatId: id, afterSeq: 0 })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, limited[0].error.details.retryAfterMs + 100));
    expect((await ack(tech, 'chat:subscribe', { chatId: id, afterSeq: 0 })).ok).toBe(true);
  });
});
