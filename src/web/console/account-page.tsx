/** My account in the Tech Console: two-factor sign-in, password, sessions. */
import { useEffect } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { closeSocket } from '../common/socket.js';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { PasswordSection, SessionsSection, accountKey } from '../common/account-sections.js';
import { Brand } from '../common/branding.js';
import { ThemeSwitch } from '../common/theme-switch.js';
import { FlashBanner } from '../common/flash.js';
import { useDocumentTitle } from '../common/router.js';
import type { Account } from '../../shared/views.js';
import { TwoFactorSection } from './two-factor-section.js';

const BASE = '/api/console/account';
export const useAccount = () => useQuery({ queryKey: accountKey(BASE), queryFn: () => api.get<Account>(BASE) });

export function AccountPage() {
  const account = useAccount();
  return (
    <main className="app-main stack" id="main">
      <h1>My account</h1>
      <ErrorBanner error={account.error} />
      {account.data && (
        <>
          <p>
            {account.data.name} · {account.data.email}
          </p>
          {account.data.twoFactor && <TwoFactorSection status={account.data.twoFactor} />}
          <PasswordSection base={BASE} />
          <SessionsSection base={BASE} />
        </>
      )}
    </main>
  );
}

/**
 * An admin requires two-factor and this tech has not set it up: nothing else is open to them
 * (the server refuses the rest with `totp_required`) until it is on.
 */
export function TwoFactorRequiredPage({ onLogout }: { onLogout: () => void }) {
  useDocumentTitle('Set up two-factor sign-in', 'Tech Console');
  const qc = useQueryClient();
  // Held here (the server refuses the console's socket too): a connection opened before goes.
  useEffect(() => closeSocket('/console'), []);
  const account = useAccount();
  return (
    <>
      <header className="app-header">
        <span className="brand">
          <Brand app="Tech Console" />
        </span>
        <nav aria-label="Main">
          <ThemeSwitch />
          <button type="button" className="link-button" onClick={onLogout}>
            Log out
          </button>
        </nav>
      </header>
      <FlashBanner />
      <main className="app-main stack" id="main">
        <h1>Set up two-factor sign-in</h1>
        <p>Your administrator requires two-factor sign-in for every technician. Set it up now to continue to the console.</p>
        <ErrorBanner error={account.error} />
        {account.data?.twoFactor && <TwoFactorSection status={account.data.twoFactor} onEnabled={() => void qc.invalidateQueries()} />}
      </main>
    </>
  );
}
