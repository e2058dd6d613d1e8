/**
 * Every refused event answers an error ack `{ error: { code, message } }` and changes nothing:
 * bad payload types, unknown fields, wrong state, a foreign chat id, a missing ack, an unknown event.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { PASSWORD, type TestServer } from './support/server.js';
import { loginAs } from './support/http.js';
import { ack, connect, waitFor, type TestSocket } from './support/sockets.js';
import { world, activeChat, waitingChat, completedChat } from './support/flows.js';
import { serverWithSockets } from './support/realtime.js';

const BIG = 'x'.repeat(4001);

describe.each(DIALECTS)('refused socket events on %s', (kind) => {
  let s: TestServer;
  const open = serverWithSockets(kind, (server) => (s = server));

  async function snapshot(w: Awaited<ReturnType<typeof world>>, ids: number[]) {
    const out: unknown[] = [];
    for (const id of ids) {
      const chat = (await w.techClient.get(`/api/console/chats/${id}`)).body;
      const msgs = (await w.techClient.get(`/api/console/chats/${id}/messages?afterSeq=0`)).body;
      const tr = (await w.techClient.get(`/api/console/chats/${id}/transitions`)).body;
      out.push({ status: chat.status, tech: chat.tech, lastSeq: chat.lastSeq, leftAt: chat.leftAt, callback: chat.callback, msgs, tr });
    }
    out.push((await w.techClient.get('/api/console/me')).body);
    return out;
  }

  const expectError = (r: any, code: string | RegExp, label: string) => {
    expect(r, label).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
    if (typeof code === 'string') expect(r.error.code, `${label}: ${r.error.message}`).toBe(code);
    else expect(r.error.code, label).toMatch(code);
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
    const foreignBefore = (await otherTech.get(`/api/console/chats/${foreign}/messages?afterSeq=0`)).body;

    const cases: [TestSocket, string, unknown, string | RegExp][] = [
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
      [uw, 'chat:callback', { chatId: waiting, phone: 'call me' }, 'validation_failed'],
      [uw, 'chat:callback', { chatId: waiting }, 'validation_failed'],
      [tech, 'status:set', { available: 'no' }, 'validation_failed'],
      [tech, 'status:set', {}, 'validation_failed'],
      [tech, 'statusbar:get', { all: true }, 'validation_failed'],
      [tech, 'chat:join', { chatId: waiting, force: true }, 'validation_failed'],
      // foreign chat ids: not found, never forbidden
      [ua, 'message:send', { chatId: foreign, body: 'x', clientId: 'f' }, 'not_found'],
      [ua, 'chat:subscribe', { chatId: foreign, afterSeq: 0 }, 'not_found'],
      [ua, 'typing', { chatId: foreign, typing: true }, 'not_found'],
      [uw, 'chat:leave', { chatId: foreign }, 'not_found'],
      [uw, 'chat:keep_waiting', { chatId: foreign }, 'not_found'],
      [uw, 'chat:callback', { chatId: foreign, phone: '+1 555 123 4567' }, 'not_found'],
      [uw, 'chat:leave', { chatId: active }, 'not_found'],
      [tech, 'chat:join', { chatId: foreign }, 'not_found'],
      [tech, 'chat:subscribe', { chatId: foreign, afterSeq: 0 }, 'not_found'],
      [tech, 'message:send', { chatId: foreign, body: 'x', clientId: 'f' }, 'not_found'],
      [tech, 'typing', { chatId: foreign, typing: true }, 'not_found'],
      [tech, 'chat:join', { chatId: 2 ** 31 }, 'not_found'],
      // wrong state
      [uw, 'message:send', { chatId: waiting, body: 'early', clientId: 'w1' }, 'invalid_transition'],
      [ud, 'message:send', { chatId: done, body: 'late', clientId: 'd1' }, 'invalid_transition'],
      [tech, 'message:send', { chatId: done, body: 'late', clientId: 'd2' }, 'invalid_transition'],
      [tech, 'chat:join', { chatId: active }, 'already_joined'],
      [tech, 'chat:join', { chatId: done }, /already_joined|invalid_transition/],
      [ua, 'chat:keep_waiting', { chatId: active }, 'invalid_transition'],
      [ua, 'chat:callback', { chatId: active, phone: '+1 555 123 4567' }, 'invalid_transition'],
      [ud, 'chat:leave', { chatId: done }, 'invalid_transition'],
      [ud, 'chat:keep_waiting', { chatId: done }, 'invalid_transition'],
      // events of the other audience, and unknown ones
      [ua, 'chat:join', { chatId: active }, 'unknown_event'],
      [ua, 'status:set', { available: false }, 'unknown_event'],
      [ua, 'statusbar:get', {}, 'unknown_event'],
      [tech, 'chat:keep_waiting', { chatId: waiting }, 'unknown_event'],
      [tech, 'chat:callback', { chatId: waiting, phone: '+1 555 123 4567' }, 'unknown_event'],
      [tech, 'chat:leave', { chatId: active }, 'unknown_event'],
      [tech, 'drop_tables', {}, 'unknown_event'],
    ];
    for (const [sock, event, payload, code] of cases) {
      const r = await ack(sock, event, payload);
      expectError(r, code, `${event} ${JSON.stringify(payload)?.slice(0, 80)}`);
    }
    // Two payloads in one event.
    const two = await tech.timeout(5000).emitWithAck('chat:join', { chatId: waiting }, { chatId: waiting });
    expectError(two, 'validation_failed', 'two payloads');
    expect((await ack(tech, 'chat:subscribe', { chatId: active, afterSeq: 1000 })).ok).toBe(true);
    // Events without an ack are refused silently: a later acked message proves they were seen first.
    ua.emit('message:send', { chatId: active, body: 'no ack', clientId: 'noack-1' });
    tech.emit('chat:join', { chatId: waiting });
    uw.emit('chat:leave', { chatId: waiting });
    tech.emit('status:set', { available: false });
    ua.emit('typing', { chatId: active, typing: true });
    const ok = await ack(ua, 'message:send', { chatId: active, body: 'with ack', clientId: 'ack-1' });
    expect(ok.ok).toBe(true);
    expect((await ack(tech, 'statusbar:get')).available).toBe(true);
    await ack(uw, 'chat:subscribe', { chatId: waiting, afterSeq: 0 });

    const after = await snapshot(w, [active, waiting, done]);
    // The one accepted message is the only difference.
    const a0 = before[0] as any;
    const a1 = after[0] as any;
    expect(a1.msgs.length).toBe(a0.msgs.length + 1);
    expect(a1.msgs.at(-1)).toMatchObject({ body: 'with ack', clientId: 'ack-1', seq: a0.lastSeq + 1 });
    expect({ ...a1, msgs: a1.msgs.slice(0, -1), lastSeq: a1.lastSeq - 1 }).toEqual(a0);
    expect(after.slice(1)).toEqual(before.slice(1));
    expect((await otherTech.get(`/api/console/chats/${foreign}/messages?afterSeq=0`)).body).toEqual(foreignBefore);
    // Nothing typed reached anyone.
    await waitFor(tech, 'message', (m) => m.clientId === 'ack-1');
    expect(tech.events.filter((e) => e.name === 'typing')).toHaveLength(0);
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
    expect((await ack(other, 'statusbar:get')).ok).toBe(true);
    await new Promise((r) => setTimeout(r, limited[0].error.details.retryAfterMs + 100));
    expect((await ack(tech, 'statusbar:get')).ok).toBe(true);
  });
});
