/** Reads of chats and messages for an actor: access checked, then presented for that actor. */
import { NotFound } from '../errors.js';
import type { Tx } from '../db/database.js';
import { chatScopeById, findChatRow, requesterChatRows, statusBarRows, transitionRows, type ChatRow, type ChatScope } from '../db/repositories/chats.js';
import { messagesAfter } from '../db/repositories/messages.js';
import type { Actor, PortalActor, TechActor } from '../policies/access.js';
import { authorize } from '../policies/rules.js';
import { iso, presentChatFor, presentMessage, presentPortalChat } from './presenters.js';
import type { PortalChatDetail, PortalChatView, StatusBarView, TechChatView } from '../../shared/views.js';
import type { Ctx } from './context.js';
import { expectedWaitOf } from './expected-wait.js';

/** A chat with its names, whoever asks (callers check access): inside a command's transaction. */
export async function chatRowIn(db: Tx, chatId: number): Promise<ChatRow> {
  const row = await findChatRow(db, chatId);
  if (!row) throw new NotFound('Chat');
  return row;
}

/** A chat the actor may see, or NotFound: the one entry point for reading a chat by id. */
export async function getVisibleChatRow(db: Tx, actor: Actor, chatId: number): Promise<ChatRow> {
  return visibleOrNotFound(actor, await findChatRow(db, chatId));
}

/** The same check as getVisibleChatRow, for callers that need the chat's scope only (every message). */
export async function getVisibleChatScope(db: Tx, actor: Actor, chatId: number): Promise<ChatScope> {
  const [row] = await chatScopeById(db, chatId);
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

export async function listMessages(db: Tx, chatId: number, afterSeq: number, limit: number) {
  return (await messagesAfter(db, chatId, afterSeq, limit)).map((m) => presentMessage(m));
}

/** The four status-bar sections for a tech; every list goes through the access filter. */
export async function statusBar(db: Tx, tech: TechActor): Promise<StatusBarView> {
  const { waiting, abandoned, callback, active } = await statusBarRows(db, tech);
  const p = (rows: ChatRow[]) => rows.map((r) => presentChatFor(tech, r));
  return {
    available: tech.available,
    waiting: p(waiting),
    active: p(active),
    abandoned: p(abandoned),
    callback: p(callback),
  };
}

export async function portalChats(db: Tx, actor: PortalActor): Promise<PortalChatView[]> {
  return (await requesterChatRows(db, actor.id)).map(presentPortalChat);
}

/** The requester's chat with, while it waits, its place in the queue and the expected wait. */
export async function portalChatDetail(ctx: Ctx, user: PortalActor, chatId: number): Promise<PortalChatDetail> {
  const row = await getVisibleChatRow(ctx.db, user, chatId);
  if (row.status !== 'waiting') return { ...presentPortalChat(row), queuePosition: null, expectedWait: null };
  // 1-based place among waiting chats of the same board, oldest first.
  const { position, expectedWait } = await expectedWaitOf(ctx, ctx.db, row);
  return { ...presentPortalChat(row), queuePosition: position, expectedWait };
}

/** Every recorded transition of a chat: who, when, from, to. */
export async function listTransitions(db: Tx, actor: Actor, chatId: number) {
  await getVisibleChatScope(db, actor, chatId);
  const rows = await transitionRows(db, chatId);
  return rows.map((r) => ({
    event: r.event,
    from: r.from_status,
    to: r.to_status,
    actor: { kind: r.actor_kind, id: r.actor_id === null ? null : Number(r.actor_id), name: r.actor_name },
    at: iso(r.at),
  }));
}
