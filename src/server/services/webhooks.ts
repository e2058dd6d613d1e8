/**
 * Webhook endpoints, managed by admins (SPEC Part 2, "Webhooks"): URL, chosen events, format.
 * The signing secret (`whsec_…`) is returned once, at creation and on rotation, never in a list
 * or log. Deliveries are written with the change they report (webhook-events.ts) and sent by the
 * `webhook` job (webhook-delivery.ts); the log keeps every attempt, and a delivery can be sent
 * again with the same `webhook-id`. A paused endpoint holds its deliveries; resuming it sends
 * those of the last day.
 */
import crypto from 'node:crypto';
import { Conflict, NotFound } from '../errors.js';
import {
  deleteEndpoint,
  findDelivery,
  findEndpoint,
  heldDeliveryIds,
  insertEndpoint,
  listEndpoints,
  recentDeliveries,
  setDelivery,
  updateEndpoint,
  type EndpointRow,
} from '../db/repositories/webhooks.js';
import type { WebhookBody, WebhookDeliveryView, WebhookEndpointView, WebhookEvent, WebhookList, WebhookPatch, WebhookSecret } from '../../shared/webhooks.js';
import { checkWebhookUrl, maskedUrl } from './webhook-address.js';
import { WEBHOOK_JOB, webhookEndpointAdded } from './webhook-events.js';
import { queueJob } from './jobs.js';
import { inTransaction, type Ctx } from './context.js';

const DAY = 24 * 3600 * 1000;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** A new secret: 32 random bytes, base64, with the Standard Webhooks prefix. */
export const newSecret = () => `whsec_${crypto.randomBytes(32).toString('base64')}`;

function present(r: EndpointRow): WebhookEndpointView {
  return {
    id: r.id,
    url: maskedUrl(r.url),
    description: r.description,
    events: JSON.parse(r.events) as WebhookEvent[],
    format: r.format,
    createdAt: iso(r.created_at),
    paused: r.paused_at === null ? null : { at: iso(r.paused_at), reason: r.pause_reason ?? 'Paused' },
    failing: r.failing_since === null ? null : { since: iso(r.failing_since), count: r.failure_count },
  };
}

async function endpointOr404(ctx: Ctx, id: number): Promise<EndpointRow> {
  const row = await findEndpoint(ctx.db, id);
  if (!row) throw new NotFound('Webhook endpoint');
  return row;
}

export async function listWebhooks(ctx: Ctx): Promise<WebhookList> {
  return {
    endpoints: (await listEndpoints(ctx.db)).map(present),
    privateAddresses: ctx.config.webhooks.privateAddresses,
    publicUrl: ctx.config.publicUrl,
  };
}

export async function createWebhook(ctx: Ctx, input: WebhookBody): Promise<WebhookSecret> {
  const url = checkWebhookUrl(input.url, ctx.config.webhooks.privateAddresses);
  const secret = newSecret();
  const now = ctx.now();
  const id = await insertEndpoint(ctx.db, {
    url,
    description: input.description,
    events: JSON.stringify([...new Set(input.events)]),
    format: input.format,
    secret,
    created_at: now,
    updated_at: now,
  });
  webhookEndpointAdded(ctx);
  return { endpoint: present(await endpointOr404(ctx, id)), secret };
}

export async function updateWebhook(ctx: Ctx, id: number, input: WebhookPatch): Promise<WebhookEndpointView> {
  await endpointOr404(ctx, id);
  const set: Partial<EndpointRow> = { updated_at: ctx.now() };
  if (input.url !== undefined) set.url = checkWebhookUrl(input.url, ctx.config.webhooks.privateAddresses);
  if (input.description !== undefined) set.description = input.description;
  if (input.events !== undefined) set.events = JSON.stringify([...new Set(input.events)]);
  if (input.format !== undefined) set.format = input.format;
  await updateEndpoint(ctx.db, id, set);
  return present(await endpointOr404(ctx, id));
}

export async function deleteWebhook(ctx: Ctx, id: number): Promise<void> {
  const gone = await ctx.db.transaction().execute((trx) => deleteEndpoint(trx, id));
  if (!gone) throw new NotFound('Webhook endpoint');
}

/** A new signing secret, shown once; the old one stops signing at once. */
export async function rotateSecret(ctx: Ctx, id: number): Promise<WebhookSecret> {
  await endpointOr404(ctx, id);
  const secret = newSecret();
  await updateEndpoint(ctx.db, id, { secret, updated_at: ctx.now() });
  return { endpoint: present(await endpointOr404(ctx, id)), secret };
}

export async function pauseWebhook(ctx: Ctx, id: number, by: string): Promise<WebhookEndpointView> {
  const row = await endpointOr404(ctx, id);
  if (row.paused_at === null) await updateEndpoint(ctx.db, id, { paused_at: ctx.now(), pause_reason: `Paused by ${by}.`, updated_at: ctx.now() });
  return present(await endpointOr404(ctx, id));
}

/** Delivers again: the failure streak starts over, and what was held in the last day is queued. */
export async function resumeWebhook(ctx: Ctx, id: number): Promise<WebhookEndpointView> {
  await endpointOr404(ctx, id);
  await inTransaction(ctx, async (trx, outbox) => {
    const now = ctx.now();
    await updateEndpoint(trx, id, { paused_at: null, pause_reason: null, failing_since: null, failure_count: 0, updated_at: now });
    for (const deliveryId of await heldDeliveryIds(trx, id, now - DAY)) {
      await setDelivery(trx, deliveryId, { status: 'pending', next_attempt_at: now, finished_at: null });
      await queueJob(trx, outbox, { kind: WEBHOOK_JOB, payload: { deliveryId }, now });
    }
  });
  return present(await endpointOr404(ctx, id));
}

export async function listDeliveries(ctx: Ctx, id: number): Promise<WebhookDeliveryView[]> {
  await endpointOr404(ctx, id);
  return (await recentDeliveries(ctx.db, id, 100)).map((d) => ({
    id: d.id,
    eventId: d.event_id,
    type: d.event_type as WebhookEvent,
    status: d.status,
    createdAt: iso(d.created_at),
    nextAttemptAt: iso(d.next_attempt_at),
    attempts: d.attempts.map((a) => ({ at: iso(a.at), status: a.status, durationMs: a.duration_ms, error: a.error, excerpt: a.excerpt })),
  }));
}

/**
 * Sends a delivery again, with its event's id and body (a receiver sees the same `webhook-id`),
 * retried for a day like a new one. One still being delivered is refused.
 */
export async function resendDelivery(ctx: Ctx, endpointId: number, deliveryId: number): Promise<void> {
  const d = await findDelivery(ctx.db, deliveryId);
  if (!d || d.endpoint_id !== endpointId) throw new NotFound('Delivery');
  await inTransaction(ctx, async (trx, outbox) => {
    const now = ctx.now();
    const changed = await setDelivery(trx, deliveryId, { status: 'pending', next_attempt_at: now, finished_at: null }, { notStatus: 'pending' });
    if (!changed)
      throw new Conflict(
        'webhook_delivery_pending',
        'This delivery is still being sent or waiting for its next try; resend it once it has succeeded or failed.',
      );
    await queueJob(trx, outbox, { kind: WEBHOOK_JOB, payload: { deliveryId }, now });
  });
}
