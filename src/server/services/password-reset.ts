/**
 * Password reset by email, for techs and portal users alike. Asking gets the same answer whether
 * or not the address belongs to anyone (an unknown or deactivated address sends nothing), and is
 * throttled per address and per network address. The mail carries a link with a random token,
 * made when the mail is sent and stored only as its hash; it works once, for an hour, and only
 * the newest request of a person works. Setting the new password ends all of that person's
 * sessions, their open sockets with them (`session.ended`), and a tech's pending two-factor step.
 */
import crypto from 'node:crypto';
import { ResetTokenInvalid } from '../errors.js';
import { accountByEmail, deleteSessionsOf } from '../db/repositories/people.js';
import { inTransaction, type Ctx } from './context.js';
import { hashPassword, tokenHash } from './auth.js';
import { addressKey, clearOldFailures, FailureThrottle } from './rate-limit.js';
import { queueMail, requireMail } from './mail.js';

export const RESET_VALID_MS = 60 * 60 * 1000;

type Kind = 'tech' | 'portal';

/**
 * Every request counts: three for one address an hour come at once, then each waits longer; a
 * network address may ask for ten addresses before it is slowed.
 */
const throttle = new FailureThrottle({
  resetacct: { windowMs: RESET_VALID_MS, free: 3, baseDelayMs: 60_000, maxDelayMs: 15 * 60_000, lockAt: 6 },
  resetip: { windowMs: RESET_VALID_MS, free: 10, baseDelayMs: 10_000, maxDelayMs: 10 * 60_000 },
});

/** Asks for a reset mail. Resolves the same way for any address; throws only when throttled or email is off. */
export async function requestPasswordReset(ctx: Ctx, kind: Kind, email: string, ip: string): Promise<void> {
  requireMail(ctx.config);
  const normalized = email.trim().toLowerCase();
  const now = ctx.now();
  await throttle.begin(ctx.db, [`resetacct:${kind}/${normalized}`, `resetip:${addressKey(ip)}`], now);
  await clearOldFailures(ctx.db, now);
  const user = await accountByEmail(ctx.db, kind, normalized);
  if (!user || Number(user.active) !== 1) return;
  const userId = Number(user.id);
  await inTransaction(ctx, async (trx, outbox) => {
    // Only the newest request's link works.
    await trx
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('user_kind', '=', kind)
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .execute();
    const row = await trx
      .insertInto('password_resets')
      .values({ user_kind: kind, user_id: userId, token_hash: null, created_at: now, expires_at: now + RESET_VALID_MS, used_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await queueMail(trx, outbox, ctx.config, { purpose: 'password_reset', to: normalized, subject: 'Reset your password', resetId: Number(row.id), now });
  });
}

/** The link a reset mail carries: the token after `#`, so it stays out of server logs and Referer headers. */
export function resetLink(publicUrl: string, kind: Kind, token: string): string {
  return `${publicUrl}${kind === 'tech' ? '/console' : ''}/reset-password#token=${token}`;
}

/**
 * The text of a reset mail, with a new token for its link (a mail sent again carries a new one,
 * and the earlier link stops working); null when the request was used, replaced or has expired.
 */
export async function resetMailText(ctx: Ctx, resetId: number): Promise<string | null> {
  const now = ctx.now();
  const token = crypto.randomBytes(32).toString('base64url');
  const r = await ctx.db
    .updateTable('password_resets')
    .set({ token_hash: tokenHash(token) })
    .where('id', '=', resetId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['user_kind', 'expires_at'])
    .executeTakeFirst();
  if (!r || !ctx.config.mail.publicUrl) return null;
  const link = resetLink(ctx.config.mail.publicUrl, r.user_kind, token);
  return [
    'Someone (we hope you) asked to reset the password of your helpdesk account.',
    '',
    'To choose a new password, open this link within the hour:',
    link,
    '',
    'The link works once. If you did not ask for this, ignore this mail: your password stays as it is.',
    '',
  ].join('\n');
}

/** Sets a new password with a reset token; every session of that person ends. */
export async function resetPassword(ctx: Ctx, kind: Kind, token: string, password: string): Promise<void> {
  const now = ctx.now();
  await inTransaction(ctx, async (trx, outbox) => {
    const row = await trx.selectFrom('password_resets').selectAll().where('token_hash', '=', tokenHash(token)).executeTakeFirst();
    if (!row || row.user_kind !== kind || row.used_at !== null) throw new ResetTokenInvalid();
    if (Number(row.expires_at) <= now) throw new ResetTokenInvalid(true);
    const id = Number(row.user_id);
    // Used once: of two requests with the same link, one wins.
    const used = await trx.updateTable('password_resets').set({ used_at: now }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) throw new ResetTokenInvalid();
    const changed = await trx
      .updateTable(kind === 'tech' ? 'techs' : 'portal_users')
      .set({ password_hash: await hashPassword(password) })
      .where('id', '=', id)
      .where('active', '=', 1)
      .executeTakeFirst();
    // Deactivated since the mail went: the link is worth nothing.
    if (Number(changed.numUpdatedRows) !== 1) throw new ResetTokenInvalid();
    await trx
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('user_kind', '=', kind)
      .where('user_id', '=', id)
      .where('used_at', 'is', null)
      .execute();
    // With a tech's login at its code step, let in by the old password.
    await deleteSessionsOf(trx, kind, id);
    outbox.add('session.ended', { kind, userId: id });
  });
}
