/**
 * A short confirmation that an action worked ("Completed: Printer jam"), announced to screen
 * readers and shown for a few seconds where the person is looking, whatever the page does next.
 */
import { useEffect, useSyncExternalStore } from 'react';

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
  useEffect(() => {
    if (!shown) return;
    const t = setTimeout(() => {
      if (current === shown) {
        current = null;
        changed();
      }
    }, SHOWN_MS);
    return () => clearTimeout(t);
  }, [shown]);
  return (
    <div className="flash" role="status" aria-live="polite" data-testid="flash">
      {shown && <p className={`banner banner-${shown.kind}`}>{shown.text}</p>}
    </div>
  );
}
