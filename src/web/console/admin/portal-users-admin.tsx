import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { Feedback, ListFilter, matches } from './feedback.js';
import { useCompanies, usePortalUsers, useSave, type PortalUser } from './admin-data.js';

export function PortalUsersAdmin() {
  const users = usePortalUsers();
  const companies = useCompanies();
  const save = useSave();
  const id = useId();
  const blank = { companyId: '', email: '', name: '', password: '', phone: '' };
  const [v, setV] = useState(blank);
  const [q, setQ] = useState('');
  const shown = (users.data ?? []).filter((u) => matches(q, u.name, u.email, u.company.name));
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      companyId: Number(v.companyId),
      email: v.email.trim(),
      name: v.name.trim(),
      password: v.password,
      ...(v.phone.trim() ? { phone: v.phone.trim() } : {}),
    };
    if (await save.run(`Portal user ${body.name} added`, () => api.post('/api/admin/portal-users', body))) setV(blank);
  };
  return (
    <>
      <Feedback {...save} />
      <ErrorBanner error={users.error ?? companies.error} />
      <form className="card stack" onSubmit={add} aria-labelledby={`${id}-h`}>
        <h2 id={`${id}-h`}>Add a portal user</h2>
        <label htmlFor={`${id}-co`}>Company</label>
        <select id={`${id}-co`} required value={v.companyId} onChange={(e) => setV({ ...v, companyId: e.target.value })}>
          <option value="">Choose…</option>
          {companies.data?.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
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
        <label htmlFor={`${id}-phone`}>Phone (optional)</label>
        <input id={`${id}-phone`} type="tel" value={v.phone} onChange={(e) => setV({ ...v, phone: e.target.value })} />
        <div>
          <button type="submit" disabled={save.busy}>
            Add portal user
          </button>
        </div>
      </form>
      <ListFilter label="Find a portal user (name, email or company)" value={q} onChange={setQ} shown={shown.length} total={users.data?.length ?? 0} />
      <ul className="admin-list">
        {shown.map((u) => (
          <PortalUserRow key={u.id} user={u} save={save} />
        ))}
      </ul>
    </>
  );
}

/** One line per user; open to change name, phone or password, or to (de)activate. */
function PortalUserRow({ user: u, save }: { user: PortalUser; save: ReturnType<typeof useSave> }) {
  const id = useId();
  const [name, setName] = useState(u.name);
  const [phone, setPhone] = useState(u.phone ?? '');
  const [password, setPassword] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const patch = {
      ...(name.trim() !== u.name ? { name: name.trim() } : {}),
      ...(phone.trim() && phone.trim() !== (u.phone ?? '') ? { phone: phone.trim() } : {}),
      ...(password ? { password } : {}),
    };
    if (await save.run(`${name.trim()} saved`, () => api.patch(`/api/admin/portal-users/${u.id}`, patch))) setPassword('');
  };
  return (
    <li className="card" data-testid="portal-user-row">
      <details>
        <summary>
          <strong>{u.name}</strong> <span className="muted">{u.email}</span> · {u.company.name}
          {u.phone ? ` · ${u.phone}` : ''} · {u.active ? 'Active' : 'Deactivated'}
        </summary>
        <form className="stack" onSubmit={submit} aria-label={`Portal user ${u.name}`}>
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          <label htmlFor={`${id}-phone`}>Phone</label>
          <input id={`${id}-phone`} type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} />
          <label htmlFor={`${id}-pw`}>New password (leave empty to keep; signs the user out everywhere)</label>
          <input id={`${id}-pw`} type="password" autoComplete="new-password" minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} />
          <div className="row">
            <button type="submit" disabled={save.busy}>
              Save {u.name}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={save.busy}
              onClick={() =>
                void save.run(`${u.name} ${u.active ? 'deactivated' : 'reactivated'}`, () =>
                  api.patch(`/api/admin/portal-users/${u.id}`, { active: !u.active }),
                )
              }
            >
              {u.active ? `Deactivate ${u.name}` : `Reactivate ${u.name}`}
            </button>
          </div>
        </form>
        <PrivacyActions user={u} save={save} />
      </details>
    </li>
  );
}

/** The person's data: a JSON download, and erasure after typing their email (docs/operations.md). */
function PrivacyActions({ user: u, save }: { user: PortalUser; save: ReturnType<typeof useSave> }) {
  const id = useId();
  const [confirm, setConfirm] = useState('');
  const erase = async (e: FormEvent) => {
    e.preventDefault();
    const done = await save.run(`${u.name}’s data was erased`, () => api.post(`/api/admin/portal-users/${u.id}/erase`, { confirmEmail: confirm }));
    if (done) setConfirm('');
  };
  return (
    <form className="stack" onSubmit={erase} aria-label={`Data of ${u.name}`}>
      <h4>Their data</h4>
      <a href={`/api/admin/portal-users/${u.id}/export`} download={`portal-user-${u.id}.json`}>
        Download {u.name}’s data (JSON)
      </a>
      <label htmlFor={`${id}-confirm`}>To erase {u.name}’s data for good, type their email</label>
      <span className="muted" id={`${id}-what`}>
        Removes their name, email, phone and password, the text of their messages, their chats’ subjects and transcripts. The chats’ times and outcomes, the
        tickets and the technicians’ messages stay.
      </span>
      <input
        id={`${id}-confirm`}
        type="email"
        autoComplete="off"
        aria-describedby={`${id}-what`}
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
      />
      <div className="row">
        <button type="submit" className="danger" disabled={save.busy || confirm.trim().toLowerCase() !== u.email.toLowerCase()}>
          Erase {u.name}’s data
        </button>
      </div>
    </form>
  );
}
