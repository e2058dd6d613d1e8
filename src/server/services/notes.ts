import { Conflict, NotFound } from '../errors.js';
import type { Actor, TechActor } from '../policies/access.js';
import { authorize, can, type ChatAction } from '../policies/rules.js';
import { inTransaction, type Ctx } from './context.js';
import { getVisibleChatScope } from './chat-queries.js';
import type { ChatScope } from '../db/repositories/chats.js';
import { indexChat } from './search.js';
import { iso } from './presenters.js';
import { insertNote, insertNoteRevision, noteInChat, notesOfChat, revisionsOfNotes, updateNoteIfUnchanged } from '../db/repositories/notes.js';

/** The chat whose notes the actor works on. Notes are internal: to a portal user they do not exist. */
async function notesChat(ctx: Ctx, actor: Actor, chatId: number, action: ChatAction): Promise<{ tech: TechActor; chat: ChatScope }> {
  const chat = await getVisibleChatScope(ctx.db, actor, chatId);
  if (actor.kind !== 'tech') throw new NotFound('Chat');
  authorize(actor, action, chat);
  return { tech: actor, chat };
}

export async function listNotes(ctx: Ctx, actor: Actor, chatId: number) {
  const { tech, chat } = await notesChat(ctx, actor, chatId, 'note.view');
  const notes = await notesOfChat(ctx.db, chatId);
  const ids = notes.map((n) => n.id);
  const revisions = ids.length ? await revisionsOfNotes(ctx.db, ids) : [];
  return notes.map((n) => ({
    id: Number(n.id),
    chatId: Number(n.chat_id),
    author: { id: Number(n.author_id), name: n.author_name },
    body: n.body,
    createdAt: iso(n.created_at),
    updatedAt: iso(n.updated_at),
    edited: n.updated_at !== n.created_at,
    canEdit: can(tech, 'note.edit', { author_id: n.author_id, chat }),
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
    const note = await noteInChat(trx, chatId, noteId);
    if (!note) throw new NotFound('Note');
    // A note is edited by its author or an admin; other techs may add their own.
    authorize(tech, 'note.edit', { author_id: note.author_id, chat });
    if (note.body === body) return;
    const now = Math.max(ctx.now(), Number(note.updated_at) + 1);
    if (!(await updateNoteIfUnchanged(trx, noteId, note.updated_at, body, now)))
      throw new Conflict('edit_conflict', 'The note was changed meanwhile; reload and try again');
    await insertNoteRevision(trx, noteId, body, tech.id, now);
    await indexChat(trx, ctx.dialect, chatId);
    outbox.add('note.saved', { chatId, noteId });
  });
}
