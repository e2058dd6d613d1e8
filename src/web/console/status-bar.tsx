/**
 * The status bar, visible on every console page: Available / Do Not Respond, and the four
 * sections with live counts. Lists come from the server (already access-filtered) and are kept
 * current by status-bar-sync.ts.
 */
import { useId, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { formatDuration, useNow } from '../common/format.js';
import { Link, navigate } from '../common/router.js';
import type { ConsoleChat } from '../common/types.js';
import { CompleteDialog } from './complete-dialog.js';
import { joinChat } from './join.js';
import { keys, useStatusBar, type StatusBarData } from './queries.js';
import { telHref } from '../../shared/phone.js';

export function StatusBar({ currentChatId }: { currentChatId: number | null }) {
  const bar = useStatusBar();
  const [completing, setCompleting] = useState<ConsoleChat | null>(null);
  // On a phone the lists start folded so the work area is reachable; the counts always show.
  const [folded, setFolded] = useState(() => window.matchMedia?.('(max-width: 800px)').matches ?? false);
  const listsId = useId();
  return (
    <aside className={`status-bar${folded ? ' folded' : ''}`} aria-label="Status bar">
      <div className="row sb-top">
        <AvailabilitySwitch available={bar.data?.available ?? null} />
        <button type="button" className="secondary sb-fold" aria-expanded={!folded} aria-controls={listsId} onClick={() => setFolded(!folded)}>
          {folded ? 'Show lists' : 'Hide lists'}
        </button>
      </div>
      <div id={listsId} className="sb-sections">
        <ErrorBanner error={bar.error} />
        <Section title="Waiting" testId="waiting" items={bar.data?.waiting}>
          {(c) => <WaitingItem chat={c} />}
        </Section>
        <Section title="Active" testId="active" items={bar.data?.active}>
          {(c) => (
            <Link to={`/console/chats/${c.id}`} aria-current={currentChatId === c.id ? 'page' : undefined} className="sb-link">
              <span className="sb-subject">{c.subject}</span>
              <span className="muted">
                {c.requester.name} · {c.company.name}
                {c.leftAt ? ' · left' : ''}
              </span>
            </Link>
          )}
        </Section>
        <Section title="Abandoned" testId="abandoned" items={bar.data?.abandoned}>
          {(c) => <ClosedItem chat={c} onComplete={() => setCompleting(c)} />}
        </Section>
        <Section title="Callback" testId="callback" items={bar.data?.callback}>
          {(c) => <ClosedItem chat={c} onComplete={() => setCompleting(c)} />}
        </Section>
      </div>
      {completing && <CompleteDialog chat={completing} onClose={() => setCompleting(null)} />}
    </aside>
  );
}

function Section({
  title,
  testId,
  items,
  children,
}: {
  title: string;
  testId: string;
  items: ConsoleChat[] | undefined;
  children: (c: ConsoleChat) => ReactNode;
}) {
  const id = useId();
  return (
    <section className="sb-section" aria-labelledby={id} data-testid={`sb-${testId}`}>
      <h2 id={id}>
        {title}{' '}
        <span className="count" data-testid={`sb-${testId}-count`}>
          {items ? items.length : '…'}
        </span>
      </h2>
      {items && items.length === 0 && <p className="muted sb-empty">None</p>}
      {items && items.length > 0 && (
        <ul className="sb-list">
          {items.map((c) => (
            <li key={c.id} data-chat-id={c.id}>
              {children(c)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function WaitingItem({ chat }: { chat: ConsoleChat }) {
  const qc = useQueryClient();
  const now = useNow();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const waited = chat.requestedAt ? now - Date.parse(chat.requestedAt) : 0;
  const join = async () => {
    setBusy(true);
    setError(null);
    try {
      qc.setQueryData(keys.chat(chat.id), await joinChat(chat.id));
      navigate(`/console/chats/${chat.id}`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="sb-item">
      <span className="sb-subject">{chat.subject}</span>
      <span className="muted">
        {chat.requester.name} · {chat.company.name} · {chat.board.name}
      </span>
      {chat.firstMessage && (
        <span className="sb-first" data-testid="first-message">
          {chat.firstMessage}
        </span>
      )}
      <span className="row sb-actions">
        <span className="muted">waiting {formatDuration(waited)}</span>
        {chat.abilities.join && (
          <button type="button" disabled={busy} onClick={() => void join()} aria-label={`Join chat: ${chat.subject}`}>
            Join
          </button>
        )}
      </span>
      {error && (
        <span className="banner banner-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function ClosedItem({ chat, onComplete }: { chat: ConsoleChat; onComplete: () => void }) {
  return (
    <div className="sb-item">
      <Link to={`/console/chats/${chat.id}`} className="sb-subject">
        {chat.subject}
      </Link>
      <span className="muted">
        {chat.requester.name} · {chat.company.name}
      </span>
      {chat.callback && (
        <span>
          Phone: <a href={telHref(chat.callback.phone)}>{chat.callback.phone}</a>
          {chat.callback.preferredTime && <span className="muted"> · {chat.callback.preferredTime}</span>}
        </span>
      )}
      <span className="row sb-actions">
        {chat.abilities.complete && (
          <button type="button" className="secondary" onClick={onComplete} aria-label={`Complete: ${chat.subject}`}>
            Complete
          </button>
        )}
      </span>
    </div>
  );
}

function AvailabilitySwitch({ available }: { available: boolean | null }) {
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  // What the tech just picked, shown until the server has it: a read in flight must not undo it.
  const [picked, setPicked] = useState<boolean | null>(null);
  const name = useId();
  const shown = picked ?? available;
  const set = async (on: boolean) => {
    setError(null);
    setPicked(on);
    try {
      await qc.cancelQueries({ queryKey: keys.statusBar });
      await api.put('/api/console/status', { available: on });
      qc.setQueryData<StatusBarData>(keys.statusBar, (b) => (b ? { ...b, available: on } : b));
    } catch (e) {
      setError(e);
    } finally {
      setPicked(null);
    }
  };
  return (
    <fieldset className="availability" data-testid="availability">
      <legend>My status</legend>
      <label className="row">
        <input type="radio" name={name} checked={shown === true} disabled={shown === null} onChange={() => void set(true)} />
        Available
      </label>
      <label className="row">
        <input type="radio" name={name} checked={shown === false} disabled={shown === null} onChange={() => void set(false)} />
        Do Not Respond
      </label>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
    </fieldset>
  );
}
