/**
 * The expected wait a waiting requester is shown: the queue read here, the estimate made by the
 * pure domain/expected-wait.ts (its method in docs/expected-wait.md). Outside office hours the
 * view says when support opens instead. The portal asks again every 5 s while a chat waits and
 * many requesters wait on one board, so per request only the place in the queue is read; what is
 * the same for the board (office hours, staffing) is cached for 3 s, its history for 15 s (per
 * node; cache ages on the machine's clock, so a test's frozen clock does not freeze them).
 */
import type { Tx } from '../db/database.js';
import { activeChatCounts, queueHistoryRows, waitingAhead } from '../db/repositories/chats.js';
import { estimateWait, HISTORY_LIMIT, HISTORY_WINDOW_MS, Outcomes, type HistoryRow } from '../domain/expected-wait.js';
import { techsWithAccess } from '../policies/access.js';
import type { Ctx } from './context.js';
import { officeHoursWithStatus } from './office-hours.js';
import type { ExpectedWaitView } from '../../shared/views.js';

const HISTORY_TTL_MS = 15_000;
const SNAPSHOT_TTL_MS = 3_000;
type Cached<T> = { at: number; value: Promise<T> };
const caches = new WeakMap<object, Map<string, Cached<unknown>>>();

/** `load`'s answer for `key`, shared for `ttl` ms by every request of this server (a failed load is not kept). */
function cached<T>(ctx: Ctx, key: string, ttl: number, load: () => Promise<T>): Promise<T> {
  let map = caches.get(ctx);
  if (!map) caches.set(ctx, (map = new Map()));
  const t = Date.now();
  const hit = map.get(key) as Cached<T> | undefined;
  if (hit && t - hit.at >= 0 && t - hit.at < ttl) return hit.value;
  const value = load();
  const entry = { at: t, value };
  map.set(key, entry);
  value.catch(() => map.get(key) === entry && map.delete(key));
  return value;
}

const outcomesOf = new WeakMap<object, Map<number, Outcomes>>();

/** The board's record of how its estimates turned out (domain Outcomes), kept in this node's memory. */
export function boardOutcomes(ctx: Ctx, boardId: number): Outcomes {
  let map = outcomesOf.get(ctx);
  if (!map) outcomesOf.set(ctx, (map = new Map()));
  let o = map.get(boardId);
  if (!o) map.set(boardId, (o = new Outcomes()));
  return o;
}

/**
 * The board's recent chats; on the way, the chats shown an estimate that have since been joined
 * go into its record, and those that left the queue, or the board, are dropped from it.
 */
async function boardHistory(ctx: Ctx, db: Tx, boardId: number, now: number): Promise<HistoryRow[]> {
  const rows = await queueHistoryRows(db, boardId, now - HISTORY_WINDOW_MS, HISTORY_LIMIT);
  const outcomes = boardOutcomes(ctx, boardId);
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  for (const id of outcomes.pendingIds()) {
    const r = byId.get(id);
    if (r?.joined_at != null) outcomes.joined(id, Number(r.joined_at));
    else if (!r || r.abandoned_at != null || r.callback_at != null) outcomes.forget(id);
  }
  return rows.map((r) => ({
    requestedAt: Number(r.requested_at),
    joinedAt: r.joined_at === null ? null : Number(r.joined_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
    leftQueueAt: r.joined_at === null ? (r.abandoned_at ?? r.callback_at ?? null) : null,
  }));
}

/**
 * Who can take the chat now: available (not "do not disturb"), online, with access to its board
 * and company; their open slots under the limit of active chats (one each when there is none).
 */
export async function staffing(ctx: Ctx, db: Tx, chat: { board_id: number; company_id: number }) {
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
  const board = Number(chat.board_id);
  const [position, snapshot] = await Promise.all([
    waitingAhead(db, chat).then((n) => n + 1),
    cached(ctx, `desk:${board}:${chat.company_id}`, SNAPSHOT_TTL_MS, async () => {
      const hours = await officeHoursWithStatus(ctx.db, now);
      return { status: hours.status, staff: hours.status.open ? await staffing(ctx, ctx.db, chat) : null };
    }),
  ]);
  const { status, staff } = snapshot;
  if (!status.open || !staff) return { position, expectedWait: { kind: 'closed', opensAt: status.nextOpenAt } };
  const history = await cached(ctx, `history:${board}`, HISTORY_TTL_MS, () => boardHistory(ctx, ctx.db, board, now));
  const est = estimateWait({ position, ...staff, history, now }, boardOutcomes(ctx, board), { id: Number(chat.id), requestedAt: Number(chat.requested_at) });
  return { position, expectedWait: est.kind === 'range' ? { kind: 'range', lowMin: est.lowMin, highMin: est.highMin } : { kind: 'unknown' } };
}
