/**
 * The one path from the server to clients: domain events (and the presence and typing of live
 * connections) -> Socket.IO rooms. Recipients are decided by the same rules as HTTP, read fresh
 * from the database: `tech:<id>` rooms of the techs with access (techsWithAccess, the recipient
 * form of the access rule), `portal:<id>` of the requester, and `chat:<id>` for the live stream of
 * a chat that its participants have opened. Each recipient gets the view of its relation to the
 * chat (rules.ts), so the joined tech's view says it may write and end, the others' that they
 * may not.
 */
import type { Logger } from 'pino';
import type { Ctx } from '../services/context.js';
import { loadTechActor, techsWithAccess, type Actor } from '../policies/access.js';
import { can, techsInChat } from '../policies/rules.js';
import { findOffer } from '../db/repositories/offers.js';
import { presentOffer } from '../services/transfers.js';
import { chatStateById, findChatRow, openChatIdsOfRequester, type ChatRow } from '../db/repositories/chats.js';
import { presentPortalChat, presentTechChat } from '../services/presenters.js';
import { alertableTechs } from '../services/chats.js';
import { SERVER_EVENTS } from '../../shared/realtime.js';
import type { SocketActors } from './socket-actors.js';
import { encodeOnce } from './wire.js';
import { namespaces, type ActorChange, type AnySocket, type ConsoleSocket, type RealtimeServer, type StreamJoin } from './namespaces.js';

/** What the gateway and handlers tell clients through fan-out, besides domain events. */
export type Fanout = {
  /** A participant is typing: the other side of the chat hears it. */
  typing(actor: Actor, chatId: number, typing: boolean): void;
  /** A portal user's connection came or went: the techs in their open chats hear it. */
  presence(userId: number, online: boolean): Promise<void>;
  /** Live events may have been lost (Redis was away): this node's clients re-read. */
  resyncLocal(): void;
  /** Who may follow each chat may have changed unheard (Redis was away): this node's streams are checked again. */
  recheckStreamsLocal(): Promise<void>;
  stop(): void;
};

/** Server-to-server event: something about a user's actor changed on some node (namespaces.ts). */
const ACTOR_CHANGED = 'actor:changed';
/** Server-to-server event: a tech joined a chat on some node (namespaces.ts). */
const STREAM_JOIN = 'stream:join';
/** Server-to-server event: a chat moved to another board; who may follow it is checked again (namespaces.ts). */
const STREAM_RECHECK = 'stream:recheck';

function isActorChange(x: unknown): x is ActorChange {
  const c = x as ActorChange;
  return !!c && (c.kind === 'tech' || c.kind === 'portal') && Number.isInteger(c.id) && ['access', 'status', 'session'].includes(c.what);
}

function isStreamJoin(x: unknown): x is StreamJoin {
  const j = x as StreamJoin;
  return !!j && Number.isInteger(j.techId) && Number.isInteger(j.chatId);
}

/** How long a chat's stream waits for the other nodes to let a joining tech in (then goes on). */
const STREAM_JOIN_WAIT_MS = 1000;

export function startFanout(
  ctx: Ctx,
  io: RealtimeServer,
  log: Logger,
  opts: { clustered: boolean; actors: SocketActors; roomsLive: () => Promise<void>; redisUp: () => boolean },
): Fanout {
  const { portal, console: consoleNsp } = namespaces(io);
  const bus = ctx.bus;
  const loadRow = (chatId: number) => findChatRow(ctx.db, chatId);
  const techRooms = (ids: number[]) => ids.map((id) => `tech:${id}`);

  /** This node's sockets of one user: its room `tech:<id>` on /console or `portal:<id>` on /portal. */
  function localSockets<S extends AnySocket>(nsp: { adapter: { rooms: Map<string, Set<string>> }; sockets: Map<string, S> }, room: string): S[] {
    const ids = [...(nsp.adapter.rooms.get(room) ?? [])];
    return ids.map((sid) => nsp.sockets.get(sid)).filter((s): s is S => s !== undefined);
  }

  /**
   * A user's actor changed: this node forgets what it kept of it at once (synchronously, inside
   * the publishing request, before its response), then closes the sockets whose session is gone.
   */
  async function actorChangedLocal(c: ActorChange) {
    const techSockets = c.kind === 'tech' ? localSockets(consoleNsp, `tech:${c.id}`) : null;
    const sockets: AnySocket[] = techSockets ?? localSockets(portal, `portal:${c.id}`);
    for (const s of sockets) opts.actors.forget(s);
    if (c.what === 'status' || !sockets.length) return;
    if (techSockets && c.what === 'access') return cutOffLocal(c.id, techSockets);
    for (const s of sockets) {
      const actor = await opts.actors.get(s);
      if (!actor || actor.kind !== c.kind || actor.id !== c.id) s.disconnect(true);
    }
  }

  /** Tells every node, this one included. */
  function actorChanged(c: ActorChange) {
    if (opts.clustered) consoleNsp.serverSideEmit(ACTOR_CHANGED, c);
    return actorChangedLocal(c);
  }

  /**
   * A tech's access changed: this node's sockets of that tech stop hearing every chat stream at
   * once, then rejoin those they may still see and re-read what they may have missed meanwhile.
   * A socket whose session is gone (deactivated, password changed) is closed.
   */
  async function cutOffLocal(techId: number, sockets: ConsoleSocket[]) {
    const streams = new Map(sockets.map((s) => [s, [...s.rooms].filter((r) => r.startsWith('chat:'))]));
    for (const [s, rooms] of streams) for (const r of rooms) s.leave(r);
    const tech = await loadTechActor(ctx.db, techId);
    const visible = new Map<string, boolean>();
    for (const [s, rooms] of streams) {
      const actor = tech ? await opts.actors.get(s) : null;
      if (!tech || !actor || actor.kind !== 'tech' || actor.id !== techId) {
        s.disconnect(true);
        continue;
      }
      let rejoined = false;
      for (const room of rooms) {
        if (!visible.has(room)) {
          const row = await loadRow(Number(room.slice(5)));
          visible.set(room, !!row && can(tech, 'chat.view', row));
        }
        if (visible.get(room)) {
          s.join(room);
          rejoined = true;
        }
      }
      s.emit(SERVER_EVENTS.statusBarChanged, {});
      // Re-read once the streams hear the cluster again.
      if (rejoined) void opts.roomsLive().then(() => s.emit(SERVER_EVENTS.resync, {}));
    }
  }

  /**
   * A tech joined a chat on another node: this node's sockets of that tech enter its stream, each
   * only if the actor it serves may see the chat now (the same rule as every other way in).
   */
  async function streamJoinLocal({ techId, chatId }: StreamJoin) {
    const sockets = localSockets(consoleNsp, `tech:${techId}`);
    if (!sockets.length) return;
    const row = await loadRow(chatId);
    if (!row) return;
    for (const s of sockets) {
      const actor = await opts.actors.get(s);
      if (actor?.kind === 'tech' && actor.id === techId && can(actor, 'chat.view', row)) s.join(`chat:${chatId}`);
    }
    await opts.roomsLive();
  }

  /**
   * A chat's stream emits wait behind this while the other nodes let a joining tech in: its
   * channel may not be live on their side yet, and the "joined" line must not outrun it. Per
   * chat, in order; bounded by STREAM_JOIN_WAIT_MS (a node that answers later catches up when
   * its page sees a gap in seq, or on the resync after a Redis outage).
   */
  const streamGates = new Map<number, Promise<void>>();
  function holdStream(chatId: number, until: Promise<void>) {
    const gate = (streamGates.get(chatId) ?? Promise.resolve()).then(() => until);
    streamGates.set(chatId, gate);
    void gate.then(() => {
      if (streamGates.get(chatId) === gate) streamGates.delete(chatId);
    });
  }
  function inStreamOrder(chatId: number, emit: () => void) {
    const gate = streamGates.get(chatId);
    if (!gate) return emit();
    const next = gate.then(emit);
    streamGates.set(chatId, next);
    void next.then(() => {
      if (streamGates.get(chatId) === next) streamGates.delete(chatId);
    });
  }
  function joinedElsewhere(j: StreamJoin): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STREAM_JOIN_WAIT_MS);
      consoleNsp.serverSideEmit(STREAM_JOIN, j, () => (clearTimeout(timer), resolve()));
    });
  }
  function recheckedElsewhere(chatId: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STREAM_JOIN_WAIT_MS);
      consoleNsp.serverSideEmit(STREAM_RECHECK, { chatId }, () => (clearTimeout(timer), resolve()));
    });
  }

  /**
   * The chat moved to another board: this node's console sockets in its stream that may no longer
   * see it leave it (the same rule as every way in).
   */
  async function streamRecheckLocal(chatId: number) {
    const room = `chat:${chatId}`;
    const sockets = localSockets(consoleNsp, room);
    if (!sockets.length) return;
    const row = await loadRow(chatId);
    for (const s of sockets) {
      const actor = await opts.actors.get(s);
      if (!row || !actor || !can(actor, 'chat.view', row)) s.leave(room);
    }
  }

  /**
   * The newest version of each chat this node has published. Handlers run concurrently: a request's
   * alert, read while the chat waited, may be ready only after a join's withdrawal went out; it
   * must not follow it. (Across nodes, clients drop events older than what they hold.)
   */
  const published = new Map<number, number>();
  const sawVersion = (chatId: number, version: number) => {
    if ((published.get(chatId) ?? -1) >= version) return;
    published.delete(chatId);
    published.set(chatId, version);
    if (published.size > 20_000) published.delete(published.keys().next().value!);
  };
  const outdated = (row: ChatRow) => (published.get(Number(row.id)) ?? -1) > Number(row.version);

  /**
   * The chat changed: every tech with access (their lists) and the requester hear of it, each
   * with the view of their relation to it: the joined tech's, the others', the requester's.
   */
  async function publishChat(chatId: number, alerted: Set<number> = new Set(), opts: { once?: boolean } = {}) {
    const row = await loadRow(chatId);
    if (!row) return null;
    const techIds = await techsWithAccess(ctx.db, row, { availableOnly: false });
    // A change that raised the version goes out once per version from this node: two events read
    // at nearly the same moment (the wait offer falling due as the chat is abandoned) may both
    // read the newer row, and its second copy would tell everyone the same thing again.
    if (opts.once && (published.get(chatId) ?? -1) >= Number(row.version)) return { row, techIds };
    sawVersion(chatId, Number(row.version));
    const joined = techsInChat(row).filter((id) => techIds.includes(id));
    // Techs alerted about this chat now get the chat with the alert, in one frame (sendAlert).
    const others = techIds.filter((id) => !joined.includes(id) && !alerted.has(id));
    if (others.length) consoleNsp.to(techRooms(others)).emit(SERVER_EVENTS.chat, presentTechChat(row, 'tech_with_access'));
    if (joined.length) consoleNsp.to(techRooms(joined)).emit(SERVER_EVENTS.chat, presentTechChat(row, 'joined_tech'));
    portal.to(`portal:${row.requester_id}`).emit(SERVER_EVENTS.chat, presentPortalChat(row));
    return { row, techIds };
  }

  /**
   * Alerts the chosen techs about a waiting chat; the recipients. They were chosen before the
   * commit: anyone who went DNR or lost access since is dropped.
   */
  async function sendAlert(row: ChatRow, stage: 'assigned' | 'all', techIds: number[], committed: number): Promise<Set<number>> {
    if (row.status !== 'waiting' || !techIds.length) return new Set();
    const eligible = new Set(await alertableTechs(ctx, row));
    const recipients = techIds.filter((id) => eligible.has(id));
    // A newer state of the chat went out meanwhile (a join's withdrawal, from this node or another
    // one, which commits before it publishes): this alert is stale.
    if (!recipients.length || outdated(row)) return new Set();
    // A failed read does not hold the alert back: the status it would confirm is the one just read.
    const [now] = await chatStateById(ctx.db, Number(row.id)).catch(() => [row]);
    if (now?.status !== 'waiting' || outdated(row)) return new Set();
    consoleNsp.to(techRooms(recipients)).emit(SERVER_EVENTS.alert, { stage, chat: presentTechChat(row, 'tech_with_access') });
    ctx.metrics.alertDelivery.observe({ stage }, (performance.now() - committed) / 1000);
    return new Set(recipients);
  }

  const offs = [
    bus.on('chat.requested', async ({ chatId, alert }) => {
      const committed = performance.now();
      const row = await loadRow(chatId);
      if (!row) return;
      // Each tech gets one frame: the alert, which carries the chat, or else the chat for their lists.
      const alerted = alert ? await sendAlert(row, alert.stage, alert.techIds, committed) : new Set<number>();
      await publishChat(chatId, alerted);
      portal.in(`portal:${row.requester_id}`).socketsJoin(`chat:${chatId}`);
    }),
    bus.on('chat.alerted', async ({ chatId, techIds, stage }) => {
      const committed = performance.now();
      const row = await loadRow(chatId);
      if (row) await sendAlert(row, stage, techIds, committed);
    }),
    bus.on('chat.joined', async ({ chatId, techId }) => {
      // Into the stream before the "joined" message, which is published right after this event:
      // this node's sockets join at once; the stream waits until the other nodes have let theirs
      // in and hear the chat's channel (holdStream).
      consoleNsp.local.in(`tech:${techId}`).socketsJoin(`chat:${chatId}`);
      if (opts.clustered && opts.redisUp()) holdStream(chatId, joinedElsewhere({ techId, chatId }));
      const r = await publishChat(chatId);
      if (!r) return;
      consoleNsp.to(techRooms(r.techIds)).emit(SERVER_EVENTS.alertWithdrawn, { chatId, version: Number(r.row.version), techId, techName: r.row.tech_name });
    }),
    // A chat offered to a tech: the offer to them (with the chat as they see it), and the chat,
    // which now shows the pending offer, to everyone following it.
    bus.on('chat.offered', async ({ chatId, offerId }) => {
      const [offer, row] = await Promise.all([findOffer(ctx.db, offerId), loadRow(chatId)]);
      if (!offer || !row || offer.status !== 'pending') return;
      const to = await loadTechActor(ctx.db, Number(offer.to_tech_id));
      if (to && can(to, 'chat.view', row)) consoleNsp.to(`tech:${to.id}`).emit(SERVER_EVENTS.chatOffered, presentOffer(offer, row, to));
      await publishChat(chatId);
    }),
    bus.on('offer.settled', async ({ chatId, offerId, status }) => {
      const offer = await findOffer(ctx.db, offerId);
      if (!offer) return;
      const from = { id: Number(offer.from_tech_id), name: offer.from_name };
      const to = { id: Number(offer.to_tech_id), name: offer.to_name };
      consoleNsp.to(techRooms([from.id, to.id])).emit(SERVER_EVENTS.chatOfferSettled, { offerId, chatId, status, kind: offer.kind, from, to });
      // An accepted offer's chat goes out with the join (chat.joined).
      if (status !== 'accepted') await publishChat(chatId);
    }),
    // Back to waiting on another board: those who may no longer see it leave its stream first
    // (here at once, elsewhere before the stream goes on), then it is alerted like a new request.
    bus.on('chat.transferred', async ({ chatId, techIds, formerTechIds }) => {
      const committed = performance.now();
      await streamRecheckLocal(chatId);
      if (opts.clustered && opts.redisUp()) holdStream(chatId, recheckedElsewhere(chatId));
      const row = await loadRow(chatId);
      if (!row) return;
      const alerted = await sendAlert(row, 'all', techIds, committed);
      await publishChat(chatId, alerted);
      // Those who were in it re-read their lists: one who may not see it on its new board hears no chat event.
      if (formerTechIds.length) consoleNsp.to(techRooms(formerTechIds)).emit(SERVER_EVENTS.statusBarChanged, {});
    }),
    bus.on('message.created', ({ chatId, message, participants }) => {
      // Emitted at once, as published: in seq order per chat within a batch; batches written at
      // once on PostgreSQL may be published a little out of order under load. Clients place
      // messages by seq. On /portal the chat is the requester's alone, so their own room holds
      // every socket of its stream (and their other tabs): one room, so one Redis channel
      // that only the nodes serving them hear. Techs get it through the stream only, whose
      // membership follows their access.
      // Encoded once for both namespaces and the sender's ack (wire.ts).
      encodeOnce(message);
      inStreamOrder(chatId, () => {
        portal.to(`portal:${participants.requesterId}`).emit(SERVER_EVENTS.message, message);
        consoleNsp.to(`chat:${chatId}`).emit(SERVER_EVENTS.message, message);
      });
      ctx.metrics.messagesPersisted.inc();
      if (message.createdAt) ctx.metrics.messageDelivery.observe(Math.max(0, ctx.now() - Date.parse(message.createdAt)) / 1000);
    }),
    bus.on('chat.offer', async ({ chatId, requesterId }) => {
      await publishChat(chatId, undefined, { once: true });
      portal.to(`portal:${requesterId}`).emit(SERVER_EVENTS.offer, { chatId });
    }),
    // A tech stepped out: everyone following it sees who is left in it (that tech now as one with access).
    bus.on('chat.tech_left', async ({ chatId }) => {
      await publishChat(chatId, undefined, { once: true });
    }),
    bus.on('chat.user_left', async ({ chatId }) => {
      const r = await publishChat(chatId, undefined, { once: true });
      if (r) consoleNsp.to(`chat:${chatId}`).emit(SERVER_EVENTS.presence, { chatId, userId: Number(r.row.requester_id), online: false, left: true });
    }),
    // Read marks go to the other side only: the requester's to the techs following the chat, a
    // tech's to the requester's own room.
    bus.on('chat.read', ({ chatId, requesterId, by, seq }) => {
      if (by === 'requester') consoleNsp.to(`chat:${chatId}`).emit(SERVER_EVENTS.read, { chatId, by, seq });
      else portal.to(`portal:${requesterId}`).emit(SERVER_EVENTS.read, { chatId, by, seq });
    }),
    // Internal notes: to the console's stream of the chat only (the techs following it); the
    // portal namespace never hears of them.
    bus.on('note.saved', ({ chatId, noteId }) => {
      consoleNsp.to(`chat:${chatId}`).emit(SERVER_EVENTS.note, { chatId, noteId });
    }),
    ...(['chat.waiting_kept', 'chat.abandoned', 'chat.callback_requested', 'chat.ended', 'chat.completed', 'note.saved', 'chat.rated'] as const).map((name) =>
      bus.on(name, async ({ chatId }) => {
        // A note does not raise the chat's version, and its chat still goes out.
        const r = await publishChat(chatId, undefined, { once: name !== 'note.saved' });
        if (r && name !== 'note.saved' && name !== 'chat.waiting_kept' && name !== 'chat.rated')
          consoleNsp.to(techRooms(r.techIds)).emit(SERVER_EVENTS.alertWithdrawn, { chatId, version: Number(r.row.version), techId: null, techName: null });
      }),
    ),
    bus.on('tech.status_changed', async ({ techId, available }) => {
      consoleNsp.to(`tech:${techId}`).emit(SERVER_EVENTS.status, { available });
      consoleNsp.to(`tech:${techId}`).emit(SERVER_EVENTS.statusBarChanged, {});
      await actorChanged({ kind: 'tech', id: techId, what: 'status' });
    }),
    // Other nodes cut their own sockets of this tech; this node cuts its own.
    bus.on('tech.access_changed', ({ techId }) => actorChanged({ kind: 'tech', id: techId, what: 'access' })),
    bus.on('portal.access_changed', ({ userId }) => actorChanged({ kind: 'portal', id: userId, what: 'access' })),
    bus.on('session.ended', ({ kind, userId }) => actorChanged({ kind, id: userId, what: 'session' })),
  ];
  const onRemote = (c: unknown) => {
    if (isActorChange(c)) void actorChangedLocal(c).catch((err) => log.error({ err }, 'actor change failed'));
  };
  consoleNsp.on(ACTOR_CHANGED, onRemote);
  const onStreamJoin = (j: unknown, done: unknown) => {
    if (!isStreamJoin(j) || typeof done !== 'function') return;
    streamJoinLocal(j)
      .catch((err) => log.error({ err }, 'stream join failed'))
      .finally(() => done());
  };
  consoleNsp.on(STREAM_JOIN, onStreamJoin);
  const onStreamRecheck = (r: unknown, done: unknown) => {
    const chatId = (r as { chatId?: unknown } | null)?.chatId;
    if (!Number.isInteger(chatId) || typeof done !== 'function') return;
    streamRecheckLocal(chatId as number)
      .catch((err) => log.error({ err }, 'stream recheck failed'))
      .finally(() => done());
  };
  consoleNsp.on(STREAM_RECHECK, onStreamRecheck);
  return {
    typing(actor, chatId, typing) {
      // To the other side only: portal typing goes to the console, and the reverse.
      const payload = { chatId, typing, author: { kind: actor.kind, id: actor.id, name: actor.name } };
      if (actor.kind === 'portal') consoleNsp.to(`chat:${chatId}`).emit(SERVER_EVENTS.typing, payload);
      else portal.to(`chat:${chatId}`).emit(SERVER_EVENTS.typing, payload);
    },
    async presence(userId, online) {
      for (const chatId of await openChatIdsOfRequester(ctx.db, userId))
        consoleNsp.to(`chat:${chatId}`).emit(SERVER_EVENTS.presence, { chatId, userId, online });
    },
    resyncLocal() {
      portal.local.emit(SERVER_EVENTS.resync, {});
      consoleNsp.local.emit(SERVER_EVENTS.resync, {});
    },
    async recheckStreamsLocal() {
      const chatIds = [...consoleNsp.adapter.rooms.keys()].filter((r) => r.startsWith('chat:')).map((r) => Number(r.slice(5)));
      for (const chatId of chatIds) await streamRecheckLocal(chatId);
    },
    stop() {
      for (const off of offs) off();
      consoleNsp.off(ACTOR_CHANGED, onRemote);
      consoleNsp.off(STREAM_JOIN, onStreamJoin);
      consoleNsp.off(STREAM_RECHECK, onStreamRecheck);
    },
  };
}
