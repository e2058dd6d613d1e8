/** Socket.IO contract shared by server and web: event names and payload schemas. */
import { z } from 'zod';
import { CallbackBody, MAX_MESSAGE } from './schemas.js';

const chatId = z.number().int().positive().max(2 ** 31);
export const SubscribePayload = z.object({ chatId, afterSeq: z.number().int().min(0).default(0) }).strict();
export const ChatIdPayload = z.object({ chatId }).strict();
export const SendPayload = z.object({ chatId, body: z.string().trim().min(1).max(MAX_MESSAGE), clientId: z.string().min(1).max(100) }).strict();
export const TypingPayload = z.object({ chatId, typing: z.boolean() }).strict();
export const CallbackPayload = CallbackBody.extend({ chatId });
/** No payload; `emit(event, undefined, ack)` arrives as null. */
export const EmptyPayload = z.object({}).strict().nullish();
export const StatusPayload = z.object({ available: z.boolean() }).strict();

/** Client -> server events; every one is answered by an ack `{ ok: true, ... }` or `{ error }`. */
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

/** Server -> client events. */
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
