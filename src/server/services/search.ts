/**
 * Full-text search over completed chats behind one interface: SQLite FTS5 or PostgreSQL
 * text search. The index holds subject, messages and notes of each completed chat.
 */
import { sql } from 'kysely';
import type { Dialect, Tx } from '../db/database.js';
import type { TechActor } from '../policies/access.js';
import { completedChatRows, type ChatRow } from '../db/repositories/chats.js';
import { presentChatFor } from './presenters.js';

/** Marks around matched words in snippets; never HTML, so the client renders them as text. */
export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';

export async function indexChat(trx: Tx, dialect: Dialect, chatId: number): Promise<void> {
  const chat = await trx.selectFrom('chats').select(['subject', 'status']).where('id', '=', chatId).executeTakeFirst();
  if (!chat || chat.status !== 'completed') return;
  const [messages, notes] = await Promise.all([
    trx.selectFrom('messages').select('body').where('chat_id', '=', chatId).where('author_kind', '!=', 'system').orderBy('seq').execute(),
    trx.selectFrom('notes').select('body').where('chat_id', '=', chatId).orderBy('id').execute(),
  ]);
  const body = [chat.subject, ...messages.map((m) => m.body), ...notes.map((n) => n.body)].join('\n');
  if (dialect === 'postgres') {
    await trx.insertInto('chat_search').values({ chat_id: chatId, body }).onConflict((oc) => oc.column('chat_id').doUpdateSet({ body })).execute();
  } else {
    await trx.deleteFrom('chat_search').where('chat_id', '=', chatId).execute();
    await trx.insertInto('chat_search').values({ chat_id: chatId, body }).execute();
  }
}

export type SearchFilters = {
  q?: string;
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

/** Words only: each becomes a prefix term; operators of either engine are never passed through. */
function terms(q: string): string[] {
  return (q.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 12).map((t) => t.toLowerCase());
}

export async function searchCompleted(db: Tx, dialect: Dialect, tech: TechActor, f: SearchFilters) {
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
  const words = f.q ? terms(f.q) : [];
  let snippetSql = sql<string | null>`null`;
  if (words.length) {
    if (dialect === 'postgres') {
      const tsq = words.map((w) => `${w}:*`).join(' & ');
      q = q.innerJoin('chat_search as s', 's.chat_id', 'chats.id').where(sql<boolean>`to_tsvector('simple', s.body) @@ to_tsquery('simple', ${tsq})`);
      snippetSql = sql<string>`ts_headline('simple', s.body, to_tsquery('simple', ${tsq}), ${`StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_END}, MaxWords=20, MinWords=8, MaxFragments=2`})`;
    } else {
      const match = words.map((w) => `"${w}"*`).join(' AND ');
      q = q
        .innerJoin(sql<{ chat_id: number; body: string }>`(select chat_id, snippet(chat_search, 1, ${HIGHLIGHT_START}, ${HIGHLIGHT_END}, '…', 16) as snip from chat_search where chat_search match ${match})`.as('s'), (j) =>
          j.onRef(sql.ref('s.chat_id') as never, '=', 'chats.id'),
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
  return rows.map((r) => ({ ...presentChatFor(tech, r as unknown as ChatRow), snippet: (r as { snippet: string | null }).snippet }));
}
