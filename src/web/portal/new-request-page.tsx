import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { CharCount, tooLong } from '../common/char-count.js';
import { useBoardWord } from '../common/branding.js';
import { MAX_SUBJECT } from '../../shared/schemas.js';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../common/api.js';
import { ErrorBanner } from '../common/error-banner.js';
import { navigate } from '../common/router.js';
import { newClientId } from '../common/socket.js';
import type { PortalChat } from '../common/types.js';
import { CallbackFields, callbackBody, phoneProblem, useCallbackInput } from './callback-fields.js';
import { OfficeHoursPanel } from './office-hours-panel.js';
import { keys, useBoards, useOfficeHours } from './queries.js';

type Mode = 'chat' | 'callback';

export function NewRequestPage() {
  const qc = useQueryClient();
  const boards = useBoards();
  const hours = useOfficeHours();
  const id = useId();
  const word = useBoardWord();
  const [boardId, setBoardId] = useState<number | ''>('');
  const [subject, setSubject] = useState('');
  const [message, setMessage] = useState('');
  const [mode, setMode] = useState<Mode>('chat');
  const [callback, setCallback] = useCallbackInput();
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // One id per filled-in form: a double submit, or a retry after a lost answer, is one request.
  const clientId = useRef(newClientId());

  const closed = hours.data ? !hours.data.status.open : false;
  // Outside office hours the callback is offered up front; the user may still switch to chat.
  const decided = useRef(false);
  useEffect(() => {
    if (hours.data && !decided.current) {
      decided.current = true;
      if (!hours.data.status.open) setMode('callback');
    }
  }, [hours.data]);
  useEffect(() => {
    if (boards.data?.length === 1) setBoardId(boards.data[0].id);
  }, [boards.data]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (mode === 'callback') {
      const p = phoneProblem(callback.phone);
      setPhoneError(p);
      if (p) return;
    }
    setBusy(true);
    try {
      const wantsCallback = mode === 'callback' ? { callback: callbackBody(callback) } : {};
      const r = await api.post<{ existing: boolean; chat: PortalChat }>('/api/portal/chats', {
        boardId,
        subject: subject.trim(),
        message: message.trim(),
        clientId: clientId.current,
        ...wantsCallback,
      });
      // An open chat came back instead of a new one: the callback is asked for on it.
      if (mode === 'callback' && r.existing && r.chat.status === 'waiting') await api.post(`/api/portal/chats/${r.chat.id}/callback`, callbackBody(callback));
      void qc.invalidateQueries({ queryKey: keys.chats });
      navigate(`/chats/${r.chat.id}${r.existing ? '?existing=1' : ''}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="app-main">
      <h1>New request</h1>
      <OfficeHoursPanel />
      <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>Tell us what you need</h2>
        <ErrorBanner error={error} />
        <ErrorBanner error={boards.error} />
        {boards.data && boards.data.length === 0 && (
          <p className="banner banner-warn">No {word.inSentence} is offered to your company yet. Please contact your administrator.</p>
        )}
        <label htmlFor={`${id}-board`}>{word.label}</label>
        <select id={`${id}-board`} required value={boardId} onChange={(e) => setBoardId(e.target.value ? Number(e.target.value) : '')}>
          <option value="">Choose…</option>
          {boards.data?.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-subject`}>Subject</label>
        <input
          id={`${id}-subject`}
          required
          aria-invalid={tooLong(subject, MAX_SUBJECT)}
          aria-describedby={`${id}-subject-count`}
          value={subject}
          onChange={(e) => setSubject(e.target.value)}
        />
        <CharCount id={`${id}-subject-count`} length={subject.trim().length} max={MAX_SUBJECT} />
        <label htmlFor={`${id}-message`}>Message</label>
        <textarea
          id={`${id}-message`}
          required
          rows={4}
          aria-invalid={tooLong(message)}
          aria-describedby={`${id}-message-count`}
          value={message}
          onChange={(e) => setMessage(e.target.value)}
        />
        <CharCount id={`${id}-message-count`} length={message.trim().length} />

        <fieldset className="stack">
          <legend>How should we reply?</legend>
          <label className="row">
            <input type="radio" name={`${id}-mode`} checked={mode === 'callback'} onChange={() => setMode('callback')} style={{ width: 'auto' }} />
            Call me back{closed ? ' (recommended now: support is closed)' : ''}
          </label>
          <label className="row">
            <input type="radio" name={`${id}-mode`} checked={mode === 'chat'} onChange={() => setMode('chat')} style={{ width: 'auto' }} />
            Chat now{closed ? ' (nobody may respond until support opens)' : ''}
          </label>
        </fieldset>
        {mode === 'callback' && <CallbackFields value={callback} onChange={setCallback} phoneError={phoneError} withMessage={false} />}
        <div>
          <button
            type="submit"
            disabled={busy || !boardId || !subject.trim() || !message.trim() || tooLong(subject, MAX_SUBJECT) || tooLong(message)}
            aria-describedby={`${id}-why`}
          >
            {mode === 'callback' ? 'Request a callback' : 'Start chat'}
          </button>
          {/* A disabled button says why. */}
          <p id={`${id}-why`} className="field-hint" data-testid="submit-why">
            {!boardId
              ? `Choose the ${word.inSentence} first.`
              : !subject.trim()
                ? 'Write a subject first.'
                : !message.trim()
                  ? 'Write a message first.'
                  : tooLong(subject, MAX_SUBJECT)
                    ? 'Shorten the subject first.'
                    : tooLong(message)
                      ? 'Shorten the message first.'
                      : ''}
          </p>
        </div>
      </form>
    </main>
  );
}
