import { useId, useState } from 'react';
import { api, ApiError } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { LoginForm } from '../common/login-form.js';
import { useDocumentTitle } from '../common/router.js';
import { useSubmit } from '../common/use-submit.js';
import { PASSWORD_MIN } from '../../shared/schemas.js';
import type { FirstAdmin } from '../../shared/views.js';
import type { z } from 'zod';

type Field = 'name' | 'email' | 'password' | 'token';

/** Which field the server's refusal is about: the first invalid one, or the token when it is wrong. */
function fieldOf(error: unknown): Field | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'setup_token_invalid') return 'token';
  const issues = error.details?.issues as { path?: string }[] | undefined;
  const path = issues?.[0]?.path?.replace(/^\//, '');
  return path === 'name' || path === 'email' || path === 'password' || path === 'token' ? path : null;
}

/**
 * Setup mode (no account yet): the first admin, with the setup token the server printed in its
 * log. Then the login form, with the new admin's email filled in.
 */
export function SetupPage({ onLoggedIn }: { onLoggedIn: () => void }) {
  useDocumentTitle('Create the first admin', 'Tech Console');
  const id = useId();
  const [values, setValues] = useState({ name: '', email: '', password: '', token: '' });
  const [created, setCreated] = useState<z.infer<typeof FirstAdmin> | null>(null);
  const { submit, busy, error } = useSubmit(async () => setCreated(await api.post<z.infer<typeof FirstAdmin>>('/api/setup/admin', values)));
  if (created) {
    return (
      <LoginForm
        audience="tech"
        title="Tech Console: log in"
        onLoggedIn={onLoggedIn}
        initialEmail={created.email}
        notice={
          <p className="banner banner-ok" role="status">
            The first admin, {created.email}, is created. Log in with that email and your password.
          </p>
        }
      />
    );
  }
  const invalid = fieldOf(error);
  const field = (name: Field, label: string, input: { type: string; autoComplete: string; minLength?: number; hint?: string }) => {
    const hintId = `${id}-${name}-hint`;
    const errorId = `${id}-${name}-error`;
    const describedBy = [input.hint ? hintId : null, invalid === name ? errorId : null].filter(Boolean).join(' ') || undefined;
    return (
      <>
        <label htmlFor={`${id}-${name}`}>{label}</label>
        <input
          id={`${id}-${name}`}
          type={input.type}
          autoComplete={input.autoComplete}
          minLength={input.minLength}
          required
          aria-invalid={invalid === name ? true : undefined}
          aria-describedby={describedBy}
          value={values[name]}
          onChange={(e) => setValues({ ...values, [name]: e.target.value })}
        />
        {input.hint && (
          <span id={hintId} className="field-hint">
            {input.hint}
          </span>
        )}
        {invalid === name && (
          <span id={errorId} className="field-error">
            {(error as ApiError).message}
          </span>
        )}
      </>
    );
  };
  return (
    <main className="login" id="main">
      <h1>Create the first admin</h1>
      <p>
        This helpdesk has no account yet. Create its first admin: you can then add technicians, companies and portal users. The setup token is in the log of the
        server, printed when it started; it works once.
      </p>
      <form onSubmit={submit} className="card stack" aria-label="The first admin">
        <ErrorBanner error={error} />
        {field('name', 'Name', { type: 'text', autoComplete: 'name' })}
        {field('email', 'Email', { type: 'email', autoComplete: 'username' })}
        {field('password', 'Password', {
          type: 'password',
          autoComplete: 'new-password',
          minLength: PASSWORD_MIN,
          hint: `At least ${PASSWORD_MIN} characters.`,
        })}
        {field('token', 'Setup token', { type: 'text', autoComplete: 'off', hint: 'From the server log: the line “Setup token: …”.' })}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create the first admin'}
        </button>
      </form>
    </main>
  );
}
