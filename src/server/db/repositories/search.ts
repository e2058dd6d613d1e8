/**
 * SQL of full-text search over completed chats, on either engine: SQLite FTS5 or PostgreSQL text
 * search. `chat_search` holds one document per completed chat (subject, messages, notes).
 *
 * A search first picks the page of chat ids (match, access, filters, newest completed first), then
 * reads those chats and cuts snippets for them only (docs/benchmarks.md, issue 15).
 *
 * - PostgreSQL: the newest chats the tech may see are walked along an index and each one's stored
 *   `tsv` (migration 008) checked, stopping once the page is full ("walk"): a short walk first,
 *   then the rest of a window of `WALK_WINDOW` chats when the short one found enough matches to
 *   promise a page; otherwise every match is collected from the GIN index and sorted
 *   ("walk+collect"). The documents' text is kept out of line (toast_tuple_target), so collecting
 *   reads a narrow table. A search's statements run in one transaction (`planned`).
 * - SQLite: the FTS5 rowid is the chat's place in completion order, `searchKey` (completed_at and
 *   a rank among chats completed in the same millisecond), so FTS5 gives matches newest first and
 *   a search stops once its page is full ("stream"), reading at most `STREAM_WINDOW` matches. When
 *   the page is not full within them, and there are more, the chats the tech may see are walked
 *   newest first and each one's key looked up among the matches ("stream+collect"). On a server the
 *   whole search (statements built, run in one read transaction, answer written) runs on a worker
 *   thread over a read-only connection (db/search-reader.ts), off the event loop.
 */
import { CompiledQuery, sql, type Compilable, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { Dialect, Tx } from '../database.js';
import { PG_SEARCH_RANDOM_PAGE_COST, pgSearchPool, searchAnswerThread, searchReader } from '../database.js';
import type { Database } from '../schema.js';
import type { ReadQuery } from '../search-reader.js';
import { withSnippets } from '../snippet.js';
import { searchResults, type PageRows, type WrittenJson } from '../../services/search-results.js';
import type { SearchResult } from '../../../shared/views.js';
import { techScopeFilter, type TechActor } from '../../policies/access.js';
import { coTechPattern, completedChatRows } from './chats.js';

/** SQLite: how many of the newest matches a search reads before it walks the chats instead. */
export const STREAM_WINDOW = 3000;

/** PostgreSQL: how many of the newest visible chats a search checks before it collects instead (more for later pages, up to the max). */
export const WALK_WINDOW = 1000;
const WALK_WINDOW_MAX = 2000;
/** PostgreSQL: the share of the window a search walks first, to judge whether the whole window is worth walking. */
const SHORT_WALK = 0.3;

/**
 * SQLite: chats completed in the same millisecond, at most; a document's FTS5 rowid is
 * `completed_at * SAME_MILLISECOND + rank` (`searchKey`).
 */
export const SAME_MILLISECOND = 1024;

/** SQL: the chat's search key (rank among completed chats of the same millisecond, by id). */
const searchKey = sql<number>`(chats.completed_at * ${sql.lit(SAME_MILLISECOND)} + (select count(*) from chats tie where tie.status = 'completed' and tie.completed_at = chats.completed_at and tie.id < chats.id))`;

/**
 * The chat's search document becomes `body`. On SQLite its rowid is the chat's search key: the
 * documents of other chats completed in the same millisecond are renumbered when the ranks move
 * (FTS5 tables have no upsert, so a document is deleted and inserted again). A chat's completed_at
 * never changes once set, so neither does its key.
 */
export async function writeSearchDocument(trx: Tx, dialect: Dialect, chatId: number, body: string): Promise<void> {
  if (dialect === 'postgres') {
    await trx
      .insertInto('chat_search')
      .values({ chat_id: chatId, body })
      .onConflict((oc) => oc.column('chat_id').doUpdateSet({ body }))
      .execute();
    return;
  }
  const chat = await trx.selectFrom('chats').select('completed_at').where('id', '=', chatId).where('status', '=', 'completed').executeTakeFirst();
  if (chat?.completed_at == null) throw new Error(`chat ${chatId} is not completed: it has no search key`);
  const base = Number(chat.completed_at) * SAME_MILLISECOND;
  const tied = await trx
    .selectFrom('chats')
    .select('id')
    .where('status', '=', 'completed')
    .where('completed_at', '=', chat.completed_at)
    .orderBy('id')
    .execute();
  if (tied.length > SAME_MILLISECOND) throw new Error(`more than ${SAME_MILLISECOND} chats completed at ${chat.completed_at}`);
  if (tied.length === 1) {
    await sql`delete from chat_search where rowid = ${base}`.execute(trx);
    await sql`insert into chat_search (rowid, chat_id, body) values (${base}, ${chatId}, ${body})`.execute(trx);
    return;
  }
  // Ties: this millisecond's documents are written again at their chats' ranks.
  const { rows } = await sql<{
    chat_id: number;
    body: string;
  }>`select chat_id, body from chat_search where rowid between ${base} and ${base + SAME_MILLISECOND - 1}`.execute(trx);
  const bodies = new Map(rows.map((r) => [Number(r.chat_id), r.body]));
  bodies.set(chatId, body);
  await sql`delete from chat_search where rowid between ${base} and ${base + SAME_MILLISECOND - 1}`.execute(trx);
  for (const [rank, t] of tied.entries()) {
    const text = bodies.get(Number(t.id));
    if (text !== undefined) await sql`insert into chat_search (rowid, chat_id, body) values (${base + rank}, ${t.id}, ${text})`.execute(trx);
  }
}

/** Removes the search documents of completed chats (retention). */
export async function deleteSearchDocuments(trx: Tx, dialect: Dialect, chatIds: number[]): Promise<void> {
  if (!chatIds.length) return;
  if (dialect === 'postgres') {
    await trx.deleteFrom('chat_search').where('chat_id', 'in', chatIds).execute();
    return;
  }
  // By rowid: FTS5 finds a document by its rowid only (chat_id is not indexed).
  const keys = await trx.selectFrom('chats').select(searchKey.as('key')).where('id', 'in', chatIds).where('status', '=', 'completed').execute();
  const removed = keys.length
    ? Number(
        (await sql`delete from chat_search where rowid in (${sql.join(keys.map((k) => k.key))}) and chat_id in (${sql.join(chatIds)})`.execute(trx))
          .numAffectedRows ?? 0,
      )
    : 0;
  // A document not at its chat's key (completed_at changed after it was written: nothing in the
  // product does so) is found by reading every document.
  if (removed < chatIds.length) await sql`delete from chat_search where chat_id in (${sql.join(chatIds)})`.execute(trx);
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
  /** The requester's rating, between these (inclusive); 'unrated': not rated. */
  minRating?: number;
  maxRating?: number;
  unrated?: boolean;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
};

/**
 * A search's answer: its results, or, where a thread below the event loop built it (a server's
 * search, either engine), that answer already written as UTF-8 JSON (services/search-results.ts),
 * gzipped when the asker takes it so.
 */
export type SearchAnswer = SearchResult[] | WrittenJson;
/** How the asker takes an answer written on another thread. */
export type AnswerOpts = { gzip: boolean };

/** Runs read-only statements: on SQLite's reader workers when the server has them, else on `db`. */
async function read(db: Tx, queries: ReadQuery[]): Promise<unknown[][]> {
  const reader = searchReader(db);
  if (reader) return reader.read(queries);
  const pool = pgSearchPool(db);
  if (pool) return Promise.all(queries.map(async (q) => withSnippets((await pool.query(q.sql, [...q.parameters])).rows, q.snippets)));
  // In a transaction (PostgreSQL: `planned`) statements run one after another on its connection.
  if (db.isTransaction) {
    const out: unknown[][] = [];
    for (const q of queries) out.push(withSnippets((await db.executeQuery(CompiledQuery.raw(q.sql, [...q.parameters]))).rows, q.snippets));
    return out;
  }
  return Promise.all(queries.map(async (q) => withSnippets((await db.executeQuery(CompiledQuery.raw(q.sql, [...q.parameters]))).rows, q.snippets)));
}

/**
 * Runs a search's statements. On PostgreSQL they run on the search connections, planned for cached
 * pages (db/database.ts, PG_SEARCH_RANDOM_PAGE_COST); without them (a command's or a test's
 * database) in one transaction planned the same way.
 */
function planned<T>(db: Tx, dialect: Dialect, run: (db: Tx) => Promise<T>): Promise<T> {
  if (dialect !== 'postgres' || db.isTransaction || pgSearchPool(db)) return run(db);
  return db.transaction().execute(async (trx) => {
    await sql`set local random_page_cost = ${sql.lit(PG_SEARCH_RANDOM_PAGE_COST)}`.execute(trx);
    return run(trx);
  });
}

/** A query builder's or raw template's SQL and parameters, for the reader. */
type Statement = Compilable<unknown> | RawBuilder<unknown>;
const compiled = (db: Tx, q: Statement): ReadQuery => {
  const c = (q as RawBuilder<unknown>).compile(db);
  return { sql: c.sql, parameters: c.parameters };
};

/** The completion-time bounds of the date filters, in milliseconds: [from, to). */
function dateBounds(f: CompletedChatFilters): { from?: number; to?: number } {
  return {
    from: f.from ? Date.parse(`${f.from}T00:00:00Z`) : undefined,
    to: f.to ? Date.parse(`${f.to}T00:00:00Z`) + 86400000 : undefined,
  };
}

/** Completed chats the tech may see that pass the filters (no words): the access rule of policies/access.ts. */
function visible(tech: TechActor, f: CompletedChatFilters) {
  const { from, to } = dateBounds(f);
  return (eb: ExpressionBuilder<Database, 'chats'>) => {
    // A literal, not a parameter, so that the partial indexes on completed chats apply (migration 008).
    const and = [sql<SqlBool>`chats.status = 'completed'`, techScopeFilter(tech, 'chats')(eb)];
    if (f.companyId) and.push(eb('chats.company_id', '=', f.companyId));
    if (f.requesterId) and.push(eb('chats.requester_id', '=', f.requesterId));
    // The tech who led it, or one invited into it.
    if (f.techId) and.push(eb.or([eb('chats.tech_id', '=', f.techId), eb('chats.co_techs', 'like', coTechPattern(f.techId))]));
    if (f.boardId) and.push(eb('chats.board_id', '=', f.boardId));
    if (f.ticketId) and.push(eb.or([eb('chats.ticket_id', '=', f.ticketId), eb('chats.created_ticket_id', '=', f.ticketId)]));
    if (f.outcome === 'none') and.push(eb('chats.outcome', 'is', null));
    else if (f.outcome) and.push(eb('chats.outcome', '=', f.outcome));
    if (f.minRating) and.push(eb('chats.rating', '>=', f.minRating));
    if (f.maxRating) and.push(eb('chats.rating', '<=', f.maxRating));
    if (f.unrated) and.push(eb('chats.rating', 'is', null));
    if (from !== undefined) and.push(eb('chats.completed_at', '>=', from));
    if (to !== undefined) and.push(eb('chats.completed_at', '<', to));
    return eb.and(and);
  };
}

/** The engine's query for the words: each a prefix, all required. */
function engineQuery(dialect: Dialect, words: string[]): string {
  return dialect === 'postgres' ? words.map((w) => `${w}:*`).join(' & ') : words.map((w) => `"${w}"*`).join(' AND ');
}

/** SQLite: the matching documents' rowids (search keys) within the date filters, newest first. */
function matchingKeys(match: string, f: CompletedChatFilters, columns: RawBuilder<unknown>) {
  const { from, to } = dateBounds(f);
  const lo = from === undefined ? sql`` : sql` and rowid >= ${from * SAME_MILLISECOND}`;
  const hi = to === undefined ? sql`` : sql` and rowid < ${to * SAME_MILLISECOND}`;
  return sql`select ${columns} from chat_search where chat_search match ${match}${lo}${hi} order by rowid desc`;
}

type Tuning = { streamWindow: number; walkWindow: number };
const TUNING: Tuning = { streamWindow: STREAM_WINDOW, walkWindow: WALK_WINDOW };

type Page = { ids: number[]; strategy: 'list' | 'walk' | 'walk+collect' | 'stream' | 'stream+collect' };

/** The page of chat ids, newest completed first; see the module's comment for the strategies. */
export function searchPage(db: Tx, dialect: Dialect, tech: TechActor, f: CompletedChatFilters, tuning: Tuning = TUNING): Promise<Page> {
  return planned(db, dialect, (on) => pageOf(on, dialect, tech, f, tuning));
}

async function pageOf(db: Tx, dialect: Dialect, tech: TechActor, f: CompletedChatFilters, tuning: Tuning): Promise<Page> {
  const ids = (rows: unknown[]) => (rows as { id: number | bigint }[]).map((r) => Number(r.id));
  const chats = db.selectFrom('chats').where(visible(tech, f));
  const newest = <Q extends typeof chats>(q: Q) =>
    q.select('chats.id').orderBy('chats.completed_at', 'desc').orderBy('chats.id', 'desc').limit(f.limit).offset(f.offset);
  if (!f.words.length) {
    const [rows] = await read(db, [compiled(db, newest(chats))]);
    return { ids: ids(rows), strategy: 'list' };
  }
  const match = engineQuery(dialect, f.words);
  if (dialect === 'postgres') {
    // The newest visible chats, each document checked (a subplan per chat, so the planner never
    // trades this walk for reading every match), stopping once the page is full. A short walk
    // first, beside how many chats are visible (up to the window) and where the short walk ends;
    // the rest of the window is walked only when the short walk's share of matches promises a full
    // page there.
    const window = Math.min(Math.max(WALK_WINDOW_MAX, tuning.walkWindow), tuning.walkWindow + 2 * f.offset);
    const short = Math.ceil(window * SHORT_WALK);
    const need = f.offset + f.limit;
    type Chats = typeof chats;
    const walk = (from: Chats, n: number, limit: number) =>
      db
        .selectFrom(from.select(['chats.id', 'chats.completed_at']).orderBy('chats.completed_at', 'desc').orderBy('chats.id', 'desc').limit(n).as('w'))
        .select('w.id')
        .where(sql<SqlBool>`(select s.tsv @@ to_tsquery('simple', ${match}) from chat_search s where s.chat_id = w.id)`)
        .orderBy('w.completed_at', 'desc')
        .orderBy('w.id', 'desc')
        .limit(limit);
    const edge = chats
      .select(['chats.completed_at', 'chats.id'])
      .orderBy('chats.completed_at', 'desc')
      .orderBy('chats.id', 'desc')
      .limit(1)
      .offset(short - 1);
    const [first, [counted]] = await read(db, [
      compiled(db, walk(chats, short, need)),
      compiled(
        db,
        sql`select (select count(*) from (${chats.select(sql`1`.as('one')).limit(window)}) v) as n, (select completed_at from (${edge}) e) as edge_at, (select id from (${edge}) e) as edge_id`,
      ),
    ]);
    const { n, edge_at, edge_id } = counted as { n: number; edge_at: number | null; edge_id: number | null };
    const found = ids(first);
    // The short walk saw every visible chat, or found the page.
    if (found.length === need || edge_at === null || Number(n) <= short) return { ids: found.slice(f.offset), strategy: 'walk' };
    if (found.length * (window / short) >= need || Number(n) < window) {
      const rest = chats.where(sql<SqlBool>`(chats.completed_at, chats.id) < (${edge_at}, ${edge_id})`) as Chats;
      const [more] = await read(db, [compiled(db, walk(rest, window - short, need - found.length))]);
      const all = [...found, ...ids(more)];
      if (all.length === need || Number(n) < window) return { ids: all.slice(f.offset), strategy: 'walk' };
    }
    // Too few matches among the newest: every match is collected from the GIN index, then sorted.
    const collected = chats.where(sql<SqlBool>`chats.id = any(array(select chat_id from chat_search where tsv @@ to_tsquery('simple', ${match})))`);
    const [page] = await read(db, [compiled(db, newest(collected))]);
    return { ids: ids(page), strategy: 'walk+collect' };
  }
  // SQLite. The newest matches, in key order (CROSS JOIN keeps FTS5 the outer loop), up to the window.
  const window = sql`(${matchingKeys(match, f, sql`rowid as key, chat_id`)} limit ${tuning.streamWindow})`;
  const streamed = db
    .selectFrom(window.as('m'))
    .crossJoin('chats')
    .where(sql<SqlBool>`chats.id = m.chat_id`)
    .where((eb) => visible(tech, f)(eb as unknown as ExpressionBuilder<Database, 'chats'>))
    .select('chats.id')
    .orderBy(sql`m.key`, 'desc')
    .limit(f.limit)
    .offset(f.offset);
  const [rows] = await read(db, [compiled(db, streamed)]);
  if (rows.length === f.limit) return { ids: ids(rows), strategy: 'stream' };
  // The page is not full: complete if the window held every match, else walk the chats.
  const [[counted]] = await read(db, [compiled(db, sql`select count(*) as n from (${matchingKeys(match, f, sql`rowid`)} limit ${tuning.streamWindow + 1})`)]);
  if (Number((counted as { n: number }).n) <= tuning.streamWindow) return { ids: ids(rows), strategy: 'stream' };
  const collected = chats.where(sql<SqlBool>`${searchKey} in (${matchingKeys(match, f, sql`rowid`)})`);
  const [all] = await read(db, [compiled(db, newest(collected))]);
  return { ids: ids(all), strategy: 'stream+collect' };
}

/** Completed chats the tech may see that match, last completed first, each with a snippet when words were given. */
export function searchCompletedAnswer(db: Tx, dialect: Dialect, tech: TechActor, f: CompletedChatFilters, opts: AnswerOpts): Promise<SearchAnswer> {
  // SQLite on a server: the whole search runs on the reader thread, which writes the answer too.
  const reader = searchReader(db);
  if (reader) return reader.search(tech, f, opts.gzip);
  return planned(db, dialect, (on) => answerOf(on, dialect, tech, f, opts));
}

/**
 * A search's page and its chats' rows, with snippets when words were searched (the reader thread
 * runs this over its own connection, in one read transaction).
 */
export async function searchPageRows(db: Tx, dialect: Dialect, tech: TechActor, f: CompletedChatFilters): Promise<PageRows> {
  const page = await pageOf(db, dialect, tech, f, TUNING);
  if (!page.ids.length) return { ids: [], rows: [], snippets: null };
  const [rows, snippets] = await read(db, pageQueries(db, dialect, tech, f, page.ids));
  return { ids: page.ids, rows: rows as PageRows['rows'], snippets: f.words.length ? (snippets as PageRows['snippets']) : null };
}

/** The page's chats, and (words searched) their bodies to cut snippets from. */
function pageQueries(db: Tx, dialect: Dialect, tech: TechActor, f: CompletedChatFilters, ids: number[]): ReadQuery[] {
  // The access rule once more on the rows read: a page never carries a chat the tech may not see.
  const queries = [compiled(db, completedChatRows(db, tech).where('chats.id', 'in', ids))];
  if (f.words.length) {
    // Snippets are cut from the page's bodies (snippetOf, db/snippet.ts), the same on both engines
    // and on SQLite in the reader worker: FTS5's snippet() would run the match again over every
    // matching document, and ts_headline parses each body on the database's CPU.
    queries.push({
      ...compiled(
        db,
        dialect === 'postgres'
          ? sql`select chat_id as id, body from chat_search where chat_id in (${sql.join(ids)})`
          : sql`select chat_id as id, body from chat_search where rowid in (${db.selectFrom('chats').select(searchKey.as('key')).where('chats.id', 'in', ids).where('chats.status', '=', 'completed')}) and chat_id in (${sql.join(ids)})`,
      ),
      snippets: f.words,
    });
  }
  return queries;
}

async function answerOf(db: Tx, dialect: Dialect, tech: TechActor, f: CompletedChatFilters, opts: AnswerOpts): Promise<SearchAnswer> {
  // PostgreSQL's page is read here and its answer written on a thread (snippets cut there); a
  // command's database builds it here.
  const writer = pgSearchPool(db) && searchAnswerThread(db);
  if (!writer) {
    const page = await searchPageRows(db, dialect, tech, f);
    return searchResults(page);
  }
  const page = await pageOf(db, dialect, tech, f, TUNING);
  if (!page.ids.length) return [];
  const [rows, bodies] = await read(
    db,
    pageQueries(db, dialect, tech, f, page.ids).map(({ snippets: _, ...q }) => q),
  );
  return writer.present({ rows, bodies: f.words.length ? bodies : null, words: f.words }, page.ids, opts.gzip);
}
