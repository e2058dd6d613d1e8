/** Use cases of a chat before it ends: request, join, keep waiting, leave, callback. */
import { AppError, Conflict, NotFound, TooManyRequests } from '../errors.js';
import { REQUESTS_WINDOW_MS, requestWait } from '../domain/request-pacing.js';
import { isUniqueViolation, type Tx } from '../db/database.js';
import type { Chat } from '../db/schema.js';
import { techsWithAccess, type PortalActor, type Scoped, type TechActor } from '../policies/access.js';
import { authorize } from '../policies/rules.js';
import type { Outbox } from '../events/bus.js';
import { inTransaction, type Ctx } from './context.js';
import { applyTransition, chatForCommand } from './transition.js';
import { startMetrics } from './chat-metrics.js';
import { appendMessage } from './messages.js';
import { chatRowIn, getChatView } from './chat-queries.js';
import { activeChatCount, claimLeave, insertChat, insertTransition, openChatIdByKey, requestTimesOf } from '../db/repositories/chats.js';
import { findTicket } from '../db/repositories/tickets.js';
import { boardOfferedTo } from '../db/repositories/organisation.js';
import { lockTech, techName } from '../db/repositories/people.js';
import { presentPortalChat, presentTechChat } from './presenters.js';
import type { PortalChatView, TechChatView } from '../../shared/views.js';

type CallbackInput = { phone: string; preferredTime?: string; message?: string };
type RequestInput =
  | { source: 'new_request'; boardId: number; subject: string; message: string; clientId?: string; callback?: CallbackInput }
  | { source: 'ticket'; ticketId: number; message?: string; clientId?: string };

/**
 * Starts a chat, or returns the user's open one for the same ticket / new request.
 * The unique `open_key` settles two simultaneous requests in the database.
 */
export async function requestChat(ctx: Ctx, user: PortalActor, input: RequestInput): Promise<{ chat: PortalChatView; existing: boolean }> {
  let boardId: number;
  let companyId = user.companyId;
  let subject: string;
  let ticket: { id: number; assigned_tech_id: number | null } | null = null;
  if (input.source === 'ticket') {
    const t = await findTicket(ctx.db, input.ticketId);
    if (!t) throw new NotFound('Ticket');
    authorize(user, 'ticket.start_chat', t);
    if (t.status === 'closed') throw new Conflict('ticket_closed', 'This ticket is closed; start a new request instead');
    boardId = Number(t.board_id);
    companyId = Number(t.company_id);
    subject = `Ticket #${t.id}: ${t.summary}`;
    ticket = { id: Number(t.id), assigned_tech_id: t.assigned_tech_id === null ? null : Number(t.assigned_tech_id) };
  } else {
    if (!(await boardOfferedTo(ctx.db, user.companyId, input.boardId))) throw new NotFound('Board');
    boardId = input.boardId;
    subject = input.subject;
  }
  const openKey = ticket ? `t:${ticket.id}` : `u:${user.id}`;
  const existing = await openChatIdByKey(ctx.db, openKey);
  if (existing !== null) return { chat: await getChatView(ctx.db, user, existing), existing: true };

  const now = ctx.now();
  // Checked before the insert, not inside its transaction: two requests at once can both pass,
  // but a user holds only one open new-request chat (and one per ticket), which bounds that.
  const wait = requestWait(await requestTimesOf(ctx.db, user.id, now - REQUESTS_WINDOW_MS, 100), now);
  if (wait > 0) throw new TooManyRequests(wait);
  const scope = { board_id: boardId, company_id: companyId };
  const eligible = await alertableTechs(ctx, scope);
  const assigned = ticket?.assigned_tech_id ?? null;
  const assignedFirst = assigned !== null && eligible.includes(assigned) && (await ctx.presence.isTechOnline(assigned));
  const userOnline = await ctx.presence.isPortalOnline(user.id);
  try {
    return await inTransaction(ctx, async (trx, outbox) => {
      const chat = await insertChat(trx, {
        source: input.source,
        ticket_id: ticket?.id ?? null,
        board_id: boardId,
        company_id: companyId,
        requester_id: user.id,
        subject,
        status: 'waiting',
        open_key: openKey,
        last_seq: 0,
        requested_at: now,
        alert_stage: assignedFirst ? 'assigned' : 'all',
        alert_all_at: assignedFirst ? now + ctx.config.delays.assignedFirstMs : null,
        assigned_alert_tech_id: assignedFirst ? assigned : null,
        offer_at: now + ctx.config.delays.waitOfferMs,
        grace_at: userOnline ? null : now + ctx.config.delays.disconnectGraceMs,
        offer_count: 0,
        co_techs: null,
      });
      const chatId = Number(chat.id);
      await insertTransition(trx, {
        chat_id: chatId,
        event: 'request',
        from_status: null,
        to_status: 'waiting',
        actor_kind: 'portal',
        actor_id: user.id,
        at: now,
      });
      await startMetrics(trx, chat);
      if (input.message) await appendMessage(trx, outbox, chatId, { kind: 'portal', id: user.id, name: user.name }, input.message, input.clientId ?? null, now);
      if (input.source === 'new_request' && input.callback) {
        // Asked for a callback up front: nobody is alerted for a chat that waits for nobody.
        outbox.add('chat.requested', { chatId, alert: null });
        await applyTransition(trx, chat, 'request_callback', { kind: 'portal', id: user.id }, callbackPatch(input.callback, now), now);
        outbox.add('chat.callback_requested', { chatId });
      } else {
        outbox.add('chat.requested', { chatId, alert: { stage: assignedFirst ? 'assigned' : 'all', techIds: assignedFirst ? [assigned!] : eligible } });
      }
      return { chat: presentPortalChat(await chatRowIn(trx, chatId)), existing: false };
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const winner = await openChatIdByKey(ctx.db, openKey);
    if (winner === null) throw e;
    return { chat: await getChatView(ctx.db, user, winner), existing: true };
  }
}

/** The techs a waiting chat alerts: available, with access, and below the limit of active chats. */
export function alertableTechs(ctx: Ctx, scope: Scoped): Promise<number[]> {
  return techsWithAccess(ctx.db, scope, { availableOnly: true, maxActiveChats: ctx.config.maxActiveChatsPerTech });
}

/**
 * With a limit of active chats per tech: the tech's joins are serialised (their row locked, on
 * PostgreSQL across nodes; SQLite writes one transaction at a time), then counted. `name`: said
 * of another tech (a transfer offered to them), else the refusal speaks to the tech.
 */
export async function assertBelowLimit(trx: Tx, ctx: Ctx, techId: number, name?: string) {
  const limit = ctx.config.maxActiveChatsPerTech;
  if (!limit) return;
  if (ctx.dialect === 'postgres') await lockTech(trx, techId);
  const active = await activeChatCount(trx, techId);
  if (active < limit) return;
  const message = name
    ? `${name} has ${active} active chats, the most allowed (${limit})`
    : `You have ${active} active chats, the most allowed (${limit}): end one before joining another`;
  throw new Conflict('chat_limit_reached', message, { active, limit });
}

/** Joins a waiting chat: exactly one tech wins (a conditional update); the loser is told who won. */
export async function joinChat(ctx: Ctx, tech: TechActor, chatId: number): Promise<TechChatView> {
  try {
    return await inTransaction(ctx, async (trx, outbox) => {
      await assertBelowLimit(trx, ctx, tech.id);
      const chat = await chatForCommand(trx, tech, chatId, 'chat.join');
      const now = ctx.now();
      const joined = await applyTransition(
        trx,
        chat,
        'join',
        { kind: 'tech', id: tech.id },
        { tech_id: tech.id, joined_at: now, alert_all_at: null, offer_at: null, grace_at: null },
        now,
      );
      // Joined first: the tech's connections enter the chat's stream before its first message.
      outbox.add('chat.joined', { chatId, techId: tech.id });
      const { view } = await appendMessage(trx, outbox, chatId, { kind: 'system', id: null, name: null }, `${tech.name} joined the chat`, null, now);
      return presentTechChat({ ...chat, ...joined, last_seq: view.seq, tech_name: tech.name }, 'joined_tech');
    });
  } catch (e) {
    if (e instanceof AppError && e.code === 'already_joined' && e.details?.techId) {
      const winner = await techName(ctx.db, Number(e.details.techId));
      throw new Conflict('already_joined', `${winner ?? 'Another tech'} already joined this chat (it is ${e.details.state})`, {
        ...e.details,
        techName: winner ?? null,
      });
    }
    throw e;
  }
}

export async function keepWaiting(ctx: Ctx, user: PortalActor, chatId: number): Promise<PortalChatView> {
  return inTransaction(ctx, async (trx, outbox) => {
    const chat = await chatForCommand(trx, user, chatId, 'chat.keep_waiting');
    const now = ctx.now();
    const kept = await applyTransition(trx, chat, 'keep_waiting', { kind: 'portal', id: user.id }, { offer_at: now + ctx.config.delays.waitOfferMs }, now);
    outbox.add('chat.waiting_kept', { chatId });
    return presentPortalChat({ ...chat, ...kept });
  });
}

/** The user leaves: a waiting chat becomes abandoned, an active one stays for the tech to end. */
/**
 * The requester leaves: a waiting chat is abandoned, an active one records the leave. A leave that
 * meets a join committed after it read the chat waiting is not refused: it is the leave of an
 * active chat now, and runs again as one (leaving is allowed in both states).
 */
export async function leaveChat(ctx: Ctx, user: PortalActor, chatId: number): Promise<PortalChatView> {
  try {
    return await leaveOnce(ctx, user, chatId);
  } catch (e) {
    if (e instanceof AppError && e.code === 'invalid_transition' && (e.details as { state?: string } | undefined)?.state === 'active')
      return leaveOnce(ctx, user, chatId);
    throw e;
  }
}

function leaveOnce(ctx: Ctx, user: PortalActor, chatId: number): Promise<PortalChatView> {
  return inTransaction(ctx, async (trx, outbox) => {
    const chat = await chatForCommand(trx, user, chatId, 'chat.leave');
    const now = ctx.now();
    if (chat.status === 'active') {
      // Claimed with a conditional update: of two leaves at once, one records it and the other is a no-op.
      const claimed = await claimLeave(trx, chatId, now);
      if (!claimed) {
        const current = await chatRowIn(trx, chatId);
        // Transferred to a board meanwhile (back to waiting): leaving now abandons it, as any waiting chat.
        if (current.status === 'waiting')
          return presentPortalChat({ ...current, ...(await abandon(trx, outbox, current, { kind: 'portal', id: user.id }, 'left', now)) });
        return presentPortalChat(current);
      }
      await applyTransition(trx, claimed, 'leave', { kind: 'portal', id: user.id }, {}, now);
      await appendMessage(trx, outbox, chatId, { kind: 'system', id: null, name: null }, `${user.name} left the chat`, null, now);
      outbox.add('chat.user_left', { chatId });
      return presentPortalChat(await chatRowIn(trx, chatId));
    }
    const left = await abandon(trx, outbox, chat, { kind: 'portal', id: user.id }, 'left', now);
    return presentPortalChat({ ...chat, ...left });
  });
}

/** A chat that leaves the waiting state disarms its timers and frees its "one open chat" key. */
export const LEAVE_WAITING = { open_key: null, alert_all_at: null, offer_at: null, grace_at: null } as const;

export async function abandon(
  trx: Tx,
  outbox: Outbox,
  chat: Chat,
  actor: { kind: 'portal' | 'system'; id: number | null },
  reason: 'left' | 'disconnected',
  now: number,
): Promise<Chat> {
  const abandoned = await applyTransition(trx, chat, 'leave', actor, { ...LEAVE_WAITING, abandoned_at: now, left_at: now, abandon_reason: reason }, now);
  outbox.add('chat.abandoned', { chatId: Number(chat.id), reason });
  return abandoned;
}

function callbackPatch(input: CallbackInput, now: number) {
  return {
    ...LEAVE_WAITING,
    callback_at: now,
    callback_phone: input.phone,
    callback_time: input.preferredTime || null,
    callback_message: input.message || null,
  };
}

export async function requestCallback(ctx: Ctx, user: PortalActor, chatId: number, input: CallbackInput): Promise<PortalChatView> {
  return inTransaction(ctx, async (trx, outbox) => {
    const chat = await chatForCommand(trx, user, chatId, 'chat.callback');
    const now = ctx.now();
    const changed = await applyTransition(trx, chat, 'request_callback', { kind: 'portal', id: user.id }, callbackPatch(input, now), now);
    outbox.add('chat.callback_requested', { chatId });
    return presentPortalChat({ ...chat, ...changed });
  });
}
