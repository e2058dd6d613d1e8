/**
 * Office hours: a weekly schedule in an IANA time zone plus dated holidays. Pure: `now` is given.
 */
export type Interval = { start: string; end: string };
export type WeeklySchedule = Record<string, Interval[]>; // "0" (Sunday) … "6"
export type OfficeHours = { timezone: string; schedule: WeeklySchedule; holidays: { date: string; name: string }[] };

export type OfficeStatus = {
  open: boolean;
  /** ISO instant of the next opening when closed now; null when open or no opening in 3 weeks. */
  nextOpenAt: string | null;
  /** ISO instant when the current period closes, when open. */
  closesAt: string | null;
  holiday: { date: string; name: string } | null;
};

import { localParts, zonedToInstant } from '../../shared/time-zones.js';

export { isValidTimeZone } from '../../shared/time-zones.js';

const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};
const pad = (n: number) => String(n).padStart(2, '0');
const isoDate = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;

export function officeStatus(hours: OfficeHours, now: number): OfficeStatus {
  const tz = hours.timezone;
  const holidays = new Map(hours.holidays.map((h) => [h.date, h]));
  const today = localParts(now, tz);
  let open = false;
  let closesAt: string | null = null;
  let nextOpenAt: string | null = null;
  const todayHoliday = holidays.get(isoDate(today.y, today.m, today.d)) ?? null;

  // Walk day by day in local time: today, then up to 21 days ahead.
  for (let i = 0; i < 22 && !nextOpenAt; i++) {
    const day = new Date(Date.UTC(today.y, today.m - 1, today.d + i));
    const y = day.getUTCFullYear();
    const m = day.getUTCMonth() + 1;
    const d = day.getUTCDate();
    if (holidays.has(isoDate(y, m, d))) continue;
    const intervals = [...(hours.schedule[String(day.getUTCDay())] ?? [])].sort((a, b) => toMinutes(a.start) - toMinutes(b.start));
    for (const iv of intervals) {
      const s = toMinutes(iv.start);
      const e = toMinutes(iv.end);
      const startAt = zonedToInstant(y, m, d, Math.floor(s / 60), s % 60, tz);
      const endAt = e >= 24 * 60 ? zonedToInstant(y, m, d + 1, 0, 0, tz) : zonedToInstant(y, m, d, Math.floor(e / 60), e % 60, tz);
      if (now >= startAt && now < endAt) {
        open = true;
        closesAt = new Date(endAt).toISOString();
      } else if (startAt > now && !open) {
        nextOpenAt = new Date(startAt).toISOString();
        break;
      }
    }
    if (open) break;
  }
  if (open && closesAt) closesAt = closingAcrossDays(hours, Date.parse(closesAt), holidays);
  return { open, nextOpenAt: open ? null : nextOpenAt, closesAt, holiday: todayHoliday };
}

/**
 * When support closes, following intervals that start as the one before ends (midnight to
 * midnight, day after day): null when it never closes within a week, open around the clock.
 */
function closingAcrossDays(hours: OfficeHours, endAt: number, holidays: Map<string, unknown>): string | null {
  const tz = hours.timezone;
  let end = endAt;
  for (let hop = 0; hop < 8 * 10; hop++) {
    const local = localParts(end, tz);
    if (holidays.has(isoDate(local.y, local.m, local.d))) return new Date(end).toISOString();
    const day = new Date(Date.UTC(local.y, local.m - 1, local.d)).getUTCDay();
    const next = (hours.schedule[String(day)] ?? []).find((iv) => {
      const s = toMinutes(iv.start);
      return zonedToInstant(local.y, local.m, local.d, Math.floor(s / 60), s % 60, tz) === end;
    });
    if (!next) return new Date(end).toISOString();
    const e = toMinutes(next.end);
    end = e >= 24 * 60 ? zonedToInstant(local.y, local.m, local.d + 1, 0, 0, tz) : zonedToInstant(local.y, local.m, local.d, Math.floor(e / 60), e % 60, tz);
    if (end - endAt > 7 * 24 * 3600 * 1000) return null;
  }
  return new Date(end).toISOString();
}
