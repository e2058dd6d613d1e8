/**
 * Socket.IO on the API's port. Two namespaces, one per audience; the handshake needs the
 * audience's session cookie and an allowed Origin. With REDIS_URL, the Redis adapter carries
 * room emits to every node.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Ctx, Presence } from '../services/context.js';
import { actorFromToken } from '../services/auth.js';
import { COOKIE, type Audience } from '../http/session.js';
import { originAllowed } from '../http/origin.js';
import { portalCameOnline, portalWentOffline } from '../services/timers.js';
import { registerPortalHandlers, registerConsoleHandlers } from './handlers.js';
import { startFanout } from './fanout.js';
import { SERVER_EVENTS } from '../../shared/realtime.js';

export type Realtime = { io: Server; presence: Presence; close: () => Promise<void> };

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** Sockets of a room across the cluster; falls back to this node alone when Redis is away. */
async function roomSize(nsp: Namespace, room: string): Promise<number> {
  try {
    return (await nsp.in(room).fetchSockets()).length;
  } catch {
    return nsp.adapter.rooms.get(room)?.size ?? 0;
  }
}

export async function startRealtime(ctx: Ctx, server: HttpServer, log: Logger): Promise<Realtime> {
  const io = new Server(server, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 10000,
    pingTimeout: 8000,
    connectionStateRecovery: undefined,
    allowRequest: (req, cb) => cb(null, originAllowed(req.headers.origin, req.headers.host, ctx.config.allowedOrigins)),
  });
  const redis: Redis[] = [];
  if (ctx.config.redisUrl) {
    const pub = new Redis(ctx.config.redisUrl, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(200 * n, 2000) });
    const sub = pub.duplicate();
    redis.push(pub, sub);
    let down = false;
    for (const c of redis) {
      c.on('error', (err) => {
        if (!down) log.warn({ err: err.message }, 'redis unreachable; serving local clients only');
        down = true;
      });
    }
    sub.on('ready', () => {
      if (!down) return;
      down = false;
      log.info('redis is back; asking clients to catch up from the database');
      // Live events may have been lost meanwhile: clients re-read lists and messages after their seq.
      for (const nsp of [io.of('/portal'), io.of('/console')]) nsp.local.emit(SERVER_EVENTS.resync, {});
    });
    io.adapter(createAdapter(pub, sub, { requestsTimeout: 1500, key: 'helpdesk' }));
  }

  const portal = io.of('/portal');
  const consoleNsp = io.of('/console');
  const authenticate = (audience: Audience) => async (socket: Socket, next: (err?: Error) => void) => {
    try {
      const token = parseCookies(socket.handshake.headers.cookie)[COOKIE[audience]];
      const actor = await actorFromToken(ctx.db, token);
      if (!actor || actor.kind !== audience) return next(Object.assign(new Error('unauthenticated'), { data: { code: 'unauthenticated' } }));
      socket.data.actorId = actor.id;
      socket.data.token = token;
      socket.join(audience === 'tech' ? `tech:${actor.id}` : `portal:${actor.id}`);
      next();
    } catch (e) {
      log.error({ err: e }, 'socket auth failed');
      next(new Error('internal'));
    }
  };
  portal.use(authenticate('portal'));
  consoleNsp.use(authenticate('tech'));
  // The root namespace serves nobody.
  io.of('/').use((_s, next) => next(new Error('unauthenticated')));

  const presence: Presence = {
    isTechOnline: async (id) => (await roomSize(consoleNsp, `tech:${id}`)) > 0,
    isPortalOnline: async (id) => (await roomSize(portal, `portal:${id}`)) > 0,
  };

  portal.on('connection', (socket) => {
    const userId = socket.data.actorId as number;
    registerPortalHandlers(ctx, socket, log);
    void portalCameOnline(ctx, userId).catch((err) => log.error({ err }, 'presence update failed'));
    void fanoutPresence(userId, true);
    socket.on('disconnect', async () => {
      try {
        if (await presence.isPortalOnline(userId)) return;
        await portalWentOffline(ctx, userId);
        await fanoutPresence(userId, false);
      } catch (err) {
        log.error({ err }, 'presence update failed');
      }
    });
  });
  consoleNsp.on('connection', (socket) => registerConsoleHandlers(ctx, socket, log));

  /** Tells the techs in the user's open chats whether the user is connected. */
  async function fanoutPresence(userId: number, online: boolean) {
    const chats = await ctx.db.selectFrom('chats').select('id').where('requester_id', '=', userId).where('status', 'in', ['waiting', 'active']).execute();
    for (const c of chats) consoleNsp.to(`chat:${c.id}`).emit(SERVER_EVENTS.presence, { chatId: Number(c.id), userId, online });
  }

  const stopFanout = startFanout(ctx, io, log);
  return {
    io,
    presence,
    close: async () => {
      stopFanout();
      // The HTTP server belongs to Fastify, which closes it; here only the sockets and engine stop.
      for (const nsp of [portal, consoleNsp]) nsp.disconnectSockets(true);
      io.engine.close();
      for (const c of redis) c.disconnect();
    },
  };
}
