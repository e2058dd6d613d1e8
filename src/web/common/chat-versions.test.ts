import { describe, expect, it } from 'vitest';
import { newerChat, versionTracker } from './chat-versions.js';

describe('chat versions', () => {
  it('accepts a chat version equal to or above the highest seen, refuses an older one, per chat', () => {
    const v = versionTracker();
    expect(v.accept(1, 0)).toBe(true);
    expect(v.accept(1, 2)).toBe(true);
    // A replayed "waiting" (version 0) after the join (version 2): stale.
    expect(v.accept(1, 0)).toBe(false);
    expect(v.accept(1, 1)).toBe(false);
    expect(v.accept(1, 2)).toBe(true);
    expect(v.has(1, 2)).toBe(true);
    // Another chat is not affected.
    expect(v.accept(2, 0)).toBe(true);
  });

  it('forgets the least recently seen chats beyond its limit', () => {
    const v = versionTracker(2);
    v.accept(1, 5);
    v.accept(2, 5);
    v.accept(3, 5);
    expect(v.accept(1, 0)).toBe(true);
    expect(v.accept(3, 0)).toBe(false);
  });

  it('keeps the held chat when the received one is older, takes the received one otherwise', () => {
    const held = { id: 1, version: 3, status: 'active' };
    expect(newerChat(held, { id: 1, version: 1, status: 'waiting' })).toBe(held);
    const same = { id: 1, version: 3, status: 'active' };
    expect(newerChat(held, same)).toBe(same);
    const other = { id: 2, version: 0, status: 'waiting' };
    expect(newerChat(held, other)).toBe(other);
    expect(newerChat(null, other)).toBe(other);
  });
});
