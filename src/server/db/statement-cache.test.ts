/**
 * The SQLite statement cache (database.ts): one compile per SQL text, bounded, the statements in
 * use kept over the ones not used since, a statement still iterating never shared, writes heard.
 */
import { describe, expect, it } from 'vitest';
import { withStatementCache } from './database.js';
import type { SqliteStatement } from './sqlite-driver.js';

function fakeConnection() {
  const compiled: string[] = [];
  const statements: (SqliteStatement & { text: string; iterating: boolean })[] = [];
  return {
    compiled,
    statements,
    close: () => {},
    prepare(text: string) {
      compiled.push(text);
      const st = {
        text,
        iterating: false,
        reader: text.startsWith('select'),
        get busy() {
          return st.iterating;
        },
        all: () => [],
        get: () => undefined,
        run: () => ({ changes: 0, lastInsertRowid: 0 }),
        iterate: () => [][Symbol.iterator](),
      };
      statements.push(st);
      return st;
    },
  };
}

describe('statement cache', () => {
  it('compiles each text once and hands the same statement back', () => {
    const conn = fakeConnection();
    const cache = withStatementCache(conn, () => {});
    const a = cache.prepare('select 1');
    expect(cache.prepare('select 1')).toBe(a);
    expect(cache.prepare('select 2')).not.toBe(a);
    expect(conn.compiled).toEqual(['select 1', 'select 2']);
  });

  it('stays within its bound, and keeps the statements used since they were last passed over', () => {
    const conn = fakeConnection();
    const cache = withStatementCache(conn, () => {}, 3);
    cache.prepare('select hot');
    for (let i = 0; i < 20; i++) {
      cache.prepare(`select cold ${i}`);
      cache.prepare('select hot');
      expect(cache.texts().length).toBeLessThanOrEqual(3);
    }
    // The hot statement was never compiled again; the cold ones went, oldest first.
    expect(conn.compiled.filter((t) => t === 'select hot')).toHaveLength(1);
    expect(cache.texts()).toContain('select hot');
    expect(cache.texts()).toContain('select cold 19');
    expect(cache.texts()).not.toContain('select cold 0');
    // A text evicted is compiled again when it comes back.
    cache.prepare('select cold 0');
    expect(conn.compiled.filter((t) => t === 'select cold 0')).toHaveLength(2);
  });

  it('does not share a statement that is still iterating, and keeps the cached one', () => {
    const conn = fakeConnection();
    const cache = withStatementCache(conn, () => {});
    const first = cache.prepare('select rows') as SqliteStatement & { iterating: boolean };
    first.iterating = true;
    const second = cache.prepare('select rows');
    expect(second).not.toBe(first);
    first.iterating = false;
    expect(cache.prepare('select rows')).toBe(first);
  });

  it('tells of every statement that is not a read', () => {
    const conn = fakeConnection();
    let writes = 0;
    const cache = withStatementCache(conn, () => writes++);
    cache.prepare('select 1');
    cache.prepare('begin');
    cache.prepare('insert into t values (1)');
    cache.prepare('insert into t values (1)');
    expect(writes).toBe(3);
  });
});
