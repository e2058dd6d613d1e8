/** SQL of messages: the queries run on each message sent or read are prepared. */
import type { Kysely } from 'kysely';
import type { Tx } from '../database.js';
import type { Database, Message } from '../schema.js';
import { prepared } from '../prepared.js';
import type { MessageFileColumns } from '../../services/presenters.js';

export type AuthorKind = Message['author_kind'];
export type MessageRow = Message & { author_name: string | null } & MessageFileColumns;

/**
 * Take the chat's next `seq` for one message (a request's first, a system line): the counter
 * update locks the chat row, so concurrent appends queue and `seq` has no gaps or repeats. Sends
 * are written in batches (message-batch.ts).
 */
export const bumpSeq = prepared((db: Kysely<Database>, chatId: number) =>
  db
    .updateTable('chats')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
    .where('id', '=', chatId)
    .returning(['last_seq', 'requester_id']),
);
/** A new message, as rows (one). */
export const insertMessage = prepared(
  (db: Kysely<Database>, chatId: number, seq: number, kind: AuthorKind, authorId: number | null, body: string, clientId: string | null, now: number) =>
    db
      .insertInto('messages')
      .values({ chat_id: chatId, seq, author_kind: kind, author_id: authorId, body, client_id: clientId, created_at: now })
      .returningAll(),
);
function messageRows(db: Tx) {
  return db
    .selectFrom('messages')
    .leftJoin('portal_users as pu', (j) => j.onRef('pu.id', '=', 'messages.author_id').on('messages.author_kind', '=', 'portal'))
    .leftJoin('techs as t', (j) => j.onRef('t.id', '=', 'messages.author_id').on('messages.author_kind', '=', 'tech'))
    .leftJoin('chat_files as f', 'f.id', 'messages.file_id')
    .selectAll('messages')
    .select((eb) => [
      eb.fn.coalesce('pu.name', 't.name').as('author_name'),
      'f.filename as file_name',
      'f.size as file_size',
      'f.content_type as file_type',
      'f.width as file_width',
      'f.height as file_height',
      eb.case().when('f.thumb', 'is not', null).then(1).else(0).end().as('file_thumb'),
    ]);
}
const after = prepared((db: Kysely<any>, chatId: number, afterSeq: number, limit: number) =>
  messageRows(db as Tx)
    .where('messages.chat_id', '=', chatId)
    .where('messages.seq', '>', afterSeq)
    .orderBy('messages.seq')
    .limit(limit),
);

export function messagesAfter(db: Tx, chatId: number, afterSeq: number, limit: number): Promise<MessageRow[]> {
  return after(db, chatId, afterSeq, limit) as Promise<MessageRow[]>;
}

/** Every message of a chat, in order: a transcript (read once per chat, not prepared). */
export function allMessagesOf(db: Tx, chatId: number): Promise<MessageRow[]> {
  return messageRows(db).where('messages.chat_id', '=', chatId).orderBy('messages.seq').execute();
}

/** The bodies of a chat's messages, without system lines, in order: what search indexes. */
export function messageBodies(db: Tx, chatId: number) {
  return db.selectFrom('messages').select('body').where('chat_id', '=', chatId).where('author_kind', '!=', 'system').orderBy('seq').execute();
}

/** The message an author sent under a client id in a chat, with its file: a retry's answer. */
export function messageByClientId(db: Tx, chatId: number, author: { kind: AuthorKind; id: number }, clientId: string): Promise<MessageRow | undefined> {
  return messageRows(db)
    .where('messages.chat_id', '=', chatId)
    .where('messages.author_kind', '=', author.kind)
    .where('messages.author_id', '=', author.id)
    .where('messages.client_id', '=', clientId)
    .executeTakeFirst() as Promise<MessageRow | undefined>;
}
