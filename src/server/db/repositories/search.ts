/**
 * SQL of full-text search over completed chats, on either engine: SQLite FTS5 or PostgreSQL text
 * search. `chat_search` holds one document per completed chat (subject, messages, notes); on
 * SQLite its rowid is the chat's id, on PostgreSQL its stored `tsv` column (migration 008) is the
 * indexed text.
 *
 * A search first picks the page of chat ids (match, access, filters, newest completed first), then
 * reads those chats and builds snippets for them only (docs/benchmarks.md, issue 15). How the page
 * is picked depends on how common the words are, judged by counting matches up to COMMON_MATCHES:
 *
 * - fewer: every matching chat is collected, filtered and sorted ("collect");
 * - more: the chats the tech may see are walked newest first along an index and each is probed
 *   for the words ("probe"), within the newest PROBE_WINDOW of them; when that window holds too
 *   few matches for the page, the search collects after all.
 *
 * On SQLite every statement runs on a read-only connection of a worker thread (db/search-reader.ts),
 * so a search never holds the event loop.
 */
import { CompiledQuery, sql, type Compilable, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Dialect, Tx } from '../database.js';
import { searchReader } from '../database.js';
import type { ReadQuery } from '../search-reader.js';
import { techScopeFilter, type TechActor } from '../../policies/access.js';
import { completedChatRows, type ChatRow } from './chats.js';

/** Marks around matched words in snippets; never HTML, so the client renders them as text. */
export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';

/** More matches than this make the words "common": the search probes newest chats instead of collecting. */
export const COMMON_MATCHES = 2000;
/** How many of the newest visible chats a probing search looks at before it collects instead. */
export const PROBE_WINDOW = 3000;

/** The chat's search document becomes `body` (FTS5 tables have no upsert; the rowid is the chat's id). */
export async function writeSearchDocument(trx: Tx, dialect: Dialect, chatId: number, body: string): Promise<void> {
  if (dialect === 'postgres') {
    await trx
      .insertInto('chat_search')
      .values({ chat_id: chatId, body })
      .onConflict((oc) => oc.column('chat_id').doUpdateSet({ body }))
      .execute();
  } else {
    await sql`delete from chat_search where rowid = ${chatId}`.execute(trx);
    await sql`insert into chat_search (rowid, chat_id, body) values (${chatId}, ${chatId}, ${body})`.execute(trx);
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

export type SearchRow = ChatRow & { snippet: string | null };

/** Runs read-only statements: on SQLite's reader workers when the server has them, else on `db`. */
async function read(db: Tx, queries: ReadQuery[]): Promise<unknown[][]> {
  const reader = searchReader(db);
  if (reader) return reader.read(queries);
  return Promise.all(queries.map(async (q) => (await db.executeQuery(CompiledQuery.raw(q.sql, [...q.parameters]))).rows));
}

/** A query builder's or raw template's SQL and parameters, for the reader. */
type Statement = Compilable<unknown> | RawBuilder<unknown>;
const compiled = (db: Tx, q: Statement): ReadQuery => {
  const c = (q as RawBuilder<unknown>).compile(db);
  return { sql: c.sql, parameters: c.parameters };
};

/** Completed chats the tech may see that pass the filters (no words): the access rule of policies/access.ts. */
function visibleChats(db: Tx, tech: TechActor, f: CompletedChatFilters) {
  // A literal, not a parameter, so that the partial indexes on completed chats apply (migration 008).
  let q = db.selectFrom('chats').where(sql<SqlBool>`chats.status = 'completed'`).where(techScopeFilter(tech, 'chats'));
  if (f.companyId) q = q.where('chats.company_id', '=', f.companyId);
  if (f.requesterId) q = q.where('chats.requester_id', '=', f.requesterId);
  if (f.techId) q = q.where('chats.tech_id', '=', f.techId);
  if (f.boardId) q = q.where('chats.board_id', '=', f.boardId);
  if (f.ticketId) q = q.where((eb) => eb.or([eb('chats.ticket_id', '=', f.ticketId!), eb('chats.created_ticket_id', '=', f.ticketId!)]));
  if (f.outcome === 'none') q = q.where('chats.outcome', 'is', null);
  else if (f.outcome) q = q.where('chats.outcome', '=', f.outcome);
  if (f.from) q = q.where('chats.completed_at', '>=', Date.parse(`${f.from}T00:00:00Z`));
  if (f.to) q = q.where('chats.completed_at', '<', Date.parse(`${f.to}T00:00:00Z`) + 86400000);
  return q;
}

/** The engine's query for the words: each a prefix, all required. */
function engineQuery(dialect: Dialect, words: string[]): string {
  return dialect === 'postgres' ? words.map((w) => `${w}:*`).join(' & ') : words.map((w) => `"${w}"*`).join(' AND ');
}

/** Ids of the chats whose document matches. */
function matchingIds(dialect: Dialect, match: string) {
  return dialect === 'postgres'
    ? sql<{ id: number }>`select chat_id as id from chat_search where tsv @@ to_tsquery('simple', ${match})`
    : sql<{ id: number }>`select rowid as id from chat_search where chat_search match ${match}`;
}

/** True when chat `id` matches: a probe of one document. */
function probe(dialect: Dialect, match: string): Expression<SqlBool> {
  return dialect === 'postgres'
    ? sql<SqlBool>`(select s.tsv @@ to_tsquery('simple', ${match}) from chat_search s where s.chat_id = chats.id)`
    : sql<SqlBool>`exists (select 1 from chat_search where chat_search match ${match} and rowid = chats.id)`;
}

type Page = { ids: number[]; strategy: 'list' | 'collect' | 'probe' | 'probe+collect' };

/** The page of chat ids, newest completed first; see the module's comment for the strategies. */
export async function searchPage(
  db: Tx,
  dialect: Dialect,
  tech: TechActor,
  f: CompletedChatFilters,
  tuning: { commonMatches: number; probeWindow: number } = { commonMatches: COMMON_MATCHES, probeWindow: PROBE_WINDOW },
): Promise<Page> {
  const newest = <Q extends ReturnType<typeof visibleChats>>(q: Q) =>
    q.orderBy('chats.completed_at', 'desc').orderBy('chats.id', 'desc').limit(f.limit).offset(f.offset);
  const ids = (rows: unknown[]) => (rows as { id: number | bigint }[]).map((r) => Number(r.id));
  if (!f.words.length) {
    const [rows] = await read(db, [compiled(db, newest(visibleChats(db, tech, f).select('chats.id')))]);
    return { ids: ids(rows), strategy: 'list' };
  }
  const match = engineQuery(dialect, f.words);
  const collect = async () => {
    const matched = visibleChats(db, tech, f).where(sql<SqlBool>`chats.id in (${matchingIds(dialect, match)})`);
    const [rows] = await read(db, [compiled(db, newest(matched.select('chats.id')))]);
    return ids(rows);
  };
  // SQLite: an FTS5 probe of one document costs about a millisecond for common words (the doclists
  // are read again each time), while collecting even 50,000 matching rowids takes a few: collect.
  if (dialect === 'sqlite') return { ids: await collect(), strategy: 'collect' };
  const [counted, edge] = await read(db, [
    compiled(db, sql<{ n: number }>`select count(*) as n from (${matchingIds(dialect, match)} limit ${tuning.commonMatches}) m`),
    compiled(
      db,
      visibleChats(db, tech, f)
        .select(['chats.completed_at', 'chats.id'])
        .orderBy('chats.completed_at', 'desc')
        .orderBy('chats.id', 'desc')
        .limit(1)
        .offset(tuning.probeWindow - 1),
    ),
  ]);
  if (Number((counted[0] as { n: number }).n) < tuning.commonMatches) return { ids: await collect(), strategy: 'collect' };
  const last = edge[0] as { completed_at: number; id: number } | undefined;
  let probed = visibleChats(db, tech, f).where(probe(dialect, match));
  if (last) probed = probed.where(sql<SqlBool>`(chats.completed_at, chats.id) >= (${last.completed_at}, ${last.id})`);
  const [rows] = await read(db, [compiled(db, newest(probed.select('chats.id')))]);
  // The window held the whole page, or was all there is: the page is complete.
  if (rows.length === f.limit || !last) return { ids: ids(rows), strategy: 'probe' };
  return { ids: await collect(), strategy: 'probe+collect' };
}

/** Completed chats the tech may see that match, last completed first, each with a snippet when words were given. */
export async function searchCompletedRows(db: Tx, dialect: Dialect, tech: TechActor, f: CompletedChatFilters): Promise<SearchRow[]> {
  const page = await searchPage(db, dialect, tech, f);
  if (!page.ids.length) return [];
  // The access rule once more on the rows read: a page never carries a chat the tech may not see.
  const queries = [compiled(db, completedChatRows(db, tech).where('chats.id', 'in', page.ids))];
  if (f.words.length) {
    const match = engineQuery(dialect, f.words);
    queries.push(
      compiled(
        db,
        dialect === 'postgres'
          ? sql`select chat_id as id, ts_headline('simple', body, to_tsquery('simple', ${match}), ${`StartSel=${HIGHLIGHT_START}, StopSel=${HIGHLIGHT_END}, MaxWords=20, MinWords=8, MaxFragments=2`}) as snippet from chat_search where chat_id in (${sql.join(page.ids)})`
          : // FTS5's snippet() would run the match again over every matching document: the page's
            // bodies are read by rowid and their snippets cut here (snippetOf).
            sql`select rowid as id, body from chat_search where rowid in (${sql.join(page.ids)})`,
      ),
    );
  }
  const [rows, snippets = []] = await read(db, queries);
  const byId = new Map((rows as ChatRow[]).map((r) => [Number(r.id), r]));
  const snippets_ = new Map(
    (snippets as { id: number; snippet?: string; body?: string }[]).map((s) => [Number(s.id), s.snippet ?? snippetOf(s.body ?? '', f.words)]),
  );
  // A chat erased between the two reads is left out rather than shown half.
  return page.ids.flatMap((id) => {
    const r = byId.get(id);
    return r ? [{ ...r, snippet: f.words.length ? (snippets_.get(id) ?? null) : null }] : [];
  });
}

/** Letters folded as FTS5's `unicode61 remove_diacritics 2` folds them: lower case, no accents. */
const fold = (t: string) => t.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * The snippet FTS5 gives (db/repositories/search.ts on SQLite): about SNIPPET_TOKENS words of the
 * body around the first matched word, every matched word (a prefix of it given) between the
 * highlight marks, '…' where text was cut.
 */
export function snippetOf(body: string, words: string[], tokens = SNIPPET_TOKENS): string | null {
  // Only the text around the first match is cut into words; that match is found by one search
  // of the body as written (words are letters and digits only), or, failing that, of it folded.
  const near = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.join('|')})`, 'iu').exec(body)?.index;
  if (near !== undefined && near > 300) {
    const cut = body.slice(near - 200);
    const start = cut.search(/(?<![\p{L}\p{N}])[\p{L}\p{N}]/u);
    const out = snippetOf(cut.slice(start), words, tokens);
    return out && (out.startsWith('…') ? out : `…${out}`);
  }
  const folded = words.map(fold);
  const found = [...body.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({
    at: m.index,
    end: m.index + m[0].length,
    hit: folded.some((w) => fold(m[0]).startsWith(w)),
  }));
  const first = found.findIndex((t) => t.hit);
  if (first < 0) return null;
  const from = Math.max(0, Math.min(first - 3, found.length - tokens));
  const part = found.slice(from, from + tokens);
  let out = from > 0 ? '…' : '';
  let pos = part[0].at;
  for (const t of part) {
    out += body.slice(pos, t.at) + (t.hit ? HIGHLIGHT_START + body.slice(t.at, t.end) + HIGHLIGHT_END : body.slice(t.at, t.end));
    pos = t.end;
  }
  return from + tokens < found.length ? `${out}…` : out;
}
const SNIPPET_TOKENS = 16;
