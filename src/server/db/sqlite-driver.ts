/**
 * The one place that talks to a SQLite driver. Everything else (Kysely's dialect, the hot-path
 * statements, the WAL worker, the bench's seeding) uses this small connection type, so the driver
 * can be chosen in one line.
 *
 * SQLITE_DRIVER (temporary, while both are measured): `node` = Node's own `node:sqlite` (default),
 * `better` = better-sqlite3.
 */
import { createRequire } from 'node:module';

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

export type OpenOptions = { readonly?: boolean; /** busy timeout, ms */ timeout?: number };

export type SqliteDriverName = 'node' | 'better';
export const SQLITE_DRIVER: SqliteDriverName = process.env.SQLITE_DRIVER === 'better' ? 'better' : 'node';

const require = createRequire(import.meta.url);

export function openSqlite(file: string, opts: OpenOptions = {}): SqliteConnection {
  return SQLITE_DRIVER === 'better' ? openBetter(file, opts) : openNode(file, opts);
}

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

/** The SQLite result code of an error from either driver (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`…). */
export function sqliteErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errcode?: unknown };
  if (typeof e?.errcode === 'number') return CODES[e.errcode] ?? `SQLITE_${e.errcode}`;
  return typeof e?.code === 'string' && e.code.startsWith('SQLITE_') ? e.code : undefined;
}

// ---- node:sqlite ---------------------------------------------------------------------------

type NodeStatement = {
  all(...p: unknown[]): unknown[];
  get(...p: unknown[]): unknown;
  run(...p: unknown[]): RunResult;
  iterate(...p: unknown[]): IterableIterator<unknown>;
  columns(): unknown[];
};
type NodeDatabase = { isOpen: boolean; exec(sql: string): void; prepare(sql: string): NodeStatement; close(): void };

function openNode(file: string, opts: OpenOptions): SqliteConnection {
  const { DatabaseSync } = require('node:sqlite') as { DatabaseSync: new (f: string, o: object) => NodeDatabase };
  const db = new DatabaseSync(file, { readOnly: opts.readonly ?? false, timeout: opts.timeout ?? 5000 });
  const prepare = (sql: string): SqliteStatement => {
    const s = db.prepare(sql);
    let iterating = 0;
    return {
      reader: s.columns().length > 0,
      get busy() {
        return iterating > 0;
      },
      all: (p = []) => s.all(...p),
      get: (p = []) => s.get(...p),
      run: (p = []) => s.run(...p),
      *iterate(p = []) {
        iterating++;
        try {
          yield* s.iterate(...p);
        } finally {
          iterating--;
        }
      },
    };
  };
  return connection({ exec: (sql) => db.exec(sql), prepare, close: () => db.close(), isOpen: () => db.isOpen });
}

// ---- better-sqlite3 -----------------------------------------------------------------------

type BetterStatement = NodeStatement & { reader: boolean; busy: boolean };
type BetterDatabase = { open: boolean; exec(sql: string): void; prepare(sql: string): BetterStatement; close(): void };

function openBetter(file: string, opts: OpenOptions): SqliteConnection {
  const Better = require('better-sqlite3') as new (f: string, o: object) => BetterDatabase;
  const db = new Better(file, { readonly: opts.readonly ?? false, timeout: opts.timeout ?? 5000 });
  const prepare = (sql: string): SqliteStatement => {
    const s = db.prepare(sql);
    return {
      reader: s.reader,
      get busy() {
        return s.busy;
      },
      all: (p = []) => s.all(p),
      get: (p = []) => s.get(p),
      run: (p = []) => s.run(p),
      iterate: (p = []) => s.iterate(p),
    };
  };
  return connection({ exec: (sql) => db.exec(sql), prepare, close: () => db.close(), isOpen: () => db.open });
}

// ---- shared --------------------------------------------------------------------------------

function connection(d: { exec(sql: string): void; prepare(sql: string): SqliteStatement; close(): void; isOpen(): boolean }): SqliteConnection {
  const pragma = (text: string) => d.prepare(`pragma ${text}`).all() as Record<string, unknown>[];
  return {
    get open() {
      return d.isOpen();
    },
    exec: d.exec,
    prepare: d.prepare,
    pragma,
    pragmaValue: (text) => {
      const row = pragma(text)[0];
      return row ? Object.values(row)[0] : undefined;
    },
    transaction(fn) {
      d.exec('begin');
      try {
        const out = fn();
        d.exec('commit');
        return out;
      } catch (err) {
        d.exec('rollback');
        throw err;
      }
    },
    close: d.close,
  };
}
