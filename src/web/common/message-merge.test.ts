import { describe, expect, it } from 'vitest';
import { contiguousSeq, mergeMessages } from './message-merge.js';
import type { Message } from './types.js';

const msg = (seq: number, body = `m${seq}`): Message => ({
  id: seq,
  chatId: 1,
  seq,
  author: { kind: 'portal', id: 1, name: 'U' },
  body,
  clientId: `c${seq}`,
  createdAt: new Date(0).toISOString(),
});

describe('message merge', () => {
  it('orders by seq and never doubles a message, whatever the arrival order', () => {
    const arrivals = [3, 1, 3, 2, 5, 1, 4, 5];
    let list: Message[] = [];
    for (const s of arrivals) list = mergeMessages(list, [msg(s)]);
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps the first copy of a seq and returns the same array when nothing is new', () => {
    const first = mergeMessages([], [msg(1, 'original')]);
    const again = mergeMessages(first, [msg(1, 'replayed')]);
    expect(again).toBe(first);
    expect(again[0].body).toBe('original');
  });

  it('reports the last seq before the first hole, so catch-up asks for the missing ones', () => {
    expect(contiguousSeq([])).toBe(0);
    expect(contiguousSeq([msg(1), msg(2), msg(3)])).toBe(3);
    expect(contiguousSeq([msg(1), msg(2), msg(4)])).toBe(2);
    expect(contiguousSeq([msg(2), msg(3)])).toBe(0);
  });
});
