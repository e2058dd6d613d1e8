/**
 * Single sign-on over HTTP (services/oidc.ts, services/sso-admin.ts).
 *
 * Public, under /api/auth: what a login page offers (`GET /:audience/sign-in`), and the two browser
 * navigations of a sign-in, start and callback. Those two answer with redirects, not JSON, so they
 * are left out of the OpenAPI document; every refusal ends on the side's login page with
 * `?sign_in_error=<code>` (the words are in shared/sso.ts).
 *
 * Admin, under /api/admin/sso: issuers, password sign-in per side, companies' email domains.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../services/context.js';
import { AppError } from '../errors.js';
import { TokenBuckets } from '../services/rate-limit.js';
import { finishSignIn, signInOptions, startSignIn } from '../services/oidc.js';
import { companiesSignIn, createIssuer, deleteIssuer, setCompanySignIn, setPasswordSignIn, ssoAdminView, updateIssuer } from '../services/sso-admin.js';
import { guardRoutes, setSessionCookie } from './session.js';
import { requestScheme } from './proxy-trust.js';
import { answers } from './answers.js';
import { IdParam } from '../../shared/schemas.js';
import { Created, Done } from '../../shared/views.js';
import { CompanySignIn, CompanySignInBody, IssuerBody, IssuerPatch, PasswordSignInBody, SignInOptions, SsoAdminView } from '../../shared/sso.js';
import type { Side } from '../db/repositories/sso.js';

const AudienceParam = z.object({ audience: z.enum(['portal', 'tech']) });
const StartParams = AudienceParam.extend({ id: IdParam.shape.id });
const LOGIN_PAGE: Record<Side, string> = { portal: '/', tech: '/console' };
/** The state a browser started a sign-in with, for its callback only. */
const stateCookie = (side: Side) => `hd_oidc_${side}`;

/** PUBLIC_URL's origin, or (unset) the one the request was sent to: redirect URIs are made from it. */
export function publicOrigin(ctx: Ctx, req: FastifyRequest): string {
  return ctx.config.publicOrigin ?? `${requestScheme(req.raw, ctx.config.trustProxy)}://${req.headers.host}`;
}

function setStateCookie(req: FastifyRequest, reply: FastifyReply, side: Side, state: string | null) {
  const opts = { path: `/api/auth/${side}/oidc`, httpOnly: true, sameSite: 'lax' as const, secure: req.protocol === 'https' };
  if (state === null) reply.clearCookie(stateCookie(side), opts);
  else reply.setCookie(stateCookie(side), state, { ...opts, maxAge: 600 });
}

function refusedTo(reply: FastifyReply, side: Side, err: unknown) {
  if (!(err instanceof AppError)) throw err;
  return reply.redirect(`${LOGIN_PAGE[side]}?sign_in_error=${encodeURIComponent(err.code)}`, 302);
}

export const ssoAuthRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];
  // Each start keeps a row for ten minutes, for anyone who asks: an address may start 60 at once, then one a second (per node).
  const starts = new TokenBuckets(60, 1, 'Too many sign-ins started from this address');
  app.get('/:audience/sign-in', { schema: { tags, params: AudienceParam, response: answers(SignInOptions) } }, async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    return signInOptions(ctx, req.params.audience);
  });
  app.get('/:audience/oidc/:id/start', { schema: { hide: true, params: StartParams } }, async (req, reply) => {
    const side = req.params.audience;
    try {
      starts.take(req.ip, ctx.now());
      const { url, state } = await startSignIn(ctx, side, req.params.id, publicOrigin(ctx, req));
      setStateCookie(req, reply, side, state);
      reply.header('Cache-Control', 'no-store');
      return reply.redirect(url, 302);
    } catch (err) {
      return refusedTo(reply, side, err);
    }
  });
  app.get('/:audience/oidc/callback', { schema: { hide: true, params: AudienceParam } }, async (req, reply) => {
    const side = req.params.audience;
    const q = req.url.indexOf('?');
    setStateCookie(req, reply, side, null);
    reply.header('Cache-Control', 'no-store');
    try {
      const r = await finishSignIn(ctx, req.log, side, q < 0 ? '' : req.url.slice(q + 1), req.cookies[stateCookie(side)], publicOrigin(ctx, req), {
        userAgent: req.headers['user-agent'],
        ip: req.ip,
      });
      // The code step's ticket goes in the fragment: a browser sends it to no server, nor in a Referer.
      if (r.step === 'two_factor') return reply.redirect(`${LOGIN_PAGE[side]}#two_factor=${r.ticket}`, 302);
      setSessionCookie(req, reply, side, r.token);
      return reply.redirect(LOGIN_PAGE[side], 302);
    } catch (err) {
      return refusedTo(reply, side, err);
    }
  });
};

export const ssoAdminRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // Who may sign in, and how: an admin's session only, never an API token.
  guardRoutes(app, ctx, 'tech', { admin: true, tokens: false });
  const tags = ['admin'];
  app.get('/', { schema: { tags, response: answers(SsoAdminView) } }, async (req) => ssoAdminView(ctx.db, publicOrigin(ctx, req)));
  app.post('/issuers', { schema: { tags, body: IssuerBody, response: answers(Created, 201) } }, async (req, reply) => {
    reply.status(201);
    return { id: await createIssuer(ctx, req.body) };
  });
  app.patch('/issuers/:id', { schema: { tags, params: IdParam, body: IssuerPatch, response: answers(Created) } }, async (req) => {
    await updateIssuer(ctx, req.params.id, req.body);
    return { id: req.params.id };
  });
  app.delete('/issuers/:id', { schema: { tags, params: IdParam, response: answers(Done) } }, async (req) => {
    await deleteIssuer(ctx, req.params.id);
    return { ok: true as const };
  });
  app.put('/password-sign-in', { schema: { tags, body: PasswordSignInBody, response: answers(Done) } }, async (req) => {
    await setPasswordSignIn(ctx, req.body);
    return { ok: true as const };
  });
  app.get('/companies', { schema: { tags, response: answers(z.array(CompanySignIn)) } }, async () => companiesSignIn(ctx.db));
  app.put('/companies/:id', { schema: { tags, params: IdParam, body: CompanySignInBody, response: answers(Done) } }, async (req) => {
    await setCompanySignIn(ctx, req.params.id, req.body);
    return { ok: true as const };
  });
};
