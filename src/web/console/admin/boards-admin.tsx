import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { Feedback } from './feedback.js';
import { useBoards, useSave, type Named } from './admin-data.js';

export function BoardsAdmin() {
  const boards = useBoards();
  const save = useSave();
  const id = useId();
  const [name, setName] = useState('');
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
      <ul className="admin-list">
        {boards.data?.map((b) => (
          <BoardRow key={b.id} board={b} save={save} />
        ))}
      </ul>
    </>
  );
}

function BoardRow({ board, save }: { board: Named; save: ReturnType<typeof useSave> }) {
  const [name, setName] = useState(board.name);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run(`Board renamed to “${name.trim()}”`, () => api.put(`/api/admin/boards/${board.id}`, { name: name.trim() }));
  };
  return (
    <li className="card">
      <form className="row" onSubmit={submit}>
        <label htmlFor={id}>Board #{board.id} name</label>
        <input id={id} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} className="grow" />
        <button type="submit" className="secondary" disabled={save.busy || name.trim() === board.name}>
          Rename
        </button>
      </form>
    </li>
  );
}
