import type { Kysely } from 'kysely';
import { NotFound } from '../errors.js';
import type { Tx } from '../db/database.js';
import type { Chat } from '../db/schema.js';
import { prepared } from '../db/prepared.js';
import { OPEN_STATUSES } from '../domain/chat-machine.js';
import { techScopeFilter, type Actor, type PortalActor, type TechActor } from '../policies/access.js';
import { authorize } from '../policies/rules.js';
import { iso, presentChatFor, presentMessage, presentPortalChat, type ChatRow } from './presenters.js';
import type { PortalChatView, StatusBarView, TechChatView } from '../../shared/views.js';

export function chatRows(db: Tx) {
  return db
    .selectFrom('chats')
    .innerJoin('portal_users as pu', 'pu.id', 'chats.requester_id')
    .innerJoin('companies as co', 'co.id', 'chats.company_id')
    .innerJoin('boards as b', 'b.id', 'chats.board_id')
    .leftJoin('techs as t', 't.id', 'chats.tech_id')
    .selectAll('chats')
    .select(['pu.name as requester_name', 'co.name as company_name', 'b.name as board_name', 't.name as tech_name']);
}

const chatRowById = prepared((db: Kysely<any>, chatId: number) => chatRows(db as Tx).where('chats.id', '=', chatId));

/** A chat with its names, whoever asks (callers check access), or undefined. */
export async function findChatRow(db: Tx, chatId: number): Promise<ChatRow | undefined> {
  const [row] = (await chatRowById(db, chatId)) as ChatRow[];
  return row;
}

/** A chat with its names, whoever asks (callers check access): inside a command's transaction. */
export async function chatRowIn(db: Tx, chatId: number): Promise<ChatRow> {
  const row = await findChatRow(db, chatId);
  if (!row) throw new NotFound('Chat');
  return row;
}

/** The requester's waiting and active chats: whose techs hear of the requester's connection. */
export async function openChatIdsOfRequester(db: Tx, userId: number): Promise<number[]> {
  const rows = await db.selectFrom('chats').select('id').where('requester_id', '=', userId).where('status', 'in', OPEN_STATUSES).execute();
  return rows.map((r) => Number(r.id));
}

/** A chat the actor may see, or NotFound: the one entry point for reading a chat by id. */
export async function getVisibleChatRow(db: Tx, actor: Actor, chatId: number): Promise<ChatRow> {
  const [row] = (await chatRowById(db, chatId)) as ChatRow[];
  return visibleOrNotFound(actor, row);
}

/** What decides who may see a chat, write in it and move it: no names, no joins. */
export type ChatScope = Pick<Chat, 'id' | 'status' | 'requester_id' | 'tech_id' | 'board_id' | 'company_id'>;
const chatScopeById = prepared((db: Kysely<any>, chatId: number) =>
  (db as Tx).selectFrom('chats').select(['id', 'status', 'requester_id', 'tech_id', 'board_id', 'company_id']).where('id', '=', chatId),
);

/** The same check as getVisibleChatRow, for callers that need the chat's scope only (every message). */
export async function getVisibleChatScope(db: Tx, actor: Actor, chatId: number): Promise<ChatScope> {
  const [row] = (await chatScopeById(db, chatId)) as ChatScope[];
  return visibleOrNotFound(actor, row);
}

function visibleOrNotFound<T extends ChatScope>(actor: Actor, row: T | undefined): T {
  if (!row) throw new NotFound('Chat');
  authorize(actor, 'chat.view', row);
  return row;
}

export async function getChatView(db: Tx, actor: PortalActor, chatId: number): Promise<PortalChatView>;
export async function getChatView(db: Tx, actor: TechActor, chatId: number): Promise<TechChatView>;
export async function getChatView(db: Tx, actor: Actor, chatId: number): Promise<PortalChatView | TechChatView>;
export async function getChatView(db: Tx, actor: Actor, chatId: number) {
  return presentChatFor(actor, await getVisibleChatRow(db, actor, chatId));
}

const messagesAfter = prepared((db: Kysely<any>, chatId: number, afterSeq: number, limit: number) =>
  (db as Tx)
    .selectFrom('messages')
    .leftJoin('portal_users as pu', (j) => j.onRef('pu.id', '=', 'messages.author_id').on('messages.author_kind', '=', 'portal'))
    .leftJoin('techs as t', (j) => j.onRef('t.id', '=', 'messages.author_id').on('messages.author_kind', '=', 'tech'))
    .selectAll('messages')
    .select((eb) => eb.fn.coalesce('pu.name', 't.name').as('author_name'))
    .where('messages.chat_id', '=', chatId)
    .where('messages.seq', '>', afterSeq)
    .orderBy('messages.seq')
    .limit(limit),
);

export async function listMessages(db: Tx, chatId: number, afterSeq: number, limit: number) {
  return (await messagesAfter(db, chatId, afterSeq, limit)).map(presentMessage);
}

/** The four status-bar sections for a tech; every list goes through the access filter. */
export async function statusBar(db: Tx, tech: TechActor): Promise<StatusBarView> {
  const scoped = chatRows(db).where(techScopeFilter(tech, 'chats'));
  const [waiting, abandoned, callback, active] = await Promise.all([
    scoped.where('chats.status', '=', 'waiting').orderBy('chats.requested_at').orderBy('chats.id').limit(500).execute(),
    scoped.where('chats.status', '=', 'abandoned').orderBy('chats.abandoned_at').orderBy('chats.id').limit(500).execute(),
    scoped.where('chats.status', '=', 'callback').orderBy('chats.callback_at').orderBy('chats.id').limit(500).execute(),
    // A withdrawn grant hides even the tech's own session: access is checked everywhere.
    scoped.where('chats.status', '=', 'active').where('chats.tech_id', '=', tech.id).orderBy('chats.joined_at').execute(),
  ]);
  const p = (rows: unknown[]) => rows.map((r) => presentChatFor(tech, r as ChatRow));
  return {
    available: tech.available,
    waiting: p(waiting),
    active: p(active),
    abandoned: p(abandoned),
    callback: p(callback),
  };
}

export async function portalChats(db: Tx, actor: PortalActor): Promise<PortalChatView[]> {
  const rows = await chatRows(db).where('chats.requester_id', '=', actor.id).orderBy('chats.requested_at', 'desc').limit(200).execute();
  return rows.map((r) => presentPortalChat(r as ChatRow));
}

/** The requester's chat with, while it waits, its place in the queue. */
export async function portalChatDetail(db: Tx, user: PortalActor, chatId: number): Promise<PortalChatView & { queuePosition: number | null }> {
  const row = await getVisibleChatRow(db, user, chatId);
  return { ...presentPortalChat(row), queuePosition: row.status === 'waiting' ? await queuePosition(db, row) : null };
}

/** 1-based place among waiting chats of the same board, oldest first. */
export async function queuePosition(db: Tx, chat: { id: number; board_id: number; requested_at: number }) {
  const r = await db
    .selectFrom('chats')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'waiting')
    .where('board_id', '=', chat.board_id)
    .where((eb) => eb.or([eb('requested_at', '<', chat.requested_at), eb.and([eb('requested_at', '=', chat.requested_at), eb('id', '<', chat.id)])]))
    .executeTakeFirstOrThrow();
  return Number(r.n) + 1;
}


/** Every recorded transition of a chat: who, when, from, to. */
export async function listTransitions(db: Tx, actor: Actor, chatId: number) {
  await getVisibleChatScope(db, actor, chatId);
  const rows = await db
    .selectFrom('transitions')
    .leftJoin('techs as t', (j) => j.onRef('t.id', '=', 'transitions.actor_id').on('transitions.actor_kind', '=', 'tech'))
    .leftJoin('portal_users as pu', (j) => j.onRef('pu.id', '=', 'transitions.actor_id').on('transitions.actor_kind', '=', 'portal'))
    .selectAll('transitions')
    .select((eb) => eb.fn.coalesce('t.name', 'pu.name').as('actor_name'))
    .where('chat_id', '=', chatId)
    .orderBy('transitions.id')
    .execute();
  return rows.map((r) => ({
    event: r.event,
    from: r.from_status,
    to: r.to_status,
    actor: { kind: r.actor_kind, id: r.actor_id === null ? null : Number(r.actor_id), name: r.actor_name },
    at: iso(r.at),
  }));
}
