import type { FastifyReply } from 'fastify';
import { Conflict } from '../errors.js';
import type { Actor } from '../policies/access.js';
import type { Ctx } from '../services/context.js';
import { getVisibleChatRow } from '../services/chat-queries.js';
import { buildTranscript } from '../services/transcripts.js';

/** Files are always sent as downloads with a plain type, so no user text is ever rendered as HTML. */
export function sendAttachment(reply: FastifyReply, file: { filename: string; contentType: string; content: Buffer }) {
  const safeName = file.filename.replace(/[^\w.-]/g, '_');
  const type = file.contentType.startsWith('text/') ? 'text/plain; charset=utf-8' : 'application/octet-stream';
  return reply.header('Content-Disposition', `attachment; filename="${safeName}"`).type(type).send(file.content);
}

export async function sendTranscript(ctx: Ctx, reply: FastifyReply, actor: Actor, chatId: number) {
  const chat = await getVisibleChatRow(ctx.db, actor, chatId);
  if (chat.status !== 'completed')
    throw new Conflict('invalid_transition', `The transcript is ready once the chat is completed; it is ${chat.status}`, { state: chat.status });
  const { text } = await buildTranscript(ctx.db, chatId, { internalNotes: actor.kind === 'tech' });
  return sendAttachment(reply, { filename: `chat-${chatId}.txt`, contentType: 'text/plain', content: Buffer.from(text, 'utf8') });
}
