/**
 * Durable timers: deadlines live in `chats` columns. Every node sweeps due rows about once a
 * second and claims each with a conditional update on the deadline it read, so exactly one node
 * acts on it, also after a restart or a crash.
 */
import { techsWithAccess } from '../policies/access.js';
import { inTransaction, type Ctx } from './context.js';
import { abandon } from './chats.js';

const BATCH = 200;

async function escalateAlerts(ctx: Ctx, now: number): Promise<number> {
  const due = await ctx.db.selectFrom('chats').select(['id', 'alert_all_at', 'board_id', 'company_id']).where('status', '=', 'waiting').where('alert_all_at', '<=', now).limit(BATCH).execute();
  let fired = 0;
  for (const c of due) {
    const r = await ctx.db
      .updateTable('chats')
      .set({ alert_all_at: null, alert_stage: 'all' })
      .where('id', '=', c.id)
      .where('alert_all_at', '=', c.alert_all_at)
      .where('status', '=', 'waiting')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) continue;
    fired++;
    const techIds = await techsWithAccess(ctx.db, c, { availableOnly: true });
    ctx.bus.publish('chat.alerted', { chatId: Number(c.id), stage: 'all', techIds });
  }
  return fired;
}

async function offerWaitOptions(ctx: Ctx, now: number): Promise<number> {
  const due = await ctx.db.selectFrom('chats').select(['id', 'offer_at', 'requester_id', 'offer_count']).where('status', '=', 'waiting').where('offer_at', '<=', now).limit(BATCH).execute();
  let fired = 0;
  for (const c of due) {
    const r = await ctx.db
      .updateTable('chats')
      .set({ offer_at: null, offer_count: Number(c.offer_count) + 1 })
      .where('id', '=', c.id)
      .where('offer_at', '=', c.offer_at)
      .where('status', '=', 'waiting')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) continue;
    fired++;
    ctx.bus.publish('chat.offer', { chatId: Number(c.id), requesterId: Number(c.requester_id) });
  }
  return fired;
}

async function abandonDisconnected(ctx: Ctx, now: number): Promise<number> {
  const due = await ctx.db.selectFrom('chats').select(['id', 'grace_at', 'requester_id']).where('status', '=', 'waiting').where('grace_at', '<=', now).limit(BATCH).execute();
  let fired = 0;
  for (const c of due) {
    // A connect event may have been lost with a crashed node: a user who is here has not left.
    if (await ctx.presence.isPortalOnline(Number(c.requester_id))) {
      await ctx.db.updateTable('chats').set({ grace_at: null }).where('id', '=', c.id).where('grace_at', '=', c.grace_at).execute();
      continue;
    }
    const done = await inTransaction(ctx, async (trx, outbox) => {
      const claimed = await trx.updateTable('chats').set({ grace_at: null }).where('id', '=', c.id).where('grace_at', '=', c.grace_at).where('status', '=', 'waiting').returningAll().executeTakeFirst();
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
  const rows = await ctx.db.selectFrom('chats').select('requester_id').distinct().where('status', '=', 'waiting').where('grace_at', 'is', null).limit(BATCH).execute();
  let armed = 0;
  for (const r of rows) {
    const userId = Number(r.requester_id);
    if (await ctx.presence.isPortalOnline(userId)) continue;
    await portalWentOffline(ctx, userId);
    armed++;
  }
  return armed;
}

export async function sweepTimers(ctx: Ctx): Promise<{ alerts: number; offers: number; abandoned: number }> {
  const now = ctx.now();
  return {
    alerts: await escalateAlerts(ctx, now),
    offers: await offerWaitOptions(ctx, now),
    abandoned: await abandonDisconnected(ctx, now),
  };
}

export function startTimerSweeper(ctx: Ctx, onError: (e: unknown) => void): () => void {
  let running = false;
  let sweeps = 0;
  const auditEvery = Math.max(1, Math.round(15000 / ctx.config.timerSweepMs));
  const handle = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await sweepTimers(ctx);
      if (++sweeps % auditEvery === 0) await auditPortalPresence(ctx);
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
  await ctx.db
    .updateTable('chats')
    .set({ grace_at: ctx.now() + ctx.config.delays.disconnectGraceMs })
    .where('requester_id', '=', userId)
    .where('status', '=', 'waiting')
    .where('grace_at', 'is', null)
    .execute();
}

export async function portalCameOnline(ctx: Ctx, userId: number) {
  await ctx.db.updateTable('chats').set({ grace_at: null }).where('requester_id', '=', userId).where('status', '=', 'waiting').where('grace_at', 'is not', null).execute();
}
