/**
 * Full-text search over completed chats behind one interface: SQLite FTS5 or PostgreSQL
 * text search (db/repositories/search.ts). The index holds subject, messages and notes of each
 * completed chat.
 */
import type { Db, Dialect, Tx } from '../db/database.js';
import type { TechActor } from '../policies/access.js';
import { findChat } from '../db/repositories/chats.js';
import { messageBodies } from '../db/repositories/messages.js';
import { noteBodies } from '../db/repositories/notes.js';
import { searchCompletedAnswer, writeSearchDocument, type AnswerOpts, type CompletedChatFilters, type SearchAnswer } from '../db/repositories/search.js';
import { authorize } from '../policies/rules.js';
import { PART_MARKS } from '../db/snippet.js';
import { Turns, TurnsFull } from './turns.js';
import { RateLimited } from '../errors.js';

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

/**
 * The line is bounded, so a flood (a script, a stolen token) cannot make every other tech wait
 * behind it: one tech's searches running or waiting on a node, and all searches waiting on it.
 * Beyond either, a search is refused at once (rate_limited, with a wait); the console sends one
 * search per submit.
 */
export const SEARCHES_PER_TECH = 4;
export const SEARCHES_WAITING = 64;
/** Each database's searches in progress per tech (tests run several servers in one process). */
const inProgress = new WeakMap<object, Map<number, number>>();

/** The tech's searches running or waiting on this node (tests). */
export const searchesInProgress = (db: Db, techId: number): number => inProgress.get(db)?.get(techId) ?? 0;
/** Searches waiting for their turn on this node (tests). */
export const searchesWaiting = (dialect: Dialect): number => turns[dialect].queued;

/**
 * The completed chats the tech may see that match (on a server, as the answer's JSON: SearchAnswer).
 * With `signal` (aborted when the request's connection closes), a search still waiting for its
 * turn leaves the line and never runs.
 */
export async function searchCompleted(
  db: Db,
  dialect: Dialect,
  tech: TechActor,
  f: SearchFilters,
  { signal, gzip = false }: Partial<AnswerOpts> & { signal?: AbortSignal } = {},
): Promise<SearchAnswer> {
  authorize(tech, 'search');
  const { q, ...filters } = f;
  let mine = inProgress.get(db);
  if (!mine) inProgress.set(db, (mine = new Map()));
  const count = mine.get(tech.id) ?? 0;
  if (count >= SEARCHES_PER_TECH) throw new RateLimited(1000, `You have ${count} searches running; wait for their results`);
  mine.set(tech.id, count + 1);
  try {
    return await turns[dialect].run(() => searchCompletedAnswer(db, dialect, tech, { ...filters, words: q ? terms(q) : [] }, { gzip }), {
      signal,
      maxWaiting: SEARCHES_WAITING,
    });
  } catch (err) {
    if (err instanceof TurnsFull) throw new RateLimited(1000, 'Many searches are waiting on this server; try again in a moment');
    throw err;
  } finally {
    const left = (mine.get(tech.id) ?? 1) - 1;
    if (left > 0) mine.set(tech.id, left);
    else mine.delete(tech.id);
  }
}
