/**
 * Email's routes (services/mail.ts): whether email is on (public: the login pages ask), password
 * reset by email for both sides (public, throttled, the same answer for any address), the
 * transcript by mail for a portal user's own ended chat, and the admin's Email page.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParam, PasswordResetBody, PasswordResetRequestBody, TestMailBody } from '../../shared/schemas.js';
import { Done, EmailAdmin, EmailOptions, MailQueued } from '../../shared/views.js';
import { inTransaction, type Ctx } from '../services/context.js';
import { mailEnabled, mailServer, queueMail, recentMail, requireMail } from '../services/mail.js';
import { requestPasswordReset, resetPassword } from '../services/password-reset.js';
import { mailTranscript } from '../services/chat-mail.js';
import { answers } from './answers.js';
import { guardRoutes, portalOf, techOf } from './session.js';

const AudienceParam = z.object({ audience: z.enum(['portal', 'tech']) });

/** Under /api: `GET /email` and the reset routes under /auth. */
export const mailPublicRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];
  app.get('/email', { schema: { tags, response: answers(EmailOptions) } }, async () => ({ enabled: mailEnabled(ctx.config) }));
  app.post(
    '/auth/:audience/password-reset',
    {
      schema: {
        tags,
        description: 'Mails a password reset link to the address if it belongs to an active account; the answer is the same either way.',
        params: AudienceParam,
        body: PasswordResetRequestBody,
        response: answers(Done),
      },
    },
    async (req) => {
      await requestPasswordReset(ctx, req.params.audience, req.body.email, req.ip);
      return { ok: true as const };
    },
  );
  app.post(
    '/auth/:audience/password-reset/confirm',
    {
      schema: {
        tags,
        description: "Sets a new password with the token from a reset mail; all of that person's sessions end.",
        params: AudienceParam,
        body: PasswordResetBody,
        response: answers(Done),
      },
    },
    async (req) => {
      requireMail(ctx.config);
      await resetPassword(ctx, req.params.audience, req.body.token, req.body.password);
      return { ok: true as const };
    },
  );
};

/** Under /api/portal. */
export const mailPortalRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  guardRoutes(app, ctx, 'portal');
  app.post('/chats/:id/transcript-mail', { schema: { tags: ['portal'], params: IdParam, response: answers(MailQueued) } }, async (req) => {
    requireMail(ctx.config);
    const { to } = await mailTranscript(ctx, portalOf(req), req.params.id);
    return { ok: true as const, to };
  });
};

/** Under /api/admin/email. */
export const mailAdminRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  guardRoutes(app, ctx, 'tech', { admin: true });
  const tags = ['admin'];
  app.get('/', { schema: { tags, response: answers(EmailAdmin) } }, async () => {
    const enabled = mailEnabled(ctx.config);
    return {
      enabled,
      server: mailServer(ctx.config),
      from: enabled ? ctx.config.mail.from : null,
      publicUrl: ctx.config.mail.publicUrl,
      recent: await recentMail(ctx.db, ctx.now()),
    };
  });
  app.post('/test', { schema: { tags, body: TestMailBody, response: answers(MailQueued) } }, async (req) => {
    requireMail(ctx.config);
    const me = techOf(req);
    const to = req.body.to ?? (await ctx.db.selectFrom('techs').select('email').where('id', '=', me.id).executeTakeFirstOrThrow()).email;
    await inTransaction(ctx, (trx, outbox) =>
      queueMail(trx, outbox, ctx.config, {
        purpose: 'test',
        to,
        subject: 'Test mail from the helpdesk',
        text: `${me.name} sent this test mail from the helpdesk's Email admin page. Mail works.\n`,
        now: ctx.now(),
      }),
    );
    return { ok: true as const, to };
  });
};
