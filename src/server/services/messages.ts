import { NotFound } from '../errors.js';
import { isUniqueViolation, type Tx } from '../db/database.js';
import type { Message } from '../db/schema.js';
import { bumpSeq, bumpSeqForRequester, bumpSeqForTech, insertMessage, messageByClientId } from '../db/repositories/messages.js';
import { findChat } from '../db/repositories/chats.js';
import type { Actor } from '../policies/access.js';
import { authorize, can, forbidden, stateAllows } from '../policies/rules.js';
import { inGroupCommit, type Ctx } from './context.js';
import { refusal } from './transition.js';
import { getVisibleChatScope } from './chat-queries.js';
import { presentMessage } from './presenters.js';
import type { MessageView } from '../../shared/views.js';
import type { Outbox } from '../events/bus.js';

/** Who writes; the name goes with the message to the live stream, so delivery needs no re-read. */
type Author = { kind: 'portal' | 'tech' | 'system'; id: number | null; name: string | null };

/**
 * Appends a message with the next `seq`. The counter update locks the chat row, so concurrent
 * appends queue behind each other and `seq` has no gaps or repeats. `asWriter` makes the append
 * conditional on the author still being allowed to write at that moment (the chat active; the
 * requester not gone, the tech still the joined one): a leave or an end that committed between
 * the send's check and its append wins, and the send is refused with nothing written.
 */
export async function appendMessage(
  trx: Tx,
  outbox: Outbox,
  chatId: number,
  author: Author,
  body: string,
  clientId: string | null,
  now: number,
  asWriter = false,
): Promise<{ message: Message; view: MessageView }> {
  const [counter] = !asWriter
    ? await bumpSeq(trx, chatId)
    : author.kind === 'tech'
      ? await bumpSeqForTech(trx, chatId, author.id!)
      : await bumpSeqForRequester(trx, chatId);
  if (!counter) {
    const current = await findChat(trx, chatId);
    if (!current) throw new NotFound('Chat');
    if (author.kind === 'tech' && current.status === 'active' && Number(current.tech_id) !== author.id) throw forbidden('chat.write');
    throw refusal(current, 'message');
  }
  const [message] = await insertMessage(trx, chatId, counter.last_seq, author.kind, author.id, body, clientId, now);
  if (!message) throw new Error('message insert returned no row');
  // Presented once: the same view goes to the live stream and back to the sender.
  const view = presentMessage({ ...message, author_name: author.name });
  outbox.add('message.created', { chatId, messageId: view.id, seq: view.seq, message: view, participants: { requesterId: Number(counter.requester_id) } });
  return { message, view };
}

export async function sendMessage(ctx: Ctx, actor: Actor, chatId: number, body: string, clientId: string) {
  const chat = await getVisibleChatScope(ctx.db, actor, chatId);
  // Dedupe first: a retry must succeed even after the chat has moved on.
  const [prior] = await messageByClientId(ctx.db, chatId, actor.kind, actor.id, clientId);
  const writer = can(actor, 'chat.write', chat);
  if (prior && writer) return { message: presentMessage({ ...prior, author_name: actor.name }), duplicate: true };
  // The chat's state is named first: to a tech, a chat that is over is over, whoever joined it.
  if (!stateAllows('chat.write', chat, actor.kind)) throw refusal(chat, 'message');
  if (!writer) authorize(actor, 'chat.write', chat);
  // Synchronous on one node; with Redis the whole cluster's bucket is asked.
  const limited = ctx.limits.send.take(`${actor.kind}:${actor.id}`, ctx.now());
  if (limited) await limited;
  try {
    // A refusal (the chat is no longer active) comes before any write, as inGroupCommit requires.
    const { view } = await inGroupCommit(ctx, (trx, outbox) =>
      appendMessage(trx, outbox, chatId, { kind: actor.kind, id: actor.id, name: actor.name }, body, clientId, ctx.now(), true),
    );
    return { message: view, duplicate: false };
  } catch (e) {
    // The same client id committed meanwhile (a retry racing its original, maybe on another
    // node): the unique index refused this copy and the transaction, counter bump included, rolled back.
    if (isUniqueViolation(e)) {
      const [again] = await messageByClientId(ctx.db, chatId, actor.kind, actor.id, clientId);
      if (again) return { message: presentMessage({ ...again, author_name: actor.name }), duplicate: true };
    }
    throw e;
  }
}
