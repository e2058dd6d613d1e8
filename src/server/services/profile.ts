import type { Tx } from '../db/database.js';
import type { PortalActor } from '../policies/access.js';
import { portalProfileRow } from '../db/repositories/people.js';

/** What the portal shows of its user: name, phone and company. */
export async function portalProfile(db: Tx, me: PortalActor) {
  const row = await portalProfileRow(db, me.id);
  return { id: me.id, name: me.name, phone: row.phone, company: { id: Number(row.company_id), name: row.company_name } };
}
