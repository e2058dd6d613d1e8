import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { CharCount, tooLong } from './char-count.js';
import { clearDraft, loadDraft, saveDraft } from './drafts.js';

/**
 * Message box: Enter sends, Shift+Enter adds a line. With `draftKey`, what is typed survives a
 * reload and a switch to another chat (drafts.ts) until it is sent. Nothing is cut silently: a
 * text over the limit stays as typed or pasted, the counter says by how much, and Send waits.
 */
export function Composer({
  onSend,
  onTyping,
  disabledReason,
  draftKey,
  autoFocus,
}: {
  onSend: (body: string) => void;
  onTyping?: () => void;
  disabledReason?: string | null;
  draftKey?: string;
  /** Puts the cursor in the box when it first shows (after joining a chat). */
  autoFocus?: boolean;
}) {
  const [text, setText] = useState(() => (draftKey ? loadDraft(draftKey) : ''));
  const id = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const [focusFirst] = useState(() => autoFocus === true);
  useEffect(() => {
    if (focusFirst) box.current?.focus();
  }, [focusFirst]);
  const disabled = Boolean(disabledReason);
  // The same composer shown for another chat takes that chat's draft.
  useEffect(() => {
    setText(draftKey ? loadDraft(draftKey) : '');
  }, [draftKey]);
  const over = tooLong(text);
  const change = (value: string) => {
    setText(value);
    if (draftKey) saveDraft(draftKey, value);
    if (value) onTyping?.();
  };
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const body = text.trim();
    if (!body || disabled || over) return;
    onSend(body);
    setText('');
    if (draftKey) clearDraft(draftKey);
  };
  const key = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor={id} className="visually-hidden">
        Message
      </label>
      <div className="composer-field">
        <textarea
          ref={box}
          id={id}
          value={text}
          rows={2}
          disabled={disabled}
          aria-invalid={over}
          aria-describedby={`${id}-count`}
          placeholder={disabledReason ?? 'Write a message (Enter to send, Shift+Enter for a new line)'}
          onChange={(e) => change(e.target.value)}
          onKeyDown={key}
        />
        <CharCount id={`${id}-count`} length={text.trim().length} />
      </div>
      <button type="submit" disabled={disabled || !text.trim() || over}>
        Send
      </button>
    </form>
  );
}
