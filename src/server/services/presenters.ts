/** Explicit presenters: the fields each audience sees, used by HTTP and real time alike. */
import type { Actor } from '../policies/access.js';
import type { Chat, Message } from '../db/schema.js';

/** A chat with the names the views show, as `chatRows` in chat-queries selects it. */
export type ChatRow = Chat & { requester_name: string; company_name: string; board_name: string; tech_name: string | null };

const iso = (ms: number | null) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

export function presentChat(c: ChatRow, actor: Actor) {
  const base = {
    id: Number(c.id),
    source: c.source,
    ticketId: c.ticket_id === null ? null : Number(c.ticket_id),
    subject: c.subject,
    status: c.status,
    board: { id: Number(c.board_id), name: c.board_name },
    company: { id: Number(c.company_id), name: c.company_name },
    requester: { id: Number(c.requester_id), name: c.requester_name },
    tech: c.tech_id === null ? null : { id: Number(c.tech_id), name: c.tech_name },
    outcome: c.outcome,
    createdTicketId: c.created_ticket_id === null ? null : Number(c.created_ticket_id),
    lastSeq: Number(c.last_seq),
    requestedAt: iso(c.requested_at),
    joinedAt: iso(c.joined_at),
    leftAt: iso(c.left_at),
    endedAt: iso(c.ended_at),
    completedAt: iso(c.completed_at),
    abandonedAt: iso(c.abandoned_at),
    callbackAt: iso(c.callback_at),
    callback: c.callback_phone ? { phone: c.callback_phone, preferredTime: c.callback_time, message: c.callback_message } : null,
  };
  if (actor.kind === 'portal') return { ...base, offerPending: c.status === 'waiting' && c.offer_count > 0 && c.offer_at === null };
  return { ...base, alertStage: c.alert_stage };
}
export type ChatView = ReturnType<typeof presentChat>;

export function presentMessage(m: Message & { author_name?: string | null }) {
  return {
    id: Number(m.id),
    chatId: Number(m.chat_id),
    seq: Number(m.seq),
    author: { kind: m.author_kind, id: m.author_id === null ? null : Number(m.author_id), name: m.author_name ?? null },
    body: m.body,
    clientId: m.client_id,
    createdAt: iso(m.created_at),
  };
}
export type MessageView = ReturnType<typeof presentMessage>;

export { iso };
