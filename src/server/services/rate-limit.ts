import { RateLimited } from '../errors.js';
import type { Db } from '../db/database.js';
import { deleteFailures, deleteFailuresUntil, failuresAfter, insertFailures, settleFailures } from '../db/repositories/login-failures.js';

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
 * How failures under one key slow its next attempts: the first `free` failures within `windowMs`
 * cost nothing; each further attempt must come at least a delay after the latest failure, a delay
 * that doubles from `baseDelayMs` up to `maxDelayMs`; at `lockAt` failures (if set) the key is
 * locked until enough of them have left the window.
 *
 * An attempt whose password is still being checked counts as a failure, so parallel guesses get
 * no more tries than sequential ones; with `pendingDelays: false` it counts toward the lock only,
 * not toward the delay: fifty people behind one office address may sign in at the same moment.
 */
export type ThrottlePolicy = { windowMs: number; free: number; baseDelayMs: number; maxDelayMs: number; lockAt?: number; pendingDelays?: boolean };
export type Attempt = { at: number; settled: boolean };

/** How long an attempt must still wait after these earlier attempts of the key, or 0. */
export function throttleWait(prior: Attempt[], now: number, p: ThrottlePolicy): number {
  const recent = prior.filter((a) => a.at > now - p.windowMs).sort((a, b) => a.at - b.at);
  if (p.lockAt !== undefined && recent.length >= p.lockAt) return Math.max(1, recent[recent.length - p.lockAt].at + p.windowMs - now);
  const delaying = p.pendingDelays === false ? recent.filter((a) => a.settled) : recent;
  const n = delaying.length;
  if (n < p.free) return 0;
  const delay = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (n - p.free));
  return Math.max(0, delaying[n - 1].at + delay - now);
}

/**
 * Failed attempts per key, kept in the database: every node of a cluster counts the same ones,
 * and a restart forgets none. Each key has its policy (a key's kind is the text before its first
 * colon, see `loginKeys`).
 *
 * An attempt is counted before the password is checked (`begin`), not after: requests that
 * arrive while earlier guesses are still being verified see those guesses, so parallel requests
 * get no more tries than sequential ones. An attempt that succeeds is taken back
 * (`forgetAttempts`); one that fails stays, and `clearOldFailures` drops what every window has
 * left. A refused attempt is taken back at once: it costs no password check and counts for nothing.
 */
export class FailureThrottle {
  constructor(private policies: Record<string, ThrottlePolicy>) {
    for (const p of Object.values(policies)) if (p.windowMs > FAILURES_KEPT_MS) throw new Error('failure window longer than the rows are kept');
  }

  private policyOf(key: string): ThrottlePolicy {
    const p = this.policies[key.slice(0, key.indexOf(':'))];
    if (!p) throw new Error(`no throttle policy for ${key}`);
    return p;
  }

  /** Counts one attempt against each key; refuses (and takes it back) when any key must wait. */
  async begin(db: Db, keys: string[], now: number): Promise<number[]> {
    if (!keys.length) return [];
    const ids = await insertFailures(db, keys, now);
    const mine = new Set(ids);
    const longest = Math.max(...keys.map((k) => this.policyOf(k).windowMs));
    const rows = await failuresAfter(db, keys, now - longest);
    let wait = 0;
    for (const key of keys) {
      // Every other attempt counts, also one still being checked in parallel.
      const prior = rows.filter((r) => r.key === key && !mine.has(Number(r.id))).map((r) => ({ at: Number(r.at), settled: Number(r.settled) === 1 }));
      wait = Math.max(wait, throttleWait(prior, now, this.policyOf(key)));
    }
    if (wait > 0) {
      await forgetAttempts(db, ids);
      throw new RateLimited(wait);
    }
    return ids;
  }
}

/**
 * The keys a login attempt counts against. `pair` is the account from this address: it alone
 * locks, so failures from elsewhere never lock the owner out of their own address. `ip` is the
 * address over all accounts (password spraying); `acct` is the account from everywhere, a
 * ceiling against guessing from many addresses, which only ever slows.
 */
export function loginKeys(kind: 'tech' | 'portal', email: string, ip: string): string[] {
  const account = `${kind}/${email}`;
  const address = addressKey(ip);
  return [`pair:${account}@${address}`, address, `acct:${account}`];
}

/** Attempts whose password was wrong: failures from now on. */
export async function settleAttempts(db: Db, ids: number[]): Promise<void> {
  await settleFailures(db, ids);
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
  return `ip:${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/**
 * Logins (docs/security.md gives the reasoning), within 15 minutes:
 * - an account from one address: 5 failures free, then 1, 2, 4, 8, 16 s between tries, locked at 10;
 * - an address over all accounts: 20 free, then 1 s doubling up to 30 s; locked only at 300,
 *   which the delays make unreachable for one client: a shared office address is slowed, not shut;
 * - an account from all addresses: 50 free, then 1 s doubling up to 10 s, never locked.
 */
export const LOGIN_POLICIES = {
  pair: { windowMs: 15 * 60 * 1000, free: 5, baseDelayMs: 1000, maxDelayMs: 16_000, lockAt: 10 },
  ip: { windowMs: 15 * 60 * 1000, free: 20, baseDelayMs: 1000, maxDelayMs: 30_000, lockAt: 300, pendingDelays: false },
  acct: { windowMs: 15 * 60 * 1000, free: 50, baseDelayMs: 1000, maxDelayMs: 10_000 },
} satisfies Record<string, ThrottlePolicy>;
