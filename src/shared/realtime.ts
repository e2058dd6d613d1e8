/** Socket.IO contract shared by server and web: event names and payload schemas. */
import { z } from 'zod';
import { ClientId, MAX_MESSAGE, text } from './schemas.js';
import type { ErrorInfo } from './errors.js';
import type { MessageAuthorKind, MessageView, OfferView, PortalChatView, TechChatView } from './views.js';
import type { WallboardView, WallboardWatchPayload } from './wallboard.js';

const chatId = z
  .number()
  .int()
  .positive()
  .max(2 ** 31);
export const SubscribePayload = z.object({ chatId, afterSeq: z.number().int().min(0).default(0) }).strict();
export const ChatIdPayload = z.object({ chatId }).strict();
// The same rules as the HTTP body (schemas.ts SendMessageBody).
export const SendPayload = z.object({ chatId, body: text(MAX_MESSAGE), clientId: ClientId }).strict();
export const TypingPayload = z.object({ chatId, typing: z.boolean() }).strict();
/** "I have seen the chat up to this message." */
export const ReadPayload = z
  .object({
    chatId,
    seq: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31),
  })
  .strict();

/**
 * Client -> server events: the live stream only. Commands (join, leave, end, status...) are HTTP
 * requests. Every event is answered by an ack `{ ok: true, ... }` or
 * `{ error: { code, message, details? } }`. An event sent without an ack callback is refused and
 * changes nothing; an event the namespace does not handle answers `unknown_event`.
 * `chat:subscribe` answers `{ chat, messages }` (up to 1000 after `afterSeq`; ask again while full),
 * and for a tech also `requesterOnline`; `presence` events keep it current.
 */
export const CLIENT_EVENTS = {
  subscribe: 'chat:subscribe',
  unsubscribe: 'chat:unsubscribe',
  send: 'message:send',
  typing: 'typing',
  read: 'chat:read',
  /** Console only, for who may open the wallboard: `wallboard` pushes follow until unwatched or disconnected. */
  wallboardWatch: 'wallboard:watch',
  wallboardUnwatch: 'wallboard:unwatch',
} as const satisfies Record<string, keyof ClientToServerEvents>;

/**
 * Server -> client events. Live events are hints, the database is the truth: on `resync` (sent
 * after Redis comes back, or after a change of the tech's grants) and on every reconnect, clients
 * re-read their lists and ask `chat:subscribe` for everything after their last contiguous seq.
 */
export const SERVER_EVENTS = {
  message: 'message',
  typing: 'typing',
  chat: 'chat',
  alert: 'alert',
  alertWithdrawn: 'alert:withdrawn',
  offer: 'offer',
  presence: 'presence',
  statusBarChanged: 'statusbar:changed',
  resync: 'resync',
  status: 'status',
  note: 'note',
  read: 'read',
  chatOffered: 'chat:offered',
  chatOfferSettled: 'chat:offer-settled',
  wallboard: 'wallboard',
  wallboardClosed: 'wallboard:closed',
} as const satisfies Record<string, keyof PortalServerEvents | keyof ConsoleServerEvents>;

export type Ack<T = object> = ({ ok: true } & T) | { ok?: undefined; error: ErrorInfo };
type AckFn<T> = (answer: Ack<T>) => void;

export type SubscribeAnswer<C> = { chat: C; messages: MessageView[]; requesterOnline?: boolean };
export type SendAnswer = { message: MessageView; duplicate: boolean };

/**
 * What a client may send, with the answer it gets; the same events on both namespaces. `C` is the
 * chat view `chat:subscribe` answers with: the portal's on `/portal`, the tech's on `/console`.
 */
export interface ClientToServerEvents<C extends PortalChatView | TechChatView = PortalChatView | TechChatView> {
  'chat:subscribe': (p: z.input<typeof SubscribePayload>, ack: AckFn<SubscribeAnswer<C>>) => void;
  'chat:unsubscribe': (p: z.input<typeof ChatIdPayload>, ack: AckFn<object>) => void;
  'message:send': (p: z.input<typeof SendPayload>, ack: AckFn<SendAnswer>) => void;
  typing: (p: z.input<typeof TypingPayload>, ack: AckFn<object>) => void;
  'chat:read': (p: z.input<typeof ReadPayload>, ack: AckFn<object>) => void;
  'wallboard:watch': (p: z.input<typeof WallboardWatchPayload>, ack: AckFn<{ wallboard: WallboardView }>) => void;
  'wallboard:unwatch': (p: z.input<typeof WallboardWatchPayload>, ack: AckFn<object>) => void;
}
export type PortalClientEvents = ClientToServerEvents<PortalChatView>;
export type ConsoleClientEvents = ClientToServerEvents<TechChatView>;

export type ClientEvent = keyof ClientToServerEvents;
/** What a client sends with event `E`. */
export type ClientPayload<E extends ClientEvent, M extends ClientToServerEvents = ClientToServerEvents> = Parameters<M[E]>[0];
/** The ack of event `E`: success or error. */
export type ClientAck<E extends ClientEvent, M extends ClientToServerEvents = ClientToServerEvents> = Parameters<Parameters<M[E]>[1]>[0];
/** The success answer of event `E`, `ok: true` included. */
export type ClientAnswer<E extends ClientEvent, M extends ClientToServerEvents = ClientToServerEvents> = Extract<ClientAck<E, M>, { ok: true }>;

export type TypingEvent = { chatId: number; typing: boolean; author: { kind: MessageAuthorKind; id: number; name: string } };
export type PresenceEvent = { chatId: number; userId: number; online: boolean; left?: boolean };
export type AlertEvent = { stage: 'assigned' | 'all'; chat: TechChatView };
/** `version`: the chat's version once it stopped waiting; an alert with a lower one is stale. */
/** An internal note added or edited on a chat: to the techs in the chat's stream only, never the portal. */
export type NoteEvent = { chatId: number; noteId: number };
export type AlertWithdrawnEvent = { chatId: number; version: number; techId: number | null; techName: string | null };
/** An offer of a chat (transfer or invite) settled: to the tech who made it and the tech it was made to. */
export type OfferSettledEvent = {
  offerId: number;
  chatId: number;
  status: 'accepted' | 'declined' | 'expired' | 'withdrawn';
  kind: 'transfer' | 'invite';
  /** The two techs, so each can be told in words wherever they are in the console. */
  from: { id: number; name: string };
  to: { id: number; name: string };
};

/** Server -> client on `/portal`. */
export interface PortalServerEvents {
  message: (m: MessageView) => void;
  typing: (t: TypingEvent) => void;
  chat: (c: PortalChatView) => void;
  offer: (p: { chatId: number }) => void;
  resync: (p: object) => void;
  read: (r: ReadEvent) => void;
}
/** The other side has seen the chat up to `seq` (to the requester: the tech; to the techs: the requester). */
export type ReadEvent = { chatId: number; by: 'requester' | 'tech'; seq: number };

/** Server -> client on `/console`. */
export interface ConsoleServerEvents {
  message: (m: MessageView) => void;
  typing: (t: TypingEvent) => void;
  chat: (c: TechChatView) => void;
  alert: (a: AlertEvent) => void;
  'alert:withdrawn': (w: AlertWithdrawnEvent) => void;
  note: (n: NoteEvent) => void;
  read: (r: ReadEvent) => void;
  presence: (p: PresenceEvent) => void;
  'statusbar:changed': (p: object) => void;
  /** A chat offered to this tech (transfer or invite): accept or decline within the time. */
  'chat:offered': (o: OfferView) => void;
  'chat:offer-settled': (s: OfferSettledEvent) => void;
  status: (s: { available: boolean }) => void;
  resync: (p: object) => void;
  /** The wallboard's figures for this viewer's scope, after a change (coalesced; to watchers only). */
  wallboard: (w: WallboardView) => void;
  /** This socket's wallboard gets no more pushes: its tech may no longer open it. */
  'wallboard:closed': (c: { code: 'wallboard_not_allowed' }) => void;
}
