import { describe, expect, it } from 'vitest';
import {
  ABOVE_MAX,
  COVERAGE,
  estimateWait,
  gammaP,
  Outcomes,
  OUTCOMES_KEPT,
  shownRange,
  waitCdf,
  type HistoryRow,
  type QueueState,
  type WaitRange,
} from './expected-wait.js';

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

  it('shows only whole minutes under 20 and fives above, at least one step apart', () => {
    for (let position = 1; position <= 60; position += 3)
      for (const staffedTechs of [1, 3, 8]) {
        const r = range(estimateWait(state({ position, staffedTechs })));
        for (const end of [r.lowMin, r.highMin]) {
          expect(Number.isInteger(end)).toBe(true);
          if (end > 20) expect(end % 5).toBe(0);
        }
        expect(r.highMin).toBeGreaterThan(r.lowMin);
      }
  });

  it('chooses the range after rounding: at most 10% above its top end, the low end nearest 80% inside', () => {
    // An exponential wait with a 4-minute mean: the 90th percentile is 9.2 minutes, so 10 (91.8%) is the
    // first whole minute with at most 10% above; from 0 the range holds 91.8%, from 1 70.1%: 1 is nearer 80%.
    const cdf = (m: number) => 1 - Math.exp(-m / 4);
    expect(shownRange(cdf)).toEqual({ lowMin: 1, highMin: 10 });
    // A wait of 10 ± 2 minutes (normal-like): 13 holds 93%; the low end 8 leaves 16% below (77%), 7 leaves 7% (86%).
    const normal = (mu: number, sd: number) => (m: number) => 0.5 * (1 + erf((m - mu) / (sd * Math.SQRT2)));
    const r = shownRange(normal(10, 2));
    expect(r).toEqual({ lowMin: 8, highMin: 13 });
    const c = normal(10, 2);
    expect(1 - c(r.highMin)).toBeLessThanOrEqual(ABOVE_MAX);
    // What must not happen: the top end one minute lower has more than 10% above; the low end one minute
    // either way is further from 80%.
    expect(1 - c(r.highMin - 1)).toBeGreaterThan(ABOVE_MAX);
    const inside = (lo: number) => c(r.highMin) - c(lo);
    expect(Math.abs(inside(r.lowMin) - COVERAGE)).toBeLessThan(Math.abs(inside(r.lowMin - 1) - COVERAGE));
    expect(Math.abs(inside(r.lowMin) - COVERAGE)).toBeLessThan(Math.abs(inside(r.lowMin + 1) - COVERAGE));
    // Past 20 minutes in fives: 40 ± 6 gives 45 (F 0.80) too low a top, 50 (0.95) the first with ≤ 10% above.
    expect(shownRange(normal(40, 6))).toEqual({ lowMin: 35, highMin: 50 });
    // Under a minute with at most 10% above: less than a minute.
    expect(shownRange(normal(0.4, 0.2))).toEqual({ lowMin: 0, highMin: 1 });
    // 90% by 1 minute is not enough: 12% above a minute shows "up to 2 minutes".
    expect(shownRange((m) => (m >= 2 ? 0.99 : m >= 1 ? 0.88 : 0))).toEqual({ lowMin: 0, highMin: 2 });
  });

  it("counts long waits for the requesters who sit them out: recent requesters' patience pulls the range in", () => {
    // The same queue; in one history, of every other chat the requester gave up after 15 minutes.
    const patient = history(40, 4 * MIN);
    const impatient = patient.map((r, i) => (i % 2 ? { ...r, joinedAt: null, endedAt: null, leftQueueAt: r.requestedAt + 15 * MIN } : r));
    const joinedOnly = impatient.filter((r) => r.joinedAt !== null);
    // With the leavers known, a requester still waiting at 30 minutes is less likely; without them the long tail counts in full.
    const withLeavers = waitCdf(state({ position: 1, staffedTechs: 1, history: impatient })) as (m: number) => number;
    const without = waitCdf(state({ position: 1, staffedTechs: 1, history: joinedOnly })) as (m: number) => number;
    expect(withLeavers(30)).toBeGreaterThan(without(30));
    expect(withLeavers(1000)).toBeGreaterThan(0.9999);
    // A distribution: never decreasing.
    let prev = 0;
    for (let m = 0; m <= 60; m++) {
      expect(withLeavers(m)).toBeGreaterThanOrEqual(prev);
      prev = withLeavers(m);
    }
  });

  it('counts how long those ahead have already waited: long-waiting ones are likelier to give up before their turn', () => {
    // Recent requesters gave up after 20–30 minutes; twelve chats wait ahead.
    const past: HistoryRow[] = history(40, 2 * MIN).map((r, i) =>
      i % 3 ? r : { ...r, joinedAt: null, endedAt: null, leftQueueAt: r.requestedAt + (20 + (i % 10)) * MIN },
    );
    const waitingSince = (minutesAgo: number): HistoryRow[] =>
      Array.from({ length: 12 }, (_, i) => ({ requestedAt: NOW - (minutesAgo - i * 0.1) * MIN, joinedAt: null, endedAt: null, leftQueueAt: null }));
    const q = { position: 13, staffedTechs: 2 };
    const fresh = range(estimateWait(state({ ...q, history: [...past, ...waitingSince(1)] })));
    const old = range(estimateWait(state({ ...q, history: [...past, ...waitingSince(25)] })));
    expect(old.highMin).toBeLessThan(fresh.highMin);
  });

  it("corrects the model by the board's own outcomes: waits that kept ending above their estimates raise the top end", () => {
    const q = state({ position: 6 });
    const plain = range(estimateWait(q));
    // No outcomes yet: the model's own chances.
    expect(estimateWait(q, new Outcomes())).toEqual(plain);
    // Forty chats whose waits each ended at their estimate's 97th percentile or later (the model too short here).
    const late = new Outcomes();
    const cdf = waitCdf(q) as (m: number) => number;
    const at = (p: number) => {
      let m = 0;
      while (cdf(m) < p) m += 0.25;
      return m;
    };
    for (let id = 1; id <= 40; id++) {
      late.shown(id, NOW, cdf);
      late.joined(id, NOW + at(0.97) * MIN);
    }
    expect(late.size).toBe(40);
    const corrected = range(estimateWait(q, late));
    expect(corrected.highMin).toBeGreaterThan(plain.highMin);
    // And waits that kept ending at the middle of their estimates narrow it.
    const middle = new Outcomes();
    for (let id = 1; id <= 40; id++) {
      middle.shown(id, NOW, cdf);
      middle.joined(id, NOW + at(0.5) * MIN);
    }
    const narrow = range(estimateWait(q, middle));
    expect(narrow.highMin - narrow.lowMin).toBeLessThan(plain.highMin - plain.lowMin);
  });

  it('records a chat once, by its first estimate; not a chat that left; at most the newest OUTCOMES_KEPT', () => {
    const o = new Outcomes();
    const early = (m: number) => Math.min(1, m / 10);
    o.shown(1, NOW, early);
    // A later estimate of the same chat does not replace its first.
    o.shown(1, NOW, (m) => Math.min(1, m / 100));
    o.joined(1, NOW + 5 * MIN);
    // Joined twice, or joined without an estimate shown: nothing more.
    o.joined(1, NOW + 6 * MIN);
    o.joined(2, NOW + 6 * MIN);
    expect(o.size).toBe(1);
    expect(o.recalibrate(early)(5)).toBeCloseTo((1 + 0.5 * 20) / 21, 9);
    // A chat that left the queue has no wait to record.
    o.shown(3, NOW, early);
    o.forget(3);
    o.joined(3, NOW + MIN);
    expect(o.size).toBe(1);
    expect(o.pendingIds()).toEqual([]);
    for (let id = 10; id < 10 + OUTCOMES_KEPT + 50; id++) {
      o.shown(id, NOW, early);
      o.joined(id, NOW + MIN);
    }
    expect(o.size).toBe(OUTCOMES_KEPT);
  });

  it("computes the gamma distribution function: shape 1 is the exponential's", () => {
    expect(gammaP(1, Math.log(10))).toBeCloseTo(0.9, 9);
    expect(gammaP(1, 0.5)).toBeCloseTo(1 - Math.exp(-0.5), 9);
    // Shape 4: P(4, 3.672) is about one half; large arguments by the continued fraction.
    expect(gammaP(4, 3.672)).toBeCloseTo(0.5, 3);
    expect(gammaP(4, 20)).toBeCloseTo(1 - Math.exp(-20) * (1 + 20 + 200 + 8000 / 6), 9);
  });
});

/** erf, Abramowitz–Stegun 7.1.26 (error under 1.5e-7): for test distributions only. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
