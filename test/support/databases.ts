/**
 * The databases a suite runs on: SQLite always, PostgreSQL when DATABASE_URL is set. Each call
 * gives a fresh, empty database that `drop` removes again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';

export type TestDb = { dialect: 'sqlite' | 'postgres'; env: Record<string, string>; drop: () => Promise<void> };
export type DbKind = 'sqlite' | 'postgres';

export const DIALECTS: DbKind[] = process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export async function freshDatabase(kind: DbKind): Promise<TestDb> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-test-'));
    return { dialect: 'sqlite', env: { DATA_DIR: dir }, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const base = process.env.DATABASE_URL!;
  const name = `chat_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    dialect: 'postgres',
    env: { DATABASE_URL: url.toString(), DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-test-')) },
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
