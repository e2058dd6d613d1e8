import { describe, expect, it } from 'vitest';
import { formatMessageTime } from './format.js';

describe('message times', () => {
  const now = new Date(2026, 11, 2, 15, 0);
  it('are the time alone today, with the day before today, and with the year before this year', () => {
    const today = formatMessageTime(new Date(2026, 11, 2, 9, 5).toISOString(), now);
    const earlier = formatMessageTime(new Date(2026, 10, 30, 9, 5).toISOString(), now);
    const lastYear = formatMessageTime(new Date(2025, 10, 30, 9, 5).toISOString(), now);
    expect(today).not.toMatch(/30|2026|Nov|Dec/);
    expect(today).toMatch(/09[:.]05/);
    expect(earlier).toMatch(/Nov/);
    expect(earlier).toMatch(/30/);
    expect(earlier).not.toMatch(/2026/);
    expect(lastYear).toMatch(/2025/);
    expect(formatMessageTime(null, now)).toBe('');
  });
});
