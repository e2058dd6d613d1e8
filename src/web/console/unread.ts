/**
 * New messages from requesters that this tech has not seen yet, per chat: in a chat not on
 * screen, or on screen while the browser tab is hidden. Shown on the chat's tab and counted in
 * the page title, so a tech working in another tab or window sees that someone wrote.
 */
import { useSyncExternalStore } from 'react';

let counts: Record<number, number> = {};
const listeners = new Set<() => void>();
const changed = (next: Record<number, number>) => {
  counts = next;
  for (const l of listeners) l();
};

export function addUnread(chatId: number) {
  changed({ ...counts, [chatId]: (counts[chatId] ?? 0) + 1 });
}

export function clearUnread(chatId: number) {
  if (counts[chatId]) changed({ ...counts, [chatId]: 0 });
}

export const totalUnread = (c: Record<number, number>) => Object.values(c).reduce((a, b) => a + b, 0);

export function useUnread(): Record<number, number> {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => counts,
  );
}
