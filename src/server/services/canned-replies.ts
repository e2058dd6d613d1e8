/**
 * Canned replies (SPEC Part 2, "The tech's workspace"): shared ones, managed by admins and
 * optionally for one board, and each tech's personal ones, which only that tech sees or
 * changes. In a chat a tech is offered the shared replies for every board and for the chat's
 * board, and their own. Placeholders ({first_name}, {tech_name}, {company}) are filled in by the
 * console when a reply is inserted, where the tech sees the text before sending it.
 */
import { Conflict, NotFound } from '../errors.js';
import { isUniqueViolation, type Db } from '../db/database.js';
import type { TechActor } from '../policies/access.js';
import { getVisibleChatRow } from './chat-queries.js';
import { countExisting } from '../db/repositories/organisation.js';
import { cannedRepliesFor, deleteCannedReply, insertCannedReply, sharedCannedReplies, updateCannedReply } from '../db/repositories/canned-replies.js';

export type CannedReplyInput = { shortcut: string; body: string; boardId?: number | null };
type Row = Awaited<ReturnType<typeof sharedCannedReplies>>[number];

const present = (r: Row) => ({
  id: Number(r.id),
  shortcut: r.shortcut,
  body: r.body,
  shared: r.owner_tech_id === null,
  boardId: r.board_id === null ? null : Number(r.board_id),
  updatedAt: new Date(Number(r.updated_at)).toISOString(),
});

async function uniqueShortcut<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isUniqueViolation(e)) throw new Conflict('duplicate', 'A canned reply with that shortcut already exists');
    throw e;
  }
}

async function assertBoard(db: Db, boardId: number | null | undefined) {
  if (boardId && (await countExisting(db, 'boards', [boardId])) !== 1) throw new NotFound('Board');
}

/** With `chatId`: what the tech may insert in that chat (a chat they cannot see is not found). */
export async function listCannedReplies(db: Db, tech: TechActor, chatId?: number) {
  const boardId = chatId === undefined ? 'any' : Number((await getVisibleChatRow(db, tech, chatId)).board_id);
  return (await cannedRepliesFor(db, tech.id, boardId)).map(present);
}

export async function createPersonalReply(db: Db, tech: TechActor, input: CannedReplyInput, now: number) {
  return uniqueShortcut(() => insertCannedReply(db, { owner_tech_id: tech.id, board_id: null, shortcut: input.shortcut, body: input.body, now }));
}

/** Another tech's reply, or a shared one, is not found: a tech changes only their own. */
export async function updatePersonalReply(db: Db, tech: TechActor, id: number, input: CannedReplyInput, now: number) {
  const done = await uniqueShortcut(() => updateCannedReply(db, id, tech.id, { board_id: null, shortcut: input.shortcut, body: input.body, now }));
  if (!done) throw new NotFound('Canned reply');
}

export async function deletePersonalReply(db: Db, tech: TechActor, id: number) {
  if (!(await deleteCannedReply(db, id, tech.id))) throw new NotFound('Canned reply');
}

export async function listSharedReplies(db: Db) {
  return (await sharedCannedReplies(db)).map(present);
}

export async function createSharedReply(db: Db, input: CannedReplyInput, now: number) {
  await assertBoard(db, input.boardId);
  return uniqueShortcut(() => insertCannedReply(db, { owner_tech_id: null, board_id: input.boardId ?? null, shortcut: input.shortcut, body: input.body, now }));
}

export async function updateSharedReply(db: Db, id: number, input: CannedReplyInput, now: number) {
  await assertBoard(db, input.boardId);
  const done = await uniqueShortcut(() =>
    updateCannedReply(db, id, null, { board_id: input.boardId ?? null, shortcut: input.shortcut, body: input.body, now }),
  );
  if (!done) throw new NotFound('Canned reply');
}

export async function deleteSharedReply(db: Db, id: number) {
  if (!(await deleteCannedReply(db, id, null))) throw new NotFound('Canned reply');
}
