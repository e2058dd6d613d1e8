import { useId, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { useSubmit } from '../common/use-submit.js';
import type { TicketDetail } from '../common/types.js';
import { keys, useDirectory } from './queries.js';
import { TICKET_STATUS_TEXT } from './tickets-page.js';

/** Status and assigned technician of a ticket; a status change shows on the timeline. */
export function TicketUpdate({ ticket }: { ticket: TicketDetail }) {
  const qc = useQueryClient();
  const dir = useDirectory();
  const id = useId();
  const [status, setStatus] = useState(ticket.status);
  const [techId, setTechId] = useState(ticket.assignedTech?.id ?? 0);
  const { submit, busy, error, clearError } = useSubmit(async () => {
    const next = await api.patch<TicketDetail>(`/api/console/tickets/${ticket.id}`, { status, assignedTechId: techId || null });
    qc.setQueryData(keys.ticket(ticket.id), next);
    void qc.invalidateQueries({ queryKey: keys.tickets });
  });
  const unchanged = status === ticket.status && techId === (ticket.assignedTech?.id ?? 0);
  return (
    <form className="card row" onSubmit={submit} aria-label="Update the ticket">
      <ErrorBanner error={error} onDismiss={clearError} />
      <label htmlFor={`${id}-status`}>Status</label>
      <select id={`${id}-status`} className="auto" value={status} onChange={(e) => setStatus(e.target.value as TicketDetail['status'])}>
        {Object.entries(TICKET_STATUS_TEXT).map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-tech`}>Assigned technician</label>
      <select id={`${id}-tech`} className="auto" value={techId} onChange={(e) => setTechId(Number(e.target.value))}>
        <option value={0}>Nobody</option>
        {dir.data?.techs.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy || unchanged}>
        Save
      </button>
    </form>
  );
}
