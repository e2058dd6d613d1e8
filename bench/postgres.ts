/**
 * The bench's PostgreSQL: a fresh database per scenario (on BENCH_DATABASE_URL's server, by
 * default the machine's at 127.0.0.1:5432), migrated by the server's own migrations and filled
 * with exactly the rows a seeded SQLite file holds, so both databases start a run alike.
 */
import path from 'node:path';
import pg from 'pg';
import { openSqlite } from '../src/server/db/sqlite-driver.js';
import { openDatabase } from '../src/server/db/database.js';
import { migrate } from '../src/server/db/migrations.js';

const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The tables bench/seed.ts fills, parents first. */
const SEEDED_TABLES = ['companies', 'boards', 'company_boards', 'techs', 'tech_boards', 'tech_companies', 'portal_users', 'sessions', 'chats', 'transitions'];

export type BenchDatabase = { url: string; drop: () => Promise<void> };

/** True when the bench's PostgreSQL server answers. */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function onServer<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new empty database, migrated; `drop` removes it (after the servers using it stopped). */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `bench_${label}_${process.pid}_${Date.now().toString(36)}`;
  await onServer((c) => c.query(`create database ${name}`));
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const handle = openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  try {
    await migrate(handle.db, handle.dialect);
  } finally {
    await handle.close();
  }
  return { url: url.toString(), drop: () => onServer((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}) };
}

/** Copies the seeded rows of a SQLite data directory into a migrated PostgreSQL database. */
export async function copySeedToPostgres(dataDir: string, url: string): Promise<void> {
  const source = openSqlite(path.join(dataDir, 'helpdesk.sqlite'), { readonly: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    for (const table of SEEDED_TABLES) {
      const rows = source.prepare(`select * from ${table}`).all() as Record<string, unknown>[];
      if (!rows.length) continue;
      const columns = Object.keys(rows[0]);
      const per = Math.max(1, Math.floor(30000 / columns.length));
      for (let i = 0; i < rows.length; i += per) {
        const chunk = rows.slice(i, i + per);
        const values = chunk.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
        await client.query(
          `insert into ${table} (${columns.join(', ')}) values ${values}`,
          chunk.flatMap((row) => columns.map((c) => row[c])),
        );
      }
      if (columns.includes('id')) await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
    }
    await client.query('commit');
  } finally {
    await client.end();
    source.close();
  }
}

/** The number in the first column of the first row of a query (a count). */
export async function scalar(url: string, query: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number(Object.values((await client.query(query)).rows[0])[0]);
  } finally {
    await client.end();
  }
}
