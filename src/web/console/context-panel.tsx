/**
 * Beside a chat: who the requester is, their open tickets and their last chats (with outcome and
 * last note), each one click away. The server lists only what this tech may see.
 */
import { useId, useState, type ReactNode } from 'react';
import { ErrorBanner } from '../common/error-banner.js';
import { formatDateTime } from '../common/format.js';
import { Link } from '../common/router.js';
import { OUTCOME_TEXT, STATUS_TEXT } from './chat-facts.js';
import { useChatContext } from './queries.js';
import { telHref } from '../../shared/phone.js';

/** Open at first where there is room beside the conversation; folded on a phone. */
const wide = () => typeof window !== 'undefined' && window.matchMedia?.('(min-width: 801px)').matches;

export function ContextPanel({ chatId }: { chatId: number }) {
  const q = useChatContext(chatId);
  const [open] = useState(wide);
  const id = useId();
  return (
    <details className="card context-panel" open={open} data-testid="context-panel">
      <summary>
        <strong id={`${id}-h`}>About {q.data?.requester.name ?? 'the requester'}</strong>
        {q.data && (
          <span className="muted">
            {' '}
            · {q.data.openTickets.length} open {q.data.openTickets.length === 1 ? 'ticket' : 'tickets'} · {q.data.recentChats.length} earlier{' '}
            {q.data.recentChats.length === 1 ? 'chat' : 'chats'}
          </span>
        )}
      </summary>
      <ErrorBanner error={q.error} />
      {/* Room kept for what comes, so the conversation below does not jump when it arrives. */}
      {q.isPending && <p className="context-loading">Loading…</p>}
      {q.data && (
        <div className="context-grid">
          <dl className="facts">
            <dt>Email</dt>
            <dd>
              <a href={`mailto:${q.data.requester.email}`}>{q.data.requester.email}</a>
            </dd>
            <dt>Phone</dt>
            <dd>
              {q.data.requester.phone ? <a href={telHref(q.data.requester.phone)}>{q.data.requester.phone}</a> : <span className="muted">None given</span>}
            </dd>
            <dt>Company</dt>
            <dd>{q.data.company.name}</dd>
          </dl>
          <ContextList title="Open tickets" items={q.data.openTickets}>
            {(t) => (
              <>
                <Link to={`/console/tickets/${t.id}`}>
                  #{t.id} {t.summary}
                </Link>{' '}
                <span className="muted">
                  {t.board.name} · updated {formatDateTime(t.updatedAt)}
                </span>
              </>
            )}
          </ContextList>
          <ContextList title="Earlier chats" items={q.data.recentChats}>
            {(c) => (
              <>
                <Link to={`/console/chats/${c.id}`}>{c.subject}</Link>{' '}
                <span className="muted">
                  {formatDateTime(c.requestedAt)} · {c.outcome ? (OUTCOME_TEXT[c.outcome] ?? c.outcome) : (STATUS_TEXT[c.status] ?? c.status)}
                  {c.tech ? ` · ${c.tech.name}` : ''}
                </span>
                {c.lastNote && (
                  <p className="context-note" data-testid="context-note">
                    Note: {c.lastNote}
                  </p>
                )}
              </>
            )}
          </ContextList>
        </div>
      )}
    </details>
  );
}

/** One titled list of the panel, or "None." */
function ContextList<T extends { id: number }>({ title, items, children }: { title: string; items: T[]; children: (item: T) => ReactNode }) {
  return (
    <section aria-label={title}>
      <h2 className="context-h">{title}</h2>
      {items.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="context-list">
          {items.map((item) => (
            <li key={item.id}>{children(item)}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
