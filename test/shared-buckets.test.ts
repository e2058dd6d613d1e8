/**
 * The send limit's shared buckets on a Redis of the test's own: two instances (two nodes) take
 * from one bucket; with Redis stopped each falls back to its own memory at once, never waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { clusterUnavailable, OwnRedis } from './support/cluster.js';
import { SharedTokenBuckets } from '../src/server/services/shared-buckets.js';

const skip = clusterUnavailable();

describe.skipIf(!!skip)('shared send buckets', () => {
  let redis: OwnRedis;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await OwnRedis.start();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });
  const node = (prefix = 'test') => {
    const c = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 200 });
    c.on('error', () => {});
    clients.push(c);
    let up = false;
    c.on('ready', () => (up = true));
    c.on('close', () => (up = false));
    return { buckets: new SharedTokenBuckets({ redis: c, isUp: () => up, prefix }, 4, 2), ready: new Promise((r) => c.once('ready', r)) };
  };
  const take = async (b: SharedTokenBuckets, key: string, now: number) => {
    try {
      await b.take(key, now);
      return 0;
    } catch (e) {
      return (e as { details: { retryAfterMs: number } }).details.retryAfterMs;
    }
  };

  it('two nodes take from one bucket; it refills for both; another key and another deployment have their own', async () => {
    const a = node();
    const b = node();
    const other = node('another-deployment');
    await Promise.all([a.ready, b.ready, other.ready]);
    const now = 1_000_000;
    expect([
      await take(a.buckets, 'portal:1', now),
      await take(b.buckets, 'portal:1', now),
      await take(a.buckets, 'portal:1', now),
      await take(b.buckets, 'portal:1', now),
    ]).toEqual([0, 0, 0, 0]);
    expect(await take(b.buckets, 'portal:1', now)).toBe(500);
    expect(await take(a.buckets, 'portal:1', now)).toBe(500);
    expect(await take(a.buckets, 'portal:2', now)).toBe(0);
    expect(await take(other.buckets, 'portal:1', now)).toBe(0);
    // Half a second later one token has come back, for whichever node asks first.
    expect(await take(b.buckets, 'portal:1', now + 500)).toBe(0);
    expect(await take(a.buckets, 'portal:1', now + 500)).toBeGreaterThan(0);
  });

  it('with Redis away each node counts alone, at once', async () => {
    const a = node();
    await a.ready;
    await redis.stop();
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const waits = [];
    for (let i = 0; i < 5; i++) waits.push(await take(a.buckets, 'portal:9', 2_000_000));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(waits.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(waits[4]).toBeGreaterThan(0);
    await redis.start();
  });
});
