/**
 * Where a message's server time goes, without sockets: the real services on a seeded SQLite file,
 * called in this process one at a time (the server's database connection is one, so this is the
 * ceiling of that layer). Each step is part of what a `message:send` event does on the server;
 * the actor is kept per connection, so a send itself reads neither the session nor the actor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../src/server/db/sqlite-driver.js';
import pino from 'pino';
import { loadConfig } from '../src/server/config.js';
import { createMetrics } from '../src/server/metrics.js';
import { openDatabase } from '../src/server/db/database.js';
import { BACKSTOP_PAGES } from '../src/server/db/wal-checkpointer.js';
import { EventBus } from '../src/server/events/bus.js';
import type { Ctx } from '../src/server/services/context.js';
import { TokenBuckets } from '../src/server/services/rate-limit.js';
import { createLimits } from '../src/server/services/limits.js';
import { actorFromToken } from '../src/server/services/auth.js';
import { getVisibleChatRow, getVisibleChatScope, listMessages } from '../src/server/services/chat-queries.js';
import { sendMessage } from '../src/server/services/messages.js';
import type { Actor } from '../src/server/policies/access.js';
import { freshDataDir, nowMs } from './lib.js';
import { seed } from './seed.js';

type Step = { name: string; run: (i: number) => Promise<unknown>; batch?: number };

async function timeStep(step: Step, seconds: number, maxOps: number) {
  const start = nowMs();
  const cpu = process.cpuUsage();
  const end = start + seconds * 1000;
  let n = 0;
  while (n < maxOps && nowMs() < end) await step.run(n++);
  const s = (nowMs() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const ops = n * (step.batch ?? 1);
  // CPU time (this process, all its threads) per operation: steadier than wall time when other
  // processes share the machine, which only delays the loop.
  return {
    step: step.name,
    ops,
    perSecond: Math.round(ops / s),
    microsEach: Math.round((s * 1e6) / ops),
    cpuMicrosEach: Math.round((used.user + used.system) / ops),
  };
}

export async function serviceThroughput(opts: { chats: number; seconds: number }) {
  const measure = async (step: Step) => {
    await timeStep(step, 0.5, 2000); // warm-up
    return timeStep(step, opts.seconds, 200000);
  };
  const dataDir = freshDataDir('service');
  const seeded = await seed(dataDir, { chats: opts.chats, alertTechs: 0, portalUsers: opts.chats });
  const config = loadConfig({ DATA_DIR: dataDir, SEED_DEMO: 'false', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
  const handle = openDatabase(config);
  const bus = new EventBus((err) => pino().error({ err }, 'listener failed'));
  const ctx: Ctx = {
    db: handle.db,
    dialect: handle.dialect,
    bus,
    config,
    presence: { isTechOnline: async () => true, isPortalOnline: async () => true },
    now: () => Date.now(),
    // The limiter still runs for every send, with a budget this tight loop cannot exhaust.
    limits: { ...createLimits(), send: new TokenBuckets(1e9, 1e9) },
    metrics: createMetrics(),
  };
  const token = (cookie: string) => cookie.slice(cookie.indexOf('=') + 1);
  const sides = seeded.chats.flatMap((c) => [
    { chatId: c.chatId, token: token(c.portalCookie) },
    { chatId: c.chatId, token: token(c.techCookie) },
  ]);
  const actors: Actor[] = [];
  for (const s of sides) actors.push((await actorFromToken(ctx.db, s.token))!);
  const portalOnly = sides.filter((_, i) => i % 2 === 0);
  const techOnly = sides.filter((_, i) => i % 2 === 1);
  let seqN = 0;
  const steps: Step[] = [
    { name: 'actorFromToken (portal user)', run: (i) => actorFromToken(ctx.db, portalOnly[i % portalOnly.length].token) },
    { name: 'actorFromToken (tech, with grants)', run: (i) => actorFromToken(ctx.db, techOnly[i % techOnly.length].token) },
    {
      name: 'getVisibleChatScope (the access read of a send)',
      run: (i) => getVisibleChatScope(ctx.db, actors[i % actors.length], sides[i % sides.length].chatId),
    },
    { name: 'getVisibleChatRow', run: (i) => getVisibleChatRow(ctx.db, actors[i % actors.length], sides[i % sides.length].chatId) },
    { name: 'listMessages (catch-up read of one message)', run: (i) => listMessages(ctx.db, sides[i % sides.length].chatId, 0, 1) },
    {
      name: 'sendMessage (checks, then a batch of one: persisted)',
      run: (i) => sendMessage(ctx, actors[i % actors.length], sides[i % sides.length].chatId, `service bench ${i}`, `svc-${++seqN}`),
    },
    {
      // What a burst of sends does on the server: they arrive in one turn and share one batch.
      name: 'sendMessage, 8 sends at once (one batch), per message',
      batch: 8,
      run: (i) =>
        Promise.all(
          Array.from({ length: 8 }, (_, k) =>
            sendMessage(ctx, actors[(i * 8 + k) % actors.length], sides[(i * 8 + k) % sides.length].chatId, `service bench ${i}-${k}`, `svc-${++seqN}`),
          ),
        ),
    },
  ];
  const results = [];
  try {
    // BENCH_SERVICE_ONLY="<start of a step name>" measures only the steps it names (e.g. to profile one).
    for (const step of steps) if (!process.env.BENCH_SERVICE_ONLY || step.name.startsWith(process.env.BENCH_SERVICE_ONLY)) results.push(await measure(step));
  } finally {
    // The raw connection below opens after the server's connection and its checkpoint worker closed.
    await handle.close();
  }
  // The same statements a persisted message needs (dedupe read, counter bump, insert, in one
  // transaction), as plain prepared statements of the same driver with the settings of the server's own
  // connection (its log is copied back by a worker; here only the backstop does it): the storage
  // engine's own ceiling.
  const raw = openSqlite(path.join(dataDir, 'helpdesk.sqlite'));
  try {
    raw.exec('pragma synchronous = NORMAL');
    raw.exec(`pragma wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const dedupe = raw.prepare('select * from messages where chat_id = ? and client_id = ?');
    const bump = raw.prepare("update chats set last_seq = last_seq + 1 where id = ? and status = 'active' returning last_seq");
    const insert = raw.prepare(
      'insert into messages (chat_id, seq, author_kind, author_id, body, client_id, created_at) values (?, ?, ?, ?, ?, ?, ?) returning *',
    );
    const rawAppend = (chatId: number, clientId: string, body: string) =>
      raw.transaction(() => {
        if (dedupe.get([chatId, clientId])) return;
        const { last_seq } = bump.get([chatId]) as { last_seq: number };
        insert.get([chatId, last_seq, 'portal', 1, body, clientId, Date.now()]);
      });
    results.push(
      await measure({
        name: 'storage ceiling: same SQL as raw prepared statements, one transaction per message',
        run: async (i) => rawAppend(sides[i % sides.length].chatId, `raw-${++seqN}`, `raw bench ${i}`),
      }),
    );
  } finally {
    raw.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}
