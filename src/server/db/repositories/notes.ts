/** SQL of a chat's internal notes and their revisions. */
import type { Tx } from '../database.js';

/** A new note with its first revision; its id. */
export async function insertNote(trx: Tx, chatId: number, authorId: number, body: string, now: number): Promise<number> {
  const n = await trx
    .insertInto('notes')
    .values({ chat_id: chatId, author_id: authorId, body, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await insertNoteRevision(trx, Number(n.id), body, authorId, now);
  return Number(n.id);
}

export async function insertNoteRevision(trx: Tx, noteId: number, body: string, editorId: number, at: number): Promise<void> {
  await trx.insertInto('note_revisions').values({ note_id: noteId, body, editor_id: editorId, at }).execute();
}

/** A chat's notes with their authors' names, oldest first. */
export function notesOfChat(db: Tx, chatId: number) {
  return db
    .selectFrom('notes')
    .innerJoin('techs as t', 't.id', 'notes.author_id')
    .selectAll('notes')
    .select('t.name as author_name')
    .where('notes.chat_id', '=', chatId)
    .orderBy('notes.id')
    .execute();
}

/** The revisions of these notes (at least one) with their editors' names, oldest first. */
export function revisionsOfNotes(db: Tx, noteIds: number[]) {
  return db
    .selectFrom('note_revisions')
    .innerJoin('techs as t', 't.id', 'note_revisions.editor_id')
    .selectAll('note_revisions')
    .select('t.name as editor_name')
    .where('note_id', 'in', noteIds)
    .orderBy('note_revisions.id')
    .execute();
}

/** A note, only under its own chat. */
export function noteInChat(db: Tx, chatId: number, noteId: number) {
  return db.selectFrom('notes').selectAll().where('id', '=', noteId).where('chat_id', '=', chatId).executeTakeFirst();
}

/** Changes the note only if nobody saved it since `seenUpdatedAt`; true when this edit won. */
export async function updateNoteIfUnchanged(trx: Tx, noteId: number, seenUpdatedAt: number, body: string, now: number): Promise<boolean> {
  const r = await trx.updateTable('notes').set({ body, updated_at: now }).where('id', '=', noteId).where('updated_at', '=', seenUpdatedAt).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every note's body of a chat, in order: what search indexes. */
export function noteBodies(db: Tx, chatId: number) {
  return db.selectFrom('notes').select('body').where('chat_id', '=', chatId).orderBy('id').execute();
}

/** The newest note of each of the chats (by id), for lists that show one line of notes. */
export async function latestNoteOfChats(db: Tx, chatIds: number[]): Promise<Map<number, string>> {
  if (!chatIds.length) return new Map();
  const rows = await db.selectFrom('notes').select(['chat_id', 'body', 'id']).where('chat_id', 'in', chatIds).orderBy('id', 'desc').execute();
  const out = new Map<number, string>();
  for (const r of rows) if (!out.has(Number(r.chat_id))) out.set(Number(r.chat_id), r.body);
  return out;
}
