/**
 * API tokens (services/api-tokens.ts): make one with scopes and an expiry, copy its secret in the
 * one dialog that ever shows it, see when each was last used, revoke one after confirming.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { ConfirmDialog, Modal } from '../../common/modal.js';
import { flash } from '../../common/flash.js';
import { formatDateTime } from '../../common/format.js';
import { TOKEN_SCOPES, type ApiToken, type CreatedApiToken, type TokenScope } from '../../../shared/api-tokens.js';
import { keys } from '../queries.js';
import { Feedback } from './feedback.js';
import { useSave } from './admin-data.js';

const SCOPE_HELP: Record<TokenScope, string> = {
  read: 'Read: what the console and the admin pages show (GET requests)',
  write: 'Write: also act in the console (join, reply, end, tickets, status)',
  admin: 'Admin: change settings, people and access (the admin API)',
};
const EXPIRY = [
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
  { value: 'never', label: 'Never' },
  { value: 'date', label: 'On a date…' },
] as const;
const STATUS: Record<ApiToken['status'], string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
  suspended: 'Not working: its admin is deactivated or no longer an admin',
};

const useApiTokens = () => useQuery({ queryKey: keys.admin('api-tokens'), queryFn: () => api.get<ApiToken[]>('/api/admin/api-tokens') });

/** The expiry chosen, as an ISO time: days from now, the end of a chosen day (local time), or none. */
function expiryOf(choice: string, date: string): string | null {
  if (choice === 'never') return null;
  if (choice === 'date') return new Date(`${date}T23:59:59`).toISOString();
  return new Date(Date.now() + Number(choice) * 86_400_000).toISOString();
}

export function ApiTokensAdmin() {
  const tokens = useApiTokens();
  const qc = useQueryClient();
  const save = useSave();
  const id = useId();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>(['read']);
  const [expiry, setExpiry] = useState('90');
  const [date, setDate] = useState('');
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const box: { made?: CreatedApiToken } = {};
    const body = { name: name.trim(), scopes, expiresAt: expiryOf(expiry, date) };
    await save.run(`Token “${body.name}” created`, async () => {
      box.made = await api.post<CreatedApiToken>('/api/admin/api-tokens', body);
    });
    if (box.made) {
      setCreated(box.made);
      setName('');
    }
  };
  const toggle = (s: TokenScope, on: boolean) => setScopes(on ? TOKEN_SCOPES.filter((x) => x === s || scopes.includes(x)) : scopes.filter((x) => x !== s));

  return (
    <>
      <Feedback {...save} />
      <ErrorBanner error={tokens.error} />
      <form className="card stack" onSubmit={add} aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>Create an API token</h2>
        <p className="muted">
          A token lets another system (a PSA, a script, a dashboard) call this helpdesk's API with <code>Authorization: Bearer</code>. It acts as you, limited
          to its scopes, and stops working if your account is deactivated or is no longer an admin. The API is described at <a href="/api/docs">/api/docs</a>.
        </p>
        <label htmlFor={`${id}-name`}>Name (what uses it)</label>
        <input id={`${id}-name`} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <fieldset className="checklist">
          <legend>Scopes</legend>
          {TOKEN_SCOPES.map((s) => (
            <label key={s} className="row">
              <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => toggle(s, e.target.checked)} />
              {SCOPE_HELP[s]}
            </label>
          ))}
        </fieldset>
        <label htmlFor={`${id}-exp`}>Expires</label>
        <select id={`${id}-exp`} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
          {EXPIRY.map((x) => (
            <option key={x.value} value={x.value}>
              {x.label}
            </option>
          ))}
        </select>
        {expiry === 'date' && (
          <>
            <label htmlFor={`${id}-date`}>Last day it works</label>
            <input id={`${id}-date`} type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
          </>
        )}
        <div>
          <button type="submit" disabled={save.busy || scopes.length === 0}>
            Create token
          </button>
        </div>
      </form>

      <ul className="admin-list">
        {tokens.data?.length === 0 && <li className="muted">No API tokens yet.</li>}
        {tokens.data?.map((t) => (
          <TokenRow key={t.id} token={t} onRevoke={() => setRevoking(t)} />
        ))}
      </ul>

      {created && <SecretDialog created={created} onClose={() => setCreated(null)} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          message="Anything using this token is refused from now on. This cannot be undone: a new token would have a new secret."
          confirmLabel="Revoke token"
          onConfirm={async () => {
            await api.delete(`/api/admin/api-tokens/${revoking.id}`);
            flash(`Token “${revoking.name}” revoked`);
            await qc.invalidateQueries({ queryKey: keys.admin('api-tokens') });
          }}
          onClose={() => setRevoking(null)}
        />
      )}
    </>
  );
}

function TokenRow({ token: t, onRevoke }: { token: ApiToken; onRevoke: () => void }) {
  const id = useId();
  return (
    <li className="card stack" data-testid="api-token-row" aria-labelledby={`${id}-n`}>
      <h2 id={`${id}-n`}>{t.name}</h2>
      <p>
        <code>{t.prefix}…</code> · {t.scopes.join(', ')} ·{' '}
        <span className={t.status === 'active' ? 'badge badge-open' : 'badge badge-closed'}>{STATUS[t.status]}</span>
      </p>
      <p className="muted">
        Created {formatDateTime(t.createdAt)} by {t.createdBy.name}
        {t.revokedAt
          ? ` · revoked ${formatDateTime(t.revokedAt)}`
          : t.expiresAt
            ? ` · ${t.status === 'expired' ? 'expired' : 'expires'} ${formatDateTime(t.expiresAt)}`
            : ' · never expires'}
        {' · '}
        {t.lastUsedAt ? `last used ${formatDateTime(t.lastUsedAt)} from ${t.lastUsedIp}` : 'never used'}
      </p>
      {!t.revokedAt && (
        <div>
          <button type="button" className="secondary" onClick={onRevoke}>
            Revoke “{t.name}”…
          </button>
        </div>
      )}
    </li>
  );
}

/** The one place the secret is ever shown: gone when the dialog closes. */
function SecretDialog({ created, onClose }: { created: CreatedApiToken; onClose: () => void }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied(true);
      flash('Token copied');
    } catch {
      // No clipboard (an insecure origin, a refused permission): the field is selected to copy by hand.
      (document.getElementById(`${id}-secret`) as HTMLInputElement | null)?.select();
    }
  };
  return (
    <Modal title={`Token “${created.token.name}” created`} onClose={onClose}>
      <div className="stack">
        <p>Copy it now and store it where the system that uses it keeps secrets. It is shown only this once: this helpdesk keeps only a fingerprint of it.</p>
        <label htmlFor={`${id}-secret`}>Token</label>
        <input id={`${id}-secret`} className="token-secret" readOnly value={created.secret} onFocus={(e) => e.target.select()} data-testid="api-token-secret" />
        <div className="row">
          <button type="button" onClick={() => void copy()}>
            {copied ? 'Copied' : 'Copy token'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    </Modal>
  );
}
