/** The server's limits, built once in the composition root (server.ts). */
import { FailureThrottle, LOGIN_POLICIES, TokenBuckets } from './rate-limit.js';
import { SharedTokenBuckets, type SendLimit, type SharedRedis } from './shared-buckets.js';

export type Limits = { send: SendLimit; login: FailureThrottle; setupToken: FailureThrottle };

/**
 * Message sends: bursts of 20, then 5/s per user; with Redis for the sum over every node
 * (shared-buckets.ts), otherwise per node. Logins: LOGIN_POLICIES, in the database. Setup
 * tokens (services/setup.ts): 10 wrong ones per address in 15 minutes, then refused until the
 * window passes.
 */
export const createLimits = (shared: SharedRedis | null = null): Limits => ({
  send: shared ? new SharedTokenBuckets(shared, 20, 5) : new TokenBuckets(20, 5),
  login: new FailureThrottle(LOGIN_POLICIES),
  setupToken: new FailureThrottle({ setup: { windowMs: 15 * 60 * 1000, free: 10, baseDelayMs: 0, maxDelayMs: 0, lockAt: 10 } }),
});
