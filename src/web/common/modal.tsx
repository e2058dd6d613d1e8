/**
 * Dialogs, on Radix primitives (docs/design-system.md says why): a modal `Modal` for forms and
 * an `alertdialog` `ConfirmDialog` for actions that cannot be undone. Both are open while
 * mounted: the caller shows one by rendering it and closes it by not rendering it (`onClose`).
 * Focus moves in on opening, stays in while open, Escape closes, and focus returns on closing to
 * what opened it; when that is gone (the action changed the page), to the page's main region
 * rather than being lost on the body. No Radix overlay: it would inject an inline style sheet,
 * which the Content-Security-Policy refuses; `.modal-backdrop` draws the shade instead.
 */
import * as AlertDialog from '@radix-ui/react-alert-dialog';
import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useState, type ReactNode } from 'react';
import { errorMessage } from './api.js';

/**
 * When the dialog goes, focus returns to what had it when the dialog opened (the button that
 * opened it): Radix returns it only to a Dialog.Trigger, which these dialogs, shown by being
 * rendered, do not have. When that is gone (the action changed the page), to the main region.
 */
function useFocusBackOnClose() {
  const [opener] = useState(() => (typeof document === 'undefined' ? null : (document.activeElement as HTMLElement | null)));
  useEffect(() => () => void setTimeout(focusMainIfLost, 0), []);
  return (e: Event) => {
    e.preventDefault();
    if (opener && opener !== document.body && opener.isConnected) opener.focus();
  };
}

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const focusBack = useFocusBackOnClose();
  return (
    <Dialog.Root open onOpenChange={(open) => !open && onClose()}>
      <Dialog.Portal>
        <div className="modal-backdrop" />
        {/* A form's dialog closes by its buttons or Escape, never by a stray click beside it. */}
        <Dialog.Content className="modal" aria-describedby={undefined} onPointerDownOutside={(e) => e.preventDefault()} onCloseAutoFocus={focusBack}>
          <Dialog.Title asChild>
            <h2>{title}</h2>
          </Dialog.Title>
          {children}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
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
 * Asks before an action that cannot be undone. Cancel (or Escape) is the default and has the
 * focus on opening; the action's own button names what happens. Errors of the action show in the
 * dialog, which stays open.
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
  const focusBack = useFocusBackOnClose();
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
    <AlertDialog.Root open onOpenChange={(open) => !open && !busy && props.onClose()}>
      <AlertDialog.Portal>
        <div className="modal-backdrop" />
        {/* Modal, and said so: assistive technology (and axe) then know the page behind is out of reach. */}
        <AlertDialog.Content className="modal" aria-modal="true" onCloseAutoFocus={focusBack}>
          <AlertDialog.Title asChild>
            <h2>{props.title}</h2>
          </AlertDialog.Title>
          <div className="stack">
            <AlertDialog.Description asChild>
              <p>{props.message}</p>
            </AlertDialog.Description>
            {error && (
              <p className="banner banner-error" role="alert">
                {error}
              </p>
            )}
            <div className="row">
              <AlertDialog.Cancel asChild>
                <button type="button" className="secondary" disabled={busy}>
                  {props.cancelLabel ?? 'Cancel'}
                </button>
              </AlertDialog.Cancel>
              {/* Not AlertDialog.Action: that would close the dialog before the action is done. */}
              <button type="button" onClick={() => void confirm()} disabled={busy}>
                {props.confirmLabel}
              </button>
            </div>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
