import { describe, expect, it } from 'vitest';
import { Turns, TurnsFull } from './turns.js';

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

  it('a read whose asker went away leaves the line and never runs; the line behind it moves up', async () => {
    const turns = new Turns(1);
    let release!: () => void;
    const ran: string[] = [];
    const first = turns.run(async () => {
      ran.push('first');
      await new Promise<void>((r) => (release = r));
    });
    const gone = new AbortController();
    const second = turns.run(async () => void ran.push('second'), { signal: gone.signal });
    const third = turns.run(async () => void ran.push('third'));
    expect(turns.queued).toBe(2);
    gone.abort(new Error('asker gone'));
    await expect(second).rejects.toThrow('asker gone');
    expect(turns.queued).toBe(1);
    release();
    await Promise.all([first, third]);
    expect(ran).toEqual(['first', 'third']);
    expect(turns.busy).toBe(0);
    // Already gone before asking: refused at once, nothing runs, no slot is taken.
    await expect(turns.run(async () => void ran.push('late'), { signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
    expect(ran).toEqual(['first', 'third']);
    expect(turns.busy).toBe(0);
  });

  it('with maxWaiting, a read that would queue behind that many is refused at once; running ones and a free slot are not counted', async () => {
    const turns = new Turns(1);
    let release!: () => void;
    const running = turns.run(() => new Promise<void>((r) => (release = r)), { maxWaiting: 1 });
    const waiting = turns.run(async () => 'waited', { maxWaiting: 1 });
    await expect(turns.run(async () => 'refused', { maxWaiting: 1 })).rejects.toBeInstanceOf(TurnsFull);
    expect(turns.busy).toBe(2);
    release();
    await running;
    expect(await waiting).toBe('waited');
    expect(await turns.run(async () => 'free', { maxWaiting: 0 })).toBe('free');
  });
});
