/**
 * SQL of the live wallboard (services/wallboard.ts): its settings, who may open it, and the
 * counts over the viewer's scope (`scope`, the SQL form of the access rule, policies/access.ts).
 */
import { expressionBuilder, sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { ChatStatus, Database } from '../schema.js';
import type { Dialect, Tx } from '../database.js';

type ChatScope = (eb: ExpressionBuilder<Database, 'chats'>) => Expression<SqlBool>;

export function wallboardSettingsRow(db: Tx) {
  return db.selectFrom('wallboard_settings').select(['service_level_target_s']).where('id', '=', 1).executeTakeFirst();
}

export async function wallboardViewerIds(db: Tx): Promise<number[]> {
  const rows = await db.selectFrom('wallboard_viewers').select('tech_id').orderBy('tech_id').execute();
  return rows.map((r) => Number(r.tech_id));
}

export async function isWallboardViewer(db: Tx, techId: number): Promise<boolean> {
  return (await db.selectFrom('wallboard_viewers').select('tech_id').where('tech_id', '=', techId).executeTakeFirst()) !== undefined;
}

/** Replaces the settings and the list of allowed techs (in the caller's transaction). */
export async function saveWallboardSettings(db: Tx, targetSeconds: number, viewerIds: number[], now: number): Promise<void> {
  await db
    .insertInto('wallboard_settings')
    .values({ id: 1, service_level_target_s: targetSeconds, updated_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ service_level_target_s: targetSeconds, updated_at: now }))
    .execute();
  await db.deleteFrom('wallboard_viewers').execute();
  if (viewerIds.length)
    await db
      .insertInto('wallboard_viewers')
      .values(viewerIds.map((tech_id) => ({ tech_id })))
      .execute();
}

/** Of the given ids, those of active techs (an admin may only allow techs that exist). */
export async function activeTechIdsAmong(db: Tx, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('techs').select('id').where('id', 'in', ids).where('active', '=', 1).execute();
  return rows.map((r) => Number(r.id));
}

/**
 * The wallboard's statements over the chats of one status, as SQLite runs them: from the status
 * index by name. With a year of chats, the statistics ANALYZE writes say `status = ?` narrows
 * nothing (nearly every chat is completed), and the planner scanned the whole table for the few
 * open chats, on the server's one connection, at every wallboard refresh: the active chats' techs
 * always (324 ms at a million chats, docs/benchmarks.md), the waiting and callback counts for a
 * viewer with a scope (an admin's are read from the index alone). test/wallboard-plan.test.ts
 * pins the plans. PostgreSQL plans the Kysely forms below well.
 */
const ofStatusSqlite = (status: ChatStatus, scope: ChatScope) =>
  sql`from chats indexed by chats_status where chats.status = ${status} and ${scope(expressionBuilder<Database, 'chats'>())}`;
type Count = { n: number | string };
type ActiveChatTechs = { tech_id: number | null; co_techs: string | null };
export const BY_STATUS_SQLITE = {
  waiting: (scope: ChatScope) =>
    sql<Count & { oldest: number | null }>`select count(*) as n, min(chats.requested_at) as oldest ${ofStatusSqlite('waiting', scope)}`,
  active: (scope: ChatScope) => sql<ActiveChatTechs>`select chats.tech_id, chats.co_techs ${ofStatusSqlite('active', scope)}`,
  callback: (scope: ChatScope) => sql<Count>`select count(*) as n ${ofStatusSqlite('callback', scope)}`,
};

/** Waiting chats of the scope: how many, and the earliest request among them. */
export async function waitingNow(db: Tx, dialect: Dialect, scope: ChatScope) {
  const row =
    dialect === 'sqlite'
      ? (await BY_STATUS_SQLITE.waiting(scope).execute(db)).rows[0]
      : await db
          .selectFrom('chats')
          .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('chats.requested_at').as('oldest')])
          .where('chats.status', '=', 'waiting')
          .where(scope)
          .executeTakeFirst();
  return { count: Number(row?.n ?? 0), oldest: row?.oldest == null ? null : Number(row.oldest) };
}

/** The techs taking part in each active chat of the scope (lead and invited: chats.co_techs). */
export async function activeChatsTechs(db: Tx, dialect: Dialect, scope: ChatScope): Promise<ActiveChatTechs[]> {
  if (dialect === 'sqlite') return (await BY_STATUS_SQLITE.active(scope).execute(db)).rows;
  return db.selectFrom('chats').select(['chats.tech_id', 'chats.co_techs']).where('chats.status', '=', 'active').where(scope).execute();
}

/**
 * Chats of the scope requested since `since`, with their first join (a transferred chat's join
 * counts from its first one: transitions), and how they stand now.
 */
export function requestedSince(db: Tx, scope: ChatScope, since: number) {
  return db
    .selectFrom('chats')
    .select((eb) => [
      'chats.requested_at',
      'chats.status',
      eb
        .selectFrom('transitions')
        .select((t) => t.fn.min('transitions.at').as('at'))
        .whereRef('transitions.chat_id', '=', 'chats.id')
        .where('transitions.event', '=', 'join')
        .as('first_join'),
    ])
    .where('chats.requested_at', '>=', since)
    .where(scope)
    .execute();
}

export async function countSince(db: Tx, scope: ChatScope, column: 'abandoned_at' | 'callback_at', since: number): Promise<number> {
  const row = await db
    .selectFrom('chats')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(sql.ref(`chats.${column}`), '>=', since)
    .where(scope)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function openCallbacks(db: Tx, dialect: Dialect, scope: ChatScope): Promise<number> {
  const row =
    dialect === 'sqlite'
      ? (await BY_STATUS_SQLITE.callback(scope).execute(db)).rows[0]
      : await db
          .selectFrom('chats')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('chats.status', '=', 'callback')
          .where(scope)
          .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Every active tech with their role, Available flag and grants: whom the wallboard counts. */
export async function activeTechsWithGrants(db: Tx) {
  const [techs, boards, companies] = await Promise.all([
    db.selectFrom('techs').select(['id', 'role', 'available', 'all_companies']).where('active', '=', 1).execute(),
    db
      .selectFrom('tech_boards')
      .innerJoin('techs', 'techs.id', 'tech_boards.tech_id')
      .select(['tech_boards.tech_id', 'tech_boards.board_id'])
      .where('techs.active', '=', 1)
      .execute(),
    db
      .selectFrom('tech_companies')
      .innerJoin('techs', 'techs.id', 'tech_companies.tech_id')
      .select(['tech_companies.tech_id', 'tech_companies.company_id'])
      .where('techs.active', '=', 1)
      .execute(),
  ]);
  const boardsOf = new Map<number, Set<number>>();
  for (const b of boards) boardsOf.set(Number(b.tech_id), (boardsOf.get(Number(b.tech_id)) ?? new Set()).add(Number(b.board_id)));
  const companiesOf = new Map<number, Set<number>>();
  for (const c of companies) companiesOf.set(Number(c.tech_id), (companiesOf.get(Number(c.tech_id)) ?? new Set()).add(Number(c.company_id)));
  return techs.map((t) => ({
    id: Number(t.id),
    role: t.role,
    available: Number(t.available) === 1,
    allCompanies: Number(t.all_companies) === 1,
    boardIds: boardsOf.get(Number(t.id)) ?? new Set<number>(),
    companyIds: companiesOf.get(Number(t.id)) ?? new Set<number>(),
  }));
}
