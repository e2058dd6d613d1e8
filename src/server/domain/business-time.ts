/**
 * Business time: how much of a span of real time fell inside office hours (docs/metrics.md). Pure.
 *
 * Office hours are a weekly schedule of wall-clock intervals in an IANA time zone, with dated
 * holidays on which the office is closed all day. A span counts the real milliseconds that lie
 * inside an interval of a day that is not a holiday: a day whose clocks go forward an hour counts
 * the hour it really had, and a day whose clocks go back counts its extra hour. Intervals that
 * overlap in the schedule count once.
 */
import type { OfficeHours } from './office-hours.js';
import { localParts, zonedToInstant } from '../../shared/time-zones.js';

const DAY_MS = 24 * 3600 * 1000;

const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};
const pad = (n: number) => String(n).padStart(2, '0');

/** The real instants [start, end) a day's intervals cover, merged, in order. */
function openSpansOfDay(hours: OfficeHours, y: number, m: number, d: number, holidays: Set<string>): [number, number][] {
  const date = new Date(Date.UTC(y, m - 1, d));
  const iso = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  if (holidays.has(iso)) return [];
  const tz = hours.timezone;
  const [yy, mm, dd] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  const spans = (hours.schedule[String(date.getUTCDay())] ?? [])
    .map((iv): [number, number] => {
      const s = toMinutes(iv.start);
      const e = toMinutes(iv.end);
      const startAt = zonedToInstant(yy, mm, dd, Math.floor(s / 60), s % 60, tz);
      const endAt = e >= 24 * 60 ? zonedToInstant(yy, mm, dd + 1, 0, 0, tz) : zonedToInstant(yy, mm, dd, Math.floor(e / 60), e % 60, tz);
      return [startAt, endAt];
    })
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([...span]);
  }
  return merged;
}

/**
 * The milliseconds between `start` and `end` (epoch ms) that fall inside office hours; 0 when
 * `end` is not after `start`. Walks the office's local days from the one holding `start` to the
 * one holding `end`.
 */
export function businessMs(hours: OfficeHours, start: number, end: number): number {
  if (!(end > start)) return 0;
  const holidays = new Set(hours.holidays.map((h) => h.date));
  const first = localParts(start, hours.timezone);
  const last = localParts(end, hours.timezone);
  const days = Math.round((Date.UTC(last.y, last.m - 1, last.d) - Date.UTC(first.y, first.m - 1, first.d)) / DAY_MS);
  let total = 0;
  for (let i = 0; i <= days; i++) {
    for (const [s, e] of openSpansOfDay(hours, first.y, first.m, first.d + i, holidays)) {
      const overlap = Math.min(e, end) - Math.max(s, start);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}

/** `businessMs` for a span that may not have closed: null when either end is missing. */
export function businessBetween(hours: OfficeHours, start: number | null, end: number | null): number | null {
  return start === null || end === null ? null : businessMs(hours, start, end);
}
