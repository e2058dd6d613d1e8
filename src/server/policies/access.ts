/**
 * SPEC "Access", in one place. HTTP routes, socket handlers, lists, counts, search and the
 * real-time fan-out all ask these functions; what a user may not see is reported as not found.
 */
import { sql, type ExpressionBuilder, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import { prepared } from '../db/prepared.js';

export type TechActor = {
  kind: 'tech';
  id: number;
  name: string;
  role: 'tech' | 'admin';
  available: boolean;
  allCompanies: boolean;
  boardIds: ReadonlySet<number>;
  companyIds: ReadonlySet<number>;
};
export type PortalActor = { kind: 'portal'; id: number; name: string; companyId: number };
export type Actor = TechActor | PortalActor;

/** Anything scoped by board and company: a chat (the ticket's board and company), a ticket. */
export type Scoped = { board_id: number; company_id: number };

export function isAdmin(actor: Actor): boolean {
  return actor.kind === 'tech' && actor.role === 'admin';
}

export function techHasAccess(tech: TechActor, item: Scoped): boolean {
  if (tech.role === 'admin') return true;
  return tech.boardIds.has(Number(item.board_id)) && (tech.allCompanies || tech.companyIds.has(Number(item.company_id)));
}

export function portalOwnsChat(user: PortalActor, chat: { requester_id: number }): boolean {
  return Number(chat.requester_id) === user.id;
}

export function portalIsContact(user: PortalActor, ticket: { contact_id: number }): boolean {
  return Number(ticket.contact_id) === user.id;
}

/** May this actor see the chat at all? (Not seeing means "not found".) */
export function canSeeChat(actor: Actor, chat: Scoped & { requester_id: number }): boolean {
  return actor.kind === 'tech' ? techHasAccess(actor, chat) : portalOwnsChat(actor, chat);
}

export function canSeeTicket(actor: Actor, ticket: Scoped & { contact_id: number }): boolean {
  return actor.kind === 'tech' ? techHasAccess(actor, ticket) : portalIsContact(actor, ticket);
}

/** Only the requester and the joined tech write in a chat. */
export function isChatParticipant(actor: Actor, chat: { requester_id: number; tech_id: number | null }): boolean {
  return actor.kind === 'portal' ? portalOwnsChat(actor, chat) : chat.tech_id !== null && Number(chat.tech_id) === actor.id;
}

/**
 * The same rule as `techHasAccess`, as SQL over a table with `board_id` and `company_id`
 * columns, so lists, counts and search never include what the tech may not see.
 */
export function techScopeFilter<T extends 'chats' | 'tickets'>(tech: TechActor, table: T) {
  return (eb: ExpressionBuilder<Database, T>): Expression<SqlBool> => {
    if (tech.role === 'admin') return sql<SqlBool>`1 = 1`;
    const boards = [...tech.boardIds];
    const companies = [...tech.companyIds];
    if (boards.length === 0) return sql<SqlBool>`1 = 0`;
    const boardCol = sql.ref(`${table}.board_id`);
    const companyCol = sql.ref(`${table}.company_id`);
    const boardOk = sql<SqlBool>`${boardCol} in (${sql.join(boards)})`;
    if (tech.allCompanies) return boardOk;
    if (companies.length === 0) return sql<SqlBool>`1 = 0`;
    void eb;
    return sql<SqlBool>`(${boardOk} and ${companyCol} in (${sql.join(companies)}))`;
  };
}

// The actor is read fresh on every request and socket event; these are built once (db/prepared.ts).
const activeTech = prepared((db: Kysely<Database>, id: number) => db.selectFrom('techs').selectAll().where('id', '=', id).where('active', '=', 1));
const techBoards = prepared((db: Kysely<Database>, id: number) => db.selectFrom('tech_boards').select('board_id').where('tech_id', '=', id));
const techCompanies = prepared((db: Kysely<Database>, id: number) => db.selectFrom('tech_companies').select('company_id').where('tech_id', '=', id));
const activePortalUser = prepared((db: Kysely<Database>, id: number) =>
  db.selectFrom('portal_users').select(['id', 'name', 'company_id']).where('id', '=', id).where('active', '=', 1),
);

export async function loadTechActor(db: Tx, id: number): Promise<TechActor | null> {
  const [t] = await activeTech(db, id);
  if (!t) return null;
  const [boards, companies] = await Promise.all([techBoards(db, id), techCompanies(db, id)]);
  return {
    kind: 'tech',
    id: Number(t.id),
    name: t.name,
    role: t.role,
    available: t.available === 1,
    allCompanies: t.all_companies === 1,
    boardIds: new Set(boards.map((b) => Number(b.board_id))),
    companyIds: new Set(companies.map((c) => Number(c.company_id))),
  };
}

export async function loadPortalActor(db: Tx, id: number): Promise<PortalActor | null> {
  const [u] = await activePortalUser(db, id);
  return u ? { kind: 'portal', id: Number(u.id), name: u.name, companyId: Number(u.company_id) } : null;
}

/** Ids of techs with access to the item; `availableOnly` gives the eligible recipients of an alert. */
export async function techsWithAccess(db: Tx, item: Scoped, opts: { availableOnly: boolean }): Promise<number[]> {
  let q = db
    .selectFrom('techs')
    .select('techs.id')
    .where('techs.active', '=', 1)
    .where((eb) =>
      eb.or([
        eb('techs.role', '=', 'admin'),
        eb.and([
          eb.exists(eb.selectFrom('tech_boards').select('tech_boards.tech_id').whereRef('tech_boards.tech_id', '=', 'techs.id').where('tech_boards.board_id', '=', item.board_id)),
          eb.or([
            eb('techs.all_companies', '=', 1),
            eb.exists(
              eb.selectFrom('tech_companies').select('tech_companies.tech_id').whereRef('tech_companies.tech_id', '=', 'techs.id').where('tech_companies.company_id', '=', item.company_id),
            ),
          ]),
        ]),
      ]),
    );
  if (opts.availableOnly) q = q.where('techs.available', '=', 1);
  return (await q.execute()).map((r) => Number(r.id));
}
