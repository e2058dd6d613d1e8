import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from './api.js';
import { ErrorBanner } from './error-banner.js';
import { BrandLine } from './branding.js';
import { signInRefusal, type SignInOptions } from '../../shared/sso.js';
import { ForgotPassword } from './password-reset.js';
import { TwoFactorStep } from './two-factor-step.js';
import type { LoginAnswer } from '../../shared/views.js';

/**
 * A single sign-on that ended without a session comes back as `?sign_in_error=<code>`: read once,
 * then taken out of the address, so a reload does not show it again.
 */
function takeSignInError(): string | null {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('sign_in_error');
  if (code === null) return null;
  url.searchParams.delete('sign_in_error');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  return signInRefusal(code);
}

/**
 * A tech whose two-factor is on comes back from single sign-on at the code step: the server's
 * redirect carries the step's ticket as `#two_factor=<ticket>`. Read once, then taken out of the
 * address.
 */
function takeTwoFactorTicket(): string | null {
  const m = /^#two_factor=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!m) return null;
  window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  return m[1];
}

/**
 * Login for either audience: a button per single sign-on issuer of the side, and email and
 * password unless an admin turned them off; the server sets an httpOnly session cookie.
 */
export function LoginForm({
  audience,
  title,
  onLoggedIn,
  hint,
  notice,
  initialEmail = '',
}: {
  audience: 'portal' | 'tech';
  title: string;
  onLoggedIn: () => void;
  hint?: ReactNode;
  /** Shown above the form (for example: the account was just created). */
  notice?: ReactNode;
  initialEmail?: string;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [passwordText, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [ssoError] = useState(takeSignInError);
  const options = useQuery({ queryKey: ['sign-in', audience], queryFn: () => api.get<SignInOptions>(`/api/auth/${audience}/sign-in`), staleTime: 60_000 });
  const issuers = options.data?.issuers ?? [];
  const password = options.data?.password ?? true;
  /** A tech with two-factor: the password (or single sign-on) was right, a code is still needed. */
  const [ticket, setTicket] = useState<string | null>(() => (audience === 'tech' ? takeTwoFactorTicket() : null));
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<LoginAnswer>(`/api/auth/${audience}/login`, { email, password: passwordText });
      if (answer.twoFactor) {
        setTicket(answer.twoFactor.ticket);
        setPassword('');
      } else onLoggedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (ticket)
    return (
      <main className="login">
        <BrandLine />
        <h1>{title}</h1>
        <TwoFactorStep ticket={ticket} onLoggedIn={onLoggedIn} onRestart={() => setTicket(null)} />
      </main>
    );
  return (
    <main className="login">
      <BrandLine />
      <h1>{title}</h1>
      {notice}
      {ssoError && (
        <div className="banner banner-error" role="alert" data-testid="sign-in-error">
          <span>{ssoError}</span>
        </div>
      )}
      {issuers.length > 0 && (
        <nav className="card stack sso-buttons" aria-label="Single sign-on">
          {issuers.map((i) => (
            // A plain link: the browser goes to the issuer and comes back signed in.
            <a key={i.id} className="button" href={i.startUrl}>
              Sign in with {i.name}
            </a>
          ))}
        </nav>
      )}
      {password && (
        <form onSubmit={submit} className="card stack">
          <ErrorBanner error={error} />
          <label htmlFor={`${id}-email`}>Email</label>
          <input id={`${id}-email`} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            required
            value={passwordText}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" disabled={busy}>
            {busy ? 'Logging in…' : 'Log in'}
          </button>
        </form>
      )}
      {password && <ForgotPassword audience={audience} initialEmail={email} />}
      {hint}
    </main>
  );
}
