/**
 * One small handler per client event of the live stream: validate, take the socket's current
 * actor, call one service, ack. Commands are HTTP requests (http/); the socket carries
 * subscriptions, message sends, typing and the server's pushes only.
 */
import type { Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { NotFound, Unauthenticated, ValidationFailed, toErrorBody } from '../errors.js';
import type { Ctx } from '../services/context.js';
import type { SocketActors } from './socket-actors.js';
import type { Actor } from '../policies/access.js';
import {
  ChatIdPayload,
  CLIENT_EVENTS,
  SendPayload,
  SubscribePayload,
  TypingPayload,
  ReadPayload,
  type ClientAnswer,
  type ClientEvent,
  type ClientPayload,
} from '../../shared/realtime.js';
import { getChatView, getVisibleChatScope, listMessages } from '../services/chat-queries.js';
import { sendMessage } from '../services/messages.js';
import { markRead } from '../services/reads.js';
import { loadTechActor } from '../policies/access.js';
import { authorize, stateAllows } from '../policies/rules.js';
import { TokenBuckets } from '../services/rate-limit.js';
import type { Fanout } from './fanout.js';
import type { WallboardPush } from './wallboard-push.js';
import { WallboardWatchPayload } from '../../shared/wallboard.js';
import type { AnySocket } from './namespaces.js';

type Ack = (response: unknown) => void;
/** What a handler of event `E` returns: its ack's success answer (src/shared/realtime.ts), without `ok`. */
type AnswerOf<E extends ClientEvent> = Omit<ClientAnswer<E>, 'ok'>;

const KNOWN_EVENTS: readonly string[] = Object.values(CLIENT_EVENTS);

/** The session token of each connection, kept off `socket.data` (which other nodes can fetch). */
export const sessionTokens = new WeakMap<Socket, string>();

/**
 * Every event costs database reads, so one connection may not flood the server: a bucket of
 * EVENT_BURST events refilled at EVENT_RATE per second, per connection. Far above what a person
 * in a chat does; message sending has its own, stricter per-user limit.
 */
const eventBuckets = new TokenBuckets(60, 20, 'Too many events at once; slow down');

/** What every handler of one connection needs. */
export type HandlerDeps = {
  ctx: Ctx;
  socket: AnySocket;
  log: Logger;
  actors: SocketActors;
  fanout: Fanout;
  /** Live wallboards (console only; refused to anyone who may not open it). */
  wallboard: WallboardPush;
  /** Resolves once the rooms joined so far hear the cluster (cluster-adapter.ts). */
  roomsLive: () => Promise<void>;
};

/**
 * Registers the handler of one client event. The listener itself is untyped on purpose: payloads
 * are untrusted (checked by `schema`, whose input type must be the map's payload for the event) and
 * the ack may be missing. What `fn` returns is checked against the map's ack for the event.
 */
function on<E extends ClientEvent, S extends z.ZodType<unknown, ClientPayload<E>>>(
  { socket: typed, log, actors }: HandlerDeps,
  event: E,
  schema: S,
  fn: (actor: Actor, payload: z.infer<S>) => Promise<AnswerOf<E>>,
) {
  const socket: Socket = typed;
  const name: string = event;
  socket.on(name, async (...args: unknown[]) => {
    // Every event must be answerable: without an ack callback it is refused and changes nothing.
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : null;
    if (!ack) {
      log.debug({ event }, 'socket event without ack refused');
      return;
    }
    try {
      eventBuckets.take(socket.id, Date.now());
      if (args.length > 1) throw new ValidationFailed('Invalid payload: send one object');
      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ValidationFailed(`Invalid payload: ${issue?.path.join('.') || '/'} ${issue?.message}`, {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
      // Current for every event: a change of session, grants or status reaches the cache at once.
      const actor = await actors.get(socket);
      if (!actor || actor.id !== socket.data.actorId) {
        // The session is gone (logout, deactivation): answer, then close the connection.
        ack(toErrorBody(new Unauthenticated()).body);
        socket.disconnect(true);
        return;
      }
      const result = await fn(actor, parsed.data);
      ack({ ok: true, ...(result && typeof result === 'object' ? result : {}) });
    } catch (err) {
      const { status, body } = toErrorBody(err);
      if (status >= 500) log.error({ err, event }, 'socket event failed');
      ack(body);
    }
  });
}

/** Shared by both audiences: open a chat's live stream and catch up from a seq. */
async function subscribe({ ctx, socket, roomsLive }: HandlerDeps, actor: Actor, p: { chatId: number; afterSeq: number }) {
  const room = `chat:${p.chatId}`;
  await getVisibleChatScope(ctx.db, actor, p.chatId);
  await socket.join(room);
  // The catch-up below is read once the room hears the cluster: nothing falls between the two.
  await roomsLive();
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

async function typing({ ctx, fanout }: HandlerDeps, actor: Actor, p: { chatId: number; typing: boolean }) {
  const chat = await getVisibleChatScope(ctx.db, actor, p.chatId);
  authorize(actor, 'chat.write', chat);
  // Nothing to tell when the chat is not open for this writer (over, or the requester left it).
  if (stateAllows('chat.write', chat, actor.kind)) fanout.typing(actor, p.chatId, p.typing);
  return {};
}

/** An event this namespace does not handle still gets an answer, so no client waits for nothing. */
function refuseUnknown(typed: AnySocket) {
  const socket: Socket = typed;
  socket.onAny((event: string, ...args: unknown[]) => {
    if (KNOWN_EVENTS.includes(event)) return;
    const last = args[args.length - 1];
    if (typeof last === 'function') (last as Ack)({ error: { code: 'unknown_event', message: `Unknown event: ${String(event).slice(0, 100)}` } });
  });
}

/** The live-stream events, the same on both namespaces; the actor's kind is the namespace's. */
export function registerHandlers(deps: HandlerDeps) {
  const { ctx, socket } = deps;
  refuseUnknown(socket);
  socket.on('disconnect', () => eventBuckets.forget(socket.id));
  on(deps, CLIENT_EVENTS.subscribe, SubscribePayload, (a, p) => subscribe(deps, a, p));
  on(deps, CLIENT_EVENTS.unsubscribe, ChatIdPayload, async (_a, p) => {
    await socket.leave(`chat:${p.chatId}`);
    return {};
  });
  on(deps, CLIENT_EVENTS.send, SendPayload, (a, p) => sendMessage(ctx, a, p.chatId, p.body, p.clientId));
  on(deps, CLIENT_EVENTS.typing, TypingPayload, (a, p) => typing(deps, a, p));
  on(deps, CLIENT_EVENTS.read, ReadPayload, async (a, p) => {
    await markRead(ctx, a, p.chatId, p.seq);
    return {};
  });
  on(deps, CLIENT_EVENTS.wallboardWatch, WallboardWatchPayload, async (a) => ({ wallboard: await deps.wallboard.watch(socket, a) }));
  on(deps, CLIENT_EVENTS.wallboardUnwatch, WallboardWatchPayload, async () => {
    deps.wallboard.unwatch(socket);
    return {};
  });
}
