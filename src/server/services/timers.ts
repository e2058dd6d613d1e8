/**
 * Durable timers: deadlines live in `chats` columns. Every node sweeps due rows about once a
 * second and claims each with a conditional update on the deadline it read, so exactly one node
 * acts on it, also after a restart or a crash.
 */
import { alertableTechs } from './chats.js';
import { inTransaction, type Ctx } from './context.js';
import { abandon } from './chats.js';
import { expireOffers } from './transfers.js';
import { sweepAbandonedFiles } from './files.js';
import {
  armGraces,
  claimAlertEscalation,
  claimGrace,
  claimWaitOffer,
  clearGrace,
  disarmGraces,
  dueAlertEscalations,
  dueGraces,
  dueWaitOffers,
  waitingRequestersWithoutGrace,
} from '../db/repositories/chats.js';

const BATCH = 200;

async function escalateAlerts(ctx: Ctx, now: number): Promise<number> {
  const due = await dueAlertEscalations(ctx.db, now, BATCH);
  ctx.metrics.timersDue.inc({ timer: 'alert_escalation' }, due.length);
  let fired = 0;
  for (const c of due) {
    if (!(await claimAlertEscalation(ctx.db, c.id, c.alert_all_at))) continue;
    fired++;
    // Everyone eligible but the tech already alerted alone: one alert (toast, sound) per tech and request.
    const alone = c.assigned_alert_tech_id === null ? null : Number(c.assigned_alert_tech_id);
    const techIds = (await alertableTechs(ctx, c)).filter((id) => id !== alone);
    ctx.bus.publish('chat.alerted', { chatId: Number(c.id), stage: 'all', techIds });
  }
  return fired;
}

async function offerWaitOptions(ctx: Ctx, now: number): Promise<number> {
  const due = await dueWaitOffers(ctx.db, now, BATCH);
  ctx.metrics.timersDue.inc({ timer: 'wait_offer' }, due.length);
  let fired = 0;
  for (const c of due) {
    if (!(await claimWaitOffer(ctx.db, c.id, c.offer_at, Number(c.offer_count) + 1))) continue;
    fired++;
    ctx.bus.publish('chat.offer', { chatId: Number(c.id), requesterId: Number(c.requester_id) });
  }
  return fired;
}

async function abandonDisconnected(ctx: Ctx, now: number): Promise<number> {
  const due = await dueGraces(ctx.db, now, BATCH);
  ctx.metrics.timersDue.inc({ timer: 'disconnect_grace' }, due.length);
  let fired = 0;
  for (const c of due) {
    // A connect event may have been lost with a crashed node: a user who is here has not left.
    if (await ctx.presence.isPortalOnline(Number(c.requester_id))) {
      await clearGrace(ctx.db, c.id, c.grace_at);
      continue;
    }
    const done = await inTransaction(ctx, async (trx, outbox) => {
      const claimed = await claimGrace(trx, c.id, c.grace_at);
      if (!claimed) return false;
      await abandon(trx, outbox, claimed, { kind: 'system', id: null }, 'disconnected', now);
      return true;
    });
    if (done) fired++;
  }
  return fired;
}

/**
 * A node killed without warning never reports its portal users' disconnects. Every so often,
 * waiting chats whose requester is connected nowhere get their grace armed.
 */
export async function auditPortalPresence(ctx: Ctx): Promise<number> {
  const userIds = await waitingRequestersWithoutGrace(ctx.db, ctx.dialect, BATCH);
  let armed = 0;
  for (const userId of userIds) {
    if (await ctx.presence.isPortalOnline(userId)) continue;
    await portalWentOffline(ctx, userId);
    armed++;
  }
  return armed;
}

export async function sweepTimers(ctx: Ctx): Promise<{ alerts: number; offers: number; abandoned: number; transfers: number }> {
  const now = ctx.now();
  const fired = {
    alerts: await escalateAlerts(ctx, now),
    offers: await offerWaitOptions(ctx, now),
    abandoned: await abandonDisconnected(ctx, now),
    transfers: await expireOffers(ctx, now, BATCH),
  };
  ctx.metrics.timersFired.inc({ timer: 'alert_escalation' }, fired.alerts);
  ctx.metrics.timersFired.inc({ timer: 'wait_offer' }, fired.offers);
  ctx.metrics.timersFired.inc({ timer: 'disconnect_grace' }, fired.abandoned);
  ctx.metrics.timersFired.inc({ timer: 'transfer_answer' }, fired.transfers);
  return fired;
}

/**
 * Sweeps the timers about once a second, runs the presence audit every 15 s, and removes files
 * that no message carries every 10 minutes (services/files.ts). (A node killed
 * without warning runs no disconnect handler: the other nodes arm its users' graces when its
 * heartbeat stops, realtime/cluster-presence.ts.)
 */
export function startTimerSweeper(ctx: Ctx, onError: (e: unknown) => void): () => void {
  let running = false;
  let sweeps = 0;
  const auditEvery = Math.max(1, Math.round(15000 / ctx.config.timerSweepMs));
  const filesEvery = Math.max(1, Math.round(600_000 / ctx.config.timerSweepMs));
  const handle = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await sweepTimers(ctx);
      if (++sweeps % auditEvery === 0) await auditPortalPresence(ctx);
      if (sweeps % filesEvery === 0) await sweepAbandonedFiles(ctx);
    } catch (e) {
      onError(e);
    } finally {
      running = false;
    }
  }, ctx.config.timerSweepMs);
  handle.unref();
  return () => clearInterval(handle);
}

/** Portal presence feeds the disconnect grace of the user's waiting chats. */
export async function portalWentOffline(ctx: Ctx, userId: number) {
  await armGraces(ctx.db, userId, ctx.now() + ctx.config.delays.disconnectGraceMs);
}

export async function portalCameOnline(ctx: Ctx, userId: number) {
  await disarmGraces(ctx.db, userId);
}
