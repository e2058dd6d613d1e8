/**
 * Webhook endpoints (services/webhooks.ts): add one with its events and format, see its signing
 * secret once, and for each endpoint its state (delivering, failing, paused and why), its
 * delivery log with every attempt, resend, pause and resume, rotate the secret, delete.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { ErrorBanner } from '../../common/error-banner.js';
import { ConfirmDialog, Modal } from '../../common/modal.js';
import {
  WEBHOOK_EVENTS,
  WEBHOOK_EVENT_LABELS,
  WEBHOOK_FORMAT_LABELS,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEvent,
  type WebhookFormat,
  type WebhookList,
  type WebhookSecret,
} from '../../../shared/webhooks.js';
import { keys } from '../queries.js';
import { Feedback } from './feedback.js';
import { useSave } from './admin-data.js';

const LIST_KEY = keys.admin('webhooks');
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '');

export function WebhooksAdmin() {
  const list = useQuery({ queryKey: LIST_KEY, queryFn: () => api.get<WebhookList>('/api/admin/webhooks') });
  const save = useSave();
  const [secret, setSecret] = useState<WebhookSecret | null>(null);
  const [adding, setAdding] = useState(false);
  return (
    <>
      <Feedback {...save} />
      <ErrorBanner error={list.error} />
      <section className="card stack" aria-labelledby="webhooks-about">
        <h2 id="webhooks-about">Tell other systems what happens</h2>
        <p className="muted">
          Each endpoint receives the events you choose as an HTTPS POST, signed with its own secret (Standard Webhooks), retried for a day when it fails.
          Microsoft Teams and Slack endpoints get a card for a requested chat with a Join button.
        </p>
        {list.data && list.data.publicUrl === null && (
          <p className="banner banner-warn">
            The server's PUBLIC_URL is not set, so cards and events carry no link to the chat. Ask whoever runs the server to set it.
          </p>
        )}
        {list.data && (
          <p className="muted" data-testid="private-addresses">
            {list.data.privateAddresses === 'allow'
              ? 'Endpoints on private network addresses (an internal PSA) are allowed by the server.'
              : 'Endpoints must be on public addresses: the server refuses private and loopback ones (WEBHOOK_PRIVATE_ADDRESSES).'}
          </p>
        )}
        <div>
          <button type="button" onClick={() => setAdding(true)}>
            Add endpoint…
          </button>
        </div>
      </section>
      {list.data?.endpoints.length === 0 && <p className="muted">No endpoints yet.</p>}
      <ul className="admin-list">
        {list.data?.endpoints.map((e) => (
          <EndpointCard key={e.id} endpoint={e} save={save} onSecret={setSecret} />
        ))}
      </ul>
      {adding && (
        <EndpointForm
          title="Add a webhook endpoint"
          onClose={() => setAdding(false)}
          onSubmit={async (body) => {
            const made = await api.post<WebhookSecret>('/api/admin/webhooks', body);
            setAdding(false);
            setSecret(made);
          }}
        />
      )}
      {secret && <SecretDialog secret={secret} onClose={() => setSecret(null)} />}
    </>
  );
}

type FormBody = { url?: string; description: string; events: WebhookEvent[]; format: WebhookFormat };

function EndpointForm({
  title,
  initial,
  onSubmit,
  onClose,
}: {
  title: string;
  initial?: WebhookEndpointView;
  onSubmit: (b: FormBody) => Promise<void>;
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const id = useId();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [format, setFormat] = useState<WebhookFormat>(initial?.format ?? 'standard');
  const [events, setEvents] = useState<WebhookEvent[]>(initial?.events ?? ['chat.requested']);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit({ ...(url.trim() || !initial ? { url: url.trim() } : {}), description, events, format });
      await qc.invalidateQueries({ queryKey: LIST_KEY });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={title} onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <ErrorBanner error={error} onDismiss={() => setError(null)} />
        <label htmlFor={`${id}-url`}>URL to post to</label>
        <input
          id={`${id}-url`}
          type="url"
          required={!initial}
          maxLength={2000}
          value={url}
          placeholder={initial ? initial.url : 'https://'}
          onChange={(e) => setUrl(e.target.value)}
          aria-describedby={`${id}-url-hint`}
        />
        <p id={`${id}-url-hint`} className="field-hint">
          {initial
            ? 'Leave empty to keep the current address (shown masked: it may contain a secret).'
            : 'https:// or http://, without a user name or password.'}
        </p>
        <label htmlFor={`${id}-desc`}>Description (optional)</label>
        <input id={`${id}-desc`} maxLength={200} value={description} onChange={(e) => setDescription(e.target.value)} />
        <fieldset className="checklist">
          <legend>Format</legend>
          {(Object.keys(WEBHOOK_FORMAT_LABELS) as WebhookFormat[]).map((f) => (
            <label key={f} className="row">
              <input type="radio" name={`${id}-format`} checked={format === f} onChange={() => setFormat(f)} />
              {WEBHOOK_FORMAT_LABELS[f]}
            </label>
          ))}
        </fieldset>
        <fieldset className="checklist">
          <legend>Events</legend>
          {WEBHOOK_EVENTS.map((ev) => (
            <label key={ev} className="row">
              <input
                type="checkbox"
                checked={events.includes(ev)}
                onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))}
              />
              {WEBHOOK_EVENT_LABELS[ev]}
            </label>
          ))}
        </fieldset>
        <div className="row">
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy || events.length === 0}>
            {initial ? 'Save endpoint' : 'Add endpoint'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function SecretDialog({ secret, onClose }: { secret: WebhookSecret; onClose: () => void }) {
  const id = useId();
  return (
    <Modal title="The endpoint's signing secret" onClose={onClose}>
      <div className="stack">
        <p>
          Copy it now into the receiving system: it is shown only this once. With it the receiver checks the <code>webhook-signature</code> header of each
          delivery.
        </p>
        <label htmlFor={`${id}-secret`}>Signing secret for {secret.endpoint.url}</label>
        <input id={`${id}-secret`} readOnly value={secret.secret} onFocus={(e) => e.target.select()} data-testid="webhook-secret" />
        <div className="row">
          <button type="button" onClick={() => void navigator.clipboard?.writeText(secret.secret)}>
            Copy
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    </Modal>
  );
}

function EndpointCard({
  endpoint: e,
  save,
  onSecret,
}: {
  endpoint: WebhookEndpointView;
  save: ReturnType<typeof useSave>;
  onSecret: (s: WebhookSecret) => void;
}) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<'delete' | 'rotate' | null>(null);
  const [showLog, setShowLog] = useState(false);
  const id = useId();
  const refresh = () => qc.invalidateQueries({ queryKey: LIST_KEY });
  return (
    <li className="card stack" aria-labelledby={`${id}-h`} data-testid="webhook-endpoint">
      <h2 id={`${id}-h`} className="break-anywhere">
        {e.description || e.url}
      </h2>
      {e.description && <p className="muted break-anywhere">{e.url}</p>}
      <p>
        {WEBHOOK_FORMAT_LABELS[e.format]} · {e.events.map((ev) => WEBHOOK_EVENT_LABELS[ev]).join(', ')}
      </p>
      {e.paused ? (
        <p className="banner banner-warn" data-testid="webhook-paused">
          Paused since {when(e.paused.at)}. {e.paused.reason} Deliveries are held until you resume it.
        </p>
      ) : e.failing ? (
        <p className="banner banner-warn">
          Failing: {e.failing.count} attempt{e.failing.count === 1 ? '' : 's'} in a row since {when(e.failing.since)}.
        </p>
      ) : (
        <p className="muted">Delivering.</p>
      )}
      <div className="row">
        {e.paused ? (
          <button
            type="button"
            disabled={save.busy}
            onClick={() => void save.run('Endpoint resumed', () => api.post(`/api/admin/webhooks/${e.id}/resume`).then(refresh))}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            className="secondary"
            disabled={save.busy}
            onClick={() => void save.run('Endpoint paused', () => api.post(`/api/admin/webhooks/${e.id}/pause`).then(refresh))}
          >
            Pause
          </button>
        )}
        <button type="button" className="secondary" onClick={() => setEditing(true)}>
          Edit…
        </button>
        <button type="button" className="secondary" aria-expanded={showLog} onClick={() => setShowLog(!showLog)}>
          {showLog ? 'Hide delivery log' : 'Delivery log'}
        </button>
        <button type="button" className="secondary" onClick={() => setConfirm('rotate')}>
          New secret…
        </button>
        <button type="button" className="danger" onClick={() => setConfirm('delete')}>
          Delete…
        </button>
      </div>
      {showLog && <DeliveryLog endpointId={e.id} save={save} />}
      {editing && (
        <EndpointForm
          title="Edit the webhook endpoint"
          initial={e}
          onClose={() => setEditing(false)}
          onSubmit={async (body) => {
            await api.patch(`/api/admin/webhooks/${e.id}`, body);
            setEditing(false);
          }}
        />
      )}
      {confirm === 'delete' && (
        <ConfirmDialog
          title="Delete this endpoint?"
          message={`Nothing more is sent to ${e.url}, and its delivery log is deleted.`}
          confirmLabel="Delete endpoint"
          onConfirm={() => api.delete(`/api/admin/webhooks/${e.id}`).then(refresh)}
          onClose={() => setConfirm(null)}
        />
      )}
      {confirm === 'rotate' && (
        <ConfirmDialog
          title="Replace the signing secret?"
          message="The current secret stops signing at once: the receiver must be given the new one, which is shown only once."
          confirmLabel="Replace the secret"
          onConfirm={async () => onSecret(await api.post<WebhookSecret>(`/api/admin/webhooks/${e.id}/rotate-secret`))}
          onClose={() => setConfirm(null)}
        />
      )}
    </li>
  );
}

const STATUS_LABELS: Record<WebhookDeliveryView['status'], string> = { pending: 'Sending', delivered: 'Delivered', failed: 'Failed', held: 'Held (paused)' };

function DeliveryLog({ endpointId, save }: { endpointId: number; save: ReturnType<typeof useSave> }) {
  const log = useQuery({
    queryKey: [...LIST_KEY, endpointId, 'deliveries'],
    queryFn: () => api.get<WebhookDeliveryView[]>(`/api/admin/webhooks/${endpointId}/deliveries`),
  });
  const resend = (d: WebhookDeliveryView) =>
    save.run('Delivery queued again', () => api.post(`/api/admin/webhooks/${endpointId}/deliveries/${d.id}/resend`).then(() => log.refetch()));
  if (log.error) return <ErrorBanner error={log.error} />;
  if (!log.data) return <p className="muted">Loading…</p>;
  if (log.data.length === 0) return <p className="muted">Nothing delivered yet.</p>;
  return (
    <div className="table-scroll">
      <table data-testid="webhook-log">
        <caption className="visually-hidden">The newest deliveries to this endpoint</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {log.data.map((d) => (
            <tr key={d.id}>
              <td>
                {WEBHOOK_EVENT_LABELS[d.type]}
                <br />
                <span className="muted">{when(d.createdAt)}</span>
                <br />
                <code className="break-anywhere">{d.eventId}</code>
              </td>
              <td>
                {STATUS_LABELS[d.status]}
                {d.nextAttemptAt && d.status === 'pending' && (
                  <>
                    <br />
                    <span className="muted">next try {when(d.nextAttemptAt)}</span>
                  </>
                )}
              </td>
              <td>
                <ul className="plain-list">
                  {d.attempts.map((a, i) => (
                    <li key={i}>
                      {when(a.at)}: {a.status !== null ? `HTTP ${a.status}` : a.error} in {a.durationMs} ms
                      {a.excerpt && <span className="muted break-anywhere"> — {a.excerpt.slice(0, 120)}</span>}
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                <button type="button" className="secondary" disabled={save.busy || d.status === 'pending'} onClick={() => void resend(d)}>
                  Resend
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
