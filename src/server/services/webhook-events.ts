/**
 * From domain events to webhook deliveries, inside the transaction that records them: before a
 * transaction with events commits (`inTransaction`, and the message batches), each event an
 * endpoint chose becomes one delivery row per endpoint and one `webhook` job per delivery
 * (services/webhook-delivery.ts). A change and its deliveries commit together: a node dying
 * right after the commit loses none, and a rolled-back change sends none.
 *
 * Each event gets one id (`msg_…`), the `webhook-id` of every attempt and resend to every
 * endpoint, so a receiver recognises a repeat. Its `data` is read in the same transaction: what
 * the change left, not what a later change made of it.
 */
import crypto from 'node:crypto';
import type { Tx } from '../db/database.js';
import type { Outbox } from '../events/bus.js';
import type { DomainEventName, DomainEvents } from '../../shared/events.js';
import type { WebhookEvent } from '../../shared/webhooks.js';
import { insertDelivery, listEndpoints, type EndpointRow } from '../db/repositories/webhooks.js';
import { queueJob } from './jobs.js';
import type { Ctx } from './context.js';

export const WEBHOOK_JOB = 'webhook';

/** The domain events that may become webhooks. */
const SOURCES = new Set<DomainEventName>([
  'chat.requested',
  'chat.joined',
  'chat.transferred',
  'offer.settled',
  'chat.ended',
  'chat.completed',
  'chat.abandoned',
  'chat.callback_requested',
  'message.created',
  'ticket.created',
  'chat.rated',
]);

export const newEventId = () => `msg_${crypto.randomBytes(16).toString('base64url')}`;
const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(Number(t)).toISOString());

/** The chat as webhooks describe it. */
async function chatData(trx: Tx, ctx: Ctx, chatId: number) {
  const c = await trx
    .selectFrom('chats')
    .innerJoin('boards', 'boards.id', 'chats.board_id')
    .innerJoin('companies', 'companies.id', 'chats.company_id')
    .innerJoin('portal_users', 'portal_users.id', 'chats.requester_id')
    .leftJoin('techs', 'techs.id', 'chats.tech_id')
    .select([
      'chats.id',
      'chats.subject',
      'chats.status',
      'chats.ticket_id',
      'chats.requested_at',
      'chats.outcome',
      'chats.created_ticket_id',
      'chats.abandon_reason',
      'chats.callback_phone',
      'chats.callback_time',
      'chats.callback_message',
      'chats.rating',
      'chats.rating_comment',
      'chats.rated_at',
      'boards.id as board_id',
      'boards.name as board_name',
      'companies.id as company_id',
      'companies.name as company_name',
      'portal_users.id as requester_id',
      'portal_users.name as requester_name',
      'portal_users.email as requester_email',
      'portal_users.erased_at as requester_erased_at',
      'techs.id as tech_id',
      'techs.name as tech_name',
    ])
    .where('chats.id', '=', chatId)
    .executeTakeFirst();
  if (!c) return null;
  const erased = c.requester_erased_at !== null;
  return {
    row: c,
    chat: {
      id: Number(c.id),
      subject: c.subject,
      status: c.status,
      ticketId: c.ticket_id === null ? null : Number(c.ticket_id),
      requestedAt: iso(c.requested_at),
      board: { id: Number(c.board_id), name: c.board_name },
      company: { id: Number(c.company_id), name: c.company_name },
      requester: { id: Number(c.requester_id), name: erased ? 'Deleted user' : c.requester_name, email: erased ? null : c.requester_email },
      tech: c.tech_id === null ? null : { id: Number(c.tech_id), name: c.tech_name },
      url: ctx.config.publicUrl ? `${ctx.config.publicUrl}/console/chats/${Number(c.id)}` : null,
    },
  };
}

type Built = { type: WebhookEvent; data: Record<string, unknown> } | null;

type ChatData = Awaited<ReturnType<typeof chatData>>;

/**
 * The webhook event a domain event makes, with its data; null when it makes none. `chats` keeps
 * each chat read once per transaction (a batch of messages to one chat), read after every change
 * of the transaction was made.
 */
async function build(trx: Tx, ctx: Ctx, name: DomainEventName, payload: unknown, wanted: Set<string>, chats: Map<number, Promise<ChatData>>): Promise<Built> {
  const chatEvent = async (
    type: WebhookEvent,
    chatId: number,
    extra: (row: NonNullable<Awaited<ReturnType<typeof chatData>>>['row']) => Record<string, unknown> = () => ({}),
  ) => {
    if (!wanted.has(type)) return null;
    if (!chats.has(chatId)) chats.set(chatId, chatData(trx, ctx, chatId));
    const d = await chats.get(chatId)!;
    return d && { type, data: { chat: d.chat, ...extra(d.row) } };
  };
  switch (name) {
    case 'chat.requested':
      return chatEvent('chat.requested', (payload as DomainEvents['chat.requested']).chatId);
    case 'chat.joined': {
      const p = payload as DomainEvents['chat.joined'];
      return chatEvent('chat.joined', p.chatId, () => ({ techId: p.techId }));
    }
    case 'chat.transferred':
      return chatEvent('chat.transferred', (payload as DomainEvents['chat.transferred']).chatId, (r) => ({
        to: { kind: 'board', boardId: Number(r.board_id) },
      }));
    case 'offer.settled': {
      // A transfer to a tech, once accepted, is a transfer too (to a board: chat.transferred).
      const p = payload as DomainEvents['offer.settled'];
      if (p.status !== 'accepted' || !wanted.has('chat.transferred')) return null;
      const offer = await trx.selectFrom('chat_offers').select(['kind', 'from_tech_id', 'to_tech_id']).where('id', '=', p.offerId).executeTakeFirst();
      if (offer?.kind !== 'transfer') return null;
      return chatEvent('chat.transferred', p.chatId, () => ({
        to: { kind: 'tech', techId: Number(offer.to_tech_id) },
        fromTechId: Number(offer.from_tech_id),
      }));
    }
    case 'chat.ended': {
      const p = payload as DomainEvents['chat.ended'];
      return chatEvent('chat.ended', p.chatId, () => ({ outcome: p.outcome, ticketId: p.ticketId }));
    }
    case 'chat.completed':
      return chatEvent('chat.completed', (payload as DomainEvents['chat.completed']).chatId);
    case 'chat.abandoned': {
      const p = payload as DomainEvents['chat.abandoned'];
      return chatEvent('chat.abandoned', p.chatId, () => ({ reason: p.reason }));
    }
    case 'chat.callback_requested':
      return chatEvent('chat.callback_requested', (payload as DomainEvents['chat.callback_requested']).chatId, (r) => ({
        callback: { phone: r.callback_phone, preferredTime: r.callback_time, message: r.callback_message },
      }));
    case 'chat.rated':
      return chatEvent('csat.received', (payload as DomainEvents['chat.rated']).chatId, (r) => ({
        rating: { score: r.rating === null ? null : Number(r.rating), comment: r.rating_comment, ratedAt: iso(r.rated_at) },
      }));
    case 'message.created': {
      const p = payload as DomainEvents['message.created'];
      return chatEvent('message.created', p.chatId, () => ({
        message: {
          id: p.message.id,
          seq: p.message.seq,
          author: p.message.author,
          body: p.message.body,
          file: p.message.file ? { name: p.message.file.name, size: p.message.file.size, type: p.message.file.type } : null,
          createdAt: p.message.createdAt,
        },
      }));
    }
    case 'ticket.created': {
      const p = payload as DomainEvents['ticket.created'];
      if (!wanted.has('ticket.created')) return null;
      const t = await trx
        .selectFrom('tickets')
        .innerJoin('companies', 'companies.id', 'tickets.company_id')
        .innerJoin('boards', 'boards.id', 'tickets.board_id')
        .select([
          'tickets.id',
          'tickets.summary',
          'tickets.status',
          'tickets.contact_id',
          'tickets.created_at',
          'companies.id as company_id',
          'companies.name as company_name',
          'boards.id as board_id',
          'boards.name as board_name',
        ])
        .where('tickets.id', '=', p.ticketId)
        .executeTakeFirst();
      if (!t) return null;
      return {
        type: 'ticket.created',
        data: {
          ticket: {
            id: Number(t.id),
            summary: t.summary,
            status: t.status,
            contactId: Number(t.contact_id),
            createdAt: iso(t.created_at),
            company: { id: Number(t.company_id), name: t.company_name },
            board: { id: Number(t.board_id), name: t.board_name },
          },
          chatId: p.chatId,
        },
      };
    }
    default:
      return null;
  }
}

const chatIdOf = (b: NonNullable<Built>): number | null => {
  const d = b.data as { chat?: { id: number }; chatId?: number | null };
  return d.chat?.id ?? d.chatId ?? null;
};

const subscribed = (e: EndpointRow, type: string) => (JSON.parse(e.events) as string[]).includes(type);

/**
 * "No endpoint exists", as this node last read it, and when: most desks have none, and every
 * message batch would otherwise read the table to learn so (the message path reads nothing in
 * steady state). Trusted for a second; an endpoint made on this node clears it at once
 * (`webhookEndpointAdded`), one made on another node is seen within that second.
 */
const NONE_TRUSTED_MS = 1000;
const noneSince = new WeakMap<Ctx, number>();

/** An endpoint was just made: the next transaction reads the endpoints again. */
export function webhookEndpointAdded(ctx: Ctx): void {
  noneSince.delete(ctx);
}

/**
 * Writes the deliveries of the events recorded in this transaction, and their jobs. Called last
 * in the transaction; costs nothing when no recorded event can become a webhook or when no
 * endpoint exists (remembered for a second), and one small query otherwise.
 */
export async function queueWebhooks(ctx: Ctx, trx: Tx, outbox: Outbox): Promise<void> {
  const events = outbox.recorded().filter((e) => SOURCES.has(e.name));
  if (events.length === 0) return;
  const since = noneSince.get(ctx);
  if (since !== undefined && Date.now() - since < NONE_TRUSTED_MS) return;
  const endpoints = await listEndpoints(trx);
  if (endpoints.length === 0) {
    noneSince.set(ctx, Date.now());
    return;
  }
  noneSince.delete(ctx);
  const wanted = new Set(endpoints.flatMap((e) => JSON.parse(e.events) as string[]));
  const now = ctx.now();
  const chats = new Map<number, Promise<ChatData>>();
  for (const e of events) {
    const built = await build(trx, ctx, e.name, e.payload, wanted, chats);
    if (!built) continue;
    const targets = endpoints.filter((ep) => subscribed(ep, built.type));
    if (targets.length === 0) continue;
    const eventId = newEventId();
    const body = JSON.stringify({ type: built.type, timestamp: new Date(now).toISOString(), data: built.data });
    for (const ep of targets) {
      const held = ep.paused_at !== null;
      const deliveryId = await insertDelivery(trx, {
        endpoint_id: ep.id,
        event_id: eventId,
        event_type: built.type,
        chat_id: chatIdOf(built),
        body,
        status: held ? 'held' : 'pending',
        created_at: now,
      });
      if (!held) await queueJob(trx, outbox, { kind: WEBHOOK_JOB, payload: { deliveryId }, now });
    }
  }
}
