import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AfterSeqQuery, IdParam, SendMessageBody } from '../../shared/schemas.js';
import type { Ctx } from '../services/context.js';
import { getVisibleChatRow, listMessages } from '../services/chat-queries.js';
import { sendMessage } from '../services/messages.js';
import { sendChatFile, sendThumbnail, sendTranscript } from './downloads.js';
import { uploadFile } from '../services/files.js';
import { answers, FileDownload, foundOrCreated } from './answers.js';
import { FileRulesView, MessageView, SentMessage } from '../../shared/views.js';
import { ClientId } from '../../shared/schemas.js';
import { z } from 'zod';

const UploadQuery = z.object({ clientId: ClientId }).strict();
const ViewQuery = z.object({ view: z.enum(['1']).optional() }).strict();

/** The message stream of a chat, the same for both audiences: read after a seq, send, files, transcript. */
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
  app.get('/file-rules', { schema: { tags, response: answers(FileRulesView) } }, async () => ctx.config.files);
  // One file per request, as the multipart field "file"; the client id makes a retry safe, as for a message.
  app.post(
    '/chats/:id/files',
    { schema: { tags, params: IdParam, querystring: UploadQuery, consumes: ['multipart/form-data'], response: foundOrCreated(SentMessage) } },
    async (req, reply) => {
      const length = Number(req.headers['content-length']);
      try {
        const r = await uploadFile(ctx, req.actor!, req.params.id, req.query.clientId, Number.isFinite(length) ? length : null, async () => {
          const part = await req.file();
          return part && { filename: part.filename, stream: part.file, truncated: () => part.file.truncated };
        });
        reply.status(r.duplicate ? 200 : 201);
        return r;
      } catch (err) {
        // Refused before the body was read to its end: the answer goes at once and the connection
        // closes after it, rather than reading (or waiting for) the rest of a file nobody keeps.
        if (!req.raw.complete) reply.header('Connection', 'close');
        throw err;
      }
    },
  );
  app.get('/files/:id', { schema: { tags, params: IdParam, querystring: ViewQuery, response: answers(FileDownload) } }, async (req, reply) =>
    sendChatFile(ctx, reply, req.actor!, req.params.id, req.query.view === '1'),
  );
  app.get('/files/:id/thumb', { schema: { tags, params: IdParam, response: answers(FileDownload) } }, async (req, reply) =>
    sendThumbnail(ctx, reply, req.actor!, req.params.id),
  );
  app.get('/chats/:id/transcript', { schema: { tags, params: IdParam, response: answers(FileDownload) } }, async (req, reply) =>
    sendTranscript(ctx, reply, req.actor!, req.params.id),
  );
}
