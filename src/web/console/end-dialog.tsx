/** Ending an active chat: just end, or end with a new ticket (board, summary); a note is optional. */
import { flash } from '../common/flash.js';
import { useId, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import type { ConsoleChat } from '../common/types.js';
import { Modal } from '../common/modal.js';
import { useSubmit } from '../common/use-submit.js';
import { keys, useDirectory } from './queries.js';

export function EndDialog({ chat, onClose }: { chat: ConsoleChat; onClose: () => void }) {
  const qc = useQueryClient();
  const dir = useDirectory();
  const id = useId();
  const [withTicket, setWithTicket] = useState(false);
  const [boardId, setBoardId] = useState<number>(chat.board.id);
  const [summary, setSummary] = useState(chat.subject);
  const [note, setNote] = useState('');
  const { submit, busy, error, clearError } = useSubmit(async () => {
    const n = note.trim() ? { note: note.trim() } : {};
    const body = withTicket ? { outcome: 'ticket_created', boardId, summary: summary.trim(), ...n } : { outcome: 'ended', ...n };
    const next = await api.post<ConsoleChat & { ticketId: number | null }>(`/api/console/chats/${chat.id}/end`, body);
    qc.setQueryData(keys.chat(chat.id), next);
    void qc.invalidateQueries({ queryKey: keys.statusBar });
    void qc.invalidateQueries({ queryKey: keys.tickets });
    void qc.invalidateQueries({ queryKey: ['console', 'search'] });
    flash(
      next.outcome === 'ticket_created' && next.createdTicketId
        ? `Ended, and ticket #${next.createdTicketId} created: ${summary.trim()}`
        : `Ended: ${chat.subject}`,
    );
    onClose();
  });

  return (
    <Modal title="End the chat" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        {chat.source === 'ticket' && chat.ticketId !== null && (
          <p className="banner banner-ok" data-testid="transcript-target">
            This chat is about ticket #{chat.ticketId}: its transcript will be attached to that ticket.
          </p>
        )}
        <ErrorBanner error={error} onDismiss={clearError} />
        <fieldset className="stack">
          <legend>How do you end it?</legend>
          <label className="row">
            <input type="radio" name={`${id}-how`} checked={!withTicket} onChange={() => setWithTicket(false)} />
            Just end the chat
          </label>
          <label className="row">
            <input type="radio" name={`${id}-how`} checked={withTicket} onChange={() => setWithTicket(true)} />
            End and create a ticket
          </label>
        </fieldset>
        {withTicket && (
          <>
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
          </>
        )}
        <label htmlFor={`${id}-note`}>Note (optional, for technicians only)</label>
        <textarea id={`${id}-note`} rows={3} maxLength={10000} value={note} onChange={(e) => setNote(e.target.value)} />
        <div className="row">
          <button type="submit" disabled={busy}>
            {withTicket ? 'End and create ticket' : 'End chat'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
