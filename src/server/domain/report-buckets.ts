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
const DAY_MS = 24 * HOUR_MS;
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

/**
 * Maps instants to their local day and hour in `tz`; fast for many instants: one zone lookup per
 * pair of UTC day ends (an hour's when the offset changes that day), and each local day's name
 * made once (a year of 15-minute buckets: 110-160 ms with a lookup per UTC hour, bench/reports.ts).
 */
export function localClock(tz: string): (instant: number) => { day: string; hour: number } {
  const byDay = new Map<number, number | null>();
  const byHour = new Map<number, number | null>();
  const names = new Map<number, string>();
  const offsetAt = (t: number) => {
    const p = localParts(t, tz);
    return Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm) - Math.floor(t / 60000) * 60000;
  };
  // One offset from `start` to `start + span` unless the zone's clocks change in between.
  const steady = (cache: Map<number, number | null>, span: number, instant: number) => {
    const start = Math.floor(instant / span) * span;
    let offset = cache.get(start);
    if (offset === undefined) {
      const a = offsetAt(start);
      offset = a === offsetAt(start + span - QUARTER_MS) ? a : null;
      cache.set(start, offset);
    }
    return offset;
  };
  return (instant) => {
    const off = steady(byDay, DAY_MS, instant) ?? steady(byHour, HOUR_MS, instant) ?? offsetAt(instant);
    const local = instant + off;
    const dayNumber = Math.floor(local / DAY_MS);
    let day = names.get(dayNumber);
    if (day === undefined) {
      const d = new Date(dayNumber * DAY_MS);
      day = isoDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
      names.set(dayNumber, day);
    }
    return { day, hour: Math.floor((local - dayNumber * DAY_MS) / HOUR_MS) };
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
