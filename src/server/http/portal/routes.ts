import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CallbackBody, EmptyBody, IdParam, NewRequestBody, TicketChatBody } from '../../../shared/schemas.js';
import type { Ctx } from '../../services/context.js';
import { guardRoutes, portalOf } from '../session.js';
import { requestChat, keepWaiting, leaveChat, requestCallback } from '../../services/chats.js';
import { rateChat } from '../../services/rating.js';
import { getChatView } from '../../services/chat-queries.js';
import { RatingBody } from '../../../shared/schemas.js';
import { portalChatDetail, portalChats } from '../../services/chat-queries.js';
import { portalProfile } from '../../services/profile.js';
import { getAttachment, getTicket, listTickets } from '../../services/tickets.js';
import { officeHoursWithStatus } from '../../services/office-hours.js';
import { boardsOfferedTo } from '../../services/admin.js';
import { sendAttachment } from '../downloads.js';
import { answers, FileDownload, foundOrCreated } from '../answers.js';
import * as V from '../../../shared/views.js';
import { chatStreamRoutes } from '../chat-stream-routes.js';

const AttachmentParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31),
  attachmentId: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31),
});

export const portalRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  guardRoutes(app, ctx, 'portal');
  const tags = ['portal'];

  app.get('/me', { schema: { tags, response: answers(V.PortalMe) } }, async (req) => portalProfile(ctx.db, portalOf(req)));
  app.get('/boards', { schema: { tags, response: answers(V.Boards) } }, async (req) => boardsOfferedTo(ctx.db, portalOf(req).companyId));
  app.get('/office-hours', { schema: { tags, response: answers(V.OfficeHoursView) } }, async () => officeHoursWithStatus(ctx.db, ctx.now()));

  app.get('/tickets', { schema: { tags, response: answers(z.array(V.TicketSummary)) } }, async (req) => listTickets(ctx, portalOf(req)));
  app.get('/tickets/:id', { schema: { tags, params: IdParam, response: answers(V.TicketDetail) } }, async (req) =>
    getTicket(ctx, portalOf(req), req.params.id),
  );
  app.get('/tickets/:id/attachments/:attachmentId', { schema: { tags, params: AttachmentParams, response: answers(FileDownload) } }, async (req, reply) =>
    sendAttachment(ctx, reply, await getAttachment(ctx, portalOf(req), req.params.id, req.params.attachmentId)),
  );
  app.post('/tickets/:id/chat', { schema: { tags, params: IdParam, body: TicketChatBody, response: foundOrCreated(V.RequestedChat) } }, async (req, reply) => {
    const r = await requestChat(ctx, portalOf(req), { source: 'ticket', ticketId: req.params.id, ...req.body });
    reply.status(r.existing ? 200 : 201);
    return r;
  });

  app.get('/chats', { schema: { tags, response: answers(z.array(V.PortalChatView)) } }, async (req) => portalChats(ctx.db, portalOf(req)));
  app.post('/chats', { schema: { tags, body: NewRequestBody, response: foundOrCreated(V.RequestedChat) } }, async (req, reply) => {
    const r = await requestChat(ctx, portalOf(req), { source: 'new_request', ...req.body });
    reply.status(r.existing ? 200 : 201);
    return r;
  });
  app.get('/chats/:id', { schema: { tags, params: IdParam, response: answers(V.PortalChatDetail) } }, async (req) =>
    portalChatDetail(ctx, portalOf(req), req.params.id),
  );
  chatStreamRoutes(root, ctx, tags);
  app.post('/chats/:id/keep-waiting', { schema: { tags, params: IdParam, body: EmptyBody, response: answers(V.PortalChatView) } }, async (req) =>
    keepWaiting(ctx, portalOf(req), req.params.id),
  );
  app.post('/chats/:id/leave', { schema: { tags, params: IdParam, body: EmptyBody, response: answers(V.PortalChatView) } }, async (req) =>
    leaveChat(ctx, portalOf(req), req.params.id),
  );
  app.post('/chats/:id/rating', { schema: { tags, params: IdParam, body: RatingBody, response: answers(V.PortalChatView) } }, async (req) => {
    await rateChat(ctx, portalOf(req), req.params.id, req.body);
    return getChatView(ctx.db, portalOf(req), req.params.id);
  });
  app.post('/chats/:id/callback', { schema: { tags, params: IdParam, body: CallbackBody, response: answers(V.PortalChatView) } }, async (req) =>
    requestCallback(ctx, portalOf(req), req.params.id, req.body),
  );
};
