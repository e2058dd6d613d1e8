/**
 * Two-factor sign-in for techs (SPEC Part 2, "Identity, email and integrations"): time-based
 * codes (TOTP, 30-second steps, 6 digits) from an authenticator app, and recovery codes.
 *
 * - The secret is made here and shown once, while setting up (as a QR code and as text); it is
 *   on only after a first right code, and never leaves the server again.
 * - A code is good for its step and one step either side (clocks drift), and only once: the last
 *   step used is stored, and that step or an earlier one is refused (`totp_reused`).
 * - Ten recovery codes, shown once when two-factor is turned on, stored as hashes, each good once.
 * - Turning it on takes the current password with the first code (`turnOnWith`), as turning it off
 *   does: a stolen session alone must not turn it on with the thief's own app and shut the owner
 *   out. A sign-in of a few minutes ago stands in for the password at the set-up an admin requires,
 *   and for a tech who has no password to give (single sign-on).
 * - Every code and password checked here counts against the login throttle (`limits.login`) under
 *   the same keys as a login; a right one takes its attempt back.
 * - An admin may require two-factor of every tech: a tech without it can then do nothing but set
 *   it up (`mustSetUpTwoFactor`, checked by `requireSession` and the socket handshake).
 */
import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { AppError, Conflict, Forbidden, NotFound } from '../errors.js';
import type { Db, Tx } from '../db/database.js';
import type { Ctx } from './context.js';
import { inTransaction } from './context.js';
import { clearOldFailures, forgetAttempts, loginKeys, settleAttempts } from './rate-limit.js';
import { startSession, tokenHash, verifyPassword, type SessionMeta } from './auth.js';
import { getBranding } from './branding.js';
import {
  claimStep,
  deleteTwoFactor,
  enableTwoFactor,
  enabledTwoFactorTechs,
  loginTicket,
  passwordHashOf,
  replaceRecoveryCodes,
  saveSecuritySettings,
  savePendingSecret,
  takeLoginTicket,
  securitySettingsRow,
  twoFactorRow,
  unusedRecoveryCodes,
  spendRecoveryCode,
} from '../db/repositories/account.js';
import { accountByEmail, activeTechNames, deleteSessionsOf, sessionByHash, techExists } from '../db/repositories/people.js';
import { passwordSignInOn } from '../db/repositories/sso.js';
import { RECENT_SIGN_IN_MINUTES, type TwoFactorTurnOnWith } from '../../shared/views.js';

export const TOTP_PERIOD_S = 30;
const DIGITS = 6;
/** Steps accepted either side of the current one. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

export class PasswordInvalid extends AppError {
  constructor() {
    super('password_invalid', 'That is not your current password', 400);
  }
}
export class PasswordRequired extends AppError {
  constructor(what = 'turning on two-factor sign-in') {
    super('password_required', `Enter your current password: ${what} takes it.`, 400);
  }
}
export class RecentSignInRequired extends Forbidden {
  constructor(what = 'turn on two-factor sign-in') {
    super(
      'recent_sign_in_required',
      `You have no password here to confirm it is you (you sign in with single sign-on): log out, sign in again, and ${what} within ${RECENT_SIGN_IN_MINUTES} minutes.`,
    );
  }
}
export class TotpInvalid extends AppError {
  constructor() {
    super('totp_invalid', 'That code is not right. Enter the 6-digit code your authenticator app shows now, or a recovery code.', 400);
  }
}
export class TotpReused extends AppError {
  constructor() {
    super('totp_reused', 'That code was used already. Wait for the next code in your authenticator app.', 400);
  }
}
export class TotpRequired extends Forbidden {
  constructor(message = 'Your administrator requires two-factor sign-in: set it up in My account first.') {
    super('totp_required', message);
  }
}

const totp = (secret: string, label = 'tech', issuer = 'Helpdesk') =>
  new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secret) });

/** The 30-second step a time falls in. */
export const stepAt = (ms: number) => Math.floor(ms / 1000 / TOTP_PERIOD_S);

/** The step of a right code (within the window around `now`), or null. */
export function codeStep(secret: string, code: string, now: number): number | null {
  const delta = totp(secret).validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : stepAt(now) + delta;
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
/** `xxxxx-xxxxx` from an alphabet without look-alikes: about 49 bits each. */
function newRecoveryCode(): string {
  const bytes = crypto.randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}
const normalizeRecovery = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');
const recoveryHash = (code: string) =>
  crypto
    .createHash('sha256')
    .update(`recovery:${normalizeRecovery(code)}`)
    .digest('hex');
const looksLikeTotp = (code: string) => /^\d{6}$/.test(code.replace(/\s/g, ''));

/**
 * Runs a check of something the person must know (a password, a code) as one login attempt:
 * counted before, taken back when right, a failure when wrong; other errors count for nothing.
 */
export async function asLoginAttempt<T>(
  ctx: Pick<Ctx, 'db' | 'limits' | 'now'>,
  email: string,
  ip: string,
  check: () => Promise<T>,
  kind: 'tech' | 'portal' = 'tech',
): Promise<T> {
  const now = ctx.now();
  const attempt = await ctx.limits.login.begin(ctx.db, loginKeys(kind, email.toLowerCase(), ip), now);
  try {
    const result = await check();
    await forgetAttempts(ctx.db, attempt);
    return result;
  } catch (err) {
    if (err instanceof PasswordInvalid || err instanceof TotpInvalid || err instanceof TotpReused) {
      await settleAttempts(ctx.db, attempt);
      await clearOldFailures(ctx.db, now);
    } else await forgetAttempts(ctx.db, attempt);
    throw err;
  }
}

/** Checks a TOTP code or a recovery code of a tech whose two-factor is on, and uses it up. */
export async function spendSecondFactor(db: Db, techId: number, code: string, now: number): Promise<'totp' | 'recovery'> {
  const [row] = await twoFactorRow(db, techId);
  if (!row || row.enabled_at === null) throw new TotpInvalid();
  if (looksLikeTotp(code)) {
    const step = codeStep(row.secret, code.replace(/\s/g, ''), now);
    if (step === null) throw new TotpInvalid();
    if (!(await claimStep(db, techId, step))) throw new TotpReused();
    return 'totp';
  }
  if (!normalizeRecovery(code) || !(await spendRecoveryCode(db, techId, recoveryHash(code), now))) throw new TotpInvalid();
  return 'recovery';
}

export async function checkPassword(db: Db, kind: 'tech' | 'portal', userId: number, password: string): Promise<void> {
  const row = await passwordHashOf(db, kind, userId);
  if (!row || !(await verifyPassword(row.password_hash, password).catch(() => false))) throw new PasswordInvalid();
}

export async function twoFactorEnabled(db: Tx, techId: number): Promise<boolean> {
  const [row] = await twoFactorRow(db as Db, techId);
  return !!row && row.enabled_at !== null;
}

export async function twoFactorRequired(db: Tx): Promise<boolean> {
  const [s] = await securitySettingsRow(db as Db);
  return s?.tech_two_factor_required === 1;
}

/** True when an admin requires two-factor and this tech has not turned it on yet. */
export async function mustSetUpTwoFactor(db: Tx, techId: number): Promise<boolean> {
  return (await twoFactorRequired(db)) && !(await twoFactorEnabled(db, techId));
}

export type TwoFactorStatus = {
  enabled: boolean;
  required: boolean;
  recoveryCodesLeft: number;
  turnOnWith: TwoFactorTurnOnWith | null;
  checkWith: TwoFactorTurnOnWith | null;
};
/** The state of a tech's two-factor, as the session `sessionToken` sees it (what turning it on takes there). */
export async function twoFactorStatus(ctx: Pick<Ctx, 'db' | 'now'>, techId: number, sessionToken: string): Promise<TwoFactorStatus> {
  const enabled = await twoFactorEnabled(ctx.db, techId);
  return {
    enabled,
    required: await twoFactorRequired(ctx.db),
    recoveryCodesLeft: enabled ? await unusedRecoveryCodes(ctx.db, techId) : 0,
    turnOnWith: enabled ? null : await turnOnWith(ctx, techId, sessionToken),
    checkWith: enabled ? await checkWith(ctx, techId, sessionToken) : null,
  };
}

/** How long after a sign-in its session may turn two-factor on without the password, where `turnOnWith` allows it. */
export const RECENT_SIGN_IN_MS = RECENT_SIGN_IN_MINUTES * 60_000;

/**
 * What turning two-factor on takes in this session besides a first code: the current password,
 * unless the session began with a sign-in (password, single sign-on, or a code) at most
 * `RECENT_SIGN_IN_MS` ago and
 * - an admin requires two-factor of this tech, who has none: the console holds them at the set-up
 *   right after that sign-in, and asking for the password again there adds nothing; or
 * - the tech has no password to give: made by single sign-on (no password until one is set), or
 *   password sign-in is off for techs. Such a tech with an older session signs in again first.
 * A password that is given is checked in any case.
 */
export async function turnOnWith(ctx: Pick<Ctx, 'db' | 'now'>, techId: number, sessionToken: string): Promise<TwoFactorTurnOnWith> {
  const { recent, hasPassword } = await identityProofs(ctx, techId, sessionToken);
  if (recent && (!hasPassword || (await mustSetUpTwoFactor(ctx.db, techId)))) return 'recent_sign_in';
  return hasPassword ? 'password' : 'sign_in_again';
}

/**
 * What turning two-factor off or making new recovery codes takes besides a code: the current
 * password; or, for a tech with no password to give (single sign-on, or password sign-in off),
 * a session begun with a sign-in at most `RECENT_SIGN_IN_MS` ago (that sign-in took a code too).
 */
export async function checkWith(ctx: Pick<Ctx, 'db' | 'now'>, techId: number, sessionToken: string): Promise<TwoFactorTurnOnWith> {
  const { recent, hasPassword } = await identityProofs(ctx, techId, sessionToken);
  if (hasPassword) return 'password';
  return recent ? 'recent_sign_in' : 'sign_in_again';
}

/** Whether this session began with a recent sign-in, and whether the tech has a password to give. */
async function identityProofs(ctx: Pick<Ctx, 'db' | 'now'>, techId: number, sessionToken: string) {
  const [[session], stored, passwordSignIn] = await Promise.all([
    sessionByHash(ctx.db, tokenHash(sessionToken)),
    passwordHashOf(ctx.db, 'tech', techId),
    passwordSignInOn(ctx.db, 'tech'),
  ]);
  const recent = session !== undefined && ctx.now() - Number(session.created_at) <= RECENT_SIGN_IN_MS;
  // Every hash no password matches starts with "!" (single sign-on's, an erased or a disabled account's).
  const hasPassword = stored !== undefined && !stored.password_hash.startsWith('!') && passwordSignIn;
  return { recent, hasPassword };
}

/**
 * The check of turning off or renewing: what `checkWith` asks for (the password, checked, or a
 * recent sign-in; a password given is checked in any case); then a code (from the app or a
 * recovery code), spent.
 */
async function checkIdentity(ctx: Ctx, techId: number, email: string, input: CheckInput, ip: string, what: 'turn off' | 'renew'): Promise<void> {
  const needed = await checkWith(ctx, techId, input.sessionToken);
  // A tech with no password to give (or one that no sign-in takes) proves it by a recent sign-in: a
  // password given from an old session (a stored one, while password sign-in is off) does not do.
  if (needed === 'sign_in_again') throw new RecentSignInRequired(what === 'turn off' ? 'turn it off' : 'make new recovery codes');
  if (needed === 'password' && input.password === undefined)
    throw new PasswordRequired(what === 'turn off' ? 'turning off two-factor sign-in' : 'making new recovery codes');
  await asLoginAttempt(ctx, email, ip, async () => {
    if (input.password !== undefined) await checkPassword(ctx.db, 'tech', techId, input.password);
    await spendSecondFactor(ctx.db, techId, input.code, ctx.now());
  });
}

/** What turning off or renewing is given: a code, the password unless `checkWith` allows none, and the asking session. */
export type CheckInput = { code: string; password?: string; sessionToken: string };

/** A new secret, waiting for its first code: the only time it is shown. */
export async function startSetup(ctx: Ctx, techId: number, email: string) {
  if (await twoFactorEnabled(ctx.db, techId)) throw new Conflict('totp_already_enabled', 'Two-factor sign-in is on already');
  const secret = new Secret({ size: 20 }).base32;
  if (!(await savePendingSecret(ctx.db, techId, secret, ctx.now()))) throw new Conflict('totp_already_enabled', 'Two-factor sign-in is on already');
  const uri = totp(secret, email, (await getBranding(ctx.db)).name).toString();
  // qrcode loads at the first set-up, not at every start (docs/benchmarks.md, issue 15: start and idle).
  const QRCode = (await import('qrcode')).default;
  const qrCode = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
  return { secret, uri, qrCode };
}

/**
 * The first right code, with the current password (or the recent sign-in `turnOnWith` allows in
 * its place), turns two-factor on; the recovery codes are made and shown once. A wrong password
 * changes nothing: the code is not used up and the secret stays pending.
 */
export async function confirmSetup(
  ctx: Ctx,
  techId: number,
  email: string,
  input: { code: string; password?: string; sessionToken: string },
  ip: string,
): Promise<{ recoveryCodes: string[] }> {
  const { code, password } = input;
  const [row] = await twoFactorRow(ctx.db, techId);
  if (row?.enabled_at != null) throw new Conflict('totp_already_enabled', 'Two-factor sign-in is on already');
  if (!row) throw new Conflict('totp_not_pending', 'Start the set-up first: a new secret is made for it');
  if (password === undefined) {
    const needed = await turnOnWith(ctx, techId, input.sessionToken);
    if (needed === 'password') throw new PasswordRequired();
    if (needed === 'sign_in_again') throw new RecentSignInRequired();
  }
  const secret = row.secret;
  await asLoginAttempt(ctx, email, ip, async () => {
    if (password !== undefined) await checkPassword(ctx.db, 'tech', techId, password);
    const step = looksLikeTotp(code) ? codeStep(secret, code.replace(/\s/g, ''), ctx.now()) : null;
    if (step === null) throw new TotpInvalid();
    if (!(await claimStep(ctx.db, techId, step))) throw new TotpReused();
  });
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await inTransaction(ctx, async (trx) => {
    if (!(await enableTwoFactor(trx, techId, secret, ctx.now()))) {
      // On already, or a new set-up began while this code was checked: its secret is the one shown now.
      if (await twoFactorEnabled(trx, techId)) throw new Conflict('totp_already_enabled', 'Two-factor sign-in is on already');
      throw new Conflict('totp_not_pending', 'A new set-up was started meanwhile: scan its code and enter a code from it');
    }
    await replaceRecoveryCodes(
      trx,
      techId,
      codes.map((c) => recoveryHash(c)),
    );
  });
  return { recoveryCodes: codes };
}

/** Turning it off takes the password (or a recent sign-in: `checkWith`) and a code; not while an admin requires it. */
export async function turnOff(ctx: Ctx, techId: number, email: string, input: CheckInput, ip: string): Promise<void> {
  if (!(await twoFactorEnabled(ctx.db, techId))) throw new Conflict('totp_not_enabled', 'Two-factor sign-in is not on');
  if (await twoFactorRequired(ctx.db)) throw new TotpRequired('Your administrator requires two-factor sign-in: it cannot be turned off.');
  await checkIdentity(ctx, techId, email, input, ip, 'turn off');
  await inTransaction(ctx, (trx) => deleteTwoFactor(trx, techId));
}

/** New recovery codes for a tech whose two-factor is on (the old ones stop working); password (or a recent sign-in) and a code. */
export async function renewRecoveryCodes(ctx: Ctx, techId: number, email: string, input: CheckInput, ip: string): Promise<{ recoveryCodes: string[] }> {
  if (!(await twoFactorEnabled(ctx.db, techId))) throw new Conflict('totp_not_enabled', 'Two-factor sign-in is not on');
  await checkIdentity(ctx, techId, email, input, ip, 'renew');
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await inTransaction(ctx, (trx) =>
    replaceRecoveryCodes(
      trx,
      techId,
      codes.map((c) => recoveryHash(c)),
    ),
  );
  return { recoveryCodes: codes };
}

// Admin

export async function securitySettings(db: Db) {
  const [required, enabled, techs] = await Promise.all([twoFactorRequired(db), enabledTwoFactorTechs(db), activeTechNames(db)]);
  const on = new Map(enabled.map((r) => [Number(r.tech_id), Number(r.enabled_at)]));
  return {
    techTwoFactorRequired: required,
    techs: techs.map((t) => ({
      id: Number(t.id),
      name: t.name,
      twoFactor: on.has(Number(t.id)),
      enabledAt: on.has(Number(t.id)) ? new Date(on.get(Number(t.id)) as number).toISOString() : null,
    })),
  };
}

/** The admin turning the requirement on must have two-factor on: otherwise they would be shut out of these pages at once. */
export async function saveSecurity(ctx: Ctx, adminId: number, input: { techTwoFactorRequired: boolean }) {
  if (input.techTwoFactorRequired && !(await twoFactorEnabled(ctx.db, adminId)))
    throw new TotpRequired('Turn on two-factor sign-in for yourself first (in My account): requiring it of every technician includes you.');
  await saveSecuritySettings(ctx.db, input.techTwoFactorRequired, ctx.now());
  // The consoles already open of those without it close (realtime/socket-actors.ts), on every node.
  if (input.techTwoFactorRequired) for (const techId of await techsWithoutTwoFactor(ctx.db)) ctx.bus.publish('tech.access_changed', { techId });
  return securitySettings(ctx.db);
}

/** The active techs who have not turned two-factor on. */
async function techsWithoutTwoFactor(db: Db): Promise<number[]> {
  const [enabled, techs] = await Promise.all([enabledTwoFactorTechs(db), activeTechNames(db)]);
  const on = new Set(enabled.map((r) => Number(r.tech_id)));
  return techs.map((t) => Number(t.id)).filter((id) => !on.has(id));
}

/**
 * A tech lost their phone: their two-factor and recovery codes go; they set it up again. Their
 * sessions end too, as with the reset-two-factor command: the lost phone may hold one. An admin
 * resetting their own keeps the session they do it from (`adminSessionToken`).
 */
export async function resetTwoFactor(ctx: Ctx, techId: number, by: { adminId: number; adminSessionToken?: string }): Promise<{ endedSessions: number }> {
  if (!(await techExists(ctx.db, techId))) throw new NotFound('Tech');
  const keep = techId === by.adminId && by.adminSessionToken ? tokenHash(by.adminSessionToken) : undefined;
  // Their open consoles close (realtime/socket-actors.ts: the session is gone), on every node.
  return inTransaction(ctx, async (trx, outbox) => {
    // Nothing to reset (a second admin, or a second click, after the first): their sessions stay,
    // among them the one they may have just signed in with to set it up again.
    if (!(await deleteTwoFactor(trx, techId))) return { endedSessions: 0 };
    const endedSessions = await deleteSessionsOf(trx, 'tech', techId, keep);
    outbox.add('tech.access_changed', { techId });
    return { endedSessions };
  });
}

/**
 * The same by the tech's email, for the reset-two-factor command: whether they had two-factor,
 * and how many of their sessions ended. The command runs in a process of its own, without the
 * servers' event bus, so it cannot tell their open consoles that something changed (as
 * `tech.access_changed` does for `resetTwoFactor`); it ends the tech's sessions instead: the next
 * request of any of them is refused, and the servers close their sockets at their next session
 * sweep (realtime/session-sweep.ts), or at the latest when the socket's actor is read again
 * (realtime/socket-actors.ts). A lost phone may hold one of those sessions.
 */
export async function resetTwoFactorOf(db: Db, email: string): Promise<{ hadTwoFactor: boolean; endedSessions: number }> {
  const tech = await accountByEmail(db, 'tech', email.trim().toLowerCase());
  if (!tech) throw new NotFound(`A tech with the email ${email.trim().toLowerCase()}`);
  const techId = Number(tech.id);
  return db.transaction().execute(async (trx) => {
    if (!(await deleteTwoFactor(trx, techId))) return { hadTwoFactor: false, endedSessions: 0 };
    return { hadTwoFactor: true, endedSessions: await deleteSessionsOf(trx, 'tech', techId) };
  });
}

// Login

export class TicketInvalid extends AppError {
  constructor() {
    super('totp_ticket_invalid', 'This sign-in has expired or was finished already: enter your email and password again.', 401);
  }
}

/** The second step of a tech's login: the ticket from the first and a code give the session. */
export async function completeTwoFactorLogin(
  ctx: Ctx,
  ticket: string,
  code: string,
  ip: string,
  meta: SessionMeta,
): Promise<{ token: string; userId: number }> {
  const hash = tokenHash(ticket);
  const t = await loginTicket(ctx.db, hash);
  if (!t || Number(t.expires_at) <= ctx.now() || t.active !== 1) throw new TicketInvalid();
  const techId = Number(t.tech_id);
  await asLoginAttempt(ctx, t.email, ip, () => spendSecondFactor(ctx.db, techId, code, ctx.now()));
  // One session per ticket, whichever node or request comes first. The ticket is taken and the
  // session started in one transaction: an admin's reset of the tech's two-factor (which deletes
  // their tickets, then their sessions) either comes first and leaves no ticket to take, or waits
  // for this to commit and then ends the session it made.
  const token = await ctx.db.transaction().execute(async (trx) => {
    if (!(await takeLoginTicket(trx, hash))) throw new TicketInvalid();
    return startSession(trx, 'tech', techId, { ...meta, ip }, ctx.now());
  });
  return { token, userId: techId };
}
