/**
 * My account, for the session's own user: under /api/console/account for techs and
 * /api/portal/account for portal users (services/account.ts); two-factor for techs only
 * (services/two-factor.ts). These routes stay open to a tech who must still set up two-factor.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../services/context.js';
import { guardRoutes, type Audience } from './session.js';
import { answers } from './answers.js';
import { ChangePasswordBody, EmptyBody, SessionIdParam, TwoFactorCheckBody, TwoFactorConfirmBody } from '../../shared/schemas.js';
import { Account, AccountSession, Done, EndedSessions, RecoveryCodes, TwoFactorSetup } from '../../shared/views.js';
import { accountView, changePassword, endOtherSessions, endSession, listSessions } from '../services/account.js';
import { confirmSetup, renewRecoveryCodes, startSetup, turnOff } from '../services/two-factor.js';
import type { TechActor } from '../policies/access.js';
import { accountEmail } from '../db/repositories/account.js';

export const accountRoutes = (ctx: Ctx, audience: Audience) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // A person's own sign-in: their session only, never an API token; open to a tech who must still set up two-factor.
  guardRoutes(app, ctx, audience, { twoFactorSetup: true, tokens: false });
  const tags = ['account'];
  const actorOf = (req: FastifyRequest) => req.actor!;
  const tokenOf = (req: FastifyRequest) => req.sessionToken!;
  // Nothing here is to be kept by a browser or a proxy: the setup answer holds a secret.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('Cache-Control', 'no-store');
    return payload;
  });

  app.get('/', { schema: { tags, response: answers(Account) } }, async (req) => accountView(ctx, actorOf(req), tokenOf(req)));
  app.post('/password', { schema: { tags, body: ChangePasswordBody, response: answers(EndedSessions) } }, async (req) =>
    changePassword(ctx, actorOf(req), tokenOf(req), req.body.currentPassword, req.body.newPassword, req.ip),
  );
  app.get('/sessions', { schema: { tags, response: answers(z.array(AccountSession)) } }, async (req) => listSessions(ctx, actorOf(req), tokenOf(req)));
  app.delete('/sessions/:id', { schema: { tags, params: SessionIdParam, response: answers(Done) } }, async (req) => {
    await endSession(ctx, actorOf(req), req.params.id);
    return { ok: true as const };
  });
  app.post('/sessions/end-others', { schema: { tags, body: EmptyBody, response: answers(EndedSessions) } }, async (req) => ({
    endedSessions: await endOtherSessions(ctx, actorOf(req), tokenOf(req)),
  }));

  if (audience !== 'tech') return;
  const tech = (req: FastifyRequest) => req.actor as TechActor;
  const emailOf = async (req: FastifyRequest) => (await accountEmail(ctx.db, 'tech', tech(req).id)) ?? '';
  app.post('/two-factor/setup', { schema: { tags, body: EmptyBody, response: answers(TwoFactorSetup) } }, async (req) =>
    startSetup(ctx, tech(req).id, await emailOf(req)),
  );
  app.post('/two-factor/confirm', { schema: { tags, body: TwoFactorConfirmBody, response: answers(RecoveryCodes) } }, async (req) =>
    confirmSetup(ctx, tech(req).id, await emailOf(req), { code: req.body.code, password: req.body.password, sessionToken: tokenOf(req) }, req.ip),
  );
  app.post('/two-factor/off', { schema: { tags, body: TwoFactorCheckBody, response: answers(Done) } }, async (req) => {
    await turnOff(ctx, tech(req).id, await emailOf(req), { ...req.body, sessionToken: tokenOf(req) }, req.ip);
    return { ok: true as const };
  });
  app.post('/two-factor/recovery-codes', { schema: { tags, body: TwoFactorCheckBody, response: answers(RecoveryCodes) } }, async (req) =>
    renewRecoveryCodes(ctx, tech(req).id, await emailOf(req), { ...req.body, sessionToken: tokenOf(req) }, req.ip),
  );
};
