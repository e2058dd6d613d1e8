/**
 * Single sign-on with OpenID Connect (SPEC Part 2, "Identity, email and integrations"), with
 * openid-client: the authorization code flow with PKCE, `state` and `nonce`.
 *
 * - Start: a random state, nonce and PKCE verifier are kept in `oidc_logins` under the hash of the
 *   state for ten minutes; the browser gets the state in a cookie too (http/sso-routes.ts), so a
 *   callback only counts in the browser that started it.
 * - Callback: the state is taken out of the table once (a replayed or unknown state is refused);
 *   openid-client exchanges the code and checks the ID token: signature against the issuer's keys
 *   (enableNonRepudiationChecks: without it only TLS would vouch for the token), issuer, audience,
 *   expiry and nonce. Then the email must be verified, and the person found (or created) here.
 * - A tech whose two-factor is on gets the code step of a password login (a ticket), not a session.
 *
 * Every refusal is a `SignInRefused` with a stable code; the route turns it into a redirect to the
 * login page. The client secret is sent to the issuer only, never logged.
 */
import type * as Client from 'openid-client';
import type { FastifyBaseLogger } from 'fastify';
import { AppError, NotFound, SignInRefused } from '../errors.js';
import type { Tx } from '../db/database.js';
import { isUniqueViolation } from '../db/database.js';
import type { OidcIssuersTable } from '../db/schema.js';
import type { Selectable } from 'kysely';
import {
  companyByDomain,
  deleteExpiredLogins,
  insertLogin,
  issuerById,
  issuerRows,
  passwordSignInOn,
  personByEmail,
  portalUserByEmail,
  takeLogin,
  type Side,
} from '../db/repositories/sso.js';
import { insertPortalUser, insertTech } from '../db/repositories/people.js';
import { inTransaction, type Ctx } from './context.js';
import { signedIn, tokenHash, type LoginResult, type SessionMeta } from './auth.js';
import { SIGN_IN_REFUSALS, isLoopbackHost, type SignInOptions } from '../../shared/sso.js';
import type { ErrorCode } from '../../shared/errors.js';
import crypto from 'node:crypto';

const LOGIN_TTL_MS = 10 * 60 * 1000;
/** How long a discovered issuer's metadata is kept before it is read again. */
const DISCOVERY_TTL_MS = 10 * 60 * 1000;
/** A password hash no password matches: people created by single sign-on have no password until one is set. */
const NO_PASSWORD = '!sso';

type IssuerRow = Selectable<OidcIssuersTable>;

const refuse = (code: ErrorCode) => new SignInRefused(code, SIGN_IN_REFUSALS[code] ?? 'Single sign-on did not succeed');

/** The redirect URI of a side, under the public origin: what is registered at the issuer. */
export const redirectUri = (origin: string, side: Side) => `${origin}/api/auth/${side}/oidc/callback`;

/** openid-client loads at the first single sign-on, not at every start (docs/benchmarks.md, issue 15: start and idle). */
const openidClient = () => import('openid-client');

/**
 * The issuer's metadata, discovered (`/.well-known/openid-configuration`), with this client's id
 * and secret. Plain http is allowed only for an issuer on this machine (trials and tests).
 */
export async function discover(issuerUrl: string, clientId: string, clientSecret: string): Promise<Client.Configuration> {
  const url = new URL(issuerUrl);
  const insecure = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  const client = await openidClient();
  try {
    const config = await client.discovery(url, clientId, clientSecret, client.ClientSecretBasic(clientSecret), {
      execute: insecure ? [client.allowInsecureRequests] : [],
      timeout: 10,
    });
    client.enableNonRepudiationChecks(config);
    return config;
  } catch (e) {
    throw new AppError(
      'oidc_issuer_unavailable',
      `The issuer at ${url.href} could not be discovered (${(e as Error).message}). Check the issuer URL: its /.well-known/openid-configuration must answer.`,
      422,
    );
  }
}

const configs = new Map<number, { key: string; at: number; config: Promise<Client.Configuration> }>();

/** The issuer's configuration, discovered once per ten minutes, and again whenever the admin changed it. */
function issuerConfig(row: IssuerRow, now: number): Promise<Client.Configuration> {
  const key = `${row.updated_at}|${row.issuer_url}|${row.client_id}`;
  const hit = configs.get(Number(row.id));
  if (hit && hit.key === key && now - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const config = discover(row.issuer_url, row.client_id, row.client_secret);
  configs.set(Number(row.id), { key, at: now, config });
  config.catch(() => configs.delete(Number(row.id)));
  return config;
}

const serves = (row: IssuerRow, side: Side) => (side === 'tech' ? row.for_techs : row.for_portal) === 1;

/** What the login page of a side offers. */
export async function signInOptions(ctx: Ctx, side: Side): Promise<SignInOptions> {
  const [rows, password] = await Promise.all([issuerRows(ctx.db), passwordSignInOn(ctx.db, side)]);
  const issuers = rows.filter((r) => serves(r, side)).map((r) => ({ id: Number(r.id), name: r.name, startUrl: `/api/auth/${side}/oidc/${r.id}/start` }));
  return { password, issuers };
}

/** Begins a sign-in: the issuer's authorization URL to send the browser to, and the state for its cookie. */
export async function startSignIn(ctx: Ctx, side: Side, issuerId: number, origin: string): Promise<{ url: string; state: string }> {
  const now = ctx.now();
  const row = await issuerById(ctx.db, issuerId);
  if (!row || !serves(row, side)) throw new NotFound('Issuer');
  const config = await issuerConfig(row, now).catch(() => {
    throw refuse('oidc_issuer_unavailable');
  });
  const client = await openidClient();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  await deleteExpiredLogins(ctx.db, now);
  await insertLogin(ctx.db, {
    state_hash: tokenHash(state),
    issuer_id: Number(row.id),
    side,
    nonce,
    code_verifier: verifier,
    created_at: now,
    expires_at: now + LOGIN_TTL_MS,
  });
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(origin, side),
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url: url.href, state };
}

type Identity = { email: string; name: string };

/**
 * Ends a sign-in at the callback: `query` is the callback's query string, `browserState` the state
 * the browser kept in its cookie. A session for the side, or a `SignInRefused`.
 */
export async function finishSignIn(
  ctx: Ctx,
  log: FastifyBaseLogger,
  side: Side,
  query: string,
  browserState: string | undefined,
  origin: string,
  meta: SessionMeta = {},
): Promise<LoginResult> {
  const now = ctx.now();
  const params = new URLSearchParams(query);
  const state = params.get('state');
  if (!state || state.length > 200 || !browserState || !safeEqual(state, browserState)) throw refuse('oidc_state_invalid');
  const login = await takeLogin(ctx.db, tokenHash(state));
  if (!login || login.side !== side || Number(login.expires_at) < now) throw refuse('oidc_state_invalid');
  if (params.has('error')) {
    log.info({ side, issuer: Number(login.issuer_id), error: params.get('error')?.slice(0, 100) }, 'single sign-on refused by the issuer');
    throw refuse('oidc_provider_error');
  }
  const row = await issuerById(ctx.db, Number(login.issuer_id));
  if (!row || !serves(row, side)) throw refuse('oidc_state_invalid');
  const config = await issuerConfig(row, now).catch(() => {
    throw refuse('oidc_issuer_unavailable');
  });

  const current = new URL(redirectUri(origin, side));
  current.search = params.toString();
  const client = await openidClient();
  let identity: Identity & { verified: unknown };
  try {
    const tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: login.code_verifier,
      expectedState: state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('no ID token');
    let source: Record<string, unknown> = claims;
    // Many issuers (oidc-provider by default) leave the email out of the ID token of a code flow:
    // then it comes from the UserInfo endpoint, for the same subject.
    if (typeof claims.email !== 'string') source = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    identity = {
      email: typeof source.email === 'string' ? source.email.trim().toLowerCase() : '',
      name: typeof source.name === 'string' && source.name.trim() ? source.name.trim().slice(0, 200) : '',
      verified: source.email_verified,
    };
  } catch (e) {
    // The reason names the failed check (e.g. "unexpected JWT "aud" claim value"); never a token or the secret.
    const err = e as Error & { code?: string; cause?: { message?: string } };
    log.warn({ side, issuer: Number(row.id), reason: (err.cause?.message ?? err.message ?? '').slice(0, 300), code: err.code }, 'single sign-on token refused');
    throw refuse('oidc_token_invalid');
  }
  if (!identity.email.includes('@') || identity.verified !== true) throw refuse('oidc_email_unverified');
  const name = identity.name || identity.email.split('@')[0];

  const userId = await inTransaction(ctx, (trx) =>
    side === 'tech' ? techFor(trx, row, identity.email, name, now) : portalUserFor(trx, row, identity.email, name, now),
  );
  // A tech whose two-factor is on gives a code too, as after a password: the issuer vouches for
  // the address, not for the second factor the tech turned on (or an admin requires) here.
  const result = await signedIn(ctx.db, side, userId, meta, now);
  log.info({ side, issuer: Number(row.id), userId, step: result.step }, 'single sign-on');
  return result;
}

/** The tech with the email; or, when the issuer says so, a new one without any grant. */
async function techFor(trx: Tx, issuer: IssuerRow, email: string, name: string, now: number): Promise<number> {
  const tech = await personByEmail(trx, 'tech', email);
  if (tech) {
    if (tech.active !== 1) throw refuse('oidc_user_inactive');
    return Number(tech.id);
  }
  if (issuer.create_techs !== 1) throw refuse('oidc_user_unknown');
  return created(() => insertTech(trx, { email, name, password_hash: NO_PASSWORD, role: 'tech', available: 0, all_companies: 0, active: 1, created_at: now }));
}

/**
 * The company the email's domain belongs to, and in it the portal user with the email, or a new
 * one when the company allows. An existing person is let in only when their own company lists the
 * domain: an issuer serving the portal is often a client company's own, whose admin can give any
 * address to any account, and the listed domain is what says which company takes an issuer's word
 * for an address. A company that lists no domain does not sign its people in this way at all; one
 * that names its issuer takes no other's word (a client company's own issuer could otherwise vouch
 * for another company's domain).
 */
async function portalUserFor(trx: Tx, issuer: IssuerRow, email: string, name: string, now: number): Promise<number> {
  const company = await companyByDomain(trx, email.slice(email.lastIndexOf('@') + 1));
  // A company that names its issuer takes no other issuer's word for its people's addresses.
  if (company && company.sso_issuer_id !== null && Number(company.sso_issuer_id) !== Number(issuer.id)) throw refuse('oidc_issuer_not_allowed');
  const user = await portalUserByEmail(trx, email);
  if (user) {
    if (user.active !== 1) throw refuse('oidc_user_inactive');
    if (!company || Number(company.id) !== Number(user.company_id)) throw refuse('oidc_domain_unknown');
    return Number(user.id);
  }
  if (!company) throw refuse('oidc_domain_unknown');
  if (company.sso_create_users !== 1) throw refuse('oidc_user_unknown');
  return created(() =>
    insertPortalUser(trx, { company_id: Number(company.id), email, name, phone: null, password_hash: NO_PASSWORD, active: 1, created_at: now }),
  );
}

/** Of two first sign-ins of the same new person at once, the second is refused and asked to start again (then it finds the row). */
async function created(insert: () => Promise<number>): Promise<number> {
  try {
    return await insert();
  } catch (e) {
    if (isUniqueViolation(e)) throw refuse('oidc_state_invalid');
    throw e;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Forgets a discovered configuration (the issuer was changed or removed). */
export const forgetIssuer = (id: number) => configs.delete(id);
