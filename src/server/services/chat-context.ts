/**
 * The context panel beside a chat (SPEC Part 2, "Context panel"): who the requester is and what
 * else the tech may know of them. Only what the tech may see: the chat itself must be visible,
 * and the tickets and other chats listed are filtered by the tech's boards and companies like
 * every other list.
 */
import type { Db } from '../db/database.js';
import type { TechActor } from '../policies/access.js';
import { getVisibleChatRow } from './chat-queries.js';
import { portalProfileRow } from '../db/repositories/people.js';
import { openTicketRowsOfContactForTech } from '../db/repositories/tickets.js';
import { recentChatRowsOfRequester } from '../db/repositories/chats.js';
import { latestNoteOfChats } from '../db/repositories/notes.js';
import { presentChatFor } from './presenters.js';
import { presentTicket } from './tickets.js';

export const CONTEXT_LIMITS = { tickets: 10, chats: 5 };

export async function chatContext(db: Db, tech: TechActor, chatId: number) {
  const chat = await getVisibleChatRow(db, tech, chatId);
  const requesterId = Number(chat.requester_id);
  const [profile, tickets, chats] = await Promise.all([
    portalProfileRow(db, requesterId),
    openTicketRowsOfContactForTech(db, tech, requesterId, CONTEXT_LIMITS.tickets),
    recentChatRowsOfRequester(db, tech, requesterId, chatId, CONTEXT_LIMITS.chats),
  ]);
  const notes = await latestNoteOfChats(
    db,
    chats.map((c) => Number(c.id)),
  );
  return {
    requester: { id: requesterId, name: profile.name, email: profile.email, phone: profile.phone },
    company: { id: Number(profile.company_id), name: profile.company_name },
    openTickets: tickets.map(presentTicket),
    recentChats: chats.map((c) => ({ ...presentChatFor(tech, c), lastNote: notes.get(Number(c.id)) ?? null })),
  };
}
