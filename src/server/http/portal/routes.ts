import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CallbackBody, IdParam, NewRequestBody, TicketChatBody } from '../../../shared/schemas.js';
import type { Ctx } from '../../services/context.js';
import { requireSession, portalOf } from '../session.js';
import { requestChat, keepWaiting, leaveChat, requestCallback } from '../../services/chats.js';
import { getChatView, getVisibleChatRow, portalChats, queuePosition } from '../../services/chat-queries.js';
import { getAttachment, getTicket, listTickets } from '../../services/tickets.js';
import { officeHoursWithStatus } from '../../services/office-hours.js';
import { boardsOfferedTo } from '../../services/admin.js';
import { sendAttachment } from '../downloads.js';
import { chatStreamRoutes } from '../chat-stream-routes.js';

const AttachmentParams = z.object({ id: z.coerce.number().int().positive().max(2 ** 31), attachmentId: z.coerce.number().int().positive().max(2 ** 31) });

export const portalRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', requireSession(ctx, 'portal'));
  const tags = ['portal'];

  app.get('/me', { schema: { tags } }, async (req) => {
    const me = portalOf(req);
    const row = await ctx.db
      .selectFrom('portal_users as pu')
      .innerJoin('companies as c', 'c.id', 'pu.company_id')
      .select(['pu.phone', 'c.id as company_id', 'c.name as company_name'])
      .where('pu.id', '=', me.id)
      .executeTakeFirstOrThrow();
    return { id: me.id, name: me.name, phone: row.phone, company: { id: Number(row.company_id), name: row.company_name } };
  });
  app.get('/boards', { schema: { tags } }, async (req) => boardsOfferedTo(ctx.db, portalOf(req).companyId));
  app.get('/office-hours', { schema: { tags } }, async () => officeHoursWithStatus(ctx.db, ctx.now()));

  app.get('/tickets', { schema: { tags } }, async (req) => listTickets(ctx, portalOf(req)));
  app.get('/tickets/:id', { schema: { tags, params: IdParam } }, async (req) => getTicket(ctx, portalOf(req), req.params.id));
  app.get('/tickets/:id/attachments/:attachmentId', { schema: { tags, params: AttachmentParams } }, async (req, reply) =>
    sendAttachment(reply, await getAttachment(ctx, portalOf(req), req.params.id, req.params.attachmentId)),
  );
  app.post('/tickets/:id/chat', { schema: { tags, params: IdParam, body: TicketChatBody } }, async (req, reply) => {
    const r = await requestChat(ctx, portalOf(req), { source: 'ticket', ticketId: req.params.id, ...req.body });
    reply.status(r.existing ? 200 : 201);
    return { existing: r.existing, chat: await getChatView(ctx.db, portalOf(req), r.chatId) };
  });

  app.get('/chats', { schema: { tags } }, async (req) => portalChats(ctx.db, portalOf(req)));
  app.post('/chats', { schema: { tags, body: NewRequestBody } }, async (req, reply) => {
    const r = await requestChat(ctx, portalOf(req), { source: 'new_request', ...req.body });
    reply.status(r.existing ? 200 : 201);
    return { existing: r.existing, chat: await getChatView(ctx.db, portalOf(req), r.chatId) };
  });
  app.get('/chats/:id', { schema: { tags, params: IdParam } }, async (req) => {
    const row = await getVisibleChatRow(ctx.db, portalOf(req), req.params.id);
    const chat = await getChatView(ctx.db, portalOf(req), req.params.id);
    return { ...chat, queuePosition: row.status === 'waiting' ? await queuePosition(ctx.db, row) : null };
  });
  chatStreamRoutes(root, ctx, tags);
  app.post('/chats/:id/keep-waiting', { schema: { tags, params: IdParam } }, async (req) => {
    await keepWaiting(ctx, portalOf(req), req.params.id);
    return getChatView(ctx.db, portalOf(req), req.params.id);
  });
  app.post('/chats/:id/leave', { schema: { tags, params: IdParam } }, async (req) => {
    await leaveChat(ctx, portalOf(req), req.params.id);
    return getChatView(ctx.db, portalOf(req), req.params.id);
  });
  app.post('/chats/:id/callback', { schema: { tags, params: IdParam, body: CallbackBody } }, async (req) => {
    await requestCallback(ctx, portalOf(req), req.params.id, req.body);
    return getChatView(ctx.db, portalOf(req), req.params.id);
  });
};
