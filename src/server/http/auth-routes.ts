import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LoginBody, LoginCodeBody, WidgetIdentityBody } from '../../shared/schemas.js';
import { identitySignIn } from '../services/widget.js';
import type { Ctx } from '../services/context.js';
import { login, logout } from '../services/auth.js';
import { COOKIE, setSessionCookie, type Audience } from './session.js';
import { answers } from './answers.js';
import { Done, LoginAnswer } from '../../shared/views.js';
import { completeTwoFactorLogin } from '../services/two-factor.js';

const AudienceParam = z.object({ audience: z.enum(['portal', 'tech']) });

export const authRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // A tech with two-factor gets no session yet: `twoFactor.ticket` and a code go to /tech/login/two-factor.
  app.post('/:audience/login', { schema: { params: AudienceParam, body: LoginBody, tags: ['auth'], response: answers(LoginAnswer) } }, async (req, reply) => {
    const audience = req.params.audience as Audience;
    const r = await login(ctx.db, ctx.limits, audience, req.body.email, req.body.password, req.ip, ctx.now(), { userAgent: req.headers['user-agent'] });
    if (r.step === 'two_factor') return { ok: true as const, twoFactor: { ticket: r.ticket, expiresAt: new Date(r.expiresAt).toISOString() } };
    setSessionCookie(req, reply, audience, r.token);
    return { ok: true as const };
  });
  app.post('/tech/login/two-factor', { schema: { body: LoginCodeBody, tags: ['auth'], response: answers(Done) } }, async (req, reply) => {
    const { token } = await completeTwoFactorLogin(ctx, req.body.ticket, req.body.code, req.ip, { userAgent: req.headers['user-agent'] });
    setSessionCookie(req, reply, 'tech', token);
    return { ok: true as const };
  });
  // The website widget's frame: a portal user whom the host site vouches for (services/widget.ts).
  app.post('/portal/widget', { schema: { body: WidgetIdentityBody, tags: ['auth'], response: answers(Done) } }, async (req, reply) => {
    const { token } = await identitySignIn(ctx.db, req.body, ctx.now(), { userAgent: req.headers['user-agent'], ip: req.ip });
    setSessionCookie(req, reply, 'portal', token);
    return { ok: true as const };
  });
  app.post('/:audience/logout', { schema: { params: AudienceParam, tags: ['auth'], response: answers(Done) } }, async (req, reply) => {
    const audience = req.params.audience as Audience;
    const token = req.cookies[COOKIE[audience]];
    if (token) await logout(ctx, token);
    setSessionCookie(req, reply, audience, null);
    return { ok: true as const };
  });
};
