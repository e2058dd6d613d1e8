import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AfterSeqQuery, IdParam, SendMessageBody } from '../../shared/schemas.js';
import type { Ctx } from '../services/context.js';
import { getVisibleChatRow, listMessages } from '../services/chat-queries.js';
import { sendMessage } from '../services/messages.js';
import { sendTranscript } from './downloads.js';
import { answers, FileDownload, foundOrCreated } from './answers.js';
import { MessageView, SentMessage } from '../../shared/views.js';
import { z } from 'zod';

/** The message stream of a chat, the same for both audiences: read after a seq, send, transcript. */
export function chatStreamRoutes(root: FastifyInstance, ctx: Ctx, tags: string[]) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get('/chats/:id/messages', { schema: { tags, params: IdParam, querystring: AfterSeqQuery, response: answers(z.array(MessageView)) } }, async (req) => {
    await getVisibleChatRow(ctx.db, req.actor!, req.params.id);
    return listMessages(ctx.db, req.params.id, req.query.after, req.query.limit);
  });
  app.post('/chats/:id/messages', { schema: { tags, params: IdParam, body: SendMessageBody, response: foundOrCreated(SentMessage) } }, async (req, reply) => {
    const r = await sendMessage(ctx, req.actor!, req.params.id, req.body.body, req.body.clientId);
    reply.status(r.duplicate ? 200 : 201);
    return r;
  });
  app.get('/chats/:id/transcript', { schema: { tags, params: IdParam, response: answers(FileDownload) } }, async (req, reply) =>
    sendTranscript(ctx, reply, req.actor!, req.params.id),
  );
}
