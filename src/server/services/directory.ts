import type { Db } from '../db/database.js';
import type { TechActor } from '../policies/access.js';
import { boardsOfTech, companiesOfTech } from '../db/repositories/organisation.js';
import { activePortalUsersOf, activeTechNames } from '../db/repositories/people.js';

/** Names a tech needs for filters and forms: only boards and companies they have access to. */
export async function directory(db: Db, tech: TechActor) {
  const [b, c, techs] = await Promise.all([boardsOfTech(db, tech), companiesOfTech(db, tech), activeTechNames(db)]);
  const companyIds = c.map((x) => x.id);
  const users = companyIds.length ? await activePortalUsersOf(db, companyIds) : [];
  const n = <T extends { id: number }>(rows: T[]) => rows.map((r) => ({ ...r, id: Number(r.id) }));
  return {
    boards: n(b),
    companies: n(c),
    techs: n(techs),
    portalUsers: users.map((u) => ({ id: Number(u.id), name: u.name, companyId: Number(u.company_id) })),
  };
}
