import { useId, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { useSubmit } from '../common/use-submit.js';
import type { ConsoleChat } from '../common/types.js';
import { keys, useDirectory } from './queries.js';

/** A ticket made later from a completed new-request chat that was just ended. */
export function TicketFromChat({ chat }: { chat: ConsoleChat }) {
  const qc = useQueryClient();
  const dir = useDirectory();
  const id = useId();
  const [boardId, setBoardId] = useState(chat.board.id);
  const [summary, setSummary] = useState(chat.subject);
  const { submit, busy, error, clearError } = useSubmit(async () => {
    await api.post(`/api/console/chats/${chat.id}/ticket`, { boardId, summary: summary.trim() });
    await qc.invalidateQueries({ queryKey: keys.chat(chat.id) });
    void qc.invalidateQueries({ queryKey: keys.tickets });
  });
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Create a ticket from this chat</h2>
      <ErrorBanner error={error} onDismiss={clearError} />
      <label htmlFor={`${id}-board`}>Ticket board</label>
      <select id={`${id}-board`} value={boardId} onChange={(e) => setBoardId(Number(e.target.value))}>
        {(dir.data?.boards ?? [chat.board]).map((b) => (
          <option key={b.id} value={b.id}>
            {b.name}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-summary`}>Ticket summary</label>
      <input id={`${id}-summary`} required maxLength={200} value={summary} onChange={(e) => setSummary(e.target.value)} />
      <div>
        <button type="submit" disabled={busy}>
          Create ticket
        </button>
      </div>
    </form>
  );
}
