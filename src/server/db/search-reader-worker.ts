/**
 * A thread of db/search-reader.ts: with a file, one read-only connection to the SQLite file, its
 * compiled statements, one batch of statements at a time in one read transaction (one snapshot);
 * without one (PostgreSQL), it only writes search answers from rows read elsewhere.
 *
 * Messages in: `{ id, queries }` answers `{ id, rows }`, each statement's rows. With `search` (the
 * tech and the filters) the thread runs the whole search (db/repositories/search.ts
 * `searchPageRows`: the page of ids, then its chats and snippets, in one read transaction), and
 * with `given` rows read elsewhere it only writes their answer; either answers `{ id, json }`: the
 * search's answer written as JSON (services/search-results.ts; gzipped with `gzip`), its buffer
 * handed over, not copied. An error answers `{ id, error }`. `'stop'` closes the connection and
 * answers `{ stopped: true }`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { TechActor } from '../policies/access.js';
import type { PageRows } from '../services/search-results.js';
import type { CompletedChatFilters } from './repositories/search.js';
import type { Database } from './schema.js';
import type { ReaderPriority, ReaderThread, ReadQuery } from './search-reader.js';
import { openSqlite, type SqliteStatement } from './sqlite-driver.js';
import { withSnippets } from './snippet.js';

/** A page read elsewhere (PostgreSQL): its chats' rows, and their bodies to cut snippets from. */
export type GivenPage = { rows: unknown[]; bodies: unknown[] | null; words: string[] };
/** A search to run here: who asks, and what for. */
export type GivenSearch = { tech: TechActor; filters: CompletedChatFilters };
type In = 'stop' | { id: number; queries: ReadQuery[]; search?: GivenSearch; given?: GivenPage; ids?: number[]; gzip?: boolean };
const data = workerData as { file: string | null; path: string } & ReaderPriority;
const port = parentPort!;

/**
 * Below the event loop's priority (Linux, set on the thread through its id): first its own nice
 * value, then the idle scheduling class where the system allows it (chrt, util-linux). A thread of
 * that class gives the CPU up the moment live chat's thread wakes, where nice 10 only shortens its
 * turns; it runs whenever nothing else wants the core. Elsewhere the thread runs as it is.
 */
function lowerPriority(): ReaderThread {
  let tid = 0;
  let policy: ReaderThread['policy'] = 'normal';
  try {
    tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  } catch {}
  if (tid > 0 && data.nice) {
    try {
      os.setPriority(tid, data.nice);
      policy = 'nice';
    } catch {}
  }
  if (tid > 0 && data.idle) {
    try {
      execFileSync('chrt', ['--idle', '--pid', '0', String(tid)], { stdio: 'ignore', timeout: 5000, env: { PATH: data.path } });
      policy = 'idle';
    } catch {}
  }
  return { tid, policy };
}

port.postMessage({ started: lowerPriority() });
// Without a file the thread only writes answers (PostgreSQL's search: `given`).
const db = data.file ? openSqlite(data.file, { readonly: true, timeout: 5000 }) : null;
const cache = new Map<string, SqliteStatement>();
function statement(text: string): SqliteStatement {
  let s = cache.get(text);
  if (!s) {
    if (!db) throw new Error('this thread has no database');
    s = db.prepare(text);
    cache.set(text, s);
    if (cache.size > 200) cache.delete(cache.keys().next().value!);
  }
  return s;
}

/** A module loaded at its first use (a failed load is tried again at the next, not kept). */
function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
}

// Loaded at the first search: the report reader, which runs the same code, never needs them.
const presenting = lazy(() => import('../services/search-results.js'));
/**
 * The search's own code over this thread's connection, through Kysely (its statements compiled
 * here, not on the event loop), each search in one read transaction: one snapshot for the page
 * and its rows.
 */
const searching = lazy(async () => {
  const [{ Kysely, SqliteDialect }, { searchPageRows }] = await Promise.all([import('kysely'), import('./repositories/search.js')]);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: { prepare: statement, close: () => {} } }) });
  return (s: GivenSearch): Promise<PageRows> => kysely.transaction().execute((trx) => searchPageRows(trx, 'sqlite', s.tech, s.filters));
});

function readAll(queries: ReadQuery[]): unknown[][] {
  if (!db) throw new Error('this thread has no database');
  db.exec('begin');
  try {
    return queries.map((q) => withSnippets(statement(q.sql).all(q.parameters), q.snippets));
  } finally {
    db.exec('commit');
  }
}

async function pageRowsOf(m: Exclude<In, 'stop'>): Promise<PageRows> {
  if (m.search) return (await searching())(m.search);
  const given = m.given!;
  const snippets = given.bodies ? (withSnippets(given.bodies, given.words) as PageRows['snippets']) : null;
  return { ids: m.ids ?? [], rows: given.rows as PageRows['rows'], snippets };
}

async function answer(m: Exclude<In, 'stop'>) {
  if (!m.search && !m.given) return port.postMessage({ id: m.id, rows: readAll(m.queries) });
  const [page, { searchResultsJson }] = await Promise.all([pageRowsOf(m), presenting()]);
  const json = searchResultsJson(page, m.gzip === true);
  port.postMessage({ id: m.id, json }, [json.bytes.buffer as ArrayBuffer]);
}

port.on('message', (m: In) => {
  if (m === 'stop') {
    db?.close();
    port.postMessage({ stopped: true });
    return;
  }
  answer(m).catch((err: unknown) => port.postMessage({ id: m.id, error: String((err as Error)?.message ?? err) }));
});
