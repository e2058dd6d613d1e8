/**
 * Actors and the board-and-company access rule. What each actor may do with a chat, note or
 * ticket is decided by the action table in rules.ts, which builds on `techHasAccess` here.
 */
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import { activePortalUserById, activeTechById, techBoardIds, techCompanyIds } from '../db/repositories/people.js';

export type TechActor = {
  kind: 'tech';
  id: number;
  name: string;
  role: 'tech' | 'admin';
  available: boolean;
  allCompanies: boolean;
  boardIds: ReadonlySet<number>;
  companyIds: ReadonlySet<number>;
  /** Granted "may see reports" (over the chats they have access to); admins see them anyway. */
  reports?: boolean;
};
export type PortalActor = { kind: 'portal'; id: number; name: string; companyId: number };
export type Actor = TechActor | PortalActor;

/** Anything scoped by board and company: a chat (the ticket's board and company), a ticket. */
export type Scoped = { board_id: number; company_id: number };

/**
 * The board-and-company rule (SPEC "Access"): an admin has access to everything; a tech to an
 * item whose board they were granted and whose company they were granted (or all companies).
 * Its three forms sit together and a property test proves they agree (test/policy-forms.test.ts):
 * in memory (`techHasAccess`), as a filter on a tech's lists (`techScopeFilter`, built from
 * `techBoardFilter` and `techCompanyFilter`, which also give the tech's directory), and as the
 * recipients of an item (`techsWithAccess`).
 */
export function techHasAccess(tech: TechActor, item: Scoped): boolean {
  if (tech.role === 'admin') return true;
  return tech.boardIds.has(Number(item.board_id)) && (tech.allCompanies || tech.companyIds.has(Number(item.company_id)));
}

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/** The boards a tech has access to, as SQL over a column of board ids. */
export function techBoardFilter(tech: TechActor, column: string): Expression<SqlBool> {
  if (tech.role === 'admin') return TRUE;
  return tech.boardIds.size ? sql<SqlBool>`${sql.ref(column)} in (${sql.join([...tech.boardIds])})` : FALSE;
}

/** The companies a tech has access to, as SQL over a column of company ids. */
export function techCompanyFilter(tech: TechActor, column: string): Expression<SqlBool> {
  if (tech.role === 'admin' || tech.allCompanies) return TRUE;
  return tech.companyIds.size ? sql<SqlBool>`${sql.ref(column)} in (${sql.join([...tech.companyIds])})` : FALSE;
}

/** `techHasAccess` as SQL over a table with `board_id` and `company_id`: lists, counts, search. */
export function techScopeFilter<T extends 'chats' | 'tickets'>(tech: TechActor, table: T) {
  return (_eb: ExpressionBuilder<Database, T>): Expression<SqlBool> =>
    sql<SqlBool>`(${techBoardFilter(tech, `${table}.board_id`)} and ${techCompanyFilter(tech, `${table}.company_id`)})`;
}

// The actor is read fresh on every request and socket event, by prepared queries awaited directly
// (db/repositories/people.ts): only an active tech or user is an actor.
export async function loadTechActor(db: Tx, id: number): Promise<TechActor | null> {
  const [t] = await activeTechById(db, id);
  if (!t) return null;
  const [boards, companies] = await Promise.all([techBoardIds(db, id), techCompanyIds(db, id)]);
  return {
    kind: 'tech',
    id: Number(t.id),
    name: t.name,
    role: t.role,
    available: t.available === 1,
    allCompanies: t.all_companies === 1,
    boardIds: new Set(boards.map((b) => Number(b.board_id))),
    companyIds: new Set(companies.map((c) => Number(c.company_id))),
    reports: t.may_see_reports === 1,
  };
}

export async function loadPortalActor(db: Tx, id: number): Promise<PortalActor | null> {
  const [u] = await activePortalUserById(db, id);
  return u ? { kind: 'portal', id: Number(u.id), name: u.name, companyId: Number(u.company_id) } : null;
}

/**
 * `techHasAccess` as a recipient query: ids of the active techs with access to the item.
 * `availableOnly` with `maxActiveChats` gives the eligible recipients of an alert: available,
 * and below the limit of active chats (null: no limit).
 */
export async function techsWithAccess(db: Tx, item: Scoped, opts: { availableOnly: boolean; maxActiveChats?: number | null }): Promise<number[]> {
  let q = db
    .selectFrom('techs')
    .select('techs.id')
    .where('techs.active', '=', 1)
    .where((eb) =>
      eb.or([
        eb('techs.role', '=', 'admin'),
        eb.and([
          eb.exists(
            eb
              .selectFrom('tech_boards')
              .select('tech_boards.tech_id')
              .whereRef('tech_boards.tech_id', '=', 'techs.id')
              .where('tech_boards.board_id', '=', item.board_id),
          ),
          eb.or([
            eb('techs.all_companies', '=', 1),
            eb.exists(
              eb
                .selectFrom('tech_companies')
                .select('tech_companies.tech_id')
                .whereRef('tech_companies.tech_id', '=', 'techs.id')
                .where('tech_companies.company_id', '=', item.company_id),
            ),
          ]),
        ]),
      ]),
    );
  if (opts.availableOnly) q = q.where('techs.available', '=', 1);
  const max = opts.maxActiveChats;
  if (max)
    q = q.where((eb) =>
      eb(
        eb
          .selectFrom('chats')
          .select((c) => c.fn.countAll<number>().as('n'))
          // Led, or taken part in by invitation (chats.co_techs holds {"id":7,...}).
          .where((c) =>
            c.or([c('chats.tech_id', '=', c.ref('techs.id')), c('chats.co_techs', 'like', sql<string>`'%{"id":' || ${sql.ref('techs.id')} || ',%'`)]),
          )
          .where('chats.status', '=', 'active'),
        '<',
        max,
      ),
    );
  return (await q.execute()).map((r) => Number(r.id));
}
