/** A ticket: its facts, the timeline with every chat session, and its files. */
import { AttachmentList } from '../common/attachment-list.js';
import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime, formatDuration } from '../common/format.js';
import { Link } from '../common/router.js';
import type { TimelineEntry } from '../common/types.js';
import { NOBODY_JOINED, OUTCOME_TEXT } from './chat-facts.js';
import { TICKET_STATUS_TEXT } from './tickets-page.js';
import { useTicket } from './queries.js';
import { TicketUpdate } from './ticket-update.js';

export function TicketPage({ id }: { id: number }) {
  const ticket = useTicket(id);
  if (ticket.isPending)
    return (
      <main className="app-main" id="main">
        Loading…
      </main>
    );
  if (ticket.error)
    return (
      <main className="app-main" id="main">
        <h1>Ticket #{id}</h1>
        <ErrorBanner error={ticket.error} />
        <Link to="/console/tickets">Back to tickets</Link>
      </main>
    );
  const t = ticket.data;
  const fileUrl = (aid: number) => `/api/console/tickets/${t.id}/attachments/${aid}`;
  return (
    <main className="app-main" id="main">
      <p>
        <Link to="/console/tickets">← Tickets</Link>
      </p>
      <h1>
        Ticket #{t.id}: {t.summary}
      </h1>
      <dl className="facts card">
        <dt>Status</dt>
        <dd>{TICKET_STATUS_TEXT[t.status] ?? t.status}</dd>
        <dt>Company</dt>
        <dd>{t.company.name}</dd>
        <dt>Board</dt>
        <dd>{t.board.name}</dd>
        <dt>Contact</dt>
        <dd>{t.contact.name}</dd>
        <dt>Assigned technician</dt>
        <dd>{t.assignedTech?.name ?? 'Nobody'}</dd>
        <dt>Opened</dt>
        <dd>{formatDateTime(t.createdAt)}</dd>
      </dl>
      <TicketUpdate key={`${t.status}-${t.assignedTech?.id ?? 0}`} ticket={t} />
      <h2>Timeline</h2>
      <ol className="card timeline" data-testid="timeline">
        {t.timeline.map((e) => (
          <li key={e.id}>
            <TimelineItem entry={e} fileUrl={fileUrl} />
          </li>
        ))}
      </ol>
      <h2>Attachments</h2>
      <AttachmentList attachments={t.attachments} fileUrl={fileUrl} />
    </main>
  );
}

function TimelineItem({ entry: e, fileUrl }: { entry: TimelineEntry; fileUrl: (id: number) => string }) {
  const d = e.data;
  const when = <time dateTime={e.at ?? undefined}>{formatDateTime(e.at)}</time>;
  if (e.kind === 'created') return <>{when}: ticket opened</>;
  if (e.kind === 'status')
    return (
      <>
        {when}: status changed to {TICKET_STATUS_TEXT[String(d.status)] ?? String(d.status)}
      </>
    );
  if (e.kind !== 'chat_session')
    return (
      <>
        {when}: {e.kind.replace(/_/g, ' ')}
      </>
    );
  const count = typeof d.messageCount === 'number' ? d.messageCount : null;
  return (
    <div data-testid="timeline-chat">
      {when}: <strong>chat session</strong> {d.startedAt ? <>started {formatDateTime(String(d.startedAt))}</> : null}
      {Array.isArray(d.techNames) && d.techNames.length > 1
        ? `, with ${d.techNames.map(String).join(', ')}`
        : d.techName
          ? `, with ${String(d.techName)}`
          : `, ${NOBODY_JOINED[String(d.nobodyJoined)] ?? 'nobody joined'}`}
      {typeof d.durationSeconds === 'number' && `, ${formatDuration(d.durationSeconds * 1000)}`}
      {count !== null && `, ${count} message${count === 1 ? '' : 's'}`}
      {d.outcome ? `, ${OUTCOME_TEXT[String(d.outcome)] ?? String(d.outcome)}` : ''}
      <div className="row">
        {e.chatId !== null && <Link to={`/console/chats/${e.chatId}`}>Open chat #{e.chatId}</Link>}
        {e.attachmentId !== null && (
          <a href={fileUrl(e.attachmentId)} download>
            Transcript {typeof d.filename === 'string' ? d.filename : ''}
          </a>
        )}
      </div>
    </div>
  );
}
