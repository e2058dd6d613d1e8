import { describe, expect, it } from 'vitest';
import { CHAT_EVENTS, CHAT_STATUSES, decide, EVENT_ACTORS, type ChatEvent, type ChatStatus } from './chat-machine.js';

// SPEC "Lifecycle", written out independently of the implementation's table.
const ALLOWED: [ChatStatus, ChatEvent, ChatStatus][] = [
  ['waiting', 'join', 'active'],
  ['waiting', 'keep_waiting', 'waiting'],
  ['waiting', 'leave', 'abandoned'],
  ['waiting', 'request_callback', 'callback'],
  ['active', 'message', 'active'],
  ['active', 'end', 'completed'],
  ['active', 'leave', 'active'],
  // SPEC "Transfer and invite": to a board (back to waiting), to a tech, a second tech in.
  ['active', 'transfer', 'waiting'],
  ['active', 'hand_over', 'active'],
  ['active', 'add_tech', 'active'],
  // A tech steps out while another carries on.
  ['active', 'remove_tech', 'active'],
  ['abandoned', 'complete', 'completed'],
  ['callback', 'complete', 'completed'],
];

describe('chat state machine', () => {
  for (const state of CHAT_STATUSES) {
    for (const event of CHAT_EVENTS) {
      const row = ALLOWED.find(([s, e]) => s === state && e === event);
      const actor = EVENT_ACTORS[event][0];
      it(`${state} + ${event} ${row ? `-> ${row[2]}` : 'is refused'}`, () => {
        const d = decide(state, event, actor);
        if (row) expect(d).toEqual({ ok: true, from: state, to: row[2] });
        else expect(d).toEqual({ ok: false, reason: 'invalid_transition', state, event });
      });
    }
  }
  it('refuses events from the wrong kind of actor', () => {
    expect(decide('waiting', 'join', 'portal')).toMatchObject({ ok: false, reason: 'actor_not_allowed' });
    expect(decide('active', 'end', 'portal')).toMatchObject({ ok: false, reason: 'actor_not_allowed' });
    expect(decide('waiting', 'request_callback', 'tech')).toMatchObject({ ok: false, reason: 'actor_not_allowed' });
    expect(decide('abandoned', 'complete', 'portal')).toMatchObject({ ok: false, reason: 'actor_not_allowed' });
    for (const e of ['transfer', 'hand_over', 'add_tech', 'remove_tech'] as const)
      expect(decide('active', e, 'portal')).toMatchObject({ ok: false, reason: 'actor_not_allowed' });
  });
});
