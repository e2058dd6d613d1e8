import { useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime } from '../common/format.js';
import { Link, navigate } from '../common/router.js';
import { newClientId } from '../common/socket.js';
import type { PortalChat } from '../common/types.js';
import { useSubmit } from '../common/use-submit.js';
import { keys } from './queries.js';
import { ChatRating } from './chat-rating.js';
import { TranscriptByMail } from './transcript-mail.js';

/**
 * What became of a chat that is no longer live: callback, abandoned (left, or the connection was
 * lost for too long), or ended with its transcript. `firstMessage`: what the user first wrote, for
 * asking again in one click.
 */
export function ChatOutcome({ chat, firstMessage }: { chat: PortalChat; firstMessage: string | null }) {
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
  if (chat.status === 'abandoned' && chat.abandonReason === 'disconnected') return <ConnectionLost chat={chat} firstMessage={firstMessage} />;
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
  const calledBack = chat.callbackAt !== null && chat.endedAt === null;
  return (
    <section className="card" data-testid="chat-ended">
      {/* A callback request a technician marked done (they called, or followed it up) ends here too. */}
      <h2>{calledBack ? 'Your callback request is done' : 'This chat has ended'}</h2>
      <p>
        {calledBack ? 'A technician marked it done' : 'Ended'} {formatDateTime(chat.endedAt ?? chat.completedAt)}
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
      {!chat.messagesRemovedAt && <TranscriptByMail chat={chat} />}
      <ChatRating chat={chat} />
    </section>
  );
}

/**
 * The user did not leave: their connection was lost for longer than the grace and the request
 * closed. One click asks again with the same subject and first message (on the same ticket, for
 * a ticket's chat).
 */
function ConnectionLost({ chat, firstMessage }: { chat: PortalChat; firstMessage: string | null }) {
  const qc = useQueryClient();
  // One id for this button: a double click, or a retry after a lost answer, is one request.
  const clientId = useRef(newClientId());
  const again = useSubmit(async () => {
    const message = firstMessage ?? chat.subject;
    const r = chat.ticketId
      ? await api.post<{ existing: boolean; chat: PortalChat }>(`/api/portal/tickets/${chat.ticketId}/chat`, { message })
      : await api.post<{ existing: boolean; chat: PortalChat }>('/api/portal/chats', {
          boardId: chat.board.id,
          subject: chat.subject,
          message,
          clientId: clientId.current,
        });
    void qc.invalidateQueries({ queryKey: keys.chats });
    navigate(`/chats/${r.chat.id}${r.existing ? '?existing=1' : ''}`);
  });
  return (
    <section className="card stack" data-testid="closed-connection-lost">
      <h2>The connection was lost</h2>
      <p>
        We could not reach your browser for a while, so this request was closed {formatDateTime(chat.abandonedAt)} before a technician joined. You did not
        leave: you can ask again with the same subject and message.
      </p>
      <ErrorBanner error={again.error} onDismiss={again.clearError} />
      <div className="row">
        <button type="button" disabled={again.busy} onClick={() => void again.submit()}>
          Ask again
        </button>
        <Link to="/new">Start a different request</Link>
      </div>
    </section>
  );
}
