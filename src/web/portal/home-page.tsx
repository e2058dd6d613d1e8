import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime } from '../common/format.js';
import { Link } from '../common/router.js';
import { chatStatusText, TICKET_STATUS_TEXT } from './status-text.js';
import { isOpen, useChats, useTickets } from './queries.js';
import { OfficeHoursPanel } from './office-hours-panel.js';
import { useBoardWord } from '../common/branding.js';

export function HomePage() {
  const tickets = useTickets();
  const boardWord = useBoardWord().label;
  const chats = useChats();
  const open = (chats.data ?? []).filter(isOpen);
  const past = (chats.data ?? []).filter((c) => !isOpen(c)).slice(0, 20);
  return (
    <main className="app-main">
      <h1>My tickets and chats</h1>
      {open.map((c) => (
        <div key={c.id} className="banner banner-ok">
          <span>
            Open chat: <strong>{c.subject}</strong> ({chatStatusText(c)})
          </span>
          <Link to={`/chats/${c.id}`} className="button">
            Return to chat
          </Link>
        </div>
      ))}
      <p>
        <Link to="/new" className="button">
          Start a new request
        </Link>
      </p>
      {/* Whether anyone is there to chat now, before the user starts. */}
      <OfficeHoursPanel compact waiting={false} />

      <h2>My tickets</h2>
      <ErrorBanner error={tickets.error} />
      {tickets.data && tickets.data.length === 0 && <p className="muted">You have no tickets.</p>}
      {tickets.data && tickets.data.length > 0 && (
        <table className="responsive">
          <thead>
            <tr>
              <th scope="col">Ticket</th>
              <th scope="col">Summary</th>
              <th scope="col">{boardWord}</th>
              <th scope="col">Status</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {tickets.data.map((t) => (
              <tr key={t.id}>
                <td>#{t.id}</td>
                <td>
                  <Link to={`/tickets/${t.id}`}>{t.summary}</Link>
                </td>
                <td>{t.board.name}</td>
                <td>{TICKET_STATUS_TEXT[t.status] ?? t.status}</td>
                <td>{formatDateTime(t.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Past chats</h2>
      <ErrorBanner error={chats.error} />
      {chats.data && past.length === 0 && <p className="muted">No past chats.</p>}
      {past.length > 0 && (
        <ul>
          {past.map((c) => (
            <li key={c.id}>
              <Link to={`/chats/${c.id}`}>{c.subject}</Link> · {chatStatusText(c)} · {formatDateTime(c.requestedAt)}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
