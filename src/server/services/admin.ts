/** Admin use cases: companies, boards, techs and grants, portal users. */
import { Conflict, NotFound } from '../errors.js';
import { isUniqueViolation, type Db, type Tx } from '../db/database.js';
import { iso } from './presenters.js';
import { hashPassword, deleteSessionsOf } from './auth.js';
import { inTransaction, type Ctx } from './context.js';

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
  const found = await trx.selectFrom(table).select('id').where('id', 'in', ids).execute();
  if (found.length !== new Set(ids).size) throw new NotFound(table === 'boards' ? 'Board' : 'Company');
}

export async function listCompanies(db: Db) {
  const [companies, links] = await Promise.all([
    db.selectFrom('companies').selectAll().orderBy('name').execute(),
    db.selectFrom('company_boards').selectAll().execute(),
  ]);
  return companies.map((c) => ({ id: Number(c.id), name: c.name, boardIds: links.filter((l) => l.company_id === c.id).map((l) => Number(l.board_id)) }));
}

export async function saveCompany(ctx: Ctx, id: number | null, input: { name: string; boardIds?: number[] }) {
  return uniquely('A company with that name', () =>
    inTransaction(ctx, async (trx) => {
      let companyId = id;
      if (companyId === null) {
        companyId = Number((await trx.insertInto('companies').values({ name: input.name, created_at: ctx.now() }).returning('id').executeTakeFirstOrThrow()).id);
      } else {
        const r = await trx.updateTable('companies').set({ name: input.name }).where('id', '=', companyId).executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new NotFound('Company');
      }
      if (input.boardIds) {
        await assertIds(trx, 'boards', input.boardIds);
        await trx.deleteFrom('company_boards').where('company_id', '=', companyId).execute();
        for (const b of new Set(input.boardIds)) await trx.insertInto('company_boards').values({ company_id: companyId, board_id: b }).execute();
      }
      return companyId;
    }),
  );
}

export async function listBoards(db: Db) {
  return (await db.selectFrom('boards').selectAll().orderBy('name').execute()).map((b) => ({ id: Number(b.id), name: b.name }));
}

/** Boards a portal user may pick on the new-request page. */
export async function boardsOfferedTo(db: Db, companyId: number) {
  const rows = await db.selectFrom('boards').innerJoin('company_boards as cb', 'cb.board_id', 'boards.id').select(['boards.id', 'boards.name']).where('cb.company_id', '=', companyId).orderBy('boards.name').execute();
  return rows.map((b) => ({ id: Number(b.id), name: b.name }));
}

export async function saveBoard(ctx: Ctx, id: number | null, name: string) {
  return uniquely('A board with that name', async () => {
    if (id === null) return Number((await ctx.db.insertInto('boards').values({ name, created_at: ctx.now() }).returning('id').executeTakeFirstOrThrow()).id);
    const r = await ctx.db.updateTable('boards').set({ name }).where('id', '=', id).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new NotFound('Board');
    return id;
  });
}

export async function listTechs(db: Db) {
  const [techs, boards, companies] = await Promise.all([
    db.selectFrom('techs').select(['id', 'email', 'name', 'role', 'available', 'all_companies', 'active']).orderBy('name').execute(),
    db.selectFrom('tech_boards').selectAll().execute(),
    db.selectFrom('tech_companies').selectAll().execute(),
  ]);
  return techs.map((t) => ({
    id: Number(t.id),
    email: t.email,
    name: t.name,
    role: t.role,
    available: t.available === 1,
    active: t.active === 1,
    grants: {
      boardIds: boards.filter((b) => b.tech_id === t.id).map((b) => Number(b.board_id)),
      allCompanies: t.all_companies === 1,
      companyIds: companies.filter((c) => c.tech_id === t.id).map((c) => Number(c.company_id)),
    },
  }));
}

export async function createTech(ctx: Ctx, input: { email: string; name: string; password: string; role: 'tech' | 'admin' }) {
  const password_hash = await hashPassword(input.password);
  return uniquely('A tech with that email', async () =>
    Number(
      (
        await ctx.db
          .insertInto('techs')
          .values({ email: input.email.toLowerCase(), name: input.name, password_hash, role: input.role, available: 1, all_companies: 0, active: 1, created_at: ctx.now() })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    ),
  );
}

export async function updateTech(ctx: Ctx, id: number, patch: { name?: string; password?: string; role?: 'tech' | 'admin'; active?: boolean }) {
  const set = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.role !== undefined ? { role: patch.role } : {}),
    ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
    ...(patch.password !== undefined ? { password_hash: await hashPassword(patch.password) } : {}),
  };
  if (Object.keys(set).length) {
    const r = await ctx.db.updateTable('techs').set(set).where('id', '=', id).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new NotFound('Tech');
  } else if (!(await ctx.db.selectFrom('techs').select('id').where('id', '=', id).executeTakeFirst())) throw new NotFound('Tech');
  if (patch.active === false || patch.password !== undefined) await deleteSessionsOf(ctx.db, 'tech', id);
  ctx.bus.publish('tech.access_changed', { techId: id });
}

export async function setGrants(ctx: Ctx, techId: number, grants: { boardIds: number[]; allCompanies: boolean; companyIds: number[] }) {
  await inTransaction(ctx, async (trx, outbox) => {
    const r = await trx.updateTable('techs').set({ all_companies: grants.allCompanies ? 1 : 0 }).where('id', '=', techId).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new NotFound('Tech');
    await assertIds(trx, 'boards', grants.boardIds);
    await assertIds(trx, 'companies', grants.companyIds);
    await trx.deleteFrom('tech_boards').where('tech_id', '=', techId).execute();
    await trx.deleteFrom('tech_companies').where('tech_id', '=', techId).execute();
    for (const b of new Set(grants.boardIds)) await trx.insertInto('tech_boards').values({ tech_id: techId, board_id: b }).execute();
    for (const c of new Set(grants.companyIds)) await trx.insertInto('tech_companies').values({ tech_id: techId, company_id: c }).execute();
    outbox.add('tech.access_changed', { techId });
  });
}

export async function setAvailability(ctx: Ctx, techId: number, available: boolean) {
  await ctx.db.updateTable('techs').set({ available: available ? 1 : 0 }).where('id', '=', techId).execute();
  ctx.bus.publish('tech.status_changed', { techId, available });
}

export async function listPortalUsers(db: Db) {
  const rows = await db
    .selectFrom('portal_users')
    .innerJoin('companies as c', 'c.id', 'portal_users.company_id')
    .select(['portal_users.id', 'portal_users.email', 'portal_users.name', 'portal_users.phone', 'portal_users.active', 'portal_users.company_id', 'portal_users.created_at', 'c.name as company_name'])
    .orderBy('portal_users.name')
    .execute();
  return rows.map((u) => ({
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
  const company = await ctx.db.selectFrom('companies').select('id').where('id', '=', input.companyId).executeTakeFirst();
  if (!company) throw new NotFound('Company');
  const password_hash = await hashPassword(input.password);
  return uniquely('A portal user with that email', async () =>
    Number(
      (
        await ctx.db
          .insertInto('portal_users')
          .values({ company_id: input.companyId, email: input.email.toLowerCase(), name: input.name, phone: input.phone ?? null, password_hash, active: 1, created_at: ctx.now() })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    ),
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
  const r = await ctx.db.updateTable('portal_users').set(set).where('id', '=', id).executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new NotFound('Portal user');
  if (patch.active === false || patch.password !== undefined) await deleteSessionsOf(ctx.db, 'portal', id);
  ctx.bus.publish('portal.access_changed', { userId: id });
}
