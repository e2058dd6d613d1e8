import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime } from '../common/format.js';
import { Link } from '../common/router.js';
import { useTickets } from './queries.js';

export const TICKET_STATUS_TEXT: Record<string, string> = { open: 'Open', in_progress: 'In progress', closed: 'Closed' };

/** The tickets this tech can see, most recently changed first. */
export function TicketsPage() {
  const tickets = useTickets();
  return (
    <main className="app-main" id="main">
      <h1>Tickets</h1>
      <ErrorBanner error={tickets.error} />
      {tickets.data?.length === 0 && <p className="muted">No tickets.</p>}
      {!!tickets.data?.length && (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Ticket</th>
              <th scope="col">Company</th>
              <th scope="col">Board</th>
              <th scope="col">Contact</th>
              <th scope="col">Status</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {tickets.data.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link to={`/console/tickets/${t.id}`}>
                    #{t.id} {t.summary}
                  </Link>
                </td>
                <td>{t.company.name}</td>
                <td>{t.board.name}</td>
                <td>{t.contact.name}</td>
                <td>{TICKET_STATUS_TEXT[t.status] ?? t.status}</td>
                <td>{formatDateTime(t.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
