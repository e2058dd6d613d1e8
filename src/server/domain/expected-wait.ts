/**
 * Expected wait of a waiting chat, as a range meant to hold the actual wait about 80% of the time.
 * Pure: the caller reads the queue, the staffing and the recent history; the method is published
 * in docs/expected-wait.md and measured by bench/expected-wait-replay.ts, which calls this module.
 *
 * Model: the wait is the time until a slot frees for this chat, plus the time a tech takes to pick
 * it up. The chats ahead take the open slots first; each later one still waiting at its turn
 * needs a slot release, and so does this chat when no slot is open for it. Whether one ahead is
 * still there at its turn follows how long it has already waited and how recent requesters gave
 * up by time waited (a life table). Releases come at a pace: the staffing's (slots / mean handle
 * time) blended with the pace measured while chats queued in the last hour. So
 *   wait = pickup + Gamma(mean = releases / pace, variance from the handle times' spread)
 * with the pickup's middle and spread taken from chats that were first in line when requested.
 * The waits the range is for are those of requesters who stay until a tech joins, so each wait is
 * weighted by the chance a requester is still there after it. The range is then chosen among the
 * ranges the portal can show (whole minutes, fives past 20) by the chance each holds: the top end
 * with at most 10% above it, the low end bringing the range nearest 80%; with the board's record
 * of how its estimates turned out (Outcomes), by those outcomes rather than the model's own
 * chances. docs/expected-wait.md has the details and the replay's figures.
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
  /** The same by how long they had waited (per LEAVE_AGES_MS band): patience runs out more the longer one waits. */
  leaveByAge: number[];
  /** How long each chat still waiting has waited (ms), oldest first: those ahead of a newcomer. */
  waitingAges: number[];
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
/**
 * Share of extra variance when nobody can take the chat now: when techs come back is unknown.
 * (With techs on duty there is none: the handle times' own spread, measured, gives the range its
 * width; a fixed 2% margin there made the one-chat desks' ranges too wide in the replay.)
 */
const NO_STAFF_DRIFT = 0.25;
/** The shown range's targets (issue 16): it holds the wait 80% of the time, the wait is above it at most 10%. */
export const COVERAGE = 0.8;
export const ABOVE_MAX = 0.1;
/** The longest top end shown (minutes): a day. */
const MAX_SHOWN_MIN = 24 * 60;
/** How far back the history reaches, and how many chats it uses. */
export const HISTORY_WINDOW_MS = 3 * 3600_000;
export const HISTORY_LIMIT = 200;
export const PACE_WINDOW_MS = 3600_000;
/** Bands of time waited (ms, lower edges) with a leave rate each. */
export const LEAVE_AGES_MS = [0, 5, 10, 20, 40].map((m) => m * MINUTE);
/** Waiting time a band's rate is pulled towards the overall rate with (a prior): thin bands follow the overall. */
const LEAVE_BAND_PRIOR_MS = 30 * MINUTE;
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
  const leaveRate = left / (waited + PRIOR.waitedMs);
  // A life table: each band's leavers over the time recent chats spent waiting in that band.
  const exposure = LEAVE_AGES_MS.map(() => 0);
  const leavers = LEAVE_AGES_MS.map(() => 0);
  for (const r of recent) {
    const outAt = r.joinedAt !== null && r.joinedAt <= now ? r.joinedAt : r.leftQueueAt != null && r.leftQueueAt <= now ? r.leftQueueAt : now;
    const age = Math.max(0, outAt - r.requestedAt);
    const leftHere = r.joinedAt === null && r.leftQueueAt != null && r.leftQueueAt <= now;
    LEAVE_AGES_MS.forEach((lo, b) => {
      const hi = LEAVE_AGES_MS[b + 1] ?? Infinity;
      if (age > lo) exposure[b] += Math.min(age, hi) - lo;
      if (leftHere && age >= lo && age < hi) leavers[b]++;
    });
  }
  const stillWaiting = recent.filter((r) => (r.joinedAt === null || r.joinedAt > now) && (r.leftQueueAt == null || r.leftQueueAt > now));
  return {
    pace: busyPace(history, now),
    leaveRate,
    leaveByAge: exposure.map((e, b) => (leavers[b] + leaveRate * LEAVE_BAND_PRIOR_MS) / (e + LEAVE_BAND_PRIOR_MS)),
    waitingAges: stillWaiting.map((r) => now - r.requestedAt).sort((a, b) => b - a),
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
    // Its age now: the history's j-th oldest waiting chat (a newcomer when the history has fewer).
    const age = ev.waitingAges[j] ?? 0;
    const p = Math.exp(cumulativeLeave(ev.leaveByAge, age) - cumulativeLeave(ev.leaveByAge, age + t));
    releases += p;
    leaverVar += p * (1 - p);
    t += p * step;
  }
  if (s.position > free) releases += 1;
  const queueMean = releases * step;
  // The handle-time mean is estimated: its relative variance is cv² / n (the prior counts as PRIOR.weight chats).
  const relErr = ev.handle.cv2 / (ev.handle.n + PRIOR.weight);
  const drift = slots > 0 ? 0 : NO_STAFF_DRIFT;
  // Slot releases are a superposition of renewal streams, one per slot: the time to the k-th is
  // about k steps with variance k × step² × cv² of the handle time (cv² 1 would be Poisson).
  const queueVar = (releases * ev.handle.cv2 + leaverVar) * step * step + queueMean * queueMean * (relErr + drift);
  const pickupVar = ev.pickup.var * (1 + 1 / (ev.pickup.n + PRIOR.weight));
  return { mean: ev.pickup.mean + queueMean, var: pickupVar + queueVar };
}

/**
 * The chance the wait is at most `min` minutes, for a requester who stays until joined, as
 * measured over the chats that were joined: the gamma fit weighted by the chance a requester is
 * still there after each wait (recent requesters' patience, leaveByAge), so long waits count for
 * the share of requesters who sit them out. Exact at the shown minutes (the only ends a range may
 * have), linear between them; null when there is nothing to go by.
 */
export function waitCdf(s: QueueState): ((min: number) => number) | null {
  const ev = evidenceFrom(s.history, s.now);
  const m = waitMoments(s, ev);
  if (!m) return null;
  const shape = (m.mean * m.mean) / m.var;
  const scale = m.var / m.mean;
  const ends: number[] = [0];
  const mass: number[] = [0];
  let total = 0;
  let prevG = 0;
  for (let x = 1; ; x = nextShownMinute(x)) {
    const g = gammaP(shape, (x * MINUTE) / scale);
    const stay = Math.exp(-cumulativeLeave(ev.leaveByAge, ((x + ends[ends.length - 1]) / 2) * MINUTE));
    total += (g - prevG) * stay;
    ends.push(x);
    mass.push(total);
    prevG = g;
    if (g > 0.9999 || x >= MAX_SHOWN_MIN) break;
  }
  total += (1 - prevG) * Math.exp(-cumulativeLeave(ev.leaveByAge, ends[ends.length - 1] * MINUTE));
  return (min: number) => {
    let i = 0;
    while (i + 1 < ends.length && ends[i + 1] <= min) i++;
    if (i + 1 >= ends.length) return Math.min(1, mass[i] / total);
    // Between shown minutes (an actual wait, where it fell for the board's record): linear.
    const f = (min - ends[i]) / (ends[i + 1] - ends[i]);
    return (mass[i] + (mass[i + 1] - mass[i]) * f) / total;
  };
}

/** Expected number of leavers by age `age` (ms) of one requester: the band rates integrated. */
function cumulativeLeave(rates: number[], age: number): number {
  let h = 0;
  LEAVE_AGES_MS.forEach((lo, b) => {
    const hi = LEAVE_AGES_MS[b + 1] ?? Infinity;
    if (age > lo) h += rates[b] * (Math.min(age, hi) - lo);
  });
  return h;
}

/**
 * The estimate; with `outcomes` (the board's record, see Outcomes) the model's chances are first
 * corrected by where the board's recent waits fell in their own estimates, and `chat`'s first
 * estimate is added to the record.
 */
export function estimateWait(s: QueueState, outcomes?: Outcomes, chat?: { id: number; requestedAt: number }): WaitRange {
  const cdf = waitCdf(s);
  if (outcomes && chat) outcomes.shown(chat.id, chat.requestedAt, cdf);
  if (!cdf) return { kind: 'unknown' };
  const basis = s.staffedTechs > 0 ? 'queue' : 'history';
  return { kind: 'range', ...shownRange(outcomes ? outcomes.recalibrate(cdf) : cdf), basis };
}

/** How many recent outcomes a board's record keeps, and how many the model's own chances count for against them. */
export const OUTCOMES_KEPT = 500;
export const OUTCOMES_PRIOR = 20;

/**
 * A board's record of how its estimates turned out: for each chat joined, the chance its first
 * estimate gave a wait at most as long as the actual one (uniform between 0 and 1 if the model is
 * right). When the model is too narrow for this desk (shift changes it cannot see) or too wide
 * (waits in whole minutes), those chances pile up at the ends or in the middle; recalibrate maps
 * the model's chance p to the share of recorded outcomes at or under p (blended with p itself,
 * OUTCOMES_PRIOR outcomes' worth), so the range is chosen by how such estimates turned out here.
 * In memory (per server node), the newest OUTCOMES_KEPT.
 */
export class Outcomes {
  /** Chats shown an estimate and not yet joined: their first estimate's distribution. */
  private pending = new Map<number, { requestedAt: number; cdf: (min: number) => number }>();
  private recent: number[] = [];
  private sorted: number[] = [];

  /** A chat was shown an estimate: its first one is kept until the chat is joined or leaves. */
  shown(chatId: number, requestedAt: number, cdf: ((min: number) => number) | null) {
    if (cdf && !this.pending.has(chatId)) this.pending.set(chatId, { requestedAt, cdf });
  }

  /** The chat was joined at `joinedAt`: where its wait fell in its first estimate. */
  joined(chatId: number, joinedAt: number) {
    const p = this.pending.get(chatId);
    if (!p) return;
    this.pending.delete(chatId);
    this.recent.push(p.cdf((joinedAt - p.requestedAt) / MINUTE));
    if (this.recent.length > OUTCOMES_KEPT) this.recent.shift();
    this.sorted = [...this.recent].sort((a, b) => a - b);
  }

  /** The chat left the queue unanswered (or is no longer tracked): its wait is not known. */
  forget(chatId: number) {
    this.pending.delete(chatId);
  }

  pendingIds(): number[] {
    return [...this.pending.keys()];
  }

  get size() {
    return this.recent.length;
  }

  recalibrate(cdf: (min: number) => number): (min: number) => number {
    const xs = this.sorted;
    if (!xs.length) return cdf;
    return (min: number) => {
      const p = cdf(min);
      let lo = 0;
      let hi = xs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (xs[mid] <= p) lo = mid + 1;
        else hi = mid;
      }
      return (lo + p * OUTCOMES_PRIOR) / (xs.length + OUTCOMES_PRIOR);
    };
  }
}

/** Whole minutes a range may end on: every minute under 20, then every 5 (no false precision). */
export const nextShownMinute = (m: number) => (m < 20 ? m + 1 : m + 5);

/**
 * The shown range, chosen after rounding rather than rounded after choosing: rounding the 16th and
 * 90th percentiles outward to whole minutes held 85–87% of waits, not 80%. Among the ends the
 * portal can show (nextShownMinute), the top end is the first with at most ABOVE_MAX of the wait
 * above it, and the low end the one that brings the range's own chance nearest COVERAGE (the lower
 * on a tie). A top end of 1 is "less than a minute" (0–1). `cdf` takes minutes, and is read at
 * shown minutes only.
 */
export function shownRange(cdf: (min: number) => number): { lowMin: number; highMin: number } {
  let highMin = 1;
  while (cdf(highMin) < 1 - ABOVE_MAX && highMin < MAX_SHOWN_MIN) highMin = nextShownMinute(highMin);
  if (highMin === 1) return { lowMin: 0, highMin: 1 };
  const top = cdf(highMin);
  let lowMin = 0;
  let miss = Math.abs(top - COVERAGE);
  for (let m = 1; nextShownMinute(m) <= highMin; m = nextShownMinute(m)) {
    const mMiss = Math.abs(top - cdf(m) - COVERAGE);
    if (mMiss < miss) [lowMin, miss] = [m, mMiss];
  }
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
