import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { api } from './api.js';
import { ErrorBanner } from './error-banner.js';
import { BrandLine } from './branding.js';
import { TwoFactorStep } from './two-factor-step.js';
import type { LoginAnswer } from '../../shared/views.js';

/** Email and password login for either audience; the server sets an httpOnly session cookie. */
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
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  /** A tech with two-factor: the password was right, a code is still needed. */
  const [ticket, setTicket] = useState<string | null>(null);
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<LoginAnswer>(`/api/auth/${audience}/login`, { email, password });
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
      <form onSubmit={submit} className="card stack">
        <ErrorBanner error={error} />
        <label htmlFor={`${id}-email`}>Email</label>
        <input id={`${id}-email`} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor={`${id}-password`}>Password</label>
        <input id={`${id}-password`} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      {hint}
    </main>
  );
}
