import { describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import type { TestServer } from './support/server.js';
import { chatIn, type World, serverWithWorld } from './support/flows.js';

type State = 'waiting' | 'active' | 'abandoned' | 'callback' | 'completed';
const STATES: State[] = ['waiting', 'active', 'abandoned', 'callback', 'completed'];

/** Each lifecycle event as the real client causes it. */
const EVENTS = {
  join: (w: World, id: number) => w.techClient.post(`/api/console/chats/${id}/join`),
  keep_waiting: (w: World, id: number) => w.userClient.post(`/api/portal/chats/${id}/keep-waiting`),
  leave: (w: World, id: number) => w.userClient.post(`/api/portal/chats/${id}/leave`),
  request_callback: (w: World, id: number) => w.userClient.post(`/api/portal/chats/${id}/callback`, { phone: '+44 20 7946 0001' }),
  message: (w: World, id: number) => w.userClient.post(`/api/portal/chats/${id}/messages`, { body: 'hello', clientId: `m-${id}-${Math.random()}` }),
  end: (w: World, id: number) => w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended' }),
  complete: (w: World, id: number) => w.techClient.post(`/api/console/chats/${id}/complete`, { note: 'Called the user back' }),
} as const;
type Event = keyof typeof EVENTS;

const ALLOWED: Partial<Record<State, Partial<Record<Event, State>>>> = {
  waiting: { join: 'active', keep_waiting: 'waiting', leave: 'abandoned', request_callback: 'callback' },
  active: { message: 'active', end: 'completed', leave: 'active' },
  abandoned: { complete: 'completed' },
  callback: { complete: 'completed' },
};

describe.each(DIALECTS)('lifecycle over HTTP on %s', (kind) => {
  let s: TestServer;
  let w: World;
  serverWithWorld(kind, (server, seeded) => ((s = server), (w = seeded)));

  for (const state of STATES) {
    for (const event of Object.keys(EVENTS) as Event[]) {
      const to = ALLOWED[state]?.[event];
      it(`${state} + ${event} ${to ? `-> ${to}` : 'is refused naming the state'}`, async () => {
        const id = await chatIn(w, state);
        const before = (await w.techClient.get(`/api/console/chats/${id}/transitions`)).body.length;
        const r = await EVENTS[event](w, id);
        const after = await w.techClient.get(`/api/console/chats/${id}/transitions`);
        const chat = (await w.techClient.get(`/api/console/chats/${id}`)).body;
        if (to) {
          expect(r.status, r.text).toBeLessThan(300);
          expect(chat.status).toBe(to);
          if (event !== 'message') {
            const last = after.body.at(-1);
            expect(last).toMatchObject({ event, from: state, to });
            expect(last.actor.kind).toBe(event === 'join' || event === 'end' || event === 'complete' ? 'tech' : 'portal');
            expect(Date.parse(last.at)).toBeGreaterThan(Date.now() - 60000);
          }
        } else {
          expect(r.status, r.text).toBe(409);
          expect(['invalid_transition', 'already_joined']).toContain(r.body.error.code);
          expect(r.body.error.details.state).toBe(state);
          expect(r.body.error.message).toContain(state);
          expect(chat.status).toBe(state);
          expect(after.body.length).toBe(before);
        }
      });
    }
  }

  it('records the request with who and when', async () => {
    const id = await chatIn(w, 'waiting');
    const t = (await w.techClient.get(`/api/console/chats/${id}/transitions`)).body;
    expect(t[0]).toMatchObject({ event: 'request', from: null, to: 'waiting', actor: { kind: 'portal', id: w.user.id } });
  });

  it('a repeated request returns the open chat instead of a second one', async () => {
    const u = await s.f.portalUser(w.companyId);
    const { loginAs } = await import('./support/http.js');
    const c = await loginAs(s.url, 'portal', u.email, 'test-password-1');
    const first = await c.post('/api/portal/chats', { boardId: w.boardId, subject: 'A', message: 'one' });
    const again = await Promise.all([1, 2, 3].map(() => c.post('/api/portal/chats', { boardId: w.boardId, subject: 'B', message: 'two' })));
    expect(first.status).toBe(201);
    for (const r of again) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ existing: true, chat: { id: first.body.chat.id } });
    }
    expect((await c.get('/api/portal/chats')).body).toHaveLength(1);
  });

  it('a user leaving an active chat keeps it active for the tech to end, and the tech is told', async () => {
    const id = await chatIn(w, 'active');
    await w.userClient.post(`/api/portal/chats/${id}/leave`);
    const chat = (await w.techClient.get(`/api/console/chats/${id}`)).body;
    expect(chat.status).toBe('active');
    expect(chat.leftAt).not.toBeNull();
    const msgs = (await w.techClient.get(`/api/console/chats/${id}/messages`)).body;
    expect(msgs.at(-1).body).toContain('left the chat');
  });

  it('completing an abandoned chat without a note needs confirmation; a callback does not', async () => {
    const a = await chatIn(w, 'abandoned');
    const refused = await w.techClient.post(`/api/console/chats/${a}/complete`, {});
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('note_recommended');
    expect((await w.techClient.get(`/api/console/chats/${a}`)).body).toMatchObject({ status: 'abandoned', abandonReason: 'left' });
    expect((await w.techClient.post(`/api/console/chats/${a}/complete`, { confirmWithoutNote: true })).status).toBe(200);
    const c = await chatIn(w, 'callback');
    expect((await w.techClient.post(`/api/console/chats/${c}/complete`, {})).status).toBe(200);
  });

  it('only the joined tech ends a chat; another tech with access is refused', async () => {
    const id = await chatIn(w, 'active');
    const other = await s.f.tech({ boardIds: [w.boardId], companyIds: [w.companyId] });
    const { loginAs } = await import('./support/http.js');
    const oc = await loginAs(s.url, 'tech', other.email, 'test-password-1');
    const r = await oc.post(`/api/console/chats/${id}/end`, { outcome: 'ended' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('not_participant');
    const m = await oc.post(`/api/console/chats/${id}/messages`, { body: 'butting in', clientId: 'x1' });
    expect(m.status).toBe(403);
    expect((await w.techClient.get(`/api/console/chats/${id}`)).body.status).toBe('active');
  });

  it('a new request with a callback up front goes straight to callback and alerts nobody', async () => {
    const u = await s.f.portalUser(w.companyId);
    const { loginAs } = await import('./support/http.js');
    const c = await loginAs(s.url, 'portal', u.email, 'test-password-1');
    const alerts: number[] = [];
    const requests: { chatId: number; alert: unknown }[] = [];
    const offs = [s.ctx.bus.on('chat.alerted', ({ chatId }) => void alerts.push(chatId)), s.ctx.bus.on('chat.requested', (e) => void requests.push(e))];
    const off = () => {
      for (const o of offs) o();
    };
    const r = await c.post('/api/portal/chats', {
      boardId: w.boardId,
      subject: 'After hours',
      message: 'Server down',
      callback: { phone: '+1 555 010 9999', preferredTime: '8am' },
    });
    off();
    expect(r.status, r.text).toBe(201);
    expect(r.body.chat).toMatchObject({ status: 'callback', callback: { phone: '+1 555 010 9999', preferredTime: '8am' } });
    expect(alerts).not.toContain(r.body.chat.id);
    expect(requests.find((e) => e.chatId === r.body.chat.id)?.alert).toBeNull();
    const t = (await w.techClient.get(`/api/console/chats/${r.body.chat.id}/transitions`)).body;
    expect(t.map((x: any) => x.event)).toEqual(['request', 'request_callback']);
    const bar = (await w.techClient.get('/api/console/status-bar')).body;
    expect(bar.callback.map((x: any) => x.id)).toContain(r.body.chat.id);
    expect(bar.waiting.map((x: any) => x.id)).not.toContain(r.body.chat.id);
    const bad = await c.post('/api/portal/chats', { boardId: w.boardId, subject: 'x', message: 'y', callback: { phone: 'nope' } });
    expect(bad.status).toBe(400);
  });

  it('callback needs a valid phone number', async () => {
    const id = await chatIn(w, 'waiting');
    // An extension is not a number by itself, nor does it count toward the number's 7 to 15 digits.
    for (const phone of [
      '',
      'call me',
      '12',
      '+1 (555) 123-4567-8901-2345',
      42,
      'ext 12',
      '555 01 ext 12345',
      '+1 555 010 2233 ext 1234567',
      '+1 555 010 2233 ext',
    ]) {
      const r = await w.userClient.post(`/api/portal/chats/${id}/callback`, { phone });
      expect(r.status, JSON.stringify(phone)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    expect((await w.techClient.get(`/api/console/chats/${id}`)).body.status).toBe('waiting');
  });

  it('a callback number may carry an extension, as office callers often have', async () => {
    for (const phone of ['+1 (555) 010-2233 ext 5', '+1 555 010 2233 ext. 12', '555-010-2233 x 7', '020 7946 0000 #204']) {
      const id = await chatIn(w, 'waiting');
      const r = await w.userClient.post(`/api/portal/chats/${id}/callback`, { phone });
      expect(r.status, `${phone}: ${r.text}`).toBe(200);
      expect(r.body.callback.phone).toBe(phone);
    }
  });
});
