import type { FastifyReply, FastifyRequest } from 'fastify';
import { Unauthenticated } from '../errors.js';
import { authorize } from '../policies/rules.js';
import type { Ctx } from '../services/context.js';
import { sessionFromToken } from '../services/auth.js';
import { sessionSeen } from '../services/account.js';
import { mustSetUpTwoFactor, TotpRequired } from '../services/two-factor.js';
import type { Actor, PortalActor, TechActor } from '../policies/access.js';

export type Audience = 'portal' | 'tech';
export const COOKIE: Record<Audience, string> = { portal: 'hd_portal', tech: 'hd_tech' };

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    /** The token of the session behind `actor` (from its cookie): own-account routes name "this session" by it. */
    sessionToken?: string;
  }
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, audience: Audience, token: string | null) {
  const opts = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: req.protocol === 'https' };
  if (token === null) reply.clearCookie(COOKIE[audience], opts);
  else reply.setCookie(COOKIE[audience], token, { ...opts, maxAge: 7 * 24 * 3600 });
}

/**
 * onRequest hook: the request must carry a live session of the audience; grants are read fresh.
 * While an admin requires two-factor, a tech without it is refused (`totp_required`) everywhere
 * but the own-account routes (`twoFactorSetup`), where they set it up.
 */
export function requireSession(ctx: Ctx, audience: Audience, opts: { admin?: boolean; twoFactorSetup?: boolean } = {}) {
  return async (req: FastifyRequest) => {
    const token = req.cookies[COOKIE[audience]];
    const found = await sessionFromToken(ctx.db, token);
    if (!found || found.actor.kind !== audience) throw new Unauthenticated();
    const { actor, session } = found;
    if (actor.kind === 'tech' && !opts.twoFactorSetup && (await mustSetUpTwoFactor(ctx.db, actor.id))) throw new TotpRequired();
    if (opts.admin) authorize(actor, 'admin.manage');
    await sessionSeen(ctx, session.token_hash, session.last_seen_at, session.created_at);
    req.actor = actor;
    req.sessionToken = token;
  };
}

export const techOf = (req: FastifyRequest) => req.actor as TechActor;
export const portalOf = (req: FastifyRequest) => req.actor as PortalActor;
