/**
 * Issue 16 item 5: how soon an open wallboard shows a change. One product server (its production
 * build, SQLite), a desk of CHATS active chats and TECHS connected techs, and VIEWERS wallboards
 * open: an admin's (everything) and scoped techs' (one board and company: another computation).
 * Then CHANGES changes one after another, alternating a new request (waiting +1) and a join of the
 * oldest waiting chat (waiting -1), a random 0-400 ms apart so that some fall inside the push's
 * coalescing window. Measured per change, at the admin's wallboard: from the moment the HTTP
 * request is sent, and from its response (the change committed), to the first `wallboard` push
 * that shows it. Then BURSTS bursts of BURST requests sent at once: from the first sent to the push
 * showing them all, and how many pushes each wallboard got for the burst (the coalescing).
 * Target (SPEC Part 2, "Insight"): p95 <= 2 s.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { openSqlite } from '../src/server/db/sqlite-driver.js';
import { tokenHash } from '../src/server/services/auth.js';
import { closeAll, connectSocket, contention, freshDataDir, mapLimit, nowMs, rssMb, sleep, spawnProductServer } from './lib.js';
import { seed } from './seed.js';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZE = QUICK
  ? { chats: 50, techs: 10, viewers: 3, changes: 30, bursts: 3, burst: 10 }
  : { chats: 500, techs: 60, viewers: 9, changes: 400, bursts: 10, burst: 25 };

type Push = { at: number; waiting: number };

function percentiles95(values: number[]) {
  if (!values.length) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const s = Float64Array.from(values).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const r = (x: number) => Math.round(x * 10) / 10;
  return { count: s.length, p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(s[s.length - 1]), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

/** An admin and scoped techs allowed to open the wallboard, with sessions: plain inserts, like seed.ts. */
function addViewers(dataDir: string, seeded: Awaited<ReturnType<typeof seed>>, count: number): string[] {
  const db = openSqlite(path.join(dataDir, 'helpdesk.sqlite'));
  const now = Date.now();
  const cookies: string[] = [];
  db.transaction(() => {
    const tech = db.prepare(
      "insert into techs (email, name, password_hash, role, available, all_companies, active, created_at) values (?, ?, 'x', ?, 1, 0, 1, ?)",
    );
    const session = db.prepare('insert into sessions (token_hash, user_kind, user_id, created_at, expires_at) values (?, ?, ?, ?, ?)');
    for (let i = 0; i < count; i++) {
      const admin = i === 0;
      const id = Number(tech.run([`viewer${i}@bench.local`, `Viewer ${i}`, admin ? 'admin' : 'tech', now]).lastInsertRowid);
      if (!admin) {
        db.prepare('insert into tech_boards (tech_id, board_id) values (?, ?)').run([id, i % 2 ? seeded.boards.alert : seeded.boards.chat]);
        db.prepare('insert into tech_companies (tech_id, company_id) values (?, ?)').run([id, seeded.companyId]);
        db.prepare('insert into wallboard_viewers (tech_id) values (?)').run([id]);
      }
      const t = `bench-viewer-${id}-${crypto.randomBytes(6).toString('hex')}`;
      session.run([tokenHash(t), 'tech', id, now, now + 24 * 3600 * 1000]);
      cookies.push(`hd_tech=${t}`);
    }
  });
  db.close();
  return cookies;
}

export async function wallboardScenario() {
  const dataDir = freshDataDir('wallboard');
  const seeded = await seed(dataDir, { chats: SIZE.chats, alertTechs: SIZE.techs, portalUsers: SIZE.chats + SIZE.changes + SIZE.bursts * SIZE.burst });
  const viewerCookies = addViewers(dataDir, seeded, SIZE.viewers);
  const server = await spawnProductServer(dataDir);
  const sockets: Socket[] = [];
  try {
    // The techs are connected (the wallboard counts them), and can join.
    await mapLimit(seeded.alertTechCookies, 20, async (cookie) => {
      sockets.push(await connectSocket(`${server.url}/console`, cookie));
    });
    const pushes: Push[][] = [];
    for (const cookie of viewerCookies) {
      const s = await connectSocket(`${server.url}/console`, cookie);
      sockets.push(s);
      const list: Push[] = [];
      pushes.push(list);
      s.on('wallboard', (w: { waiting: number }) => list.push({ at: nowMs(), waiting: w.waiting }));
      const r = (await s.timeout(20000).emitWithAck('wallboard:watch', {})) as { ok?: boolean; wallboard?: { waiting: number } };
      if (!r.ok) throw new Error(`watch refused: ${JSON.stringify(r)}`);
    }
    const admin = pushes[0];
    await sleep(1500);
    const fromSent: number[] = [];
    const fromCommitted: number[] = [];
    const httpMs: number[] = [];
    let missed = 0;
    let waiting = 0;
    const queue: number[] = [];
    const pushesBefore = pushes.reduce((n, l) => n + l.length, 0);
    const cpu = contention(server.pid);
    const t0 = nowMs();
    for (let i = 0; i < SIZE.changes; i++) {
      const join = i % 2 === 1 && queue.length > 0;
      const sent = nowMs();
      const mark = admin.length;
      const res = join
        ? await fetch(`${server.url}/api/console/chats/${queue.shift()}/join`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: seeded.alertTechCookies[i % seeded.alertTechCookies.length] },
            body: '{}',
          })
        : await fetch(`${server.url}/api/portal/chats`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: seeded.idlePortal[i].cookie },
            body: JSON.stringify({ boardId: seeded.boards.alert, subject: `Wallboard bench ${i}`, message: 'Hello' }),
          });
      const committed = nowMs();
      const body = (await res.json()) as { chat?: { id: number }; id?: number };
      if (res.status !== (join ? 200 : 201)) throw new Error(`change ${i} failed: ${res.status} ${JSON.stringify(body)}`);
      if (!join) queue.push(body.chat!.id);
      waiting += join ? -1 : 1;
      httpMs.push(committed - sent);
      const deadline = nowMs() + 5000;
      let seen: Push | undefined;
      while (!(seen = admin.slice(mark).find((p) => p.waiting === waiting)) && nowMs() < deadline) await sleep(2);
      if (!seen) missed++;
      else {
        fromSent.push(seen.at - sent);
        fromCommitted.push(Math.max(0, seen.at - committed));
      }
      await sleep(Math.floor(Math.random() * 400));
    }
    const elapsedS = (nowMs() - t0) / 1000;
    const cpuDuringRun = cpu();
    await sleep(1000);
    const pushesDuring = pushes.reduce((n, l) => n + l.length, 0) - pushesBefore;

    // Bursts: BURST requests at once; the wallboard catches up with one or a few pushes.
    const burstMs: number[] = [];
    const burstPushes: number[] = [];
    let missedBursts = 0;
    let next = SIZE.changes;
    for (let b = 0; b < SIZE.bursts; b++) {
      await sleep(1000);
      const before = pushes.map((l) => l.length);
      const mark = admin.length;
      const sent = nowMs();
      await Promise.all(
        Array.from({ length: SIZE.burst }, async () => {
          const user = seeded.idlePortal[next++];
          const res = await fetch(`${server.url}/api/portal/chats`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: user.cookie },
            body: JSON.stringify({ boardId: seeded.boards.alert, subject: 'Burst', message: 'Hello' }),
          });
          if (res.status !== 201) throw new Error(`burst request failed: ${res.status} ${await res.text()}`);
        }),
      );
      waiting += SIZE.burst;
      const deadline = nowMs() + 5000;
      let seen: Push | undefined;
      while (!(seen = admin.slice(mark).find((p) => p.waiting === waiting)) && nowMs() < deadline) await sleep(2);
      if (!seen) missedBursts++;
      else burstMs.push(seen.at - sent);
      await sleep(700);
      burstPushes.push(pushes.reduce((n, l, i) => n + l.length - before[i], 0) / SIZE.viewers);
    }
    const sent = percentiles95(fromSent);
    return {
      target: 'an open wallboard shows a change (request or join) within 2 s, p95 (SPEC Part 2, "Insight")',
      met: missed === 0 && missedBursts === 0 && sent.p95 <= 2000 && percentiles95(burstMs).p95 <= 2000,
      desk: { activeChats: SIZE.chats, techsConnected: SIZE.techs, wallboardsOpen: SIZE.viewers, scopes: SIZE.viewers > 2 ? 3 : SIZE.viewers },
      changes: SIZE.changes,
      changesPerSecond: Math.round((SIZE.changes / elapsedS) * 10) / 10,
      changesNeverShownWithin5s: missed,
      changeToPushMsFromRequestSent: sent,
      changeToPushMsFromResponse: percentiles95(fromCommitted),
      changeHttpMs: percentiles95(httpMs),
      pushesPerChangePerWallboard: Math.round((pushesDuring / SIZE.changes / SIZE.viewers) * 100) / 100,
      bursts: {
        count: SIZE.bursts,
        requestsAtOnce: SIZE.burst,
        neverShownWithin5s: missedBursts,
        firstSentToAllShownMs: percentiles95(burstMs),
        pushesPerWallboardPerBurst: percentiles95(burstPushes),
      },
      serverRssMb: rssMb(server.pid),
      cpuDuringRun,
    };
  } finally {
    closeAll(sockets);
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
