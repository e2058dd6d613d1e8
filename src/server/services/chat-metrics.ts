/**
 * The per-chat report measures (docs/metrics.md), written in the transaction of the change that
 * closes each duration, raw and in business hours under the office hours then in force. Called by
 * the request (`startMetrics`), by `applyTransition` for every status change, by the message batch
 * for a chat's first tech message, and by the rating. A chat without a row (made before migration
 * 026, or written straight into the database) is skipped here; `reports rebuild` makes its row.
 */
import type { Tx } from '../db/database.js';
import type { Chat } from '../db/schema.js';
import type { ChatEvent } from '../domain/chat-machine.js';
import { businessMs } from '../domain/business-time.js';
import { loadOfficeHours } from './office-hours.js';
import {
  countChatMessages,
  countTransfer,
  insertMetrics,
  markFirstResponses,
  metricsStarts,
  setFirstResponses,
  updateMetrics,
} from '../db/repositories/chat-metrics.js';

/** The row of a chat just requested: in the queue since its request. */
export async function startMetrics(trx: Tx, chat: Pick<Chat, 'id' | 'requested_at' | 'company_id' | 'board_id'>): Promise<void> {
  const at = Number(chat.requested_at);
  await insertMetrics(trx, {
    chat_id: Number(chat.id),
    requested_at: at,
    company_id: Number(chat.company_id),
    board_id: Number(chat.board_id),
    tech_id: null,
    disposition: 'waiting',
    queued_at: at,
  });
}

/** What a status change closes: `before` is the chat as read, `after` as updated. */
export async function recordTransition(trx: Tx, before: Chat, after: Chat, event: ChatEvent, actorId: number | null, now: number): Promise<void> {
  const chatId = Number(before.id);
  switch (event) {
    case 'join': {
      // The first join only: a chat sent back to a board and joined again keeps its first.
      if (before.joined_at !== null) return;
      const requested = Number(before.requested_at);
      const hours = await loadOfficeHours(trx);
      await updateMetrics(
        trx,
        chatId,
        { first_joined_at: now, tech_id: actorId, join_ms: now - requested, join_bh_ms: businessMs(hours, requested, now), disposition: 'answered' },
        true,
      );
      return;
    }
    case 'transfer':
      await countTransfer(trx, chatId, { board_id: Number(after.board_id), queued_at: now });
      return;
    case 'hand_over':
      await countTransfer(trx, chatId, {});
      return;
    case 'leave': {
      if (after.status !== 'abandoned') return;
      const row = await metricsStarts(trx, chatId);
      if (!row) return;
      const hours = await loadOfficeHours(trx);
      await updateMetrics(trx, chatId, {
        disposition: 'abandoned',
        abandoned_at: now,
        abandon_wait_ms: now - row.queued_at,
        abandon_wait_bh_ms: businessMs(hours, row.queued_at, now),
      });
      return;
    }
    case 'request_callback':
      await updateMetrics(trx, chatId, { disposition: 'callback', callback_at: now });
      return;
    case 'end': {
      const row = await metricsStarts(trx, chatId);
      if (!row) return;
      const joined = row.first_joined_at ?? Number(before.joined_at);
      const hours = await loadOfficeHours(trx);
      await updateMetrics(trx, chatId, {
        ended_at: now,
        completed_at: now,
        handle_ms: now - joined,
        handle_bh_ms: businessMs(hours, joined, now),
        messages: await countChatMessages(trx, chatId),
      });
      return;
    }
    case 'complete':
      await updateMetrics(trx, chatId, {
        completed_at: now,
        messages: await countChatMessages(trx, chatId),
        ...(before.status === 'callback' ? { callback_completed_at: now } : {}),
      });
      return;
    default:
      return;
  }
}

/**
 * The chats of a message batch whose first tech message it wrote (`at`: that message's time).
 * The batch knows from the chat row it locks anyway (`chats.first_response_at`), so this runs once
 * per chat, never on later messages.
 */
export async function recordFirstResponses(trx: Tx, firsts: { chatId: number; at: number }[]): Promise<void> {
  if (!firsts.length) return;
  // A fixed number of statements for the whole batch, as the batch's own (message-batches.ts).
  const marked = await markFirstResponses(trx, new Map(firsts.map((f) => [f.chatId, f.at])));
  if (!marked.length) return;
  const hours = await loadOfficeHours(trx);
  await setFirstResponses(
    trx,
    marked.map((m) => ({ chatId: m.chatId, at: m.at, ms: m.at - m.firstJoinedAt, bhMs: businessMs(hours, m.firstJoinedAt, m.at) })),
  );
}

export async function recordRating(trx: Tx, chatId: number, score: number): Promise<void> {
  await updateMetrics(trx, chatId, { rating: score });
}
