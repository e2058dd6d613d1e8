import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import { directSqlite } from './database.js';

type Template = { sql: string; params: ({ arg: number } | { value: unknown })[] };

/**
 * A fixed-shape query on a hot path (every message send and delivery), built and compiled by
 * Kysely once per dialect; each call reuses that SQL with the new argument values. Building and
 * compiling took several times longer than SQLite took to run the query. On SQLite it runs
 * synchronously on the connection whenever that is safe (db/database.ts, directSqlite).
 *
 * `build` must give the same SQL whatever the arguments (no IN lists of varying length), and use
 * each argument only as a bound value. It is called once with stand-ins to learn where each
 * argument lands among the parameters.
 */
export function prepared<A extends unknown[], R>(build: (db: Kysely<any>, ...args: A) => Compilable<R>) {
  const templates = new Map<unknown, Template>();
  const template = (db: Kysely<any>): Template => {
    const dialect = db.getExecutor().adapter.constructor;
    let t = templates.get(dialect);
    if (!t) {
      const standIns = Array.from({ length: build.length - 1 }, (_, i) => `\u0000prepared-arg-${i}\u0000`);
      const compiled = build(db, ...(standIns as A)).compile();
      t = {
        sql: compiled.sql,
        params: compiled.parameters.map((p) => {
          const i = standIns.indexOf(p as string);
          return i >= 0 ? { arg: i } : { value: p };
        }),
      };
      const used = new Set(t.params.flatMap((p) => ('arg' in p ? [p.arg] : [])));
      if (used.size !== standIns.length) throw new Error('prepared query: every argument must be a bound value');
      templates.set(dialect, t);
    }
    return t;
  };
  return (db: Kysely<any>, ...args: A): Promise<R[]> => {
    // No async function here: on the hot path its frame and promise were pure garbage. Every
    // failure still arrives as a rejected promise, as it would from an async function.
    try {
      const t = template(db);
      const params: unknown[] = new Array(t.params.length);
      for (let i = 0; i < params.length; i++) {
        const p = t.params[i];
        params[i] = 'arg' in p ? args[p.arg] : p.value;
      }
      return rawRows<R>(db, t.sql, params);
    } catch (e) {
      return Promise.reject(e);
    }
  };
}

/**
 * Runs one SQL text with its parameters and gives its rows: on SQLite straight on the connection
 * when that is safe (see database.ts), otherwise through Kysely. For queries written per dialect
 * (arrays on PostgreSQL, JSON on SQLite) that no query builder expresses.
 */
export function rawRows<R>(db: Kysely<any>, text: string, params: readonly unknown[]): Promise<R[]> {
  try {
    const sqlite = directSqlite(db);
    if (sqlite) return Promise.resolve(sqlite.rows(text, params) as R[]);
    return db.executeQuery<R>(CompiledQuery.raw(text, params as unknown[])).then((r) => r.rows);
  } catch (e) {
    return Promise.reject(e);
  }
}
