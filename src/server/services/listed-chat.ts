/**
 * A completed chat as lists show it (search results), and the time format of every view: imported
 * by the presenters (services/presenters.ts) and by the search reader's thread, which presents
 * search results off the event loop (db/search-reader-worker.ts), so it names little.
 */
import type { CompletedChatRow } from '../db/repositories/chats.js';
import type { SearchResult } from '../../shared/views.js';
import { coTechs } from '../domain/co-techs.js';

export const iso = (ms: number | null) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

/** A chat as a list of completed chats shows it (search), without its snippet; part of every chat view. */
export function listedChat(c: CompletedChatRow): Omit<SearchResult, 'snippet' | 'snippetIn'> {
  return {
    id: Number(c.id),
    subject: c.subject,
    board: { id: Number(c.board_id), name: c.board_name },
    company: { id: Number(c.company_id), name: c.company_name },
    requester: { id: Number(c.requester_id), name: c.requester_name },
    tech: c.tech_id === null ? null : { id: Number(c.tech_id), name: c.tech_name },
    techs: c.tech_id === null ? [] : [{ id: Number(c.tech_id), name: c.tech_name ?? '' }, ...coTechs(c)],
    outcome: c.outcome,
    ticketId: c.ticket_id === null ? null : Number(c.ticket_id),
    createdTicketId: c.created_ticket_id === null ? null : Number(c.created_ticket_id),
    requestedAt: iso(c.requested_at),
    completedAt: iso(c.completed_at),
    callbackAt: iso(c.callback_at),
    abandonedAt: iso(c.abandoned_at),
    abandonReason: c.abandon_reason,
    rating: c.rating == null ? null : { score: Number(c.rating), comment: c.rating_comment, at: iso(c.rated_at) },
  };
}
