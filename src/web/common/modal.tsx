import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { errorMessage } from './api.js';

/**
 * A native modal <dialog>: the browser traps focus, Escape closes it, and focus returns on close
 * to what opened it. When that is gone (the action changed the page), focus goes to the page's
 * main region rather than being lost on the body.
 */
export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => {
      d?.close();
      setTimeout(focusMainIfLost, 0);
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={id}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={id}>{title}</h2>
      {children}
    </dialog>
  );
}

function focusMainIfLost() {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  const main = document.querySelector<HTMLElement>('main');
  if (!main) return;
  if (!main.hasAttribute('tabindex')) main.setAttribute('tabindex', '-1');
  main.focus();
}

/**
 * Asks before an action that cannot be undone. Cancel (or Escape) is the default; the action's
 * own button names what happens. Errors of the action show in the dialog, which stays open.
 */
export function ConfirmDialog(props: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <div className="stack">
        <p>{props.message}</p>
        {error && (
          <p className="banner banner-error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          {/* biome-ignore lint/a11y/noAutofocus: in a modal dialog, autofocus picks the control focused on opening (the safe choice, Cancel) */}
          <button type="button" className="secondary" autoFocus onClick={props.onClose} disabled={busy}>
            {props.cancelLabel ?? 'Cancel'}
          </button>
          <button type="button" onClick={() => void confirm()} disabled={busy}>
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </Modal>
  );
}
