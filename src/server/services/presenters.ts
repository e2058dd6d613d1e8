/**
 * Explicit presenters: the fields each audience sees, used by HTTP and real time alike. A chat's
 * view depends on how its viewer stands to it (rules.ts), so fan-out presents once per relation.
 */
import type { Message } from '../db/schema.js';
import type { ChatRow, PendingOfferColumns } from '../db/repositories/chats.js';
import { chatRelation, portalChatAbilities, techChatAbilities, type ChatRelation } from '../policies/rules.js';
import { iso, listedChat } from './listed-chat.js';
import type { Actor, PortalActor, TechActor } from '../policies/access.js';
import type { ChatViewBase, FileView, MessageView, PendingOffer, PortalChatView, TechChatView } from '../../shared/views.js';

export type { ChatRow };
export { iso };

/** The start of the request's first message, for lists and alerts (the whole text is in the chat). */
const PREVIEW_CHARS = 160;
function preview(text: string | null): string | null {
  if (text === null) return null;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS - 1)}…` : flat;
}

function chatBase(c: ChatRow): ChatViewBase {
  return {
    ...listedChat(c),
    source: c.source,
    status: c.status,
    lastSeq: Number(c.last_seq),
    version: Number(c.version),
    firstMessage: preview(c.first_message),
    joinedAt: iso(c.joined_at),
    leftAt: iso(c.left_at),
    endedAt: iso(c.ended_at),
    callback: c.callback_phone ? { phone: c.callback_phone, preferredTime: c.callback_time, message: c.callback_message } : null,
    messagesRemovedAt: iso(c.messages_purged_at),
    readSeq: { requester: Number(c.requester_read_seq ?? 0), tech: Number(c.tech_read_seq ?? 0) },
  };
}

/** The requester's view of their chat. */
export function presentPortalChat(c: ChatRow): PortalChatView {
  return {
    ...chatBase(c),
    offerPending: c.status === 'waiting' && c.offer_count > 0 && c.offer_at === null,
    abilities: portalChatAbilities('requester', c),
  };
}

/** A tech's view; `relation` is the tech's to this chat (joined, or with access). */
export function presentTechChat(c: ChatRow, relation: ChatRelation): TechChatView {
  return { ...chatBase(c), alertStage: c.alert_stage, abilities: techChatAbilities(relation, c), pendingOffer: pendingOffer(c) };
}

function pendingOffer(c: PendingOfferColumns): PendingOffer | null {
  if (c.offer_id == null) return null;
  return {
    id: Number(c.offer_id),
    kind: c.offer_kind!,
    from: { id: Number(c.offer_from_id), name: c.offer_from_name ?? '' },
    to: { id: Number(c.offer_to_id), name: c.offer_to_name ?? '' },
    expiresAt: iso(c.offer_expires_at)!,
  };
}

/** The view of the chat for this actor (who is known to see it). */
export function presentChatFor(actor: PortalActor, c: ChatRow): PortalChatView;
export function presentChatFor(actor: TechActor, c: ChatRow): TechChatView;
export function presentChatFor(actor: Actor, c: ChatRow): PortalChatView | TechChatView;
export function presentChatFor(actor: Actor, c: ChatRow): PortalChatView | TechChatView {
  return actor.kind === 'portal' ? presentPortalChat(c) : presentTechChat(c, chatRelation(actor, c));
}

/** A message's file columns as read with it (db/repositories/messages.ts). */
export type MessageFileColumns = {
  file_name?: string | null;
  file_size?: number | null;
  file_type?: string | null;
  file_width?: number | null;
  file_height?: number | null;
  file_thumb?: number | boolean | null;
};

export function presentFile(f: {
  id: number;
  filename: string;
  size: number;
  content_type: string;
  width: number | null;
  height: number | null;
  has_thumb: boolean;
}): FileView {
  return {
    id: Number(f.id),
    name: f.filename,
    size: Number(f.size),
    type: f.content_type,
    image: f.has_thumb,
    width: f.width === null ? null : Number(f.width),
    height: f.height === null ? null : Number(f.height),
  };
}

/** `file`: the file the message carries when the caller has it at hand (a send); else read from the row's file columns. */
export function presentMessage(m: Message & { author_name?: string | null } & MessageFileColumns, file?: FileView | null): MessageView {
  const carried =
    file ??
    (m.file_id !== null && m.file_id !== undefined && m.file_name
      ? presentFile({
          id: m.file_id,
          filename: m.file_name,
          size: Number(m.file_size ?? 0),
          content_type: m.file_type ?? 'application/octet-stream',
          width: m.file_width ?? null,
          height: m.file_height ?? null,
          has_thumb: Number(m.file_thumb ?? 0) === 1 || m.file_thumb === true,
        })
      : null);
  return {
    id: Number(m.id),
    chatId: Number(m.chat_id),
    seq: Number(m.seq),
    author: { kind: m.author_kind, id: m.author_id === null ? null : Number(m.author_id), name: m.author_name ?? null },
    body: m.body,
    clientId: m.client_id,
    ...(carried ? { file: carried } : {}),
    createdAt: iso(m.created_at),
  };
}
