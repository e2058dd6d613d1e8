/**
 * Reports (docs/metrics.md): the query every report takes, and what each answers. Shared by the
 * server's routes and the console's Reports page.
 */
import { z } from 'zod';
import { isValidTimeZone } from './time-zones.js';

export const DISPOSITIONS = ['waiting', 'answered', 'abandoned', 'callback'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** What a drill-down lists: the chats behind one number of a report. */
export const DRILL_METRICS = [
  'requests',
  'answered',
  'abandoned',
  'callbacks',
  'callbacks_completed',
  'waiting',
  'time_to_join',
  'first_response',
  'handle',
  'abandon_wait',
  'messages',
  'transferred',
  'rated',
] as const;
export type DrillMetric = (typeof DRILL_METRICS)[number];

/** The buckets of the time-to-join distribution and of abandonment by wait: [from, to) in ms. */
export const WAIT_BINS = [
  { label: 'under 30 s', fromMs: 0, toMs: 30_000 },
  { label: '30 s–1 min', fromMs: 30_000, toMs: 60_000 },
  { label: '1–2 min', fromMs: 60_000, toMs: 120_000 },
  { label: '2–5 min', fromMs: 120_000, toMs: 300_000 },
  { label: '5–10 min', fromMs: 300_000, toMs: 600_000 },
  { label: '10–30 min', fromMs: 600_000, toMs: 1_800_000 },
  { label: '30 min and more', fromMs: 1_800_000, toMs: null },
] as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/**
 * Whether `YYYY-MM-DD` (the start of `v`) is a day of the calendar. `Date.parse` takes 2027-02-30
 * as 2 March: a report asked for a day that does not exist would cover another one.
 */
const realDay = (v: string) => {
  const [y, m, d] = v.slice(0, 10).split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};
/** A day (YYYY-MM-DD, in the report's time zone) or an instant (ISO 8601 with its offset). */
const dayOrInstant = z
  .string()
  .trim()
  .max(40)
  .refine((v) => (DATE.test(v) ? realDay(v) : /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(v) && realDay(v) && !Number.isNaN(Date.parse(v))), {
    message: 'A date (YYYY-MM-DD) or an instant with its offset (2026-03-01T00:00:00Z)',
  });
/** Several ids at once: `1,2,3`. */
const idList = z
  .string()
  .trim()
  .max(20_000)
  .regex(/^\d{1,10}(,\d{1,10})*$/, 'Ids separated by commas')
  .transform((v) => [...new Set(v.split(',').map(Number))]);
const outcomeList = z
  .string()
  .trim()
  .max(200)
  .transform((v) => [...new Set(v.split(','))])
  .pipe(z.array(z.enum(DISPOSITIONS)));

export const ReportFilters = z.object({
  /** First day (in `tz`) or instant; default: 29 days before `to`. */
  from: dayOrInstant.optional(),
  /** Last day included (in `tz`), or the instant the range ends before; default: today. */
  to: dayOrInstant.optional(),
  /** The IANA zone of the day and hour buckets and of the days in `from`/`to`. */
  tz: z
    .string()
    .trim()
    .max(64)
    .default('UTC')
    .refine((v) => isValidTimeZone(v), { message: 'Not a known IANA time zone' }),
  companies: idList.optional(),
  boards: idList.optional(),
  techs: idList.optional(),
  outcomes: outcomeList.optional(),
  /** Durations counted in real time, or in office hours only. */
  hours: z.enum(['raw', 'business']).default('raw'),
  /** Medians and p90s (the default), or averages only: then no percentile is computed (p50, p90 null). */
  stat: z.enum(['median', 'average']).default('median'),
});
export type ReportFilters = z.infer<typeof ReportFilters>;
export const ReportQuery = ReportFilters.strict();

/** The chats behind a number: the same filters, plus which number and which bucket. */
export const DrillFilters = ReportFilters.extend({
  metric: z.enum(DRILL_METRICS).default('requests'),
  /** A day bucket (in `tz`). */
  day: z.string().regex(DATE, 'YYYY-MM-DD').refine(realDay, 'Not a day of the calendar').optional(),
  /** An hour-of-day bucket (0–23, in `tz`). */
  hour: z.coerce.number().int().min(0).max(23).optional(),
  /** A bucket of WAIT_BINS, of the metric's duration (time_to_join or abandon_wait). */
  bin: z.coerce
    .number()
    .int()
    .min(0)
    .max(WAIT_BINS.length - 1)
    .optional(),
  /** A rating score, with metric=rated. */
  score: z.coerce.number().int().min(1).max(5).optional(),
});
export type DrillFilters = z.infer<typeof DrillFilters>;
export const DrillQuery = DrillFilters.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `next` of the page before. */
  after: z
    .string()
    .regex(/^\d{1,16}\.\d{1,12}$/)
    .optional(),
}).strict();
export const ExportQuery = DrillFilters.strict();

const ms = z.number().int().nullable();
/** Durations in ms (the average rounded to the ms); for messages, counts (the average to two decimals). */
export const Stat = z.object({ count: z.number().int(), p50: z.number().nullable(), p90: z.number().nullable(), average: z.number().nullable() });
export type Stat = z.infer<typeof Stat>;

const range = { from: z.string(), to: z.string(), tz: z.string(), hours: z.enum(['raw', 'business']) };

export const ReportSummary = z.object({
  ...range,
  requests: z.number().int(),
  answered: z.number().int(),
  abandoned: z.number().int(),
  callbacks: z.number().int(),
  callbacksCompleted: z.number().int(),
  waiting: z.number().int(),
  /** Percentages with one decimal; null with no requests. */
  answeredPct: z.number().nullable(),
  abandonedPct: z.number().nullable(),
  timeToJoin: Stat,
  firstResponse: Stat,
  handle: Stat,
  abandonWait: Stat,
  /** Messages per completed chat (a count, not ms). */
  messages: Stat,
  transfers: z.object({ total: z.number().int(), chats: z.number().int() }),
  rating: z.object({
    rated: z.number().int(),
    /** Chats ended by a tech: the ones that could be rated. */
    ended: z.number().int(),
    average: z.number().nullable(),
    sharePct: z.number().nullable(),
    distribution: z.array(z.object({ score: z.number().int(), chats: z.number().int() })),
  }),
});
export type ReportSummary = z.infer<typeof ReportSummary>;

const counts = { requests: z.number().int(), answered: z.number().int(), abandoned: z.number().int(), callbacks: z.number().int() };
export const ReportVolume = z.object({
  ...range,
  /** Every day of the range, in `tz`, with none left out. */
  byDay: z.array(z.object({ day: z.string(), ...counts })),
  /** The hours of the day 0–23, in `tz`. */
  byHour: z.array(z.object({ hour: z.number().int(), ...counts })),
});
export type ReportVolume = z.infer<typeof ReportVolume>;

const bin = z.object({ bin: z.number().int(), label: z.string(), fromMs: z.number().int(), toMs: z.number().int().nullable(), chats: z.number().int() });
export const ReportDistributions = z.object({ ...range, timeToJoin: z.array(bin), abandonment: z.array(bin) });
export type ReportDistributions = z.infer<typeof ReportDistributions>;

export const ReportTechRow = z.object({
  techId: z.number().int(),
  name: z.string(),
  answered: z.number().int(),
  timeToJoin: Stat,
  firstResponse: Stat,
  handle: Stat,
  transfers: z.number().int(),
  rated: z.number().int(),
  ratingAverage: z.number().nullable(),
});
export const ReportCompanyRow = z.object({
  companyId: z.number().int(),
  name: z.string(),
  ...counts,
  timeToJoin: Stat,
  handle: Stat,
});
export const ReportTechs = z.object({ ...range, rows: z.array(ReportTechRow) });
export const ReportCompanies = z.object({ ...range, rows: z.array(ReportCompanyRow) });
export type ReportTechs = z.infer<typeof ReportTechs>;
export type ReportCompanies = z.infer<typeof ReportCompanies>;

/** One chat of a drill-down or the export; durations in the chosen hours (ms). */
export const ReportChat = z.object({
  id: z.number().int(),
  requestedAt: z.string(),
  subject: z.string(),
  company: z.string(),
  board: z.string(),
  tech: z.string().nullable(),
  outcome: z.enum(DISPOSITIONS),
  timeToJoinMs: ms,
  firstResponseMs: ms,
  handleMs: ms,
  abandonWaitMs: ms,
  messages: z.number().int().nullable(),
  transfers: z.number().int(),
  rating: z.number().int().nullable(),
});
export type ReportChat = z.infer<typeof ReportChat>;
export const ReportChats = z.object({ ...range, rows: z.array(ReportChat), next: z.string().nullable() });
export type ReportChats = z.infer<typeof ReportChats>;
