import { describe, expect, it } from 'vitest';
import { Turns } from './turns.js';

describe('turns', () => {
  it('runs at most its number at once, the rest in the order they came, and passes on failures without losing a slot', async () => {
    const turns = new Turns(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const gates = new Map<number, () => void>();
    const work = (i: number) =>
      turns.run(async () => {
        running++;
        most = Math.max(most, running);
        started.push(i);
        await new Promise<void>((r) => gates.set(i, r));
        running--;
        if (i === 1) throw new Error('refused');
        return i;
      });
    const all = [0, 1, 2, 3, 4].map((i) => work(i).catch((e: Error) => e.message));
    const settle = async () => new Promise((r) => setTimeout(r, 5));
    await settle();
    expect(started).toEqual([0, 1]);
    expect(turns.busy).toBe(5);
    for (const i of [1, 0, 2, 3, 4]) {
      while (!gates.has(i)) await settle();
      gates.get(i)!();
      await settle();
    }
    expect(await Promise.all(all)).toEqual([0, 'refused', 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(turns.busy).toBe(0);
  });
});
