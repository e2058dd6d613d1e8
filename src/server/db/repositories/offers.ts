/**
 * SQL of chat offers (transfer to a tech, invite into a chat). A chat has at most one pending
 * offer (the chat_offers_one_pending unique index); every answer is a conditional update on
 * `status = 'pending'`, so of two answers (accept and decline, accept and the expiry) one wins.
 */
import type { Tx } from '../database.js';
import type { ChatOffer, ChatOffersTable } from '../schema.js';
import type { Insertable } from 'kysely';

export type OfferRow = ChatOffer & { from_name: string; to_name: string };

function offerRows(db: Tx) {
  return db
    .selectFrom('chat_offers as o')
    .innerJoin('techs as f', 'f.id', 'o.from_tech_id')
    .innerJoin('techs as t', 't.id', 'o.to_tech_id')
    .selectAll('o')
    .select(['f.name as from_name', 't.name as to_name']);
}

export function insertOffer(trx: Tx, offer: Insertable<ChatOffersTable>): Promise<ChatOffer> {
  return trx.insertInto('chat_offers').values(offer).returningAll().executeTakeFirstOrThrow();
}

export function findOffer(db: Tx, offerId: number): Promise<OfferRow | undefined> {
  return offerRows(db).where('o.id', '=', offerId).executeTakeFirst();
}

/** The pending offers made to a tech, oldest first (the console shows them after a reload). */
export function pendingOffersTo(db: Tx, techId: number, now: number): Promise<OfferRow[]> {
  return offerRows(db).where('o.to_tech_id', '=', techId).where('o.status', '=', 'pending').where('o.expires_at', '>', now).orderBy('o.id').execute();
}

/**
 * Settles a pending offer; true when this call did. Accepting also needs the offer not to have
 * run out, whatever the sweep has done yet.
 */
export async function settleOffer(trx: Tx, offerId: number, status: Exclude<ChatOffer['status'], 'pending'>, now: number): Promise<boolean> {
  let q = trx.updateTable('chat_offers').set({ status, answered_at: now }).where('id', '=', offerId).where('status', '=', 'pending');
  if (status === 'accepted') q = q.where('expires_at', '>', now);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Withdraws the chat's pending offer (the chat ended, or moved on); the offer withdrawn, if any. */
export async function withdrawPendingOffer(trx: Tx, chatId: number, now: number, fromTechId?: number): Promise<ChatOffer | undefined> {
  return trx
    .updateTable('chat_offers')
    .set({ status: 'withdrawn', answered_at: now })
    .where('chat_id', '=', chatId)
    .where('status', '=', 'pending')
    .$if(fromTechId !== undefined, (q) => q.where('from_tech_id', '=', fromTechId!))
    .returningAll()
    .executeTakeFirst();
}

/** Pending offers whose time ran out (the timer sweep expires them, one node each). */
export function dueOffers(db: Tx, now: number, limit: number): Promise<ChatOffer[]> {
  return db.selectFrom('chat_offers').selectAll().where('status', '=', 'pending').where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
}
