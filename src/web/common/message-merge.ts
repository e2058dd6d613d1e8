/** Pure bookkeeping of a chat's message list: ordered by seq, never doubled, gaps detected. */
import type { Message } from './types.js';

export function mergeMessages(current: Message[], incoming: Message[]): Message[] {
  if (!incoming.length) return current;
  const bySeq = new Map(current.map((m) => [m.seq, m]));
  let changed = false;
  for (const m of incoming) {
    if (!bySeq.has(m.seq)) {
      bySeq.set(m.seq, m);
      changed = true;
    }
  }
  if (!changed) return current;
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The highest seq up to which the list has no holes: the point to catch up from. */
export function contiguousSeq(messages: Message[]): number {
  let last = 0;
  for (const m of messages) {
    if (m.seq !== last + 1) break;
    last = m.seq;
  }
  return last;
}

/** `file`: a file being sent (its bytes wait in file-store.ts); `progress` from 0 to 1 while it uploads. */
export type Outgoing = {
  clientId: string;
  body: string;
  state: 'sending' | 'failed';
  error?: string;
  at: string;
  file?: { name: string; size: number; type: string };
  progress?: number;
  /** Refused for what it is (a file's type or size): it is only discarded, never tried again. */
  final?: boolean;
};

/** Outgoing messages still unconfirmed; kept in sessionStorage so a reload resends instead of losing them. */
export function loadOutbox(key: string): Outgoing[] {
  try {
    const raw = sessionStorage.getItem(key);
    const list = raw ? (JSON.parse(raw) as Outgoing[]) : [];
    return Array.isArray(list) ? list.filter((o) => typeof o.clientId === 'string' && typeof o.body === 'string') : [];
  } catch {
    return [];
  }
}

export function saveOutbox(key: string, list: Outgoing[]) {
  try {
    if (list.length) sessionStorage.setItem(key, JSON.stringify(list));
    else sessionStorage.removeItem(key);
  } catch {
    // Storage full or disabled: the outbox still lives in memory for this page.
  }
}
