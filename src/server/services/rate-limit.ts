import { RateLimited } from '../errors.js';
import type { Db } from '../db/database.js';
import { deleteFailures, deleteFailuresUntil, failuresAfter, insertFailures } from '../db/repositories/login-failures.js';

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
    private message = 'You are sending messages too fast',
  ) {}

  /** A key that will not come back (a closed connection): its bucket goes now, not at eviction. */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  take(key: string, now: number): void {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      throw new RateLimited(Math.ceil(((1 - b.tokens) / this.perSecond) * 1000), this.message);
    }
    b.tokens -= 1;
    evictOldest(this.buckets, 50000);
  }
}

/** No failure window is longer than this; older rows are deleted whatever their key. */
export const FAILURES_KEPT_MS = 60 * 60 * 1000;

/**
 * Failed attempts per key in a sliding window, kept in the database: every node of a cluster
 * counts the same ones, and a restart forgets none. At `max` failures within the window the key
 * is locked out until enough of them have left it.
 *
 * An attempt is counted before the password is checked (`begin`), not after: requests that
 * arrive while earlier guesses are still being verified see those guesses, so parallel requests
 * get no more tries than sequential ones. An attempt that succeeds is taken back
 * (`forgetAttempts`); one that fails stays, and `clearOldFailures` drops what every window has left.
 */
export class FailureWindow {
  constructor(
    private windowMs: number,
    private max: number,
  ) {
    if (windowMs > FAILURES_KEPT_MS) throw new Error('failure window longer than the rows are kept');
  }

  /** Counts one attempt against each key; refuses (and takes it back) when a key is over its limit. */
  async begin(db: Db, keys: string[], now: number): Promise<number[]> {
    if (!keys.length) return [];
    const ids = await insertFailures(db, keys, now);
    const rows = await failuresAfter(db, keys, now - this.windowMs);
    for (const key of keys) {
      const times = rows.filter((r) => r.key === key).map((r) => Number(r.at));
      // `times` includes this attempt; without it, the key is free again once all but max - 1
      // of the others have left the window.
      if (times.length > this.max) {
        await forgetAttempts(db, ids);
        const freedBy = times[times.length - 1 - this.max];
        throw new RateLimited(Math.max(1, this.windowMs - (now - freedBy)));
      }
    }
    return ids;
  }
}

/** Attempts that succeeded, or were refused, count as no failure: their rows go. */
export async function forgetAttempts(db: Db, ids: number[]): Promise<void> {
  if (ids.length) await deleteFailures(db, ids);
}

/** Rows older than every window count for nothing any more; cleared best effort, whatever their key. */
export async function clearOldFailures(db: Db, now: number): Promise<void> {
  await deleteFailuresUntil(db, now - FAILURES_KEPT_MS).catch(() => {
    // Another node clearing the same rows at once; they go next time.
  });
}

/**
 * The key of a client address: an IPv4 address however it arrived (plain or IPv4-mapped IPv6),
 * or the /64 of an IPv6 address, which one client usually holds whole.
 */
export function addressKey(ip: string): string {
  const address = ip.replace(/%.*$/, '').toLowerCase();
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return `ip:${mapped[1]}`;
  if (!address.includes(':')) return `ip:${address}`;
  const [head, tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `ip:${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}

/**
 * Logins: 10 failures per account or 100 per address in 15 minutes; sends: bursts of 20, 5/s;
 * setup tokens: 10 wrong ones per address in 15 minutes.
 */
export type Limits = { send: TokenBuckets; loginAccount: FailureWindow; loginAddress: FailureWindow; setupToken: FailureWindow };
export const createLimits = (): Limits => ({
  send: new TokenBuckets(20, 5),
  loginAccount: new FailureWindow(15 * 60 * 1000, 10),
  loginAddress: new FailureWindow(15 * 60 * 1000, 100),
  setupToken: new FailureWindow(15 * 60 * 1000, 10),
});
