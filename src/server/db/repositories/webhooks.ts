/** SQL of webhooks (services/webhooks.ts, webhook-events.ts, webhook-delivery.ts). */
import type { Selectable } from 'kysely';
import type { Tx } from '../database.js';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../schema.js';

export type EndpointRow = Selectable<WebhookEndpointsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const asEndpoint = (r: EndpointRow): EndpointRow => ({
  ...r,
  id: Number(r.id),
  paused_at: n(r.paused_at),
  failing_since: n(r.failing_since),
  failure_count: Number(r.failure_count),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});
const asDelivery = (r: DeliveryRow): DeliveryRow => ({
  ...r,
  id: Number(r.id),
  endpoint_id: Number(r.endpoint_id),
  chat_id: n(r.chat_id),
  next_attempt_at: n(r.next_attempt_at),
  created_at: Number(r.created_at),
  finished_at: n(r.finished_at),
});

export async function listEndpoints(db: Tx): Promise<EndpointRow[]> {
  return (await db.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute()).map(asEndpoint);
}

export async function findEndpoint(db: Tx, id: number): Promise<EndpointRow | undefined> {
  const r = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  return r && asEndpoint(r);
}

export async function insertEndpoint(db: Tx, row: Omit<EndpointRow, 'id' | 'paused_at' | 'pause_reason' | 'failing_since' | 'failure_count'>): Promise<number> {
  const r = await db
    .insertInto('webhook_endpoints')
    .values({ ...row, paused_at: null, pause_reason: null, failing_since: null, failure_count: 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function updateEndpoint(db: Tx, id: number, set: Partial<Omit<EndpointRow, 'id'>>): Promise<boolean> {
  const r = await db.updateTable('webhook_endpoints').set(set).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteEndpoint(db: Tx, id: number): Promise<boolean> {
  const deliveries = db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id);
  await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
  await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
  const r = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function insertDelivery(db: Tx, row: Omit<DeliveryRow, 'id' | 'next_attempt_at' | 'finished_at'>): Promise<number> {
  const r = await db
    .insertInto('webhook_deliveries')
    .values({ ...row, next_attempt_at: null, finished_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function findDelivery(db: Tx, id: number): Promise<DeliveryRow | undefined> {
  const r = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  return r && asDelivery(r);
}

export async function setDelivery(
  db: Tx,
  id: number,
  set: Partial<Pick<DeliveryRow, 'status' | 'next_attempt_at' | 'finished_at'>>,
  onlyIf?: { notStatus: DeliveryRow['status'] },
) {
  let q = db.updateTable('webhook_deliveries').set(set).where('id', '=', id);
  if (onlyIf) q = q.where('status', '<>', onlyIf.notStatus);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The newest deliveries of an endpoint, with their attempts (oldest first). */
export async function recentDeliveries(db: Tx, endpointId: number, limit: number) {
  const deliveries = (
    await db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('id', 'desc').limit(limit).execute()
  ).map(asDelivery);
  const ids = deliveries.map((d) => d.id);
  const attempts = ids.length ? await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', ids).orderBy('id').execute() : [];
  return deliveries.map((d) => ({
    ...d,
    attempts: attempts
      .filter((a) => Number(a.delivery_id) === d.id)
      .map((a) => ({ ...a, at: Number(a.at), status: n(a.status), duration_ms: Number(a.duration_ms) })),
  }));
}

/** Held deliveries of an endpoint created since `since`: queued again when it is resumed. */
export async function heldDeliveryIds(db: Tx, endpointId: number, since: number): Promise<number[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'held')
    .where('created_at', '>=', since)
    .orderBy('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

/** An attempt about to be made; `finishAttempt` records its result. Left as it is when the node dies meanwhile. */
export async function startAttempt(db: Tx, deliveryId: number, at: number, unfinished: string): Promise<number> {
  const r = await db
    .insertInto('webhook_attempts')
    .values({ delivery_id: deliveryId, at, status: null, duration_ms: 0, error: unfinished, excerpt: '' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function finishAttempt(db: Tx, id: number, result: { status: number | null; duration_ms: number; error: string | null; excerpt: string }) {
  await db.updateTable('webhook_attempts').set(result).where('id', '=', id).execute();
}

/** Counts a failed attempt against the endpoint; returns its failure streak after it. */
export async function countFailure(
  db: Tx,
  id: number,
  now: number,
): Promise<{ failing_since: number; failure_count: number; paused_at: number | null } | undefined> {
  const r = await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({ failure_count: eb('failure_count', '+', 1), failing_since: eb.fn.coalesce('failing_since', eb.val(now)) }))
    .where('id', '=', id)
    .returning(['failing_since', 'failure_count', 'paused_at'])
    .executeTakeFirst();
  return r && { failing_since: Number(r.failing_since), failure_count: Number(r.failure_count), paused_at: n(r.paused_at) };
}

export async function countSuccess(db: Tx, id: number) {
  await db.updateTable('webhook_endpoints').set({ failure_count: 0, failing_since: null }).where('id', '=', id).where('failure_count', '>', 0).execute();
}

/** Removes deliveries (and their attempts) created before `before`. */
export async function purgeDeliveries(db: Tx, before: number): Promise<void> {
  const old = db.selectFrom('webhook_deliveries').select('id').where('created_at', '<', before);
  await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', old).execute();
  await db.deleteFrom('webhook_deliveries').where('created_at', '<', before).execute();
}

/**
 * The deliveries about these chats keep their type and id but lose their data: their requester
 * was erased (services/privacy.ts). A resend then sends the redacted body.
 */
export async function redactDeliveriesOfChats(db: Tx, chatIds: number[]): Promise<void> {
  if (chatIds.length === 0) return;
  const rows = await db.selectFrom('webhook_deliveries').select(['id', 'body']).where('chat_id', 'in', chatIds).execute();
  for (const r of rows) {
    const { type, timestamp, data } = JSON.parse(r.body) as { type: string; timestamp: string; data: { chat?: { id: number }; chatId?: number } };
    const body = JSON.stringify({ type, timestamp, data: { erased: true, chatId: data.chat?.id ?? data.chatId ?? null } });
    await db.updateTable('webhook_deliveries').set({ body }).where('id', '=', Number(r.id)).execute();
  }
  await db
    .updateTable('webhook_attempts')
    .set({ excerpt: '' })
    .where('delivery_id', 'in', db.selectFrom('webhook_deliveries').select('id').where('chat_id', 'in', chatIds))
    .execute();
}
