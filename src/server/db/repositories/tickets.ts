/** SQL of tickets, their timelines and attachments. */
import type { Insertable, Updateable } from 'kysely';
import type { Tx } from '../database.js';
import type { AttachmentsTable, TicketsTable, TimelineTable } from '../schema.js';
import { techScopeFilter, type TechActor } from '../../policies/access.js';

/** A ticket with the names its views show. */
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
export type TicketRow = Awaited<ReturnType<ReturnType<typeof ticketRows>['executeTakeFirstOrThrow']>>;

export function ticketRowById(db: Tx, ticketId: number): Promise<TicketRow | undefined> {
  return ticketRows(db).where('tickets.id', '=', ticketId).executeTakeFirst();
}

/** The tickets a tech has access to (the access rule's SQL form), last updated first. */
export function ticketRowsOfTech(db: Tx, tech: TechActor, limit: number): Promise<TicketRow[]> {
  return latestFirst(ticketRows(db).where(techScopeFilter(tech, 'tickets')), limit);
}

/** A contact's tickets that are not closed, among those the tech may see, last updated first. */
export function openTicketRowsOfContactForTech(db: Tx, tech: TechActor, contactId: number, limit: number): Promise<TicketRow[]> {
  return latestFirst(
    ticketRows(db).where(techScopeFilter(tech, 'tickets')).where('tickets.contact_id', '=', contactId).where('tickets.status', '!=', 'closed'),
    limit,
  );
}

/** The tickets whose contact the portal user is, last updated first. */
export function ticketRowsOfContact(db: Tx, contactId: number, limit: number): Promise<TicketRow[]> {
  return latestFirst(ticketRows(db).where('tickets.contact_id', '=', contactId), limit);
}

function latestFirst(q: ReturnType<typeof ticketRows>, limit: number) {
  return q.orderBy('tickets.updated_at', 'desc').orderBy('tickets.id', 'desc').limit(limit).execute();
}

/** The ticket's own columns. */
export function findTicket(db: Tx, ticketId: number) {
  return db.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirst();
}

export async function insertTicketRow(trx: Tx, values: Insertable<TicketsTable>): Promise<number> {
  return Number((await trx.insertInto('tickets').values(values).returning('id').executeTakeFirstOrThrow()).id);
}

export async function updateTicketRow(trx: Tx, ticketId: number, set: Updateable<TicketsTable>): Promise<void> {
  await trx.updateTable('tickets').set(set).where('id', '=', ticketId).execute();
}

export async function insertTimelineEntry(trx: Tx, entry: Insertable<TimelineTable>): Promise<void> {
  await trx.insertInto('timeline').values(entry).execute();
}

export function timelineOf(db: Tx, ticketId: number) {
  return db.selectFrom('timeline').selectAll().where('ticket_id', '=', ticketId).orderBy('at').orderBy('id').execute();
}

/** A ticket's attachments without their content. */
export function attachmentsOf(db: Tx, ticketId: number) {
  return db
    .selectFrom('attachments')
    .select(['id', 'filename', 'content_type', 'size', 'chat_id', 'created_at'])
    .where('ticket_id', '=', ticketId)
    .orderBy('id')
    .execute();
}

/** One attachment with its content, only under its own ticket. */
export function attachmentOfTicket(db: Tx, ticketId: number, attachmentId: number) {
  return db.selectFrom('attachments').selectAll().where('id', '=', attachmentId).where('ticket_id', '=', ticketId).executeTakeFirst();
}

export async function insertAttachment(trx: Tx, values: Insertable<AttachmentsTable>): Promise<number> {
  return Number((await trx.insertInto('attachments').values(values).returning('id').executeTakeFirstOrThrow()).id);
}
