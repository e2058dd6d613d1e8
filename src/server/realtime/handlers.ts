/** One small handler per client event: validate, take the socket's current actor, call one service, ack. */
import type { Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppError, NotFound, Unauthenticated, ValidationFailed, toErrorBody } from '../errors.js';
import type { Ctx } from '../services/context.js';
import type { SocketActors } from './socket-actors.js';
import type { Actor, PortalActor, TechActor } from '../policies/access.js';
import { CallbackPayload, ChatIdPayload, CLIENT_EVENTS, EmptyPayload, SendPayload, StatusPayload, SubscribePayload, TypingPayload, SERVER_EVENTS } from '../../shared/realtime.js';
import { getChatView, getVisibleChatScope, listMessages, statusBar } from '../services/chat-queries.js';
import { sendMessage } from '../services/messages.js';
import { joinChat, keepWaiting, leaveChat, requestCallback } from '../services/chats.js';
import { isChatParticipant, loadTechActor } from '../policies/access.js';
import { setAvailability } from '../services/admin.js';

type Ack = (response: unknown) => void;

const C = CLIENT_EVENTS;
const PORTAL_EVENTS = [C.subscribe, C.unsubscribe, C.send, C.typing, C.keepWaiting, C.leave, C.callback] as const;
const CONSOLE_EVENTS = [C.subscribe, C.unsubscribe, C.send, C.typing, C.join, C.statusBar, C.setStatus] as const;

/** The session token of each connection, kept off `socket.data` (which other nodes can fetch). */
export const sessionTokens = new WeakMap<Socket, string>();

/**
 * Every event costs database reads, so one connection may not flood the server: a bucket of
 * EVENT_BURST events refilled at EVENT_RATE per second, per connection. Far above what a person
 * in a chat does; message sending has its own, stricter per-user limit.
 */
const EVENT_BURST = 60;
const EVENT_RATE = 20;
const buckets = new WeakMap<Socket, { tokens: number; at: number }>();
function overLimit(socket: Socket): number {
  const now = Date.now();
  const b = buckets.get(socket) ?? { tokens: EVENT_BURST, at: now };
  b.tokens = Math.min(EVENT_BURST, b.tokens + ((now - b.at) / 1000) * EVENT_RATE);
  b.at = now;
  buckets.set(socket, b);
  if (b.tokens < 1) return Math.ceil(((1 - b.tokens) / EVENT_RATE) * 1000);
  b.tokens -= 1;
  return 0;
}

/** What every handler of one connection needs. */
export type HandlerDeps = { ctx: Ctx; socket: Socket; log: Logger; actors: SocketActors };

function on<S extends z.ZodType, A extends Actor>(
  { socket, log, actors }: HandlerDeps,
  event: string,
  schema: S,
  fn: (actor: A, payload: z.infer<S>) => Promise<unknown>,
) {
  socket.on(event, async (...args: unknown[]) => {
    // Every event must be answerable: without an ack callback it is refused and changes nothing.
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : null;
    if (!ack) {
      log.debug({ event }, 'socket event without ack refused');
      return;
    }
    try {
      const retryAfterMs = overLimit(socket);
      if (retryAfterMs) throw new AppError('rate_limited', 'Too many events at once; slow down', 429, { retryAfterMs });
      if (args.length > 1) throw new ValidationFailed('Invalid payload: send one object');
      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ValidationFailed(`Invalid payload: ${issue?.path.join('.') || '/'} ${issue?.message}`, { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
      }
      // Current for every event: a change of session, grants or status reaches the cache at once.
      const actor = await actors.get(socket);
      if (!actor || actor.id !== socket.data.actorId) {
        // The session is gone (logout, deactivation): answer, then close the connection.
        ack(toErrorBody(new Unauthenticated()).body);
        socket.disconnect(true);
        return;
      }
      const result = await fn(actor as A, parsed.data);
      ack({ ok: true, ...(result && typeof result === 'object' ? result : {}) });
    } catch (err) {
      const { status, body } = toErrorBody(err);
      if (status >= 500) log.error({ err, event }, 'socket event failed');
      ack(body);
    }
  });
}

/** Shared by both audiences: open a chat's live stream and catch up from a seq. */
async function subscribe(ctx: Ctx, socket: Socket, actor: Actor, p: { chatId: number; afterSeq: number }) {
  const room = `chat:${p.chatId}`;
  await getVisibleChatScope(ctx.db, actor, p.chatId);
  await socket.join(room);
  // A grant withdrawn between the check and the join must not leave the stream open: check again.
  try {
    const fresh = actor.kind === 'tech' ? await loadTechActor(ctx.db, actor.id) : actor;
    if (!fresh) throw new NotFound('Chat');
    await getVisibleChatScope(ctx.db, fresh, p.chatId);
  } catch (e) {
    await socket.leave(room);
    throw e;
  }
  const [chat, messages] = await Promise.all([getChatView(ctx.db, actor, p.chatId), listMessages(ctx.db, p.chatId, p.afterSeq, 1000)]);
  // The tech also learns whether the requester is connected right now; `presence` events follow.
  if (actor.kind === 'tech') return { chat, messages, requesterOnline: await ctx.presence.isPortalOnline(chat.requester.id) };
  return { chat, messages };
}

async function typing(ctx: Ctx, socket: Socket, actor: Actor, p: { chatId: number; typing: boolean }) {
  const chat = await getVisibleChatScope(ctx.db, actor, p.chatId);
  if (!isChatParticipant(actor, chat)) throw new AppError('not_participant', 'Only the requester and the joined tech can type in this chat', 403);
  if (chat.status !== 'active') return {};
  const payload = { chatId: p.chatId, typing: p.typing, author: { kind: actor.kind, id: actor.id, name: actor.name } };
  // To the other side only: portal typing goes to the console, and the reverse.
  const other = actor.kind === 'portal' ? '/console' : '/portal';
  socket.nsp.server.of(other).to(`chat:${p.chatId}`).emit(SERVER_EVENTS.typing, payload);
  return {};
}

/** An event this namespace does not handle still gets an answer, so no client waits for nothing. */
function refuseUnknown(socket: Socket, known: readonly string[]) {
  socket.onAny((event: string, ...args: unknown[]) => {
    if (known.includes(event)) return;
    const last = args[args.length - 1];
    if (typeof last === 'function') (last as Ack)({ error: { code: 'unknown_event', message: `Unknown event: ${String(event).slice(0, 100)}` } });
  });
}

export function registerPortalHandlers(deps: HandlerDeps) {
  const { ctx, socket } = deps;
  const h = <S extends z.ZodType>(event: string, schema: S, fn: (a: PortalActor, p: z.infer<S>) => Promise<unknown>) => on(deps, event, schema, fn);
  refuseUnknown(socket, PORTAL_EVENTS);
  h(CLIENT_EVENTS.subscribe, SubscribePayload, (a, p) => subscribe(ctx, socket, a, p));
  h(CLIENT_EVENTS.unsubscribe, ChatIdPayload, async (_a, p) => socket.leave(`chat:${p.chatId}`));
  h(CLIENT_EVENTS.send, SendPayload, (a, p) => sendMessage(ctx, a, p.chatId, p.body, p.clientId));
  h(CLIENT_EVENTS.typing, TypingPayload, (a, p) => typing(ctx, socket, a, p));
  h(CLIENT_EVENTS.keepWaiting, ChatIdPayload, async (a, p) => {
    await keepWaiting(ctx, a, p.chatId);
    return { chat: await getChatView(ctx.db, a, p.chatId) };
  });
  h(CLIENT_EVENTS.leave, ChatIdPayload, async (a, p) => {
    await leaveChat(ctx, a, p.chatId);
    return { chat: await getChatView(ctx.db, a, p.chatId) };
  });
  h(CLIENT_EVENTS.callback, CallbackPayload, async (a, { chatId, ...input }) => {
    await requestCallback(ctx, a, chatId, input);
    return { chat: await getChatView(ctx.db, a, chatId) };
  });
}

export function registerConsoleHandlers(deps: HandlerDeps) {
  const { ctx, socket } = deps;
  const h = <S extends z.ZodType>(event: string, schema: S, fn: (a: TechActor, p: z.infer<S>) => Promise<unknown>) => on(deps, event, schema, fn);
  refuseUnknown(socket, CONSOLE_EVENTS);
  h(CLIENT_EVENTS.subscribe, SubscribePayload, (a, p) => subscribe(ctx, socket, a, p));
  h(CLIENT_EVENTS.unsubscribe, ChatIdPayload, async (_a, p) => socket.leave(`chat:${p.chatId}`));
  h(CLIENT_EVENTS.send, SendPayload, (a, p) => sendMessage(ctx, a, p.chatId, p.body, p.clientId));
  h(CLIENT_EVENTS.typing, TypingPayload, (a, p) => typing(ctx, socket, a, p));
  h(CLIENT_EVENTS.join, ChatIdPayload, async (a, p) => {
    await joinChat(ctx, a, p.chatId);
    await socket.join(`chat:${p.chatId}`);
    return { chat: await getChatView(ctx.db, a, p.chatId) };
  });
  h(CLIENT_EVENTS.statusBar, EmptyPayload, (a) => statusBar(ctx.db, a));
  h(CLIENT_EVENTS.setStatus, StatusPayload, async (a, p) => {
    await setAvailability(ctx, a.id, p.available);
    return { available: p.available };
  });
}
