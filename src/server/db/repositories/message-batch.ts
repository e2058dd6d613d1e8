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
export type LockedChat = Pick<
  Chat,
  'id' | 'status' | 'requester_id' | 'tech_id' | 'co_techs' | 'board_id' | 'company_id' | 'left_at' | 'last_seq' | 'first_response_at'
>;
/** `first_response_at`: whether a tech wrote in the chat yet (its report measure is written once, services/chat-metrics.ts). */
const LOCKED_COLUMNS = ['id', 'status', 'requester_id', 'tech_id', 'co_techs', 'board_id', 'company_id', 'left_at', 'last_seq', 'first_response_at'] as const;
/** What identifies a send for deduplication: a client id is its author's own, per chat. */
export type SendKey = { chatId: number; kind: AuthorKind; authorId: number; clientId: string };
export type NewMessage = SendKey & { seq: number; body: string; fileId: number | null; createdAt: number };
/** What an insert gives back: the rest of each row is what the batch wrote. */
export type StoredKey = { id: number; chat_id: number; seq: number };

const PG = {
  // One round trip: the chats, locked in id order (two batches that share chats cannot deadlock),
  // and the messages already stored under the batch's keys. Those are read from the statement's
  // snapshot, taken before any wait for a lock: a copy committed by the lock's holder meanwhile is
  // not seen, and the unique index on (chat, author, client id) then refuses the insert, which
  // rolls the batch back; each send is written again alone and finds it (message-batches.ts).
  lockAndPriors: `with locked as (
      select ${LOCKED_COLUMNS.join(', ')} from chats where id = any($1::bigint[]) order by id for update
    )
    select 'chat' as kind, row_to_json(locked) as row from locked
    union all
    select 'message', row_to_json(m) from messages m
      join unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[]) as k(chat_id, author_kind, author_id, client_id)
        on m.chat_id = k.chat_id and m.author_kind = k.author_kind and m.author_id = k.author_id and m.client_id = k.client_id`,
  // The counters and the rows in one statement.
  append: `with counters as (
      update chats c set last_seq = v.last_seq from unnest($8::bigint[], $9::int[]) as v(id, last_seq) where c.id = v.id
    )
    insert into messages (chat_id, seq, author_kind, author_id, body, client_id, created_at, file_id)
    select * from unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $10::bigint[])
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
  insert: prepared(
    (
      db: Kysely<Database>,
      chatId: number,
      seq: number,
      kind: AuthorKind,
      authorId: number,
      body: string,
      clientId: string,
      createdAt: number,
      fileId: number | null,
    ) =>
      db
        .insertInto('messages')
        .values({ chat_id: chatId, seq, author_kind: kind, author_id: authorId, body, client_id: clientId, created_at: createdAt, file_id: fileId })
        .returning(['id', 'chat_id', 'seq']),
  ),
  counter: prepared((db: Kysely<Database>, id: number, lastSeq: number) => db.updateTable('chats').set({ last_seq: lastSeq }).where('id', '=', id)),
};

/**
 * The chats' rows, locked until the transaction ends (SQLite: its one writer already holds the
 * database), and the messages already stored under any of the keys.
 */
export async function lockChatsAndPriors(trx: Tx, dialect: Dialect, ids: number[], keys: SendKey[]): Promise<{ chats: LockedChat[]; priors: Message[] }> {
  if (dialect === 'postgres') {
    const rows = await rawRows<{ kind: 'chat' | 'message'; row: LockedChat & Message }>(trx, PG.lockAndPriors, [
      ids,
      keys.map((k) => k.chatId),
      keys.map((k) => k.kind),
      keys.map((k) => k.authorId),
      keys.map((k) => k.clientId),
    ]);
    return { chats: rows.filter((r) => r.kind === 'chat').map((r) => r.row), priors: rows.filter((r) => r.kind === 'message').map((r) => r.row) };
  }
  const chats: LockedChat[] = [];
  for (const id of ids) chats.push(...((await SQLITE.chat(trx, id)) as LockedChat[]));
  const priors: Message[] = [];
  for (const k of keys) priors.push(...((await SQLITE.prior(trx, k.chatId, k.kind, k.authorId, k.clientId)) as Message[]));
  return { chats, priors };
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
      rows.map((r) => r.fileId),
    ]);
  }
  const stored: StoredKey[] = [];
  for (const r of rows)
    stored.push(...((await SQLITE.insert(trx, r.chatId, r.seq, r.kind, r.authorId, r.body, r.clientId, r.createdAt, r.fileId)) as StoredKey[]));
  for (const [id, lastSeq] of lastSeqs) await SQLITE.counter(trx, id, lastSeq);
  return stored;
}
