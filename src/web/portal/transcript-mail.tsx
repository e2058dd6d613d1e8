/** "Email me the transcript" on an ended chat (only when email is on): the server mails it to the user's own address. */
import { useState } from 'react';
import { api } from '../common/api.js';
import { useEmailEnabled } from '../common/email.js';
import { ErrorBanner } from '../common/error-banner.js';
import type { PortalChat } from '../common/types.js';
import { useSubmit } from '../common/use-submit.js';
import type { MailQueued } from '../../shared/views.js';

export function TranscriptByMail({ chat }: { chat: PortalChat }) {
  const enabled = useEmailEnabled();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const send = useSubmit(async () => {
    const r = await api.post<MailQueued>(`/api/portal/chats/${chat.id}/transcript-mail`);
    setSentTo(r.to);
  });
  if (!enabled) return null;
  return (
    <div className="stack">
      <ErrorBanner error={send.error} onDismiss={send.clearError} />
      <div role="status">
        {sentTo ? (
          <p data-testid="transcript-mail-sent">
            The transcript is on its way to <strong>{sentTo}</strong>.
          </p>
        ) : (
          <button type="button" className="secondary" disabled={send.busy} onClick={() => void send.submit()}>
            Email me the transcript
          </button>
        )}
      </div>
    </div>
  );
}
