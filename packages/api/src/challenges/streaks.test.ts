import { describe, expect, it } from 'vitest';
import { effectiveStreak } from './streaks.ts';

describe('effectiveStreak', () => {
  it('shows the streak on the day of and the day after the last completion, and 0 later', () => {
    expect(effectiveStreak(4, '2026-03-02', '2026-03-02')).toBe(4);
    expect(effectiveStreak(4, '2026-03-02', '2026-03-03')).toBe(4);
    expect(effectiveStreak(4, '2026-03-02', '2026-03-04')).toBe(0);
    expect(effectiveStreak(0, null, '2026-03-04')).toBe(0);
  });
});
