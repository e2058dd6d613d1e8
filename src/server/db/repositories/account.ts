/**
 * SQL of one's own account: the sessions of a user, a tech's two-factor secret and recovery
 * codes, the pending step of a login that waits for a code, and the security settings.
 */
import type { Kysely } from 'kysely';
import type { Tx } from '../database.js';
import type { Database } from '../schema.js';
import { prepared } from '../prepared.js';
import type { UserKind } from './people.js';

/** The live sessions of a user, newest first. */
export function sessionsOf(db: Tx, kind: UserKind, userId: number, now: number) {
  return db
    .selectFrom('sessions')
    .select(['token_hash', 'created_at', 'last_seen_at', 'user_agent', 'ip'])
    .where('user_kind', '=', kind)
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Deletes these sessions of this user (only theirs); how many went. */
export async function deleteSessionsByHash(db: Tx, kind: UserKind, userId: number, hashes: string[]): Promise<number> {
  if (!hashes.length) return 0;
  const r = await db.deleteFrom('sessions').where('user_kind', '=', kind).where('user_id', '=', userId).where('token_hash', 'in', hashes).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Every session of the user but one. */
export async function deleteSessionsExcept(db: Tx, kind: UserKind, userId: number, keepHash: string): Promise<number> {
  const r = await db.deleteFrom('sessions').where('user_kind', '=', kind).where('user_id', '=', userId).where('token_hash', '<>', keepHash).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Marks the session seen, unless it was seen since `staleBefore` (one write a minute, whichever node). */
export async function touchSession(db: Tx, tokenHash: string, now: number, staleBefore: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now })
    .where('token_hash', '=', tokenHash)
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', staleBefore)]))
    .execute();
}

/** The user's email, or undefined when there is no such user. */
export async function accountEmail(db: Tx, kind: UserKind, userId: number): Promise<string | undefined> {
  const row = await db
    .selectFrom(kind === 'tech' ? 'techs' : 'portal_users')
    .select('email')
    .where('id', '=', userId)
    .executeTakeFirst();
  return row?.email;
}

export function passwordHashOf(db: Tx, kind: UserKind, userId: number) {
  return db
    .selectFrom(kind === 'tech' ? 'techs' : 'portal_users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function setPasswordHash(db: Tx, kind: UserKind, userId: number, hash: string): Promise<void> {
  await db
    .updateTable(kind === 'tech' ? 'techs' : 'portal_users')
    .set({ password_hash: hash })
    .where('id', '=', userId)
    .execute();
}

// Two-factor

/** Read on every tech request while two-factor is required: prepared, like the actor's reads. */
export const twoFactorRow = prepared((db: Kysely<Database>, techId: number) => db.selectFrom('tech_two_factor').selectAll().where('tech_id', '=', techId));
export const securitySettingsRow = prepared((db: Kysely<Database>) => db.selectFrom('security_settings').selectAll().where('id', '=', 1));

export async function saveSecuritySettings(db: Tx, required: boolean, now: number): Promise<void> {
  const values = { tech_two_factor_required: required ? 1 : 0, updated_at: now };
  await db
    .insertInto('security_settings')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

/** A new secret waiting for its first code; replaces a pending one, never an enabled one. */
export async function savePendingSecret(db: Tx, techId: number, secret: string, now: number): Promise<boolean> {
  const r = await db
    .insertInto('tech_two_factor')
    .values({ tech_id: techId, secret, enabled_at: null, last_step: null, created_at: now })
    .onConflict((oc) => oc.column('tech_id').doUpdateSet({ secret, created_at: now, last_step: null }).where('tech_two_factor.enabled_at', 'is', null))
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The step becomes the last one used, unless that step (or a later one) was used already. */
export async function claimStep(db: Tx, techId: number, step: number): Promise<boolean> {
  const r = await db
    .updateTable('tech_two_factor')
    .set({ last_step: step })
    .where('tech_id', '=', techId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function enableTwoFactor(db: Tx, techId: number, secret: string, now: number): Promise<boolean> {
  // Only the secret the code was checked against: a set-up started again meanwhile made another.
  const r = await db
    .updateTable('tech_two_factor')
    .set({ enabled_at: now })
    .where('tech_id', '=', techId)
    .where('secret', '=', secret)
    .where('enabled_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Removes a tech's two-factor and recovery codes (turned off, or reset by an admin). */
export async function deleteTwoFactor(db: Tx, techId: number): Promise<boolean> {
  await db.deleteFrom('tech_recovery_codes').where('tech_id', '=', techId).execute();
  await db.deleteFrom('login_tickets').where('tech_id', '=', techId).execute();
  const r = await db.deleteFrom('tech_two_factor').where('tech_id', '=', techId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function replaceRecoveryCodes(db: Tx, techId: number, hashes: string[]): Promise<void> {
  await db.deleteFrom('tech_recovery_codes').where('tech_id', '=', techId).execute();
  await db
    .insertInto('tech_recovery_codes')
    .values(hashes.map((code_hash) => ({ tech_id: techId, code_hash, used_at: null })))
    .execute();
}

/** Uses the code if it is the tech's and unused; true when this call used it. */
export async function spendRecoveryCode(db: Tx, techId: number, hash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('tech_recovery_codes')
    .set({ used_at: now })
    .where('tech_id', '=', techId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) >= 1;
}

export async function unusedRecoveryCodes(db: Tx, techId: number): Promise<number> {
  const r = await db
    .selectFrom('tech_recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tech_id', '=', techId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Techs whose two-factor is on, for the admin's list. */
export function enabledTwoFactorTechs(db: Tx) {
  return db.selectFrom('tech_two_factor').select(['tech_id', 'enabled_at']).where('enabled_at', 'is not', null).execute();
}

// Pending login steps

export async function insertLoginTicket(db: Tx, t: { ticket_hash: string; tech_id: number; created_at: number; expires_at: number }): Promise<void> {
  await db.insertInto('login_tickets').values(t).execute();
}

export function loginTicket(db: Tx, hash: string) {
  return db
    .selectFrom('login_tickets')
    .innerJoin('techs', 'techs.id', 'login_tickets.tech_id')
    .select(['login_tickets.tech_id', 'login_tickets.expires_at', 'techs.email', 'techs.active'])
    .where('login_tickets.ticket_hash', '=', hash)
    .executeTakeFirst();
}

/** Takes the ticket: true for the one caller that deleted it. */
export async function takeLoginTicket(db: Tx, hash: string): Promise<boolean> {
  const r = await db.deleteFrom('login_tickets').where('ticket_hash', '=', hash).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function deleteExpiredTickets(db: Tx, now: number): Promise<void> {
  await db.deleteFrom('login_tickets').where('expires_at', '<=', now).execute();
}
