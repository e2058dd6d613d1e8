import { describe, expect, it } from 'vitest';
import { estimateWait, gammaQuantile, roundRange, type HistoryRow, type QueueState, type WaitRange } from './expected-wait.js';

const MIN = 60_000;
const NOW = Date.UTC(2026, 11, 3, 12);

/** `n` chats of the last two hours, one every few minutes: joined after `waitMs`, ended `handleMs` later. */
function history(n: number, waitMs = 40_000, handleMs = 8 * MIN): HistoryRow[] {
  return Array.from({ length: n }, (_, i) => {
    const requestedAt = NOW - 120 * MIN + i * ((110 * MIN) / Math.max(1, n));
    const joinedAt = requestedAt + waitMs * (0.5 + (i % 3) * 0.5);
    return { requestedAt, joinedAt, endedAt: joinedAt + handleMs * (0.5 + (i % 4) * 0.35) };
  });
}
const state = (s: Partial<QueueState>): QueueState => ({ position: 1, staffedTechs: 4, slotsPerTech: 1, freeSlots: 0, history: history(40), now: NOW, ...s });
const range = (w: WaitRange) => {
  if (w.kind !== 'range') throw new Error(`expected a range, got ${w.kind}`);
  return w;
};

describe('expected wait estimator', () => {
  it('grows with the place in the queue: neither end ever goes down as the position rises', () => {
    let prev = { lowMin: 0, highMin: 0 };
    for (let position = 1; position <= 40; position++) {
      const r = range(estimateWait(state({ position })));
      expect(r.lowMin).toBeGreaterThanOrEqual(prev.lowMin);
      expect(r.highMin).toBeGreaterThanOrEqual(prev.highMin);
      prev = r;
    }
    expect(prev.lowMin).toBeGreaterThan(20);
  });

  it('shrinks with more techs on duty and with open slots', () => {
    const few = range(estimateWait(state({ position: 10, staffedTechs: 2 })));
    const many = range(estimateWait(state({ position: 10, staffedTechs: 8 })));
    expect(many.highMin).toBeLessThan(few.highMin);
    const open = range(estimateWait(state({ position: 3, freeSlots: 3 })));
    expect(open.lowMin).toBe(0);
    expect(open.highMin).toBeLessThanOrEqual(2);
    expect(open.highMin).toBeLessThan(range(estimateWait(state({ position: 3, freeSlots: 0 }))).highMin);
  });

  it('is wider with less history, for the same queue', () => {
    const width = (n: number) => {
      const r = range(estimateWait(state({ position: 8, history: history(n) })));
      return r.highMin - r.lowMin;
    };
    expect(width(0)).toBeGreaterThan(width(10));
    expect(width(10)).toBeGreaterThanOrEqual(width(150));
    expect(width(0)).toBeGreaterThan(width(150));
  });

  it('says less than a minute when a tech is free and pickups are quick', () => {
    expect(estimateWait(state({ position: 1, freeSlots: 2, history: history(40, 15_000) }))).toEqual({ kind: 'range', lowMin: 0, highMin: 1, basis: 'queue' });
  });

  it("with nobody to take the chat: the desk's pace of the last hour; unknown without one", () => {
    // Busy last hour: a chat every 2.75 minutes waited 2-6 minutes, so two or more often waited.
    const busy = history(40, 4 * MIN);
    const r = range(estimateWait(state({ staffedTechs: 0, position: 2, history: busy })));
    expect(r.basis).toBe('history');
    expect(r.highMin).toBeGreaterThan(r.lowMin + 1);
    expect(range(estimateWait(state({ staffedTechs: 0, position: 6, history: busy }))).highMin).toBeGreaterThan(r.highMin);
    expect(estimateWait(state({ staffedTechs: 0, history: [] }))).toEqual({ kind: 'unknown' });
    expect(estimateWait(state({ staffedTechs: 0, history: history(3) }))).toEqual({ kind: 'unknown' });
  });

  it('counts chats that recently left the queue unanswered: some of those ahead will leave too', () => {
    const left: HistoryRow[] = history(40).map((r, i) => (i % 2 ? { ...r, joinedAt: null, endedAt: null, leftQueueAt: r.requestedAt + 5 * MIN } : r));
    const withLeavers = range(estimateWait(state({ position: 20, history: left })));
    const without = range(estimateWait(state({ position: 20, history: left.filter((r) => r.joinedAt !== null) })));
    expect(withLeavers.highMin).toBeLessThan(without.highMin);
  });

  it('ignores what happened after now and before the window', () => {
    const future = history(40).map((r) => ({ ...r, requestedAt: r.requestedAt + 10 * 3600_000, joinedAt: (r.joinedAt ?? 0) + 10 * 3600_000 }));
    expect(estimateWait(state({ position: 5, history: future }))).toEqual(estimateWait(state({ position: 5, history: [] })));
  });

  it('rounds to whole minutes (the top end up under ten, fives past twenty), at least a minute apart, never a false precision', () => {
    expect(roundRange(10_000, 50_000)).toEqual({ lowMin: 0, highMin: 1 });
    expect(roundRange(10_000, 70_000)).toEqual({ lowMin: 0, highMin: 2 });
    expect(roundRange(1.6 * MIN, 3.4 * MIN)).toEqual({ lowMin: 2, highMin: 4 });
    expect(roundRange(12.4 * MIN, 15.4 * MIN)).toEqual({ lowMin: 12, highMin: 15 });
    expect(roundRange(2.2 * MIN, 2.4 * MIN)).toEqual({ lowMin: 2, highMin: 3 });
    expect(roundRange(22 * MIN, 41 * MIN)).toEqual({ lowMin: 20, highMin: 40 });
    expect(roundRange(21 * MIN, 22 * MIN)).toEqual({ lowMin: 20, highMin: 25 });
  });

  it("computes gamma quantiles: shape 1 is the exponential's", () => {
    expect(gammaQuantile(0.9, 1)).toBeCloseTo(Math.log(10), 6);
    expect(gammaQuantile(0.1, 1)).toBeCloseTo(-Math.log(0.9), 6);
    // Shape 4, median about 3.672.
    expect(gammaQuantile(0.5, 4)).toBeCloseTo(3.672, 2);
  });
});
