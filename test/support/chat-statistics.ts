/**
 * SQLite: the planner statistics of a year of chats (a million, nearly all completed), as ANALYZE
 * writes them. Under these the status index looks useless, so statements that need it must name it
 * (test/presence-audit-plan, test/wallboard-plan).
 */
import { sql } from 'kysely';
import type { Db } from '../../src/server/db/database.js';

export async function yearOfChatStatistics(db: Db): Promise<void> {
  await sql`analyze`.execute(db);
  await sql`delete from sqlite_stat1 where tbl = 'chats'`.execute(db);
  await sql
    .raw(`insert into sqlite_stat1 (tbl, idx, stat) values
        ('chats', 'chats_status', '1000000 1000000 1'), ('chats', 'chats_requester', '1000000 500'), ('chats', 'chats_grace_at', '1000000 1000000')`)
    .execute(db);
  await sql`analyze sqlite_schema`.execute(db);
}
