/**
 * Mail about a chat to its requester (services/mail.ts queues, the job runner sends): the
 * transcript, when they ask for it once the chat has ended; and the tech's note, when a tech
 * completing an abandoned or callback chat ticks "Send the note to the user".
 */
import type { Tx } from '../db/database.js';
import type { Outbox } from '../events/bus.js';
import { Conflict, NotFound } from '../errors.js';
import type { PortalActor } from '../policies/access.js';
import { getVisibleChatRow } from './chat-queries.js';
import { inTransaction, type Ctx } from './context.js';
import { queueMail } from './mail.js';
import { buildTranscript } from './transcripts.js';

/** Whom a chat's mail goes to: its requester, unless they were erased or deactivated. */
async function requesterAddress(trx: Tx, requesterId: number): Promise<string | null> {
  const u = await trx.selectFrom('portal_users').select(['email', 'active', 'erased_at']).where('id', '=', requesterId).executeTakeFirst();
  return u && Number(u.active) === 1 && u.erased_at === null ? u.email : null;
}

/** The transcript of the requester's own ended chat, by mail to their address; asked twice, sent once. */
export async function mailTranscript(ctx: Ctx, user: PortalActor, chatId: number): Promise<{ to: string }> {
  return inTransaction(ctx, async (trx, outbox) => {
    const chat = await getVisibleChatRow(trx, user, chatId);
    // Only one's own chats, even where a company's users may see each other's.
    if (Number(chat.requester_id) !== user.id) throw new NotFound('Chat');
    if (chat.status !== 'completed')
      throw new Conflict('invalid_transition', `The transcript can be sent once the chat has ended; it is ${chat.status}`, { state: chat.status });
    if (chat.messages_purged_at !== null) throw new Conflict('invalid_transition', 'The messages of this chat were removed', { state: 'messages_removed' });
    const to = await requesterAddress(trx, user.id);
    if (!to) throw new NotFound('Chat');
    const { text } = await buildTranscript(trx, chatId);
    await queueMail(trx, outbox, ctx.config, {
      purpose: 'transcript',
      to,
      subject: `Transcript of your chat: ${chat.subject}`,
      text: `Here is the transcript of your chat #${chatId}, as you asked.\n\n${text}`,
      now: ctx.now(),
      dedupeKey: `transcript:${chatId}`,
    });
    return { to };
  });
}

/** Queues the tech's note on a completed abandoned or callback chat to its requester (in the completion's transaction). */
export async function queueNoteMail(
  trx: Tx,
  outbox: Outbox,
  ctx: Ctx,
  chat: { id: number; requester_id: number; subject: string },
  tech: { name: string },
  note: string,
): Promise<void> {
  const to = await requesterAddress(trx, Number(chat.requester_id));
  if (!to) return;
  await queueMail(trx, outbox, ctx.config, {
    purpose: 'note',
    to,
    subject: `About your request: ${chat.subject}`,
    text: `${tech.name} followed up on your request "${chat.subject}":\n\n${note}\n`,
    now: ctx.now(),
    dedupeKey: `note:${chat.id}`,
  });
}
