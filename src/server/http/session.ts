import type { FastifyReply, FastifyRequest } from 'fastify';
import { Unauthenticated } from '../errors.js';
import { authorize } from '../policies/rules.js';
import type { Ctx } from '../services/context.js';
import { actorFromToken } from '../services/auth.js';
import type { Actor, PortalActor, TechActor } from '../policies/access.js';

export type Audience = 'portal' | 'tech';
export const COOKIE: Record<Audience, string> = { portal: 'hd_portal', tech: 'hd_tech' };

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

/**
 * The session cookie. Inside the website widget's frame (another site's page; the frame's
 * requests say so with `x-helpdesk-embed: 1`) a Lax cookie would be neither stored nor sent, so
 * there it is SameSite=None, Secure and Partitioned: kept in a jar of that host site's own, apart
 * from the portal's first-party cookie. Cross-site requests that would carry it are refused by the
 * origin check (http/app.ts) unless they come from our own pages.
 */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, audience: Audience, token: string | null) {
  const embedded = req.headers['x-helpdesk-embed'] === '1';
  const opts = embedded
    ? { path: '/', httpOnly: true, sameSite: 'none' as const, secure: true, partitioned: true }
    : { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: req.protocol === 'https' };
  if (token === null) reply.clearCookie(COOKIE[audience], opts);
  else reply.setCookie(COOKIE[audience], token, { ...opts, maxAge: 7 * 24 * 3600 });
}

/** onRequest hook: the request must carry a live session of the audience; grants are read fresh. */
export function requireSession(ctx: Ctx, audience: Audience, opts: { admin?: boolean } = {}) {
  return async (req: FastifyRequest) => {
    const actor = await actorFromToken(ctx.db, req.cookies[COOKIE[audience]]);
    if (!actor || actor.kind !== audience) throw new Unauthenticated();
    if (opts.admin) authorize(actor, 'admin.manage');
    req.actor = actor;
  };
}

export const techOf = (req: FastifyRequest) => req.actor as TechActor;
export const portalOf = (req: FastifyRequest) => req.actor as PortalActor;
