/** My account in the Client Portal: password and sessions. */
import { useQuery } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { FlashBanner } from '../common/flash.js';
import { PasswordSection, SessionsSection, accountKey } from '../common/account-sections.js';
import type { Account } from '../../shared/views.js';

const BASE = '/api/portal/account';

export function AccountPage() {
  const account = useQuery({ queryKey: accountKey(BASE), queryFn: () => api.get<Account>(BASE) });
  return (
    <main className="app-main stack" id="main">
      <FlashBanner />
      <h1>My account</h1>
      <ErrorBanner error={account.error} />
      {account.data && (
        <p>
          {account.data.name} · {account.data.email}
        </p>
      )}
      <PasswordSection base={BASE} />
      <SessionsSection base={BASE} />
    </main>
  );
}
