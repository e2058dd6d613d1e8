/**
 * The chat lifecycle (SPEC "Lifecycle") as a pure table. Nothing else decides a status change:
 * services ask `decide` and then apply the result with a conditional update.
 */
import type { ChatStatus } from '../../shared/views.js';

export type { ChatStatus };
export type ChatEvent =
  | 'join'
  | 'keep_waiting'
  | 'leave'
  | 'request_callback'
  | 'message'
  | 'end'
  | 'complete'
  | 'transfer'
  | 'hand_over'
  | 'add_tech'
  | 'remove_tech';
export type ActorKind = 'tech' | 'portal' | 'system';

export const CHAT_STATUSES: readonly ChatStatus[] = ['waiting', 'active', 'abandoned', 'callback', 'completed'];
export const CHAT_EVENTS: readonly ChatEvent[] = [
  'join',
  'keep_waiting',
  'leave',
  'request_callback',
  'message',
  'end',
  'complete',
  'transfer',
  'hand_over',
  'add_tech',
  'remove_tech',
];
/** A requester has at most one open chat per ticket and one open new request; techs hear of its requester's presence. */
export const OPEN_STATUSES = ['waiting', 'active'] as const satisfies readonly ChatStatus[];

/** Who may cause each event at all; which tech or portal user in particular is the policy's business. */
export const EVENT_ACTORS: Record<ChatEvent, readonly ActorKind[]> = {
  join: ['tech'],
  keep_waiting: ['portal'],
  leave: ['portal', 'system'],
  request_callback: ['portal'],
  message: ['portal', 'tech'],
  end: ['tech'],
  complete: ['tech'],
  // Back to waiting on a board (services/transfers.ts); to another tech; another tech joins in.
  transfer: ['tech'],
  hand_over: ['tech'],
  add_tech: ['tech'],
  // A tech in the chat steps out while another stays in it.
  remove_tech: ['tech'],
};

export const TRANSITIONS: Record<ChatStatus, Partial<Record<ChatEvent, ChatStatus>>> = {
  waiting: { join: 'active', keep_waiting: 'waiting', leave: 'abandoned', request_callback: 'callback' },
  active: { message: 'active', end: 'completed', leave: 'active', transfer: 'waiting', hand_over: 'active', add_tech: 'active', remove_tech: 'active' },
  abandoned: { complete: 'completed' },
  callback: { complete: 'completed' },
  completed: {},
};

export type Decision =
  | { ok: true; from: ChatStatus; to: ChatStatus }
  | { ok: false; reason: 'invalid_transition' | 'actor_not_allowed'; state: ChatStatus; event: ChatEvent };

export function decide(state: ChatStatus, event: ChatEvent, actor: ActorKind): Decision {
  if (!EVENT_ACTORS[event].includes(actor)) return { ok: false, reason: 'actor_not_allowed', state, event };
  const to = TRANSITIONS[state][event];
  if (!to) return { ok: false, reason: 'invalid_transition', state, event };
  return { ok: true, from: state, to };
}
