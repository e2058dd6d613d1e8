/**
 * The one place that talks to the SQLite driver: Node's own `node:sqlite` (FTS5 included, nothing
 * to download or compile). Everything else (Kysely's dialect, the hot-path statements, the WAL
 * worker, the bench's seeding) uses this small connection type.
 *
 * Chosen over better-sqlite3 13 by measurement (docs/benchmarks.md, "SQLite driver"): the same CPU
 * time per operation within the noise, one native package fewer and a faster `npm ci`.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';

export type RunResult = { changes: number | bigint; lastInsertRowid: number | bigint };

/** A compiled statement. Parameters are passed as one array (Kysely's SQLite dialect does so). */
export interface SqliteStatement {
  /** True when the statement returns rows. */
  readonly reader: boolean;
  /** True while an iteration over it is under way (it must not be shared then). */
  readonly busy: boolean;
  all(params?: readonly unknown[]): unknown[];
  get(params?: readonly unknown[]): unknown;
  run(params?: readonly unknown[]): RunResult;
  iterate(params?: readonly unknown[]): IterableIterator<unknown>;
}

export interface SqliteConnection {
  readonly open: boolean;
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  /** `pragma <text>`: its rows. */
  pragma(text: string): Record<string, unknown>[];
  /** `pragma <text>`: the first column of its first row. */
  pragmaValue(text: string): unknown;
  /** Runs `fn` in a transaction (begin; commit, or rollback when it throws). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export type OpenOptions = { readonly?: boolean /** busy timeout, ms */; timeout?: number };

/** SQLite's extended result codes by name, for the ones the code reacts to. */
const CODES: Record<number, string> = {
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  19: 'SQLITE_CONSTRAINT',
  261: 'SQLITE_BUSY_RECOVERY',
  517: 'SQLITE_BUSY_SNAPSHOT',
  275: 'SQLITE_CONSTRAINT_CHECK',
  787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1299: 'SQLITE_CONSTRAINT_NOTNULL',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  2067: 'SQLITE_CONSTRAINT_UNIQUE',
};

/** The SQLite result code of a driver error by name (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`…). */
export function sqliteErrorCode(err: unknown): string | undefined {
  const e = err as { errcode?: unknown };
  return typeof e?.errcode === 'number' ? (CODES[e.errcode] ?? `SQLITE_${e.errcode}`) : undefined;
}

export function openSqlite(file: string, opts: OpenOptions = {}): SqliteConnection {
  const db = new DatabaseSync(file, { readOnly: opts.readonly ?? false, timeout: opts.timeout ?? 5000 });
  const prepare = (sql: string): SqliteStatement => {
    const s = db.prepare(sql);
    let iterating = 0;
    return {
      reader: s.columns().length > 0,
      get busy() {
        return iterating > 0;
      },
      all: (p = []) => s.all(...(p as SQLInputValue[])),
      get: (p = []) => s.get(...(p as SQLInputValue[])),
      run: (p = []) => s.run(...(p as SQLInputValue[])),
      *iterate(p = []) {
        iterating++;
        try {
          yield* s.iterate(...(p as SQLInputValue[]));
        } finally {
          iterating--;
        }
      },
    };
  };
  const pragma = (text: string) => prepare(`pragma ${text}`).all() as Record<string, unknown>[];
  return {
    get open() {
      return db.isOpen;
    },
    exec: (sql) => db.exec(sql),
    prepare,
    pragma,
    pragmaValue: (text) => {
      const row = pragma(text)[0];
      return row ? Object.values(row)[0] : undefined;
    },
    transaction(fn) {
      db.exec('begin');
      try {
        const out = fn();
        db.exec('commit');
        return out;
      } catch (err) {
        db.exec('rollback');
        throw err;
      }
    },
    close: () => db.close(),
  };
}
