/**
 * SQL of chats and their transitions. Services call these; nothing else writes chat queries.
 * Queries run on every message or delivery are `prepared` (db/prepared.ts): compiled once, and on
 * SQLite run synchronously on the connection.
 */
import { sql, type ExpressionBuilder, type Kysely, type Updateable } from 'kysely';
import type { Dialect, Tx } from '../database.js';
import type { Chat, ChatsTable, Database } from '../schema.js';
import { prepared } from '../prepared.js';
import { OPEN_STATUSES } from '../../domain/chat-machine.js';
import { techScopeFilter, type TechActor } from '../../policies/access.js';

/** A chat with the names its views show, and the requester's first message (null when there is none, or it was removed). */
export type ChatRow = Chat & {
  requester_name: string;
  company_name: string;
  board_name: string;
  tech_name: string | null;
  first_message: string | null;
} & PendingOfferColumns;
/** The chat's pending offer to a tech (at most one: the chat_offers_one_pending index), or nulls. */
export type PendingOfferColumns = {
  offer_id: number | null;
  offer_kind: 'transfer' | 'invite' | null;
  offer_from_id: number | null;
  offer_from_name: string | null;
  offer_to_id: number | null;
  offer_to_name: string | null;
  offer_expires_at: number | null;
};
/** What decides who may see a chat, write in it and move it: no names, no joins. */
export type ChatScope = Pick<Chat, 'id' | 'status' | 'requester_id' | 'tech_id' | 'co_techs' | 'board_id' | 'company_id' | 'left_at'>;

/** Chats with their requester's, company's, board's and lead tech's names. */
function namedChats(db: Tx) {
  return db
    .selectFrom('chats')
    .innerJoin('portal_users as pu', 'pu.id', 'chats.requester_id')
    .innerJoin('companies as co', 'co.id', 'chats.company_id')
    .innerJoin('boards as b', 'b.id', 'chats.board_id')
    .leftJoin('techs as t', 't.id', 'chats.tech_id')
    .select(['pu.name as requester_name', 'co.name as company_name', 'b.name as board_name', 't.name as tech_name']);
}

/** Chats as their views need them; without the requester's first message when `firstMessage` is false (a join per row). */
function chatRows(db: Tx, opts: { firstMessage?: boolean } = {}) {
  const named = namedChats(db)
    .leftJoin('chat_offers as o', (j) => j.onRef('o.chat_id', '=', 'chats.id').on('o.status', '=', 'pending'))
    .leftJoin('techs as ofrom', 'ofrom.id', 'o.from_tech_id')
    .leftJoin('techs as oto', 'oto.id', 'o.to_tech_id')
    .selectAll('chats')
    .select(['o.id as offer_id', 'o.kind as offer_kind', 'o.from_tech_id as offer_from_id', 'ofrom.name as offer_from_name'])
    .select(['o.to_tech_id as offer_to_id', 'oto.name as offer_to_name', 'o.expires_at as offer_expires_at']);
  if (opts.firstMessage === false) return named.select(sql<string | null>`null`.as('first_message'));
  // The request's own message is seq 1 (messages_chat_seq index): one row, no scan.
  return named
    .leftJoin('messages as fm', (j) => j.onRef('fm.chat_id', '=', 'chats.id').on('fm.seq', '=', 1).on('fm.author_kind', '=', 'portal'))
    .select('fm.body as first_message');
}

/** By id, as rows (none or one). The hot path awaits these prepared queries directly: no wrapper's frame. */
export const chatRowById = prepared((db: Kysely<any>, chatId: number) => chatRows(db as Tx).where('chats.id', '=', chatId)) as (
  db: Tx,
  chatId: number,
) => Promise<ChatRow[]>;
export const chatScopeById = prepared((db: Kysely<any>, chatId: number) =>
  (db as Tx).selectFrom('chats').select(['id', 'status', 'requester_id', 'tech_id', 'co_techs', 'board_id', 'company_id', 'left_at']).where('id', '=', chatId),
) as (db: Tx, chatId: number) => Promise<ChatScope[]>;

/** The chat's status and version as committed now: a last check before a live event that may be stale. */
export const chatStateById = prepared((db: Kysely<any>, chatId: number) =>
  (db as Tx).selectFrom('chats').select(['status', 'version']).where('id', '=', chatId),
) as (db: Tx, chatId: number) => Promise<Pick<Chat, 'status' | 'version'>[]>;

export async function findChatRow(db: Tx, chatId: number): Promise<ChatRow | undefined> {
  const [row] = await chatRowById(db, chatId);
  return row;
}

/**
 * Locks the chat's row for the rest of the transaction (PostgreSQL; SQLite runs one write
 * transaction at a time). Every writer that touches a chat and its offer takes the chat first.
 */
export async function lockChat(trx: Tx, chatId: number, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'postgres') await trx.selectFrom('chats').select('id').where('id', '=', chatId).forNoKeyUpdate().execute();
}

/** The chat's own columns, as a transaction sees them now. */
export function findChat(db: Tx, chatId: number): Promise<Chat | undefined> {
  return db.selectFrom('chats').selectAll().where('id', '=', chatId).executeTakeFirst();
}

/** The open chat holding a "one open chat" key (a ticket's, or a user's new request). */
export async function openChatIdByKey(db: Tx, openKey: string): Promise<number | null> {
  const row = await db.selectFrom('chats').select('id').where('open_key', '=', openKey).executeTakeFirst();
  return row ? Number(row.id) : null;
}

/** When the user's chats since `after` were requested (request pacing); at most `limit`, newest first. */
export async function requestTimesOf(db: Tx, userId: number, after: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('chats')
    .select('requested_at')
    .where('requester_id', '=', userId)
    .where('requested_at', '>', after)
    .orderBy('requested_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.requested_at));
}

export async function openChatIdsOfRequester(db: Tx, userId: number): Promise<number[]> {
  const rows = await db.selectFrom('chats').select('id').where('requester_id', '=', userId).where('status', 'in', OPEN_STATUSES).execute();
  return rows.map((r) => Number(r.id));
}

export function insertChat(
  trx: Tx,
  values: Omit<
    Chat,
    | 'id'
    | 'tech_id'
    | 'outcome'
    | 'created_ticket_id'
    | 'joined_at'
    | 'left_at'
    | 'ended_at'
    | 'abandoned_at'
    | 'abandon_reason'
    | 'callback_at'
    | 'completed_at'
    | 'completed_by'
    | 'callback_phone'
    | 'callback_time'
    | 'callback_message'
    | 'messages_purged_at'
    | 'version'
    | 'rating'
    | 'rating_comment'
    | 'rated_at'
    | 'requester_read_seq'
    | 'tech_read_seq'
    | 'first_response_at'
  >,
): Promise<Chat> {
  return trx.insertInto('chats').values(values).returningAll().executeTakeFirstOrThrow();
}

/** Every update that changes what a chat's views show raises its version (stale events are told apart). */
const nextVersion = (eb: ExpressionBuilder<Database, 'chats'>) => ({ version: eb('version', '+', 1) });

/** The conditional update that settles races: it changes the chat only while it is in `status`. */
/** Columns a change may also require unchanged since it read the chat (who is in it, whether the requester left). */
export type ChatGuard = Partial<Pick<Chat, 'tech_id' | 'co_techs' | 'left_at'>>;

/** The guard "the same techs are in it as when it was read". */
export const sameTechs = (chat: Pick<Chat, 'tech_id'> & { co_techs?: string | null }): ChatGuard => ({
  tech_id: chat.tech_id,
  co_techs: chat.co_techs ?? null,
});

export function updateChatIfStatus(
  trx: Tx,
  chatId: number,
  status: Chat['status'],
  patch: Updateable<ChatsTable>,
  guard: ChatGuard = {},
): Promise<Chat | undefined> {
  let q = trx.updateTable('chats').set(patch).set(nextVersion).where('id', '=', chatId).where('status', '=', status);
  for (const [column, value] of Object.entries(guard) as [keyof ChatGuard, number | string | null][]) {
    q = value === null ? q.where(column, 'is', null) : q.where(column, '=', value);
  }
  return q.returningAll().executeTakeFirst();
}

/** Records the requester's rating of a completed chat; of two at once, or a second, none gets in. True when this one did. */
export async function claimRating(trx: Tx, chatId: number, rating: number, comment: string | null, now: number): Promise<boolean> {
  const r = await trx
    .updateTable('chats')
    .set({ rating, rating_comment: comment, rated_at: now })
    .set(nextVersion)
    .where('id', '=', chatId)
    .where('status', '=', 'completed')
    .where('rating', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Moves one side's read mark forward to `seq` (never past the chat's last message, never back).
 * Not a change of what the views order by: the version stays. The new mark, or null when it did not move.
 */
export async function advanceReadSeq(db: Tx, chatId: number, side: 'requester' | 'tech', seq: number): Promise<number | null> {
  const column = side === 'requester' ? 'requester_read_seq' : 'tech_read_seq';
  const target = sql<number>`case when ${seq} < last_seq then ${seq} else last_seq end`;
  const r = await db
    .updateTable('chats')
    .set({ [column]: target })
    .where('id', '=', chatId)
    .where(column, '<', target)
    .returning(column)
    .executeTakeFirst();
  return r ? Number((r as Record<string, unknown>)[column]) : null;
}

/** How many chats the tech has active now. */
export async function activeChatCount(db: Tx, techId: number): Promise<number> {
  const r = await db
    .selectFrom('chats')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('tech_id', '=', techId), eb('co_techs', 'like', coTechPattern(techId))]))
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Records that the requester left an active chat; of two leaves at once, one gets the row. */
export function claimLeave(trx: Tx, chatId: number, now: number): Promise<Chat | undefined> {
  return trx
    .updateTable('chats')
    .set({ left_at: now })
    .set(nextVersion)
    .where('id', '=', chatId)
    .where('status', '=', 'active')
    .where('left_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Records the ticket made from a completed chat; of two at once, one gets it. True when this one did. */
export async function claimCreatedTicket(trx: Tx, chatId: number, ticketId: number): Promise<boolean> {
  const r = await trx
    .updateTable('chats')
    .set({ created_ticket_id: ticketId })
    .set(nextVersion)
    .where('id', '=', chatId)
    .where('created_ticket_id', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export type TransitionRecord = {
  chat_id: number;
  event: string;
  from_status: string | null;
  to_status: string;
  actor_kind: 'tech' | 'portal' | 'system';
  actor_id: number | null;
  at: number;
};

export async function insertTransition(trx: Tx, t: TransitionRecord): Promise<void> {
  await trx.insertInto('transitions').values(t).execute();
}

export function transitionRows(db: Tx, chatId: number) {
  return db
    .selectFrom('transitions')
    .leftJoin('techs as t', (j) => j.onRef('t.id', '=', 'transitions.actor_id').on('transitions.actor_kind', '=', 'tech'))
    .leftJoin('portal_users as pu', (j) => j.onRef('pu.id', '=', 'transitions.actor_id').on('transitions.actor_kind', '=', 'portal'))
    .selectAll('transitions')
    .select((eb) => eb.fn.coalesce('t.name', 'pu.name').as('actor_name'))
    .where('chat_id', '=', chatId)
    .orderBy('transitions.id')
    .execute();
}

/**
 * Matches `co_techs` (JSON of {id, name}[], written by JSON.stringify) holding this tech: `{"id":7,`
 * cannot occur inside a name, whose quotes JSON escapes.
 */
export const coTechPattern = (techId: number) => `%{"id":${Number(techId)},%`;

/** The four status-bar lists of a tech, each through the access filter, oldest first. */
export async function statusBarRows(db: Tx, tech: TechActor) {
  const scoped = chatRows(db).where(techScopeFilter(tech, 'chats'));
  const [waiting, abandoned, callback, active] = await Promise.all([
    scoped.where('chats.status', '=', 'waiting').orderBy('chats.requested_at').orderBy('chats.id').limit(500).execute(),
    scoped.where('chats.status', '=', 'abandoned').orderBy('chats.abandoned_at').orderBy('chats.id').limit(500).execute(),
    scoped.where('chats.status', '=', 'callback').orderBy('chats.callback_at').orderBy('chats.id').limit(500).execute(),
    // A withdrawn grant hides even the tech's own session: access is checked everywhere.
    scoped
      .where('chats.status', '=', 'active')
      .where((eb) => eb.or([eb('chats.tech_id', '=', tech.id), eb('chats.co_techs', 'like', coTechPattern(tech.id))]))
      .orderBy('chats.joined_at')
      .execute(),
  ]);
  return { waiting, abandoned, callback, active } as Record<'waiting' | 'abandoned' | 'callback' | 'active', ChatRow[]>;
}

export async function requesterChatRows(db: Tx, userId: number): Promise<ChatRow[]> {
  return (await chatRows(db).where('chats.requester_id', '=', userId).orderBy('chats.requested_at', 'desc').limit(200).execute()) as ChatRow[];
}

/** How many waiting chats of the same board came before this one. */
export async function waitingAhead(db: Tx, chat: { id: number; board_id: number; requested_at: number }): Promise<number> {
  const r = await db
    .selectFrom('chats')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'waiting')
    .where('board_id', '=', chat.board_id)
    .where((eb) => eb.or([eb('requested_at', '<', chat.requested_at), eb.and([eb('requested_at', '=', chat.requested_at), eb('id', '<', chat.id)])]))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Completed chats a tech may see, with what a list of them shows (shared/views.ts SearchResult):
 * no first message (search shows its snippet), no offer (a completed chat has none).
 */
export function completedChatRows(db: Tx, tech: TechActor) {
  return namedChats(db)
    .select(['chats.id', 'chats.subject', 'chats.board_id', 'chats.company_id', 'chats.requester_id', 'chats.tech_id', 'chats.co_techs', 'chats.outcome'])
    .select(['chats.ticket_id', 'chats.created_ticket_id', 'chats.requested_at', 'chats.completed_at', 'chats.callback_at', 'chats.abandoned_at'])
    .select(['chats.abandon_reason', 'chats.rating', 'chats.rating_comment', 'chats.rated_at'])
    .where('chats.status', '=', 'completed')
    .where(techScopeFilter(tech, 'chats'));
}
/** A row of `completedChatRows`. */
export type CompletedChatRow = Awaited<ReturnType<ReturnType<typeof completedChatRows>['execute']>>[number];

/** A requester's other chats that the tech may see, newest request first. */
export function recentChatRowsOfRequester(db: Tx, tech: TechActor, requesterId: number, exceptChatId: number, limit: number) {
  return chatRows(db, { firstMessage: false })
    .where(techScopeFilter(tech, 'chats'))
    .where('chats.requester_id', '=', requesterId)
    .where('chats.id', '!=', exceptChatId)
    .orderBy('chats.requested_at', 'desc')
    .orderBy('chats.id', 'desc')
    .limit(limit)
    .execute();
}

/** A chat with its names and the requester's email, as a transcript's header shows them. */
export function chatRowWithRequesterEmail(db: Tx, chatId: number) {
  return chatRows(db).select('pu.email as requester_email').where('chats.id', '=', chatId).executeTakeFirstOrThrow();
}

/*
 * Durable timers (services/timers.ts): deadlines are columns of waiting chats. A sweep reads the
 * due rows, then claims each with a conditional update on the deadline it read, so exactly one
 * node acts on it.
 */

export function dueAlertEscalations(db: Tx, now: number, limit: number) {
  return db
    .selectFrom('chats')
    .select(['id', 'alert_all_at', 'board_id', 'company_id', 'assigned_alert_tech_id'])
    .where('status', '=', 'waiting')
    .where('alert_all_at', '<=', now)
    .limit(limit)
    .execute();
}

type Deadline = 'alert_all_at' | 'offer_at' | 'grace_at';

/** Disarms a deadline of a waiting chat only while it is still the one the sweep read. */
function claimDeadline(db: Tx, chatId: number, deadline: Deadline, seen: number | null, patch: Updateable<ChatsTable> = {}) {
  return db
    .updateTable('chats')
    .set({ [deadline]: null, ...patch } as Updateable<ChatsTable>)
    .set(nextVersion)
    .where('id', '=', chatId)
    .where(deadline, '=', seen)
    .where('status', '=', 'waiting');
}

/** Disarms the assigned-first window and alerts everyone; true when this sweep claimed it. */
export async function claimAlertEscalation(db: Tx, chatId: number, alertAllAt: number | null): Promise<boolean> {
  const r = await claimDeadline(db, chatId, 'alert_all_at', alertAllAt, { alert_stage: 'all' }).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function dueWaitOffers(db: Tx, now: number, limit: number) {
  return db
    .selectFrom('chats')
    .select(['id', 'offer_at', 'requester_id', 'offer_count'])
    .where('status', '=', 'waiting')
    .where('offer_at', '<=', now)
    .limit(limit)
    .execute();
}

/** Disarms the wait offer and counts it; true when this sweep claimed it. */
export async function claimWaitOffer(db: Tx, chatId: number, offerAt: number | null, offerCount: number): Promise<boolean> {
  const r = await claimDeadline(db, chatId, 'offer_at', offerAt, { offer_count: offerCount }).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function dueGraces(db: Tx, now: number, limit: number) {
  return db.selectFrom('chats').select(['id', 'grace_at', 'requester_id']).where('status', '=', 'waiting').where('grace_at', '<=', now).limit(limit).execute();
}

/** Disarms a disconnect grace that is still the one read. */
export async function clearGrace(db: Tx, chatId: number, graceAt: number | null): Promise<void> {
  await db.updateTable('chats').set({ grace_at: null }).where('id', '=', chatId).where('grace_at', '=', graceAt).execute();
}

/** Disarms the grace of a chat still waiting; the chat when this sweep claimed it. */
export function claimGrace(trx: Tx, chatId: number, graceAt: number | null): Promise<Chat | undefined> {
  return claimDeadline(trx, chatId, 'grace_at', graceAt).returningAll().executeTakeFirst();
}

/**
 * Requesters of waiting chats whose disconnect grace is not armed. On SQLite the status index is
 * named: the planner would otherwise take the requester index for the `distinct`, or scan the
 * table, and read every chat ever made (1.6 s at a million chats, on the server's one connection,
 * at every presence audit; docs/benchmarks.md). The waiting chats are few.
 */
export const WAITING_REQUESTERS_SQLITE = `select distinct requester_id from chats indexed by chats_status
  where status = 'waiting' and grace_at is null limit ?`;
export async function waitingRequestersWithoutGrace(db: Tx, dialect: Dialect, limit: number): Promise<number[]> {
  const rows =
    dialect === 'sqlite'
      ? (await sql.raw<{ requester_id: number }>(WAITING_REQUESTERS_SQLITE.replace('?', String(Math.trunc(limit)))).execute(db)).rows
      : await db.selectFrom('chats').select('requester_id').distinct().where('status', '=', 'waiting').where('grace_at', 'is', null).limit(limit).execute();
  return rows.map((r) => Number(r.requester_id));
}

/**
 * Arms the grace of the user's waiting chats from this disconnect: a grace armed earlier is
 * moved, so the deadline always follows the latest time the user was seen leaving.
 */
export async function armGraces(db: Tx, userId: number, graceAt: number): Promise<void> {
  await db.updateTable('chats').set({ grace_at: graceAt }).where('requester_id', '=', userId).where('status', '=', 'waiting').execute();
}

/** Disarms the grace of the user's waiting chats. */
export async function disarmGraces(db: Tx, userId: number): Promise<void> {
  await db
    .updateTable('chats')
    .set({ grace_at: null })
    .where('requester_id', '=', userId)
    .where('status', '=', 'waiting')
    .where('grace_at', 'is not', null)
    .execute();
}

/** The board's chats requested since `since`, newest first, at most `limit`: the expected wait's evidence. */
export function queueHistoryRows(db: Tx, boardId: number, since: number, limit: number) {
  return db
    .selectFrom('chats')
    .select(['id', 'requested_at', 'joined_at', 'ended_at', 'abandoned_at', 'callback_at'])
    .where('board_id', '=', boardId)
    .where('requested_at', '>=', since)
    .orderBy('requested_at', 'desc')
    .limit(limit)
    .execute();
}

/** Active chats led by each of these techs (the open slots under the limit). */
export async function activeChatCounts(db: Tx, techIds: number[]): Promise<Map<number, number>> {
  if (!techIds.length) return new Map();
  const rows = await db
    .selectFrom('chats')
    .select(['tech_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', 'active')
    .where('tech_id', 'in', techIds)
    .groupBy('tech_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.tech_id), Number(r.n)]));
}
