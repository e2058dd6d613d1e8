/**
 * Reports (SPEC Part 2 "Insight", docs/metrics.md): every figure is read from `chat_metrics`, one
 * row per chat, under one set of filters that the summary, the buckets, the tables, the drill-down
 * and the export share, so a number and the list of chats behind it always agree. What a viewer
 * sees is their access (admins: everything; a tech with the grant: their boards and companies).
 *
 * The SQL is the same on both databases but for the percentiles and the groups: filters on indexed
 * columns, counts and sums in one pass, nearest-rank percentiles with the ordered-set aggregate
 * `percentile_disc` (PostgreSQL's in that same pass; SQLite's in a second, as its fraction comes
 * from the counts of the first), per-tech and per-company tables read in group order from covering
 * indexes, and day/hour buckets grouped by 15-minute UTC buckets that domain/report-buckets.ts maps
 * to the chosen zone.
 */
import { sql, type Expression, type RawBuilder } from 'kysely';
import { reportReader, type Db, type Dialect } from '../db/database.js';
import { Turns } from './turns.js';
import { ValidationFailed } from '../errors.js';
import { techBoardFilter, techCompanyFilter, type TechActor } from '../policies/access.js';
import { authorizeReports } from '../policies/rules.js';
import { dayStart, daysOf, hourRanges, localClock, QUARTER_MS, reportRange } from '../domain/report-buckets.js';
import {
  WAIT_BINS,
  type DrillFilters,
  type ReportChat,
  type ReportChats,
  type ReportCompanies,
  type ReportDistributions,
  type ReportFilters,
  type ReportSummary,
  type ReportTechs,
  type ReportVolume,
  type Stat,
} from '../../shared/reports.js';

/** The longest range a report covers: about three years of days. */
const MAX_DAYS = 1100;

type Cols = { join: string; firstResponse: string; handle: string; abandonWait: string };
const RAW: Cols = { join: 'join_ms', firstResponse: 'first_response_ms', handle: 'handle_ms', abandonWait: 'abandon_wait_ms' };
const BUSINESS: Cols = { join: 'join_bh_ms', firstResponse: 'first_response_bh_ms', handle: 'handle_bh_ms', abandonWait: 'abandon_wait_bh_ms' };

/** A report's filters made SQL over `chat_metrics m`, with its range and chosen columns. */
export type Scope = {
  dialect: Dialect;
  from: number;
  to: number;
  tz: string;
  hours: 'raw' | 'business';
  percentiles: boolean;
  cols: Cols;
  where: RawBuilder<unknown>;
};

const col = (name: string) => sql.ref(`m.${name}`);
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const pct = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 10 : null);
const round = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));

/** The viewer may see reports, and the filters are sound: the scope every report query runs in. */
export function reportScope(tech: TechActor, f: ReportFilters | DrillFilters, now: number, dialect: Dialect): Scope {
  authorizeReports(tech);
  const { from, to } = reportRange(f, now);
  if (!(to > from)) throw new ValidationFailed('The range ends before it starts', { field: 'to' });
  if (to - from > MAX_DAYS * 24 * 3600 * 1000) throw new ValidationFailed(`A report covers at most ${MAX_DAYS} days`, { field: 'from' });
  const cols = f.hours === 'business' ? BUSINESS : RAW;
  const c: Expression<unknown>[] = [sql`m.requested_at >= ${from}`, sql`m.requested_at < ${to}`];
  // The tech's access, the same rule as every list (policies/access.ts).
  c.push(techBoardFilter(tech, 'm.board_id'), techCompanyFilter(tech, 'm.company_id'));
  if (f.companies?.length) c.push(sql`m.company_id in (${sql.join(f.companies)})`);
  if (f.boards?.length) c.push(sql`m.board_id in (${sql.join(f.boards)})`);
  if (f.techs?.length) c.push(sql`m.tech_id in (${sql.join(f.techs)})`);
  if (f.outcomes?.length) c.push(sql`m.disposition in (${sql.join(f.outcomes)})`);
  if ('metric' in f) c.push(...drillConditions(f, from, to, cols));
  return { dialect, from, to, tz: f.tz, hours: f.hours, percentiles: f.stat !== 'average', cols, where: sql`(${sql.join(c, sql` and `)})` };
}

/** The number a drill-down opens: its metric, and its bucket if any. */
function drillConditions(f: DrillFilters, from: number, to: number, cols: Cols): Expression<unknown>[] {
  const c: Expression<unknown>[] = [];
  const notNull = (name: string) => sql`${col(name)} is not null`;
  switch (f.metric) {
    case 'answered':
    case 'abandoned':
    case 'waiting':
      c.push(sql`m.disposition = ${f.metric}`);
      break;
    case 'callbacks':
      c.push(sql`m.disposition = 'callback'`);
      break;
    case 'callbacks_completed':
      c.push(sql`m.disposition = 'callback'`, notNull('callback_completed_at'));
      break;
    case 'time_to_join':
      c.push(notNull(cols.join));
      break;
    case 'first_response':
      c.push(notNull(cols.firstResponse));
      break;
    case 'handle':
      c.push(notNull(cols.handle));
      break;
    case 'abandon_wait':
      c.push(notNull(cols.abandonWait));
      break;
    case 'messages':
      c.push(notNull('messages'));
      break;
    case 'transferred':
      c.push(sql`m.transfers > 0`);
      break;
    case 'rated':
      c.push(notNull('rating'));
      if (f.score !== undefined) c.push(sql`m.rating = ${f.score}`);
      break;
    default:
      break;
  }
  if (f.bin !== undefined) {
    const name = f.metric === 'abandon_wait' ? cols.abandonWait : f.metric === 'time_to_join' ? cols.join : null;
    if (!name) throw new ValidationFailed('A wait bucket goes with metric time_to_join or abandon_wait', { field: 'bin' });
    const b = WAIT_BINS[f.bin];
    c.push(sql`${col(name)} >= ${b.fromMs}`);
    if (b.toMs !== null) c.push(sql`${col(name)} < ${b.toMs}`);
  }
  if (f.day !== undefined) c.push(sql`m.requested_at >= ${dayStart(f.day, f.tz)}`, sql`m.requested_at < ${dayStart(f.day, f.tz, 1)}`);
  if (f.hour !== undefined) {
    const ranges = hourRanges(from, to, f.tz, f.hour);
    c.push(ranges.length ? anyOf(ranges.map(([s, e]) => sql`(m.requested_at >= ${s} and m.requested_at < ${e})`)) : sql`1 = 0`);
  }
  return c;
}

/**
 * `a or b or …` nested as a balanced tree. An hour of the day is one interval a day, over 1,100
 * for the longest range, and SQLite refuses a flat chain of that many (its expression tree may be
 * at most 1,000 deep); balanced, it is about 11 deep.
 */
function anyOf(conditions: RawBuilder<unknown>[]): RawBuilder<unknown> {
  if (conditions.length === 1) return conditions[0];
  const mid = conditions.length >> 1;
  return sql`(${anyOf(conditions.slice(0, mid))} or ${anyOf(conditions.slice(mid))})`;
}

const rangeOf = (s: Scope) => ({ from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString(), tz: s.tz, hours: s.hours });

type Percentiles = Map<string, { p50: number | null; p90: number | null }>;

/** The rank (1-based) of a nearest-rank percentile among n values: ⌈pct/100 · n⌉. */
export const nearestRank = (n: number, pct: number) => Math.floor((n * pct + 99) / 100);

/**
 * The fraction SQLite's `percentile_disc` needs to land on a rank: it takes the value at index
 * ⌊f·(n − 1)⌋ (0-based), so f = (rank − 1 + ½) / (n − 1), at most 1. PostgreSQL's takes the first
 * value whose cumulative share reaches f, which is rank ⌈f·n⌉: the percentile itself.
 */
export function sqliteFraction(n: number, pct: number): number {
  // The median needs no count: index ⌊½·(n − 1)⌋ is rank ⌈n/2⌉ − 1 for every n, so one literal
  // serves every group (no per-row search for the group's fraction; p90 has no such fraction).
  if (pct === 50) return 0.5;
  if (n <= 1) return 0;
  return Math.min(1, (nearestRank(n, pct) - 0.5) / (n - 1));
}

/**
 * A value per group for each row, as a binary search over the sorted group ids (nested `case`):
 * about log₂(groups) comparisons a row, where one `case` with a branch per group made 200
 * comparisons a row for 200 companies.
 */
function byGroup(g: RawBuilder<unknown>, ids: number[], value: (id: number) => RawBuilder<unknown>): RawBuilder<unknown> {
  const sorted = [...ids].sort((a, b) => a - b);
  const node = (lo: number, hi: number): RawBuilder<unknown> => {
    if (hi - lo <= 1) return lo < hi ? value(sorted[lo]) : sql`0`;
    const mid = (lo + hi) >> 1;
    return sql`case when ${g} < ${sql.lit(sorted[mid])} then ${node(lo, mid)} else ${node(mid, hi)} end`;
  };
  return node(0, sorted.length);
}

/**
 * PostgreSQL settings for a report statement, in its own transaction. `work_mem`: the memory each
 * sort may take; the default (4 MB) holds about 150,000 values, so a year's percentiles (860,000
 * values a column) were sorted on disk: the summary's percentiles took 990 ms against 620 ms in
 * memory (a cap, not an allocation: a 30-day report uses what its rows need).
 * `max_parallel_workers_per_gather`: none, so a report takes one core at most and live chat keeps
 * the others (docs/metrics.md "Scale").
 */
export const REPORT_SETTINGS = { work_mem: '64MB', max_parallel_workers_per_gather: '0' };

/**
 * Report statements one node runs at once: on PostgreSQL each holds a pooled connection and up to a
 * core for as long as it reads a year of chats, so a desk's leads opening reports together must not
 * take the pool from live chat; SQLite has one report reader thread. The rest wait their turn.
 */
export const REPORTS_AT_ONCE: Record<Dialect, number> = { sqlite: 1, postgres: 2 };
const reportTurns: Record<Dialect, Turns> = { sqlite: new Turns(REPORTS_AT_ONCE.sqlite), postgres: new Turns(REPORTS_AT_ONCE.postgres) };

/**
 * Runs a report's statement. On SQLite it goes to the read-only worker thread of the reports
 * (db/database.ts `reportReader`): a year of chats takes seconds to read, and on the server's own
 * connection that would stall every chat meanwhile, on search's a search would wait behind it.
 * PostgreSQL runs it on the pool, in a transaction of its own with `REPORT_SETTINGS` for that
 * statement only; a page of chats (`aggregate` false: an index range, no sort) runs as it is, one
 * round trip, without waiting for a turn.
 */
async function readOn<T>(db: Db, query: RawBuilder<T>, aggregate = true): Promise<{ rows: T[] }> {
  const reader = reportReader(db);
  if (!reader && !aggregate) return query.execute(db);
  if (!reader)
    return reportTurns.postgres.run(() =>
      db.transaction().execute(async (trx) => {
        const settings = Object.entries(REPORT_SETTINGS).map(([name, value]) => sql`set_config(${name}, ${value}, true)`);
        await sql`select ${sql.join(settings)}`.execute(trx);
        return query.execute(trx);
      }),
    );
  const compiled = query.compile(db);
  const [rows] = await reportTurns.sqlite.run(() => reader.read([{ sql: compiled.sql, parameters: compiled.parameters }]));
  return { rows: rows as T[] };
}

/**
 * The aggregates of nearest-rank p50 and p90 of columns (`key` → column), as `<key>_p50` and
 * `<key>_p90`: the databases' ordered-set aggregate `percentile_disc`, which keeps and sorts only
 * the column's values (where a `row_number()` window sorted whole rows). `counts` gives, per group
 * ('0' without one), how many values each column has: SQLite's fraction depends on it.
 */
function percentileAggregates(s: Scope, columns: Record<string, string>, counts: Map<string, Record<string, number>>, g?: RawBuilder<unknown>) {
  return Object.entries(columns).flatMap(([key, name]) =>
    ([50, 90] as const).map((pct) => {
      const alias = sql.ref(`${key.replace(/\W/g, '')}_p${pct}`);
      if (s.dialect === 'postgres') return sql`percentile_disc(${sql.lit(pct / 100)}) within group (order by ${col(name)}) as ${alias}`;
      // SQLite: the fraction must be the same for every row of a group; a literal per group.
      const fraction = (gk: number) => sql.lit(sqliteFraction(counts.get(String(gk))?.[key] ?? 0, pct));
      const f = g && pct !== 50 ? byGroup(g, [...counts.keys()].map(Number), fraction) : fraction(0);
      return sql`percentile_disc(${col(name)}, ${f}) as ${alias}`;
    }),
  );
}

/** A row's `<key>_p50` and `<key>_p90`, by key. */
function percentilesOf(r: Record<string, unknown>, columns: Record<string, string>): Percentiles {
  const m: Percentiles = new Map();
  for (const key of Object.keys(columns)) {
    const k = key.replace(/\W/g, '');
    m.set(key, { p50: numOrNull(r[`${k}_p50`]), p90: numOrNull(r[`${k}_p90`]) });
  }
  return m;
}

/**
 * PostgreSQL's percentile aggregates to add to the statement of the counts: its fraction needs no
 * count, so one pass over the rows gives both (a year's summary 930 -> 850 ms; docs/metrics.md
 * "Scale"). Null on SQLite, whose fractions come from those counts (`percentiles`, a second
 * statement), and when averages were asked for.
 */
function inlinePercentiles(s: Scope, columns: Record<string, string>): RawBuilder<unknown> | null {
  if (s.dialect !== 'postgres' || !s.percentiles) return null;
  return sql`, ${sql.join(percentileAggregates(s, columns, new Map()))}`;
}

/**
 * Nearest-rank p50 and p90 of columns over the scope, per group when a group column is given, in
 * a statement of their own (SQLite, after the counts its fractions need).
 */
async function percentiles(
  db: Db,
  s: Scope,
  columns: Record<string, string>,
  counts: Map<string, Record<string, number>>,
  group?: Group,
): Promise<Map<string, Percentiles>> {
  // Averages asked for: the sorts are skipped.
  if (!s.percentiles) return new Map();
  const by = group ? grouping(s, group) : null;
  const g = by ? by.key : sql`0`;
  const rows = await readOn(
    db,
    sql<Record<string, unknown>>`select ${g} as g, ${sql.join(percentileAggregates(s, columns, counts, by?.key))}
    from chat_metrics m where ${s.where} ${by ? sql`and ${by.rows} group by ${g}` : sql``}`,
  );
  return new Map(rows.rows.map((r) => [String(r.g), percentilesOf(r, columns)]));
}

const stat = (count: unknown, average: unknown, p?: { p50: number | null; p90: number | null }, decimals = 0): Stat => ({
  count: num(count),
  p50: p?.p50 ?? null,
  p90: p?.p90 ?? null,
  average: average === null || average === undefined ? null : decimals ? Math.round(Number(average) * 10 ** decimals) / 10 ** decimals : round(average),
});

/** A report's groups: by tech (the first to join) or by company. */
type Group = 'tech_id' | 'company_id';
const GROUP_TABLES: Record<Group, string> = { tech_id: 'techs', company_id: 'companies' };

/**
 * How a table's rows are grouped: by the column, read from the group's covering index
 * (migration 028) in group order, so the rows are aggregated as they come, never sorted by group
 * and never fetched from the table (docs/metrics.md "Scale"). SQLite walks the index one group
 * after another only over a list of groups (`in (select id from …)`), seeking each group's range
 * by request time (a year per tech: 393 -> 175 ms CPU for the counts); PostgreSQL scans the index
 * only (a year's percentiles per company: 570 -> 290 ms).
 */
function grouping(s: Scope, group: Group): { key: RawBuilder<unknown>; rows: RawBuilder<unknown> } {
  const rows = s.dialect === 'sqlite' ? sql`${col(group)} in (select id from ${sql.table(GROUP_TABLES[group])})` : sql`${col(group)} is not null`;
  return { key: col(group), rows };
}

/**
 * The rows where a condition holds, as `count(*) filter (where …)`: the aggregate runs only on the
 * rows that match, where `sum(case … then 1 else 0 end)` ran on every row (a quarter less CPU for
 * the summary's counts over a year on SQLite, 482 -> 367 ms; docs/metrics.md "Scale").
 */
const countWhere = (condition: RawBuilder<unknown>) => sql`count(*) filter (where ${condition})`;
const isDisposition = (d: string) => countWhere(sql`m.disposition = ${d}`);

export async function reportSummary(db: Db, s: Scope): Promise<ReportSummary> {
  const c = s.cols;
  const columns = { join: c.join, fr: c.firstResponse, handle: c.handle, aw: c.abandonWait, msg: 'messages' };
  const inline = inlinePercentiles(s, columns);
  const [totals] = (
    await readOn(
      db,
      sql<Record<string, unknown>>`select count(*) as requests,
      ${isDisposition('answered')} as answered, ${isDisposition('abandoned')} as abandoned,
      ${isDisposition('callback')} as callbacks, ${isDisposition('waiting')} as waiting,
      ${countWhere(sql`m.disposition = 'callback' and m.callback_completed_at is not null`)} as callbacks_completed,
      sum(m.transfers) as transfers, ${countWhere(sql`m.transfers > 0`)} as transferred, count(m.ended_at) as ended,
      count(m.rating) as rated, avg(m.rating) as rating_avg,
      ${sql.join([1, 2, 3, 4, 5].map((score) => sql`${countWhere(sql`m.rating = ${sql.lit(score)}`)} as ${sql.ref(`r${score}`)}`))},
      count(${col(c.join)}) as join_n, avg(${col(c.join)}) as join_avg,
      count(${col(c.firstResponse)}) as fr_n, avg(${col(c.firstResponse)}) as fr_avg,
      count(${col(c.handle)}) as handle_n, avg(${col(c.handle)}) as handle_avg,
      count(${col(c.abandonWait)}) as aw_n, avg(${col(c.abandonWait)}) as aw_avg,
      count(m.messages) as msg_n, avg(m.messages) as msg_avg ${inline ?? sql``}
    from chat_metrics m where ${s.where}`,
    )
  ).rows;
  const counts = { join: num(totals.join_n), fr: num(totals.fr_n), handle: num(totals.handle_n), aw: num(totals.aw_n), msg: num(totals.msg_n) };
  const p = inline ? percentilesOf(totals, columns) : (await percentiles(db, s, columns, new Map([['0', counts]]))).get('0');
  const requests = num(totals.requests);
  const answered = num(totals.answered);
  const abandoned = num(totals.abandoned);
  const rated = num(totals.rated);
  const ended = num(totals.ended);
  const ratingAvg = totals.rating_avg === null ? null : Math.round(Number(totals.rating_avg) * 100) / 100;
  return {
    ...rangeOf(s),
    requests,
    answered,
    abandoned,
    callbacks: num(totals.callbacks),
    callbacksCompleted: num(totals.callbacks_completed),
    waiting: num(totals.waiting),
    answeredPct: pct(answered, requests),
    abandonedPct: pct(abandoned, requests),
    timeToJoin: stat(totals.join_n, totals.join_avg, p?.get('join')),
    firstResponse: stat(totals.fr_n, totals.fr_avg, p?.get('fr')),
    handle: stat(totals.handle_n, totals.handle_avg, p?.get('handle')),
    abandonWait: stat(totals.aw_n, totals.aw_avg, p?.get('aw')),
    messages: stat(totals.msg_n, totals.msg_avg, p?.get('msg'), 2),
    transfers: { total: num(totals.transfers), chats: num(totals.transferred) },
    rating: {
      rated,
      ended,
      average: ratingAvg,
      sharePct: pct(rated, ended),
      distribution: [1, 2, 3, 4, 5].map((score) => ({ score, chats: num(totals[`r${score}`]) })),
    },
  };
}

export async function reportVolume(db: Db, s: Scope): Promise<ReportVolume> {
  const rows = (
    await readOn(
      db,
      sql<Record<string, unknown>>`select m.requested_at / ${sql.lit(QUARTER_MS)} as q, count(*) as requests,
      ${isDisposition('answered')} as answered, ${isDisposition('abandoned')} as abandoned, ${isDisposition('callback')} as callbacks
    from chat_metrics m where ${s.where} group by m.requested_at / ${sql.lit(QUARTER_MS)}`,
    )
  ).rows;
  const zero = () => ({ requests: 0, answered: 0, abandoned: 0, callbacks: 0 });
  const byDay = new Map(daysOf(s.from, s.to, s.tz).map((day) => [day, zero()]));
  const byHour = Array.from({ length: 24 }, zero);
  const clock = localClock(s.tz);
  for (const r of rows) {
    const { day, hour } = clock(num(r.q) * QUARTER_MS);
    for (const target of [byDay.get(day) ?? byDay.set(day, zero()).get(day)!, byHour[hour]]) {
      target.requests += num(r.requests);
      target.answered += num(r.answered);
      target.abandoned += num(r.abandoned);
      target.callbacks += num(r.callbacks);
    }
  }
  return {
    ...rangeOf(s),
    byDay: [...byDay].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, v]) => ({ day, ...v })),
    byHour: byHour.map((v, hour) => ({ hour, ...v })),
  };
}

const binCase = (name: string) =>
  sql`case ${sql.join(
    WAIT_BINS.map((b, i) =>
      b.toMs === null ? sql`when ${col(name)} >= ${sql.lit(b.fromMs)} then ${sql.lit(i)}` : sql`when ${col(name)} < ${sql.lit(b.toMs)} then ${sql.lit(i)}`,
    ),
    sql` `,
  )} end`;

export async function reportDistributions(db: Db, s: Scope): Promise<ReportDistributions> {
  const bins = async (name: string) => {
    const rows = (
      await readOn(
        db,
        sql<{ b: unknown; n: unknown }>`select ${binCase(name)} as b, count(*) as n from chat_metrics m
      where ${s.where} and ${col(name)} is not null group by ${binCase(name)}`,
      )
    ).rows;
    const counts = new Map(rows.map((r) => [num(r.b), num(r.n)]));
    return WAIT_BINS.map((b, bin) => ({ bin, label: b.label, fromMs: b.fromMs, toMs: b.toMs, chats: counts.get(bin) ?? 0 }));
  };
  return { ...rangeOf(s), timeToJoin: await bins(s.cols.join), abandonment: await bins(s.cols.abandonWait) };
}

export async function reportTechs(db: Db, s: Scope): Promise<ReportTechs> {
  const c = s.cols;
  const by = grouping(s, 'tech_id');
  const columns = { join: c.join, fr: c.firstResponse, handle: c.handle };
  const inline = inlinePercentiles(s, columns);
  const rows = (
    await readOn(
      db,
      sql<Record<string, unknown>>`select x.*, t.name as name from (select ${by.key} as id, ${isDisposition('answered')} as answered,
      count(${col(c.join)}) as join_n, avg(${col(c.join)}) as join_avg,
      count(${col(c.firstResponse)}) as fr_n, avg(${col(c.firstResponse)}) as fr_avg,
      count(${col(c.handle)}) as handle_n, avg(${col(c.handle)}) as handle_avg,
      sum(m.transfers) as transfers, count(m.rating) as rated, avg(m.rating) as rating_avg ${inline ?? sql``}
    from chat_metrics m where ${s.where} and ${by.rows} group by ${by.key}) x
    join techs t on t.id = x.id order by t.name, x.id`,
    )
  ).rows;
  const counts = new Map(rows.map((r) => [String(r.id), { join: num(r.join_n), fr: num(r.fr_n), handle: num(r.handle_n) }]));
  const p = inline ? null : await percentiles(db, s, columns, counts, 'tech_id');
  return {
    ...rangeOf(s),
    rows: rows.map((r) => {
      const q = p ? p.get(String(r.id)) : percentilesOf(r, columns);
      return {
        techId: num(r.id),
        name: String(r.name),
        answered: num(r.answered),
        timeToJoin: stat(r.join_n, r.join_avg, q?.get('join')),
        firstResponse: stat(r.fr_n, r.fr_avg, q?.get('fr')),
        handle: stat(r.handle_n, r.handle_avg, q?.get('handle')),
        transfers: num(r.transfers),
        rated: num(r.rated),
        ratingAverage: r.rating_avg === null ? null : Math.round(Number(r.rating_avg) * 100) / 100,
      };
    }),
  };
}

export async function reportCompanies(db: Db, s: Scope): Promise<ReportCompanies> {
  const c = s.cols;
  const by = grouping(s, 'company_id');
  const columns = { join: c.join, handle: c.handle };
  const inline = inlinePercentiles(s, columns);
  const rows = (
    await readOn(
      db,
      sql<Record<string, unknown>>`select x.*, co.name as name from (select ${by.key} as id, count(*) as requests,
      ${isDisposition('answered')} as answered, ${isDisposition('abandoned')} as abandoned, ${isDisposition('callback')} as callbacks,
      count(${col(c.join)}) as join_n, avg(${col(c.join)}) as join_avg, count(${col(c.handle)}) as handle_n, avg(${col(c.handle)}) as handle_avg ${inline ?? sql``}
    from chat_metrics m where ${s.where} and ${by.rows} group by ${by.key}) x
    join companies co on co.id = x.id order by co.name, x.id`,
    )
  ).rows;
  const counts = new Map(rows.map((r) => [String(r.id), { join: num(r.join_n), handle: num(r.handle_n) }]));
  const p = inline ? null : await percentiles(db, s, columns, counts, 'company_id');
  return {
    ...rangeOf(s),
    rows: rows.map((r) => {
      const q = p ? p.get(String(r.id)) : percentilesOf(r, columns);
      return {
        companyId: num(r.id),
        name: String(r.name),
        requests: num(r.requests),
        answered: num(r.answered),
        abandoned: num(r.abandoned),
        callbacks: num(r.callbacks),
        timeToJoin: stat(r.join_n, r.join_avg, q?.get('join')),
        handle: stat(r.handle_n, r.handle_avg, q?.get('handle')),
      };
    }),
  };
}

/** One chat's row of measures with its names, as the drill-down and the export read it. */
export type ChatMeasures = Record<string, unknown> & { chat_id: unknown; requested_at: unknown };

/** A page of the scope's chats, oldest request first, after a (requested_at, chat_id) cursor. */
export async function chatPage(db: Db, s: Scope, limit: number, after?: [number, number]): Promise<ChatMeasures[]> {
  // The plain bound lets the request-time index seek to the cursor whatever a planner makes of the
  // `or`, so a page costs the same at the end of a long export as at its start.
  const cursor = after
    ? sql`and m.requested_at >= ${after[0]} and (m.requested_at > ${after[0]} or (m.requested_at = ${after[0]} and m.chat_id > ${after[1]}))`
    : sql``;
  return (
    await readOn(
      db,
      sql<ChatMeasures>`select m.*, c.subject as subject, co.name as company, b.name as board, t.name as tech
    from chat_metrics m join chats c on c.id = m.chat_id join companies co on co.id = m.company_id
      join boards b on b.id = m.board_id left join techs t on t.id = m.tech_id
    where ${s.where} ${cursor} order by m.requested_at, m.chat_id limit ${limit}`,
      false,
    )
  ).rows;
}

export function presentReportChat(r: ChatMeasures, cols: Cols): ReportChat {
  return {
    id: num(r.chat_id),
    requestedAt: new Date(num(r.requested_at)).toISOString(),
    subject: String(r.subject),
    company: String(r.company),
    board: String(r.board),
    tech: r.tech === null || r.tech === undefined ? null : String(r.tech),
    outcome: r.disposition as ReportChat['outcome'],
    timeToJoinMs: numOrNull(r[cols.join]),
    firstResponseMs: numOrNull(r[cols.firstResponse]),
    handleMs: numOrNull(r[cols.handle]),
    abandonWaitMs: numOrNull(r[cols.abandonWait]),
    messages: numOrNull(r.messages),
    transfers: num(r.transfers),
    rating: numOrNull(r.rating),
  };
}

export async function reportChats(db: Db, s: Scope, limit: number, after?: string): Promise<ReportChats> {
  const cursor = after ? (after.split('.').map(Number) as [number, number]) : undefined;
  const rows = await chatPage(db, s, limit + 1, cursor);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    ...rangeOf(s),
    rows: page.map((r) => presentReportChat(r, s.cols)),
    next: rows.length > limit && last ? `${num(last.requested_at)}.${num(last.chat_id)}` : null,
  };
}
