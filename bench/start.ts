/**
 * Start and idle (issue 15, item 5): how long the production build (`node <options>
 * dist/server/main.js`, as docs/deploy.md runs it) takes from spawn to `/api/ready` and to
 * `/api/health`, the median of several starts, on an empty SQLite database and on one holding a
 * million messages in completed chats; and its resident memory once started, idle, with no
 * connection. The started process must be the whole server: no wrapper, no child process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { openSqlite } from '../src/server/db/sqlite-driver.js';
import { openDatabase, sqliteFile } from '../src/server/db/database.js';
import { migrate } from '../src/server/db/migrations.js';
import { freshDataDir, nowMs, PRODUCT_SERVER, productServerLaunch, ROOT, rssMb, sleep } from './lib.js';

export const START_TARGET = { readyMs: 1000, idleRssMb: 120 };
const CHATS = 20_000;
const PER_CHAT = 50;

/** A data directory whose database holds `chats` completed chats of `perChat` messages each (set-based SQL, same rows every time). */
export async function seedCompletedChats(dataDir: string, chats: number, perChat: number) {
  const handle = openDatabase({ dataDir });
  await migrate(handle.db, handle.dialect);
  await handle.close();
  const db = openSqlite(sqliteFile(dataDir));
  const t0 = 1_767_225_600_000; // 2026-01-01
  db.exec('begin');
  db.exec(`insert into companies (id, name, created_at) values (1, 'Bench Co', ${t0});
    insert into boards (id, name, created_at) values (1, 'Bench board', ${t0});
    insert into company_boards values (1, 1);
    insert into techs (id, email, name, password_hash, role, all_companies, created_at) values (1, 'tech@bench.test', 'Bench Tech', 'x', 'admin', 1, ${t0});
    insert into portal_users (id, company_id, email, name, password_hash, created_at) values (1, 1, 'user@bench.test', 'Bench User', 'x', ${t0});
    update setup_state set completed_at = ${t0}, completed_by = 'bench';`);
  db.exec(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${chats})
    insert into chats (id, source, board_id, company_id, requester_id, subject, status, tech_id, outcome, last_seq, requested_at, joined_at, ended_at, completed_at, completed_by, alert_stage)
    select i, 'new_request', 1, 1, 1, 'Printer ' || i, 'completed', 1, 'ended', ${perChat}, ${t0} + i * 600000, ${t0} + i * 600000 + 30000,
      ${t0} + i * 600000 + 300000, ${t0} + i * 600000 + 310000, 1, 'all' from n`);
  db.exec(`with recursive n(i) as (select 0 union all select i + 1 from n where i < ${chats * perChat - 1})
    insert into messages (chat_id, seq, author_kind, author_id, body, created_at)
    select i / ${perChat} + 1, i % ${perChat} + 1, case when i % 2 = 0 then 'portal' else 'tech' end, 1,
      'message ' || i || ': the printer on floor ' || (i % 7) || ' shows error ' || (i % 97), ${t0} + (i / ${perChat} + 1) * 600000 + 30000 + (i % ${perChat}) * 5000 from n`);
  db.exec('commit');
  const count = (db.prepare('select count(*) as n from messages').get() as { n: number }).n;
  db.close();
  return count;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Child processes of `pid` (Linux). */
function childrenOf(pid: number): number[] {
  const dir = `/proc/${pid}/task`;
  return fs
    .readdirSync(dir)
    .flatMap((t) =>
      fs
        .readFileSync(path.join(dir, t, 'children'), 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean),
    )
    .map(Number);
}

async function firstOk(url: string, deadline: number): Promise<number> {
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return nowMs();
    } catch {
      // not listening yet
    }
    if (nowMs() > deadline) throw new Error(`${url} did not answer in time`);
    await sleep(2);
  }
}

/** One start: spawn to ready and to health, and the RSS after `idleS` seconds with no connection. */
async function oneStart(dataDir: string, idleS: number) {
  const port = await freePort();
  const { nodeArgs, env } = productServerLaunch(dataDir, { PORT: String(port) });
  const t0 = nowMs();
  const proc = spawn(process.execPath, [...nodeArgs, PRODUCT_SERVER], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  try {
    const base = `http://127.0.0.1:${port}`;
    const [health, ready] = await Promise.all([firstOk(`${base}/api/health`, t0 + 30000), firstOk(`${base}/api/ready`, t0 + 30000)]);
    await sleep(idleS * 1000);
    const rss = rssMb(proc.pid!);
    const children = childrenOf(proc.pid!);
    return { healthMs: Math.round(health - t0), readyMs: Math.round(ready - t0), idleRssMb: rss, childProcesses: children.length };
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${err}`);
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function startAndIdle(scale: { startRuns?: number; startMessages?: number } = {}) {
  const runs = scale.startRuns ?? 5;
  const idleS = 3;
  const empty = freshDataDir('start-empty');
  const big = freshDataDir('start-million');
  const chats = Math.max(1, Math.round((scale.startMessages ?? CHATS * PER_CHAT) / PER_CHAT));
  const s0 = nowMs();
  const messages = await seedCompletedChats(big, chats, PER_CHAT);
  const seedS = Math.round((nowMs() - s0) / 100) / 10;
  const databases: Record<string, unknown> = {};
  let worstReady = 0;
  let worstRss = 0;
  let wrappers = 0;
  for (const [name, dir] of [
    ['empty', empty],
    ['messages', big],
  ] as const) {
    const starts = [];
    for (let i = 0; i < runs; i++) starts.push(await oneStart(dir, idleS));
    const summary = {
      readyMsMedian: median(starts.map((s) => s.readyMs)),
      healthMsMedian: median(starts.map((s) => s.healthMs)),
      readyMsMax: Math.max(...starts.map((s) => s.readyMs)),
      idleRssMbMedian: median(starts.map((s) => s.idleRssMb)),
      starts,
    };
    worstReady = Math.max(worstReady, summary.readyMsMedian);
    worstRss = Math.max(worstRss, summary.idleRssMbMedian);
    wrappers += starts.reduce((a, s) => a + s.childProcesses, 0);
    databases[name] = name === 'messages' ? { messages, seedS, ...summary } : summary;
  }
  for (const dir of [empty, big]) fs.rmSync(dir, { recursive: true, force: true });
  return {
    target: `start to /api/ready <= ${START_TARGET.readyMs} ms (median) on an empty and a ${messages.toLocaleString('en')}-message SQLite database; idle RSS <= ${START_TARGET.idleRssMb} MB; one process`,
    command: `node ${productServerLaunch(empty).nodeArgs.join(' ')} ${PRODUCT_SERVER}`,
    idleAfterS: idleS,
    readyMsMedianWorst: worstReady,
    idleRssMbMedianWorst: worstRss,
    childProcesses: wrappers,
    met: worstReady <= START_TARGET.readyMs && worstRss <= START_TARGET.idleRssMb && wrappers === 0,
    databases,
  };
}
