/**
 * The Email admin page (services/mail.ts): whether email is on, the mail server and sender as
 * configured (never the SMTP password), a test mail, and the recent outgoing mail with its state
 * and the mail server's last answer, so a failing server shows here.
 */
import { useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../common/api.js';
import { formatDateTime } from '../../common/format.js';
import { ErrorBanner } from '../../common/error-banner.js';
import type { EmailAdmin as EmailAdminView, MailQueued } from '../../../shared/views.js';
import { keys } from '../queries.js';
import { Feedback } from './feedback.js';
import { useSave } from './admin-data.js';

const PURPOSE: Record<string, string> = {
  password_reset: 'Password reset',
  transcript: 'Transcript',
  note: 'Note to the user',
  test: 'Test mail',
};
const STATUS: Record<EmailAdminView['recent'][number]['status'], { label: string; badge: string }> = {
  pending: { label: 'Waiting to retry', badge: 'badge badge-closed' },
  sending: { label: 'Sending', badge: 'badge' },
  sent: { label: 'Sent', badge: 'badge badge-open' },
  failed: { label: 'Failed', badge: 'badge badge-closed' },
};

export function EmailAdmin() {
  const q = useQuery({ queryKey: keys.admin('email'), queryFn: () => api.get<EmailAdminView>('/api/admin/email'), refetchInterval: 10_000 });
  const id = useId();
  const save = useSave();
  const [to, setTo] = useState('');
  if (q.error) return <ErrorBanner error={q.error} />;
  if (!q.data) return <p>Loading…</p>;
  const e = q.data;
  const sendTest = (ev: FormEvent) => {
    ev.preventDefault();
    void save.run('Test mail queued', async () => {
      const r = await api.post<MailQueued>('/api/admin/email/test', to.trim() ? { to: to.trim() } : {});
      setTo('');
      return r;
    });
  };
  const waiting = e.recent.filter((m) => m.status === 'pending' && m.lastError).length;
  const failed = e.recent.filter((m) => m.status === 'failed').length;
  return (
    <>
      <section className="card stack" aria-labelledby={`${id}-settings`}>
        <h2 id={`${id}-settings`}>Settings</h2>
        {e.enabled ? (
          <dl className="facts" data-testid="email-settings">
            <dt>Email</dt>
            <dd>On</dd>
            <dt>Mail server</dt>
            <dd>{e.server}</dd>
            <dt>Sender</dt>
            <dd>{e.from}</dd>
            <dt>Links in mail open</dt>
            <dd>{e.publicUrl}</dd>
          </dl>
        ) : (
          <p data-testid="email-off">
            Email is off: password reset by email, transcripts by mail and notes to users are hidden. To turn it on, set <code>SMTP_URL</code> and{' '}
            <code>PUBLIC_URL</code> (and <code>MAIL_FROM</code>) on the server and restart it.
          </p>
        )}
        <p className="muted">These come from the server's settings; the mail server's password is never shown.</p>
      </section>
      {e.enabled && (
        <form className="card stack" onSubmit={sendTest} aria-labelledby={`${id}-test`}>
          <h2 id={`${id}-test`}>Send a test mail</h2>
          <Feedback {...save} />
          <label htmlFor={`${id}-to`}>To (empty: your own address)</label>
          <input id={`${id}-to`} type="email" maxLength={200} value={to} onChange={(ev) => setTo(ev.target.value)} />
          <div className="row">
            <button type="submit" disabled={save.busy}>
              Send a test mail
            </button>
          </div>
        </form>
      )}
      <section className="card stack" aria-labelledby={`${id}-recent`}>
        <h2 id={`${id}-recent`}>Recent mail</h2>
        {(failed > 0 || waiting > 0) && (
          <div className="banner banner-warn" role="status">
            <span>
              {failed > 0 && `${failed} recent mail${failed === 1 ? '' : 's'} could not be delivered. `}
              {waiting > 0 && `${waiting} mail${waiting === 1 ? ' is' : 's are'} waiting to be tried again.`}
            </span>
          </div>
        )}
        {e.recent.length === 0 ? (
          <p className="muted">No mail sent in the last week.</p>
        ) : (
          <table className="responsive" data-testid="recent-mail">
            <thead>
              <tr>
                <th scope="col">Queued</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {e.recent.map((m) => (
                <tr key={m.id}>
                  <td>{formatDateTime(m.queuedAt)}</td>
                  <td>{m.to}</td>
                  <td>
                    {m.subject}
                    <br />
                    <span className="muted">{PURPOSE[m.purpose] ?? m.purpose}</span>
                  </td>
                  <td>
                    <span className={STATUS[m.status].badge}>{STATUS[m.status].label}</span>
                  </td>
                  <td>{m.attempts}</td>
                  <td>{m.lastError ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
