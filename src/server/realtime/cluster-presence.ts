/**
 * Whether a portal user is connected somewhere in a cluster, read from rows every node writes
 * (db/repositories/presence.ts), never from a question over Redis: such a question is answered
 * only by the nodes subscribed at that moment, so right after Redis returns a node that has not
 * re-subscribed yet made its users look offline, and their grace was armed while they were there.
 *
 * Each node writes a row per portal connection when it connects (before the connection is
 * accepted) and deletes it when it ends, and keeps a heartbeat. A node whose heartbeat is older
 * than the node timeout is dead to the others: the first to notice removes it with its
 * connections and arms the grace of its users who are connected nowhere else, as if each had
 * disconnected then. A node that was only stalled (a long pause) finds its row gone at its next
 * heartbeat and writes itself and its connections again, which disarms those graces.
 */
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { Ctx } from '../services/context.js';
import { addConnections, removeConnection, removeNode, removeOwnNode, staleNodes, touchNode, upsertNode, userConnected } from '../db/repositories/presence.js';

export type ClusterPresence = {
  readonly nodeId: string;
  /** Starts the heartbeat; resolves once this node is counted. */
  start(): Promise<void>;
  connected(socketId: string, userId: number): Promise<void>;
  disconnected(socketId: string): Promise<void>;
  isOnline(userId: number): Promise<boolean>;
  /** Stops the heartbeat and removes this node's rows (its users' disconnects are handled first). */
  stop(): Promise<void>;
};

export function startClusterPresence(
  ctx: Ctx,
  log: Logger,
  opts: {
    /** This node's portal connections now, to write again after being found dead. */
    localConnections: () => { socketId: string; userId: number }[];
    /** Users found connected nowhere after a node's removal (their grace is armed). */
    wentOffline: (userId: number) => Promise<void>;
    /** Users of this node counted again after it was found dead (their grace is disarmed). */
    cameBack: (userId: number) => Promise<void>;
  },
): ClusterPresence {
  // A new id per start: rows of an earlier run of this node are an earlier node's, and die with it.
  const nodeId = `${ctx.config.nodeId}:${crypto.randomBytes(4).toString('hex')}`;
  const timeoutMs = ctx.config.nodeTimeoutMs;
  const beatMs = Math.max(100, Math.min(1000, Math.floor(timeoutMs / 4)));
  // Liveness runs on the wall clock, whatever clock the chat timers use.
  const wall = () => Date.now();
  let timer: NodeJS.Timeout | null = null;
  let beating = false;
  let stopped = false;

  async function rejoin() {
    await upsertNode(ctx.db, nodeId, wall());
    const rows = opts.localConnections();
    await addConnections(ctx.db, nodeId, rows, wall());
    for (const userId of new Set(rows.map((r) => r.userId))) await opts.cameBack(userId);
    log.warn({ node: nodeId, connections: rows.length }, 'this node was counted as gone (no heartbeat in time); its connections are counted again');
  }

  async function beat() {
    if (beating || stopped) return;
    beating = true;
    try {
      if (!(await touchNode(ctx.db, nodeId, wall()))) await rejoin();
      const before = wall() - timeoutMs;
      for (const dead of await staleNodes(ctx.db, nodeId, before)) {
        const users = await removeNode(ctx.db, dead, before);
        log.warn({ node: dead, users: users.length }, 'a node stopped beating; its connections no longer count');
        for (const userId of users) if (!(await userConnected(ctx.db, userId))) await opts.wentOffline(userId);
      }
    } catch (err) {
      log.error({ err }, 'presence heartbeat failed');
    } finally {
      beating = false;
    }
  }

  return {
    nodeId,
    async start() {
      await upsertNode(ctx.db, nodeId, wall());
      timer = setInterval(() => void beat(), beatMs);
      timer.unref();
    },
    connected: (socketId, userId) => addConnections(ctx.db, nodeId, [{ socketId, userId }], wall()),
    disconnected: (socketId) => removeConnection(ctx.db, socketId),
    isOnline: (userId) => userConnected(ctx.db, userId),
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      while (beating) await new Promise((r) => setTimeout(r, 10));
      await removeOwnNode(ctx.db, nodeId).catch((err) => log.error({ err }, 'presence rows not removed'));
    },
  };
}
