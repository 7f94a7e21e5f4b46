import { describe, expect, it } from 'vitest';
import { addDays, localDay, monthStartUtc, weekStartUtc } from './local-day.ts';

describe('localDay', () => {
  it('gives Auckland and Los Angeles different dates at the same instant', () => {
    const instant = new Date('2026-03-02T12:00:00Z');
    expect(localDay(instant, 'Pacific/Auckland')).toBe('2026-03-03');
    expect(localDay(instant, 'America/Los_Angeles')).toBe('2026-03-02');
    expect(localDay(instant, 'UTC')).toBe('2026-03-02');
  });

  it('follows daylight saving: Los Angeles turns its day at 08:00 UTC in winter and 07:00 UTC in summer', () => {
    expect(localDay(new Date('2026-01-15T07:59:59Z'), 'America/Los_Angeles')).toBe('2026-01-14');
    expect(localDay(new Date('2026-01-15T08:00:00Z'), 'America/Los_Angeles')).toBe('2026-01-15');
    expect(localDay(new Date('2026-07-15T06:59:59Z'), 'America/Los_Angeles')).toBe('2026-07-14');
    expect(localDay(new Date('2026-07-15T07:00:00Z'), 'America/Los_Angeles')).toBe('2026-07-15');
  });

  it('falls back to UTC for a zone the runtime does not know', () => {
    expect(localDay(new Date('2026-03-02T23:30:00Z'), 'Mars/Olympus_Mons')).toBe('2026-03-02');
  });
});

describe('addDays', () => {
  it('crosses month, year and leap-day boundaries', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });
});

describe('weekStartUtc', () => {
  it('is the Monday 00:00 UTC on or before the instant', () => {
    expect(weekStartUtc(new Date('2026-03-02T00:00:00Z'))).toBe('2026-03-02'); // a Monday
    expect(weekStartUtc(new Date('2026-03-08T23:59:59Z'))).toBe('2026-03-02'); // the Sunday after
    expect(weekStartUtc(new Date('2026-03-09T00:00:00Z'))).toBe('2026-03-09');
    expect(weekStartUtc(new Date('2026-01-01T12:00:00Z'))).toBe('2025-12-29'); // across a year
  });
});

describe('monthStartUtc', () => {
  it('is the 1st of the UTC calendar month', () => {
    expect(monthStartUtc(new Date('2026-03-01T00:00:00Z'))).toBe('2026-03-01');
    expect(monthStartUtc(new Date('2026-03-31T23:59:59.999Z'))).toBe('2026-03-01');
    expect(monthStartUtc(new Date('2026-04-01T00:00:00Z'))).toBe('2026-04-01');
    expect(monthStartUtc(new Date('2026-02-28T23:30:00-05:00'))).toBe('2026-03-01'); // UTC, not local
    expect(monthStartUtc(new Date('2025-12-31T23:59:59Z'))).toBe('2025-12-01'); // across a year
  });
});
