/**
 * The requester's rating of a chat (SPEC Part 2, "Rating"): 1 to 5 with an optional comment,
 * once, after the chat ended with a tech in it. Shown on the completed chat to both sides and
 * filterable in search.
 */
import { Conflict, InvalidTransition } from '../errors.js';
import type { PortalActor } from '../policies/access.js';
import { authorize, stateAllows } from '../policies/rules.js';
import { claimRating } from '../db/repositories/chats.js';
import { type Ctx, inTransaction } from './context.js';
import { getVisibleChatRow } from './chat-queries.js';
import { recordRating } from './chat-metrics.js';

export async function rateChat(ctx: Ctx, actor: PortalActor, chatId: number, input: { score: number; comment?: string }) {
  await inTransaction(ctx, async (trx, outbox) => {
    const chat = await getVisibleChatRow(trx, actor, chatId);
    authorize(actor, 'chat.rate', chat);
    if (chat.rating != null) throw new Conflict('duplicate', 'You have rated this chat already');
    if (!stateAllows('chat.rate', chat, 'portal'))
      throw new InvalidTransition('rate', chat.status, chat.status === 'completed' ? { reason: 'nobody_joined' } : undefined);
    // Of two ratings at once, one gets in.
    if (!(await claimRating(trx, chatId, input.score, input.comment || null, ctx.now()))) throw new Conflict('duplicate', 'You have rated this chat already');
    await recordRating(trx, chatId, input.score);
    outbox.add('chat.rated', { chatId });
  });
}
