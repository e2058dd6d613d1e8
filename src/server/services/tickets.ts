import { NotFound } from '../errors.js';
import type { Tx } from '../db/database.js';
import type { Actor, TechActor } from '../policies/access.js';
import { authorize, can, type TicketAction } from '../policies/rules.js';
import { inTransaction, type Ctx } from './context.js';
import { iso } from './presenters.js';
import {
  attachmentOfTicket,
  attachmentsOf,
  insertTicketRow,
  insertTimelineEntry,
  ticketRowById,
  ticketRowsOfContact,
  ticketRowsOfTech,
  timelineOf,
  updateTicketRow,
  type TicketRow,
} from '../db/repositories/tickets.js';
import { boardExists } from '../db/repositories/organisation.js';
import { portalUserCompanyId, techExists } from '../db/repositories/people.js';

export async function insertTicket(
  trx: Tx,
  t: {
    company_id: number;
    board_id: number;
    contact_id: number;
    summary: string;
    assigned_tech_id: number | null;
    actor: { kind: 'tech' | 'portal' | 'system'; id: number | null };
    now: number;
  },
): Promise<number> {
  const id = await insertTicketRow(trx, {
    company_id: t.company_id,
    board_id: t.board_id,
    contact_id: t.contact_id,
    summary: t.summary,
    status: 'open',
    assigned_tech_id: t.assigned_tech_id,
    created_at: t.now,
    updated_at: t.now,
  });
  await insertTimelineEntry(trx, {
    ticket_id: id,
    kind: 'created',
    at: t.now,
    actor_kind: t.actor.kind,
    actor_id: t.actor.id,
    chat_id: null,
    attachment_id: null,
    data: JSON.stringify({ summary: t.summary }),
  });
  return id;
}

export function presentTicket(t: TicketRow) {
  return {
    id: Number(t.id),
    summary: t.summary,
    status: t.status,
    company: { id: Number(t.company_id), name: t.company_name },
    board: { id: Number(t.board_id), name: t.board_name },
    contact: { id: Number(t.contact_id), name: t.contact_name },
    assignedTech: t.assigned_tech_id === null ? null : { id: Number(t.assigned_tech_id), name: t.tech_name },
    createdAt: iso(t.created_at),
    updatedAt: iso(t.updated_at),
  };
}

export async function listTickets(ctx: Ctx, actor: Actor, opts: { limit?: number } = {}) {
  const limit = opts.limit ?? 200;
  const rows = actor.kind === 'tech' ? await ticketRowsOfTech(ctx.db, actor, limit) : await ticketRowsOfContact(ctx.db, actor.id, limit);
  return rows.map(presentTicket);
}

async function visibleTicket(ctx: Ctx, actor: Actor, ticketId: number, action: TicketAction = 'ticket.view') {
  const t = await ticketRowById(ctx.db, ticketId);
  if (!t) throw new NotFound('Ticket');
  authorize(actor, action, t);
  return t;
}

export async function getTicket(ctx: Ctx, actor: Actor, ticketId: number) {
  const t = await visibleTicket(ctx, actor, ticketId);
  const [timeline, attachments] = await Promise.all([timelineOf(ctx.db, ticketId), attachmentsOf(ctx.db, ticketId)]);
  return {
    ...presentTicket(t),
    timeline: timeline.map((e) => ({
      id: Number(e.id),
      kind: e.kind,
      at: iso(e.at),
      actor: { kind: e.actor_kind, id: e.actor_id === null ? null : Number(e.actor_id) },
      chatId: e.chat_id === null ? null : Number(e.chat_id),
      attachmentId: e.attachment_id === null ? null : Number(e.attachment_id),
      data: JSON.parse(e.data) as Record<string, unknown>,
    })),
    attachments: attachments.map((a) => ({
      id: Number(a.id),
      filename: a.filename,
      contentType: a.content_type,
      size: Number(a.size),
      chatId: a.chat_id === null ? null : Number(a.chat_id),
      createdAt: iso(a.created_at),
    })),
  };
}

export async function getAttachment(ctx: Ctx, actor: Actor, ticketId: number, attachmentId: number) {
  await visibleTicket(ctx, actor, ticketId);
  const a = await attachmentOfTicket(ctx.db, ticketId, attachmentId);
  if (!a) throw new NotFound('Attachment');
  return {
    filename: a.filename,
    contentType: a.content_type,
    content: Buffer.from(a.content),
    fileId: a.file_id === null ? null : Number(a.file_id),
    size: Number(a.size),
  };
}

export async function createTicket(
  ctx: Ctx,
  tech: TechActor,
  input: { companyId: number; boardId: number; contactId: number; summary: string; assignedTechId?: number | null },
) {
  if (!can(tech, 'ticket.create', { company_id: input.companyId, board_id: input.boardId, contact_id: input.contactId })) throw new NotFound('Board');
  const id = await inTransaction(ctx, async (trx) => {
    if ((await portalUserCompanyId(trx, input.contactId)) !== input.companyId) throw new NotFound('Contact');
    if (!(await boardExists(trx, input.boardId))) throw new NotFound('Board');
    if (input.assignedTechId && !(await techExists(trx, input.assignedTechId))) throw new NotFound('Tech');
    return insertTicket(trx, {
      company_id: input.companyId,
      board_id: input.boardId,
      contact_id: input.contactId,
      summary: input.summary,
      assigned_tech_id: input.assignedTechId ?? null,
      actor: { kind: 'tech', id: tech.id },
      now: ctx.now(),
    });
  });
  return getTicket(ctx, tech, id);
}

export async function updateTicket(
  ctx: Ctx,
  tech: TechActor,
  ticketId: number,
  patch: { summary?: string; status?: 'open' | 'in_progress' | 'closed'; assignedTechId?: number | null },
) {
  await visibleTicket(ctx, tech, ticketId, 'ticket.update');
  await inTransaction(ctx, async (trx) => {
    if (patch.assignedTechId && !(await techExists(trx, patch.assignedTechId))) throw new NotFound('Tech');
    const now = ctx.now();
    await updateTicketRow(trx, ticketId, {
      ...(patch.summary !== undefined ? { summary: patch.summary } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.assignedTechId !== undefined ? { assigned_tech_id: patch.assignedTechId } : {}),
      updated_at: now,
    });
    if (patch.status) {
      await insertTimelineEntry(trx, {
        ticket_id: ticketId,
        kind: 'status',
        at: now,
        actor_kind: 'tech',
        actor_id: tech.id,
        chat_id: null,
        attachment_id: null,
        data: JSON.stringify({ status: patch.status }),
      });
    }
  });
  return getTicket(ctx, tech, ticketId);
}
