/**
 * Seeds a fresh SQLite file for the bench, before the server starts: the server's own migrations
 * create the schema, then plain SQLite inserts add thousands of users, techs, active chats
 * and sessions in one transaction (logging in 10,000 users through argon2 would take minutes).
 * One password hash is computed and shared by every seeded account.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { openSqlite } from '../src/server/db/sqlite-driver.js';
import { openDatabase } from '../src/server/db/database.js';
import { migrate } from '../src/server/db/migrations.js';
import { hashPassword } from '../src/server/services/auth.js';
import { tokenHash } from '../src/server/services/auth.js';

export const BENCH_PASSWORD = 'bench-password-1';

export type SeedSpec = {
  /** Active chats, each between its own portal user and its own tech (board "Chat"). */
  chats: number;
  /** Available techs with access to board "Alerts" (all companies); none of them is in a chat. */
  alertTechs: number;
  /** Portal users in all; the first `chats` of them are the requesters of the active chats. */
  portalUsers: number;
};

export type Seeded = {
  boards: { chat: number; alert: number };
  companyId: number;
  /** Per active chat: its id, the requester's and the tech's session cookies. */
  chats: { chatId: number; portalId: number; techId: number; portalCookie: string; techCookie: string }[];
  alertTechCookies: string[];
  /** Portal users without a chat, with their cookies (for requests and idle connections). */
  idlePortal: { id: number; cookie: string }[];
  /** Every portal user's cookie, in id order. */
  allPortalCookies: string[];
};

export async function seed(dataDir: string, spec: SeedSpec): Promise<Seeded> {
  const handle = openDatabase({ dataDir });
  await migrate(handle.db, handle.dialect);
  await handle.close();

  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const db = openSqlite(path.join(dataDir, 'helpdesk.sqlite'));
  db.exec('pragma journal_mode = WAL');
  const now = Date.now();
  const expires = now + 24 * 3600 * 1000;
  const run = `${process.pid}${crypto.randomBytes(6).toString('hex')}`;
  const token = (kind: string, id: number) => `bench-${kind}-${id}-${run}`;

  const out: Seeded = { boards: { chat: 0, alert: 0 }, companyId: 0, chats: [], alertTechCookies: [], idlePortal: [], allPortalCookies: [] };
  db.transaction(() => {
    const board = db.prepare('insert into boards (name, created_at) values (?, ?)');
    out.boards.chat = Number(board.run(['Chat', now]).lastInsertRowid);
    out.boards.alert = Number(board.run(['Alerts', now]).lastInsertRowid);
    out.companyId = Number(db.prepare('insert into companies (name, created_at) values (?, ?)').run(['Bench Co', now]).lastInsertRowid);
    const cb = db.prepare('insert into company_boards (company_id, board_id) values (?, ?)');
    cb.run([out.companyId, out.boards.chat]);
    cb.run([out.companyId, out.boards.alert]);

    const tech = db.prepare(
      "insert into techs (email, name, password_hash, role, available, all_companies, active, created_at) values (?, ?, ?, 'tech', 1, ?, 1, ?)",
    );
    const techBoard = db.prepare('insert into tech_boards (tech_id, board_id) values (?, ?)');
    const techCompany = db.prepare('insert into tech_companies (tech_id, company_id) values (?, ?)');
    const user = db.prepare('insert into portal_users (company_id, email, name, phone, password_hash, active, created_at) values (?, ?, ?, null, ?, 1, ?)');
    const session = db.prepare('insert into sessions (token_hash, user_kind, user_id, created_at, expires_at) values (?, ?, ?, ?, ?)');
    const chat = db.prepare(
      `insert into chats (source, board_id, company_id, requester_id, subject, status, open_key, tech_id, last_seq, requested_at, joined_at, alert_stage, offer_count)
       values ('new_request', ?, ?, ?, ?, 'active', ?, ?, 0, ?, ?, 'all', 0)`,
    );
    const transition = db.prepare('insert into transitions (chat_id, event, from_status, to_status, actor_kind, actor_id, at) values (?, ?, ?, ?, ?, ?, ?)');

    const portalIds: number[] = [];
    for (let i = 1; i <= spec.portalUsers; i++) {
      const id = Number(user.run([out.companyId, `user${i}@bench.local`, `Bench User ${i}`, passwordHash, now]).lastInsertRowid);
      const t = token('p', id);
      session.run([tokenHash(t), 'portal', id, now, expires]);
      portalIds.push(id);
      out.allPortalCookies.push(`hd_portal=${t}`);
    }
    for (let i = 0; i < spec.chats; i++) {
      const techId = Number(tech.run([`chattech${i + 1}@bench.local`, `Chat Tech ${i + 1}`, passwordHash, 0, now]).lastInsertRowid);
      techBoard.run([techId, out.boards.chat]);
      techCompany.run([techId, out.companyId]);
      const tt = token('t', techId);
      session.run([tokenHash(tt), 'tech', techId, now, expires]);
      const portalId = portalIds[i];
      const chatId = Number(
        chat.run([out.boards.chat, out.companyId, portalId, `Bench chat ${i + 1}`, `u:${portalId}`, techId, now - 1000, now]).lastInsertRowid,
      );
      transition.run([chatId, 'request', null, 'waiting', 'portal', portalId, now - 1000]);
      transition.run([chatId, 'join', 'waiting', 'active', 'tech', techId, now]);
      out.chats.push({ chatId, portalId, techId, portalCookie: out.allPortalCookies[i], techCookie: `hd_tech=${tt}` });
    }
    for (let i = 0; i < spec.alertTechs; i++) {
      const techId = Number(tech.run([`alerttech${i + 1}@bench.local`, `Alert Tech ${i + 1}`, passwordHash, 1, now]).lastInsertRowid);
      techBoard.run([techId, out.boards.alert]);
      const tt = token('t', techId);
      session.run([tokenHash(tt), 'tech', techId, now, expires]);
      out.alertTechCookies.push(`hd_tech=${tt}`);
    }
    for (let i = spec.chats; i < portalIds.length; i++) out.idlePortal.push({ id: portalIds[i], cookie: out.allPortalCookies[i] });
  });
  db.exec('pragma wal_checkpoint(TRUNCATE)');
  db.close();
  return out;
}
