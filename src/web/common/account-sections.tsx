/**
 * The parts of "My account" both apps share (services/account.ts): changing the password, and
 * one's sessions with "this session" marked, each of the others endable, or all at once.
 * `base` is the app's account API: /api/console/account or /api/portal/account.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from './api.js';
import { ErrorBanner } from './error-banner.js';
import { ConfirmDialog } from './modal.js';
import { useSubmit } from './use-submit.js';
import { formatDateTime } from './format.js';
import { flash } from './flash.js';
import type { AccountSession } from '../../shared/views.js';
import { PASSWORD_MIN } from '../../shared/schemas.js';
import './account.css';

export const accountKey = (base: string) => ['account', base] as const;
const sessionsKey = (base: string) => ['account', base, 'sessions'] as const;

export function PasswordSection({ base }: { base: string }) {
  const id = useId();
  const qc = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const { submit, busy, error, clearError } = useSubmit(async () => {
    if (next !== again) {
      setMismatch(true);
      return;
    }
    const r = await api.post<{ endedSessions: number }>(`${base}/password`, { currentPassword: current, newPassword: next });
    setCurrent('');
    setNext('');
    setAgain('');
    flash(
      r.endedSessions
        ? `Password changed. You were signed out everywhere else (${r.endedSessions} other session${r.endedSessions === 1 ? '' : 's'}).`
        : 'Password changed.',
    );
    await qc.invalidateQueries({ queryKey: sessionsKey(base) });
  });
  return (
    <section className="card stack" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Password</h2>
      <p className="muted">Changing it signs you out on every other device and browser; you stay signed in here.</p>
      <form className="stack" onSubmit={submit}>
        <ErrorBanner error={error} onDismiss={clearError} />
        <label htmlFor={`${id}-current`}>Current password</label>
        <input id={`${id}-current`} type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        <label htmlFor={`${id}-new`}>New password</label>
        <input
          id={`${id}-new`}
          type="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN}
          aria-describedby={`${id}-new-hint`}
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        <p id={`${id}-new-hint`} className="field-hint">
          At least {PASSWORD_MIN} characters.
        </p>
        <label htmlFor={`${id}-again`}>New password again</label>
        <input
          id={`${id}-again`}
          type="password"
          autoComplete="new-password"
          required
          aria-invalid={mismatch || undefined}
          aria-describedby={mismatch ? `${id}-again-error` : undefined}
          value={again}
          onChange={(e) => {
            setAgain(e.target.value);
            setMismatch(false);
          }}
        />
        {mismatch && (
          <p id={`${id}-again-error`} className="field-error" role="alert">
            The two new passwords are not the same.
          </p>
        )}
        <div className="row">
          <button type="submit" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}

/** "Firefox on Windows" from a user agent, or the agent itself when it is not one we know. */
export function describeBrowser(ua: string | null): string {
  if (!ua) return 'Unknown browser';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrom(e|ium)\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : null;
  const os = /iPhone|iPad/.test(ua)
    ? 'iOS'
    : /Android/.test(ua)
      ? 'Android'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : null;
  if (!browser) return ua.length > 60 ? `${ua.slice(0, 60)}…` : ua;
  return os ? `${browser} on ${os}` : browser;
}

export function SessionsSection({ base }: { base: string }) {
  const id = useId();
  const qc = useQueryClient();
  const sessions = useQuery({ queryKey: sessionsKey(base), queryFn: () => api.get<AccountSession[]>(`${base}/sessions`) });
  const [ending, setEnding] = useState<AccountSession | 'others' | null>(null);
  const others = (sessions.data ?? []).filter((s) => !s.current);
  const refresh = () => qc.invalidateQueries({ queryKey: sessionsKey(base) });
  return (
    <section className="card stack" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Where you are signed in</h2>
      <ErrorBanner error={sessions.error} />
      {sessions.data && (
        <ul className="session-list" data-testid="sessions">
          {sessions.data.map((s) => (
            <li key={s.id} className="session-item">
              <div className="session-what">
                <p>
                  <strong>{describeBrowser(s.userAgent)}</strong> {s.current && <span className="badge badge-open">This session</span>}
                </p>
                <p className="muted">
                  {s.ip ? `From ${s.ip} · ` : ''}Signed in {formatDateTime(s.createdAt)} · Last active {formatDateTime(s.lastSeenAt)}
                </p>
              </div>
              {!s.current && (
                <button type="button" className="secondary" onClick={() => setEnding(s)}>
                  Sign out
                  <span className="visually-hidden">
                    {' '}
                    {describeBrowser(s.userAgent)}, last active {formatDateTime(s.lastSeenAt)}
                  </span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <div className="row">
          <button type="button" className="secondary" onClick={() => setEnding('others')}>
            Sign out everywhere else
          </button>
        </div>
      )}
      {sessions.data && others.length === 0 && <p className="muted">You are not signed in anywhere else.</p>}
      {ending && (
        <ConfirmDialog
          title={ending === 'others' ? 'Sign out everywhere else?' : 'Sign out this session?'}
          message={
            ending === 'others'
              ? `Every other device and browser (${others.length}) is signed out at once. You stay signed in here.`
              : `${describeBrowser(ending.userAgent)}, last active ${formatDateTime(ending.lastSeenAt)}, is signed out at once.`
          }
          confirmLabel={ending === 'others' ? 'Sign out everywhere else' : 'Sign out'}
          onConfirm={async () => {
            if (ending === 'others') await api.post(`${base}/sessions/end-others`);
            else await api.delete(`${base}/sessions/${ending.id}`);
            flash(ending === 'others' ? 'Signed out everywhere else.' : 'That session is signed out.');
            await refresh();
          }}
          onClose={() => setEnding(null)}
        />
      )}
    </section>
  );
}
