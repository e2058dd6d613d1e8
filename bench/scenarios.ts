/** The four measured scenarios of issue 3; each starts its own server(s) and stops them. */
import fs from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../src/server/db/sqlite-driver.js';
import type { Socket } from 'socket.io-client';
import { connectProduct, connectRelay, runOpenLoop, runSaturation, type LoadResult } from './chat-load.js';
import {
  closeAll,
  connectSocket,
  contention,
  cpuSeconds,
  machineBusySeconds,
  freshDataDir,
  mapLimit,
  nowMs,
  percentiles,
  rssMb,
  sleep,
  spawnProductServer,
  spawnRelayServer,
} from './lib.js';
import { seed } from './seed.js';
import { serviceThroughput } from './service-throughput.js';

export type Scale = {
  chats: number;
  rate: number;
  rounds: number;
  warmupS: number;
  measureS: number;
  alertTechs: number;
  alertRequests: number;
  idleUsers: number;
  idleHoldS: number;
  satSeconds: number;
  satWindow: number;
};

export const FULL: Scale = {
  chats: 1000,
  rate: 2000,
  rounds: 6,
  warmupS: 3,
  measureS: 10,
  alertTechs: 500,
  alertRequests: 40,
  idleUsers: 10000,
  idleHoldS: 25,
  satSeconds: 15,
  satWindow: 200,
};
export const QUICK: Scale = {
  chats: 50,
  rate: 100,
  rounds: 2,
  warmupS: 1,
  measureS: 2,
  alertTechs: 20,
  alertRequests: 5,
  idleUsers: 200,
  idleHoldS: 2,
  satSeconds: 3,
  satWindow: 20,
};

function messagesInDb(dataDir: string): number {
  const db = openSqlite(path.join(dataDir, 'helpdesk.sqlite'), { readonly: true });
  try {
    return Number((db.prepare('select count(*) as n from messages').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

const ALERT_WARMUP = 3;
const rmDir = (dir: string) => fs.rmSync(dir, { recursive: true, force: true });

/**
 * Target 1: the same open-loop chat load on the bare relay and on the product, in alternating
 * rounds (relay, product, relay, product, ...) so both see the same machine over time. Both
 * servers run throughout with all their clients connected; only one of them carries traffic.
 */
export async function chatLatency(scale: Scale) {
  const rounds = scale.rounds;
  const relay = await spawnRelayServer();
  const dataDir = freshDataDir('chat');
  let persisted = 0;
  let server: Awaited<ReturnType<typeof spawnProductServer>> | null = null;
  const results: { relay: LoadResult[]; product: LoadResult[] } = { relay: [], product: [] };
  try {
    const seeded = await seed(dataDir, { chats: scale.chats, alertTechs: 0, portalUsers: scale.chats });
    server = await spawnProductServer(dataDir);
    const relayTarget = await connectRelay(relay.url, scale.chats);
    const productTarget = await connectProduct(server.url, seeded, scale.chats);
    const opts = { rate: scale.rate, warmupS: scale.warmupS, measureS: scale.measureS, drainS: 3 };
    for (let r = 0; r < rounds; r++) {
      results.relay.push(await runOpenLoop(relayTarget, { ...opts, serverPid: relay.pid }));
      await sleep(500);
      results.product.push(await runOpenLoop(productTarget, { ...opts, serverPid: server.pid }));
      await sleep(500);
    }
    closeAll(relayTarget.sockets);
    closeAll(productTarget.sockets);
  } finally {
    await relay.stop();
    await server?.stop();
    persisted = messagesInDb(dataDir);
    rmDir(dataDir);
  }
  const pooled = (runs: LoadResult[]) => ({
    latencyMs: percentiles(runs.flatMap((x) => x.latencySamples)),
    achievedSendRate: Math.round(runs.reduce((a, x) => a + x.achievedSendRate, 0) / runs.length),
    deliveredRate: Math.round(runs.reduce((a, x) => a + x.deliveredRate, 0) / runs.length),
    notDeliveredAfterDrain: runs.reduce((a, x) => a + x.notDeliveredAfterDrain, 0),
    serverCpuCores: Math.round((runs.reduce((a, x) => a + x.serverCpuCores, 0) / runs.length) * 100) / 100,
    serverRunqueueWaitMsPerS: Math.round(runs.reduce((a, x) => a + x.serverRunqueueWaitMsPerS, 0) / runs.length),
    otherProcessesCoresMax: Math.max(...runs.map((x) => x.cpuDuringWindow?.otherProcessesCores ?? 0)),
  });
  const relayAll = pooled(results.relay);
  const productAll = pooled(results.product);
  const ratio = productAll.latencyMs.p99 / relayAll.latencyMs.p99;
  const strip = (x: LoadResult) => ({ ...x, latencySamples: undefined });
  return {
    target: `${scale.chats} active chats, ${scale.rate} messages/s, p99 sender-to-receiver latency <= 2x bare Socket.IO relay`,
    met:
      ratio <= 2 &&
      productAll.achievedSendRate >= scale.rate * 0.98 &&
      productAll.deliveredRate >= scale.rate * 0.98 &&
      productAll.notDeliveredAfterDrain === 0,
    p99RatioProductToRelay: Math.round(ratio * 100) / 100,
    p99RatioPerRound: results.product.map((p, i) => Math.round((p.latencyMs.p99 / results.relay[i].latencyMs.p99) * 100) / 100),
    relay: relayAll,
    product: { ...productAll, messagesInDatabaseAfter: persisted },
    rounds: { relay: results.relay.map(strip), product: results.product.map(strip) },
  };
}

/** Target 2: persisted messages/s, end to end (socket send -> commit -> ack), closed loop. */
export async function persistThroughput(scale: Scale) {
  const dataDir = freshDataDir('persist');
  const seeded = await seed(dataDir, { chats: scale.chats, alertTechs: 0, portalUsers: scale.chats });
  const server = await spawnProductServer(dataDir);
  let result: Awaited<ReturnType<typeof runSaturation>> | undefined;
  let inDb = 0;
  let warmupAcked = 0;
  try {
    const target = await connectProduct(server.url, seeded, scale.chats);
    // A short warm-up so JIT and caches settle, not counted.
    warmupAcked = (await runSaturation(target, { window: scale.satWindow, seconds: 2, serverPid: server.pid })).acked;
    result = await runSaturation(target, { window: scale.satWindow, seconds: scale.satSeconds, serverPid: server.pid });
    closeAll(target.sockets);
  } finally {
    await server.stop();
    inDb = messagesInDb(dataDir);
    rmDir(dataDir);
  }
  return {
    ...result,
    target: 'at least 5,000 persisted messages/s',
    met: result.ackedPerSecond >= 5000 && inDb === warmupAcked + result.acked,
    persistedPerSecond: result.ackedPerSecond,
    messagesInDatabaseAfter: inDb,
    // Every successful (non-duplicate) ack, warm-up included, must be a row in the database.
    databaseMatchesAcks: inDb === warmupAcked + result.acked,
  };
}

/** Target 3: a chat request alerts N eligible, connected techs; latency from the request to each alert. */
export async function alertFanout(scale: Scale) {
  const dataDir = freshDataDir('alert');
  const seeded = await seed(dataDir, { chats: 0, alertTechs: scale.alertTechs, portalUsers: scale.alertRequests + ALERT_WARMUP });
  const server = await spawnProductServer(dataDir);
  const sockets: Socket[] = [];
  try {
    const arrivals = new Map<number, number[]>();
    await mapLimit(seeded.alertTechCookies, 50, async (cookie) => {
      const s = await connectSocket(`${server.url}/console`, cookie);
      sockets.push(s);
      s.on('alert', (p: { chat: { id: number } }) => {
        const t = nowMs();
        const list = arrivals.get(p.chat.id) ?? [];
        list.push(t);
        arrivals.set(p.chat.id, list);
      });
    });
    const perDelivery: number[] = [];
    const toLast: number[] = [];
    const httpMs: number[] = [];
    let incomplete = 0;
    const cpuWindow = contention(server.pid);
    // The first requests warm up the server's code paths and are not counted.
    for (let i = 0; i < scale.alertRequests + ALERT_WARMUP; i++) {
      const user = seeded.idlePortal[i];
      if (i > 0) await sleep(150);
      const t0 = nowMs();
      const res = await fetch(`${server.url}/api/portal/chats`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: user.cookie },
        body: JSON.stringify({ boardId: seeded.boards.alert, subject: `Bench alert ${i}`, message: 'My printer is on fire' }),
      });
      const body = (await res.json()) as { chat?: { id: number } };
      httpMs.push(nowMs() - t0);
      if (res.status !== 201 || !body.chat) throw new Error(`request failed: ${res.status} ${JSON.stringify(body)}`);
      const chatId = body.chat.id;
      const deadline = nowMs() + 3000;
      while ((arrivals.get(chatId)?.length ?? 0) < scale.alertTechs && nowMs() < deadline) await sleep(2);
      const got = arrivals.get(chatId) ?? [];
      if (i < ALERT_WARMUP) continue;
      if (got.length < scale.alertTechs) incomplete++;
      for (const t of got) perDelivery.push(t - t0);
      if (got.length) toLast.push(Math.max(...got) - t0);
    }
    return {
      target: `an alert reaches ${scale.alertTechs} eligible techs within 50 ms (p99)`,
      met: percentiles(perDelivery).p99 <= 50 && incomplete === 0,
      techsConnected: sockets.length,
      requests: scale.alertRequests,
      warmupRequestsNotCounted: ALERT_WARMUP,
      requestsWithMissingAlerts: incomplete,
      perDeliveryMs: percentiles(perDelivery),
      requestToLastTechMs: percentiles(toLast),
      httpRequestMs: percentiles(httpMs),
      serverRssMb: rssMb(server.pid),
      cpuDuringRun: cpuWindow(),
    };
  } finally {
    closeAll(sockets);
    await server.stop();
    rmDir(dataDir);
  }
}

/** Target 4: server RSS with N idle portal users connected. */
export async function idleMemory(scale: Scale) {
  const dataDir = freshDataDir('idle');
  const seeded = await seed(dataDir, { chats: 0, alertTechs: 0, portalUsers: scale.idleUsers });
  const server = await spawnProductServer(dataDir);
  const sockets: Socket[] = [];
  try {
    await sleep(1000);
    const baseline = rssMb(server.pid);
    const cpu0 = cpuSeconds(server.pid);
    const t0 = nowMs();
    let failed = 0;
    await mapLimit(seeded.allPortalCookies, 100, async (cookie) => {
      try {
        sockets.push(await connectSocket(`${server.url}/portal`, cookie, 60000));
      } catch {
        failed++;
      }
    });
    const connectS = (nowMs() - t0) / 1000;
    const connectCpu = cpuSeconds(server.pid) - cpu0;
    const samples: number[] = [];
    const cpuWindow = contention(server.pid);
    for (let i = 0; i < scale.idleHoldS; i++) {
      await sleep(1000);
      samples.push(rssMb(server.pid));
    }
    const connectedAtEnd = sockets.filter((s) => s.connected).length;
    const max = Math.max(...samples);
    return {
      target: `${scale.idleUsers} idle connected portal users within 600 MB server RSS`,
      met: connectedAtEnd === scale.idleUsers && max <= 600,
      connected: connectedAtEnd,
      failedToConnect: failed,
      connectSeconds: Math.round(connectS * 10) / 10,
      connectsPerSecond: Math.round(sockets.length / connectS),
      serverCpuSecondsToConnect: Math.round(connectCpu * 10) / 10,
      heldSeconds: scale.idleHoldS,
      serverRssMb: { beforeConnections: baseline, maxWhileHeld: max, last: samples[samples.length - 1] },
      cpuWhileHeld: cpuWindow(),
      perConnectionKb: Math.round(((samples[samples.length - 1] - baseline) * 1024) / Math.max(1, connectedAtEnd)),
    };
  } finally {
    closeAll(sockets);
    await server.stop();
    rmDir(dataDir);
  }
}

/** Not a target: where a message's server time goes (services called in-process, no sockets). */
export async function serviceBreakdown(scale: Scale) {
  const m0 = machineBusySeconds();
  const c0 = process.cpuUsage();
  const t0 = nowMs();
  const steps = await serviceThroughput({ chats: scale.chats, seconds: scale.satSeconds > 5 ? 3 : 1 });
  const secs = (nowMs() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const self = (c.user + c.system) / 1e6 / secs;
  const otherProcessesCores = Math.round(Math.max(0, (machineBusySeconds() - m0) / secs - self) * 100) / 100;
  return {
    target: 'breakdown of the server cost of one message (no target)',
    met: true,
    steps,
    cpuDuringRun: { benchProcessCores: Math.round(self * 100) / 100, otherProcessesCores },
  };
}
