/**
 * Domain events -> Socket.IO rooms. Recipients are decided by the same policy as HTTP, read fresh
 * from the database: `tech:<id>` rooms of the techs with access, `portal:<id>` of the requester,
 * and `chat:<id>` for the live stream of a chat that its participants have opened.
 */
import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { Ctx } from '../services/context.js';
import { loadTechActor, techHasAccess, techsWithAccess } from '../policies/access.js';
import { chatRows } from '../services/chat-queries.js';
import { presentChat, type ChatRow } from '../services/presenters.js';
import { SERVER_EVENTS } from '../../shared/realtime.js';
import { actorFromToken } from '../services/auth.js';
import { sessionTokens } from './handlers.js';

/** Server-to-server event: a tech's grants, role or sessions changed on some node. */
const ACCESS_CHANGED = 'tech:access_changed';

export function startFanout(ctx: Ctx, io: Server, log: Logger, opts: { clustered: boolean }): () => void {
  const portal = io.of('/portal');
  const consoleNsp = io.of('/console');
  const bus = ctx.bus;
  const PORTAL_VIEW = { kind: 'portal' as const, id: 0, name: '', companyId: 0 };
  const TECH_VIEW = { kind: 'tech' as const, id: 0, name: '', role: 'tech' as const, available: true, allCompanies: false, boardIds: new Set<number>(), companyIds: new Set<number>() };

  async function loadRow(chatId: number) {
    return (await chatRows(ctx.db).where('chats.id', '=', chatId).executeTakeFirst()) as ChatRow | undefined;
  }
  const techRooms = (ids: number[]) => ids.map((id) => `tech:${id}`);

  /**
   * A tech's access changed: this node's sockets of that tech stop hearing every chat stream at
   * once (synchronously, inside the publishing request, before its response), then rejoin those
   * they may still see and re-read what they may have missed meanwhile. A socket whose session is
   * gone (deactivated, password changed) is closed.
   */
  async function cutOffLocal(techId: number) {
    const ids = [...(consoleNsp.adapter.rooms.get(`tech:${techId}`) ?? [])];
    const sockets = ids.map((id) => consoleNsp.sockets.get(id)).filter((s): s is Socket => s !== undefined);
    if (!sockets.length) return;
    const streams = new Map(sockets.map((s) => [s, [...s.rooms].filter((r) => r.startsWith('chat:'))]));
    for (const [s, rooms] of streams) for (const r of rooms) s.leave(r);
    const tech = await loadTechActor(ctx.db, techId);
    const visible = new Map<string, boolean>();
    for (const [s, rooms] of streams) {
      const actor = tech ? await actorFromToken(ctx.db, sessionTokens.get(s)) : null;
      if (!tech || !actor || actor.id !== techId) {
        s.disconnect(true);
        continue;
      }
      let rejoined = false;
      for (const room of rooms) {
        if (!visible.has(room)) {
          const row = await loadRow(Number(room.slice(5)));
          visible.set(room, !!row && techHasAccess(tech, row));
        }
        if (visible.get(room)) {
          s.join(room);
          rejoined = true;
        }
      }
      s.emit(SERVER_EVENTS.statusBarChanged, {});
      if (rejoined) s.emit(SERVER_EVENTS.resync, {});
    }
  }

  /** The chat changed: every tech with access (their lists) and the requester hear of it. */
  async function publishChat(chatId: number) {
    const row = await loadRow(chatId);
    if (!row) return null;
    const techIds = await techsWithAccess(ctx.db, row, { availableOnly: false });
    if (techIds.length) consoleNsp.to(techRooms(techIds)).emit(SERVER_EVENTS.chat, presentChat(row, TECH_VIEW));
    portal.to(`portal:${row.requester_id}`).emit(SERVER_EVENTS.chat, presentChat(row, PORTAL_VIEW));
    return { row, techIds };
  }

  const offs = [
    bus.on('chat.requested', async ({ chatId }) => {
      const r = await publishChat(chatId);
      if (r) portal.in(`portal:${r.row.requester_id}`).socketsJoin(`chat:${chatId}`);
    }),
    bus.on('chat.alerted', async ({ chatId, techIds, stage }) => {
      const row = await loadRow(chatId);
      if (!row || row.status !== 'waiting' || !techIds.length) return;
      // Chosen before the commit: drop anyone who went DNR or lost access since.
      const eligible = new Set(await techsWithAccess(ctx.db, row, { availableOnly: true }));
      const recipients = techIds.filter((id) => eligible.has(id));
      if (recipients.length) consoleNsp.to(techRooms(recipients)).emit(SERVER_EVENTS.alert, { stage, chat: presentChat(row, TECH_VIEW) });
    }),
    bus.on('chat.joined', async ({ chatId, techId }) => {
      // Into the stream before the "joined" message, which is published right after this event.
      consoleNsp.in(`tech:${techId}`).socketsJoin(`chat:${chatId}`);
      const r = await publishChat(chatId);
      if (!r) return;
      consoleNsp.to(techRooms(r.techIds)).emit(SERVER_EVENTS.alertWithdrawn, { chatId, techId, techName: r.row.tech_name });
    }),
    bus.on('message.created', ({ chatId, message, participants }) => {
      // Published in seq order per chat (the counter's row lock orders the commits) and emitted
      // at once, so live delivery keeps that order; clients still place messages by seq. The
      // requester's own room is included (one emit, each socket once): the chat is theirs. Techs
      // get it through the stream only, whose membership follows their access.
      portal.to([`chat:${chatId}`, `portal:${participants.requesterId}`]).emit(SERVER_EVENTS.message, message);
      consoleNsp.to(`chat:${chatId}`).emit(SERVER_EVENTS.message, message);
    }),
    bus.on('chat.offer', async ({ chatId, requesterId }) => {
      await publishChat(chatId);
      portal.to(`portal:${requesterId}`).emit(SERVER_EVENTS.offer, { chatId });
    }),
    bus.on('chat.user_left', async ({ chatId }) => {
      const r = await publishChat(chatId);
      if (r) consoleNsp.to(`chat:${chatId}`).emit(SERVER_EVENTS.presence, { chatId, userId: Number(r.row.requester_id), online: false, left: true });
    }),
    ...(['chat.waiting_kept', 'chat.abandoned', 'chat.callback_requested', 'chat.ended', 'chat.completed', 'note.saved'] as const).map((name) =>
      bus.on(name, async ({ chatId }) => {
        const r = await publishChat(chatId);
        if (r && name !== 'note.saved' && name !== 'chat.waiting_kept') consoleNsp.to(techRooms(r.techIds)).emit(SERVER_EVENTS.alertWithdrawn, { chatId, techId: null, techName: null });
      }),
    ),
    bus.on('tech.status_changed', ({ techId, available }) => {
      consoleNsp.to(`tech:${techId}`).emit(SERVER_EVENTS.status, { available });
      consoleNsp.to(`tech:${techId}`).emit(SERVER_EVENTS.statusBarChanged, {});
    }),
    bus.on('tech.access_changed', async ({ techId }) => {
      // Other nodes cut their own sockets of this tech; this node cuts its own.
      if (opts.clustered) consoleNsp.serverSideEmit(ACCESS_CHANGED, techId);
      await cutOffLocal(techId);
    }),
  ];
  const onRemote = (techId: unknown) => {
    if (typeof techId === 'number') void cutOffLocal(techId).catch((err) => log.error({ err }, 'access change failed'));
  };
  consoleNsp.on(ACCESS_CHANGED, onRemote);
  return () => {
    offs.forEach((off) => off());
    consoleNsp.off(ACCESS_CHANGED, onRemote);
  };
}
