/** SQL of the first start: the setup row, the setup tokens, and the accounts it asks about. */
import type { Tx } from '../database.js';

export type SetupCompletedBy = 'demo' | 'setup_page' | 'command' | 'existing';

/**
 * Claims the setup row: true for exactly one caller, however many race (a conditional update;
 * on PostgreSQL a second one waits for the first to commit, then finds it claimed).
 */
export async function claimSetup(db: Tx, by: SetupCompletedBy, now: number): Promise<boolean> {
  const r = await db
    .updateTable('setup_state')
    .set({ completed_at: now, completed_by: by })
    .where('id', '=', 1)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Whether any account exists, of either kind. */
export async function anyAccount(db: Tx): Promise<boolean> {
  const tech = await db.selectFrom('techs').select('id').limit(1).executeTakeFirst();
  if (tech) return true;
  return !!(await db.selectFrom('portal_users').select('id').limit(1).executeTakeFirst());
}

export async function insertSetupToken(db: Tx, tokenHash: string, now: number): Promise<void> {
  await db.insertInto('setup_tokens').values({ token_hash: tokenHash, created_at: now }).execute();
}

export async function setupTokenExists(db: Tx, tokenHash: string): Promise<boolean> {
  return !!(await db.selectFrom('setup_tokens').select('token_hash').where('token_hash', '=', tokenHash).executeTakeFirst());
}

/** Every printed token stops working. */
export async function deleteSetupTokens(db: Tx): Promise<void> {
  await db.deleteFrom('setup_tokens').execute();
}

/** The accounts of either kind with these emails, with what a password check needs. */
export async function accountsByEmails(db: Tx, emails: readonly string[]) {
  const techs = await db.selectFrom('techs').select(['id', 'email', 'password_hash', 'active']).where('email', 'in', emails).execute();
  const users = await db.selectFrom('portal_users').select(['id', 'email', 'password_hash', 'active']).where('email', 'in', emails).execute();
  return [...techs.map((t) => ({ ...t, kind: 'tech' as const })), ...users.map((u) => ({ ...u, kind: 'portal' as const }))];
}

/** Whether an active admin other than these exists. */
export async function activeAdminExists(db: Tx, exceptEmails: readonly string[] = []): Promise<boolean> {
  let q = db.selectFrom('techs').select('id').where('role', '=', 'admin').where('active', '=', 1);
  if (exceptEmails.length) q = q.where('email', 'not in', exceptEmails);
  return !!(await q.limit(1).executeTakeFirst());
}
