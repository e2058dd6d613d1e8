import { describe, expect, it } from 'vitest';
import { officeStatus, type OfficeHours } from './office-hours.js';
import { zonedToInstant } from '../../shared/time-zones.js';

const weekdays9to5 = (tz: string, holidays: OfficeHours['holidays'] = []): OfficeHours => ({
  timezone: tz,
  schedule: Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [{ start: '09:00', end: '17:00' }]])),
  holidays,
});

describe('office hours', () => {
  it('is open inside an interval in the schedule time zone', () => {
    // Wednesday 2026-11-25 10:00 in New York is 15:00 UTC.
    const s = officeStatus(weekdays9to5('America/New_York'), Date.parse('2026-11-25T15:00:00Z'));
    expect(s.open).toBe(true);
    expect(s.closesAt).toBe('2026-11-25T22:00:00.000Z');
  });
  it('closes at the end of back-to-back intervals, across midnight and days; never, when open around the clock', () => {
    const allDay = [{ start: '00:00', end: '24:00' }];
    const weekdaysAllDay: OfficeHours = {
      timezone: 'Europe/Berlin',
      schedule: Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, allDay])),
      holidays: [],
    };
    // Wednesday noon in Berlin: open until Saturday 00:00 Berlin time (Friday 23:00 UTC).
    expect(officeStatus(weekdaysAllDay, Date.parse('2026-11-25T11:00:00Z')).closesAt).toBe('2026-11-27T23:00:00.000Z');
    // A holiday on Friday stops it at Thursday's end.
    const withHoliday = { ...weekdaysAllDay, holidays: [{ date: '2026-11-27', name: 'Closed' }] };
    expect(officeStatus(withHoliday, Date.parse('2026-11-25T11:00:00Z')).closesAt).toBe('2026-11-26T23:00:00.000Z');
    const always: OfficeHours = { timezone: 'UTC', schedule: Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, allDay])), holidays: [] };
    expect(officeStatus(always, Date.parse('2026-11-25T11:00:00Z'))).toMatchObject({ open: true, closesAt: null });
    // A lunch-time split with no gap is one opening.
    const split: OfficeHours = {
      timezone: 'UTC',
      schedule: {
        '3': [
          { start: '09:00', end: '12:00' },
          { start: '12:00', end: '17:00' },
        ],
      },
      holidays: [],
    };
    expect(officeStatus(split, Date.parse('2026-11-25T10:00:00Z')).closesAt).toBe('2026-11-25T17:00:00.000Z');
  });
  it('is closed before opening and names the next opening that day', () => {
    const s = officeStatus(weekdays9to5('America/New_York'), Date.parse('2026-11-25T12:00:00Z'));
    expect(s).toMatchObject({ open: false, nextOpenAt: '2026-11-25T14:00:00.000Z' });
  });
  it('skips the weekend', () => {
    // Friday 2026-11-27 18:00 New York -> Monday 09:00.
    const s = officeStatus(weekdays9to5('America/New_York'), Date.parse('2026-11-27T23:00:00Z'));
    expect(s.nextOpenAt).toBe('2026-11-30T14:00:00.000Z');
  });
  it('is closed on a holiday and opens the next working day', () => {
    const s = officeStatus(weekdays9to5('Europe/London', [{ date: '2026-12-25', name: 'Christmas Day' }]), Date.parse('2026-12-25T10:00:00Z'));
    expect(s.open).toBe(false);
    expect(s.holiday?.name).toBe('Christmas Day');
    expect(s.nextOpenAt).toBe('2026-12-28T09:00:00.000Z');
  });
  it('follows daylight saving time', () => {
    expect(new Date(zonedToInstant(2026, 7, 1, 9, 0, 'Europe/Berlin')).toISOString()).toBe('2026-07-01T07:00:00.000Z');
    expect(new Date(zonedToInstant(2026, 1, 15, 9, 0, 'Europe/Berlin')).toISOString()).toBe('2026-01-15T08:00:00.000Z');
  });
  it('has no next opening with an empty schedule', () => {
    expect(officeStatus({ timezone: 'UTC', schedule: {}, holidays: [] }, Date.now())).toMatchObject({ open: false, nextOpenAt: null });
  });
});
