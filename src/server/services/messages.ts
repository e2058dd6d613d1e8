import { NotFound } from '../errors.js';
import type { Tx } from '../db/database.js';
import type { Message } from '../db/schema.js';
import { bumpSeq, insertMessage } from '../db/repositories/messages.js';
import type { Actor } from '../policies/access.js';
import { authorize, can, stateAllows } from '../policies/rules.js';
import type { Ctx } from './context.js';
import { lastSeenScope, submitSend } from './message-batches.js';
import { refusal } from './transition.js';
import { getVisibleChatScope } from './chat-queries.js';
import { presentMessage } from './presenters.js';
import type { MessageView } from '../../shared/views.js';
import type { Outbox } from '../events/bus.js';

/** Who writes; the name goes with the message to the live stream, so delivery needs no re-read. */
type Author = { kind: 'portal' | 'tech' | 'system'; id: number | null; name: string | null };

/**
 * Appends one message with the chat's next `seq`, inside a transaction that has already decided
 * the author may write (a request's first message, a system line). The counter update locks the
 * chat row, so concurrent appends queue behind each other and `seq` has no gaps or repeats.
 * Messages people send go through the batches of message-batches.ts instead.
 */
export async function appendMessage(
  trx: Tx,
  outbox: Outbox,
  chatId: number,
  author: Author,
  body: string,
  clientId: string | null,
  now: number,
): Promise<{ message: Message; view: MessageView }> {
  const [counter] = await bumpSeq(trx, chatId);
  if (!counter) throw new NotFound('Chat');
  const [message] = await insertMessage(trx, chatId, counter.last_seq, author.kind, author.id, body, clientId, now);
  if (!message) throw new Error('message insert returned no row');
  // Presented once: the same view goes to the live stream and back to the sender.
  const view = presentMessage({ ...message, author_name: author.name });
  outbox.add('message.created', { chatId, messageId: view.id, seq: view.seq, message: view, participants: { requesterId: Number(counter.requester_id) } });
  return { message, view };
}

/**
 * A message from the requester or the joined tech. The checks before the send is queued use the
 * scope the chat's last batch saw (no read in steady state) or one read; they refuse who may not
 * see or write in the chat. Every send of a writer then counts against the limiter, whatever
 * state the scope says the chat is in: that scope may be stale (a join elsewhere), and a send the
 * batch refuses still costs a row look-up, so neither may come in unmetered. The batch
 * (message-batches.ts) then decides on the chat's locked row: a retry of a stored message is
 * answered with it, even after the chat moved on.
 */
export async function sendMessage(ctx: Ctx, actor: Actor, chatId: number, body: string, clientId: string) {
  await checkWriter(ctx, actor, chatId);
  await takeSend(ctx, actor);
  return submitSend(ctx, { actor, chatId, body, clientId, now: ctx.now() });
}

/** Refuses, before anything is queued or stored, who may not write in the chat (a chat that is over says so first, as the batch would). */
export async function checkWriter(ctx: Ctx, actor: Actor, chatId: number): Promise<void> {
  const seen = lastSeenScope(ctx.db, chatId);
  const chat = seen && can(actor, 'chat.write', seen) ? seen : await getVisibleChatScope(ctx.db, actor, chatId);
  if (!stateAllows('chat.write', chat, actor.kind) && !can(actor, 'chat.write', chat)) throw refusal(chat, 'message');
  authorize(actor, 'chat.write', chat);
}

/** One send against the writer's rate limit: synchronous on one node; with Redis the whole cluster's bucket is asked. */
export async function takeSend(ctx: Ctx, actor: Actor): Promise<void> {
  const limited = ctx.limits.send.take(`${actor.kind}:${actor.id}`, ctx.now());
  if (limited) await limited;
}
