import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { MAX_MESSAGE } from '../../shared/schemas.js';

/** Message box: Enter sends, Shift+Enter adds a line. */
export function Composer({ onSend, onTyping, disabledReason }: { onSend: (body: string) => void; onTyping?: () => void; disabledReason?: string | null }) {
  const [text, setText] = useState('');
  const id = useId();
  const disabled = Boolean(disabledReason);
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const body = text.trim();
    if (!body || disabled) return;
    onSend(body);
    setText('');
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
      <textarea
        id={id}
        value={text}
        maxLength={MAX_MESSAGE}
        rows={2}
        disabled={disabled}
        placeholder={disabledReason ?? 'Write a message (Enter to send, Shift+Enter for a new line)'}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value) onTyping?.();
        }}
        onKeyDown={key}
      />
      <button type="submit" disabled={disabled || !text.trim()}>
        Send
      </button>
    </form>
  );
}
