import crypto from 'node:crypto';
import { InvalidCredentials, SignInRefused } from '../errors.js';
import { passwordSignInOn } from '../db/repositories/sso.js';
import { clearOldFailures, forgetAttempts, loginKeys, settleAttempts } from './rate-limit.js';
import type { Limits } from './limits.js';
import type { Db, Tx } from '../db/database.js';
import type { Ctx } from './context.js';
import { accountByEmail, deleteSession, insertSession, sessionByHash } from '../db/repositories/people.js';
import { deleteExpiredTickets, insertLoginTicket, twoFactorRow } from '../db/repositories/account.js';
import { loadPortalActor, loadTechActor, type Actor } from '../policies/access.js';

const SESSION_MS = 7 * 24 * 3600 * 1000;
const ARGON = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

// The native argon2 module is loaded at the first password check, not at start: a node that
// serves no login does not need it.
let argon2: Promise<typeof import('@node-rs/argon2')> | null = null;
const loadArgon2 = () => (argon2 ??= import('@node-rs/argon2'));

export const hashPassword = async (password: string) => (await loadArgon2()).hash(password, ARGON);
/** Whether `password` matches the stored argon2 `hash`; throws on a malformed hash. */
export const verifyPassword = async (hash: string, password: string) => (await loadArgon2()).verify(hash, password);

// Verifying against a real hash even for unknown users keeps the timing of both answers alike.
let dummyHash: Promise<string> | null = null;

/** Sessions are stored by the hash of their token only: a leaked table opens no session. */
export const tokenHash = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** What a session list shows of where a session was started (services/account.ts). */
export type SessionMeta = { userAgent?: string | null; ip?: string | null };
/** How long a login that still needs its code waits for it. */
export const LOGIN_TICKET_MS = 5 * 60 * 1000;

export type LoginResult = { step: 'session'; token: string; userId: number } | { step: 'two_factor'; ticket: string; expiresAt: number; userId: number };

/** A new session of the user: its token (the cookie), stored by hash only. */
export async function startSession(db: Tx, kind: 'tech' | 'portal', userId: number, meta: SessionMeta, now: number): Promise<string> {
  const token = crypto.randomBytes(32).toString('base64url');
  await insertSession(db, {
    token_hash: tokenHash(token),
    user_kind: kind,
    user_id: userId,
    created_at: now,
    expires_at: now + SESSION_MS,
    last_seen_at: now,
    user_agent: meta.userAgent?.slice(0, 400) ?? null,
    ip: meta.ip ?? null,
  });
  return token;
}

/**
 * A right password gives a session, or, for a tech whose two-factor is on, a pending step: a
 * one-time ticket (stored by hash, good for a few minutes) to be given back with a code
 * (services/two-factor.ts, `completeTwoFactorLogin`).
 */
export async function login(
  db: Db,
  limits: Limits,
  kind: 'tech' | 'portal',
  email: string,
  password: string,
  ip: string,
  now = Date.now(),
  meta: SessionMeta = {},
): Promise<LoginResult> {
  // Off for the side while an issuer serves it (services/oidc.ts): only single sign-on lets in.
  if (!(await passwordSignInOn(db, kind))) throw new SignInRefused('password_sign_in_off', 'Password sign-in is turned off here: use single sign-on.');
  const normalized = email.trim().toLowerCase();
  // Counted before the (slow) password check, so parallel guesses count too; taken back on success.
  const attempt = await limits.login.begin(db, loginKeys(kind, normalized, ip), now);
  const user = await accountByEmail(db, kind, normalized);
  dummyHash ??= hashPassword('not-a-real-password');
  const ok = await verifyPassword(user?.password_hash ?? (await dummyHash), password).catch(() => false);
  if (!user || !ok || user.active !== 1) {
    await settleAttempts(db, attempt);
    await clearOldFailures(db, now);
    throw new InvalidCredentials();
  }
  await forgetAttempts(db, attempt);
  return signedIn(db, kind, Number(user.id), { ...meta, ip }, now);
}

/**
 * The person is who they say (a right password, or single sign-on): a session, or for a tech
 * whose two-factor is on, the pending step that a code turns into one.
 */
export async function signedIn(db: Db, kind: 'tech' | 'portal', userId: number, meta: SessionMeta, now: number): Promise<LoginResult> {
  if (kind === 'tech') {
    const [twoFactor] = await twoFactorRow(db, userId);
    if (twoFactor && twoFactor.enabled_at !== null) {
      const ticket = crypto.randomBytes(32).toString('base64url');
      await deleteExpiredTickets(db, now);
      await insertLoginTicket(db, { ticket_hash: tokenHash(ticket), tech_id: userId, created_at: now, expires_at: now + LOGIN_TICKET_MS });
      return { step: 'two_factor', ticket, expiresAt: now + LOGIN_TICKET_MS, userId };
    }
  }
  return { step: 'session', token: await startSession(db, kind, userId, meta, now), userId };
}

/** Ends one session; its open sockets, on every node, close (see realtime/fanout.ts). */
export async function logout(ctx: Pick<Ctx, 'db' | 'bus'>, token: string) {
  const ended = await deleteSession(ctx.db, tokenHash(token));
  if (ended) ctx.bus.publish('session.ended', { kind: ended.user_kind as 'tech' | 'portal', userId: Number(ended.user_id) });
}

/** The actor behind a session token, with grants read fresh, or null. */
export async function actorFromToken(db: Db, token: string | undefined): Promise<Actor | null> {
  return (await sessionFromToken(db, token))?.actor ?? null;
}

/** The live session behind a token and its actor, or null. */
export async function sessionFromToken(db: Db, token: string | undefined) {
  if (!token || token.length > 200) return null;
  const [s] = await sessionByHash(db, tokenHash(token));
  if (!s || Number(s.expires_at) < Date.now()) return null;
  const actor = s.user_kind === 'tech' ? await loadTechActor(db, Number(s.user_id)) : await loadPortalActor(db, Number(s.user_id));
  return actor ? { actor, session: s } : null;
}
