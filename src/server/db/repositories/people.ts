/**
 * SQL of the people: techs and their grants, portal users, sessions. The reads behind every
 * request and socket event (the session, the actor and its grants) are `prepared` and awaited
 * directly (db/prepared.ts).
 */
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Tx } from '../database.js';
import type { Database, PortalUsersTable, TechsTable } from '../schema.js';
import { prepared } from '../prepared.js';

export type UserKind = 'tech' | 'portal';

// The actor is read fresh on every request and socket event (policies/access.ts builds it).
export const activeTechById = prepared((db: Kysely<Database>, id: number) => db.selectFrom('techs').selectAll().where('id', '=', id).where('active', '=', 1));
export const techBoardIds = prepared((db: Kysely<Database>, id: number) => db.selectFrom('tech_boards').select('board_id').where('tech_id', '=', id));
export const techCompanyIds = prepared((db: Kysely<Database>, id: number) => db.selectFrom('tech_companies').select('company_id').where('tech_id', '=', id));
export const activePortalUserById = prepared((db: Kysely<Database>, id: number) =>
  db.selectFrom('portal_users').select(['id', 'name', 'company_id']).where('id', '=', id).where('active', '=', 1),
);

/** A session by the hash of its token, as rows (none or one). */
export const sessionByHash = prepared((db: Kysely<Database>, tokenHash: string) => db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash));

/** Of these session hashes, the ones whose session is still there and not expired at `now`. */
export async function liveSessionHashes(db: Tx, hashes: string[], now: number): Promise<Set<string>> {
  const rows = await db.selectFrom('sessions').select('token_hash').where('token_hash', 'in', hashes).where('expires_at', '>', now).execute();
  return new Set(rows.map((r) => r.token_hash));
}

export async function insertSession(
  db: Tx,
  s: {
    token_hash: string;
    user_kind: UserKind;
    user_id: number;
    created_at: number;
    expires_at: number;
    last_seen_at?: number | null;
    user_agent?: string | null;
    ip?: string | null;
  },
): Promise<void> {
  await db.insertInto('sessions').values(s).execute();
}

/** Deletes one session; whose it was, if it existed. */
export function deleteSession(db: Tx, tokenHash: string) {
  return db.deleteFrom('sessions').where('token_hash', '=', tokenHash).returning(['user_kind', 'user_id']).executeTakeFirst();
}

/**
 * Ends every session of a user (deactivated, a new password, a two-factor reset), and a tech's
 * logins waiting for their two-factor code (let in by the password of before); with
 * `keepTokenHash`, all but that session. How many sessions ended.
 */
export async function deleteSessionsOf(db: Tx, kind: UserKind, userId: number, keepTokenHash?: string): Promise<number> {
  let q = db.deleteFrom('sessions').where('user_kind', '=', kind).where('user_id', '=', userId);
  if (keepTokenHash !== undefined) q = q.where('token_hash', '<>', keepTokenHash);
  const r = await q.executeTakeFirst();
  if (kind === 'tech') await db.deleteFrom('login_tickets').where('tech_id', '=', userId).execute();
  return Number(r.numDeletedRows);
}

/** What a login checks, by (normalized) email. */
export function accountByEmail(db: Tx, kind: UserKind, email: string) {
  return db
    .selectFrom(kind === 'tech' ? 'techs' : 'portal_users')
    .select(['id', 'password_hash', 'active'])
    .where('email', '=', email)
    .executeTakeFirst();
}

export async function techExists(db: Tx, techId: number): Promise<boolean> {
  return !!(await db.selectFrom('techs').select('id').where('id', '=', techId).executeTakeFirst());
}

export async function techName(db: Tx, techId: number): Promise<string | undefined> {
  return (await db.selectFrom('techs').select('name').where('id', '=', techId).executeTakeFirst())?.name;
}

/** Every tech with every grant, for the admin's list. */
export function techRows(db: Tx) {
  return Promise.all([
    db.selectFrom('techs').select(['id', 'email', 'name', 'role', 'available', 'all_companies', 'active', 'may_see_reports']).orderBy('name').execute(),
    db.selectFrom('tech_boards').selectAll().execute(),
    db.selectFrom('tech_companies').selectAll().execute(),
  ]);
}

export async function insertTech(db: Tx, values: Insertable<TechsTable>): Promise<number> {
  return Number((await db.insertInto('techs').values(values).returning('id').executeTakeFirstOrThrow()).id);
}

/** True when the tech was there to update. */
export async function updateTechRow(db: Tx, techId: number, set: Updateable<TechsTable>): Promise<boolean> {
  const r = await db.updateTable('techs').set(set).where('id', '=', techId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A tech's board and company grants become exactly these. */
export async function replaceTechGrants(trx: Tx, techId: number, boardIds: Iterable<number>, companyIds: Iterable<number>): Promise<void> {
  await trx.deleteFrom('tech_boards').where('tech_id', '=', techId).execute();
  await trx.deleteFrom('tech_companies').where('tech_id', '=', techId).execute();
  for (const b of boardIds) await trx.insertInto('tech_boards').values({ tech_id: techId, board_id: b }).execute();
  for (const c of companyIds) await trx.insertInto('tech_companies').values({ tech_id: techId, company_id: c }).execute();
}

/** Active techs by name, for a tech's directory. */
/** Names and availability of these techs (active ones only), by name. */
export function techsByIds(db: Tx, ids: number[]) {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom('techs').select(['id', 'name', 'available']).where('active', '=', 1).where('id', 'in', ids).orderBy('name').execute();
}

export function activeTechNames(db: Tx) {
  return db.selectFrom('techs').select(['id', 'name']).where('active', '=', 1).orderBy('name').execute();
}

/** Every portal user with the name of their company, for the admin's list. */
export function portalUserRows(db: Tx) {
  return db
    .selectFrom('portal_users')
    .innerJoin('companies as c', 'c.id', 'portal_users.company_id')
    .select([
      'portal_users.id',
      'portal_users.email',
      'portal_users.name',
      'portal_users.phone',
      'portal_users.active',
      'portal_users.company_id',
      'portal_users.created_at',
      'c.name as company_name',
    ])
    .orderBy('portal_users.name')
    .execute();
}

/** Active portal users of these companies (at least one), by name. */
export function activePortalUsersOf(db: Tx, companyIds: number[]) {
  return db
    .selectFrom('portal_users')
    .select(['id', 'name', 'company_id'])
    .where('company_id', 'in', companyIds)
    .where('active', '=', 1)
    .orderBy('name')
    .execute();
}

/** The company of a portal user, if the user exists. */
export async function portalUserCompanyId(db: Tx, userId: number): Promise<number | undefined> {
  const row = await db.selectFrom('portal_users').select('company_id').where('id', '=', userId).executeTakeFirst();
  return row ? Number(row.company_id) : undefined;
}

/** A portal user's phone and company, as the portal's profile shows them. */
export function portalProfileRow(db: Tx, userId: number) {
  return db
    .selectFrom('portal_users as pu')
    .innerJoin('companies as c', 'c.id', 'pu.company_id')
    .select(['pu.phone', 'pu.email', 'pu.name', 'c.id as company_id', 'c.name as company_name'])
    .where('pu.id', '=', userId)
    .executeTakeFirstOrThrow();
}

export async function insertPortalUser(db: Tx, values: Insertable<PortalUsersTable>): Promise<number> {
  return Number((await db.insertInto('portal_users').values(values).returning('id').executeTakeFirstOrThrow()).id);
}

/** True when the portal user was there to update. */
export async function updatePortalUserRow(db: Tx, userId: number, set: Updateable<PortalUsersTable>): Promise<boolean> {
  const r = await db.updateTable('portal_users').set(set).where('id', '=', userId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** PostgreSQL: holds the tech's row until the transaction ends, so that one tech's joins run one at a time on every node. */
export async function lockTech(trx: Tx, techId: number): Promise<void> {
  // NO KEY: limit checks queue behind each other, while rows that reference the tech (an offer's
  // from_tech_id) can still take their key-share lock: two techs offering each other chats do not deadlock.
  await trx.selectFrom('techs').select('id').where('id', '=', techId).forNoKeyUpdate().execute();
}
