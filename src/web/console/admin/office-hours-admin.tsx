/** Office hours: the IANA time zone, intervals per weekday, and dated holidays. */
import { ConfirmDialog } from '../../common/modal.js';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { formatDateTime } from '../../common/format.js';
import type { OfficeHoursInfo } from '../../common/types.js';
import { Feedback } from './feedback.js';
import { useOfficeHoursAdmin, useSave } from './admin-data.js';

type Interval = { start: string; end: string };
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ORDER = [1, 2, 3, 4, 5, 6, 0];
const zones = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
})();

export function OfficeHoursAdmin() {
  const hours = useOfficeHoursAdmin();
  const save = useSave();
  if (!hours.data)
    return (
      <>
        <ErrorBanner error={hours.error} />
        {!hours.error && <p>Loading…</p>}
      </>
    );
  // The form starts from what is saved; edits stay local until saved.
  return <OfficeHoursForm initial={hours.data} save={save} />;
}

function OfficeHoursForm({ initial, save }: { initial: OfficeHoursInfo; save: ReturnType<typeof useSave> }) {
  const hours = useOfficeHoursAdmin();
  const id = useId();
  const [tz, setTz] = useState(initial.timezone);
  const [schedule, setSchedule] = useState<Record<string, Interval[]>>(initial.schedule);
  const setDay = (d: number, ivs: Interval[]) => setSchedule((s) => ({ ...s, [String(d)]: ivs }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Every weekday is sent, a closed one as an empty list: the server's schema names all seven.
    const clean = Object.fromEntries(ORDER.map((d) => [String(d), schedule[String(d)] ?? []]));
    void save.run('Office hours saved', () => api.put('/api/admin/office-hours', { timezone: tz.trim(), schedule: clean }));
  };
  const st = hours.data?.status;
  return (
    <>
      <Feedback {...save} />
      {st && (
        <p className={`banner ${st.open ? 'banner-ok' : 'banner-warn'}`}>
          Support is {st.open ? 'open now' : 'closed now'}
          {st.holiday ? ` (holiday: ${st.holiday.name})` : ''}
          {!st.open && st.nextOpenAt ? `; opens ${formatDateTime(st.nextOpenAt)}` : ''}
        </p>
      )}
      <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>Weekly hours</h2>
        <label htmlFor={`${id}-tz`}>Time zone of the service desk</label>
        {/* A choice among the zones the browser knows, not free text (the saved one stays listed). */}
        <select id={`${id}-tz`} required value={tz} onChange={(e) => setTz(e.target.value)}>
          {(zones.includes(tz) ? zones : [tz, ...zones]).map((z) => (
            <option key={z} value={z}>
              {z.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
        {ORDER.map((d) => (
          <DayRow key={d} day={d} intervals={schedule[String(d)] ?? []} onChange={(ivs) => setDay(d, ivs)} />
        ))}
        <div>
          <button type="submit" disabled={save.busy}>
            Save office hours
          </button>
        </div>
      </form>
      <Holidays holidays={hours.data?.holidays ?? []} save={save} />
    </>
  );
}

function DayRow({ day, intervals, onChange }: { day: number; intervals: Interval[]; onChange: (ivs: Interval[]) => void }) {
  const id = useId();
  const name = DAYS[day];
  return (
    <fieldset className="day-row">
      <legend>{name}</legend>
      {intervals.length === 0 && <span className="muted">Closed</span>}
      {intervals.map((iv, i) => (
        <div key={i} className="row">
          <label htmlFor={`${id}-${i}-s`}>From</label>
          <input
            id={`${id}-${i}-s`}
            type="time"
            required
            value={iv.start}
            onChange={(e) => onChange(intervals.map((x, j) => (j === i ? { ...x, start: e.target.value } : x)))}
            className="time"
          />
          {/* A time field cannot show 24:00 (the end of the day); it shows 23:59 and saves 24:00. */}
          <label htmlFor={`${id}-${i}-e`}>to</label>
          <input
            id={`${id}-${i}-e`}
            type="time"
            required
            value={iv.end === '24:00' ? '23:59' : iv.end}
            onChange={(e) => onChange(intervals.map((x, j) => (j === i ? { ...x, end: e.target.value === '23:59' ? '24:00' : e.target.value } : x)))}
            className="time"
          />
          <button
            type="button"
            className="link-button"
            onClick={() => onChange(intervals.filter((_, j) => j !== i))}
            aria-label={`Remove ${name} interval ${i + 1}`}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        className="link-button"
        onClick={() => onChange([...intervals, { start: '09:00', end: '17:00' }])}
        aria-label={`Add hours on ${name}`}
      >
        Add hours
      </button>
    </fieldset>
  );
}

function Holidays({ holidays, save }: { holidays: { id?: number; date: string; name: string }[]; save: ReturnType<typeof useSave> }) {
  const id = useId();
  const [date, setDate] = useState('');
  const [name, setName] = useState('');
  const [removing, setRemoving] = useState<{ id?: number; date: string; name: string } | null>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await save.run(`Holiday “${name.trim()}” added`, () => api.post('/api/admin/holidays', { date, name: name.trim() }))) {
      setDate('');
      setName('');
    }
  };
  return (
    <section className="card stack" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Holidays</h2>
      {holidays.length === 0 && <p className="muted">No holidays.</p>}
      <ul>
        {holidays.map((h) => (
          <li key={h.id ?? h.date} className="row">
            <span>
              {h.date}: {h.name}
            </span>
            {h.id !== undefined && (
              <button type="button" className="link-button" onClick={() => setRemoving(h)}>
                Remove holiday {h.date}
              </button>
            )}
          </li>
        ))}
      </ul>
      {removing?.id !== undefined && (
        <ConfirmDialog
          title={`Remove the holiday “${removing.name}”?`}
          message={`Support will count ${removing.date} as a normal day again, with its usual office hours.`}
          confirmLabel="Remove holiday"
          cancelLabel="Keep it"
          onConfirm={() => save.run(`Holiday “${removing.name}” removed`, () => api.delete(`/api/admin/holidays/${removing.id}`))}
          onClose={() => setRemoving(null)}
        />
      )}
      <form className="row" onSubmit={add}>
        <label htmlFor={`${id}-date`}>Date</label>
        <input id={`${id}-date`} type="date" required value={date} onChange={(e) => setDate(e.target.value)} className="time" />
        <label htmlFor={`${id}-name`}>Holiday name</label>
        <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} className="grow" />
        <button type="submit" disabled={save.busy}>
          Add holiday
        </button>
      </form>
    </section>
  );
}
