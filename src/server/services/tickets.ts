import { NotFound } from '../errors.js';
import type { Tx } from '../db/database.js';
import { techScopeFilter, type Actor, type TechActor } from '../policies/access.js';
import { authorize, can, type TicketAction } from '../policies/rules.js';
import { inTransaction, type Ctx } from './context.js';
import { iso } from './presenters.js';

export async function insertTicket(
  trx: Tx,
  t: { company_id: number; board_id: number; contact_id: number; summary: string; assigned_tech_id: number | null; actor: { kind: 'tech' | 'portal' | 'system'; id: number | null }; now: number },
): Promise<number> {
  const row = await trx
    .insertInto('tickets')
    .values({ company_id: t.company_id, board_id: t.board_id, contact_id: t.contact_id, summary: t.summary, status: 'open', assigned_tech_id: t.assigned_tech_id, created_at: t.now, updated_at: t.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  await trx
    .insertInto('timeline')
    .values({ ticket_id: id, kind: 'created', at: t.now, actor_kind: t.actor.kind, actor_id: t.actor.id, chat_id: null, attachment_id: null, data: JSON.stringify({ summary: t.summary }) })
    .execute();
  return id;
}

function ticketRows(db: Tx) {
  return db
    .selectFrom('tickets')
    .innerJoin('companies as co', 'co.id', 'tickets.company_id')
    .innerJoin('boards as b', 'b.id', 'tickets.board_id')
    .innerJoin('portal_users as pu', 'pu.id', 'tickets.contact_id')
    .leftJoin('techs as t', 't.id', 'tickets.assigned_tech_id')
    .selectAll('tickets')
    .select(['co.name as company_name', 'b.name as board_name', 'pu.name as contact_name', 't.name as tech_name']);
}
type TicketRow = Awaited<ReturnType<ReturnType<typeof ticketRows>['executeTakeFirstOrThrow']>>;

function presentTicket(t: TicketRow) {
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
  let q = ticketRows(ctx.db);
  q = actor.kind === 'tech' ? q.where(techScopeFilter(actor, 'tickets')) : q.where('tickets.contact_id', '=', actor.id);
  const rows = await q.orderBy('tickets.updated_at', 'desc').orderBy('tickets.id', 'desc').limit(opts.limit ?? 200).execute();
  return rows.map(presentTicket);
}

async function visibleTicket(ctx: Ctx, actor: Actor, ticketId: number, action: TicketAction = 'ticket.view') {
  const t = await ticketRows(ctx.db).where('tickets.id', '=', ticketId).executeTakeFirst();
  if (!t) throw new NotFound('Ticket');
  authorize(actor, action, t);
  return t;
}

export async function getTicket(ctx: Ctx, actor: Actor, ticketId: number) {
  const t = await visibleTicket(ctx, actor, ticketId);
  const [timeline, attachments] = await Promise.all([
    ctx.db.selectFrom('timeline').selectAll().where('ticket_id', '=', ticketId).orderBy('at').orderBy('id').execute(),
    ctx.db.selectFrom('attachments').select(['id', 'filename', 'content_type', 'size', 'chat_id', 'created_at']).where('ticket_id', '=', ticketId).orderBy('id').execute(),
  ]);
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
  const a = await ctx.db.selectFrom('attachments').selectAll().where('id', '=', attachmentId).where('ticket_id', '=', ticketId).executeTakeFirst();
  if (!a) throw new NotFound('Attachment');
  return { filename: a.filename, contentType: a.content_type, content: Buffer.from(a.content) };
}

export async function createTicket(
  ctx: Ctx,
  tech: TechActor,
  input: { companyId: number; boardId: number; contactId: number; summary: string; assignedTechId?: number | null },
) {
  if (!can(tech, 'ticket.create', { company_id: input.companyId, board_id: input.boardId, contact_id: input.contactId })) throw new NotFound('Board');
  const id = await inTransaction(ctx, async (trx) => {
    const contact = await trx.selectFrom('portal_users').select('company_id').where('id', '=', input.contactId).executeTakeFirst();
    if (!contact || Number(contact.company_id) !== input.companyId) throw new NotFound('Contact');
    const board = await trx.selectFrom('boards').select('id').where('id', '=', input.boardId).executeTakeFirst();
    if (!board) throw new NotFound('Board');
    if (input.assignedTechId) {
      const t = await trx.selectFrom('techs').select('id').where('id', '=', input.assignedTechId).executeTakeFirst();
      if (!t) throw new NotFound('Tech');
    }
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

export async function updateTicket(ctx: Ctx, tech: TechActor, ticketId: number, patch: { summary?: string; status?: 'open' | 'in_progress' | 'closed'; assignedTechId?: number | null }) {
  await visibleTicket(ctx, tech, ticketId, 'ticket.update');
  await inTransaction(ctx, async (trx) => {
    if (patch.assignedTechId) {
      const t = await trx.selectFrom('techs').select('id').where('id', '=', patch.assignedTechId).executeTakeFirst();
      if (!t) throw new NotFound('Tech');
    }
    const now = ctx.now();
    await trx
      .updateTable('tickets')
      .set({
        ...(patch.summary !== undefined ? { summary: patch.summary } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.assignedTechId !== undefined ? { assigned_tech_id: patch.assignedTechId } : {}),
        updated_at: now,
      })
      .where('id', '=', ticketId)
      .execute();
    if (patch.status) {
      await trx
        .insertInto('timeline')
        .values({ ticket_id: ticketId, kind: 'status', at: now, actor_kind: 'tech', actor_id: tech.id, chat_id: null, attachment_id: null, data: JSON.stringify({ status: patch.status }) })
        .execute();
    }
  });
  return getTicket(ctx, tech, ticketId);
}
