/**
 * How nodes share live events through Redis: sharded pub/sub (Redis 7) with a channel per room,
 * which a node subscribes to only while it has a member in the room. A node then receives only
 * the traffic of the rooms it serves, instead of decoding the whole cluster's. An emit to one
 * room goes to that room's channel; an emit to several rooms, and the cluster's requests (fetch
 * sockets, server-side events, joins on other nodes), go to the namespace's channel, which every
 * node hears.
 *
 * A subscription is live only once Redis has processed it: anything that reads the database to
 * catch a connection up after joining a room first waits for `subscriptionsLive`, so an event
 * published after that read reaches the room and one committed before it is in the read.
 */
import type { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Namespace } from 'socket.io';
import type { RedisLink } from './redis-link.js';

type Adapter = ReturnType<ReturnType<typeof createShardedAdapter>>;

/**
 * The adapter for every namespace. Publishing never holds up delivery on this node: the stock
 * adapter awaits each publish before its local delivery, so with Redis away a node would stop
 * serving its own clients. A publish that fails is a lost hint; the database has the truth, and
 * clients re-read when Redis returns.
 */
export async function clusterAdapter(link: RedisLink, prefix: string) {
  // Loaded only for a node that has Redis.
  const { createShardedAdapter } = await import('@socket.io/redis-adapter');
  const make = createShardedAdapter(link.pub, link.sub, { channelPrefix: prefix, subscriptionMode: 'dynamic' });
  // Socket.IO calls it with `new`: a plain function that returns the adapter object.
  return function adapterFor(nsp: Namespace): Adapter {
    const adapter = make(nsp);
    const publish = adapter.doPublish.bind(adapter);
    adapter.doPublish = (message) => {
      publish(message).catch(() => {});
      return Promise.resolve('');
    };
    return adapter;
  };
}

/**
 * Resolves once every subscription asked for so far is live: a PING sent behind them on the
 * subscriber connection has been answered (Redis answers a connection's commands in order). Gives
 * up after `maxMs` (Redis away: clients re-read when it returns). Without Redis, at once.
 */
export function subscriptionsLive(link: RedisLink | null, maxMs = 1000): Promise<void> {
  if (!link?.isUp()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, maxMs);
    link.sub.ping().then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}
