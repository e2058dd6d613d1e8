import { formatDateTime } from '../common/format.js';
import { Link } from '../common/router.js';
import type { ConsoleChat } from '../common/types.js';

export const STATUS_TEXT: Record<string, string> = {
  waiting: 'Waiting',
  active: 'Active',
  abandoned: 'Abandoned',
  callback: 'Callback requested',
  completed: 'Completed',
};
export const OUTCOME_TEXT: Record<string, string> = { ended: 'Ended', ticket_created: 'Ticket created', completed: 'Completed' };

/** Why no technician is named: said plainly for a callback or a request the user left. */
function nobodyJoined(chat: ConsoleChat): string {
  if (chat.callbackAt) return 'None: the user asked for a callback';
  if (chat.abandonedAt) return chat.abandonReason === 'disconnected' ? "None: the user's connection was lost" : 'None: the user left before anyone joined';
  return 'Nobody has joined yet';
}

/** The same, short, for a line in a list of chats. */
export function nobodyJoinedShort(chat: Pick<ConsoleChat, 'callbackAt' | 'abandonedAt' | 'abandonReason'>): string {
  if (chat.callbackAt) return NOBODY_JOINED.callback;
  if (chat.abandonedAt) return NOBODY_JOINED[chat.abandonReason === 'disconnected' ? 'disconnected' : 'left'];
  return 'nobody joined';
}

/** Why nobody joined, in a few words, by reason (also in a ticket's timeline, services/transcripts.ts). */
export const NOBODY_JOINED: Record<string, string> = {
  callback: 'callback, nobody joined',
  disconnected: 'connection lost before anyone joined',
  left: 'left before anyone joined',
};

/** Who and where a chat is: the facts every chat view starts with. */
export function ChatFacts({ chat, full = false }: { chat: ConsoleChat; full?: boolean }) {
  return (
    <dl className={`facts card${full ? '' : ' facts-inline'}`} data-testid="chat-facts">
      <dt>Requester</dt>
      <dd>{chat.requester.name}</dd>
      <dt>Company</dt>
      <dd>{chat.company.name}</dd>
      <dt>Board</dt>
      <dd>{chat.board.name}</dd>
      {chat.ticketId !== null && chat.ticketId !== chat.createdTicketId && (
        <>
          {/* Started from the ticket's page, or (a new request) linked to it later. */}
          <dt>{chat.source === 'ticket' ? 'From ticket' : 'Ticket'}</dt>
          <dd>
            <Link to={`/console/tickets/${chat.ticketId}`}>Ticket #{chat.ticketId}</Link>
          </dd>
        </>
      )}
      {chat.createdTicketId !== null && (
        <>
          <dt>Created ticket</dt>
          <dd>
            <Link to={`/console/tickets/${chat.createdTicketId}`}>Ticket #{chat.createdTicketId}</Link>
          </dd>
        </>
      )}
      {!full && chat.techs.length > 1 && (
        <>
          {/* On the live chat: who else is in it, once a colleague was invited in. */}
          <dt>Technicians</dt>
          <dd data-testid="chat-techs">{chat.techs.map((t) => t.name).join(', ')}</dd>
        </>
      )}
      {full && (
        <>
          <dt>Status</dt>
          <dd data-testid="chat-status">{STATUS_TEXT[chat.status] ?? chat.status}</dd>
          <dt>{chat.techs.length > 1 ? 'Technicians' : 'Technician'}</dt>
          <dd data-testid="chat-techs">{chat.techs.length > 1 ? chat.techs.map((t) => t.name).join(', ') : (chat.tech?.name ?? nobodyJoined(chat))}</dd>
          {chat.outcome && (
            <>
              <dt>Outcome</dt>
              <dd>{OUTCOME_TEXT[chat.outcome] ?? chat.outcome}</dd>
            </>
          )}
          {chat.rating && (
            <>
              <dt>Requester's rating</dt>
              <dd data-testid="chat-rating">
                {chat.rating.score} of 5{chat.rating.comment ? `: “${chat.rating.comment}”` : ''}
              </dd>
            </>
          )}
          <dt>Requested</dt>
          <dd>{formatDateTime(chat.requestedAt)}</dd>
          {chat.joinedAt && (
            <>
              <dt>Joined</dt>
              <dd>{formatDateTime(chat.joinedAt)}</dd>
            </>
          )}
          {(chat.endedAt || chat.completedAt) && (
            <>
              <dt>Completed</dt>
              <dd>{formatDateTime(chat.endedAt ?? chat.completedAt)}</dd>
            </>
          )}
          {chat.messagesRemovedAt && (
            <>
              <dt>Messages</dt>
              <dd data-testid="messages-removed">Removed {formatDateTime(chat.messagesRemovedAt)} by the retention setting</dd>
            </>
          )}
        </>
      )}
    </dl>
  );
}
