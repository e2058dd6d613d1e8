/**
 * The job queue: work that follows a commit and must neither be lost nor done twice across nodes
 * (an email, a webhook delivery). A job is a row written in the same transaction as the change
 * that asks for it (`queueJob`), so a node dying right after the commit loses nothing. Every node
 * runs a `JobRunner`: it claims due rows with a lease (db/repositories/jobs.ts), runs the kind's
 * handler, and marks the row done, schedules a retry with backoff, or gives up. A node killed
 * mid-job leaves its lease to run out; another node then runs the job again, so handlers must be
 * safe to repeat (a webhook carries its id, a mail its Message-ID) and must finish well within
 * the lease (their own timeouts).
 */
import crypto from 'node:crypto';
import type { Tx } from '../db/database.js';
import type { Outbox } from '../events/bus.js';
import { claimDueJobs, insertJob, purgeFinishedJobs, settleJob, type JobRow } from '../db/repositories/jobs.js';
import type { Ctx } from './context.js';

/** What a handler decides; a handler that throws asks for a retry with the error's message. */
export type JobOutcome = { done: true } | { retry: string; at?: number } | { dead: string };

export type JobKind = {
  handle: (payload: unknown, job: { id: number; attempts: number; createdAt: number }) => Promise<JobOutcome>;
  /** Delay before attempt `attempts + 1` (default: 10 s doubling, at most one hour, ±20%). */
  backoffMs?: (attempts: number) => number;
  /** A job still failing this long after it was queued is given up (default one day). */
  giveUpAfterMs?: number;
  /** Told when a job is given up (after its row is marked dead). */
  onDead?: (payload: unknown, job: { id: number; error: string }) => Promise<void>;
};

const DAY = 24 * 3600 * 1000;

export function defaultBackoff(attempts: number): number {
  const base = Math.min(3600_000, 10_000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Queues a job inside the caller's transaction; the local runner is woken after the commit. */
export async function queueJob(
  trx: Tx,
  outbox: Outbox | null,
  job: { kind: string; payload: unknown; now: number; runAt?: number; dedupeKey?: string },
): Promise<number | null> {
  const id = await insertJob(trx, {
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    dedupeKey: job.dedupeKey,
    runAt: job.runAt ?? job.now,
    now: job.now,
  });
  if (id !== null) outbox?.add('job.queued', { kind: job.kind });
  return id;
}

export type JobRunnerOptions = { pollMs: number; leaseMs: number; concurrency: number };

export class JobRunner {
  readonly owner: string;
  private running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<number> | null = null;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;
  private polls = 0;

  constructor(
    private ctx: Ctx,
    private kinds: Record<string, JobKind>,
    private opts: JobRunnerOptions,
    private onError: (err: unknown, job?: JobRow) => void,
  ) {
    this.owner = `${ctx.config.nodeId}:${crypto.randomBytes(4).toString('hex')}`;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.ctx.bus.on('job.queued', ({ kind }) => {
      if (kind in this.kinds) this.wake();
    });
    this.schedule(0);
  }

  /** Stops claiming and waits for the jobs under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    await Promise.allSettled([...this.running]);
  }

  /** Polls soon (a job was queued on this node). */
  wake(): void {
    if (this.stopped) return;
    if (this.polling) this.again = true;
    else this.schedule(0);
  }

  /** Claims and starts what is due now; resolves with how many jobs it started. Tests await `idle()` after. */
  runDue(): Promise<number> {
    this.polling ??= this.claimAndStart().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  /** Resolves once every job started so far has settled. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick() {
    this.timer = null;
    try {
      await this.runDue();
      if (++this.polls % 600 === 0) await purgeFinishedJobs(this.ctx.db, this.ctx.now() - 7 * DAY);
    } catch (err) {
      this.onError(err);
    }
    const soon = this.again;
    this.again = false;
    this.schedule(soon ? 0 : this.opts.pollMs);
  }

  private async claimAndStart(): Promise<number> {
    const free = this.opts.concurrency - this.running.size;
    if (free <= 0) return 0;
    const now = this.ctx.now();
    const jobs = await claimDueJobs(this.ctx.db, this.ctx.dialect, {
      kinds: Object.keys(this.kinds),
      owner: this.owner,
      now,
      leaseUntil: now + this.opts.leaseMs,
      limit: free,
    });
    for (const job of jobs) {
      const p = this.run(job).catch((err) => this.onError(err, job));
      this.running.add(p);
      void p.finally(() => {
        this.running.delete(p);
        // A free slot: more may be waiting.
        if (!this.stopped) this.wake();
      });
    }
    return jobs.length;
  }

  private async run(job: JobRow): Promise<void> {
    const kind = this.kinds[job.kind];
    let outcome: JobOutcome;
    try {
      outcome = await kind.handle(JSON.parse(job.payload), { id: job.id, attempts: job.attempts, createdAt: job.created_at });
    } catch (err) {
      outcome = { retry: err instanceof Error ? err.message : String(err) };
    }
    const now = this.ctx.now();
    const claim = { id: job.id, owner: this.owner, attempts: job.attempts };
    if ('done' in outcome) {
      await settleJob(this.ctx.db, claim, { status: 'done', at: now });
      return;
    }
    const error = 'dead' in outcome ? outcome.dead : outcome.retry;
    const runAt = 'retry' in outcome ? (outcome.at ?? now + (kind.backoffMs ?? defaultBackoff)(job.attempts)) : now;
    const giveUp = 'dead' in outcome || runAt > job.created_at + (kind.giveUpAfterMs ?? DAY);
    if (!giveUp) {
      await settleJob(this.ctx.db, claim, { status: 'pending', runAt, error: error.slice(0, 1000) });
      return;
    }
    if ((await settleJob(this.ctx.db, claim, { status: 'dead', at: now, error: error.slice(0, 1000) })) && kind.onDead) {
      await kind.onDead(JSON.parse(job.payload), { id: job.id, error });
    }
  }
}
