import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Forbidden } from '../../errors.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  BoardCompaniesBody,
  SharedReplyBody,
  BrandingBody,
  CompanyBody,
  EraseBody,
  GrantsBody,
  ReportsGrantBody,
  HolidayBody,
  IdParam,
  NameBody,
  OfficeHoursBody,
  PortalUserBody,
  PortalUserPatch,
  TechBody,
  TechPatch,
  WidgetBody,
  SecurityBody,
} from '../../../shared/schemas.js';
import { resetTwoFactor, saveSecurity, securitySettings } from '../../services/two-factor.js';
import type { Ctx } from '../../services/context.js';
import { guardRoutes, techOf } from '../session.js';
import * as admin from '../../services/admin.js';
import { erasePortalUser, exportPortalUser, exportTech } from '../../services/privacy.js';
import { addHoliday, deleteHoliday, officeHoursWithStatus, saveOfficeHours } from '../../services/office-hours.js';
import { getVisibleChatRow } from '../../services/chat-queries.js';
import { alertableTechs } from '../../services/chats.js';
import { answers } from '../answers.js';
import * as V from '../../../shared/views.js';
import { z } from 'zod';
import { createSharedReply, deleteSharedReply, listSharedReplies, updateSharedReply } from '../../services/canned-replies.js';
import { rotateWidgetSecret, saveWidget, widgetSettings } from '../../services/widget.js';
import { LOGO_CONTENT_TYPES, MAX_LOGO_BYTES, removeLogo, saveBranding, saveLogo } from '../../services/branding.js';

/**
 * What an API token may not do, whatever its scopes: decide who signs in as an admin, or as
 * someone else (make an admin, set a password, reset two-factor, change the sign-in rules). A
 * leaked token would otherwise leave itself a successor that outlives its revocation, by signing in
 * as the person it made or took over (docs/integrations.md).
 */
function refuseToToken(req: FastifyRequest, what: string, when = true) {
  if (when && req.apiTokenId !== undefined) throw new Forbidden('token_scope', `An API token cannot ${what}: sign in as an admin to do it`);
}

export const adminRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  guardRoutes(app, ctx, 'tech', { admin: true });
  const tags = ['admin'];

  // Branding: name and accent as JSON; the logo as the image itself (Content-Type: image/png,
  // image/jpeg or image/webp), checked against its first bytes. Any other image type reaches the
  // service to be refused by name.
  app.put('/branding', { schema: { tags, body: BrandingBody, response: answers(V.Branding) } }, async (req) => saveBranding(ctx.db, req.body, ctx.now()));
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer', bodyLimit: MAX_LOGO_BYTES }, (_req, body, done) => done(null, body));
  app.put(
    '/branding/logo',
    { bodyLimit: MAX_LOGO_BYTES, schema: { tags, description: `The logo image: ${LOGO_CONTENT_TYPES.join(', ')}`, response: answers(V.Branding) } },
    async (req) => saveLogo(ctx.db, (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase(), req.body as Buffer, ctx.now()),
  );
  app.delete('/branding/logo', { schema: { tags, response: answers(V.Branding) } }, async () => removeLogo(ctx.db, ctx.now()));

  // Security (services/two-factor.ts): whether techs must use two-factor; a tech's two-factor reset (lost phone).
  app.get('/security', { schema: { tags, response: answers(V.SecuritySettings) } }, async () => securitySettings(ctx.db));
  app.put('/security', { schema: { tags, body: SecurityBody, response: answers(V.SecuritySettings) } }, async (req) => {
    refuseToToken(req, 'change how techs sign in');
    return saveSecurity(ctx, techOf(req).id, req.body);
  });
  app.delete('/techs/:id/two-factor', { schema: { tags, params: IdParam, response: answers(V.Done) } }, async (req) => {
    refuseToToken(req, "reset a tech's two-factor");
    await resetTwoFactor(ctx, req.params.id, { adminId: techOf(req).id, adminSessionToken: req.sessionToken });
    return { ok: true as const };
  });

  // Shared canned replies (services/canned-replies.ts).
  app.get('/canned-replies', { schema: { tags, response: answers(z.array(V.CannedReply)) } }, async () => listSharedReplies(ctx.db));
  app.post('/canned-replies', { schema: { tags, body: SharedReplyBody, response: answers(V.Created, 201) } }, async (req, reply) => {
    reply.status(201);
    return { id: await createSharedReply(ctx.db, req.body, ctx.now()) };
  });
  app.put('/canned-replies/:id', { schema: { tags, params: IdParam, body: SharedReplyBody, response: answers(V.Created) } }, async (req) => {
    await updateSharedReply(ctx.db, req.params.id, req.body, ctx.now());
    return { id: req.params.id };
  });
  app.delete('/canned-replies/:id', { schema: { tags, params: IdParam, response: answers(V.Created) } }, async (req) => {
    await deleteSharedReply(ctx.db, req.params.id);
    return { id: req.params.id };
  });

  app.get('/companies', { schema: { tags, response: answers(z.array(V.AdminCompany)) } }, async () => admin.listCompanies(ctx.db));
  app.post('/companies', { schema: { tags, body: CompanyBody, response: answers(V.Created, 201) } }, async (req, reply) => {
    reply.status(201);
    return { id: await admin.saveCompany(ctx, null, req.body) };
  });
  app.put('/companies/:id', { schema: { tags, params: IdParam, body: CompanyBody, response: answers(V.Created) } }, async (req) => ({
    id: await admin.saveCompany(ctx, req.params.id, req.body),
  }));

  app.get('/boards', { schema: { tags, response: answers(V.Boards) } }, async () => admin.listBoards(ctx.db));
  app.post('/boards', { schema: { tags, body: NameBody, response: answers(V.Created, 201) } }, async (req, reply) => {
    reply.status(201);
    return { id: await admin.saveBoard(ctx, null, req.body.name) };
  });
  app.put('/boards/:id', { schema: { tags, params: IdParam, body: NameBody, response: answers(V.Created) } }, async (req) => ({
    id: await admin.saveBoard(ctx, req.params.id, req.body.name),
  }));

  // A company's website widget: the origins that may show it; its signing secret shown once when made.
  app.get('/companies/:id/widget', { schema: { tags, params: IdParam, response: answers(V.WidgetSettings) } }, async (req) =>
    widgetSettings(ctx.db, req.params.id),
  );
  app.put('/companies/:id/widget', { schema: { tags, params: IdParam, body: WidgetBody, response: answers(V.WidgetSettings) } }, async (req) =>
    saveWidget(ctx.db, req.params.id, req.body, ctx.now()),
  );
  app.post('/companies/:id/widget/secret', { schema: { tags, params: IdParam, response: answers(V.WidgetSecret) } }, async (req) =>
    rotateWidgetSecret(ctx.db, req.params.id, ctx.now()),
  );
  app.put('/boards/:id/companies', { schema: { tags, params: IdParam, body: BoardCompaniesBody, response: answers(V.Created) } }, async (req) => {
    await admin.offerBoard(ctx, req.params.id, req.body.companyIds);
    return { id: req.params.id };
  });

  app.get('/techs', { schema: { tags, response: answers(z.array(V.AdminTech)) } }, async () => admin.listTechs(ctx.db));
  app.post('/techs', { schema: { tags, body: TechBody, response: answers(V.Created, 201) } }, async (req, reply) => {
    refuseToToken(req, 'make an admin', req.body.role === 'admin');
    reply.status(201);
    return { id: await admin.createTech(ctx, req.body) };
  });
  app.patch('/techs/:id', { schema: { tags, params: IdParam, body: TechPatch, response: answers(V.Created) } }, async (req) => {
    refuseToToken(req, 'make an admin', req.body.role === 'admin');
    refuseToToken(req, "set a tech's password", req.body.password !== undefined);
    await admin.updateTech(ctx, req.params.id, req.body);
    return { id: req.params.id };
  });
  app.put('/techs/:id/grants', { schema: { tags, params: IdParam, body: GrantsBody, response: answers(V.Created) } }, async (req) => {
    await admin.setGrants(ctx, req.params.id, req.body);
    return { id: req.params.id };
  });
  app.put('/techs/:id/reports', { schema: { tags, params: IdParam, body: ReportsGrantBody, response: answers(V.Created) } }, async (req) => {
    await admin.setReportsGrant(ctx, req.params.id, req.body.allowed);
    return { id: req.params.id };
  });

  app.get('/portal-users', { schema: { tags, response: answers(z.array(V.AdminPortalUser)) } }, async () => admin.listPortalUsers(ctx.db));
  app.post('/portal-users', { schema: { tags, body: PortalUserBody, response: answers(V.Created, 201) } }, async (req, reply) => {
    reply.status(201);
    return { id: await admin.createPortalUser(ctx, req.body) };
  });
  // A person's data: a JSON download, and erasure (services/privacy.ts says what stays).
  app.get('/portal-users/:id/export', { schema: { tags, params: IdParam, response: answers(V.PersonExport) } }, async (req, reply) => {
    reply.header('Content-Disposition', `attachment; filename="portal-user-${req.params.id}.json"`);
    return exportPortalUser(ctx, req.params.id);
  });
  app.post('/portal-users/:id/erase', { schema: { tags, params: IdParam, body: EraseBody, response: answers(V.Erased) } }, async (req) => {
    const result = await erasePortalUser(ctx, req.params.id, req.body.confirmEmail);
    req.log.info({ admin: techOf(req).id, portalUser: req.params.id, ...result }, 'portal user erased');
    return result;
  });
  app.get('/techs/:id/export', { schema: { tags, params: IdParam, response: answers(V.PersonExport) } }, async (req, reply) => {
    reply.header('Content-Disposition', `attachment; filename="tech-${req.params.id}.json"`);
    return exportTech(ctx, req.params.id);
  });
  app.patch('/portal-users/:id', { schema: { tags, params: IdParam, body: PortalUserPatch, response: answers(V.Created) } }, async (req) => {
    refuseToToken(req, "set a portal user's password", req.body.password !== undefined);
    await admin.updatePortalUser(ctx, req.params.id, req.body);
    return { id: req.params.id };
  });

  app.get('/office-hours', { schema: { tags, response: answers(V.OfficeHoursView) } }, async () => officeHoursWithStatus(ctx.db, ctx.now()));
  app.put('/office-hours', { schema: { tags, body: OfficeHoursBody, response: answers(V.OfficeHoursView) } }, async (req) => {
    await saveOfficeHours(ctx.db, req.body);
    // The wallboards show whether support is open (services/wallboard.ts).
    ctx.bus.publish('wallboard.changed', {});
    return officeHoursWithStatus(ctx.db, ctx.now());
  });
  app.post('/holidays', { schema: { tags, body: HolidayBody, response: answers(V.Created, 201) } }, async (req, reply) => {
    reply.status(201);
    const id = await addHoliday(ctx.db, req.body);
    ctx.bus.publish('wallboard.changed', {});
    return { id };
  });
  app.delete('/holidays/:id', { schema: { tags, params: IdParam, response: answers(V.Done) } }, async (req) => {
    await deleteHoliday(ctx.db, req.params.id);
    ctx.bus.publish('wallboard.changed', {});
    return { ok: true as const };
  });

  /** Who would be alerted for this chat now: techs with access who are Available. */
  app.get('/chats/:id/eligible', { schema: { tags, params: IdParam, response: answers(V.EligibleTechs) } }, async (req) => {
    const chat = await getVisibleChatRow(ctx.db, techOf(req), req.params.id);
    return { techIds: await alertableTechs(ctx, chat) };
  });
};
