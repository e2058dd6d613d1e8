/**
 * Issue 15, "nodes share the work": two product nodes on one PostgreSQL database and one Redis.
 * Three sets of chats, each in its own rooms, carry the same open-loop load in alternating rounds:
 *
 * - one node: both sides of every chat on node A (node B runs, idle, in the cluster);
 * - same node: each chat's two sides on one node, half the chats on A and half on B;
 * - cross node: each chat's requester on A and its tech on B.
 *
 * Judged: the CPU of both nodes per delivered message, cross node against one node (target
 * <= 1.2x: a node decodes only the traffic of rooms it serves), and the p99 of cross-node delivery
 * against same-node delivery in the same run (target <= 1.5x).
 */
import { Redis } from 'ioredis';
import { connectProduct, runOpenLoop, type LoadResult, type Target } from './chat-load.js';
import { closeAll, cpuSeconds, freshDataDir, percentiles, sleep, spawnProductServer, type Child } from './lib.js';
import { copySeedToPostgres, createBenchDatabase, postgresReachable } from './postgres.js';
import type { Scale } from './scenarios.js';
import { seed } from './seed.js';
import fs from 'node:fs';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

type Layout = 'oneNode' | 'sameNode' | 'crossNode';
const LAYOUTS: Layout[] = ['oneNode', 'sameNode', 'crossNode'];

export async function clusterShare(scale: Scale) {
  const target = 'two nodes on PostgreSQL and Redis: server CPU per message (both nodes) <= 1.2x one node; cross-node p99 <= 1.5x same-node p99';
  if (!(await postgresReachable()) || !(await redisReachable())) return { target, met: false, skipped: 'PostgreSQL or Redis is not reachable' };
  const pairs = Math.max(10, Math.round(scale.chats / 2));
  const rate = Math.max(50, Math.round(scale.rate / 2));
  const dataDir = freshDataDir('cluster');
  const seeded = await seed(dataDir, { chats: pairs * LAYOUTS.length, alertTechs: 0, portalUsers: pairs * LAYOUTS.length });
  const database = await createBenchDatabase('cluster');
  const nodes: Child[] = [];
  const nodeDirs: string[] = [];
  const targets = new Map<Layout, Target>();
  const runs: Record<Layout, { load: LoadResult; cpuSecondsPerMessage: number; nodeCpuCores: number[] }[]> = { oneNode: [], sameNode: [], crossNode: [] };
  try {
    await copySeedToPostgres(dataDir, database.url);
    // Its own channels and keys on the machine's Redis, so nothing else is heard.
    const env = { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: `bench-cluster-${process.pid}-${Date.now().toString(36)}` };
    for (let i = 0; i < 2; i++) {
      nodeDirs.push(freshDataDir(`cluster-node-${i}`));
      nodes.push(await spawnProductServer(nodeDirs[i], env));
    }
    const [A, B] = nodes.map((n) => n.url);
    const urlOf: Record<Layout, (pair: number, side: 'a' | 'b') => string> = {
      oneNode: () => A,
      sameNode: (pair) => (pair % 2 === 0 ? A : B),
      crossNode: (_pair, side) => (side === 'a' ? A : B),
    };
    for (const [k, layout] of LAYOUTS.entries()) targets.set(layout, await connectProduct(A, seeded, pairs, { first: k * pairs, urlOf: urlOf[layout] }));
    const opts = { rate, warmupS: scale.warmupS, measureS: scale.measureS, drainS: 3, serverPid: nodes[0].pid };
    for (let round = 0; round < Math.max(1, Math.round(scale.rounds / 2)); round++) {
      for (const layout of LAYOUTS) {
        const cpu0 = nodes.map((n) => cpuSeconds(n.pid));
        const t0 = performance.now();
        const load = await runOpenLoop(targets.get(layout)!, opts);
        const secs = (performance.now() - t0) / 1000;
        const cpu = nodes.map((n, i) => cpuSeconds(n.pid) - cpu0[i]);
        runs[layout].push({
          load,
          // Warm-up, window and drain alike: the whole round's CPU over every message sent in it.
          cpuSecondsPerMessage: cpu.reduce((a, b) => a + b, 0) / Math.max(1, load.sent),
          nodeCpuCores: cpu.map((c) => Math.round((c / secs) * 100) / 100),
        });
        await sleep(500);
      }
    }
  } finally {
    for (const t of targets.values()) closeAll(t.sockets);
    for (const n of nodes) await n.stop();
    await database.drop().catch(() => {});
    for (const d of [dataDir, ...nodeDirs]) fs.rmSync(d, { recursive: true, force: true });
  }
  const summary = Object.fromEntries(
    LAYOUTS.map((layout) => {
      const r = runs[layout];
      const cpuMsPerMessage = (r.reduce((a, x) => a + x.cpuSecondsPerMessage, 0) / r.length) * 1000;
      return [
        layout,
        {
          latencyMs: percentiles(r.flatMap((x) => x.load.latencySamples)),
          serverCpuMsPerMessage: Math.round(cpuMsPerMessage * 1000) / 1000,
          nodeCpuCores: r.map((x) => x.nodeCpuCores),
          achievedSendRate: Math.round(r.reduce((a, x) => a + x.load.achievedSendRate, 0) / r.length),
          deliveredRate: Math.round(r.reduce((a, x) => a + x.load.deliveredRate, 0) / r.length),
          notDeliveredAfterDrain: r.reduce((a, x) => a + x.load.notDeliveredAfterDrain, 0),
          ackErrors: r.map((x) => x.load.ackErrors),
          otherProcessesCoresMax: Math.max(...r.map((x) => x.load.cpuDuringWindow?.otherProcessesCores ?? 0)),
          databaseAndRedisCores: r.map((x) => x.load.cpuDuringWindow?.databaseAndRedisCores ?? 0),
        },
      ];
    }),
  ) as unknown as Record<
    Layout,
    { latencyMs: ReturnType<typeof percentiles>; serverCpuMsPerMessage: number; notDeliveredAfterDrain: number; deliveredRate: number }
  >;
  const cpuRatio = summary.crossNode.serverCpuMsPerMessage / summary.oneNode.serverCpuMsPerMessage;
  const p99Ratio = summary.crossNode.latencyMs.p99 / summary.sameNode.latencyMs.p99;
  const complete = LAYOUTS.every((l) => summary[l].notDeliveredAfterDrain === 0 && summary[l].deliveredRate >= rate * 0.98);
  return {
    target,
    met: cpuRatio <= 1.2 && p99Ratio <= 1.5 && complete,
    pairsPerLayout: pairs,
    rate,
    cpuPerMessageRatioCrossToOneNode: Math.round(cpuRatio * 100) / 100,
    p99RatioCrossToSameNode: Math.round(p99Ratio * 100) / 100,
    ...summary,
  };
}
