import { AppError, RateLimited } from '../errors.js';

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

/** Failures per key in a sliding window; at `max` the key is locked out until the oldest expires. */
export class FailureWindow {
  private failures = new Map<string, number[]>();
  constructor(
    private windowMs: number,
    private max: number,
  ) {}

  check(keys: string[], now: number): void {
    for (const k of keys) {
      const recent = (this.failures.get(k) ?? []).filter((t) => now - t < this.windowMs);
      if (recent.length) this.failures.set(k, recent);
      else this.failures.delete(k);
      if (recent.length >= this.max) throw new RateLimited(this.windowMs - (now - recent[0]));
    }
  }

  record(keys: string[], now: number): void {
    for (const k of keys) {
      const list = [...(this.failures.get(k) ?? []), now];
      this.failures.delete(k);
      this.failures.set(k, list);
    }
    evictOldest(this.failures, 100000);
  }
}

/** Logins: 10 failures per account or 100 per address in 15 minutes; sends: bursts of 20, 5/s. */
export type Limits = { send: TokenBuckets; loginAccount: FailureWindow; loginAddress: FailureWindow };
export const createLimits = (): Limits => ({
  send: new TokenBuckets(20, 5),
  loginAccount: new FailureWindow(15 * 60 * 1000, 10),
  loginAddress: new FailureWindow(15 * 60 * 1000, 100),
});
