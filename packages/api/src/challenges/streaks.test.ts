import { describe, expect, it } from 'vitest';
import { completionStep, type StoredStreak, streakAsOf } from './streaks.ts';

const stored = (over: Partial<StoredStreak> = {}): StoredStreak => ({
  current: 4,
  best: 9,
  lastDay: '2026-03-02',
  freezes: 0,
  run: 4,
  skipped: [],
  ...over,
});

describe('streakAsOf', () => {
  it('keeps the streak on the day of and the day after the last completion, and breaks it later', () => {
    expect(streakAsOf(stored(), '2026-03-02').current).toBe(4);
    expect(streakAsOf(stored(), '2026-03-03').current).toBe(4);
    expect(streakAsOf(stored(), '2026-03-04')).toMatchObject({ current: 0, freezes: 0, frozen: [] });
    expect(streakAsOf(stored({ lastDay: null, current: 0 }), '2026-03-04').current).toBe(0);
  });

  it('spends one freeze per missed day, oldest first, and breaks once they run out', () => {
    expect(streakAsOf(stored({ freezes: 2 }), '2026-03-05')).toMatchObject({
      current: 4,
      freezes: 0,
      run: 0,
      frozen: ['2026-03-03', '2026-03-04'],
    });
    expect(streakAsOf(stored({ freezes: 2 }), '2026-03-06')).toMatchObject({
      current: 0,
      freezes: 0,
      frozen: ['2026-03-03', '2026-03-04'],
    });
  });

  it('does not count a skipped day as missed', () => {
    expect(streakAsOf(stored({ skipped: ['2026-03-03'] }), '2026-03-04').current).toBe(4);
  });
});

describe('completionStep', () => {
  it('earns a freeze on the 7th solved day in a row, not beyond the cap', () => {
    expect(completionStep(stored({ run: 6 }), '2026-03-03')).toMatchObject({
      earnedFreeze: true,
      after: { current: 5, freezes: 1, run: 7 },
    });
    expect(completionStep(stored({ run: 13, freezes: 2 }), '2026-03-03')).toMatchObject({
      earnedFreeze: false,
      after: { freezes: 2, run: 14 },
    });
  });

  it('changes nothing for a second completion on the same day', () => {
    expect(completionStep(stored(), '2026-03-02')).toBeNull();
  });
});
