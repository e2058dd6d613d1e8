/**
 * SQL of a batch of message sends (services/message-batches.ts): a fixed number of statements per
 * batch, whatever its size. PostgreSQL takes the batch as arrays (`unnest`), SQLite as one JSON
 * parameter (`json_each`); the SQL text is the same for every batch size, so each is prepared once.
 */
import type { Dialect, Tx } from '../database.js';
import type { Chat, Message } from '../schema.js';

/** What a batch needs of each chat: the rule table's columns and the counter. */
export type LockedChat = Pick<Chat, 'id' | 'status' | 'requester_id' | 'tech_id' | 'board_id' | 'company_id' | 'left_at' | 'last_seq'>;
const LOCKED_COLUMNS = 'id, status, requester_id, tech_id, board_id, company_id, left_at, last_seq';
/** What an insert gives back: the rest of each row is what the batch wrote. */
export type StoredKey = { id: number; chat_id: number; seq: number };
import { rawRows } from '../prepared.js';
import type { AuthorKind } from './messages.js';

/** What identifies a send for deduplication: a client id is its author's own, per chat. */
export type SendKey = { chatId: number; kind: AuthorKind; authorId: number; clientId: string };
export type NewMessage = SendKey & { seq: number; body: string; createdAt: number };

const SQL = {
  postgres: {
    // Locked in id order, so two batches that share chats cannot deadlock.
    lock: `select ${LOCKED_COLUMNS} from chats where id = any($1::bigint[]) order by id for update`,
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
  },
  sqlite: {
    lock: `select ${LOCKED_COLUMNS} from chats where id in (select value from json_each(?))`,
    priors: `select m.* from json_each(?) k
      join messages m on m.chat_id = k.value ->> 0 and m.author_kind = k.value ->> 1 and m.author_id = k.value ->> 2 and m.client_id = k.value ->> 3`,
    insert: `insert into messages (chat_id, seq, author_kind, author_id, body, client_id, created_at)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6 from json_each(?) where true
      returning id, chat_id, seq`,
    counters: 'update chats set last_seq = v.value ->> 1 from json_each(?) v where chats.id = v.value ->> 0',
  },
} as const;

/** The chats' rows, locked until the transaction ends (SQLite: its one writer already holds the database). */
export function lockChats(trx: Tx, dialect: Dialect, ids: number[]): Promise<LockedChat[]> {
  return dialect === 'postgres' ? rawRows<LockedChat>(trx, SQL.postgres.lock, [ids]) : rawRows<LockedChat>(trx, SQL.sqlite.lock, [JSON.stringify(ids)]);
}

/** Messages already stored under any of these keys. */
export function priorMessages(trx: Tx, dialect: Dialect, keys: SendKey[]): Promise<Message[]> {
  if (dialect === 'postgres') {
    return rawRows<Message>(trx, SQL.postgres.priors, [
      keys.map((k) => k.chatId),
      keys.map((k) => k.kind),
      keys.map((k) => k.authorId),
      keys.map((k) => k.clientId),
    ]);
  }
  return rawRows<Message>(trx, SQL.sqlite.priors, [JSON.stringify(keys.map((k) => [k.chatId, k.kind, k.authorId, k.clientId]))]);
}

/** Inserts the messages and sets each chat's counter to its last new `seq`; the new ids, in no particular order. */
export async function appendMessages(trx: Tx, dialect: Dialect, rows: NewMessage[], lastSeqs: Map<number, number>): Promise<StoredKey[]> {
  if (dialect === 'postgres') {
    return rawRows<StoredKey>(trx, SQL.postgres.append, [
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
  const stored = await rawRows<StoredKey>(trx, SQL.sqlite.insert, [
    JSON.stringify(rows.map((r) => [r.chatId, r.seq, r.kind, r.authorId, r.body, r.clientId, r.createdAt])),
  ]);
  await rawRows(trx, SQL.sqlite.counters, [JSON.stringify([...lastSeqs])]);
  return stored;
}
