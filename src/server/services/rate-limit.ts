import { AppError, RateLimited } from '../errors.js';
import type { Db } from '../db/database.js';

/** Bounds memory without forgetting recent keys: a Map iterates oldest-inserted first. */
function evictOldest<K, V>(map: Map<K, V>, max: number) {
  if (map.size <= max) return;
  let excess = map.size - Math.floor(max * 0.9);
  for (const key of map.keys()) {
    if (excess-- <= 0) break;
    map.delete(key);
  }
}

/** Token buckets per key: `burst` at once, refilled at `perSecond`. One instance per server. */
export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private burst: number,
    private perSecond: number,
  ) {}

  take(key: string, now: number): void {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      throw new AppError('rate_limited', 'You are sending messages too fast', 429, { retryAfterMs: Math.ceil(((1 - b.tokens) / this.perSecond) * 1000) });
    }
    b.tokens -= 1;
    evictOldest(this.buckets, 50000);
  }
}

/** No failure window is longer than this; older rows are deleted whatever their key. */
export const FAILURES_KEPT_MS = 24 * 3600 * 1000;

/**
 * Failures per key in a sliding window, kept in the database: every node of a cluster counts the
 * same failures, and a restart forgets none. At `max` failures within the window the key is
 * locked out until the oldest of them leaves it.
 */
export class FailureWindow {
  constructor(
    private windowMs: number,
    private max: number,
  ) {
    if (windowMs > FAILURES_KEPT_MS) throw new Error('failure window longer than the rows are kept');
  }

  async check(db: Db, keys: string[], now: number): Promise<void> {
    if (!keys.length) return;
    const rows = await db
      .selectFrom('login_failures')
      .select((eb) => ['key', eb.fn.countAll<number | string>().as('n'), eb.fn.min<number | string>('at').as('oldest')])
      .where('key', 'in', keys)
      .where('at', '>', now - this.windowMs)
      .groupBy('key')
      .execute();
    for (const r of rows) {
      if (Number(r.n) >= this.max) throw new RateLimited(Math.max(1, this.windowMs - (now - Number(r.oldest))));
    }
  }

  async record(db: Db, keys: string[], now: number): Promise<void> {
    if (!keys.length) return;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('login_failures').values(keys.map((key) => ({ key, at: now }))).execute();
      // What has left the window counts for nothing any more. Keys never tried again are cleared
      // after a day, a bound above every window, so the table stays small.
      await trx.deleteFrom('login_failures').where('key', 'in', keys).where('at', '<=', now - this.windowMs).execute();
      await trx.deleteFrom('login_failures').where('at', '<=', now - FAILURES_KEPT_MS).execute();
    });
  }
}

/** Logins: 10 failures per account or 100 per address in 15 minutes; sends: bursts of 20, 5/s. */
export type Limits = { send: TokenBuckets; loginAccount: FailureWindow; loginAddress: FailureWindow };
export const createLimits = (): Limits => ({
  send: new TokenBuckets(20, 5),
  loginAccount: new FailureWindow(15 * 60 * 1000, 10),
  loginAddress: new FailureWindow(15 * 60 * 1000, 100),
});
