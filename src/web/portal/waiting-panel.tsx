import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorBanner } from '../common/error-banner.js';
import { ConfirmDialog } from '../common/modal.js';
import { formatDateTime, formatDuration, useNow } from '../common/format.js';
import type { PortalChat } from '../common/types.js';
import type { ExpectedWaitView } from '../../shared/views.js';
import { CallbackFields, callbackBody, phoneProblem, useCallbackInput } from './callback-fields.js';
import { OfficeHoursPanel } from './office-hours-panel.js';

type Actions = {
  keepWaiting: () => Promise<unknown>;
  leave: () => Promise<unknown>;
  callback: (body: ReturnType<typeof callbackBody>) => Promise<unknown>;
};

/** While nobody has joined: the wait clock, the queue, office hours, and the way out at any time. */
export function WaitingPanel({
  chat,
  queuePosition,
  expectedWait,
  actions,
}: {
  chat: PortalChat;
  queuePosition: number | null;
  expectedWait: ExpectedWaitView | null;
  actions: Actions;
}) {
  const now = useNow();
  const [showCallback, setShowCallback] = useState(false);
  const [askLeave, setAskLeave] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const offerRef = useRef<HTMLElement>(null);
  const waited = chat.requestedAt ? now - Date.parse(chat.requestedAt) : 0;

  // The offer takes focus so keyboard and screen-reader users meet it at once.
  useEffect(() => {
    if (chat.offerPending) offerRef.current?.focus();
  }, [chat.offerPending]);

  const run = (fn: () => Promise<unknown>) => async () => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="stack" aria-label="Waiting for a technician">
      <div className="card">
        <h2>Waiting for a technician</h2>
        <dl className="facts">
          <dt>Waiting for</dt>
          <dd data-testid="waited">{formatDuration(waited)}</dd>
          <dt>Your place in the queue</dt>
          <dd data-testid="queue-position">{queuePosition ?? '…'}</dd>
          <dt>Expected wait</dt>
          <dd data-testid="expected-wait">{expectedWaitText(expectedWait)}</dd>
        </dl>
        {expectedWait?.kind === 'range' && (
          <p className="muted">An estimate from the queue, the technicians available and recent chats; it holds about four times in five.</p>
        )}
      </div>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {chat.offerPending && !showCallback && (
        <section className="card banner-warn" role="alert" aria-labelledby="offer-title" tabIndex={-1} ref={offerRef} data-testid="offer">
          <h2 id="offer-title">No technician has joined yet</h2>
          <p>You can keep waiting, ask us to call you back, or leave.</p>
          <div className="row">
            <button type="button" disabled={busy} onClick={run(actions.keepWaiting)}>
              Keep waiting
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setShowCallback(true)}>
              Request a callback
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setAskLeave(true)}>
              Leave
            </button>
          </div>
        </section>
      )}
      {showCallback ? (
        <CallbackForm busy={busy} onCancel={() => setShowCallback(false)} onSubmit={(body) => run(() => actions.callback(body))()} />
      ) : (
        !chat.offerPending && (
          <div className="row">
            <button type="button" className="secondary" disabled={busy} onClick={() => setShowCallback(true)}>
              Request a callback instead
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setAskLeave(true)}>
              Leave the queue
            </button>
          </div>
        )
      )}
      {askLeave && (
        <ConfirmDialog
          title="Leave the queue?"
          message="Your request will be closed and no technician will join it. You can start a new request at any time."
          confirmLabel="Leave the queue"
          cancelLabel="Keep waiting"
          onConfirm={actions.leave}
          onClose={() => setAskLeave(false)}
        />
      )}
      <OfficeHoursPanel compact />
    </section>
  );
}

/** Whole minutes, never a false precision; outside office hours, when support opens instead. */
export function expectedWaitText(w: ExpectedWaitView | null): string {
  if (!w) return '…';
  if (w.kind === 'closed') return w.opensAt ? `Support opens ${formatDateTime(w.opensAt)} (your time)` : 'Support is closed; no opening is planned yet';
  if (w.kind === 'unknown') return 'No technician is available right now, so we cannot estimate it';
  if (w.highMin <= 1) return 'less than a minute';
  if (w.lowMin === 0) return `up to ${w.highMin} minutes`;
  return `about ${w.lowMin}–${w.highMin} minutes`;
}

function CallbackForm({ busy, onSubmit, onCancel }: { busy: boolean; onSubmit: (b: ReturnType<typeof callbackBody>) => void; onCancel: () => void }) {
  const [value, setValue] = useCallbackInput();
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = phoneProblem(value.phone);
    setPhoneError(p);
    if (!p) onSubmit(callbackBody(value));
  };
  return (
    <form className="card stack" onSubmit={submit} aria-label="Request a callback">
      <h2>Request a callback</h2>
      <CallbackFields value={value} onChange={setValue} phoneError={phoneError} />
      <div className="row">
        <button type="submit" disabled={busy}>
          Request callback
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
