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

const byChat = (column: string, values: Map<number, number>) =>
  sql<number>`case ${sql.ref(column)} ${sql.join(
    [...values].map(([id, v]) => sql`when ${id} then cast(${v} as bigint)`),
    sql` `,
  )} end`;

/**
 * Marks the chats' first tech message (`at` by chat id), those not marked yet, and gives back the
 * ones it marked with their first join (null without a measures row): one statement each way,
 * whatever the number of chats.
 */
export async function markFirstResponses(trx: Tx, firsts: Map<number, number>): Promise<{ chatId: number; at: number; firstJoinedAt: number }[]> {
  const marked = await trx
    .updateTable('chats')
    .set({ first_response_at: byChat('id', firsts) })
    .where('id', 'in', [...firsts.keys()])
    .where('first_response_at', 'is', null)
    .returning('id')
    .execute();
  if (!marked.length) return [];
  const rows = await trx
    .selectFrom('chat_metrics')
    .select(['chat_id', 'first_joined_at'])
    .where(
      'chat_id',
      'in',
      marked.map((m) => Number(m.id)),
    )
    .where('first_joined_at', 'is not', null)
    .execute();
  return rows.map((r) => ({ chatId: Number(r.chat_id), at: firsts.get(Number(r.chat_id))!, firstJoinedAt: Number(r.first_joined_at) }));
}

/** The first response of these chats, raw and in business hours: one statement. */
export async function setFirstResponses(trx: Tx, rows: { chatId: number; at: number; ms: number; bhMs: number }[]): Promise<void> {
  if (!rows.length) return;
  await trx
    .updateTable('chat_metrics')
    .set({
      first_response_at: byChat('chat_id', new Map(rows.map((r) => [r.chatId, r.at]))),
      first_response_ms: byChat('chat_id', new Map(rows.map((r) => [r.chatId, r.ms]))),
      first_response_bh_ms: byChat('chat_id', new Map(rows.map((r) => [r.chatId, r.bhMs]))),
    })
    .where(
      'chat_id',
      'in',
      rows.map((r) => r.chatId),
    )
    .execute();
}
