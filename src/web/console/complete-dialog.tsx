/**
 * Completing an abandoned chat (a note on how the user was answered; an empty note needs an
 * explicit confirmation) or a callback (the phone number first; the note is optional).
 */
import { flash } from '../common/flash.js';
import { useId, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import type { ConsoleChat } from '../common/types.js';
import { Modal } from '../common/modal.js';
import { keys } from './queries.js';
import { useEmailEnabled } from '../common/email.js';
import { telHref } from '../../shared/phone.js';

export function CompleteDialog({ chat, onClose }: { chat: ConsoleChat; onClose: () => void }) {
  const qc = useQueryClient();
  const id = useId();
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const abandoned = chat.status === 'abandoned';
  // Only with email on (the server refuses it otherwise) and with a note to send.
  const emailOn = useEmailEnabled();
  const [sendToUser, setSendToUser] = useState(false);

  const complete = async (confirmWithoutNote: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const body = note.trim()
        ? { note: note.trim(), ...(emailOn && sendToUser ? { sendNoteToUser: true } : {}) }
        : confirmWithoutNote
          ? { confirmWithoutNote: true }
          : {};
      const next = await api.post<ConsoleChat>(`/api/console/chats/${chat.id}/complete`, body);
      qc.setQueryData(keys.chat(chat.id), next);
      void qc.invalidateQueries({ queryKey: keys.statusBar });
      void qc.invalidateQueries({ queryKey: keys.notes(chat.id) });
      void qc.invalidateQueries({ queryKey: ['console', 'search'] });
      flash(`Completed: ${chat.subject}`);
      onClose();
    } catch (e) {
      // The server has the last word on the empty-note rule; its refusal asks for the same confirmation.
      if (e instanceof ApiError && e.code === 'note_recommended') setConfirming(true);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (abandoned && !note.trim()) setConfirming(true);
    else void complete(false);
  };

  return (
    <Modal title={`Complete ${abandoned ? 'abandoned chat' : 'callback'}: ${chat.subject}`} onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <p className="muted">
          {chat.requester.name} · {chat.company.name} · {chat.board.name}
        </p>
        {chat.callback && (
          <dl className="facts">
            <dt>Phone</dt>
            <dd>
              <a href={telHref(chat.callback.phone)} data-testid="callback-phone">
                {chat.callback.phone}
              </a>
            </dd>
            {chat.callback.preferredTime && (
              <>
                <dt>Preferred time</dt>
                <dd>{chat.callback.preferredTime}</dd>
              </>
            )}
            {chat.callback.message && (
              <>
                <dt>Message</dt>
                <dd className="pre">{chat.callback.message}</dd>
              </>
            )}
          </dl>
        )}
        <ErrorBanner error={error} onDismiss={() => setError(null)} />
        <label htmlFor={`${id}-note`}>{abandoned ? 'Note: how did you reply to the user?' : 'Note (optional)'}</label>
        <textarea
          id={`${id}-note`}
          rows={4}
          maxLength={10000}
          value={note}
          onChange={(e) => {
            setNote(e.target.value);
            setConfirming(false);
          }}
        />
        {emailOn && (
          <label className="row">
            <input type="checkbox" checked={sendToUser} disabled={!note.trim()} onChange={(e) => setSendToUser(e.target.checked)} />
            Send the note to the user
          </label>
        )}
        {confirming && (
          <div className="banner banner-warn" role="alert">
            <span>Completing an abandoned chat without a note is not recommended: nobody will know how the user was answered.</span>
          </div>
        )}
        <div className="row">
          {confirming ? (
            <button type="button" className="danger" disabled={busy} onClick={() => void complete(true)}>
              Complete without a note
            </button>
          ) : (
            <button type="submit" disabled={busy}>
              Complete
            </button>
          )}
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
