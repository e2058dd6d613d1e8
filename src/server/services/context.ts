import type { Config } from '../config.js';
import type { Db, Dialect, Tx } from '../db/database.js';
import { type EventBus, Outbox } from '../events/bus.js';
import { AppError } from '../errors.js';
import type { Limits } from './limits.js';
import type { Metrics } from '../metrics.js';

/** Who is connected right now; the real-time layer provides the cluster-wide answer. */
export interface Presence {
  isTechOnline(techId: number): Promise<boolean>;
  isPortalOnline(userId: number): Promise<boolean>;
  /** How many nodes are in the cluster now, or null when that cannot be known (one node, Redis away). */
  clusterNodes(): Promise<number | null>;
}

export type Ctx = {
  db: Db;
  dialect: Dialect;
  bus: EventBus;
  config: Config;
  presence: Presence;
  now: () => number;
  limits: Limits;
  metrics: Metrics;
};

/** Runs `fn` in one transaction; the events it records are published only after commit. */
export async function inTransaction<T>(ctx: Ctx, fn: (trx: Tx, outbox: Outbox) => Promise<T>): Promise<T> {
  const outbox = new Outbox();
  const result = await ctx.db.transaction().execute((trx) => fn(trx, outbox));
  outbox.flush(ctx.bus);
  return result;
}

type GroupJob = { fn: (trx: Tx, outbox: Outbox) => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };
type Group = { jobs: GroupJob[]; scheduled: boolean };
const groups = new WeakMap<Db, Group>();

/**
 * Like inTransaction, for small writes that may share one transaction with others of the same
 * moment (group commit): on SQLite, every call made in one turn of the event loop runs in a single
 * transaction with one commit, which is most of a message append's cost. Under a burst of sends
 * the cost per message falls, so the backlog clears sooner. On PostgreSQL each call runs alone.
 *
 * `fn` may throw an AppError (a refusal) only before it has written anything: that call fails
 * alone and the others commit. Any other error rolls the whole group back, and each call is then
 * run again alone, so nothing is half-written and each caller gets its own outcome. Each call's
 * events are published after the commit, in call order.
 */
export function inGroupCommit<T>(ctx: Ctx, fn: (trx: Tx, outbox: Outbox) => Promise<T>): Promise<T> {
  if (ctx.dialect !== 'sqlite') return inTransaction(ctx, fn);
  let group = groups.get(ctx.db);
  if (!group) groups.set(ctx.db, (group = { jobs: [], scheduled: false }));
  const g = group;
  return new Promise<T>((resolve, reject) => {
    g.jobs.push({ fn, resolve: resolve as (v: unknown) => void, reject });
    if (!g.scheduled) {
      g.scheduled = true;
      setImmediate(() => void commitGroup(ctx, g));
    }
  });
}

async function commitGroup(ctx: Ctx, g: Group) {
  g.scheduled = false;
  const jobs = g.jobs.splice(0);
  const runAlone = (job: GroupJob) => inTransaction(ctx, job.fn).then(job.resolve, job.reject);
  if (jobs.length === 1) return runAlone(jobs[0]);
  const done: { job: GroupJob; outbox: Outbox; value: unknown }[] = [];
  const refused: { job: GroupJob; err: unknown }[] = [];
  try {
    await ctx.db.transaction().execute(async (trx) => {
      for (const job of jobs) {
        const outbox = new Outbox();
        try {
          done.push({ job, outbox, value: await job.fn(trx, outbox) });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          refused.push({ job, err });
        }
      }
    });
  } catch {
    // Nothing of the group was kept: each call gets its own transaction and its own outcome.
    for (const job of jobs) await runAlone(job);
    return;
  }
  for (const d of done) {
    d.outbox.flush(ctx.bus);
    d.job.resolve(d.value);
  }
  for (const r of refused) r.job.reject(r.err);
}
