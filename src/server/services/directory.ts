import type { Db } from '../db/database.js';
import { techBoardFilter, techCompanyFilter, type TechActor } from '../policies/access.js';

/** Names a tech needs for filters and forms: only boards and companies they have access to. */
export async function directory(db: Db, tech: TechActor) {
  const boards = db.selectFrom('boards').select(['id', 'name']).where(techBoardFilter(tech, 'boards.id')).orderBy('name');
  const companies = db.selectFrom('companies').select(['id', 'name']).where(techCompanyFilter(tech, 'companies.id')).orderBy('name');
  const [b, c, techs] = await Promise.all([boards.execute(), companies.execute(), db.selectFrom('techs').select(['id', 'name']).where('active', '=', 1).orderBy('name').execute()]);
  const companyIds = c.map((x) => x.id);
  const users = companyIds.length
    ? await db.selectFrom('portal_users').select(['id', 'name', 'company_id']).where('company_id', 'in', companyIds).where('active', '=', 1).orderBy('name').execute()
    : [];
  const n = <T extends { id: number }>(rows: T[]) => rows.map((r) => ({ ...r, id: Number(r.id) }));
  return { boards: n(b), companies: n(c), techs: n(techs), portalUsers: users.map((u) => ({ id: Number(u.id), name: u.name, companyId: Number(u.company_id) })) };
}
