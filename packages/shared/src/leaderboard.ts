import { z } from 'zod';
import { LeaderboardWindow } from './enums.ts';
import { Cursor, PageDirection } from './pagination.ts';
import { LIMITS } from './limits.ts';

export const LeaderboardTopInput = z
  .object({
    window: LeaderboardWindow.default('all'),
    /** A private league's board (members only); the global board without it. */
    groupId: z.uuid().optional(),
    cursor: Cursor.nullish(),
    direction: PageDirection,
    limit: z.number().int().min(1).max(LIMITS.pageMax).default(LIMITS.pageDefault),
  })
  .strict();
export type LeaderboardTopInput = z.input<typeof LeaderboardTopInput>;

export const LeaderboardMeInput = z
  .object({ window: LeaderboardWindow.default('all'), groupId: z.uuid().optional() })
  .strict();
export type LeaderboardMeInput = z.input<typeof LeaderboardMeInput>;

export type LeaderboardEntry = { rank: number; userId: string; username: string; points: number };

/** `leaderboard.me`: `rank` is null in the week and month windows when the caller has no points in the period. */
export type LeaderboardMe = {
  window: LeaderboardWindow;
  rank: number | null;
  points: number;
  username: string;
  /** Up to two entries just above the caller, in board order. */
  above: LeaderboardEntry[];
  /** Up to two entries just below the caller, in board order. */
  below: LeaderboardEntry[];
};

/**
 * A `leaderboard.onChange` push: since the last push (at most one a second, coalesced) points changed
 * somewhere, or one of the caller's leagues gained or lost a member (the caller too: joined, left or
 * was removed). Clients refetch what they show (boards, the league list); `mine` is the caller's own
 * new total when it is among the changes.
 */
export type LeaderboardChange = { mine: { points: number; delta: number } | null };
