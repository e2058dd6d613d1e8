/**
 * Issue 16 item 4: reports over 1,000,000 completed chats, on SQLite and on PostgreSQL.
 *
 * Seeds 1,000,000 completed chats of the year 2025 with their `chat_metrics` rows, reproducibly
 * (a seeded PRNG): more on weekdays and in the afternoon (UTC), 200 companies of Zipf-shaped size,
 * 8 boards, 60 techs, outcomes 86% answered / 9% abandoned / 5% callback, log-normal durations.
 * Chats and measures are written straight into the database (set-based, in chunks), as a
 * migrated server would have them. Then, against the real server over HTTP, one request at a time:
 * every kind of report query (summary with medians and with averages, business hours, volume by
 * day and hour in New York, distributions, per tech, per company, drill-down pages, with and
 * without filters, as an admin and as a one-company tech with the grant): p50 and p95 per kind;
 * chat while the longest reports run: four live chats whose eight sides each send a message every
 * 400 ms (a message every 50 ms in all; one user may send 5 a second), message delivery p50/p99
 * quiet, then while an admin asks
 * for the year's median summary and per-tech table back to back, then quiet again;
 * and the full CSV export of the year (every chat): its time, first byte, and the server's peak
 * RSS sampled every 50 ms while it streams.
 *
 * The seeded data is kept between runs (it takes minutes): SQLite in BENCH_REPORTS_DIR (default
 * <tmp>/helpdesk-bench-reports-<N>), PostgreSQL in the database bench_reports_<N>; a run reuses
 * them when they hold the N chats. BENCH_REPORTS_DROP=1 removes them at the end. BENCH_REPORTS_DB
 * (sqlite | postgres) runs one database; BENCH_REPORTS_RUNS sets the timed runs per kind (default
 * 9, after one warm-up; a kind stops after 15 s with two runs at least, BENCH_REPORTS_KIND_BUDGET_MS).
 *
 * Target: every kind's p95 <= 1 s; the export of every chat in < 60 s with flat server memory;
 * chat delivery p99 while reports run <= 1.5x quiet (the product must never stall chat).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/server/db/database.js';
import { migrate } from '../src/server/db/migrations.js';
import { openSqlite, type SqliteConnection } from '../src/server/db/sqlite-driver.js';
import { tokenHash } from '../src/server/services/auth.js';
import { connectProduct, runOpenLoop } from './chat-load.js';
import { closeAll, contention, nowMs, percentiles, rssMb, sleep, spawnProductServer } from './lib.js';
import type { Seeded } from './seed.js';

const QUICK = process.env.BENCH_QUICK === '1';
const CHATS = QUICK ? 20_000 : 1_000_000;
const RUNS = Number(process.env.BENCH_REPORTS_RUNS ?? (QUICK ? 3 : 9));
const ONLY = process.env.BENCH_REPORTS_DB;
const DROP = process.env.BENCH_REPORTS_DROP === '1';
const COMPANIES = 200;
const BOARDS = 8;
const TECHS = 60;
const USERS_PER_COMPANY = 10;
const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const P95_TARGET_MS = 1000;
const KIND_BUDGET_MS = Number(process.env.BENCH_REPORTS_KIND_BUDGET_MS ?? 15_000);
const EXPORT_TARGET_S = 60;
/** Chat while reports run: four live chats, 20 messages/s in all (each side every 400 ms, under the 5/s a user may send). */
const LIVE = QUICK ? { chats: 4, rate: 20, warmupS: 1, measureS: 4 } : { chats: 4, rate: 20, warmupS: 2, measureS: 15 };
const CHAT_RATIO_TARGET = 1.5;
const PG_SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_NAME = `bench_reports_${CHATS}`;
const SQLITE_DIR = process.env.BENCH_REPORTS_DIR ?? path.join(os.tmpdir(), `helpdesk-bench-reports-${CHATS}`);

/** mulberry32: a small seeded PRNG, so every run seeds the same chats. */
function prng(seedValue: number) {
  let a = seedValue >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Columns of the seeded chats, index i is chat id i + 1 (ids follow request time). */
type Corpus = {
  n: number;
  requestedAt: Float64Array;
  company: Int32Array;
  board: Int32Array;
  tech: Int32Array;
  user: Int32Array;
  /** 0 answered, 1 abandoned, 2 callback */
  outcome: Int8Array;
  join: Float64Array;
  firstResponse: Float64Array;
  handle: Float64Array;
  abandonWait: Float64Array;
  business: Float64Array;
  messages: Int32Array;
  transfers: Int8Array;
  rating: Int8Array;
  callbackDone: Int8Array;
};

export function corpus(n: number): Corpus {
  const rnd = prng(16_004);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const logNormal = (median: number, sigma: number) => Math.round(median * Math.exp(sigma * normal()));
  // Zipf-shaped company sizes.
  const cum = new Float64Array(COMPANIES);
  let total = 0;
  for (let i = 0; i < COMPANIES; i++) cum[i] = total += 1 / (i + 1) ** 0.9;
  const company = () => {
    const x = rnd() * total;
    let lo = 0;
    let hi = COMPANIES - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Request times: weekdays 4x weekends, afternoons (UTC 13-21) 5x nights.
  const times = new Float64Array(n);
  for (let i = 0; i < n; ) {
    const t = START + Math.floor(rnd() * 365 * DAY);
    const d = new Date(t);
    const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
    const h = d.getUTCHours();
    const w = (weekend ? 0.25 : 1) * (h >= 13 && h < 21 ? 1 : 0.2);
    if (rnd() < w) times[i++] = t;
  }
  times.sort();
  const c: Corpus = {
    n,
    requestedAt: times,
    company: new Int32Array(n),
    board: new Int32Array(n),
    tech: new Int32Array(n),
    user: new Int32Array(n),
    outcome: new Int8Array(n),
    join: new Float64Array(n),
    firstResponse: new Float64Array(n),
    handle: new Float64Array(n),
    abandonWait: new Float64Array(n),
    business: new Float64Array(n),
    messages: new Int32Array(n),
    transfers: new Int8Array(n),
    rating: new Int8Array(n),
    callbackDone: new Int8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const co = company();
    c.company[i] = co;
    c.board[i] = (co + (rnd() < 0.7 ? 0 : 1 + Math.floor(rnd() * 3))) % BOARDS;
    c.tech[i] = Math.floor(rnd() ** 1.3 * TECHS);
    c.user[i] = Math.floor(rnd() * USERS_PER_COMPANY);
    const r = rnd();
    c.outcome[i] = r < 0.86 ? 0 : r < 0.95 ? 1 : 2;
    c.join[i] = Math.max(1000, logNormal(45_000, 1.1));
    c.firstResponse[i] = Math.max(500, logNormal(20_000, 0.9));
    c.handle[i] = Math.max(30_000, logNormal(9 * 60_000, 0.8));
    c.abandonWait[i] = Math.max(1000, logNormal(120_000, 1));
    const h = new Date(times[i]).getUTCHours();
    // Business share: whole inside the afternoon's office hours, part of it otherwise.
    c.business[i] = h >= 13 && h < 21 ? 1 : Math.floor(rnd() * 4) / 4;
    c.messages[i] = 2 + Math.floor(-Math.log(1 - rnd()) * 8);
    c.transfers[i] = rnd() < 0.06 ? 1 + (rnd() < 0.2 ? 1 : 0) : 0;
    const rated = rnd() < 0.3;
    const s = rnd();
    c.rating[i] = rated ? (s < 0.05 ? 1 : s < 0.1 ? 2 : s < 0.2 ? 3 : s < 0.45 ? 4 : 5) : 0;
    c.callbackDone[i] = rnd() < 0.9 ? 1 : 0;
  }
  return c;
}

const DISPOSITIONS = ['answered', 'abandoned', 'callback'] as const;

/** The chats row and the chat_metrics row of chat i, as column values (ids are i + 1). */
function rowsOf(c: Corpus, i: number, companyIds: number[], boardIds: number[], techIds: number[], userIds: number[][]) {
  const at = c.requestedAt[i];
  const o = c.outcome[i];
  const answered = o === 0;
  const joined = answered ? at + c.join[i] : null;
  const ended = joined === null ? null : joined + c.handle[i];
  const abandoned = o === 1 ? at + c.abandonWait[i] : null;
  const callback = o === 2 ? at + 60_000 : null;
  const completed = ended ?? abandoned ?? (callback === null ? at : callback + 3_600_000);
  const bh = (v: number) => Math.floor(v * c.business[i]);
  const tech = answered ? techIds[c.tech[i]] : null;
  const chat = [
    i + 1,
    boardIds[c.board[i]],
    companyIds[c.company[i]],
    userIds[c.company[i]][c.user[i]],
    `Request ${i + 1}: ${['printer', 'vpn', 'mail', 'laptop', 'password', 'phone'][i % 6]}`,
    tech,
    answered ? 'ended' : null,
    at,
    joined,
    ended,
    abandoned,
    callback,
    completed,
    c.rating[i] || null,
  ];
  const metrics = [
    i + 1,
    at,
    companyIds[c.company[i]],
    boardIds[c.board[i]],
    tech,
    DISPOSITIONS[o],
    at,
    joined,
    answered ? c.join[i] : null,
    answered ? bh(c.join[i]) : null,
    answered ? joined! + c.firstResponse[i] : null,
    answered ? c.firstResponse[i] : null,
    answered ? bh(c.firstResponse[i]) : null,
    ended,
    answered ? c.handle[i] : null,
    answered ? bh(c.handle[i]) : null,
    abandoned,
    o === 1 ? c.abandonWait[i] : null,
    o === 1 ? bh(c.abandonWait[i]) : null,
    callback,
    o === 2 && c.callbackDone[i] ? completed : null,
    completed,
    c.messages[i],
    answered ? c.transfers[i] : 0,
    answered ? c.rating[i] || null : null,
  ];
  return { chat, metrics };
}

const CHAT_COLUMNS =
  'id, board_id, company_id, requester_id, subject, tech_id, outcome, requested_at, joined_at, ended_at, abandoned_at, callback_at, completed_at, rating';
const METRIC_COLUMNS =
  'chat_id, requested_at, company_id, board_id, tech_id, disposition, queued_at, first_joined_at, join_ms, join_bh_ms, first_response_at, first_response_ms, first_response_bh_ms, ended_at, handle_ms, handle_bh_ms, abandoned_at, abandon_wait_ms, abandon_wait_bh_ms, callback_at, callback_completed_at, completed_at, messages, transfers, rating';
const METRIC_TYPES = [
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'text',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'int',
  'int',
  'int',
];
const CHAT_TYPES = ['bigint', 'bigint', 'bigint', 'bigint', 'text', 'bigint', 'text', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'int'];

type Actors = { admin: string; oneCompany: string; companyIds: number[]; boardIds: number[]; techIds: number[] };

const token = (name: string) => `bench-reports-${name}-${crypto.randomBytes(9).toString('hex')}`;
const PASSWORD_HASH = 'not-a-real-hash: the bench signs in with seeded sessions';

/** The people: companies, boards, techs, requesters (ids 1.. in order, as the database is fresh). */
function people() {
  const companyIds = Array.from({ length: COMPANIES }, (_, k) => k + 1);
  const boardIds = Array.from({ length: BOARDS }, (_, b) => b + 1);
  const techIds = Array.from({ length: TECHS }, (_, t) => t + 1);
  const userIds = companyIds.map((_, k) => Array.from({ length: USERS_PER_COMPANY }, (_, u) => k * USERS_PER_COMPANY + u + 1));
  return { companyIds, boardIds, techIds, userIds };
}

function seedSqlite(db: SqliteConnection, c: Corpus) {
  const { companyIds, boardIds, techIds, userIds } = people();
  const now = Date.now();
  db.transaction(() => {
    for (const id of companyIds) db.prepare('insert into companies (id, name, created_at) values (?, ?, ?)').run([id, `Company ${id}`, now]);
    for (const id of boardIds) db.prepare('insert into boards (id, name, created_at) values (?, ?, ?)').run([id, `Board ${id}`, now]);
    for (const k of companyIds) for (const b of boardIds) db.prepare('insert into company_boards (company_id, board_id) values (?, ?)').run([k, b]);
    for (const id of techIds)
      db.prepare(
        'insert into techs (id, email, name, password_hash, role, available, all_companies, active, created_at) values (?, ?, ?, ?, ?, 0, 1, 1, ?)',
      ).run([id, `rtech${id}@bench.local`, `Tech ${String(id).padStart(2, '0')}`, PASSWORD_HASH, 'tech', now]);
    const user = db.prepare('insert into portal_users (id, company_id, email, name, password_hash, active, created_at) values (?, ?, ?, ?, ?, 1, ?)');
    companyIds.forEach((co, k) => {
      for (const id of userIds[k]) user.run([id, co, `r${id}@bench.local`, `User ${id}`, PASSWORD_HASH, now]);
    });
    const ROWS = 200;
    const chatSql = (k: number) =>
      `insert into chats (${CHAT_COLUMNS}, source, status, last_seq, alert_stage, offer_count) values ${Array.from({ length: k }, () => `(${CHAT_TYPES.map(() => '?').join(', ')}, 'new_request', 'completed', 0, 'all', 0)`).join(', ')}`;
    const metricSql = (k: number) =>
      `insert into chat_metrics (${METRIC_COLUMNS}) values ${Array.from({ length: k }, () => `(${METRIC_TYPES.map(() => '?').join(', ')})`).join(', ')}`;
    const chatMany = db.prepare(chatSql(ROWS));
    const metricMany = db.prepare(metricSql(ROWS));
    for (let from = 0; from < c.n; from += ROWS) {
      const k = Math.min(ROWS, c.n - from);
      const chats: unknown[] = [];
      const metrics: unknown[] = [];
      for (let i = from; i < from + k; i++) {
        const r = rowsOf(c, i, companyIds, boardIds, techIds, userIds);
        chats.push(...r.chat);
        metrics.push(...r.metrics);
      }
      (k === ROWS ? chatMany : db.prepare(chatSql(k))).run(chats);
      (k === ROWS ? metricMany : db.prepare(metricSql(k))).run(metrics);
    }
  });
}

async function seedPostgres(client: pg.Client, c: Corpus) {
  const { companyIds, boardIds, techIds, userIds } = people();
  const now = Date.now();
  const q = (text: string, params: unknown[] = []) => client.query(text, params);
  await q('begin');
  await q('insert into companies (id, name, created_at) select i, $2 || i, $3 from unnest($1::bigint[]) i', [companyIds, 'Company ', now]);
  await q('insert into boards (id, name, created_at) select i, $2 || i, $3 from unnest($1::bigint[]) i', [boardIds, 'Board ', now]);
  await q('insert into company_boards (company_id, board_id) select k, b from unnest($1::bigint[]) k, unnest($2::bigint[]) b', [companyIds, boardIds]);
  await q(
    `insert into techs (id, email, name, password_hash, role, available, all_companies, active, created_at)
     select i, 'rtech' || i || '@bench.local', 'Tech ' || lpad(i::text, 2, '0'), $2, 'tech', 0, 1, 1, $3 from unnest($1::bigint[]) i`,
    [techIds, PASSWORD_HASH, now],
  );
  await q(
    `insert into portal_users (id, company_id, email, name, password_hash, active, created_at)
     select i, co, 'r' || i || '@bench.local', 'User ' || i, $3, 1, $4 from unnest($1::bigint[], $2::bigint[]) x(i, co)`,
    [userIds.flat(), userIds.flatMap((us, k) => us.map(() => companyIds[k])), PASSWORD_HASH, now],
  );
  const CHUNK = 20_000;
  for (let from = 0; from < c.n; from += CHUNK) {
    const k = Math.min(CHUNK, c.n - from);
    const chatCols: unknown[][] = CHAT_TYPES.map(() => []);
    const metricCols: unknown[][] = METRIC_TYPES.map(() => []);
    for (let i = from; i < from + k; i++) {
      const r = rowsOf(c, i, companyIds, boardIds, techIds, userIds);
      r.chat.forEach((v, j) => {
        chatCols[j].push(v);
      });
      r.metrics.forEach((v, j) => {
        metricCols[j].push(v);
      });
    }
    const args = (types: string[]) => types.map((t, j) => `$${j + 1}::${t}[]`).join(', ');
    await q(
      `insert into chats (${CHAT_COLUMNS}, source, status, last_seq, alert_stage, offer_count) select *, 'new_request', 'completed', 0, 'all', 0 from unnest(${args(CHAT_TYPES)})`,
      chatCols,
    );
    await q(`insert into chat_metrics (${METRIC_COLUMNS}) select * from unnest(${args(METRIC_TYPES)})`, metricCols);
  }
  for (const t of ['companies', 'boards', 'techs', 'portal_users', 'chats'])
    await q(`select setval(pg_get_serial_sequence('${t}', 'id'), (select max(id) from ${t}))`);
  await q('commit');
  // As autovacuum leaves a table whose rows were written long ago: analysed, its visibility map set
  // (index-only scans read no table pages).
  await q('vacuum analyze');
}

/** Two techs to run the reports as, with fresh sessions (added on every run). */
async function actorsOn(exec: (text: string, params: unknown[]) => Promise<unknown>, dialect: 'sqlite' | 'postgres'): Promise<Actors> {
  const { companyIds, boardIds, techIds } = people();
  const now = Date.now();
  const p = (i: number) => (dialect === 'postgres' ? `$${i}` : '?');
  const cookies: string[] = [];
  for (const [name, role, all] of [
    ['reports-admin', 'admin', 1],
    ['reports-one-company', 'tech', 0],
  ] as const) {
    const id = 1000 + cookies.length;
    await exec(`delete from sessions where user_id = ${p(1)} and user_kind = 'tech'`, [id]);
    await exec(
      `insert into techs (id, email, name, password_hash, role, available, all_companies, active, created_at, may_see_reports) values (${[1, 2, 3, 4, 5].map(p).join(', ')}, 0, ${p(6)}, 1, ${p(7)}, 1) on conflict (id) do nothing`,
      [id, `${name}@bench.local`, name, PASSWORD_HASH, role, all, now],
    );
    if (!all) {
      await exec(`insert into tech_companies (tech_id, company_id) values (${p(1)}, ${p(2)}) on conflict do nothing`, [id, companyIds[0]]);
      for (const b of boardIds) await exec(`insert into tech_boards (tech_id, board_id) values (${p(1)}, ${p(2)}) on conflict do nothing`, [id, b]);
    }
    const t = token(name);
    await exec(`insert into sessions (token_hash, user_kind, user_id, created_at, expires_at) values (${p(1)}, 'tech', ${p(2)}, ${p(3)}, ${p(4)})`, [
      tokenHash(t),
      id,
      now,
      now + DAY,
    ]);
    cookies.push(`hd_tech=${t}`);
  }
  return { admin: cookies[0], oneCompany: cookies[1], companyIds, boardIds, techIds };
}

/**
 * Live chats for this run: each between a new requester and a new tech (board 1, company 1),
 * active, with their sessions, as bench/seed.ts makes them. They have no report rows, so the
 * reports and their counts are the same on every run.
 */
async function liveChatsOn(query: (text: string, params: unknown[]) => Promise<{ id: unknown }[]>, dialect: 'sqlite' | 'postgres'): Promise<Seeded> {
  const chats: Seeded['chats'] = [];
  for (let i = 0; i < LIVE.chats; i++) chats.push(await liveChatOn(query, dialect));
  return { boards: { chat: 1, alert: 1 }, companyId: 1, chats, alertTechCookies: [], idlePortal: [], allPortalCookies: chats.map((c) => c.portalCookie) };
}

async function liveChatOn(
  query: (text: string, params: unknown[]) => Promise<{ id: unknown }[]>,
  dialect: 'sqlite' | 'postgres',
): Promise<Seeded['chats'][number]> {
  const now = Date.now();
  const p = (i: number) => (dialect === 'postgres' ? `$${i}` : '?');
  const v = (n: number) => Array.from({ length: n }, (_, i) => p(i + 1)).join(', ');
  const run = crypto.randomBytes(6).toString('hex');
  const [{ id: portalId }] = await query(
    `insert into portal_users (company_id, email, name, password_hash, active, created_at) values (${v(4)}, 1, ${p(5)}) returning id`,
    [1, `live-${run}@bench.local`, `Live ${run}`, PASSWORD_HASH, now],
  );
  const [{ id: techId }] = await query(
    `insert into techs (email, name, password_hash, role, available, all_companies, active, created_at) values (${v(3)}, 'tech', 1, 0, 1, ${p(4)}) returning id`,
    [`live-${run}@bench.local`, `Live tech ${run}`, PASSWORD_HASH, now],
  );
  await query(`insert into tech_boards (tech_id, board_id) values (${v(2)}) returning tech_id as id`, [techId, 1]);
  await query(`insert into tech_companies (tech_id, company_id) values (${v(2)}) returning tech_id as id`, [techId, 1]);
  const [{ id: chatId }] = await query(
    `insert into chats (source, board_id, company_id, requester_id, subject, status, open_key, tech_id, last_seq, requested_at, joined_at, alert_stage, offer_count)
     values ('new_request', ${v(4)}, 'active', ${p(5)}, ${p(6)}, 0, ${p(7)}, ${p(8)}, 'all', 0) returning id`,
    [1, 1, portalId, `Live chat ${run}`, `u:${portalId}`, techId, now - 1000, now],
  );
  const transition = `insert into transitions (chat_id, event, from_status, to_status, actor_kind, actor_id, at) values (${v(7)}) returning chat_id as id`;
  await query(transition, [chatId, 'request', null, 'waiting', 'portal', portalId, now - 1000]);
  await query(transition, [chatId, 'join', 'waiting', 'active', 'tech', techId, now]);
  const cookie = async (kind: 'portal' | 'tech', id: unknown) => {
    const t = token(`live-${kind}`);
    await query(`insert into sessions (token_hash, user_kind, user_id, created_at, expires_at) values (${v(5)}) returning user_id as id`, [
      tokenHash(t),
      kind,
      id,
      now,
      now + DAY,
    ]);
    return `hd_${kind}=${t}`;
  };
  return {
    chatId: Number(chatId),
    portalId: Number(portalId),
    techId: Number(techId),
    portalCookie: await cookie('portal', portalId),
    techCookie: await cookie('tech', techId),
  };
}

/** The longest reports (the year's median summary, the per-tech table), one after another until stopped. */
function reportsBackToBack(url: string, a: Actors) {
  const longest = kinds(a).filter((k) => k.kind === 'summary, median' || k.kind === 'per tech');
  let stopped = false;
  let done = 0;
  let failed = 0;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      try {
        await report(url, a.admin, longest[i % longest.length]);
        done++;
      } catch {
        failed++;
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { reports: done, failed };
    },
  };
}

const latency = (r: Awaited<ReturnType<typeof runOpenLoop>>) => {
  const l = r.latencyMs;
  return {
    count: l.count,
    p50: Math.round(l.p50 * 10) / 10,
    p99: Math.round(l.p99 * 10) / 10,
    max: Math.round(l.max * 10) / 10,
    // Where the tail came from: each second's p99, and sends that failed.
    p99PerSecond: r.p99PerSecondMs.map((x) => Math.round(x)),
    notDelivered: r.notDeliveredAfterDrain,
    ackErrors: r.ackErrors,
    disconnects: r.disconnects,
  };
};

/** Message delivery on a live chat: quiet, while the longest reports run back to back, quiet again. */
async function chatDuringReports(url: string, pid: number, a: Actors, live: Seeded) {
  const target = await connectProduct(url, live, LIVE.chats);
  const opts = { rate: LIVE.rate, warmupS: LIVE.warmupS, measureS: LIVE.measureS, drainS: 2, serverPid: pid };
  try {
    const quiet = await runOpenLoop(target, opts);
    await sleep(300);
    const running = reportsBackToBack(url, a);
    // The first report is under way before the window opens (warm-up).
    const busy = await runOpenLoop(target, opts);
    const reports = await running.stop();
    await sleep(300);
    const quietAgain = await runOpenLoop(target, opts);
    const quietP99 = Math.max(quiet.latencyMs.p99, quietAgain.latencyMs.p99);
    const ratio = Math.round((busy.latencyMs.p99 / quietP99) * 100) / 100;
    const notDelivered = quiet.notDeliveredAfterDrain + busy.notDeliveredAfterDrain + quietAgain.notDeliveredAfterDrain;
    return {
      liveChats: LIVE.chats,
      messagesPerS: LIVE.rate,
      quietMs: latency(quiet),
      duringReportsMs: latency(busy),
      quietAgainMs: latency(quietAgain),
      reportsWhileMeasuring: reports,
      p99Ratio: ratio,
      notDelivered,
      serverCoresDuringReports: busy.cpuDuringWindow,
      met: ratio <= CHAT_RATIO_TARGET && notDelivered === 0,
    };
  } finally {
    closeAll(target.sockets);
  }
}

type Kind = { kind: string; as: 'admin' | 'oneCompany'; path: string; params: Record<string, string | number> };

const YEAR = { from: '2025-01-01', to: '2025-12-31' };
const MONTH = { from: '2025-06-01', to: '2025-06-30' };
const NY = 'America/New_York';

function kinds(a: Actors): Kind[] {
  const filters = { companies: a.companyIds.slice(0, 3).join(','), boards: a.boardIds.slice(0, 2).join(','), outcomes: 'answered,abandoned' };
  const admin: Omit<Kind, 'as'>[] = [
    { kind: 'summary, median', path: 'summary', params: { ...YEAR, tz: NY } },
    { kind: 'summary, average', path: 'summary', params: { ...YEAR, tz: NY, stat: 'average' } },
    { kind: 'summary, business hours', path: 'summary', params: { ...YEAR, tz: NY, hours: 'business' } },
    { kind: 'summary, 30 days', path: 'summary', params: { ...MONTH, tz: NY } },
    { kind: 'summary, filtered', path: 'summary', params: { ...YEAR, tz: NY, ...filters } },
    { kind: 'summary, one tech', path: 'summary', params: { ...YEAR, tz: NY, techs: a.techIds[5] } },
    { kind: 'volume by day and hour', path: 'volume', params: { ...YEAR, tz: NY } },
    { kind: 'volume, filtered', path: 'volume', params: { ...YEAR, tz: NY, ...filters } },
    { kind: 'distributions', path: 'distributions', params: { ...YEAR, tz: NY } },
    { kind: 'per tech', path: 'techs', params: { ...YEAR, tz: NY } },
    { kind: 'per company', path: 'companies', params: { ...YEAR, tz: NY } },
    { kind: 'per company, filtered', path: 'companies', params: { ...YEAR, tz: NY, ...filters } },
    { kind: 'drill-down page', path: 'chats', params: { ...YEAR, tz: NY, metric: 'handle' } },
    { kind: 'drill-down, bin and hour', path: 'chats', params: { ...YEAR, tz: NY, metric: 'time_to_join', bin: 4, hour: 15 } },
    { kind: 'drill-down, filtered day', path: 'chats', params: { ...YEAR, tz: NY, metric: 'abandoned', day: '2025-06-10', ...filters } },
  ];
  const tech: Omit<Kind, 'as'>[] = [
    { kind: 'tech: summary, median', path: 'summary', params: { ...YEAR, tz: NY } },
    { kind: 'tech: volume', path: 'volume', params: { ...YEAR, tz: NY } },
    { kind: 'tech: per tech', path: 'techs', params: { ...YEAR, tz: NY } },
    { kind: 'tech: drill-down page', path: 'chats', params: { ...YEAR, tz: NY, metric: 'answered' } },
  ];
  return [...admin.map((k) => ({ ...k, as: 'admin' as const })), ...tech.map((k) => ({ ...k, as: 'oneCompany' as const }))];
}

const qs = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));

async function report(url: string, cookie: string, k: Kind) {
  const r = await fetch(`${url}/api/console/reports/${k.path}?${qs(k.params)}`, { headers: { cookie } });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`${k.path} ${qs(k.params)}: ${r.status} ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}

function withP95(times: number[]) {
  const p = percentiles(times);
  const s = Float64Array.from(times).sort();
  const p95 = Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil(0.95 * s.length) - 1))] * 10) / 10;
  return { count: p.count, p50: Math.round(p.p50 * 10) / 10, p95, max: Math.round(p.max * 10) / 10 };
}

async function measureKinds(url: string, pid: number, a: Actors) {
  const byKind: Record<string, ReturnType<typeof withP95> & { requests?: number; rows?: number }> = {};
  const load = contention(pid);
  for (const k of kinds(a)) {
    const cookie = k.as === 'admin' ? a.admin : a.oneCompany;
    const first = await report(url, cookie, k);
    const times: number[] = [];
    // A slow kind (seconds each, before the work on scale) stops after KIND_BUDGET_MS, with 2 runs at least.
    const until = nowMs() + KIND_BUDGET_MS;
    for (let i = 0; i < RUNS && (i < 2 || nowMs() < until); i++) {
      const t0 = nowMs();
      await report(url, cookie, k);
      times.push(nowMs() - t0);
    }
    byKind[k.kind] = {
      ...withP95(times),
      ...(typeof first.requests === 'number' ? { requests: first.requests } : {}),
      ...(Array.isArray(first.rows) ? { rows: first.rows.length } : {}),
    };
    console.log(`  ${k.kind}: p50 ${byKind[k.kind].p50} ms, p95 ${byKind[k.kind].p95} ms`);
  }
  const slowest = Object.entries(byKind).sort((x, y) => y[1].p95 - x[1].p95)[0];
  return { byKind, maxP95Ms: slowest[1].p95, slowestKind: slowest[0], load: load() };
}

/** The CSV of every chat of the year, read as it streams; the server's RSS sampled meanwhile. */
async function measureExport(url: string, pid: number, a: Actors) {
  const rssBefore = rssMb(pid);
  let peak = rssBefore;
  const samples: number[] = [];
  const timer = setInterval(() => {
    const v = rssMb(pid);
    samples.push(v);
    peak = Math.max(peak, v);
  }, 50);
  const load = contention(pid);
  const t0 = nowMs();
  let firstByte = 0;
  let bytes = 0;
  let lines = 0;
  try {
    const r = await fetch(`${url}/api/console/reports/export.csv?${qs({ from: '2024-12-31', to: '2026-01-01', tz: 'UTC' })}`, { headers: { cookie: a.admin } });
    if (r.status !== 200 || !r.body) throw new Error(`export: ${r.status}`);
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      if (!firstByte) firstByte = nowMs() - t0;
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    }
  } finally {
    clearInterval(timer);
  }
  const totalS = (nowMs() - t0) / 1000;
  // Memory flat: the RSS at the end of the stream against a tenth of the way in.
  const tenth = samples[Math.floor(samples.length / 10)] ?? rssBefore;
  return {
    rows: lines - 1,
    megabytes: Math.round(bytes / 1e5) / 10,
    seconds: Math.round(totalS * 10) / 10,
    firstByteMs: Math.round(firstByte),
    rowsPerSecond: Math.round((lines - 1) / totalS),
    serverRssMb: { before: rssBefore, atTenth: tenth, peak, end: samples[samples.length - 1] ?? rssBefore },
    load: load(),
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function sqliteRun(c: () => Corpus) {
  const file = path.join(SQLITE_DIR, 'helpdesk.sqlite');
  let seedS: number | null = null;
  const existing = fs.existsSync(file) ? countSqlite(file) : -1;
  if (existing !== CHATS) {
    fs.rmSync(SQLITE_DIR, { recursive: true, force: true });
    const handle = openDatabase({ dataDir: SQLITE_DIR });
    await migrate(handle.db, handle.dialect);
    await handle.close();
    const s0 = nowMs();
    const db = openSqlite(file);
    db.exec('pragma journal_mode = WAL');
    seedSqlite(db, c());
    db.exec('analyze');
    db.exec('pragma wal_checkpoint(TRUNCATE)');
    db.close();
    seedS = round1((nowMs() - s0) / 1000);
    console.log(`  sqlite seeded in ${seedS} s`);
  }
  const db = openSqlite(file);
  const a = await actorsOn(async (text, params) => db.prepare(text).run(params), 'sqlite');
  const live = await liveChatsOn(async (text, params) => db.prepare(text).all(params) as { id: unknown }[], 'sqlite');
  db.close();
  const server = await spawnProductServer(SQLITE_DIR);
  try {
    const startedRss = rssMb(server.pid);
    const kindsResult = await measureKinds(server.url, server.pid, a);
    await sleep(500);
    const chat = await chatDuringReports(server.url, server.pid, a, live);
    console.log(`  chat during reports: ${JSON.stringify(chat)}`);
    await sleep(500);
    const exp = await measureExport(server.url, server.pid, a);
    return { seedS, reusedSeed: seedS === null, serverRssAtStartMb: startedRss, ...kindsResult, chat, export: exp };
  } finally {
    await server.stop();
    if (DROP) fs.rmSync(SQLITE_DIR, { recursive: true, force: true });
  }
}

function countSqlite(file: string): number {
  try {
    const db = openSqlite(file, { readonly: true });
    try {
      return Number((db.prepare('select count(*) as n from chat_metrics').get([]) as { n: number }).n);
    } finally {
      db.close();
    }
  } catch {
    return -1;
  }
}

async function postgresRun(c: () => Corpus) {
  const admin = new pg.Client({ connectionString: PG_SERVER });
  await admin.connect();
  const url = new URL(PG_SERVER);
  url.pathname = `/${PG_NAME}`;
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-bench-reports-pg-'));
  let seedS: number | null = null;
  let server: Awaited<ReturnType<typeof spawnProductServer>> | null = null;
  try {
    const exists = (await admin.query('select 1 from pg_database where datname = $1', [PG_NAME])).rows.length > 0;
    let count = -1;
    if (exists) {
      const probe = new pg.Client({ connectionString: url.toString() });
      await probe.connect();
      count = Number((await probe.query('select count(*) as n from chat_metrics').catch(() => ({ rows: [{ n: -1 }] }))).rows[0].n);
      await probe.end();
    }
    if (count !== CHATS) {
      await admin.query(`drop database if exists ${PG_NAME} with (force)`);
      await admin.query(`create database ${PG_NAME}`);
      const handle = openDatabase({ databaseUrl: url.toString(), dataDir: pgDir });
      await migrate(handle.db, handle.dialect);
      await handle.close();
      const s0 = nowMs();
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await seedPostgres(client, c());
      } finally {
        await client.end();
      }
      seedS = round1((nowMs() - s0) / 1000);
      console.log(`  postgres seeded in ${seedS} s`);
    }
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    let a: Actors;
    let live: Seeded;
    try {
      a = await actorsOn((text, params) => client.query(text, params), 'postgres');
      live = await liveChatsOn(async (text, params) => (await client.query(text, params)).rows, 'postgres');
    } finally {
      await client.end();
    }
    server = await spawnProductServer(pgDir, { DATABASE_URL: url.toString() });
    const startedRss = rssMb(server.pid);
    const kindsResult = await measureKinds(server.url, server.pid, a);
    await sleep(500);
    const chat = await chatDuringReports(server.url, server.pid, a, live);
    console.log(`  chat during reports: ${JSON.stringify(chat)}`);
    await sleep(500);
    const exp = await measureExport(server.url, server.pid, a);
    return { seedS, reusedSeed: seedS === null, serverRssAtStartMb: startedRss, ...kindsResult, chat, export: exp };
  } finally {
    await server?.stop();
    fs.rmSync(pgDir, { recursive: true, force: true });
    if (DROP) await admin.query(`drop database if exists ${PG_NAME} with (force)`);
    await admin.end();
  }
}

export async function reportsScenario() {
  let built: Corpus | null = null;
  let corpusS = 0;
  const c = () => {
    if (!built) {
      const t0 = nowMs();
      built = corpus(CHATS);
      corpusS = round1((nowMs() - t0) / 1000);
    }
    return built;
  };
  const result: Record<string, unknown> = { chats: CHATS, runsPerKind: RUNS };
  if (ONLY !== 'postgres') result.sqlite = await sqliteRun(c);
  if (ONLY !== 'sqlite') result.postgres = await postgresRun(c);
  result.corpusBuildS = corpusS;
  type Db = { maxP95Ms: number; chat: { met: boolean }; export: { seconds: number; rows: number } } | undefined;
  const dbs = [result.sqlite as Db, result.postgres as Db];
  return {
    target: `${CHATS} chats: every report query p95 <= ${P95_TARGET_MS} ms; the CSV export of every chat in < ${EXPORT_TARGET_S} s with flat memory; chat delivery p99 while reports run <= ${CHAT_RATIO_TARGET}x quiet; on SQLite and PostgreSQL`,
    met: dbs.every((d) => d && d.maxP95Ms <= P95_TARGET_MS && d.chat.met && d.export.seconds < EXPORT_TARGET_S && d.export.rows === CHATS),
    ...result,
  };
}
