import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { Feedback, IdChecklist, ListFilter, matches } from './feedback.js';
import { CompanyWidget } from './company-widget.js';
import { useBoards, useCompanies, useSave, type Company, type Named } from './admin-data.js';
import { CompanySignInForm, useCompaniesSignIn } from './company-sign-in.js';
import type { CompanySignIn } from '../../../shared/sso.js';

export function CompaniesAdmin() {
  const companies = useCompanies();
  const boards = useBoards();
  const signIn = useCompaniesSignIn();
  const save = useSave();
  const id = useId();
  const [name, setName] = useState('');
  const [boardIds, setBoardIds] = useState<number[]>([]);
  const [q, setQ] = useState('');
  const shown = (companies.data ?? []).filter((c) => matches(q, c.name));
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await save.run(`Company “${name.trim()}” added`, () => api.post('/api/admin/companies', { name: name.trim(), boardIds }))) {
      setName('');
      setBoardIds([]);
    }
  };
  return (
    <>
      <Feedback {...save} />
      <ErrorBanner error={companies.error ?? boards.error} />
      <form className="card stack" onSubmit={add} aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>Add a company</h2>
        <label htmlFor={`${id}-name`}>Company name</label>
        <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        <IdChecklist legend="Boards offered to its users" options={boards.data ?? []} value={boardIds} onChange={setBoardIds} />
        <div>
          <button type="submit" disabled={save.busy}>
            Add company
          </button>
        </div>
      </form>
      <ListFilter label="Find a company" value={q} onChange={setQ} shown={shown.length} total={companies.data?.length ?? 0} />
      <ul className="admin-list">
        {shown.map((c) => (
          <CompanyRow
            key={c.id}
            company={c}
            boards={boards.data ?? []}
            save={save}
            signIn={signIn.data?.find((x) => x.companyId === c.id)}
            loaded={!!signIn.data}
          />
        ))}
      </ul>
    </>
  );
}

function CompanyRow({
  company,
  boards,
  save,
  signIn,
  loaded,
}: {
  company: Company;
  boards: Named[];
  save: ReturnType<typeof useSave>;
  signIn: CompanySignIn | undefined;
  loaded: boolean;
}) {
  const [name, setName] = useState(company.name);
  const [boardIds, setBoardIds] = useState(company.boardIds);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run(`Company “${name.trim()}” saved`, () => api.put(`/api/admin/companies/${company.id}`, { name: name.trim(), boardIds }));
  };
  return (
    <li className="card">
      <form className="stack" onSubmit={submit} aria-label={`Company ${company.name}`}>
        <label htmlFor={id}>Name</label>
        <input id={id} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        <IdChecklist legend={`Boards offered to ${company.name}`} options={boards} value={boardIds} onChange={setBoardIds} />
        <div>
          <button type="submit" className="secondary" disabled={save.busy}>
            Save company
          </button>
        </div>
      </form>
      <CompanyWidget companyId={company.id} companyName={company.name} save={save} />
      {loaded && (
        <CompanySignInForm
          key={signIn ? `${signIn.emailDomains.join()}|${signIn.createUsers}` : 'none'}
          companyName={company.name}
          companyId={company.id}
          initial={signIn}
          save={save}
        />
      )}
    </li>
  );
}
