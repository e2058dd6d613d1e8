/** Technicians: create, role, active, and their access grants (boards; all companies or a list). */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { Feedback, IdChecklist, ListFilter, matches } from './feedback.js';
import { useBoards, useCompanies, useSave, useTechs, type Named, type Tech } from './admin-data.js';

export function TechsAdmin() {
  const techs = useTechs();
  const boards = useBoards();
  const companies = useCompanies();
  const save = useSave();
  // The tech just added: their panel opens, so what was set can be checked at once.
  const [added, setAdded] = useState<number | null>(null);
  const [q, setQ] = useState('');
  const shown = (techs.data ?? []).filter((t) => matches(q, t.name, t.email));
  return (
    <>
      <Feedback {...save} />
      <ErrorBanner error={techs.error ?? boards.error ?? companies.error} />
      <NewTech save={save} boards={boards.data ?? []} companies={companies.data ?? []} onAdded={setAdded} />
      <ListFilter label="Find a technician (name or email)" value={q} onChange={setQ} shown={shown.length} total={techs.data?.length ?? 0} />
      <ul className="admin-list">
        {shown.map((t) => (
          <TechRow key={t.id} tech={t} boards={boards.data ?? []} companies={companies.data ?? []} save={save} open={t.id === added} />
        ))}
      </ul>
    </>
  );
}

function NewTech({
  save,
  boards,
  companies,
  onAdded,
}: {
  save: ReturnType<typeof useSave>;
  boards: Named[];
  companies: Named[];
  onAdded: (id: number) => void;
}) {
  const id = useId();
  const empty = { email: '', name: '', password: '', role: 'tech' as 'tech' | 'admin' };
  const [v, setV] = useState(empty);
  const [boardIds, setBoardIds] = useState<number[]>([]);
  const [allCompanies, setAll] = useState(false);
  const [companyIds, setCompanyIds] = useState<number[]>([]);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    let made: number | null = null;
    const grants = { boardIds, allCompanies, companyIds: allCompanies ? [] : companyIds };
    const ok = await save.run(`Technician ${v.name.trim()} added`, async () => {
      made = (await api.post<{ id: number }>('/api/admin/techs', { ...v, name: v.name.trim(), email: v.email.trim(), grants })).id;
    });
    if (!ok || made === null) return;
    setV(empty);
    setBoardIds([]);
    setAll(false);
    setCompanyIds([]);
    onAdded(made);
  };
  return (
    <form className="card stack" onSubmit={add} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Add a technician</h2>
      <label htmlFor={`${id}-name`}>Name</label>
      <input id={`${id}-name`} required maxLength={200} value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} />
      <label htmlFor={`${id}-email`}>Email</label>
      <input id={`${id}-email`} type="email" required value={v.email} onChange={(e) => setV({ ...v, email: e.target.value })} />
      <label htmlFor={`${id}-pw`}>Password (at least 8 characters)</label>
      <input
        id={`${id}-pw`}
        type="password"
        autoComplete="new-password"
        minLength={8}
        required
        value={v.password}
        onChange={(e) => setV({ ...v, password: e.target.value })}
      />
      <label htmlFor={`${id}-role`}>Role</label>
      <select id={`${id}-role`} value={v.role} onChange={(e) => setV({ ...v, role: e.target.value as 'tech' | 'admin' })}>
        <option value="tech">Technician</option>
        <option value="admin">Admin</option>
      </select>
      {v.role === 'tech' && (
        <>
          <IdChecklist legend="Boards they can see" options={boards} value={boardIds} onChange={setBoardIds} />
          <label className="row">
            <input type="checkbox" checked={allCompanies} onChange={(e) => setAll(e.target.checked)} />
            All companies
          </label>
          {!allCompanies && <IdChecklist legend="Companies they can see" options={companies} value={companyIds} onChange={setCompanyIds} />}
        </>
      )}
      <div>
        <button type="submit" disabled={save.busy}>
          Add technician
        </button>
      </div>
    </form>
  );
}

function TechRow({
  tech,
  boards,
  companies,
  save,
  open,
}: {
  tech: Tech;
  boards: Named[];
  companies: Named[];
  save: ReturnType<typeof useSave>;
  open: boolean;
}) {
  const id = useId();
  const panel = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const d = panel.current;
    if (!open || !d) return;
    d.open = true;
    d.scrollIntoView({ block: 'start' });
    d.querySelector('summary')?.focus();
  }, [open]);
  const [boardIds, setBoardIds] = useState(tech.grants.boardIds);
  const [allCompanies, setAll] = useState(tech.grants.allCompanies);
  const [companyIds, setCompanyIds] = useState(tech.grants.companyIds);
  const [role, setRole] = useState(tech.role);
  const grants = (e: FormEvent) => {
    e.preventDefault();
    void save.run(`Access of ${tech.name} saved`, () =>
      api.put(`/api/admin/techs/${tech.id}/grants`, { boardIds, allCompanies, companyIds: allCompanies ? [] : companyIds }),
    );
  };
  const boardNames = boards.filter((b) => tech.grants.boardIds.includes(b.id)).map((b) => b.name);
  const scope =
    tech.role === 'admin'
      ? 'everything (admin)'
      : `${boardNames.length ? boardNames.join(', ') : 'no board'}; ${tech.grants.allCompanies ? 'all companies' : `${tech.grants.companyIds.length} compan${tech.grants.companyIds.length === 1 ? 'y' : 'ies'}`}`;
  return (
    <li className="card" data-testid="tech-row">
      {/* Collapsed to one line each, so a long staff list stays readable; open to edit. */}
      <details ref={panel}>
        <summary>
          <strong>{tech.name}</strong> <span className="muted">{tech.email}</span> · {tech.role === 'admin' ? 'Admin' : 'Technician'} ·{' '}
          {tech.active ? (tech.available ? 'Available' : 'Do Not Respond') : 'Deactivated'} · access: {scope}
          {tech.role !== 'admin' && tech.maySeeReports ? ' · sees reports' : ''}
        </summary>
        <div className="row">
          <label htmlFor={`${id}-role`}>Role of {tech.name}</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as 'tech' | 'admin')} className="auto">
            <option value="tech">Technician</option>
            <option value="admin">Admin (access to everything)</option>
          </select>
          <button
            type="button"
            className="secondary"
            disabled={save.busy || role === tech.role}
            onClick={() => void save.run(`Role of ${tech.name} saved`, () => api.patch(`/api/admin/techs/${tech.id}`, { role }))}
          >
            Save role
          </button>
          <button
            type="button"
            className="secondary"
            disabled={save.busy}
            onClick={() =>
              void save.run(`${tech.name} ${tech.active ? 'deactivated' : 'reactivated'}`, () =>
                api.patch(`/api/admin/techs/${tech.id}`, { active: !tech.active }),
              )
            }
          >
            {tech.active ? `Deactivate ${tech.name}` : `Reactivate ${tech.name}`}
          </button>
          {tech.role !== 'admin' && (
            <button
              type="button"
              className="secondary"
              disabled={save.busy}
              onClick={() =>
                void save.run(
                  tech.maySeeReports ? `${tech.name} no longer sees reports` : `${tech.name} may see reports of the chats they have access to`,
                  () => api.put(`/api/admin/techs/${tech.id}/reports`, { allowed: !tech.maySeeReports }),
                )
              }
            >
              {tech.maySeeReports ? `Stop ${tech.name} seeing reports` : `Let ${tech.name} see reports`}
            </button>
          )}
        </div>
        <PasswordReset tech={tech} save={save} />
        <form className="stack" onSubmit={grants} aria-label={`Access of ${tech.name}`}>
          <IdChecklist legend={`Boards ${tech.name} can see`} options={boards} value={boardIds} onChange={setBoardIds} />
          <label className="row">
            <input type="checkbox" checked={allCompanies} onChange={(e) => setAll(e.target.checked)} />
            All companies
          </label>
          {!allCompanies && <IdChecklist legend={`Companies ${tech.name} can see`} options={companies} value={companyIds} onChange={setCompanyIds} />}
          <div>
            <button type="submit" disabled={save.busy}>
              Save access
            </button>
          </div>
        </form>
      </details>
    </li>
  );
}

function PasswordReset({ tech, save }: { tech: Tech; save: ReturnType<typeof useSave> }) {
  const id = useId();
  const [password, setPassword] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await save.run(`Password of ${tech.name} changed; their sessions were ended`, () => api.patch(`/api/admin/techs/${tech.id}`, { password })))
      setPassword('');
  };
  return (
    <form className="row" onSubmit={submit} aria-label={`Password of ${tech.name}`}>
      <label htmlFor={id}>New password for {tech.name}</label>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        minLength={8}
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        className="grow"
      />
      <button type="submit" className="secondary" disabled={save.busy}>
        Set password
      </button>
    </form>
  );
}
