/**
 * SQL of a batch of message sends (services/message-batches.ts). On PostgreSQL a fixed number of
 * statements per batch, whatever its size: the batch goes as arrays (`unnest`), so each round trip
 * serves every message of it. On SQLite, in the server's own process, a round trip costs nothing:
 * one small prepared statement per row, run synchronously on the connection (db/prepared.ts), is
 * cheaper there than any set-based form.
 */
import type { Kysely } from 'kysely';
import type { Dialect, Tx } from '../database.js';
import type { Chat, Database, Message } from '../schema.js';
import { prepared, rawRows } from '../prepared.js';
import type { AuthorKind } from './messages.js';

/** What a batch needs of each chat: the rule table's columns and the counter. */
export type LockedChat = Pick<Chat, 'id' | 'status' | 'requester_id' | 'tech_id' | 'board_id' | 'company_id' | 'left_at' | 'last_seq'>;
const LOCKED_COLUMNS = ['id', 'status', 'requester_id', 'tech_id', 'board_id', 'company_id', 'left_at', 'last_seq'] as const;
/** What identifies a send for deduplication: a client id is its author's own, per chat. */
export type SendKey = { chatId: number; kind: AuthorKind; authorId: number; clientId: string };
export type NewMessage = SendKey & { seq: number; body: string; createdAt: number };
/** What an insert gives back: the rest of each row is what the batch wrote. */
export type StoredKey = { id: number; chat_id: number; seq: number };

const PG = {
  // Locked in id order, so two batches that share chats cannot deadlock.
  lock: `select ${LOCKED_COLUMNS.join(', ')} from chats where id = any($1::bigint[]) order by id for update`,
  priors: `select m.* from messages m
    join unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) as k(chat_id, author_kind, author_id, client_id)
      on m.chat_id = k.chat_id and m.author_kind = k.author_kind and m.author_id = k.author_id and m.client_id = k.client_id`,
  // The counters and the rows in one statement.
  append: `with counters as (
      update chats c set last_seq = v.last_seq from unnest($8::bigint[], $9::int[]) as v(id, last_seq) where c.id = v.id
    )
    insert into messages (chat_id, seq, author_kind, author_id, body, client_id, created_at)
    select * from unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[])
    returning id, chat_id, seq`,
};

const SQLITE = {
  chat: prepared((db: Kysely<Database>, id: number) => db.selectFrom('chats').select(LOCKED_COLUMNS).where('id', '=', id)),
  prior: prepared((db: Kysely<Database>, chatId: number, kind: AuthorKind, authorId: number, clientId: string) =>
    db
      .selectFrom('messages')
      .selectAll()
      .where('chat_id', '=', chatId)
      .where('author_kind', '=', kind)
      .where('author_id', '=', authorId)
      .where('client_id', '=', clientId),
  ),
  insert: prepared((db: Kysely<Database>, chatId: number, seq: number, kind: AuthorKind, authorId: number, body: string, clientId: string, createdAt: number) =>
    db
      .insertInto('messages')
      .values({ chat_id: chatId, seq, author_kind: kind, author_id: authorId, body, client_id: clientId, created_at: createdAt })
      .returning(['id', 'chat_id', 'seq']),
  ),
  counter: prepared((db: Kysely<Database>, id: number, lastSeq: number) => db.updateTable('chats').set({ last_seq: lastSeq }).where('id', '=', id)),
};

/** The chats' rows, locked until the transaction ends (SQLite: its one writer already holds the database). */
export async function lockChats(trx: Tx, dialect: Dialect, ids: number[]): Promise<LockedChat[]> {
  if (dialect === 'postgres') return rawRows<LockedChat>(trx, PG.lock, [ids]);
  const rows: LockedChat[] = [];
  for (const id of ids) rows.push(...((await SQLITE.chat(trx, id)) as LockedChat[]));
  return rows;
}

/** Messages already stored under any of these keys. */
export async function priorMessages(trx: Tx, dialect: Dialect, keys: SendKey[]): Promise<Message[]> {
  if (dialect === 'postgres') {
    return rawRows<Message>(trx, PG.priors, [keys.map((k) => k.chatId), keys.map((k) => k.kind), keys.map((k) => k.authorId), keys.map((k) => k.clientId)]);
  }
  const rows: Message[] = [];
  for (const k of keys) rows.push(...((await SQLITE.prior(trx, k.chatId, k.kind, k.authorId, k.clientId)) as Message[]));
  return rows;
}

/** Inserts the messages and sets each chat's counter to its last new `seq`; the new ids, in no particular order. */
export async function appendMessages(trx: Tx, dialect: Dialect, rows: NewMessage[], lastSeqs: Map<number, number>): Promise<StoredKey[]> {
  if (dialect === 'postgres') {
    return rawRows<StoredKey>(trx, PG.append, [
      rows.map((r) => r.chatId),
      rows.map((r) => r.seq),
      rows.map((r) => r.kind),
      rows.map((r) => r.authorId),
      rows.map((r) => r.body),
      rows.map((r) => r.clientId),
      rows.map((r) => r.createdAt),
      [...lastSeqs.keys()],
      [...lastSeqs.values()],
    ]);
  }
  const stored: StoredKey[] = [];
  for (const r of rows) stored.push(...((await SQLITE.insert(trx, r.chatId, r.seq, r.kind, r.authorId, r.body, r.clientId, r.createdAt)) as StoredKey[]));
  for (const [id, lastSeq] of lastSeqs) await SQLITE.counter(trx, id, lastSeq);
  return stored;
}
