/**
 * Expected wait of a waiting chat, as a range meant to hold the actual wait about 80% of the time.
 * Pure: the caller reads the queue, the staffing and the recent history; the method is published
 * in docs/expected-wait.md and measured by bench/expected-wait-replay.ts, which calls this module.
 *
 * Model: the wait is the time until a slot frees for this chat, plus the time a tech takes to pick
 * it up. The chats ahead take the open slots first; each later one still waiting at its turn
 * (requesters give up at the rate recent ones did) needs a slot release, and so does this chat
 * when no slot is open for it. Releases come at a pace: the staffing's (slots / mean handle time,
 * a Poisson stream when many handle times overlap) blended with the pace measured while chats
 * queued in the last hour. So
 *   wait = pickup + Gamma(shape = releases, scale = 1 / pace)
 * with the pickup's middle and spread taken from chats that were first in line when requested.
 * Estimation error (few recent chats), who gives up, and staffing drift during the wait widen the
 * variance; the total is fitted with a gamma distribution by its mean and variance and the range
 * is its 16th–90th percentiles, rounded to whole minutes. docs/expected-wait.md has the details.
 */

const MINUTE = 60_000;

/** One recent chat of the board, as recorded: times in epoch ms (null: not reached). */
export type HistoryRow = {
  requestedAt: number;
  joinedAt: number | null;
  endedAt: number | null;
  /** When it left the queue with nobody joining (the user left, or asked for a callback); null otherwise. */
  leftQueueAt?: number | null;
};

export type QueueState = {
  /** 1-based place among the waiting chats this chat competes with, oldest first. */
  position: number;
  /** Techs who may take this chat now: online, not "do not disturb", with access. */
  staffedTechs: number;
  /** Chats each tech may hold at once (the configured limit; 1 when there is none). */
  slotsPerTech: number;
  /** Open slots among those techs (each tech's limit minus their active chats). */
  freeSlots: number;
  /** Recent chats of the board (the estimate's evidence), any order. */
  history: HistoryRow[];
  now: number;
};

export type WaitRange =
  /** `lowMin`–`highMin` whole minutes; `lowMin` 0 and `highMin` 1: less than a minute. */
  | { kind: 'range'; lowMin: number; highMin: number; basis: 'queue' | 'history' }
  /** Nobody can take the chat now and the last hour gives no pace to go by. */
  | { kind: 'unknown' };

/** Evidence drawn from the history: handle times, and waits of chats that were first in line. */
export type Evidence = {
  handle: { mean: number; cv2: number; n: number };
  pickup: { mean: number; var: number; n: number };
  waits: number[];
  /** Joins per ms while at least two chats waited (the desk's measured pace when saturated), and how many. */
  pace: { rate: number; joins: number };
  /** How often a waiting requester gives up, per ms waited: recent leavers over the time all recent chats waited. */
  leaveRate: number;
};

/** Priors used alone with no history, and blended in with little: a 8-minute chat, a 30-second pickup. */
export const PRIOR = {
  handleMeanMs: 8 * MINUTE,
  handleCv2: 1,
  pickupMeanMs: 30_000,
  pickupSdMs: 20_000,
  /** How many chats' worth of weight the prior carries. */
  weight: 5,
  /** Nobody gave up over this much waiting: the leave rate's prior. */
  waitedMs: 60 * MINUTE,
} as const;
/** Share of extra variance for staffing changing during the wait (techs leaving, breaks, DNR). */
const DRIFT = 0.02;
/** Dispersion of slot releases against a Poisson stream's (1: as Poisson; the replay found no gain above). */
const DISPERSION = 1.0;
/** The range's percentiles. */
export const LOW_Q = 0.16;
export const HIGH_Q = 0.9;
/** How far back the history reaches, and how many chats it uses. */
export const HISTORY_WINDOW_MS = 3 * 3600_000;
export const HISTORY_LIMIT = 200;
export const PACE_WINDOW_MS = 3600_000;
/** Joins the measured pace needs before it is used alone (nobody can take the chat now). */
const MIN_PACE_JOINS = 5;
/** How many joins the staffing-based pace counts for against the measured one. */
const PACE_PRIOR = 20;

export function evidenceFrom(history: HistoryRow[], now: number): Evidence {
  const since = now - HISTORY_WINDOW_MS;
  const joined = history.filter((r) => r.joinedAt !== null && r.joinedAt <= now && r.requestedAt >= since) as (HistoryRow & { joinedAt: number })[];
  const handles = joined.filter((r) => r.endedAt !== null && r.endedAt <= now).map((r) => (r.endedAt as number) - r.joinedAt);
  joined.sort((a, b) => a.requestedAt - b.requestedAt);
  // First in line: no earlier chat was still waiting when this one was requested.
  const firsts: number[] = [];
  let latestJoinBefore = -Infinity;
  for (const r of joined) {
    if (latestJoinBefore <= r.requestedAt) firsts.push(r.joinedAt - r.requestedAt);
    latestJoinBefore = Math.max(latestJoinBefore, r.joinedAt);
  }
  const w = PRIOR.weight;
  const hm = mean(handles);
  const hMean = (hm * handles.length + PRIOR.handleMeanMs * w) / (handles.length + w);
  const hCv2 = handles.length >= 2 ? variance(handles) / (hm * hm) || PRIOR.handleCv2 : PRIOR.handleCv2;
  // Robust: some first-in-line chats also waited for a slot, so the middle of them, not their mean.
  const fs = [...firsts].sort((a, b) => a - b);
  const pMean = (quantile(fs, 0.5) * fs.length + PRIOR.pickupMeanMs * w) / (fs.length + w);
  // Its spread from the upper tail (median to 90th percentile), where pickups are skewed.
  const pSd = (((quantile(fs, 0.9) - quantile(fs, 0.5)) / 1.28) * fs.length + PRIOR.pickupSdMs * w) / (fs.length + w);
  const pVar = pSd * pSd;
  const recent = history.filter((r) => r.requestedAt >= since && r.requestedAt <= now);
  const left = recent.filter((r) => r.joinedAt === null && r.leftQueueAt != null && r.leftQueueAt <= now).length;
  const waited = recent.reduce((a, r) => {
    const out = r.joinedAt ?? r.leftQueueAt ?? now;
    return a + Math.max(0, Math.min(out, now) - r.requestedAt);
  }, 0);
  return {
    pace: busyPace(history, now),
    leaveRate: left / (waited + PRIOR.waitedMs),
    handle: { mean: hMean, cv2: (hCv2 * handles.length + PRIOR.handleCv2 * w) / (handles.length + w), n: handles.length },
    pickup: { mean: pMean, var: pVar, n: firsts.length },
    waits: joined.map((r) => r.joinedAt - r.requestedAt),
  };
}

/** How fast chats were joined while two or more waited, over the last PACE_WINDOW_MS. */
export function busyPace(history: HistoryRow[], now: number): { rate: number; joins: number } {
  const events: [number, number][] = [];
  for (const r of history) {
    const out = r.joinedAt ?? r.leftQueueAt ?? null;
    events.push([r.requestedAt, 1]);
    if (out !== null && out <= now) events.push([out, r.joinedAt !== null ? -1 : -2]);
  }
  events.sort((a, b) => a[0] - b[0]);
  const from = now - PACE_WINDOW_MS;
  let q = 0;
  let last = from;
  let busy = 0;
  let joins = 0;
  for (const [at, kind] of events) {
    if (at > now) break;
    if (at > from && q >= 2) busy += at - Math.max(last, from);
    if (at > from && q >= 2 && kind === -1) joins++;
    q += kind === 1 ? 1 : -1;
    last = at;
  }
  if (q >= 2) busy += now - Math.max(last, from);
  return { rate: busy > 0 ? joins / busy : 0, joins };
}

/**
 * The wait's distribution as mean and variance (ms, ms²), or null when nobody can take the chat
 * and the desk has no measured pace to go by.
 */
export function waitMoments(s: Omit<QueueState, 'history' | 'now'>, ev: Evidence): { mean: number; var: number } | null {
  const slots = s.staffedTechs * Math.max(1, s.slotsPerTech);
  let rate: number;
  if (slots > 0) {
    // The staffing's pace (slots / mean handle), blended with the pace measured while chats queued.
    const modelRate = slots / ev.handle.mean;
    rate = (modelRate * PACE_PRIOR + ev.pace.rate * ev.pace.joins) / (PACE_PRIOR + ev.pace.joins);
  } else if (ev.pace.joins >= MIN_PACE_JOINS && ev.pace.rate > 0) {
    // Nobody can take it right now (breaks, "do not disturb"): the desk's pace of the last hour.
    rate = ev.pace.rate;
  } else return null;
  const step = 1 / rate;
  // Chats ahead take the open slots first; each later one is still there at its turn (a release
  // needed) with the chance exp(−leaveRate × time until its turn), as recent requesters gave up.
  let releases = 0;
  let leaverVar = 0;
  let t = 0;
  const free = slots > 0 ? Math.max(0, s.freeSlots) : 0;
  for (let j = free; j < s.position - 1; j++) {
    const p = Math.exp(-ev.leaveRate * t);
    releases += p;
    leaverVar += p * (1 - p);
    t += p * step;
  }
  if (s.position > free) releases += 1;
  const queueMean = releases * step;
  // The handle-time mean is estimated: its relative variance is cv² / n (the prior counts as PRIOR.weight chats).
  const relErr = ev.handle.cv2 / (ev.handle.n + PRIOR.weight);
  // Without techs now, when they come back is unknown: as wide again as with them.
  const drift = slots > 0 ? DRIFT : DRIFT + 0.25;
  const queueVar = (releases * DISPERSION + leaverVar) * step * step + queueMean * queueMean * (relErr + drift);
  const pickupVar = ev.pickup.var * (1 + 1 / (ev.pickup.n + PRIOR.weight));
  return { mean: ev.pickup.mean + queueMean, var: pickupVar + queueVar };
}

export function estimateWait(s: QueueState): WaitRange {
  const ev = evidenceFrom(s.history, s.now);
  const m = waitMoments(s, ev);
  if (m) {
    const shape = (m.mean * m.mean) / m.var;
    const scale = m.var / m.mean;
    const basis = s.staffedTechs > 0 ? 'queue' : 'history';
    return { kind: 'range', ...roundRange(gammaQuantile(LOW_Q, shape) * scale, gammaQuantile(HIGH_Q, shape) * scale), basis };
  }
  return { kind: 'unknown' };
}

/**
 * Whole minutes, no false precision: the nearest minute at each end (nearest 5 past 20 minutes),
 * at least one minute apart; under a minute at the top end, "less than a minute" (0–1).
 */
export function roundRange(lowMs: number, highMs: number): { lowMin: number; highMin: number } {
  const lo = lowMs / MINUTE;
  const hi = highMs / MINUTE;
  if (hi < 1) return { lowMin: 0, highMin: 1 };
  const r = (x: number) => (x >= 20 ? Math.round(x / 5) * 5 : Math.round(x));
  const lowMin = Math.max(0, r(lo));
  const highMin = Math.max(lowMin + (lowMin >= 20 ? 5 : 1), hi < 10 ? Math.ceil(hi) : r(hi));
  return { lowMin, highMin };
}

/** Midpoint of a shown range, in minutes (what the replay scores against the actual wait). */
export const midpointMin = (r: { lowMin: number; highMin: number }) => (r.lowMin + r.highMin) / 2;

// --- small numeric helpers -------------------------------------------------------------------

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}
function variance(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/** ln Γ(x), Lanczos. */
function lnGamma(x: number): number {
  const c = [76.18009172947, -86.50532032942, 24.01409824083, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const t = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let s = 1.00000000019001;
  for (const ci of c) s += ci / ++y;
  return -t + Math.log((2.50662827463 * s) / x);
}

/** Regularised lower incomplete gamma P(a, x): a series below a + 1, a continued fraction above. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const gln = lnGamma(a);
  if (x < a + 1) {
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 500; n++) {
      del *= x / ++ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-12) break;
    }
    return sum * Math.exp(-x + a * Math.log(x) - gln);
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-12) break;
  }
  return 1 - Math.exp(-x + a * Math.log(x) - gln) * h;
}

/** The q-quantile of Gamma(shape, scale 1), by bisection on P. */
export function gammaQuantile(q: number, shape: number): number {
  let lo = 0;
  let hi = Math.max(1, shape) * 10 + 10;
  while (gammaP(shape, hi) < q) hi *= 2;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (gammaP(shape, mid) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
