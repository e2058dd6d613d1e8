/**
 * The live wallboard (SPEC Part 2, "Insight"): what it shows, its settings, and the socket events
 * that keep it live. The figures are for the viewer's scope only (services/wallboard.ts).
 */
import { z } from 'zod';

const count = z.number().int().min(0);

export const WallboardTechs = z.object({
  /** Connected and Available. */
  available: count,
  /** Connected and on Do Not Respond (DNR). */
  dnr: count,
  /** Not connected to the console on any node. */
  offline: count,
  /** Taking part in at least one active chat of the scope (lead or invited). */
  inChats: count,
});

export const WallboardView = z.object({
  /** When these figures were computed (ISO). */
  at: z.string(),
  /** Whether the figures cover every board and company (admins) or the viewer's own grants. */
  scope: z.enum(['all', 'own']),
  waiting: count,
  /** When the chat waiting longest was requested (ISO), null when none waits: the page counts up from it. */
  longestWaitingSince: z.string().nullable(),
  /** Its wait in seconds at `at`. */
  longestWaitSeconds: count.nullable(),
  activeChats: count,
  techs: WallboardTechs,
  serviceLevel: z.object({
    targetSeconds: z.number().int().positive(),
    windowMinutes: z.number().int().positive(),
    /** Chats requested in the window that are decided: joined, or left, or waiting past the target. */
    counted: count,
    /** Of those, joined within the target. */
    withinTarget: count,
    /** withinTarget / counted in whole percent; null when nothing is counted yet. */
    percent: z.number().int().min(0).max(100).nullable(),
  }),
  today: z.object({
    /** The office hours' date (YYYY-MM-DD) and time zone "today" is counted in. */
    date: z.string(),
    timezone: z.string(),
    /** Chats abandoned since the start of today. */
    abandoned: count,
    /** Callback requests still to be called back (not completed), whenever asked for. */
    callbacksDue: count,
    /** Of those, asked for today. */
    callbacksRequestedToday: count,
  }),
  officeHours: z.object({
    open: z.boolean(),
    closesAt: z.string().nullable(),
    nextOpenAt: z.string().nullable(),
    holiday: z.string().nullable(),
  }),
});
export type WallboardView = z.infer<typeof WallboardView>;

export const WallboardAccess = z.object({ allowed: z.boolean() });

export const DEFAULT_SERVICE_LEVEL_TARGET_S = 60;
export const WallboardSettings = z.object({
  serviceLevelTargetSeconds: z.number().int().min(5).max(3600),
  /** The techs besides admins allowed to open the wallboard, each limited to their own scope. */
  viewerIds: z.array(z.number().int().positive()).max(10_000),
});
export type WallboardSettings = z.infer<typeof WallboardSettings>;
export const WallboardSettingsBody = WallboardSettings.strict();

/** `wallboard:watch` (client -> server, with ack): start receiving `wallboard` pushes; answers the figures now. */
export const WallboardWatchPayload = z.object({}).strict();
