/**
 * The second step of a tech's sign-in when two-factor is on: the password was right, and a code
 * from the authenticator app (or a recovery code) finishes it (services/two-factor.ts).
 */
import { useEffect, useId, useRef, useState } from 'react';
import { api, ApiError } from './api.js';
import { ErrorBanner } from './error-banner.js';
import { useSubmit } from './use-submit.js';

export function TwoFactorStep({ ticket, onLoggedIn, onRestart }: { ticket: string; onLoggedIn: () => void; onRestart: () => void }) {
  const id = useId();
  const [code, setCode] = useState('');
  // The password form this step replaces is gone, with the focus: it goes to the code.
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const { submit, busy, error, clearError } = useSubmit(async () => {
    try {
      await api.post('/api/auth/tech/login/two-factor', { ticket, code });
      onLoggedIn();
    } catch (err) {
      setCode('');
      throw err;
    }
  });
  const expired = error instanceof ApiError && error.code === 'totp_ticket_invalid';
  return (
    <form onSubmit={submit} className="card stack" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Two-factor sign-in</h2>
      <ErrorBanner error={error} onDismiss={clearError} />
      <label htmlFor={`${id}-code`}>Code from your authenticator app</label>
      <input
        id={`${id}-code`}
        className="code-input"
        autoComplete="one-time-code"
        ref={input}
        required
        maxLength={40}
        aria-describedby={`${id}-hint`}
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <p id={`${id}-hint`} className="field-hint">
        The 6-digit code the app shows now. Lost your phone? Enter one of your recovery codes instead.
      </p>
      <div className="row">
        {!expired && (
          <button type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Verify'}
          </button>
        )}
        <button type="button" className={expired ? undefined : 'link-button'} onClick={onRestart}>
          Start again
        </button>
      </div>
    </form>
  );
}
