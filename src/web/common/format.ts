/** Dates and durations in the viewer's own locale and time zone. */
import { useEffect, useState } from 'react';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export const formatDateTime = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '');
export const formatTime = (iso: string | null | undefined) => (iso ? timeOnly.format(new Date(iso)) : '');
/** The viewer's own time zone. */
export const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
/**
 * Times in a given zone (a desk's office hours), in the viewer's locale; `differs`: whether that
 * zone is not the viewer's (aliases such as Etc/UTC and UTC are the same). A zone this browser
 * does not know falls back to the viewer's own.
 */
export function zoneFormats(timeZone: string) {
  let dt: Intl.DateTimeFormat;
  let t: Intl.DateTimeFormat;
  try {
    dt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone });
    t = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone });
  } catch {
    return { dateTime: formatDateTime, time: formatTime, differs: false };
  }
  return {
    dateTime: (iso: string | null) => (iso ? dt.format(new Date(iso)) : ''),
    time: (iso: string | null) => (iso ? t.format(new Date(iso)) : ''),
    differs: dt.resolvedOptions().timeZone !== new Intl.DateTimeFormat(undefined, { timeZone: viewerZone() }).resolvedOptions().timeZone,
  };
}
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const yearDayAndTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
/** A message's time: the time alone today, with the day before that (and the year before this year). */
export function formatMessageTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (d.toDateString() === now.toDateString()) return timeOnly.format(d);
  return (d.getFullYear() === now.getFullYear() ? dayAndTime : yearDayAndTime).format(d);
}

/** "45 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** The current time, re-rendered every `everyMs`, for wait clocks. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export const viewerTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
