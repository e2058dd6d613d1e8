import { type AppError, Conflict, InvalidTransition, NotFound } from '../errors.js';
import { decide, type ActorKind, type ChatEvent } from '../domain/chat-machine.js';
import type { Tx } from '../db/database.js';
import type { Chat, ChatsTable } from '../db/schema.js';
import type { Updateable } from 'kysely';
import type { Actor } from '../policies/access.js';
import { authorize, LIFECYCLE, requesterLeft, stateAllows, type ChatAction } from '../policies/rules.js';
import { chatRowIn } from './chat-queries.js';
import { findChat, insertTransition, updateChatIfStatus, type ChatGuard } from '../db/repositories/chats.js';
import type { ChatRow } from './presenters.js';
import { recordTransition } from './chat-metrics.js';

export type TransitionActor = { kind: ActorKind; id: number | null };

/**
 * The only place a chat's status changes. Asks the pure machine, then applies the change with a
 * conditional update on the status it read, so of two racing requests exactly one wins and the
 * other is refused with the state it lost to. A `guard` also requires those columns unchanged (who
 * is in the chat, whether the requester left). Records the transition in the same transaction.
 */
export async function applyTransition(
  trx: Tx,
  chat: Chat,
  event: ChatEvent,
  actor: TransitionActor,
  patch: Updateable<ChatsTable>,
  now: number,
  guard: ChatGuard = {},
): Promise<Chat> {
  const d = decide(chat.status, event, actor.kind);
  if (!d.ok) throw refusal(chat, event);
  const updated = await updateChatIfStatus(trx, chat.id, chat.status, { ...patch, status: d.to }, guard);
  if (!updated) {
    const current = await findChat(trx, chat.id);
    if (!current) throw new NotFound('Chat');
    if (current.status === chat.status && Object.keys(guard).length)
      throw new Conflict('invalid_transition', 'The chat changed meanwhile; look again and retry', { state: current.status, event, changed: true });
    throw refusal(current, event);
  }
  if (d.from !== d.to || event !== 'message') {
    await insertTransition(trx, { chat_id: chat.id, event, from_status: d.from, to_status: d.to, actor_kind: actor.kind, actor_id: actor.id, at: now });
  }
  // The report measures this change closes (docs/metrics.md), in the same transaction.
  await recordTransition(trx, chat, updated, event, actor.id, now);
  return updated;
}

export function refusal(chat: Pick<Chat, 'status' | 'tech_id'> & { left_at?: number | null }, event: ChatEvent): AppError {
  const details: Record<string, unknown> = {};
  if (chat.tech_id !== null) details.techId = Number(chat.tech_id);
  if (event === 'message' && requesterLeft(chat)) {
    return new Conflict('invalid_transition', 'You left this chat; it stays open only for the technician to end it', {
      state: chat.status,
      event,
      left: true,
      ...details,
    });
  }
  if (event === 'join' && chat.status !== 'waiting' && chat.tech_id !== null) {
    return new Conflict('already_joined', `Another tech already joined this chat (it is ${chat.status})`, {
      state: chat.status,
      event,
      ...details,
    });
  }
  return new InvalidTransition(event, chat.status, details);
}

/**
 * The chat a command acts on, read with its names inside the command's transaction, once the
 * actor may do `action` to it. Refusals come in the order a user understands them: a chat they
 * may not see is not found; then a state that does not allow the action names that state; then a
 * rule that does not let *this* actor do it says so.
 */
export async function chatForCommand(trx: Tx, actor: Actor, chatId: number, action: ChatAction): Promise<ChatRow> {
  const chat = await chatRowIn(trx, chatId);
  authorize(actor, 'chat.view', chat);
  const event = LIFECYCLE[action];
  if (event && !stateAllows(action, chat, actor.kind)) throw refusal(chat, event);
  authorize(actor, action, chat);
  return chat;
}
