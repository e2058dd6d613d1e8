import { describe, expect, it } from 'vitest';
import { labelLines, scaleTicks } from './chart-scale.js';

describe('chart scale', () => {
  it('covers the highest bar with 0 and a few round steps', () => {
    expect(scaleTicks(0)).toEqual([0, 1]);
    expect(scaleTicks(1)).toEqual([0, 1]);
    expect(scaleTicks(3)).toEqual([0, 1, 2, 3]);
    expect(scaleTicks(13)).toEqual([0, 5, 10, 15]);
    expect(scaleTicks(39)).toEqual([0, 10, 20, 30, 40]);
    expect(scaleTicks(100)).toEqual([0, 25, 50, 75, 100]);
    expect(scaleTicks(33_333)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    for (const max of [2, 7, 17, 99, 101, 999, 12_345]) {
      const t = scaleTicks(max);
      expect(t[0]).toBe(0);
      expect(t[t.length - 1]).toBeGreaterThanOrEqual(max);
      expect(t.length).toBeLessThanOrEqual(6);
      expect(t.every((v) => Number.isInteger(v))).toBe(true);
    }
  });

  it('puts a label on two lines, split near its middle, only when it does not fit', () => {
    expect(labelLines('1–2 min', 88)).toEqual(['1–2 min']);
    expect(labelLines('30 min and more', 88)).toEqual(['30 min', 'and more']);
    expect(labelLines('Dec 12', 20)).toEqual(['Dec', '12']);
    expect(labelLines('Monday', 10)).toEqual(['Monday']);
  });
});
