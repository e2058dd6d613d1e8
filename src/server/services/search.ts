/**
 * Full-text search over completed chats behind one interface: SQLite FTS5 or PostgreSQL
 * text search (db/repositories/search.ts). The index holds subject, messages and notes of each
 * completed chat.
 */
import type { Dialect, Tx } from '../db/database.js';
import type { TechActor } from '../policies/access.js';
import { findChat } from '../db/repositories/chats.js';
import { messageBodies } from '../db/repositories/messages.js';
import { noteBodies } from '../db/repositories/notes.js';
import { searchCompletedRows, writeSearchDocument, type CompletedChatFilters } from '../db/repositories/search.js';
import { listedChat } from './presenters.js';
import { authorize } from '../policies/rules.js';
import { PART_MARKS, snippetPart } from '../db/snippet.js';
import { Turns } from './turns.js';

export async function indexChat(trx: Tx, dialect: Dialect, chatId: number): Promise<void> {
  const chat = await findChat(trx, chatId);
  if (chat?.status !== 'completed') return;
  const [messages, notes] = await Promise.all([messageBodies(trx, chatId), noteBodies(trx, chatId)]);
  // Each part marked (db/snippet.ts PART_MARKS), so a snippet can say where its match is.
  const body = [PART_MARKS.subject + chat.subject, ...messages.map((m) => PART_MARKS.message + m.body), ...notes.map((n) => PART_MARKS.note + n.body)].join(
    '\n',
  );
  await writeSearchDocument(trx, dialect, chatId, body);
}

export type SearchFilters = Omit<CompletedChatFilters, 'words'> & { q?: string };

/** Words only: each becomes a prefix term; operators of either engine are never passed through. */
function terms(q: string): string[] {
  return (q.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 12).map((t) => t.toLowerCase());
}

/**
 * Searches one node runs at once, by database; the rest wait their turn, so searching never takes
 * the node's CPU or connections from live chat. SQLite has one reader thread (db/database.ts).
 */
export const SEARCHES_AT_ONCE: Record<Dialect, number> = { sqlite: 1, postgres: 2 };
const turns: Record<Dialect, Turns> = { sqlite: new Turns(SEARCHES_AT_ONCE.sqlite), postgres: new Turns(SEARCHES_AT_ONCE.postgres) };

export async function searchCompleted(db: Tx, dialect: Dialect, tech: TechActor, f: SearchFilters) {
  authorize(tech, 'search');
  const { q, ...filters } = f;
  const rows = await turns[dialect].run(() => searchCompletedRows(db, dialect, tech, { ...filters, words: q ? terms(q) : [] }));
  return rows.map((r) => ({ ...listedChat(r), ...snippetPart(r.snippet) }));
}
