/**
 * Single sign-on (services/sso-admin.ts): the OpenID Connect issuers, whether password sign-in
 * stays on per side, and the redirect URIs to register at each issuer. A client secret is typed
 * once; afterwards the page only says that one is set.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { ConfirmDialog } from '../../common/modal.js';
import { flash } from '../../common/flash.js';
import type { AdminIssuer, SsoAdminView } from '../../../shared/sso.js';
import { Feedback } from './feedback.js';
import { useSave } from './admin-data.js';
import { keys } from '../queries.js';

export const useSsoAdmin = () => useQuery({ queryKey: keys.admin('sso'), queryFn: () => api.get<SsoAdminView>('/api/admin/sso') });

export function SsoAdmin() {
  const sso = useSsoAdmin();
  const save = useSave();
  if (!sso.data) return <ErrorBanner error={sso.error} />;
  const { issuers, passwordSignIn, redirectUris } = sso.data;
  return (
    <>
      <Feedback {...save} />
      <RedirectUris uris={redirectUris} />
      <PasswordSignIn
        key={`${passwordSignIn.tech}|${passwordSignIn.portal}`}
        initial={passwordSignIn}
        hasTechIssuer={issuers.some((i) => i.forTechs)}
        save={save}
      />
      <NewIssuer save={save} />
      <section aria-label="Issuers">
        {issuers.length === 0 ? (
          <p className="muted">No issuer yet: everyone signs in with email and password.</p>
        ) : (
          <ul className="admin-list">
            {issuers.map((i) => (
              <IssuerRow key={`${i.id}|${i.name}|${i.issuerUrl}|${i.clientId}|${i.forTechs}|${i.forPortal}|${i.createTechs}`} issuer={i} save={save} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function RedirectUris({ uris }: { uris: SsoAdminView['redirectUris'] }) {
  const id = useId();
  return (
    <section className="card stack" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Redirect URIs to register</h2>
      <p className="muted">
        Register the app at the identity provider (for example Microsoft Entra ID or Google) as a web application with these redirect URIs, then add it below
        with the client id and secret the provider gives.
      </p>
      <dl className="stack">
        <dt>For techs (Tech Console)</dt>
        <dd>
          <code data-testid="redirect-uri-tech">{uris.tech}</code>
        </dd>
        <dt>For portal users (Client Portal)</dt>
        <dd>
          <code data-testid="redirect-uri-portal">{uris.portal}</code>
        </dd>
      </dl>
    </section>
  );
}

function PasswordSignIn({
  initial,
  hasTechIssuer,
  save,
}: {
  initial: { tech: boolean; portal: boolean };
  hasTechIssuer: boolean;
  save: ReturnType<typeof useSave>;
}) {
  const id = useId();
  const [tech, setTech] = useState(initial.tech);
  const [portal, setPortal] = useState(initial.portal);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run('Password sign-in saved', () => api.put('/api/admin/sso/password-sign-in', { tech, portal }));
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Password sign-in</h2>
      <p className="muted" id={`${id}-hint`}>
        Turned off, the login page shows only the single sign-on buttons. It can be turned off for techs only while an issuer serves techs; the create-admin
        command turns it on again.
      </p>
      <label className="row">
        <input type="checkbox" checked={tech} onChange={(e) => setTech(e.target.checked)} disabled={!hasTechIssuer && tech} aria-describedby={`${id}-hint`} />
        Techs may sign in with email and password
      </label>
      <label className="row">
        <input type="checkbox" checked={portal} onChange={(e) => setPortal(e.target.checked)} />
        Portal users may sign in with email and password
      </label>
      <div>
        <button type="submit" className="secondary" disabled={save.busy}>
          Save password sign-in
        </button>
      </div>
    </form>
  );
}

type Fields = { name: string; issuerUrl: string; clientId: string; clientSecret: string; forTechs: boolean; forPortal: boolean; createTechs: boolean };

function IssuerFields({ value, onChange, secretSet }: { value: Fields; onChange: (f: Fields) => void; secretSet: boolean }) {
  const id = useId();
  const set = (patch: Partial<Fields>) => onChange({ ...value, ...patch });
  return (
    <>
      <label htmlFor={`${id}-name`}>Name on the button</label>
      <input
        id={`${id}-name`}
        required
        maxLength={80}
        value={value.name}
        onChange={(e) => set({ name: e.target.value })}
        aria-describedby={`${id}-name-hint`}
      />
      <p id={`${id}-name-hint`} className="field-hint">
        The login page shows “Sign in with {value.name.trim() || '…'}”.
      </p>
      <label htmlFor={`${id}-url`}>Issuer URL</label>
      <input
        id={`${id}-url`}
        type="url"
        required
        maxLength={500}
        value={value.issuerUrl}
        onChange={(e) => set({ issuerUrl: e.target.value })}
        aria-describedby={`${id}-url-hint`}
      />
      <p id={`${id}-url-hint`} className="field-hint">
        Its settings are read from /.well-known/openid-configuration under it. Entra ID: https://login.microsoftonline.com/&lt;tenant id&gt;/v2.0; Google:
        https://accounts.google.com.
      </p>
      <label htmlFor={`${id}-client`}>Client id</label>
      <input id={`${id}-client`} required maxLength={300} value={value.clientId} onChange={(e) => set({ clientId: e.target.value })} />
      <label htmlFor={`${id}-secret`}>{secretSet ? 'Replace the client secret' : 'Client secret'}</label>
      <input
        id={`${id}-secret`}
        type="password"
        autoComplete="new-password"
        required={!secretSet}
        maxLength={2000}
        value={value.clientSecret}
        onChange={(e) => set({ clientSecret: e.target.value })}
        aria-describedby={secretSet ? `${id}-secret-hint` : undefined}
      />
      {secretSet && (
        <p id={`${id}-secret-hint`} className="field-hint">
          A secret is set; it is never shown. Leave this empty to keep it.
        </p>
      )}
      <fieldset className="checklist">
        <legend>Who signs in with it</legend>
        <label className="row">
          <input type="checkbox" checked={value.forTechs} onChange={(e) => set({ forTechs: e.target.checked })} />
          Techs (Tech Console)
        </label>
        <label className="row">
          <input type="checkbox" checked={value.forPortal} onChange={(e) => set({ forPortal: e.target.checked })} />
          Portal users (Client Portal)
        </label>
        {value.forTechs && (
          <label className="row">
            <input type="checkbox" checked={value.createTechs} onChange={(e) => set({ createTechs: e.target.checked })} />
            Create techs unknown here on first sign-in (without access to any board or company)
          </label>
        )}
      </fieldset>
    </>
  );
}

const EMPTY: Fields = { name: '', issuerUrl: '', clientId: '', clientSecret: '', forTechs: false, forPortal: true, createTechs: false };
const trimmed = (f: Fields) => ({ ...f, name: f.name.trim(), issuerUrl: f.issuerUrl.trim(), clientId: f.clientId.trim() });

function NewIssuer({ save }: { save: ReturnType<typeof useSave> }) {
  const id = useId();
  const [fields, setFields] = useState(EMPTY);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (
      await save.run(`Issuer “${fields.name.trim()}” added`, () =>
        api.post('/api/admin/sso/issuers', { ...trimmed(fields), createTechs: fields.forTechs && fields.createTechs }),
      )
    )
      setFields(EMPTY);
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Add an issuer</h2>
      <IssuerFields value={fields} onChange={setFields} secretSet={false} />
      <div>
        <button type="submit" disabled={save.busy || (!fields.forTechs && !fields.forPortal)}>
          Add issuer
        </button>
      </div>
    </form>
  );
}

function IssuerRow({ issuer, save }: { issuer: AdminIssuer; save: ReturnType<typeof useSave> }) {
  const qc = useQueryClient();
  const [fields, setFields] = useState<Fields>({ ...issuer, clientSecret: '' });
  const [confirmRemove, setConfirmRemove] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { clientSecret, ...rest } = trimmed(fields);
    void save.run(`Issuer “${rest.name}” saved`, () =>
      api.patch(`/api/admin/sso/issuers/${issuer.id}`, { ...rest, createTechs: rest.forTechs && rest.createTechs, ...(clientSecret ? { clientSecret } : {}) }),
    );
  };
  return (
    <li className="card">
      <form className="stack" onSubmit={submit} aria-label={`Issuer ${issuer.name}`}>
        <h2>{issuer.name}</h2>
        <IssuerFields value={fields} onChange={setFields} secretSet={issuer.hasClientSecret} />
        <div className="row">
          <button type="submit" className="secondary" disabled={save.busy || (!fields.forTechs && !fields.forPortal)}>
            Save issuer
          </button>
          <button type="button" className="secondary" onClick={() => setConfirmRemove(true)}>
            Remove…
          </button>
        </div>
      </form>
      {confirmRemove && (
        <ConfirmDialog
          title={`Remove ${issuer.name}?`}
          message="Its button leaves the login pages. People who signed in with it keep their accounts."
          confirmLabel="Remove the issuer"
          onConfirm={() =>
            api
              .delete(`/api/admin/sso/issuers/${issuer.id}`)
              .then(() => qc.invalidateQueries({ queryKey: keys.admin('sso') }))
              .then(() => flash(`Issuer “${issuer.name}” removed`))
          }
          onClose={() => setConfirmRemove(false)}
        />
      )}
    </li>
  );
}
