/**
 * Report ranges and buckets in the viewer's time zone (docs/metrics.md). Pure.
 *
 * The database groups requests by 15-minute UTC buckets (`requested_at / 900000`); every real time
 * zone's offset is a multiple of 15 minutes, so each such bucket lies within one local hour and one
 * local day, whatever the zone. Mapping buckets to local days and hours here keeps the SQL the same
 * on both databases, and totals identical in every zone.
 */
import { localParts, zonedToInstant } from '../../shared/time-zones.js';

export const QUARTER_MS = 15 * 60 * 1000;
const HOUR_MS = 3600 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const pad = (n: number) => String(n).padStart(2, '0');
const isoDay = (y: number, m: number, d: number) => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
};

/** The instant a local day starts in `tz` (`offsetDays` later). */
export function dayStart(day: string, tz: string, offsetDays = 0): number {
  const [, y, m, d] = DATE.exec(day)!.map(Number);
  return zonedToInstant(y, m, d + offsetDays, 0, 0, tz);
}

export function localDay(instant: number, tz: string): string {
  const p = localParts(instant, tz);
  return isoDay(p.y, p.m, p.d);
}

/**
 * The instants [from, to) of a report: a day is whole in `tz` (`to` included), an instant is
 * itself. Without `to`, through today; without `from`, the 30 days up to `to`.
 */
export function reportRange(input: { from?: string; to?: string; tz: string }, now: number): { from: number; to: number } {
  const { tz } = input;
  const to = input.to === undefined ? dayStart(localDay(now, tz), tz, 1) : DATE.test(input.to) ? dayStart(input.to, tz, 1) : Date.parse(input.to);
  const from = input.from === undefined ? dayStart(localDay(to - 1, tz), tz, -29) : DATE.test(input.from) ? dayStart(input.from, tz) : Date.parse(input.from);
  return { from, to };
}

/** Maps instants to their local day and hour in `tz`; fast for many instants (one zone lookup per UTC hour). */
export function localClock(tz: string): (instant: number) => { day: string; hour: number } {
  const offsets = new Map<number, number | null>();
  const offsetAt = (t: number) => {
    const p = localParts(t, tz);
    return Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm) - Math.floor(t / 60000) * 60000;
  };
  return (instant) => {
    const hourStart = Math.floor(instant / HOUR_MS) * HOUR_MS;
    let offset = offsets.get(hourStart);
    if (offset === undefined) {
      const a = offsetAt(hourStart);
      // One offset for the whole UTC hour unless the zone's clocks change inside it.
      offset = a === offsetAt(hourStart + HOUR_MS - QUARTER_MS) ? a : null;
      offsets.set(hourStart, offset);
    }
    const off = offset ?? offsetAt(instant);
    const local = new Date(instant + off);
    return { day: isoDay(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()), hour: local.getUTCHours() };
  };
}

/** Every local day that [from, to) touches, in order. */
export function daysOf(from: number, to: number, tz: string): string[] {
  const days: string[] = [];
  if (!(to > from)) return days;
  const first = localDay(from, tz);
  const last = localDay(to - 1, tz);
  const [y, m, d] = first.split('-').map(Number);
  for (let i = 0; i <= 40_000; i++) {
    const day = isoDay(y, m, d + i);
    days.push(day);
    if (day >= last) break;
  }
  return days;
}

/**
 * The instants of [from, to) whose local hour in `tz` is `hour`, as merged intervals: one per
 * day, two on a day whose clocks go back through that hour, none when it is skipped.
 */
export function hourRanges(from: number, to: number, tz: string, hour: number): [number, number][] {
  const clock = localClock(tz);
  const ranges: [number, number][] = [];
  for (const day of daysOf(from, to, tz)) {
    const [y, m, d] = day.split('-').map(Number);
    // Look at the quarters from an hour before the wall-clock hour to two after: the real ones of that hour lie there.
    const guess = Math.floor(zonedToInstant(y, m, d, hour, 0, tz) / QUARTER_MS) * QUARTER_MS;
    for (let q = guess - HOUR_MS; q < guess + 2 * HOUR_MS; q += QUARTER_MS) {
      const l = clock(q);
      if (l.day !== day || l.hour !== hour) continue;
      const s = Math.max(q, from);
      const e = Math.min(q + QUARTER_MS, to);
      if (e <= s) continue;
      const last = ranges[ranges.length - 1];
      if (last && last[1] === s) last[1] = e;
      else ranges.push([s, e]);
    }
  }
  return ranges;
}
