/**
 * The two Redis connections of the Socket.IO adapter, with their health. Redis only carries live
 * events between nodes: while it is away a node keeps serving its own clients, and when it comes
 * back the node tells them to re-read from the database what they may have missed.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type RedisLink = {
  pub: Redis;
  sub: Redis;
  /** Both connections are ready and the adapter's subscriptions are live. */
  isUp: () => boolean;
  /** Called each time the link comes back after having been lost. */
  onReturn: (fn: () => void) => void;
  close: () => Promise<void>;
};

/** Sharded pub/sub (cluster-adapter.ts) needs Redis 7 or later; `info` is the text of `INFO server`. */
export function supportsShardedPubSub(info: string): boolean {
  const major = Number(/^redis_version:(\d+)\./m.exec(info)?.[1]);
  return Number.isFinite(major) && major >= 7;
}

/** ioredis loads only on a node that has Redis (docs/benchmarks.md, issue 15: start and idle). */
export async function openRedisLink(url: string, log: Logger): Promise<RedisLink> {
  const { Redis } = await import('ioredis');
  // A command on the publishing connection while Redis is away fails at once (rejections are
  // handled below): nothing is queued to be sent when it returns, nor sent again after a drop. A
  // live event is only worth its moment; replayed later it travels back in time (an alert for a
  // chat already taken, an older status), and clients re-read from the database on return anyway.
  const pub = new Redis(url, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (n) => Math.min(100 * n, 1000),
  });
  // The subscriber connects when the adapter first subscribes: its SUBSCRIBE then waits in the
  // offline queue for the connection's ready check. Issued while that check is under way (the
  // link opened early, the adapter created later), it made the check fail with "Connection in
  // subscriber mode" and cost a reconnect.
  const sub = pub.duplicate({ lazyConnect: true, enableOfflineQueue: true, autoResendUnfulfilledCommands: true });
  const ready = new Map<Redis, boolean>([
    [pub, false],
    [sub, false],
  ]);
  let everUp = false;
  let lost = false;
  // An older Redis refuses the sharded subscriptions: the link never counts as up (so /api/ready
  // fails) and the log says why.
  let unsupported = false;
  pub.on('ready', () => {
    pub
      .info('server')
      .then((info) => {
        if (!supportsShardedPubSub(info)) refused(new Error('unknown command'));
      })
      .catch(() => {});
  });
  let closing = false;
  const returned: (() => void)[] = [];

  for (const c of [pub, sub]) {
    c.on('error', (err: Error) => {
      if (closing) return;
      // Logged once per outage; an outage before the first connection counts too, since clients
      // may already be connected to this node and miss other nodes' events.
      if (!lost) log.warn({ err: err.message }, 'redis unreachable; serving local clients only');
      lost = true;
    });
    c.on('close', () => {
      ready.set(c, false);
      if (everUp && !closing) {
        if (!lost) log.warn('redis connection lost; serving local clients only');
        lost = true;
      }
    });
    c.on('ready', () => {
      ready.set(c, true);
      if (![...ready.values()].every(Boolean)) return;
      everUp = true;
      if (!lost) return;
      lost = false;
      // The subscriber re-subscribes on reconnect; a PING queued behind those commands answers once
      // the subscriptions are live, so nothing published after the resync below is missed.
      void sub
        .ping()
        .catch(() => {})
        .then(() => {
          log.warn('redis is back; asking clients to catch up from the database');
          for (const fn of returned) fn();
        });
    });
  }
  // The adapter never awaits these commands: a rejection must not end the process. A publish
  // that fails (for example while closing) is a lost hint; the database has the truth. A Redis
  // that does not know the sharded commands (older than 7, or with them renamed away) cannot
  // carry the cluster's events: the link then never counts as up.
  const refused = (err: unknown) => {
    if (!/unknown command/i.test(String((err as Error)?.message))) return;
    if (!unsupported) log.error('Redis 7 or later is needed (sharded pub/sub carries live events between nodes)');
    unsupported = true;
  };
  for (const c of [pub, sub]) {
    for (const name of ['publish', 'spublish', 'ssubscribe', 'sunsubscribe'] as const) {
      const raw = (c[name] as (...a: unknown[]) => Promise<unknown>).bind(c);
      (c as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name] = (...args: unknown[]) => {
        const p = raw(...args);
        p.catch(refused);
        return p;
      };
    }
  }

  return {
    pub,
    sub,
    isUp: () => !unsupported && [...ready.values()].every(Boolean),
    onReturn: (fn) => void returned.push(fn),
    close: async () => {
      closing = true;
      for (const c of [pub, sub]) {
        // QUIT lets queued commands finish when Redis is there; when it is not, do not wait for it.
        await Promise.race([c.quit().catch(() => {}), new Promise((r) => setTimeout(r, 500).unref())]);
        c.disconnect();
      }
    },
  };
}
