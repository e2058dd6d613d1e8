/**
 * One's own account, for techs and portal users alike (SPEC Part 2, "Own account"): change the
 * password, see one's sessions and end them.
 *
 * - Changing the password needs the current one (checked as a login attempt, so guessing it is
 *   throttled like a login) and ends every other session of the user; this one stays.
 * - A session is named to its user by an id derived from its stored hash: the token never leaves
 *   the cookie, and the id opens nothing.
 * - Ending sessions publishes `session.ended`: their sockets close on every node.
 * - Only one's own sessions are listed or ended: every query is by the user of the session asking.
 */
import crypto from 'node:crypto';
import { NotFound } from '../errors.js';
import type { Ctx } from './context.js';
import { inTransaction } from './context.js';
import type { Actor } from '../policies/access.js';
import { hashPassword, tokenHash } from './auth.js';
import { asLoginAttempt, checkPassword, twoFactorStatus } from './two-factor.js';
import { accountEmail, deleteSessionsByHash, deleteSessionsExcept, sessionsOf, setPasswordHash, touchSession } from '../db/repositories/account.js';

/** A session's "last seen" is written at most this often, not on every request. */
export const LAST_SEEN_EVERY_MS = 60_000;

/** The id a user sees for one of their sessions. */
export const sessionId = (hash: string) => crypto.createHash('sha256').update(`session-id:${hash}`).digest('base64url').slice(0, 22);

export type SessionView = { id: string; current: boolean; createdAt: string; lastSeenAt: string; userAgent: string | null; ip: string | null };

export async function listSessions(ctx: Ctx, actor: Actor, currentToken: string): Promise<SessionView[]> {
  const current = tokenHash(currentToken);
  const rows = await sessionsOf(ctx.db, actor.kind, actor.id, ctx.now());
  return rows
    .map((r) => ({
      id: sessionId(r.token_hash),
      current: r.token_hash === current,
      seen: Number(r.last_seen_at ?? r.created_at),
      createdAt: new Date(Number(r.created_at)).toISOString(),
      userAgent: r.user_agent,
      ip: r.ip,
    }))
    .sort((a, b) => Number(b.current) - Number(a.current) || b.seen - a.seen)
    .map(({ seen, ...v }) => ({ ...v, lastSeenAt: new Date(seen).toISOString() }));
}

/** Ends one of the user's own sessions, by its id; another user's is not found. */
export async function endSession(ctx: Ctx, actor: Actor, id: string): Promise<void> {
  const rows = await sessionsOf(ctx.db, actor.kind, actor.id, ctx.now());
  const target = rows.find((r) => sessionId(r.token_hash) === id);
  if (!target || !(await deleteSessionsByHash(ctx.db, actor.kind, actor.id, [target.token_hash]))) throw new NotFound('Session');
  ctx.bus.publish('session.ended', { kind: actor.kind, userId: actor.id });
}

/** Ends every session of the user but the one asking; how many ended. */
export async function endOtherSessions(ctx: Ctx, actor: Actor, currentToken: string): Promise<number> {
  const ended = await deleteSessionsExcept(ctx.db, actor.kind, actor.id, tokenHash(currentToken));
  if (ended) ctx.bus.publish('session.ended', { kind: actor.kind, userId: actor.id });
  return ended;
}

/** A new password, given the current one; every other session of the user ends. */
export async function changePassword(
  ctx: Ctx,
  actor: Actor,
  currentToken: string,
  current: string,
  next: string,
  ip: string,
): Promise<{ endedSessions: number }> {
  const email = await accountEmail(ctx.db, actor.kind, actor.id);
  if (email === undefined) throw new NotFound('Account');
  await asLoginAttempt(ctx, email, ip, () => checkPassword(ctx.db, actor.kind, actor.id, current), actor.kind);
  const hash = await hashPassword(next);
  const ended = await inTransaction(ctx, async (trx, outbox) => {
    await setPasswordHash(trx, actor.kind, actor.id, hash);
    if (actor.kind === 'tech') await trx.deleteFrom('login_tickets').where('tech_id', '=', actor.id).execute();
    const n = await deleteSessionsExcept(trx, actor.kind, actor.id, tokenHash(currentToken));
    outbox.add('session.ended', { kind: actor.kind, userId: actor.id });
    return n;
  });
  return { endedSessions: ended };
}

/** Who I am, as My account shows it; a tech also sees the state of two-factor (what turning it on takes depends on this session). */
export async function accountView(ctx: Ctx, actor: Actor, currentToken: string) {
  const email = await accountEmail(ctx.db, actor.kind, actor.id);
  if (email === undefined) throw new NotFound('Account');
  return { kind: actor.kind, name: actor.name, email, twoFactor: actor.kind === 'tech' ? await twoFactorStatus(ctx, actor.id, currentToken) : null };
}

/** Records that the session was used, at most once a minute (`LAST_SEEN_EVERY_MS`). */
export async function sessionSeen(ctx: Pick<Ctx, 'db' | 'now'>, hash: string, lastSeenAt: number | null, createdAt: number): Promise<void> {
  const now = ctx.now();
  if (now - Number(lastSeenAt ?? createdAt) < LAST_SEEN_EVERY_MS) return;
  await touchSession(ctx.db, hash, now, now - LAST_SEEN_EVERY_MS);
}
