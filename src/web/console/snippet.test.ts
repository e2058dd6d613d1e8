import { describe, expect, it } from 'vitest';
import { splitMarks } from './snippet.js';

describe('search snippet marks', () => {
  it('splits on the marks and keeps markup as plain text', () => {
    expect(splitMarks('a \u0002toner\u0003 <img src=x onerror=alert(1)> \u0002b\u0003')).toEqual([
      { t: 'a ', hit: false },
      { t: 'toner', hit: true },
      { t: ' <img src=x onerror=alert(1)> ', hit: false },
      { t: 'b', hit: true },
    ]);
    expect(splitMarks('')).toEqual([]);
  });
});
