import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type pgModule from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { openSqlite, sqliteErrorCode, type SqliteConnection, type SqliteStatement } from './sqlite-driver.js';
import { FALLBACK_PAGES, startWalCheckpointer, type Checkpointer } from './wal-checkpointer.js';
import { READER_NICE, startReaderPool, type ReaderPool } from './search-reader.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database> | Kysely<Database>;

export type DbHandle = {
  db: Db;
  dialect: Dialect;
  close: () => Promise<void>;
  /**
   * SQLite server only: from now on, the first write starts the WAL checkpoint worker
   * (db/wal-checkpointer.ts). The server calls it once it listens, so a node that starts and
   * idles runs no second thread (about 18 MB); until then the connection copies the log back
   * itself in small steps, as it does whenever the worker is absent.
   */
  startCheckpointsOnWrite?: () => void;
  /** PostgreSQL only: the pool's connections and waiting queries, for the metrics. */
  poolStats?: () => { total: number; idle: number; waiting: number };
};

// Loaded only for PostgreSQL: a node on SQLite never loads the client.
let pgLoaded: typeof pgModule | null = null;
function loadPg(): typeof pgModule {
  if (pgLoaded) return pgLoaded;
  const pg = createRequire(import.meta.url)('pg') as typeof pgModule;
  // int8 (counts, epoch milliseconds) as numbers: every value we store fits in 2^53.
  pg.types.setTypeParser(20, (v) => Number(v));
  return (pgLoaded = pg);
}

/**
 * `alongsideServer`: for operator commands (cli.ts) that may run while a server holds the data
 * directory. On SQLite they then take no lock and start no checkpoint worker: SQLite's own locking
 * keeps their connection and the server's consistent (WAL: readers never block the writer, writers
 * wait for each other up to the busy timeout), and the connection copies the log back itself.
 */
export function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  databasePoolSize?: number;
  onBackgroundError?: (err: unknown) => void;
  alongsideServer?: boolean;
}): DbHandle {
  if (opts.databaseUrl) {
    const pool = new (loadPg().Pool)({ connectionString: opts.databaseUrl, max: opts.databasePoolSize ?? 10 });
    pool.on('error', () => {
      /* an idle client lost its connection; the pool replaces it */
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pgPools.set(db.getExecutor().adapter, pool);
    // Searches on connections of their own, set up once for them: no transaction and no SET per
    // search (three round trips fewer), and live chat's pool never waits behind one. Opened at
    // the first search.
    const searchPool = new (loadPg().Pool)({
      connectionString: opts.databaseUrl,
      max: PG_SEARCH_CONNECTIONS,
      options: `-c random_page_cost=${PG_SEARCH_RANDOM_PAGE_COST} -c default_transaction_read_only=on`,
    });
    searchPool.on('error', () => {
      /* as above */
    });
    pgSearchPools.set(db.getExecutor().adapter, searchPool);
    // A search's answer (snippets cut, presented, checked, written as JSON) on a thread of its own
    // below the event loop, as SQLite's reader writes it (db/search-reader.ts). Started at the first search.
    const answers = startReaderPool(null, 1);
    answerPools.set(db.getExecutor().adapter, answers);
    const poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
    const close = async () => {
      await answers.close();
      await searchPool.end();
      await db.destroy();
    };
    return { db, dialect: 'postgres', close, poolStats };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  if (opts.alongsideServer) return openSqliteFile(sqliteFile(opts.dataDir));
  // One server per data directory: SQLite is the single-node default (several nodes share
  // PostgreSQL). The lock is a small SQLite file held in an exclusive transaction for as long as
  // the server runs; the operating system drops it when the process ends, however it ends. A
  // second server on the same directory fails to start with "database is locked".
  const lock = openSqlite(path.join(opts.dataDir, 'helpdesk.lock'), { timeout: 0 });
  try {
    lock.exec('begin exclusive');
  } catch (err) {
    lock.close();
    throw err;
  }
  const file = sqliteFile(opts.dataDir);
  let database: SqliteConnection | null = null;
  let checkpointer: Checkpointer | null = null;
  let readers: ReaderPool;
  let reportReaders: ReaderPool;
  try {
    database = openSqlite(file, { timeout: 5000 });
    database.exec('pragma journal_mode = WAL');
    database.exec('pragma synchronous = NORMAL');
    database.exec('pragma foreign_keys = ON');
    // Until the checkpoint worker starts, the connection copies the log back itself, in small steps.
    database.exec(`pragma wal_autocheckpoint = ${FALLBACK_PAGES}`);
    // Search reads on a worker thread, beside the writer, started at the first search
    // (db/search-reader.ts; docs/benchmarks.md, issue 15).
    readers = startReaderPool(file, SEARCH_READERS);
    // Reports read a year of chats in seconds: on a thread of their own, so a search (or live
    // chat) never waits behind one (services/reports.ts). At nice 10 but not in the idle class: on
    // a saturated CPU that class would stretch a report of seconds into minutes, its read snapshot
    // keeping the log from starting over all that time.
    reportReaders = startReaderPool(file, REPORT_READERS, { nice: READER_NICE, idle: false });
  } catch (err) {
    database?.close();
    lock.close();
    throw err;
  }
  const conn = database;
  // The WAL is copied back into the database file by a worker thread, off the event loop
  // (db/wal-checkpointer.ts; docs/benchmarks.md, changes 8 and 12), from the first write after
  // the server armed it (startCheckpointsOnWrite).
  let armed = false;
  const onWrite = () => {
    if (!armed || checkpointer || !conn.open) return;
    checkpointer = startWalCheckpointer(conn, file, opts.onBackgroundError ?? ((err) => console.error('WAL checkpoint worker failed', err)));
  };
  const statements = withStatementCache(database, onWrite);
  const state = { held: 0 };
  const db = new Kysely<Database>({ dialect: new TrackedSqliteDialect({ database: statements }, state) });
  direct.set(db.getExecutor().adapter, {
    free: () => state.held === 0,
    rows: (text, params) => {
      const stmt = statements.prepare(text);
      if (stmt.reader) return stmt.all(params);
      stmt.run(params);
      return [];
    },
  });
  readerPools.set(db.getExecutor().adapter, readers);
  reportPools.set(db.getExecutor().adapter, reportReaders);
  const close = async () => {
    try {
      armed = false;
      await readers.close();
      await reportReaders.close();
      await checkpointer?.stop();
      await db.destroy();
    } finally {
      lock.close();
    }
  };
  return { db, dialect: 'sqlite', close, startCheckpointsOnWrite: () => (armed = true) };
}

/**
 * Worker threads that run searches on SQLite: one. Searches are short (a page of ids, then its
 * rows); a second reader let two searches take both cores of a small machine from live chat
 * (docs/benchmarks.md, issue 15: chat p99 3.5x quiet with two readers, unchanged with one).
 */
export const SEARCH_READERS = 1;
const readerPools = new WeakMap<object, ReaderPool>();

/** The server's read-only SQLite workers for `db` (search), or null: PostgreSQL, or a command's connection. */
export function searchReader(db: Kysely<any>): ReaderPool | null {
  return readerPools.get(db.getExecutor().adapter) ?? null;
}

/** The worker thread that runs reports on SQLite: one, apart from search's, at nice 10 (not in the idle class). */
export const REPORT_READERS = 1;
const reportPools = new WeakMap<object, ReaderPool>();

/** The server's read-only SQLite worker for reports on `db`, or null (PostgreSQL, or a command's connection). */
export function reportReader(db: Kysely<any>): ReaderPool | null {
  return reportPools.get(db.getExecutor().adapter) ?? null;
}

const pgPools = new WeakMap<object, { query: (q: { text: string; values: unknown[]; binary: boolean }) => Promise<{ rows: unknown[] }> }>();

/**
 * PostgreSQL: the connections a node's searches run on (two searches at once, each with up to two
 * statements at once: services/search.ts), read-only, and planned for cached pages: at the default
 * `random_page_cost` (4 sequential reads) a one-company tech's search walks the global
 * completed_at index and filters (16,000 rows read for 300) rather than the per-company one
 * (docs/benchmarks.md, issue 15).
 */
export const PG_SEARCH_CONNECTIONS = 4;
export const PG_SEARCH_RANDOM_PAGE_COST = 1.1;
type PgQuery = { query: (text: string, values: unknown[]) => Promise<{ rows: unknown[] }> };
const pgSearchPools = new WeakMap<object, PgQuery>();

const answerPools = new WeakMap<object, ReaderPool>();

/** PostgreSQL: the thread that writes the server's search answers for `db`, or null (SQLite, or a command's connection). */
export function searchAnswerThread(db: Kysely<any>): ReaderPool | null {
  return answerPools.get(db.getExecutor().adapter) ?? null;
}

/** The server's search connections for `db` on PostgreSQL, or null (SQLite, or inside a transaction). */
export function pgSearchPool(db: Kysely<any>): PgQuery | null {
  return db.isTransaction ? null : (pgSearchPools.get(db.getExecutor().adapter) ?? null);
}

/**
 * On PostgreSQL, the rows of one query with its results in binary: a `bytea` column then arrives
 * as its bytes, where the text form sends twice as many (hex) and builds a string of them first
 * (db/repositories/files.ts, the pieces of a file). Parameters would be sent in binary as well,
 * so a caller passes none. Null on SQLite.
 */
export function binaryRows<R>(db: Kysely<any>, text: string, values: unknown[]): Promise<R[]> | null {
  const pool = pgPools.get(db.getExecutor().adapter);
  return pool ? pool.query({ text, values, binary: true }).then((r) => r.rows as R[]) : null;
}

/** The SQLite database file of a data directory. */
export const sqliteFile = (dataDir: string) => path.join(dataDir, 'helpdesk.sqlite');

/** One SQLite file without the data directory's lock: a command's connection, or a backup to check (`readonly`). */
export function openSqliteFile(file: string, opts: { readonly?: boolean } = {}): DbHandle {
  const database = openSqlite(file, { readonly: opts.readonly ?? false, timeout: 5000 });
  try {
    if (!opts.readonly) database.exec('pragma journal_mode = WAL');
    database.exec('pragma foreign_keys = ON');
  } catch (err) {
    database.close();
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * Kysely runs every query through a chain of promises around its one SQLite connection (a mutex,
 * the connection, the result), which on the hottest queries cost more time and garbage than
 * SQLite itself. Those queries (db/prepared.ts) may instead run synchronously on the connection
 * when that is safe: inside a transaction, by the code holding it, or when no one holds the
 * connection at all, so the statement cannot land inside someone else's transaction.
 */
export type DirectSqlite = { free: () => boolean; rows: (sql: string, params: readonly unknown[]) => unknown[] };
const direct = new WeakMap<object, DirectSqlite>();

/** The synchronous way into `db`'s SQLite connection, when `db` is on SQLite and may use it now. */
export function directSqlite(db: Kysely<any>): DirectSqlite | null {
  const d = direct.get(db.getExecutor().adapter);
  return d && (db.isTransaction || d.free()) ? d : null;
}

/** Counts who holds the connection: Kysely's mutex hands it out through acquire/release. */
class TrackedSqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly state: { held: number },
  ) {
    super(config);
  }
  createDriver() {
    const driver = super.createDriver();
    const acquire = driver.acquireConnection.bind(driver);
    const release = driver.releaseConnection.bind(driver);
    driver.acquireConnection = () => {
      this.state.held++;
      return acquire();
    };
    driver.releaseConnection = (connection) => {
      this.state.held--;
      return release(connection);
    };
    return driver;
  }
}

/**
 * Kysely calls `prepare` for every query, and the driver compiles the SQL each time; that
 * compile was the largest single cost of a message send. The compiled statement is reused for the
 * same SQL text; one still iterating is never shared. The cache is bounded: past `max` texts the
 * oldest one not used since it was last passed over goes (a second chance, not a strict LRU
 * order, so that a hit only sets a flag: moving the entry to the end of the map on every query
 * cost about 1% of the event loop under a chat load).
 * `onWrite` hears of every statement prepared to run that is not a read (`begin` included).
 */
export function withStatementCache(database: Pick<SqliteConnection, 'prepare' | 'close'>, onWrite: () => void, max = 500) {
  const cache = new Map<string, { stmt: SqliteStatement; used: boolean }>();
  const evictOne = () => {
    for (const [text, entry] of cache) {
      cache.delete(text);
      if (!entry.used) return;
      entry.used = false;
      cache.set(text, entry);
    }
  };
  const lookup = (text: string) => {
    const hit = cache.get(text);
    if (hit && !hit.stmt.busy) {
      hit.used = true;
      return hit.stmt;
    }
    const stmt = database.prepare(text);
    if (!hit) {
      cache.set(text, { stmt, used: false });
      if (cache.size > max) evictOne();
    }
    return stmt;
  };
  return {
    close: () => database.close(),
    /** The texts kept, oldest first (for tests). */
    texts: () => [...cache.keys()],
    prepare(text: string) {
      const stmt = lookup(text);
      if (!stmt.reader) onWrite();
      return stmt;
    },
  };
}

/** True when the error is a unique-constraint violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  if ((err as { code?: unknown })?.code === '23505') return true;
  const code = sqliteErrorCode(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
