import { Conflict, NotFound } from '../errors.js';
import type { Tx } from '../db/database.js';
import type { Actor, TechActor } from '../policies/access.js';
import { authorize, type ChatAction } from '../policies/rules.js';
import { inTransaction, type Ctx } from './context.js';
import { getVisibleChatScope } from './chat-queries.js';
import type { ChatScope } from '../db/repositories/chats.js';
import { indexChat } from './search.js';
import { iso } from './presenters.js';

export async function insertNote(trx: Tx, chatId: number, authorId: number, body: string, now: number) {
  const n = await trx.insertInto('notes').values({ chat_id: chatId, author_id: authorId, body, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  await trx.insertInto('note_revisions').values({ note_id: Number(n.id), body, editor_id: authorId, at: now }).execute();
  return Number(n.id);
}

/** The chat whose notes the actor works on. Notes are internal: to a portal user they do not exist. */
async function notesChat(ctx: Ctx, actor: Actor, chatId: number, action: ChatAction): Promise<{ tech: TechActor; chat: ChatScope }> {
  const chat = await getVisibleChatScope(ctx.db, actor, chatId);
  if (actor.kind !== 'tech') throw new NotFound('Chat');
  authorize(actor, action, chat);
  return { tech: actor, chat };
}

export async function listNotes(ctx: Ctx, actor: Actor, chatId: number) {
  await notesChat(ctx, actor, chatId, 'note.view');
  const notes = await ctx.db
    .selectFrom('notes')
    .innerJoin('techs as t', 't.id', 'notes.author_id')
    .selectAll('notes')
    .select('t.name as author_name')
    .where('notes.chat_id', '=', chatId)
    .orderBy('notes.id')
    .execute();
  const ids = notes.map((n) => n.id);
  const revisions = ids.length
    ? await ctx.db
        .selectFrom('note_revisions')
        .innerJoin('techs as t', 't.id', 'note_revisions.editor_id')
        .selectAll('note_revisions')
        .select('t.name as editor_name')
        .where('note_id', 'in', ids)
        .orderBy('note_revisions.id')
        .execute()
    : [];
  return notes.map((n) => ({
    id: Number(n.id),
    chatId: Number(n.chat_id),
    author: { id: Number(n.author_id), name: n.author_name },
    body: n.body,
    createdAt: iso(n.created_at),
    updatedAt: iso(n.updated_at),
    edited: n.updated_at !== n.created_at,
    history: revisions
      .filter((r) => r.note_id === n.id)
      .map((r) => ({ body: r.body, editor: { id: Number(r.editor_id), name: r.editor_name }, at: iso(r.at) })),
  }));
}

export async function addNote(ctx: Ctx, actor: Actor, chatId: number, body: string) {
  const { tech } = await notesChat(ctx, actor, chatId, 'note.add');
  const noteId = await inTransaction(ctx, async (trx, outbox) => {
    const id = await insertNote(trx, chatId, tech.id, body, ctx.now());
    await indexChat(trx, ctx.dialect, chatId);
    outbox.add('note.saved', { chatId, noteId: id });
    return id;
  });
  return noteId;
}

export async function editNote(ctx: Ctx, actor: Actor, chatId: number, noteId: number, body: string) {
  const { tech, chat } = await notesChat(ctx, actor, chatId, 'note.view');
  await inTransaction(ctx, async (trx, outbox) => {
    const note = await trx.selectFrom('notes').selectAll().where('id', '=', noteId).where('chat_id', '=', chatId).executeTakeFirst();
    if (!note) throw new NotFound('Note');
    // A note is edited by its author or an admin; other techs may add their own.
    authorize(tech, 'note.edit', { author_id: note.author_id, chat });
    if (note.body === body) return;
    const now = Math.max(ctx.now(), Number(note.updated_at) + 1);
    const r = await trx.updateTable('notes').set({ body, updated_at: now }).where('id', '=', noteId).where('updated_at', '=', note.updated_at).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Conflict('edit_conflict', 'The note was changed meanwhile; reload and try again');
    await trx.insertInto('note_revisions').values({ note_id: noteId, body, editor_id: tech.id, at: now }).execute();
    await indexChat(trx, ctx.dialect, chatId);
    outbox.add('note.saved', { chatId, noteId });
  });
}
