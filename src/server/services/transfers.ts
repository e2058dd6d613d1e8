/**
 * Transfer and invite (SPEC "The tech's workspace"). A tech in an active chat can:
 * - offer it to another tech with access, to take their place in it (transfer) or to join in
 *   beside them (invite). The other tech accepts or declines; no answer within
 *   CHAT_TRANSFER_ANSWER_SECONDS (60 s) leaves it as it was. One pending offer per chat.
 * - transfer it to a board: it goes back to waiting there with its history, and that board's
 *   eligible techs are alerted as for a new request.
 * Every change is a transition and a line in the chat that both sides see.
 *
 * Races settle in the database, and every writer takes the chat's row before the offer's: making
 * an offer updates the chat on who is in it as read (a guard) before inserting it; accepting
 * updates the chat the same way, then the offer on `pending`; declining, withdrawing and expiring
 * lock the chat, then settle the offer; ending or transferring the chat withdraws its pending
 * offer after updating the chat. On PostgreSQL they queue rather than deadlock, and exactly one
 * outcome stands.
 */
import { type AppError, Conflict, NotFound } from '../errors.js';
import { isUniqueViolation, type Tx } from '../db/database.js';
import type { Outbox } from '../events/bus.js';
import { loadTechActor, techsWithAccess, type TechActor } from '../policies/access.js';
import { authorize, can, coTechs, requesterLeft, techsInChat } from '../policies/rules.js';
import { inTransaction, type Ctx } from './context.js';
import { applyTransition, chatForCommand } from './transition.js';
import { appendMessage } from './messages.js';
import { alertableTechs, assertBelowLimit } from './chats.js';
import { chatRowIn, getVisibleChatScope } from './chat-queries.js';
import { presentTechChat, iso, type ChatRow } from './presenters.js';
import { insertTransition, lockChat, sameTechs, updateChatIfStatus } from '../db/repositories/chats.js';
import { boardName, boardOfferedTo, boardsOfCompany } from '../db/repositories/organisation.js';
import { techsByIds } from '../db/repositories/people.js';
import { dueOffers, findOffer, insertOffer, pendingOffersTo, settleOffer, withdrawPendingOffer, type OfferRow } from '../db/repositories/offers.js';
import type { OfferView, TechChatView, TransferTargets } from '../../shared/views.js';

const SYSTEM = { kind: 'system', id: null, name: null } as const;
type OfferKind = 'transfer' | 'invite';
type Settled = 'declined' | 'expired' | 'withdrawn';

/** Offers the chat to another tech: to take it over (`transfer`) or to join in (`invite`). */
export async function offerChat(ctx: Ctx, tech: TechActor, chatId: number, input: { kind: OfferKind; techId: number }): Promise<TechChatView> {
  try {
    return await inTransaction(ctx, async (trx, outbox) => {
      const chat = await chatForCommand(trx, tech, chatId, input.kind === 'transfer' ? 'chat.transfer' : 'chat.invite');
      const target = await loadTechActor(trx, input.techId);
      // A tech who may not see the chat is, to the offering tech, not there to offer it to.
      if (!target || !can(target, 'chat.view', chat)) throw new NotFound('Tech');
      if (techsInChat(chat).includes(target.id)) throw new Conflict('already_in_chat', `${target.name} is already in this chat`);
      if (!target.available) throw new Conflict('tech_unavailable', `${target.name} is set to Do not disturb`);
      await assertBelowLimit(trx, ctx, target.id, target.name);
      // The chat as read, locked (and its version raised: its view now shows the offer). An end, a
      // transfer or an accept that committed meanwhile refuses the offer here, so none outlives them.
      if (!(await updateChatIfStatus(trx, chatId, 'active', {}, sameTechs(chat))))
        throw new Conflict('invalid_transition', 'The chat changed meanwhile; look again and retry', { changed: true });
      const now = ctx.now();
      const offer = await insertOffer(trx, {
        chat_id: chatId,
        kind: input.kind,
        from_tech_id: tech.id,
        to_tech_id: target.id,
        status: 'pending',
        created_at: now,
        expires_at: now + ctx.config.delays.transferAnswerMs,
        answered_at: null,
      });
      await record(trx, chat, `offer_${input.kind}`, tech.id, now);
      outbox.add('chat.offered', { chatId, offerId: Number(offer.id) });
      return presentTechChat(await chatRowIn(trx, chatId), 'joined_tech');
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new Conflict('offer_pending', 'This chat already has an offer waiting for an answer: withdraw it first');
    throw e;
  }
}

/** The offered tech takes the chat over, or joins in beside the techs already there. */
export async function acceptOffer(ctx: Ctx, tech: TechActor, offerId: number): Promise<TechChatView> {
  return inTransaction(ctx, async (trx, outbox) => {
    const offer = await pendingOfferFor(trx, tech, offerId, 'offer.answer');
    const chat = await chatForCommand(trx, tech, Number(offer.chat_id), 'chat.view');
    const from = Number(offer.from_tech_id);
    const inChat = techsInChat(chat);
    // The tech who offered it has left it meanwhile (transferred it elsewhere): nothing to take.
    if (!inChat.includes(from)) throw new Conflict('offer_settled', 'This offer is no longer valid: the chat has moved on', { status: 'withdrawn' });
    await assertBelowLimit(trx, ctx, tech.id);
    const now = ctx.now();
    const me = { id: tech.id, name: tech.name };
    const others = coTechs(chat).filter((t) => t.id !== tech.id);
    // A transfer puts the new tech in the place of the one who offered it (the lead's, or an invited tech's).
    const patch =
      offer.kind === 'invite'
        ? { co_techs: JSON.stringify([...others, me]) }
        : Number(chat.tech_id) === from
          ? { tech_id: tech.id, co_techs: listOrNull(others) }
          : { co_techs: listOrNull(others.map((t) => (t.id === from ? me : t))) };
    await applyTransition(trx, chat, offer.kind === 'invite' ? 'add_tech' : 'hand_over', { kind: 'tech', id: tech.id }, patch, now, sameTechs(chat));
    // After the chat row (the order every writer here follows): of an accept and an expiry, one wins.
    if (!(await settleOffer(trx, offerId, 'accepted', now))) throw await offerGone(trx, offerId);
    outbox.add('chat.joined', { chatId: Number(chat.id), techId: tech.id });
    outbox.add('offer.settled', { chatId: Number(chat.id), offerId, status: 'accepted' });
    const line = offer.kind === 'invite' ? `${tech.name} joined the chat` : `${offer.from_name} transferred the chat to ${tech.name}`;
    await appendMessage(trx, outbox, Number(chat.id), SYSTEM, line, null, now);
    return presentTechChat(await chatRowIn(trx, Number(chat.id)), 'joined_tech');
  });
}

/**
 * A tech steps out of a chat that another tech in it carries on (after an invite): the chat stays
 * active with the others. When the lead steps out, the first invited tech leads it from then on.
 * The last tech in a chat ends or transfers it instead (`last_tech_in_chat`). An offer this tech
 * made for the chat is withdrawn with it.
 */
export async function stepOut(ctx: Ctx, tech: TechActor, chatId: number): Promise<TechChatView> {
  return inTransaction(ctx, async (trx, outbox) => {
    const chat = await chatForCommand(trx, tech, chatId, 'chat.step_out');
    const others = coTechs(chat).filter((t) => t.id !== tech.id);
    const lead = Number(chat.tech_id) === tech.id;
    if (techsInChat(chat).length < 2) throw new Conflict('last_tech_in_chat', 'You are the only tech in this chat: end it or transfer it instead');
    const now = ctx.now();
    const patch = lead ? { tech_id: others[0].id, co_techs: listOrNull(others.slice(1)) } : { co_techs: listOrNull(others) };
    await applyTransition(trx, chat, 'remove_tech', { kind: 'tech', id: tech.id }, patch, now, sameTechs(chat));
    const withdrawn = await withdrawPendingOffer(trx, chatId, now, tech.id);
    if (withdrawn) outbox.add('offer.settled', { chatId, offerId: Number(withdrawn.id), status: 'withdrawn' });
    await appendMessage(trx, outbox, chatId, SYSTEM, `${tech.name} left the chat`, null, now);
    outbox.add('chat.tech_left', { chatId, techId: tech.id });
    return presentTechChat(await chatRowIn(trx, chatId), 'tech_with_access');
  });
}

/** The offered tech says no: the chat stays as it is. */
export function declineOffer(ctx: Ctx, tech: TechActor, offerId: number): Promise<void> {
  return settleBy(ctx, tech, offerId, 'offer.answer', 'declined');
}

/** The tech who offered it takes the offer back. */
export function withdrawOffer(ctx: Ctx, tech: TechActor, offerId: number): Promise<void> {
  return settleBy(ctx, tech, offerId, 'offer.withdraw', 'withdrawn');
}

async function settleBy(ctx: Ctx, tech: TechActor, offerId: number, action: 'offer.answer' | 'offer.withdraw', status: Settled) {
  await inTransaction(ctx, async (trx, outbox) => {
    const offer = await pendingOfferFor(trx, tech, offerId, action);
    // The chat row first, as every writer of a chat and its offer (no deadlock with an end).
    await lockChat(trx, Number(offer.chat_id), ctx.dialect);
    const now = ctx.now();
    if (!(await settleOffer(trx, offerId, status, now))) throw await offerGone(trx, offerId);
    const chat = await chatRowIn(trx, Number(offer.chat_id));
    await record(trx, chat, `offer_${status}`, tech.id, now);
    outbox.add('offer.settled', { chatId: Number(offer.chat_id), offerId, status });
  });
}

/** Transfers the chat to a board: back to waiting there, with its history; that board's techs are alerted. */
export async function transferToBoard(ctx: Ctx, tech: TechActor, chatId: number, boardId: number): Promise<TechChatView> {
  const scope = await getVisibleChatScope(ctx.db, tech, chatId);
  // Its eligible techs, chosen before the transaction as for a new request; not those handing it on.
  const eligible = await alertableTechs(ctx, { board_id: boardId, company_id: Number(scope.company_id) });
  const requesterOnline = await ctx.presence.isPortalOnline(Number(scope.requester_id));
  return inTransaction(ctx, async (trx, outbox) => {
    const chat = await chatForCommand(trx, tech, chatId, 'chat.transfer');
    const name = await boardName(trx, boardId);
    if (name === undefined || (boardId !== Number(chat.board_id) && !(await boardOfferedTo(trx, Number(chat.company_id), boardId))))
      throw new NotFound('Board');
    if (requesterLeft(chat))
      throw new Conflict('invalid_transition', `${chat.requester_name} left the chat: end it instead`, { state: chat.status, left: true });
    const now = ctx.now();
    const before = techsInChat(chat);
    await applyTransition(
      trx,
      chat,
      'transfer',
      { kind: 'tech', id: tech.id },
      {
        board_id: boardId,
        tech_id: null,
        co_techs: null,
        alert_stage: 'all',
        assigned_alert_tech_id: null,
        alert_all_at: null,
        offer_at: now + ctx.config.delays.waitOfferMs,
        offer_count: 0,
        grace_at: requesterOnline ? null : now + ctx.config.delays.disconnectGraceMs,
      },
      now,
      { ...sameTechs(chat), left_at: null },
    );
    await withdrawOffers(trx, outbox, chatId, now);
    await appendMessage(trx, outbox, chatId, SYSTEM, `${tech.name} transferred the chat to ${name}: the next tech there will take it`, null, now);
    outbox.add('chat.transferred', { chatId, techIds: eligible.filter((id) => !before.includes(id)), formerTechIds: before });
    // A tech who may not see the chat on its new board is told where it went, and may do nothing more with it.
    return presentTechChat(await chatRowIn(trx, chatId), can(tech, 'chat.view', { ...chat, board_id: boardId }) ? 'tech_with_access' : 'none');
  });
}

/** The chat ended or moved on: its pending offer, if any, is withdrawn (inside the same transaction). */
export async function withdrawOffers(trx: Tx, outbox: Outbox, chatId: number, now: number) {
  const withdrawn = await withdrawPendingOffer(trx, chatId, now);
  if (withdrawn) outbox.add('offer.settled', { chatId, offerId: Number(withdrawn.id), status: 'withdrawn' });
}

/** Whom this tech, in the chat, may offer it to: techs with access but not in it, and the boards of its company. */
export async function transferTargets(ctx: Ctx, tech: TechActor, chatId: number): Promise<TransferTargets> {
  const chat = await chatForCommand(ctx.db, tech, chatId, 'chat.transfer');
  const inChat = techsInChat(chat);
  const ids = (await techsWithAccess(ctx.db, chat, { availableOnly: false })).filter((id) => !inChat.includes(id));
  const [techs, boards, online] = await Promise.all([
    techsByIds(ctx.db, ids),
    boardsOfCompany(ctx.db, Number(chat.company_id)),
    ctx.presence.techsOnline ? ctx.presence.techsOnline() : Promise.resolve(null),
  ]);
  return {
    // Online: with the console open on any node (null: not known now, e.g. a cluster without Redis).
    techs: techs.map((t) => ({ id: Number(t.id), name: t.name, available: t.available === 1, online: online ? online.has(Number(t.id)) : null })),
    boards: boards.map((b) => ({ id: Number(b.id), name: b.name })),
  };
}

/** The pending offers made to this tech (after a reload the console shows them again). */
export async function myOffers(ctx: Ctx, tech: TechActor): Promise<OfferView[]> {
  const offers = await pendingOffersTo(ctx.db, tech.id, ctx.now());
  const views: OfferView[] = [];
  for (const o of offers) {
    const chat = await chatRowIn(ctx.db, Number(o.chat_id));
    if (can(tech, 'chat.view', chat)) views.push(presentOffer(o, chat, tech));
  }
  return views;
}

/** An offer, with the chat as `viewer` may see it. */
export function presentOffer(o: OfferRow, chat: ChatRow, viewer: TechActor): OfferView {
  return {
    id: Number(o.id),
    chatId: Number(o.chat_id),
    kind: o.kind,
    status: o.status,
    from: { id: Number(o.from_tech_id), name: o.from_name },
    to: { id: Number(o.to_tech_id), name: o.to_name },
    expiresAt: iso(o.expires_at)!,
    chat: presentTechChat(chat, techsInChat(chat).includes(viewer.id) ? 'joined_tech' : 'tech_with_access'),
  };
}

/** Offers whose minute ran out: the chat stays with whoever offered it. One node settles each. */
export async function expireOffers(ctx: Ctx, now: number, limit: number): Promise<number> {
  let expired = 0;
  for (const o of await dueOffers(ctx.db, now, limit)) {
    const done = await inTransaction(ctx, async (trx, outbox) => {
      await lockChat(trx, Number(o.chat_id), ctx.dialect);
      if (!(await settleOffer(trx, Number(o.id), 'expired', now))) return false;
      const chat = await chatRowIn(trx, Number(o.chat_id));
      await record(trx, chat, 'offer_expired', null, now);
      outbox.add('offer.settled', { chatId: Number(o.chat_id), offerId: Number(o.id), status: 'expired' });
      return true;
    });
    if (done) expired++;
  }
  return expired;
}

async function pendingOfferFor(trx: Tx, tech: TechActor, offerId: number, action: 'offer.answer' | 'offer.withdraw'): Promise<OfferRow> {
  const offer = await findOffer(trx, offerId);
  if (!offer) throw new NotFound('Offer');
  authorize(tech, action, offer);
  if (offer.status !== 'pending') throw settledError(offer.status);
  return offer;
}

async function offerGone(trx: Tx, offerId: number): Promise<AppError> {
  const now = await findOffer(trx, offerId);
  // Still pending but not accepted: its time ran out a moment ago (the sweep has not marked it yet).
  return settledError(now && now.status !== 'pending' ? now.status : 'expired');
}

const SETTLED_TEXT: Record<string, string> = {
  accepted: 'was already accepted',
  declined: 'was declined',
  expired: 'ran out of time',
  withdrawn: 'was withdrawn',
};
const settledError = (status: string) => new Conflict('offer_settled', `This offer ${SETTLED_TEXT[status] ?? 'is settled'}`, { status });

const listOrNull = (techs: { id: number; name: string }[]) => (techs.length ? JSON.stringify(techs) : null);

/** An offer's life is recorded beside the chat's transitions (its status does not change). */
function record(trx: Tx, chat: Pick<ChatRow, 'id' | 'status'>, event: string, techId: number | null, now: number) {
  return insertTransition(trx, {
    chat_id: Number(chat.id),
    event,
    from_status: chat.status,
    to_status: chat.status,
    actor_kind: techId === null ? 'system' : 'tech',
    actor_id: techId,
    at: now,
  });
}
