/**
 * Two-factor sign-in in My account (services/two-factor.ts): set up (the server's secret as a QR
 * code and as text, turned on by a first code and the current password, or right after signing in
 * without it where the server says so: `turnOnWith`), recovery codes shown once, new recovery
 * codes, turning it off (password and a code; not while an admin requires it). A tech with no
 * password here (single sign-on) gives a code alone within minutes of signing in: `checkWith`.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { useSubmit } from '../common/use-submit.js';
import { accountKey } from '../common/account-sections.js';
import { flash } from '../common/flash.js';
import { RECENT_SIGN_IN_MINUTES, type TwoFactorSetup, type TwoFactorStatus, type TwoFactorTurnOnWith } from '../../shared/views.js';

const BASE = '/api/console/account';

/** The secret in groups of four, easier to type into an app by hand. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

export function TwoFactorSection({ status, onEnabled }: { status: TwoFactorStatus; onEnabled?: () => void }) {
  const id = useId();
  const qc = useQueryClient();
  const [setup, setSetup] = useState<TwoFactorSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [action, setAction] = useState<'off' | 'renew' | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: accountKey(BASE) });
  const start = useSubmit(async () => setSetup(await api.post<TwoFactorSetup>(`${BASE}/two-factor/setup`)));

  let body: ReactNode;
  if (codes) body = <RecoveryCodesShown codes={codes} onDone={() => (setCodes(null), void refresh(), onEnabled?.())} />;
  else if (setup)
    body = (
      <SetupSteps
        setup={setup}
        turnOnWith={status.turnOnWith ?? 'password'}
        onStale={() => void refresh()}
        onCancel={() => setSetup(null)}
        onEnabled={(c) => {
          setSetup(null);
          setCodes(c);
          flash('Two-factor sign-in is on.');
        }}
      />
    );
  else if (!status.enabled)
    body = (
      <>
        <p>
          Two-factor sign-in is <strong>off</strong>. With it on, signing in also takes a code from an authenticator app on your phone (for example Microsoft
          Authenticator, Google Authenticator or 1Password), so a stolen password alone is not enough.
        </p>
        {status.required && (
          <p className="banner banner-warn" role="status">
            Your administrator requires two-factor sign-in.
          </p>
        )}
        {status.turnOnWith === 'sign_in_again' ? (
          <p data-testid="two-factor-sign-in-again">
            You sign in with single sign-on and have no password here to confirm it is you. To set up two-factor sign-in, log out, sign in again, and set it up
            within {RECENT_SIGN_IN_MINUTES} minutes.
          </p>
        ) : (
          <>
            <ErrorBanner error={start.error} onDismiss={start.clearError} />
            <div className="row">
              <button type="button" onClick={() => void start.submit()} disabled={start.busy}>
                Set up two-factor sign-in
              </button>
            </div>
          </>
        )}
      </>
    );
  else
    body = (
      <>
        <p>
          Two-factor sign-in is <strong>on</strong>. You have {status.recoveryCodesLeft} unused recovery code{status.recoveryCodesLeft === 1 ? '' : 's'}.
        </p>
        {status.checkWith === 'sign_in_again' ? (
          <p data-testid="two-factor-sign-in-again">
            You sign in with single sign-on and have no password here to confirm it is you. To make new recovery codes or turn it off, log out, sign in again,
            and do it within {RECENT_SIGN_IN_MINUTES} minutes.
          </p>
        ) : action ? (
          <CheckForm
            action={action}
            withPassword={status.checkWith !== 'recent_sign_in'}
            onStale={() => void refresh()}
            onCancel={() => setAction(null)}
            onDone={(c) => {
              setAction(null);
              if (c) setCodes(c);
              else flash('Two-factor sign-in is off.');
              void refresh();
            }}
          />
        ) : (
          <div className="row">
            <button type="button" className="secondary" onClick={() => setAction('renew')}>
              New recovery codes
            </button>
            {status.required ? (
              <p className="muted">Your administrator requires two-factor sign-in, so it cannot be turned off.</p>
            ) : (
              <button type="button" className="secondary" onClick={() => setAction('off')}>
                Turn off
              </button>
            )}
          </div>
        )}
      </>
    );
  return (
    <section className="card stack" aria-labelledby={`${id}-h`} data-testid="two-factor">
      <h2 id={`${id}-h`}>Two-factor sign-in</h2>
      {body}
    </section>
  );
}

/** What the server answers when the way of turning it on changed since the account was read (the recent sign-in is too old now). */
const STALE = new Set(['password_required', 'recent_sign_in_required']);

function SetupSteps({
  setup,
  turnOnWith,
  onStale,
  onCancel,
  onEnabled,
}: {
  setup: TwoFactorSetup;
  turnOnWith: TwoFactorTurnOnWith;
  onStale: () => void;
  onCancel: () => void;
  onEnabled: (codes: string[]) => void;
}) {
  const id = useId();
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const confirm = useSubmit(async () => {
    try {
      const body = turnOnWith === 'password' ? { code, password } : { code };
      onEnabled((await api.post<{ recoveryCodes: string[] }>(`${BASE}/two-factor/confirm`, body)).recoveryCodes);
    } catch (err) {
      if (err instanceof ApiError && STALE.has(err.code)) onStale();
      throw err;
    }
  });
  return (
    <form className="stack" onSubmit={confirm.submit}>
      <ol className="stack setup-steps">
        <li>
          <p>In your authenticator app, add an account and scan this QR code.</p>
          <img
            className="qr-code"
            src={setup.qrCode}
            width={240}
            height={240}
            alt="QR code to scan with your authenticator app; the same key is written out below."
          />
        </li>
        <li>
          <p>Or, if you cannot scan it, enter this key by hand (time-based):</p>
          <p className="secret-key" data-testid="totp-secret">
            {grouped(setup.secret)}
          </p>
        </li>
        {turnOnWith === 'password' && (
          <li>
            <label htmlFor={`${id}-password`}>Your current password</label>
            <p className="muted" id={`${id}-password-why`}>
              So that no one else using this session can turn it on with an app of theirs.
            </p>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="current-password"
              required
              aria-describedby={`${id}-password-why`}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </li>
        )}
        <li>
          <label htmlFor={`${id}-code`}>Then enter the 6-digit code the app shows</label>
          <input
            id={`${id}-code`}
            className="code-input"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]{6,7}"
            maxLength={7}
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </li>
      </ol>
      <ErrorBanner error={confirm.error} onDismiss={confirm.clearError} />
      <div className="row">
        <button type="submit" disabled={confirm.busy}>
          Turn on
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RecoveryCodesShown({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const id = useId();
  const download = useMemo(() => URL.createObjectURL(new Blob([`${codes.join('\n')}\n`], { type: 'text/plain' })), [codes]);
  useEffect(() => () => URL.revokeObjectURL(download), [download]);
  return (
    <div className="stack">
      <h3 id={`${id}-h`}>Your recovery codes</h3>
      <p>If you lose your phone, each of these codes signs you in once instead of a code from the app. Keep them somewhere safe: they are shown only now.</p>
      <ul className="recovery-codes" aria-labelledby={`${id}-h`} data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="row">
        <a className="button secondary" href={download} download="recovery-codes.txt">
          Download as a text file
        </a>
        <button type="button" onClick={onDone}>
          I have saved them
        </button>
      </div>
    </div>
  );
}

function CheckForm({
  action,
  withPassword,
  onStale,
  onCancel,
  onDone,
}: {
  action: 'off' | 'renew';
  withPassword: boolean;
  onStale: () => void;
  onCancel: () => void;
  onDone: (codes?: string[]) => void;
}) {
  const id = useId();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const send = useSubmit(async () => {
    const body = withPassword ? { password, code } : { code };
    try {
      if (action === 'off') {
        await api.post(`${BASE}/two-factor/off`, body);
        onDone();
      } else onDone((await api.post<{ recoveryCodes: string[] }>(`${BASE}/two-factor/recovery-codes`, body)).recoveryCodes);
    } catch (err) {
      // What the check takes changed since the account was read (the recent sign-in is too old now,
      // or password sign-in came back): the section follows the server's answer, the error stays shown.
      if (err instanceof ApiError && STALE.has(err.code)) onStale();
      throw err;
    }
  });
  return (
    <form className="stack" onSubmit={send.submit} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{action === 'off' ? 'Turn off two-factor sign-in' : 'Make new recovery codes'}</h3>
      {action === 'renew' && <p className="muted">Your old recovery codes stop working.</p>}
      {withPassword && (
        <>
          <label htmlFor={`${id}-password`}>Your password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </>
      )}
      <label htmlFor={`${id}-code`}>A code from your app, or a recovery code</label>
      <input
        id={`${id}-code`}
        className="code-input"
        autoComplete="one-time-code"
        required
        maxLength={40}
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <ErrorBanner error={send.error} onDismiss={send.clearError} />
      <div className="row">
        <button type="submit" disabled={send.busy}>
          {action === 'off' ? 'Turn off' : 'Make new codes'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
