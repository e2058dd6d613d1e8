/**
 * Presence shared by a cluster's nodes: their heartbeats and their portal users' connections
 * (realtime/cluster-presence.ts). A connection counts only while its node's row exists: a node
 * found dead is removed with its connections in one step.
 */
import type { Db } from '../database.js';

export async function upsertNode(db: Db, nodeId: string, now: number): Promise<void> {
  await db
    .insertInto('cluster_nodes')
    .values({ node_id: nodeId, started_at: now, seen_at: now })
    .onConflict((oc) => oc.column('node_id').doUpdateSet({ seen_at: now }))
    .execute();
}

/** The node's heartbeat; false when its row is gone (another node found it dead). */
export async function touchNode(db: Db, nodeId: string, now: number): Promise<boolean> {
  const r = await db.updateTable('cluster_nodes').set({ seen_at: now }).where('node_id', '=', nodeId).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function addConnections(db: Db, nodeId: string, rows: { socketId: string; userId: number }[], now: number): Promise<void> {
  if (!rows.length) return;
  await db
    .insertInto('portal_connections')
    .values(rows.map((r) => ({ socket_id: r.socketId, node_id: nodeId, user_id: r.userId, since: now })))
    .onConflict((oc) => oc.column('socket_id').doNothing())
    .execute();
}

export async function removeConnection(db: Db, socketId: string): Promise<void> {
  await db.deleteFrom('portal_connections').where('socket_id', '=', socketId).execute();
}

/** Whether the user has a connection on a node that is still counted. */
export async function userConnected(db: Db, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('portal_connections')
    .innerJoin('cluster_nodes', 'cluster_nodes.node_id', 'portal_connections.node_id')
    .select('portal_connections.socket_id')
    .where('portal_connections.user_id', '=', userId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Nodes other than `self` whose last heartbeat is older than `before`. */
export async function staleNodes(db: Db, self: string, before: number): Promise<string[]> {
  const rows = await db.selectFrom('cluster_nodes').select('node_id').where('seen_at', '<', before).where('node_id', '<>', self).execute();
  return rows.map((r) => r.node_id);
}

/**
 * Removes a node and its connections; the users who had a connection there. Only while its
 * heartbeat is still older than `before`: a node that came back meanwhile stays.
 */
export async function removeNode(db: Db, nodeId: string, before: number): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('cluster_nodes').where('node_id', '=', nodeId).where('seen_at', '<', before).executeTakeFirst();
    if (Number(gone.numDeletedRows) === 0) return [];
    const rows = await trx.deleteFrom('portal_connections').where('node_id', '=', nodeId).returning('user_id').execute();
    return [...new Set(rows.map((r) => Number(r.user_id)))];
  });
}

/** A node's own rows, at a graceful stop (its users' disconnects have been handled). */
export async function removeOwnNode(db: Db, nodeId: string): Promise<void> {
  await db.deleteFrom('portal_connections').where('node_id', '=', nodeId).execute();
  await db.deleteFrom('cluster_nodes').where('node_id', '=', nodeId).execute();
}
