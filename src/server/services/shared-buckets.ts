/**
 * The per-user send limit (token buckets, see rate-limit.ts) counted once for the whole cluster:
 * with Redis, every node takes from the same bucket, kept in Redis and updated by one Lua script
 * (atomic, so two nodes taking at once cannot both take the last token). Without Redis, or while
 * it is away or slow, each node counts in its own memory: a send never waits on Redis for more
 * than TAKE_TIMEOUT_MS, and while Redis is away a user may send up to the limit on each node.
 */
import type { Redis } from 'ioredis';
import { RateLimited } from '../errors.js';
import { TokenBuckets } from './rate-limit.js';

/** The bucket's hash: `t` tokens left, `at` when last refilled (ms); it expires once full again. */
const TAKE = `
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
if now > at then
  tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
  at = now
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate * 1000) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait
`;

const TAKE_TIMEOUT_MS = 250;

export type SharedRedis = { redis: Redis; isUp: () => boolean; prefix: string };

/** What sendMessage takes a token from: one node's buckets, or the cluster's. */
export interface SendLimit {
  /** Resolves when the key may send now; rejects with RateLimited otherwise. */
  take(key: string, now: number): void | Promise<void>;
}

export class SharedTokenBuckets implements SendLimit {
  private local: TokenBuckets;
  private take$: (key: string, burst: number, rate: number, now: number) => Promise<number>;
  constructor(
    private shared: SharedRedis,
    private burst: number,
    private perSecond: number,
    private message = 'You are sending messages too fast',
  ) {
    this.local = new TokenBuckets(burst, perSecond, message);
    // defineCommand runs the script by its hash (EVALSHA), loading it again after a Redis restart.
    const name = 'helpdeskTakeToken';
    if (!(name in shared.redis)) shared.redis.defineCommand(name, { numberOfKeys: 1, lua: TAKE });
    const r = shared.redis as unknown as Record<string, (...a: unknown[]) => Promise<number>>;
    this.take$ = (key, burst, rate, now) => r[name](key, burst, rate, now);
  }

  take(key: string, now: number): void | Promise<void> {
    if (!this.shared.isUp()) return this.local.take(key, now);
    return this.takeShared(key, now);
  }

  private async takeShared(key: string, now: number): Promise<void> {
    let wait: number;
    try {
      wait = await new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timeout')), TAKE_TIMEOUT_MS);
        this.take$(`${this.shared.prefix}:send:${key}`, this.burst, this.perSecond, Math.round(now)).then(
          (v) => (clearTimeout(t), resolve(Number(v))),
          (e) => (clearTimeout(t), reject(e)),
        );
      });
    } catch {
      // Redis slow or failing: this node decides alone rather than keep the sender waiting.
      return this.local.take(key, now);
    }
    if (wait > 0) throw new RateLimited(wait, this.message);
  }
}
