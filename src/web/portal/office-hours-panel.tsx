/**
 * Office hours as the user lives them: the next week's openings converted from the service desk's
 * time zone to the viewer's, with today's status computed by the server.
 */
import { localParts, zonedToInstant } from '../../shared/time-zones.js';
import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime, viewerTimeZone } from '../common/format.js';
import type { OfficeHoursInfo } from '../common/types.js';
import { useOfficeHours } from './queries.js';

type Opening = { day: string; start: number; end: number; holiday: string | null };

const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Each office day of the coming week, with its intervals as instants; holidays listed as closed. */
export function upcomingOpenings(h: OfficeHoursInfo, now: number, days = 7): Opening[] {
  const today = localParts(now, h.timezone);
  const holidays = new Map(h.holidays.map((x) => [x.date, x.name]));
  const out: Opening[] = [];
  for (let i = 0; i < days; i++) {
    const day = new Date(Date.UTC(today.y, today.m - 1, today.d + i));
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    const date = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    const holiday = holidays.get(date) ?? null;
    const intervals = h.schedule[String(day.getUTCDay())] ?? [];
    if (holiday) {
      if (intervals.length) out.push({ day: date, start: zonedToInstant(y, m, d, 0, 0, h.timezone), end: 0, holiday });
      continue;
    }
    for (const iv of intervals) {
      const s = toMin(iv.start);
      const e = toMin(iv.end);
      const start = zonedToInstant(y, m, d, Math.floor(s / 60), s % 60, h.timezone);
      const end = e >= 1440 ? zonedToInstant(y, m, d + 1, 0, 0, h.timezone) : zonedToInstant(y, m, d, Math.floor(e / 60), e % 60, h.timezone);
      if (end > now) out.push({ day: date, start, end, holiday: null });
    }
  }
  return out;
}

const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'short' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
/** A closing time: the time alone today, with the day when later. */
const untilText = (iso: string) => {
  const at = new Date(iso);
  return at.toDateString() === new Date().toDateString() ? timeFmt.format(at) : `${dayFmt.format(at)}, ${timeFmt.format(at)}`;
};

export function OfficeStatusLine({ hours, waiting = false }: { hours: OfficeHoursInfo; waiting?: boolean }) {
  const s = hours.status;
  if (s.open)
    return (
      <p className="banner banner-ok" data-testid="office-open">
        Support is open now{s.closesAt ? ` until ${untilText(s.closesAt)}` : ', around the clock'}.
      </p>
    );
  return (
    <div className="banner banner-warn" data-testid="office-closed">
      <div>
        <strong>Support is closed now{s.holiday ? ` (${s.holiday.name})` : ''}.</strong> Nobody may respond to a chat until support opens
        {s.nextOpenAt ? (
          <>
            {' '}
            again on <strong>{formatDateTime(s.nextOpenAt)}</strong> (your time)
          </>
        ) : (
          ' again'
        )}
        . {waiting ? 'You can ask us to call you back instead.' : 'You can ask us to call you back, or still start a chat.'}
      </div>
    </div>
  );
}

const DAY_MS = 24 * 3600 * 1000;

/** `compact`: the status line alone; `waiting`: worded for the waiting view, where the chat already exists. */
export function OfficeHoursPanel({ compact = false, waiting = compact }: { compact?: boolean; waiting?: boolean }) {
  const q = useOfficeHours();
  if (q.error) return <ErrorBanner error={q.error} />;
  if (!q.data) return <p className="muted">Loading office hours…</p>;
  const hours = q.data;
  const openings = upcomingOpenings(hours, Date.now());
  return (
    <section className="card" aria-labelledby="office-hours-title">
      <h2 id="office-hours-title">Office hours</h2>
      <OfficeStatusLine hours={hours} waiting={waiting} />
      {!compact && (
        <>
          <p className="muted">
            Shown in your time zone ({viewerTimeZone()}). The service desk works in {hours.timezone}.
          </p>
          {openings.length === 0 ? (
            <p>No opening hours in the coming week.</p>
          ) : (
            <ul data-testid="office-openings">
              {openings.map((o, i) => (
                <li key={i}>
                  {dayFmt.format(new Date(o.start))}:{' '}
                  {o.holiday
                    ? `closed (${o.holiday})`
                    : new Date(o.end).getTime() - new Date(o.start).getTime() >= DAY_MS - 60_000
                      ? 'open all day'
                      : `${timeFmt.format(new Date(o.start))} – ${timeFmt.format(new Date(o.end))}`}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
