/**
 * Password reset by email, for both apps: "Forgot password?" under the login form (only when email
 * is on) and the page the mailed link opens (`…/reset-password#token=…`). The server answers the
 * same whether or not the address has an account, and so does this page.
 */
import { useEffect, useId, useState } from 'react';
import { api, ApiError } from './api.js';
import { ErrorBanner } from './error-banner.js';
import { BrandLine } from './branding.js';
import { useEmailEnabled } from './email.js';
import { useSubmit } from './use-submit.js';
import { PASSWORD_MIN } from '../../shared/schemas.js';

type Audience = 'portal' | 'tech';

export function ForgotPassword({ audience, initialEmail = '' }: { audience: Audience; initialEmail?: string }) {
  const enabled = useEmailEnabled();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState(initialEmail);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const send = useSubmit(async () => {
    await api.post(`/api/auth/${audience}/password-reset`, { email });
    setSentTo(email.trim());
  });
  if (!enabled) return null;
  if (!open)
    return (
      <p>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setEmail(initialEmail);
            setOpen(true);
          }}
        >
          Forgot password?
        </button>
      </p>
    );
  if (sentTo)
    return (
      <section className="card stack" role="status" data-testid="reset-sent">
        <h2>Check your email</h2>
        <p>
          If <strong>{sentTo}</strong> belongs to an account here, we have sent it a link to choose a new password. The link works once, for an hour.
        </p>
      </section>
    );
  return (
    <form className="card stack" onSubmit={send.submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Reset your password</h2>
      <p className="muted">We will email you a link to choose a new password.</p>
      <ErrorBanner error={send.error} onDismiss={send.clearError} />
      <label htmlFor={`${id}-email`}>Email</label>
      <input id={`${id}-email`} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <div className="row">
        <button type="submit" disabled={send.busy}>
          {send.busy ? 'Sending…' : 'Send the link'}
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The page a reset link opens: a new password, twice. The token leaves the address bar at once. */
export function ResetPasswordPage({ audience, onDone }: { audience: Audience; onDone: () => void }) {
  const id = useId();
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get('token') ?? '');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (location.hash) history.replaceState(null, '', location.pathname);
  }, []);
  const save = useSubmit(async () => {
    if (password !== repeat) {
      setMismatch(true);
      return;
    }
    await api.post(`/api/auth/${audience}/password-reset/confirm`, { token, password });
    setDone(true);
  });
  const linkDead = save.error instanceof ApiError && (save.error.code === 'reset_token_invalid' || save.error.code === 'reset_token_expired');
  return (
    <main className="login" id="main">
      <BrandLine />
      <h1>Choose a new password</h1>
      {done ? (
        <section className="card stack" role="status" data-testid="reset-done">
          <p>Your password is changed. Everywhere you were signed in, you are signed out now.</p>
          <button type="button" onClick={onDone}>
            Log in
          </button>
        </section>
      ) : !token ? (
        <section className="card stack">
          <p>This page needs the link from the password reset email. Open the link from the mail, or ask for a new one on the login page.</p>
          <button type="button" onClick={onDone}>
            Go to the login page
          </button>
        </section>
      ) : (
        <form className="card stack" onSubmit={save.submit}>
          <ErrorBanner error={save.error} onDismiss={save.clearError} />
          {linkDead && (
            <button type="button" className="secondary" onClick={onDone}>
              Ask for a new link on the login page
            </button>
          )}
          <label htmlFor={`${id}-password`}>New password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            required
            minLength={PASSWORD_MIN}
            maxLength={200}
            aria-describedby={`${id}-rule`}
            value={password}
            onChange={(e) => {
              setPassword(e.target.value);
              setMismatch(false);
            }}
          />
          <p id={`${id}-rule`} className="muted">
            At least {PASSWORD_MIN} characters.
          </p>
          <label htmlFor={`${id}-repeat`}>Repeat the password</label>
          <input
            id={`${id}-repeat`}
            type="password"
            autoComplete="new-password"
            required
            maxLength={200}
            aria-invalid={mismatch || undefined}
            aria-describedby={mismatch ? `${id}-mismatch` : undefined}
            value={repeat}
            onChange={(e) => {
              setRepeat(e.target.value);
              setMismatch(false);
            }}
          />
          {mismatch && (
            <p id={`${id}-mismatch`} className="banner banner-error" role="alert">
              The two passwords are not the same.
            </p>
          )}
          <button type="submit" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Set the new password'}
          </button>
        </form>
      )}
    </main>
  );
}
