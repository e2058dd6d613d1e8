/**
 * A consistent copy of a SQLite database while a server writes to it: `VACUUM INTO` reads one
 * snapshot (a read transaction, which in WAL mode never blocks the server's writes) and writes
 * it, compacted, to a new file. PostgreSQL has its own tool for this (`pg_dump`).
 */
import fs from 'node:fs';
import { sql } from 'kysely';
import { openSqliteFile, type Db } from './database.js';
import { appliedMigrations } from './migrations.js';

export async function backupSqlite(db: Db, target: string): Promise<{ bytes: number; migrations: string[] }> {
  if (fs.existsSync(target)) throw new Error(`${target} already exists; give a new file name`);
  await sql`vacuum into ${target}`.execute(db);
  // The copy must open on its own and pass SQLite's own check before anyone relies on it.
  const copy = openSqliteFile(target, { readonly: true });
  try {
    const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(copy.db);
    const verdict = check.rows.map((r) => r.integrity_check).join('; ');
    if (verdict !== 'ok') throw new Error(`the copy failed SQLite's integrity check: ${verdict}`);
    return { bytes: fs.statSync(target).size, migrations: await appliedMigrations(copy.db) };
  } finally {
    await copy.close();
  }
}
