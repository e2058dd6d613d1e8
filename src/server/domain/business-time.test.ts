import { describe, expect, it } from 'vitest';
import { businessBetween, businessMs } from './business-time.js';
import type { OfficeHours } from './office-hours.js';

const H = 3600 * 1000;
const at = (iso: string) => Date.parse(iso);
const weekdays9to5 = (tz: string, holidays: OfficeHours['holidays'] = []): OfficeHours => ({
  timezone: tz,
  schedule: Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [{ start: '09:00', end: '17:00' }]])),
  holidays,
});
const allDayOn = (tz: string, days: string[]): OfficeHours => ({
  timezone: tz,
  schedule: Object.fromEntries(days.map((d) => [d, [{ start: '00:00', end: '24:00' }]])),
  holidays: [],
});

describe('business milliseconds between two instants', () => {
  it('counts the part of a span inside one interval', () => {
    // Wednesday 2026-11-25, New York (UTC-5): 10:00 to 11:30 local.
    expect(businessMs(weekdays9to5('America/New_York'), at('2026-11-25T15:00:00Z'), at('2026-11-25T16:30:00Z'))).toBe(1.5 * H);
  });
  it('is zero for an empty or backwards span, and null while the span is open', () => {
    const hours = weekdays9to5('UTC');
    expect(businessMs(hours, at('2026-11-25T10:00:00Z'), at('2026-11-25T10:00:00Z'))).toBe(0);
    expect(businessMs(hours, at('2026-11-25T11:00:00Z'), at('2026-11-25T10:00:00Z'))).toBe(0);
    expect(businessBetween(hours, at('2026-11-25T10:00:00Z'), null)).toBeNull();
    expect(businessBetween(hours, null, at('2026-11-25T10:00:00Z'))).toBeNull();
  });
  it('counts nothing outside office hours, also when the span is only outside', () => {
    // Wednesday 18:00 to Thursday 08:00 in New York: closed all along.
    expect(businessMs(weekdays9to5('America/New_York'), at('2026-11-25T23:00:00Z'), at('2026-11-26T13:00:00Z'))).toBe(0);
  });
  it('crosses midnight: the end of one day and the start of the next', () => {
    // Wednesday 16:00 to Thursday 10:00 in New York: 1 h + 1 h of 18 h.
    expect(businessMs(weekdays9to5('America/New_York'), at('2026-11-25T21:00:00Z'), at('2026-11-26T15:00:00Z'))).toBe(2 * H);
  });
  it('skips a holiday as a closed day', () => {
    // The same span with Thursday 2026-11-26 a holiday: only Wednesday's hour.
    const hours = weekdays9to5('America/New_York', [{ date: '2026-11-26', name: 'Thanksgiving' }]);
    expect(businessMs(hours, at('2026-11-25T21:00:00Z'), at('2026-11-26T15:00:00Z'))).toBe(1 * H);
  });
  it('skips closed days: Friday 16:00 to Monday 10:00 is two hours', () => {
    expect(businessMs(weekdays9to5('America/New_York'), at('2026-11-27T21:00:00Z'), at('2026-11-30T15:00:00Z'))).toBe(2 * H);
  });
  it('counts days in the office time zone, not UTC: Auckland is a day ahead', () => {
    // Tuesday 2026-11-24 22:00 UTC is Wednesday 11:00 in Auckland (UTC+13); to 02:00 UTC (15:00 there): 4 h.
    expect(businessMs(weekdays9to5('Pacific/Auckland'), at('2026-11-24T22:00:00Z'), at('2026-11-25T02:00:00Z'))).toBe(4 * H);
    // Friday 2026-11-27 20:00 UTC is Saturday 09:00 in Auckland: closed, although Friday in UTC.
    expect(businessMs(weekdays9to5('Pacific/Auckland'), at('2026-11-27T20:00:00Z'), at('2026-11-27T23:00:00Z'))).toBe(0);
  });
  it('counts the real length of a day whose clocks go back (25 h) or forward (23 h)', () => {
    // Sunday 2026-11-01 in New York: 00:00 EDT (04:00Z) to 24:00 EST (05:00Z next day).
    const sundays = allDayOn('America/New_York', ['0']);
    expect(businessMs(sundays, at('2026-10-31T12:00:00Z'), at('2026-11-02T12:00:00Z'))).toBe(25 * H);
    // Sunday 2026-03-08: 00:00 EST (05:00Z) to 24:00 EDT (04:00Z next day).
    expect(businessMs(sundays, at('2026-03-07T12:00:00Z'), at('2026-03-09T12:00:00Z'))).toBe(23 * H);
  });
  it('keeps 9 to 5 at eight hours on the Monday after a change, at the new offset', () => {
    // Friday 2026-10-30 16:00 EDT (20:00Z) to Monday 2026-11-02 10:00 EST (15:00Z): 1 h + 1 h.
    expect(businessMs(weekdays9to5('America/New_York'), at('2026-10-30T20:00:00Z'), at('2026-11-02T15:00:00Z'))).toBe(2 * H);
    // Monday 2026-11-02 whole day in UTC: 09:00-17:00 EST is 14:00Z-22:00Z.
    expect(businessMs(weekdays9to5('America/New_York'), at('2026-11-02T00:00:00Z'), at('2026-11-03T00:00:00Z'))).toBe(8 * H);
  });
  it('counts overlapping intervals once and a split day as its parts', () => {
    const hours: OfficeHours = {
      timezone: 'Europe/Berlin',
      schedule: {
        '3': [
          { start: '08:00', end: '12:00' },
          { start: '10:00', end: '13:00' },
          { start: '14:00', end: '18:00' },
        ],
      },
      holidays: [],
    };
    // Wednesday 2026-11-25 in Berlin (UTC+1), whole day: 08-13 and 14-18 = 9 h.
    expect(businessMs(hours, at('2026-11-24T23:00:00Z'), at('2026-11-25T23:00:00Z'))).toBe(9 * H);
  });
  it('is exact over long spans: four weeks of 9 to 5 is 160 hours', () => {
    expect(businessMs(weekdays9to5('UTC'), at('2026-11-02T00:00:00Z'), at('2026-11-30T00:00:00Z'))).toBe(160 * H);
  });
  it('counts nothing when there are no office hours at all', () => {
    expect(businessMs({ timezone: 'UTC', schedule: {}, holidays: [] }, at('2026-11-02T00:00:00Z'), at('2026-11-30T00:00:00Z'))).toBe(0);
  });
});
