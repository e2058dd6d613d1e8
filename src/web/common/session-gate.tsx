import type { ReactNode } from 'react';
import { useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { isSetupRequired, isUnauthenticated } from './api.js';
import { ErrorBanner } from './error-banner.js';
import { LoginForm } from './login-form.js';
import { ResetPasswordPage } from './password-reset.js';
import { navigate, usePath } from './router.js';

/**
 * Shows the login form without a session, the error with a retry, or the app for the signed-in user.
 * While the helpdesk has no account (setup mode) it shows `setup` (the console's first admin), or
 * says so.
 */
export function SessionGate<T>({
  me,
  audience,
  title,
  setup,
  notice,
  children,
}: {
  me: UseQueryResult<T>;
  audience: 'portal' | 'tech';
  title: string;
  setup?: (onLoggedIn: () => void) => ReactNode;
  /** Shown above the login form. */
  notice?: ReactNode;
  children: (me: T) => ReactNode;
}) {
  const qc = useQueryClient();
  const path = usePath();
  // The page a password reset mail links to, signed in or not.
  if (/\/reset-password\/?$/.test(path))
    return (
      <ResetPasswordPage
        audience={audience}
        onDone={() => {
          navigate(audience === 'tech' ? '/console' : '/', { replace: true });
          void qc.resetQueries();
        }}
      />
    );
  if (me.isPending) return <p className="app-main">Loading…</p>;
  if (me.error && isSetupRequired(me.error)) {
    if (setup) return <>{setup(() => qc.invalidateQueries())}</>;
    return (
      <main className="login" id="main">
        <h1>Not open yet</h1>
        <p>This helpdesk is being set up. Please try again later.</p>
      </main>
    );
  }
  if (me.error && isUnauthenticated(me.error)) return <LoginForm audience={audience} title={title} notice={notice} onLoggedIn={() => qc.invalidateQueries()} />;
  if (me.error)
    return (
      <main className="app-main">
        <ErrorBanner error={me.error} />
        <button type="button" onClick={() => me.refetch()}>
          Try again
        </button>
      </main>
    );
  return <>{children(me.data as T)}</>;
}
