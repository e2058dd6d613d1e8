/** Admin use cases: companies, boards, techs and grants, portal users. */
import { Conflict, NotFound } from '../errors.js';
import { isUniqueViolation, type Db, type Tx } from '../db/database.js';
import { iso } from './presenters.js';
import { hashPassword } from './auth.js';
import { inTransaction, type Ctx } from './context.js';
import {
  boardRows,
  boardsOfCompany,
  companyBoardLinks,
  companyExists,
  companyRows,
  countExisting,
  insertBoard,
  insertCompany,
  renameBoard,
  renameCompany,
  replaceBoardCompanies,
  replaceCompanyBoards,
} from '../db/repositories/organisation.js';
import {
  deleteSessionsOf,
  insertPortalUser,
  insertTech,
  portalUserRows,
  replaceTechGrants,
  techExists,
  techRows,
  updatePortalUserRow,
  updateTechRow,
} from '../db/repositories/people.js';

async function uniquely<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isUniqueViolation(e)) throw new Conflict('duplicate', `${what} already exists`);
    throw e;
  }
}

async function assertIds(trx: Tx, table: 'boards' | 'companies', ids: number[]) {
  if (!ids.length) return;
  if ((await countExisting(trx, table, ids)) !== new Set(ids).size) throw new NotFound(table === 'boards' ? 'Board' : 'Company');
}

export async function listCompanies(db: Db) {
  const [companies, links] = await Promise.all([companyRows(db), companyBoardLinks(db)]);
  return companies.map((c) => ({ id: Number(c.id), name: c.name, boardIds: links.filter((l) => l.company_id === c.id).map((l) => Number(l.board_id)) }));
}

export async function saveCompany(ctx: Ctx, id: number | null, input: { name: string; boardIds?: number[] }) {
  return uniquely('A company with that name', () =>
    inTransaction(ctx, async (trx) => {
      let companyId = id;
      if (companyId === null) {
        companyId = await insertCompany(trx, input.name, ctx.now());
      } else if (!(await renameCompany(trx, companyId, input.name))) {
        throw new NotFound('Company');
      }
      if (input.boardIds) {
        await assertIds(trx, 'boards', input.boardIds);
        await replaceCompanyBoards(trx, companyId, new Set(input.boardIds));
      }
      return companyId;
    }),
  );
}

export async function listBoards(db: Db) {
  return (await boardRows(db)).map((b) => ({ id: Number(b.id), name: b.name }));
}

/** Boards a portal user may pick on the new-request page. */
export async function boardsOfferedTo(db: Db, companyId: number) {
  return (await boardsOfCompany(db, companyId)).map((b) => ({ id: Number(b.id), name: b.name }));
}

export async function saveBoard(ctx: Ctx, id: number | null, name: string) {
  return uniquely('A board with that name', async () => {
    if (id === null) return insertBoard(ctx.db, name, ctx.now());
    if (!(await renameBoard(ctx.db, id, name))) throw new NotFound('Board');
    return id;
  });
}

/** Offers the board to exactly these companies (the board's side of what saveCompany sets per company). */
export async function offerBoard(ctx: Ctx, boardId: number, companyIds: number[]) {
  await inTransaction(ctx, async (trx) => {
    await assertIds(trx, 'boards', [boardId]);
    await assertIds(trx, 'companies', companyIds);
    await replaceBoardCompanies(trx, boardId, new Set(companyIds));
  });
}

export async function listTechs(db: Db) {
  const [techs, boards, companies] = await techRows(db);
  return techs.map((t) => ({
    id: Number(t.id),
    email: t.email,
    name: t.name,
    role: t.role,
    available: t.available === 1,
    active: t.active === 1,
    maySeeReports: t.may_see_reports === 1,
    grants: {
      boardIds: boards.filter((b) => b.tech_id === t.id).map((b) => Number(b.board_id)),
      allCompanies: t.all_companies === 1,
      companyIds: companies.filter((c) => c.tech_id === t.id).map((c) => Number(c.company_id)),
    },
  }));
}

type Grants = { boardIds: number[]; allCompanies: boolean; companyIds: number[] };

/** A new tech, with its access when given: both or neither (an unknown board or company refuses the whole). */
export async function createTech(ctx: Ctx, input: { email: string; name: string; password: string; role: 'tech' | 'admin'; grants?: Grants }) {
  const password_hash = await hashPassword(input.password);
  const grants = input.grants;
  return uniquely('A tech with that email', () =>
    inTransaction(ctx, async (trx) => {
      const id = await insertTech(trx, {
        email: input.email.toLowerCase(),
        name: input.name,
        password_hash,
        role: input.role,
        available: 1,
        all_companies: grants?.allCompanies ? 1 : 0,
        active: 1,
        created_at: ctx.now(),
      });
      if (grants) await writeGrants(trx, id, grants);
      return id;
    }),
  );
}

async function writeGrants(trx: Tx, techId: number, grants: Grants) {
  await assertIds(trx, 'boards', grants.boardIds);
  await assertIds(trx, 'companies', grants.companyIds);
  await replaceTechGrants(trx, techId, new Set(grants.boardIds), new Set(grants.allCompanies ? [] : grants.companyIds));
}

export async function updateTech(ctx: Ctx, id: number, patch: { name?: string; password?: string; role?: 'tech' | 'admin'; active?: boolean }) {
  const set = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.role !== undefined ? { role: patch.role } : {}),
    ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
    ...(patch.password !== undefined ? { password_hash: await hashPassword(patch.password) } : {}),
  };
  const found = Object.keys(set).length ? await updateTechRow(ctx.db, id, set) : await techExists(ctx.db, id);
  if (!found) throw new NotFound('Tech');
  if (patch.active === false || patch.password !== undefined) await deleteSessionsOf(ctx.db, 'tech', id);
  ctx.bus.publish('tech.access_changed', { techId: id });
}

export async function setGrants(ctx: Ctx, techId: number, grants: Grants) {
  await inTransaction(ctx, async (trx, outbox) => {
    if (!(await updateTechRow(trx, techId, { all_companies: grants.allCompanies ? 1 : 0 }))) throw new NotFound('Tech');
    await writeGrants(trx, techId, grants);
    outbox.add('tech.access_changed', { techId });
  });
}

/** Lets a tech see reports, or stops it; takes effect at their next request. */
export async function setReportsGrant(ctx: Ctx, techId: number, allowed: boolean) {
  if (!(await updateTechRow(ctx.db, techId, { may_see_reports: allowed ? 1 : 0 }))) throw new NotFound('Tech');
  ctx.bus.publish('tech.access_changed', { techId });
}

export async function setAvailability(ctx: Ctx, techId: number, available: boolean) {
  await updateTechRow(ctx.db, techId, { available: available ? 1 : 0 });
  ctx.bus.publish('tech.status_changed', { techId, available });
}

export async function listPortalUsers(db: Db) {
  return (await portalUserRows(db)).map((u) => ({
    id: Number(u.id),
    email: u.email,
    name: u.name,
    phone: u.phone,
    active: u.active === 1,
    company: { id: Number(u.company_id), name: u.company_name },
    createdAt: iso(u.created_at),
  }));
}

export async function createPortalUser(ctx: Ctx, input: { companyId: number; email: string; name: string; password: string; phone?: string }) {
  if (!(await companyExists(ctx.db, input.companyId))) throw new NotFound('Company');
  const password_hash = await hashPassword(input.password);
  return uniquely('A portal user with that email', () =>
    insertPortalUser(ctx.db, {
      company_id: input.companyId,
      email: input.email.toLowerCase(),
      name: input.name,
      phone: input.phone ?? null,
      password_hash,
      active: 1,
      created_at: ctx.now(),
    }),
  );
}

export async function updatePortalUser(ctx: Ctx, id: number, patch: { name?: string; password?: string; phone?: string; active?: boolean }) {
  const set = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.phone !== undefined ? { phone: patch.phone } : {}),
    ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
    ...(patch.password !== undefined ? { password_hash: await hashPassword(patch.password) } : {}),
  };
  if (!Object.keys(set).length) return;
  if (!(await updatePortalUserRow(ctx.db, id, set))) throw new NotFound('Portal user');
  if (patch.active === false || patch.password !== undefined) await deleteSessionsOf(ctx.db, 'portal', id);
  ctx.bus.publish('portal.access_changed', { userId: id });
}
