import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CompleteBody,
  EmptyBody,
  CreateTicketFromChatBody,
  EndBody,
  IdParam,
  InviteBody,
  TransferBody,
  NoteBody,
  SearchQuery,
  StatusBody,
  TicketBody,
  TicketPatch,
} from '../../../shared/schemas.js';
import type { Ctx } from '../../services/context.js';
import { guardRoutes, techOf } from '../session.js';
import { joinChat } from '../../services/chats.js';
import { completeChat, createTicketFromChat, endChat } from '../../services/chat-ending.js';
import { getChatView, listTransitions, statusBar } from '../../services/chat-queries.js';
import { addNote, editNote, listNotes } from '../../services/notes.js';
import { searchCompleted } from '../../services/search.js';
import { SearchAnswerSchema } from '../../services/search-results.js';
import { requestGone } from '../request-gone.js';
import { createTicket, getAttachment, getTicket, listTickets, updateTicket } from '../../services/tickets.js';
import { setAvailability } from '../../services/admin.js';
import { directory } from '../../services/directory.js';
import { sendAttachment } from '../downloads.js';
import { answers, FileDownload, sendWritten } from '../answers.js';
import { acceptsGzip } from '../accept-encoding.js';
import * as V from '../../../shared/views.js';
import { chatStreamRoutes } from '../chat-stream-routes.js';
import { CannedRepliesQuery, PersonalReplyBody } from '../../../shared/schemas.js';
import { chatContext } from '../../services/chat-context.js';
import { acceptOffer, declineOffer, myOffers, offerChat, stepOut, transferTargets, transferToBoard, withdrawOffer } from '../../services/transfers.js';
import { reportRoutes } from './report-routes.js';
import { createPersonalReply, deletePersonalReply, listCannedReplies, updatePersonalReply } from '../../services/canned-replies.js';

const big = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31);
const NoteParams = z.object({ id: big, noteId: big });
const AttachmentParams = z.object({ id: big, attachmentId: big });

export const consoleRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  guardRoutes(app, ctx, 'tech');
  const tags = ['console'];

  app.get('/me', { schema: { tags, response: answers(V.TechMe) } }, async (req) => {
    const t = techOf(req);
    return { id: t.id, name: t.name, role: t.role, available: t.available, maySeeReports: t.role === 'admin' || t.reports === true };
  });
  app.put('/status', { schema: { tags, body: StatusBody, response: answers(V.Availability) } }, async (req) => {
    await setAvailability(ctx, techOf(req).id, req.body.available);
    return { available: req.body.available };
  });
  app.get('/status-bar', { schema: { tags, response: answers(V.StatusBarView) } }, async (req) => statusBar(ctx.db, techOf(req)));
  app.get('/directory', { schema: { tags, response: answers(V.Directory) } }, async (req) => directory(ctx.db, techOf(req)));
  reportRoutes(app, ctx);

  app.get('/chats/:id', { schema: { tags, params: IdParam, response: answers(V.TechChatDetail) } }, async (req) => {
    const chat = await getChatView(ctx.db, techOf(req), req.params.id);
    return { ...chat, requesterOnline: await ctx.presence.isPortalOnline(chat.requester.id) };
  });
  chatStreamRoutes(root, ctx, tags);
  app.post('/chats/:id/join', { schema: { tags, params: IdParam, body: EmptyBody, response: answers(V.TechChatView) } }, async (req) =>
    joinChat(ctx, techOf(req), req.params.id),
  );
  app.post('/chats/:id/end', { schema: { tags, params: IdParam, body: EndBody, response: answers(V.EndedChat) } }, async (req) =>
    endChat(ctx, techOf(req), req.params.id, req.body),
  );
  app.post('/chats/:id/complete', { schema: { tags, params: IdParam, body: CompleteBody, response: answers(V.TechChatView) } }, async (req) =>
    completeChat(ctx, techOf(req), req.params.id, req.body),
  );
  app.post(
    '/chats/:id/ticket',
    { schema: { tags, params: IdParam, body: CreateTicketFromChatBody, response: answers(z.object({ ticketId: z.number().int() }), 201) } },
    async (req, reply) => {
      const r = await createTicketFromChat(ctx, techOf(req), req.params.id, req.body);
      reply.status(201);
      return r;
    },
  );
  // Transfer and invite (services/transfers.ts): offers to a tech are answered under /offers.
  app.post('/chats/:id/transfer', { schema: { tags, params: IdParam, body: TransferBody, response: answers(V.TechChatView) } }, async (req) =>
    'boardId' in req.body
      ? transferToBoard(ctx, techOf(req), req.params.id, req.body.boardId)
      : offerChat(ctx, techOf(req), req.params.id, { kind: 'transfer', techId: req.body.techId }),
  );
  app.get('/chats/:id/transfer-targets', { schema: { tags, params: IdParam, response: answers(V.TransferTargets) } }, async (req) =>
    transferTargets(ctx, techOf(req), req.params.id),
  );
  app.post('/chats/:id/invite', { schema: { tags, params: IdParam, body: InviteBody, response: answers(V.TechChatView) } }, async (req) =>
    offerChat(ctx, techOf(req), req.params.id, { kind: 'invite', techId: req.body.techId }),
  );
  // Leave a chat another tech in it carries on (after an invite).
  app.post('/chats/:id/step-out', { schema: { tags, params: IdParam, body: EmptyBody, response: answers(V.TechChatView) } }, async (req) =>
    stepOut(ctx, techOf(req), req.params.id),
  );
  app.get('/offers', { schema: { tags, response: answers(z.array(V.OfferView)) } }, async (req) => myOffers(ctx, techOf(req)));
  app.post('/offers/:id/accept', { schema: { tags, params: IdParam, body: EmptyBody, response: answers(V.TechChatView) } }, async (req) =>
    acceptOffer(ctx, techOf(req), req.params.id),
  );
  app.post('/offers/:id/decline', { schema: { tags, params: IdParam, body: EmptyBody, response: answers(V.Created) } }, async (req) => {
    await declineOffer(ctx, techOf(req), req.params.id);
    return { id: req.params.id };
  });
  app.post('/offers/:id/withdraw', { schema: { tags, params: IdParam, body: EmptyBody, response: answers(V.Created) } }, async (req) => {
    await withdrawOffer(ctx, techOf(req), req.params.id);
    return { id: req.params.id };
  });
  app.get('/chats/:id/transitions', { schema: { tags, params: IdParam, response: answers(z.array(V.TransitionView)) } }, async (req) =>
    listTransitions(ctx.db, techOf(req), req.params.id),
  );
  app.get('/chats/:id/notes', { schema: { tags, params: IdParam, response: answers(z.array(V.NoteView)) } }, async (req) =>
    listNotes(ctx, techOf(req), req.params.id),
  );
  app.post('/chats/:id/notes', { schema: { tags, params: IdParam, body: NoteBody, response: answers(V.Created, 201) } }, async (req, reply) => {
    const id = await addNote(ctx, techOf(req), req.params.id, req.body.body);
    reply.status(201);
    return { id };
  });
  app.put('/chats/:id/notes/:noteId', { schema: { tags, params: NoteParams, body: NoteBody, response: answers(V.Created) } }, async (req) => {
    await editNote(ctx, techOf(req), req.params.id, req.params.noteId, req.body.body);
    return { id: req.params.noteId };
  });

  app.get('/search', { schema: { tags, querystring: SearchQuery, response: answers(SearchAnswerSchema) } }, async (req, reply) =>
    sendWritten(
      reply,
      await searchCompleted(ctx.db, ctx.dialect, techOf(req), req.query, { signal: requestGone(reply), gzip: acceptsGzip(req.headers['accept-encoding']) }),
    ),
  );

  app.get('/tickets', { schema: { tags, response: answers(z.array(V.TicketSummary)) } }, async (req) => listTickets(ctx, techOf(req)));
  app.post('/tickets', { schema: { tags, body: TicketBody, response: answers(V.TicketDetail, 201) } }, async (req, reply) => {
    reply.status(201);
    return createTicket(ctx, techOf(req), req.body);
  });
  app.get('/tickets/:id', { schema: { tags, params: IdParam, response: answers(V.TicketDetail) } }, async (req) => getTicket(ctx, techOf(req), req.params.id));
  app.patch('/tickets/:id', { schema: { tags, params: IdParam, body: TicketPatch, response: answers(V.TicketDetail) } }, async (req) =>
    updateTicket(ctx, techOf(req), req.params.id, req.body),
  );
  app.get('/tickets/:id/attachments/:attachmentId', { schema: { tags, params: AttachmentParams, response: answers(FileDownload) } }, async (req, reply) =>
    sendAttachment(ctx, reply, await getAttachment(ctx, techOf(req), req.params.id, req.params.attachmentId)),
  );

  app.get('/chats/:id/context', { schema: { tags, params: IdParam, response: answers(V.ChatContext) } }, async (req) =>
    chatContext(ctx.db, techOf(req), req.params.id),
  );

  // Canned replies: with chatId, what this tech may insert there; a tech manages only their own.
  app.get('/canned-replies', { schema: { tags, querystring: CannedRepliesQuery, response: answers(z.array(V.CannedReply)) } }, async (req) =>
    listCannedReplies(ctx.db, techOf(req), req.query.chatId),
  );
  app.post('/canned-replies', { schema: { tags, body: PersonalReplyBody, response: answers(V.Created, 201) } }, async (req, reply) => {
    reply.status(201);
    return { id: await createPersonalReply(ctx.db, techOf(req), req.body, ctx.now()) };
  });
  app.put('/canned-replies/:id', { schema: { tags, params: IdParam, body: PersonalReplyBody, response: answers(V.Created) } }, async (req) => {
    await updatePersonalReply(ctx.db, techOf(req), req.params.id, req.body, ctx.now());
    return { id: req.params.id };
  });
  app.delete('/canned-replies/:id', { schema: { tags, params: IdParam, response: answers(V.Created) } }, async (req) => {
    await deletePersonalReply(ctx.db, techOf(req), req.params.id);
    return { id: req.params.id };
  });
};
