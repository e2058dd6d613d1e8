/**
 * Socket.IO on the API's port. Two namespaces, one per audience; the handshake needs the
 * audience's session cookie and an allowed Origin. With REDIS_URL, the Redis adapter carries
 * room emits to every node.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Logger } from 'pino';
import type { Ctx, Presence } from '../services/context.js';
import { actorFromToken } from '../services/auth.js';
import { mustSetUpTwoFactor } from '../services/two-factor.js';
import { COOKIE, type Audience } from '../http/session.js';
import { requestOriginAllowed } from '../http/origin.js';
import { portalCameOnline, portalWentOffline } from '../services/timers.js';
import { registerHandlers, sessionTokens } from './handlers.js';
import { startFanout } from './fanout.js';
import {
  namespaces,
  type AnySocket,
  type ConsoleNamespace,
  type InterServerEvents,
  type NoEvents,
  type PortalNamespace,
  type RealtimeServer,
  type SocketData,
} from './namespaces.js';
import type { RedisLink } from './redis-link.js';
import { clusterAdapter, subscriptionsLive } from './cluster-adapter.js';
import { wireParser } from './wire.js';
import { startSessionSweep } from './session-sweep.js';
import { createSocketActors } from './socket-actors.js';
import { startClusterPresence } from './cluster-presence.js';
import { startWallboardPush } from './wallboard-push.js';

export type Realtime = {
  io: RealtimeServer;
  presence: Presence;
  /** This node's connections per side. */
  connections: () => { portal: number; console: number };
  /** Whether the Redis link is up; null without REDIS_URL. */
  redisUp: (() => boolean) | null;
  close: () => Promise<void>;
};

/** How long a cluster-wide question (who is online?) may take before this node answers alone. */
const CLUSTER_QUERY_MS = 1500;

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // A malformed cookie is no session; the handshake is refused below.
    }
  }
  return out;
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

/** `link`: the Redis connections (opened and closed by the composition root), or null on one node. */
export async function startRealtime(ctx: Ctx, server: HttpServer, log: Logger, link: RedisLink | null): Promise<Realtime> {
  const io = new Server<NoEvents, NoEvents, InterServerEvents, SocketData>(server, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 10000,
    pingTimeout: 8000,
    // A message view is encoded once for every packet that carries it (wire.ts).
    parser: wireParser,
    allowRequest: (req, cb) => cb(null, requestOriginAllowed(req, ctx.config.trustProxy, ctx.config.allowedOrigins)),
  });
  // Kept per connection only while every node can tell this one about changes (see socket-actors.ts).
  const actors = createSocketActors(ctx.db, { tokenOf: (s) => sessionTokens.get(s), trusted: () => !link || link.isUp() });
  if (link) {
    // Live events may have been lost meanwhile: clients re-read lists and messages after their seq,
    // and every connection's actor is read again (a notice of a change may be among the losses).
    link.onReturn(() => {
      actors.forgetAll();
      fanout.resyncLocal();
      // A chat moved to another board meanwhile was re-checked on its own node only: here too.
      void fanout.recheckStreamsLocal().catch((err) => log.error({ err }, 'stream recheck after Redis returned failed'));
    });
    io.adapter((await clusterAdapter(link, ctx.config.redisPrefix)) as never);
  }
  /** Waits until the rooms joined so far hear the cluster (cluster-adapter.ts); at once on one node. */
  const roomsLive = () => subscriptionsLive(link);

  // Created once the adapter is set: every namespace it takes must use it.
  const fanout = startFanout(ctx, io, log, { clustered: link !== null, actors, roomsLive, redisUp: () => link?.isUp() ?? false });
  const wallboard = startWallboardPush(ctx, io, log, { clustered: link !== null, actors, redisUp: () => link?.isUp() ?? false });

  /** Sockets of a room across the cluster, or null when that cannot be known (Redis away or slow). */
  async function roomSize(nsp: PortalNamespace | ConsoleNamespace, room: string): Promise<number | null> {
    const local = nsp.adapter.rooms.get(room)?.size ?? 0;
    if (local > 0 || !link) return local;
    if (!link.isUp()) return null;
    try {
      return (await withTimeout(nsp.in(room).fetchSockets(), CLUSTER_QUERY_MS + 200)).length;
    } catch {
      return null;
    }
  }

  const { portal, console: consoleNsp } = namespaces(io);
  // Several nodes: portal presence in the database (cluster-presence.ts); one node: its own rooms.
  const shared = link
    ? startClusterPresence(ctx, log, {
        localConnections: () => [...portal.sockets.values()].map((s) => ({ socketId: s.id, userId: s.data.actorId })),
        wentOffline: (userId) => wentAway(userId),
        cameBack: async (userId) => {
          await portalCameOnline(ctx, userId);
          await fanout.presence(userId, true);
        },
      })
    : null;
  await shared?.start();
  const refuse = (next: (err?: Error) => void) => next(Object.assign(new Error('unauthenticated'), { data: { code: 'unauthenticated' } }));
  const authenticate = (audience: Audience) => async (socket: AnySocket, next: (err?: Error) => void) => {
    try {
      const token = parseCookies(socket.handshake.headers.cookie)[COOKIE[audience]];
      const actor = token ? await actorFromToken(ctx.db, token) : null;
      if (!actor || actor.kind !== audience) return refuse(next);
      // A tech an admin requires to set up two-factor does that first (services/two-factor.ts).
      if (actor.kind === 'tech' && (await mustSetUpTwoFactor(ctx.db, actor.id)))
        return next(Object.assign(new Error('totp_required'), { data: { code: 'totp_required' } }));
      socket.data.actorId = actor.id;
      // Kept off socket.data, which fetchSockets() ships to other nodes through Redis.
      sessionTokens.set(socket, token);
      socket.join(audience === 'tech' ? `tech:${actor.id}` : `portal:${actor.id}`);
      if (audience === 'portal' && shared) {
        // Counted before the connection is accepted: what the user does next finds them online.
        // The row goes with the transport, even if the connection is never accepted.
        await shared.connected(socket.id, actor.id);
        socket.conn.once('close', () => track(shared.disconnected(socket.id).catch((err) => log.error({ err }, 'presence update failed'))));
      }
      // Connected once the user's room hears the cluster: what the page reads next is not outrun.
      await roomsLive();
      next();
    } catch (e) {
      log.error({ err: e }, 'socket auth failed');
      next(new Error('internal'));
    }
  };
  portal.use(authenticate('portal'));
  consoleNsp.use(authenticate('tech'));
  // The root namespace serves nobody.
  io.of('/').use((_s, next) => refuse(next));

  // A tech's presence only chooses who is alerted first: when the cluster cannot be asked, a tech
  // connected elsewhere counts as offline (everyone is alerted at once). A portal user's decides
  // their grace, so it is read from the rows every node writes (cluster-presence.ts).
  const presence: Presence = {
    isTechOnline: async (id) => ((await roomSize(consoleNsp, `tech:${id}`)) ?? 0) > 0,
    isPortalOnline: async (id) => (shared ? shared.isOnline(id) : (portal.adapter.rooms.get(`portal:${id}`)?.size ?? 0) > 0),
    techsOnline: () => wallboard.techsOnline(),
  };

  /** Presence work in flight, so that close() lets it finish before the database closes. */
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  portal.on('connection', (socket) => {
    const userId = socket.data.actorId;
    registerHandlers({ ctx, socket, log, actors, fanout, wallboard, roomsLive });
    void portalCameOnline(ctx, userId)
      .then(() => fanout.presence(userId, true))
      .catch((err) => log.error({ err }, 'presence update failed'));
    socket.on('disconnect', () => track((shared?.disconnected(socket.id) ?? Promise.resolve()).then(() => wentAway(userId))));
  });
  consoleNsp.on('connection', (socket) => registerHandlers({ ctx, socket, log, actors, fanout, wallboard, roomsLive }));

  async function wentAway(userId: number) {
    try {
      if (await presence.isPortalOnline(userId)) return;
      await portalWentOffline(ctx, userId);
      // A new connection may have arrived (here or on another node) while the grace was being
      // set; it clears the grace after joining its room, so checking again after setting it
      // leaves no window in which a connected user keeps a running grace.
      if (await presence.isPortalOnline(userId)) {
        await portalCameOnline(ctx, userId);
        return;
      }
      await fanout.presence(userId, false);
    } catch (err) {
      log.error({ err }, 'presence update failed');
    }
  }

  const stopSessionSweep = startSessionSweep(ctx, io, log);
  return {
    io,
    presence,
    connections: () => ({ portal: portal.sockets.size, console: consoleNsp.sockets.size }),
    redisUp: link ? () => link!.isUp() : null,
    close: async () => {
      fanout.stop();
      wallboard.stop();
      stopSessionSweep();
      // Only this node's clients: through the Redis adapter a plain disconnectSockets() would
      // disconnect every client of the cluster. They reconnect to another node.
      for (const nsp of [portal, consoleNsp]) nsp.local.disconnectSockets(true);
      // The HTTP server belongs to Fastify, which closes it (io.close() would close it twice).
      io.engine.close();
      // The users of this node are gone from it: their graces start (and stop again when they
      // reconnect to another node) before the database closes.
      await withTimeout(Promise.allSettled([...inFlight]), 3000).catch(() => {});
      await shared?.stop();
      for (const nsp of [io.of('/'), portal, consoleNsp]) await Promise.resolve(nsp.adapter.close()).catch(() => {});
    },
  };
}
