/**
 * Time that a test moves by hand. A server started with a TestClock (startTestServer's `clock`)
 * takes it as `ctx.now`, which sets and checks every chat deadline, and its automatic timer sweep
 * never runs: the test moves the clock past a deadline and runs one sweep itself, so what fired is
 * what that sweep returns, and nothing fires behind the test's back.
 */
import { sweepTimers } from '../../src/server/services/timers.js';
import type { RunningServer } from '../../src/server/server.js';

export class TestClock {
  private t: number;
  /** Starts at the real time, so rows written with Date.now() elsewhere (sessions, factories) stay consistent. */
  constructor(start = Date.now()) {
    this.t = start;
  }
  readonly now = () => this.t;
  advance(ms: number) {
    if (!(ms >= 0)) throw new Error(`a clock only moves forward (advance ${ms})`);
    this.t += ms;
  }
}

/**
 * An hour between automatic sweeps: none comes during a test. Not longer: other intervals are
 * derived from it (the session sweep runs every 30 sweeps' time), and a timer longer than 2^31 - 1
 * ms fires at once.
 */
export const NO_AUTOMATIC_SWEEP_MS = String(3_600_000);

/** One timer sweep on this node, at its clock's time. */
export const sweep = (s: Pick<RunningServer, 'ctx'>) => sweepTimers(s.ctx);

/** What a sweep returns when nothing was due. */
export const NOTHING_FIRED = { alerts: 0, offers: 0, abandoned: 0, transfers: 0 } as const;
