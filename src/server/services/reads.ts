/**
 * "Seen" (SPEC Part 2, "Seen and unread"): each side of a chat tells how far it has read; the
 * mark only moves forward, never past the last message, and the other side is told.
 */
import type { Ctx } from './context.js';
import type { Actor } from '../policies/access.js';
import { authorize } from '../policies/rules.js';
import { getVisibleChatScope } from './chat-queries.js';
import { advanceReadSeq } from '../db/repositories/chats.js';

export async function markRead(ctx: Ctx, actor: Actor, chatId: number, seq: number): Promise<{ seq: number | null }> {
  const chat = await getVisibleChatScope(ctx.db, actor, chatId);
  // The two sides of the chat only: a tech watching without joining is no participant.
  authorize(actor, 'chat.read', chat);
  const by = actor.kind === 'portal' ? 'requester' : 'tech';
  const moved = await advanceReadSeq(ctx.db, chatId, by, seq);
  if (moved !== null) ctx.bus.publish('chat.read', { chatId, requesterId: Number(chat.requester_id), by, seq: moved });
  return { seq: moved };
}
