import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { Feedback, IdChecklist, ListFilter, matches } from './feedback.js';
import { useBoards, useCompanies, useSave, type Company, type Named } from './admin-data.js';

export function BoardsAdmin() {
  const boards = useBoards();
  const companies = useCompanies();
  const save = useSave();
  const id = useId();
  const [name, setName] = useState('');
  const [q, setQ] = useState('');
  const shown = (boards.data ?? []).filter((b) => matches(q, b.name));
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await save.run(`Board “${name.trim()}” added`, () => api.post('/api/admin/boards', { name: name.trim() }))) setName('');
  };
  return (
    <>
      <Feedback {...save} />
      <ErrorBanner error={boards.error} />
      <form className="card row" onSubmit={add}>
        <label htmlFor={`${id}-new`}>New board</label>
        <input id={`${id}-new`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} className="grow" />
        <button type="submit" disabled={save.busy}>
          Add board
        </button>
      </form>
      <ListFilter label="Find a board" value={q} onChange={setQ} shown={shown.length} total={boards.data?.length ?? 0} />
      <ul className="admin-list">
        {shown.map((b) => (
          <BoardRow key={b.id} board={b} companies={companies.data ?? []} save={save} />
        ))}
      </ul>
    </>
  );
}

function BoardRow({ board, companies, save }: { board: Named; companies: Company[]; save: ReturnType<typeof useSave> }) {
  const [name, setName] = useState(board.name);
  const offeredNow = companies.filter((c) => c.boardIds.includes(board.id)).map((c) => c.id);
  const [offered, setOffered] = useState<number[] | null>(null);
  const shown = offered ?? offeredNow;
  const changed = offered !== null && (offered.length !== offeredNow.length || offered.some((c) => !offeredNow.includes(c)));
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run(`Board renamed to “${name.trim()}”`, () => api.put(`/api/admin/boards/${board.id}`, { name: name.trim() }));
  };
  const offer = async (e: FormEvent) => {
    e.preventDefault();
    if (
      await save.run(`“${board.name}” offered to ${shown.length} ${shown.length === 1 ? 'company' : 'companies'}`, () =>
        api.put(`/api/admin/boards/${board.id}/companies`, { companyIds: shown }),
      )
    )
      setOffered(null);
  };
  return (
    <li className="card stack">
      <form className="row" onSubmit={submit}>
        <label htmlFor={id}>Board #{board.id} name</label>
        <input id={id} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} className="grow" />
        <button type="submit" className="secondary" disabled={save.busy || name.trim() === board.name}>
          Rename
        </button>
      </form>
      {/* The board's side of the offer: which companies' users may request chats on it. */}
      <form className="stack" onSubmit={offer}>
        <IdChecklist legend={`Companies that may request chats on “${board.name}”`} options={companies} value={shown} onChange={setOffered} />
        <div>
          <button type="submit" className="secondary" disabled={save.busy || !changed}>
            Save companies
          </button>
        </div>
      </form>
    </li>
  );
}
