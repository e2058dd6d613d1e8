/**
 * Reports (docs/metrics.md): charts and tables, each bar and number a link to the chats behind it
 * (every chart has its table under "Show as table"). Filters,
 * the time zone of day and hour buckets, raw or business hours and median/p90 or average are kept
 * in the address, so a view can be shared and Back returns to it. The export takes the same query.
 */
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime, formatDuration, viewerZone } from '../common/format.js';
import { Link } from '../common/router.js';
import { IdChecklist } from './admin/feedback.js';
import { BarChart, type ChartBar } from './bar-chart.js';
import { useDirectory } from './queries.js';
import { WAIT_BINS } from '../../shared/reports.js';
import type { ReportChats, ReportCompanies, ReportDistributions, ReportSummary, ReportTechs, ReportVolume, Stat, DrillMetric } from '../../shared/reports.js';

const OUTCOMES = [
  { id: 'answered', name: 'Answered' },
  { id: 'abandoned', name: 'Abandoned' },
  { id: 'callback', name: 'Callback' },
  { id: 'waiting', name: 'Still waiting' },
] as const;
const OUTCOME_NAME: Record<string, string> = Object.fromEntries(OUTCOMES.map((o) => [o.id, o.name]));

type Form = {
  from: string;
  to: string;
  tz: string;
  companies: number[];
  boards: number[];
  techs: number[];
  outcomes: string[];
  hours: 'raw' | 'business';
  stat: 'median' | 'average';
};

const ids = (v: string | null) => (v ? v.split(',').map(Number).filter(Boolean) : []);

function formFromUrl(): Form {
  const p = new URLSearchParams(location.search);
  return {
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    tz: p.get('tz') ?? viewerZone(),
    companies: ids(p.get('companies')),
    boards: ids(p.get('boards')),
    techs: ids(p.get('techs')),
    outcomes: p.get('outcomes')?.split(',').filter(Boolean) ?? [],
    hours: p.get('hours') === 'business' ? 'business' : 'raw',
    stat: p.get('stat') === 'average' ? 'average' : 'median',
  };
}

/** The API's query of a form; with averages, the server computes no percentile. */
function apiQuery(f: Form): string {
  const p = new URLSearchParams();
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  p.set('tz', f.tz);
  if (f.companies.length) p.set('companies', f.companies.join(','));
  if (f.boards.length) p.set('boards', f.boards.join(','));
  if (f.techs.length) p.set('techs', f.techs.join(','));
  if (f.outcomes.length) p.set('outcomes', f.outcomes.join(','));
  p.set('hours', f.hours);
  if (f.stat === 'average') p.set('stat', 'average');
  return p.toString();
}

const drillHref = (query: string, metric: DrillMetric, extra: Record<string, string | number> = {}) => {
  const p = new URLSearchParams(query);
  p.set('metric', metric);
  for (const [k, v] of Object.entries(extra)) p.set(k, String(v));
  return `/console/reports/chats?${p}`;
};

/** A table that scrolls sideways on a narrow screen: a focusable region, so the keyboard can scroll it. */
function ScrollTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls must take the focus for keyboard users (axe scrollable-region-focusable)
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

function Num({ value, href, label }: { value: ReactNode; href: string; label: string }) {
  return (
    <Link to={href} aria-label={label}>
      {value}
    </Link>
  );
}

/** Days and hours for the charts: the API's day (YYYY-MM-DD, already in the report's zone) read as a date, not an instant. */
const asDate = (day: string) => new Date(`${day}T00:00:00Z`);
const dayLabel = (day: string) => asDate(day).toLocaleDateString(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric' });
const dayName = (day: string) =>
  asDate(day).toLocaleDateString(undefined, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const hourName = (h: number) => `${String(h).padStart(2, '0')}:00–${String((h + 1) % 24).padStart(2, '0')}:00`;
/** The report's range as days in its zone (the end is exclusive, so its day is the one before it). */
function rangeText(r: { from: string; to: string; tz: string }) {
  const day = (ms: number) => new Date(ms).toLocaleDateString(undefined, { timeZone: r.tz, day: 'numeric', month: 'short', year: 'numeric' });
  const from = day(Date.parse(r.from));
  const to = day(Date.parse(r.to) - 1);
  return from === to ? from : `${from} to ${to}`;
}
/** A moment's day in a zone, as a date field holds it (YYYY-MM-DD). */
const isoDay = (ms: number, tz: string) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
const hoursText = (h: 'raw' | 'business') => (h === 'business' ? 'office hours only' : 'real time');
const binBars = (rows: ReportDistributions['timeToJoin'], verb: string, href: (bin: number) => string): ChartBar[] =>
  rows.map((b) => ({ key: String(b.bin), label: b.label, name: `${verb} ${b.label}`, value: b.chats, href: href(b.bin) }));

const ms = (v: number | null) => (v === null ? '—' : formatDuration(v));
const pctText = (v: number | null) => (v === null ? '—' : `${v}%`);

export function ReportsPage({ path }: { path: string }) {
  if (path === '/console/reports/chats') return <DrillPage />;
  return <Overview />;
}

function Overview() {
  const [form, setForm] = useState<Form>(formFromUrl);
  const [shown, setShown] = useState<Form>(formFromUrl);
  const query = apiQuery(shown);
  const summary = useQuery({ queryKey: ['reports', 'summary', query], queryFn: () => api.get<ReportSummary>(`/api/console/reports/summary?${query}`) });
  const volume = useQuery({ queryKey: ['reports', 'volume', query], queryFn: () => api.get<ReportVolume>(`/api/console/reports/volume?${query}`) });
  const dist = useQuery({
    queryKey: ['reports', 'distributions', query],
    queryFn: () => api.get<ReportDistributions>(`/api/console/reports/distributions?${query}`),
  });
  const techs = useQuery({ queryKey: ['reports', 'techs', query], queryFn: () => api.get<ReportTechs>(`/api/console/reports/techs?${query}`) });
  const companies = useQuery({
    queryKey: ['reports', 'companies', query],
    queryFn: () => api.get<ReportCompanies>(`/api/console/reports/companies?${query}`),
  });
  // The dates the fields were filled with from the server's default range (below), while untouched.
  const autoRange = useRef<{ from: string; to: string } | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Dates left as filled in stay the default ("the last 30 days", in the zone chosen now), not
    // fixed days: the address keeps meaning the same, and the fields fill again from the answer.
    const auto = autoRange.current;
    const untouched = !!auto && form.from === auto.from && form.to === auto.to;
    const next = untouched ? { ...form, from: '', to: '' } : form;
    history.replaceState(null, '', `/console/reports?${apiQuery(next)}`);
    // In another zone the default range is other days: the fields fill again from its answer.
    if (untouched && form.tz !== shown.tz) setForm(next);
    setShown(next);
  };
  const avg = shown.stat === 'average';
  const statCells = (s: Stat) =>
    avg ? (
      <td>{ms(s.average)}</td>
    ) : (
      <>
        <td>{ms(s.p50)}</td>
        <td>{ms(s.p90)}</td>
      </>
    );
  const statHeads = avg ? (
    <th scope="col">Average</th>
  ) : (
    <>
      <th scope="col">Median</th>
      <th scope="col">p90</th>
    </>
  );
  const s = summary.data;
  const error = summary.error ?? volume.error ?? dist.error ?? techs.error ?? companies.error;
  // No dates asked for: the fields show the range the server chose (the last 30 days), not blanks.
  useEffect(() => {
    if (!s) return;
    if (shown.from || shown.to) return;
    const range = { from: isoDay(Date.parse(s.from), s.tz), to: isoDay(Date.parse(s.to) - 1, s.tz) };
    setForm((f) => {
      if (f.from || f.to) return f;
      autoRange.current = range;
      return { ...f, ...range };
    });
  }, [s, shown.from, shown.to]);

  return (
    <main className="app-main" id="main">
      <h1>Reports</h1>
      <p className="muted">Chats by the time they were requested. Every bar and every number opens the chats behind it. Definitions: docs/metrics.md.</p>
      <FilterForm form={form} setForm={setForm} onSubmit={submit} />
      {error && <ErrorBanner error={error} />}
      <p className="row">
        <a href={`/api/console/reports/export.csv?${query}`} download>
          Export as CSV
        </a>
        <a href={`/api/console/reports/export.jsonl?${query}`}>Export as JSON lines</a>
      </p>
      {s && (
        <section aria-labelledby="summary-h">
          <h2 id="summary-h">Summary</h2>
          <p className="muted">
            {rangeText(s)} · days and hours in {s.tz} · {s.hours === 'business' ? 'office hours only' : 'real time'}
          </p>
          <ScrollTable label="Summary table">
            <table>
              <caption className="visually-hidden">Counts and shares</caption>
              <thead>
                <tr>
                  <th scope="col">Measure</th>
                  <th scope="col">Chats</th>
                  <th scope="col">Share</th>
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ['Requests', s.requests, null, 'requests'],
                    ['Answered (joined)', s.answered, s.answeredPct, 'answered'],
                    ['Abandoned', s.abandoned, s.abandonedPct, 'abandoned'],
                    ['Callbacks requested', s.callbacks, null, 'callbacks'],
                    ['Callbacks completed', s.callbacksCompleted, null, 'callbacks_completed'],
                    ['Still waiting', s.waiting, null, 'waiting'],
                    ['Transferred', s.transfers.chats, null, 'transferred'],
                    ['Rated', s.rating.rated, s.rating.sharePct, 'rated'],
                  ] as const
                ).map(([label, n, share, metric]) => (
                  <tr key={metric}>
                    <th scope="row">{label}</th>
                    <td>
                      <Num value={n} href={drillHref(query, metric)} label={`${label}: ${n} chats`} />
                    </td>
                    <td>{pctText(share)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
          <ScrollTable label="Durations table">
            <table>
              <caption className="visually-hidden">Durations</caption>
              <thead>
                <tr>
                  <th scope="col">Duration</th>
                  <th scope="col">Chats</th>
                  {statHeads}
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ['Time to join', s.timeToJoin, 'time_to_join'],
                    ['First response', s.firstResponse, 'first_response'],
                    ['Handle time', s.handle, 'handle'],
                    ['Time in queue before leaving', s.abandonWait, 'abandon_wait'],
                  ] as const
                ).map(([label, st, metric]) => (
                  <tr key={metric}>
                    <th scope="row">{label}</th>
                    <td>
                      <Num value={st.count} href={drillHref(query, metric)} label={`${label}: ${st.count} chats`} />
                    </td>
                    {statCells(st)}
                  </tr>
                ))}
                <tr>
                  <th scope="row">Messages per chat</th>
                  <td>
                    <Num value={s.messages.count} href={drillHref(query, 'messages')} label={`Messages per chat: ${s.messages.count} chats`} />
                  </td>
                  {avg ? (
                    <td>{s.messages.average ?? '—'}</td>
                  ) : (
                    <>
                      <td>{s.messages.p50 ?? '—'}</td>
                      <td>{s.messages.p90 ?? '—'}</td>
                    </>
                  )}
                </tr>
              </tbody>
            </table>
          </ScrollTable>
          <h3>Ratings</h3>
          <p data-testid="rating-summary">
            {s.rating.rated === 0
              ? 'No chat rated'
              : `Average ${s.rating.average ?? '—'} out of 5 from ${s.rating.rated} rated ${s.rating.rated === 1 ? 'chat' : 'chats'}`}{' '}
            ({pctText(s.rating.sharePct)} of the {s.rating.ended} {s.rating.ended === 1 ? 'chat' : 'chats'} ended by a tech).
          </p>
          <ScrollTable label="Ratings table">
            <table>
              <caption className="visually-hidden">Ratings by score</caption>
              <thead>
                <tr>
                  <th scope="col">Score</th>
                  <th scope="col">Chats</th>
                </tr>
              </thead>
              <tbody>
                {s.rating.distribution.map((d) => (
                  <tr key={d.score}>
                    <th scope="row">{d.score}</th>
                    <td>
                      <Num value={d.chats} href={drillHref(query, 'rated', { score: d.score })} label={`Rated ${d.score}: ${d.chats} chats`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        </section>
      )}
      {volume.data && (
        <section aria-labelledby="volume-h">
          <h2 id="volume-h">Volume</h2>
          <BarChart
            id="volume-day"
            title="Requests by day"
            description={`Chats requested on each day in ${volume.data.tz}, ${rangeText(volume.data)}.`}
            unit={['request', 'requests']}
            pitch={volume.data.byDay.length > 62 ? 12 : 28}
            latestFirst
            bars={volume.data.byDay.map((d) => ({
              key: d.day,
              label: dayLabel(d.day),
              name: dayName(d.day),
              value: d.requests,
              href: drillHref(query, 'requests', { day: d.day }),
            }))}
            table={
              <VolumeTable
                title="Requests by day"
                head="Day"
                rows={volume.data.byDay.map((d) => ({ key: d.day, label: d.day, ...d }))}
                href={(key, metric) => drillHref(query, metric, { day: key })}
              />
            }
          />
          <BarChart
            id="volume-hour"
            title="Requests by hour of the day"
            description={`Chats requested in each hour of the day in ${volume.data.tz}, all days of ${rangeText(volume.data)} together.`}
            unit={['request', 'requests']}
            bars={volume.data.byHour.map((h) => ({
              key: String(h.hour),
              label: String(h.hour).padStart(2, '0'),
              name: hourName(h.hour),
              value: h.requests,
              href: drillHref(query, 'requests', { hour: h.hour }),
            }))}
            table={
              <VolumeTable
                title="Requests by hour of the day"
                head="Hour"
                rows={volume.data.byHour.map((h) => ({ key: String(h.hour), label: hourName(h.hour), ...h }))}
                href={(key, metric) => drillHref(query, metric, { hour: key })}
              />
            }
          />
        </section>
      )}
      {dist.data && (
        <section aria-labelledby="dist-h">
          <h2 id="dist-h">Waits</h2>
          <BarChart
            id="time-to-join"
            title="Time to join"
            description={`Answered chats by how long the requester waited until a tech joined (${hoursText(dist.data.hours)}), ${rangeText(dist.data)}.`}
            unit={['chat', 'chats']}
            pitch={92}
            bars={binBars(dist.data.timeToJoin, 'Waited', (bin) => drillHref(query, 'time_to_join', { bin }))}
            table={<BinTable title="Time to join" rows={dist.data.timeToJoin} href={(bin) => drillHref(query, 'time_to_join', { bin })} />}
          />
          <BarChart
            id="abandonment"
            title="Abandonment by time in queue"
            description={`Chats whose requester left the queue, by how long they had waited (${hoursText(dist.data.hours)}), ${rangeText(dist.data)}.`}
            unit={['chat', 'chats']}
            pitch={92}
            bars={binBars(dist.data.abandonment, 'Left after waiting', (bin) => drillHref(query, 'abandon_wait', { bin }))}
            table={<BinTable title="Abandonment by time in queue" rows={dist.data.abandonment} href={(bin) => drillHref(query, 'abandon_wait', { bin })} />}
          />
        </section>
      )}
      {techs.data && (
        <section aria-labelledby="techs-h">
          <h2 id="techs-h">By tech (who answered)</h2>
          <ScrollTable label="By tech table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Tech</th>
                  <th scope="col">Answered</th>
                  <th scope="col">Time to join ({avg ? 'average' : 'median'})</th>
                  <th scope="col">First response</th>
                  <th scope="col">Handle time</th>
                  <th scope="col">Transfers</th>
                  <th scope="col">Rating</th>
                </tr>
              </thead>
              <tbody>
                {techs.data.rows.map((t) => {
                  const q = new URLSearchParams(query);
                  q.set('techs', String(t.techId));
                  const one = (v: Stat) => ms(avg ? v.average : v.p50);
                  return (
                    <tr key={t.techId}>
                      <th scope="row">{t.name}</th>
                      <td>
                        <Num value={t.answered} href={drillHref(q.toString(), 'answered')} label={`${t.name}: ${t.answered} answered`} />
                      </td>
                      <td>{one(t.timeToJoin)}</td>
                      <td>{one(t.firstResponse)}</td>
                      <td>{one(t.handle)}</td>
                      <td>
                        {t.transfers ? (
                          <Num value={t.transfers} href={drillHref(q.toString(), 'transferred')} label={`${t.name}: ${t.transfers} transfers`} />
                        ) : (
                          0
                        )}
                      </td>
                      <td>
                        {t.ratingAverage === null ? (
                          '—'
                        ) : (
                          <Num
                            value={`${t.ratingAverage} (${t.rated})`}
                            href={drillHref(q.toString(), 'rated')}
                            label={`${t.name}: average rating ${t.ratingAverage} of ${t.rated} rated chats`}
                          />
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </ScrollTable>
        </section>
      )}
      {companies.data && (
        <section aria-labelledby="companies-h">
          <h2 id="companies-h">By company</h2>
          <ScrollTable label="By company table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Company</th>
                  <th scope="col">Requests</th>
                  <th scope="col">Answered</th>
                  <th scope="col">Abandoned</th>
                  <th scope="col">Callbacks</th>
                  <th scope="col">Time to join ({avg ? 'average' : 'median'})</th>
                  <th scope="col">Handle time</th>
                </tr>
              </thead>
              <tbody>
                {companies.data.rows.map((c) => {
                  const q = new URLSearchParams(query);
                  q.set('companies', String(c.companyId));
                  const link = (n: number, metric: DrillMetric, what: string) => (
                    <Num value={n} href={drillHref(q.toString(), metric)} label={`${c.name}: ${n} ${what}`} />
                  );
                  return (
                    <tr key={c.companyId}>
                      <th scope="row">{c.name}</th>
                      <td>{link(c.requests, 'requests', 'requests')}</td>
                      <td>{link(c.answered, 'answered', 'answered')}</td>
                      <td>{link(c.abandoned, 'abandoned', 'abandoned')}</td>
                      <td>{link(c.callbacks, 'callbacks', 'callbacks')}</td>
                      <td>{ms(avg ? c.timeToJoin.average : c.timeToJoin.p50)}</td>
                      <td>{ms(avg ? c.handle.average : c.handle.p50)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </ScrollTable>
        </section>
      )}
    </main>
  );
}

type VolumeRow = { key: string; label: string; requests: number; answered: number; abandoned: number; callbacks: number };
function VolumeTable({ title, head, rows, href }: { title: string; head: string; rows: VolumeRow[]; href: (key: string, metric: DrillMetric) => string }) {
  return (
    <ScrollTable label={`${title} table`}>
      <table>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            <th scope="col">Requests</th>
            <th scope="col">Answered</th>
            <th scope="col">Abandoned</th>
            <th scope="col">Callbacks</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{r.label}</th>
              {(['requests', 'answered', 'abandoned', 'callbacks'] as const).map((k) => (
                <td key={k}>{r[k] ? <Num value={r[k]} href={href(r.key, k)} label={`${r.label}: ${r[k]} ${k}`} /> : 0}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

function BinTable({ title, rows, href }: { title: string; rows: ReportDistributions['timeToJoin']; href: (bin: number) => string }) {
  return (
    <ScrollTable label={`${title} table`}>
      <table>
        <thead>
          <tr>
            <th scope="col">Wait</th>
            <th scope="col">Chats</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((b) => (
            <tr key={b.bin}>
              <th scope="row">{b.label}</th>
              <td>{b.chats ? <Num value={b.chats} href={href(b.bin)} label={`${title}, ${b.label}: ${b.chats} chats`} /> : 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

function FilterForm({ form, setForm, onSubmit }: { form: Form; setForm: (f: (f: Form) => Form) => void; onSubmit: (e: FormEvent) => void }) {
  const id = useId();
  const dir = useDirectory();
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [form.tz];
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  return (
    <form className="card stack" onSubmit={onSubmit} aria-label="Report filters">
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-from`}>From</label>
          <input id={`${id}-from`} type="date" value={form.from} onChange={(e) => set('from', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To (included)</label>
          <input id={`${id}-to`} type="date" value={form.to} onChange={(e) => set('to', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-tz`}>Time zone of days and hours</label>
          <select id={`${id}-tz`} value={form.tz} onChange={(e) => set('tz', e.target.value)}>
            {(zones.includes(form.tz) ? zones : [form.tz, ...zones]).map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset className="row">
        <legend>Durations</legend>
        <label className="row">
          <input type="radio" name={`${id}-hours`} checked={form.hours === 'raw'} onChange={() => set('hours', 'raw')} />
          Real time
        </label>
        <label className="row">
          <input type="radio" name={`${id}-hours`} checked={form.hours === 'business'} onChange={() => set('hours', 'business')} />
          Office hours only
        </label>
      </fieldset>
      <fieldset className="row">
        <legend>Show</legend>
        <label className="row">
          <input type="radio" name={`${id}-stat`} checked={form.stat === 'median'} onChange={() => set('stat', 'median')} />
          Median and p90
        </label>
        <label className="row">
          <input type="radio" name={`${id}-stat`} checked={form.stat === 'average'} onChange={() => set('stat', 'average')} />
          Average
        </label>
      </fieldset>
      <details>
        <summary>Companies, boards, techs and outcomes</summary>
        <IdChecklist legend="Companies" options={dir.data?.companies ?? []} value={form.companies} onChange={(v) => set('companies', v)} />
        <IdChecklist legend="Boards" options={dir.data?.boards ?? []} value={form.boards} onChange={(v) => set('boards', v)} />
        <IdChecklist legend="Techs (who answered)" options={dir.data?.techs ?? []} value={form.techs} onChange={(v) => set('techs', v)} />
        <fieldset className="checklist">
          <legend>Outcomes</legend>
          {OUTCOMES.map((o) => (
            <label key={o.id} className="row">
              <input
                type="checkbox"
                checked={form.outcomes.includes(o.id)}
                onChange={(e) => set('outcomes', e.target.checked ? [...form.outcomes, o.id] : form.outcomes.filter((x) => x !== o.id))}
              />
              {o.name}
            </label>
          ))}
        </fieldset>
      </details>
      <div>
        <button type="submit">Show</button>
      </div>
    </form>
  );
}

const METRIC_TEXT: Record<string, string> = {
  requests: 'Requests',
  answered: 'Answered',
  abandoned: 'Abandoned',
  callbacks: 'Callbacks requested',
  callbacks_completed: 'Callbacks completed',
  waiting: 'Still waiting',
  time_to_join: 'Joined (time to join)',
  first_response: 'With a first response',
  handle: 'Ended by a tech (handle time)',
  abandon_wait: 'Abandoned (time in queue)',
  messages: 'Completed (messages)',
  transferred: 'Transferred',
  rated: 'Rated',
};

function DrillPage() {
  const [query] = useState(() => new URLSearchParams(location.search));
  const [pages, setPages] = useState<string[]>(['']);
  const base = new URLSearchParams(query);
  base.delete('stat');
  const results = useQuery({
    queryKey: ['reports', 'chats', base.toString(), pages],
    queryFn: async () => {
      const all: ReportChats[] = [];
      for (const after of pages) all.push(await api.get<ReportChats>(`/api/console/reports/chats?${base}${after ? `&after=${after}` : ''}`));
      return all;
    },
  });
  const rows = results.data?.flatMap((p) => p.rows) ?? [];
  const next = results.data?.[results.data.length - 1]?.next ?? null;
  const back = new URLSearchParams(query);
  for (const k of ['metric', 'day', 'hour', 'bin', 'score']) back.delete(k);
  const bucket = [
    query.get('day') && `day ${query.get('day')}`,
    query.get('hour') && `hour ${query.get('hour')}:00`,
    query.get('bin') && WAIT_BINS[Number(query.get('bin'))] && `waited ${WAIT_BINS[Number(query.get('bin'))].label}`,
    query.get('score') && `score ${query.get('score')}`,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <main className="app-main" id="main">
      <h1>
        {METRIC_TEXT[query.get('metric') ?? 'requests'] ?? 'Chats'}
        {bucket ? ` (${bucket})` : ''}
      </h1>
      <p className="row">
        <Link to={`/console/reports?${back}`}>Back to the reports</Link>
        <a href={`/api/console/reports/export.csv?${base}`} download>
          Export these chats as CSV
        </a>
      </p>
      {results.error && <ErrorBanner error={results.error} />}
      <ScrollTable label="Chats">
        <table>
          <thead>
            <tr>
              <th scope="col">Chat</th>
              <th scope="col">Requested</th>
              <th scope="col">Company</th>
              <th scope="col">Board</th>
              <th scope="col">Tech</th>
              <th scope="col">Outcome</th>
              <th scope="col">Time to join</th>
              <th scope="col">First response</th>
              <th scope="col">Handle time</th>
              <th scope="col">Rating</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id}>
                <th scope="row">
                  <Link to={`/console/chats/${c.id}`}>
                    #{c.id} {c.subject}
                  </Link>
                </th>
                <td>{formatDateTime(c.requestedAt)}</td>
                <td>{c.company}</td>
                <td>{c.board}</td>
                <td>{c.tech ?? '—'}</td>
                <td>{OUTCOME_NAME[c.outcome]}</td>
                <td>{ms(c.timeToJoinMs)}</td>
                <td>{ms(c.firstResponseMs)}</td>
                <td>{ms(c.handleMs)}</td>
                <td>{c.rating ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
      {results.data && rows.length === 0 && <p>No chats.</p>}
      {next && (
        <button type="button" className="secondary" onClick={() => setPages((p) => [...p, next])}>
          Show more
        </button>
      )}
    </main>
  );
}
