/** SQL of files in chat: their facts (`chat_files`) and their bytes, piece by piece (`file_chunks`). */
import { binaryRows, type Tx } from '../database.js';
import type { ChatFile } from '../schema.js';

export type NewFile = Pick<ChatFile, 'chat_id' | 'uploader_kind' | 'uploader_id' | 'client_id' | 'filename' | 'content_type' | 'created_at'>;
/** A file without its thumbnail's bytes: what presenting and serving need. */
export type FileFacts = Omit<ChatFile, 'thumb'> & { has_thumb: boolean };

export async function insertFile(db: Tx, f: NewFile): Promise<number> {
  const row = await db
    .insertInto('chat_files')
    .values({ ...f, size: 0, status: 'uploading' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function insertChunk(db: Tx, fileId: number, idx: number, data: Buffer): Promise<void> {
  await db.insertInto('file_chunks').values({ file_id: fileId, idx, data }).execute();
}

export async function markStored(db: Tx, fileId: number, facts: { size: number; width: number | null; height: number | null; thumb: Buffer | null }) {
  await db
    .updateTable('chat_files')
    .set({ ...facts, status: 'stored' })
    .where('id', '=', fileId)
    .execute();
}

const FACTS = [
  'id',
  'chat_id',
  'uploader_kind',
  'uploader_id',
  'client_id',
  'filename',
  'content_type',
  'size',
  'status',
  'width',
  'height',
  'created_at',
] as const;

/** A stored file's facts, or undefined (an upload still under way is not served). */
export async function storedFile(db: Tx, fileId: number): Promise<FileFacts | undefined> {
  const row = await db
    .selectFrom('chat_files')
    .select(FACTS)
    .select((eb) => eb.case().when('thumb', 'is not', null).then(1).else(0).end().as('has_thumb'))
    .where('id', '=', fileId)
    .where('status', '=', 'stored')
    .executeTakeFirst();
  return row && { ...row, has_thumb: Number(row.has_thumb) === 1 };
}

export async function thumbOf(db: Tx, fileId: number): Promise<Buffer | null> {
  const row = await db.selectFrom('chat_files').select('thumb').where('id', '=', fileId).where('status', '=', 'stored').executeTakeFirst();
  return row?.thumb ?? null;
}

/** One piece of a file, by its place; undefined past the last. */
export async function chunkAt(db: Tx, fileId: number, idx: number): Promise<Buffer | undefined> {
  if (!Number.isSafeInteger(fileId) || !Number.isSafeInteger(idx)) throw new Error('file piece ids must be integers');
  // In the driver's binary mode the parameters would go in binary too: two integers, written in.
  const binary = binaryRows<{ data: Buffer }>(db, `select data from file_chunks where file_id = ${fileId} and idx = ${idx}`, []);
  if (binary) {
    // The driver hands over a view of its receive buffer, which it reuses: copied out once.
    const data = (await binary)[0]?.data;
    return data && Buffer.from(data);
  }
  const row = await db.selectFrom('file_chunks').select('data').where('file_id', '=', fileId).where('idx', '=', idx).executeTakeFirst();
  return row?.data;
}

/** The stored files that messages of this chat carry, in message order: what goes to the ticket. */
export function filesSentIn(db: Tx, chatId: number) {
  return db
    .selectFrom('messages as m')
    .innerJoin('chat_files as f', 'f.id', 'm.file_id')
    .select(['f.id', 'f.filename', 'f.content_type', 'f.size'])
    .where('m.chat_id', '=', chatId)
    .orderBy('m.seq')
    .execute();
}

/** Removes files and their bytes; messages and ticket attachments that carried them lose the link first. */
export async function deleteFiles(db: Tx, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await db.updateTable('messages').set({ file_id: null }).where('file_id', 'in', ids).execute();
  await db.deleteFrom('attachments').where('file_id', 'in', ids).execute();
  await db.deleteFrom('file_chunks').where('file_id', 'in', ids).execute();
  await db.deleteFrom('chat_files').where('id', 'in', ids).execute();
}

/** The files of these chats (all of them, or those one person sent). */
export async function fileIdsOfChats(db: Tx, chatIds: number[], uploader?: { kind: 'portal' | 'tech'; id: number }): Promise<number[]> {
  if (!chatIds.length) return [];
  let q = db.selectFrom('chat_files').select('id').where('chat_id', 'in', chatIds);
  if (uploader) q = q.where('uploader_kind', '=', uploader.kind).where('uploader_id', '=', uploader.id);
  return (await q.execute()).map((r) => Number(r.id));
}

/**
 * Files no message carries that are older than `before`: an upload cut off by a crash, or one
 * stored but never sent (its chat ended meanwhile). At most `limit`.
 */
export async function abandonedFiles(db: Tx, before: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('chat_files as f')
    .select('f.id')
    .where('f.created_at', '<', before)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('messages as m').select('m.id').whereRef('m.file_id', '=', 'f.id'))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('attachments as a').select('a.id').whereRef('a.file_id', '=', 'f.id'))))
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.id));
}
