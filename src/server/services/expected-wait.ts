/**
 * The expected wait a waiting requester is shown: the queue read here, the estimate made by the
 * pure domain/expected-wait.ts (its method in docs/expected-wait.md). Outside office hours the
 * view says when support opens instead. The board's history is cached for a few seconds: the
 * portal asks again every few seconds while a chat waits, and many requesters wait on one board.
 */
import type { Tx } from '../db/database.js';
import { activeChatCounts, queueHistoryRows, waitingAhead } from '../db/repositories/chats.js';
import { estimateWait, HISTORY_LIMIT, HISTORY_WINDOW_MS, type HistoryRow } from '../domain/expected-wait.js';
import { techsWithAccess } from '../policies/access.js';
import type { Ctx } from './context.js';
import { officeHoursWithStatus } from './office-hours.js';
import type { ExpectedWaitView } from '../../shared/views.js';

const HISTORY_TTL_MS = 15_000;
const historyCache = new WeakMap<object, Map<number, { at: number; rows: HistoryRow[] }>>();

async function boardHistory(ctx: Ctx, db: Tx, boardId: number, now: number): Promise<HistoryRow[]> {
  let byBoard = historyCache.get(ctx);
  if (!byBoard) historyCache.set(ctx, (byBoard = new Map()));
  const hit = byBoard.get(boardId);
  if (hit && now - hit.at >= 0 && now - hit.at < HISTORY_TTL_MS) return hit.rows;
  const rows = (await queueHistoryRows(db, boardId, now - HISTORY_WINDOW_MS, HISTORY_LIMIT)).map((r) => ({
    requestedAt: Number(r.requested_at),
    joinedAt: r.joined_at === null ? null : Number(r.joined_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
    leftQueueAt: r.joined_at === null ? (r.abandoned_at ?? r.callback_at ?? null) : null,
  }));
  byBoard.set(boardId, { at: now, rows });
  return rows;
}

/**
 * Who can take the chat now: available (not "do not disturb"), online, with access to its board
 * and company; their open slots under the limit of active chats (one each when there is none).
 */
async function staffing(ctx: Ctx, db: Tx, chat: { board_id: number; company_id: number }) {
  const ids = await techsWithAccess(db, chat, { availableOnly: true });
  const online = (await Promise.all(ids.map(async (id) => ((await ctx.presence.isTechOnline(id)) ? id : null)))).filter((id): id is number => id !== null);
  const slotsPerTech = ctx.config.maxActiveChatsPerTech ?? 1;
  const active = await activeChatCounts(db, online);
  const freeSlots = online.reduce((n, id) => n + Math.max(0, slotsPerTech - (active.get(id) ?? 0)), 0);
  return { staffedTechs: online.length, slotsPerTech, freeSlots };
}

/** The estimate for a waiting chat at `now` (its place in the queue counted among its board's waiting chats). */
export async function expectedWaitOf(
  ctx: Ctx,
  db: Tx,
  chat: { id: number; board_id: number; company_id: number; requested_at: number },
): Promise<{ position: number; expectedWait: ExpectedWaitView }> {
  const now = ctx.now();
  const position = (await waitingAhead(db, chat)) + 1;
  const hours = await officeHoursWithStatus(db, now);
  if (!hours.status.open) return { position, expectedWait: { kind: 'closed', opensAt: hours.status.nextOpenAt } };
  const [staff, history] = await Promise.all([staffing(ctx, db, chat), boardHistory(ctx, db, Number(chat.board_id), now)]);
  const est = estimateWait({ position, ...staff, history, now });
  return { position, expectedWait: est.kind === 'range' ? { kind: 'range', lowMin: est.lowMin, highMin: est.highMin } : { kind: 'unknown' } };
}
