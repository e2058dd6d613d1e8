/**
 * Keeps open wallboards live (SPEC Part 2, "Insight": updates within 2 s of a change).
 *
 * A change is a domain event on the bus of the node where it happened (a chat requested, joined,
 * transferred, ended, abandoned, a callback asked for, a tech's status or grants, the wallboard's
 * settings) or a console connection coming or going on that node. That node tells every other
 * node ("wallboard:dirty", no figures: nothing of a chat crosses nodes this way) and each node
 * recomputes for the wallboards open on it alone.
 *
 * Coalesced: a round runs at most every MIN_GAP_MS, after a short settle (DEBOUNCE_MS) that lets
 * a burst of events (a join publishes several) make one round; changes during a round make one
 * more. In a round the shared inputs (settings, office hours, techs, who is connected) are read
 * once, and the figures once per distinct scope, each viewer getting those of their own scope
 * only. Every viewer's actor and permission is checked again in each round: one who lost it
 * gets nothing more and is dropped. Idle nodes (no wallboard open) read nothing.
 */
import type { Logger } from 'pino';
import type { Ctx } from '../services/context.js';
import type { DomainEventName } from '../../shared/events.js';
import { SERVER_EVENTS } from '../../shared/realtime.js';
import type { WallboardView } from '../../shared/wallboard.js';
import type { TechActor, Actor } from '../policies/access.js';
import { computeWallboard, loadWallboardBasis, mayOpenWallboard, notAllowed, scopeKey, startOfDay, type WallboardBasis } from '../services/wallboard.js';
import { officeStatus } from '../domain/office-hours.js';
import { wallboardViewerIds } from '../db/repositories/wallboard.js';
import type { SocketActors } from './socket-actors.js';
import { namespaces, type AnySocket, type ConsoleSocket, type RealtimeServer } from './namespaces.js';

export type WallboardPush = {
  /** Starts pushes to this socket; the figures now. Refused (403) unless its actor may open the wallboard. */
  watch(socket: AnySocket, actor: Actor): Promise<WallboardView>;
  unwatch(socket: AnySocket): void;
  /** The techs connected to the console anywhere in the cluster; null when that cannot be known now. */
  techsOnline(): Promise<ReadonlySet<number> | null>;
  stop(): void;
};

/** Server-to-server: something the wallboards show may have changed on the sending node. */
export const WALLBOARD_DIRTY = 'wallboard:dirty';

const DEBOUNCE_MS = 40;
const MIN_GAP_MS = 300;
/**
 * Figures that move with time alone (the rolling hour) are refreshed this often; the office hours
 * opening or closing, and midnight in their zone, are pushed when they come.
 */
const REFRESH_MS = 15_000;
/** How long asking the cluster who is connected may take. */
const CLUSTER_QUERY_MS = 1000;

const CHANGES: readonly DomainEventName[] = [
  'chat.requested',
  'chat.joined',
  'chat.tech_left',
  'chat.transferred',
  'chat.abandoned',
  'chat.callback_requested',
  'chat.ended',
  'chat.completed',
  'chat.user_left',
  'offer.settled',
  'tech.status_changed',
  'tech.access_changed',
  'wallboard.changed',
];

export function startWallboardPush(
  ctx: Ctx,
  io: RealtimeServer,
  log: Logger,
  opts: { clustered: boolean; actors: SocketActors; redisUp: () => boolean },
): WallboardPush {
  const { console: consoleNsp } = namespaces(io);
  const viewers = new Set<ConsoleSocket>();
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let again = false;
  let lastRun = 0;
  let stopped = false;
  let boundaryTimer: NodeJS.Timeout | null = null;

  /** The next instant the office hours' state or "today" changes by itself: a round then. */
  function armBoundary(basis: WallboardBasis) {
    if (boundaryTimer) clearTimeout(boundaryTimer);
    boundaryTimer = null;
    const status = officeStatus(basis.hours, basis.now);
    const today = startOfDay(basis.now, basis.hours.timezone);
    const nextDay = startOfDay(today.start + 36 * 3600_000, basis.hours.timezone).start;
    const next = [status.closesAt, status.nextOpenAt]
      .filter((x): x is string => x !== null)
      .map((x) => Date.parse(x))
      .concat(nextDay)
      .filter((t) => t > basis.now);
    const wait = Math.min(...next) - basis.now + 50;
    if (!Number.isFinite(wait) || wait > REFRESH_MS * 40) return;
    boundaryTimer = setTimeout(() => schedule(), wait);
    boundaryTimer.unref();
  }

  async function techsOnline(): Promise<ReadonlySet<number> | null> {
    const local = () => new Set([...consoleNsp.sockets.values()].map((s) => s.data.actorId));
    if (!opts.clustered) return local();
    if (!opts.redisUp()) return null;
    try {
      const sockets = await consoleNsp.timeout(CLUSTER_QUERY_MS).fetchSockets();
      return new Set(sockets.map((s) => s.data.actorId));
    } catch {
      return null;
    }
  }

  function schedule() {
    if (stopped || !viewers.size) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    const wait = Math.max(DEBOUNCE_MS, lastRun + MIN_GAP_MS - Date.now());
    timer = setTimeout(() => {
      timer = null;
      void round();
    }, wait);
  }

  async function round() {
    running = true;
    again = false;
    lastRun = Date.now();
    try {
      const [basis, online, granted] = await Promise.all([loadWallboardBasis(ctx), techsOnline(), wallboardViewerIds(ctx.db)]);
      armBoundary(basis);
      const grantedIds = new Set(granted);
      const groups = new Map<string, { tech: TechActor; sockets: ConsoleSocket[] }>();
      for (const s of [...viewers]) {
        const actor = await opts.actors.get(s);
        const allowed = actor?.kind === 'tech' && actor.id === s.data.actorId && (actor.role === 'admin' || grantedIds.has(actor.id));
        if (!allowed || !s.connected) {
          viewers.delete(s);
          // Told, so that the page says so instead of showing figures that no longer move.
          if (s.connected && actor) s.emit(SERVER_EVENTS.wallboardClosed, { code: 'wallboard_not_allowed' });
          continue;
        }
        const key = scopeKey(actor);
        const g = groups.get(key);
        if (g) g.sockets.push(s);
        else groups.set(key, { tech: actor, sockets: [s] });
      }
      for (const { tech, sockets } of groups.values()) {
        const view = await computeWallboard(ctx, basis, tech, online);
        for (const s of sockets) if (viewers.has(s)) s.emit(SERVER_EVENTS.wallboard, view);
      }
    } catch (err) {
      log.error({ err }, 'wallboard update failed');
    } finally {
      running = false;
      if (again) schedule();
    }
  }

  /** A change on this node: here, and on every other node. */
  let hinted = 0;
  let hintTimer: NodeJS.Timeout | null = null;
  function hintOthers() {
    if (!opts.clustered || hintTimer) return;
    const send = () => {
      hinted = Date.now();
      if (opts.redisUp()) {
        try {
          consoleNsp.serverSideEmit(WALLBOARD_DIRTY);
        } catch (err) {
          log.warn({ err }, 'wallboard change not told to the other nodes');
        }
      }
    };
    const wait = hinted + MIN_GAP_MS / 3 - Date.now();
    if (wait <= 0) send();
    else
      hintTimer = setTimeout(() => {
        hintTimer = null;
        send();
      }, wait);
  }
  function changed() {
    schedule();
    hintOthers();
  }

  const offs = CHANGES.map((name) => ctx.bus.on(name, () => changed()));
  const onDirty = () => schedule();
  consoleNsp.on(WALLBOARD_DIRTY, onDirty);
  const onConnection = (socket: ConsoleSocket) => {
    changed();
    socket.on('disconnect', () => {
      viewers.delete(socket);
      changed();
    });
  };
  consoleNsp.on('connection', onConnection);
  const refresh = setInterval(() => schedule(), REFRESH_MS);
  refresh.unref();

  return {
    async watch(socket, actor) {
      if (socket.nsp.name !== consoleNsp.name || actor.kind !== 'tech' || !(await mayOpenWallboard(ctx.db, actor))) throw notAllowed();
      const s = socket as ConsoleSocket;
      viewers.add(s);
      const [basis, online] = await Promise.all([loadWallboardBasis(ctx), techsOnline()]);
      return computeWallboard(ctx, basis, actor, online);
    },
    unwatch(socket) {
      viewers.delete(socket as ConsoleSocket);
    },
    techsOnline,
    stop() {
      stopped = true;
      for (const off of offs) off();
      consoleNsp.off(WALLBOARD_DIRTY, onDirty);
      consoleNsp.off('connection', onConnection);
      clearInterval(refresh);
      if (timer) clearTimeout(timer);
      if (hintTimer) clearTimeout(hintTimer);
      if (boundaryTimer) clearTimeout(boundaryTimer);
      viewers.clear();
    },
  };
}
