import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { AttachmentList } from '../common/attachment-list.js';
import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime, formatDuration } from '../common/format.js';
import { Link, navigate } from '../common/router.js';
import type { PortalChat, TimelineEntry } from '../common/types.js';
import { TICKET_STATUS_TEXT } from './status-text.js';
import { keys, useTicket } from './queries.js';
import { useBoardWord } from '../common/branding.js';

export function TicketPage({ id }: { id: number }) {
  const ticket = useTicket(id);
  const boardWord = useBoardWord().label;
  if (ticket.isPending) return <main className="app-main">Loading…</main>;
  if (ticket.error)
    return (
      <main className="app-main">
        <ErrorBanner error={ticket.error} />
        <Link to="/">Back to my tickets</Link>
      </main>
    );
  const t = ticket.data;
  const fileUrl = (attachmentId: number) => `/api/portal/tickets/${t.id}/attachments/${attachmentId}`;
  return (
    <main className="app-main">
      <p>
        <Link to="/">← My tickets</Link>
      </p>
      <h1>
        Ticket #{t.id}: {t.summary}
      </h1>
      <dl className="facts card">
        <dt>Status</dt>
        <dd>{TICKET_STATUS_TEXT[t.status] ?? t.status}</dd>
        <dt>{boardWord}</dt>
        <dd>{t.board.name}</dd>
        <dt>Technician</dt>
        <dd>{t.assignedTech?.name ?? 'Not assigned yet'}</dd>
        <dt>Opened</dt>
        <dd>{formatDateTime(t.createdAt)}</dd>
      </dl>
      {t.status !== 'closed' && <StartTicketChat ticketId={t.id} />}

      <h2>Timeline</h2>
      <ol className="card timeline">
        {t.timeline.map((e) => (
          <li key={e.id}>
            <TimelineItem entry={e} fileUrl={fileUrl} />
          </li>
        ))}
      </ol>

      <h2>Files</h2>
      <AttachmentList attachments={t.attachments} fileUrl={fileUrl} />
    </main>
  );
}

const OUTCOME_TEXT: Record<string, string> = { ended: 'ended', ticket_created: 'ticket created', completed: 'completed' };

function TimelineItem({ entry: e, fileUrl }: { entry: TimelineEntry; fileUrl: (id: number) => string }) {
  const d = e.data as Record<string, string | number | null | undefined>;
  const when = <time dateTime={e.at ?? undefined}>{formatDateTime(e.at)}</time>;
  if (e.kind === 'created') return <>{when}: ticket opened</>;
  if (e.kind === 'status')
    return (
      <>
        {when}: status changed to {TICKET_STATUS_TEXT[String(d.status)] ?? String(d.status)}
      </>
    );
  if (e.kind === 'chat_session') {
    return (
      <span data-testid="timeline-chat">
        {when}: chat session
        {/* Everyone who took part: the lead and any colleague invited in. */}
        {Array.isArray(d.techNames) && d.techNames.length > 1 ? ` with ${d.techNames.map(String).join(', ')}` : d.techName ? ` with ${d.techName}` : ''}
        {typeof d.durationSeconds === 'number' ? `, ${formatDuration(d.durationSeconds * 1000)}` : ''}
        {typeof d.messageCount === 'number' ? `, ${d.messageCount} message${d.messageCount === 1 ? '' : 's'}` : ''}
        {d.outcome ? `, ${OUTCOME_TEXT[String(d.outcome)] ?? String(d.outcome)}` : ''}
        {e.chatId !== null && (
          <>
            {' · '}
            <Link to={`/chats/${e.chatId}`}>open chat</Link>
          </>
        )}
        {e.attachmentId !== null && (
          <>
            {' · '}
            <a href={fileUrl(e.attachmentId)} download>
              transcript {typeof d.filename === 'string' ? d.filename : ''}
            </a>
          </>
        )}
      </span>
    );
  }
  return (
    <>
      {when}: {e.kind.replace(/_/g, ' ')}
    </>
  );
}

function StartTicketChat({ ticketId }: { ticketId: number }) {
  const qc = useQueryClient();
  const [message, setMessage] = useState('');
  const fid = useId();
  const start = useMutation({
    mutationFn: () =>
      api.post<{ existing: boolean; chat: PortalChat }>(`/api/portal/tickets/${ticketId}/chat`, message.trim() ? { message: message.trim() } : {}),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: keys.chats });
      navigate(`/chats/${r.chat.id}${r.existing ? '?existing=1' : ''}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  return (
    <form className="card stack" onSubmit={submit} aria-label="Chat about this ticket">
      <h2>Chat with a technician about this ticket</h2>
      <ErrorBanner error={start.error} />
      <label htmlFor={fid}>First message (optional)</label>
      <textarea id={fid} rows={2} maxLength={4000} value={message} onChange={(e) => setMessage(e.target.value)} />
      <div>
        <button type="submit" disabled={start.isPending}>
          Start a chat about this ticket
        </button>
      </div>
    </form>
  );
}
