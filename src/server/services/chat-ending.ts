/** Use cases that finish a chat: end (active), complete (abandoned, callback), ticket later. */
import { Conflict, NeedsConfirmation, NotFound } from '../errors.js';
import type { Tx } from '../db/database.js';
import type { Chat } from '../db/schema.js';
import type { TechActor } from '../policies/access.js';
import { can, stateAllows } from '../policies/rules.js';
import { inTransaction, type Ctx } from './context.js';
import { applyTransition, chatForCommand } from './transition.js';
import { presentChatFor } from './presenters.js';
import type { TechChatView } from '../../shared/views.js';
import { attachTranscript } from './transcripts.js';
import { withdrawOffers } from './transfers.js';
import { indexChat } from './search.js';
import { insertTicket } from './tickets.js';
import { insertNote } from '../db/repositories/notes.js';
import { claimCreatedTicket, sameTechs } from '../db/repositories/chats.js';
import { boardExists } from '../db/repositories/organisation.js';
import { portalUserCompanyId } from '../db/repositories/people.js';
import { queueNoteMail } from './chat-mail.js';
import { requireMail } from './mail.js';

type EndInput = { outcome: 'ended'; note?: string } | { outcome: 'ticket_created'; boardId: number; summary: string; note?: string };

/** A new ticket for the requester's company; the tech must be able to see it afterwards. */
async function ticketForChat(trx: Tx, tech: TechActor, chat: Chat, boardId: number, summary: string, now: number) {
  const companyId = await portalUserCompanyId(trx, Number(chat.requester_id));
  if (companyId === undefined) throw new Error(`chat ${chat.id}: its requester is missing`);
  const board = await boardExists(trx, boardId);
  const scope = { board_id: boardId, company_id: companyId, contact_id: Number(chat.requester_id) };
  if (!board || !can(tech, 'ticket.create', scope)) throw new NotFound('Board');
  return insertTicket(trx, {
    company_id: scope.company_id,
    board_id: boardId,
    contact_id: Number(chat.requester_id),
    summary,
    assigned_tech_id: tech.id,
    actor: { kind: 'tech', id: tech.id },
    now,
  });
}

export async function endChat(ctx: Ctx, tech: TechActor, chatId: number, input: EndInput): Promise<TechChatView & { ticketId: number | null }> {
  return inTransaction(ctx, async (trx, outbox) => {
    const chat = await chatForCommand(trx, tech, chatId, 'chat.end');
    const now = ctx.now();
    let ticketId: number | null = chat.source === 'ticket' ? Number(chat.ticket_id) : null;
    let createdTicketId: number | null = null;
    if (input.outcome === 'ticket_created') {
      createdTicketId = await ticketForChat(trx, tech, chat, input.boardId, input.summary, now);
      if (ticketId === null) ticketId = createdTicketId;
    }
    const ended = await applyTransition(
      trx,
      chat,
      'end',
      { kind: 'tech', id: tech.id },
      { open_key: null, outcome: input.outcome, ended_at: now, completed_at: now, completed_by: tech.id, created_ticket_id: createdTicketId },
      now,
      // Still in the chat as read: a transfer accepted meanwhile took this tech's place.
      sameTechs(chat),
    );
    // An offer of the chat to another tech ends with it.
    await withdrawOffers(trx, outbox, chatId, now);
    if (input.note) await insertNote(trx, chatId, tech.id, input.note, now);
    // A chat from a ticket always goes to that ticket; a new ticket gets it too.
    const targets = new Set<number>([ticketId, createdTicketId].filter((t): t is number => t !== null));
    for (const t of targets) await attachTranscript(trx, chatId, t, { kind: 'tech', id: tech.id }, now);
    await indexChat(trx, ctx.dialect, chatId);
    outbox.add('chat.ended', { chatId, outcome: input.outcome, ticketId: createdTicketId ?? ticketId });
    if (createdTicketId !== null) outbox.add('ticket.created', { ticketId: createdTicketId, chatId });
    return { ...presentChatFor(tech, { ...chat, ...ended }), ticketId: createdTicketId ?? ticketId };
  });
}

export async function completeChat(
  ctx: Ctx,
  tech: TechActor,
  chatId: number,
  input: { note?: string; confirmWithoutNote?: boolean; sendNoteToUser?: boolean },
): Promise<TechChatView> {
  if (input.sendNoteToUser) requireMail(ctx.config);
  return inTransaction(ctx, async (trx, outbox) => {
    const chat = await chatForCommand(trx, tech, chatId, 'chat.complete');
    if (chat.status === 'abandoned' && !input.note && !input.confirmWithoutNote) {
      throw new NeedsConfirmation('note_recommended', 'Completing an abandoned chat without a note is not recommended; confirm to proceed');
    }
    const now = ctx.now();
    const completed = await applyTransition(trx, chat, 'complete', { kind: 'tech', id: tech.id }, { completed_at: now, completed_by: tech.id }, now);
    if (input.note) await insertNote(trx, chatId, tech.id, input.note, now);
    if (input.note && input.sendNoteToUser) await queueNoteMail(trx, outbox, ctx, chat, tech, input.note);
    if (chat.source === 'ticket' && chat.ticket_id !== null) await attachTranscript(trx, chatId, Number(chat.ticket_id), { kind: 'tech', id: tech.id }, now);
    await indexChat(trx, ctx.dialect, chatId);
    outbox.add('chat.completed', { chatId });
    return presentChatFor(tech, { ...chat, ...completed });
  });
}

/** A ticket from a completed new-request chat that has none yet. */
export async function createTicketFromChat(ctx: Ctx, tech: TechActor, chatId: number, input: { boardId: number; summary: string }) {
  return inTransaction(ctx, async (trx, outbox) => {
    const chat = await chatForCommand(trx, tech, chatId, 'chat.create_ticket');
    if (!stateAllows('chat.create_ticket', chat, 'tech')) {
      if (chat.status !== 'completed')
        throw new Conflict('invalid_transition', `Cannot create a ticket from a chat that is ${chat.status}`, { state: chat.status });
      throw new Conflict('ticket_exists', 'This chat already belongs to a ticket', { ticketId: Number(chat.created_ticket_id ?? chat.ticket_id) });
    }
    const now = ctx.now();
    const ticketId = await ticketForChat(trx, tech, chat, input.boardId, input.summary, now);
    if (!(await claimCreatedTicket(trx, chatId, ticketId))) throw new Conflict('ticket_exists', 'This chat already belongs to a ticket');
    await attachTranscript(trx, chatId, ticketId, { kind: 'tech', id: tech.id }, now);
    outbox.add('ticket.created', { ticketId, chatId });
    return { ticketId };
  });
}
