import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { TokenScope, Unauthenticated } from '../errors.js';
import { authorize } from '../policies/rules.js';
import type { Ctx } from '../services/context.js';
import { actorFromApiToken } from '../services/api-tokens.js';
import { scopeAllows, scopesAllowing, type TokenArea } from '../policies/token-scopes.js';
import { sessionFromToken } from '../services/auth.js';
import { sessionSeen } from '../services/account.js';
import { mustSetUpTwoFactor, TotpRequired } from '../services/two-factor.js';
import type { Actor, PortalActor, TechActor } from '../policies/access.js';

export type Audience = 'portal' | 'tech';
export const COOKIE: Record<Audience, string> = { portal: 'hd_portal', tech: 'hd_tech' };

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    /** The API token the request came with (its id), when it came with one. */
    apiTokenId?: number;
    /** The token of the session behind `actor` (from its cookie): own-account routes name "this session" by it. */
    sessionToken?: string;
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

/** The secret of `Authorization: Bearer <secret>` (possibly empty), or null when the request names no bearer token. */
export function bearerSecret(req: Pick<IncomingMessage, 'headers'>): string | null {
  const m = /^bearer(?:\s+(.*))?$/is.exec(req.headers.authorization ?? '');
  return m ? (m[1] ?? '').trim() : null;
}

export type SessionOpts = {
  /** Admins only (the admin API). */
  admin?: boolean;
  /** Whether API tokens may be used (tech audience only; default yes). No for what only a person at the console may do. */
  tokens?: boolean;
  /** The own-account routes: a tech who must set up two-factor may use these, and only these. */
  twoFactorSetup?: boolean;
};
/** What a guard takes, recorded in each guarded route's config for the OpenAPI document (openapi.ts). */
export type Guard = { audience: Audience; area: TokenArea; tokens: boolean };

/**
 * onRequest hook: the request must carry a live session of the audience; grants are read fresh.
 * While an admin requires two-factor, a tech without it is refused (`totp_required`) everywhere
 * but the own-account routes (`twoFactorSetup`), where they set it up, and so are the API tokens
 * they made. A request with `Authorization: Bearer` is judged by its API token alone and its cookies are not
 * read, which is why such a request needs no Origin check (app.ts): a browser cannot add that
 * header to another site's request, and without it the cookie is what counts.
 */
export function requireSession(ctx: Ctx, audience: Audience, opts: SessionOpts = {}) {
  const area: TokenArea = opts.admin ? 'admin' : 'console';
  const tokens = audience === 'tech' && opts.tokens !== false;
  return async (req: FastifyRequest) => {
    const bearer = bearerSecret(req.raw);
    if (bearer !== null) {
      if (!tokens) throw new TokenScope('API tokens are not taken here: this route needs a person signed in');
      const t = await actorFromApiToken(ctx.db, bearer, req.ip, ctx.now());
      // A token carries no more than its admin: held at the set-up, so is the token.
      if (await mustSetUpTwoFactor(ctx.db, t.actor.id))
        throw new TotpRequired('Two-factor sign-in is required and the admin who made this token has not set it up: the token works again once they have.');
      if (!scopeAllows(t.scopes, area, req.method)) {
        const needed = scopesAllowing(area, req.method);
        throw new TokenScope(`This token's scopes (${t.scopes.join(', ')}) do not allow ${req.method} on the ${area} API: it needs ${needed.join(' or ')}`, {
          needed,
          scopes: t.scopes,
        });
      }
      req.actor = t.actor;
      req.apiTokenId = t.tokenId;
      return;
    }
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

/** Guards every route of the plugin `app` (register it first), and records how for the OpenAPI document. */
export function guardRoutes(app: FastifyInstance, ctx: Ctx, audience: Audience, opts: SessionOpts = {}) {
  const guard: Guard = { audience, area: opts.admin ? 'admin' : 'console', tokens: audience === 'tech' && opts.tokens !== false };
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), guard } as typeof route.config;
  });
  app.addHook('onRequest', requireSession(ctx, audience, opts));
}

export const techOf = (req: FastifyRequest) => req.actor as TechActor;
export const portalOf = (req: FastifyRequest) => req.actor as PortalActor;
