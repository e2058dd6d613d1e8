import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { slashQuery, type Suggestion } from './slash-suggestions.js';
import { CharCount, tooLong } from './char-count.js';
import { clearDraft, loadDraft, saveDraft } from './drafts.js';
import { PaperclipIcon } from './icons.js';
import { FileRefusals } from './file-drop.js';

/**
 * Message box: Enter sends, Shift+Enter adds a line. With `draftKey`, what is typed survives a
 * reload and a switch to another chat (drafts.ts) until it is sent. Nothing is cut silently: a
 * text over the limit stays as typed or pasted, the counter says by how much, and Send waits.
 * With `suggestions` (canned replies), typing "/" and a few letters lists the matching ones:
 * arrow keys choose, Enter or Tab inserts in place of "/…", Escape closes the list.
 */
export function Composer({
  onSend,
  onTyping,
  disabledReason,
  draftKey,
  autoFocus,
  suggestions,
  label = 'Message',
  placeholder,
  onFiles,
}: {
  /** Files chosen, pasted or dropped: sent as they are; the answer lists refusals in words. */
  onFiles?: (files: File[]) => Promise<string[]>;
  /** A promise: the text stays until it resolves true (an internal note that failed keeps its text). */
  onSend: (body: string) => unknown;
  onTyping?: () => void;
  disabledReason?: string | null;
  draftKey?: string;
  /** Puts the cursor in the box when it first shows (after joining a chat). */
  autoFocus?: boolean;
  suggestions?: Suggestion[];
  /** The box's name (hidden label) and its hint, when not a message to the other side. */
  label?: string;
  placeholder?: string;
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
  const [sending, setSending] = useState(false);
  const [fileRefusals, setFileRefusals] = useState<string[]>([]);
  const picker = useRef<HTMLInputElement>(null);
  const takeFiles = async (files: File[]) => {
    if (!onFiles || disabled || !files.length) return;
    setFileRefusals(await onFiles(files));
  };
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const body = text.trim();
    if (!body || disabled || over || sending) return;
    const done = onSend(body);
    if (done instanceof Promise) {
      setSending(true);
      const ok = (await done) === true;
      setSending(false);
      if (!ok) return;
    }
    setText('');
    if (draftKey) clearDraft(draftKey);
  };
  // The "/" list: what the text before the cursor asks for, unless closed with Escape.
  const [caret, setCaret] = useState(0);
  const [closedFor, setClosedFor] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const slash = suggestions ? slashQuery(text, caret) : null;
  const matches = slash && suggestions ? suggestions.filter((o) => o.shortcut.includes(slash.query)).slice(0, 8) : [];
  const open = matches.length > 0 && closedFor !== text;
  const current = Math.min(active, matches.length - 1);
  const listId = `${id}-suggestions`;
  // The cursor goes after an inserted reply as soon as the box shows it, before the next key or
  // edit: put off to a later frame it could undo a select-all or a click made meanwhile.
  const placeCaret = useRef<number | null>(null);
  useLayoutEffect(() => {
    if (placeCaret.current === null) return;
    box.current?.setSelectionRange(placeCaret.current, placeCaret.current);
    placeCaret.current = null;
  });
  const insert = (o: Suggestion) => {
    if (!slash) return;
    const next = text.slice(0, slash.start) + o.text + text.slice(caret);
    const at = slash.start + o.text.length;
    change(next);
    setCaret(at);
    placeCaret.current = at;
  };
  const key = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (open && !e.nativeEvent.isComposing) {
      const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
      if (step) {
        e.preventDefault();
        setActive((current + step + matches.length) % matches.length);
        return;
      }
      if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
        e.preventDefault();
        insert(matches[current]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setClosedFor(text);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };
  return (
    <form
      className="composer"
      onSubmit={submit}
      onPaste={(e) => {
        // A screenshot pasted in the box is sent as a file; pasted text stays text.
        // Copied cells or text (Excel, Word, Outlook) carry a picture of themselves as well: the text wins.
        const files = [...e.clipboardData.files];
        if (!onFiles || !files.length || e.clipboardData.getData('text/plain').trim()) return;
        e.preventDefault();
        void takeFiles(files);
      }}
    >
      <FileRefusals refusals={fileRefusals} onDismiss={() => setFileRefusals([])} testId="file-refusal" />
      <label htmlFor={id} className="visually-hidden">
        {label}
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
          placeholder={disabledReason ?? placeholder ?? defaultPlaceholder(!!suggestions)}
          onChange={(e) => {
            // Escape closed the list for the text as it was; any edit lets "/" open it again.
            if (closedFor !== null && e.target.value !== closedFor) setClosedFor(null);
            change(e.target.value);
            setCaret(e.target.selectionStart);
            setActive(0);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onKeyDown={key}
          aria-autocomplete={suggestions ? 'list' : undefined}
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? `${listId}-${current}` : undefined}
        />
        {open && (
          <div id={listId} role="listbox" aria-label="Canned replies" className="slash-list" data-testid="canned-list">
            {matches.map((o, i) => (
              // Chosen with the keyboard from the message box (aria-activedescendant), or clicked.
              // biome-ignore lint/a11y/useKeyWithClickEvents: the keys are the message box's (arrows, Enter, Escape)
              <div
                key={`${i}-${o.shortcut}`}
                id={`${listId}-${i}`}
                role="option"
                tabIndex={-1}
                aria-selected={i === current}
                className="slash-option"
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => insert(o)}
              >
                <strong>/{o.shortcut}</strong> <span className="slash-preview">{o.text}</span>
              </div>
            ))}
          </div>
        )}
        {suggestions && (
          <span className="visually-hidden" aria-live="polite">
            {open ? `${matches.length} canned ${matches.length === 1 ? 'reply' : 'replies'}: arrow keys to choose, Enter to insert, Escape to close` : ''}
          </span>
        )}
        <CharCount id={`${id}-count`} length={text.trim().length} />
      </div>
      {onFiles && (
        <>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            data-testid="file-picker"
            onChange={(e) => {
              void takeFiles([...(e.target.files ?? [])]);
              e.target.value = '';
            }}
          />
          <button
            type="button"
            className="secondary attach-button"
            disabled={disabled}
            onClick={() => picker.current?.click()}
            title="Attach files (or paste or drop them here)"
          >
            <PaperclipIcon />
            <span className="visually-hidden">Attach files</span>
          </button>
        </>
      )}
      <button type="submit" disabled={disabled || !text.trim() || over || sending}>
        Send
      </button>
    </form>
  );
}

/**
 * What the empty box says: on a narrow screen (a phone, whose keyboard has no Shift+Enter to
 * speak of) the short form, which fits on the box's two lines.
 */
function defaultPlaceholder(canned: boolean): string {
  if (window.matchMedia?.('(max-width: 600px)').matches) return `Message (Enter sends${canned ? ', / canned replies' : ''})`;
  return `Write a message (Enter to send, Shift+Enter for a new line${canned ? ', / for canned replies' : ''})`;
}
