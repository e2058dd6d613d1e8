/**
 * SQL of full-text search over completed chats, on either engine: SQLite FTS5 or PostgreSQL text
 * search. `chat_search` holds one document per completed chat (subject, messages, notes).
 */
import { sql } from 'kysely';
import type { Dialect, Tx } from '../database.js';
import type { TechActor } from '../../policies/access.js';
import { completedChatRows, type ChatRow } from './chats.js';

/** Marks around matched words in snippets; never HTML, so the client renders them as text. */
export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';

/** The chat's search document becomes `body` (FTS5 tables have no upsert). */
export async function writeSearchDocument(trx: Tx, dialect: Dialect, chatId: number, body: string): Promise<void> {
  if (dialect === 'postgres') {
    await trx
      .insertInto('chat_search')
      .values({ chat_id: chatId, body })
      .onConflict((oc) => oc.column('chat_id').doUpdateSet({ body }))
      .execute();
  } else {
    await trx.deleteFrom('chat_search').where('chat_id', '=', chatId).execute();
    await trx.insertInto('chat_search').values({ chat_id: chatId, body }).execute();
  }
}

export type CompletedChatFilters = {
  /** Words only, each matched as a prefix; no operator of either engine ever comes through. */
  words: string[];
  companyId?: number;
  requesterId?: number;
  techId?: number;
  boardId?: number;
  ticketId?: number;
  outcome?: 'ended' | 'ticket_created' | 'none';
  from?: string;
  to?: string;
  limit: number;
  offset: number;
};

/** Completed chats the tech may see that match, last completed first, each with a snippet when words were given. */
export async function searchCompletedRows(
  db: Tx,
  dialect: Dialect,
  tech: TechActor,
  f: CompletedChatFilters,
): Promise<(ChatRow & { snippet: string | null })[]> {
  let q = completedChatRows(db, tech);
  if (f.companyId) q = q.where('chats.company_id', '=', f.companyId);
  if (f.requesterId) q = q.where('chats.requester_id', '=', f.requesterId);
  if (f.techId) q = q.where('chats.tech_id', '=', f.techId);
  if (f.boardId) q = q.where('chats.board_id', '=', f.boardId);
  if (f.ticketId) q = q.where((eb) => eb.or([eb('chats.ticket_id', '=', f.ticketId!), eb('chats.created_ticket_id', '=', f.ticketId!)]));
  if (f.outcome === 'none') q = q.where('chats.outcome', 'is', null);
  else if (f.outcome) q = q.where('chats.outcome', '=', f.outcome);
  if (f.from) q = q.where('chats.completed_at', '>=', Date.parse(`${f.from}T00:00:00Z`));
  if (f.to) q = q.where('chats.completed_at', '<', Date.parse(`${f.to}T00:00:00Z`) + 86400000);
  const words = f.words;
  let snippetSql = sql<string | null>`null`;
  if (words.length) {
    if (dialect === 'postgres') {
      const tsq = words.map((w) => `${w}:*`).join(' & ');
      q = q.innerJoin('chat_search as s', 's.chat_id', 'chats.id').where(sql<boolean>`to_tsvector('simple', s.body) @@ to_tsquery('simple', ${tsq})`);
      snippetSql = sql<string>`ts_headline('simple', s.body, to_tsquery('simple', ${tsq}), ${`StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_END}, MaxWords=20, MinWords=8, MaxFragments=2`})`;
    } else {
      const match = words.map((w) => `"${w}"*`).join(' AND ');
      q = q.innerJoin(
        sql<{
          chat_id: number;
          body: string;
        }>`(select chat_id, snippet(chat_search, 1, ${HIGHLIGHT_START}, ${HIGHLIGHT_END}, '…', 16) as snip from chat_search where chat_search match ${match})`.as(
          's',
        ),
        (j) => j.onRef(sql.ref('s.chat_id') as never, '=', 'chats.id'),
      );
      snippetSql = sql<string>`s.snip`;
    }
  }
  const rows = await q
    .select(snippetSql.as('snippet'))
    .orderBy('chats.completed_at', 'desc')
    .orderBy('chats.id', 'desc')
    .limit(f.limit)
    .offset(f.offset)
    .execute();
  return rows as unknown as (ChatRow & { snippet: string | null })[];
}
