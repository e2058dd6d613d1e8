import type { Config } from '../config.js';
import type { Db, Dialect, Tx } from '../db/database.js';
import { type EventBus, Outbox } from '../events/bus.js';
import type { Limits } from './limits.js';
import type { Metrics } from '../metrics.js';
import { queueWebhooks } from './webhook-events.js';

/** Who is connected right now; the real-time layer provides the cluster-wide answer. */
export interface Presence {
  isTechOnline(techId: number): Promise<boolean>;
  isPortalOnline(userId: number): Promise<boolean>;
  /** Every tech connected to the console anywhere; null when the cluster cannot be asked now (the wallboard). */
  techsOnline?(): Promise<ReadonlySet<number> | null>;
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

/**
 * Runs `fn` in one transaction; the events it records are published only after commit, and the
 * webhooks they make are queued in it (services/webhook-events.ts).
 */
export async function inTransaction<T>(ctx: Ctx, fn: (trx: Tx, outbox: Outbox) => Promise<T>): Promise<T> {
  const outbox = new Outbox();
  const result = await ctx.db.transaction().execute(async (trx) => {
    const r = await fn(trx, outbox);
    await queueWebhooks(ctx, trx, outbox);
    return r;
  });
  outbox.flush(ctx.bus);
  return result;
}
