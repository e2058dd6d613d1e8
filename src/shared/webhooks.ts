/**
 * Webhooks (SPEC Part 2, "Identity, email and integrations"): the events an endpoint may choose,
 * its formats, and the admin API's bodies and answers. Shared by the server and the admin page.
 */
import { z } from 'zod';

/** The events a webhook endpoint can receive, in the order the admin page lists them. */
export const WEBHOOK_EVENTS = [
  'chat.requested',
  'chat.joined',
  'chat.transferred',
  'chat.ended',
  'chat.completed',
  'chat.abandoned',
  'chat.callback_requested',
  'message.created',
  'ticket.created',
  'csat.received',
] as const;
export const WebhookEvent = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export const WEBHOOK_EVENT_LABELS: Record<WebhookEvent, string> = {
  'chat.requested': 'Chat requested',
  'chat.joined': 'Chat joined',
  'chat.transferred': 'Chat transferred',
  'chat.ended': 'Chat ended',
  'chat.completed': 'Chat completed',
  'chat.abandoned': 'Chat abandoned',
  'chat.callback_requested': 'Callback requested',
  'message.created': 'Message created',
  'ticket.created': 'Ticket created',
  'csat.received': 'Rating (CSAT) received',
};

/** `standard`: Standard Webhooks JSON; `teams`: a Microsoft Teams workflow; `slack`: a Slack incoming webhook. */
export const WebhookFormat = z.enum(['standard', 'teams', 'slack']);
export type WebhookFormat = z.infer<typeof WebhookFormat>;
export const WEBHOOK_FORMAT_LABELS: Record<WebhookFormat, string> = {
  standard: 'Standard Webhooks (JSON, signed)',
  teams: 'Microsoft Teams workflow',
  slack: 'Slack incoming webhook',
};

const url = z
  .string()
  .trim()
  .min(1, 'Enter the address to post to')
  .max(2000)
  .refine((s) => !s.includes('\u0000'), 'Must not contain NUL characters');
const description = z
  .string()
  .max(200)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: dropping control characters is the point
  .transform((s) => s.replace(/[\u0000-\u001F\u007F]/g, '').trim());
const events = z.array(WebhookEvent).min(1, 'Choose at least one event').max(WEBHOOK_EVENTS.length);

export const WebhookBody = z.object({ url, description: description.default(''), events, format: WebhookFormat }).strict();
export type WebhookBody = z.infer<typeof WebhookBody>;
/** A change; the URL is left as it is when not given (lists show it masked). */
export const WebhookPatch = z
  .object({ url: url.optional(), description: description.optional(), events: events.optional(), format: WebhookFormat.optional() })
  .strict();
export type WebhookPatch = z.infer<typeof WebhookPatch>;
export const WebhookDeliveryParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31),
  deliveryId: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31),
});

const time = z.string().nullable();

export const WebhookEndpointView = z.object({
  id: z.number().int(),
  /** The address with anything that may be a secret in it (query values, long path tokens) masked. */
  url: z.string(),
  description: z.string(),
  events: z.array(WebhookEvent),
  format: WebhookFormat,
  createdAt: time,
  /** Paused automatically after repeated failure, or by an admin; null while it delivers. */
  paused: z.object({ at: time, reason: z.string() }).nullable(),
  /** Every attempt has failed since `since` (`count` in a row); null after a success. */
  failing: z.object({ since: time, count: z.number().int() }).nullable(),
});
export type WebhookEndpointView = z.infer<typeof WebhookEndpointView>;

export const WebhookList = z.object({
  endpoints: z.array(WebhookEndpointView),
  /** Whether endpoints on private and loopback addresses are allowed (WEBHOOK_PRIVATE_ADDRESSES). */
  privateAddresses: z.enum(['allow', 'refuse']),
  /** The Tech Console's public address that Join links point to; null when not configured. */
  publicUrl: z.string().nullable(),
});
export type WebhookList = z.infer<typeof WebhookList>;

/** The signing secret, shown once: at creation and on rotation. */
export const WebhookSecret = z.object({ endpoint: WebhookEndpointView, secret: z.string() });
export type WebhookSecret = z.infer<typeof WebhookSecret>;

export const WebhookAttemptView = z.object({
  at: time,
  /** The receiver's HTTP status, or null when none came (refused address, timeout, connection error). */
  status: z.number().int().nullable(),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  /** The start of the receiver's answer. */
  excerpt: z.string(),
});
export const WebhookDeliveryView = z.object({
  id: z.number().int(),
  /** The event's id, sent as `webhook-id`: the same on every attempt and resend. */
  eventId: z.string(),
  type: WebhookEvent,
  /** `pending`: being delivered or waiting for a retry; `held`: the endpoint was paused. */
  status: z.enum(['pending', 'delivered', 'failed', 'held']),
  createdAt: time,
  nextAttemptAt: time,
  attempts: z.array(WebhookAttemptView),
});
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryView>;
export const WebhookDeliveries = z.array(WebhookDeliveryView);
