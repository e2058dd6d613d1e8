/** SQL of companies, boards and the boards each company is offered. */
import type { Tx } from '../database.js';
import { techBoardFilter, techCompanyFilter, type TechActor } from '../../policies/access.js';

/** How many of these ids name a row of the table (each id counted once). */
export async function countExisting(db: Tx, table: 'boards' | 'companies', ids: number[]): Promise<number> {
  return (await db.selectFrom(table).select('id').where('id', 'in', ids).execute()).length;
}

export async function boardExists(db: Tx, boardId: number): Promise<boolean> {
  return !!(await db.selectFrom('boards').select('id').where('id', '=', boardId).executeTakeFirst());
}

export async function boardName(db: Tx, boardId: number): Promise<string | undefined> {
  return (await db.selectFrom('boards').select('name').where('id', '=', boardId).executeTakeFirst())?.name;
}

export async function companyExists(db: Tx, companyId: number): Promise<boolean> {
  return !!(await db.selectFrom('companies').select('id').where('id', '=', companyId).executeTakeFirst());
}

export function companyRows(db: Tx) {
  return db.selectFrom('companies').selectAll().orderBy('name').execute();
}

export function companyBoardLinks(db: Tx) {
  return db.selectFrom('company_boards').selectAll().execute();
}

export async function insertCompany(db: Tx, name: string, now: number): Promise<number> {
  return Number((await db.insertInto('companies').values({ name, created_at: now }).returning('id').executeTakeFirstOrThrow()).id);
}

/** True when the company was there to rename. */
export async function renameCompany(db: Tx, companyId: number, name: string): Promise<boolean> {
  const r = await db.updateTable('companies').set({ name }).where('id', '=', companyId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The boards offered to a company become exactly these. */
export async function replaceCompanyBoards(trx: Tx, companyId: number, boardIds: Iterable<number>): Promise<void> {
  await trx.deleteFrom('company_boards').where('company_id', '=', companyId).execute();
  for (const b of boardIds) await trx.insertInto('company_boards').values({ company_id: companyId, board_id: b }).execute();
}

/** The companies whose users may request chats on the board: exactly these. */
export async function replaceBoardCompanies(trx: Tx, boardId: number, companyIds: Iterable<number>): Promise<void> {
  await trx.deleteFrom('company_boards').where('board_id', '=', boardId).execute();
  for (const c of companyIds) await trx.insertInto('company_boards').values({ company_id: c, board_id: boardId }).execute();
}

/** Whether the company's users may request chats on the board. */
export async function boardOfferedTo(db: Tx, companyId: number, boardId: number): Promise<boolean> {
  return !!(await db.selectFrom('company_boards').select('board_id').where('company_id', '=', companyId).where('board_id', '=', boardId).executeTakeFirst());
}

export function boardRows(db: Tx) {
  return db.selectFrom('boards').selectAll().orderBy('name').execute();
}

export function boardsOfCompany(db: Tx, companyId: number) {
  return db
    .selectFrom('boards')
    .innerJoin('company_boards as cb', 'cb.board_id', 'boards.id')
    .select(['boards.id', 'boards.name'])
    .where('cb.company_id', '=', companyId)
    .orderBy('boards.name')
    .execute();
}

export async function insertBoard(db: Tx, name: string, now: number): Promise<number> {
  return Number((await db.insertInto('boards').values({ name, created_at: now }).returning('id').executeTakeFirstOrThrow()).id);
}

/** True when the board was there to rename. */
export async function renameBoard(db: Tx, boardId: number, name: string): Promise<boolean> {
  const r = await db.updateTable('boards').set({ name }).where('id', '=', boardId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Boards and companies a tech has access to (the access rule's SQL form), by name. */
export function boardsOfTech(db: Tx, tech: TechActor) {
  return db.selectFrom('boards').select(['id', 'name']).where(techBoardFilter(tech, 'boards.id')).orderBy('name').execute();
}

export function companiesOfTech(db: Tx, tech: TechActor) {
  return db.selectFrom('companies').select(['id', 'name']).where(techCompanyFilter(tech, 'companies.id')).orderBy('name').execute();
}
