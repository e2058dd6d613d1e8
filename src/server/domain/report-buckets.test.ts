import { describe, expect, it } from 'vitest';
import { daysOf, hourRanges, localClock, QUARTER_MS, reportRange } from './report-buckets.js';
import { csvCell } from '../services/report-export.js';

const at = (iso: string) => Date.parse(iso);
const H = 3600 * 1000;

describe('report ranges and buckets', () => {
  it('makes whole local days of dates, and takes instants as they are', () => {
    // 2027-03-14 in New York starts at 05:00Z (EST) and the next day at 04:00Z (EDT): a 23-hour day.
    expect(reportRange({ from: '2027-03-14', to: '2027-03-14', tz: 'America/New_York' }, 0)).toEqual({
      from: at('2027-03-14T05:00:00Z'),
      to: at('2027-03-15T04:00:00Z'),
    });
    expect(reportRange({ from: '2027-03-01T00:00:00Z', to: '2027-03-02T12:00:00+02:00', tz: 'Pacific/Auckland' }, 0)).toEqual({
      from: at('2027-03-01T00:00:00Z'),
      to: at('2027-03-02T10:00:00Z'),
    });
  });
  it('defaults to the 30 days up to today in the zone', () => {
    const r = reportRange({ tz: 'UTC' }, at('2027-03-17T13:00:00Z'));
    expect(r).toEqual({ from: at('2027-02-16T00:00:00Z'), to: at('2027-03-18T00:00:00Z') });
    expect(daysOf(r.from, r.to, 'UTC')).toHaveLength(30);
  });
  it('maps instants to local day and hour, also in zones 45 minutes off and across a clock change', () => {
    const kathmandu = localClock('Asia/Kathmandu');
    expect(kathmandu(at('2027-03-14T18:15:00Z'))).toEqual({ day: '2027-03-15', hour: 0 });
    expect(kathmandu(at('2027-03-14T18:14:59Z'))).toEqual({ day: '2027-03-14', hour: 23 });
    const ny = localClock('America/New_York');
    expect(ny(at('2027-03-14T06:59:00Z'))).toEqual({ day: '2027-03-14', hour: 1 });
    expect(ny(at('2027-03-14T07:00:00Z'))).toEqual({ day: '2027-03-14', hour: 3 });
    // Every 15-minute UTC bucket lies in one local hour: its first and last instants agree.
    for (const tz of ['Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns', 'Pacific/Chatham']) {
      const clock = localClock(tz);
      for (let q = at('2027-01-01T00:00:00Z'); q < at('2027-01-03T00:00:00Z'); q += QUARTER_MS) expect(clock(q), tz).toEqual(clock(q + QUARTER_MS - 1));
    }
  });
  it('finds a local hour on each day: none when the clocks skip it, twice the length when they repeat it', () => {
    const ny = 'America/New_York';
    // 02:00 does not exist on 2027-03-14.
    expect(hourRanges(at('2027-03-14T05:00:00Z'), at('2027-03-15T04:00:00Z'), ny, 2)).toEqual([]);
    expect(hourRanges(at('2027-03-14T05:00:00Z'), at('2027-03-15T04:00:00Z'), ny, 3)).toEqual([[at('2027-03-14T07:00:00Z'), at('2027-03-14T08:00:00Z')]]);
    // 01:00 happens twice on 2027-11-07: 05:00Z-07:00Z.
    expect(hourRanges(at('2027-11-07T04:00:00Z'), at('2027-11-08T05:00:00Z'), ny, 1)).toEqual([[at('2027-11-07T05:00:00Z'), at('2027-11-07T07:00:00Z')]]);
    // Two ordinary days, cut by the range.
    expect(hourRanges(at('2027-03-16T14:30:00Z'), at('2027-03-18T00:00:00Z'), 'UTC', 14)).toEqual([
      [at('2027-03-16T14:30:00Z'), at('2027-03-16T15:00:00Z')],
      [at('2027-03-17T14:00:00Z'), at('2027-03-17T15:00:00Z')],
    ]);
    expect(hourRanges(at('2027-03-16T00:00:00Z'), at('2027-03-17T00:00:00Z'), 'UTC', 5)[0][1] - at('2027-03-16T05:00:00Z')).toBe(H);
  });
});

describe('CSV cells', () => {
  it('neutralises what a spreadsheet would run, and quotes what would split a row', () => {
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+SUM(A1)')).toBe("'+SUM(A1)");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe(`"'\rx"`);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"\nthen')).toBe('"say ""hi""\nthen"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
  });
});
