import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CompleteBody,
  CreateTicketFromChatBody,
  EndBody,
  IdParam,
  NoteBody,
  SearchQuery,
  StatusBody,
  TicketBody,
  TicketPatch,
} from '../../../shared/schemas.js';
import type { Ctx } from '../../services/context.js';
import { requireSession, techOf } from '../session.js';
import { joinChat } from '../../services/chats.js';
import { completeChat, createTicketFromChat, endChat } from '../../services/chat-ending.js';
import { getChatView, listTransitions, statusBar } from '../../services/chat-queries.js';
import { addNote, editNote, listNotes } from '../../services/notes.js';
import { searchCompleted } from '../../services/search.js';
import { createTicket, getAttachment, getTicket, listTickets, updateTicket } from '../../services/tickets.js';
import { setAvailability } from '../../services/admin.js';
import { directory } from '../../services/directory.js';
import { sendAttachment } from '../downloads.js';
import { chatStreamRoutes } from '../chat-stream-routes.js';

const big = z.coerce.number().int().positive().max(2 ** 31);
const NoteParams = z.object({ id: big, noteId: big });
const AttachmentParams = z.object({ id: big, attachmentId: big });

export const consoleRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireSession(ctx, 'tech'));
  const tags = ['console'];

  app.get('/me', { schema: { tags } }, async (req) => {
    const t = techOf(req);
    return { id: t.id, name: t.name, role: t.role, available: t.available };
  });
  app.put('/status', { schema: { tags, body: StatusBody } }, async (req) => {
    await setAvailability(ctx, techOf(req).id, req.body.available);
    return { available: req.body.available };
  });
  app.get('/status-bar', { schema: { tags } }, async (req) => statusBar(ctx.db, techOf(req)));
  app.get('/directory', { schema: { tags } }, async (req) => directory(ctx.db, techOf(req)));

  app.get('/chats/:id', { schema: { tags, params: IdParam } }, async (req) => {
    const chat = await getChatView(ctx.db, techOf(req), req.params.id);
    return { ...chat, requesterOnline: await ctx.presence.isPortalOnline(chat.requester.id) };
  });
  chatStreamRoutes(root, ctx, tags);
  app.post('/chats/:id/join', { schema: { tags, params: IdParam } }, async (req) => joinChat(ctx, techOf(req), req.params.id));
  app.post('/chats/:id/end', { schema: { tags, params: IdParam, body: EndBody } }, async (req) => endChat(ctx, techOf(req), req.params.id, req.body));
  app.post('/chats/:id/complete', { schema: { tags, params: IdParam, body: CompleteBody } }, async (req) => completeChat(ctx, techOf(req), req.params.id, req.body));
  app.post('/chats/:id/ticket', { schema: { tags, params: IdParam, body: CreateTicketFromChatBody } }, async (req, reply) => {
    const r = await createTicketFromChat(ctx, techOf(req), req.params.id, req.body);
    reply.status(201);
    return r;
  });
  app.get('/chats/:id/transitions', { schema: { tags, params: IdParam } }, async (req) => listTransitions(ctx.db, techOf(req), req.params.id));
  app.get('/chats/:id/notes', { schema: { tags, params: IdParam } }, async (req) => listNotes(ctx, techOf(req), req.params.id));
  app.post('/chats/:id/notes', { schema: { tags, params: IdParam, body: NoteBody } }, async (req, reply) => {
    const id = await addNote(ctx, techOf(req), req.params.id, req.body.body);
    reply.status(201);
    return { id };
  });
  app.put('/chats/:id/notes/:noteId', { schema: { tags, params: NoteParams, body: NoteBody } }, async (req) => {
    await editNote(ctx, techOf(req), req.params.id, req.params.noteId, req.body.body);
    return { id: req.params.noteId };
  });

  app.get('/search', { schema: { tags, querystring: SearchQuery } }, async (req) => searchCompleted(ctx.db, ctx.dialect, techOf(req), req.query));

  app.get('/tickets', { schema: { tags } }, async (req) => listTickets(ctx, techOf(req)));
  app.post('/tickets', { schema: { tags, body: TicketBody } }, async (req, reply) => {
    reply.status(201);
    return createTicket(ctx, techOf(req), req.body);
  });
  app.get('/tickets/:id', { schema: { tags, params: IdParam } }, async (req) => getTicket(ctx, techOf(req), req.params.id));
  app.patch('/tickets/:id', { schema: { tags, params: IdParam, body: TicketPatch } }, async (req) => updateTicket(ctx, techOf(req), req.params.id, req.body));
  app.get('/tickets/:id/attachments/:attachmentId', { schema: { tags, params: AttachmentParams } }, async (req, reply) =>
    sendAttachment(reply, await getAttachment(ctx, techOf(req), req.params.id, req.params.attachmentId)),
  );
};
