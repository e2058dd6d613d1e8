/**
 * Sign-in security (services/two-factor.ts): whether every tech must use two-factor sign-in, who
 * has it on, and resetting a tech's two-factor when they lost their phone.
 */
import { useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../common/api.js';
import { ConfirmDialog } from '../../common/modal.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { formatDateTime } from '../../common/format.js';
import type { SecuritySettings } from '../../../shared/views.js';
import { Feedback, ListFilter, matches } from './feedback.js';
import { useSave } from './admin-data.js';
import { useMe } from '../queries.js';

export function SecurityAdmin() {
  const settings = useQuery({ queryKey: ['console', 'admin', 'security'], queryFn: () => api.get<SecuritySettings>('/api/admin/security') });
  const save = useSave();
  const meId = useMe().data?.id;
  const id = useId();
  const [q, setQ] = useState('');
  const [resetting, setResetting] = useState<{ id: number; name: string } | null>(null);
  if (!settings.data) return <ErrorBanner error={settings.error} />;
  const required = settings.data.techTwoFactorRequired;
  const techs = settings.data.techs.filter((t) => matches(q, t.name));
  const setRequired = (value: boolean) =>
    void save.run(value ? 'Two-factor sign-in is now required of every technician' : 'Two-factor sign-in is now optional', () =>
      api.put('/api/admin/security', { techTwoFactorRequired: value }),
    );
  return (
    <>
      <Feedback {...save} />
      <section className="card stack" aria-labelledby={`${id}-req`}>
        <h2 id={`${id}-req`}>Two-factor sign-in for technicians</h2>
        <label className="row">
          <input type="checkbox" checked={required} disabled={save.busy} onChange={(e) => setRequired(e.target.checked)} aria-describedby={`${id}-req-hint`} />
          Require two-factor sign-in of every technician
        </label>
        <p id={`${id}-req-hint`} className="muted">
          A technician without it is asked to set it up right after signing in, and can do nothing else until it is on. Set it up for yourself first in My
          account.
        </p>
      </section>
      <section className="card stack" aria-labelledby={`${id}-list`}>
        <h2 id={`${id}-list`}>Who has it on</h2>
        <ListFilter label="Search technicians" value={q} onChange={setQ} shown={techs.length} total={settings.data.techs.length} />
        <ul className="session-list">
          {techs.map((t) => (
            <li key={t.id} className="session-item">
              <p>
                <strong>{t.name}</strong>{' '}
                {t.twoFactor ? <span className="badge badge-open">On since {formatDateTime(t.enabledAt)}</span> : <span className="badge">Off</span>}
              </p>
              {t.twoFactor && (
                <button type="button" className="secondary" onClick={() => setResetting(t)}>
                  Reset two-factor<span className="visually-hidden"> of {t.name}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
      {resetting && (
        <ConfirmDialog
          title={`Reset two-factor of ${resetting.name}?`}
          message={`For a lost phone: ${resetting.name}'s authenticator app and recovery codes stop working, they are signed out everywhere${resetting.id === meId ? ' else' : ''}, and they sign in with their password alone until they set it up again${required ? ' (which they must do right after signing in)' : ''}.`}
          confirmLabel="Reset two-factor"
          onConfirm={() =>
            save.run(`Two-factor of ${resetting.name} reset; signed out everywhere${resetting.id === meId ? ' else' : ''}`, () =>
              api.delete(`/api/admin/techs/${resetting.id}/two-factor`),
            )
          }
          onClose={() => setResetting(null)}
        />
      )}
    </>
  );
}
