/** SQL of failed logins: one row per attempt and key, counted in a sliding window. */
import type { Tx } from '../database.js';

/** One row per key, all at `at`, not settled yet (the password is being checked); their ids, to take them back. */
export async function insertFailures(db: Tx, keys: string[], at: number): Promise<number[]> {
  const rows = await db
    .insertInto('login_failures')
    .values(keys.map((key) => ({ key, at, settled: 0 })))
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

/** The failures of these keys later than `after`, oldest first. */
export function failuresAfter(db: Tx, keys: string[], after: number) {
  return db
    .selectFrom('login_failures')
    .select(['id', 'key', 'at', 'settled'])
    .where('key', 'in', keys)
    .where('at', '>', after)
    .orderBy('at')
    .orderBy('id')
    .execute();
}

/** The attempts failed: they are failures now. */
export async function settleFailures(db: Tx, ids: number[]): Promise<void> {
  if (ids.length) await db.updateTable('login_failures').set({ settled: 1 }).where('id', 'in', ids).execute();
}

export async function deleteFailures(db: Tx, ids: number[]): Promise<void> {
  await db.deleteFrom('login_failures').where('id', 'in', ids).execute();
}

/** Every failure at or before `until`, whatever its key. */
export async function deleteFailuresUntil(db: Tx, until: number): Promise<void> {
  await db.deleteFrom('login_failures').where('at', '<=', until).execute();
}
