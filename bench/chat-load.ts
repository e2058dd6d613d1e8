/**
 * Chat traffic against either the product or the bare relay, from this (load) process.
 * Each pair is two sockets in one chat room; both sides send. Latency is measured from just before
 * the sender's emit to the `message` event on the OTHER side of the pair (the echo to the sender
 * is ignored), with the send time carried in the body.
 */
import type { Socket } from 'socket.io-client';
import { connectSocket, contention, cpuSeconds, runqueueWaitMs, loopLag, mapLimit, nowMs, percentiles, rssMb, sleep } from './lib.js';
import type { Seeded } from './seed.js';

export type Side = { socket: Socket; send: (body: string, clientId: string) => Promise<{ ok?: boolean; duplicate?: boolean; error?: { code: string } }> };
export type Pair = { a: Side; b: Side };
export type Target = { kind: 'product' | 'relay'; pairs: Pair[]; sockets: Socket[]; disconnects: Record<string, number> };

/** Counts disconnects by reason: a socket dropped mid-run explains lost messages. */
function watchDisconnects(socket: Socket, disconnects: Record<string, number>) {
  socket.on('disconnect', (reason) => {
    disconnects[reason] = (disconnects[reason] ?? 0) + 1;
  });
}

const ACK_TIMEOUT_MS = 15000;
const PAD = 'x'.repeat(40);

export async function connectRelay(url: string, pairs: number): Promise<Target> {
  const sockets: Socket[] = [];
  const disconnects: Record<string, number> = {};
  const result = await mapLimit(
    Array.from({ length: pairs }, (_, i) => i),
    50,
    async (i) => {
      const room = `chat:${i + 1}`;
      const side = async (): Promise<Side> => {
        const socket = await connectSocket(url, null);
        sockets.push(socket);
        watchDisconnects(socket, disconnects);
        await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join', { room });
        return { socket, send: (body, clientId) => socket.timeout(ACK_TIMEOUT_MS).emitWithAck('send', { room, body, clientId }) };
      };
      return { a: await side(), b: await side() };
    },
  );
  return { kind: 'relay', pairs: result, sockets, disconnects };
}

/**
 * Both sides of `pairs` seeded chats (from `first` on), each on the node `urlOf` names for it
 * (by default all on `url`).
 */
export async function connectProduct(
  url: string,
  seeded: Seeded,
  pairs: number,
  opts: { first?: number; urlOf?: (pair: number, side: 'a' | 'b') => string } = {},
): Promise<Target> {
  const sockets: Socket[] = [];
  const disconnects: Record<string, number> = {};
  const first = opts.first ?? 0;
  const chats = seeded.chats.slice(first, first + pairs).map((c, i) => ({ ...c, i }));
  const result = await mapLimit(chats, 50, async (c) => {
    const side = async (ns: '/portal' | '/console', cookie: string): Promise<Side> => {
      const node = opts.urlOf?.(c.i, ns === '/portal' ? 'a' : 'b') ?? url;
      const socket = await connectSocket(node + ns, cookie);
      sockets.push(socket);
      watchDisconnects(socket, disconnects);
      const r = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('chat:subscribe', { chatId: c.chatId, afterSeq: 0 });
      if (!r?.ok) throw new Error(`subscribe failed: ${JSON.stringify(r)}`);
      return { socket, send: (body, clientId) => socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', { chatId: c.chatId, body, clientId }) };
    };
    return { a: await side('/portal', c.portalCookie), b: await side('/console', c.techCookie) };
  });
  return { kind: 'product', pairs: result, sockets, disconnects };
}

type Tracked = { sentAt: number; inWindow: boolean; received: boolean };

/** Message numbers unique in this process, so client ids never repeat across runs on one server. */
let messageNumber = 0;

function instrument(target: Target, latencies: number[], tracked: Map<string, Tracked>) {
  let received = 0;
  const detach: (() => void)[] = [];
  target.pairs.forEach((pair, i) => {
    for (const [me, tag] of [
      [pair.a, 'a'],
      [pair.b, 'b'],
    ] as const) {
      const onMessage = (m: { body: string; clientId?: string | null }) => {
        // Body: "bench|<pair>|<side>|<sentAt>|<n>|padding"
        const parts = m.body.split('|');
        if (parts[0] !== 'bench' || Number(parts[1]) !== i || parts[2] === tag) return;
        const key = `${parts[1]}|${parts[2]}|${parts[4]}`;
        const t = tracked.get(key);
        if (!t || t.received) return;
        t.received = true;
        received++;
        if (t.inWindow) latencies.push(nowMs() - Number(parts[3]));
      };
      me.socket.on('message', onMessage);
      detach.push(() => me.socket.off('message', onMessage));
    }
  });
  return {
    received: () => received,
    detach: () => {
      for (const d of detach) d();
    },
  };
}

export type LoadResult = Awaited<ReturnType<typeof runOpenLoop>>;

/** p99 of each run of `perSecond` consecutive deliveries (they arrive in time order). */
function perSecondP99(latencies: number[], perSecond: number): number[] {
  const out: number[] = [];
  for (let k = 0; k + perSecond / 2 <= latencies.length; k += perSecond) out.push(percentiles(latencies.slice(k, k + perSecond)).p99);
  return out;
}

/**
 * Open-loop load: `rate` messages/s in all, spread evenly over every side of every pair (so each
 * side sends rate / (2 * pairs) per second), for warm-up + measure seconds, then a drain.
 */
export async function runOpenLoop(target: Target, opts: { rate: number; warmupS: number; measureS: number; drainS: number; serverPid: number }) {
  const senders: { pair: number; tag: 'a' | 'b'; side: Side }[] = [];
  // Every `a` side, then every `b` side: a chat's two sides send half a period apart.
  for (const [i, p] of target.pairs.entries()) senders.push({ pair: i, tag: 'a', side: p.a });
  for (const [i, p] of target.pairs.entries()) senders.push({ pair: i, tag: 'b', side: p.b });
  const order = senders;

  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  const tracked = new Map<string, Tracked>();
  const phase = { measuring: false };
  const listeners = instrument(target, latencies, tracked);
  const receivedCount = listeners.received;
  const ackErrors: Record<string, number> = {};
  let sent = 0;
  let duplicateAcks = 0;
  let sentInWindow = 0;
  let acked = 0;
  let next = 0;

  const total = opts.warmupS + opts.measureS;
  const start = nowMs();
  const windowStart = start + opts.warmupS * 1000;
  const windowEnd = start + total * 1000;
  let cpu0 = 0;
  let wait0 = 0;
  let loadCpu0 = process.cpuUsage();
  let cpuWindow: ReturnType<typeof contention> | null = null;
  let lag: ReturnType<typeof loopLag> | null = null;
  const rss: number[] = [];
  const maxMessages = Math.ceil(opts.rate * total) + 10;

  while (sent < maxMessages) {
    const t = nowMs();
    if (t >= windowEnd) break;
    if (!phase.measuring && t >= windowStart) {
      phase.measuring = true;
      cpu0 = cpuSeconds(opts.serverPid);
      wait0 = runqueueWaitMs(opts.serverPid);
      loadCpu0 = process.cpuUsage();
      cpuWindow = contention(opts.serverPid);
      lag = loopLag();
    }
    const due = Math.min(maxMessages, Math.floor(((t - start) / 1000) * opts.rate));
    while (sent < due) {
      const s = order[next++ % order.length];
      const n = ++messageNumber;
      const sentAt = nowMs();
      const inWindow = phase.measuring;
      tracked.set(`${s.pair}|${s.tag}|${n}`, { sentAt, inWindow, received: false });
      sent++;
      if (inWindow) sentInWindow++;
      s.side
        .send(`bench|${s.pair}|${s.tag}|${sentAt}|${n}|${PAD}`, `bench-${s.pair}-${s.tag}-${n}`)
        .then((r) => {
          if (r?.ok) {
            acked++;
            if (r.duplicate) duplicateAcks++;
            if (inWindow) ackLatencies.push(nowMs() - sentAt);
          } else {
            const code = r?.error?.code ?? 'unknown';
            ackErrors[code] = (ackErrors[code] ?? 0) + 1;
          }
        })
        .catch(() => {
          ackErrors.timeout = (ackErrors.timeout ?? 0) + 1;
        });
    }
    if (phase.measuring && rss.length < (t - windowStart) / 1000) rss.push(rssMb(opts.serverPid));
    await sleep(2);
  }
  const measuredS = (Math.min(nowMs(), windowEnd) - windowStart) / 1000;
  const cpu = (cpuSeconds(opts.serverPid) - cpu0) / measuredS;
  const runqueueWait = (runqueueWaitMs(opts.serverPid) - wait0) / measuredS;
  const cpuUse = cpuWindow?.();
  const lc = process.cpuUsage(loadCpu0);
  const loadCpu = (lc.user + lc.system) / 1e6 / measuredS;
  const lagStats = lag?.stop();
  // Drain: wait for in-flight deliveries, bounded.
  const drainEnd = nowMs() + opts.drainS * 1000;
  while (nowMs() < drainEnd && (receivedCount() < sent || acked + Object.values(ackErrors).reduce((a, b) => a + b, 0) < sent)) await sleep(50);
  listeners.detach();
  let lostInWindow = 0;
  for (const t of tracked.values()) if (t.inWindow && !t.received) lostInWindow++;

  return {
    target: target.kind,
    pairs: target.pairs.length,
    offeredRate: opts.rate,
    measuredSeconds: Math.round(measuredS * 10) / 10,
    // Wall-clock start of the measured window (epoch ms), to line seconds up with server-side traces.
    windowStartMs: Math.round(windowStart),
    serverPid: opts.serverPid,
    sent,
    sentInWindow,
    achievedSendRate: Math.round(sentInWindow / measuredS),
    deliveredInWindow: latencies.length,
    deliveredRate: Math.round(latencies.length / measuredS),
    notDeliveredAfterDrain: lostInWindow,
    acked,
    duplicateAcks,
    ackErrors,
    latencyMs: percentiles(latencies),
    // Where in the window the tail came from: the p99 of each successive second's deliveries.
    p99PerSecondMs: perSecondP99(latencies, Math.max(1, Math.round(latencies.length / Math.max(1, measuredS)))),
    latencySamples: latencies,
    ackLatencyMs: percentiles(ackLatencies),
    serverCpuCores: Math.round(cpu * 100) / 100,
    // Per second of the window: how long the server's main thread was ready to run but not running.
    serverRunqueueWaitMsPerS: Math.round(runqueueWait),
    loadProcessCpuCores: Math.round(loadCpu * 100) / 100,
    disconnects: { ...target.disconnects },
    cpuDuringWindow: cpuUse,
    serverRssMb: { max: Math.max(...rss), last: rss[rss.length - 1] },
    loadProcessLoopLagMs: lagStats,
  };
}

/**
 * Closed-loop saturation: keep `window` sends in flight, rotating over every side of every pair,
 * for `seconds`; the rate of successful acks is the rate of committed (persisted) messages.
 */
export async function runSaturation(target: Target, opts: { window: number; seconds: number; serverPid: number }) {
  const senders: { pair: number; tag: 'a' | 'b'; side: Side }[] = [];
  for (const [i, p] of target.pairs.entries()) senders.push({ pair: i, tag: 'a', side: p.a }, { pair: i, tag: 'b', side: p.b });
  const ackErrors: Record<string, number> = {};
  const ackLatencies: number[] = [];
  let ok = 0;
  let duplicates = 0;
  let next = 0;
  const start = nowMs();
  const end = start + opts.seconds * 1000;
  const cpu0 = cpuSeconds(opts.serverPid);
  const cpuWindow = contention(opts.serverPid);
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(rssMb(opts.serverPid)), 1000);
  const maxPerWorker = 1_000_000;
  const worker = async () => {
    for (let k = 0; k < maxPerWorker && nowMs() < end; k++) {
      const s = senders[next++ % senders.length];
      const n = ++messageNumber;
      const t0 = nowMs();
      try {
        const r = await s.side.send(`bench|${s.pair}|${s.tag}|${t0}|${n}|${PAD}`, `sat-${s.pair}-${s.tag}-${n}`);
        if (r?.ok && r.duplicate) {
          duplicates++;
        } else if (r?.ok) {
          ok++;
          ackLatencies.push(nowMs() - t0);
        } else {
          const code = r?.error?.code ?? 'unknown';
          ackErrors[code] = (ackErrors[code] ?? 0) + 1;
          if (code === 'rate_limited') await sleep(50);
        }
      } catch {
        ackErrors.timeout = (ackErrors.timeout ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.window }, worker));
  clearInterval(sampler);
  const cpuUse = cpuWindow();
  const seconds = (nowMs() - start) / 1000;
  return {
    target: target.kind,
    window: opts.window,
    seconds: Math.round(seconds * 10) / 10,
    acked: ok,
    ackedPerSecond: Math.round(ok / seconds),
    duplicateAcks: duplicates,
    ackErrors,
    ackLatencyMs: percentiles(ackLatencies),
    serverCpuCores: Math.round(((cpuSeconds(opts.serverPid) - cpu0) / seconds) * 100) / 100,
    serverRssMbMax: Math.max(...rss),
    cpuDuringRun: cpuUse,
  };
}
