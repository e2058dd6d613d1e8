/** Internal notes on a chat: add, edit, and the history of each edit. */
import { useId, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime } from '../common/format.js';
import { keys, useNotes, type Note } from './queries.js';

export function NotesPanel({ chatId }: { chatId: number }) {
  const notes = useNotes(chatId);
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/console/chats/${chatId}/notes`, { body: text.trim() });
      setText('');
      await qc.invalidateQueries({ queryKey: keys.notes(chatId) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby={`${id}-h`} data-testid="notes">
      <h2 id={`${id}-h`}>Notes</h2>
      <ErrorBanner error={notes.error} />
      {notes.data?.length === 0 && <p className="muted">No notes yet.</p>}
      <ul className="notes">
        {notes.data?.map((n) => (
          <NoteItem key={n.id} note={n} chatId={chatId} />
        ))}
      </ul>
      <form className="card stack" onSubmit={add}>
        <ErrorBanner error={error} onDismiss={() => setError(null)} />
        <label htmlFor={`${id}-new`}>New note</label>
        <textarea id={`${id}-new`} rows={3} maxLength={10000} required value={text} onChange={(e) => setText(e.target.value)} />
        <div>
          <button type="submit" disabled={busy || !text.trim()}>
            Add note
          </button>
        </div>
      </form>
    </section>
  );
}

function NoteItem({ note, chatId }: { note: Note; chatId: number }) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(note.body);
  const [error, setError] = useState<unknown>(null);
  const id = useId();
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.put(`/api/console/chats/${chatId}/notes/${note.id}`, { body: text.trim() });
      await qc.invalidateQueries({ queryKey: keys.notes(chatId) });
      setEditing(false);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <li className="card note" data-testid="note">
      <div className="muted">
        {note.author.name} · {formatDateTime(note.createdAt)}
        {note.edited && ` · edited ${formatDateTime(note.updatedAt)}`}
      </div>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {editing ? (
        <form className="stack" onSubmit={save}>
          <label htmlFor={`${id}-edit`}>Edit note</label>
          <textarea id={`${id}-edit`} rows={3} maxLength={10000} required value={text} onChange={(e) => setText(e.target.value)} />
          <div className="row">
            <button type="submit">Save note</button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <p className="pre note-body">{note.body}</p>
          {note.canEdit && (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setText(note.body);
                setEditing(true);
              }}
            >
              Edit
            </button>
          )}
        </>
      )}
      {note.history.length > 1 && (
        <details>
          <summary>History ({note.history.length} versions)</summary>
          <ol className="note-history">
            {note.history.map((h, i) => (
              <li key={i}>
                <span className="muted">
                  {h.editor.name} · {formatDateTime(h.at)}
                </span>
                <p className="pre">{h.body}</p>
              </li>
            ))}
          </ol>
        </details>
      )}
    </li>
  );
}
