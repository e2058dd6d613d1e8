/**
 * The live wallboard (SPEC Part 2, "Insight"): the desk's state now, for the service-desk lead.
 *
 * Who may open it: admins (everything), and the techs an admin allowed (wallboard_viewers), each
 * limited to their own scope: the chats of the boards and companies they were granted, by the same
 * rule as their lists (policies/access.ts `techScopeFilter`). A tech may see their own chats in
 * the lists anyway; the wallboard adds the desk-wide view a lead needs, which is the admin's call.
 *
 * Definitions (docs/wallboard.md): "today" is the office hours' date in their time zone; the
 * service level counts the chats requested in the last 60 minutes that are decided (joined, or
 * gone without a join, or still waiting past the target) and says how many of them were first
 * joined within the target.
 */
import type { Ctx } from './context.js';
import type { Db } from '../db/database.js';
import { Forbidden, ValidationFailed } from '../errors.js';
import { techScopeFilter, type Actor, type TechActor } from '../policies/access.js';
import { techsInChat } from '../policies/rules.js';
import { loadOfficeHours } from './office-hours.js';
import { officeStatus, type OfficeHours } from '../domain/office-hours.js';
import { localParts, zonedToInstant } from '../../shared/time-zones.js';
import { DEFAULT_SERVICE_LEVEL_TARGET_S, type WallboardSettings, type WallboardView } from '../../shared/wallboard.js';
import * as repo from '../db/repositories/wallboard.js';

export const SERVICE_LEVEL_WINDOW_MIN = 60;

export function notAllowed(): Forbidden {
  return new Forbidden('wallboard_not_allowed', 'Only admins and the techs an admin allowed can open the wallboard');
}

/** Whether the actor may open the wallboard now (read fresh: a withdrawn permission counts at once). */
export async function mayOpenWallboard(db: Db, actor: Actor | null): Promise<boolean> {
  if (actor?.kind !== 'tech') return false;
  return actor.role === 'admin' || (await repo.isWallboardViewer(db, actor.id));
}

export async function wallboardSettings(db: Db): Promise<WallboardSettings> {
  const [row, viewerIds] = await Promise.all([repo.wallboardSettingsRow(db), repo.wallboardViewerIds(db)]);
  return { serviceLevelTargetSeconds: row ? Number(row.service_level_target_s) : DEFAULT_SERVICE_LEVEL_TARGET_S, viewerIds };
}

export async function saveWallboardSettings(ctx: Ctx, input: WallboardSettings): Promise<WallboardSettings> {
  const ids = [...new Set(input.viewerIds)];
  await ctx.db.transaction().execute(async (trx) => {
    const known = new Set(await repo.activeTechIdsAmong(trx, ids));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw new ValidationFailed(`No active tech with id ${unknown.join(', ')}`, { field: 'viewerIds', ids: unknown });
    await repo.saveWallboardSettings(trx, input.serviceLevelTargetSeconds, ids, ctx.now());
  });
  ctx.bus.publish('wallboard.changed', {});
  return wallboardSettings(ctx.db);
}

/** What every viewer's figures share, read once per round of pushes. */
export type WallboardBasis = {
  now: number;
  targetSeconds: number;
  hours: OfficeHours;
  techs: Awaited<ReturnType<typeof repo.activeTechsWithGrants>>;
};

export async function loadWallboardBasis(ctx: Ctx): Promise<WallboardBasis> {
  const [row, hours, techs] = await Promise.all([repo.wallboardSettingsRow(ctx.db), loadOfficeHours(ctx.db), repo.activeTechsWithGrants(ctx.db)]);
  return { now: ctx.now(), targetSeconds: row ? Number(row.service_level_target_s) : DEFAULT_SERVICE_LEVEL_TARGET_S, hours, techs };
}

/** Viewers with the same key see the same figures: one computation serves them all. */
export function scopeKey(tech: TechActor): string {
  if (tech.role === 'admin') return 'all';
  const sorted = (s: ReadonlySet<number>) => [...s].sort((a, b) => a - b).join(',');
  return `b:${sorted(tech.boardIds)}|c:${tech.allCompanies ? '*' : sorted(tech.companyIds)}`;
}

type TechGrants = WallboardBasis['techs'][number];

/**
 * Whether a tech could take a chat of the viewer's scope: an admin, or a tech granted a board and
 * a company the viewer was granted too. An admin's wallboard counts every tech.
 */
function sharesScope(viewer: TechActor, t: TechGrants): boolean {
  if (viewer.role === 'admin' || t.role === 'admin') return true;
  if (![...t.boardIds].some((b) => viewer.boardIds.has(b))) return false;
  if (viewer.allCompanies) return t.allCompanies || t.companyIds.size > 0;
  if (t.allCompanies) return viewer.companyIds.size > 0;
  return [...t.companyIds].some((c) => viewer.companyIds.has(c));
}

export function startOfDay(now: number, timezone: string): { date: string; start: number } {
  const p = localParts(now, timezone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return { date: `${p.y}-${pad(p.m)}-${pad(p.d)}`, start: zonedToInstant(p.y, p.m, p.d, 0, 0, timezone) };
}

/**
 * The figures for one viewer's scope. `online`: the techs connected to the console anywhere in
 * the cluster (realtime); null when that cannot be known now (every tech then counts as offline).
 */
export async function computeWallboard(ctx: Ctx, basis: WallboardBasis, viewer: TechActor, online: ReadonlySet<number> | null): Promise<WallboardView> {
  const { now, targetSeconds, hours } = basis;
  const scope = techScopeFilter(viewer, 'chats');
  const today = startOfDay(now, hours.timezone);
  const windowStart = now - SERVICE_LEVEL_WINDOW_MIN * 60_000;
  const [waiting, active, recent, abandoned, callbacksDue, callbacksToday] = await Promise.all([
    repo.waitingNow(ctx.db, ctx.dialect, scope),
    repo.activeChatsTechs(ctx.db, ctx.dialect, scope),
    repo.requestedSince(ctx.db, scope, windowStart),
    repo.countSince(ctx.db, scope, 'abandoned_at', today.start),
    repo.openCallbacks(ctx.db, ctx.dialect, scope),
    repo.countSince(ctx.db, scope, 'callback_at', today.start),
  ]);

  const inChat = new Set<number>();
  for (const c of active) for (const id of techsInChat({ tech_id: c.tech_id === null ? null : Number(c.tech_id), co_techs: c.co_techs })) inChat.add(id);
  const techs = { available: 0, dnr: 0, offline: 0, inChats: 0 };
  for (const t of basis.techs) {
    if (!sharesScope(viewer, t)) continue;
    if (!online?.has(t.id)) techs.offline++;
    else if (t.available) techs.available++;
    else techs.dnr++;
    if (inChat.has(t.id)) techs.inChats++;
  }

  const target = targetSeconds * 1000;
  let counted = 0;
  let withinTarget = 0;
  for (const c of recent) {
    const requested = Number(c.requested_at);
    const firstJoin = c.first_join == null ? null : Number(c.first_join);
    if (firstJoin !== null) {
      counted++;
      if (firstJoin - requested <= target) withinTarget++;
    } else if (c.status !== 'waiting' || now - requested > target) counted++;
  }

  const office = officeStatus(hours, now);
  return {
    at: new Date(now).toISOString(),
    scope: viewer.role === 'admin' ? 'all' : 'own',
    waiting: waiting.count,
    longestWaitingSince: waiting.oldest === null ? null : new Date(waiting.oldest).toISOString(),
    longestWaitSeconds: waiting.oldest === null ? null : Math.max(0, Math.floor((now - waiting.oldest) / 1000)),
    activeChats: active.length,
    techs,
    serviceLevel: {
      targetSeconds,
      windowMinutes: SERVICE_LEVEL_WINDOW_MIN,
      counted,
      withinTarget,
      percent: counted ? Math.floor((withinTarget * 100) / counted) : null,
    },
    today: { date: today.date, timezone: hours.timezone, abandoned, callbacksDue, callbacksRequestedToday: callbacksToday },
    officeHours: { open: office.open, closesAt: office.closesAt, nextOpenAt: office.nextOpenAt, holiday: office.holiday?.name ?? null },
  };
}

/** The wallboard for one tech asking over HTTP: refused unless they may open it. */
export async function wallboardFor(ctx: Ctx, tech: TechActor): Promise<WallboardView> {
  if (!(await mayOpenWallboard(ctx.db, tech))) throw notAllowed();
  const [basis, online] = await Promise.all([loadWallboardBasis(ctx), ctx.presence.techsOnline ? ctx.presence.techsOnline() : Promise.resolve(null)]);
  return computeWallboard(ctx, basis, tech, online);
}
