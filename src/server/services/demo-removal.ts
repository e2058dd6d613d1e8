/**
 * `remove-demo`: the demo accounts stop opening with the published password, at once and for good.
 *
 * They are disabled, not deleted: chats, messages, notes, tickets and transcripts refer to them
 * (a trial often turns into the first real use), and deleting would either cascade into that
 * history or break it. A disabled account cannot log in, its sessions end, and its password is
 * replaced by a value that matches no password, so even an admin who enables it again must give it
 * a new one. The demo companies, boards and tickets stay; rename or reuse them in Admin.
 */
import type { Db } from '../db/database.js';
import { deleteSessionsOf, updatePortalUserRow, updateTechRow } from '../db/repositories/people.js';
import { accountsByEmails, activeAdminExists } from '../db/repositories/setup.js';
import { DEMO_LOGINS } from '../seed.js';

/** Not an argon2 hash: no password verifies against it. */
export const DISABLED_PASSWORD_HASH = '!disabled-demo-account';

const DEMO_EMAILS = DEMO_LOGINS.map((l) => l.email);

export async function disableDemoAccounts(db: Db): Promise<{ disabled: { email: string; kind: 'tech' | 'portal' }[] }> {
  return db.transaction().execute(async (trx) => {
    const accounts = await accountsByEmails(trx, DEMO_EMAILS);
    const pending = accounts.filter((a) => a.active === 1 || a.password_hash !== DISABLED_PASSWORD_HASH);
    if (pending.length && !(await activeAdminExists(trx, DEMO_EMAILS))) {
      throw new Error('No admin would be left: create your own admin first (create-admin), then remove the demo.');
    }
    for (const a of pending) {
      const set = { active: 0, password_hash: DISABLED_PASSWORD_HASH };
      if (a.kind === 'tech') await updateTechRow(trx, Number(a.id), set);
      else await updatePortalUserRow(trx, Number(a.id), set);
      await deleteSessionsOf(trx, a.kind, Number(a.id));
    }
    return { disabled: pending.map((a) => ({ email: a.email, kind: a.kind })) };
  });
}
