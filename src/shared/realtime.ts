/** Socket.IO contract shared by server and web: event names and payload schemas. */
import { z } from 'zod';
import { CallbackBody, ClientId, MAX_MESSAGE, text } from './schemas.js';

const chatId = z.number().int().positive().max(2 ** 31);
export const SubscribePayload = z.object({ chatId, afterSeq: z.number().int().min(0).default(0) }).strict();
export const ChatIdPayload = z.object({ chatId }).strict();
// The same rules as the HTTP body (schemas.ts SendMessageBody).
export const SendPayload = z.object({ chatId, body: text(MAX_MESSAGE), clientId: ClientId }).strict();
export const TypingPayload = z.object({ chatId, typing: z.boolean() }).strict();
export const CallbackPayload = CallbackBody.extend({ chatId });
/** No payload; `emit(event, undefined, ack)` arrives as null. */
export const EmptyPayload = z.object({}).strict().nullish();
export const StatusPayload = z.object({ available: z.boolean() }).strict();

/**
 * Client -> server events; every one is answered by an ack `{ ok: true, ... }` or
 * `{ error: { code, message, details? } }`. An event sent without an ack callback is refused and
 * changes nothing; an event the namespace does not handle answers `unknown_event`.
 * `chat:subscribe` answers `{ chat, messages }` (up to 1000 after `afterSeq`; ask again while full),
 * and for a tech also `requesterOnline`; `presence` events keep it current.
 */
export const CLIENT_EVENTS = {
  subscribe: 'chat:subscribe',
  unsubscribe: 'chat:unsubscribe',
  send: 'message:send',
  typing: 'typing',
  join: 'chat:join',
  keepWaiting: 'chat:keep_waiting',
  leave: 'chat:leave',
  callback: 'chat:callback',
  statusBar: 'statusbar:get',
  setStatus: 'status:set',
} as const;

/**
 * Server -> client events. Live events are hints, the database is the truth: on `resync` (sent
 * after Redis comes back, or after a change of the tech's grants) and on every reconnect, clients
 * re-read their lists and ask `chat:subscribe` for everything after their last contiguous seq.
 */
export const SERVER_EVENTS = {
  message: 'message',
  typing: 'typing',
  chat: 'chat',
  alert: 'alert',
  alertWithdrawn: 'alert:withdrawn',
  offer: 'offer',
  presence: 'presence',
  statusBarChanged: 'statusbar:changed',
  resync: 'resync',
  status: 'status',
} as const;
