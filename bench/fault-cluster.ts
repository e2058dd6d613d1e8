/**
 * The machinery side of the seeded fault run (bench/faults.ts): a seeded random source, the fault
 * schedule drawn from it, and the fleet the faults act on (the cluster's nodes and the run's own
 * Redis). The fleet keeps a log of every fault it applied or skipped, with its times.
 */
import type { Cluster, ClusterNode, OwnRedis } from '../test/support/cluster.js';

/** mulberry32: a tiny 32-bit PRNG; the same seed gives the same stream on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a label, to derive independent streams from one seed. */
function hash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class Rng {
  private next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }
  /** An independent stream for one part of the run (a person, a chat, the faults). */
  fork(label: string): Rng {
    return new Rng((this.seed ^ hash(label)) >>> 0);
  }
  float(): number {
    return this.next();
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** `n` distinct items, in a random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, n);
  }
  /** One of the keys, with the given weights. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][];
    let x = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) if ((x -= w) < 0) return k;
    return entries[entries.length - 1][0];
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type FaultKind = 'kill' | 'pause' | 'redis' | 'drop';
/** A fault of the schedule: when (ms from the start), what, on which target, for how long. */
export type PlannedFault = { at: number; kind: FaultKind; pick: number; durationMs: number };

export type FaultPlanOptions = { durationMs: number; meanGapMs: number; weights: Record<FaultKind, number> };

/** The whole run's faults, drawn up front from the seed: gaps of 0.6-1.4x the mean gap. */
export function planFaults(rng: Rng, o: FaultPlanOptions): PlannedFault[] {
  const plan: PlannedFault[] = [];
  for (let at = o.meanGapMs * (0.6 + 0.8 * rng.float()); at < o.durationMs; at += o.meanGapMs * (0.6 + 0.8 * rng.float())) {
    const kind = rng.weighted(o.weights);
    // kill: the node is restarted after 2-5 s; pause: 1-4 s (under the node timeout); redis: 2-6 s.
    const durationMs = kind === 'kill' ? rng.int(2000, 5000) : kind === 'pause' ? rng.int(1000, 4000) : kind === 'redis' ? rng.int(2000, 6000) : 0;
    plan.push({ at: Math.round(at), kind, pick: rng.float(), durationMs });
  }
  return plan;
}

/** What happened to one planned fault. `sockets`: whose connections were on a killed node. */
export type FaultRecord = {
  kind: FaultKind;
  plannedAt: number;
  at: number;
  node?: string;
  target?: string;
  durationMs: number;
  endedAt?: number;
  skipped?: string;
  sockets?: string[];
};

type Slot = { name: string; node: ClusterNode; paused: boolean; down: boolean };

/**
 * The nodes and Redis the faults act on. At least one node is always up and not paused: a kill
 * or pause that would leave none is skipped (and logged as skipped).
 */
export class Fleet {
  readonly slots: Slot[];
  readonly log: FaultRecord[] = [];
  redisDown = false;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly cl: Cluster,
    private readonly redis: OwnRedis,
    private readonly t0: number,
  ) {
    this.slots = cl.nodes.map((node) => ({ name: node.name, node, paused: false, down: false }));
  }

  /** Nodes a client may reach now (a load balancer's healthy set). */
  usable(): ClusterNode[] {
    return this.slots.filter((s) => !s.down && !s.paused && s.node.alive).map((s) => s.node);
  }

  nodeNamed(name: string): ClusterNode | null {
    const s = this.slots.find((x) => x.name === name);
    return s && !s.down ? s.node : null;
  }

  private track(p: Promise<void>) {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private record(f: PlannedFault, extra: Partial<FaultRecord>): FaultRecord {
    const r: FaultRecord = { kind: f.kind, plannedAt: f.at, at: Date.now() - this.t0, durationMs: f.durationMs, ...extra };
    this.log.push(r);
    return r;
  }

  /** A node picked by `pick` (0..1) among those a fault may take now, or null. */
  private target(pick: number): Slot | null {
    const up = this.slots.filter((s) => !s.down && !s.paused);
    if (up.length < 2) return null;
    return up[Math.floor(pick * up.length)];
  }

  /** kill -9, restart with the same name after `durationMs`. `onKill` names the sockets that were on it. */
  kill(f: PlannedFault, onKill: (nodeName: string, at: number) => string[]) {
    const slot = this.target(f.pick);
    if (!slot) return this.record(f, { skipped: 'no other node up' });
    slot.down = true;
    const rec = this.record(f, { node: slot.name });
    const old = slot.node;
    // Named before the signal: the connections open on it now end with it.
    rec.sockets = onKill(slot.name, Date.now());
    const done = (async () => {
      await old.kill9();
      await sleep(f.durationMs);
      slot.node = await this.restart(slot.name);
      slot.down = false;
      rec.endedAt = Date.now() - this.t0;
    })();
    this.track(done);
    return rec;
  }

  /** A new process under the same name (a few tries: a free port may be taken in between). */
  private async restart(name: string): Promise<ClusterNode> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.cl.startNode(name);
      } catch (e) {
        if (attempt >= 3) throw e;
        await sleep(1000);
      }
    }
  }

  /** SIGSTOP for `durationMs`, then SIGCONT. */
  pause(f: PlannedFault) {
    const slot = this.target(f.pick);
    if (!slot) return this.record(f, { skipped: 'no other node up' });
    slot.paused = true;
    slot.node.pause();
    const rec = this.record(f, { node: slot.name });
    this.track(
      (async () => {
        await sleep(f.durationMs);
        slot.node.resume();
        slot.paused = false;
        rec.endedAt = Date.now() - this.t0;
      })(),
    );
    return rec;
  }

  /** Redis stopped for `durationMs`, then started again (skipped while it is already down). */
  redisOutage(f: PlannedFault) {
    if (this.redisDown) return this.record(f, { skipped: 'Redis already down' });
    this.redisDown = true;
    const rec = this.record(f, {});
    this.track(
      (async () => {
        await this.redis.stop();
        await sleep(f.durationMs);
        await this.redis.start();
        this.redisDown = false;
        rec.endedAt = Date.now() - this.t0;
      })(),
    );
    return rec;
  }

  /** A dropped client connection; `drop` closes it and names whose it was, or null when nobody is connected. */
  drop(f: PlannedFault, drop: (pick: number) => string | null) {
    const target = drop(f.pick);
    return this.record(f, target ? { target, endedAt: Date.now() - this.t0 } : { skipped: 'nobody connected' });
  }

  /** Waits for every fault in progress to end: nodes restarted or resumed, Redis started. */
  async heal() {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Every node answers /api/ready (it hears Redis again), within `ms`. */
  async allReady(ms: number) {
    const end = Date.now() + ms;
    for (;;) {
      const ready = await Promise.all(
        this.slots.map(async (s) => {
          try {
            return (await fetch(`${s.node.url}/api/ready`)).status === 200;
          } catch {
            return false;
          }
        }),
      );
      if (ready.every(Boolean)) return;
      if (Date.now() > end) throw new Error(`nodes not ready after ${ms} ms: ${this.slots.map((s, i) => `${s.name}=${ready[i]}`).join(' ')}`);
      await sleep(250);
    }
  }
}
