/**
 * A company's single sign-on settings, on its card in the companies page: the email domains that
 * put a signing-in portal user in this company, whether people unknown here are created, and which
 * identity provider's word counts for its people (a client company's own provider could otherwise
 * vouch for another company's domain).
 */
import { useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import type { CompanySignIn } from '../../../shared/sso.js';
import { keys } from '../queries.js';
import type { useSave } from './admin-data.js';
import { useSsoAdmin } from './sso-admin.js';

export const useCompaniesSignIn = () =>
  useQuery({ queryKey: keys.admin('sso-companies'), queryFn: () => api.get<CompanySignIn[]>('/api/admin/sso/companies') });

const splitDomains = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter(Boolean);

export function CompanySignInForm({
  companyName,
  companyId,
  initial,
  save,
}: {
  companyName: string;
  companyId: number;
  initial: CompanySignIn | undefined;
  save: ReturnType<typeof useSave>;
}) {
  const id = useId();
  const [domains, setDomains] = useState((initial?.emailDomains ?? []).join(', '));
  const [createUsers, setCreateUsers] = useState(initial?.createUsers ?? false);
  const [issuerId, setIssuerId] = useState(initial?.issuerId ?? null);
  const portalIssuers = (useSsoAdmin().data?.issuers ?? []).filter((i) => i.forPortal);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run(`Sign-in of “${companyName}” saved`, () =>
      api.put(`/api/admin/sso/companies/${companyId}`, { emailDomains: splitDomains(domains), createUsers, issuerId }),
    );
  };
  return (
    <form className="stack" onSubmit={submit} aria-label={`Single sign-on of ${companyName}`}>
      <label htmlFor={`${id}-domains`}>Email domains (single sign-on)</label>
      <input
        id={`${id}-domains`}
        value={domains}
        maxLength={5000}
        placeholder="example.com, example.org"
        onChange={(e) => setDomains(e.target.value)}
        aria-describedby={`${id}-hint`}
      />
      <p id={`${id}-hint`} className="field-hint">
        A portal user who signs in with single sign-on and a verified address at one of these domains belongs to this company. Separate several with commas.
      </p>
      <label className="row">
        <input type="checkbox" checked={createUsers} onChange={(e) => setCreateUsers(e.target.checked)} />
        Create unknown people on first sign-in
      </label>
      <label htmlFor={`${id}-issuer`}>Identity provider for this company</label>
      <select
        id={`${id}-issuer`}
        value={issuerId ?? ''}
        onChange={(e) => setIssuerId(e.target.value ? Number(e.target.value) : null)}
        aria-describedby={`${id}-issuer-hint`}
      >
        <option value="">Any provider of the Client Portal</option>
        {portalIssuers.map((i) => (
          <option key={i.id} value={i.id}>
            {i.name}
          </option>
        ))}
        {issuerId !== null && !portalIssuers.some((i) => i.id === issuerId) && <option value={issuerId}>A removed provider (nobody signs in)</option>}
      </select>
      <p id={`${id}-issuer-hint`} className="field-hint">
        Choose the company's own provider when it brings one: then no other provider can sign in its people.
      </p>
      <div>
        <button type="submit" className="secondary" disabled={save.busy}>
          Save sign-in
        </button>
      </div>
    </form>
  );
}
