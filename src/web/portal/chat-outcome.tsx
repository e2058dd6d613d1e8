import { formatDateTime } from '../common/format.js';
import { Link } from '../common/router.js';
import type { PortalChat } from '../common/types.js';

/** What became of a chat that is no longer live: callback, abandoned, or ended with its transcript. */
export function ChatOutcome({ chat }: { chat: PortalChat }) {
  if (chat.status === 'callback')
    return (
      <section className="card" data-testid="callback-confirmed">
        <h2>We will call you back</h2>
        <p>
          A technician will call you at <strong>{chat.callback?.phone}</strong>
          {chat.callback?.preferredTime ? <> ({chat.callback.preferredTime})</> : null}.
        </p>
      </section>
    );
  if (chat.status === 'abandoned')
    return (
      <section className="card" data-testid="abandoned">
        <h2>You left the queue</h2>
        <p>You left before a technician joined. A technician may still follow up on your request.</p>
        <Link to="/new">Start a new request</Link>
      </section>
    );
  if (chat.status !== 'completed') return null;
  const ticketId = chat.createdTicketId ?? chat.ticketId;
  return (
    <section className="card" data-testid="chat-ended">
      <h2>This chat has ended</h2>
      <p>
        Ended {formatDateTime(chat.endedAt ?? chat.completedAt)}
        {chat.createdTicketId ? <> · a ticket was created for it: </> : ticketId ? <> · about </> : null}
        {ticketId && <Link to={`/tickets/${ticketId}`}>ticket #{ticketId}</Link>}
      </p>
      {chat.messagesRemovedAt ? (
        <p data-testid="messages-removed">
          The messages of this chat were removed {formatDateTime(chat.messagesRemovedAt)}, as your service provider keeps them only for a set time.
        </p>
      ) : (
        <p>
          <a className="button" href={`/api/portal/chats/${chat.id}/transcript`} download={`chat-${chat.id}.txt`}>
            Download the transcript
          </a>
        </p>
      )}
    </section>
  );
}
