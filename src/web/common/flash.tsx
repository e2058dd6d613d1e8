/**
 * A short confirmation that an action worked ("Completed: Printer jam"), announced to screen
 * readers and shown for a few seconds where the person is looking, whatever the page does next.
 */
import * as Toast from '@radix-ui/react-toast';
import { useSyncExternalStore } from 'react';

const SHOWN_MS = 6000;
let current: { text: string; kind: 'ok' | 'error'; at: number } | null = null;
const listeners = new Set<() => void>();
const changed = () => {
  for (const l of listeners) l();
};

export function flash(text: string, kind: 'ok' | 'error' = 'ok') {
  current = { text, kind, at: Date.now() };
  changed();
}

export function FlashBanner() {
  const shown = useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => current,
  );
  const clear = () => {
    if (current === shown) {
      current = null;
      changed();
    }
  };
  // On Radix Toast: announced (an error at once, a confirmation politely), gone after a few
  // seconds unless the pointer or focus is on it; no hotkey of its own (F8 is the alerts').
  return (
    <Toast.Provider label="Confirmation" duration={SHOWN_MS}>
      {shown && (
        <Toast.Root
          key={shown.at}
          open
          type={shown.kind === 'error' ? 'foreground' : 'background'}
          onOpenChange={(open) => !open && clear()}
          className={`banner banner-${shown.kind}`}
        >
          <Toast.Description>{shown.text}</Toast.Description>
        </Toast.Root>
      )}
      <Toast.Viewport className="flash" hotkey={[]} label="Confirmations" data-testid="flash" />
    </Toast.Provider>
  );
}
