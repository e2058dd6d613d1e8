import type { Tx } from '../db/database.js';
import type { PortalActor } from '../policies/access.js';

/** What the portal shows of its user: name, phone and company. */
export async function portalProfile(db: Tx, me: PortalActor) {
  const row = await db
    .selectFrom('portal_users as pu')
    .innerJoin('companies as c', 'c.id', 'pu.company_id')
    .select(['pu.phone', 'c.id as company_id', 'c.name as company_name'])
    .where('pu.id', '=', me.id)
    .executeTakeFirstOrThrow();
  return { id: me.id, name: me.name, phone: row.phone, company: { id: Number(row.company_id), name: row.company_name } };
}
