/** SQL of the per-chat report measures (services/chat-metrics.ts, docs/metrics.md). */
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tx } from '../database.js';
import type { ChatMetricsTable } from '../schema.js';

export type MetricsRow = {
  requested_at: number;
  queued_at: number;
  first_joined_at: number | null;
};

export async function insertMetrics(trx: Tx, row: Insertable<ChatMetricsTable>): Promise<void> {
  await trx.insertInto('chat_metrics').values(row).execute();
}

/** What a closing duration needs of the row; undefined for a chat that has none (made before migration 026). */
export async function metricsStarts(trx: Tx, chatId: number): Promise<MetricsRow | undefined> {
  const r = await trx.selectFrom('chat_metrics').select(['requested_at', 'queued_at', 'first_joined_at']).where('chat_id', '=', chatId).executeTakeFirst();
  if (!r) return undefined;
  return {
    requested_at: Number(r.requested_at),
    queued_at: Number(r.queued_at),
    first_joined_at: r.first_joined_at === null ? null : Number(r.first_joined_at),
  };
}

export async function updateMetrics(trx: Tx, chatId: number, set: Updateable<ChatMetricsTable>, onlyFirstJoin = false): Promise<void> {
  let q = trx.updateTable('chat_metrics').set(set).where('chat_id', '=', chatId);
  if (onlyFirstJoin) q = q.where('first_joined_at', 'is', null);
  await q.execute();
}

export async function countTransfer(trx: Tx, chatId: number, set: Updateable<ChatMetricsTable>): Promise<void> {
  await trx
    .updateTable('chat_metrics')
    .set({ ...set, transfers: sql`transfers + 1` })
    .where('chat_id', '=', chatId)
    .execute();
}

/** Messages written by the requester and the techs (system lines left out). */
export async function countChatMessages(trx: Tx, chatId: number): Promise<number> {
  const r = await trx
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('chat_id', '=', chatId)
    .where('author_kind', '<>', 'system')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Marks the chats' first tech message; those already marked are left as they are. */
export async function markFirstResponse(trx: Tx, chatId: number, at: number): Promise<boolean> {
  const r = await trx.updateTable('chats').set({ first_response_at: at }).where('id', '=', chatId).where('first_response_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
