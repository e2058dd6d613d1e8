/**
 * Domain events, published on the bus after commit. Payloads carry ids and fan-out re-reads, except
 * for the hottest one: a new message carries its presented self.
 */
import type { MessageView } from './views.js';

export type DomainEvents = {
  /** A new chat, and whom it alerts now (null: nobody, e.g. a callback asked for up front). */
  'chat.requested': { chatId: number; alert: { stage: 'assigned' | 'all'; techIds: number[] } | null };
  /** A later alert of a waiting chat: the escalation from the assigned tech to everyone eligible. */
  'chat.alerted': { chatId: number; stage: 'assigned' | 'all'; techIds: number[] };
  'chat.joined': { chatId: number; techId: number };
  /** A tech stepped out of a chat that another tech carries on. */
  'chat.tech_left': { chatId: number; techId: number };
  /** Offered to a tech (transfer or invite), and that offer settled (services/transfers.ts). */
  'chat.offered': { chatId: number; offerId: number };
  'offer.settled': { chatId: number; offerId: number; status: 'accepted' | 'declined' | 'expired' | 'withdrawn' };
  /** Back to waiting on another board: whom it alerts there. */
  'chat.transferred': { chatId: number; techIds: number[]; formerTechIds: number[] };
  'message.created': {
    chatId: number;
    messageId: number;
    seq: number;
    message: MessageView;
    /** The requester at append time: their own room gets it even before they open the stream. */
    participants: { requesterId: number };
  };
  'chat.offer': { chatId: number; requesterId: number };
  'chat.waiting_kept': { chatId: number };
  'chat.abandoned': { chatId: number; reason: 'left' | 'disconnected' };
  'chat.callback_requested': { chatId: number };
  'chat.user_left': { chatId: number };
  'chat.ended': { chatId: number; outcome: 'ended' | 'ticket_created'; ticketId: number | null };
  'chat.completed': { chatId: number };
  'note.saved': { chatId: number; noteId: number };
  'chat.rated': { chatId: number };
  'chat.read': { chatId: number; requesterId: number; by: 'requester' | 'tech'; seq: number };
  'ticket.created': { ticketId: number; chatId: number | null };
  'tech.status_changed': { techId: number; available: boolean };
  /** Grants, role, name, deactivation or password: whatever decides what the tech may do. */
  'tech.access_changed': { techId: number };
  /** Name, deactivation or password of a portal user. */
  'portal.access_changed': { userId: number };
  /** A session was ended by logout; its open sockets close. */
  'session.ended': { kind: 'tech' | 'portal'; userId: number };
  /** What the wallboards show besides chats changed (their settings and allowed techs, the office hours): computed again. */
  'wallboard.changed': Record<string, never>;
  /** A job was queued on this node (services/jobs.ts): its runner polls at once. */
  'job.queued': { kind: string };
};
export type DomainEventName = keyof DomainEvents;
