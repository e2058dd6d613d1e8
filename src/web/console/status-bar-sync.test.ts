import { describe, expect, it } from 'vitest';
import { placeChat } from './status-bar-sync.js';
import type { StatusBarData } from './queries.js';
import type { ConsoleChat } from '../common/types.js';

const chat = (id: number, status: string, extra: Partial<ConsoleChat> = {}) =>
  ({
    id,
    status,
    requestedAt: new Date(1000 * id).toISOString(),
    joinedAt: null,
    abandonedAt: null,
    callbackAt: null,
    tech: null,
    abilities: { write: false },
    ...extra,
  }) as unknown as ConsoleChat;
const empty: StatusBarData = { available: true, waiting: [], active: [], abandoned: [], callback: [] };
const ids = (bar: StatusBarData) => ({
  waiting: bar.waiting.map((c) => c.id),
  active: bar.active.map((c) => c.id),
  abandoned: bar.abandoned.map((c) => c.id),
  callback: bar.callback.map((c) => c.id),
});

describe('status bar placement', () => {
  it('keeps waiting chats oldest first and moves a chat between lists as its status changes', () => {
    let bar = placeChat(empty, chat(3, 'waiting'));
    bar = placeChat(bar, chat(1, 'waiting'));
    expect(ids(bar).waiting).toEqual([1, 3]);
    bar = placeChat(
      bar,
      chat(3, 'active', { tech: { id: 7, name: 'Me' }, joinedAt: new Date().toISOString(), abilities: { write: true } as ConsoleChat['abilities'] }),
    );
    expect(ids(bar)).toEqual({ waiting: [1], active: [3], abandoned: [], callback: [] });
    bar = placeChat(bar, chat(3, 'completed'));
    expect(ids(bar).active).toEqual([]);
  });

  it("another tech's active chat (one this tech may not write in) leaves the waiting list and joins none", () => {
    let bar = placeChat(empty, chat(5, 'waiting'));
    bar = placeChat(bar, chat(5, 'active', { tech: { id: 8, name: 'Other' }, abilities: { write: false } as ConsoleChat['abilities'] }));
    expect(ids(bar)).toEqual({ waiting: [], active: [], abandoned: [], callback: [] });
  });
});
